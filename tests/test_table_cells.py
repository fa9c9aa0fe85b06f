"""Wide tables become cards on a phone: every body cell carries its column's
heading; narrow tables stay tables; "±" never breaks."""

import pandas as pd

from aestudy.report.table_cells import CARDS_FROM_COLUMNS, phone_tables


def test_a_wide_table_labels_every_body_cell_with_its_heading():
    frame = pd.DataFrame(
        {
            "Model": ["ae", "vae"],
            "z": [2, 4],
            "MSE <px>": ["0.0350 ± 0.0001", "0.02"],
            "PCA": [1, 2],
        }
    )
    page = "<p>a ± b</p>" + frame.to_html(index=False, classes="summary", border=0)
    shown = phone_tables(page)
    assert 'class="cards dataframe summary"' in shown
    assert shown.count('data-label="Model"') == 2 and shown.count('data-label="PCA"') == 2
    assert 'data-label="MSE &lt;px&gt;"' in shown  # a heading's markup stays text
    assert "<th>Model</th>" in shown  # the heading row is left as it was
    assert (
        " ± " not in shown and "0.0350\u00a0±\u00a00.0001" in shown and "a\u00a0±\u00a0b" in shown
    )


def test_a_narrow_table_stays_a_table():
    frame = pd.DataFrame({f"c{i}": [i] for i in range(CARDS_FROM_COLUMNS - 1)})
    page = frame.to_html(index=False)
    assert phone_tables(page) == page
    # a table with no heading row is left alone too
    assert (
        phone_tables("<table><tr><td>1</td></tr></table>") == "<table><tr><td>1</td></tr></table>"
    )
