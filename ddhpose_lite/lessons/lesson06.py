"""Checks of lesson 06's exercises (many answers); worked solutions in ``solutions``.

The aggregations are checked on hand-made hypotheses, with reprojections given instead of a camera
(the package's J-Agg needs a camera or fits one), and on a robust aggregation the package lacks.
"""
from __future__ import annotations

import torch

from ._exercise import Wrong, call, exercise, tensor_answer

__all__ = ["AGGREGATIONS", "check_j_agg", "check_medoid", "check_usable"]

AGGREGATIONS = ("P-Agg", "J-Agg", "J-Agg (weak persp.)", "J-Best", "P-Best")


@exercise("06", 1, "warm-up", "What works on a video from the internet?", solution="usable_aggregations",
          answer="value", empty="Replace None with a set of names.")
def check_usable(answer) -> str:
    """The aggregations usable without ground truth and without camera calibration."""
    if isinstance(answer, str) or not hasattr(answer, "__iter__"):
        raise Wrong(f"expected a set of names such as {{'P-Agg'}}, got {answer!r}")
    chosen = set(answer)
    unknown = chosen - set(AGGREGATIONS)
    if unknown:
        raise Wrong(f"{sorted(unknown)} are not names from {AGGREGATIONS}")
    needs = {"J-Agg": "a calibrated camera and the root's position in the camera frame",
             "J-Best": "the ground truth", "P-Best": "the ground truth"}
    for name, need in needs.items():
        if name in chosen:
            raise Wrong(f"{name} needs {need}, which a video from the internet does not come with.")
    for name in ("P-Agg", "J-Agg (weak persp.)"):
        if name not in chosen:
            raise Wrong(f"{name} is missing: what does it need besides the hypotheses and the 2D keypoints?")
    return "Only the mean and the camera-free J-Agg work without ground truth or calibration."


def _pick(hypotheses, scores):
    best = scores.argmin(0)
    return torch.gather(hypotheses, 0, best[None, ..., None].expand(1, *hypotheses.shape[1:]))[0]


def _j_agg_cases():
    base = torch.zeros(17, 3, dtype=torch.float64)
    base[1:, 1] = -torch.arange(1, 17, dtype=torch.float64) * 0.05
    hand = base.repeat(3, 1, 1)[:, None]  # [H = 3, F = 1, 17, 3]
    hand[:, 0, 13, 0] = torch.tensor([0.3, 0.0, -0.3], dtype=torch.float64)
    reprojected = hand[..., :2] * 0.5  # a weak-perspective "camera" at half scale
    seen = reprojected[0].clone()
    seen[0, 13, 0] = -0.12
    yield "the left-wrist example of section 3", hand, reprojected, seen
    generator = torch.Generator().manual_seed(3)
    for shape in ((6, 4, 17), (4, 2, 9)):
        hypotheses = torch.randn(*shape, 3, generator=generator, dtype=torch.float64)
        reprojected = hypotheses[..., :2] / (hypotheses[..., 2:] + 4)  # a pinhole the package has no camera for
        seen = reprojected.mean(0) + 0.02 * torch.randn(shape[1:] + (2,), generator=generator, dtype=torch.float64)
        yield f"random hypotheses {list(shape)}", hypotheses, reprojected, seen


@exercise("06", 2, "core", "J-Agg from given reprojections", solution="j_agg_from_reprojections",
          empty="Define j_agg_by_hand(hypotheses, reprojections, keypoints_2d) and pass the function.")
def check_j_agg(function) -> str:
    """j_agg_by_hand(hypotheses [H, F, J, 3], reprojections [H, F, J, 2], keypoints_2d [F, J, 2]) -> [F, J, 3]."""
    for name, hypotheses, reprojected, seen in _j_agg_cases():
        expected = _pick(hypotheses, (reprojected - seen).norm(dim=-1))
        got = tensor_answer(call(function, hypotheses.clone(), reprojected.clone(), seen.clone(),
                                 what="j_agg_by_hand"), tuple(expected.shape))
        wrong = (got - expected).norm(dim=-1) > 1e-12
        if bool(wrong.any()):
            frame, joint = (int(i) for i in torch.nonzero(wrong)[0])
            raise Wrong(f"for {name}, frame {frame}, joint {joint} should come from the hypothesis whose "
                        "reprojection is closest to the input keypoint (per joint, not per pose; compare 2D "
                        "with 2D, then take that hypothesis's 3D position).")
    return "J-Agg needs only reprojections: with a camera they are exact, without one a fitted camera stands in."


def _medoid(hypotheses):
    return _pick(hypotheses, (hypotheses[:, None] - hypotheses[None]).norm(dim=-1).sum(1))


@exercise("06", 3, "stretch", "A robust aggregation: the medoid", solution="medoid_aggregation",
          empty="Define medoid_pose(hypotheses) and pass the function.")
def check_medoid(function) -> str:
    """medoid_pose(hypotheses [H, F, J, 3]) -> [F, J, 3]: per joint, the hypothesis closest to all others."""
    generator = torch.Generator().manual_seed(4)
    hypotheses = 0.02 * torch.randn(5, 2, 17, 3, generator=generator, dtype=torch.float64)
    hypotheses[4, :, 13] += 2.0  # one wild left wrist, two metres off
    cases = [("five hypotheses, one with a wild left wrist", hypotheses),
             ("random hypotheses [7, 3, 17, 3]", torch.randn(7, 3, 17, 3, generator=generator, dtype=torch.float64))]
    for name, h in cases:
        expected = _medoid(h)
        got = tensor_answer(call(function, h.clone(), what="medoid_pose"), tuple(expected.shape))
        wrong = (got - expected).norm(dim=-1) > 1e-12
        if bool(wrong.any()):
            frame, joint = (int(i) for i in torch.nonzero(wrong)[0])
            is_mean = torch.allclose(got, h.mean(0))
            hint = ("that is the mean (P-Agg); the medoid is one of the hypotheses" if is_mean else
                    "sum each hypothesis's distances to all the others, per frame and joint, and take the smallest")
            raise Wrong(f"for {name}, frame {frame}, joint {joint} is not the medoid: {hint}.")
    drag = 1000 * float((hypotheses.mean(0)[:, 13] - hypotheses[:4].mean(0)[:, 13]).norm(dim=-1).mean())
    return (f"One wild hypothesis drags P-Agg's left wrist by {drag:.0f} mm; the medoid stays with the others, "
            "with no ground truth and no camera.")
