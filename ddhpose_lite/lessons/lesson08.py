"""Checks of lesson 08's exercises (your own video); worked solutions in ``solutions``.

Each is checked on a case the package does not solve for you: exercise 1 takes MediaPipe's own
normalised coordinates (not pixels, which ``camera.normalize_screen`` takes), exercise 2 fills
only gaps up to a length and keeps longer ones (one ``np.interp`` call fills every gap), and
exercise 3 reads pixels with frames where nobody was found (``video.zoomed`` takes neither).
"""
from __future__ import annotations

import numpy as np
import torch

from ..video import TYPICAL_HEIGHT
from ._exercise import Wrong, call, exercise, tensor_answer

__all__ = ["check_to_screen", "check_fill_gap", "check_zoom_factor"]


@exercise("08", 1, "warm-up", "MediaPipe's coordinates to the model's", solution="to_screen",
          empty="Define to_screen(points, width, height) and pass the function.")
def check_to_screen(function) -> str:
    """to_screen(points [..., 2], width, height): MediaPipe's (x / w, y / h), each in 0..1, to the model's
    normalised screen coordinates, x / w * 2 - 1 and y / w * 2 - h / w (x and y in pixels)."""
    points = torch.tensor([[0.0, 0.0], [1.0, 1.0], [0.5, 0.5], [0.25, 0.25]], dtype=torch.float64)
    for width, height in ((640, 480), (480, 640)):  # a landscape and a portrait (phone) video
        pixels = points * torch.tensor([width, height], dtype=torch.float64)
        expected = pixels / width * 2 - torch.tensor([1.0, height / width], dtype=torch.float64)
        got = tensor_answer(call(function, points.clone(), width, height, what="to_screen"), (4, 2))
        if torch.allclose(got, expected, atol=1e-9):
            continue
        if torch.allclose(got, points / width * 2 - torch.tensor([1.0, height / width], dtype=torch.float64)):
            hint = ("that is the formula for pixels applied to MediaPipe's 0..1 numbers: turn them into pixels "
                    "first (x times the width, y times the height)")
        elif torch.allclose(got, points * 2 - 1):
            hint = "y is divided by the width too, so the aspect ratio is kept: y spans [-h/w, h/w]"
        else:
            hint = "in pixels, x / w * 2 - 1 and y / w * 2 - h / w"
        raise Wrong(f"for a {width} x {height} image expected {expected.tolist()}, got {got.tolist()}: {hint}")
    return ("MediaPipe scales each axis by its own size; the model scales both by the width, so x spans [-1, 1] and "
            "y [-h/w, h/w]: one scale for both axes, as the model was trained.")


@exercise("08", 2, "core", "Fill the short gaps, keep the long ones", solution="fill_gap",
          empty="Define fill_gap(values, seen, longest) and pass the function.")
def check_fill_gap(function) -> str:
    """fill_gap(values [F], seen [F] bool, longest) -> every run of at most ``longest`` unseen values
    linearly interpolated in time (held beyond the ends); longer runs keep their values."""
    values = np.array([0.0, 2.0, 99.0, 99.0, 8.0, 10.0, 50.0, 51.0, 52.0, 53.0, 20.0, 22.0, 99.0])
    seen = np.array([True, True, False, False, True, True, False, False, False, False, True, True, False])
    expected = np.array([0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 50.0, 51.0, 52.0, 53.0, 20.0, 22.0, 22.0])
    got = tensor_answer(call(function, values.copy(), seen.copy(), 3, what="fill_gap"), (13,)).numpy()
    if got[2] == 2.0 and got[3] == 2.0:
        raise Wrong("the gap repeats the last seen value: interpolate between the seen frames on both sides")
    if np.allclose(got[6:10], [12.0, 14.0, 16.0, 18.0]):
        raise Wrong("the 4-frame gap (frames 6 to 9) is longer than longest = 3: keep its values (the detector's "
                    "own guesses), fill only the short gaps")
    if not np.allclose(got, expected, atol=1e-9):
        raise Wrong(f"expected {expected.tolist()}, got {got.tolist()}: short gaps lie on the line between their "
                    "seen neighbours, a short gap at the end is held at the last seen value, long gaps stay")
    return ("That is video_keypoints' rule for a joint, with longest = max_gap in frames: a long gap is not made up "
            "from far-away frames, it keeps the detector's guess and is flagged by its low confidence.")


@exercise("08", 3, "stretch", "How much zoom?", solution="zoom_factor",
          empty="Define zoom_factor(pixels, width, found) and pass the function.")
def check_zoom_factor(function) -> str:
    """zoom_factor(pixels [F, J, 2], width, found [F] bool) = TYPICAL_HEIGHT / the median, over the frames with a
    person, of the person's height (max y - min y) as a fraction of the image width."""
    width = 640
    heights = [0.05, 0.06, 0.08, 0.4, 0.07]  # fractions of the width; frame 3 is a glitch that the median ignores
    found = np.array([True, True, True, True, False])  # frame 4: nobody (the detector's numbers are NaN)
    pixels = np.zeros((5, 17, 2))
    for f, height in enumerate(heights):
        pixels[f, :, 0] = 300.0
        pixels[f, :, 1] = 200.0 + np.linspace(0.0, height * width, 17)
    pixels[~found] = np.nan
    expected = TYPICAL_HEIGHT / float(np.median(np.array(heights)[found]))
    got = call(function, pixels.copy(), width, found.copy(), what="zoom_factor")
    try:
        got = float(got)
    except (TypeError, ValueError):
        raise Wrong(f"expected one number, got {got!r}") from None
    if not np.isfinite(got):
        raise Wrong(f"got {got}: frames without a person hold NaN; measure the height only where found is True")
    if abs(got - TYPICAL_HEIGHT / float(np.mean(np.array(heights)[found]))) < 1e-6:
        raise Wrong("that uses the mean height: one glitched frame moves it a lot; take the median")
    for factor, what in ((0.5, "twice"), (2.0, "half")):
        if abs(got - factor * expected) < 1e-6:
            raise Wrong(f"your height is {what} the person's: as a fraction of the width it is (max y - min y) / "
                        "width in pixels, which is half the extent in screen coordinates (the width spans 2 there)")
    if abs(got - expected) > 1e-6:
        raise Wrong(f"expected {expected:.4f}, got {got:.4f}")
    return (f"{expected:.2f}x. The median, because a few glitched frames (the detector jumping to a lamp post) would "
            "drag a mean along; a fraction of the width, because that is the unit of the screen coordinates (x spans "
            "2 across the width, which is why lift_track halves the extent there), and of TYPICAL_HEIGHT.")
