"""Reading the study's PNG figures back as pixels, for tests: is there a picture,
which image tiles does a grid hold, is it a notice in red."""

import numpy as np
from PIL import Image
from scipy import ndimage


def pixels(path):
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


def width(path):
    with Image.open(path) as image:
        return image.width


def tiles(path, min_px=20):
    """The image tiles of a figure drawn from one make_grid picture, as
    [[(top, bottom, left, right), ...] per row], top to bottom and left to right.
    A tile is a solid block of ink (not pure white) at least min_px on each side,
    apart from the others by the grid's white padding; a letter of a title or a
    label is smaller, or mostly white. A blank cell (white) is no tile, so a row
    may hold fewer tiles than the one above it."""
    ink = pixels(path).min(2) < 255
    blobs, _ = ndimage.label(ink)
    boxes = []
    for index, found in enumerate(ndimage.find_objects(blobs), start=1):
        rows, columns = found
        height, across = rows.stop - rows.start, columns.stop - columns.start
        solid = (blobs[found] == index).mean() > 0.5
        if height >= min_px and across >= min_px and solid:
            boxes.append((rows.start, rows.stop, columns.start, columns.stop))
    grid = []
    for box in sorted(boxes):
        if grid and abs(box[0] - grid[-1][0][0]) <= 2:  # tiles of one row start together
            grid[-1].append(box)
        else:
            grid.append([box])
    return [sorted(row, key=lambda box: box[2]) for row in grid]


def grid_shape(path):
    """(rows, columns) of a grid's tiles: its widest row's count as the columns."""
    found = tiles(path)
    return (len(found), max(map(len, found)) if found else 0)


def tile_means(path, row=0):
    """The mean grey value of each tile of one row."""
    gray = pixels(path).mean(2)
    return [float(gray[t:b, l:r].mean()) for t, b, l, r in tiles(path)[row]]  # noqa: E741


def is_a_picture(path):
    """Not blank: many shades (the figures are saved in 32 greys or a palette), and
    neither all white nor one flat colour."""
    rgb = pixels(path).astype(np.int32)
    # a colour as one number: np.unique over rows (axis=0) is 30 times slower
    colours = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    return len(np.unique(colours)) > 16 and rgb.std() > 10


def red_share(path):
    """Share of the inked (non-white) pixels that are the red of a notice, the text
    a figure shows when there is nothing to draw."""
    rgb = pixels(path)
    inked = (rgb < 250).any(2)
    red = (rgb[..., 0] > 120) & (rgb[..., 1] < 90) & (rgb[..., 2] < 90)
    return float(red.sum() / max(inked.sum(), 1))
