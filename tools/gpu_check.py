"""The GPU check's Python part (``tools/gpu_check.sh`` runs it): on one GPU, a memory dry run
against ``torch.cuda.mem_get_info()`` that refuses a configuration that will not fit, 200 training
steps of the `gpu` profile with mixed precision, 20 steps of the `paper` profile; prints
throughput, peak memory and losses for the README.

    python tools/gpu_check.py [--gpu-steps 200] [--paper-steps 20]

``plan_amp`` (the autocast choice) and ``check_fits`` (the refusal arithmetic) need no GPU and are
tested on the CPU (tests/test_gpu_check.py).
"""
from __future__ import annotations

import argparse
import sys
import time

import torch

from ddhpose_lite.datasets import synthetic_sequences
from ddhpose_lite.memory import MemoryEstimate, memory_estimate
from ddhpose_lite.profiles import PROFILES
from ddhpose_lite.trainer import Trainer

ALLOCATOR_SLACK = 1.25
"""What the CUDA context, cuBLAS / cuDNN workspaces and the caching allocator add on top of the
dry run's tensors: the estimate times this must fit in the free memory."""
MIB = 2.0 ** 20


def plan_amp(native_bf16: bool) -> tuple[torch.dtype, bool]:
    """The autocast dtype and whether a GradScaler is needed: bfloat16 without one where the GPU
    computes it natively (compute capability 8.0+), else float16 with a GradScaler (float16's range
    underflows small gradients); ``trainer.resolve_amp("auto")`` makes the same choice."""
    return (torch.bfloat16, False) if native_bf16 else (torch.float16, True)


def check_fits(estimate: MemoryEstimate, free_bytes: int, amp: bool, name: str = "configuration") -> str:
    """The dry run's step memory (``total_amp`` under autocast, ``total_fp32`` without) times
    ``ALLOCATOR_SLACK`` against ``free_bytes``: a line with the numbers, or a ValueError with them."""
    if free_bytes <= 0:
        raise ValueError(f"expected the free GPU memory in bytes (> 0), got {free_bytes}")
    step = estimate.total_amp if amp else estimate.total_fp32
    need = step * ALLOCATOR_SLACK
    numbers = (f"{name}: batch {estimate.batch_size}, {estimate.config.frames} frames, width {estimate.config.width}: "
               f"estimate {step / MIB:,.0f} MiB ({'autocast' if amp else 'float32'}) x {ALLOCATOR_SLACK} = "
               f"{need / MIB:,.0f} MiB, free {free_bytes / MIB:,.0f} MiB")
    if need > free_bytes:
        raise ValueError(f"expected a {name} that fits on this GPU, got one that will not: {numbers}; lower the "
                         f"batch size or the frames")
    return numbers + " -> fits"


def _steps(trainer: Trainer, steps: int) -> tuple[int, float, list[float]]:
    """Train whole epochs until at least ``steps`` steps ran: (steps run, seconds, loss per epoch)."""
    if trainer.steps_per_epoch < 1:
        raise ValueError(f"expected at least one full batch of windows, got {len(trainer.train_data)} windows")
    done, losses = 0, []
    torch.cuda.synchronize()
    start = time.perf_counter()
    while done < steps:
        losses.append(trainer.train_epoch()["loss"])
        done += trainer.steps_per_epoch
    torch.cuda.synchronize()
    return done, time.perf_counter() - start, losses


def _run(name: str, config, steps: int, frames: int) -> None:
    free, total = torch.cuda.mem_get_info()
    amp = config.amp != "off"
    print(check_fits(memory_estimate(config.model, config.batch_size), free, amp, name), flush=True)
    sequences = synthetic_sequences("train", frames, config.seed)
    trainer = Trainer(config, device="cuda", train_sequences=sequences, val_sequences=[])
    torch.cuda.reset_peak_memory_stats()
    done, seconds, losses = _steps(trainer, steps)
    rate = done * config.batch_size * config.model.frames / seconds
    peak = torch.cuda.max_memory_allocated()
    print(f"{name}: {done} steps in {seconds:.1f} s, {rate:,.0f} frames/s, {done / seconds:.1f} steps/s, "
          f"peak {peak / MIB:,.0f} MiB of {total / MIB:,.0f} MiB, autocast {trainer.amp_dtype}, "
          f"GradScaler {trainer.scaler.is_enabled()}, loss per epoch {[round(x, 4) for x in losses]}", flush=True)
    if not all(torch.isfinite(torch.tensor(losses))):
        raise SystemExit(f"{name}: a loss is not finite: {losses}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gpu-steps", type=int, default=200)
    parser.add_argument("--paper-steps", type=int, default=20)
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        raise SystemExit("no CUDA GPU: the GPU check needs one")
    props = torch.cuda.get_device_properties(0)
    native = torch.cuda.get_device_capability(0) >= (8, 0)
    dtype, scaler = plan_amp(native)
    print(f"GPU: {props.name}, compute capability {props.major}.{props.minor}, {props.total_memory / MIB:,.0f} MiB; "
          f"torch {torch.__version__}, CUDA {torch.version.cuda}; autocast plan: {dtype}, GradScaler {scaler}",
          flush=True)
    try:
        gpu = PROFILES["gpu"]  # autocast "auto": the plan above
        # windows of 81 frames at stride 40, 32 per step: about 1,300 frames per step
        _run("gpu profile", gpu, args.gpu_steps, min(300_000, 1_300 * args.gpu_steps // 4 + 2_000))
        paper = PROFILES["paper"]  # float32, non-overlapping 243-frame windows, each as it is and mirrored
        _run("paper profile", paper, args.paper_steps, 243 * 4 * args.paper_steps // 2 + 2_000)
    except ValueError as error:  # the refusal: say what would not fit, with the numbers
        print(f"refused: {error}", file=sys.stderr)
        raise SystemExit(2) from error


if __name__ == "__main__":
    main()
