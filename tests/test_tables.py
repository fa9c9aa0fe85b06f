"""The tables: built with pandas, they hold the same columns and numbers as the
hand-written CSV code they replaced (tests/data/tables/expected/, written by that
code from the smoke study's runs plus one diverged run)."""

import math
from pathlib import Path

import pandas as pd
import pytest

from aestudy.report.tables import (
    compute_table,
    decibels,
    duration,
    mean_std,
    number,
    run_table,
    summarize,
)
from conftest import REPO

DATA = Path(__file__).parent / "data" / "tables"
EXPECTED = DATA / "expected"


@pytest.fixture(scope="module")
def aggregated(tmp_path_factory):
    import aggregate_metrics

    out = tmp_path_factory.mktemp("tables")
    runs = sorted((DATA / "runs").glob("*.json"))
    aggregate_metrics.main(
        metrics_paths=runs,
        pca_paths=sorted((DATA / "pca").glob("*.json")),
        baseline_paths=[],
        benchmark_paths=[DATA / "benchmarks" / f"{p.stem}.tsv" for p in runs],
        metrics_csv=out / "metrics.csv",
        summary_csv=out / "summary.csv",
        summary_md=out / "summary.md",
        compute_csv=out / "compute.csv",
        text_path=REPO / "report/text/en.yaml",
        log=lambda message: None,
    )
    return out


def test_the_run_table_is_unchanged_to_the_character(aggregated):
    """The columns it had keep their cells, as text; metrics added since (PSNR,
    denoising, anomaly detection, the kinds' own) are empty for these runs."""
    new, old = (
        pd.read_csv(folder / "metrics.csv", dtype=str, keep_default_na=False)
        for folder in (aggregated, EXPECTED)
    )
    assert [c for c in new.columns if c in old.columns] == list(old.columns)
    pd.testing.assert_frame_equal(new[old.columns], old)
    assert (new[[c for c in new.columns if c not in old.columns]] == "").all().all()


def test_the_compute_table_is_unchanged_to_the_character(aggregated):
    assert (aggregated / "compute.csv").read_text() == (EXPECTED / "compute.csv").read_text()


def test_summary_has_the_same_cells(aggregated):
    new, old = (pd.read_csv(folder / "summary.csv") for folder in (aggregated, EXPECTED))
    assert [c for c in new.columns if c in old.columns] == list(old.columns)
    text_columns = ["model", "kind", "dataset"]
    pd.testing.assert_frame_equal(new[text_columns], old[text_columns])
    # Integers stay integers, also in columns with empty cells (iw_samples of the AEs).
    for column in ("latent_dim", "runs", "diverged", "iw_samples"):
        lines = (aggregated / "summary.csv").read_text().splitlines()[1:]
        index = list(new.columns).index(column)
        assert all("." not in line.split(",")[index] for line in lines), column
    # Means and standard deviations: statistics.fmean / stdev rounded exactly, pandas
    # sums in order; they may differ in the last bit, never more.
    numbers = [c for c in old.columns if c not in text_columns]
    pd.testing.assert_frame_equal(new[numbers], old[numbers], check_dtype=False, rtol=1e-12)
    assert set(old.columns) < set(new.columns)  # PSNR, denoising and PCA's own added


def test_summary_markdown_has_the_same_cells(aggregated):
    def cells(path):
        lines = path.read_text().splitlines()
        return [
            [c.strip() for c in line.strip("|").split("|")]
            for i, line in enumerate(lines)
            if i != 1
        ]

    new, old = cells(aggregated / "summary.md"), cells(EXPECTED / "summary.md")
    # the column added since: each setting against PCA of its size, in words
    standing = [row.pop() for row in new]
    assert standing[0] == "Against PCA"
    assert set(standing[1:]) <= {
        "clearly better",
        "level",
        "clearly worse",
        "one seed, untested",
        "–",
    }
    assert [len(row) for row in new] == [len(row) for row in old]
    # Cells are the same, or the same numbers with the decimals the spread allows
    # (361.19 ± 2.49 is now 361.2 ± 2.5): each within half a unit of its last place.
    for new_cell, old_cell in zip(sum(new, []), sum(old, []), strict=True):
        if new_cell == old_cell:
            continue
        new_values, old_values = (cell.split(" ± ") for cell in (new_cell, old_cell))
        assert len(new_values) == len(old_values) == 2, (new_cell, old_cell)
        for shown, exact in zip(new_values, old_values, strict=True):
            places = len(shown.partition(".")[2])
            assert abs(float(shown) - float(exact)) <= 0.5 * 10**-places + 0.005, (shown, exact)


def test_diverged_runs_are_counted_not_averaged(aggregated):
    summary = pd.read_csv(aggregated / "summary.csv")
    runs = pd.read_csv(aggregated / "metrics.csv")
    row = summary[(summary.model == "ae") & (summary.latent_dim == 2)].iloc[0]
    assert (row["runs"], row["diverged"]) == (3, 1)
    finished = runs[(runs.model == "ae") & (runs.latent_dim == 2) & (runs.status == "ok")]
    values = finished["test_mse"].tolist()
    assert len(values) == 2
    assert row["test_mse_mean"] == pytest.approx(sum(values) / 2, rel=1e-15)
    assert row["test_mse_std"] == pytest.approx(abs(values[0] - values[1]) / math.sqrt(2))
    diverged = runs[runs.status == "diverged"].iloc[0]
    assert diverged["diverged_epoch"] == 2 and pd.isna(diverged["test_mse"])


def test_a_group_whose_runs_all_diverged_reads_diverged():
    runs = pd.DataFrame(
        [
            dict(
                model="m",
                kind="ae",
                dataset="d",
                latent_dim=2,
                seed=s,
                status="diverged",
                iw_samples=None,
                test_mse=None,
                test_bce=None,
                elbo=None,
                elbo_reconstruction=None,
                kl=None,
                iw_ll=None,
            )
            for s in range(2)
        ]
    )
    (row,) = summarize(runs, {}).to_dict("records")
    assert (row["runs"], row["diverged"]) == (2, 2)
    assert mean_std(row, "test_mse") == "diverged"


def test_probe_and_knn_accuracies_are_summarised_over_finished_runs():
    def run(seed, probe, knn, status="ok"):
        return dict(
            dataset="d",
            model="m",
            kind="ae",
            latent_dim=4,
            seed=seed,
            status=status,
            test_mse=0.01,
            probe_accuracy=probe,
            knn_accuracy=knn,
        )

    runs = run_table([run(0, 0.8, 0.7), run(1, 0.9, 0.75), run(2, None, None, "diverged")])
    assert runs["probe_accuracy"].tolist()[:2] == [0.8, 0.9]
    assert pd.isna(runs["knn_accuracy"].iloc[2])
    (row,) = summarize(runs, {}).to_dict("records")
    assert row["probe_accuracy_mean"] == pytest.approx(0.85)
    assert row["probe_accuracy_std"] == pytest.approx(0.1 / math.sqrt(2))
    assert row["knn_accuracy_mean"] == pytest.approx(0.725)
    assert mean_std(row, "knn_accuracy") == "0.725 ± 0.035"


def summary_row(metric, mean, std, runs=2):
    return {f"{metric}_mean": mean, f"{metric}_std": std, "runs": runs, "diverged": 0}


@pytest.mark.parametrize(
    ("metric", "mean", "std", "shown"),
    [
        # the std keeps two significant digits, the mean is rounded to its place
        ("probe_accuracy", 0.7234, 0.14, "0.72 ± 0.14"),
        ("probe_accuracy", 0.7234, 0.0996, "0.72 ± 0.10"),
        ("elbo", -361.187, 2.487, "-361.2 ± 2.5"),
        ("test_bce", 1518.31, 32.37, "1518 ± 32"),
        ("test_bce", 15183.1, 323.7, "15180 ± 320"),
        # never more decimals than a value with no spread: four small, two large
        ("test_mse", 0.04791, 0.000073, "0.0479 ± 0.0001"),
        ("elbo", -339.4512, 0.0068, "-339.45 ± 0.01"),
        ("test_psnr", 17.1234, 0.0012, "17.12 ± 0.00"),
        # no spread: today's precision
        ("test_mse", 0.02, 0.0, "0.0200 ± 0.0000"),
        ("test_mse", 0.02, None, "0.0200"),
        ("test_psnr", 5.0, None, "5.00"),
        # counts: integers while whole, one decimal otherwise
        ("active_units", 4.0, None, "4"),
        ("active_units", 2.0, 0.0, "2"),  # the same count in every seed
        # shares as percentages, one decimal where the spread is below a point
        ("codes_used", 0.5781, None, "58 %"),
        ("codes_used", 0.5781, 0.032, "58 ± 3 %"),
        ("codes_used", 0.5781, 0.004, "57.8 ± 0.4 %"),
        ("active_units", 2.0, 1.0, "2 ± 1"),
        ("active_units", 2.5, 0.7071, "2.5 ± 0.7"),
        ("active_units", 2.0, 1.4142, "2.0 ± 1.4"),
        ("active_units", 8.0, 12.0, "8 ± 12"),
    ],
)
def test_mean_std_decimals_follow_the_spread(metric, mean, std, shown):
    assert mean_std(summary_row(metric, mean, std), metric) == shown


def test_single_numbers_keep_their_precision():
    assert number(0.0323) == "0.0323" and number(-344.744) == "-344.74"
    assert number(1.5, like=-300.0) == "1.50" and decibels(9.876) == "9.88"
    assert number(None) == "–"


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(5400, "1.50 h"), (3600, "1.00 h"), (90, "1.5 min"), (12.34, "12.3 s"), (0.04, "0.0 s")],
)
def test_durations_take_the_unit_that_keeps_them_readable(seconds, shown):
    import yaml

    words = yaml.safe_load((REPO / "report/text/en.yaml").read_text())["durations"]
    assert duration(seconds, words) == shown


def test_runs_trained_together_share_their_jobs_time(tmp_path):
    """One benchmark file for a group job: the runs it trained (one start of
    training) share its seconds; a run it kept, trained by an earlier job, shows
    its own training loop's seconds and no CPU time or memory."""
    group, alone = tmp_path / "seeds0_1_2.tsv", tmp_path / "seed0.tsv"
    group.write_text("s\tcpu_time\tmax_rss\n30.0\t24.0\t900.0\n")
    alone.write_text("s\tcpu_time\tmax_rss\n12.0\t10.0\t700.0\n")

    def run(model, seed, started, seconds):
        return dict(
            model=model,
            latent_dim=2,
            seed=seed,
            device="cpu",
            seconds=seconds,
            provenance=dict(started=started),
        )

    runs = [
        run("ae", 0, "2026-12-06T08:00:00", 7.0),  # kept from an earlier job
        run("ae", 1, "2026-12-06T09:00:00", 7.5),
        run("ae", 2, "2026-12-06T09:00:00", 8.0),
        run("cnn_ae", 0, "2026-12-06T09:30:00", 11.0),
    ]
    table = compute_table([group, group, group, alone], runs).set_index(["model", "seed"])
    assert table.loc[("ae", 1), "seconds"] == table.loc[("ae", 2), "seconds"] == 15.0
    assert table.loc[("ae", 1), "cpu_seconds"] == 12.0
    assert table.loc[("ae", 2), "max_rss_mb"] == 900.0
    assert table.loc[("ae", 0), "seconds"] == 7.0
    assert pd.isna(table.loc[("ae", 0), "cpu_seconds"]) and pd.isna(
        table.loc[("ae", 0), "max_rss_mb"]
    )
    assert table.loc[("cnn_ae", 0), "seconds"] == 12.0
