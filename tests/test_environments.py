"""The conda environments in envs/ agree with requirements.txt, and each rule's
scripts import only what its environment holds."""

import re
import subprocess
import sys

import pytest
import yaml

from conftest import REPO

ENVS = sorted((REPO / "envs").glob("*.yaml"))
# Python modules of the pinned packages whose import name differs.
MODULES = {"scikit-learn": "sklearn", "pyyaml": "yaml", "pillow": "PIL"}
# Packages made unimportable where an environment lacks them, so that a rule's script
# that needs one fails here: the large ones, and pillow, which the report job
# (envs/tables.yaml, without PyTorch) needs beside jinja2 to inline the figures.
HEAVY = ["torch", "torchvision", "scikit-learn", "matplotlib", "jinja2", "jsonschema", "pillow"]


def requirements():
    pins = {}
    for line in (REPO / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


def env_pins(path):
    """{package: version} of an environment file: conda (`name =1.2`) and pip entries."""
    pins = {}
    for entry in yaml.safe_load(path.read_text())["dependencies"]:
        for spec in entry["pip"] if isinstance(entry, dict) else [entry]:
            name, version = re.fullmatch(r"([\w.-]+)\s*(?:==?\s*(\S+))?", spec.strip()).groups()
            pins[name.lower()] = version
    return pins


@pytest.mark.parametrize("env", ENVS, ids=lambda p: p.name)
def test_every_package_of_an_environment_is_pinned_as_in_requirements(env):
    pins, wanted = env_pins(env), requirements()
    for name, version in pins.items():
        if name in ("python", "pip"):
            continue
        assert name in wanted, f"{env.name} installs {name}, which requirements.txt does not pin"
        assert version == wanted[name], (
            f"{env.name} pins {name} {version}, requirements.txt {wanted[name]}"
        )


def test_pytorch_is_built_into_one_environment_only():
    # Its CUDA wheels are about 5 GB.
    assert [env.name for env in ENVS if "torch" in env_pins(env)] == ["pytorch.yaml"]


def rules_with_env_and_script():
    """(rule, environment file, script) for every rule of workflow/rules/: the named
    rules as written, and the per-run figure rules that figures.smk makes in a loop
    (drawn from saved arrays, in the environment without PyTorch)."""
    from aestudy.figures import RUN_SOURCES
    from aestudy.kinds import figure_kinds

    found = []
    for smk in (REPO / "workflow/rules").glob("*.smk"):
        for block in re.split(r"^rule ", smk.read_text(), flags=re.M)[1:]:
            env = re.search(r'conda:\s*"\.\./\.\./envs/([\w.]+)"', block)
            script = re.search(r'script:\s*"\.\./scripts/([\w.]+)"', block)
            if env and script:
                found.append((block.split(":")[0], env.group(1), script.group(1)))
    for figure in figure_kinds().values():  # drawn without PyTorch
        if figure.source in RUN_SOURCES:
            found.append((f"plot_{figure.name}", "figures.yaml", f"{figure.script}.py"))
    return sorted(found)


RULES = rules_with_env_and_script()


# Every script of an environment imported in one interpreter, with the packages the
# environment lacks made unimportable; each failure is printed with its rule.
IMPORT_EACH = """
import importlib, importlib.abc, sys, traceback
ABSENT, SCRIPTS = sys.argv[1].split(","), sys.argv[2:]
class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ABSENT:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Absent())
for entry in SCRIPTS:
    rule, script = entry.split(":")
    try:
        importlib.import_module(script)
    except Exception:
        print(f"{rule}: {traceback.format_exc(limit=-3)}")
"""


@pytest.mark.parametrize("env", sorted({env for _, env, _ in RULES}))
def test_a_rules_script_imports_only_what_its_environment_holds(env):
    pins = env_pins(REPO / "envs" / env)
    absent = [MODULES.get(p, p) for p in HEAVY if p not in pins]
    scripts = [f"{rule}:{script.removesuffix('.py')}" for rule, e, script in RULES if e == env]
    process = subprocess.run(
        [sys.executable, "-c", IMPORT_EACH, ",".join(absent), *scripts],
        cwd=REPO / "workflow/scripts",
        capture_output=True,
        text=True,
    )
    assert process.returncode == 0 and not process.stdout, (
        f"{env}: {process.stdout[-3000:]}{process.stderr[-800:]}"
    )


def test_the_report_is_rendered_in_the_environment_without_pytorch():
    # The architecture tables come from the runs' architecture.json files; building
    # the environment of the report must not fetch PyTorch's CUDA wheels.
    assert ("render_report", "tables.yaml", "render_report.py") in RULES
    assert "torch" not in env_pins(REPO / "envs/tables.yaml")


def test_rules_were_found():
    rules = {rule for rule, _, _ in RULES}
    assert {"train_autoencoder", "aggregate_metrics", "plot_loss_curve", "render_report"} <= rules
    assert all((REPO / "workflow/scripts" / script).is_file() for _, _, script in RULES)
