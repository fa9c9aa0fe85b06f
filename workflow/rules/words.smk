# The words of the report's language: what each figure job writes on its figure,
# and the captions `snakemake --report` shows, written from the same words as the
# HTML report's.

import yaml

from aestudy.report.captions import caption, plain_citations, write_caption_file

with open(WORDS_FILE, encoding="utf-8") as _handle:
    WORDS = yaml.safe_load(_handle)
with open(workflow_file("report/text/references.yaml"), encoding="utf-8") as _handle:
    REFERENCES = yaml.safe_load(_handle)

# Written when the study is planned, under .snakemake/ of the working directory.
CAPTIONS_FOLDER = Path(".snakemake", "captions", config["report"]["language"]).resolve()


def report_caption(name, settings=None):
    """The caption file of a figure or table kind for `snakemake --report`."""
    text = plain_citations(caption(name, WORDS, settings), REFERENCES)
    return str(write_caption_file(CAPTIONS_FOLDER / f"{name}.rst", text))


def figure_words(figure):
    """A figure kind's words, with those every per-run figure shares, and the
    classes' names in the report's language for the kinds whose legend or rows
    name classes."""
    words = WORDS["figure_words"]
    drawn = dict(words[figure], run=words["run"], diverged=words["diverged"])
    if FIGURE_KINDS[figure].names_classes:
        drawn["classes"] = words["classes"]
    return drawn
