"""Image grids composed with numpy alone (the layout of torchvision's make_grid,
whose import costs a job two seconds): by figure_data from a model's images, and
by figure jobs from the images a run's figure data holds."""

import numpy as np

from aestudy.figures.contract import PAD


def compose(images, rows):
    """Images (uint8 [N, H, W] or [N, H, W, 3]) as one picture, `rows` rows filled
    left to right, PAD white pixels around each: {picture, rows, columns}."""
    images = np.asarray(images, dtype=np.uint8)
    count, height, width = images.shape[:3]
    columns = -(-count // rows)
    shape = (rows * (height + PAD) + PAD, columns * (width + PAD) + PAD, *images.shape[3:])
    picture = np.full(shape, 255, dtype=np.uint8)
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        top, left = PAD + row * (height + PAD), PAD + column * (width + PAD)
        picture[top : top + height, left : left + width] = image
    return dict(picture=picture, rows=rows, columns=columns)
