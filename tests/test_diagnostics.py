"""The diagnostics a study's claims are tested on (aestudy/evaluation/diagnostics.py),
each computed on a constructed case whose answer is known."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from aestudy.evaluation.diagnostics import (
    code_geometry,
    dead_unit_summary,
    dead_units,
    interpolation_unevenness,
    loss_history_diagnostics,
    sample_scores,
    view_silhouette,
)
from aestudy.evaluation.generation import draw_samples
from aestudy.kinds import build_model
from conftest import model_spec


def test_a_unit_that_never_fires_is_counted_dead_in_its_layer():
    model = build_model(model_spec("ae", hidden=[4]), (1, 8, 8), 2)
    first = model.encoder[0]
    with torch.no_grad():
        first.weight.zero_()
        first.bias.copy_(torch.tensor([-1.0, 1.0, 1.0, -0.5]))  # units 0 and 3 never fire
    layers = dead_units(model, torch.rand(50, 1, 8, 8))
    assert layers[0] == dict(layer="encoder.1", units=4, dead=2)
    assert [layer["units"] for layer in layers] == [4, 4]  # the encoder's ReLU, the decoder's
    summary = dead_unit_summary(
        [dict(layer="a", units=4, dead=2), dict(layer="b", units=8, dead=1)]
    )
    assert summary == dict(dead_share_max=0.5, dead_units="2/4 1/8")
    assert dead_unit_summary([]) == dict(dead_share_max=None, dead_units="")


def test_a_convolution_channel_that_never_fires_is_one_dead_unit():
    model = build_model(model_spec("cnn_ae"), (3, 32, 32), 256)
    first = model.encoder[0]
    with torch.no_grad():
        first.weight.zero_()
        first.bias.fill_(1.0)  # every channel fires everywhere ...
        first.bias[5] = -1.0  # ... but this one, nowhere
    layers = dead_units(model, torch.rand(8, 3, 32, 32))
    assert layers[0] == dict(layer="encoder.1", units=16, dead=1)


def test_a_vae_is_judged_on_its_posterior_mean_path():
    model = build_model(model_spec("vae", hidden=[6]), (1, 8, 8), 2)
    with torch.no_grad():
        model.encoder[0].weight.zero_()
        model.encoder[0].bias.fill_(-1.0)  # the whole encoder layer is dead
    layers = dead_units(model, torch.rand(20, 1, 8, 8))
    assert layers[0]["dead"] == layers[0]["units"] == 6
    assert dead_unit_summary(layers)["dead_share_max"] == 1.0


def test_the_loss_history_counts_rises_and_the_fall():
    found = loss_history_diagnostics([4.0, 3.0, 3.5, 2.0, 2.5, 1.0])
    assert found["train_loss_rises"] == pytest.approx(2 / 5)
    assert found["train_loss_fall"] == pytest.approx(0.75)
    flat = loss_history_diagnostics([2.0, 2.0, 2.0])
    assert flat == dict(train_loss_rises=0.0, train_loss_fall=0.0)
    assert loss_history_diagnostics([1.0])["train_loss_rises"] is None
    assert loss_history_diagnostics([1.0, math.nan])["train_loss_fall"] is None


def test_codes_on_a_line_put_all_their_variance_on_one_axis():
    t = np.random.default_rng(0).normal(size=500)
    line = np.stack([t, 2 * t], 1)
    found = code_geometry(line)
    assert found["code_pc1_share"] == pytest.approx(1.0)
    assert found["code_spread"] == pytest.approx(np.std(t, ddof=1) * math.sqrt(5))
    cloud = np.random.default_rng(1).normal(size=(20000, 2))
    assert code_geometry(cloud)["code_pc1_share"] == pytest.approx(0.5, abs=0.02)
    # the scale follows the codes: 10^4 times larger codes, 10^4 times the spread
    assert code_geometry(1e4 * cloud)["code_spread"] == pytest.approx(
        1e4 * code_geometry(cloud)["code_spread"]
    )
    assert code_geometry(np.ones((10, 3))) == dict(code_pc1_share=None, code_spread=0.0)


def test_the_latent_view_silhouette_tells_clusters_from_overlap():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], 300)
    centres = np.array([[0, 0], [10, 0], [0, 10]])
    clusters = centres[labels] + rng.normal(size=(900, 2))
    assert view_silhouette(clusters, labels) > 0.7
    # the same points with shuffled classes: no structure
    assert abs(view_silhouette(clusters, rng.permutation(labels))) < 0.1
    # above two values the view is the first two principal components: a third
    # axis of small noise changes little, one of large noise would if it were kept
    lifted = np.c_[clusters, 0.01 * rng.normal(size=900)]
    assert view_silhouette(lifted, labels) == pytest.approx(
        view_silhouette(clusters, labels), abs=0.01
    )
    noisy = np.c_[0.1 * clusters, 100 * rng.normal(size=(900, 2)), 0.1 * clusters[:, :1]]
    assert view_silhouette(noisy, labels) < 0.1  # the view is of the noise's two axes
    assert view_silhouette(clusters, np.zeros(900)) is None  # one class
    assert view_silhouette(np.ones((10, 2)), np.arange(10) % 2) is None  # no variation


class PixelCode(nn.Module):
    """A stand-in model whose code is its image and whose decoder maps a code back
    to pixels through `decoding` (identity: a straight fade; round: a jump)."""

    def __init__(self, decoding):
        super().__init__()
        self.decoding = decoding
        self.unused = nn.Linear(1, 1)

    def code(self, x, y=None):
        return x.flatten(1)

    def decode(self, z, y=None):
        return self.decoding(z).view(-1, 1, 2, 2)


def test_an_even_fade_scores_one_and_a_jump_scores_the_number_of_steps():
    # black and white images alternating: some pairs differ, the rest decode alike
    images = torch.stack([torch.full((1, 2, 2), float(i % 2)) for i in range(40)])
    fade = interpolation_unevenness(PixelCode(lambda z: z), images, None, pairs=10, steps=10)
    assert fade == pytest.approx(1.0)
    jump = interpolation_unevenness(PixelCode(torch.round), images, None, pairs=10, steps=10)
    assert jump == pytest.approx(9.0)
    same = torch.zeros(40, 1, 2, 2)
    assert interpolation_unevenness(PixelCode(lambda z: z), same, None, 10, 10) is None


def test_samples_are_scored_by_their_neighbours_classes():
    rng = np.random.default_rng(0)
    dark, bright = rng.uniform(0, 0.1, (50, 16)), rng.uniform(0.9, 1, (50, 16))
    reference = np.concatenate([dark, bright])
    labels = np.array([0] * 50 + [1] * 50)
    one_class = sample_scores(dark[:20], reference, labels)
    assert one_class == dict(sample_agreement=1.0, sample_diversity=0.0)
    both = sample_scores(np.concatenate([dark[:10], bright[:10]]), reference, labels)
    assert both == dict(sample_agreement=1.0, sample_diversity=pytest.approx(1.0))
    # between the two classes: the neighbours disagree
    mixed_reference = np.concatenate([np.full((3, 16), 0.5), np.full((2, 16), 0.5)])
    between = sample_scores(np.full((4, 16), 0.5), mixed_reference, np.array([0, 0, 0, 1, 1]))
    assert between["sample_agreement"] == pytest.approx(0.6)
    assert sample_scores(np.full((2, 16), np.nan), reference, labels)["sample_agreement"] is None


def test_samples_are_drawn_as_each_kind_makes_them():
    vae = build_model(model_spec("vae", hidden=[8]), (1, 8, 8), 2)
    assert draw_samples(vae, "prior", None, 10, 7).shape == (7, 1, 8, 8)
    cvae = build_model(model_spec("cvae", hidden=[8]), (1, 8, 8), 2)
    assert draw_samples(cvae, "class", None, 10, 35).shape == (30, 1, 8, 8)
    ae = build_model(model_spec("ae", hidden=[8]), (1, 8, 8), 2)
    fitted = draw_samples(ae, "fitted", torch.rand(30, 1, 8, 8), 10, 5)
    assert fitted.shape == (5, 1, 8, 8)
    assert draw_samples(ae, "none", None, 10, 5) is None
