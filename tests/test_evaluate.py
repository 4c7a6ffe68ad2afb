"""Evaluation: every aggregation on every frame, the official P-MPJPE of picks, subsets by tilt and
sequence, the 3DHP table, the real-motion report, and the CLI."""
import subprocess
import sys

import pytest
import torch

from conftest import TINY
from ddhpose_lite import metrics
from ddhpose_lite.datasets import chunk_windows, mocap_sequences, synthetic_sequences, torso_tilt
from ddhpose_lite.evaluate import (AGGREGATIONS, Evaluation, Record, evaluate, format_summary, main,
                                   mpi_inf_3dhp_table, tilt_table, transfer_report)
from ddhpose_lite.lifter import Lifter
from ddhpose_lite.model import HSTDenoiser


@pytest.fixture(scope="module")
def tiny_lifter():
    torch.manual_seed(0)
    return Lifter(HSTDenoiser(TINY))


@pytest.fixture(scope="module")
def result(tiny_lifter):
    sequences = synthetic_sequences("test", 300, seed=0)
    return evaluate(tiny_lifter, sequences, hypotheses=4, iterations=2), sequences


def test_every_aggregation_is_collected_on_every_frame(result):
    evaluation, sequences = result
    assert evaluation.num_frames == sum(len(s) for s in sequences)
    for record in evaluation.records:
        assert set(record.predictions) == set(AGGREGATIONS)
        assert set(record.picked_p) == {"J-Agg", "J-Best", "P-Best"}
        assert record.tilt is not None and record.tilt.shape == (len(record.target),)


def test_summary_matches_the_metrics_and_oracles_rank_as_they_must(result):
    evaluation, _ = result
    table = evaluation.summary()
    target = torch.cat([r.target for r in evaluation.records])
    p_agg = torch.cat([r.predictions["P-Agg"] for r in evaluation.records])
    assert table["P-Agg"]["MPJPE"] == pytest.approx(float(metrics.mpjpe(p_agg, target)))
    assert table["P-Agg"]["P-MPJPE"] == pytest.approx(float(metrics.p_mpjpe(p_agg, target)))
    assert table["J-Best"]["MPJPE"] <= table["P-Best"]["MPJPE"] + 1e-9
    # official picks align each hypothesis first: J-Best then picks the smallest aligned error per joint
    assembled = evaluation.summary(picks="assembled")
    j_best = torch.cat([r.predictions["J-Best"] for r in evaluation.records])
    assert assembled["J-Best"]["P-MPJPE"] == pytest.approx(float(metrics.p_mpjpe(j_best, target)))
    assert table["J-Best"]["P-MPJPE"] != pytest.approx(assembled["J-Best"]["P-MPJPE"])
    text = format_summary(table)
    assert "| J-Best |" in text and text.endswith("(mm)")


def test_picked_p_errors_against_a_hand_computed_case():
    """Two hypotheses of one pose: per joint the smaller aligned error (J-Best), or the one the
    distances choose (J-Agg)."""
    target = torch.randn(1, 17, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    good = target.clone()
    bad = target + 0.1 * torch.randn(1, 17, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    hyp = torch.stack([bad, good])
    assert float(metrics.picked_p_errors(hyp, target)[0]) == pytest.approx(0.0, abs=1e-9)
    choose_bad = torch.stack([torch.zeros(1, 17), torch.ones(1, 17)])  # distances: hypothesis 0 always
    expected = metrics.joint_errors(metrics.procrustes_align(bad, target), target).mean()
    assert float(metrics.picked_p_errors(hyp, target, choose_bad)[0]) == pytest.approx(float(expected))
    with pytest.raises(ValueError, match=r"distances of shape \[2, 1, 17\]"):
        metrics.picked_p_errors(hyp, target, torch.zeros(2, 17))


def test_p_best_p_mpjpe_picks_by_aligned_error_as_the_official_evaluation():
    """Hand-computed: hypothesis 0 is the target scaled by 2 (aligned error exactly 0, unaligned
    error large), hypothesis 1 the target with one joint 3 cm off (unaligned error 3/17 cm). P-Best
    picks 1 by its unaligned error; its P-MPJPE is then > 0. The official evaluation aligns first and
    picks 0: P-MPJPE 0."""
    target = torch.randn(1, 17, 3, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    target = target - target[:, :1]
    off = target.clone()
    off[0, 5, 0] += 0.03
    hyp = torch.stack([2 * target, off])
    assert torch.equal(metrics.p_best(hyp, target), off)
    assert float(metrics.p_mpjpe(metrics.p_best(hyp, target), target)) > 1e-4
    assert float(metrics.p_best_p_errors(hyp, target)[0]) == pytest.approx(0.0, abs=1e-9)
    # the official batching: one pick for the whole batch of two samples after averaging
    batch = torch.stack([torch.cat([2 * target, off]), torch.cat([off, off])])  # [H=2, B=2, J, 3]
    batch = batch.unsqueeze(2)  # [H, B, F=1, J, 3]
    both = torch.stack([target, target])
    errors = metrics.p_best_p_errors(batch, both, batch_size=2)
    aligned_off = float(metrics.p_mpjpe(off, target))
    # hypothesis 0 averages (0 + e) / 2, hypothesis 1 (e + e) / 2: hypothesis 0 for both samples
    assert errors.flatten().tolist() == pytest.approx([0.0, aligned_off])
    with pytest.raises(ValueError, match=r"batch_size >= 1"):
        metrics.p_best_p_errors(batch, both, batch_size=0)


def test_mpi_inf_3dhp_overall_row_is_the_mean_over_sequences():
    """TS1: 4 frames all within 150 mm (PCK 100), TS5: 2 frames all beyond (PCK 0). Official: the
    plain mean over the sequences, 50.0; pooled frames: 4 / 6 = 66.7."""
    target = torch.zeros(4, 17, 3)
    near, far = target + 0.05 / 3 ** 0.5, target[:2] + 0.2 / 3 ** 0.5
    records = [Record("TS1", "", target, {"P-Agg": near, "P-Best": near}),
               Record("TS5", "", target[:2], {"P-Agg": far, "P-Best": far})]
    text = mpi_inf_3dhp_table(Evaluation(records))
    assert "| all | 50.0 | 32.3 | 125.0 |" in text  # AUC: (20 / 31 thresholds above 50 mm, 0) / 2
    assert "| all | 66.7 | 43.0 | 100.0 |" in mpi_inf_3dhp_table(Evaluation(records), overall="frames")
    assert "| P-Best | PCK |" in mpi_inf_3dhp_table(Evaluation(records), "P-Best")
    with pytest.raises(ValueError, match=r"overall as one of \('sequences', 'frames'\), got 'pooled'"):
        mpi_inf_3dhp_table(Evaluation(records), overall="pooled")


def test_torso_tilt_and_tilt_subsets():
    upright = torch.zeros(1, 17, 3)
    upright[0, 8] = torch.tensor([0.0, 0.0, 0.5])
    lying = torch.zeros(1, 17, 3)
    lying[0, 8] = torch.tensor([0.5, 0.0, 0.0])
    down = -upright
    assert torso_tilt(torch.cat([upright, lying, down])).tolist() == pytest.approx([0.0, 90.0, 180.0])
    target = torch.zeros(3, 17, 3)
    record = Record("s", "a", target, {"P-Agg": target + 0.01}, {}, torch.tensor([10.0, 95.0, 170.0]))
    evaluation = Evaluation([record])
    assert evaluation.by_tilt(90, 180).num_frames == 2 and evaluation.by_tilt(0, 30).num_frames == 1
    assert evaluation.by_tilt(30, 60).records == []
    text = tilt_table({"toy": evaluation})
    assert "| toy | 17 / " in text and "| - |" in text


def test_mpi_inf_3dhp_table_breaks_down_by_sequence_and_scene():
    target = torch.zeros(4, 17, 3)
    near, far = target + 0.05 / 3 ** 0.5, target + 0.2 / 3 ** 0.5
    records = [Record("TS1", "", target, {"P-Agg": near}), Record("TS5", "", target, {"P-Agg": far})]
    text = mpi_inf_3dhp_table(Evaluation(records))
    assert "| TS1 | 100.0 |" in text and "| TS5 | 0.0 |" in text
    assert "| studio, green screen | 100.0 |" in text and "| outdoor | 0.0 |" in text
    assert "| all | 50.0 |" in text and "studio, no green screen" not in text


def test_report_runs_on_the_embedded_test_data(tiny_lifter, monkeypatch):
    import ddhpose_lite.evaluate as module

    small = {"procedural": synthetic_sequences("test", 200, 0), "captured": mocap_sequences("test", 0, frames=200)}
    monkeypatch.setattr(module, "report_sequences", lambda frames, seed: small)
    text = transfer_report({"tiny": tiny_lifter})
    assert "| tiny | H = K = 1 |" in text and "| tiny | H = K = 5 |" in text
    assert "stress (tilt > 45°)" in text and "Error by torso tilt" in text


def test_cli_help_and_bad_arguments():
    help_text = subprocess.run([sys.executable, "-m", "ddhpose_lite.evaluate", "--help"], capture_output=True,
                               text=True, check=True).stdout
    assert "examples:" in help_text and "--hypotheses" in help_text and "--picks" in help_text


@pytest.mark.parametrize("argv, message", [
    (["--hypotheses", "0"], "--hypotheses must be >= 1, got 0"),
    (["--data", "coco"], "invalid choice: 'coco'"),
])
def test_cli_refuses_bad_arguments_with_a_usage_error(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2  # argparse's usage error, not a crash or a success
    assert message in capsys.readouterr().err


def test_chunk_windows_are_the_official_evaluation_windows():
    """Hand-computed from the official eval_data_prepare: ceil(L / N) windows, the first ones back to
    back from frame 0, the last aligned to the end and overwriting the frames it shares."""
    rows, weights = chunk_windows(10, 4)
    assert rows.tolist() == [[0, 1, 2, 3], [4, 5, 6, 7], [6, 7, 8, 9]]
    assert weights.tolist() == [[1, 1, 1, 1], [1, 1, 0, 0], [1, 1, 1, 1]]
    rows, weights = chunk_windows(8, 4)  # an exact multiple: the last chunk is already end-aligned
    assert rows.tolist() == [[0, 1, 2, 3], [4, 5, 6, 7]] and bool(weights.eq(1).all())
    rows, weights = chunk_windows(3, 4)  # shorter than a window: padded at the end with the last frame
    assert rows.tolist() == [[0, 1, 2, 2]] and weights.tolist() == [[1, 1, 1, 0]]
    with pytest.raises(ValueError, match="length"):
        chunk_windows(0, 4)


def test_lift_with_official_windows_does_not_blend(tiny_lifter):
    n = tiny_lifter.frames
    kp = synthetic_sequences("test", 200, seed=1)[0].keypoints_2d[: 2 * n + 2]
    rows, weights = tiny_lifter.windows(len(kp), scheme="chunks")
    assert rows[:, 0].tolist() == [0, n, n + 2]
    whole = tiny_lifter.lift(kp, hypotheses=2, iterations=2, seed=3, windows="chunks").poses
    first = tiny_lifter.lift(kp[:n], hypotheses=2, iterations=2, seed=3, windows="chunks").poses
    torch.testing.assert_close(whole[:, :, :n], first)  # frames of the first chunk: that chunk alone
    with pytest.raises(ValueError, match=r"windows as one of \('blend', 'chunks'\), got 'tent'"):
        tiny_lifter.lift(kp, windows="tent")


# ---------------------------------------------------------------- independent references (issue 28)


def _shifted(target, errors):
    """target moved by errors[j] (metres) along x at joint j: joint j's error is exactly errors[j]."""
    return target + torch.tensor(errors, dtype=target.dtype)[:, None] * torch.tensor([1.0, 0, 0], dtype=target.dtype)


def test_pck_summary_by_hand():
    """Scored joints (all but 0, 7, 9): 6 at 102 mm, 8 at 200 mm; the unscored ones at 300 mm.
    PCK = 6 / 14; AUC = 6 x (10 of the 31 thresholds 0..150 mm lie above 102 mm) / (14 x 31);
    MPJPE over all 17 joints = (6 x 0.102 + 8 x 0.2 + 3 x 0.3) / 17."""
    errors = [0.3, 0.102, 0.102, 0.102, 0.102, 0.102, 0.102, 0.3, 0.2, 0.3, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2]
    g = torch.Generator().manual_seed(0)
    target = torch.randn(3, 17, 3, generator=g, dtype=torch.float64)
    records = [Record("TS1", "", target[:2], {"P-Agg": _shifted(target[:2], errors), "P-Best": target[:2]}),
               Record("TS2", "", target[2:], {"P-Agg": _shifted(target[2:], errors), "P-Best": target[2:]})]
    summary = Evaluation(records).pck_summary()
    assert summary["PCK"] == pytest.approx(100 * 6 / 14)
    assert summary["AUC"] == pytest.approx(100 * 6 * 10 / (14 * 31))
    assert summary["MPJPE"] == pytest.approx((6 * 0.102 + 8 * 0.2 + 3 * 0.3) / 17)
    assert Evaluation(records).pck_summary("P-Best") == pytest.approx({"PCK": 100.0, "AUC": 100 * 30 / 31, "MPJPE": 0.0})


def test_per_action_summary_is_the_mean_over_actions_by_hand():
    """Walking: 2 frames 0.1 m off, "Walking 1" (the same Table 1 action) 1 frame 0.4 m off; Eating 1 frame
    0.05 m off. Per action: Walking (0.1 + 0.1 + 0.4) / 3 = 0.2, Eating 0.05, their mean 0.125; pooled over
    frames 0.65 / 4 = 0.1625. J-Best's official P-MPJPE (picked per frame): Walking (0.02 + 0.04 + 0.09) / 3 =
    0.05, Eating 0.01, mean 0.03; pooled 0.04. A pure translation has P-MPJPE 0."""
    g = torch.Generator().manual_seed(1)
    target = torch.randn(4, 17, 3, generator=g, dtype=torch.float64)
    shift = lambda rows, d: _shifted(target[rows], [d] * 17)
    records = [
        Record("S9", "Walking", target[0:2], {"P-Agg": shift(slice(0, 2), 0.1), "J-Best": shift(slice(0, 2), 0.1)},
               {"J-Best": torch.tensor([0.02, 0.04])}),
        Record("S9", "Walking 1", target[2:3], {"P-Agg": shift(slice(2, 3), 0.4), "J-Best": shift(slice(2, 3), 0.4)},
               {"J-Best": torch.tensor([0.09])}),
        Record("S11", "Eating", target[3:4], {"P-Agg": shift(slice(3, 4), 0.05), "J-Best": shift(slice(3, 4), 0.05)},
               {"J-Best": torch.tensor([0.01])}),
    ]
    evaluation = Evaluation(records)
    per_action = evaluation.summary(per_action=True)
    pooled = evaluation.summary()
    assert per_action["P-Agg"]["MPJPE"] == pytest.approx(0.125) and pooled["P-Agg"]["MPJPE"] == pytest.approx(0.1625)
    assert per_action["J-Best"]["P-MPJPE"] == pytest.approx(0.03) and pooled["J-Best"]["P-MPJPE"] == pytest.approx(0.04)
    assert per_action["P-Agg"]["P-MPJPE"] == pytest.approx(0, abs=1e-9)  # no picks for P-Agg: aligned, 0
    assert evaluation.summary(per_action=True, picks="assembled")["J-Best"]["P-MPJPE"] == pytest.approx(0, abs=1e-9)
    assert set(per_action) == {"P-Agg", "J-Best"}  # J-Agg and P-Best were not collected
