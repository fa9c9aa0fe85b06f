"""Print results/report/index.html to results/report/report.pdf with headless Chromium.

The page size (A4), the page numbers in the foot of each page and where pages
break all come from the report's style sheet (@page and @media print), so the
browser is asked for nothing but the PDF.
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

from aestudy import StudyError
from aestudy.atomic_files import atomic_path
from aestudy.entry import run_job

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT = 600  # seconds; the smoke report prints in a few


def find_browser():
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    raise StudyError(
        f"printing the report needs Chromium, and none of {', '.join(BROWSERS)} is on the "
        "PATH: install it (apt-get install chromium)."
    )


def print_command(browser, html, pdf, profile):
    return [
        browser,
        "--headless",
        "--no-sandbox",  # Chromium's sandbox refuses to start as root, as in containers
        "--disable-gpu",
        # Chromium's own header and footer (date, file path) would cover the
        # style sheet's page numbers.
        "--no-pdf-header-footer",
        # A profile of its own: no lock shared with a browser the user has open.
        f"--user-data-dir={profile}",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        f"--print-to-pdf={pdf}",
        Path(html).resolve().as_uri(),
    ]


def is_pdf(path):
    with open(path, "rb") as handle:
        return handle.read(5) == b"%PDF-"


def main(html, output, log=print):
    if not Path(html).is_file():
        raise StudyError(f"there is no report to print at {html}: render it first.")
    browser = find_browser()
    with atomic_path(output) as tmp, tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        try:
            process = subprocess.run(
                print_command(browser, html, tmp, profile),
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            raise StudyError(f"{browser} did not print {html} within {TIMEOUT} s.") from None
        # Chromium may exit 0 without writing the file (a page it could not open).
        if process.returncode != 0 or not is_pdf(tmp):
            said = (process.stderr.strip().splitlines() or ["(nothing on stderr)"])[-1]
            raise StudyError(
                f"{browser} could not print {html} to PDF (exit status {process.returncode}): "
                f"{said}"
            )
        size = tmp.stat().st_size / 1e6
    log(f"printed {html} with {browser} ({size:.1f} MB) -> {output}")


if "snakemake" in globals():
    run_job(main, snakemake.log[0], html=snakemake.input[0], output=snakemake.output[0])
