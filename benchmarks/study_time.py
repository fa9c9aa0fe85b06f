"""A study end to end: wall time, the job-seconds of each kind of job, the
training seconds Snakemake's benchmark files measured, and the share of
job-seconds spent outside training.

Runs the real snakemake command on a copy of the repository (nothing of the
checkout is touched) and reads each job's start and end from its log.

    .venv/bin/python benchmarks/study_time.py                                # the smoke study
    .venv/bin/python benchmarks/study_time.py --config config/offline.yaml --cores 2
    # through a SLURM profile; arguments after -- go to snakemake as they are
    .venv/bin/python benchmarks/study_time.py --profile profiles/slurm -- \
        --slurm-status-command squeue --slurm-init-seconds-before-status-checks 2

Through a profile it prints the wall time and the number of jobs submitted to
SLURM instead of job-seconds: a cluster job's time in Snakemake's log runs from
its submission, queue included, and each part of a group job gets the group's.
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
PARTS = ["Snakefile", "config.yaml", "config", "workflow", "envs", "profiles", "report"]
STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$")
# The kinds of jobs a study is made of, by rule name.
GROUPS = {
    "train_autoencoder": "training",
    "evaluate_run": "evaluation",
    "figure_data": "figure data",
    "pca_baseline": "PCA baselines",
}
SUBMITTED = re.compile(r"has been submitted with SLURM jobid")


def group_of(rule):
    if rule in GROUPS:
        return GROUPS[rule]
    if rule.startswith("train_together_seeds"):  # several seeds in one job
        return "training"
    return "figures" if rule.startswith("plot_") else "other"


def job_seconds(log_text):
    """{jobid: (rule, seconds)} from a snakemake log: each job's start stamp and the
    stamp of its 'Finished jobid' line (whole seconds)."""
    started, finished, stamp = {}, {}, None
    rule = None
    for line in log_text.splitlines():
        found = STAMP.match(line.strip())
        if found:
            stamp = datetime.strptime(found[1], "%a %b %d %H:%M:%S %Y")
            continue
        line = line.strip()
        if line.startswith(("rule ", "localrule ")) and line.endswith(":"):
            rule = line.split(" ", 1)[1].rstrip(":")
        elif line.startswith("jobid:") and rule:
            started[int(line.split(":")[1])] = (rule, stamp)
            rule = None
        elif line.startswith("Finished jobid:"):
            finished[int(line.split(":")[1].split("(")[0])] = stamp
    return {
        job: (rule, (finished[job] - start).total_seconds())
        for job, (rule, start) in started.items()
        if job in finished and rule != "all"
    }


def run_study(config, cores, keep, profile=None, extra=()):
    workdir = Path(tempfile.mkdtemp(prefix="study-time-"))
    for part in PARTS:
        source = REPO / part
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, workdir / part)
    tic = time.perf_counter()
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            *(["--profile", profile] if profile else ["--cores", str(cores)]),
            "--configfile",
            config,
            *extra,
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - tic
    if process.returncode != 0:
        sys.exit(f"the study failed; its log is in {workdir}/.snakemake/log")
    training = sum(
        pd.read_csv(path, sep="\t")["s"].iloc[0]
        for path in (workdir / "results/benchmarks/train").rglob("*.tsv")
    )
    jobs = job_seconds(process.stderr)
    submitted = len(SUBMITTED.findall(process.stderr))
    if not keep:
        shutil.rmtree(workdir)
    return wall, training, jobs, submitted


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config/smoke.yaml")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the study's folder")
    parser.add_argument("--profile", help="run through this profile (e.g. profiles/slurm)")
    parser.add_argument("extra", nargs="*", help="more snakemake arguments, after --")
    args = parser.parse_args()
    wall, training, jobs, submitted = run_study(
        args.config, args.cores, args.keep, args.profile, args.extra
    )
    if args.profile:
        steps = len(jobs)
        print(f"{args.config} through {args.profile}: wall time {wall:.0f} s, {steps} jobs")
        print(f"jobs submitted to SLURM: {submitted}; training (benchmark files) {training:.0f} s")
        return
    table = pd.DataFrame(
        [(group_of(rule), seconds) for rule, seconds in jobs.values()],
        columns=["jobs of", "seconds"],
    )
    by_group = table.groupby("jobs of")["seconds"].agg(jobs="size", seconds="sum")
    total = by_group["seconds"].sum()
    by_group["share"] = (by_group["seconds"] / total).map("{:.0%}".format)
    print(f"{args.config} on {args.cores} cores: wall time {wall:.0f} s, {len(jobs)} jobs")
    print(by_group.sort_values("seconds", ascending=False).to_markdown())
    print(
        f"job-seconds {total:.0f}; training (benchmark files) {training:.0f} s; "
        f"outside training {1 - training / total:.0%} of the job-seconds"
    )


if __name__ == "__main__":
    main()
