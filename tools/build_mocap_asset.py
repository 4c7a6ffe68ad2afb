"""Rebuild ddhpose_lite/assets/cmu_mocap.npz from the CMU BVH archive (docs/data.md).

    python tools/build_mocap_asset.py ARCHIVE              # ARCHIVE: path of cmu-mocap-bvh.tar.xz
    python tools/build_mocap_asset.py ARCHIVE --out FILE   # (default ARCHIVE: the maintainers' copy beside the checkout)

Reads the .tar.xz directly (no unpacking), checks every file's sha1 against index.csv, runs
``mocap.convert_clip`` on each clip (true fps from index.csv) and stores positions as int16
millimetres (rounding error at most 0.5 mm per coordinate). A trial cut at glitches
(``mocap.capture_pieces``) is stored as several clips, numbered by ``part``. The zip is written
here with fixed timestamps and a fixed member order, so two runs give the same bytes whatever
the numpy version (older ``np.savez_compressed`` embedded the write time: numpy issue #9439).
Prints a summary: clips, frames and minutes per split, size, rounding error, bone lengths
before retargeting, and what was left out.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import io
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import torch

from ddhpose_lite import mocap
from ddhpose_lite.bones import disentangle

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = ROOT.parent / "shared" / "data" / "cmu-mocap-bvh.tar.xz"
MM = 0.001  # metres per stored unit
BONES = {"thigh": [1, 4], "shin": [2, 5], "upper arm": [11, 14], "forearm": [12, 15],
         "hip (half width)": [0, 3], "shoulder (from thorax)": [10, 13], "pelvis-spine": [6],
         "spine-thorax": [7], "thorax-nose": [8], "nose-head": [9]}  # bone index k - 1


def _normalise(text: str) -> str:
    return " ".join(text.split())


def read_archive(path: Path):
    """index.csv rows, LICENSE_ATTRIBUTION.txt text, and a reader of member bytes. The members
    are read in one pass: seeking back in an xz stream would decompress it again each time."""
    with tarfile.open(path, "r:xz") as tar:
        files = {m.name.lstrip("./"): tar.extractfile(m).read() for m in tar if m.isfile()}

    def read(name: str) -> bytes:
        if name not in files:
            raise ValueError(f"{path}: expected a member {name!r}, got none")
        return files[name]

    rows = list(csv.DictReader(io.StringIO(read("index.csv").decode("utf-8"))))
    return rows, read("LICENSE_ATTRIBUTION.txt").decode("utf-8"), read


def write_npz(path: Path, arrays: dict) -> None:
    """Like np.savez_compressed, but with fixed zip timestamps so the bytes are reproducible."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for key, value in arrays.items():
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.asanyarray(value), allow_pickle=False)


def build(archive: Path, out: Path) -> None:
    rows, license_text, read = read_archive(archive)
    for quote in (mocap.ACKNOWLEDGEMENT, "This data is free for use in research and commercial "
                  "projects worldwide.", "I (Bruce) place no additional restrictions"):
        if _normalise(quote) not in _normalise(license_text):
            raise ValueError(f"expected LICENSE_ATTRIBUTION.txt to contain {quote!r}, got no match")
    rows.sort(key=lambda r: (int(r["subject"]), int(r["trial"])))
    poses, meta, raw_lengths, errors = [], [], [], []
    for row in rows:
        data = read(row["file"])
        if hashlib.sha1(data).hexdigest() != row["sha1"]:
            raise ValueError(f"{row['file']}: expected sha1 {row['sha1']}, got another")
        variant, text = mocap.variant_of(row["file"]), data.decode("utf-8")
        mapped = mocap.to_h36m(mocap.parse_bvh(text, row["file"]), variant).double()
        raw_lengths.append((variant, disentangle(mapped)[0][..., 0].median(0).values))
        for part, (first, stop, clip) in enumerate(mocap.convert_clip(text, variant, float(row["fps"]), row["file"])):
            stored = np.round(clip.double().numpy() / MM)
            if np.abs(stored).max() >= 2**15:
                raise ValueError(f"{row['file']}: expected positions within +-32.7 m, got {np.abs(clip).max()} m")
            errors.append(np.abs(stored * MM - clip.double().numpy()).max())
            poses.append(stored.astype(np.int16))
            meta.append((row, variant, part, first, stop))
    offsets = np.concatenate(([0], np.cumsum([len(p) for p in poses]))).astype(np.int64)
    names = [f"{int(r['subject']):02d}_{int(r['trial']):02d}" for r, *_ in meta]
    arrays = {
        "poses_mm": np.concatenate(poses),
        "clip_offsets": offsets,
        "name": np.array(names),
        "part": np.array([part for _, _, part, _, _ in meta], dtype=np.int32),
        "subject": np.array([int(r["subject"]) for r, *_ in meta], dtype=np.int32),
        "trial": np.array([int(r["trial"]) for r, *_ in meta], dtype=np.int32),
        "description": np.array([r["description"] for r, *_ in meta]),
        "source": np.array([r["file"] for r, *_ in meta]),
        "source_sha1": np.array([r["sha1"] for r, *_ in meta]),
        "variant": np.array([v for _, v, *_ in meta]),
        "source_frames": np.array([int(r["frames"]) for r, *_ in meta], dtype=np.int32),
        "source_first_frame": np.array([first for *_, first, _ in meta], dtype=np.int32),
        "source_stop_frame": np.array([stop for *_, stop in meta], dtype=np.int32),
        "source_fps": np.array([float(r["fps"]) for r, *_ in meta]),
        "fps": np.array(mocap.FPS),
        "metres_per_unit": np.array(MM),
        "reference_lengths": np.array(mocap.REFERENCE_LENGTHS, dtype=np.float32),
        "units": np.array("poses_mm: int16 millimetres, world z-up (x right, y forward in the "
                          "rest pose), z = 0 at a planted ankle; H36M-17 joints, VideoPose3D order"),
        "acknowledgement": np.array(mocap.ACKNOWLEDGEMENT),
        "terms": np.array(mocap.TERMS),
        "origin": np.array("CMU Graphics Lab Motion Capture Database (mocap.cs.cmu.edu), BVH "
                           "conversion by B. Hahne (cgspeed); built by tools/build_mocap_asset.py"),
    }
    write_npz(out, arrays)
    summary(arrays, raw_lengths, max(errors), out)
    kept = {}
    for name, (row, variant, part, first, stop) in zip(names, meta):
        kept.setdefault(name, (int(row["frames"]), mocap.VARIANTS[variant].skip, []))[2].append((first, stop))
    cut = [f"{n} keeps {', '.join(f'{a}-{b}' for a, b in ranges)} of {total}"
           for n, (total, skip, ranges) in kept.items() if ranges != [(skip, total)]]
    lost = sum(total - skip - sum(b - a for a, b in ranges) for total, skip, ranges in kept.values())
    print(f"  frames left out beyond the T-pose rule (empty, frozen, glitches): {lost} at 120 fps")
    print("    " + "\n    ".join(cut))


def summary(arrays: dict, raw_lengths, max_error: float, out: Path) -> None:
    subjects, offsets = arrays["subject"], arrays["clip_offsets"]
    frames = np.diff(offsets)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB), {len(subjects)} clips, "
          f"{frames.sum()} frames at {mocap.FPS} fps")
    for split, ids in (("train", mocap.TRAIN_SUBJECTS), ("test", mocap.TEST_SUBJECTS)):
        mask = np.isin(subjects, ids)
        print(f"  {split:5s}: subjects {list(ids)}: {mask.sum()} clips, {frames[mask].sum()} frames, "
              f"{frames[mask].sum() / mocap.FPS / 60:.2f} min")
    print(f"  max rounding error {max_error * 1000:.3f} mm per coordinate")
    print("  bone lengths before retargeting (cm, median per clip; min / median / max over clips):")
    for variant in mocap.VARIANTS:
        lengths = [l for v, l in raw_lengths if v == variant]
        if not lengths:
            continue
        stacked = torch.stack(lengths)
        parts = []
        for label, bones in BONES.items():
            values = stacked[:, bones].mean(1) * 100
            parts.append(f"{label} {values.min():.1f}/{values.median():.1f}/{values.max():.1f}")
        print(f"    {variant} ({len(lengths)} clips): " + "; ".join(parts))
    reference = torch.tensor(mocap.REFERENCE_LENGTHS) * 100
    print("    reference body: " + "; ".join(
        f"{label} {reference[bones].mean():.1f}" for label, bones in BONES.items()))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("archive", nargs="?", type=Path, default=ARCHIVE)
    parser.add_argument("--out", type=Path, default=mocap.ASSET)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    build(args.archive, args.out)


if __name__ == "__main__":
    main()
