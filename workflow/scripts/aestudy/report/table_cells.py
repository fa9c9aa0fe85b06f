"""Tables a phone can read: every body cell of a wide table is labelled with its
column's heading (`data-label`), so that below a phone's width the style sheet
shows the table as one card per row, each value beside its heading, instead of
a box that hides the columns past the screen's edge.

The numbers' "±" is bound to its neighbours by no-break spaces, so that a
"mean ± std" never wraps at the sign.
"""

import html
import re

# Tables of fewer columns fit a phone's width as tables.
CARDS_FROM_COLUMNS = 4

_TABLE = re.compile(r"<table\b([^>]*)>(.*?)</table>", re.S)
_HEAD = re.compile(r"<thead\b[^>]*>(.*?)</thead>", re.S)
_BODY = re.compile(r"(<tbody\b[^>]*>)(.*?)(</tbody>)", re.S)
_ROW = re.compile(r"(<tr\b[^>]*>)(.*?)(</tr>)", re.S)
_CELL = re.compile(r"<(td|th)\b([^>]*)>", re.S)
_TAGS = re.compile(r"<[^>]+>")


def _headings(head):
    """The text of the last heading row's cells (pandas writes one row)."""
    rows = _ROW.findall(head)
    if not rows:
        return []
    cells = re.findall(r"<th\b[^>]*>(.*?)</th>", rows[-1][1], re.S)
    return [html.unescape(_TAGS.sub("", cell)).strip() for cell in cells]


def _label_row(row, headings):
    position = iter(range(len(headings) + 1))

    def label(match):
        index = next(position)
        if index >= len(headings) or "data-label" in match.group(2):
            return match.group(0)
        heading = html.escape(headings[index], quote=True)
        return f'<{match.group(1)}{match.group(2)} data-label="{heading}">'

    return _CELL.sub(label, row)


def _as_cards(match):
    attributes, inner = match.groups()
    head = _HEAD.search(inner)
    headings = _headings(head.group(1)) if head else []
    if len(headings) < CARDS_FROM_COLUMNS:
        return match.group(0)
    body = _BODY.sub(
        lambda b: (
            b.group(1)
            + _ROW.sub(
                lambda r: r.group(1) + _label_row(r.group(2), headings) + r.group(3), b.group(2)
            )
            + b.group(3)
        ),
        inner,
    )
    if 'class="' in attributes:
        attributes = attributes.replace('class="', 'class="cards ', 1)
    else:
        attributes += ' class="cards"'
    return f"<table{attributes}>{body}</table>"


def phone_tables(page):
    """`page` with its wide tables labelled for cards and its "±" unbreakable."""
    return _TABLE.sub(_as_cards, page).replace(" ± ", "\u00a0±\u00a0")
