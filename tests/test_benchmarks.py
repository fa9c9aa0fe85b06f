"""The benchmarks are run by hand, so nothing else would notice when a change of the
trainer's functions breaks them: each test here runs a benchmark's own code on the
embedded digits, for one short epoch, and checks what it reports."""

import importlib.util
import math

import torch
from torch.utils.data import TensorDataset

from conftest import REPO, model_spec


def load_benchmark(name):
    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_epoch_speed_times_the_course_loop_and_the_pipelines_trainer(digits):
    epoch_speed = load_benchmark("epoch_speed")
    from aestudy.data.prepared import to_float

    images = to_float(digits["train_images"][:256])
    course_set = TensorDataset(images, torch.zeros(len(images)))
    spec = model_spec("ae")
    loops = epoch_speed.epoch_loops(spec, 4, images, course_set, options=False)
    times = epoch_speed.time_epochs(loops, epochs=1)
    assert set(times) == {"course", "pipeline", "bit_identical"}
    assert all(0 < seconds < math.inf for seconds in times.values())
    # Fed the same batches, the bit-identical variant ends where the course loop does.
    same_weights, same_losses, largest = epoch_speed.compare_with_course_loop(
        {**spec, "fused_optimizer": False}, tuple(images.shape[1:]), 4, images, steps=4
    )
    assert same_weights and same_losses and largest == 0


def test_the_course_loop_trains_a_seed_from_the_pipelines_weights_and_judges_it(digits):
    course_loop = load_benchmark("course_loop")
    from aestudy.data.prepared import to_float
    from aestudy.kinds import build_model
    from aestudy.training.loop import seed_everything

    images = to_float(digits["train_images"][:256])
    course_set = TensorDataset(images, torch.zeros(len(images)))
    spec = model_spec("ae")
    untrained, none = course_loop.train_course_loop(spec, 2, 3, course_set, 0, print)
    seed_everything(3)  # as a pipeline run of seed 3 starts
    pipeline = build_model(spec, (1, 28, 28), 2)
    assert none == [] and all(
        torch.equal(a, b)
        for a, b in zip(untrained.parameters(), pipeline.parameters(), strict=True)
    )
    model, losses = course_loop.train_course_loop(spec, 2, 3, course_set, 2, lambda _: None)
    assert len(losses) == 2 and all(math.isfinite(x) for pair in losses for x in pair)
    test = to_float(digits["test_images"])
    row = course_loop.run_row(model, 3, losses, test, digits["test_labels"], mean_mse=1.0)
    assert row["verdict"] == "learned" and row["share_of_mean_image"] < 0.9
    assert len(row["dead_units"].split()) == 6  # three ReLU layers each side
    assert 0 < row["code_pc1_share"] <= 1 and course_loop.seeds_from("0-2") == [0, 1, 2]


def test_ae_sampling_scores_the_fitted_draw_as_the_pipeline_does(digits):
    ae_sampling = load_benchmark("ae_sampling")
    from aestudy.data.prepared import to_float
    from aestudy.evaluation.diagnostics import reference_images, sample_scores
    from aestudy.evaluation.generation import draw_samples
    from aestudy.kinds import build_model

    model = build_model(model_spec("ae", hidden=[16]), (1, 28, 28), 3)
    reference = reference_images(digits, 500)
    found = ae_sampling.scores_by_draw(model, digits, 50, reference)
    assert set(found) == {"fitted Gaussian", "N(0, I)", "codes' std per dimension"}
    # the fitted draw is the evaluation's own, sample for sample
    pipeline = draw_samples(model, "fitted", to_float(digits["train_images"]), 10, 50)
    assert found["fitted Gaussian"] == sample_scores(pipeline.flatten(1).numpy(), *reference)
    assert len(found["codes' std per dimension"]) == 3
