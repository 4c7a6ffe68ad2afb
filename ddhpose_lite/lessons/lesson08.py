"""Checks of lesson 08's exercises (your own video); worked solutions in ``solutions``.

Exercise 1 (pixels -> the model's screen coordinates) and exercise 2 (filling a short gap) are
checked on numbers worked out by hand, exercise 3 (the zoom factor) against a case whose median
and mean differ.
"""
from __future__ import annotations

import numpy as np
import torch

from ..video import TYPICAL_HEIGHT
from ._exercise import Wrong, call, exercise, tensor_answer

__all__ = ["check_to_screen", "check_fill_gap", "check_zoom_factor"]


@exercise("08", 1, "warm-up", "Pixels to screen coordinates", solution="to_screen",
          empty="Define to_screen(pixels, width, height) and pass the function.")
def check_to_screen(function) -> str:
    """to_screen(pixels [..., 2], width, height): x / w * 2 - 1 and y / w * 2 - h / w."""
    pixels = torch.tensor([[0.0, 0.0], [640.0, 480.0], [320.0, 240.0], [160.0, 120.0]], dtype=torch.float64)
    expected = torch.tensor([[-1.0, -0.75], [1.0, 0.75], [0.0, 0.0], [-0.5, -0.375]], dtype=torch.float64)
    got = tensor_answer(call(function, pixels.clone(), 640, 480, what="to_screen"), (4, 2))
    if not torch.allclose(got, expected, atol=1e-9):
        hint = " (y is divided by the width too, so the aspect ratio is kept)" if abs(float(got[0, 1]) + 1) < 1e-9 else ""
        raise Wrong(f"expected {expected.tolist()} for a 640 x 480 image, got {got.tolist()}{hint}")
    return "The image spans x in [-1, 1] and y in [-h/w, h/w]: one scale for both axes, as the model was trained."


@exercise("08", 2, "core", "Fill a short gap", solution="fill_gap",
          empty="Define fill_gap(values, seen) and pass the function.")
def check_fill_gap(function) -> str:
    """fill_gap(values [F], seen [F] bool) -> values with the unseen ones linearly interpolated in time."""
    values = np.array([0.0, 2.0, 99.0, 99.0, 8.0, 10.0, 99.0])
    seen = np.array([True, True, False, False, True, True, False])
    expected = np.array([0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 10.0])  # inside: on the line; after the end: held
    got = tensor_answer(call(function, values.copy(), seen.copy(), what="fill_gap"), (7,)).numpy()
    if got[2] == 2.0 and got[3] == 2.0:
        raise Wrong("the gap repeats the last seen value: interpolate between the seen frames on both sides")
    if not np.allclose(got, expected, atol=1e-9):
        raise Wrong(f"expected {expected.tolist()}, got {got.tolist()}: unseen values lie on the line between their "
                    "seen neighbours, and the last one is held after the end")
    return "That is what video_keypoints does for gaps up to max_gap seconds (and what np.interp gives you)."


@exercise("08", 3, "stretch", "How much zoom?", solution="zoom_factor",
          empty="Define zoom_factor(keypoints) and pass the function.")
def check_zoom_factor(function) -> str:
    """zoom_factor(keypoints [F, J, 2]) = TYPICAL_HEIGHT / the median over frames of (max y - min y) / 2."""
    heights = [0.05, 0.06, 0.08, 0.4]  # half-heights; the last frame is a glitch that the median ignores
    keypoints = torch.zeros(4, 17, 2, dtype=torch.float64)
    for f, half in enumerate(heights):
        keypoints[f, :, 1] = torch.linspace(-half, half, 17)
    expected = TYPICAL_HEIGHT / float(np.median(heights))
    got = call(function, keypoints.clone(), what="zoom_factor")
    try:
        got = float(got)
    except (TypeError, ValueError):
        raise Wrong(f"expected one number, got {got!r}") from None
    if abs(got - TYPICAL_HEIGHT / float(np.mean(heights))) < 1e-6:
        raise Wrong("that uses the mean height: one glitched frame moves it a lot; take the median")
    if abs(got - expected / 2) < 1e-6:
        raise Wrong("the height is a fraction of the image WIDTH, which spans 2 in screen units: halve (max - min)")
    if abs(got - expected) > 1e-6:
        raise Wrong(f"expected {expected:.4f}, got {got:.4f}")
    return f"{expected:.2f}x: the person is made as tall as the median training person ({TYPICAL_HEIGHT} of the width)."
