#!/usr/bin/env bash
# Wheels for benchmarks/gpu/run.sh, fetched on a machine with a package registry
# for a GPU machine without one: Snakemake and its plugins at the project's pins,
# the other pins such a machine's Python lacks, and everything they need.
#
#   benchmarks/gpu/prepare_wheels.sh            # into benchmarks/gpu/wheels/ (git-ignored)
#   PYTHON_VERSION=3.11 benchmarks/gpu/prepare_wheels.sh
#
# The target's Python decides the compiled wheels: the GPU machines we can borrow
# run Python 3.12, hence the default.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
wheels=${WHEELS:-$here/wheels}
python_version=${PYTHON_VERSION:-3.12}
python=${PYTHON:-$repo/.venv/bin/python}
[ -x "$python" ] || python=python3
abi=cp${python_version/./}

# The pins to bring, read from requirements.txt. The rest is on such a machine
# (PyTorch, torchvision, numpy, pandas, scikit-learn, matplotlib, pillow, pyyaml,
# jinja2, tabulate, pytest, pytest-timeout) or is not used there (the browser
# tests' playwright and pypdf, the linters).
names='snakemake snakemake-executor-plugin-slurm snakemake-executor-plugin-slurm-jobstep jsonschema'
pins=()
for name in $names; do
  pin=$(grep -E "^$name==" "$repo/requirements.txt" | sed 's/[[:space:]]*#.*//') ||
    { echo "prepare_wheels.sh: $name is not pinned in requirements.txt" >&2; exit 2; }
  pins+=("$pin")
done

rm -rf "$wheels"
mkdir -p "$wheels"
# connection_pool, which Snakemake needs, is published as source only: build its
# (pure-Python) wheel here, where pip can.
"$python" -m pip wheel -q --no-deps -w "$wheels" "connection_pool==0.0.3"
platforms=()
for tag in manylinux_2_28 manylinux_2_27 manylinux_2_24 manylinux_2_17 manylinux2014 manylinux_2_12 manylinux2010 manylinux_2_5 manylinux1; do
  platforms+=(--platform "${tag}_x86_64")
done
"$python" -m pip download -q --only-binary=:all: --find-links "$wheels" \
  --python-version "$python_version" --implementation cp --abi "$abi" --abi abi3 --abi none \
  "${platforms[@]}" --platform any -d "$wheels" "${pins[@]}"
# numpy is on the GPU machine in a version the plugin accepts (2.5 there, >=2.4.5
# asked); its 15 MB would only crowd the 64 MiB a device call carries.
rm -f "$wheels"/numpy-*.whl
echo "$(ls "$wheels"/*.whl | wc -l) wheels for Python $python_version in $wheels," \
  "$(du -sm "$wheels" | cut -f1) MB"
