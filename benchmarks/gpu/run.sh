#!/usr/bin/env bash
# The GPU check (issue 28), for a borrowed GPU machine whose python3 has PyTorch,
# pandas, scikit-learn and matplotlib but no Snakemake and no package registry.
# Under 10 minutes, each step within its own time limit; eight files of logs and
# summary.md go to $OUT (default benchmarks/out/gpu).
#
#   benchmarks/gpu/prepare_wheels.sh     # first, where a registry is reachable
#   benchmarks/gpu/run.sh                # then, on the GPU machine
#
# Steps: install the wheels into a venv that keeps the machine's packages
# (--system-site-packages: its PyTorch stays); print the versions against
# requirements.txt; the first CUDA call (without a GPU the check stops there,
# status 3); the library tests; the smoke study on CUDA; epoch_speed and
# runs_together on the GPU, eager and with compile_mode reduce-overhead.
#
# Options:
#   --skip-install   run with $PYTHON (default python3) as it is, no venv
#   --wheels DIR     the prepared wheels (default benchmarks/gpu/wheels)
# Environment: PYTHON, OUT, VENV (default /tmp/aestudy-gpu-venv), BUDGET_S (the
# whole run's seconds, default 580), LIMIT_<STEP>_S to change one step's limit.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
wheels=$here/wheels
install=1
while [ $# -gt 0 ]; do
  case $1 in
    --skip-install) install=0 ;;
    --wheels) wheels=$2; shift ;;
    --wheels=*) wheels=${1#--wheels=} ;;
    *) echo "run.sh: unknown option $1 (--skip-install, --wheels DIR)" >&2; exit 2 ;;
  esac
  shift
done
out=${OUT:-$repo/benchmarks/out/gpu}
mkdir -p "$out"
out=$(cd "$out" && pwd)
python=${PYTHON:-python3}
venv=${VENV:-/tmp/aestudy-gpu-venv}
budget=${BUDGET_S:-580}
start=$SECONDS
summary=$out/summary.md
failed=0
cd "$repo"

printf '# GPU check, %s\n\n| step | status | seconds | limit |\n|---|---|---:|---:|\n' \
  "$(date -u '+%Y-%m-%d %H:%M UTC')" >"$summary"

# step NAME LIMIT LOG COMMAND...: run COMMAND within min(LIMIT, what is left of
# the budget), its output appended to LOG; record the outcome; return its status.
step() {
  local name=$1 limit=$2 log=$3
  shift 3
  local override="LIMIT_$(echo "$name" | tr 'a-z-' 'A-Z_')_S"
  limit=${!override:-$limit}
  local left=$((budget - (SECONDS - start) - 5))
  [ "$left" -lt "$limit" ] && limit=$left
  if [ "$limit" -lt 10 ]; then
    echo "| $name | skipped: the budget of $budget s is spent | 0 | 0 |" >>"$summary"
    echo "== $name: skipped, the budget of $budget s is spent"
    failed=1
    return 1
  fi
  echo "== $name (at most $limit s) -> $log"
  echo "\$ $*" >>"$log"
  local tic=$SECONDS rc
  timeout --kill-after=10 "$limit" "$@" >>"$log" 2>&1
  rc=$?
  local status=ok
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    status="stopped at its time limit"
  elif [ $rc -ne 0 ]; then
    status="failed (status $rc)"
  fi
  echo "| $name | $status | $((SECONDS - tic)) | $limit |" >>"$summary"
  echo "   $status, $((SECONDS - tic)) s"
  [ $rc -eq 0 ] || failed=1
  return $rc
}

# Tables the steps printed, appended to the summary.
append() {
  printf '\n## %s\n\n' "$1" >>"$summary"
  grep -E "$2" "$3" >>"$summary" 2>/dev/null || echo "(nothing: see $(basename "$3"))" >>"$summary"
}

# 1. Snakemake and the other missing pins, from the prepared wheels.
if [ $install -eq 1 ]; then
  if ! ls "$wheels"/*.whl >/dev/null 2>&1; then
    echo "No wheels in $wheels: run benchmarks/gpu/prepare_wheels.sh where a package registry is reachable and bring that folder along, or pass --skip-install." |
      tee -a "$summary"
    exit 2
  fi
  pins=()
  for name in snakemake snakemake-executor-plugin-slurm snakemake-executor-plugin-slurm-jobstep jsonschema; do
    pins+=("$(grep -E "^$name==" requirements.txt | sed 's/[[:space:]]*#.*//')")
  done
  if ! step install 90 "$out/install.log" bash -c '
      "$1" -m venv --system-site-packages "$2" &&
      "$2/bin/python" -m pip install --no-index --no-cache-dir --find-links "$3" "${@:4}"' \
      _ "$python" "$venv" "$wheels" "${pins[@]}"; then
    echo "The wheels in $wheels do not install on this machine's $("$python" -V 2>&1): see $out/install.log, and prepare them for its version (PYTHON_VERSION=X.Y benchmarks/gpu/prepare_wheels.sh)." |
      tee -a "$summary"
    exit 2
  fi
  python=$venv/bin/python
fi

# 2. The versions it runs with, against the pins.
step versions 30 "$out/versions.log" "$python" benchmarks/gpu/versions.py
cat "$out/versions.log"
append "Versions against requirements.txt" '^(Python|\||Differ|Missing)' "$out/versions.log"

# 3. The first CUDA call: no GPU, no check.
step cuda 60 "$out/versions.log" "$python" benchmarks/gpu/cuda_check.py
rc=$?
if [ $rc -ne 0 ]; then
  sentence=$(tail -n 1 "$out/versions.log")
  printf '\n%s\n' "$sentence" >>"$summary"
  echo "$sentence"
  [ $rc -eq 3 ] && exit 3 # no GPU
  exit 2
fi
grep '^GPU:' "$out/versions.log" | tail -n 1 >>"$summary"

# 4. The library tests: tests/ as they are (no option moves them to the GPU; what
# sees a GPU there takes it), then the CUDA tests of benchmarks/gpu/test_cuda.py.
export PYTHONUNBUFFERED=1
step tests 150 "$out/tests.log" "$python" -m pytest -q -p no:cacheprovider -m "not workflow" \
  tests benchmarks/gpu/test_cuda.py
append "Tests" '(passed|failed|error|FAILED|ERROR)' "$out/tests.log"

# 5. The smoke study on CUDA, in a folder of its own.
smoke=$(mktemp -d)
step smoke 170 "$out/smoke.log" "$python" -m snakemake -s "$repo/Snakefile" \
  --directory "$smoke" --configfile "$repo/config/smoke.yaml" \
  --config "compute={device: cuda}" --cores "$(nproc)" --resources gpu=1
cp "$smoke/results/tables/metrics.csv" "$out/smoke_metrics.csv" 2>/dev/null
append "Smoke study" '(steps \(100%\) done|Exception|Error)' "$out/smoke.log"
devices=$(cut -d, -f1- "$out/smoke_metrics.csv" 2>/dev/null | grep -c ',cuda,')
echo "Training runs on cuda in results/tables/metrics.csv: ${devices:-0}" >>"$summary"

# 6. Seconds per epoch on the GPU, eager and as CUDA graphs.
step epoch_speed 120 "$out/epoch_speed.log" "$python" benchmarks/gpu/epoch_speed_gpu.py \
  --epochs 2
append "Seconds per epoch" '^(#|\|)' "$out/epoch_speed.log"

# 7. Runs trained together on the GPU, eager (with the check) and compiled.
step runs_together 80 "$out/runs_together.log" "$python" benchmarks/runs_together.py \
  --device cuda --steps 50 --repeats 5
step runs_together_compiled 100 "$out/runs_together.log" "$python" \
  benchmarks/runs_together.py --device cuda --compile-mode reduce-overhead --runs 1 3 10 \
  --steps 50 --repeats 3 --no-check
append "Runs together" '^(#|\||\$)' "$out/runs_together.log"

echo "Summary: $summary ($((SECONDS - start)) s)"
exit $failed
