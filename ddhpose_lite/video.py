"""From your own video to 2D keypoints the lifter reads (work in progress, issue 18).

The planned path: video frames -> MediaPipe Pose's 33 landmarks per frame -> Human3.6M-17
keypoints and confidences (``keypoints.mediapipe_to_h36m``, done) -> ``Lifter.lift`` with the
video's ``image_size``. Reading video, running the detector and resampling to the model's frame
rate are still to come. The detector is an optional extra, ``pip install "ddhpose_lite[video]"``
(``mediapipe==0.10.14``, which ships its pose models in the wheel, so nothing is downloaded at
run time): its dependencies (jax, opencv-contrib, matplotlib) are too heavy for the default
install, so it is imported only when needed.
"""
from __future__ import annotations

__all__ = ["VIDEO_EXTRA", "require_video_extra"]

VIDEO_EXTRA = 'pip install "ddhpose_lite[video]"'
"""The command that installs the optional video extra (the MediaPipe detector)."""


def require_video_extra():
    """The ``mediapipe`` module, or an ImportError that says how to install it (``VIDEO_EXTRA``)."""
    try:
        import mediapipe
    except ImportError as error:
        raise ImportError(
            f"lifting your own video needs the MediaPipe pose detector, an optional extra: {VIDEO_EXTRA} "
            "(optional because its dependencies, jax, opencv-contrib and matplotlib, are heavy)"
        ) from error
    return mediapipe
