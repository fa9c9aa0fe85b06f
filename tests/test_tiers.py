"""The test tiers hold: a test that runs snakemake is in the workflow tier, and a
missing extra fails where extras are required (CI). Each case runs this
conftest.py in a pytest of its own."""

import os
import sys

import pytest

from conftest import REPO

UNMARKED = """
def test_reads_the_smoke_study(smoke_study):
    pass
"""

HELPER_UNMARKED = """
import pytest
from conftest import snakemake

def test_calls_snakemake(tmp_path):
    snakemake(tmp_path, "--version")

@pytest.mark.workflow
def test_marked_calls_snakemake(tmp_path):
    assert snakemake(tmp_path, "--version").stdout.strip()
"""

NEEDS_BROWSER = """
import pytest

@pytest.mark.needs_browser
def test_opens_the_report():
    pass
"""


@pytest.fixture
def inner(pytester, monkeypatch):
    """A pytest run in a folder of its own with this project's conftest.py."""
    pytester.makeconftest((REPO / "tests/conftest.py").read_text())
    pytester.makeini(
        "[pytest]\nmarkers =\n    workflow: w\n    needs_browser: b\n"
        "    needs_slurm: s\n    needs_fmnist: f\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(REPO / "workflow/scripts"))
    monkeypatch.delenv("AESTUDY_REQUIRE_EXTRAS", raising=False)
    return pytester


def test_a_test_that_uses_the_smoke_study_without_the_marker_stops_the_collection(inner):
    inner.makepyfile(test_unmarked=UNMARKED)
    result = inner.runpytest_subprocess("--collect-only", "-q")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*must be marked @pytest.mark.workflow*test_reads_the_smoke_study uses smoke_study*"]
    )
    inner.makepyfile(test_unmarked="import pytest\n\n@pytest.mark.workflow" + UNMARKED)
    assert inner.runpytest_subprocess("--collect-only", "-q").ret == pytest.ExitCode.OK


def test_the_snakemake_helper_refuses_a_test_without_the_marker(inner):
    inner.makepyfile(test_helper=HELPER_UNMARKED)
    result = inner.runpytest_subprocess("-q")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*mark the test @pytest.mark.workflow*"])


def test_a_missing_extra_skips_and_fails_where_extras_are_required(inner, monkeypatch):
    inner.makepyfile(test_browser=NEEDS_BROWSER)
    # A PATH without chromium: Python's own folder only.
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable))
    result = inner.runpytest_subprocess("-q", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*chromium is not installed (apt-get install chromium*"])
    monkeypatch.setenv("AESTUDY_REQUIRE_EXTRAS", "1")
    result = inner.runpytest_subprocess("-q")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*AESTUDY_REQUIRE_EXTRAS is set and*chromium is not installed*"])
