import subprocess
import sys

import pytest
import torch

from ddhpose_lite import metrics
from ddhpose_lite.datasets import synthetic_sequences
from ddhpose_lite.evaluate import AGGREGATIONS, evaluate, format_summary, main
from ddhpose_lite.lifter import Lifter
from ddhpose_lite.model import DenoiserConfig, HSTDenoiser


@pytest.fixture(scope="module")
def result():
    torch.manual_seed(0)
    lifter = Lifter(HSTDenoiser(DenoiserConfig(frames=9, width=16, depth=2, heads=2)))
    sequences = synthetic_sequences("test", 300, seed=0)
    return evaluate(lifter, sequences, hypotheses=4, iterations=2), sequences


def test_every_aggregation_is_collected_on_every_frame(result):
    evaluation, sequences = result
    assert set(evaluation.predictions) == set(AGGREGATIONS)
    frames = sum(len(s) for s in sequences)
    for name, parts in evaluation.predictions.items():
        assert sum(len(p) for p in parts) == frames, name


def test_summary_matches_the_metrics_and_oracles_rank_as_they_must(result):
    evaluation, _ = result
    table = evaluation.summary()
    target = torch.cat(evaluation.targets)
    p_agg = torch.cat(evaluation.predictions["P-Agg"])
    assert table["P-Agg"]["MPJPE"] == pytest.approx(float(metrics.mpjpe(p_agg, target)))
    assert table["J-Best"]["MPJPE"] <= table["P-Best"]["MPJPE"] + 1e-9
    text = format_summary(table)
    assert "| J-Best |" in text and text.endswith("(mm)")


def test_cli_help_and_bad_arguments():
    help_text = subprocess.run([sys.executable, "-m", "ddhpose_lite.evaluate", "--help"], capture_output=True,
                               text=True, check=True).stdout
    assert "examples:" in help_text and "--hypotheses" in help_text
    with pytest.raises(SystemExit):
        main(["--hypotheses", "0"])
    with pytest.raises(SystemExit):
        main(["--data", "coco"])
