"""The label checks of the JupyterLab test (helpers/figure_labels.py) on boxes made by hand: what
counts as an overlap, a label outside its figure, a data label cut by its plot area."""
from __future__ import annotations

import math

from helpers.figure_labels import figure_problems, penetration


def box(left, top, right, bottom):
    return [[left, top], [right, top], [right, bottom], [left, bottom]]


def rotated(cx, cy, w, h, degrees):
    a = math.radians(degrees)
    corners = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    return [[cx + x * math.cos(a) - y * math.sin(a), cy + x * math.sin(a) + y * math.cos(a)] for x, y in corners]


def test_penetration_is_the_least_overlap_and_sees_through_rotated_boxes():
    assert penetration(box(0, 0, 10, 10), box(7, 5, 20, 20)) == 3  # 3 px wide, 5 px tall: 3 deep
    assert penetration(box(0, 0, 10, 10), box(12, 0, 20, 10)) < 0
    # two slanted tick labels side by side: their upright boxes overlap, the labels do not
    a, b = rotated(0, 0, 40, 10, 45), rotated(20, 0, 40, 10, 45)  # upright boxes: 35 px wide each
    assert penetration(a, b) < 0


def test_figure_problems_name_both_labels_and_tolerate_a_pixel_or_two():
    title = dict(kind="title", name="Validation MPJPE", corners=box(10, 10, 200, 28))
    legend = dict(kind="legend", name="(a, b)", corners=box(10, 20, 150, 40))
    tick = dict(kind="tick label", name="0.5", axis="y of xy", corners=box(0, 100, 20, 114))
    touching = dict(kind="tick label", name="0", axis="x of xy", corners=box(18, 112, 30, 126))
    figure = dict(box=[0, 0, 400, 300], labels=[title, legend, tick, touching])
    assert figure_problems(figure) == [
        'the title "Validation MPJPE" and the legend (a, b) overlap (8 px deep)']
    cut = dict(kind="axis title", name="y (m, up)", axis="ytitle", corners=box(-12, 100, 4, 180))
    label = dict(kind="data label", name="regression", corners=box(51, 200, 108, 214), area=[53, 48, 698, 348])
    problems = figure_problems(dict(box=[0, 0, 400, 300], labels=[cut, label]))
    assert problems == ['the axis title "y (m, up)" reaches 12 px outside the figure',
                        'the data label "regression" is cut 2 px by the edge of its plot area']
