"""What study a report is about: its config, date, code, software, devices and
compute, and the notices a reader needs before reading any number (stand-in data,
short training), all taken from the runs' own records."""

import platform
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version

from aestudy.data.formats import STAND_INS
from aestudy.provenance import git_commit, git_dirty
from aestudy.report.tables import duration

# Below this many epochs the course's models are still far from trained (their
# loss curves fall steeply through the first ten epochs): the report says so.
SHORT_TRAINING_EPOCHS = 10


def _version(package):
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def _join(values, words):
    return words["list_comma"].join(str(v) for v in values)


def study_framing(
    records,
    compute,
    config_files,
    specs,
    datasets,
    words,
    list_comma=", ",
    dataset_names=None,
    today=None,
    left_out=(),
):
    """{rows: [(label, value)], notices: [sentence]} for the top of the report.
    `records`: every run's metrics.json; `compute`: the compute table (a row per
    training job); `words`: the `framing` words of the report's language;
    `list_comma`: its separator of listed items; `dataset_names`: the data sets as
    prose names them; `left_out`: the study's models this run left out."""
    words = dict(words, list_comma=list_comma)
    commit, dirty = git_commit(), git_dirty()
    code = words["no_git"] if commit is None else commit[:12]
    if dirty:
        code += words["dirty"]
    run_commits = sorted({r["provenance"].get("git_commit") or "?" for r in records})
    if run_commits not in ([commit], ["?"]):
        code += words["run_commits"].format(commits=_join([c[:12] for c in run_commits], words))
    run_versions = sorted(
        {
            (v.get("python"), v.get("torch"), v.get("cuda") or "–")
            for v in (r["provenance"].get("versions", {}) for r in records)
        }
    )
    software = words["software"].format(
        python=platform.python_version(),
        torch=_version("torch"),
        snakemake=_version("snakemake"),
        numpy=_version("numpy"),
        sklearn=_version("scikit-learn"),
    )
    trained_with = words["trained_with"].format(
        versions="; ".join(
            words["run_versions"].format(python=p, torch=t, cuda=c) for p, t, c in run_versions
        )
    )
    seconds = float(compute["seconds"].sum())
    devices = sorted({str(r["device"]) for r in records})
    hosts = sorted({r["provenance"].get("host") or "?" for r in records})
    rows = [
        (words["config"], _join(config_files, words) or words["default_config"]),
        (words["date"], (today or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")),
        (words["code"], code),
        (
            words["software_label"],
            words["software_both"].format(report=software, runs=trained_with),
        ),
        (
            words["devices"],
            words["devices_value"].format(devices=_join(devices, words), hosts=_join(hosts, words)),
        ),
        (
            words["training_time"],
            words["training_time_value"].format(
                duration=duration(seconds, words), jobs=len(compute)
            ),
        ),
    ]
    notices = _notices(specs, datasets, words, dataset_names or {})
    if left_out:
        notices.append(words["left_out"].format(models=_join(left_out, words)))
    return dict(rows=rows, notices=notices)


def _models(names, specs, words):
    """The models named, or 'every model' when that is all of them."""
    return words["every_model"] if len(names) == len(specs) else _join(names, words)


def _notices(specs, datasets, words, dataset_names):
    """Why the numbers are not the course's: stand-in data (and what each stand-in
    is), short runs; sentences of one notice."""
    notices = []
    stand_ins = {}
    for name, spec in specs.items():
        fmt = datasets[spec["dataset"]]["format"]
        if fmt in STAND_INS:
            stand_ins.setdefault((fmt, STAND_INS[fmt]), []).append(name)
    for (fmt, real), models in stand_ins.items():
        notices.append(
            words["stand_in"].format(
                stand_in=fmt,
                real=dataset_names.get(real, real),
                models=_models(models, specs, words),
            )
        )
        notices.append(words["stand_in_what"][fmt])
    short = {name: spec["epochs"] for name, spec in specs.items()}
    short = {name: e for name, e in short.items() if e < SHORT_TRAINING_EPOCHS}
    if short:
        epochs = sorted(set(short.values()))
        notices.append(
            words["short_training"].format(
                models=_models(list(short), specs, words),
                epochs=_join(epochs, words),
                threshold=SHORT_TRAINING_EPOCHS,
            )
        )
    return notices
