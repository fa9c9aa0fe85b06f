"""The HTML report in the course report's layout: one self-contained file.

Images are inlined as data URIs and the style sheet is embedded, so the file
opens from disk and asks nothing of the network. Every word comes from
report/text/{language}.yaml; every statement of a result from findings.py,
computed from the metrics.
"""

import base64
import functools
import io
import re
import string
from pathlib import Path

import jinja2
from PIL import Image

from aestudy import StudyError
from aestudy.data.formats import IMAGE_SHAPES
from aestudy.figures import ANOMALY_FIGURES
from aestudy.kinds import kind_of
from aestudy.report import crossref, downstream, findings, headline
from aestudy.report.captions import filled_captions
from aestudy.report.claim_outcomes import claim_outcomes, outcome_counts
from aestudy.report.crossref import as_text, refer
from aestudy.report.dead_units import dead_unit_findings
from aestudy.report.discussion import discussion
from aestudy.report.figure_reading import figure_sentences
from aestudy.report.framing import SHORT_TRAINING_EPOCHS, study_framing
from aestudy.report.table_cells import phone_tables
from aestudy.report.tables import compute_by_model, duration, number, records, summary_display
from aestudy.report.verdicts import LEARNED_BELOW, run_verdict

# Full-width punctuation (Chinese) carries its own space: a space after it, also
# across the inline tags beside it ("。</b> 说明"), is one too many.
FULL_WIDTH_THEN_SPACE = re.compile(
    r"([\u3000-\u303f\uff00-\uffef])((?:</?(?:a|b|span)\b[^>]*>)*) +"
)
# The model settings the report lists, in order, where a model has them.
SETTINGS = [
    *["epochs", "batch_size", "optimizer", "lr", "weight_decay", "beta"],
    *["contraction_weight", "codebook_size", "commitment"],
]


def method_details(evaluation, baselines, text):
    """Section 3's paragraph on how every run is judged, from the config that ran:
    the fixed corrupted test set, the probes and the sanity baselines."""
    words = text["methods"]
    train_sizes = sorted({b["probe_train_images"] for b in baselines.values()})
    return text["sentence_gap"].join(
        [
            words["baselines"].format(
                margin=round(100 * (1 - LEARNED_BELOW)),
                yardsticks=text["findings"]["list_parts"].join(
                    words["yardstick_of"].format(
                        dataset=dataset_name(name, text),
                        mean=number(b["mean_mse"]),
                        colour=number(b["colour_mse"]),
                    )
                    for name, b in sorted(baselines.items())
                ),
            ),
            words["probes"].format(
                n=evaluation["probe_train_size"],
                used=findings.listing([str(n) for n in train_sizes], text["findings"]),
            ),
            words["denoising"].format(
                corruption=findings.corruption(evaluation["denoising"], words["corruption"])
            ),
            text["figure_reading"]["measures"],
        ]
    )


def data_settings(baseline, names, words):
    """The rows of a model's settings table on its data: image counts, and for a
    data set made for anomaly detection its normal and anomalous classes."""
    if not baseline:
        return []
    rows = [
        (
            names["images"],
            words["images"].format(
                train=baseline["train_images"],
                validation=baseline["validation_images"],
                test=baseline["test_images"],
            )
            if baseline["validation_images"]
            else words["images_no_validation"].format(
                train=baseline["train_images"], test=baseline["test_images"]
            ),
        )
    ]
    if "normal_classes" in baseline:
        rows.append(
            (
                names["anomaly_classes"],
                words["anomaly_classes"].format(
                    normal=", ".join(map(str, baseline["normal_classes"])),
                    anomalous=", ".join(map(str, baseline["anomalous_classes"])),
                ),
            )
        )
    return rows


@functools.cache  # the generation gallery shows some figures a second time
def data_uri(path):
    """The figure as a data URI: its PNG, or the same pixels as lossless WebP when
    that is smaller (about a fifth smaller for most figures, nothing lost)."""
    png = Path(path).read_bytes()
    image = Image.open(io.BytesIO(png))
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    webp = io.BytesIO()
    image.save(webp, "WEBP", lossless=True, quality=100, method=4)
    kind, data = ("webp", webp.getvalue()) if webp.tell() < len(png) else ("png", png)
    return f"data:image/{kind};base64," + base64.b64encode(data).decode("ascii")


def dataset_name(name, text):
    """A data set as prose names it (MNIST, CIFAR-10); a study's own name as written."""
    return text["dataset_names"].get(name, name)


def join_list(items, text):
    """Values listed in a cell or a sentence ('2, 4'; '2、4' in Chinese)."""
    return text["findings"]["list_comma"].join(map(str, items))


def _figure_list(targets, text):
    """'Figure 3', 'Figure 3 and Figure 4' or 'Table 1, Table 2 and Table 3' as
    references."""
    return findings.listing([refer(t) for t in targets], text["findings"])


def layer_table_per_size(tables):
    """One table for all latent sizes of a model from {latent size: its recorded
    layer rows (architecture.json)}: [(layer, role, output shapes, {latent size:
    parameters})]; a layer's shape is given once where every size has it, otherwise
    per size ("[-1, 2] / [-1, 4]")."""
    dims = sorted(tables)
    first = tables[dims[0]]
    if any(len(t) != len(first) for t in tables.values()):
        raise ValueError("the latent sizes of one model build different layer stacks")
    rows = []
    for i, row in enumerate(first):
        shapes = list(dict.fromkeys(tables[z][i]["output_shape"] for z in dims))
        params = {z: tables[z][i]["params"] for z in dims}
        rows.append((row["layer"], row["role"], " / ".join(shapes), params))
    return rows


def _architecture(tables, text):
    """The layer table of every latent size of a model, heads named by their role."""
    dims = sorted(tables)
    rows = layer_table_per_size(tables)
    roles = text["layer_roles"]
    return dict(
        dims=dims,
        rows=[
            (
                text["layer_with_role"].format(layer=layer, role=roles[role]) if role else layer,
                shapes,
                [f"{params[z]:,}" for z in dims],
            )
            for layer, role, shapes, params in rows
        ],
        totals=[f"{sum(params[z] for *_, params in rows):,}" for z in dims],
    )


def _run_heading(name, z, seed, runs, baseline, text):
    """A run's figure heading, marked when the run did not learn."""
    heading = text["figures_of"].format(model=name, z=z, seed=seed)
    run = next(
        (r for r in runs if (r["model"], r["latent_dim"], r["seed"]) == (name, z, seed)), None
    )
    mean, named = findings.yardstick(baseline, text["findings"])
    if run and run_verdict(run["status"], run["test_mse"], mean) == "did_not_learn":
        heading += text["run_not_learned"].format(
            mse=number(run["test_mse"]), mean=number(mean), yardstick=named
        )
    return heading


def architectures(specs, recorded, text):
    """{model: its architecture table}, from `recorded`: the architecture.json
    records of a run of each (model, latent size). Models whose tables are identical
    (the same layers, shapes and parameters at the same latent sizes) share one,
    shown in the first one's section, its title naming them all."""
    layers = {(r["model"], r["latent_dim"]): r["layers"] for r in recorded}
    shared, tables = {}, {}
    for name, spec in specs.items():
        missing = [z for z in spec["latent_dims"] if (name, z) not in layers]
        if missing:
            raise StudyError(
                f"model '{name}' has no architecture.json at latent size {missing[0]}; "
                "expected one from a run of each of its latent sizes."
            )
        table = _architecture({z: layers[(name, z)] for z in spec["latent_dims"]}, text)
        same = shared.setdefault(repr(table), dict(table, id=f"tab-architecture-{name}", models=[]))
        same["models"].append(name)
        tables[name] = same
    for table in shared.values():
        table["title"] = text["architecture"].format(
            model=findings.listing(table["models"], text["findings"])
        )
    return tables


def model_section(
    name,
    spec,
    datasets,
    summary_rows,
    runs,
    run_figures,
    sweep_path,
    text,
    histories,
    architecture,
    baseline=None,
):
    """One model's part of sections 3 and 4. `run_figures` lists the model's per-run
    figures as dicts: latent_dim, seed, figure, path; `sweep_path` its latent-size
    sweep (None for a model of one latent size); `histories` its runs' loss
    histories by (latent size, seed); `architecture` its table (of `architectures`),
    shown here if the model is the first it serves; `baseline` its data set's sanity
    baselines."""
    baseline = baseline or {}
    image_shape = IMAGE_SHAPES[datasets[spec["dataset"]]["format"]]
    dims = sorted(spec["latent_dims"])
    devices = sorted({r["device"] for r in runs if r["model"] == name})
    names = text["setting_names"]
    settings = [
        (
            names["dataset"],
            f"{dataset_name(spec['dataset'], text)} ({'×'.join(map(str, image_shape))})",
        ),
        (names["latent_dims"], join_list(dims, text)),
        (names["seeds"], join_list(spec["seeds"], text)),
        *data_settings(baseline, names, text["methods"]),
        *[
            (names[key], text["optimizer_names"][spec[key]] if key == "optimizer" else spec[key])
            for key in SETTINGS
            if key in spec
        ],
        *(
            [(names["noise"], findings.corruption(spec["noise"], text["methods"]["corruption"]))]
            if "noise" in spec
            else []
        ),
        (names["loss"], text["losses"][kind_of(spec).loss_key(spec)].format(**spec)),
        (names["device"], join_list(devices, text)),
    ]
    # every figure a run of the kind may have, and those of runs on an anomaly dataset
    order = (*kind_of(spec).run_figures(1), *(f.name for f in ANOMALY_FIGURES))
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
            panels = [
                dict(
                    letter=letter,
                    name=text["figure_names"][figure],
                    caption=text["captions"][figure],
                    src=data_uri(drawn[figure]),
                )
                for letter, figure in zip(
                    string.ascii_lowercase, [f for f in order if f in drawn], strict=False
                )
            ]
            groups.append(
                dict(
                    id=f"fig-{name}-z{z}-seed{seed}",
                    heading=_run_heading(name, z, seed, runs, baseline, text),
                    figures=panels,
                )
            )
        if groups:
            run_groups.append(
                dict(
                    first=groups[0],
                    others=groups[1:],
                    others_refs=_figure_list([g["id"] for g in groups[1:]], text)
                    if groups[1:]
                    else "",
                )
            )
    sweep_id = f"fig-sweep-{name}"
    run_ids = [g["first"]["id"] for g in run_groups]
    return dict(
        name=name,
        kind_name=text["kind_names"][spec["kind"]],
        architecture=architecture,
        shows_architecture=architecture["models"][0] == name,
        settings_id=f"tab-settings-{name}",
        intro=text["s3_model_text"].format(
            model=name,
            architecture=refer(architecture["id"]),
            settings=refer(f"tab-settings-{name}"),
            cite=text["kind_citations"].get(spec["kind"], ""),
        ),
        settings=settings,
        findings_intro=text["s4_model_text" if sweep_path else "s4_model_text_one_size"].format(
            model=name,
            sweep=refer(sweep_id),
            runs=_figure_list(run_ids, text) if run_ids else "–",
        ),
        findings=[
            *findings.model_findings(
                summary_rows, text["findings"], histories, SHORT_TRAINING_EPOCHS
            ),
            *dead_unit_findings([r for r in runs if r["model"] == name], text["findings"]),
            *figure_sentences(summary_rows, text["figure_reading"], text["findings"]),
        ],
        sweep=dict(
            id=sweep_id,
            name=text["figure_names"]["latent_dim_sweep"],
            caption=text["captions"]["latent_dim_sweep"],
            src=data_uri(sweep_path),
        )
        if sweep_path
        else None,
        run_groups=run_groups,
    )


def explain_once(sections, words):
    """The explanation of a test loss below the train loss stays with the first
    model it is needed for; later models refer back to it."""
    explanation, first = words["test_below_train"], None
    for section in sections:
        if first is None:
            if any(explanation in s for s in section["findings"]):
                first = section["name"]
            continue
        again = words["test_below_train_again"].format(model=first)
        section["findings"] = [s.replace(explanation, again) for s in section["findings"]]


def summary_table(summary, text):
    """The summary table as HTML, from the same display table as summary.md."""
    display = summary_display(summary, text["table_headers"], text["run_outcomes"])
    return display.to_html(index=False, classes="summary", border=0)


def compute_table(compute, text):
    """Training compute per model as HTML."""
    table = compute_by_model(compute).assign(
        total_seconds=lambda t: t["total_seconds"].map(lambda s: duration(s, text["durations"])),
        mean_seconds=lambda t: t["mean_seconds"].map("{:.1f}".format),
        max_rss_mb=lambda t: t["max_rss_mb"].map("{:.0f}".format),
        devices=lambda t: t["devices"].map(lambda devices: join_list(devices, text)),
    )
    headers = text["compute_headers"]
    return (
        table[list(headers)]
        .rename(columns=headers)
        .to_html(index=False, classes="compute", border=0)
    )


def dataset_figures(figure, paths, text):
    """A figure of every model on a dataset, for each dataset of `paths` ({dataset:
    file}), as the template shows it."""
    return [
        dict(
            id=f"fig-{figure}-{dataset}",
            name=text["figure_names"][figure],
            caption=text["captions"][figure],
            dataset=dataset_name(dataset, text),
            src=data_uri(path),
        )
        for dataset, path in paths.items()
    ]


def downstream_section(summary, specs, roc_paths, comparison_paths, run_figures, text):
    """Section 4's downstream tasks: the comparison (with the figures of the same
    test images reconstructed by each model of a dataset), denoising, anomaly
    detection, generation."""
    words = text["downstream"]
    shown, without = downstream.generation_gallery(specs, run_figures)
    rocs = dataset_figures("roc", roc_paths, text)
    comparisons = dataset_figures("comparison", comparison_paths, text)
    comparison = [
        dict(id=f"tab-{name}", title=words["comparison_titles"][name], html=html)
        for name, html in downstream.comparison_tables(summary, words).items()
    ]
    return dict(
        generation=[
            dict(
                letter=letter,
                name=text["figure_names"][figure],
                model=model,
                heading=words["generation_of"].format(model=model, latent_dim=latent_dim),
                src=data_uri(path),
            )
            for letter, (model, figure, latent_dim, path) in zip(
                string.ascii_lowercase, shown, strict=False
            )
        ],
        generation_intro=words["generation_shown"].format(figure=refer("fig-generation"))
        if shown
        else "",
        no_prior=[words["no_prior"].format(model=model) for model in without],
        comparison=comparison,
        intro=words["text"].format(
            tables=_figure_list([table["id"] for table in comparison], text)
        ),
        comparisons=comparisons,
        comparison_intro=words["comparison_shown"].format(
            figures=_figure_list([f["id"] for f in comparisons], text)
        )
        if comparisons
        else "",
        denoising=downstream.denoising_table(summary, words),
        denoising_findings=downstream.denoising_findings(summary, specs, words),
        anomaly=downstream.anomaly_table(summary, words),
        anomaly_findings=downstream.anomaly_findings(summary, words, text["sentence_gap"]),
        rocs=rocs,
        roc_intro=words["roc_shown"].format(figures=_figure_list([f["id"] for f in rocs], text))
        if rocs
        else "",
    )


def mlp_conv_limitations(summary, specs, run_figures, text):
    """The limitations paragraph of the study's first fully connected autoencoder:
    its kind against the convolutional one on the same images, in numbers and with
    their reconstructions side by side. ({model: [(sentence, figure or None)]})."""
    mlps = findings.plain_autoencoders(specs, "mlp")
    if not mlps:
        return {}
    words = text["findings"]
    paragraph = []
    for sentence, (mlp, mlp_z), (conv, conv_z) in findings.mlp_against_conv(summary, specs, words):
        drawn = {
            (f["model"], f["seed"]): f["path"]
            for f in run_figures
            if f["figure"] == "reconstructions"
            and (f["model"], f["latent_dim"]) in {(mlp, mlp_z), (conv, conv_z)}
        }
        seeds = sorted({s for m, s in drawn if m == mlp} & {s for m, s in drawn if m == conv})
        if not seeds:
            paragraph.append((sentence, None))
            continue
        seed = seeds[0]
        figure_id = f"fig-mlp-conv-{mlp}"
        figure = dict(
            id=figure_id,
            heading=words["mlp_conv_figure"].format(mlp=mlp, conv=conv, seed=seed),
            caption=text["captions"]["reconstructions"],
            panels=[
                dict(
                    letter=letter,
                    heading=text["figures_of"].format(model=model, z=z, seed=seed),
                    src=data_uri(drawn[(model, seed)]),
                )
                for letter, (model, z) in zip("ab", [(mlp, mlp_z), (conv, conv_z)], strict=True)
            ],
        )
        shown = words["mlp_conv_shown"].format(figure=refer(figure_id))
        paragraph.append((f"{sentence}{text['sentence_gap']}{shown}", figure))
    return {mlps[0]: paragraph} if paragraph else {}


def claims_section(claims, summary, left_out, text, language):
    """The tested claims as the template shows them (empty without claims): the
    counts of each outcome in one sentence, and each claim with its numbers."""
    if not claims:
        return {}
    words = text["claims"]
    outcomes = claim_outcomes(claims, summary, left_out, words, language, text["findings"])
    return dict(
        counts=words["counts"].format(n=len(outcomes), **outcome_counts(outcomes)),
        items=outcomes,
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
    comparison_paths=None,
    text,
    references,
    template,
    style,
    run_records=(),
    architecture_records=(),
    histories=None,
    config_files=(),
    baselines=None,
    evaluation=None,
    figure_settings=None,
    claims=None,
    left_out=(),
):
    """The report's HTML text. `run_figures`: every per-run figure as a dict (model,
    latent_dim, seed, figure, path); `sweep_paths`: the sweep figure of each model
    trained at more than one latent size; `roc_paths`: {dataset: its ROC figure},
    for the datasets made for anomaly detection; `comparison_paths`: {dataset: the
    figure of its models' reconstructions side by side}; `text`: the words of the report's language; `references`: {key:
    entry} in the list's order; `run_records`: every run's metrics.json;
    `architecture_records`: the architecture.json of a run of each (model, latent
    size);
    `histories`: {(model, latent size, seed): [(epoch, train loss, test loss)]};
    `template`, `style`: their files; `figure_settings`: the config's `figures`
    block, which the captions name (the defaults where not given); `claims`: the
    config's claims, tested here; `left_out`: the models the study declares but did
    not run (config key leave_out)."""
    text = dict(text, captions=filled_captions(text, figure_settings))
    run_records_table = records(runs)
    histories = histories or {}
    baselines = baselines or {}
    layers = architectures(specs, architecture_records, text)
    # the tables' and downstream sentences' summary, data sets by their proper names
    shown = summary.assign(dataset=summary["dataset"].map(lambda name: dataset_name(name, text)))
    named_specs = {m: dict(s, dataset=dataset_name(s["dataset"], text)) for m, s in specs.items()}
    sections = [
        model_section(
            name,
            spec,
            datasets,
            records(shown[shown["model"] == name]),
            run_records_table,
            [f for f in run_figures if f["model"] == name],
            sweep_paths.get(name),
            text,
            {(z, seed): h for (m, z, seed), h in histories.items() if m == name},
            layers[name],
            baselines.get(spec["dataset"]),
        )
        for name, spec in specs.items()
    ]
    limitations = mlp_conv_limitations(records(shown), named_specs, run_figures, text)
    for section in sections:
        section["limitations"] = limitations.get(section["name"], [])
    explain_once(sections, text["findings"])
    template = Path(template)
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template.parent),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    words = text["findings"]
    conclusions = [
        dict(
            heading=text["conclusion_headings"][family],
            findings=found,
            limitations=limits,
        )
        for family, found, limits in findings.conclusions(
            records(shown),
            run_records_table,
            named_specs,
            words,
            SHORT_TRAINING_EPOCHS,
            dict(
                settings=text["setting_names"],
                corruption=text["methods"]["corruption"],
            ),
        )
    ]
    tested = claims_section(claims or {}, records(summary), left_out, text, settings["language"])
    abstract = headline.abstract(
        records(shown), run_records_table, specs, text["headline"], words, refer("tab-key")
    )
    page = dict(
        lang="zh-CN" if settings["language"] == "zh" else "en",
        t=text,
        title=as_text(settings["title"]) if settings["title"] else text["default_title"],
        info={k: as_text(v) if isinstance(v, str) else v for k, v in settings.items()},
        style=Path(style).read_text(encoding="utf-8"),
        generated=text["generated"].format(runs=len(runs)),
        methods=method_details(evaluation, baselines, text) if evaluation and baselines else "",
        abstract=[*abstract, tested["counts"]] if tested else abstract,
        claims=tested,
        key_table=headline.key_table(records(shown), specs, text["headline"]),
        framing=study_framing(
            list(run_records),
            compute,
            list(config_files),
            specs,
            datasets,
            text["framing"],
            text["findings"]["list_comma"],
            text["dataset_names"],
            left_out=left_out,
        ),
        summary_table=summary_table(shown, text),
        compute_table=compute_table(compute, text),
        divergence=findings.divergence_findings(run_records_table, words, records(summary)),
        models=sections,
        downstream=downstream_section(
            shown, specs, roc_paths, comparison_paths or {}, run_figures, text
        ),
        conclusions=conclusions,
        discussion=discussion(
            records(summary),
            specs,
            text["discussion"],
            words,
            lambda name: dataset_name(name, text),
        ),
    )
    # The list holds the references the page cites, in the list's order.
    render = environment.get_template(template.name).render
    cited = set(crossref.cited(render(page, references=list(references.items()))))
    listed = [(key, entry) for key, entry in references.items() if key in cited]
    html = render(page, references=listed)
    html = crossref.resolve(html, [key for key, _ in listed], text["numbering"])
    return phone_tables(FULL_WIDTH_THEN_SPACE.sub(r"\1\2", html))
