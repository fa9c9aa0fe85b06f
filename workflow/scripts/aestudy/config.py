"""Check a study config against the schema, fill its defaults, explain what is wrong.

`resolve_config(raw)` returns the complete config (every default filled in) or
raises StudyError with one sentence naming the key, the value and what is allowed.
"""

import copy
import math
from pathlib import Path

import jsonschema
import yaml

from aestudy import StudyError
from aestudy.data.formats import CLASSES, IMAGE_SHAPES
from aestudy.kinds import kind_of

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "config.schema.yaml"


def load_schema():
    return yaml.safe_load(SCHEMA_PATH.read_text())


def resolve_config(raw, check_paths=True):
    """With check_paths=False, a dataset `path` that does not exist here passes: the
    config is valid, only this machine lacks the data (tests of a study file)."""
    schema = load_schema()
    config = copy.deepcopy(dict(raw or {}))
    _check_finite(config, ())
    _validate(config, schema, ())
    _fill_defaults(config, schema, schema)
    for name, model in config["models"].items():
        kind_schema = schema["$defs"][model["kind"]]
        _validate(model, kind_schema, ("models", name), root=schema)
        _fill_defaults(model, kind_schema, schema)
        model.setdefault("seeds", list(config["seeds"]))
    for name, dataset in config["datasets"].items():
        _fill_defaults(dataset, schema["$defs"]["dataset"], schema)
        if "anomaly" in dataset:
            continue  # its format is its source's, below
        dataset.setdefault("format", name)
        if check_paths and "path" in dataset and not Path(dataset["path"]).exists():
            raise StudyError(
                f"config key 'datasets.{name}.path' is '{dataset['path']}', which does not "
                "exist; expected a folder (or a CIFAR-10 .tar.gz) with the original files."
            )
        if dataset["format"] not in IMAGE_SHAPES:
            raise StudyError(
                f"config key 'datasets.{name}.format' is missing and '{name}' is not a "
                f"built-in dataset; expected one of: {', '.join(IMAGE_SHAPES)}."
            )
    for name, dataset in list(config["datasets"].items()):
        if "anomaly" in dataset:
            _derive_anomaly_dataset(name, dataset, config["datasets"])
    for name, model in config["models"].items():
        _check_model(name, model, config["datasets"])
    return _canonical(config)


def _derive_anomaly_dataset(name, dataset, datasets):
    """A dataset made from another for anomaly detection takes that one's format."""
    where = f"config key 'datasets.{name}"
    if set(dataset) != {"anomaly"}:
        raise StudyError(
            f"{where}' has both 'anomaly' and {sorted(set(dataset) - {'anomaly'})}; expected "
            "'anomaly' alone, since the dataset is made from another one."
        )
    source = dataset["anomaly"]["from"]
    if source not in datasets and source in IMAGE_SHAPES:
        datasets[source] = {"format": source}
    if source not in datasets or "anomaly" in datasets[source]:
        raise StudyError(
            f"{where}.anomaly.from' is '{source}'; expected a built-in dataset "
            f"({', '.join(IMAGE_SHAPES)}) or one defined under 'datasets' that is not "
            "itself made for anomaly detection."
        )
    dataset["format"] = datasets[source]["format"]
    classes = len(CLASSES[dataset["format"]])
    normal = dataset["anomaly"]["normal_classes"]
    if max(normal) >= classes or len(normal) == classes:
        raise StudyError(
            f"{where}.anomaly.normal_classes' is {normal}; expected some but not all of "
            f"the class indices 0 to {classes - 1} of {source}."
        )


def dataset_format(config, dataset):
    return config["datasets"][dataset]["format"]


def _check_model(name, model, datasets):
    dataset = model["dataset"]
    if dataset not in datasets:
        if dataset not in IMAGE_SHAPES:
            raise StudyError(
                f"config key 'models.{name}.dataset' is '{dataset}'; expected a built-in "
                f"dataset ({', '.join(IMAGE_SHAPES)}) or one defined under 'datasets'."
            )
        datasets[dataset] = {"format": dataset}
    image_shape = IMAGE_SHAPES[datasets[dataset]["format"]]
    expected = kind_of(model).check_classes(model, len(CLASSES[datasets[dataset]["format"]]))
    if expected:
        raise StudyError(
            f"config key 'models.{name}.classes' is {model['classes']}; expected {expected} "
            f"({dataset})."
        )
    for latent_dim in model["latent_dims"]:
        expected = kind_of(model).check_latent_dim(model, image_shape, latent_dim)
        if expected:
            raise StudyError(
                f"config key 'models.{name}.latent_dims' holds {latent_dim}; expected {expected}."
            )


def _check_finite(value, path):
    """NaN and infinity pass JSON-schema bounds (NaN compares false, inf is >= any
    minimum): every number of the config must be finite."""
    if isinstance(value, dict):
        for key, item in value.items():
            _check_finite(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_finite(item, (*path, index))
    elif isinstance(value, float) and not math.isfinite(value):
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
        raise StudyError(f"config key '{where}' is {value}; expected a finite number.")


def _canonical(value):
    """Sort mapping keys throughout: the same settings written in another order are
    the same params to Snakemake, which compares them as text."""
    if isinstance(value, dict):
        return {key: _canonical(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    return value


def _validate(instance, schema, prefix, root=None):
    # Kind schemas are validated on their own, against the whole schema for $refs.
    if root is not None:
        schema = {**schema, "$defs": root["$defs"]}
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise StudyError(_sentence(error, prefix))


def _fill_defaults(instance, schema, root):
    if "$ref" in schema:
        schema = {**_resolve_ref(schema["$ref"], root), **schema}
    for key, sub in schema.get("properties", {}).items():
        if key not in instance and "default" in sub:
            instance[key] = copy.deepcopy(sub["default"])
        if isinstance(instance.get(key), dict):
            _fill_defaults(instance[key], sub, root)


def _resolve_ref(ref, root):
    node = root
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _sentence(error, prefix):
    path = ""
    for part in (*prefix, *error.absolute_path):
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    where = f"config key '{path}'" if path else "the config"
    value = error.instance
    schema = error.schema
    kind = error.validator
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(value) - set(allowed))
        return (
            f"{where} has unknown key '{extra[0]}'; expected one of: {', '.join(allowed)}."
            if allowed
            else f"{where} has unknown key '{extra[0]}'; expected no keys here."
        )
    if kind == "required":
        missing = error.message.split(" is a required")[0]
        return f"{where} lacks key {missing}; expected it, since it is required."
    if kind in ("enum", "const"):
        options = schema.get("enum", [schema.get("const")])
        return f"{where} is {value!r}; expected one of: {', '.join(map(str, options))}."
    if kind == "type":
        return f"{where} is {value!r}; expected {_article(schema['type'])}."
    if kind in ("minimum", "exclusiveMinimum", "maximum"):
        sign = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<="}[kind]
        return f"{where} is {value!r}; expected a number {sign} {schema[kind]}."
    if kind in ("minItems", "minProperties"):
        return f"{where} is empty; expected at least {schema[kind]} entry."
    if kind == "uniqueItems":
        return f"{where} is {value!r}; expected no repeated values."
    if kind == "pattern":
        return (
            f"{where} has the name {value!r}; expected letters, digits and underscores, "
            "starting with a letter."
        )
    return f"{where} is {value!r}; expected otherwise: {error.message}."


def _article(type_name):
    names = {"integer": "an integer", "array": "a list", "object": "a mapping"}
    return names.get(type_name, f"a {type_name}")
