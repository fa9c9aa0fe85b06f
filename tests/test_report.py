"""The HTML report: architecture tables, computed analysis, both languages, and a
real browser opening the file."""

import os
import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from aestudy import StudyError
from aestudy.kinds import build_model, kind_of
from aestudy.kinds.model_summary import architecture, layer_table
from aestudy.report import crossref, findings
from aestudy.report.framing import study_framing
from aestudy.report.html import architectures, layer_table_per_size
from aestudy.report.tables import records, summarize
from conftest import REPO, model_spec, snakemake

# The smoke study's runs: every kind, the course's three with two sizes and seeds.
RUN_COUNT = 21
TEXT = yaml.safe_load((REPO / "report/text/en.yaml").read_text(encoding="utf-8"))
WORDS = TEXT["findings"]
REFERENCES = yaml.safe_load((REPO / "report/text/references.yaml").read_text(encoding="utf-8"))

ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", REPO / "tests" / "artifacts"))


def test_architecture_table_is_the_course_reports():
    rows = layer_table(
        build_model(model_spec("cnn_ae"), (3, 32, 32), 256),
        (3, 32, 32),
    )
    assert [row[:3] for row in rows] == [
        ("Conv2d-1", "[-1, 16, 16, 16]", 448),
        ("ReLU-2", "[-1, 16, 16, 16]", 0),
        ("Conv2d-3", "[-1, 32, 8, 8]", 4640),
        ("ReLU-4", "[-1, 32, 8, 8]", 0),
        ("Conv2d-5", "[-1, 64, 2, 2]", 100416),
        ("ConvTranspose2d-6", "[-1, 32, 8, 8]", 100384),
        ("ReLU-7", "[-1, 32, 8, 8]", 0),
        ("ConvTranspose2d-8", "[-1, 16, 16, 16]", 4624),
        ("ReLU-9", "[-1, 16, 16, 16]", 0),
        ("ConvTranspose2d-10", "[-1, 3, 32, 32]", 435),
        ("Sigmoid-11", "[-1, 3, 32, 32]", 0),
    ]


def architecture_records(specs, image_shape, seed=0):
    """The architecture.json records the training jobs of `specs` write, at `seed`."""
    return [
        dict(
            model=name,
            latent_dim=z,
            seed=seed,
            kind=spec["kind"],
            layers=architecture(kind_of(spec), build_model(spec, image_shape, z), image_shape),
        )
        for name, spec in specs.items()
        for z in spec["latent_dims"]
    ]


def test_architecture_table_has_every_latent_size_and_names_the_vae_heads():
    records = architecture_records({"vae": model_spec("vae", latent_dims=[2, 20])}, (1, 28, 28))
    rows = layer_table_per_size({r["latent_dim"]: r["layers"] for r in records})
    heads = {role: (shapes, params) for _, role, shapes, params in rows}
    # 784-512 then two heads 512 -> z: 1026 and 10,260 parameters each
    assert heads["mean_head"] == ("[-1, 2] / [-1, 20]", {2: 1026, 20: 10260})
    assert heads["logvar_head"] == heads["mean_head"]
    assert all(" / " not in shapes for layer, _, shapes, _ in rows[:2])  # same at both sizes
    roles = TEXT["layer_roles"]
    assert {"mean_head", "logvar_head"} <= set(roles)
    # the role is found through the key the run recorded, not the attribute's name
    shown = architectures({"vae": model_spec("vae", latent_dims=[2, 20])}, records, TEXT)
    assert [row[0] for row in shown["vae"]["rows"]][1:4] == [
        "ReLU-2",
        "Linear-3 (mean head μ)",
        "Linear-4 (log-variance head log σ²)",
    ]


# The report job's modules imported in a fresh interpreter, which says what it loaded.
IMPORT_REPORT = """
import sys
import aestudy.report.html
from render_report import main
print(sorted(name for name in sys.modules if name.split(".")[0] == "torch"))
"""


def test_the_report_job_imports_no_pytorch():
    # its environment (envs/tables.yaml) has no PyTorch: the architecture tables
    # come from the runs' architecture.json, not from models built here
    process = subprocess.run(
        [sys.executable, "-c", IMPORT_REPORT],
        cwd=REPO / "workflow/scripts",
        capture_output=True,
        text=True,
    )
    assert process.returncode == 0, process.stderr[-3000:]
    assert process.stdout.strip() == "[]"


def run(model, z, seed, mse, status="ok", kind="ae", **extra):
    row = dict(
        dataset="mnist",
        model=model,
        kind=kind,
        latent_dim=z,
        seed=seed,
        test_mse=mse,
        test_bce=100.0,
        elbo=None,
        elbo_reconstruction=None,
        kl=None,
        iw_ll=None,
        iw_samples=None,
        status=status,
        diverged_epoch=None,
    )
    row.update(extra)
    return row


def test_analysis_follows_the_numbers():
    runs = [run("ae", 2, s, 0.05 + s * 0.001) for s in range(3)]
    runs += [run("ae", 4, s, 0.02) for s in range(3)]
    runs += [run("ae", 7, s, 0.03 + s * 0.0001) for s in range(2)]
    runs += [run("ae", 7, 2, None, status="diverged", diverged_epoch=12)]
    pca = {("mnist", z): {"test_mse": mse} for z, mse in ((2, 0.04), (4, 0.025), (7, 0.01))}
    summary = records(summarize(runs, pca))
    sentences = findings.model_findings(summary, WORDS)
    assert "latent size 4 reconstructs best" in sentences[0]
    assert "clear of every other size" in sentences[0]
    assert "size 2 is worst (0.0510 ± 0.0010)" in sentences[0]
    assert "rises clearly from size 4 (0.0200 ± 0.0000) to size 7" in sentences[1]
    assert "clearly better at size 4, −20 %" in sentences[2]
    assert "clearly worse at size 2, +28 %" in sentences[2] and "size 7, +200 %" in sentences[2]
    (diverged,) = findings.divergence_findings(runs, WORDS)
    assert "latent size 7, seed 2 diverged at epoch 12" in diverged
    # Change the numbers and the text follows: now size 7 is best and the trend falls.
    runs = [dict(r, test_mse=0.001, status="ok") if r["latent_dim"] == 7 else r for r in runs]
    sentences = findings.model_findings(records(summarize(runs, pca)), WORDS)
    assert "latent size 7 reconstructs best" in sentences[0]
    assert "falls with every step of the latent size from 2 to 7" in sentences[1]
    assert findings.divergence_findings(runs, WORDS) == ["All 9 runs finished without diverging."]


def test_overlapping_seeds_are_called_indistinguishable_not_best():
    # size 4 has the lower mean, but its spread reaches size 2's: no winner
    runs = [run("ae", 2, s, mse) for s, mse in enumerate((0.030, 0.034))]
    runs += [run("ae", 4, s, mse) for s, mse in enumerate((0.027, 0.033))]
    pca = {("mnist", 2): {"test_mse": 0.031}, ("mnist", 4): {"test_mse": 0.02}}
    summary = records(summarize(runs, pca))
    first, against = findings.model_findings(summary, WORDS)
    assert "latent sizes 2 and 4 reconstruct equally well within their spread" in first
    assert "reconstructs best" not in first
    assert "indistinguishable at size 2" in against and "clearly worse at size 4" in against
    (conclusion,) = next(
        f
        for family, f, _ in findings.conclusions(
            summary,
            runs,
            {"ae": {"kind": "ae", "dataset": "mnist", "epochs": 100}},
            WORDS,
            10,
        )
        if family == "ae"
    )
    assert "equally well within their spread" in conclusion
    # one seed per size: the sentence declines to rank
    single = [run("ae", 2, 0, 0.03), run("ae", 4, 0, 0.02)]
    (first,) = findings.model_findings(records(summarize(single, {})), WORDS)
    assert "from one seed per size" in first and "reconstructs best" not in first
    # against PCA, one seed is counted apart, with how many have the lower MSE
    specs = {"ae": {"kind": "ae", "dataset": "mnist", "epochs": 100}}
    summary = records(summarize(single, pca))
    _, found, _ = findings.conclusions(summary, single, specs, WORDS, 10)[-1]
    assert found[0] == "All 2 runs finished without diverging."  # no mean image to judge by
    assert "untested in 2 of 2, which have one seed (1 of them below PCA)" in found[1]


def test_the_fully_connected_autoencoder_is_set_against_the_convolutional_one():
    specs = {
        "ae": {"kind": "ae", "dataset": "mnist"},
        "vae": {"kind": "vae", "dataset": "cifar10"},
        "cnn_ae": {"kind": "cnn_ae", "dataset": "cifar10"},
        "cnn_dae": {"kind": "cnn_dae", "dataset": "cifar10"},
        "ae_cifar10": {"kind": "ae", "dataset": "cifar10"},
    }
    assert findings.plain_autoencoders(specs, "mlp") == ["ae", "ae_cifar10"]
    assert findings.plain_autoencoders(specs, "conv") == ["cnn_ae"]  # not the denoising one

    def compared(mlp_mses, conv_mses):
        runs = [run("ae", 4, 0, 0.01)]  # on MNIST: no convolutional model to compare with
        runs += [run("ae_cifar10", 7, s, m, dataset="cifar10") for s, m in enumerate(mlp_mses)]
        runs += [
            run("cnn_ae", 256, s, m, kind="cnn_ae", dataset="cifar10")
            for s, m in enumerate(conv_mses)
        ]
        return findings.mlp_against_conv(records(summarize(runs, {})), specs, WORDS)

    ((sentence, mlp, conv),) = compared([0.030, 0.032], [0.010, 0.012])
    assert (mlp, conv) == (("ae_cifar10", 7), ("cnn_ae", 256))
    assert "ae_cifar10 reconstructs the test images with an MSE of 0.0310 ± 0.0014" in sentence
    assert "cnn_ae with 0.0110 ± 0.0014 (latent size 256)" in sentence
    assert "2.8 times the convolutional one" in sentence
    assert "the convolutional network is clearly better" in sentence
    assert "(7 against 256 values)" in sentence
    ((sentence, *_),) = compared([0.010, 0.012], [0.030, 0.032])
    assert "the fully connected network is clearly better" in sentence
    ((sentence, *_),) = compared([0.010, 0.030], [0.012, 0.020])
    assert "neither is clearly better" in sentence
    ((sentence, *_),) = compared([0.030], [0.010])
    assert "the difference is not tested" in sentence and "clearly" not in sentence
    # a model with no finished run is not compared
    assert compared([None], [0.010]) == []
    # a fully connected network that did not learn is named beside the convolutional one
    runs = [run("ae_cifar10", 7, s, 0.060, dataset="cifar10") for s in range(2)]
    runs += [run("cnn_ae", 256, s, 0.010, kind="cnn_ae", dataset="cifar10") for s in range(2)]
    cifar = {
        "cifar10": dict(mean_mse=0.06, colour_mse=0.03, yardstick="own_colour", yardstick_mse=0.03)
    }
    ((sentence, mlp, conv),) = findings.mlp_against_conv(
        records(summarize(runs, {}, cifar)), specs, WORDS
    )
    assert sentence == (
        "A fully connected network on cifar10: ae_cifar10 did not learn (a test MSE of "
        "0.0600 ± 0.0000 at latent size 7, not clearly below that of each test image's own mean "
        "colour, 0.0300), while the convolutional cnn_ae reconstructs the test images with "
        "0.0100 ± 0.0000 (latent size 256)."
    )
    assert (mlp, conv) == (("ae_cifar10", 7), ("cnn_ae", 256))


def test_vae_mse_against_pca_carries_its_caveat_and_collapse_is_named():
    runs = [
        run(
            "vae",
            4,
            s,
            0.03 + s * 0.001,
            kind="vae",
            active_units=1.0,
            elbo=-100.0,
            elbo_reconstruction=-90.0,
            kl=10.0,
            iw_ll=-98.0,
            iw_samples=5,
        )
        for s in range(2)
    ]
    summary = records(summarize(runs, {("mnist", 4): {"test_mse": 0.05}}))
    sentences = findings.model_findings(summary, WORDS)
    caveat = sentences.index(next(s for s in sentences if "does not optimise" in s))
    assert "clearly better at size 4" in sentences[caveat + 1]
    assert any(
        "1 of 4 latent dimensions are active" in s and "partial posterior collapse" in s
        for s in sentences
    )
    collapsed = records(summarize([dict(r, active_units=0.0) for r in runs], {}))
    assert any("has collapsed to the prior" in s for s in findings.model_findings(collapsed, WORDS))
    # the VAE is left out of the count against PCA, and the limitation says why
    specs = {"vae": {"kind": "vae", "dataset": "mnist", "epochs": 2}}
    sections = findings.conclusions(summary, runs, specs, WORDS, 10)
    assert [family for family, *_ in sections] == ["vae", "overall"]
    _, found, limits = sections[0]
    assert any("2 epochs of training" in s for s in limits)
    assert any("not on the MSE" in s for s in limits)
    assert any("left out of the count against PCA" in s for s in sections[1][2])


def test_overfitting_is_read_from_the_loss_histories():
    rising = [(1, 0.05, 0.040), (2, 0.03, 0.035), (3, 0.02, 0.038)]  # test loss 8.6 % above its low
    falling = [(1, 0.05, 0.040), (2, 0.03, 0.035), (3, 0.02, 0.030)]
    sentence = findings.overfitting("ae", {(2, 0): rising, (2, 1): falling}, WORDS)
    assert sentence.startswith("1 of 2 runs of ae ended with a test loss more than 1% above")
    assert "+70.0 %" in sentence  # median of +90 % and +50 %
    sentence = findings.overfitting("ae", {(2, 0): falling}, WORDS)
    assert sentence.startswith("No run of ae ended") and "+50.0 %" in sentence


def test_representation_accuracy_is_reported_per_size():
    runs = [
        run("ae", z, s, 0.03, probe_accuracy=acc + s * 0.01, knn_accuracy=acc - 0.1)
        for z, acc in ((2, 0.6), (8, 0.9))
        for s in range(2)
    ]
    sentences = findings.model_findings(records(summarize(runs, {})), WORDS)
    probe = next(s for s in sentences if "linear probe" in s)
    assert "size 2: 0.6050 ± 0.0071; 5-NN" in probe and "size 8: 0.9050 ± 0.0071; 5-NN" in probe
    specs = {"ae": {"kind": "ae", "dataset": "mnist", "epochs": 100}}
    summary = records(summarize(runs, {}))
    _, found, _ = findings.conclusions(summary, runs, specs, WORDS, 10)[-1]
    assert any(
        "from ae at latent size 8 (0.9050 ± 0.0071), clear of the others" in s for s in found
    )


def test_numbers_and_citations_resolve_in_document_order():
    html = (
        "see [[ref:fig-b]] and [[ref:tab-a]] [@kingma2013; @burda2016]"
        '<figure id="fig-a"><figcaption>[[figure:fig-a]] A</figcaption></figure>'
        '<table id="tab-a"><caption>[[table:tab-a]]</caption></table>'
        '<figure id="fig-b"><figcaption>[[figure:fig-b]] B</figcaption></figure>'
    )
    out = crossref.resolve(html, list(REFERENCES), TEXT["numbering"])
    assert '<a class="xref" href="#fig-b">Figure 2</a>' in out
    assert '<a class="xref" href="#tab-a">Table 1</a>' in out
    kingma = list(REFERENCES).index("kingma2013") + 1
    assert f'<a class="cite" href="#ref-kingma2013">{kingma}</a>' in out
    assert "[[" not in out and "[@" not in out
    with pytest.raises(StudyError, match="'fig-c', which no figure"):
        crossref.resolve("[[ref:fig-c]]", [], TEXT["numbering"])
    with pytest.raises(StudyError, match="cites 'nobody'"):
        crossref.resolve("[@nobody]", list(REFERENCES), TEXT["numbering"])


def test_every_reference_is_cited_by_the_words_of_both_languages():
    for language in ("en", "zh"):
        words = (REPO / f"report/text/{language}.yaml").read_text(encoding="utf-8")
        cited = {
            key
            for group in crossref.CITATION.findall(words)
            for key in (k.strip().lstrip("@") for k in group.split(";"))
        }
        assert cited == set(REFERENCES), language


def test_framing_flags_stand_in_data_and_short_training():
    import pandas as pd

    record = {
        "device": "cpu",
        "provenance": {
            "git_commit": None,
            "host": "h",
            "versions": {"python": "3.11", "torch": "2"},
        },
    }
    framing = study_framing(
        [record],
        pd.DataFrame({"seconds": [1800.0, 1800.0]}),
        ["config/smoke.yaml"],
        {"ae": {"dataset": "digits", "epochs": 2}, "vae": {"dataset": "mnist", "epochs": 100}},
        {"digits": {"format": "digits"}, "mnist": {"format": "mnist"}},
        TEXT["framing"],
    )
    rows = dict(framing["rows"])
    assert rows["Config files"] == "config/smoke.yaml"
    assert rows["Training time"].startswith("1.0 hours over 2 training runs")
    assert "Snakemake" in rows["Software"] and "PyTorch" in rows["Software"]
    stand_in, what, short = framing["notices"]
    assert "ae trained on 'digits'" in stand_in and "not results on mnist" in stand_in
    assert "8x8 digits scaled up to 28x28" in what and "PCA of 64 or more" in what
    assert short.startswith("Short training: ae trained for 2 epochs")
    full = study_framing(
        [record],
        pd.DataFrame({"seconds": [1.0]}),
        [],
        {"vae": {"dataset": "mnist", "epochs": 100}},
        {"mnist": {"format": "mnist"}},
        TEXT["framing"],
    )
    assert full["notices"] == []


def test_vae_sentence_reports_elbo_and_iw_gap():
    runs = [
        run(
            "vae",
            20,
            s,
            0.01,
            kind="vae",
            elbo=-100.0 - s,
            elbo_reconstruction=-80.0 - s,
            kl=20.0,
            iw_ll=-97.0 - s,
            iw_samples=50,
        )
        for s in range(2)
    ]
    summary = records(summarize(runs, {}))
    sentences = findings.model_findings(summary, WORDS)
    elbo = next(s for s in sentences if "ELBO" in s)
    assert "-100.50 ± 0.71 nats" in elbo and "K = 50" in elbo and "3.00 nats above" in elbo
    specs = {"vae": {"kind": "vae", "dataset": "mnist", "epochs": 100}}
    sections = findings.conclusions(summary, runs, specs, WORDS, 10)
    assert any("-100.50" in c for _, found, _ in sections for c in found)


# The figures redrawn in Chinese for the report: one run's, and its model's sweep.
CHINESE_FIGURES = "results/figures/ae/z2/seed0/*.png", "results/figures/ae/latent_dim_sweep.png"


@pytest.fixture(scope="module")
def chinese_report(smoke_study, tmp_path_factory):
    """The smoke study's report in Chinese, in a copy of its folder: (folder, html,
    the jobs that report.language: zh plans). The plan redraws every figure (their
    words change); of those the Chinese report test needs a run's figures in
    Chinese, the rest stay as drawn (every figure kind is drawn in Chinese and
    checked in test_figures.py)."""
    workdir = tmp_path_factory.mktemp("zh") / "smoke"
    shutil.copytree(smoke_study[0], workdir, symlinks=True)
    study = yaml.safe_load((workdir / "config/smoke.yaml").read_text())
    study["report"] = {"language": "zh", "name": "Ada", "student_id": "42"}
    (workdir / "zh.yaml").write_text(yaml.safe_dump(study, allow_unicode=True))
    plan = snakemake(workdir, "-n", "--cores", "2", "--configfile", "zh.yaml")
    planned = [  # a run's figures are a group, its jobs indented
        line.split("rule ")[1].rstrip(":")
        for line in map(str.strip, plan.stdout.splitlines())
        if line.startswith(("rule ", "localrule "))
    ]
    figures = sorted(
        str(path.relative_to(workdir))
        for pattern in CHINESE_FIGURES
        for path in workdir.glob(pattern)
    )
    snakemake(workdir, *figures, "--cores", "2", "--configfile", "zh.yaml")
    # The report from the figures as they are now: only a file's age reruns a job.
    snakemake(
        workdir,
        *("--cores", "2", "--configfile", "zh.yaml"),
        *("--rerun-triggers", "mtime", "--forcerun", "render_report"),
    )
    html = (workdir / "results/report/index.html").read_text(encoding="utf-8")
    return workdir, html, planned


def shown_twice(html):
    """The images of the generation gallery and of the fully connected against the
    convolutional autoencoder, which show figures of section 4's runs a second
    time, side by side."""
    count = 0
    for figure in re.findall(r'id="(fig-generation|fig-mlp-conv-[^"]+)"', html):
        start = html.index(f'id="{figure}"')
        count += html[start : html.index("</div>", start)].count("<img")
    return count


@pytest.mark.workflow
def test_report_layout_and_numbers(smoke_study):
    workdir, _ = smoke_study
    html = (workdir / "results/report/index.html").read_text(encoding="utf-8")
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", html)
    assert headings == [
        "Abstract",
        "Contents",
        "1. Background and motivation",
        "2. Current methods",
        "3. Experiments: models and methods",
        "4. Results and analysis",
        "5. Conclusions",
        "References",
    ]
    assert html.count("<math") >= 4
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    # Every figure of the study is inlined; none is linked from disk.
    # Every figure of the study is in it: those of every run, every model, the ROC.
    figures = list((workdir / "results/figures").rglob("*.png"))
    inlined = re.findall(r'src="data:image/(?:png|webp);base64,', html)
    assert len(inlined) == len(figures) + shown_twice(html) > RUN_COUNT * 5
    assert 'src="results' not in html
    # Compact images (greyscale, palette, lossless WebP): the smoke report stays light
    # (2.62 MB with figures drawn 5 in wide with text a phone can read).
    size = (workdir / "results/report/index.html").stat().st_size
    assert size < 3.0e6, f"the smoke report is {size / 1e6:.2f} MB"
    # The summary table shows the same mean as summary.csv.
    import csv

    with open(workdir / "results/tables/summary.csv") as handle:
        first = next(csv.DictReader(handle))
    assert f"{float(first['test_mse_mean']):.4f}" in html
    # on Sample Patches neither the fully connected AE (a code of 4 values, against 3
    # for the colour) nor the denoising CNN beats each patch's own mean colour in two
    # epochs: the report names them and ranks them nowhere
    shown = unescape(html)
    assert (
        "These did not learn (a test MSE not clearly below their data set's baseline) and are "
        "left out of every ranking: ae_patches (z = 4) and cnn_dae (z = 64)." in shown
    )
    assert f"{RUN_COUNT - 2} of {RUN_COUNT} runs beat their data set's baseline clearly" in shown
    assert '<table class="cards dataframe compute">' in html and "Peak memory (MB)" in html
    # Every numbered figure and table is referred to from the text, numbered in
    # order, and every reference of the list is cited.
    labelled = re.findall(r'<(?:figure|table|div)[^>]* id="((?:fig|tab)-[^"]+)"', html)
    assert len(labelled) > RUN_COUNT
    assert [i for i in labelled if f'href="#{i}"' not in html] == []
    figures_numbered = re.findall(r'<span class="label">Figure (\d+)\.</span>', html)
    assert figures_numbered == [str(n) for n in range(1, len(figures_numbered) + 1)]
    # The list holds exactly the references cited, in the list's order, 1 to n.
    listed = re.findall(r'<li id="ref-([\w-]+)">', html)
    cited = set(re.findall(r'<a class="cite" href="#ref-([\w-]+)">', html))
    assert listed == [key for key in REFERENCES if key in cited]
    numbers = dict(re.findall(r'<a class="cite" href="#ref-([\w-]+)">(\d+)</a>', html))
    assert [numbers[key] for key in listed] == [str(n) for n in range(1, len(listed) + 1)]
    assert "[[" not in html and "[@" not in html
    # What study this is: its config, its commit, and that it is a smoke study.
    assert "config/smoke.yaml" in html and smoke_study[1].commit[:12] in html
    assert "Stand-in data" in html and "Short training" in html
    # The fully connected autoencoder beside the convolutional one, in the first
    # autoencoder's section, on the same test images.
    section = html[html.index('id="s4-ae"') : html.index('id="s4-cnn_ae"')]
    assert "A fully connected network on Sample Patches: ae_patches did not learn" in section
    assert 'id="fig-mlp-conv-ae_patches"' in section
    originals = [
        np.load(workdir / f"results/figures/{model}/z{z}/seed0/figure_data.npz")[
            "reconstructions.picture"
        ][:36]  # the first row of the grid: the test images (32 px and the padding)
        for model, z in (("ae_patches", 4), ("cnn_ae", 64), ("cnn_ae", 256))
    ]
    assert all(np.array_equal(originals[0], other) for other in originals[1:])
    # Against the latent size for the models of two sizes or more only; the same
    # test images reconstructed by the models of each dataset of two or more.
    assert 'id="fig-sweep-ae"' in html and 'id="fig-sweep-dae"' not in html
    compared = re.findall(r'<figure id="fig-comparison-([^"]+)"', html)
    assert compared == ["digits", "digits_without_1", "sample_patches"]
    assert re.findall(r'<h3 id="s5-\d+">5\.\d+ ([^<]+)</h3>', html)[:2] == [
        "Autoencoders",
        "Variational autoencoders",
    ]


@pytest.mark.workflow
def test_the_claims_block_tests_every_claim_of_the_study(smoke_study):
    """Section 4 lists each claim of the study file with its outcome and numbers; the
    abstract counts them; the counts agree with the list."""
    workdir, _ = smoke_study
    html = (workdir / "results/report/index.html").read_text(encoding="utf-8")
    claims = yaml.safe_load((workdir / "config/smoke.yaml").read_text())["claims"]
    block = unescape(html[html.index('id="s4-claims"') : html.index('id="s5"')])
    items = re.findall(r'<li class="claim (\w+)" id="claim-(\w+)">(.*?)</li>', block, re.S)
    assert sorted(name for _, name, _ in items) == sorted(claims)
    words = {"held": "Held", "not_held": "Did not hold", "undecided": "Undecided"}
    for outcome, _, text in items:
        assert f'<b class="outcome">{words[outcome]}</b>' in text
        assert "This study measured: " in text
    counts = [sum(outcome == key for outcome, _, _ in items) for key in words]
    sentence = (
        f"Of the study's {len(claims)} claims, {counts[0]} held, {counts[1]} did not hold "
        f"and {counts[2]} stayed undecided."
    )
    assert sentence in block
    abstract = unescape(html[html.index('id="abstract"') : html.index('id="tab-key"')])
    assert sentence in abstract
    assert 'href="#s4-claims"' in html  # in the contents
    assert "Smoke study found: the AE at z = 4 learns" in block


@pytest.mark.workflow
def test_architecture_tables_total_the_parameters_each_run_trained(smoke_study):
    workdir, _ = smoke_study
    html = (workdir / "results/report/index.html").read_text(encoding="utf-8")
    runs = pd.read_csv(workdir / "results/tables/metrics.csv")
    tables = re.findall(
        r'<table class="(?:cards )?layers" id="tab-architecture-(\w+)">(.*?)</table>', html, re.S
    )
    assert len(tables) >= 8  # one per distinct architecture of the smoke study
    for model, table in tables:
        footer = table[table.index("<tfoot>") :]
        totals = [
            int(n.replace(",", "")) for n in re.findall(r'<th class="num">([\d,]+)</th>', footer)
        ]
        trained = runs[runs["model"] == model].groupby("latent_dim")["params"].first()
        assert totals == trained.sort_index().tolist(), model
    # the heads named by the role their kind records
    assert "(mean head μ)" in html and "(log-variance head log σ²)" in html
    assert "(vector quantiser)" in html


@pytest.mark.workflow
def test_chinese_report_mirrors_the_course_headings(chinese_report):
    workdir, html, planned = chinese_report
    # The language is a setting of the report and the words on its figures: every
    # figure is planned again, nothing is trained, evaluated or tabulated again.
    assert "render_report" in planned and "plot_samples" in planned
    assert {rule for rule in planned if not rule.startswith("plot_")} == {"all", "render_report"}
    assert sum(rule.startswith("plot_") for rule in planned) == len(
        list((workdir / "results/figures").rglob("*.png"))
    )
    for heading in [
        "1. 研究问题的背景和动机",
        "2. 当前解决该问题的主要方法",
        "3. 实验部分：使用的模型、算法或方法",
        "4. 实验结果及分析",
        "5. 结论",
        "参考文献",
    ]:
        assert heading in html
    assert (
        'lang="zh-CN"' in html
        and f"{RUN_COUNT}次训练中有{RUN_COUNT - 2}次明显优于其数据集的基线" in html
    )
    assert "<td>Ada</td>" in html and "<td>42</td>" in html
    claims = re.findall(r'<li class="claim \w+" id="claim-\w+">(.*?)</li>', html, re.S)
    assert claims and all("本研究的测量：" in claim for claim in claims)
    assert re.search(r"本研究的\d+条结论中，\d+条成立，\d+条不成立，\d+条未定。", html)


IDEOGRAPHS = "\u3400-\u9fff"
CJK = IDEOGRAPHS + "\u3000-\u303f\uff00-\uffef"  # with full-width punctuation


def visible_text(html):
    """The text a reader sees, a line per element: no style sheet, no formulas, no
    attributes, no section numbers (a heading's "3.1 " keeps its space)."""
    html = re.sub(r"<(style|math)\b.*?</\1>", "\n", html, flags=re.S)
    text = re.sub(r"<[^>]+>", "\n", html)
    return re.sub(r"(?m)^\s*\d+(\.\d+)*\.? ", "", text)


@pytest.mark.workflow
def test_chinese_report_uses_chinese_punctuation(chinese_report):
    text = visible_text(chinese_report[1])
    # ASCII commas, stops, colons ... beside Chinese; brackets beside ideographs (a
    # formula's "N(0, I)" may end before a full-width comma)
    ascii_marks = re.findall(
        rf"[{CJK}][,.;:!?]|[,.;:!?][{CJK}]|[{IDEOGRAPHS}][()]|[()][{IDEOGRAPHS}]", text
    )
    assert ascii_marks == [], f"ASCII punctuation beside Chinese text: {ascii_marks[:10]}"
    # no space between a Chinese character and a number (not a name like cifar10)
    number = r"(?<![A-Za-z0-9_.-])[-+−]?\d+(?:\.\d+)?%?(?![A-Za-z0-9_])"  # not a hash
    spaced = re.findall(rf"[{CJK}] {number}|{number} [{CJK}]", text)
    assert spaced == [], f"spaces between Chinese and numbers: {spaced[:10]}"
    assert "，" in text and "：" in text and "图1" in text


def browser_check(html_path, screenshot):
    """Open a file in headless Chromium; return (images, broken images, outside requests)."""
    from playwright.sync_api import sync_playwright

    requests = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1200, "height": 1600})
        page.on("request", lambda request: requests.append(request.url))
        page.goto(Path(html_path).resolve().as_uri(), wait_until="load")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        page.wait_for_timeout(300)
        images = page.evaluate(
            "Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt])"
        )
        # figures scaled below half their drawn width (their text would be unreadable)
        shrunk = page.evaluate(
            """Array.from(document.images)
                 .filter(i => i.naturalWidth > 2 * i.getBoundingClientRect().width)
                 .map(i => [i.alt, i.naturalWidth, i.getBoundingClientRect().width])"""
        )
        # links to a figure, table or reference that is not there, and numbered
        # figures, tables and references that nothing links to
        unlinked = page.evaluate(
            """() => {
              const targets = new Set(Array.from(document.querySelectorAll('a[href^="#"]'))
                .map(a => a.getAttribute('href').slice(1)));
              const dangling = Array.from(targets).filter(id => !document.getElementById(id));
              const numbered = Array.from(document.querySelectorAll(
                'figure[id], [id^="tab-"], li[id^="ref-"]')).map(e => e.id);
              return [dangling, numbered.filter(id => !targets.has(id)), numbered.length];
            }"""
        )
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=False)
        browser.close()
    outside = [u for u in requests if not u.startswith(("file:", "data:"))]
    broken = [alt for complete, width, alt in images if not (complete and width > 0)]
    return images, broken, outside, unlinked, shrunk


@pytest.mark.workflow
@pytest.mark.needs_browser
@pytest.mark.parametrize("language", ["en", "zh"])
def test_report_opens_in_chromium_from_disk(smoke_study, request, language):
    workdir = smoke_study[0] if language == "en" else request.getfixturevalue("chinese_report")[0]
    page = workdir / "results/report/index.html"
    images, broken, outside, unlinked, shrunk = browser_check(
        page, ARTIFACTS / f"report-{language}.png"
    )
    html = page.read_text(encoding="utf-8")
    pngs = list((workdir / "results/figures").rglob("*.png"))
    assert len(images) == len(pngs) + shown_twice(html) and shown_twice(html) > 0
    assert broken == []
    assert outside == []
    dangling, never_referred_to, numbered = unlinked
    assert dangling == [] and never_referred_to == [] and numbered > RUN_COUNT
    assert shrunk == []
    assert (ARTIFACTS / f"report-{language}.png").stat().st_size > 10_000


def html_table(html):
    """(column headings, rows of cells) of a table pandas wrote."""
    headings = re.findall(r"<th>(.*?)</th>", html)
    rows = [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", html, re.S)]
    return headings, [dict(zip(headings, row, strict=True)) for row in rows if row]


def test_comparison_is_split_into_tables_of_the_models_that_have_their_metrics():
    from aestudy.report import downstream

    runs = [run("ae", 4, s, 0.02 + s * 0.001, probe_accuracy=0.7 + s * 0.1) for s in range(2)]
    runs += [
        run("vae", 4, s, 0.03, kind="vae", elbo=-100.0 - s, kl=10.0, iw_ll=-98.0, active_units=4.0)
        for s in range(2)
    ]
    summary = summarize(runs, {("mnist", 4): {"test_mse": 0.05}})
    tables = downstream.comparison_tables(summary, TEXT["downstream"])
    assert list(tables) == ["reconstruction", "generative", "representation"]
    h = TEXT["downstream"]["headers"]
    shown = {name: html_table(html) for name, html in tables.items()}
    # every model reconstructs; only the VAE has an ELBO, only the AE a probe accuracy
    models = {name: [row[h["model"]] for row in rows] for name, (_, rows) in shown.items()}
    assert models == {
        "reconstruction": ["ae", "vae"],
        "generative": ["vae"],
        "representation": ["ae"],
    }
    columns, (vae,) = shown["generative"]
    assert columns[3:] == [h[m] for m in ("elbo", "kl", "iw_ll", "active_units")]
    assert vae[h["active_units"]] == "4"  # the same count in every seed
    assert [r[h["pca_mse"]] for r in shown["reconstruction"][1]] == ["0.0500", "0.0500"]
    assert shown["representation"][1][0][h["probe_accuracy"]] == "0.750 ± 0.071"
    # no column is repeated, and each table stays narrow
    every = [c for columns, _ in shown.values() for c in columns[3:]]
    assert len(every) == len(set(every)) and all(len(c) <= 9 for c, _ in shown.values())
    # a study without a generative model has no generative table
    plain = summarize([r for r in runs if r["model"] == "ae"], {})
    assert list(downstream.comparison_tables(plain, TEXT["downstream"])) == [
        "reconstruction",
        "representation",
    ]


def test_identical_architecture_tables_are_shown_once_naming_every_model():
    specs = {
        "ae": model_spec("ae", dataset="mnist", latent_dims=[2, 4]),
        "dae": model_spec("dae", dataset="mnist", latent_dims=[4, 2]),  # the same layers
        "ae_small": model_spec("ae", dataset="mnist", latent_dims=[2]),  # other sizes
        "vae": model_spec("vae", dataset="mnist", latent_dims=[2, 4]),
    }
    tables = architectures(specs, architecture_records(specs, (1, 28, 28)), TEXT)
    assert tables["dae"] is tables["ae"]
    assert tables["ae"]["id"] == "tab-architecture-ae" and tables["ae"]["models"] == ["ae", "dae"]
    assert tables["ae"]["title"] == "Architecture of ae and dae, at each latent size"
    assert tables["ae_small"] is not tables["ae"] and tables["vae"] is not tables["ae"]
    assert tables["vae"]["title"] == "Architecture of vae, at each latent size"
    assert len({id(t) for t in tables.values()}) == 3


def test_a_missing_architecture_file_is_named_by_model_and_size():
    specs = {"ae": model_spec("ae", dataset="mnist", latent_dims=[2, 4])}
    records = architecture_records(specs, (1, 28, 28))
    with pytest.raises(StudyError, match=r"^model 'ae' has no architecture.json at latent size 4;"):
        architectures(specs, records[:1], TEXT)


def test_the_list_holds_the_cited_references_numbered_in_its_order():
    keys = list(REFERENCES)
    html = f"[@{keys[3]}] and [@{keys[1]}; @{keys[3]}]" + "".join(
        f'<li id="ref-{key}">x</li>' for key in keys
    )
    assert crossref.cited(html) == [keys[3], keys[1]]
    out = crossref.resolve(html, [keys[1], keys[3]], TEXT["numbering"])
    assert f'<a class="cite" href="#ref-{keys[1]}">1</a>' in out
    assert f'<a class="cite" href="#ref-{keys[3]}">2</a>' in out


FULL_WIDTH = "\u3000-\u303f\uff00-\uffef"


def test_chinese_words_have_no_space_after_full_width_punctuation():
    words = yaml.safe_load((REPO / "report/text/zh.yaml").read_text(encoding="utf-8"))

    def strings(node):
        if isinstance(node, dict):
            node = list(node.values())
        if isinstance(node, list):
            return [s for item in node for s in strings(item)]
        return [node] if isinstance(node, str) else []

    spaced = [s for s in strings(words) if re.search(rf"[{FULL_WIDTH}] ", s)]
    assert spaced == []
    comma = [s for s in strings(words) if re.search(rf"[{IDEOGRAPHS}], ?[{IDEOGRAPHS}]", s)]
    assert comma == []


def test_no_space_is_left_after_full_width_punctuation_across_inline_tags():
    from aestudy.report.html import FULL_WIDTH_THEN_SPACE

    html = '<span class="label">图1　</span> <b>损失曲线。</b> 每个 epoch。 <p>A. B</p>'
    assert FULL_WIDTH_THEN_SPACE.sub(r"\1\2", html) == (
        '<span class="label">图1　</span><b>损失曲线。</b>每个 epoch。<p>A. B</p>'
    )


def read_text(html):
    """The text a reader sees, inline tags (links, bold, labels) run together with
    their neighbours as on screen, other elements on lines of their own."""
    html = re.sub(r"<(style|math)\b.*?</\1>", "\n", html, flags=re.S)
    html = re.sub(r"</?(?:a|b|span|em|strong|sup)\b[^>]*>", "", html)
    return re.sub(r"<[^>]+>", "\n", html)


@pytest.mark.workflow
def test_chinese_report_typography(chinese_report):
    html = chinese_report[1]
    text = read_text(html)
    # lists joined by 、, and full-width punctuation with no space after it
    commas = re.findall(rf"[{IDEOGRAPHS}], ?[{IDEOGRAPHS}]", text)
    assert commas == [], f"ASCII commas between Chinese words: {commas[:10]}"
    spaced = re.findall(rf".{{0,6}}[{FULL_WIDTH}] +.{{0,6}}", text)
    assert spaced == [], f"spaces after full-width punctuation: {spaced[:10]}"
    # Chinese terms, the English one in brackets where it is kept; data sets by name
    assert "损失曲线" in text and "loss 曲线" not in text
    assert "迭代次数（epoch）" in text and "迭代次数 epoch" not in text
    assert "<td>Digits (1×28×28)</td>" in html and "<td>digits (" not in html
    # the glossary of the terms kept in English
    glossary = html[html.index('<section id="glossary">') : html.index('<section id="refs">')]
    assert "<h2>术语对照</h2>" in glossary and '<td lang="en">epoch</td>' in glossary
    assert glossary.count("<tr>") > 10


@pytest.mark.workflow
def test_text_a_user_writes_prints_as_written(smoke_study, tmp_path):
    """A student's name, a title and a claim's words are text: markup of ours
    ([@key], [[ref:id]]) or of HTML in them prints as written, and the report
    renders; only the report is redone."""
    workdir = tmp_path / "smoke"
    shutil.copytree(smoke_study[0], workdir, symlinks=True)
    study = yaml.safe_load((workdir / "config/smoke.yaml").read_text())
    name = "Ada L. [@ada] <b>bold</b> & [[ref:fig-x]]"
    title = "On [@kingma2013] & <i>codes</i>"
    says = "codes [@nobody; @kingma2013] <script>x</script> & more"
    study["report"] = {"name": name, "title": title}
    claim = next(iter(study["claims"]))
    study["claims"][claim]["says"] = says
    study["claims"][claim]["source"] = "Notes [[table:tab-x]]"
    (workdir / "text.yaml").write_text(yaml.safe_dump(study, allow_unicode=True))
    process = snakemake(workdir, "--cores", "2", "--configfile", "text.yaml")
    assert "rule train" not in process.stderr and "rule evaluate_run" not in process.stderr
    html = (workdir / "results/report/index.html").read_text(encoding="utf-8")
    (cell,) = re.findall(
        r'<table class="identity">.*?<tr><td>.*?</td><td>.*?</td><td>(.*?)</td>', html, re.S
    )
    assert unescape(cell) == name
    (heading,) = re.findall(r"<h1>(.*?)</h1>", html, re.S)
    assert unescape(heading) == title
    (item,) = re.findall(rf'<li class="claim \w+" id="claim-{claim}">(.*?)</li>', html, re.S)
    assert says in unescape(item) and "Notes [[table:tab-x]]" in unescape(item)
    assert "<script>x</script>" not in html and "<b>bold</b>" not in html
