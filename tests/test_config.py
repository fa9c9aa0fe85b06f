import copy
import re

import pytest
import yaml

from aestudy import StudyError
from aestudy.config import resolve_config, typed_overrides
from conftest import REPO


def load(name):
    return yaml.safe_load((REPO / name).read_text())


def test_default_study_is_the_course_report():
    config = resolve_config(load("config.yaml"))
    ae, cnn, vae = (config["models"][m] for m in ("ae", "cnn_ae", "vae"))
    assert (ae["dataset"], ae["hidden"], ae["latent_dims"], ae["epochs"]) == (
        "mnist",
        [128, 64, 12],
        [2, 3, 4, 7],
        100,
    )
    assert (cnn["dataset"], cnn["channels"], cnn["latent_dims"], cnn["epochs"]) == (
        "cifar10",
        [16, 32],
        [256],
        30,
    )
    assert (vae["hidden"], vae["latent_dims"], vae["beta"], vae["epochs"]) == (
        [512],
        [20],
        1.0,
        100,
    )
    for model in (ae, cnn, vae):
        assert (model["optimizer"], model["lr"], model["batch_size"]) == ("adam", 0.001, 64)
        assert model["seeds"] == [0, 1, 2]
    assert config["compute"]["train"] == dict(
        threads=2, gpu=1, mem_mb=8000, runtime=720, runs_per_job=3, jobs_per_gpu=1
    )
    # Documented defaults: K = 100 importance samples, evaluation in batches of 500.
    # and the denoising article's noise (factor 0.5, clipped) for the corrupted test set.
    denoising = dict(type="gaussian", factor=0.5, drop_fraction=0.5, seed=0)
    diagnostics = dict(
        interpolation_pairs=100, interpolation_steps=10, samples=1000, reference_images=10000
    )
    assert config["evaluation"] == dict(
        iw_samples=100,
        batch_size=500,
        probe_train_size=5000,
        denoising=denoising,
        diagnostics=diagnostics,
    )


def test_schema_defaults_fill_a_minimal_study():
    config = resolve_config(
        {"models": {"vae400": {"kind": "vae", "hidden": [400]}, "vae": {"kind": "vae"}}}
    )
    assert config["models"]["vae400"]["hidden"] == [400]
    assert config["models"]["vae"]["hidden"] == [512]
    assert config["models"]["vae400"]["epochs"] == 100
    assert config["datasets"]["mnist"]["format"] == "mnist"
    assert config["compute"]["evaluate"] == dict(threads=2, gpu=0, mem_mb=8000, runtime=60)
    assert config["compute"]["checkpoint_every"] == 5 and config["compute"]["device"] == "auto"
    assert config["models"]["vae"]["fused_optimizer"] is True


@pytest.mark.parametrize(
    "name",
    [
        "config/smoke.yaml",
        "config/offline.yaml",
        "config/methods.yaml",
        "config/methods-offline.yaml",
    ],
)
def test_other_studies_resolve(name):
    # Whether the offline study's data is installed here is not the config's business.
    config = resolve_config(load(name), check_paths=False)
    assert {"ae", "cnn_ae", "vae"} <= set(config["models"])
    kinds = {spec["kind"] for spec in config["models"].values()}
    if name != "config/offline.yaml":  # the studies of the seeds' methods: every kind
        assert kinds >= {"ae", "cnn_ae", "vae", "dae", "cnn_dae", "cae"}
        assert any("anomaly" in dataset for dataset in config["datasets"].values())


def test_model_seeds_override_study_seeds():
    config = resolve_config(
        {"seeds": [5], "models": {"a": {"kind": "ae", "seeds": [1, 2]}, "b": {"kind": "ae"}}}
    )
    assert config["models"]["a"]["seeds"] == [1, 2] and config["models"]["b"]["seeds"] == [5]


MESSAGE = re.compile(
    r"(config key '[\w.\[\]]+'|the config) (is|has|holds|lacks) [^\n]+; expected [^\n]+\."
)
BAD = [
    (
        {"models": {"ae": {"kind": "ae", "epoch": 5}}},
        ["models.ae", "unknown key 'epoch'", "epochs"],
    ),
    ({"models": {"ae": {"kind": "ae", "epochs": 0}}}, ["models.ae.epochs", "0", ">= 1"]),
    ({"models": {"ae": {"kind": "ae", "lr": 0}}}, ["models.ae.lr", "> 0"]),
    ({"models": {"ae": {"kind": "ae", "batch_size": "64"}}}, ["models.ae.batch_size", "integer"]),
    (
        {"models": {"ae": {"kind": "gan"}}},
        ["models.ae.kind", "'gan'", "ae, cae, cnn_ae, cnn_dae, cvae, dae, vae, vq_vae"],
    ),
    ({"models": {"ae": {"kind": "ae", "dataset": "imagenet"}}}, ["models.ae.dataset", "imagenet"]),
    ({"seeds": [], "models": {"ae": {"kind": "ae"}}}, ["seeds", "empty"]),
    (
        {"models": {"c": {"kind": "cnn_ae", "latent_dims": [102]}}},
        ["models.c.latent_dims", "102", "multiple"],
    ),
    ({"models": {"ae": {"kind": "ae", "latent_dims": [0]}}}, ["models.ae.latent_dims[0]", ">= 1"]),
    ({"models": {}}, ["models", "empty"]),
    (
        {"models": {"ae": {"kind": "ae"}}, "evaluation": {"iw_samples": 0}},
        ["evaluation.iw_samples"],
    ),
    ({"models": {"ae": {"kind": "ae"}}, "datasets": {"mine": {}}}, ["datasets.mine.format"]),
    ({"models": {"ae": {"kind": "ae", "batch_size": 0}}}, ["models.ae.batch_size", "0", ">= 1"]),
    ({"models": {"ae": {"kind": "ae", "lr": -0.1}}}, ["models.ae.lr", "-0.1", "> 0"]),
    ({"models": {"ae": {"kind": "ae", "seeds": []}}}, ["models.ae.seeds", "empty"]),
    ({"models": {"ae": {"kind": "ae", "seeds": [1, 1]}}}, ["models.ae.seeds", "repeated"]),
    (
        {"models": {"ae": {"kind": "ae"}}, "figures": {"interpolation": {"steps": 1}}},
        ["figures.interpolation.steps", "1", ">= 2"],
    ),
    (
        {"models": {"ae": {"kind": "ae"}}, "figures": {"manifold": {"grid": 1}}},
        ["figures.manifold.grid", ">= 2"],
    ),
    (
        {"models": {"ae": {"kind": "ae"}}, "figures": {"samples": {"cnt": 3}}},
        ["figures.samples", "unknown key 'cnt'"],
    ),
    (
        {"models": {"ae": {"kind": "ae"}}, "report": {"language": "fr"}},
        ["report.language", "'fr'", "en, zh"],
    ),
    ({"models": {"../outside": {"kind": "ae"}}}, ["models", "'../outside'", "letters, digits"]),
    (
        {"models": {"ae": {"kind": "ae"}}, "datasets": {"a/b": {"format": "mnist"}}},
        ["datasets", "'a/b'"],
    ),
    ({"models": {"v": {"kind": "vae", "beta": -1}}}, ["models.v.beta", ">= 0"]),
    (
        {"models": {"ae": {"kind": "ae", "optimizer": "lbfgs"}}},
        ["models.ae.optimizer", "adam, adamw, sgd"],
    ),
    (
        {"models": {"ae": {"kind": "ae"}}, "compute": {"train": {"threads": 0}}},
        ["compute.train.threads", ">= 1"],
    ),
    ({"models": {"ae": {"kind": "ae", "hidden": []}}}, ["models.ae.hidden", "empty"]),
    (
        {"models": {"ae": {"kind": "ae", "latent_dims": [900]}}},
        ["models.ae.latent_dims", "900", "784"],
    ),
    ({"modles": {"ae": {"kind": "ae"}}}, ["unknown key 'modles'"]),
    (
        {"models": {"ae": {"kind": "ae", "compile": True, "compile_mode": "graphs"}}},
        ["models.ae.compile_mode", "'graphs'", "reduce-overhead"],
    ),
]


# Inputs at the edges: sizes and seeds past what the machine, the file system or the
# random generators take, names that YAML reads otherwise, an exclusive bound.
AE = {"ae": {"kind": "ae"}}
BIG_SEED = 2**32
BAD += [
    (
        {"models": {"v": {"kind": "vq_vae", "codebook_size": 10**12}}},
        ["models.v.codebook_size", "<= 65536"],
    ),
    ({"models": AE, "evaluation": {"iw_samples": 10**9}}, ["evaluation.iw_samples", "<= 10000"]),
    ({"models": {"ae": {"kind": "ae", "epochs": 10**9}}}, ["models.ae.epochs", "<= 100000"]),
    ({"models": {"a" * 300: {"kind": "ae"}}}, ["models", "at most 64 characters"]),
    ({"models": {"ae\n": {"kind": "ae"}}}, ["models", "'ae\\n'", "letters, digits"]),
    ({"models": {"ae ": {"kind": "ae"}}}, ["models", "'ae '"]),
    ({"seeds": [BIG_SEED], "models": AE}, ["seeds[0]", "4294967296", "<= 4294967295"]),
    ({"seeds": [-1], "models": AE}, ["seeds[0]", ">= 0"]),
    ({"models": {"ae": {"kind": "ae", "seeds": [2**64]}}}, ["models.ae.seeds[0]", "<= 4294967295"]),
    (
        {"models": AE, "evaluation": {"denoising": {"seed": 2**64}}},
        ["evaluation.denoising.seed", "<= 4294967295"],
    ),
    ({"models": AE, "figures": {"samples": {"seed": BIG_SEED}}}, ["figures.samples.seed"]),
    ({"models": AE, "figures": {"selection_seed": BIG_SEED}}, ["figures.selection_seed"]),
    (
        {
            "models": {"ae": {"kind": "ae", "dataset": "d"}},
            "datasets": {
                "d": {"anomaly": {"from": "digits", "normal_classes": [0], "split_seed": BIG_SEED}}
            },
        },
        ["datasets.d.anomaly.split_seed", "<= 4294967295"],
    ),
    (
        {"models": AE, "compute": {"train": {"threads": 10**6}}},
        ["compute.train.threads", "<= 1024"],
    ),
    (
        {"models": AE, "evaluation": {"denoising": {"type": "masking", "drop_fraction": 1.5}}},
        ["evaluation.denoising.drop_fraction", "1.5", "expected a number below 1"],
    ),
    ({"models": {True: {"kind": "ae"}}}, ["models", "name True", "YAML reads as bool", "quotes"]),
    ({"models": {None: {"kind": "ae"}}}, ["models", "name None", "reads as nothing"]),
    ({"models": AE, "datasets": {False: {"format": "mnist"}}}, ["datasets", "name False"]),
    ({"models": AE, "evaluation": {1: 2}}, ["evaluation", "has the key 1", "quotes"]),
    ({True: 1, "models": AE}, ["the config has the key True"]),
]


@pytest.mark.parametrize("raw, words", BAD)
def test_bad_config_gets_one_sentence_naming_the_key(raw, words):
    with pytest.raises(StudyError) as caught:
        resolve_config(raw)
    message = str(caught.value)
    # One sentence: what the key is (or has, holds, lacks), then what was expected.
    assert MESSAGE.fullmatch(message), message
    for word in words:
        assert word in message, (word, message)


def test_missing_local_dataset_folder_is_named(tmp_path):
    missing = tmp_path / "nowhere"
    raw = {
        "datasets": {"fashion_mnist": {"path": str(missing)}},
        "models": {"ae": {"kind": "ae", "dataset": "fashion_mnist"}},
    }
    with pytest.raises(
        StudyError, match=f"datasets.fashion_mnist.path' is '{missing}', which does not exist"
    ):
        resolve_config(raw)


def test_yaml_names_that_are_not_text_are_refused_before_planning():
    for text, read_as in [("yes", "True"), ("null", "None"), ("off", "False"), ("1e3", None)]:
        raw = yaml.safe_load(f"models:\n  {text}: {{kind: ae}}\n")
        with pytest.raises(StudyError) as caught:
            resolve_config(raw)
        if read_as:
            assert f"has the name {read_as}" in str(caught.value), str(caught.value)


def test_a_yaml_alias_bomb_is_refused_at_once():
    # nine levels of ten aliases: a billion items once expanded, a few hundred bytes
    lines = ["a0: &a0 [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"]
    for level in range(1, 9):
        below = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([below] * 10)}]")
    lines.append("models: {ae: {kind: ae, latent_dims: [2]}}")
    lines.append("bomb: [*a8, *a8, *a8, *a8, *a8, *a8, *a8, *a8, *a8, *a8]")
    raw = yaml.safe_load("\n".join(lines))
    with pytest.raises(StudyError) as caught:
        resolve_config(raw)
    assert str(caught.value) == (
        "the config holds more than 100000 values once its YAML aliases (&, *) are "
        "expanded; expected a study of at most 100000 values."
    )
    # a study that repeats one block by an alias, but stays small, is fine
    small = yaml.safe_load(
        "shared: &shared {kind: ae, epochs: 2}\nmodels: {a: *shared, b: *shared}\n"
    )
    del small["shared"]
    assert set(resolve_config(small)["models"]) == {"a", "b"}


def test_every_integer_setting_has_an_upper_bound_and_seeds_fit_every_generator():
    import numpy as np
    import torch

    from aestudy.config import load_schema

    unbounded, seeds = [], set()

    def walk(node, path):
        if isinstance(node, dict):
            if node.get("type") == "integer":
                if "maximum" not in node:
                    unbounded.append(".".join(map(str, path)))
                key = path[-2] if path[-1] == "items" else path[-1]
                if key == "seeds" or str(key).endswith("seed"):
                    seeds.add(node["maximum"])
            for key, item in node.items():
                walk(item, (*path, key))
        elif isinstance(node, list):
            for item in node:
                walk(item, path)

    walk(load_schema(), ())
    assert unbounded == []
    assert seeds == {2**32 - 1}
    np.random.seed(2**32 - 1)  # the largest seed allowed, taken by every generator
    torch.Generator().manual_seed(2**32 - 1)
    np.random.default_rng(2**32 - 1)


def test_a_file_where_a_dataset_folder_is_expected_is_named(tmp_path):
    file = tmp_path / "fashion.tar"
    file.write_bytes(b"x")
    raw = {
        "datasets": {"fashion_mnist": {"path": str(file)}},
        "models": {"ae": {"kind": "ae", "dataset": "fashion_mnist"}},
    }
    with pytest.raises(StudyError) as caught:
        resolve_config(raw)
    assert str(caught.value) == (
        f"config key 'datasets.fashion_mnist.path' is '{file}', which is a file; expected "
        "a folder with the original files."
    )
    # CIFAR-10 may be given as its archive: a file passes planning
    raw = {
        "datasets": {"cifar10": {"path": str(file)}},
        "models": {"c": {"kind": "cnn_ae", "dataset": "cifar10"}},
    }
    assert resolve_config(raw)["datasets"]["cifar10"]["path"] == str(file)


def numeric_keys(schema, node, path):
    """(path, node) of every number or integer setting under a schema node."""
    if "$ref" in node:
        node = {**schema["$defs"][node["$ref"].split("/")[-1]], **node}
    if node.get("type") in ("number", "integer"):
        yield path
    for key, sub in node.get("properties", {}).items():
        yield from numeric_keys(schema, sub, (*path, key))


def every_numeric_setting():
    """A minimal config for every numeric key of the schema, kind by kind."""
    from aestudy.config import load_schema
    from aestudy.kinds import KINDS

    schema = load_schema()
    cases = []
    for path in numeric_keys(schema, schema, ()):
        if path[0] not in ("models", "datasets"):
            cases.append(({"models": {"m": {"kind": "ae"}}}, path))
    for kind in KINDS:
        for path in numeric_keys(schema, schema["$defs"][kind], ()):
            cases.append(({"models": {"m": {"kind": kind}}}, ("models", "m", *path)))
    anomaly = schema["$defs"]["dataset"]["properties"]["anomaly"]
    for path in numeric_keys(schema, anomaly, ()):
        raw = {
            "datasets": {"d": {"anomaly": {"from": "digits", "normal_classes": [1]}}},
            "models": {"m": {"kind": "ae", "dataset": "d"}},
        }
        cases.append((raw, ("datasets", "d", "anomaly", *path)))
    return cases


def with_value(raw, path, value):
    raw = __import__("copy").deepcopy(raw)
    node = raw
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    return raw


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")], ids=str)
def test_every_number_in_the_config_must_be_finite(value):
    cases = every_numeric_setting()
    keys = {".".join(path) for _, path in cases}
    # the learning rates, weight decays, β, noise factors and fractions, thresholds
    assert {
        "models.m.lr",
        "models.m.weight_decay",
        "models.m.beta",
        "models.m.noise.factor",
        "models.m.contraction_weight",
        "evaluation.denoising.factor",
        "datasets.d.anomaly.validation_fraction",
    } <= keys
    for raw, path in cases:
        with pytest.raises(StudyError) as caught:
            resolve_config(with_value(raw, path, value), check_paths=False)
        assert str(caught.value) == (
            f"config key '{'.'.join(path)}' is {value}; expected a finite number."
        ), path


def test_every_schema_entry_has_a_value():
    """An unquoted comma in a flow mapping ({description: a, b, type: ...}) makes
    YAML read "b" as a key without a value; no schema node may hold one."""
    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())

    def empty_keys(node, path=()):
        if isinstance(node, dict):
            for key, value in node.items():
                if value is None and key != "default":
                    yield "/".join((*path, str(key)))
                yield from empty_keys(value, (*path, str(key)))
        elif isinstance(node, list):
            for item in node:
                yield from empty_keys(item, path)

    assert list(empty_keys(schema)) == []


def object_settings(schema, node, path):
    """(path, node) of every object setting that has settings of its own."""
    if "$ref" in node:
        node = {**schema["$defs"][node["$ref"].split("/")[-1]], **node}
    properties = node.get("properties", {})
    if properties and path:
        yield path, node
    for key, sub in properties.items():
        yield from object_settings(schema, sub, (*path, key))


def partial_blocks():
    """A minimal study with one block written partially (its first setting that has
    a default), for every block of the schema, kind by kind."""
    from aestudy.config import load_schema
    from aestudy.kinds import KINDS

    schema = load_schema()
    roots = [({"models": {"m": {"kind": "ae"}}}, schema, ())]
    roots += [
        ({"models": {"m": {"kind": kind}}}, schema["$defs"][kind], ("models", "m"))
        for kind in KINDS
    ]
    cases = []
    for raw, root, prefix in roots:
        for path, node in object_settings(schema, root, ()):
            if not prefix and path[0] in ("models", "datasets"):
                continue  # named entries: checked through the kinds' own blocks
            leaves = {
                key: sub
                for key, sub in node["properties"].items()
                if "default" in sub and sub.get("type") != "object"
            }
            if len(leaves) >= 2:
                first = next(iter(leaves))
                kind = raw["models"]["m"]["kind"] if prefix else "study"
                cases.append(
                    pytest.param(
                        raw, (*prefix, *path), first, leaves, id=f"{kind}:{'.'.join(path)}"
                    )
                )
    return cases


@pytest.mark.parametrize("raw, path, given, leaves", partial_blocks())
def test_a_partial_block_gets_the_defaults_of_the_rest(raw, path, given, leaves):
    raw = copy.deepcopy(raw)
    block = raw
    for key in path:
        block = block.setdefault(key, {})
    block[given] = leaves[given]["default"]
    resolved = resolve_config(raw)
    for key in path:
        resolved = resolved[key]
    assert {key: resolved[key] for key in leaves} == {
        key: sub["default"] for key, sub in leaves.items()
    }


def test_config_overrides_inside_lists_and_mappings_are_read_as_yaml():
    # Snakemake's --config gives 'seeds=[3]' as ['3'] and 'evaluation={iw_samples: 7}'
    # as {'iw_samples': '7'}, merged into the config; a top-level text stays text
    overrides = {"seeds": ["3"], "evaluation": {"iw_samples": "7"}, "report": {"name": "1"}}
    config = {
        "seeds": ["3"],
        "evaluation": {"iw_samples": "7", "batch_size": 50},
        "report": {"name": "1"},
        "language": "zh",
        "models": {"ae": {"kind": "ae"}},
    }
    typed_overrides(config, dict(overrides, language="zh"))
    assert config["seeds"] == [3] and config["language"] == "zh" and config["report"]["name"] == 1
    del config["language"], config["report"]
    assert config["evaluation"] == {"iw_samples": 7, "batch_size": 50}
    assert resolve_config(config)["evaluation"]["iw_samples"] == 7


def test_the_failures_study_trains_config_yamls_models_over_ten_seeds_together():
    failures = resolve_config(load("config/course-failures.yaml"), check_paths=False)
    course = resolve_config(load("config.yaml"), check_paths=False)
    for name in ("ae", "ae_20_epochs"):
        ours, theirs = failures["models"][name], course["models"][name]
        # the same settings as the course study's model, but its latent sizes and seeds
        same = {k: v for k, v in ours.items() if k not in ("latent_dims", "seeds")}
        assert same == {k: v for k, v in theirs.items() if k not in ("latent_dims", "seeds")}
        assert ours["seeds"] == list(range(10))
    assert failures["models"]["ae"]["latent_dims"] == [2]
    assert failures["models"]["ae_20_epochs"]["latent_dims"] == [7]
    assert failures["compute"]["train"]["runs_per_job"] == 10
    assert set(failures["claims"]) <= set(course["claims"])


def test_names_that_differ_only_in_case_are_refused_naming_both():
    """A name is a folder: AE and ae would share one on macOS and Windows."""
    raw = {"models": {"AE": {"kind": "ae"}, "ae": {"kind": "ae"}}}
    with pytest.raises(StudyError) as caught:
        resolve_config(raw)
    assert "config key 'models' has the names 'AE' and 'ae', which differ only in case" in str(
        caught.value
    )
    datasets = {"datasets": {"Digits2": {"format": "mnist"}, "digits2": {"format": "mnist"}}}
    with pytest.raises(StudyError, match="'datasets' has the names 'Digits2' and 'digits2'"):
        resolve_config({**datasets, "models": {"ae": {"kind": "ae"}}})
    # a model and a data set may share a name: they live in different folders
    resolve_config(
        {"models": {"ae": {"kind": "ae"}, "Digits": {"kind": "ae", "dataset": "digits"}}}
    )
