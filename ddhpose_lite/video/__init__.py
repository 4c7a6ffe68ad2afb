"""Your own video -> 2D keypoints -> 3D hypotheses, offline (lesson 08).

Three steps, one function each::

    detections = detect_landmarks(path, seconds=10)            # MediaPipe Pose, 33 landmarks per frame
    track = video_keypoints(detections)                        # Human3.6M-17 pixels at the model's 50 fps
    lifted = lift_track(track, load_pretrained())              # Lifter.lift per segment -> VideoLift

or ``lift_video(path)`` for all three. ``Detections`` and ``VideoLift`` save to NPZ files and
load back. Only ``detect_landmarks`` (and ``detect_image``, ``find_people``, ``choose_person``,
``read_frames``, ``first_frame``, ``video_info``) need the optional extra,
``pip install "ddhpose_lite[video]"`` (``mediapipe==0.10.14``, whose wheel ships its pose models, so nothing is downloaded at run time; optional because its
dependencies, jax, opencv-contrib and matplotlib, are heavy). The rest runs on saved detections
(``Detections.load``), e.g. ``SAMPLE_DETECTIONS``, those of the sample clip shipped in the package.

What ``video_keypoints`` does to the detections: landmarks -> Human3.6M-17
(``keypoints.mediapipe_to_h36m``). No person for at most ``max_gap`` seconds: filled in linearly
from the frames around it (confidence 0); longer: the clip is cut into *segments*, the frames in
between are not lifted (``VideoTrack.dropped``, and a warning), and each segment is lifted on its
own, so no pose is made up from far-away frames. A joint barely visible for at most ``max_gap``:
filled in the same way; longer: the detector's own guess stays, flagged by its low confidence
(``VideoTrack.guessed``). Each segment is resampled linearly in time from the video's frame rate
to the model's 50 fps (``mocap.resample``). Jitter: MediaPipe's own landmark filter (video mode),
then a light Gaussian in time (``SMOOTH``, 40 ms), as much as the lifter needs (the model was
trained on detector-like noise, ``keypoints.detector_noise``; more only blurs fast motion).

One module per stage: ``frames`` (the extra, the sample clip, reading video upright), ``people``
(one person among several: boxes, the choice, the message), ``detector`` (MediaPipe Pose ->
``Detections``; OpenCV's people detector), ``track`` (-> ``VideoTrack`` at 50 fps), ``lift`` (->
``VideoLift``), ``files`` (their NPZ format). Everything public is importable from
``ddhpose_lite.video`` directly.
"""
from .frames import *  # noqa: F401,F403
from .people import *  # noqa: F401,F403
from .detector import *  # noqa: F401,F403
from .track import *  # noqa: F401,F403
from .lift import *  # noqa: F401,F403

__all__ = ["VIDEO_EXTRA", "SAMPLE_VIDEO", "SAMPLE_START", "SAMPLE_BOX", "SAMPLE_DETECTIONS", "SMOOTH", "TYPICAL_HEIGHT",
           "Detections", "VideoTrack", "VideoLift", "require_video_extra", "video_info", "read_frames", "saved_upload",
           "upright", "rotation_degrees", "describe_video", "first_frame", "as_boxes", "box_iou", "distinct_people", "pick_person",
           "people_message", "image_data_uri", "detect_image", "find_people", "find_person", "choose_person",
           "detect_landmarks", "video_keypoints", "zoomed", "lift_track", "lift_video"]
