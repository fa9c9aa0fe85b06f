"""The contract every model kind keeps with the rest of the pipeline. A new kind
(a package in workflow/scripts/aestudy/kinds/) is checked here without a line
added: it is found by the registry, and must be complete."""

import dataclasses

import pytest
import torch
import yaml

from aestudy import StudyError
from aestudy.config import load_schema
from aestudy.data.formats import IMAGE_SHAPES
from aestudy.evaluation import comparison_tables
from aestudy.evaluation.metrics import evaluate_model
from aestudy.kinds import (
    COMMON_METRICS,
    KINDS,
    build_model,
    count_parameters,
    figure_kinds,
    kind_of,
    metric_names,
)
from aestudy.kinds.model_summary import architecture
from aestudy.report.captions import filled_captions
from conftest import REPO, model_spec


def test_the_registry_and_the_schema_know_the_same_kinds():
    schema = load_schema()
    assert set(schema["$defs"]["model"]["properties"]["kind"]["enum"]) == set(KINDS)
    assert all(name in schema["$defs"] for name in KINDS)
    assert {"ae", "cnn_ae", "vae"} <= set(KINDS)


@pytest.fixture(params=sorted(KINDS))
def built(request):
    """A kind's model with its schema defaults, on its default dataset's shape."""
    spec = model_spec(request.param)
    shape = IMAGE_SHAPES[spec["dataset"]]
    latent_dim = spec["latent_dims"][0]
    torch.manual_seed(0)
    return spec, shape, latent_dim, build_model(spec, shape, latent_dim)


def test_a_kind_accepts_its_default_latent_size(built):
    spec, shape, latent_dim, _ = built
    assert kind_of(spec).check_latent_dim(spec, shape, latent_dim) is None


def test_a_kinds_model_answers_what_the_pipeline_asks(built):
    spec, shape, latent_dim, model = built
    x, y = torch.rand(4, *shape), torch.tensor([0, 1, 2, 1])  # images and their classes
    assert model.code(x, y).shape == (4, latent_dim)
    assert model.decode(model.code(x, y), y).shape == x.shape
    recon = model.reconstruct(x, y)
    assert recon.shape == x.shape and 0 <= recon.min() and recon.max() <= 1
    # The deterministic code and reconstruction: the same twice.
    assert torch.equal(model.code(x, y), model.code(x, y))
    loss, recorded = model.loss(x, model(x, y))
    assert loss.ndim == recorded.ndim == 0 and torch.isfinite(loss) and loss.requires_grad
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())


def test_a_kinds_metrics_are_the_ones_it_declares(built):
    """Each declared metric is reported: per image, or (active units, codebook
    perplexity) from a term per image and dimension summarised over the test set."""
    spec, shape, _, model = built
    x, y = torch.rand(6, *shape), torch.tensor([0, 1, 2, 3, 4, 5])
    noise = dict(type="gaussian", factor=0.5, drop_fraction=0.5, seed=0)
    metrics, per_image = evaluate_model(
        model, x, seed=0, iw_samples=3, batch_size=4, denoising=noise, labels=y
    )
    assert [m for m in metrics if not isinstance(metrics[m], list)] == metric_names()
    declared = {*(m.name for m in COMMON_METRICS), *kind_of(spec).metric_names}
    assert {k for k, v in metrics.items() if v is not None and k in metric_names()} == declared
    scalars = {k for k, v in per_image.items() if v.ndim == 1}
    assert scalars <= declared and all(len(v) == 6 for v in per_image.values())
    profiles = {k for k, v in per_image.items() if v.ndim == 2}
    assert all(isinstance(metrics[k], list) for k in profiles)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_kind_has_its_words(language):
    words = yaml.safe_load((REPO / f"report/text/{language}.yaml").read_text(encoding="utf-8"))
    for name, kind in KINDS.items():
        assert words["kind_names"][name]
        for spec in kind_specs(name):
            # the loss's words, formatted with the model's settings
            loss = kind.loss_key(spec)
            assert words["losses"][loss].format(**spec) and "{" not in words["losses"][loss].format(
                **spec
            )
            assert words["figure_words"]["loss_curve"]["ylabel"][loss]
        assert all(words["layer_roles"][role] for role in kind.layers.values())
    # every figure kind, the kinds' own included, is named, captioned and has its words
    for name in figure_kinds():
        assert words["figure_names"][name] and words["figure_words"][name]
    assert set(filled_captions(words)) >= set(figure_kinds())
    # every metric the comparison tables show has its heading
    for metrics in comparison_tables().values():
        assert all(words["downstream"]["headers"][m] for m in metrics)


def kind_specs(name):
    """A kind's default spec, and one for each value of each of its settings that
    takes one of a list (the VQ-VAE's codebook update changes its loss's words)."""
    settings = load_schema()["$defs"][name]["properties"]
    choices = [
        (key, value) for key, s in settings.items() if key != "kind" for value in s.get("enum", ())
    ]
    return [model_spec(name), *(model_spec(name, **{key: value}) for key, value in choices)]


def test_the_loss_words_name_the_settings_that_ran():
    words = yaml.safe_load((REPO / "report/text/en.yaml").read_text(encoding="utf-8"))
    for commitment, update in ((0.25, "loss"), (0.5, "ema")):
        spec = model_spec("vq_vae", commitment=commitment, codebook_update=update)
        loss = words["losses"][kind_of(spec).loss_key(spec)].format(**spec)
        assert f"{commitment:g} · commitment loss" in loss
        assert ("codebook loss" in loss) == (update == "loss")


def test_a_caption_names_the_setting_that_ran():
    words = yaml.safe_load((REPO / "report/text/en.yaml").read_text(encoding="utf-8"))
    assert "from −3 to +3 around" in filled_captions(words)["traversal"]
    settings = {"traversal": {"limit": 2.5}}
    assert "from −2.5 to +2.5 around" in filled_captions(words, settings)["traversal"]
    assert "dashed: 0.01 nats" in filled_captions(words)["kl_per_dimension"]


@pytest.mark.parametrize(
    "change, named",
    [
        (dict(family="gan"), "family 'gan'; expected one of ae, vae, regularised_ae, vae_variant"),
        (dict(generation="magic"), "generation 'magic'"),
        (dict(metrics=("code_length",)), "lists the metric 'code_length'; expected a Metric"),
    ],
)
def test_a_kind_with_a_wrong_fact_stops_with_one_sentence(change, named):
    with pytest.raises(ValueError) as stopped:
        dataclasses.replace(KINDS["ae"], **change)
    assert named in str(stopped.value)


def test_two_declarations_of_one_figure_kind_are_refused(monkeypatch):
    from aestudy import kinds
    from aestudy.figures import FigureKind

    other = FigureKind("samples", "data", settings={})
    monkeypatch.setitem(kinds.KINDS, "ae", dataclasses.replace(KINDS["ae"], figures=(other,)))
    with pytest.raises(ValueError) as stopped:
        figure_kinds()
    assert "'samples' that another kind or the study declares differently" in str(stopped.value)


def test_a_kinds_architecture_names_its_layers_by_role_and_counts_every_parameter(built):
    spec, shape, _, model = built
    before = torch.get_rng_state()
    rows = architecture(kind_of(spec), model, shape)
    # measured in the training job before training: it must not move the seeded stream
    assert torch.equal(torch.get_rng_state(), before)
    assert {r["attribute"]: r["role"] for r in rows if r["role"]} == kind_of(spec).layers
    assert sum(r["params"] for r in rows) == count_parameters(model)


def test_a_kind_naming_a_layer_its_model_lacks_stops_the_job():
    spec = model_spec("vae")
    kind = dataclasses.replace(kind_of(spec), layers={"fc_mu": "mean_head"})
    model = build_model(spec, (1, 28, 28), 2)
    with pytest.raises(StudyError) as stopped:
        architecture(kind, model, (1, 28, 28))
    assert str(stopped.value) == (
        "kind 'vae' names the layer 'fc_mu' in its layers, but its model has no layer of that name."
    )
