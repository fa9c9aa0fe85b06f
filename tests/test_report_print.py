"""The report on a narrow screen and on paper: no sideways scrolling of the page at
a small laptop's and a phone's width, figure text a phone can read, and the PDF that `report_pdf` prints (A4,
"page / pages" on every page, every figure, the folded seed galleries too)."""

import contextlib
import functools
import re
import shutil
import stat
from pathlib import Path

import pytest

from aestudy import StudyError
from conftest import snakemake

A4 = (595.28, 841.89)  # points
PDF = "results/report/report.pdf"


@contextlib.contextmanager
def opened(html_path, width):
    """The report in headless Chromium at a `width`-pixel window, every <details>
    opened: its playwright page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(Path(html_path).resolve().as_uri(), wait_until="load")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        page.wait_for_timeout(200)
        yield page
        browser.close()


def page_overflow(html_path, width):
    """How many CSS pixels the page is wider than a `width`-pixel window, with every
    <details> open; and how many <details> stayed closed."""
    with opened(html_path, width) as page:
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        closed = page.evaluate("document.querySelectorAll('details:not([open])').length")
    return overflow, closed


@pytest.mark.workflow
@pytest.mark.needs_browser
@pytest.mark.parametrize("width", [800, 390])
def test_report_does_not_scroll_sideways(smoke_study, width):
    html = smoke_study[0] / "results/report/index.html"
    overflow, closed = page_overflow(html, width)
    assert closed == 0
    assert overflow <= 0, (
        f"at {width} px the page is {overflow} px wider than the window: something "
        "(a figure, a table, a gallery column) does not shrink to the screen"
    )


# The smallest text a figure may show on a phone, in CSS pixels.
SMALLEST_TEXT_PX = 8


def figure_text_sizes(html_path, width, figures):
    """[(PNG, CSS px of its smallest text, rendered width, natural width)] for every
    image of the report at a `width`-pixel window, every <details> open. An image
    is matched to its PNG by its data URI; the PNG records the font size in pixels
    of its smallest text, which the browser scales by rendered width (inside the
    image's border) / natural width."""
    from PIL import Image

    from aestudy.figures.png import MIN_TEXT_KEY
    from aestudy.report.html import data_uri

    by_source = {data_uri(path): path for path in figures}
    with opened(html_path, width) as page:
        shown = page.evaluate(
            "Array.from(document.images).map(i => [i.src, i.clientWidth, i.naturalWidth])"
        )
    sizes = []
    for source, rendered, natural in shown:
        path = by_source[source]  # a KeyError: an image of no figure of the study
        smallest = float(Image.open(path).text[MIN_TEXT_KEY])
        sizes.append((path, smallest * rendered / natural, rendered, natural))
    return sizes


@pytest.mark.workflow
@pytest.mark.needs_browser
def test_figure_text_is_legible_on_a_phone(smoke_study):
    """At a 390 px wide window (a phone), no figure shows text smaller than 8 CSS px."""
    workdir = smoke_study[0]
    figures = sorted((workdir / "results/figures").rglob("*.png"))
    sizes = figure_text_sizes(workdir / "results/report/index.html", 390, figures)
    assert len(sizes) >= len(figures)  # every figure is shown, some twice
    small = [
        f"{path.relative_to(workdir)}: {px:.1f} px ({rendered:.0f} of {natural} px wide)"
        for path, px, rendered, natural in sizes
        if px < SMALLEST_TEXT_PX
    ]
    assert small == [], f"figure text under {SMALLEST_TEXT_PX} CSS px at 390 px: {small}"


def image_draws(page):
    """How many times the page's content draws an image (the `Do` operator on an
    image XObject), inside form XObjects too."""
    from pypdf.generic import ContentStream

    def count(content, resources, pdf):
        objects = (resources or {}).get("/XObject", {})
        found = 0
        for operands, operator in ContentStream(content, pdf).operations:
            if operator != b"Do" or operands[0] not in objects:
                continue
            target = objects[operands[0]].get_object()
            if target["/Subtype"] == "/Image":
                found += 1
            elif target["/Subtype"] == "/Form":
                found += count(target, target.get("/Resources", resources), pdf)
        return found

    return count(page.get_contents(), page.get("/Resources"), page.pdf)


@pytest.fixture(scope="module")
def printed_report(smoke_study):
    """The finished smoke study's report printed by `report_pdf`: (pdf reader, html,
    the rules that ran)."""
    from pypdf import PdfReader

    workdir = smoke_study[0]
    # The target goes before --configfile, which takes every word after it.
    process = snakemake(workdir, PDF, "--cores", "1", "--configfile", "config/smoke.yaml")
    ran = [
        line.split("rule ")[1].rstrip(":")
        for line in process.stderr.splitlines()
        if line.startswith(("rule ", "localrule "))
    ]
    html = (workdir / "results/report/index.html").read_text(encoding="utf-8")
    return PdfReader(workdir / PDF), html, ran


@pytest.mark.workflow
@pytest.mark.needs_browser
def test_pdf_is_printed_from_the_finished_report_alone(printed_report):
    _, _, ran = printed_report
    assert ran == ["report_pdf"]


@pytest.mark.workflow
@pytest.mark.needs_browser
def test_pdf_pages_are_numbered_a4(printed_report):
    pdf, _, _ = printed_report
    pages = len(pdf.pages)
    assert pages > 1
    for number, page in enumerate(pdf.pages, start=1):
        size = (float(page.mediabox.width), float(page.mediabox.height))
        assert size == pytest.approx(A4, abs=1), f"page {number} is {size} pt, not A4"
        text = page.extract_text()
        # "1 / 9" must not pass as part of "11 / 9" or "1 / 90".
        assert re.search(rf"(?<!\d){number} / {pages}(?!\d)", text), (
            f"page {number} does not say '{number} / {pages}'; its text ends {text[-80:]!r}"
        )


@pytest.mark.workflow
@pytest.mark.needs_browser
def test_pdf_shows_every_figure_of_the_report(printed_report):
    pdf, html, _ = printed_report
    # The seed galleries folded away on screen are in the count: they must print open.
    assert "<details" in html
    figures = html.count("<img")
    drawn = sum(image_draws(page) for page in pdf.pages)
    assert drawn >= figures > 0, f"the PDF draws {drawn} images, the report has {figures}"


def test_printing_without_chromium_says_how_to_install_it(tmp_path, monkeypatch):
    import print_report

    monkeypatch.setenv("PATH", str(tmp_path))
    (tmp_path / "index.html").write_text("<p>report</p>")
    with pytest.raises(StudyError, match=r"apt-get install chromium"):
        print_report.main(tmp_path / "index.html", tmp_path / "report.pdf")
    assert not (tmp_path / "report.pdf").exists()


def test_a_failed_print_leaves_no_pdf_behind(tmp_path, monkeypatch):
    import print_report

    # A stand-in browser that fails after writing half a file.
    fake = tmp_path / "bin" / "chromium"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\n"
        'for a; do case "$a" in --print-to-pdf=*) printf half > "${a#*=}";; esac; done\n'
        "echo 'cannot print' >&2; exit 3\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(fake.parent))
    out = tmp_path / "out"
    (tmp_path / "index.html").write_text("<p>report</p>")
    with pytest.raises(StudyError, match=r"exit status 3\): cannot print"):
        print_report.main(tmp_path / "index.html", out / "report.pdf")
    assert list(out.iterdir()) == []


def column_headings(html):
    """The heading of every column of every table of the report, as text."""
    import html as entities

    cells = []
    for table in re.findall(r"<table\b.*?</table>", html, flags=re.S):
        head = re.search(r"<thead>(.*?)</thead>", table, flags=re.S)
        for cell in re.findall(r"<th\b[^>]*>(.*?)</th>", head[1] if head else "", flags=re.S):
            cells.append(entities.unescape(re.sub(r"<[^>]+>", "", cell)))
    return cells


def on_page_text(page):
    """The text drawn inside the page's box: what a reader of the paper sees (text
    a browser lays out past the page's edge is in the file but cut off)."""
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    parts = []

    def keep(text, cm, tm, *_):
        x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
        y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
        if 0 <= x < width and 0 <= y <= height:
            parts.append(text)

    page.extract_text(visitor_text=keep)
    return "".join(parts)


@pytest.mark.workflow
@pytest.mark.needs_browser
def test_pdf_holds_every_column_of_every_table(printed_report):
    pdf, html, _ = printed_report
    # Words wrap where the page's cells do: compare without spaces and line breaks.
    squeeze = functools.partial(re.sub, r"\s+", "")
    printed = squeeze("".join(on_page_text(page) for page in pdf.pages))
    headings = column_headings(html)
    assert len(headings) > 50 and "5-NN accuracy" in headings
    missing = sorted(
        {h for h in headings if printed.count(squeeze(h)) < headings.count(h)},
    )
    assert missing == [], f"columns that the PDF does not show: {missing}"


def table_overflow(html_path, width, media):
    """[(table's first heading, pixels it is wider than what holds it)] of every
    table that is cut or scrolls sideways in a `width`-pixel window, on `media`."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.emulate_media(media=media)
        page.goto(Path(html_path).resolve().as_uri(), wait_until="load")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        wide = page.evaluate(
            """Array.from(document.querySelectorAll('table')).map(t => {
                 const own = t.scrollWidth - t.clientWidth;
                 const room = t.parentElement.getBoundingClientRect().right
                              - t.getBoundingClientRect().right;
                 return [t.className || t.closest('[id]')?.id, Math.max(own, -room)];
               }).filter(([, over]) => over > 1)"""
        )
        browser.close()
    return wide


# The width of A4 inside the style sheet's margins (210 - 2 x 15 mm), in CSS pixels.
A4_TEXT_WIDTH_PX = round((210 - 30) / 25.4 * 96)


@pytest.mark.workflow
@pytest.mark.needs_browser
@pytest.mark.parametrize(
    ("width", "media"), [(1280, "screen"), (390, "screen"), (A4_TEXT_WIDTH_PX, "print")]
)
def test_tables_fit_a_laptop_screen_a_phone_and_a4(smoke_study, width, media):
    """No table is cut inside its box or scrolls: at 390 px the wide ones are cards."""
    html = smoke_study[0] / "results/report/index.html"
    assert table_overflow(html, width, media) == []


def wrapped_spreads(html_path, width):
    """The "mean ± std" of the page that a `width`-pixel window breaks over two
    lines."""
    with opened(html_path, width) as page:
        return page.evaluate(
            r"""(() => {
              const found = [];
              const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
              for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                for (const m of node.data.matchAll(/[\w.−-]+[\s\u00a0]±[\s\u00a0][\w.]+/g)) {
                  const range = document.createRange();
                  range.setStart(node, m.index);
                  range.setEnd(node, m.index + m[0].length);
                  const tops = new Set(Array.from(range.getClientRects())
                                       .filter(r => r.width > 0).map(r => Math.round(r.top)));
                  if (tops.size > 1) found.push(m[0]);
                }
              }
              return found;
            })()"""
        )


@pytest.mark.workflow
@pytest.mark.needs_browser
@pytest.mark.parametrize("width", [1280, 390])
def test_no_spread_wraps_at_its_sign(smoke_study, width):
    html = smoke_study[0] / "results/report/index.html"
    assert "0 ± " not in html.read_text(encoding="utf-8")  # bound by no-break spaces
    assert wrapped_spreads(html, width) == []
