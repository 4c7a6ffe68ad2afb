import dataclasses

import numpy as np
import pytest

from ddhpose_lite.skeleton import (
    H36M,
    H36M_TO_MPI_INF_3DHP,
    MPI_INF_3DHP,
    MPI_INF_3DHP_NAMES,
    MPI_INF_3DHP_TO_H36M,
    Skeleton,
    mpi_inf_3dhp_to_h36m,
)

# The table in docs/design.md, typed in by hand: (name, parent, level).
H36M_TABLE = [
    ("Pelvis", -1, 0), ("RHip", 0, 1), ("RKnee", 1, 2), ("RAnkle", 2, 3), ("LHip", 0, 1),
    ("LKnee", 4, 2), ("LAnkle", 5, 3), ("Spine", 0, 1), ("Thorax", 7, 2), ("Nose", 8, 3),
    ("Head", 9, 4), ("LShoulder", 8, 3), ("LElbow", 11, 4), ("LWrist", 12, 5),
    ("RShoulder", 8, 3), ("RElbow", 14, 4), ("RWrist", 15, 5),
]


def test_h36m_matches_the_design_table():
    assert H36M.names == tuple(row[0] for row in H36M_TABLE)
    assert H36M.parents == tuple(row[1] for row in H36M_TABLE)
    assert H36M.levels == tuple(row[2] for row in H36M_TABLE)
    assert H36M.joints_left == (4, 5, 6, 11, 12, 13)
    assert H36M.joints_right == (1, 2, 3, 14, 15, 16)


def test_level_groups_are_paper_figure_1():
    assert H36M.level_groups == ((0,), (1, 4, 7), (2, 5, 8), (3, 6, 9, 11, 14), (10, 12, 15), (13, 16))
    assert H36M.num_levels == 6


def test_chains_bones_children():
    assert H36M.chains == (
        (0, 1, 2, 3), (0, 4, 5, 6), (0, 7, 8, 9, 10), (0, 7, 8, 11, 12, 13), (0, 7, 8, 14, 15, 16)
    )
    assert len(H36M.bones) == 16
    assert all(child == k + 1 for k, (_, child) in enumerate(H36M.bones))
    assert all(H36M.parents[c] == p for p, c in H36M.bones)
    assert H36M.children[8] == (9, 11, 14)
    assert H36M.children[0] == (1, 4, 7)
    assert all(H36M.children[leaf] == () for leaf in (3, 6, 10, 13, 16))


def test_triplets_are_every_parent_joint_child():
    expected = {
        (p, j, c)
        for j, p in enumerate(H36M.parents)
        for c, pc in enumerate(H36M.parents)
        if p >= 0 and pc == j
    }
    assert set(H36M.triplets) == expected
    assert len(H36M.triplets) == len(expected) == 13
    assert (7, 8, 11) in H36M.triplets and (7, 8, 14) in H36M.triplets


def test_ancestor_matrix_counts_bones_on_each_path():
    matrix = H36M.ancestor_matrix()
    assert matrix.shape == (17, 16)
    np.testing.assert_array_equal(matrix.sum(axis=1), H36M.levels)  # depth = bones on the path
    assert matrix[13].nonzero()[0].tolist() == [6, 7, 10, 11, 12]  # bones 7, 8, 11, 12, 13


def test_flip_permutation_swaps_sides_and_is_an_involution():
    perm = H36M.flip_permutation
    assert perm[1] == 4 and perm[14] == 11 and perm[0] == 0 and perm[9] == 9
    assert tuple(perm[i] for i in perm) == tuple(range(17))


def test_skeleton_is_frozen_and_hashable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        H36M.parents = (0,)
    assert hash(H36M) == hash(Skeleton(H36M.names, H36M.parents, H36M.joints_left, H36M.joints_right))


def test_chain_of_and_index():
    assert H36M.chain_of(16) == (0, 7, 8, 14, 15, 16)
    assert H36M.index("LElbow") == 12
    with pytest.raises(ValueError, match="expected one of the joint names"):
        H36M.index("LeftElbow")


@pytest.mark.parametrize(
    "names, parents, left, right, message",
    [
        (("a", "b"), (-1, 0, 1), (), (), "one name per joint"),
        (("a", "b", "c"), (-1, -1, 0), (), (), "exactly one root"),
        (("a", "b", "c"), (0, 0, 1), (), (), "exactly one root"),
        (("a", "b", "c"), (-1, 2, 1), (), (), "cycle through joint 1"),
        (("a", "b", "c"), (1, -1, 1), (), (), "root at index 0"),
        (("a", "b", "c", "d"), (-1, 3, 0, 0), (), (), "parent index before its child"),
        (("a", "b", "c"), (-1, 0, 7), (), (), "parent of joint 2"),
        (("a", "b", "b"), (-1, 0, 0), (), (), "unique joint names"),
        (("a", "b", "c"), (-1, 0, 0), (1,), (1,), "disjoint"),
        (("a", "b", "c"), (-1, 0, 0), (1,), (), "as many left as right"),
        (("a", "b", "c"), (-1, 0, 0), (1,), (5,), "joints_right in 0..2"),
    ],
)
def test_invalid_skeletons_say_what_is_wrong(names, parents, left, right, message):
    with pytest.raises(ValueError, match=message):
        Skeleton(names, parents, left, right)


def test_mpi_inf_3dhp_mapping_by_name():
    by_name = dict(zip(MPI_INF_3DHP_NAMES, range(17)))
    pairs = {"Pelvis": "pelvis", "RHip": "r_hip", "LAnkle": "l_ankle", "Spine": "spine",
             "Thorax": "neck", "Nose": "head", "Head": "head_top", "RWrist": "r_wrist"}
    for h36m_name, mpi_name in pairs.items():
        assert MPI_INF_3DHP_TO_H36M[H36M.index(h36m_name)] == by_name[mpi_name]
    assert sorted(MPI_INF_3DHP_TO_H36M) == list(range(17))
    mpi = np.arange(17 * 3, dtype=float).reshape(17, 3)
    h36m = mpi_inf_3dhp_to_h36m(mpi)
    np.testing.assert_array_equal(h36m[list(H36M_TO_MPI_INF_3DHP)], mpi)
    with pytest.raises(ValueError, match=r"\[\.\.\., 17, C\]"):
        mpi_inf_3dhp_to_h36m(np.zeros((16, 3)))


# The official DDHPose code's 3DHP bones (its ``--boneindex_3dhp`` default), (parent, child) pairs
# in the file order of the 3DHP annotations: head_top (0) and head (16) both hang from the neck (1).
OFFICIAL_BONEINDEX_3DHP = "1,0,15,1,1,2,2,3,3,4,1,5,5,6,6,7,14,8,8,9,9,10,14,11,11,12,12,13,14,15,1,16"


def test_mpi_inf_3dhp_tree_is_the_official_one():
    numbers = [int(n) for n in OFFICIAL_BONEINDEX_3DHP.split(",")]
    official = set(zip(numbers[::2], numbers[1::2]))
    ours = {(MPI_INF_3DHP_TO_H36M[p], MPI_INF_3DHP_TO_H36M[c]) for p, c in MPI_INF_3DHP.bones}
    assert ours == official
    # hand-computed: slot 10 (head_top) and slot 9 (head) are children of slot 8 (neck), level 3
    assert MPI_INF_3DHP.parents[9] == MPI_INF_3DHP.parents[10] == 8
    assert MPI_INF_3DHP.levels == (0, 1, 2, 3, 1, 2, 3, 1, 2, 3, 3, 3, 4, 5, 3, 4, 5)
    assert MPI_INF_3DHP.level_groups == ((0,), (1, 4, 7), (2, 5, 8), (3, 6, 9, 10, 11, 14), (12, 15), (13, 16))
    assert MPI_INF_3DHP.children[8] == (9, 10, 11, 14) and MPI_INF_3DHP.children[9] == ()
    # HRST triplets: (8, 9, 10) is gone (head is a leaf), (7, 8, 10) is new; 13 in all as for H36M
    assert set(MPI_INF_3DHP.triplets) == set(H36M.triplets) - {(8, 9, 10)} | {(7, 8, 10)}
    assert len(MPI_INF_3DHP.triplets) == 13
    # the head bone (bone 10) starts at the neck: a head_top 0.2 m above the neck has length 0.2
    pose = np.zeros((17, 3))
    pose[[7, 8, 9]] = [[0, 0.2, 0], [0, 0.45, 0], [0, 0.55, 0]]
    pose[10] = [0, 0.65, 0]
    from ddhpose_lite.bones import disentangle
    length, _ = disentangle(pose, MPI_INF_3DHP)
    assert length[9, 0] == pytest.approx(0.2)  # bone 10 = neck -> head_top: 0.65 - 0.45


def test_old_3dhp_checkpoint_skeleton_still_loads():
    """Checkpoints store their skeleton: one saved with the earlier tree (head_top under head) keeps it."""
    old = dict(MPI_INF_3DHP.to_dict(), parents=list(H36M.parents))
    skeleton = Skeleton.from_dict(old)
    assert skeleton.parents[10] == 9 and skeleton.levels[10] == 4 and skeleton != MPI_INF_3DHP
