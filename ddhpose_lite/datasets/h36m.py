"""Human3.6M in the VideoPose3D npz format (files supplied by the user; data/README.md).

``load_h36m`` returns one ``Sequence`` per subject x action x camera with the published
calibration; ``group_by_action`` and ``h36m_action`` group recordings into the 15 actions of the
paper's Table 1. Every loader checks the layout it reads and fails with an error that names the
file, the expected layout and data/README.md instead of producing a half-loaded dataset.
"""
from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import numpy as np
import torch

from ..camera import H36M_CAMERAS, Camera, normalize_screen, world_to_camera
from ..errors import InputKeyError, MissingInputError, UserInputError
from ..skeleton import H36M
from .clips import Sequence

__all__ = ["H36M_TRAIN_SUBJECTS", "H36M_TEST_SUBJECTS", "H36M_ACTIONS", "H36M_ACTION_ABBREVIATIONS",
           "H36M_CAMERA_IDS", "H36M_EXTRINSICS", "H36M_KEEP_JOINTS", "h36m_action", "group_by_action", "table1_order",
           "h36m_cameras", "load_h36m"]

log = logging.getLogger(__name__)
README = "see data/README.md"

H36M_TRAIN_SUBJECTS = ("S1", "S5", "S6", "S7", "S8")
H36M_TEST_SUBJECTS = ("S9", "S11")
"""The standard split: train on five subjects, test on S9 and S11 (the paper and the official code)."""

H36M_KEEP_JOINTS = (0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27)
"""The 17 of the 32 Human3.6M mocap joints kept by VideoPose3D, in the order of ``H36M``."""

H36M_ACTIONS = (
    "Directions", "Discussion", "Eating", "Greeting", "Phoning", "Photo", "Posing", "Purchases",
    "Sitting", "SittingDown", "Smoking", "Waiting", "WalkDog", "Walking", "WalkTogether",
)
"""The 15 Human3.6M actions in the column order of the paper's Table 1."""

H36M_ACTION_ABBREVIATIONS = dict(zip(H36M_ACTIONS, (
    "Dir.", "Disc.", "Eat", "Greet", "Phone", "Photo", "Pose", "Purch.", "Sit", "SitD.",
    "Smoke", "Wait", "WalkD.", "Walk", "WalkT.",
)))
"""Column headers of Table 1."""

_ACTION_ALIASES = {"TakingPhoto": "Photo", "WalkingDog": "WalkDog"}  # S1 spells these differently

H36M_CAMERA_IDS = ("54138969", "55011271", "58860488", "60457274")
"""Camera order of the lists in ``positions_2d`` (index 0..3)."""

# Extrinsics of each subject's four cameras (order H36M_CAMERA_IDS), from the Human3.6M
# calibration as published in VideoPose3D's h36m_dataset.py: orientation is a unit quaternion
# (w, x, y, z) rotating camera-frame vectors into the world, translation is the camera centre in
# world millimetres. Checked in tests/test_datasets_real.py: every camera stands 4-6 m from the
# capture area's centre (0, 0, 0.9 m), 1.4-1.7 m above the floor, its optical axis within 11
# degrees of that centre and its image "down" along the world's -z. A JSON file in the same
# layout can replace it (``load_h36m(extrinsics=...)``, data/README.md).
H36M_EXTRINSICS: dict[str, tuple[tuple[tuple[float, ...], tuple[float, ...]], ...]] = {
    "S1": (
        ((0.1407056450843811, -0.1500701755285263, -0.755240797996521, 0.6223280429840088),
         (1841.1070556640625, 4955.28466796875, 1563.4454345703125)),
        ((0.6157187819480896, -0.764836311340332, -0.14833825826644897, 0.11794740706682205),
         (1761.278564453125, -5078.0068359375, 1606.2650146484375)),
        ((0.14651472866535187, -0.14647851884365082, 0.7653023600578308, -0.6094175577163696),
         (-1846.7777099609375, 5215.04638671875, 1491.972412109375)),
        ((0.5834008455276489, -0.7853162288665771, 0.14548823237419128, -0.14749594032764435),
         (-1794.7896728515625, -3722.698974609375, 1574.8927001953125)),
    ),
    "S5": (
        ((0.1467377245426178, -0.162370964884758, -0.7551892995834351, 0.6178938746452332),
         (2097.3916015625, 4880.94482421875, 1605.732421875)),
        ((0.6159758567810059, -0.7626792192459106, -0.15728192031383514, 0.1189815029501915),
         (2031.7008056640625, -5167.93310546875, 1612.923095703125)),
        ((0.14291371405124664, -0.12907841801643372, 0.7678384780883789, -0.6110143065452576),
         (-1620.5948486328125, 5171.65869140625, 1496.43701171875)),
        ((0.5920479893684387, -0.7814217805862427, 0.1274748593568802, -0.15036417543888092),
         (-1637.1737060546875, -3867.3173828125, 1547.033203125)),
    ),
    "S6": (
        ((0.1337897777557373, -0.15692396461963654, -0.7571090459823608, 0.6198879480361938),
         (1935.4517822265625, 4950.24560546875, 1618.0838623046875)),
        ((0.6147197484970093, -0.7628812789916992, -0.16174767911434174, 0.11819244921207428),
         (1969.803955078125, -5128.73876953125, 1632.77880859375)),
        ((0.1529948115348816, -0.13529130816459656, 0.7646096348762512, -0.6112781167030334),
         (-1769.596435546875, 5185.361328125, 1476.993408203125)),
        ((0.5916101336479187, -0.7804774045944214, 0.12832270562648773, -0.1561593860387802),
         (-1721.668701171875, -3884.13134765625, 1540.4879150390625)),
    ),
    "S7": (
        ((0.1435241848230362, -0.1631336808204651, -0.7548328638076782, 0.6188824772834778),
         (1974.512939453125, 4926.3544921875, 1597.8326416015625)),
        ((0.6141672730445862, -0.7638262510299683, -0.1596645563840866, 0.1177929937839508),
         (1937.0584716796875, -5119.7900390625, 1631.5665283203125)),
        ((0.14550060033798218, -0.12874816358089447, 0.7660516500473022, -0.6127139329910278),
         (-1741.8111572265625, 5208.24951171875, 1464.8245849609375)),
        ((0.5912848114967346, -0.7821764349937439, 0.12445473670959473, -0.15196487307548523),
         (-1734.7105712890625, -3832.42138671875, 1548.5830078125)),
    ),
    "S8": (
        ((0.14110587537288666, -0.15589867532253265, -0.7561917304992676, 0.619644045829773),
         (2150.65185546875, 4896.1611328125, 1611.9046630859375)),
        ((0.6169601678848267, -0.7647668123245239, -0.14846350252628326, 0.11158157885074615),
         (2219.965576171875, -5148.453125, 1613.0440673828125)),
        ((0.1471444070339203, -0.13377119600772858, 0.7670128345489502, -0.6100369691848755),
         (-1571.2215576171875, 5137.0185546875, 1498.1761474609375)),
        ((0.5927824378013611, -0.7825870513916016, 0.12147816270589828, -0.14631995558738708),
         (-1476.913330078125, -3896.7412109375, 1547.97216796875)),
    ),
    "S9": (
        ((0.15540587902069092, -0.15548215806484222, -0.7532095313072205, 0.6199594736099243),
         (2044.45849609375, 4935.1171875, 1481.2275390625)),
        ((0.618784487247467, -0.7634735107421875, -0.14132238924503326, 0.11933968216180801),
         (1990.959716796875, -5123.810546875, 1568.8048095703125)),
        ((0.13357827067375183, -0.1367100477218628, 0.7689454555511475, -0.6100738644599915),
         (-1670.9921875, 5211.98583984375, 1528.387939453125)),
        ((0.5879399180412292, -0.7823407053947449, 0.1427614390850067, -0.14794869720935822),
         (-1696.04345703125, -3827.099853515625, 1591.4127197265625)),
    ),
    "S11": (
        ((0.15232472121715546, -0.15442320704460144, -0.7547563314437866, 0.6191070079803467),
         (2098.440185546875, 4926.5546875, 1500.278564453125)),
        ((0.6189449429512024, -0.7600917220115662, -0.15300633013248444, 0.1255258321762085),
         (2083.182373046875, -4912.1728515625, 1561.07861328125)),
        ((0.14943228662014008, -0.15650227665901184, 0.7681233882904053, -0.6026304364204407),
         (-1609.8153076171875, 5177.3359375, 1537.896728515625)),
        ((0.5894251465797424, -0.7818877100944519, 0.13991211354732513, -0.14715361595153809),
         (-1590.738037109375, -3854.1689453125, 1578.017578125)),
    ),
}


def h36m_action(name: str) -> str:
    """The Table 1 action of a Human3.6M recording name: "Directions 1" -> "Directions",
    "TakingPhoto" -> "Photo", "WalkingDog 1" -> "WalkDog" (VideoPose3D groups by the first
    word; S1 spells two actions differently). Unknown names come back with the suffix dropped."""
    base = str(name).split(" ")[0]
    return _ACTION_ALIASES.get(base, base)


def table1_order(names) -> list[str]:
    """Action names sorted as the columns of Table 1: the 15 Human3.6M actions first, in column
    order, then any others alphabetically."""
    order = {name: i for i, name in enumerate(H36M_ACTIONS)}
    return sorted(names, key=lambda name: (order.get(name, len(order)), name))


def group_by_action(sequences: list[Sequence], grouped: bool = True) -> dict[str, list[Sequence]]:
    """Sequences by action, in Table 1 order (``table1_order``). ``grouped``: merge recordings of
    one Table 1 action ("Directions" and "Directions 1")."""
    groups: dict[str, list[Sequence]] = {}
    for seq in sequences:
        groups.setdefault(h36m_action(seq.action) if grouped else seq.action, []).append(seq)
    return {name: groups[name] for name in table1_order(groups)}


def _subject_key(subject: str):
    digits = re.sub(r"\D", "", subject)
    return (int(digits) if digits else 1 << 30, subject)


def _load_extrinsics(extrinsics) -> dict:
    """None (the published table), a dict in the JSON layout, or a path to such a JSON file."""
    if extrinsics is None:
        return {s: [{"orientation": q, "translation": t} for q, t in cams] for s, cams in H36M_EXTRINSICS.items()}
    if isinstance(extrinsics, (str, Path)):
        path = Path(extrinsics)
        if not path.is_file():
            raise MissingInputError(
                f"expected a camera extrinsics JSON file at {path} "
                f'({{"S1": [{{"orientation": [w, x, y, z], "translation": [x, y, z] (mm)}} x 4], ...}}); {README}'
            )
        extrinsics = json.loads(path.read_text())
    if not isinstance(extrinsics, dict):
        raise TypeError(f"expected extrinsics as None, a dict or a JSON path, got {type(extrinsics).__name__}")
    return extrinsics


def h36m_cameras(subject: str, extrinsics=None) -> tuple[Camera, ...]:
    """The four calibrated cameras of a subject: Human3.6M intrinsics (``camera.H36M_CAMERAS``)
    with that subject's extrinsics (translation converted from mm to metres), in the order of the
    ``positions_2d`` lists (``H36M_CAMERA_IDS``). ``extrinsics``: see ``load_h36m``."""
    table = _load_extrinsics(extrinsics)
    if subject not in table:
        raise InputKeyError(
            f"expected camera extrinsics for subject {subject!r}, got only {sorted(table, key=_subject_key)}; {README}"
        )
    cams = table[subject]
    if len(cams) != len(H36M_CAMERA_IDS):
        raise UserInputError(f"expected 4 cameras for subject {subject}, got {len(cams)}; {README}")
    out = []
    for cam_id, params in zip(H36M_CAMERA_IDS, cams):
        if not isinstance(params, dict) or not {"orientation", "translation"} <= set(params):
            raise InputKeyError(
                f"expected 'orientation' and 'translation' for camera {cam_id} of {subject}, got {params!r}; {README}"
            )
        base = H36M_CAMERAS[cam_id]
        translation = np.asarray(params["translation"], dtype=float) / 1000.0  # mm -> m
        out.append(Camera(
            base.res_w, base.res_h, base.focal_length, base.center, base.radial_distortion,
            base.tangential_distortion, orientation=tuple(params["orientation"]),
            translation=tuple(translation), name=cam_id,
        ))
    return tuple(out)


def _npz_dict(path: Path, key: str, layout: str) -> tuple[dict, object]:
    """Open a VideoPose3D npz and return (the pickled dict under ``key``, the open archive)."""
    if not path.is_file():
        raise MissingInputError(f"expected {path} ({layout}); {README}")
    archive = np.load(path, allow_pickle=True)
    if key not in archive.files:
        raise InputKeyError(f"expected key {key!r} in {path} ({layout}), got keys {archive.files}; {README}")
    value = archive[key]
    if value.dtype == object and value.shape == ():
        value = value.item()
    if not isinstance(value, dict):
        raise UserInputError(f"expected {path}[{key!r}] to hold a pickled dict ({layout}), "
                             f"got {type(value).__name__}; {README}")
    return value, archive


_LAYOUT_3D = "key 'positions_3d': subject -> action -> float32 [T, 32, 3], world metres"
_LAYOUT_2D = "keys 'positions_2d': subject -> action -> 4 x [T, 17, 2] pixels, and 'metadata'"


def _check_metadata(archive, path: Path) -> None:
    if "metadata" not in archive.files:
        raise InputKeyError(f"expected key 'metadata' in {path} ({_LAYOUT_2D}), got keys {archive.files}; {README}")
    meta = archive["metadata"]
    meta = meta.item() if meta.dtype == object and meta.shape == () else meta
    if not isinstance(meta, dict):
        raise UserInputError(f"expected {path}['metadata'] to be a pickled dict, got {type(meta).__name__}; {README}")
    if int(meta.get("num_joints", 17)) != 17:
        raise UserInputError(f"expected num_joints 17 in {path}['metadata'], got {meta['num_joints']}; {README}")
    symmetry = meta.get("keypoints_symmetry")
    if symmetry is not None:
        left, right = (tuple(int(j) for j in side) for side in symmetry)
        if (left, right) != (H36M.joints_left, H36M.joints_right):
            raise UserInputError(
                f"expected keypoints_symmetry {[list(H36M.joints_left), list(H36M.joints_right)]} (H36M order) "
                f"in {path}['metadata'], got {[list(left), list(right)]}; {README}"
            )


def load_h36m(
    data_dir="data",
    keypoints: str = "cpn_ft_h36m_dbb",
    subjects=None,
    actions=None,
    extrinsics=None,
) -> list[Sequence]:
    """Human3.6M in the VideoPose3D npz format, one ``Sequence`` per subject x action x camera.

    Reads ``data_dir/data_3d_h36m.npz`` and ``data_dir/data_2d_h36m_<keypoints>.npz``
    (``keypoints`` "cpn_ft_h36m_dbb" for CPN detections or "gt"); layouts in data/README.md.
    For every camera: the 17 kept joints (``H36M_KEEP_JOINTS``) go from world to camera frame
    (R^-1 (X - t), the subject's extrinsics), the pelvis is subtracted (root-relative poses;
    ``trajectory`` keeps it) and the 2D keypoints, trimmed to the 3D length when longer (as
    VideoPose3D does), are normalised with the camera's resolution.

    subjects: None for every subject of the 3D file, or names, e.g. ``H36M_TEST_SUBJECTS``.
    actions: None for all, or names; a name matches a recording exactly or as its Table 1 action
    ("Directions" selects "Directions" and "Directions 1"; see ``h36m_action``).
    extrinsics: None for the published calibration (``H36M_EXTRINSICS``), or a dict / JSON file
    ``{"S1": [{"orientation": [w, x, y, z], "translation": [x, y, z] (mm)}, x 4], ...}``.
    """
    data_dir = Path(data_dir)
    path_3d = data_dir / "data_3d_h36m.npz"
    path_2d = data_dir / f"data_2d_h36m_{keypoints}.npz"
    positions_3d, _ = _npz_dict(path_3d, "positions_3d", _LAYOUT_3D)
    positions_2d, archive_2d = _npz_dict(path_2d, "positions_2d", _LAYOUT_2D)
    _check_metadata(archive_2d, path_2d)
    table = _load_extrinsics(extrinsics)

    if subjects is None:
        subjects = sorted(positions_3d, key=_subject_key)
    elif isinstance(subjects, str):
        subjects = [subjects]
    for subject in subjects:
        for path, data, layout in ((path_3d, positions_3d, _LAYOUT_3D), (path_2d, positions_2d, _LAYOUT_2D)):
            if subject not in data:
                raise InputKeyError(
                    f"expected subject {subject!r} in {path} ({layout}), got {sorted(data, key=_subject_key)}; {README}"
                )
    wanted = None if actions is None else ({actions} if isinstance(actions, str) else set(actions))
    matched: set[str] = set()
    keep = list(H36M_KEEP_JOINTS)
    sequences = []
    for subject in subjects:
        cameras = h36m_cameras(subject, table)
        for action in sorted(positions_3d[subject]):
            if wanted is not None:
                hits = wanted & {action, h36m_action(action)}
                if not hits:
                    continue
                matched |= hits
            world = np.asarray(positions_3d[subject][action])
            if world.ndim != 3 or world.shape[1:] != (32, 3):
                raise UserInputError(
                    f"expected {path_3d}['positions_3d'][{subject!r}][{action!r}] of shape [T, 32, 3], "
                    f"got {list(world.shape)}; {README}"
                )
            if action not in positions_2d[subject]:
                raise InputKeyError(f"expected action {action!r} of {subject} in {path_2d} ({_LAYOUT_2D}); {README}")
            views = positions_2d[subject][action]
            if len(views) != len(cameras):
                raise UserInputError(
                    f"expected 4 camera views for {subject} {action!r} in {path_2d}, got {len(views)}; {README}"
                )
            frames = world.shape[0]
            world_t = torch.from_numpy(world[:, keep].astype(np.float64))
            for index, (camera, view) in enumerate(zip(cameras, views)):
                view = np.asarray(view)
                if view.ndim != 3 or view.shape[1:] != (17, 2):
                    raise UserInputError(
                        f"expected {path_2d}['positions_2d'][{subject!r}][{action!r}][{index}] of shape "
                        f"[T, 17, 2], got {list(view.shape)}; {README}"
                    )
                if view.shape[0] < frames:
                    raise UserInputError(
                        f"expected at least {frames} 2D frames (the 3D length) for {subject} {action!r} "
                        f"camera {index} in {path_2d}, got {view.shape[0]}; {README}"
                    )
                kp = torch.from_numpy(view[:frames].astype(np.float64))  # 2D may be longer: trim
                camera_frame = world_to_camera(world_t, camera)
                root = camera_frame[:, :1]
                sequences.append(Sequence(
                    keypoints_2d=normalize_screen(kp, camera.res_w, camera.res_h).float(),
                    poses_3d=(camera_frame - root).float(),
                    subject=subject, action=action, camera=camera, trajectory=root[:, 0].float(),
                    image_size=(camera.res_w, camera.res_h),
                    extra={"camera_index": index, "camera_id": camera.name, "keypoints": keypoints},
                ))
    if wanted is not None and wanted - matched:
        raise InputKeyError(
            f"expected actions {sorted(wanted - matched)} in {path_3d} for subjects {list(subjects)}; "
            f"Table 1 actions are {list(H36M_ACTIONS)}; {README}"
        )
    log.info("loaded %d Human3.6M sequences (%s 2D) from %s", len(sequences), keypoints, data_dir)
    return sequences

