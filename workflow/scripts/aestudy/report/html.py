"""The HTML report in the course report's layout: one self-contained file.

Images are inlined as data URIs and the style sheet is embedded, so the file
opens from disk and asks nothing of the network. Every word comes from
report/text/{language}.yaml; every statement of a result from findings.py,
computed from the metrics.
"""

import base64
from pathlib import Path

import jinja2

from aestudy.data.formats import IMAGE_SHAPES
from aestudy.figures import ANOMALY_FIGURES
from aestudy.kinds import build_model, count_parameters, kind_of
from aestudy.report import downstream, findings
from aestudy.report.model_summary import layer_table
from aestudy.report.tables import compute_by_model, records, summary_display

WIDE_FIGURES = {"reconstructions", "interpolation", "samples", "manifold"}  # image grids
# The model settings the report lists, in order, where a model has them.
SETTINGS = ["epochs", "batch_size", "optimizer", "lr", "weight_decay", "beta"]


def data_uri(path):
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def model_section(name, spec, datasets, summary_rows, runs, run_figures, sweep_path, text):
    """One model's part of sections 3 and 4. `run_figures` lists the model's per-run
    figures as dicts: latent_dim, seed, figure, path."""
    image_shape = IMAGE_SHAPES[datasets[spec["dataset"]]["format"]]
    dims = sorted(spec["latent_dims"])
    layers = layer_table(build_model(spec, image_shape, dims[0]), image_shape)
    sizes = [f"z = {z}: {count_parameters(build_model(spec, image_shape, z)):,}" for z in dims]
    devices = sorted({r["device"] for r in runs if r["model"] == name})
    names = text["setting_names"]
    settings = [
        (names["dataset"], f"{spec['dataset']} ({'×'.join(map(str, image_shape))})"),
        (names["latent_dims"], ", ".join(map(str, dims))),
        (names["seeds"], ", ".join(map(str, spec["seeds"]))),
        *[(names[key], spec[key]) for key in SETTINGS if key in spec],
        (names["loss"], text["losses"][spec["kind"]]),
        (names["device"], ", ".join(devices)),
    ]
    # every figure a run of the kind may have, and those of runs on an anomaly dataset
    order = (*kind_of(spec).run_figures(1), *ANOMALY_FIGURES)
    run_groups = []
    for z in dims:
        seeds = sorted({f["seed"] for f in run_figures if f["latent_dim"] == z})
        groups = []
        for seed in seeds:
            drawn = {
                f["figure"]: f["path"]
                for f in run_figures
                if (f["latent_dim"], f["seed"]) == (z, seed)
            }
            figures = [
                dict(
                    name=text["figure_names"][figure],
                    caption=text["captions"][figure],
                    src=data_uri(drawn[figure]),
                    wide=figure in WIDE_FIGURES,
                )
                for figure in order
                if figure in drawn
            ]
            groups.append(dict(heading=text["figures_of"].format(z=z, seed=seed), figures=figures))
        if groups:
            run_groups.append(dict(first=groups[0], others=groups[1:]))
    return dict(
        name=name,
        kind_name=text["kind_names"][spec["kind"]],
        layers=[(layer, shape, f"{params:,}") for layer, shape, params in layers],
        total_params=f"{sum(p for _, _, p in layers):,}",
        latent_dim=dims[0],
        params_per_size=text["params_per_size"].format(sizes="; ".join(sizes)),
        settings=settings,
        findings=findings.model_findings(summary_rows, text["findings"]),
        sweep=dict(
            name=text["figure_names"]["latent_dim_sweep"],
            caption=text["captions"]["latent_dim_sweep"],
            src=data_uri(sweep_path),
        ),
        run_groups=run_groups,
    )


def summary_table(summary, text):
    """The summary table as HTML, from the same display table as summary.md."""
    display = summary_display(summary, text["table_headers"], text["diverged_short"])
    return display.to_html(index=False, classes="summary", border=0)


def compute_table(compute, text):
    """Training compute per model as HTML."""
    table = compute_by_model(compute).assign(
        hours=lambda t: t["hours"].map("{:.2f}".format),
        mean_seconds=lambda t: t["mean_seconds"].map("{:.1f}".format),
        max_rss_mb=lambda t: t["max_rss_mb"].map("{:.0f}".format),
    )
    headers = text["compute_headers"]
    return (
        table[list(headers)]
        .rename(columns=headers)
        .to_html(index=False, classes="compute", border=0)
    )


def downstream_section(summary, specs, roc_paths, run_figures, text):
    """Section 4's downstream tasks: the comparison, denoising, anomaly detection,
    generation."""
    words = text["downstream"]
    shown, without = downstream.generation_gallery(specs, run_figures)
    return dict(
        generation=[
            dict(
                name=text["figure_names"][figure],
                model=model,
                heading=words["generation_of"].format(model=model, latent_dim=latent_dim),
                src=data_uri(path),
            )
            for model, figure, latent_dim, path in shown
        ],
        no_prior=[words["no_prior"].format(model=model) for model in without],
        comparison=downstream.comparison_table(summary, words),
        denoising=downstream.denoising_table(summary, words),
        denoising_findings=downstream.denoising_findings(summary, specs, words),
        anomaly=downstream.anomaly_table(summary, words),
        anomaly_findings=downstream.anomaly_findings(summary, words),
        rocs=[
            dict(
                name=text["figure_names"]["roc"],
                caption=text["captions"]["roc"],
                dataset=dataset,
                src=data_uri(path),
            )
            for dataset, path in roc_paths.items()
        ],
    )


def render_report(
    *,
    summary,
    runs,
    compute,
    specs,
    datasets,
    run_figures,
    sweep_paths,
    roc_paths,
    settings,
    text,
    template,
    style,
):
    """The report's HTML text. `run_figures`: every per-run figure as a dict (model,
    latent_dim, seed, figure, path); `sweep_paths`: each model's sweep figure;
    `roc_paths`: {dataset: its ROC figure}, for the datasets made for anomaly
    detection; `text`: the words of the report's language; `template`, `style`:
    their files."""
    run_records = records(runs)
    sections = [
        model_section(
            name,
            spec,
            datasets,
            records(summary[summary["model"] == name]),
            run_records,
            [f for f in run_figures if f["model"] == name],
            sweep_paths[name],
            text,
        )
        for name, spec in specs.items()
    ]
    template = Path(template)
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template.parent),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return environment.get_template(template.name).render(
        lang="zh-CN" if settings["language"] == "zh" else "en",
        t=text,
        title=settings["title"] or text["default_title"],
        info=settings,
        style=Path(style).read_text(encoding="utf-8"),
        generated=text["generated"].format(runs=len(runs)),
        summary_table=summary_table(summary, text),
        compute_table=compute_table(compute, text),
        divergence=findings.divergence_findings(run_records, text["findings"]),
        models=sections,
        downstream=downstream_section(summary, specs, roc_paths, run_figures, text),
        conclusions=findings.conclusions(records(summary), run_records, text["findings"]),
        references=text["reference_list"],
    )
