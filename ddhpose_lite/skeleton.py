"""The kinematic tree: joints, parents, hierarchy levels, bones, chains and triplets.

DDHPose groups the 17 Human3.6M joints into six hierarchy levels by their depth in the tree
(paper Fig. 1, left) and uses parent/joint/child triplets in HRST (Algorithm 1) and child
features in HRTT (Eq. 6). Everything here is derived once from `parents`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Skeleton:
    """A validated kinematic tree. Joint 0 is the root and every parent precedes its child.

    Derived (read-only) fields: ``levels`` (depth in the tree), ``bones`` ((parent, child) for
    child 1..J-1, so bone k ends at joint k), ``children``, ``chains`` (root-to-leaf paths) and
    ``triplets`` ((parent, joint, child) for every joint that has both).
    """

    names: tuple[str, ...]
    parents: tuple[int, ...]
    joints_left: tuple[int, ...] = ()
    joints_right: tuple[int, ...] = ()
    levels: tuple[int, ...] = field(init=False, repr=False)
    bones: tuple[tuple[int, int], ...] = field(init=False, repr=False)
    children: tuple[tuple[int, ...], ...] = field(init=False, repr=False)
    chains: tuple[tuple[int, ...], ...] = field(init=False, repr=False)
    triplets: tuple[tuple[int, int, int], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("names", "parents", "joints_left", "joints_right"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        _validate(self.names, self.parents, self.joints_left, self.joints_right)
        n = len(self.parents)
        levels = [0] * n
        for j in range(1, n):
            levels[j] = levels[self.parents[j]] + 1
        children = tuple(tuple(c for c in range(n) if self.parents[c] == j) for j in range(n))
        chains = []
        for leaf in (j for j in range(n) if not children[j]):
            path = [leaf]
            while self.parents[path[-1]] >= 0:
                path.append(self.parents[path[-1]])
            chains.append(tuple(reversed(path)))
        triplets = tuple(
            (self.parents[j], j, c) for j in range(1, n) for c in children[j]
        )
        object.__setattr__(self, "levels", tuple(levels))
        object.__setattr__(self, "bones", tuple((self.parents[c], c) for c in range(1, n)))
        object.__setattr__(self, "children", children)
        object.__setattr__(self, "chains", tuple(chains))
        object.__setattr__(self, "triplets", triplets)

    @property
    def num_joints(self) -> int:
        return len(self.parents)

    @property
    def num_bones(self) -> int:
        return len(self.parents) - 1

    @property
    def num_levels(self) -> int:
        return max(self.levels) + 1

    @property
    def level_groups(self) -> tuple[tuple[int, ...], ...]:
        """Joints of each hierarchy level, level 0 first (paper Fig. 1)."""
        return tuple(
            tuple(j for j, lv in enumerate(self.levels) if lv == level)
            for level in range(self.num_levels)
        )

    @property
    def flip_permutation(self) -> tuple[int, ...]:
        """Joint order after mirroring: left and right joints swap places."""
        perm = list(range(self.num_joints))
        for left, right in zip(self.joints_left, self.joints_right):
            perm[left], perm[right] = right, left
        return tuple(perm)

    def chain_of(self, joint: int) -> tuple[int, ...]:
        """Joints from the root down to ``joint`` (inclusive)."""
        path = [joint]
        while self.parents[path[-1]] >= 0:
            path.append(self.parents[path[-1]])
        return tuple(reversed(path))

    def ancestor_matrix(self) -> np.ndarray:
        """[J, J-1] 0/1 matrix: entry (j, k-1) is 1 when bone k lies on the path root -> j.

        Forward kinematics is then one matrix product (see ``bones.compose``).
        """
        matrix = np.zeros((self.num_joints, self.num_bones))
        for j in range(self.num_joints):
            for k in self.chain_of(j)[1:]:
                matrix[j, k - 1] = 1.0
        return matrix

    def to_dict(self) -> dict:
        """Plain data (names, parents, left/right joints) for checkpoints and JSON."""
        return {"names": list(self.names), "parents": list(self.parents),
                "joints_left": list(self.joints_left), "joints_right": list(self.joints_right)}

    @classmethod
    def from_dict(cls, data: dict) -> "Skeleton":
        """The inverse of ``to_dict`` (validated like any Skeleton)."""
        missing = {"names", "parents", "joints_left", "joints_right"} - set(data)
        if missing:
            raise ValueError(f"expected a skeleton dict with keys names, parents, joints_left, joints_right, "
                             f"got one without {sorted(missing)}")
        return cls(tuple(data["names"]), tuple(int(p) for p in data["parents"]),
                   tuple(int(j) for j in data["joints_left"]), tuple(int(j) for j in data["joints_right"]))

    def index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise ValueError(f"expected one of the joint names {self.names}, got {name!r}") from None


def _validate(names, parents, left, right) -> None:
    n = len(parents)
    if len(names) != n:
        raise ValueError(f"expected one name per joint ({n} parents), got {len(names)} names")
    if n < 2:
        raise ValueError(f"expected at least 2 joints, got {n}")
    if len(set(names)) != n:
        dupes = sorted({x for x in names if names.count(x) > 1})
        raise ValueError(f"expected unique joint names, got duplicates {dupes}")
    for j, p in enumerate(parents):
        if not isinstance(p, (int, np.integer)) or not -1 <= p < n:
            raise ValueError(f"expected parent of joint {j} ({names[j]}) in -1..{n - 1}, got {p!r}")
    roots = [j for j, p in enumerate(parents) if p == -1]
    if len(roots) != 1:
        raise ValueError(f"expected exactly one root (parent -1), got {len(roots)}: joints {roots}")
    for j in range(n):
        seen, k = {j}, parents[j]
        while k != -1:
            if k in seen:
                raise ValueError(f"expected a tree, got a cycle through joint {j} ({names[j]})")
            seen.add(k)
            k = parents[k]
    if roots[0] != 0:
        raise ValueError(f"expected the root at index 0, got joint {roots[0]} ({names[roots[0]]})")
    for j, p in enumerate(parents):
        if j > 0 and p >= j:
            raise ValueError(
                f"expected every parent index before its child, got joint {j} ({names[j]}) "
                f"with parent {p} ({names[p]})"
            )
    for side, joints in (("joints_left", left), ("joints_right", right)):
        bad = [j for j in joints if not 0 <= j < n]
        if bad:
            raise ValueError(f"expected {side} in 0..{n - 1}, got {bad}")
    if len(left) != len(right):
        raise ValueError(
            f"expected as many left as right joints (they swap in pairs), got {len(left)} and {len(right)}"
        )
    both = sorted(set(left) & set(right))
    if both:
        raise ValueError(f"expected joints_left and joints_right to be disjoint, got {both} in both")


H36M = Skeleton(
    names=(
        "Pelvis", "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle", "Spine", "Thorax",
        "Nose", "Head", "LShoulder", "LElbow", "LWrist", "RShoulder", "RElbow", "RWrist",
    ),
    parents=(-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15),
    joints_left=(4, 5, 6, 11, 12, 13),
    joints_right=(1, 2, 3, 14, 15, 16),
)
"""Human3.6M, 17 joints, in the order of VideoPose3D's files (docs/design.md lists them)."""

MPI_INF_3DHP_NAMES = (
    "head_top", "neck", "r_shoulder", "r_elbow", "r_wrist", "l_shoulder", "l_elbow", "l_wrist",
    "r_hip", "r_knee", "r_ankle", "l_hip", "l_knee", "l_ankle", "pelvis", "spine", "head",
)
"""The 17 MPI-INF-3DHP joints in the order of its annotation files (the root, pelvis, is 14)."""

MPI_INF_3DHP_TO_H36M = (14, 8, 9, 10, 11, 12, 13, 15, 1, 16, 0, 5, 6, 7, 2, 3, 4)
"""For each H36M slot, the MPI-INF-3DHP joint index: ``h36m = mpi[..., MPI_INF_3DHP_TO_H36M, :]``."""

H36M_TO_MPI_INF_3DHP = tuple(int(i) for i in np.argsort(MPI_INF_3DHP_TO_H36M))
"""The inverse permutation: ``mpi = h36m[..., H36M_TO_MPI_INF_3DHP, :]``."""

MPI_INF_3DHP = Skeleton(
    names=tuple(MPI_INF_3DHP_NAMES[i] for i in MPI_INF_3DHP_TO_H36M),
    parents=(-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 8, 8, 11, 12, 8, 14, 15),
    joints_left=(4, 5, 6, 11, 12, 13),
    joints_right=(1, 2, 3, 14, 15, 16),
)
"""MPI-INF-3DHP's own 17 joints (pelvis, spine, neck, head, head_top, limbs), root first.

The file order puts the root at index 14; here the joints are listed root first, in the slots
``MPI_INF_3DHP_TO_H36M`` gives (so every parent precedes its child and bone k ends at joint k,
as the package requires). The tree is the one the official DDHPose code uses for 3DHP (its bone
list ``boneindex_3dhp``): ``head`` and ``head_top`` are BOTH children of the ``neck`` (level 3),
so the neck has four children (head, head_top, both shoulders) and head_top is at level 3. Human3.6M's
``Head`` (slot 10) instead hangs under ``Nose`` (slot 9) at level 4. The joints differ too: 3DHP's ``head`` is
the centre of the head (H36M's ``Nose`` slot), its ``head_top`` sits in H36M's ``Head`` slot, and
its ``neck`` is the throat (H36M ``Thorax``). Models trained on 3DHP carry this skeleton in their
checkpoint, so a checkpoint saved with the earlier tree (head_top under head) loads with that one."""


def mpi_inf_3dhp_to_h36m(joints):
    """Reorder the joint axis (second to last) from the MPI-INF-3DHP file order to the slot order
    of ``H36M`` and ``MPI_INF_3DHP`` (root first)."""
    if joints.shape[-2] != 17:
        raise ValueError(f"expected joints of shape [..., 17, C], got {list(joints.shape)}")
    return joints[..., list(MPI_INF_3DHP_TO_H36M), :]


SKELETONS = {"h36m": H36M, "mpi_inf_3dhp": MPI_INF_3DHP}
"""The skeletons the package ships, by name."""
