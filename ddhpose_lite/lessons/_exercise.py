"""What every lesson's checks share: an exercise is a check function wrapped with its lesson,
number, level, title and the name of its worked solution in ``solutions``.

A check receives the learner's answer (a value or a function) and either returns a short
success message or raises ``Wrong`` (what is off, with a hint) or ``NotYet`` (the slot is still
empty: ``None``, or a function that returns ``None``). Calling an exercise prints the verdict;
``Exercise.verdict`` returns it without printing (the tests use it).
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch

from . import solutions

__all__ = ["EXERCISES", "LEVELS", "Exercise", "NotYet", "Verdict", "Wrong", "call", "exercise", "show_solution",
           "solution_of", "tensor_answer"]

LEVELS = ("warm-up", "core", "stretch")
"""Every lesson has one exercise of each level, in this order."""

EXERCISES: dict[tuple[str, int], "Exercise"] = {}
"""(lesson "01".."07", number) -> Exercise, filled as the lesson modules are imported."""


class NotYet(Exception):
    """The answer slot is still empty."""


class Wrong(Exception):
    """The answer is not right yet; the message says what is off and gives a hint."""


@dataclass(frozen=True)
class Verdict:
    status: str  # "not yet", "wrong" or "correct"
    message: str

    @property
    def correct(self) -> bool:
        return self.status == "correct"


class Exercise:
    """A check with its place in the course. ``exercise(answer)`` prints the verdict."""

    def __init__(self, check: Callable[[Any], str], lesson: str, number: int, level: str, title: str,
                 solution: str, answer: str, empty: str) -> None:
        if level not in LEVELS:
            raise ValueError(f"expected a level in {LEVELS}, got {level!r}")
        if answer not in ("value", "function"):
            raise ValueError(f"expected answer 'value' or 'function', got {answer!r}")
        if not hasattr(solutions, solution):
            raise ValueError(f"expected a worked solution solutions.{solution}, found none")
        self.check, self.lesson, self.number, self.level, self.title = check, lesson, number, level, title
        self.solution, self.answer, self.empty = solution, answer, empty
        self.__doc__ = check.__doc__
        self.__name__ = check.__name__

    @property
    def label(self) -> str:
        return f"Exercise {self.number} ({self.level})"

    def verdict(self, answer) -> Verdict:
        """The verdict on ``answer`` without printing it."""
        if answer is None:
            return Verdict("not yet", f"{self.label}: not yet. {self.empty}")
        # a reason follows a dash as written (never re-cased): it may start with a function name
        try:
            message = self.check(answer)
        except NotYet as reason:
            return Verdict("not yet", f"{self.label}: not yet — {reason}")
        except Wrong as reason:
            return Verdict("wrong", f"{self.label}: not quite — {reason}")
        except Exception as error:  # an answer of a shape or type the check cannot use
            return Verdict("wrong", f"{self.label}: not quite — the check could not use your answer: "
                                    f"{type(error).__name__}: {error}")
        return Verdict("correct", f"{self.label}: correct! {message}")

    def __call__(self, answer) -> None:
        print(self.verdict(answer).message)

    def __repr__(self) -> str:
        return f"<lesson {self.lesson} {self.label}: {self.title}>"


def exercise(lesson: str, number: int, level: str, title: str, solution: str, answer: str = "function",
             empty: str = "Replace None with your answer and run the cell again."):
    """Register a check as exercise ``number`` of ``lesson``; ``solution`` names its worked
    solution in ``solutions`` (a function, or for ``answer="value"`` a function returning the value)."""
    def wrap(check: Callable[[Any], str]) -> Exercise:
        key = (lesson, number)
        if key in EXERCISES:
            raise ValueError(f"expected one exercise {number} in lesson {lesson}, got a second one")
        EXERCISES[key] = made = Exercise(check, lesson, number, level, title, solution, answer, empty)
        return made
    return wrap


def call(function, *args, what: str = "your function", **keywords):
    """Run the learner's function: its errors become ``Wrong``, a ``None`` result ``NotYet``."""
    if not callable(function):
        raise Wrong(f"expected a function, got {type(function).__name__}: define it with `def` and pass its name")
    try:
        result = function(*args, **keywords)
    except Exception as error:
        raise Wrong(f"{what} raised {type(error).__name__}: {error}. Call it yourself on a small example "
                    "to see the traceback.") from None
    if result is None:
        raise NotYet(f"{what} returns None: write its body (and `return` the result).")
    return result


def tensor_answer(value, shape: tuple[int, ...], what: str = "your result") -> torch.Tensor:
    """``value`` as a float64 tensor of ``shape``, or ``Wrong`` saying what came instead."""
    try:
        tensor = torch.as_tensor(np.asarray(value, dtype=np.float64) if not isinstance(value, torch.Tensor) else value)
    except Exception:
        raise Wrong(f"expected {what} as a tensor or array of shape {list(shape)}, got {type(value).__name__}") from None
    if tuple(tensor.shape) != tuple(shape):
        raise Wrong(f"expected {what} of shape {list(shape)}, got {list(tensor.shape)}")
    return tensor.detach().double()


def solution_of(lesson: str, number: int):
    """The worked solution of an exercise: the function, or for value answers the value."""
    made = EXERCISES[(lesson, number)]
    found = getattr(solutions, made.solution)
    return found() if made.answer == "value" else found


def show_solution(lesson: str | int, number: int) -> None:
    """Print the worked solution of exercise ``number`` of ``lesson`` (open it after trying!)."""
    key = (f"{int(lesson):02d}", number)
    if key not in EXERCISES:
        raise ValueError(f"expected one of the exercises {sorted(EXERCISES)}, got lesson {key[0]}, number {number}")
    made = EXERCISES[key]
    print(f"# Lesson {made.lesson}, {made.label}: {made.title}  (ddhpose_lite/lessons/solutions.py)\n")
    print(inspect.getsource(getattr(solutions, made.solution)))
