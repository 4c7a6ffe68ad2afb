"""Checks of lesson 04's exercises (attention that knows the skeleton); worked solutions in ``solutions``.

HRST and the child features are checked on trees the model cannot be built for (MPI-INF-3DHP in
the order of its files, a dog), and the parameter count on skeletons and sizes of our choosing and
on a variant ``HSTDenoiser`` cannot build (one child-key projection shared by every HRTT layer), so
that counting the parameters of a built model does not pass.
"""
from __future__ import annotations

import inspect

import torch

from ..model import DenoiserConfig, HSTDenoiser, count_parameters
from ..skeleton import H36M, Skeleton
from ._exercise import Wrong, call, exercise, tensor_answer
from .lesson01 import DOG_PARENTS, MPI_FILE_PARENTS

__all__ = ["check_child_features", "check_count", "check_hrst"]

_TREES = {"Human3.6M": H36M.parents, "MPI-INF-3DHP in file order": MPI_FILE_PARENTS, "the dog": DOG_PARENTS}


def _triplets(parents) -> list[tuple[int, int, int]]:
    return [(parents[j], j, c) for c, j in enumerate(parents) if j >= 0 and parents[j] >= 0]


def _algorithm_1(A: torch.Tensor, triplets) -> torch.Tensor:
    out = A.clone()
    for p, j, c in triplets:
        out[j, c] = (A[j, c] + A[p, j]) / 2
        out[c, j] = (A[c, j] + A[p, j]) / 2
    return out


@exercise("04", 1, "warm-up", "Algorithm 1 for any list of triplets", solution="hrst_by_hand",
          empty="Define my_hrst(A, triplets) and pass the function.")
def check_hrst(function) -> str:
    """my_hrst(A [J, J], triplets) -> A after Algorithm 1, every update reading the original A."""
    generator = torch.Generator().manual_seed(5)
    for name, parents in _TREES.items():
        triplets = _triplets(parents)
        for order in (triplets, triplets[::-1]):
            A = torch.randn(len(parents), len(parents), generator=generator, dtype=torch.float64)
            expected = _algorithm_1(A, order)
            got = tensor_answer(call(function, A.clone(), list(order), what="my_hrst"), tuple(A.shape))
            wrong = (got - expected).abs() > 1e-12
            if bool(wrong.any()):
                a, b = (int(i) for i in torch.nonzero(wrong)[0])
                written = any((j, c) == (a, b) or (c, j) == (a, b) for _, j, c in order)
                if not written:
                    hint = "only the entries A[j][c] and A[c][j] of a triplet (p, j, c) change; every other entry stays"
                elif float(got[a, b]) == float(A[a, b]):
                    hint = "it is unchanged, but a triplet (p, j, c) rewrites A[j][c] and A[c][j]"
                else:
                    hint = ("an update read an entry that an earlier update had already changed: read from the "
                            "original A, write into a copy")
                raise Wrong(f"for {name}, entry A[{a}][{b}] is {float(got[a, b]):+.4f}, it should be "
                            f"{float(expected[a, b]):+.4f}: {hint}.")
    return "Read from the original, write into a copy: then the order of the triplets cannot matter."


def _child_mean(parents) -> torch.Tensor:
    n = len(parents)
    mean = torch.zeros(n, n, dtype=torch.float64)
    for j in range(n):
        members = [j] + [c for c in range(n) if parents[c] == j]
        mean[j, members] = 1.0 / len(members)
    return mean


@exercise("04", 2, "core", "HRTT's child features for any tree", solution="child_features",
          empty="Define my_child_features(x, parents) and pass the function.")
def check_child_features(function) -> str:
    """my_child_features(x [F, J, C], parents) -> f_c [F, J, C]: each joint averaged with its children."""
    generator = torch.Generator().manual_seed(2)
    for name, parents in _TREES.items():
        x = torch.randn(5, len(parents), 6, generator=generator, dtype=torch.float64)
        expected = torch.einsum("jk,fkc->fjc", _child_mean(parents), x)
        got = tensor_answer(call(function, x.clone(), parents, what="my_child_features"), tuple(x.shape))
        wrong = (got - expected).abs().amax((0, 2)) > 1e-12
        if bool(wrong.any()):
            joint = int(torch.nonzero(wrong)[0])
            children = [c for c, p in enumerate(parents) if p == joint]
            members = "itself only (a leaf)" if not children else f"itself and its children {children}"
            raise Wrong(f"for {name}, joint {joint}'s row is off: it is the plain mean of {members}.")
    return "The Thorax of Human3.6M averages 4 joints, a leaf only itself; K_c is this mean's key projection."


def _skeleton(joints: int, levels: int) -> Skeleton:
    """A tree of ``joints`` joints and ``levels`` levels: a chain from the root, the rest on the root."""
    parents = [-1] + list(range(levels - 1)) + [0] * (joints - levels)
    return Skeleton(tuple(f"j{k}" for k in range(joints)), tuple(parents))


_COUNT_CASES = ((27, 64, 4, 17, 6, 2.0), (243, 512, 8, 17, 6, 2.0), (9, 32, 2, 25, 9, 4.0), (1, 16, 1, 17, 6, 2.0))


@exercise("04", 3, "stretch", "Count the denoiser's parameters", solution="denoiser_parameters",
          empty="Define my_count(frames, width, depth, joints=17, levels=6, mlp_ratio=2.0, shared_child_keys=False) "
                "and pass the function.")
def check_count(function) -> str:
    """my_count(frames, width, depth, joints, levels, mlp_ratio, shared_child_keys=False) -> HSTDenoiser's number
    of parameters; with ``shared_child_keys=True``, of the variant whose HRTT layers share one K_c projection."""
    expected_counts = []
    for frames, width, depth, joints, levels, ratio in _COUNT_CASES:
        skeleton = H36M if joints == 17 else _skeleton(joints, levels)
        with torch.device("meta"):  # shapes only: a paper-size model costs no memory
            model = HSTDenoiser(DenoiserConfig(frames=frames, width=width, depth=depth, heads=8 if width >= 8 else 1,
                                               mlp_ratio=ratio, skeleton=skeleton))
        expected = count_parameters(model)
        got = call(function, frames, width, depth, joints, levels, ratio, what="my_count")
        if got != expected:
            raise Wrong(f"frames {frames}, width {width}, depth {depth}, {joints} joints in {levels} levels, MLP ratio "
                        f"{ratio}: you count {got:,}, the model has {expected:,} ({expected - got:+,}). Walk through "
                        "HSTDenoiser.__init__: embeddings, the timestep MLP, 2·depth blocks, HRTT's child keys in "
                        "layers 1 and up, the shared norms between blocks, the final norm and the head.")
        expected_counts.append(expected)
    for (frames, width, depth, joints, levels, ratio), built in zip(_COUNT_CASES, expected_counts):
        expected = built - max(depth - 2, 0) * (width * width + width)  # depth - 1 projections become one
        try:
            parameters = inspect.signature(function).parameters
        except (TypeError, ValueError):
            parameters = {}
        if "shared_child_keys" not in parameters:
            raise Wrong("my_count needs the keyword argument shared_child_keys (default False)")
        got = call(function, frames, width, depth, joints, levels, ratio, shared_child_keys=True, what="my_count")
        if got != expected:
            hint = (" That is the count of the model as built: with shared_child_keys=True every HRTT layer uses the "
                    "same K_c projection, which no DenoiserConfig builds, so count it yourself."
                    if got == built else " Only the child-key projections change: how many are there, and how big?")
            raise Wrong(f"frames {frames}, width {width}, depth {depth}, shared child keys: you count {got:,}, the "
                        f"variant has {expected:,} ({expected - got:+,}).{hint}")
    saved = (8 - 2) * (512 * 512 + 512)  # the paper's depth 8 and width 512
    return ("About 8·w² per block: at width 512 the 16 blocks hold nearly all of the paper model's parameters; one "
            f"shared K_c projection would save (depth − 2)·(w² + w), {saved / 1e6:.1f} M at the paper's size.")
