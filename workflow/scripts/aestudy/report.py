"""The HTML report in the course report's layout: one self-contained file.

Images are inlined as data URIs and the style sheet is embedded, so the file
opens from disk and asks nothing of the network. Headings and fixed prose come
from report/text/{language}.yaml; every statement of a result comes from
analysis.py, computed from the metrics.
"""

import base64
import re
from pathlib import Path

import jinja2
import yaml

from aestudy import RUN_FIGURES, analysis
from aestudy.architecture import layer_table
from aestudy.models import build_model, count_parameters
from aestudy.shapes import IMAGE_SHAPES
from aestudy.tables import compute_by_model, records, summary_display

FIGURE_PATH = re.compile(
    r"figures/(?P<model>[^/]+)/z(?P<latent_dim>\d+)/seed(?P<seed>\d+)/(?P<kind>\w+)\.png$"
)
RUN_FIGURE_ORDER = [*RUN_FIGURES, "manifold"]
WIDE_FIGURES = {"reconstructions", "interpolation", "samples", "manifold"}  # image grids
REFERENCES = [
    "Vincent, P., Larochelle, H., Bengio, Y., & Manzagol, P.-A. (2008). Extracting and composing "
    "robust features with denoising autoencoders. ICML, 1096–1103.",
    "Hinton, G. E., & Salakhutdinov, R. R. (2006). Reducing the dimensionality of data with "
    "neural networks. Science, 313(5786), 504–507.",
    "Rifai, S., Vincent, P., Muller, X., Glorot, X., & Bengio, Y. (2011). Contractive "
    "auto-encoders: explicit invariance during feature extraction. ICML, 833–840.",
    "Bengio, Y., Lamblin, P., Popovici, D., & Larochelle, H. (2007). Greedy layer-wise training "
    "of deep networks. NeurIPS, 153–160.",
    "Vincent, P., Larochelle, H., Lajoie, I., Bengio, Y., & Manzagol, P.-A. (2010). Stacked "
    "denoising autoencoders. JMLR, 11, 3371–3408.",
    "Kingma, D. P., & Welling, M. (2013). Auto-encoding variational Bayes. arXiv:1312.6114.",
    "Rezende, D. J., Mohamed, S., & Wierstra, D. (2014). Stochastic backpropagation and "
    "approximate inference in deep generative models. ICML.",
    "Higgins, I., et al. (2017). β-VAE: learning basic visual concepts with a constrained "
    "variational framework. ICLR.",
    "Burda, Y., Grosse, R., & Salakhutdinov, R. (2016). Importance weighted autoencoders. ICLR.",
]


def data_uri(path):
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def index_figures(paths):
    """{(model, latent_dim, seed): {kind: path}} from the per-run figure paths."""
    index = {}
    for path in paths:
        match = FIGURE_PATH.search(str(path))
        if match is None:
            raise ValueError(f"{path} is not a per-run figure path")
        key = (match["model"], int(match["latent_dim"]), int(match["seed"]))
        index.setdefault(key, {})[match["kind"]] = path
    return index


def model_section(name, spec, datasets, summary_rows, runs, figures, sweep_path, text, language):
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
        (names["epochs"], spec["epochs"]),
        (names["batch_size"], spec["batch_size"]),
        (names["optimizer"], spec["optimizer"]),
        (names["lr"], spec["lr"]),
        (names["weight_decay"], spec["weight_decay"]),
        (names["loss"], text["losses"][spec["kind"]]),
        *([(names["beta"], spec["beta"])] if spec["kind"] == "vae" else []),
        (names["device"], ", ".join(devices)),
    ]
    run_groups = []
    for z in dims:
        keys = sorted(k for k in figures if k[0] == name and k[1] == z)
        groups = [
            dict(
                heading=text["figures_of"].format(z=z, seed=key[2]),
                figures=[
                    dict(
                        name=text["figure_names"][kind],
                        caption=text["captions"][kind],
                        src=data_uri(figures[key][kind]),
                        wide=kind in WIDE_FIGURES,
                    )
                    for kind in RUN_FIGURE_ORDER
                    if kind in figures[key]
                ],
            )
            for key in keys
        ]
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
        findings=analysis.model_findings(summary_rows, language),
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


def render_report(*, summary, runs, compute, specs, datasets, figure_paths, sweep_paths, settings,
                  report_dir):  # fmt: skip
    """The report's HTML text. `sweep_paths` maps model names to their sweep figure."""
    language = settings["language"]
    report_dir = Path(report_dir)
    text = yaml.safe_load((report_dir / "text" / f"{language}.yaml").read_text(encoding="utf-8"))
    figures = index_figures(figure_paths)
    run_records = records(runs)
    sections = [
        model_section(
            name,
            spec,
            datasets,
            records(summary[summary["model"] == name]),
            run_records,
            figures,
            sweep_paths[name],
            text,
            language,
        )  # fmt: skip
        for name, spec in specs.items()
    ]
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(report_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return environment.get_template("template.html").render(
        lang="zh-CN" if language == "zh" else "en",
        t=text,
        title=settings["title"] or text["default_title"],
        info=settings,
        style=(report_dir / "style.css").read_text(encoding="utf-8"),
        generated=text["generated"].format(runs=len(runs)),
        summary_table=summary_table(summary, text),
        compute_table=compute_table(compute, text),
        divergence=analysis.divergence_findings(run_records, language),
        models=sections,
        conclusions=analysis.conclusions(records(summary), run_records, language),
        references=REFERENCES,
    )
