"""Write ddhpose_lite/assets/example_coco.json: a 2D keypoint sequence in COCO-17 layout, as a
2D detector would return it (pixels, image size, a confidence per point), for lesson 06.

    python tools/make_example_coco.py            # rewrites the shipped file (deterministic)

The person is captured motion: CMU subject 2 bending over to scoop something up and rising
(clip 02_06 of the shipped mocap asset; subject 2 is a test subject, never trained on), on a
held-out procedural body (``mocap.retarget``), seen by a random 1920x1080 camera
(``camera.random_camera``). COCO has face points that H36M lacks, so
they are approximated in 3D from the H36M head joints before projecting: with the head's up
axis u (Nose -> Head), the facing direction f (from the shoulders) and the left axis l,
    eyes = Head + 3 cm f ± 3.2 cm l - 1 cm u,   ears = Head - 4 cm f ± 7.5 cm l - 2 cm u,
    COCO nose = H36M Nose + 6 cm f (the tip sticks out).
Detector-like imperfections: 1.5 px Gaussian jitter; scores around 0.9, lower for the face
point on the far side; a wrist "occluded" for 10 frames (score 0.05-0.2, position off by up
to 25 px) and a right ankle with 4 frames below 0.3. The file also keeps the ground truth
(H36M-17 camera-frame poses, root-relative, metres), which only a synthetic example can have.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from ddhpose_lite.camera import SENSORS, project, random_camera, world_to_camera
from ddhpose_lite.keypoints import COCO_NAMES, EXAMPLE_COCO
from ddhpose_lite.mocap import ACKNOWLEDGEMENT, load_clips, retarget
from ddhpose_lite.synthetic import TEST_SUBJECTS, sample_subject

CLIP, FIRST, FRAMES = "02_06", 20, 150  # bend over, scoop up, rise: 3 s at 50 fps
FPS = 50
SEED = 6


def _unit(v: torch.Tensor) -> torch.Tensor:
    return v / v.norm(dim=-1, keepdim=True).clamp_min(1e-9)


def face_points(pose: torch.Tensor) -> torch.Tensor:
    """H36M-17 poses [F, 17, 3] (any right-handed frame) -> nose, l/r eye, l/r ear [F, 5, 3]."""
    nose, head = pose[:, 9], pose[:, 10]
    up = _unit(head - nose)
    body_up = _unit(pose[:, 8] - pose[:, 0])
    across = pose[:, 11] - pose[:, 14]  # right shoulder -> left shoulder
    forward = _unit(torch.linalg.cross(across, body_up))
    forward = _unit(forward - (forward * up).sum(-1, keepdim=True) * up)  # perpendicular to u
    left = torch.linalg.cross(up, forward)
    cm = 0.01
    eye = head + 3 * cm * forward - 1 * cm * up
    ear = head - 4 * cm * forward - 2 * cm * up
    return torch.stack([nose + 6 * cm * forward, eye + 3.2 * cm * left, eye - 3.2 * cm * left,
                        ear + 7.5 * cm * left, ear - 7.5 * cm * left], 1)


def h36m_to_coco_3d(pose: torch.Tensor) -> torch.Tensor:
    """[F, 17, 3] H36M -> [F, 17, 3] COCO-17 (face points approximated, ``face_points``)."""
    h36m_index = [11, 14, 12, 15, 13, 16, 4, 1, 5, 2, 6, 3]  # l/r shoulder .. l/r ankle
    return torch.cat([face_points(pose), pose[:, h36m_index]], 1)


def main() -> None:
    rng = np.random.default_rng(SEED)
    subject = sample_subject(TEST_SUBJECTS[1], seed=SEED)
    clip = next(c for c in load_clips("test") if c.name == CLIP)
    world = retarget(clip.poses_world[FIRST:FIRST + FRAMES], subject.bone_lengths)
    camera = random_camera(SEED, target=tuple(world[:, 0, :2].mean(0).tolist()), subject_height=subject.height,
                           extent=1.0, sensors=[s for s in SENSORS if s.name == "video_1920x1080"])
    pose_camera = world_to_camera(world.double(), camera)  # [F, 17, 3]
    coco_3d = h36m_to_coco_3d(pose_camera)
    pixels = project(coco_3d, camera).numpy()
    pixels += rng.normal(0.0, 1.5, pixels.shape)

    scores = np.clip(rng.normal(0.9, 0.04, pixels.shape[:2]), 0.5, 0.99)
    # the far side of the face: the eye / ear whose 3D point is further from the camera
    depth = coco_3d[..., 2].numpy()
    for a, b in ((1, 2), (3, 4)):
        far = np.where(depth[:, a] > depth[:, b], a, b)
        scores[np.arange(FRAMES), far] *= rng.uniform(0.35, 0.8, FRAMES)
    occluded = np.arange(60, 70)  # the left wrist is hidden for 10 frames
    scores[occluded, 9] = rng.uniform(0.05, 0.2, occluded.size)
    pixels[occluded, 9] += rng.uniform(-25, 25, (occluded.size, 2))
    scores[[30, 31, 33, 34], 16] = rng.uniform(0.1, 0.28, 4)

    truth = (pose_camera - pose_camera[:, :1]).numpy()
    data = {
        "description": "2D keypoints in COCO-17 layout (pixels, y down) with detector-like noise and "
                       "confidences, made from captured motion (CMU mocap clip 02_06, subject 2: bend over, "
                       "scoop up, rise) seen by a random camera, for ddhpose_lite lesson 06. Not a detector's "
                       "output: made by tools/make_example_coco.py.",
        "acknowledgement": ACKNOWLEDGEMENT,
        "layout": "coco17",
        "joint_names": list(COCO_NAMES),
        "image_size": [camera.res_w, camera.res_h],
        "fps": FPS,
        "keypoints": np.round(pixels, 1).tolist(),
        "scores": np.round(scores, 3).tolist(),
        "source": {"generator": "tools/make_example_coco.py", "seed": SEED, "motion": f"CMU mocap {CLIP}",
                   "frames": [FIRST, FIRST + FRAMES], "body": int(subject.id), "camera": camera.name,
                   "focal_length_px": round(camera.focal_length[0], 1)},
        "ground_truth": {
            "note": "H36M-17 poses in the camera frame, root-relative, metres (only a made example has them)",
            "poses_3d": np.round(truth, 4).tolist(),
            "trajectory": np.round(pose_camera[:, 0].numpy(), 4).tolist(),
        },
    }
    text = json.dumps(data, separators=(",", ":"))
    Path(EXAMPLE_COCO).write_text(text + "\n")
    print(f"wrote {EXAMPLE_COCO} ({len(text) / 1000:.0f} kB, {FRAMES} frames, {camera.res_w}x{camera.res_h})")


if __name__ == "__main__":
    main()
