"""Rebuild ddhpose_lite/assets/sample_video_detections.npz: MediaPipe Pose on lesson 08's part of
the sample clip (``video.SAMPLE_VIDEO``, from Debian's ``opencv-doc`` package), landmarks only.

    apt install opencv-doc && pip install -e ".[video]" && python tools/make_sample_detections.py
"""
from __future__ import annotations

from ddhpose_lite import video


def main() -> None:
    detections = video.detect_landmarks(video.SAMPLE_VIDEO, video.SAMPLE_START, 10.0, video.SAMPLE_BOX,
                                        picture_width=0)
    path = detections.save(video.SAMPLE_DETECTIONS)
    print(f"{path}: {detections.frames} frames, a person in {int(detections.found.sum())}, "
          f"{path.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
