"""Tests of the diffusion figures of lesson 03 (viz.diffusion), run headless.

Expected noisy poses are computed independently of ``forward_path`` (``conftest.expected_noisy``).
"""
from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import expected_noisy, joints_of

from ddhpose_lite import viz
from ddhpose_lite.diffusion import Schedule, forward_path

LEFT, RIGHT = viz.PAIR_TRACES["left"], viz.PAIR_TRACES["right"]
LEFT_JOINTS, RIGHT_JOINTS = LEFT[-1], RIGHT[-1]
MARKER = viz.PAIR_TRACES["marker"]


def frame_joints(frame, trace_index: int) -> np.ndarray:
    position = list(frame.traces).index(trace_index)
    data = frame.data[position]
    return np.stack([data.x, data.y, data.z], axis=-1).astype(float)


# ---------------------------------------------------------------- schedule curves


def test_schedule_curves_plot_alpha_bar_and_log_snr_with_a_marker(schedule):
    fig = viz.schedule_curves({"linear": Schedule.linear(), "cosine": schedule}, t=500)
    names = [trace.name for trace in fig.data]
    assert names[:4] == ["linear ᾱ", "linear log-SNR", "cosine ᾱ", "cosine log-SNR"]
    assert names.count("cosine at t") == 2
    curve = fig.data[2]
    assert curve.x[0] == 0 and curve.x[-1] == 999 and len(curve.x) <= 251
    k = list(curve.x).index(500)
    assert curve.y[k] == pytest.approx(schedule.alpha_bar[500].item(), abs=1e-5)
    log_snr = fig.data[3]
    assert log_snr.y[k] == pytest.approx(schedule.log_snr[500].item(), abs=1e-3)
    markers = [trace for trace in fig.data if trace.name == "cosine at t"]
    assert markers[0].x == (500,) and markers[0].y[0] == pytest.approx(schedule.alpha_bar[500].item(), abs=1e-5)
    assert markers[1].y[0] == pytest.approx(schedule.log_snr[500].item(), abs=1e-4)
    assert len(fig.to_json()) < 20_000


def test_schedule_curves_accept_arrays(schedule):
    fig = viz.schedule_curves({"cosine": schedule.alpha_bar.numpy()})
    assert len(fig.data) == 2


@pytest.mark.parametrize("schedules, options, message", [
    pytest.param(lambda schedule: {}, {},
                 "expected schedules as a non-empty mapping name -> Schedule or ᾱ_t array [T]", id="no-schedules"),
    pytest.param(lambda schedule: {"cosine": schedule}, dict(t=1000), "expected t as an int in 0..999, got 1000",
                 id="t-1000"),
    pytest.param(lambda schedule: {"bad": np.array([1.0, 0.5, -0.1])}, {},
                 "expected alpha_bar 'bad' in (0, 1], got values in [-0.1, 1]", id="negative-alpha-bar"),
])
def test_schedule_curves_reject_bad_input(schedule, schedules, options, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        viz.schedule_curves(schedules(schedule), **options)


# ---------------------------------------------------------------- the noising view


@pytest.mark.parametrize("t", [0, 250, 600])
def test_noising_view_shows_the_expected_noisy_poses(pose, schedule, t):
    path = forward_path(pose, [t], schedule, seed=3)
    fig = viz.noising_view(path.bones_pose[0], path.joints[0], schedule.alpha_bar, t, reference=pose)
    bones, joints = expected_noisy(pose, t, schedule, seed=3)
    np.testing.assert_allclose(joints_of(fig.data[LEFT_JOINTS]), bones, atol=6e-4)  # rounded to mm
    np.testing.assert_allclose(joints_of(fig.data[RIGHT_JOINTS]), joints, atol=6e-4)
    assert fig.data[MARKER].x == (t,)
    assert fig.data[MARKER].y[0] == pytest.approx(schedule.alpha_bar[t].item(), abs=1e-5)
    assert [fig.data[i].name for i in viz.PAIR_TRACES["references"]] == ["clean pose"] * 2
    assert fig.layout.scene.xaxis.range == fig.layout.scene2.xaxis.range  # the same box both sides
    assert f"t = {t}" in fig.layout.title.text


def test_noising_update_turns_one_view_into_another(pose, schedule):
    path = forward_path(pose, [100, 950], schedule, seed=1)
    fig = viz.noising_view(path.bones_pose[0], path.joints[0], schedule.alpha_bar, 100, reference=pose)
    viz.apply_update(fig, viz.noising_update(path.bones_pose[1], path.joints[1], schedule.alpha_bar, 950))
    late = viz.noising_view(path.bones_pose[1], path.joints[1], schedule.alpha_bar, 950, reference=pose)
    assert fig.to_json() == late.to_json()
    marker = late.data[MARKER]
    assert marker.cliponaxis is False and marker.textposition == "top left"  # t=950 stays inside the figure
    with pytest.raises(ValueError, match="expected t as an int in 0..999, got 1000"):
        viz.noising_update(pose, pose, schedule.alpha_bar, 1000)


@pytest.mark.parametrize("joints, t, options, message", [
    pytest.param(lambda pose: pose[:16], 3, {}, "expected joints_pose of shape [17, 3], got [16, 3]", id="16-joints"),
    pytest.param(lambda pose: pose, -1, {}, "expected t as an int in 0..999, got -1", id="t-minus-1"),
    pytest.param(lambda pose: pose, 3, dict(margin=-1.0), "expected margin as a number of metres >= 0, got -1.0",
                 id="negative-margin"),
])
def test_noising_view_bad_input(pose, schedule, joints, t, options, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        viz.noising_view(pose, joints(pose), schedule.alpha_bar, t, **options)


def test_noising_explorer_has_one_frame_per_t_and_stays_small(pose, schedule):
    ts = list(range(0, 700, 25)) + [700, 800, 900, 999]
    path = forward_path(pose, ts, schedule, seed=0)
    fig = viz.noising_explorer(path.bones_pose, path.joints, path.t, schedule.alpha_bar, reference=pose)
    assert len(fig.frames) == len(ts) == 32
    steps = fig.layout.sliders[0].steps
    assert [step.label for step in steps] == [str(t) for t in ts]
    assert [list(step.args[0]) for step in steps] == [[str(k)] for k in range(len(ts))]
    for k in (0, 10, 31):
        frame = fig.frames[k]
        assert list(frame.traces) == list(LEFT + RIGHT + (MARKER,))
        bones, joints = expected_noisy(pose, ts[k], schedule, seed=0)
        np.testing.assert_allclose(frame_joints(frame, LEFT_JOINTS), bones, atol=6e-4)
        np.testing.assert_allclose(frame_joints(frame, RIGHT_JOINTS), joints, atol=6e-4)
        assert frame.data[-1].x == (ts[k],) and f"t = {ts[k]}" in frame.layout.title.text
    size = len(fig.to_json())
    assert size < 130_000, size  # about 3.5 kB per frame


@pytest.mark.parametrize("bones, ts, message", [
    pytest.param(lambda path: path.bones_pose, [0, 10, 20],
                 "expected ts as 2 integer times (one per pose), got shape [3]", id="3-times-for-2-poses"),
    pytest.param(lambda path: path.bones_pose[0], [0, 10], "expected bones_poses of shape [F, 17, 3], got [17, 3]",
                 id="one-bones-pose"),
])
def test_noising_explorer_bad_input(pose, schedule, bones, ts, message):
    path = forward_path(pose, [0, 10], schedule)
    with pytest.raises(ValueError, match=re.escape(message)):
        viz.noising_explorer(bones(path), path.joints, ts, schedule.alpha_bar)


def test_both_scenes_are_seen_from_far_enough_for_their_axis_labels(pose, schedule, oracle_run):
    """Lesson 03 (issue 27): from 1.35 x the usual distance the two scenes (about 300 px wide) of the
    timestep scrubber lost the z axis title off their left edge, and those of the noising explorer
    and the DDIM trajectory were cut at the left and bottom edges. Measured in Chromium
    (tests/helpers/figure_labels.scene_edges and screenshots): from 1.8 x every tick label and
    title is inside."""
    from ddhpose_lite.viz.core import _EYES
    path = forward_path(pose, [0, 500], schedule, seed=0)
    trajectory, x0_poses, xt_poses = oracle_run
    figures = [viz.noising_view(path.bones_pose[1], path.joints[1], schedule.alpha_bar, 500, reference=pose),
               viz.noising_explorer(path.bones_pose, path.joints, path.t, schedule.alpha_bar, reference=pose),
               viz.ddim_trajectory(x0_poses, xt_poses, trajectory.times, schedule.alpha_bar, truth=pose)]
    usual = np.linalg.norm(list(_EYES["world"].values()))
    for fig in figures:
        for scene in (fig.layout.scene, fig.layout.scene2):
            eye = scene.camera.eye
            assert np.linalg.norm([eye.x, eye.y, eye.z]) / usual == pytest.approx(1.8, abs=0.01)


# ---------------------------------------------------------------- DDIM trajectory


def test_ddim_trajectory_steps_through_the_run(pose, schedule, oracle_run):
    trajectory, x0_poses, xt_poses = oracle_run
    fig = viz.ddim_trajectory(x0_poses, xt_poses, trajectory.times, schedule.alpha_bar, truth=pose)
    assert len(fig.frames) == 6 and [s.label for s in fig.layout.sliders[0].steps][-1] == "done"
    assert fig.data[-1].name == "sampling times" and list(fig.data[-1].x) == [999, 799, 599, 399, 199, -1]
    for k, (t, _) in enumerate(trajectory.times):
        frame = fig.frames[k]
        np.testing.assert_allclose(frame_joints(frame, LEFT_JOINTS), xt_poses[k].numpy(), atol=6e-4)
        np.testing.assert_allclose(frame_joints(frame, RIGHT_JOINTS), pose.numpy(), atol=6e-4)  # the oracle
        assert frame.data[-1].x == (t,)
    last = fig.frames[-1]
    np.testing.assert_allclose(frame_joints(last, LEFT_JOINTS), pose.numpy(), atol=6e-4)  # exact at the end
    assert last.data[-1].x == (-1,) and last.layout.title.text.startswith("done")
    assert len(fig.to_json()) < 40_000


def test_ddim_view_and_update_match_the_trajectory_frames(pose, schedule, oracle_run):
    trajectory, x0_poses, xt_poses = oracle_run
    arguments = (x0_poses, xt_poses, trajectory.times, schedule.alpha_bar)
    fig = viz.ddim_view(*arguments, truth=pose)
    assert not fig.frames and not fig.layout.sliders
    slider = viz.ddim_trajectory(*arguments, truth=pose)
    for step in (2, 5):
        update = viz.ddim_update(*arguments, step)
        frame = slider.frames[step]
        assert viz.update_frame(slider, update, str(step)).to_plotly_json() == frame.to_plotly_json()
        viz.apply_update(fig, update)
        assert fig.to_json() == viz.ddim_view(*arguments, step, truth=pose).to_json()
    with pytest.raises(ValueError, match=r"expected step as an int in 0..5, got 6"):
        viz.ddim_update(*arguments, 6)


@pytest.mark.parametrize("xt, times, message", [
    pytest.param(lambda xt_poses: xt_poses[:5], lambda times: times,
                 "expected 5 x0_poses and 6 xt_poses for 5 time pairs, got 5 and 5", id="5-xt-poses"),
    pytest.param(lambda xt_poses: xt_poses, lambda times: [(1999, 799)] + times[1:],
                 "expected a sampling time as an int in 0..999, got 1999", id="t-1999"),
])
def test_ddim_trajectory_bad_input(schedule, oracle_run, xt, times, message):
    trajectory, x0_poses, xt_poses = oracle_run
    with pytest.raises(ValueError, match=re.escape(message)):
        viz.ddim_trajectory(x0_poses, xt(xt_poses), times(trajectory.times), schedule.alpha_bar)
