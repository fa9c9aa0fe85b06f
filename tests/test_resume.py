"""Checkpoints: a run that stops and resumes equals a run that never stopped."""

import pytest
import torch

from aestudy import StudyError
from aestudy.data.prepared import to_float
from aestudy.kinds import build_model
from aestudy.training.loop import seed_everything, train_autoencoder
from conftest import model_spec

SPEC = model_spec("vae", hidden=[64], epochs=4)


def quiet(_):
    pass


def fresh_run(data, spec=SPEC, **kwargs):
    seed_everything(3)
    model = build_model(spec, (1, 28, 28), 5)
    images = to_float(data["train_images"][:600])
    result = train_autoencoder(model, spec, images, images[:100], 3, quiet, **kwargs)
    return model, result


def test_resumed_run_equals_uninterrupted_run(digits, tmp_path):
    straight, straight_result = fresh_run(digits)
    checkpoint = tmp_path / "checkpoint.pt"
    identity = {"run": "vae z5 seed3"}
    # "Killed" after epoch 2: the first job only gets that far.
    fresh_run(
        digits,
        dict(SPEC, epochs=2),
        checkpoint_path=checkpoint,
        checkpoint_every=2,
        identity=identity,
    )
    assert torch.load(checkpoint, weights_only=True)["epoch"] == 2
    lines = []
    seed_everything(3)
    model = build_model(SPEC, (1, 28, 28), 5)
    images = to_float(digits["train_images"][:600])
    resumed_result = train_autoencoder(
        model,
        SPEC,
        images,
        images[:100],
        3,
        lines.append,
        checkpoint_path=checkpoint,
        checkpoint_every=2,
        identity=identity,
    )
    assert "resuming from the checkpoint after epoch 2" in lines
    assert sum("epoch" in line and "/4:" in line for line in lines) == 2  # only epochs 3, 4
    for key, value in straight.state_dict().items():
        assert torch.equal(value, model.state_dict()[key]), key
    strip = [{k: v for k, v in row.items() if k != "seconds"} for row in straight_result["history"]]
    assert strip == [
        {k: v for k, v in r.items() if k != "seconds"} for r in resumed_result["history"]
    ]


def test_checkpoint_of_other_settings_is_set_aside(digits, tmp_path):
    checkpoint = tmp_path / "checkpoint.pt"
    fresh_run(
        digits,
        dict(SPEC, epochs=1),
        checkpoint_path=checkpoint,
        checkpoint_every=1,
        identity={"lr": 1},
    )
    lines = []
    seed_everything(3)
    model = build_model(SPEC, (1, 28, 28), 5)
    images = to_float(digits["train_images"][:600])
    train_autoencoder(
        model,
        dict(SPEC, epochs=1),
        images,
        images[:100],
        3,
        lines.append,
        checkpoint_path=checkpoint,
        checkpoint_every=0,
        identity={"lr": 2},
    )
    assert any("belongs to other settings" in line for line in lines)
    assert not checkpoint.exists()


def test_edited_checkpoint_fails_its_checksum(digits, tmp_path):
    checkpoint = tmp_path / "checkpoint.pt"
    identity = {"run": "vae z5 seed3"}
    fresh_run(
        digits,
        dict(SPEC, epochs=1),
        checkpoint_path=checkpoint,
        checkpoint_every=1,
        identity=identity,
    )
    state = torch.load(checkpoint, weights_only=True)
    state["model"]["fc_mean.weight"][0, 0] += 0.5  # still finite, still loadable
    torch.save(state, checkpoint)
    with pytest.raises(StudyError, match=f"checkpoint {checkpoint} fails its checksum"):
        fresh_run(digits, checkpoint_path=checkpoint, checkpoint_every=1, identity=identity)


def test_unreadable_checkpoint_is_named(digits, tmp_path):
    checkpoint = tmp_path / "checkpoint.pt"
    checkpoint.write_bytes(b"not a checkpoint")
    with pytest.raises(StudyError, match=f"checkpoint {checkpoint} cannot be read"):
        fresh_run(digits, checkpoint_path=checkpoint, checkpoint_every=1, identity={})
