"""Captured human motion: CMU mocap clips (BVH) as 17-joint Human3.6M poses.

The package ships ``assets/cmu_mocap.npz``: 101 CMU trials of 14 subjects (walking, running,
jumping, dance, basketball, playground, everyday actions) as 113 clips, 9.7 minutes at 50 fps,
rebuilt from the BVH archive by ``tools/build_mocap_asset.py``; ``docs/data.md`` tells where
it comes from and the terms (keep ``ACKNOWLEDGEMENT`` with anything made from it).

How a BVH file becomes a clip (each step a function; reading the file and forward kinematics,
which know no particular skeleton, are ``bvh.py``'s):

1. ``bvh.parse_bvh``: the text -> ``Bvh`` (any skeleton).
2. ``bvh.forward_kinematics``: world positions [F, J, 3] of every joint and end site, in file
   units and axes.
3. ``to_h36m``: the variant's table (``VARIANTS``) picks the 17 Human3.6M points, converts to
   metres and from BVH's Y-up to the package's z-up world, and drops the leading frames that
   are not capture (the added T-pose; Daz files also blend out of it over 9 frames).
   ``capture_pieces`` also leaves out empty and frozen frames and cuts at glitches (a bone
   turning faster than 3,600 deg/s); a trial is then stored as its pieces of 1 s or more.
4. ``resample``: from the true frame rate (120 fps; the frame rate in ``index.csv`` wins over a
   file's header) to 50 fps by linear interpolation of positions.
5. ``retarget``: proportions are normalised, not learned. Each frame keeps its captured bone
   DIRECTIONS; the bone LENGTHS become those of a chosen body; the ground-plane trajectory is
   scaled by the leg-length ratio (stride follows leg length) and the root is re-placed so
   that the lowest ankle keeps its height above the floor. The asset holds every clip
   retargeted to one reference body (``REFERENCE_LENGTHS`` = ``bones.H36M_BONE_LENGTHS``,
   about 1.75 m tall); a dataset gives each clip a random body with
   ``retarget(clip.poses_world, synthetic.sample_subject(i, seed).bone_lengths)``.
   Why: the CMU conversion sets the neck and shoulders at zero offset from the chest (bodies
   of 1.40-1.50 m with short torsos) and the 13 Daz clips all share one retargeted figure,
   so raw lengths would teach a lifter one capture's proportions.

The floor: the capture's floor (BVH y = 0) is kept up to a per-trial shift that puts z = 0 at
the height of a planted ankle, as in ``synthetic.generate_sequence`` (the lowest ankle on the
floor z = 0): the shift is the 5th percentile over frames of the lowest ankle's height (trials
touch the floor in far more than 5 % of their frames; jumps and climbs stay above it).

Units: metres, seconds, world z-up; the person of a BVH rest pose faces +y with the right at
+x. The axis change is the proper rotation (x, y, z) = (-X, Z, Y) of BVH (X, Y, Z): BVH figures
face +Z with their left at +X, so left stays left (a mirror would have determinant -1).

Public API (``parse_bvh``, ``read_bvh``, ``forward_kinematics`` and ``Bvh`` of ``bvh.py`` are
importable from here too)::

    VARIANTS, variant_of(path) -> str                     # "mb", "raw", "max", "daz"
    to_h36m(bvh, variant) -> Tensor [F, 17, 3]            # metres, z-up, after the T-pose
    capture_pieces(bvh, variant, fps) -> [(first, stop)]  # clean captured frame ranges
    resample(poses, fps_in, fps_out=50) -> poses
    retarget(poses_world, lengths) -> Tensor [F, 17, 3]
    convert_clip(text, variant, fps, source) -> [(first, stop, Tensor [F50, 17, 3])]
    load_clips(split="train") -> list[Clip]               # the shipped asset
    TRAIN_SUBJECTS, TEST_SUBJECTS, HOLDOUT_SUBJECTS, ACKNOWLEDGEMENT, TERMS
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from ._tensors import as_torch, check_finite, check_tail
from .bones import H36M_BONE_LENGTHS, compose, disentangle
from .bvh import Bvh, forward_kinematics, parse_bvh, read_bvh
from .skeleton import H36M

__all__ = [
    "ACKNOWLEDGEMENT",
    "ASSET",
    "FLOOR_PERCENTILE",
    "MAX_TURN",
    "MIN_PIECE",
    "Bvh",
    "Clip",
    "FPS",
    "REFERENCE_LENGTHS",
    "TERMS",
    "HOLDOUT_SUBJECTS",
    "TEST_SUBJECTS",
    "TRAIN_SUBJECTS",
    "VARIANTS",
    "Variant",
    "asset_metadata",
    "capture_pieces",
    "convert_clip",
    "forward_kinematics",
    "load_clips",
    "parse_bvh",
    "read_bvh",
    "resample",
    "retarget",
    "to_h36m",
    "variant_of",
]

log = logging.getLogger(__name__)

ASSET = Path(__file__).resolve().parent / "assets" / "cmu_mocap.npz"
FPS = 50
"""Frame rate of the shipped clips (the package's rate; CMU captured at 120 fps)."""

ACKNOWLEDGEMENT = (
    "The data used in this project was obtained from mocap.cs.cmu.edu. "
    "The database was created with funding from NSF EIA-0196217."
)
"""The text CMU asks every publication and product using the data to carry."""

TERMS = (
    "CMU: \"This data is free for use in research and commercial projects worldwide.\" "
    "BVH conversion (B. Hahne, cgspeed): \"CMU places no restrictions on the use of the original "
    "dataset, and I (Bruce) place no additional restrictions on the use of this particular BVH "
    "conversion.\""
)
"""Usage terms, quoted from LICENSE_ATTRIBUTION.txt of the archive."""

TEST_SUBJECTS = (2, 14, 131)
"""Held-out CMU subjects (never trained on), chosen for variety: 2 does the most different
things (walk, run, jump and balance, punch, bend and scoop, swordplay, wash); 14 jumps up to
grab and reaches on tiptoe (subject 13 does the same in training: a pure new-person test);
131 walks, hops and stops in a stylised way. Together 22.6 % of the archive's frames (23 %
of the asset's) and three of the four skeleton variants (mb, daz, max)."""
TRAIN_SUBJECTS = (1, 3, 5, 6, 7, 8, 9, 10, 12, 13, 16)
"""The other 11 subjects of the archive."""
HOLDOUT_SUBJECTS = (1, 9)
"""Training subjects a recipe experiment can hold out to validate on people it never saw without
reading the test split (``TrainConfig.holdout``; docs/recipe.md): 1 climbs and jumps on a
playground, 9 runs and navigates; 4,648 frames, 21 % of the captured training frames. Split
"fit" is the training subjects without them, "holdout" these two."""

REFERENCE_LENGTHS = H36M_BONE_LENGTHS
"""Bone lengths (m, bone k at index k-1) of the body every shipped clip is retargeted to."""

_AXES = np.array([[-1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
"""World (x right, y forward, z up) from BVH (X left, Y up, Z forward): a rotation, det +1."""


# --------------------------------------------------------------------------------------------
# 3. Mapping the four skeleton variants to Human3.6M
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Variant:
    """How one skeleton variant of the CMU conversion becomes the 17 H36M joints.

    ``joints[k]``: the file's points averaged into H36M joint k (one name, or two for a
    midpoint). ``sites``: extra points fixed in a joint's frame, (name, joint, offset in file
    units), added before forward kinematics. ``scale``: file units -> metres. ``skip``: leading
    frames that are not capture.
    """

    name: str
    scale: float
    skip: int
    joints: tuple[tuple[str, ...], ...]
    sites: tuple[tuple[str, str, tuple[float, float, float]], ...] = ()


def _table(hips, knees, ankles, spine, thorax, nose, head, shoulders, elbows, wrists):
    """H36M order from (left, right) name pairs: 0 Pelvis (the midpoint of the hips), 1-3 right
    leg, 4-6 left leg, 7 Spine, 8 Thorax, 9 Nose, 10 Head, 11-13 left arm, 14-16 right arm.
    ``thorax`` is one name or a pair (their midpoint)."""
    return (hips, (hips[1],), (knees[1],), (ankles[1],), (hips[0],), (knees[0],), (ankles[0],),
            (spine,), tuple(thorax) if isinstance(thorax, tuple) else (thorax,), (nose,), (head,),
            (shoulders[0],), (elbows[0],), (wrists[0],), (shoulders[1],), (elbows[1],), (wrists[1],))


_CMU_SCALE = 0.056444  # CMU ASF length unit in metres: (1 / 0.45) * 0.0254
_FACE = (0.0, 0.0, 1.1)  # CMU units: 6.2 cm in front of the head pivot (BVH +Z is forward)
VARIANTS: dict[str, Variant] = {
    "mb": Variant("mb", _CMU_SCALE, 1, _table(
        ("LeftUpLeg", "RightUpLeg"), ("LeftLeg", "RightLeg"), ("LeftFoot", "RightFoot"),
        "Spine", "Spine1", "face", "Head_End",
        ("LeftArm", "RightArm"), ("LeftForeArm", "RightForeArm"), ("LeftHand", "RightHand")),
        sites=(("face", "Head", _FACE),)),
    "raw": Variant("raw", _CMU_SCALE, 0, _table(
        ("lfemur", "rfemur"), ("ltibia", "rtibia"), ("lfoot", "rfoot"),
        "upperback", "thorax", "face", "head_End",
        ("lhumerus", "rhumerus"), ("lradius", "rradius"), ("lwrist", "rwrist")),
        sites=(("face", "head", _FACE),)),
    "max": Variant("max", _CMU_SCALE, 0, _table(
        ("LeftHip", "RightHip"), ("LeftKnee", "RightKnee"), ("LeftAnkle", "RightAnkle"),
        "Chest", "Chest2", "face", "Head_End",
        ("LeftShoulder", "RightShoulder"), ("LeftElbow", "RightElbow"), ("LeftWrist", "RightWrist")),
        sites=(("face", "Head", _FACE),)),
    "daz": Variant("daz", 0.01, 10, _table(
        ("lThigh", "rThigh"), ("lShin", "rShin"), ("lFoot", "rFoot"),
        "chest", ("lCollar", "rCollar"), "face", "head_top",
        ("lShldr", "rShldr"), ("lForeArm", "rForeArm"), ("lHand", "rHand")),
        sites=(("face", "head", (0.0, 3.5, 6.0)), ("head_top", "head", (0.0, 18.0, 0.0)))),
}
"""The four skeleton variants of the archive (folders bvh_mb, bvh_raw, bvh_max, bvh_daz).

A BVH joint sits at the start of the bone it names (LeftUpLeg = hip, LeftLeg = knee, LeftFoot =
ankle, LeftArm = shoulder, LeftForeArm = elbow, LeftHand = wrist). The same choices for each:

- Pelvis: the midpoint of the hip joints. H36M's skeleton offsets its hips sideways only, so
  they sit level with its pelvis; the BVH root sits ~10 cm above them (Daz: 2.6 cm below).
- Spine: the joint where the upper back starts (mb Spine, 65 % of the way from pelvis to
  thorax; Daz chest, 61 %). H36M's is at 48 %; lengths are reset by ``retarget`` anyway.
- Thorax: where the clavicles attach, as in H36M's tree (its collar joints sit on the thorax):
  mb Spine1 (the conversion puts neck and clavicles there at zero offset), Daz the midpoint
  of lCollar and rCollar (its neck joint sits 5 cm above its shoulder joints).
- Nose: H36M's point between neck and face, where ``keypoints.coco_to_h36m`` puts the COCO
  nose and ``bones.rest_pose`` leans it forward: a point fixed in the head's frame in front
  of the head pivot (mb Head, the top of the neck): 6.2 cm forward at pivot level (CMU), or
  6 cm forward and 3.5 cm up for Daz (whose eyes sit 8 cm up). It turns with the head, so
  the head's yaw is in the data; the pivot itself would not show it.
- Head: the top of the head, the head's end site. Daz has none (its head ends in eyes), so a
  point 18 cm up in the Daz head's frame stands for it (the eyes are 8 cm up, 8 cm forward).
- skip: mb and Daz files start with an added T-pose; Daz then blends out of it over 9 more
  frames (20 deg per frame against a median of 1-2 deg), so Daz drops 10 frames.

Rotation orders are read from each CHANNELS line: the max files turn their arm joints Z X Y
while the rest of the file is Z Y X, and Daz uses Z Y X at the root and Z X Y elsewhere.
"""


def variant_of(path: str) -> str:
    """Variant name from an archive path like 'bvh_mb/02_01.bvh' (its folder)."""
    folder = Path(path).parent.name
    name = folder[4:] if folder.startswith("bvh_") else folder
    if name not in VARIANTS:
        raise ValueError(f"expected a file in one of the folders "
                         f"{', '.join('bvh_' + v for v in VARIANTS)}, got {path!r}")
    return name


def _variant(variant) -> Variant:
    if isinstance(variant, Variant):
        return variant
    if variant not in VARIANTS:
        raise ValueError(f"expected a variant among {', '.join(VARIANTS)}, got {variant!r}")
    return VARIANTS[variant]


def to_h36m(bvh: Bvh, variant) -> torch.Tensor:
    """[F - skip, 17, 3] float32 H36M joints in metres, world z-up, without the variant's
    leading frames that are not capture (``capture_pieces`` also finds bad frames inside)."""
    spec = _variant(variant)
    joints = _h36m(bvh, spec)
    if bvh.num_frames <= spec.skip:
        raise ValueError(f"{bvh.source}: expected more than {spec.skip} frames for variant "
                         f"{spec.name!r} (the first {spec.skip} are not capture), got {bvh.num_frames}")
    return torch.from_numpy(joints[spec.skip:]).float()


def _h36m(bvh: Bvh, variant) -> np.ndarray:
    """[F, 17, 3] float64 H36M joints in metres, world z-up, of every frame of the file."""
    spec = _variant(variant)
    for site, joint, offset in spec.sites:
        if joint not in bvh.names:
            raise ValueError(f"{bvh.source}: variant {spec.name!r} needs joint {joint!r} (for "
                             f"its point {site!r}), missing from the file")
        bvh = bvh.with_site(site, joint, offset)
    picks = []
    for h36m_name, names in zip(H36M.names, spec.joints):
        for name in names:
            if name not in bvh.names:
                raise ValueError(f"{bvh.source}: variant {spec.name!r} needs joint {name!r} "
                                 f"(for H36M {h36m_name}), missing from the file")
        picks.append([bvh.index(n) for n in names])
    points = forward_kinematics(bvh)
    joints = np.stack([points[:, p].mean(1) for p in picks], 1)
    return joints @ (_AXES.T * spec.scale)


MAX_TURN = 3600.0
"""deg/s. A bone turning faster between two frames is a glitch ("pop") of the capture: human
limbs peak near 1,000-2,000 deg/s; over the archive at 120 fps the fastest bone turns by 16
deg per frame at the 99.9th percentile, and the pops (subject 5's right leg, 01_08, 01_14,
03_02) by 31-92 deg in one frame."""
MIN_PIECE = 1.0
"""s. Captured pieces shorter than this are dropped (most are the stretch between two pops)."""


def capture_pieces(bvh: Bvh, variant, fps: float | None = None, joints=None) -> list[tuple[int, int]]:
    """Frame ranges [first, stop) of ``bvh`` that hold clean captured motion.

    Not capture: the variant's leading ``skip`` frames (T-pose, blend), empty frames (every
    channel 0: 07_12 and 09_10 have them after the T-pose) and frozen frames (3 or more
    identical rows: a held last frame or a dropout; real capture always jitters: 03_02, 06_02,
    08_07). The rest is cut where a bone of the H36M skeleton turns faster than ``MAX_TURN``
    between two frames, and pieces shorter than ``MIN_PIECE`` are dropped. ``fps`` defaults to
    the header's rate; ``joints``: the file's H36M joints [F, 17, 3] if already computed.
    """
    spec = _variant(variant)
    if fps is None:
        if not bvh.frame_time > 0:
            raise ValueError(f"{bvh.source}: expected a positive Frame Time or an fps, got "
                             f"Frame Time {bvh.frame_time}")
        fps = 1.0 / bvh.frame_time
    motion = bvh.motion
    bad = (motion == 0).all(1)
    same = (np.diff(motion, axis=0) == 0).all(1)  # frame i equals frame i + 1
    run = same[:-1] & same[1:]  # frames i, i + 1, i + 2 are identical
    for k in range(3):
        bad[k:k + len(run)] |= run
    bad[:spec.skip] = True
    joints = torch.from_numpy(_h36m(bvh, spec)) if joints is None else torch.as_tensor(joints)
    directions = disentangle(joints.double())[1]
    cos = (directions[1:] * directions[:-1]).sum(-1).amin(-1).clamp(-1, 1)
    cut = torch.rad2deg(torch.acos(cos)).numpy() > MAX_TURN / fps  # between frame i and i + 1
    good = ~bad
    starts = np.nonzero(good & np.concatenate(([True], bad[:-1] | cut)))[0]
    stops = np.nonzero(good & np.concatenate((bad[1:] | cut, [True])))[0] + 1
    keep = stops - starts >= MIN_PIECE * fps
    if not keep.any():
        raise ValueError(f"{bvh.source}: expected at least {MIN_PIECE} s of clean capture for "
                         f"variant {spec.name!r}, got pieces of {(stops - starts).tolist()} frames")
    return [(int(a), int(b)) for a, b in zip(starts[keep], stops[keep])]


# --------------------------------------------------------------------------------------------
# 4. Frame rate
# --------------------------------------------------------------------------------------------
def resample(poses, fps_in: float, fps_out: float = FPS):
    """Resample [F, ...] from ``fps_in`` to ``fps_out`` by linear interpolation in time.

    Output frame k is the pose at t = k / fps_out (frame 0 stays frame 0), for every t within
    the input. Why linear on positions: at 120 fps a limb turns by at most a few degrees
    between samples, so the chord cuts the arc by L (w dt)^2 / 8, about 1 mm for a 0.3 m
    forearm at 20 rad/s (and ``retarget`` resets lengths anyway); the triangle kernel also
    damps what 50 fps cannot represent (above 25 Hz) better than picking samples.
    Accepts torch or NumPy, returns the same kind.
    """
    tensor, back = as_torch(poses, "poses")
    for name, value in (("fps_in", fps_in), ("fps_out", fps_out)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not value > 0:
            raise ValueError(f"expected {name} as a positive number, got {value!r}")
    frames = tensor.shape[0] if tensor.ndim else 0
    if frames < 1:
        raise ValueError(f"expected poses of shape [F >= 1, ...], got {list(tensor.shape)}")
    count = math.floor((frames - 1) * fps_out / fps_in + 1e-9) + 1
    t = torch.arange(count, dtype=torch.float64) * (fps_in / fps_out)
    i0 = t.floor().long().clamp(max=max(frames - 2, 0))
    i1 = (i0 + 1).clamp(max=frames - 1)
    w = (t - i0).to(tensor.dtype).reshape(-1, *[1] * (tensor.ndim - 1))
    return back(tensor[i0] * (1 - w) + tensor[i1] * w)


# --------------------------------------------------------------------------------------------
# 5. Proportions
# --------------------------------------------------------------------------------------------
_LEGS = [1, 2, 4, 5]  # bones RKnee, RAnkle, LKnee, LAnkle (index k - 1): thighs and shins


def retarget(poses_world, lengths):
    """Give a clip [F, 17, 3] another body: bone ``lengths`` [16, 1] (or [16]), same motion.

    Every frame keeps its bone directions (``bones.disentangle``) and gets the new lengths
    (``bones.compose``). The root is then re-placed: its ground-plane path, relative to the
    first frame, is scaled by the leg-length ratio new / old (old: the clip's median of the
    mean thigh + shin), because stride length grows with leg length; its height is set so
    that the lowest ankle keeps its height above the floor in every frame (planted feet stay
    planted, a jump keeps its height). Returns the kind and floating dtype of ``poses_world``.
    """
    tensor, back = as_torch(poses_world, "poses_world")
    check_tail(tensor, "poses_world", (17, 3), "F, 17, 3")
    if tensor.ndim != 3 or tensor.shape[0] < 1:
        raise ValueError(f"expected poses_world of shape [F, 17, 3], got {list(tensor.shape)}")
    check_finite(tensor, "poses_world")
    if isinstance(lengths, (tuple, list)):
        lengths = torch.tensor(lengths, dtype=torch.float64)
    new_lengths = as_torch(lengths, "lengths")[0].to(torch.float64)
    if new_lengths.shape == (16,):
        new_lengths = new_lengths.unsqueeze(-1)
    if new_lengths.shape != (16, 1):
        raise ValueError(f"expected lengths of shape [16, 1] or [16], got {list(new_lengths.shape)}")
    if not bool((new_lengths > 0).all()) or not bool(torch.isfinite(new_lengths).all()):
        raise ValueError("expected finite positive bone lengths, got "
                         f"{new_lengths.flatten().tolist()}")
    poses = tensor.to(torch.float64)
    old_lengths, directions = disentangle(poses)
    body = compose(new_lengths, directions)  # pelvis at the origin
    old_leg = old_lengths[:, _LEGS, 0].sum(-1).median() / 2
    ratio = new_lengths[_LEGS, 0].sum() / 2 / old_leg
    root = poses[:, 0]
    xy = root[:1, :2] + ratio * (root[:, :2] - root[:1, :2])
    z = poses[:, [3, 6], 2].amin(-1) - body[:, [3, 6], 2].amin(-1)
    out = body + torch.cat((xy, z[:, None]), -1)[:, None]
    return back(out.to(tensor.dtype))


FLOOR_PERCENTILE = 5.0
"""z = 0 is a trial's 5th percentile of the lowest ankle's height (a planted ankle)."""


def convert_clip(text: str, variant, fps: float | None = None,
                 source: str = "<text>") -> list[tuple[int, int, torch.Tensor]]:
    """One BVH text -> its clean pieces (``capture_pieces``) as (first, stop, poses): the
    source frames [first, stop) and float32 poses [F50, 17, 3], mapped (``to_h36m``),
    resampled to 50 fps, retargeted to ``REFERENCE_LENGTHS``, and shifted so that z = 0 is
    the planted ankle's height (``FLOOR_PERCENTILE`` over all pieces). This is what the
    asset stores (before rounding to millimetres).

    The frame rate: ``fps`` when given (the archive's index.csv, which knows the true rate),
    else the header's 1 / Frame Time. When both exist and disagree, ``fps`` wins and a
    warning is logged (bvh_raw headers say 30 fps for 120 fps captures).
    """
    bvh = parse_bvh(text, source)
    header = 1.0 / bvh.frame_time if bvh.frame_time > 0 else None
    if fps is None:
        if header is None:
            raise ValueError(f"{source}: expected a positive Frame Time or an fps, got "
                             f"Frame Time {bvh.frame_time}")
        fps = header
    elif header is not None and abs(header / fps - 1) > 0.01:
        log.warning("%s: header says %.3f fps, using the given %.3f fps", source, header, fps)
    joints = torch.from_numpy(_h36m(bvh, variant))
    lengths = torch.tensor(REFERENCE_LENGTHS, dtype=torch.float64)
    pieces = [(first, stop, retarget(resample(joints[first:stop], fps, FPS), lengths))
              for first, stop in capture_pieces(bvh, variant, fps, joints)]
    lowest = torch.cat([poses[:, [3, 6], 2].amin(-1) for *_, poses in pieces])
    floor = float(np.percentile(lowest.numpy(), FLOOR_PERCENTILE))
    return [(first, stop, (poses - torch.tensor([0.0, 0.0, floor], dtype=torch.float64)).float())
            for first, stop, poses in pieces]


# --------------------------------------------------------------------------------------------
# The shipped asset
# --------------------------------------------------------------------------------------------
SPLITS = ("train", "test", "all", "fit", "holdout")


@dataclass(frozen=True, eq=False)
class Clip:
    """One captured clip: world poses [F, 17, 3] float32 (metres, z-up, 50 fps, reference
    body), CMU subject and trial, CMU's description, name "SS_TT", and where it came from:
    the archive file, its skeleton variant and its frames [first, stop) at the capture's rate.
    A trial cut at glitches gives several clips, numbered by ``part`` (0, 1, ...)."""

    name: str
    subject: int
    trial: int
    description: str
    poses_world: torch.Tensor
    fps: int = FPS
    part: int = 0
    variant: str = ""
    source: str = ""
    source_frames: tuple[int, int] = (0, 0)

    @property
    def num_frames(self) -> int:
        return self.poses_world.shape[0]


@lru_cache(maxsize=4)
def _asset(path: str) -> dict:
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def asset_metadata(path=ASSET) -> dict:
    """Everything in the asset but the poses: per-clip arrays (name, part, subject, source,
    source frames...) and scalars (acknowledgement, terms, units, fps, reference lengths)."""
    data = _asset(str(path))
    return {key: value.item() if value.ndim == 0 else value.copy()
            for key, value in data.items() if key not in _PER_FRAME}


_PER_FRAME = {"poses_mm"}


def load_clips(split: str = "train", path=ASSET) -> list[Clip]:
    """The shipped CMU clips of a split: "train" (``TRAIN_SUBJECTS``), "test"
    (``TEST_SUBJECTS``, never trained on), "all", or for recipe experiments "fit" and "holdout"
    (the training subjects without and with only ``HOLDOUT_SUBJECTS``). Poses are on the reference body; give a
    clip another body with ``retarget(clip.poses_world, lengths)``."""
    if split not in SPLITS:
        raise ValueError(f"expected split among {', '.join(SPLITS)}, got {split!r}")
    if not Path(path).is_file():
        raise ValueError(f"expected the mocap asset at {path}, got no file "
                         f"(rebuild it with tools/build_mocap_asset.py)")
    data = _asset(str(path))
    subjects = {"train": TRAIN_SUBJECTS, "test": TEST_SUBJECTS, "all": TRAIN_SUBJECTS + TEST_SUBJECTS,
                "fit": tuple(s for s in TRAIN_SUBJECTS if s not in HOLDOUT_SUBJECTS),
                "holdout": HOLDOUT_SUBJECTS}[split]
    offsets, scale = data["clip_offsets"], float(data["metres_per_unit"])
    clips = []
    for c, subject in enumerate(data["subject"].tolist()):
        if subject not in subjects:
            continue
        poses = data["poses_mm"][offsets[c]:offsets[c + 1]].astype(np.float32) * np.float32(scale)
        clips.append(Clip(str(data["name"][c]), int(subject), int(data["trial"][c]),
                          str(data["description"][c]), torch.from_numpy(poses), int(data["fps"]),
                          int(data["part"][c]), str(data["variant"][c]), str(data["source"][c]),
                          (int(data["source_first_frame"][c]), int(data["source_stop_frame"][c]))))
    log.debug("loaded %d %s mocap clips from %s", len(clips), split, path)
    return clips
