"""Time lifting a 243-frame clip with H = 5 hypotheses and K = 5 DDIM iterations (issue 6), and
the hypothesis scrubber's callback.

Run: ``python benchmarks/lift_speed.py [--frames 243] [--threads 2] [--repeats 3] [--passes]``.
Prints the load average and this machine's float32 matrix-product speed (the machine may be
shared, and its speed drifts), the windows used, seconds per lift with and without test-time
flip (best of the repeats), and the scrubber's callback time (median). ``--passes`` also times
forward passes of 1024..16384 tokens against one pass over the whole batch, alternating.
Targets: <= 3 s per lift on two CPU cores; <= 50 ms per scrubber callback.
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import time

import torch

from ddhpose_lite import load_pretrained, widgets
from ddhpose_lite.datasets import synthetic_sequences
from ddhpose_lite.sampling import CPU_TOKENS_PER_PASS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=243)
    parser.add_argument("--hypotheses", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--overlap", type=int, default=None, help="window overlap in frames (default frames // 8)")
    parser.add_argument("--passes", action="store_true", help="compare cache-sized passes with one whole-batch pass")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    lifter = load_pretrained()
    sequence = next(s for s in synthetic_sequences("test", 4 * args.frames, seed=0) if len(s) >= args.frames)
    kp = sequence.keypoints_2d[: args.frames]
    rows, _ = lifter.windows(args.frames, args.overlap)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min), {os.cpu_count()} CPUs")
    print(f"model: {lifter.frames} frames per window, {rows.shape[0]} windows for {args.frames} frames "
          f"(overlap {lifter.frames - (rows[1, 0] - rows[0, 0]).item() if rows.shape[0] > 1 else 0})")
    print(f"float32 matrix product (2048 x 2048): {matmul_gflops():.0f} GFLOP/s on this machine now")
    lifter.lift(kp[: lifter.frames], 1, 1)  # warm-up
    if args.passes:
        compare_passes(lifter, kp, args)
    result = None
    for flip in (True, False):
        timings = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            result = lifter.lift(kp, args.hypotheses, args.iterations, seed=0, flip=flip, overlap=args.overlap)
            timings.append(time.perf_counter() - start)
        clips = rows.shape[0] * args.hypotheses * (2 if flip else 1)
        passes = math.ceil(clips / max(1, CPU_TOKENS_PER_PASS // (lifter.frames * 17)))
        print(f"lift {args.frames} frames, H={args.hypotheses}, K={args.iterations}, flip={flip}: best "
              f"{min(timings):.2f} s, all {[round(t, 2) for t in timings]} ({clips} clips per DDIM step, "
              f"in {passes} pass{'es' if passes > 1 else ''})")
    views = dict(camera=sequence.camera, trajectory=sequence.trajectory[: args.frames],
                 truth=sequence.poses_3d[: args.frames])
    first = _seconds(lambda: widgets.hypothesis_scrubber(result, **views))  # imports plotly's widget stack once
    start = time.perf_counter()
    scrubber = widgets.hypothesis_scrubber(result, **views)
    print(f"scrubber built in {time.perf_counter() - start:.2f} s ({first:.2f} s the first time, which imports the "
          "widget libraries); all views precomputed, no model call when scrubbing")
    timings = []
    for n in range(60):
        start = time.perf_counter()
        scrubber.update(iteration=n % args.iterations, hypothesis="all" if n % 4 == 0 else n % args.hypotheses,
                        frame=(37 * n) % args.frames)
        timings.append(time.perf_counter() - start)
    print(f"scrubber callback: median {1000 * statistics.median(timings):.1f} ms, "
          f"max {1000 * max(timings):.1f} ms over {len(timings)} updates")
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


def matmul_gflops(size: int = 2048, repeats: int = 5) -> float:
    """A reference for how fast this (possibly shared) machine is right now."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    best = min(_seconds(lambda: a @ b) for _ in range(repeats))
    return 2 * size**3 / best / 1e9


def _seconds(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def compare_passes(lifter, kp, args) -> None:
    """Passes of 1024..16384 tokens and one pass over all clips, lifted in turn (medians)."""
    whole = 10**9
    timings: dict[int, list[float]] = {tokens: [] for tokens in (1024, 2048, 4096, CPU_TOKENS_PER_PASS, 16384, whole)}
    for round_ in range(2 * args.repeats):
        for tokens in sorted(timings, reverse=bool(round_ % 2)):
            lifter.max_tokens = tokens
            timings[tokens].append(_seconds(lambda: lifter.lift(kp, args.hypotheses, args.iterations, seed=0)))
    lifter.max_tokens = None
    medians = {tokens: statistics.median(values) for tokens, values in timings.items()}
    shown = ", ".join(f"{'whole batch' if t == whole else f'<= {t} tokens'}: {m:.2f} s" for t, m in medians.items())
    print(f"passes ({2 * args.repeats} lifts each, alternating; default {CPU_TOKENS_PER_PASS}): {shown}; default / "
          f"whole batch = {medians[CPU_TOKENS_PER_PASS] / medians[whole]:.2f}")


if __name__ == "__main__":
    main()
