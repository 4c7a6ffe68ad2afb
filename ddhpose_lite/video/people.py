"""Several people in a frame: their boxes, which one to follow (by number, by the ``box`` a person
drew, or the detector's surest), and the message that says how many were found and which one is
followed. Pure NumPy; ``detector.find_people`` finds the boxes."""
from __future__ import annotations

import math

import numpy as np

__all__ = ["as_boxes", "box_iou", "distinct_people", "pick_person", "people_message"]


def as_boxes(boxes, name: str = "boxes") -> np.ndarray:
    """Boxes (x0, y0, x1, y1) in pixels as a float64 array [N, 4] (N may be 0), each with
    x0 < x1 and y0 < y1, or a ValueError saying what came."""
    try:
        array = np.asarray(boxes, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"expected {name} as (x0, y0, x1, y1) pixels each, got {boxes!r:.120}") from None
    if array.size == 0:
        array = array.reshape(0, 4)
    if array.ndim != 2 or array.shape[1] != 4:
        raise ValueError(f"expected {name} as an array [N, 4] of (x0, y0, x1, y1) pixels, got shape {list(array.shape)}")
    bad = ~(np.isfinite(array).all(1) & (array[:, 0] < array[:, 2]) & (array[:, 1] < array[:, 3]))
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"expected {name} with x0 < x1 and y0 < y1, finite, got {tuple(array[i].tolist())} "
                         f"(number {i})")
    return array


def box_iou(a, b) -> float:
    """Intersection over union of two boxes (x0, y0, x1, y1): 1 for the same box, 0 for boxes that
    do not overlap."""
    a, b = as_boxes([a], "box a")[0], as_boxes([b], "box b")[0]
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inside = width * height
    area = lambda box: (box[2] - box[0]) * (box[3] - box[1])  # noqa: E731
    return float(inside / (area(a) + area(b) - inside))


def distinct_people(boxes, scores, overlap: float = 0.6) -> np.ndarray:
    """Which boxes are different people, as the indices kept, in their order: a people detector
    often finds one person two or three times, in boxes of different sizes. Going from the surest
    (highest of ``scores``) down, a box is dropped when more than ``overlap`` of the smaller of it
    and a box already kept lies inside the other (a box around a person and a bigger one around
    them and their neighbour: the bigger one goes)."""
    boxes = as_boxes(boxes, "the people's boxes")
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    if scores.shape != (len(boxes),) or not np.isfinite(scores).all():
        raise ValueError(f"expected scores as {len(boxes)} finite numbers (one per box), got {scores.tolist()!r:.120}")
    if not 0 < overlap <= 1:
        raise ValueError(f"expected overlap as a fraction in (0, 1], got {overlap!r}")
    kept: list[int] = []
    for i in np.argsort(-scores, kind="stable"):
        if all(_inside_smaller(boxes[i], boxes[k]) <= overlap for k in kept):
            kept.append(int(i))
    return np.array(sorted(kept), dtype=np.int64)


def _inside_smaller(a: np.ndarray, b: np.ndarray) -> float:
    """The share of the smaller box's area that lies inside the other box."""
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return float(width * height / smaller)


def pick_person(boxes, choice=None, scores=None) -> int:
    """Which of the people found (``boxes`` [N, 4], x0, y0, x1, y1 px) to follow, as an index:

    - ``choice=None``: the detector's surest (highest of ``scores`` [N]; without scores, the
      largest box);
    - an int: that person (0 .. N - 1);
    - a box (x0, y0, x1, y1): the person whose box overlaps it most (intersection over union),
      so a rough box drawn on the first frame picks the person inside it.

    ValueError when nobody was found, the number is out of range or the box overlaps nobody.
    """
    boxes = as_boxes(boxes, "the people's boxes")
    n = len(boxes)
    if n == 0:
        raise ValueError(f"expected at least one person to choose from, got none (choice {choice!r})")
    if choice is None:
        if scores is None:
            return int(np.argmax((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])))
        scores = np.asarray(scores, dtype=np.float64).reshape(-1)
        if scores.shape != (n,) or not np.isfinite(scores).all():
            raise ValueError(f"expected scores as {n} finite numbers (one per person), got {scores.tolist()!r:.120}")
        return int(np.argmax(scores))
    if isinstance(choice, (int, np.integer)) and not isinstance(choice, (bool, np.bool_)):
        if not 0 <= choice < n:
            raise ValueError(f"expected a person number in 0..{n - 1} ({_count(n)} found), got {int(choice)}")
        return int(choice)
    if isinstance(choice, str) or np.shape(choice) != (4,):
        raise ValueError(f"expected a person as a number (0..{n - 1}) or a box (x0, y0, x1, y1) px, got {choice!r}")
    box = as_boxes([choice], "the box")
    overlaps = np.array([box_iou(box[0], other) for other in boxes])
    if not overlaps.max() > 0:
        raise ValueError(f"expected a box that overlaps one of the {_count(n)} found ({_listed(boxes)}), "
                         f"got {tuple(box[0].tolist())}, which overlaps none")
    return int(np.argmax(overlaps))


def people_message(boxes, chosen: int | None, choice=None, where: str = "the first frame") -> str:
    """Says how many people were found in ``where``, with their boxes, which one is followed
    (``chosen``, a number, or None for none of them) and why, from ``choice``: None (the people
    detector's surest), a number (as asked), a box (the one that overlaps it most; none: what is
    inside the box is followed), or "auto" (the one the pose detector sees in the whole frame;
    none: someone the people detector missed); and how to pick another."""
    boxes = as_boxes(boxes, "the people's boxes")
    n = len(boxes)
    if n == 0:
        return f"Nobody found in {where}."
    if chosen is not None and not (isinstance(chosen, (int, np.integer)) and 0 <= chosen < n):
        raise ValueError(f"expected chosen as a person number in 0..{n - 1} or None, got {chosen!r}")
    auto = isinstance(choice, str) and choice == "auto"
    if chosen is None and choice is not None and not isinstance(choice, (int, np.integer)):
        text = (" The pose detector sees someone else in the whole frame, and follows them." if auto
                else " None of them is in the box: following what is inside it.")
    elif chosen is not None:
        why = ("the one the people detector is surest of" if choice is None
               else "the one the pose detector sees in the whole frame" if auto
               else "as asked" if isinstance(choice, (int, np.integer)) else "the one that overlaps the box most")
        text = f" Following #{chosen}, {why}."
    else:
        raise ValueError(f"expected a person followed (chosen) for choice={choice!r}, got None")
    text = f"{_count(n)} found in {where} (numbered left to right): {_listed(boxes)}.{text}"
    if n > 1 or chosen is None:
        text += f" Another one: person={_numbers(n)}, or a box around them."
    return text


def _count(n: int) -> str:
    return f"{n} person" if n == 1 else f"{n} people"


def _numbers(n: int) -> str:
    return "0" if n == 1 else ", ".join(str(i) for i in range(n - 1)) + f" or {n - 1}"


def _listed(boxes: np.ndarray) -> str:
    return "; ".join(f"#{i} at x {_px(x0)}-{_px(x1)}, y {_px(y0)}-{_px(y1)} px"
                     for i, (x0, y0, x1, y1) in enumerate(boxes))


def _px(value: float) -> str:
    return str(int(math.floor(value + 0.5)))
