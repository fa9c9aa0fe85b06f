"""A model kind is one package: a new kind, written from outside the repository
into a copy of it with its schema entry and its words (README, "Adding a model
kind"), and nothing else edited, is planned, trained, tabled and reported with
its own metric and its own figure."""

import json
import textwrap

import pandas as pd
import pytest
import yaml

from conftest import copy_repository, planned_jobs, snakemake

pytestmark = pytest.mark.workflow

# The package: an MLP autoencoder with one metric of its own (the length of each
# test image's code, shown with two decimals in the representation table) and a
# figure kind of its own, drawn from the run's history by the loss-curve script.
PACKAGE = {
    "__init__.py": '''
        """Throwaway kind: the MLP autoencoder, reporting its codes' length."""

        from aestudy.figures import RUN_FIGURES, FigureKind
        from aestudy.kinds import Kind, Metric

        TRAINING_CURVE = FigureKind(
            "training_curve",
            "history",
            script="plot_loss_curve",
            settings=dict(log_scale=dict(type="boolean", default=False)),
            drawing=("log_scale",),
            description="Throwaway kind; its training curve once more.",
            facts=dict(word="again"),
        )

        KIND = Kind(
            name="throwaway",
            metrics=(Metric("code_length", "two", compared="representation"),),
            figures=(*RUN_FIGURES, TRAINING_CURVE),
            family="regularised_ae",
        )
    ''',
    "model.py": """
        from aestudy.kinds.ae.model import MLPAutoencoder


        class CodeLengthAutoencoder(MLPAutoencoder):
            def evaluation_terms(self, x, generator, iw_samples, y=None):
                return {"code_length": self.encode(x).norm(dim=1)}


        def build(spec, image_shape, latent_dim):
            return CodeLengthAutoencoder(image_shape, spec["hidden"], latent_dim)
    """,
}

SCHEMA_ENTRY = """
  throwaway:
    description: A throwaway kind.
    type: object
    additionalProperties: false
    properties:
      <<: *training
      kind: {const: throwaway}
      dataset: {type: string, default: digits}
      hidden: {<<: *widths, default: [32]}
      latent_dims: {<<: *latent_dims, default: [2]}
"""

WORDS = {
    "en": dict(
        kind="Throwaway autoencoder",
        loss="MSE per pixel",
        header="Code length",
        figure="Training curve",
        caption="Train and test loss, {word}; log axis: {log_scale}.",
    ),
    "zh": dict(
        kind="临时自编码器",
        loss="每像素 MSE",
        header="编码长度",
        figure="训练曲线",
        caption="训练与测试损失（{word}）；对数轴：{log_scale}。",
    ),
}

STUDY = {
    "seeds": [0],
    "models": {"tw": {"kind": "throwaway", "latent_dims": [2], "epochs": 2, "batch_size": 8}},
    "compute": {"train": {"gpu": 0, "threads": 1}},
    "figures": {"latent_space": {"tsne": False, "points": 100}},
}


def add_throwaway_kind(repo):
    """What README's "Adding a model kind" lists, and only that."""
    package = repo / "workflow/scripts/aestudy/kinds/throwaway"
    package.mkdir()
    for name, source in PACKAGE.items():
        (package / name).write_text(textwrap.dedent(source).lstrip())
    schema = repo / "workflow/schemas/config.schema.yaml"
    schema.write_text(schema.read_text() + SCHEMA_ENTRY)
    for language, words in WORDS.items():
        path = repo / f"report/text/{language}.yaml"
        text = yaml.safe_load(path.read_text(encoding="utf-8"))
        text["kind_names"]["throwaway"] = words["kind"]
        text["losses"]["throwaway"] = words["loss"]
        text["figure_words"]["loss_curve"]["ylabel"]["throwaway"] = words["loss"]
        text["downstream"]["headers"]["code_length"] = words["header"]
        text["figure_names"]["training_curve"] = words["figure"]
        text["captions"]["training_curve"] = words["caption"]
        curve = dict(text["figure_words"]["loss_curve"], title=words["figure"] + ": {run}")
        text["figure_words"]["training_curve"] = curve
        path.write_text(yaml.safe_dump(text, allow_unicode=True, sort_keys=False))


@pytest.fixture(scope="module")
def throwaway_study(tmp_path_factory):
    repo = copy_repository(tmp_path_factory.mktemp("new_kind"))
    add_throwaway_kind(repo)
    (repo / "study.yaml").write_text(yaml.safe_dump(STUDY))
    planned = snakemake(repo, "-n", "--configfile", "study.yaml")
    snakemake(repo, "--cores", "2", "--configfile", "study.yaml")
    return repo, planned_jobs(planned.stdout)


def test_a_new_kind_is_planned_with_its_own_figure(throwaway_study):
    _, jobs = throwaway_study
    rules = {rule for rule, _ in jobs}
    assert {"train_autoencoder", "evaluate_run", "plot_training_curve"} <= rules
    assert "plot_samples" in rules and "plot_manifold" in rules  # the study's own still


def test_a_new_kinds_metric_reaches_the_table_and_the_report(throwaway_study):
    repo, _ = throwaway_study
    table = pd.read_csv(repo / "results/tables/metrics.csv")
    (length,) = table["code_length"]
    assert length > 0
    run = json.loads((repo / "results/runs/tw/z2/seed0/metrics.json").read_text())
    assert run["code_length"] == pytest.approx(length)
    html = (repo / "results/report/index.html").read_text(encoding="utf-8")
    # its heading in the representation table, its value with two decimals
    assert "Code length" in html and f"{length:.2f}" in html
    assert "Throwaway autoencoder" in html


def test_a_new_kinds_figure_is_drawn_captioned_and_named(throwaway_study):
    repo, _ = throwaway_study
    assert (repo / "results/figures/tw/z2/seed0/training_curve.png").stat().st_size > 1000
    html = (repo / "results/report/index.html").read_text(encoding="utf-8")
    # the caption names its fact and the setting that ran
    assert "Train and test loss, again; log axis: False." in html
    caption = repo / ".snakemake/captions/en/training_curve.rst"
    assert caption.read_text(encoding="utf-8").strip() == (
        "Train and test loss, again; log axis: False."
    )
