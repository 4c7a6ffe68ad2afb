"""Run by tests/test_training_processes.py under torchrun: train `tiny` with DDP, save this rank's weights."""
import sys
from pathlib import Path

import torch
import torch.distributed as dist

from ddhpose_lite.train import PROFILES, Trainer

dist.init_process_group("gloo")
out = Path(sys.argv[1])
trainer = Trainer(PROFILES["tiny"], out / "run")
trainer.fit(1)
torch.save(trainer.model.state_dict(), out / f"rank{dist.get_rank()}.pt")
dist.destroy_process_group()
