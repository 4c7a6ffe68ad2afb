"""Speed of the denoiser: `python benchmarks/denoiser_speed.py [--quick] [--device cuda]`.

For each (frames, width, depth, heads, batch) config it prints the parameter count, the training-step
time (forward + backward + AdamW) and frames/s, the sampling latency for H = 5 hypotheses and
K = 5 DDIM steps on one clip, the achieved GFLOP/s against a measured matmul peak, and the cost
of HRST + HRTT (the same model with both switched off, measured in the same run).
"""
from __future__ import annotations

import argparse
import dataclasses
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from ddhpose_lite import model as model_module
from ddhpose_lite.diffusion import Schedule
from ddhpose_lite.model import DenoiserConfig, HSTDenoiser, count_parameters
from ddhpose_lite.sampling import sample_poses
from ddhpose_lite.train import PROFILES

_CPU = PROFILES["cpu"]
CONFIGS = ((_CPU.model.frames, _CPU.model.width, _CPU.model.depth, _CPU.model.heads, _CPU.batch_size),  # shipped
           (81, 128, 8, 8, 2), (243, 512, 8, 8, 1))  # a middle size, the paper


def _timed(fn, repeats: int, device: torch.device, warmup: int = 2) -> float:
    """Median seconds per call after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def matmul_peak(device: torch.device, size: int = 1024) -> float:
    """Measured GFLOP/s of a float32 square matmul (the machine's practical ceiling)."""
    a, b = torch.randn(size, size, device=device), torch.randn(size, size, device=device)
    seconds = _timed(lambda: a @ b, 10, device)
    return 2 * size**3 / seconds / 1e9


def _batch(config: DenoiserConfig, batch: int, device: torch.device):
    g = torch.Generator().manual_seed(0)
    kp = torch.randn(batch, config.frames, 17, 2, generator=g).to(device)
    bones = torch.randn(batch, config.frames, 16, 4, generator=g).to(device)
    target = torch.randn(batch, config.frames, 17, 3, generator=g).to(device)
    t = torch.randint(0, 1000, (batch,), generator=g).to(device)
    return kp, bones, target, t


def _training_step(config: DenoiserConfig, batch: int, device: torch.device):
    """A closure running one training step (forward + backward + AdamW) of a fresh model."""
    torch.manual_seed(0)
    model = HSTDenoiser(config).to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    kp, bones, target, t = _batch(config, batch, device)

    def step():
        loss = (model(kp, bones, t) - target).norm(dim=-1).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return step, model


def training_step_seconds(configs: list[DenoiserConfig], batch: int, device: torch.device, repeats: int):
    """Median seconds per step of each config, timed in alternation (config A, B, A, B, ...) so
    that a noisy machine slows all of them alike, plus the FLOPs and parameters of the first."""
    steps = [_training_step(config, batch, device) for config in configs]
    with FlopCounterMode(display=False) as counter:
        steps[0][0]()
    for step, _ in steps:
        step()
    times = [[] for _ in steps]
    for _ in range(repeats):
        for i, (step, _) in enumerate(steps):
            times[i].append(_timed(step, 1, device, warmup=0))
    medians = [sorted(t)[len(t) // 2] for t in times]
    return medians, counter.get_total_flops(), count_parameters(steps[0][1])


def sampling_seconds(config: DenoiserConfig, device: torch.device, hypotheses=5, steps=5, repeats=3) -> float:
    """Median seconds of ``sampling.sample_poses`` on one clip (no flip), H hypotheses x K steps."""
    model = HSTDenoiser(config).to(device).eval()
    kp = _batch(config, 1, device)[0]
    schedule = Schedule.cosine()
    return _timed(lambda: sample_poses(model, kp, schedule, hypotheses, steps), repeats, device)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the first two configs, fewer repeats")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--kernels", action="store_true",
                        help="also time the training step with each attention kernel (sdpa vs explicit)")
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    configs = CONFIGS[:2] if args.quick else CONFIGS
    peak = matmul_peak(device)
    print(f"device {device}, {torch.get_num_threads()} threads, float32 matmul peak {peak:.1f} GFLOP/s")
    header = ("frames", "width", "depth", "heads", "batch", "params", "step ms", "frames/s", "GFLOP/s",
              "% peak", "off ms", "HRST+HRTT cost", "sample H5K5 ms")
    print(" | ".join(header))
    for frames, width, depth, heads, batch in configs:
        config = DenoiserConfig(frames=frames, width=width, depth=depth, heads=heads)
        plain = dataclasses.replace(config, hrst=False, hrtt=False)
        repeats = max(3, args.repeats // (4 if frames > 100 else 1))
        (seconds, plain_seconds), flops, params = training_step_seconds([config, plain], batch, device, repeats)
        sample = sampling_seconds(config, device)
        gflops = flops / seconds / 1e9
        row = (frames, width, depth, heads, batch, f"{params:,}", f"{seconds * 1e3:.1f}",
               f"{batch * frames / seconds:,.0f}", f"{gflops:.1f}", f"{100 * gflops / peak:.0f}%",
               f"{plain_seconds * 1e3:.1f}", f"{100 * (seconds / plain_seconds - 1):+.1f}%", f"{sample * 1e3:.0f}")
        print(" | ".join(str(x) for x in row), flush=True)
        if args.kernels:
            timings = {}
            for kernel in ("sdpa", "explicit"):  # alternate kernels step by step, like the configs
                model_module.ATTENTION_KERNEL = kernel
                timings[kernel] = []
            step, _ = _training_step(config, batch, device)
            for kernel in timings:
                model_module.ATTENTION_KERNEL = kernel
                step()
            for _ in range(repeats):
                for kernel in timings:
                    model_module.ATTENTION_KERNEL = kernel
                    timings[kernel].append(_timed(step, 1, device, warmup=0))
            model_module.ATTENTION_KERNEL = "auto"
            sdpa, explicit = (sorted(timings[k])[repeats // 2] for k in ("sdpa", "explicit"))
            print(f"    attention kernels, step ms: sdpa {sdpa * 1e3:.1f}, explicit {explicit * 1e3:.1f} "
                  f"(explicit/sdpa = {explicit / sdpa:.2f})")


if __name__ == "__main__":
    main()
