"""Lesson 07's figures, headless: what each trace carries, sizes that fit an 848 px output area, bad input."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from ddhpose_lite import viz
from ddhpose_lite.bones import rest_pose


def test_noising_grid_draws_one_panel_per_process_and_time():
    pose = rest_pose()
    noisy = {"joints": torch.stack([pose + 0.1 * k for k in range(3)]), "bones": torch.stack([pose] * 3)}
    fig = viz.noising_grid(noisy, [100, 500, 900], reference=pose)
    assert fig.layout.width <= 840
    panels = 2 * 3
    assert len(fig.data) == panels * (1 + 5)  # the clean pose + one trace per level 1..5
    titles = [a.text for a in fig.layout.annotations]
    assert {"t = 100", "t = 500", "t = 900", "joints", "bones"} <= set(titles)
    shifted = [t for t in fig.data if t.name == "level 1"][2]  # joints at the third time: shifted by 0.2 m
    xs = np.array([v for v in shifted.x if v is not None], float)
    assert np.allclose(sorted(set(np.round(xs - 0.2, 3))), sorted(set(np.round(pose[[0, 1, 4, 7], 0].numpy(), 3))))
    with pytest.raises(ValueError, match=r"poses\['joints'\] of shape \[2, 17, 3\]"):
        viz.noising_grid({"joints": noisy["joints"]}, [1, 2])


def test_learning_curves_have_a_band_and_a_line_per_variant():
    curves = {"a": {"epoch": [1, 2], "mean": [100.0, 80.0], "std": [5.0, 2.0]},
              "b": {"epoch": [1, 2], "mean": [90.0, 85.0], "std": [1.0, 1.0]}}
    fig = viz.learning_curves_figure(curves)
    assert [t.name for t in fig.data] == ["a ± std", "a", "b ± std", "b"]
    assert list(fig.data[0].y) == [105.0, 82.0, 78.0, 95.0]
    assert fig.layout.width <= 840
    with pytest.raises(ValueError, match="one non-zero length for 'a'"):
        viz.learning_curves_figure({"a": {"epoch": [1], "mean": [1.0, 2.0], "std": [0.0]}})


def test_level_bars_leave_out_the_root():
    fig = viz.level_error_bars({"x": [0, 10, 20, 30, 40, 50]})
    assert list(fig.data[0].x) == [f"level {i}" for i in range(1, 6)] and list(fig.data[0].y) == [10, 20, 30, 40, 50]
    with pytest.raises(ValueError, match="the same L for all"):
        viz.level_error_bars({"x": [0, 1, 2], "y": [0, 1]})


def test_ablation_deltas_fill_only_what_exceeds_the_spread():
    rows = [{"label": "a", "delta": 5.0, "spread": 1.0, "exceeds": True, "paper_delta": 0.5},
            {"label": "b", "delta": -0.5, "spread": 2.0, "exceeds": False, "paper_delta": None}]
    fig = viz.ablation_deltas(rows)
    ours, paper = fig.data
    assert list(ours.marker.color) == ["#D55E00", "white"] and list(ours.error_x.array) == [1.0, 2.0]
    assert list(paper.x) == [0.5, 0]
    assert fig.layout.width <= 840
    with pytest.raises(ValueError, match="at least one comparison row"):
        viz.ablation_deltas([])


def test_speed_accuracy_grows_markers_with_the_spread():
    fig = viz.speed_accuracy([{"variant": "r", "seconds": 0.1, "error": 90.0, "spread": 0.0},
                              {"variant": "d", "seconds": 1.0, "error": 80.0, "spread": 20.0}])
    assert list(fig.data[0].marker.size) == [10.0, 30.0] and list(fig.data[0].text) == ["r", "d"]
