#!/usr/bin/env bash
# The GPU check: one GPU, at most 8 minutes. Run from the repository root:
#
#     bash tools/gpu_check.sh            # PYTHON=.venv/bin/python bash tools/gpu_check.sh
#
# 1. the CUDA tests (tests/test_cuda.py: autocast steps, fused attention, GPU lift = CPU lift, the
#    dry run's memory bounds against a real step);
# 2. tools/gpu_check.py: the memory dry run against torch.cuda.mem_get_info() (a configuration
#    that will not fit is refused with the numbers), 200 steps of the `gpu` profile with autocast
#    (bfloat16 where the GPU computes it natively, else float16 + GradScaler), 20 steps of the
#    `paper` profile (float32); throughput, peak memory and losses;
# 3. lesson 05 run whole on the GPU (its GPU cells: the `gpu` profile's training cell).
#
# Each part has its own time limit (90 + 180 + 210 s = 8 minutes); the exit status is the first
# failure's. The figures printed by part 2 go into the README with the GPU's name.
set -u
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}
status=0

part() {  # part SECONDS TITLE COMMAND...
    local limit=$1 title=$2
    shift 2
    echo "== $title (limit ${limit} s)"
    local start=$SECONDS
    timeout --kill-after=10 "$limit" "$@"
    local rc=$?
    echo "== $title: exit $rc after $((SECONDS - start)) s"
    if [ "$rc" -ne 0 ] && [ "$status" -eq 0 ]; then status=$rc; fi
}

"$PYTHON" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'no CUDA GPU: the GPU check needs one')" || exit 1
nvidia-smi --query-gpu=name,memory.total,memory.used,driver_version --format=csv 2>/dev/null || true

part 90 "CUDA tests" "$PYTHON" -m pytest tests/test_cuda.py -q -p no:cacheprovider
part 180 "memory dry run, gpu profile (200 steps, autocast), paper profile (20 steps)" "$PYTHON" tools/gpu_check.py
part 210 "lesson 05 on the GPU" "$PYTHON" -m pytest --nbval-lax notebooks/05_gpu_training.ipynb -q -p no:cacheprovider
exit "$status"
