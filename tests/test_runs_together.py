"""benchmarks/runs_together.py, run by hand, checked here on the embedded digits:
its stacked step trains each run as that run trains alone, and its timing runs."""

import importlib.util
import types

import pytest
import torch

from conftest import REPO, model_spec


@pytest.fixture(scope="module")
def runs_together():
    path = REPO / "benchmarks" / "runs_together.py"
    spec = importlib.util.spec_from_file_location("runs_together", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_each_stacked_run_is_the_run_trained_alone(runs_together, digits, kind):
    from aestudy.data.prepared import to_float

    images = to_float(digits["train_images"])
    rows = runs_together.check_runs(model_spec(kind), images, 3, [0, 5], 30, "cpu")
    assert {(r["layout"], r["seed"]) for r in rows} == {
        (layout, seed) for layout in runs_together.LAYOUTS for seed in (0, 5)
    }
    for row in rows:
        assert row["same_start"] and row["same_batches"] and row["same_noise"], row
        # one thread here (tests/conftest.py): the same kernels' arithmetic, bit for bit
        assert row["weight_diff"] == 0 and row["loss_diff"] == 0, row


def test_the_table_row_times_both_layouts(runs_together, digits):
    from aestudy.data.prepared import to_float

    images = to_float(digits["train_images"][:256])
    args = types.SimpleNamespace(device="cpu", compile_mode=None, warmup=1, steps=2, repeats=2)
    spec = model_spec("vae")
    flops = runs_together.flops_per_step(spec, images, 2)
    row = runs_together.measure(spec, images, 2, 2, args, peak=100.0, flops=flops)
    assert set(row["ms"]) == {"alone", *runs_together.LAYOUTS}
    assert all(ms > 0 for ms in row["ms"].values()) and flops > 0
    assert row["low"]["runs"] <= row["ratio"]["runs"] <= row["high"]["runs"]
    assert torch.get_num_threads() == 1
