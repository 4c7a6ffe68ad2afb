"""Checks of lesson 05's exercises (training DDHPose); worked solutions in ``solutions``.

The losses are checked on hand-made poses of trees the package's losses cannot take (a dog whose
joints are not in tree order), without any model.
"""
from __future__ import annotations

import torch

from ..skeleton import H36M
from ._exercise import Wrong, call, exercise
from .lesson01 import DOG_PARENTS

__all__ = ["check_final_lr", "check_official_objective", "check_paper_loss"]


@exercise("05", 1, "warm-up", "The learning rate after 400 epochs", solution="final_learning_rate", answer="value",
          empty="Replace None with a number.")
def check_final_lr(answer) -> str:
    """The learning rate after the paper's 400 epochs of lr 1e-4 decayed ×0.993 per epoch."""
    expected = 1e-4 * 0.993**400
    try:
        value = float(answer)
    except (TypeError, ValueError):
        raise Wrong(f"expected a number, got {answer!r}") from None
    if abs(value - expected) > 0.01 * expected:
        raise Wrong(f"{value:.3g} is not it: the decay multiplies the rate once per epoch, 400 times "
                    "(and 0.993 is a factor, not a subtraction).")
    return f"{expected:.2e}: about {expected / 1e-4:.0%} of the initial rate, so late epochs take small steps."


def _bones(pose, parents):
    children = [j for j, p in enumerate(parents) if p >= 0]
    vectors = pose[..., children, :] - pose[..., [parents[j] for j in children], :]
    length = vectors.norm(dim=-1, keepdim=True)
    return length, vectors / length


def _terms(pred, target, parents, form):
    pred_length, pred_direction = _bones(pred, parents)
    length, direction = _bones(target, parents)
    pose = (pred - target).norm(dim=-1).mean()
    if form == "paper":
        return pose, (pred_length - length).abs().mean(), (pred_direction - direction).norm(dim=-1).mean()
    return (pose, (pred_length.mean(1) - length.mean(1)).square().mean(),
            (pred_direction - direction).square().sum(-1).mean())


def _cases(seed: int):
    generator = torch.Generator().manual_seed(seed)
    for name, parents, shape in (("Human3.6M", H36M.parents, (2, 3, 17, 3)), ("the dog", DOG_PARENTS, (3, 4, 14, 3))):
        target = torch.randn(shape, generator=generator, dtype=torch.float64) * 0.3
        pred = target + torch.randn(shape, generator=generator, dtype=torch.float64) * 0.1
        yield name, parents, pred, target


def _scalar(value, what: str) -> torch.Tensor:
    tensor = torch.as_tensor(value)
    if tensor.numel() != 1:
        raise Wrong(f"expected {what} as one number (a scalar tensor), got shape {list(tensor.shape)}")
    return tensor.reshape(())


@exercise("05", 2, "core", "The paper's loss by hand, for any tree", solution="paper_loss",
          empty="Define paper_loss(pred, target, parents) and pass the function.")
def check_paper_loss(function) -> str:
    """paper_loss(pred [B, F, J, 3], target, parents) -> L = L_pos + L_l + L_d (Eqs. 7–10, plain norms)."""
    for name, parents, pred, target in _cases(0):
        terms = _terms(pred, target, parents, "paper")
        expected = float(sum(terms))
        got = float(_scalar(call(function, pred.clone(), target.clone(), parents, what="paper_loss"), "the loss"))
        if abs(got - expected) > 1e-9 * max(1.0, abs(expected)):
            parts = ", ".join(f"{n} {float(v):.4f}" for n, v in zip(("L_pos", "L_l", "L_d"), terms))
            raise Wrong(f"for {name} you get {got:.4f}, the loss is {expected:.4f} ({parts}). L_pos averages the "
                        "distance of every joint (the root too); L_l and L_d average over every bone (one per "
                        "joint that has a parent), frame and clip; all three use plain norms, not squares.")
    return "The three terms use metres, metres and unit vectors: L_d dominates early in training."


@exercise("05", 3, "stretch", "The official loss and its scaled gradient", solution="official_objective",
          empty="Define official_objective(pred, target, parents) and pass the function.")
def check_official_objective(function) -> str:
    """official_objective(pred, target, parents) -> a scalar whose gradient is what the official code gets
    from ``loss.backward(loss.detach())`` with its squared, frame-averaged loss."""
    for name, parents, pred, target in _cases(1):
        reference = pred.clone().requires_grad_(True)
        loss = sum(_terms(reference, target, parents, "official"))
        loss.backward(loss.detach())
        expected = reference.grad
        mine = pred.clone().requires_grad_(True)
        objective = _scalar(call(function, mine, target.clone(), parents, what="official_objective"), "the objective")
        if not objective.requires_grad:
            raise Wrong("your objective does not depend on pred through autograd (did you detach it, or use .item()?)")
        objective.backward()
        got = mine.grad
        if got is None or not torch.allclose(got, expected, rtol=1e-6, atol=1e-12):
            ratio = float((got * expected).sum() / expected.square().sum()) if got is not None else float("nan")
            if abs(ratio - 2.0) < 1e-3:
                hint = "your gradient is twice too large: the gradient of L² is 2L·∇L"
            elif abs(ratio * float(loss.detach()) - 1.0) < 1e-3:
                hint = "your gradient is ∇L: the official code multiplies it by the loss value"
            else:
                hint = ("check the loss first: lengths averaged over the frames (axis 1) before the squared "
                        "difference, squared direction errors, MPJPE as it is")
            raise Wrong(f"for {name} your gradient differs from the official one (its projection on the official "
                        f"gradient is {ratio:.3f}× it); {hint}.")
    return ("The gradient of L·stop_gradient(L) is L·∇L. Under AdamW a constant factor cancels in m/√v, so what "
            "is left is the loss now against the losses √v remembers: a brake while the loss falls fast, not large "
            "early and small late steps (section 1's experiment).")
