"""Lesson 08 with a learner's own clip (issue 27): the first frame with pixel axes to pick a box on,
a phone clip's rotation metadata (frames, keypoints and the preview upright), and one person
chosen among several. The pure parts run everywhere; with the optional `[video]` extra, a clip
written here with fabricated rotation metadata goes through OpenCV and the real detector."""
from __future__ import annotations

import base64
import struct
import sys

import numpy as np
import pytest

from ddhpose_lite import viz
from ddhpose_lite.keypoints import mediapipe_to_h36m
from ddhpose_lite.skeleton import H36M
from ddhpose_lite.video import (
    SAMPLE_BOX, SAMPLE_DETECTIONS, SAMPLE_START, SAMPLE_VIDEO, Detections, as_boxes, box_iou, choose_person,
    describe_video, detect_image, detect_landmarks, distinct_people, find_people, find_person, first_frame,
    people_message, pick_person, read_frames, rotation_degrees, upright, video_info,
)

OPENCV_DATA = SAMPLE_VIDEO.parent

# ---------------------------------------------------------------- rotation, on arrays


@pytest.mark.parametrize("value, expected", [
    (0, 0), (90, 90), (180.0, 180), (270, 270), (-90, 270), (-270.0, 90), (360, 0), (450, 90), (np.float64(-180), 180),
])
def test_rotation_degrees_are_quarter_turns_clockwise_in_0_to_359(value, expected):
    assert rotation_degrees(value) == expected and isinstance(rotation_degrees(value), int)


@pytest.mark.parametrize("value", [45, 89.5, float("nan"), float("inf"), True, None, "90"])
def test_rotation_degrees_refuse_what_is_not_a_quarter_turn(value):
    with pytest.raises(ValueError, match=r"expected the metadata's rotation as a multiple of 90 degrees "
                                         r"\(0, 90, 180, 270\), got " + repr(value).replace("(", r"\(")):
        rotation_degrees(value, "the metadata's rotation")


STORED = np.arange(6).reshape(2, 3)
"""A frame as a file stores it, 2 rows x 3 columns: [[0, 1, 2], [3, 4, 5]]."""


@pytest.mark.parametrize("rotation, expected", [
    (0, [[0, 1, 2], [3, 4, 5]]),
    (90, [[3, 0], [4, 1], [5, 2]]),  # clockwise: the first column, read upwards, is the top row
    (180, [[5, 4, 3], [2, 1, 0]]),
    (270, [[2, 5], [1, 4], [0, 3]]),  # counter-clockwise: the last column, read downwards, is the top row
    (-90, [[2, 5], [1, 4], [0, 3]]),
])
def test_upright_turns_a_stored_frame_clockwise_by_hand(rotation, expected):
    turned = upright(STORED, rotation)
    np.testing.assert_array_equal(turned, expected)
    assert turned.flags.c_contiguous  # MediaPipe and OpenCV need contiguous images


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_upright_moves_each_pixel_where_its_docstring_says(rotation):
    h, w = 4, 7
    stored = np.zeros((h, w, 3), np.uint8)
    r, c = 1, 5
    stored[r, c] = (255, 128, 7)
    turned = upright(stored, rotation)
    where = {0: (r, c), 90: (c, h - 1 - r), 180: (h - 1 - r, w - 1 - c), 270: (w - 1 - c, r)}[rotation]
    assert turned.shape == ((h, w, 3) if rotation in (0, 180) else (w, h, 3)) and turned.dtype == np.uint8
    assert tuple(np.argwhere(turned.any(-1))[0]) == where and tuple(turned[where]) == (255, 128, 7)
    np.testing.assert_array_equal(upright(turned, -rotation), stored)  # turning back gives the stored frame


@pytest.mark.parametrize("image, rotation, message", [
    pytest.param(np.zeros(5), 90, r"expected an image \[h, w, \.\.\.\], got \[5\]", id="1d-array"),
    pytest.param(STORED, 30, "expected rotation as a multiple of 90 degrees .*, got 30", id="30-degrees"),
])
def test_upright_refuses_what_is_not_an_image(image, rotation, message):
    with pytest.raises(ValueError, match=message):
        upright(image, rotation)


# ---------------------------------------------------------------- one person among several (no detector)

THREE = [(10, 20, 50, 120), (100, 30, 130, 90), (200, 0, 260, 200)]
"""Three people's boxes (x0, y0, x1, y1 px), left to right, of areas 4000, 1800 and 12000 px²."""


@pytest.mark.parametrize("a, b, expected", [
    ((0, 0, 2, 2), (0, 0, 2, 2), 1.0),
    ((0, 0, 2, 2), (1, 0, 3, 2), 2 / 6),  # 2 px² shared of 4 + 4 - 2
    ((0, 0, 4, 4), (1, 1, 2, 2), 1 / 16),  # one inside the other: the small one's area over the big one's
    ((0, 0, 2, 2), (2, 0, 4, 2), 0.0),  # touching edges share nothing
    ((0, 0, 2, 2), (5, 5, 6, 6), 0.0),
])
def test_box_iou_by_hand(a, b, expected):
    assert box_iou(a, b) == pytest.approx(expected) and box_iou(b, a) == pytest.approx(expected)


@pytest.mark.parametrize("choice, scores, expected", [
    (None, None, 2),  # nothing asked, no scores: the largest box
    (None, [0.9, 2.5, 1.0], 1),  # the detector's surest
    (0, None, 0), (2, [0.9, 2.5, 1.0], 2), (np.int64(1), None, 1),  # by number, whatever the scores
    ((95, 25, 140, 100), None, 1),  # a rough box around the second person
    ((0, 0, 120, 130), None, 0),  # a box over two people: the one it covers best (IoU 4000/15600 vs 1800/15600)
    ([190.0, 10, 250, 190], [5, 0, 0], 2),  # a box wins over the scores
])
def test_pick_person_by_score_size_number_or_box(choice, scores, expected):
    assert pick_person(THREE, choice, scores) == expected


@pytest.mark.parametrize("boxes, choice, scores, message", [
    pytest.param([], None, None, r"expected at least one person to choose from, got none \(choice None\)", id="nobody"),
    pytest.param(THREE, 3, None, r"expected a person number in 0\.\.2 \(3 people found\), got 3", id="number-3-of-3"),
    pytest.param(THREE, -1, None, r"expected a person number in 0\.\.2 \(3 people found\), got -1", id="negative"),
    pytest.param(THREE[:1], 1, None, r"in 0\.\.0 \(1 person found\), got 1", id="one-person"),
    pytest.param(THREE, True, None, r"expected a person as a number \(0\.\.2\) or a box \(x0, y0, x1, y1\) px, got True",
                 id="bool"),
    pytest.param(THREE, "left", None, r"number \(0\.\.2\) or a box .*, got 'left'", id="string"),
    pytest.param(THREE, (1, 2, 3), None, r"or a box \(x0, y0, x1, y1\) px, got \(1, 2, 3\)", id="three-numbers"),
    pytest.param(THREE, (300, 0, 400, 50), None,
                 r"expected a box that overlaps one of the 3 people found \(#0 at x 10-50, y 20-120 px; #1 at x "
                 r"100-130, y 30-90 px; #2 at x 200-260, y 0-200 px\), got \(300\.0, 0\.0, 400\.0, 50\.0\), which "
                 r"overlaps none", id="box-beside-everyone"),
    pytest.param(THREE, (60, 0, 50, 10), None, r"expected the box with x0 < x1 and y0 < y1, finite, got "
                 r"\(60\.0, 0\.0, 50\.0, 10\.0\) \(number 0\)", id="box-inside-out"),
    pytest.param(THREE, None, [1, 2], r"expected scores as 3 finite numbers \(one per person\), got \[1\.0, 2\.0\]",
                 id="two-scores"),
    pytest.param(THREE, None, [1, float("nan"), 2], r"expected scores as 3 finite numbers", id="nan-score"),
    pytest.param([(0, 0, 1)], None, None, r"expected the people's boxes as an array \[N, 4\] of \(x0, y0, x1, y1\) "
                 r"pixels, got shape \[1, 3\]", id="boxes-of-3"),
    pytest.param([(0, 0, 1, "a")], None, None, r"expected the people's boxes as \(x0, y0, x1, y1\) pixels each, got",
                 id="boxes-of-text"),
])
def test_pick_person_refuses_with_what_was_expected(boxes, choice, scores, message):
    with pytest.raises(ValueError, match=message):
        pick_person(boxes, choice, scores)


@pytest.mark.parametrize("boxes, scores, expected", [
    pytest.param(THREE, [1, 1, 1], [0, 1, 2], id="apart"),
    # the same person found twice: the bigger, less sure box holds all of the smaller one
    pytest.param([(655, 240, 730, 391), (638, 174, 754, 406)], [1.7, 0.62], [0], id="one-person-twice"),
    pytest.param([(655, 240, 730, 391), (638, 174, 754, 406)], [0.6, 1.7], [1], id="the-surer-stays"),
    # a big box over two people: both stay, it goes (each holds 100 % of one of them)
    pytest.param([(490, 194, 560, 333), (469, 40, 631, 364), (533, 194, 601, 330)], [4.2, 0.24, 2.6], [0, 2],
                 id="a-box-over-two"),
    # two people side by side, 27 of 70 px wide shared: 39 % of the smaller inside the other, both stay
    pytest.param([(490, 194, 560, 333), (533, 194, 601, 330)], [4.2, 2.6], [0, 1], id="neighbours"),
    pytest.param([], [], [], id="nobody"),
])
def test_distinct_people_drop_a_box_that_mostly_holds_a_surer_one(boxes, scores, expected):
    kept = distinct_people(boxes, scores)
    assert kept.dtype == np.int64 and kept.tolist() == expected


PAIR = [(0, 0, 10, 10), (5, 0, 15, 10)]
"""Two boxes, half of each inside the other."""


def test_distinct_people_threshold():
    assert distinct_people(PAIR, [2, 1], overlap=0.6).tolist() == [0, 1]
    assert distinct_people(PAIR, [2, 1], overlap=0.4).tolist() == [0]
    assert distinct_people(PAIR, [2, 1], overlap=0.5).tolist() == [0, 1]  # exactly the threshold: kept


@pytest.mark.parametrize("scores, options, message", [
    pytest.param([1], {}, r"expected scores as 2 finite numbers \(one per box\), got \[1\.0\]", id="one-score"),
    pytest.param([1, 2], dict(overlap=0), r"expected overlap as a fraction in \(0, 1\], got 0", id="overlap-0"),
])
def test_distinct_people_refuse_bad_input(scores, options, message):
    with pytest.raises(ValueError, match=message):
        distinct_people(PAIR, scores, **options)


def test_as_boxes_gives_float_arrays_n_by_4():
    boxes = as_boxes(THREE)
    assert boxes.dtype == np.float64 and boxes.shape == (3, 4) and boxes[2].tolist() == [200, 0, 260, 200]
    assert as_boxes([]).shape == (0, 4) and as_boxes(np.zeros((0, 4))).shape == (0, 4)


@pytest.mark.parametrize("boxes, chosen, choice, expected", [
    (THREE, 2, None, "3 people found in the first frame (numbered left to right): #0 at x 10-50, y 20-120 px; "
                     "#1 at x 100-130, y 30-90 px; #2 at x 200-260, y 0-200 px. Following #2, the one the people "
                     "detector is surest of. Another one: person=0, 1 or 2, or a box around them."),
    (THREE, 1, 1, "3 people found in the first frame (numbered left to right): #0 at x 10-50, y 20-120 px; "
                  "#1 at x 100-130, y 30-90 px; #2 at x 200-260, y 0-200 px. Following #1, as asked. "
                  "Another one: person=0, 1 or 2, or a box around them."),
    (THREE[:2], 0, (0, 0, 60, 60), "2 people found in the first frame (numbered left to right): #0 at x 10-50, "
                                   "y 20-120 px; #1 at x 100-130, y 30-90 px. Following #0, the one that overlaps "
                                   "the box most. Another one: person=0 or 1, or a box around them."),
    (THREE[:2], 1, "auto", "2 people found in the first frame (numbered left to right): #0 at x 10-50, "
                           "y 20-120 px; #1 at x 100-130, y 30-90 px. Following #1, the one the pose detector sees "
                           "in the whole frame. Another one: person=0 or 1, or a box around them."),
    ([(0.4, 1.5, 9.49, 9.5)], 0, None, "1 person found in the first frame (numbered left to right): #0 at x 0-9, "
                                       "y 2-10 px. Following #0, the one the people detector is surest of."),  # half up
    (THREE[:1], None, (100, 100, 200, 200), "1 person found in the first frame (numbered left to right): #0 at x "
                                            "10-50, y 20-120 px. None of them is in the box: following what is "
                                            "inside it. Another one: person=0, or a box around them."),
    (THREE[:1], None, "auto", "1 person found in the first frame (numbered left to right): #0 at x 10-50, y 20-120 "
                              "px. The pose detector sees someone else in the whole frame, and follows them. "
                              "Another one: person=0, or a box around them."),
    ([], None, None, "Nobody found in the first frame."),
])
def test_people_message_says_how_many_which_one_and_how_to_pick_another(boxes, chosen, choice, expected):
    assert people_message(boxes, chosen, choice) == expected


@pytest.mark.parametrize("arguments, message", [
    pytest.param((THREE, 3), r"expected chosen as a person number in 0\.\.2 or None, got 3", id="chosen-3-of-3"),
    pytest.param((THREE, None, 1), r"expected a person followed \(chosen\) for choice=1, got None",
                 id="number-asked-not-followed"),  # a number asked for is always followed
])
def test_people_message_refuses_a_person_that_is_not_there(arguments, message):
    with pytest.raises(ValueError, match=message):
        people_message(*arguments)


def test_people_message_says_where():
    assert people_message(THREE[:1], 0, where="frame 12").startswith("1 person found in frame 12 ")


# ---------------------------------------------------------------- the first frame with pixel axes

PICTURE = "data:image/jpeg;base64,AAA"


def trace(figure, name):
    (found,) = [t for t in figure.data if t.name == name]
    return found


def outlines(scatter) -> list[tuple]:
    """A rectangles trace's boxes (x0, y0, x1, y1), read back from its closed outlines."""
    x, y = list(scatter.x), list(scatter.y)
    return [(x[i], y[i], x[i + 1], y[i + 2]) for i in range(0, len(x), 6)]


def test_the_preview_is_the_frame_in_the_videos_pixels():
    figure = viz.frame_preview(PICTURE, (768, 576))
    (image,) = figure.data
    assert image.type == "image" and image.source == PICTURE
    assert (image.x0, image.y0, image.dx, image.dy) == (0, 0, 1, 1)  # pixel i spans i - 0.5 .. i + 0.5
    assert image.hovertemplate == "x %{x:.0f} px, y %{y:.0f} px<extra></extra>"  # hover reads the box's corners
    assert figure.layout.xaxis.range == (-0.5, 767.5) and figure.layout.yaxis.range == (575.5, -0.5)  # y down
    assert figure.layout.xaxis.title.text == "x (px)" and figure.layout.yaxis.title.text == "y (px, down)"
    assert figure.layout.yaxis.scaleanchor == "x"  # square pixels
    assert figure.layout.title.text == "The first frame: pick a box in pixels" and not figure.layout.showlegend
    # the plot area is the image at 560 / 768 of its size (440 / 576 would be larger), plus the margins
    assert (figure.layout.width, figure.layout.height) == (560 + 60 + 12, 420 + 78 + 48)


def test_a_scaled_down_picture_still_spans_the_videos_pixels():
    figure = viz.frame_preview(PICTURE, (1920, 1080), picture_size=(768, 432))
    image = figure.data[0]
    assert (image.dx, image.dy) == (2.5, 2.5) and (image.x0, image.y0) == (0.75, 0.75)  # left edge at -0.5
    assert figure.layout.xaxis.range == (-0.5, 1919.5) and figure.layout.yaxis.range == (1079.5, -0.5)
    portrait = viz.frame_preview(PICTURE, (1080, 1920))  # a phone clip, upright: height-limited
    assert (portrait.layout.width, portrait.layout.height) == (420, 440 + 126)  # 248 + 72 px: widened for the title


def test_the_preview_draws_the_box_and_numbers_the_people_found():
    box = (95, 25, 140, 100)
    figure = viz.frame_preview(PICTURE, (320, 240), box=box, people=THREE, chosen=1, title="clip.mp4")
    assert figure.layout.title.text == "clip.mp4" and figure.layout.showlegend
    assert [t.name for t in figure.data] == ["frame", "people found", "followed", "box"]
    assert outlines(trace(figure, "people found")) == [THREE[0], THREE[2]]
    assert outlines(trace(figure, "followed")) == [THREE[1]]
    assert outlines(trace(figure, "box")) == [box] and trace(figure, "box").line.dash == "dash"
    assert [a.text for a in figure.layout.annotations] == ["#0", "#1", "#2"]
    assert [(a.x, a.y) for a in figure.layout.annotations] == [(10, 20), (100, 30), (200, 0)]  # top-left corners
    assert figure.layout.annotations[1].bgcolor != figure.layout.annotations[0].bgcolor  # the followed one stands out
    assert len(viz.frame_preview(PICTURE, (320, 240), people=[]).data) == 1


def test_numbers_of_people_side_by_side_do_not_cover_each_other():
    # 768 px wide at 560 / 768 of its size: a label is 30 x 18 screen px, 41.1 x 24.7 video px
    crowd = [(100, 50, 140, 200), (110, 55, 150, 210), (120, 60, 160, 220), (300, 50, 340, 200), (760, 10, 767, 40)]
    figure = viz.frame_preview(PICTURE, (768, 576), people=crowd)
    places = [(a.x, a.y) for a in figure.layout.annotations]
    step = 18 * 768 / 560
    assert places[:2] == [(100, 50), (110, round(55 + step, 1))]  # moved down below #0's number
    assert places[2] == (120, round(60 + 2 * step, 1))  # below both
    assert places[3] == (300, 50)  # far enough away: where it belongs
    assert places[4] == (round(767.5 - 30 * 768 / 560, 1), 10)  # kept inside the image at the right edge
    for i, (x, y) in enumerate(places):
        for u, v in places[:i]:
            assert abs(x - u) >= 30 * 768 / 560 - 0.1 or abs(y - v) >= step - 0.1, (i, places)


@pytest.mark.parametrize("kwargs, message", [
    pytest.param(dict(picture=None), "expected picture as an image URL or data: URI, got NoneType", id="no-picture"),
    pytest.param(dict(image_size=(0, 480)), r"expected a positive image_size \(width, height\), got \(0, 480\)",
                 id="zero-width"),
    pytest.param(dict(picture_size=(640,)), r"expected image_size as \(width, height\) in pixels, got \(640,\)",
                 id="picture-size-of-one"),
    pytest.param(dict(people=[(1, 2, 3)]), r"expected people of shape \[N, 4\], got \[1, 3\]", id="people-of-3"),
    pytest.param(dict(people=THREE, chosen=3), r"expected chosen as a person number in 0\.\.2, got 3", id="chosen-3"),
    pytest.param(dict(chosen=0), r"expected chosen as a person number in 0\.\.-1, got 0", id="chosen-without-people"),
    pytest.param(dict(box="auto"), r"expected box", id="box-auto"),
    pytest.param(dict(box=(1, 2, 3)), r"expected box of shape \(x0, y0, x1, y1\), got \[3\]", id="box-of-3"),
])
def test_the_preview_refuses_bad_input(kwargs, message):
    arguments = dict(picture=PICTURE, image_size=(640, 480)) | kwargs
    with pytest.raises(ValueError, match=message):
        viz.frame_preview(arguments.pop("picture"), arguments.pop("image_size"), **arguments)


def test_describe_video_without_the_extra_says_what_it_can(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "mediapipe", None)  # as if the extra were not installed
    clip = tmp_path / "my clip.mp4"
    clip.write_bytes(b"x" * 250_000)
    assert describe_video(clip) == "my clip.mp4, 0.2 MB (its length and frame rate need the video extra)"
    assert describe_video(tmp_path / "gone.mov") == "gone.mov: no such file"


# ---------------------------------------------------------------- whom the detector follows, detectors faked

FRAME = np.zeros((240, 320, 3), np.uint8)


@pytest.fixture
def fake_detectors(monkeypatch):
    """choose_person with the people detector finding THREE (scores 0.9, 2.5, 1.0) and the pose
    detector seeing a person in ``seen["box"]`` of the whole frame (None: nobody)."""
    from ddhpose_lite.video import detector
    seen: dict = dict(box=None, people=THREE, calls=[])

    def find_people(image):
        seen["calls"].append("people")
        return as_boxes(seen["people"]), np.array([0.9, 2.5, 1.0])[:len(seen["people"])]

    def detect_image(image, complexity=1):
        seen["calls"].append("pose")
        if seen["box"] is None:
            return None
        x0, y0, x1, y1 = seen["box"]
        points = np.stack([np.linspace(x0, x1, 33), np.linspace(y1, y0, 33)], 1).astype(np.float32)
        return points, np.ones(33, np.float32)

    monkeypatch.setattr(detector, "find_people", find_people)
    monkeypatch.setattr(detector, "detect_image", detect_image)
    return seen


def test_choose_person_by_number_or_box(fake_detectors):
    chosen = choose_person(FRAME, person=1)
    assert chosen["box"] == (100, 30, 130, 90) and chosen["chosen"] == 1  # that person's box, followed
    np.testing.assert_array_equal(chosen["people"], THREE)
    assert chosen["message"] == people_message(THREE, 1, 1) and "Following #1, as asked." in chosen["message"]
    rough = choose_person(FRAME, (95, 25, 140, 100))
    assert rough["box"] == (95, 25, 140, 100) and rough["chosen"] == 1  # the box drawn is followed, as before
    assert "Following #1, the one that overlaps the box most." in rough["message"]
    beside = choose_person(FRAME, (270, 0, 320, 50))
    assert beside["box"] == (270, 0, 320, 50) and beside["chosen"] is None
    assert "None of them is in the box: following what is inside it." in beside["message"]
    assert fake_detectors["calls"] == ["people"] * 3  # the pose detector is not asked when a box or number is given


def test_choose_person_auto(fake_detectors):
    fake_detectors["box"] = (205, 10, 250, 190)  # the pose detector sees person #2 in the whole frame
    seen = choose_person(FRAME)
    assert seen["box"] is None and seen["chosen"] == 2  # the whole frame, and which one that is
    assert "Following #2, the one the pose detector sees in the whole frame." in seen["message"]
    fake_detectors["box"] = (60, 130, 90, 230)  # someone the people detector missed
    other = choose_person(FRAME)
    assert other["box"] is None and other["chosen"] is None
    assert "The pose detector sees someone else in the whole frame, and follows them." in other["message"]
    fake_detectors["box"] = None  # nobody for the pose detector in the whole frame: the surest box
    surest = choose_person(FRAME, "auto")
    assert surest["box"] == (100, 30, 130, 90) and surest["chosen"] == 1  # score 2.5
    assert "Following #1, the one the people detector is surest of." in surest["message"]


def test_choose_person_when_nobody_is_found(fake_detectors):
    fake_detectors["people"] = []
    nobody = choose_person(FRAME)
    assert nobody["box"] is None and nobody["chosen"] is None and nobody["people"].shape == (0, 4)
    assert nobody["message"] == "Nobody found in the first frame: the pose detector looks at the whole frame."
    fake_detectors["box"] = (10, 10, 50, 50)
    assert choose_person(FRAME)["message"] == "The pose detector sees someone in the whole frame, and follows them."
    inside = choose_person(FRAME, (10, 10, 50, 50))
    assert inside["box"] == (10, 10, 50, 50) and inside["message"] == (
        "The people detector found nobody in the first frame: following what is inside the box.")
    with pytest.raises(ValueError, match=r"expected at least one person to choose from, got none \(choice 0\)"):
        choose_person(FRAME, person=0)


def test_choose_person_with_no_box_looks_at_the_whole_frame(fake_detectors):
    whole = choose_person(FRAME, None)
    assert whole["box"] is None and whole["message"] == "The pose detector looks at the whole frame."
    assert fake_detectors["calls"] == []  # nothing looked for


@pytest.mark.parametrize("arguments, options, message", [
    pytest.param((FRAME,), dict(person=5), r"expected a person number in 0\.\.2 \(3 people found\), got 5",
                 id="number-5-of-3"),
    pytest.param((FRAME, (1, 2, 3, 4)), dict(person=1),
                 r"expected a box or a person number, not both, got box=\(1, 2, 3, 4\) and person=1",
                 id="box-and-number"),
    pytest.param((FRAME, (300, 0, 400, 50)), {},
                 r"expected box as \(x0, y0, x1, y1\) pixels inside the 320 x 240 image", id="box-outside-the-image"),
    pytest.param((FRAME, "left"), {}, r"expected box as .*, got 'left'", id="box-as-text"),
    pytest.param((FRAME.astype(float),), dict(person=0),
                 r"expected an RGB image \[h, w, 3\] of uint8, got float64 \[240, 320, 3\]", id="float-image"),
])
def test_choose_person_refuses_with_what_was_expected(fake_detectors, arguments, options, message):
    with pytest.raises(ValueError, match=message):
        choose_person(*arguments, **options)


# ---------------------------------------------------------------- with the extra: clips written here, the real detectors


def extra_or_skip():
    from test_video import extra_or_skip as skip
    skip()


def media_or_skip(path):
    from test_video import media_or_skip as skip
    return skip(path)


def with_rotation(path, rotation: int, width: int, height: int):
    """Fabricate a phone's rotation metadata: the MP4's track header (tkhd) display matrix of a clip
    OpenCV wrote (the identity) replaced by the one FFmpeg's MP4 muxer writes for a clockwise
    turn of ``rotation`` degrees, as phones do (a, b, c, d in 16.16 fixed point, x, y the shift)."""
    data = bytearray(path.read_bytes())
    unit = 0x10000
    identity = struct.pack(">9i", unit, 0, 0, 0, unit, 0, 0, 0, 0x40000000)
    a, b, c, d, x, y = {90: (0, 1, -1, 0, height, 0), 180: (-1, 0, 0, -1, width, height),
                        270: (0, -1, 1, 0, 0, width)}[rotation]
    at = data.find(identity, data.find(b"tkhd"))
    assert data.find(b"tkhd") > 0 and at > 0, "no track header with an identity matrix in the clip"
    data[at:at + 36] = struct.pack(">9i", a * unit, b * unit, 0, c * unit, d * unit, 0, x * unit, y * unit,
                                   0x40000000)
    path.write_bytes(bytes(data))
    return path


def write_clip(path, frames, fps: float = 10.0, rotation: int = 0):
    """RGB frames [h, w, 3] uint8 as an MP4 (OpenCV, mp4v) that says it is to be turned ``rotation``."""
    import cv2
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return with_rotation(path, rotation, w, h) if rotation else path


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_a_clip_with_rotation_metadata_is_read_upright(tmp_path, rotation):
    extra_or_skip()
    h, w = 48, 64
    stored = np.zeros((h, w, 3), np.uint8)
    stored[4:12, 4:12] = (255, 255, 255)  # a white square in the stored frame's top-left corner
    path = write_clip(tmp_path / f"phone {rotation}.mp4", [stored] * 5, rotation=rotation)
    info = video_info(path)
    assert info == dict(fps=10.0, frames=5, image_size=(h, w) if rotation in (90, 270) else (w, h), rotation=rotation)
    frames = list(read_frames(path))
    assert len(frames) == 5 and all(f.shape == ((w, h, 3) if rotation in (90, 270) else (h, w, 3)) for f in frames)
    square = np.argwhere(frames[0].mean(-1) > 128)
    centre = {0: (7.5, 7.5), 90: (7.5, h - 8.5), 180: (h - 8.5, w - 8.5), 270: (w - 8.5, 7.5)}[rotation]  # (row, col)
    np.testing.assert_allclose(square.mean(0), centre, atol=1.0)  # where upright() puts it, through the codec
    np.testing.assert_allclose(frames[0].astype(float), upright(stored, rotation), atol=40)
    first = first_frame(path, 0.2)
    assert first.shape == frames[2].shape and np.abs(first.astype(int) - frames[2]).max() == 0
    turned = f", turned {rotation}° clockwise as its metadata asks" if rotation else ""
    size = f"{h} x {w}" if rotation in (90, 270) else f"{w} x {h}"
    assert describe_video(path) == f"{path.name}, 0.0 MB, 0.5 s at 10 fps, {size} px{turned}"


def test_a_rotation_can_be_given_when_the_metadata_is_missing_or_wrong(tmp_path):
    extra_or_skip()
    stored = np.zeros((48, 64, 3), np.uint8)
    stored[4:12, 4:12] = 255
    plain = write_clip(tmp_path / "side.mp4", [stored] * 3)
    assert video_info(plain, rotation=90)["image_size"] == (48, 64)
    assert video_info(plain, rotation=-90)["rotation"] == 270
    np.testing.assert_array_equal(next(read_frames(plain, rotation=90)), upright(next(read_frames(plain)), 90))
    turned = write_clip(tmp_path / "turned.mp4", [stored] * 3, rotation=90)
    assert video_info(turned, rotation=0) == dict(fps=10.0, frames=3, image_size=(64, 48), rotation=0)  # as stored


@pytest.mark.parametrize("refused, message", [
    pytest.param(lambda plain: video_info(plain, rotation=45),
                 "expected rotation as a multiple of 90 degrees .*, got 45", id="rotation-45"),
    pytest.param(lambda plain: first_frame(plain, 9.0),
                 r"expected a frame at 9 s in side\.mp4, got none \(the clip is shorter\)", id="past-the-end"),
])
def test_a_clip_refuses_a_rotation_or_a_time_it_cannot_give(tmp_path, refused, message):
    extra_or_skip()
    stored = np.zeros((48, 64, 3), np.uint8)
    stored[4:12, 4:12] = 255
    plain = write_clip(tmp_path / "side.mp4", [stored] * 3)
    with pytest.raises(ValueError, match=message):
        refused(plain)


def test_a_portrait_phone_clip_gives_an_upright_person(tmp_path):
    """OpenCV's photo of a footballer stored on its side, as a phone held upright stores it, with
    the metadata that turns it back: the detector sees the person upright."""
    extra_or_skip()
    import cv2
    photo = cv2.cvtColor(cv2.imread(str(media_or_skip(OPENCV_DATA / "messi5.jpg"))), cv2.COLOR_BGR2RGB)
    h, w = photo.shape[:2]
    lying = np.rot90(photo, 1)  # stored turned a quarter counter-clockwise: 90° clockwise shows it upright
    path = write_clip(tmp_path / "portrait.mp4", [np.ascontiguousarray(lying)] * 6, fps=25.0, rotation=90)
    assert video_info(path)["image_size"] == (w, h)  # upright: as the photo
    detections = detect_landmarks(path, seconds=None, progress=False, picture_width=0)
    assert detections.image_size == (w, h) and detections.found.all()
    joints, _ = mediapipe_to_h36m(detections.landmarks, detections.visibility, min_visibility=0)
    y = {name: joints[:, H36M.index(name), 1] for name in ("Head", "Thorax", "Pelvis", "RAnkle", "LAnkle")}
    assert (y["Head"] < y["Thorax"]).all() and (y["Thorax"] < y["Pelvis"]).all()  # upright: y grows downwards
    assert (y["Pelvis"] < y["RAnkle"]).all() and (y["Pelvis"] < y["LAnkle"]).all()
    upright_photo = detect_image(photo)[0]  # the same person, found in the photo itself
    np.testing.assert_allclose(np.median(detections.landmarks, 0), upright_photo, atol=0.05 * w)
    stored = detect_landmarks(path, seconds=None, progress=False, picture_width=0, rotation=0)  # metadata ignored
    assert stored.image_size == (h, w)
    head, pelvis = (mediapipe_to_h36m(stored.landmarks, stored.visibility, min_visibility=0)[0][:, H36M.index(n), 1]
                    for n in ("Head", "Pelvis"))
    assert not (head < pelvis).any()  # lying on its side: the head is never above the pelvis


def test_the_people_in_the_sample_clip_numbered_left_to_right():
    extra_or_skip()
    first = first_frame(media_or_skip(SAMPLE_VIDEO), SAMPLE_START)
    boxes, scores = find_people(first)
    assert boxes.shape == (len(scores), 4) and len(boxes) >= 3  # a campus with several pedestrians
    centres = (boxes[:, 0] + boxes[:, 2]) / 2
    assert (np.diff(centres) >= 0).all()  # numbered left to right
    kept = distinct_people(boxes, scores)
    assert kept.tolist() == list(range(len(boxes)))  # no one twice
    assert find_person(first) == tuple(int(v) for v in boxes[np.argmax(scores)])
    man = pick_person(boxes, SAMPLE_BOX)  # the man lesson 08 follows
    assert box_iou(boxes[man], SAMPLE_BOX) > 0.8
    chosen = choose_person(first, SAMPLE_BOX)
    assert chosen["box"] == SAMPLE_BOX and chosen["chosen"] == man
    assert chosen["message"].startswith(f"{len(boxes)} people found in the first frame (numbered left to right): #0 at")
    assert f"Following #{man}, the one that overlaps the box most." in chosen["message"]


def test_following_a_person_by_number():
    extra_or_skip()
    path = media_or_skip(SAMPLE_VIDEO)
    boxes, _ = find_people(first_frame(path, SAMPLE_START))
    man = pick_person(boxes, SAMPLE_BOX)
    by_number = detect_landmarks(path, SAMPLE_START, 1.0, person=man, progress=False, picture_width=0)
    shipped = Detections.load(SAMPLE_DETECTIONS)  # found with SAMPLE_BOX: the same man
    assert by_number.found.all()
    np.testing.assert_allclose(by_number.landmarks, shipped.landmarks[:10], atol=2.0)
    other = (man + 1) % len(boxes) if man == 0 else man - 1
    someone_else = detect_landmarks(path, SAMPLE_START, 0.3, person=other, progress=False, picture_width=0)
    x0, y0, x1, y1 = boxes[other]
    seen = someone_else.landmarks[someone_else.found]
    assert len(seen) and x0 - 20 < np.median(seen[0, :, 0]) < x1 + 20 and y0 - 20 < np.median(seen[0, :, 1]) < y1 + 20
    with pytest.raises(ValueError, match=rf"expected a person number in 0\.\.{len(boxes) - 1} \({len(boxes)} people "
                                         rf"found\), got {len(boxes)}"):
        detect_landmarks(path, SAMPLE_START, 0.1, person=len(boxes), progress=False)
