"""Tests of the skeleton figures of lessons 01-02 (viz.poses), run headless: 3D skeletons and
highlights, the kinematic tree, animations, 2D keypoints, charts, galleries, bone lengths and the
perturbation explorer."""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from conftest import FIGURE_WIDTH, sizes_by_joint

from ddhpose_lite import viz
from ddhpose_lite.bones import compose, disentangle, rest_pose
from ddhpose_lite.skeleton import H36M
from ddhpose_lite.viz.core import _EYES
from ddhpose_lite.viz.motion import wrapped

HEAD, RANKLE, LSHOULDER, LELBOW, LWRIST, RWRIST = 10, 3, 11, 12, 13, 16
RHIP, LHIP = 1, 4


@pytest.fixture(scope="module")
def arm_raised() -> torch.Tensor:
    """The rest pose with the left forearm pointing forward (+y), made by forward kinematics."""
    length, direction = disentangle(rest_pose())
    direction = direction.clone()
    direction[LWRIST - 1] = torch.tensor([0.0, 1.0, 0.0])
    return compose(length, direction)


def world_to_camera(pose: torch.Tensor, distance: float = 3.0) -> torch.Tensor:
    """A camera in front of the person (at +y, looking along -y): x_cam = -x, y_cam = -z, z_cam = d - y."""
    return torch.stack([-pose[:, 0], -pose[:, 2], distance - pose[:, 1]], dim=-1)


def trace_named(fig: go.Figure, name: str):
    matches = [t for t in fig.data if t.name == name]
    assert len(matches) == 1, [t.name for t in fig.data]
    return matches[0]


def eye_distance(scene, frame: str) -> float:
    """How many times the usual distance (``viz.core._EYES``) a 3D scene is seen from."""
    eye = scene.camera.eye
    return float(np.linalg.norm([eye.x, eye.y, eye.z]) / np.linalg.norm(list(_EYES[frame].values())))


def points_of(trace) -> set[tuple[float, ...]]:
    coords = [trace.x, trace.y] + ([trace.z] if hasattr(trace, "z") and trace.z is not None else [])
    return {tuple(p) for p in zip(*coords) if p[0] is not None}


# ---------------------------------------------------------------- skeleton_3d


def test_skeleton_3d_has_one_bone_trace_per_level_and_one_joints_trace(pose):
    fig = viz.skeleton_3d(pose)
    assert isinstance(fig, go.Figure)
    assert [t.name for t in fig.data] == [f"level {k} bones" for k in range(1, 6)] + ["joints"]
    assert all(t.type == "scatter3d" for t in fig.data)
    assert fig.layout.template.layout.to_plotly_json() == {}  # no template bloat


def test_bone_colours_follow_the_level_of_the_child_joint(pose):
    fig = viz.skeleton_3d(pose)
    for level in range(1, 6):
        trace = trace_named(fig, f"level {level} bones")
        assert trace.line.color == viz.LEVEL_COLORS[level]
        children = [c for _, c in trace.meta["bones"]]
        assert children and all(H36M.levels[c] == level for c in children)
    wrists = trace_named(fig, "level 5 bones")
    assert sorted(c for _, c in wrists.meta["bones"]) == [LWRIST, RWRIST]
    expected = {tuple(np.round(pose[j].tolist(), 3)) for j in (LELBOW, LWRIST, 15, RWRIST)}
    assert points_of(wrists) == expected


def test_joint_markers_are_coloured_by_level_and_hover_names_the_joint(pose):
    joints = trace_named(viz.skeleton_3d(pose), "joints")
    assert list(joints.marker.color) == [viz.LEVEL_COLORS[lv] for lv in H36M.levels]
    assert len(joints.text) == 17
    for j, (name, text) in enumerate(zip(H36M.names, joints.text)):
        assert name in text and f"({j})" in text and f"level {H36M.levels[j]}" in text
    np.testing.assert_allclose(np.stack([joints.x, joints.y, joints.z], -1), pose.numpy(), atol=5e-4)


def test_highlight_marks_exactly_the_chain_parent_and_children(pose):
    fig = viz.skeleton_3d(pose, highlight=LELBOW)
    assert len(fig.data) == 7
    highlight = fig.data[-1]
    sizes = sizes_by_joint(highlight)
    assert set(sizes) == {0, 7, 8, LSHOULDER, LELBOW, LWRIST}  # chain 0,7,8,11,12 + child 13
    assert sizes[LELBOW] > sizes[LSHOULDER] == sizes[LWRIST] > sizes[8] == sizes[7] == sizes[0]
    symbols = {j: s for j, s in zip(highlight.customdata, highlight.marker.symbol) if j is not None}
    assert [j for j, s in symbols.items() if s == "diamond"] == [LELBOW]
    bones = {tuple(highlight.customdata[i:i + 2]) for i in range(0, len(highlight.customdata), 3)}
    assert bones == {(0, 7), (7, 8), (8, 11), (11, 12), (12, 13)}
    assert all(t.opacity < 1 for t in fig.data[:-1])  # the rest is faded
    by_name = viz.skeleton_3d(pose, highlight="LElbow").data[-1]
    assert by_name.customdata == highlight.customdata


def test_highlight_of_a_joint_collection_draws_the_bones_between_them(pose):
    highlight = viz.skeleton_3d(pose, highlight=[LSHOULDER, LELBOW, HEAD]).data[-1]
    assert set(sizes_by_joint(highlight)) == {LSHOULDER, LELBOW, HEAD}
    assert list(highlight.customdata) == [LSHOULDER, LELBOW, None, HEAD, None]


def test_world_frame_is_z_up_with_equal_axis_scale(pose):
    fig = viz.skeleton_3d(pose)
    joints = trace_named(fig, "joints")
    assert joints.z[HEAD] > joints.z[0] > joints.z[RANKLE]
    scene = fig.layout.scene
    extents = [scene[f"{a}axis"].range[1] - scene[f"{a}axis"].range[0] for a in "xyz"]
    ratios = [scene.aspectratio[a] for a in "xyz"]
    np.testing.assert_allclose(np.array(ratios) / max(ratios), np.array(extents) / max(extents), atol=2e-3)


def test_camera_frame_is_drawn_upright_by_mapping_minus_y_to_up(pose):
    camera_pose = world_to_camera(pose)
    assert camera_pose[HEAD, 1] < camera_pose[RANKLE, 1]  # y points down in the camera frame
    joints = trace_named(viz.skeleton_3d(camera_pose, frame="camera"), "joints")
    assert joints.z[HEAD] > joints.z[RANKLE]
    np.testing.assert_allclose(joints.z, -camera_pose[:, 1].numpy(), atol=5e-4)
    np.testing.assert_allclose(joints.y, camera_pose[:, 2].numpy(), atol=5e-4)  # depth
    np.testing.assert_allclose(joints.x, camera_pose[:, 0].numpy(), atol=5e-4)


def test_numpy_and_torch_poses_give_the_same_figure(pose):
    assert viz.skeleton_3d(pose).to_json() == viz.skeleton_3d(pose.numpy()).to_json()
    assert viz.skeleton_3d(pose.double()).to_json() == viz.skeleton_3d(pose.tolist()).to_json()


def test_skeletons_3d_overlays_poses_with_a_legend(pose, arm_raised):
    fig = viz.skeletons_3d({"ground truth": pose, "hypothesis": arm_raised}, opacity={"hypothesis": 0.5})
    assert len(fig.data) == 6 + 2  # by level, then one solid bones trace + joints
    assert fig.layout.showlegend
    assert [t.name for t in fig.data if t.showlegend] == ["ground truth", "hypothesis"]
    solid_bones, solid_joints = fig.data[6], fig.data[7]
    assert solid_bones.line.color == viz.OVERLAY_COLORS[0] and solid_bones.opacity == 0.5
    assert solid_joints.text[LWRIST].startswith("hypothesis: LWrist")
    assert solid_joints.y[LWRIST] > 0.2  # the raised forearm points forward
    default = viz.skeletons_3d({"a": pose, "b": pose})
    assert default.data[0].opacity == 1 and default.data[-1].opacity < 1  # overlays see-through
    custom = viz.skeletons_3d({"a": pose, "b": pose}, colors={"a": "red", "b": "level"})
    assert custom.data[0].line.color == "red" and len(custom.data) == 2 + 6
    with pytest.raises(ValueError, match="unknown names"):
        viz.skeletons_3d({"a": pose}, colors={"c": "red"})


# ---------------------------------------------------------------- kinematic tree and explorer


def test_kinematic_tree_puts_each_level_on_its_own_row():
    fig = viz.kinematic_tree()
    assert [t.name for t in fig.data] == [f"level {k} bones" for k in range(1, 6)] + ["joints", "names"]
    nodes = trace_named(fig, "joints")
    assert list(nodes.y) == list(H36M.levels)
    assert list(fig.layout.yaxis.range) == [5.5, -0.5]  # level 0 at the top
    assert list(trace_named(fig, "names").text) == list(H36M.names)
    for p, c in H36M.bones:  # every edge goes one row down
        assert nodes.y[c] == nodes.y[p] + 1
    positions = {(x, y) for x, y in zip(nodes.x, nodes.y)}
    assert len(positions) == 17  # no two nodes overlap


def test_kinematic_tree_highlight_is_drawn_first_as_a_glow():
    fig = viz.kinematic_tree(highlight=LELBOW)
    assert fig.data[0].name == "highlight"
    assert set(sizes_by_joint(fig.data[0])) == {0, 7, 8, LSHOULDER, LELBOW, LWRIST}


def test_highlight_updates_move_the_highlight_like_a_new_figure(pose):
    fig = viz.skeleton_3d(pose, highlight=LELBOW)
    viz.apply_update(fig, viz.highlight_update(pose, "RWrist"))
    assert fig.to_json() == viz.skeleton_3d(pose, highlight=RWRIST).to_json()
    tree = viz.kinematic_tree(highlight=LELBOW)
    viz.apply_update(tree, viz.tree_highlight_update(RWRIST))
    assert tree.to_json() == viz.kinematic_tree(highlight="RWrist").to_json()
    with pytest.raises(ValueError, match=r"expected a joint index in 0\.\.16"):
        viz.highlight_update(pose, 17)


def test_joint_facts_and_default_joint():
    facts = viz.joint_facts("LElbow")
    assert facts["joint"] == "LElbow (12)" and facts["parent"] == "LShoulder (11)"
    assert facts["children"] == "LWrist (13)" and facts["chain"].endswith("LShoulder \u2192 LElbow")
    assert viz.joint_facts(0)["parent"] == "none (the root)"
    assert viz.default_joint() == LELBOW


def test_joint_explorer_has_one_dropdown_entry_per_joint_restyling_the_highlight(pose):
    fig = viz.joint_explorer(pose)
    menu = fig.layout.updatemenus[0]
    assert len(menu.buttons) == 17 and menu.active == LELBOW
    highlight_index = len(fig.data) - 1
    for j, button in enumerate(menu.buttons):
        restyle, relayout, traces = button.args
        assert list(traces) == [highlight_index]
        joints = {k for k in restyle["customdata"][0] if k is not None}
        assert joints == set(H36M.chain_of(j)) | set(H36M.children[j])
        (text,) = relayout.values()
        assert f"{H36M.names[j]} ({j})" in text
    # the restyle values fit the trace: applying the RWrist entry gives the RWrist highlight
    restyle = menu.buttons[RWRIST].args[0]
    fig.update_traces({k: v[0] for k, v in restyle.items()}, selector=highlight_index)
    expected = viz.skeleton_3d(pose, highlight=RWRIST).data[-1]
    assert fig.data[-1].customdata == expected.customdata and fig.data[-1].x == expected.x


# ---------------------------------------------------------------- animation


@pytest.fixture(scope="module")
def clip(pose, arm_raised) -> torch.Tensor:
    """100 frames blending the rest pose into the raised arm while walking forward along +y."""
    weights = torch.linspace(0, 1, 100)[:, None, None]
    frames = (1 - weights) * pose + weights * arm_raised
    return frames + torch.stack([torch.zeros(100), torch.linspace(0, 1, 100), torch.zeros(100)], -1)[:, None]


def test_animate_clip_has_one_frame_per_stride_and_a_matching_slider(clip):
    fig = viz.animate_clip(clip, fps=50, stride=3)
    expected = math.ceil(100 / 3)
    assert len(fig.frames) == expected
    steps = fig.layout.sliders[0].steps
    assert len(steps) == expected
    assert [s.args[0][0] for s in steps] == [f.name for f in fig.frames]
    assert [s.label for s in steps] == [str(f) for f in range(0, 100, 3)]
    play = fig.layout.updatemenus[0].buttons[0]
    assert play.args[1]["frame"]["duration"] == pytest.approx(1000 * 3 / 50)
    assert len(fig.frames[0].data) == len(fig.data) == 6
    last_joints = fig.frames[-1].data[-1]
    np.testing.assert_allclose(last_joints.y, clip[99, :, 1].numpy(), atol=5e-4)


def test_animate_clip_axis_ranges_cover_the_whole_clip(clip):
    fig = viz.animate_clip(clip, stride=1)
    y_range = fig.layout.scene.yaxis.range
    assert y_range[0] < float(clip[..., 1].min()) and y_range[1] > float(clip[..., 1].max())
    assert all(frame.layout.to_plotly_json() == {} for frame in fig.frames)  # ranges never change


def test_animate_clip_overlays_clips_of_equal_length(clip):
    fig = viz.animate_clip({"truth": clip, "guess": clip + 0.01}, stride=10)
    assert len(fig.data) == 8 and len(fig.frames[0].data) == 8
    with pytest.raises(ValueError, match="same number of frames"):
        viz.animate_clip({"truth": clip, "short": clip[:50]})


# ---------------------------------------------------------------- 2D keypoints and charts


def test_keypoints_2d_in_pixels_has_y_down_and_the_image_frame(pose):
    keypoints = pose[:, [0, 2]] * torch.tensor([300.0, -300.0]) + 500.0
    fig = viz.keypoints_2d(keypoints, image_size=(1000, 1002))
    assert list(fig.layout.yaxis.range) == [1002, 0]  # y grows downwards
    assert fig.layout.yaxis.scaleanchor == "x"
    assert fig.layout.shapes[0].x1 == 1000 and fig.layout.shapes[0].y1 == 1002
    joints = trace_named(fig, "joints")
    assert joints.y[HEAD] < joints.y[RANKLE]
    assert len(fig.data) == 6 and fig.data[0].type == "scatter"


def test_keypoints_2d_overlays_and_animates(pose):
    truth = pose[:, [0, 2]] * torch.tensor([1.0, -1.0])
    noisy = truth + 0.02 * torch.randn(17, 2, generator=torch.Generator().manual_seed(0))
    fig = viz.keypoints_2d({"ground truth": truth, "noisy": noisy})
    assert len(fig.data) == 8 and fig.layout.showlegend
    assert fig.layout.yaxis.range[0] > fig.layout.yaxis.range[1]  # reversed: y down
    animated = viz.keypoints_2d(truth.expand(20, 17, 2), stride=4)
    assert len(animated.frames) == 5 and len(animated.layout.sliders[0].steps) == 5


def test_line_by_level_draws_one_series_per_name():
    fig = viz.line_by_level({"joints": [0, 10, 20, 30, 40, 50], "bones": np.arange(6.0)})
    assert [t.name for t in fig.data] == ["joints", "bones"]
    assert list(fig.data[0].x) == list(range(6)) and list(fig.data[1].y) == [0, 1, 2, 3, 4, 5]
    assert viz.line_by_level({"a": torch.ones(6)}, kind="bar").data[0].type == "bar"
    with pytest.raises(ValueError, match=r"expected values 'a' of shape \[6\]"):
        viz.line_by_level({"a": [1, 2, 3]})


# ---------------------------------------------------------------- sizes and errors


def test_figure_json_stays_small(pose, clip):
    assert len(viz.skeleton_3d(pose).to_json()) < 20_000
    assert len(viz.skeleton_3d(pose, highlight=LELBOW).to_json()) < 20_000
    assert len(viz.kinematic_tree(highlight=LELBOW).to_json()) < 20_000
    assert len(viz.keypoints_2d(pose[:, :2]).to_json()) < 20_000
    assert len(viz.joint_explorer(pose).to_json()) < 60_000
    assert len(viz.animate_clip(clip).to_json()) < 300_000


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: viz.skeleton_3d(np.zeros((16, 3))), r"expected pose of shape \[17, 3\], got \[16, 3\]"),
        (lambda: viz.skeleton_3d(torch.zeros(2, 17, 3)), r"expected pose of shape \[17, 3\], got \[2, 17, 3\]"),
        (lambda: viz.skeleton_3d(np.full((17, 3), np.nan)), "expected finite pose, got 51 NaN"),
        (lambda: viz.skeleton_3d(np.zeros((17, 3)), frame="image"), "expected frame 'world' or 'camera'"),
        (lambda: viz.skeleton_3d(np.zeros((17, 3)), highlight=17), r"expected a joint index in 0\.\.16"),
        (lambda: viz.skeleton_3d(np.zeros((17, 3)), highlight="Elbow"), "expected one of the joint names"),
        (lambda: viz.animate_clip(np.zeros((17, 3))), r"expected poses of shape \[F, 17, 3\], got \[17, 3\]"),
        (lambda: viz.animate_clip(np.zeros((4, 17, 3)), stride=0), "expected stride as a positive integer"),
        (lambda: viz.animate_clip(np.zeros((4, 17, 3)), fps=0), "expected fps as a positive number"),
        (lambda: viz.keypoints_2d(np.zeros((17, 3))), r"expected keypoints of shape \[17, 2\] or \[F, 17, 2\]"),
        (lambda: viz.keypoints_2d(np.zeros((17, 2)), image_size=(0, 10)), "expected a positive image_size"),
        (lambda: viz.skeletons_3d({}), "expected at least one pose"),
    ],
)
def test_bad_input_raises_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---------------------------------------------------------------- lesson 02: galleries, bone lengths, noise


def turned(pose: torch.Tensor, degrees: float) -> torch.Tensor:
    """The pose turned about the vertical (z) axis through the origin."""
    a = np.radians(degrees)
    rotation = torch.tensor([[np.cos(a), -np.sin(a), 0.0], [np.sin(a), np.cos(a), 0.0], [0.0, 0.0, 1.0]],
                            dtype=pose.dtype)
    return pose @ rotation.T


def points(trace) -> np.ndarray:
    return np.array([p for p in zip(trace.x, trace.y, trace.z) if p[0] is not None], dtype=float)


def test_3d_skeletons_are_seen_from_far_enough_for_their_axis_labels(pose, arm_raised):
    """Lesson 01 (issue 27): seen from the usual distance, the x and y axes (tick labels and titles)
    at the bottom of the skeleton, the joint explorer, the joint picker (340 x 440) and the mirror
    figure were cut by 13 to 46 px. Measured in Chromium (tests/helpers/figure_labels.scene_edges):
    from 1.25 x nothing reaches the scene's edges."""
    figures = [viz.skeleton_3d(pose), viz.skeleton_3d(pose, width=340, height=440), viz.joint_explorer(pose),
               viz.skeletons_3d({"a": arm_raised, "b": pose})]
    for fig in figures:
        assert eye_distance(fig.layout.scene, "world") == pytest.approx(1.25, abs=0.01)
    upright = viz.skeleton_3d(world_to_camera(pose), frame="camera")
    assert eye_distance(upright.layout.scene, "camera") == pytest.approx(1.25, abs=0.01)


# ---------------------------------------------------------------- pose_gallery


def test_gallery_is_one_scene_with_few_traces():
    poses = {f"pose {i}": rest_pose() for i in range(7)}
    fig = viz.pose_gallery(poses, columns=3)
    assert isinstance(fig, go.Figure)
    assert [t.name for t in fig.data] == [f"level {k} bones" for k in range(1, 6)] + ["joints", "labels"]
    assert all(t.type == "scatter3d" for t in fig.data)
    assert "scene2" not in fig.layout  # one WebGL context, however many poses
    assert len(fig.data[-2].x) == 7 * 17
    assert list(fig.data[-1].text) == list(poses)


def test_gallery_places_poses_on_a_grid_and_faces_them_front():
    base = rest_pose() + torch.tensor([3.0, -2.0, 1.0])  # anywhere, pelvis 1 m up
    poses = {"a": base, "b": turned(base, 90.0), "c": turned(base, -135.0)}
    fig = viz.pose_gallery(poses, columns=2, spacing=1.5)
    joints = points(fig.data[-2]).reshape(3, 17, 3)
    heights = [float(p[:, 2].max() - p[:, 2].min()) for p in joints]
    row_height = max(heights) + 0.75
    expected_roots = [(0.0, 0.0, 1.0), (-1.5, 0.0, 1.0), (0.0, 0.0, 1.0 - row_height)]
    np.testing.assert_allclose(joints[:, 0], expected_roots, atol=2e-3)
    for pose in joints:  # each faces +y: hips along +x, right hip on +x
        right = pose[RHIP] - pose[LHIP]
        assert right[0] > 0.2 and abs(right[1]) < 2e-3
        np.testing.assert_allclose(pose - pose[0], joints[0] - joints[0, 0], atol=3e-3)  # same shape


def test_gallery_keeps_heading_when_asked():
    pose = turned(rest_pose(), 90.0)
    joints = points(viz.pose_gallery({"a": pose}, face_front=False).data[-2])
    np.testing.assert_allclose(joints, pose.numpy(), atol=1e-3)


@pytest.mark.parametrize("kwargs, message", [
    (dict(poses={}), "at least one pose"),
    (dict(columns=0), "columns"),
    (dict(spacing=-1.0), "spacing"),
    (dict(poses={"bad": torch.zeros(16, 3)}), r"\[17, 3\]"),
])
def test_gallery_bad_input(kwargs, message):
    args = dict(poses={"a": rest_pose()}) | kwargs
    poses = args.pop("poses")
    with pytest.raises(ValueError, match=message):
        viz.pose_gallery(poses, **args)


# ---------------------------------------------------------------- bone_lengths_over_time


def test_bone_lengths_over_time_draws_one_line_per_series_and_bone():
    clip = rest_pose().expand(30, 17, 3)
    length, _ = disentangle(clip)  # [30, 16, 1]
    fig = viz.bone_lengths_over_time({"clean": length, "flat": length[..., 0].numpy()},
                                     bones=("RKnee", 13), fps=10)
    assert [t.name for t in fig.data] == ["RHip→RKnee: clean", "LElbow→LWrist: clean",
                                          "RHip→RKnee: flat", "LElbow→LWrist: flat"]
    assert fig.data[0].x[-1] == pytest.approx(2.9)  # 30 frames at 10 fps
    assert fig.data[0].y[0] == pytest.approx(45.0, abs=0.01)  # centimetres
    assert fig.data[1].y[5] == pytest.approx(25.0, abs=0.01)
    assert fig.data[0].line.width > fig.data[2].line.width  # the first series stands out
    assert fig.data[0].line.color == fig.data[2].line.color  # one colour per bone


@pytest.mark.parametrize("lengths, bones, message", [
    ({}, ("RKnee",), "non-empty"),
    ({"a": torch.ones(5, 15, 1)}, ("RKnee",), r"\[F, 16, 1\]"),
    ({"a": torch.ones(5, 16, 1), "b": torch.ones(6, 16, 1)}, ("RKnee",), "same number of frames"),
    ({"a": torch.ones(5, 16, 1)}, ("Pelvis",), "root"),
    ({"a": torch.ones(5, 16, 1)}, (), "at least one bone"),
])
def test_bone_lengths_over_time_bad_input(lengths, bones, message):
    with pytest.raises(ValueError, match=message):
        viz.bone_lengths_over_time(lengths, bones=bones)


# ---------------------------------------------------------------- perturbation_explorer


def steps_for(pose: torch.Tensor, scales=(0.01, 0.05)) -> dict:
    generator = torch.Generator().manual_seed(0)
    steps = {}
    for s in scales:
        noisy = pose + s * torch.randn(17, 3, generator=generator)
        steps[f"{s}"] = (noisy, {"a": [0, 1, 2, 3, 4, 5 * s], "b": np.full(6, s)})
    return steps


def test_perturbation_explorer_with_one_step_is_static():
    pose = rest_pose()
    fig = viz.perturbation_explorer(pose, steps_for(pose, (0.02,)))
    names = [t.name for t in fig.data]
    assert names[:2] == ["clean: bones", "clean"] and names[-2:] == ["a", "b"]
    assert names[7] == "noisy" and len(fig.data) == 2 + 6 + 2
    assert not fig.frames and not fig.layout.sliders
    assert fig.layout.scene.domain.x == (0.0, 0.5)
    assert fig.layout.yaxis.range[1] == pytest.approx(1.1 * 4)  # 10 % above the largest value


def test_perturbation_explorer_slider_swaps_noisy_pose_and_values():
    pose = rest_pose()
    steps = steps_for(pose)
    fig = viz.perturbation_explorer(pose, steps, ymax=3.0)
    assert len(fig.frames) == 2
    assert [s.label for s in fig.layout.sliders[0].steps] == list(steps)
    assert fig.layout.yaxis.range[1] == 3.0
    last = fig.frames[1]
    assert list(last.traces) == list(range(2, 10))  # the noisy pose (6 traces) and both series
    noisy = steps["0.05"][0].numpy()
    np.testing.assert_allclose(np.array([last.data[5].x, last.data[5].y, last.data[5].z]).T, noisy, atol=1e-3)
    assert list(last.data[7].y) == pytest.approx([0.05] * 6)
    clean = points(fig.data[1])
    np.testing.assert_allclose(clean, pose.numpy(), atol=1e-3)  # the clean pose never moves


def test_perturbation_explorer_camera_frame_draws_upright():
    pose = torch.stack([rest_pose()[:, 0], -rest_pose()[:, 2], 3 - rest_pose()[:, 1]], -1)  # camera coords
    fig = viz.perturbation_explorer(pose, steps_for(pose, (0.02,)), frame="camera")
    head, ankle = fig.data[1].z[10], fig.data[1].z[3]
    assert head > ankle


def test_gallery_is_seen_from_where_its_grid_fills_the_view():
    """Lesson 02 (issue 27): from a fixed eye at y = 1.1 the names over the top row of a 6 x 6
    gallery were cut at the scene's top edge, while a wide gallery left its sides empty. The eye is
    now where the grid's box (largest side 1) fits the view, 1.05 times farther: plotly's vertical
    field of view is 45 degrees, so a side s fills the view's height from s / (2 tan 22.5°) and its
    width from that times height / width. Measured in Chromium (tests/helpers/figure_labels.scene_edges):
    6 x 6 at 760 x 760, 8 x 4 at 760 x 560, 4 x 2 at 760 x 620 and 12 x 1 at 760 x 300 fit."""
    fit = 1 / (2 * math.tan(math.pi / 8))
    for count, columns, height in ((31, 6, 760), (31, 8, 560), (8, 4, 620), (12, 12, 300), (10, 2, 620)):
        fig = viz.pose_gallery({f"pose {i}": rest_pose() for i in range(count)}, columns=columns, height=height,
                               title="a gallery")
        layout, ratio, eye = fig.layout, fig.layout.scene.aspectratio, fig.layout.scene.camera.eye
        view_w = layout.width - layout.margin.l - layout.margin.r
        view_h = layout.height - layout.margin.t - layout.margin.b
        assert max(ratio.x, ratio.y, ratio.z) == 1.0
        assert (eye.x, eye.y) == (0.0, pytest.approx(1.05 * fit * max(ratio.z, ratio.x * view_h / view_w), abs=1e-3))
        assert eye.z == pytest.approx(0.18 * eye.y, abs=1e-3)  # a little from above
    tall, wide = (viz.pose_gallery({f"pose {i}": rest_pose() for i in range(count)}, columns=columns)
                  for count, columns in ((10, 2), (12, 12)))
    assert tall.layout.scene.aspectratio.z == 1.0 and wide.layout.scene.aspectratio.x == 1.0


def test_perturbation_explorer_is_seen_from_far_enough_for_its_axis_labels():
    """Lesson 02 (issue 27): seen from the usual distance the noise explorer's x and depth axes were
    cut at the bottom and right edges of its scene (camera frame, the left half of 820 px). Measured
    in Chromium (tests/helpers/figure_labels.scene_edges): from 1.25 x nothing reaches its edges,
    with one step (the interact version) or several (the slider)."""
    pose = rest_pose()
    for frame, shown in (("world", pose), ("camera", world_to_camera(pose))):
        for steps in (steps_for(shown, (0.02,)), steps_for(shown)):
            fig = viz.perturbation_explorer(shown, steps, frame=frame)
            assert eye_distance(fig.layout.scene, frame) == pytest.approx(1.25, abs=0.01)


@pytest.mark.parametrize("steps, message", [
    ({}, "non-empty"),
    ({"x": rest_pose()}, r"\(noisy pose"),
    ({"x": (rest_pose(), {"a": [1, 2, 3]})}, r"\[6\]"),
    ({"x": (rest_pose(), {"a": np.zeros(6)}), "y": (rest_pose(), {"b": np.zeros(6)})}, "same series|series"),
])
def test_perturbation_explorer_bad_input(steps, message):
    with pytest.raises(ValueError, match=message):
        viz.perturbation_explorer(rest_pose(), steps)


# ---------------------------------------------------------------- coverage_bars (lesson 02)


def test_coverage_bars_one_bar_group_per_dataset_in_percent():
    fig = viz.coverage_bars({"procedural": [0.5, 0.3, 0.2], "captured": [0.9, 0.1, 0.0]}, [0, 30, 90, 180])
    assert [t.name for t in fig.data] == ["procedural", "captured"]
    assert list(fig.data[0].x) == ["0-30", "30-90", "90-180"] and list(fig.data[1].y) == [90.0, 10.0, 0.0]
    assert fig.layout.barmode == "group" and fig.layout.width <= FIGURE_WIDTH


@pytest.mark.parametrize("histograms, edges, message", [
    ({"a": [1.0]}, [0], "at least two increasing bin edges"),
    ({"a": [0.5, 0.5]}, [0, 90], r"1 fractions for 'a' \(one per bin\), got \[2\]"),
])
def test_coverage_bars_bad_input(histograms, edges, message):
    with pytest.raises(ValueError, match=message):
        viz.coverage_bars(histograms, edges)


@pytest.mark.parametrize("label, characters, expected", [
    ("jumping_jacks", 10, "jumping<br>jacks"),
    ("look_around", 11, "look_around"),
    ("01_08: basketball - backwar", 20, "01_08: basketball -<br>backwar"),
    ("handstand", 4, "handstand"),  # one word longer than a line stays whole
    ("a b c d", 3, "a b<br>c d"),
    ("walk ", 10, "walk "),
], ids=["underscore", "fits", "spaces", "long-word", "several", "trailing"])
def test_gallery_labels_wrap_at_spaces_and_underscores(label, characters, expected):
    assert wrapped(label, characters) == expected


def test_gallery_wraps_names_to_the_column_width():
    """760 px over 8 columns at 9 px per character: 10 characters a line; 4 poses fill 4 columns: 21."""
    names = ("jumping_jacks", "reach_high", "look_around", "walk", "a", "b", "c", "d")
    fig = viz.pose_gallery({name: rest_pose() for name in names}, columns=8)
    assert list(fig.data[-1].text) == ["jumping<br>jacks", "reach_high", "look<br>around", "walk", "a", "b", "c", "d"]
    few = viz.pose_gallery({name: rest_pose() for name in names[:4]}, columns=8)
    assert list(few.data[-1].text) == list(names[:4])
    assert fig.data[-1].textposition == "top center"
