"""What a model's figures show, said in numbers measured on the same images
(evaluation/diagnostics.py): how far apart the classes lie in its latent view,
how evenly its interpolations change, how clearly its samples look like a class
and how evenly they cover the classes. Each is set beside the data set's own
value where it has one, with the same test as every comparison of the report
(report/verdicts.py): a spread over seeds against a number, untested from one
seed."""

from aestudy.kinds import kind_of
from aestudy.report.findings import finished_rows, listing
from aestudy.report.tables import mean_std, number
from aestudy.report.verdicts import against_value

STANDING = {1: "above", 0: "level", -1: "below", None: "untested"}


def _cases(rows, metric, words, lists, beside=None, of=""):
    """'value at z = k' for every size with the metric, each with its standing
    against `beside` (a summary column of the data set's own value, `of` in
    words) if given."""
    cases = []
    for row in rows:
        if row.get(f"{metric}_mean") is None:
            continue
        case = words["case"].format(value=mean_std(row, metric), z=row["latent_dim"])
        if beside and row.get(beside) is not None:
            standing = STANDING[against_value(row, metric, row[beside])]
            case += words["standing"][standing].format(of=of)
        cases.append(case)
    return listing(cases, lists)


def figure_sentences(rows, words, lists):
    """Sentences on one model's figures from its summary rows (one per latent
    size). `words`: report/text's `figure_reading`; `lists`: its `findings`."""
    rows = finished_rows(rows)
    if not rows:
        return []
    head, out = rows[0], []
    silhouettes = _cases(
        rows, "code_silhouette", words, lists, beside="pixel_silhouette", of=words["of_pixels"]
    )
    if silhouettes:
        out.append(
            words["latent_view"].format(
                model=head["model"],
                cases=silhouettes,
                pixels=number(head.get("pixel_silhouette"), like=100),
            )
        )
    steps = _cases(rows, "interpolation_unevenness", words, lists)
    if steps:
        out.append(words["interpolation"].format(model=head["model"], cases=steps))
    test_images = words["of_test_images"]
    agreement = _cases(rows, "sample_agreement", words, lists, "test_agreement", test_images)
    if agreement:
        out.append(
            words["samples"].format(
                model=head["model"],
                drawn=words["drawn"][kind_of(head["kind"]).generation],
                agreement=agreement,
                diversity=_cases(
                    rows, "sample_diversity", words, lists, "test_diversity", test_images
                ),
                test_agreement=number(head.get("test_agreement"), like=100),
                test_diversity=number(head.get("test_diversity"), like=100),
            )
        )
    return out
