"""Every lesson exercise: its worked solution passes its check, an obviously wrong answer fails
it, an empty slot says "not yet", and the lessons call every check (with an empty slot)."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch

from ddhpose_lite import lessons
from ddhpose_lite.bones import disentangle
from ddhpose_lite.camera import normalize_screen
from ddhpose_lite.lessons import EXERCISES, LEVELS, show_solution, solution_of
from ddhpose_lite.model import DenoiserConfig, HSTDenoiser, count_parameters
from ddhpose_lite.skeleton import Skeleton
from ddhpose_lite import video

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
IDS = [f"{lesson}-{number}" for lesson, number in EXERCISES]

WRONG = {
    ("01", 1): lambda parents: [0] * len(parents),  # every joint at level 0
    ("01", 2): lambda parents, a, b: (a, b),  # skips the joints in between
    ("01", 3): lambda parents: [(parents[j], j, j) for j in range(len(parents)) if parents[j] >= 0],
    ("02", 1): 28 * 0.1,  # the whole σ, not its perpendicular part's mean length
    ("02", 2): lambda parents, vectors: vectors,  # bone vectors are not positions
    ("02", 3): lambda poses, sigma: disentangle(poses)[0].mean(0),  # the plain average keeps the bias
    ("03", 1): (100, 100),
    ("03", 2): lambda x_t, x0, a_t, a_next, eta, z: x0,  # jumps straight to x̂₀
    ("03", 3): lambda T, start, end: torch.full((T,), 0.01, dtype=torch.float64),  # a constant β
    ("04", 1): lambda A, triplets: A,  # no rewrite
    ("04", 2): lambda x, parents: x,  # every joint keeps its own feature
    ("04", 3): lambda frames, width, depth, joints=17, levels=6, mlp_ratio=2.0: 2 * depth * 8 * width**2,
    ("05", 1): 1e-4 * (1 - 0.993) * 400,
    ("05", 2): lambda pred, target, parents: (pred - target).norm(dim=-1).mean(),  # L_pos only
    ("05", 3): lambda pred, target, parents: (pred - target).norm(dim=-1).mean(),  # no scaling, no bone terms
    ("06", 1): {"P-Agg", "J-Best"},
    ("06", 2): lambda hypotheses, reprojections, keypoints_2d: hypotheses.mean(0),  # P-Agg
    ("06", 3): lambda hypotheses: hypotheses.mean(0),  # P-Agg again
    ("07", 1): (0.2, 0.03),  # metres, not millimetres
    ("07", 2): lambda x0, a, mean, scale, eps: a ** 0.5 * x0 + (1 - a) ** 0.5 * eps,  # the plain process, no shift
    ("07", 3): lambda x, weights, means, variances: (weights, means, variances),  # no update
    ("08", 1): lambda points, w, h: points * 2 - 1,  # y divided by the height
    ("08", 2): lambda values, seen, longest: values * seen,  # gaps set to zero
    ("08", 3): lambda px, w, found: 0.24 / float(np.mean(np.ptp(px[found, :, 1], -1) / w)),  # the mean height
}

SHORTCUTS = {  # the package's own functions called in place of the work: each must not pass
    ("04", 3): lambda frames, width, depth, joints=17, levels=6, mlp_ratio=2.0, shared_child_keys=False: (
        count_parameters(HSTDenoiser(DenoiserConfig(frames=frames, width=width, depth=depth, heads=1,
                                                     mlp_ratio=mlp_ratio, skeleton=_tree(joints, levels))))),
    ("08", 1): normalize_screen,  # what `to_screen = camera.normalize_screen` gives
    ("08", 2): lambda values, seen, longest: np.interp(np.arange(len(values)), np.flatnonzero(seen), values[seen]),
    ("08", 3): lambda px, w, found: float(np.ptp(video.zoomed(px)[..., 1]) / np.ptp(px[..., 1])),  # zoomed's factor
}


def _tree(joints: int, levels: int) -> Skeleton:
    """A skeleton of ``joints`` joints in ``levels`` levels, as a learner could build one."""
    parents = [-1] + list(range(levels - 1)) + [0] * (joints - levels)
    return Skeleton(tuple(f"j{k}" for k in range(joints)), tuple(parents))


def test_every_lesson_has_a_warm_up_a_core_and_a_stretch_exercise():
    by_lesson = {}
    for (lesson, number), exercise in sorted(EXERCISES.items()):
        by_lesson.setdefault(lesson, []).append(exercise.level)
    assert sorted(by_lesson) == ["01", "02", "03", "04", "05", "06", "07", "08"]
    for lesson, levels in by_lesson.items():
        assert levels == list(LEVELS), f"lesson {lesson}: levels {levels}, numbered 1, 2, 3"


@pytest.mark.parametrize("key", EXERCISES, ids=IDS)
def test_the_worked_solution_passes(key):
    verdict = EXERCISES[key].verdict(solution_of(*key))
    assert verdict.correct, verdict.message


@pytest.mark.parametrize("key", EXERCISES, ids=IDS)
def test_an_obviously_wrong_answer_fails_with_a_message(key):
    assert set(WRONG) == set(EXERCISES), "one wrong answer per exercise"
    verdict = EXERCISES[key].verdict(WRONG[key])
    assert verdict.status == "wrong", verdict.message
    assert "not quite" in verdict.message and len(verdict.message) > 60, verdict.message


@pytest.mark.parametrize("key", SHORTCUTS, ids=[f"{lesson}-{number}" for lesson, number in SHORTCUTS])
def test_calling_the_package_instead_of_doing_the_work_does_not_pass(key):
    verdict = EXERCISES[key].verdict(SHORTCUTS[key])
    assert verdict.status == "wrong", verdict.message


@pytest.mark.parametrize("key", EXERCISES, ids=IDS)
def test_an_empty_slot_says_not_yet(key, capsys):
    exercise = EXERCISES[key]
    assert exercise.verdict(None).status == "not yet"
    exercise(None)
    assert "not yet" in capsys.readouterr().out
    if exercise.answer == "function":  # a stub that returns None is an empty slot too
        stub = lambda *args, **kwargs: None  # noqa: E731
        assert exercise.verdict(stub).status == "not yet"


def test_an_error_in_the_learners_code_is_reported_not_raised():
    def broken(parents):
        raise IndexError("list index out of range")

    verdict = lessons.lesson01.check_levels.verdict(broken)
    assert verdict.status == "wrong" and "IndexError: list index out of range" in verdict.message


def test_show_solution_prints_the_source(capsys):
    show_solution(4, 2)
    out = capsys.readouterr().out
    assert "def child_features(x, parents):" in out and "Lesson 04, Exercise 2 (core)" in out
    with pytest.raises(ValueError, match="expected one of the exercises"):
        show_solution(9, 1)


@pytest.mark.parametrize("key, name", [(("07", 2), "shifted_forward"), (("07", 3), "em_step"),
                                       (("06", 2), "j_agg_by_hand"), (("08", 1), "to_screen")])
def test_a_message_names_the_learners_function_as_written(key, name):
    stub = lambda *args, **kwargs: None  # noqa: E731
    message = EXERCISES[key].verdict(stub).message
    assert f"{name} returns None" in message, message
    assert name.capitalize() not in message, message


def test_a_wrong_answers_reason_keeps_its_function_name():
    count = solution_of("04", 3)
    without_the_keyword = lambda frames, width, depth, joints, levels, ratio: count(  # noqa: E731
        frames, width, depth, joints, levels, ratio)
    verdict = lessons.lesson04.check_count.verdict(without_the_keyword)
    assert verdict.status == "wrong" and "not quite — my_count needs the keyword argument" in verdict.message, \
        verdict.message
