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
from aestudy.evaluation.metrics import evaluate_model
from aestudy.kinds import (
    COMMON_METRICS,
    KINDS,
    build_model,
    count_parameters,
    kind_of,
    metric_names,
)
from aestudy.kinds.model_summary import architecture
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
    for name in KINDS:
        assert words["kind_names"][name] and words["losses"][name]
        assert words["figure_words"]["loss_curve"]["ylabel"][name]
        assert all(words["layer_roles"][role] for role in KINDS[name].layers.values())


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
