"""Reading the study's PNG figures back as pixels, for tests: is there a picture,
how many image tiles does a grid hold, is it a notice in red."""

import numpy as np
from PIL import Image


def pixels(path):
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


def _runs(mask, min_length):
    """(start, end) of each run of True in a 1-D mask at least min_length long."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(int), [0]])))
    return [(a, b) for a, b in zip(edges[::2], edges[1::2], strict=True) if b - a >= min_length]


def tiles(path, min_px=8):
    """The image tiles of a figure drawn from one make_grid picture, as
    [[(top, bottom, left, right), ...] per row]: tiles are separated by the
    grid's pure white padding, and a row of tiles is inked across most of the
    figure's width (a title or a label is not)."""
    gray = pixels(path).mean(2)
    ink = gray < 255
    rows = _runs(ink.mean(1) > 0.5, min_px)
    if not rows:
        return []
    band = np.zeros(len(gray), dtype=bool)
    for top, bottom in rows:
        band[top:bottom] = True
    columns = _runs(ink[band].mean(0) > 0.5, min_px)
    return [[(top, bottom, left, right) for left, right in columns] for top, bottom in rows]


def grid_shape(path):
    found = tiles(path)
    return (len(found), len(found[0]) if found else 0)


def tile_means(path, row=0):
    """The mean grey value of each tile of one row."""
    gray = pixels(path).mean(2)
    return [float(gray[t:b, l:r].mean()) for t, b, l, r in tiles(path)[row]]  # noqa: E741


def is_a_picture(path):
    """Not blank: many grey levels, and neither all white nor one flat colour."""
    rgb = pixels(path)
    return len(np.unique(rgb.reshape(-1, 3), axis=0)) > 50 and rgb.std() > 10


def red_share(path):
    """Share of the inked (non-white) pixels that are the red of a notice, the text
    a figure shows when there is nothing to draw."""
    rgb = pixels(path)
    inked = (rgb < 250).any(2)
    red = (rgb[..., 0] > 120) & (rgb[..., 1] < 90) & (rgb[..., 2] < 90)
    return float(red.sum() / max(inked.sum(), 1))
