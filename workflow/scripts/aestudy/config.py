"""Check a study config against the schema, fill its defaults, explain what is wrong.

`resolve_config(raw)` returns the complete config (every default filled in) or
raises StudyError with one sentence naming the key, the value and what is allowed.
"""

import copy
import math
import re
from collections.abc import Mapping
from pathlib import Path

import jsonschema
import yaml

from aestudy import StudyError
from aestudy.claims import QUANTITIES, check_claims
from aestudy.data.formats import CLASSES, IMAGE_SHAPES
from aestudy.kinds import KINDS, figure_kinds, kind_of

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "config.schema.yaml"


def load_schema():
    """The config schema, completed from the facts that live in the code: the
    figure kinds' settings, the dataset formats and the model kinds."""
    schema = yaml.safe_load(SCHEMA_PATH.read_text())
    figures = schema["properties"]["figures"]["properties"]
    for name, figure in figure_kinds().items():
        figures[name] = figure.schema()
    schema["$defs"]["dataset"]["properties"]["format"]["enum"] = list(IMAGE_SHAPES)
    schema["$defs"]["model"]["properties"]["kind"]["enum"] = sorted(KINDS)
    schema["$defs"]["claim"]["properties"]["quantity"]["enum"] = list(QUANTITIES)
    return schema


def resolve_config(raw, check_paths=True):
    """With check_paths=False, a dataset `path` that does not exist here passes: the
    config is valid, only this machine lacks the data (tests of a study file)."""
    schema = load_schema()
    _check_size(raw)
    config = copy.deepcopy(dict(raw or {}))
    for section in ("models", "datasets"):
        if isinstance(config.get(section), dict):
            _check_names(config[section], section)
    _check_finite(config, ())
    _validate(config, schema, ())
    _fill_defaults(config, schema, schema)
    for name, model in config["models"].items():
        kind_schema = schema["$defs"][model["kind"]]
        _validate(model, kind_schema, ("models", name), root=schema)
        _fill_defaults(model, kind_schema, schema)
        model.setdefault("seeds", list(config["seeds"]))
    _add_builtin_datasets(config)
    for name, dataset in config["datasets"].items():
        _fill_defaults(dataset, schema["$defs"]["dataset"], schema)
        if "anomaly" in dataset:
            continue  # its format is its source's, below
        dataset.setdefault("format", name)
        if check_paths and "path" in dataset:
            _check_path(name, dataset)
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
    check_claims(config["claims"], config["models"], config["datasets"])
    _leave_out(config)
    return _canonical(config)


# A config holds a few hundred items; YAML aliases can make a short file expand to
# billions, which no check should walk.
MAX_ITEMS = 100_000
# A name is a folder of every run's path: letters, digits and underscores, short
# enough for any file system (a path part may hold at most 255 bytes).
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
MAX_NAME = 64


def typed_overrides(config, overrides, nested=False):
    """Snakemake's --config reads the values inside a list or mapping as text
    ('seeds=[3]' gives ['3']): read each such text as YAML, as a study file's values
    are, where `overrides` (the --config values) put it in `config`."""

    def typed(value):
        if isinstance(value, Mapping):
            return {key: typed(item) for key, item in value.items()}
        if isinstance(value, list):
            return [typed(item) for item in value]
        if isinstance(value, str):
            try:
                return yaml.safe_load(value) if value else value
            except yaml.YAMLError:
                return value
        return value

    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(config.get(key), dict):
            typed_overrides(config[key], value, nested=True)
        elif isinstance(value, Mapping | list) or (nested and isinstance(value, str)):
            # a top-level text (language=zh) is text; Snakemake typed the others
            config[key] = typed(value)


def _check_size(raw):
    """Refuse a config that holds more than MAX_ITEMS values once its YAML aliases
    are expanded; counted once per distinct object, so a bomb costs no time."""
    sizes = {}

    def size(value):
        if not isinstance(value, dict | list):
            return 1
        if id(value) not in sizes:
            sizes[id(value)] = 0  # a cycle counts as nothing more
            items = value.values() if isinstance(value, dict) else value
            total = 1
            for item in items:
                total += size(item)
                if total > MAX_ITEMS:
                    break
            sizes[id(value)] = total
        return sizes[id(value)]

    count = size(raw)
    if count > MAX_ITEMS:
        raise StudyError(
            f"the config holds more than {MAX_ITEMS} values once its YAML aliases (&, *) "
            f"are expanded; expected a study of at most {MAX_ITEMS} values."
        )


def _check_names(section, key):
    """Model and dataset names: text (YAML reads yes, no, on, off, true, false and
    null otherwise), of letters, digits and underscores, at most MAX_NAME long."""
    for name in section:
        if not isinstance(name, str):
            raise StudyError(
                f"config key '{key}' has the name {name!r}, which YAML reads as "
                f"{'nothing' if name is None else type(name).__name__}; expected a name in "
                "quotes, or one that YAML reads as text."
            )
        if not NAME.fullmatch(name) or len(name) > MAX_NAME:
            raise StudyError(
                f"config key '{key}' has the name {name!r}; expected letters, digits and "
                f"underscores, starting with a letter, at most {MAX_NAME} characters."
            )
    # a name is a folder: on macOS and Windows two names that differ only in case
    # would share one
    seen = {}
    for name in section:
        other = seen.setdefault(name.lower(), name)
        if other != name:
            raise StudyError(
                f"config key '{key}' has the names '{other}' and '{name}', which differ only "
                "in case; expected names that differ in more than case, since they name "
                "folders, which macOS and Windows do not tell apart by case."
            )


def _check_path(name, dataset):
    """A local dataset's `path`: a folder, or for CIFAR-10 a folder or .tar.gz file."""
    path = Path(dataset["path"])
    where = f"config key 'datasets.{name}.path' is '{dataset['path']}'"
    archive = dataset["format"] == "cifar10"
    expected = "a folder (or a CIFAR-10 .tar.gz)" if archive else "a folder"
    if not path.exists():
        raise StudyError(
            f"{where}, which does not exist; expected {expected} with the original files."
        )
    if path.is_file() and not archive:
        raise StudyError(f"{where}, which is a file; expected {expected} with the original files.")


def _derive_anomaly_dataset(name, dataset, datasets):
    """A dataset made from another for anomaly detection takes that one's format."""
    where = f"config key 'datasets.{name}"
    if set(dataset) != {"anomaly"}:
        raise StudyError(
            f"{where}' has both 'anomaly' and {sorted(set(dataset) - {'anomaly'})}; expected "
            "'anomaly' alone, since the dataset is made from another one."
        )
    source = dataset["anomaly"]["from"]
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


def _add_builtin_datasets(config):
    """A built-in dataset that a model trains on, or an anomaly dataset is made from,
    without an entry under 'datasets' gets one, of its own format."""
    used = [model["dataset"] for model in config["models"].values()]
    used += [d["anomaly"]["from"] for d in config["datasets"].values() if "anomaly" in d]
    for name in used:
        if name not in config["datasets"] and name in IMAGE_SHAPES:
            config["datasets"][name] = {"format": name}


def _leave_out(config):
    """Take the models named in `leave_out` out of `models`: nothing of theirs is
    planned. Their claims were checked against the whole study."""
    for name in config["leave_out"]:
        if name not in config["models"]:
            raise StudyError(
                f"config key 'leave_out' holds '{name}', which the study does not declare; "
                f"expected some of: {', '.join(config['models'])}."
            )
    if set(config["leave_out"]) >= set(config["models"]):
        raise StudyError(
            "config key 'leave_out' holds every model of the study; expected at least one "
            "model left to run."
        )
    for name in config["leave_out"]:
        del config["models"][name]


def _check_model(name, model, datasets):
    dataset = model["dataset"]
    if dataset not in datasets:
        raise StudyError(
            f"config key 'models.{name}.dataset' is '{dataset}'; expected a built-in "
            f"dataset ({', '.join(IMAGE_SHAPES)}) or one defined under 'datasets'."
        )
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
            if not isinstance(key, str):
                where = f"config key '{_where(path)}'" if path else "the config"
                raise StudyError(
                    f"{where} has the key {key!r}, which "
                    "YAML reads as no text; expected a key in quotes, or one that YAML reads "
                    "as text."
                )
            _check_finite(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_finite(item, (*path, index))
    elif isinstance(value, float) and not math.isfinite(value):
        raise StudyError(f"config key '{_where(path)}' is {value}; expected a finite number.")


def _where(path):
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


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
    if kind == "exclusiveMaximum":
        return f"{where} is {value!r}; expected a number below {schema[kind]}."
    if kind == "maxLength":
        return f"{where} is {value!r}; expected at most {schema[kind]} characters."
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
