import pytest
import torch
from torch import nn

from aestudy.data.formats import IMAGE_SHAPES
from aestudy.kinds import build_model, count_parameters
from aestudy.kinds.cnn_ae import cnn_bottleneck
from aestudy.kinds.cnn_ae.model import ConvAutoencoder
from conftest import model_spec

# The course report's three architectures: the schema's defaults.
DEFAULTS = {kind: model_spec(kind) for kind in ("ae", "cnn_ae", "vae")}


def layer_params(model, types):
    return [count_parameters(m) for m in model.modules() if isinstance(m, types)]


def test_ae_parameter_counts_match_course_report():
    model = build_model(DEFAULTS["ae"], IMAGE_SHAPES["mnist"], 4)
    encoder = [100_480, 8_256, 780, 52]
    decoder = [60, 832, 8_320, 101_136]
    assert layer_params(model.encoder, nn.Linear) == encoder
    assert layer_params(model.decoder, nn.Linear) == decoder
    assert count_parameters(model) == sum(encoder + decoder)


def test_cnn_ae_parameter_counts_match_course_report():
    model = build_model(DEFAULTS["cnn_ae"], IMAGE_SHAPES["cifar10"], 256)
    assert layer_params(model.encoder, nn.Conv2d) == [448, 4_640, 100_416]
    assert layer_params(model.decoder, nn.ConvTranspose2d) == [100_384, 4_624, 435]


def test_vae_parameter_counts_match_course_report():
    model = build_model(DEFAULTS["vae"], IMAGE_SHAPES["mnist"], 20)
    assert count_parameters(model.encoder) == 401_920
    assert count_parameters(model.fc_mean) == 10_260
    assert count_parameters(model.fc_logvar) == 10_260
    assert layer_params(model.decoder, nn.Linear) == [10_752, 402_192]


@pytest.mark.parametrize(
    "kind, fmt, latent_dim",
    [
        ("ae", "mnist", 2),
        ("ae", "cifar10", 7),
        ("cnn_ae", "cifar10", 256),
        ("cnn_ae", "fashion_mnist", 64),
        ("cnn_ae", "cifar10", 64),
        ("vae", "mnist", 20),
        ("vae", "cifar10", 3),
    ],
)
def test_shapes_round_trip(kind, fmt, latent_dim):
    shape = IMAGE_SHAPES[fmt]
    model = build_model(DEFAULTS[kind], shape, latent_dim)
    x = torch.rand(5, *shape)
    out = model(x)
    recon = torch.sigmoid(out[0]) if kind == "vae" else out  # the VAE gives logits
    assert recon.shape == x.shape
    assert 0 <= recon.min() and recon.max() <= 1
    code = model.code(x)
    assert code.shape == (5, latent_dim)
    assert model.decode(code).shape == x.shape


def test_cnn_latent_dim_sets_bottleneck_channels():
    model = ConvAutoencoder(IMAGE_SHAPES["cifar10"], [16, 32], 7, 64)
    assert model.bottleneck_shape == (16, 2, 2)
    model = ConvAutoencoder(IMAGE_SHAPES["mnist"], [16, 32], 7, 64)
    assert model.bottleneck_shape == (64, 1, 1)


@pytest.mark.parametrize(
    "shape, channels, kernel, latent_dim, words",
    [
        ((3, 32, 32), [16, 32], 7, 102, "multiple"),
        ((3, 32, 32), [16, 32], 9, 64, "does not fit"),
        ((1, 28, 28), [16, 32, 64], 7, 64, "halved"),
    ],
)
def test_cnn_sizes_that_do_not_fit_are_rejected(shape, channels, kernel, latent_dim, words):
    with pytest.raises(ValueError, match=words):
        cnn_bottleneck(shape, channels, kernel, latent_dim)


def test_second_vae_with_other_width():
    model = build_model(model_spec("vae", hidden=[400]), IMAGE_SHAPES["mnist"], 20)
    assert count_parameters(model.encoder) == 784 * 400 + 400
