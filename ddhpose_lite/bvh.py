"""BVH motion capture files, any skeleton: reading one, and forward kinematics.

A BVH file has two sections. HIERARCHY: a tree of joints (ROOT, JOINT, End Site), each with an
OFFSET from its parent and CHANNELS (positions and rotations, in any order). MOTION: ``Frames``,
``Frame Time`` and one row of channel values per frame.

1. ``parse_bvh`` / ``read_bvh``: the text -> ``Bvh`` (joints parents first; end sites named
   ``<joint>_End``). Bad input raises a ValueError naming the source, the line and the joint.
2. ``forward_kinematics``: world positions [F, J, 3] of every joint and end site, in the file's
   units and axes; vectorised over frames (the loop runs over the file's joints, parents first).

Nothing here knows a particular skeleton: ``mocap`` maps the CMU files' skeletons to the 17
Human3.6M joints, converts units and axes, and builds the shipped clips.

Public API::

    parse_bvh(text, source="<text>") -> Bvh;  read_bvh(path) -> Bvh
    forward_kinematics(bvh) -> ndarray [F, J, 3]          # file units and axes
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["CHANNEL_NAMES", "Bvh", "forward_kinematics", "parse_bvh", "read_bvh"]

# --------------------------------------------------------------------------------------------
# 1. Parsing
# --------------------------------------------------------------------------------------------
CHANNEL_NAMES = ("Xposition", "Yposition", "Zposition", "Xrotation", "Yrotation", "Zrotation")


@dataclass(frozen=True, eq=False)
class Bvh:
    """A parsed BVH file. Joints and end sites are listed parents first; an end site is named
    ``<joint>_End`` and has no channels. ``motion`` [F, C] holds the channel values of every
    frame, in file order; ``columns[j]`` are joint j's columns in ``motion``."""

    source: str
    names: tuple[str, ...]
    parents: tuple[int, ...]
    offsets: np.ndarray  # [J, 3] file units
    channels: tuple[tuple[str, ...], ...]
    columns: tuple[tuple[int, ...], ...]
    frame_time: float  # seconds, as the header says (see resample for which rate wins)
    motion: np.ndarray  # [F, C] float64

    @property
    def num_frames(self) -> int:
        return self.motion.shape[0]

    def index(self, name: str) -> int:
        return self.names.index(name)

    def with_site(self, name: str, joint: str, offset) -> "Bvh":
        """A copy with one more end site: a point fixed in ``joint``'s frame at ``offset``."""
        if name in self.names:
            raise ValueError(f"{self.source}: expected a new point name, got {name!r} (a joint)")
        return Bvh(self.source, self.names + (name,), self.parents + (self.index(joint),),
                   np.vstack([self.offsets, np.asarray(offset, dtype=np.float64)]),
                   self.channels + ((),), self.columns + ((),), self.frame_time, self.motion)


def _tokens(lines: list[str], start: int, stop: int):
    """Whitespace tokens of lines[start:stop] with their 1-based line numbers."""
    for number in range(start, stop):
        for token in lines[number].split():
            yield token, number + 1


def parse_bvh(text: str, source: str = "<text>") -> Bvh:
    """Parse a BVH text. Bad input raises ValueError naming ``source``, the line and the joint."""
    lines = text.splitlines()
    motion_line = next((i for i, line in enumerate(lines) if line.strip() == "MOTION"), None)
    if motion_line is None:
        raise ValueError(f"{source}: expected a MOTION section, got none in {len(lines)} lines")
    stream = _tokens(lines, 0, motion_line)
    names, parents, offsets, channels, columns = [], [], [], [], []
    stack: list[int] = []  # open joints; -1 marks an open End Site
    where = (None, 0)

    def take(expected: str | None = None) -> tuple[str, int]:
        nonlocal where
        token = next(stream, None)
        if token is None:
            raise ValueError(f"{source}, line {motion_line + 1}: expected "
                             f"{expected or 'more hierarchy'} before MOTION, got MOTION")
        if expected is not None and token[0] != expected:
            raise ValueError(f"{source}, line {token[1]}: expected {expected!r}, got {token[0]!r}")
        where = token
        return token

    def number(what: str) -> float:
        token, line = take()
        try:
            return float(token)
        except ValueError:
            raise ValueError(f"{source}, line {line}: expected a number for {what}, "
                             f"got {token!r}") from None

    take("HIERARCHY")
    width = 0
    for token, line in stream:
        where = (token, line)
        if token in ("ROOT", "JOINT", "End"):
            if token == "End":
                take("Site")
                name = f"{names[stack[-1]]}_End" if stack and stack[-1] >= 0 else "End"
            else:
                name = take()[0]
            if (token == "ROOT") == bool(stack):
                raise ValueError(f"{source}, line {line}: expected ROOT at the top level and "
                                 f"JOINT or End Site inside a joint, got {token} {name}")
            parent = stack[-1] if stack else -1
            if parent == -1 and stack:
                raise ValueError(f"{source}, line {line}: expected an End Site to have no "
                                 f"children, got {token}")
            take("{")
            take("OFFSET")
            offset = [number(f"the OFFSET of {name}") for _ in range(3)]
            chans: tuple[str, ...] = ()
            if token != "End":
                take("CHANNELS")
                count_token, count_line = take()
                if not count_token.isdigit():
                    raise ValueError(f"{source}, line {count_line}: expected a channel count for "
                                     f"joint {name!r}, got {count_token!r}")
                chans = tuple(take()[0] for _ in range(int(count_token)))
                for chan in chans:
                    if chan not in CHANNEL_NAMES:
                        raise ValueError(f"{source}, line {where[1]}: joint {name!r}: expected "
                                         f"channels among {', '.join(CHANNEL_NAMES)}, got {chan!r}")
            names.append(name)
            parents.append(parent)
            offsets.append(offset)
            channels.append(chans)
            columns.append(tuple(range(width, width + len(chans))))
            width += len(chans)
            stack.append(len(names) - 1 if token != "End" else -1)
        elif token == "}":
            if not stack:
                raise ValueError(f"{source}, line {line}: expected a joint to close, got an extra '}}'")
            stack.pop()
        else:
            joint = names[stack[-1]] if stack and stack[-1] >= 0 else "End Site"
            raise ValueError(f"{source}, line {line}: expected JOINT, End Site or '}}' "
                             f"(in {joint}), got {token!r}")
    if stack:
        raise ValueError(f"{source}, line {motion_line + 1}: expected '}}' to close joint "
                         f"{names[stack[-1]] if stack[-1] >= 0 else 'End Site'!r}, got MOTION")
    if not names:
        raise ValueError(f"{source}: expected a ROOT joint in HIERARCHY, got none")
    frames, frame_time, motion = _parse_motion(lines, motion_line + 1, width, source)
    return Bvh(source, tuple(names), tuple(parents), np.array(offsets, dtype=np.float64),
               tuple(channels), tuple(columns), frame_time, motion)


def _header(lines: list[str], index: int, key: str, source: str) -> str:
    line = lines[index].strip() if index < len(lines) else ""
    if not line.startswith(key):
        raise ValueError(f"{source}, line {index + 1}: expected '{key} ...', got {line[:40]!r}")
    return line[len(key):].strip()


def _parse_motion(lines: list[str], start: int, width: int, source: str):
    frames_text = _header(lines, start, "Frames:", source)
    time_text = _header(lines, start + 1, "Frame Time:", source)
    try:
        frames, frame_time = int(frames_text), float(time_text)
    except ValueError:
        raise ValueError(f"{source}, line {start + 1}: expected an integer frame count and a "
                         f"frame time in seconds, got {frames_text!r} and {time_text!r}") from None
    first = start + 2
    if frames < 0:
        raise ValueError(f"{source}, line {start + 1}: expected a frame count >= 0, got {frames}")
    rows = lines[first:first + frames]
    extra = [i for i, line in enumerate(lines[first + frames:], first + frames) if line.strip()]
    if len(rows) < frames or any(not row.strip() for row in rows):
        got = next((i for i, row in enumerate(rows) if not row.strip()), len(rows))
        raise ValueError(f"{source}, line {first + got + 1}: expected {frames} motion rows "
                         f"(Frames: {frames}), got {got}: the file is truncated")
    if extra:
        raise ValueError(f"{source}, line {extra[0] + 1}: expected {frames} motion rows "
                         f"(Frames: {frames}), got more")
    split = [row.split() for row in rows]
    for i, values in enumerate(split):
        if len(values) != width:
            raise ValueError(f"{source}, line {first + i + 1}: expected {width} channel values, "
                             f"got {len(values)}")
    try:
        motion = np.array(split, dtype=np.float64).reshape(frames, width)
    except ValueError:
        for i, values in enumerate(split):  # find the culprit for the message
            for value in values:
                try:
                    float(value)
                except ValueError:
                    raise ValueError(f"{source}, line {first + i + 1}: expected numbers, "
                                     f"got {value!r}") from None
        raise
    if not np.isfinite(motion).all():
        row = int(np.nonzero(~np.isfinite(motion).all(1))[0][0])
        raise ValueError(f"{source}, line {first + row + 1}: expected finite channel values, "
                         f"got NaN or infinity")
    return frames, frame_time, motion


def read_bvh(path) -> Bvh:
    """Read and parse a BVH file."""
    path = Path(path)
    return parse_bvh(path.read_text(encoding="utf-8", errors="strict"), str(path))


# --------------------------------------------------------------------------------------------
# 2. Forward kinematics
# --------------------------------------------------------------------------------------------
def _axis_rotation(axis: str, degrees: np.ndarray) -> np.ndarray:
    """[F] angles -> [F, 3, 3] right-handed rotations about the X, Y or Z axis."""
    a = np.deg2rad(degrees)
    c, s, one, zero = np.cos(a), np.sin(a), np.ones_like(a), np.zeros_like(a)
    rows = {
        "X": ((one, zero, zero), (zero, c, -s), (zero, s, c)),
        "Y": ((c, zero, s), (zero, one, zero), (-s, zero, c)),
        "Z": ((c, -s, zero), (s, c, zero), (zero, zero, one)),
    }[axis]
    return np.stack([np.stack(row, -1) for row in rows], -2)


def forward_kinematics(bvh: Bvh) -> np.ndarray:
    """World positions [F, J, 3] of every joint and end site, in the file's units and axes.

    BVH semantics: joint j's frame is its parent's frame moved by OFFSET (+ its position
    channels) and turned by R_j = R_c1 R_c2 R_c3 for rotation channels listed c1 c2 c3
    (intrinsic rotations in the listed order). So p_j = p_parent + G_parent (offset_j + t_j)
    and G_j = G_parent R_j, with G the accumulated rotation. One pass over the joints, parents
    first, each step vectorised over all frames.
    """
    frames, joints = bvh.num_frames, len(bvh.names)
    positions = np.empty((frames, joints, 3))
    rotations = np.empty((joints, frames, 3, 3))
    for j, (parent, chans, cols) in enumerate(zip(bvh.parents, bvh.channels, bvh.columns)):
        local_t = np.broadcast_to(bvh.offsets[j], (frames, 3)).copy()
        local_r = np.broadcast_to(np.eye(3), (frames, 3, 3))
        for chan, col in zip(chans, cols):
            axis = "XYZ".index(chan[0])
            if chan.endswith("position"):
                local_t[:, axis] += bvh.motion[:, col]
            else:
                local_r = local_r @ _axis_rotation(chan[0], bvh.motion[:, col])
        if parent < 0:
            positions[:, j] = local_t
            rotations[j] = local_r
        else:
            positions[:, j] = positions[:, parent] + np.einsum("fij,fj->fi", rotations[parent], local_t)
            rotations[j] = rotations[parent] @ local_r
    return positions
