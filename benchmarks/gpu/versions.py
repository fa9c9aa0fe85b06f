"""The versions this Python runs with, against the project's pins
(requirements.txt): which are the same, which differ, which are missing.

    python3 benchmarks/gpu/versions.py
"""

import platform
import re
import sys
from importlib import metadata
from pathlib import Path

REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements.txt"


def pins(path=REQUIREMENTS):
    """[(name, pinned version)] of requirements.txt, in its order."""
    found = []
    for line in path.read_text().splitlines():
        match = re.match(r"\s*([A-Za-z0-9_.\-]+)==([^\s#;]+)", line)
        if match:
            found.append(match.groups())
    return found


def installed(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def main():
    print(f"Python {platform.python_version()} at {sys.executable}\n")
    print("| package | pinned | here | |\n|---|---|---|---|")
    differ, missing = [], []
    for name, pinned in pins():
        here = installed(name)
        # a local build tag (torch's +cu130) is not a different release
        same = here is not None and here.split("+")[0] == pinned
        verdict = "same" if same else "missing" if here is None else "differs"
        if verdict == "differs":
            differ.append(f"{name} {here} (pinned {pinned})")
        elif verdict == "missing":
            missing.append(name)
        print(f"| {name} | {pinned} | {here or '-'} | {verdict} |")
    print(f"\nDiffer from the pins: {', '.join(differ) or 'none'}.")
    print(f"Missing: {', '.join(missing) or 'none'}.")


if __name__ == "__main__":
    main()
