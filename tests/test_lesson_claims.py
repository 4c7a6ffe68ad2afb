"""Numbers the lessons' prose states, checked against what the package computes, so that a
sentence cannot drift from the cell above it (issue 26: lessons that tell the truth)."""
from __future__ import annotations

from pathlib import Path

from ddhpose_lite.diffusion import Schedule

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def lesson(name: str) -> str:
    return " ".join((NOTEBOOKS / name).read_text().replace("\n#", " ").split())


def test_lesson03_counts_a_third_of_the_linear_schedule_as_almost_pure_noise():
    text = lesson("03_cosine_diffusion.py")
    assert text.count("about a third") == 2 and "second half of the steps" not in text and "wastes about half" not in text
    linear, cosine = Schedule.linear(), Schedule.cosine()
    pure = lambda s: int((s.snr <= 0.01).sum()) / s.T  # noqa: E731
    useful = lambda s: int(((s.snr > 0.01) & (s.snr < 100)).sum()) / s.T  # noqa: E731
    assert 0.28 < pure(linear) < 0.38, "'about a third' of the linear schedule's steps are almost pure noise"
    assert pure(cosine) < pure(linear) / 3, "the cosine schedule loses 'far fewer'"
    assert useful(cosine) > 0.5 and useful(cosine) > useful(linear), "the cosine schedule spends 'most of its steps' usefully"


def test_the_shipped_model_reads_the_clip_length_lessons_04_and_08_state():
    from ddhpose_lite import load_pretrained

    frames = load_pretrained().model.config.frames
    assert f"{frames} in the small model shipped with this course" in lesson("04_hrst_hrtt_attention.py")
    assert f"it lifts {frames} frames ({frames / 50:.2f} s) at a time" in lesson("08_your_own_video.py")
