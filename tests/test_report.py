"""The HTML report: architecture tables, computed analysis, both languages, and a
real browser opening the file."""

import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

from aestudy.kinds import build_model
from aestudy.report import findings
from aestudy.report.model_summary import layer_table
from aestudy.report.tables import records, summarize
from conftest import REPO, model_spec, snakemake

# The smoke study's runs: every kind, the course's three with two sizes and seeds.
RUN_COUNT = 20
WORDS = yaml.safe_load((REPO / "report/text/en.yaml").read_text(encoding="utf-8"))["findings"]

ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", REPO / "tests" / "artifacts"))


def test_architecture_table_is_the_course_reports():
    rows = layer_table(
        build_model(model_spec("cnn_ae"), (3, 32, 32), 256),
        (3, 32, 32),
    )
    assert rows == [
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
    runs += [run("ae", 7, s, 0.03) for s in range(2)]
    runs += [run("ae", 7, 2, None, status="diverged", diverged_epoch=12)]
    pca = {("mnist", z): {"test_mse": mse} for z, mse in ((2, 0.04), (4, 0.025), (7, 0.01))}
    summary = records(summarize(runs, pca))
    sentences = findings.model_findings(summary, WORDS)
    assert "latent size 4 reconstructs best" in sentences[0]
    assert "size 2 is worst (0.0510 ± 0.0010)" in sentences[0]
    assert "rises from size 4 (0.0200) to size 7 (0.0300)" in sentences[1]
    assert "better at size 4, −20 %" in sentences[2] and "worse at size 2, +28 %" in sentences[2]
    assert "size 7, +200 %" in sentences[2]
    (diverged,) = findings.divergence_findings(runs, WORDS)
    assert "latent size 7, seed 2 diverged at epoch 12" in diverged
    # Change the numbers and the text follows: now size 7 is best and the trend falls.
    runs = [dict(r, test_mse=0.001, status="ok") if r["latent_dim"] == 7 else r for r in runs]
    sentences = findings.model_findings(records(summarize(runs, pca)), WORDS)
    assert "latent size 7 reconstructs best" in sentences[0]
    assert "falls steadily as the latent size grows from 2 to 7" in sentences[1]
    assert findings.divergence_findings(runs, WORDS) == ["All 9 runs finished without diverging."]


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
    assert any("-100.50" in c for c in findings.conclusions(summary, runs, WORDS))


@pytest.fixture(scope="module")
def chinese_report(smoke_study, tmp_path_factory):
    """The smoke study's workflow run again with report.language: zh, in a copy of
    its folder: (folder, html, the jobs that ran)."""
    workdir = tmp_path_factory.mktemp("zh") / "smoke"
    shutil.copytree(smoke_study[0], workdir, symlinks=True)
    study = yaml.safe_load((workdir / "config/smoke.yaml").read_text())
    study["report"] = {"language": "zh", "name": "Ada", "student_id": "42"}
    (workdir / "zh.yaml").write_text(yaml.safe_dump(study, allow_unicode=True))
    process = snakemake(workdir, "--cores", "2", "--configfile", "zh.yaml")
    ran = [
        line.split("rule ")[1].rstrip(":")
        for line in process.stderr.splitlines()
        if line.startswith(("rule ", "localrule "))
    ]
    html = (workdir / "results/report/index.html").read_text(encoding="utf-8")
    return workdir, html, ran


@pytest.mark.workflow
def test_report_layout_and_numbers(smoke_study):
    workdir, _ = smoke_study
    html = (workdir / "results/report/index.html").read_text(encoding="utf-8")
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", html)
    assert headings == [
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
    assert html.count('src="data:image/png;base64,') == len(figures) > RUN_COUNT * 5
    assert 'src="results' not in html
    # The summary table shows the same mean as summary.csv.
    import csv

    with open(workdir / "results/tables/summary.csv") as handle:
        first = next(csv.DictReader(handle))
    assert f"{float(first['test_mse_mean']):.4f}" in html
    assert f"All {RUN_COUNT} runs finished without diverging." in html
    assert '<table class="dataframe compute">' in html and "Peak memory (MB)" in html


@pytest.mark.workflow
def test_chinese_report_mirrors_the_course_headings(chinese_report):
    _, html, ran = chinese_report
    # The language is a setting of the report and the words on its figures: they
    # are redrawn, nothing is trained, evaluated or tabulated again.
    assert "render_report" in ran and "plot_samples" in ran
    assert {rule for rule in ran if not rule.startswith("plot_")} == {"all", "render_report"}
    for heading in [
        "1. 研究问题的背景和动机",
        "2. 当前解决该问题的主要方法",
        "3. 实验部分:使用的模型、算法或方法",
        "4. 实验结果及分析",
        "5. 结论",
        "参考文献",
    ]:
        assert heading in html
    assert 'lang="zh-CN"' in html and f"全部 {RUN_COUNT} 次训练均未发散。" in html
    assert "<td>Ada</td>" in html and "<td>42</td>" in html


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
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=False)
        browser.close()
    outside = [u for u in requests if not u.startswith(("file:", "data:"))]
    broken = [alt for complete, width, alt in images if not (complete and width > 0)]
    return images, broken, outside


@pytest.mark.workflow
@pytest.mark.needs_browser
@pytest.mark.parametrize("language", ["en", "zh"])
def test_report_opens_in_chromium_from_disk(smoke_study, request, language):
    workdir = smoke_study[0] if language == "en" else request.getfixturevalue("chinese_report")[0]
    page = workdir / "results/report/index.html"
    images, broken, outside = browser_check(page, ARTIFACTS / f"report-{language}.png")
    assert len(images) == len(list((workdir / "results/figures").rglob("*.png")))
    assert broken == []
    assert outside == []
    assert (ARTIFACTS / f"report-{language}.png").stat().st_size > 10_000
