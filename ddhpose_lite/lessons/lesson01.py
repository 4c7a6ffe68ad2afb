"""Checks of lesson 01's exercises (the skeleton is a tree); worked solutions in ``solutions``.

The checks use trees the package's ``Skeleton`` cannot hold: MPI-INF-3DHP's joints in the order
of its files (the pelvis is joint 14, and parents come after their children) and a dog. Your
functions take a plain list of parents, so they work for any tree.
"""
from __future__ import annotations

from ..skeleton import H36M, MPI_INF_3DHP, MPI_INF_3DHP_NAMES, MPI_INF_3DHP_TO_H36M
from ._exercise import Wrong, call, exercise

__all__ = ["DOG_NAMES", "DOG_PARENTS", "MPI_FILE_PARENTS", "TREES", "check_levels", "check_path", "check_triplets"]


def _file_order_parents() -> tuple[int, ...]:
    parents = [0] * 17
    for slot, index in enumerate(MPI_INF_3DHP_TO_H36M):
        parent = MPI_INF_3DHP.parents[slot]
        parents[index] = -1 if parent < 0 else MPI_INF_3DHP_TO_H36M[parent]
    return tuple(parents)


MPI_FILE_PARENTS = _file_order_parents()
"""The parent of each MPI-INF-3DHP joint in the order of its files (``MPI_INF_3DHP_NAMES``): the
pelvis (14) is the root, and e.g. head_top (0) hangs from the neck (1), as head (16) does."""

DOG_NAMES = ("nose", "head", "neck", "spine", "hips", "tail", "front_left_paw", "front_left_elbow",
             "front_right_paw", "front_right_elbow", "back_left_paw", "back_left_knee", "back_right_paw",
             "back_right_knee")
DOG_PARENTS = (1, 2, 3, 4, -1, 4, 7, 3, 9, 3, 11, 4, 13, 4)
"""A dog of 14 joints, listed from the nose backwards: the root is the hips (4), the front legs hang
from the spine, the back legs and the tail from the hips."""

TREES = {"Human3.6M": (H36M.parents, H36M.names), "MPI-INF-3DHP in file order": (MPI_FILE_PARENTS, MPI_INF_3DHP_NAMES),
         "the dog": (DOG_PARENTS, DOG_NAMES)}
"""Name -> (parents, joint names) of the trees the checks use."""

_DOG_LEVELS = (4, 3, 2, 1, 0, 1, 3, 2, 3, 2, 2, 1, 2, 1)
_DOG_TRIPLETS = {(4, 3, 2), (4, 3, 7), (4, 3, 9), (3, 2, 1), (2, 1, 0), (3, 7, 6), (3, 9, 8), (4, 11, 10), (4, 13, 12)}


def _in_file_order(slots) -> tuple[int, ...]:
    """Slot indices (H36M order, ``MPI_INF_3DHP``'s slots) -> the same joints' indices in MPI-INF-3DHP's
    file order. The paths checked avoid the head, where the two trees differ."""
    return tuple(MPI_INF_3DHP_TO_H36M[s] for s in slots)


def _expected_levels(name: str) -> tuple[int, ...]:
    if name == "Human3.6M":
        return H36M.levels
    if name == "the dog":
        return _DOG_LEVELS
    levels = [0] * 17
    for slot, index in enumerate(MPI_INF_3DHP_TO_H36M):
        levels[index] = MPI_INF_3DHP.levels[slot]
    return tuple(levels)


@exercise("01", 1, "warm-up", "Levels of any tree", solution="levels_from_parents",
          empty="Define levels_from_parents(parents) and pass the function (not None).")
def check_levels(function) -> str:
    """levels_from_parents(parents) -> the level of every joint, for trees in any joint order."""
    for name, (parents, names) in TREES.items():
        got = list(call(function, parents, what="levels_from_parents"))
        expected = list(_expected_levels(name))
        if len(got) != len(expected):
            raise Wrong(f"for {name} ({len(parents)} joints) you returned {len(got)} levels: one per joint, please.")
        for joint, (a, b) in enumerate(zip(got, expected)):
            if a != b:
                raise Wrong(f"for {name}, joint {joint} ({names[joint]}) is at level {b}, you said {a}. "
                            "Count the bones up to the root, and remember that here a parent may come after "
                            "its child in the list.")
    return ("Your function handles any order of the joints; the package's Skeleton insists on parents first, "
            "so that one pass in index order is enough.")


_PATHS = {(13, 16): (13, 12, 11, 8, 14, 15, 16), (3, 6): (3, 2, 1, 0, 4, 5, 6), (12, 8): (12, 11, 8),
          (0, 10): (0, 7, 8, 9, 10), (10, 10): (10,)}


def _path_cases():
    for (a, b), path in _PATHS.items():
        yield "Human3.6M", a, b, path
    for (a, b), path in list(_PATHS.items())[:3]:
        yield "MPI-INF-3DHP in file order", *_in_file_order((a, b)), _in_file_order(path)
    yield "the dog", 6, 12, (6, 7, 3, 4, 13, 12)
    yield "the dog", 0, 5, (0, 1, 2, 3, 4, 5)


@exercise("01", 2, "core", "The tree path between two joints", solution="path_between",
          empty="Define path_between(parents, a, b) and pass the function.")
def check_path(function) -> str:
    """path_between(parents, a, b) -> the joints from a to b along the tree, both included."""
    for name, a, b, expected in _path_cases():
        names = TREES[name][1]
        got = tuple(int(j) for j in call(function, TREES[name][0], a, b, what="path_between"))
        if got != expected:
            words = " → ".join(names[j] for j in expected)
            hint = ("it should start at a and end at b" if got[:1] != expected[:1] or got[-1:] != expected[-1:]
                    else "climb to the lowest joint both chains share, then go down; never past it to the root")
            raise Wrong(f"for {name}, path_between({a}, {b}) gave {got}; the path is {expected} ({words}): {hint}.")
    return ("The two wrists of Human3.6M are 6 bones apart; HRST passes information one bone per layer, so "
            "that is how many hierarchical layers separate them.")


def _expected_triplets(name: str) -> set[tuple[int, int, int]]:
    if name == "Human3.6M":
        return set(H36M.triplets)
    if name == "the dog":
        return _DOG_TRIPLETS
    return {_in_file_order(t) for t in MPI_INF_3DHP.triplets}


@exercise("01", 3, "stretch", "Triplets of any tree", solution="triplets_of",
          empty="Define triplets_of(parents) and pass the function.")
def check_triplets(function) -> str:
    """triplets_of(parents) -> every (parent, joint, child) triplet of a tree in any joint order."""
    counts = {}
    for name, (parents, names) in TREES.items():
        got = [tuple(int(j) for j in t) for t in call(function, parents, what="triplets_of")]
        expected = _expected_triplets(name)
        if len(got) != len(set(got)):
            raise Wrong(f"for {name} some triplets come twice: each (parent, joint, child) once.")
        missing, extra = expected - set(got), set(got) - expected
        if missing or extra:
            example = sorted(missing or extra)[0]
            words = " → ".join(names[j] if 0 <= j < len(names) else str(j) for j in example)
            kind = "is missing" if missing else "is not a triplet"
            raise Wrong(f"for {name}, {example} ({words}) {kind}; you have {len(got)} triplets, "
                        f"the tree has {len(expected)}. A triplet is a joint with its parent and one of its children.")
        counts[name] = len(expected)
    return (f"Human3.6M has {counts['Human3.6M']} triplets (HRST edits {2 * counts['Human3.6M']} scores), "
            f"the dog {counts['the dog']} ({2 * counts['the dog']} scores).")
