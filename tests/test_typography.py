"""The figures' text broken into lines that fit a width, in English and in Chinese."""

import pytest

ENGLISH = (
    "Samples, z ~ Gaussian fitted to the training codes: vae_anomaly on digits, z = 256, seed 1"
)
CHINESE = "样本（z 取自拟合训练编码的高斯分布）：数字上的 vae_anomaly，z = 256，种子 1。"


@pytest.mark.parametrize("text", [ENGLISH, CHINESE])
@pytest.mark.parametrize("width", [1.5, 2.5, 4.0])
def test_a_title_is_broken_into_lines_that_fit_its_width(text, width):
    from aestudy.figures.typography import fit, text_width

    lines = fit(text, width).split("\n")
    assert len(lines) > 1  # each text is wider than each width
    assert max(map(text_width, lines)) <= width
    # nothing lost: the lines are the text, broken where a space or none was
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


@pytest.mark.parametrize("text", [ENGLISH, CHINESE])
def test_no_line_breaks_an_equation_or_starts_with_a_closing_mark(text):
    from aestudy.figures.typography import CLOSING, OPENING, fit

    for width in (1.0, 1.3, 1.6, 2.0, 2.5):
        lines = fit(text, width).split("\n")
        assert "z = 256" in "\n".join(lines)  # z = 256 stays on one line
        assert not [line for line in lines[1:] if line[0] in CLOSING], width
        assert not [line for line in lines[:-1] if line[-1] in OPENING], width


def test_text_fits_on_one_line_where_it_is_narrower_than_the_width():
    from aestudy.figures.typography import fit, text_width

    assert fit(ENGLISH, text_width(ENGLISH) + 0.01) == ENGLISH
