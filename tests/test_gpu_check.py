"""tools/gpu_check.py's CPU-side parts: the autocast choice and the refusal arithmetic (the GPU
parts run with tools/gpu_check.sh on a GPU)."""
import importlib.util
import re
import subprocess
from pathlib import Path

import pytest
import torch

from ddhpose_lite.memory import MemoryEstimate, memory_estimate
from ddhpose_lite.profiles import PROFILES
from ddhpose_lite.trainer import resolve_amp

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("gpu_check", ROOT / "tools" / "gpu_check.py")
gpu_check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gpu_check)
MIB = 2 ** 20


def test_amp_plan_is_bf16_where_native_else_fp16_with_a_scaler(monkeypatch):
    assert gpu_check.plan_amp(True) == (torch.bfloat16, False)
    assert gpu_check.plan_amp(False) == (torch.float16, True)
    # the trainer's "auto" makes the same choice: a T4 (emulated bf16) and an A100 (native)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: "Tesla T4")
    for native, dtype in ((False, torch.float16), (True, torch.bfloat16)):
        monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True, n=native: n or including_emulation)
        assert resolve_amp("auto", torch.device("cuda", 0)) == gpu_check.plan_amp(native)[0] == dtype


def hand_computed_estimate() -> MemoryEstimate:
    """1 Mi parameters: weights, gradients 4 MiB each, AdamW 8 MiB (16 MiB static); activations 84
    MiB in float32, 42 MiB under autocast. Step: 100 MiB (float32), 58 MiB (autocast); times the
    slack 1.25: 125 MiB and 72.5 MiB."""
    return MemoryEstimate(PROFILES["tiny"].model, 4, MIB, 4 * MIB, 4 * MIB, 8 * MIB, 84 * MIB, 42 * MIB)


def test_refusal_arithmetic_against_a_hand_computed_case():
    estimate = hand_computed_estimate()
    assert gpu_check.ALLOCATOR_SLACK == 1.25
    line = gpu_check.check_fits(estimate, 100 * MIB, amp=True, name="toy")
    assert "estimate 58 MiB (autocast) x 1.25 = 72 MiB, free 100 MiB -> fits" in line  # 72.5 printed as 72
    assert gpu_check.check_fits(estimate, 125 * MIB, amp=False).endswith("fits")  # exactly enough


@pytest.mark.parametrize("free, options, message", [
    pytest.param(100 * MIB, dict(amp=False, name="toy"),
                 "expected a toy that fits on this GPU, got one that will not: toy: batch 4, 9 frames, width 16: "
                 "estimate 100 MiB (float32) x 1.25 = 125 MiB, free 100 MiB; lower the batch size or the frames",
                 id="float32-in-100-MiB"),
    pytest.param(0, dict(amp=True), "expected the free GPU memory in bytes (> 0), got 0", id="no-free-memory"),
])
def test_refusals_of_the_hand_computed_case(free, options, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        gpu_check.check_fits(hand_computed_estimate(), free, **options)


def test_the_paper_profile_is_refused_on_a_small_gpu():
    """The paper profile's dry run (243 frames, width 512, depth 8, batch 4, float32) needs several
    GiB: a 2 GiB card is refused with the numbers."""
    estimate = memory_estimate(PROFILES["paper"].model, PROFILES["paper"].batch_size)
    assert estimate.total_fp32 * gpu_check.ALLOCATOR_SLACK > 2 * 2 ** 30
    with pytest.raises(ValueError, match=r"paper that fits on this GPU.*free 2,048 MiB; lower the batch size"):
        gpu_check.check_fits(estimate, 2 * 2 ** 30, amp=False, name="paper")


def test_the_script_is_valid_bash_within_eight_minutes():
    script = (ROOT / "tools" / "gpu_check.sh").read_text()
    subprocess.run(["bash", "-n", str(ROOT / "tools" / "gpu_check.sh")], check=True)
    limits = [int(line.split()[1]) for line in script.splitlines() if line.startswith("part ")]
    assert len(limits) == 3 and sum(limits) <= 8 * 60
