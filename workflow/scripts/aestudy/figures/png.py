"""Figures saved as small PNGs, every figure of the study being inlined in the
report: in as few colours as they need, with the size of their smallest text
recorded for the report's tests."""

import io

import numpy as np
from matplotlib.text import Text
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from aestudy.atomic_files import atomic_path
from aestudy.figures.typography import warn_if_words_cannot_be_drawn

# The PNG's text chunk that holds the height in pixels of its smallest text (its
# font size in pixels): the report's tests read how large a browser shows it.
MIN_TEXT_KEY = "min_text_px"
# Fewer shades than a PNG can hold, for smaller files: a plot's lines and text need
# few colours, and a grid of grey images in 32 greys looks as it does in 256.
PLOT_COLOURS = 64
GREY_LEVELS = 32


def save(fig, path, dpi):
    """Save a figure as a small PNG: in GREY_LEVELS greys where every pixel is grey;
    else in a palette of 256 colours for pictures of colour images (about 35 dB
    PSNR on CIFAR-10 patches, a third of the size of full colour), of `fig.colours`
    where a figure sets it, else of PLOT_COLOURS for a plot."""
    warn_if_words_cannot_be_drawn(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    image = compact(Image.open(buffer), getattr(fig, "colours", None))
    info = PngInfo()
    info.add_text(MIN_TEXT_KEY, f"{smallest_text_px(fig, dpi):.2f}")
    with atomic_path(path) as tmp:
        image.save(tmp, format="png", optimize=True, pnginfo=info)


def smallest_text_px(fig, dpi):
    """The font size in pixels of the smallest text drawn on a saved figure."""
    sizes = [
        text.get_fontsize() * dpi / 72
        for text in fig.findobj(Text)
        if text.get_visible() and text.get_text().strip()
    ]
    return min(sizes, default=0.0)


def compact(image, colours=None):
    """The image in GREY_LEVELS evenly spaced greys if every pixel is grey, else in
    an adaptive palette of `colours` (PLOT_COLOURS if not given)."""
    rgb = image.convert("RGB")  # matplotlib's alpha channel is opaque everywhere
    pixels = np.asarray(rgb)
    if (pixels[..., 0] == pixels[..., 1]).all() and (pixels[..., 1] == pixels[..., 2]).all():
        step = 255 / (GREY_LEVELS - 1)
        return rgb.convert("L").point([round(round(v / step) * step) for v in range(256)])
    return rgb.quantize(colours or PLOT_COLOURS, dither=Image.Dither.NONE)
