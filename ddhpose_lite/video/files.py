"""The video path's files: NPZ with a JSON ``meta`` entry naming the format and the kind
(detections, lift), written atomically and checked when read back."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

__all__: list[str] = []  # used by detector and lift only

_FORMAT = "ddhpose_lite.video/1"


def _save(path, meta: dict, **arrays) -> Path:
    path = Path(path)
    if path.suffix != ".npz":
        raise ValueError(f"expected a file name ending in .npz, got {path.name!r}")
    partial = path.with_name(path.name + ".partial.npz")
    np.savez_compressed(partial, meta=np.array(json.dumps(meta)), **arrays)
    os.replace(partial, path)  # atomic: a crash never leaves half a file under the real name
    return path


def _load(path, kind: str):
    path = Path(path)
    with np.load(path, allow_pickle=False) as data:
        if "meta" not in data:
            raise ValueError(f"expected a file written by ddhpose_lite.video, got {path.name} without 'meta'")
        meta = json.loads(str(data["meta"]))
        arrays = {key: data[key] for key in data.files if key != "meta"}
    if meta.get("format") != _FORMAT or meta.get("kind") != kind:
        raise ValueError(f"expected a {kind} file of format {_FORMAT}, got {meta.get('kind')!r} of "
                         f"{meta.get('format')!r} in {path.name}")
    return meta, arrays
