"""The figures' text: its fonts (Chinese words need a CJK font), its size, and
lines broken to fit a width, in English and in Chinese.

Importing this module sets matplotlib's fonts and text sizes for every figure the
process draws (its rcParams): the drawing functions read them."""

import contextlib
import logging
import re
import warnings

import matplotlib
from matplotlib import font_manager
from matplotlib.text import Text
from matplotlib.textpath import TextToPath

FONT_SIZE = 9  # points, the smallest text; titles are a point larger
LINE = 1.3 / 72  # inches a line of text takes, per point of its size

# Chinese words need a CJK font; Debian's fonts-noto-cjk has the first ones.
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei")
CJK_PACKAGE = "fonts-noto-cjk"
# Ideographs, CJK punctuation and full-width forms: characters DejaVu Sans lacks.
CJK_CHARACTER = re.compile("[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")
# A line of a title does not end with an opening bracket or quote, nor start with
# a closing one or a punctuation mark (ASCII or full-width).
OPENING = set("([{\uff08\u300a\u300c\u300e\u3010\u3014\u201c\u2018")
CLOSING = set(
    ")]},.:;!?\uff09\uff0c\u3002\uff1a\uff1b\uff01\uff1f\u3001\u300b\u300d\u300f\u3011\u3015\u201d\u2019"
)


def find_cjk_font():
    """The first of CJK_FONTS matplotlib can draw with, or None. matplotlib's font
    list is cached, and may be older than the font's installation: then the font
    files the system has and the list lacks are added (for this process only)."""

    def listed():
        names = {font.name for font in font_manager.fontManager.ttflist}
        return next((name for name in CJK_FONTS if name in names), None)

    if listed() is None:
        known = {font.fname for font in font_manager.fontManager.ttflist}
        for path in font_manager.findSystemFonts():
            if path not in known:
                with contextlib.suppress(Exception):  # a file FreeType cannot read
                    font_manager.fontManager.addfont(path)
    return listed()


CJK_FONT = find_cjk_font()
# Latin text is drawn in DejaVu Sans; matplotlib takes each glyph DejaVu Sans lacks
# (the Chinese ones) from the next family in this list.
matplotlib.rcParams.update(
    {
        "font.size": FONT_SIZE,
        "axes.titlesize": FONT_SIZE + 1,
        "figure.titlesize": FONT_SIZE + 1,
        "legend.fontsize": FONT_SIZE,
        "figure.constrained_layout.use": True,
        "font.family": ["sans-serif", *([CJK_FONT] if CJK_FONT else [])],
    }
)
_warned_of_missing_font = False


def warn_if_words_cannot_be_drawn(fig):
    """Chinese words and no CJK font: the figure is drawn all the same (the words as
    boxes), and the job's log says once what to install."""
    global _warned_of_missing_font
    if CJK_FONT or not any(CJK_CHARACTER.search(t.get_text()) for t in fig.findobj(Text)):
        return
    # said once in the log, instead of once for every character matplotlib cannot draw
    warnings.filterwarnings("ignore", message="Glyph .* missing from font")
    if not _warned_of_missing_font:
        logging.getLogger("aestudy").warning(
            f"warning: no CJK font found ({', '.join(CJK_FONTS)}): the Chinese words of "
            f"the figures are drawn as boxes; install Debian's {CJK_PACKAGE} "
            f"(apt-get install {CJK_PACKAGE})"
        )
        _warned_of_missing_font = True


def text_width(text, size=FONT_SIZE):
    """Width in inches of one line of text drawn at `size` points, in the figures' fonts."""
    properties = font_manager.FontProperties(size=size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a missing glyph is reported once, when saved
        width, _, _ = TextToPath().get_text_width_height_descent(text, properties, ismath=False)
    return width / 72


def fit(text, width, size=FONT_SIZE):
    """`text` broken into lines at most `width` inches wide where it can be: between
    words (not beside an equals sign: z = 2 stays whole), and between Chinese
    characters (no line starts with a comma)."""
    between_words = {i for i in range(2, len(text)) if text[i - 1] == " "}
    between_words -= {i for i in between_words if "=" in (text[i - 2], text[i])}
    breaks = [
        i
        for i in range(1, len(text))
        if text[i - 1] not in OPENING
        and text[i] not in CLOSING
        and (i in between_words or CJK_CHARACTER.match(text[i - 1]) or CJK_CHARACTER.match(text[i]))
    ]
    lines, start, last = [], 0, None
    for end in [*breaks, len(text)]:
        if last is not None and text_width(text[start:end].strip(), size) > width:
            lines.append(text[start:last].strip())
            start = last
        last = end
    return "\n".join([*lines, text[start:].strip()])
