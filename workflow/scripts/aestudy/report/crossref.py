"""Numbered figures and tables, and citations, resolved in the finished HTML.

The template and the words mark what is numbered and what refers to it, in any
order: `[[figure:ID]]` and `[[table:ID]]` where a figure's or a table's caption
begins (they become "Figure 3" and "Table 2", numbered in document order),
`[[ref:ID]]` where the text refers to one (a link to it), and `[@key]` (or
`[@key; @other]`) where the text cites references of the list (links "[n]" to
their entries `ref-key`). The
markers survive HTML escaping, so they may sit in any word of the report.
"""

import re

from markupsafe import Markup, escape

from aestudy import StudyError

LABEL = re.compile(r"\[\[(figure|table):([\w.-]+)\]\]")
REFERENCE = re.compile(r"\[\[ref:([\w.-]+)\]\]")
CITATION = re.compile(r"\[@([\w-]+(?:;\s*@[\w-]+)*)\]")  # [@a] or [@a; @b]


def resolve(html, reference_keys, words):
    """`html` with every marker replaced; `reference_keys` in the list's order give
    the citation numbers; `words`: {"figure": "Figure {n}", "table": "Table {n}", "label": "{label}."}, the
    last for where a caption begins.
    An unknown target is an error of the template or the words, never a silent gap."""
    numbers, counts = {}, {"figure": 0, "table": 0}
    for kind, target in LABEL.findall(html):
        if target in numbers:
            raise StudyError(f"the report numbers '{target}' twice; expected unique labels.")
        counts[kind] += 1
        numbers[target] = words[kind].format(n=counts[kind])

    def label(match):
        return f'<span class="label">{words["label"].format(label=numbers[match[2]])}</span>'

    def reference(match):
        if match[1] not in numbers:
            raise StudyError(f"the report refers to '{match[1]}', which no figure or table has.")
        return f'<a class="xref" href="#{match[1]}">{numbers[match[1]]}</a>'

    citation_numbers = {key: n for n, key in enumerate(reference_keys, 1)}

    def citation(match):
        keys = citation_keys(match)
        for key in keys:
            if key not in citation_numbers:
                raise StudyError(f"the report cites '{key}', which the reference list lacks.")
        links = ", ".join(
            f'<a class="cite" href="#ref-{key}">{citation_numbers[key]}</a>' for key in keys
        )
        return f"[{links}]"

    html = LABEL.sub(label, html)
    html = REFERENCE.sub(reference, html)
    return CITATION.sub(citation, html)


def citation_keys(match):
    return [key.strip().lstrip("@") for key in match[1].split(";")]


def cited(html):
    """The reference keys `html` cites, each once, in the order first cited."""
    return list(
        dict.fromkeys(key for match in CITATION.finditer(html) for key in citation_keys(match))
    )


def refer(target):
    """The marker of a reference to a figure or table, for sentences built in code."""
    return f"[[ref:{target}]]"


def cite(key):
    return f"[@{key}]"


def as_text(value):
    """Text a user wrote (a name, a title, a claim's words) as HTML that prints as
    written: escaped, and its "[" an entity, so that no citation or reference is
    read in it; the page's own words alone carry [@key] and [[ref:id]]."""
    return Markup(str(escape(value)).replace("[", "&#91;"))
