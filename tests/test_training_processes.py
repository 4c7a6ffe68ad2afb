"""Training as separate processes: a run killed mid-epoch, and two DDP ranks over gloo."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch

from ddhpose_lite.model import HSTDenoiser
from ddhpose_lite.train import PROFILES, load_checkpoint

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}
TRAIN = [sys.executable, "-m", "ddhpose_lite.train", "--profile", "tiny"]


def test_killed_run_leaves_a_valid_checkpoint_and_resumes_exactly(tmp_path):
    straight = tmp_path / "straight"
    subprocess.run(TRAIN + ["--out", str(straight), "--epochs", "5"], env=ENV, check=True, capture_output=True)

    killed = tmp_path / "killed"
    process = subprocess.Popen(TRAIN + ["--out", str(killed), "--epochs", "5"], env=ENV,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # no deadline: under load an epoch may take minutes; wait for the first checkpoint (written by a
    # rename, so it is complete once it exists), then kill the run inside its next epoch
    while not (killed / "last.pt").exists():
        assert process.poll() is None, f"the run ended (code {process.returncode}) before writing a checkpoint"
        time.sleep(0.05)
    assert process.poll() is None, "the run finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    epoch = load_checkpoint(killed / "last.pt")["epoch"]  # complete and loadable
    assert 1 <= epoch < 5

    subprocess.run(TRAIN + ["--out", str(killed), "--epochs", "5", "--resume"], env=ENV, check=True,
                   capture_output=True)
    assert not list(killed.glob("*.tmp"))
    a, b = load_checkpoint(straight / "last.pt"), load_checkpoint(killed / "last.pt")
    assert a["epoch"] == b["epoch"] == 5
    for name in a["model"]:
        assert torch.equal(a["model"][name], b["model"][name]), name
    assert [h["loss"] for h in a["history"]] == [h["loss"] for h in b["history"]]


def test_two_gloo_ranks_keep_identical_parameters(tmp_path):
    worker = Path(__file__).parent / "helpers" / "ddp_worker.py"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               str(worker), str(tmp_path)]
    result = subprocess.run(command, env=ENV, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    rank0, rank1 = (torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1))
    assert rank0.keys() == rank1.keys()
    for name in rank0:
        assert torch.equal(rank0[name], rank1[name]), name
    torch.manual_seed(PROFILES["tiny"].seed)  # the Trainer's initialisation: training moved the weights
    initial = HSTDenoiser(PROFILES["tiny"].model).state_dict()
    assert not torch.equal(initial["head.weight"], rank0["head.weight"])
    assert load_checkpoint(tmp_path / "run" / "last.pt")["epoch"] == 1
