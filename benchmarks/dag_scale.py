"""How long `snakemake -n` takes to plan studies of 10, 100 and 1,000 training runs
(10 latent sizes x 1, 10, 100 seeds), each run with its evaluation, per-run figures
for the first `figures.seeds_with_figures` seeds (default 3), and, for comparison,
with per-run figures for every seed.

    .venv/bin/python benchmarks/dag_scale.py
    .venv/bin/python benchmarks/dag_scale.py --runs-per-job 1   # a training job per run
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
PARTS = ["Snakefile", "config.yaml", "workflow", "envs", "profiles", "report"]


def plan_seconds(workdir, seeds, seeds_with_figures=None, repeats=2, runs_per_job=None):
    study = {
        "seeds": list(range(seeds)),
        "models": {"ae": {"kind": "ae", "dataset": "digits", "latent_dims": list(range(1, 11))}},
    }
    if seeds_with_figures:
        study["figures"] = {"seeds_with_figures": seeds_with_figures}
    if runs_per_job:
        study["compute"] = {"train": {"runs_per_job": runs_per_job}}
    (workdir / "study.yaml").write_text(yaml.safe_dump(study))
    best, jobs = float("inf"), None
    for _ in range(repeats):
        tic = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "snakemake", "-n", "--cores", "4", "--configfile", "study.yaml"],
            cwd=workdir,
            capture_output=True,
            text=True,
            check=True,
        )
        best = min(best, time.perf_counter() - tic)
        jobs = next(
            line.split()[-1] for line in out.stdout.splitlines() if line.startswith("total")
        )
    return best, jobs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs-per-job", type=int, help="compute.train.runs_per_job (default: the schema's)"
    )
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp())
    for part in PARTS:
        source = REPO / part
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, workdir / part)
    print("| training runs | per-run figures for | jobs in the DAG | snakemake -n seconds |")
    print("|---:|---|---:|---:|")
    for seeds in (1, 10, 100):
        seconds, jobs = plan_seconds(workdir, seeds, runs_per_job=args.runs_per_job)
        print(
            f"| {10 * seeds} | the first 3 seeds (default) | {jobs} | {seconds:.1f} |", flush=True
        )
    for seeds in (10, 100):
        seconds, jobs = plan_seconds(
            workdir, seeds, seeds_with_figures=seeds, runs_per_job=args.runs_per_job
        )
        print(f"| {10 * seeds} | every seed | {jobs} | {seconds:.1f} |", flush=True)
    shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
