"""Print the coverage table of datasets: torso tilt, knee and hip flexion, person scale and position.

    .venv/bin/python tools/coverage.py                       # the default synthetic training split
    .venv/bin/python tools/coverage.py mix train test mocap  # several, side by side (mix: what the cpu profile trains on)
    .venv/bin/python tools/coverage.py train h36m:data       # with Human3.6M (files in data/, S9 + S11)

Splits: ``mix`` (the default training data: ``mixed_sequences``, captured and procedural, with
the profile's 2D noise), ``train`` / ``test`` (``synthetic_sequences``, ``--frames`` frames, ``--seed``),
``mocap`` / ``mocap-train`` / ``mocap-test`` (the shipped CMU clips, each filmed by a random
camera), ``h36m:DIR`` (Human3.6M test subjects from the VideoPose3D files in DIR, ground-truth
2D). Definitions: ``ddhpose_lite/datasets/coverage.py``. Used in the README and lesson 02.
"""
from __future__ import annotations

import argparse

from ddhpose_lite.datasets import H36M_TEST_SUBJECTS, coverage, film, load_h36m, mixed_sequences, synthetic_sequences
from ddhpose_lite.datasets.coverage import ANGLE_EDGES, TILT_EDGES
from ddhpose_lite.mocap import load_clips


def sequences_of(split: str, frames: int, seed: int) -> list:
    if split == "mix":
        return mixed_sequences("train", frames, seed, noise_2d=3.0, outliers=0.002)
    if split in ("train", "test"):
        return synthetic_sequences(split, frames, seed=seed)
    if split.startswith("mocap"):
        part = split.partition("-")[2] or "all"
        return [film(clip.poses_world, seed=seed + i, subject=clip.name, extra={"poses_world": clip.poses_world})
                for i, clip in enumerate(load_clips(part))]
    if split.startswith("h36m:"):
        return load_h36m(split.partition(":")[2], keypoints="gt", subjects=H36M_TEST_SUBJECTS)
    raise SystemExit(f"unknown split {split!r}: expected train, test, mocap[-train|-test] or h36m:DIR")


def percent(x: float) -> str:
    return f"{100 * x:5.1f}%"


def table(results: dict[str, dict]) -> str:
    names = list(results)
    width = max(12, *(len(n) for n in names)) + 1
    rows = [("frames", lambda c: f"{c['frames']:,}")]
    rows += [(f"torso tilt {k}", (lambda k: lambda c: percent(c["tilt_bins"][k]))(k))
             for k in ("0-30", "30-60", "60-90", ">90")]
    rows += [("tilt > 45", lambda c: percent(c["beyond_45"])), ("tilt > 90", lambda c: percent(c["beyond_90"]))]
    knee_90 = ANGLE_EDGES.index(90.0)
    rows += [("knee flexion > 90", lambda c: percent(sum(c["knee_histogram"][knee_90:]))),
             ("hip flexion > 90", lambda c: percent(sum(c["hip_histogram"][knee_90:]))),
             ("height / width p50", lambda c: f"{c['scale']['height']['p50']:.2f}"),
             ("height p5-p95", lambda c: f"{c['scale']['height']['p5']:.2f}-{c['scale']['height']['p95']:.2f}"),
             ("longer side p50", lambda c: f"{c['scale']['longer_side']['p50']:.2f}"),
             ("centre x p5-p95", lambda c: f"{c['position']['x']['p5']:+.2f}..{c['position']['x']['p95']:+.2f}"),
             ("centre y p5-p95", lambda c: f"{c['position']['y']['p5']:+.2f}..{c['position']['y']['p95']:+.2f}")]
    lines = ["".ljust(20) + "".join(n.rjust(width) for n in names)]
    lines += [label.ljust(20) + "".join(f(results[n]).rjust(width) for n in names) for label, f in rows]
    lines += ["", "torso tilt histogram (10-deg bins, % of frames)", "".ljust(20) + "".join(n.rjust(width) for n in names)]
    for i, (low, high) in enumerate(zip(TILT_EDGES, TILT_EDGES[1:])):
        cells = [percent(results[n]["tilt_histogram"][i]) if results[n]["tilt_histogram"] else "-" for n in names]
        lines.append(f"{low:5.0f}-{high:3.0f} deg".ljust(20) + "".join(c.rjust(width) for c in cells))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("splits", nargs="*", default=["train"])
    parser.add_argument("--frames", type=int, default=50_000, help="frames of each synthetic split")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    results = {split: coverage(sequences_of(split, args.frames, args.seed)) for split in args.splits}
    print(table(results))


if __name__ == "__main__":
    main()
