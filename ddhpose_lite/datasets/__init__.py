"""Data for training and evaluation: sequences, windowed clips, the embedded and the real datasets.

- ``clips``: ``Sequence`` (one recording seen by one camera), ``sliding_windows``, ``ClipDataset``.
- ``embedded``: procedural (and captured) motion filmed by random cameras (``film``).
- ``coverage``: which body orientations, joint angles and image placements a dataset visits.
- ``h36m``: Human3.6M in the VideoPose3D npz format; ``mpi_inf_3dhp``: MPI-INF-3DHP.

The real datasets are files the user supplies (data/README.md); nothing here downloads anything.
"""
from .clips import ClipDataset, Sequence, chunk_windows, sliding_windows, window_starts
from .coverage import coverage, hip_flexion, knee_flexion, person_position, person_scale, torso_tilt
from .embedded import (CAPTURED_SHARE, DATA_SOURCES, embedded_sequences, film, mixed_sequences, mocap_sequences,
                       synthetic_sequences, with_moved_hips)
from .h36m import (H36M_ACTION_ABBREVIATIONS, H36M_ACTIONS, H36M_CAMERA_IDS, H36M_EXTRINSICS,
                   H36M_KEEP_JOINTS, H36M_TEST_SUBJECTS, H36M_TRAIN_SUBJECTS, group_by_action, h36m_action,
                   h36m_cameras, load_h36m, table1_order)
from .mpi_inf_3dhp import (MPI_INF_3DHP_CAMERAS, MPI_INF_3DHP_IMAGE_SIZES, MPI_INF_3DHP_SCENES, MPI_INF_3DHP_SEQUENCES,
                           load_mpi_inf_3dhp,
                           load_mpi_inf_3dhp_npz)

__all__ = [
    "Sequence", "ClipDataset", "sliding_windows", "window_starts", "chunk_windows", "film", "synthetic_sequences",
    "mocap_sequences", "mixed_sequences", "embedded_sequences", "with_moved_hips", "DATA_SOURCES", "CAPTURED_SHARE",
    "coverage", "torso_tilt", "knee_flexion", "hip_flexion", "person_scale", "person_position",
    "H36M_TRAIN_SUBJECTS", "H36M_TEST_SUBJECTS", "H36M_ACTIONS", "H36M_ACTION_ABBREVIATIONS",
    "H36M_CAMERA_IDS", "H36M_EXTRINSICS", "H36M_KEEP_JOINTS", "h36m_action", "group_by_action",
    "h36m_cameras", "load_h36m", "table1_order", "MPI_INF_3DHP_SEQUENCES", "MPI_INF_3DHP_IMAGE_SIZES",
    "MPI_INF_3DHP_SCENES", "MPI_INF_3DHP_CAMERAS", "load_mpi_inf_3dhp", "load_mpi_inf_3dhp_npz",
]
