"""The captions of the figures and tables, from the words of the report's
language: the HTML report shows them, and `snakemake --report` reads them as
reStructuredText files written from the same words.

A caption may name the figure's settings ({limit}, {threshold}); they are filled
from the config that ran, so the words never state a setting that differs."""

import re
from pathlib import Path

from aestudy.atomic_files import atomic_path
from aestudy.kinds import figure_kinds
from aestudy.report.crossref import CITATION, citation_keys

YEAR = re.compile(r"\((\d{4})\)")


def caption(name, words, settings=None):
    """The caption of a figure or table kind, its settings filled in."""
    return words["captions"][name].format(**(settings or {}))


def default_figure_settings():
    """{figure: its settings} at the schema's defaults, which the figure kinds declare."""
    return {
        name: {key: setting["default"] for key, setting in figure.settings.items()}
        for name, figure in figure_kinds().items()
    }


def filled_captions(words, figure_settings=None):
    """{name: caption} of every caption of the words, each figure kind's filled from
    its settings (the config's `figures` block; the defaults where not given)."""
    defaults, given = default_figure_settings(), figure_settings or {}
    kinds = figure_kinds()
    return {
        name: caption(
            name,
            words,
            kinds[name].caption_values({**defaults[name], **given.get(name, {})})
            if name in kinds
            else {},
        )
        for name in words["captions"]
    }


def plain_citations(text, references):
    """`text` with each [@key] marker as the first author's name and the year, in
    square brackets: Snakemake's report has no reference list to link to."""

    def named(match):
        cited = []
        for key in citation_keys(match):
            entry = references[key]
            year = YEAR.search(entry)
            cited.append(f"{entry.split(',')[0]} {year[1] if year else ''}".strip())
        return f"[{'; '.join(cited)}]"

    return CITATION.sub(named, text)


def write_caption_file(path, text):
    """Write a caption file, unless it already holds `text`: planning a study
    again leaves the file, and its time, alone."""
    path = Path(path)
    if path.is_file() and path.read_text(encoding="utf-8") == text + "\n":
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text + "\n", encoding="utf-8")
    return path
