"""The dataset formats: image shapes, class names, which are downloaded.

Torch-free on purpose: the config check imports it while Snakemake builds the DAG.
"""

from math import prod

# (channels, height, width) of every dataset format the pipeline can prepare.
IMAGE_SHAPES = {
    "mnist": (1, 28, 28),
    "fashion_mnist": (1, 28, 28),
    "cifar10": (3, 32, 32),
    "digits": (1, 28, 28),
    "sample_patches": (3, 32, 32),
}

CLASSES = {
    "mnist": [str(d) for d in range(10)],
    "digits": [str(d) for d in range(10)],
    "fashion_mnist": [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ],
    "cifar10": [
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    ],
    "sample_patches": ["china", "flower"],
}

# Small sets that ship with scikit-learn, shaped like the course's data so that a
# study runs with no network: {stand-in: the format it stands in for}. A report
# on them says so.
STAND_INS = {"digits": "mnist", "sample_patches": "cifar10"}

# Formats torchvision downloads when the config gives no local `path`, and the
# torchvision dataset class of each.
DOWNLOADABLE = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST", "cifar10": "CIFAR10"}


def is_downloaded(dataset):
    """True for a dataset entry (format, optional path) that comes from a download."""
    return not ({"path", "anomaly"} & set(dataset)) and dataset["format"] in DOWNLOADABLE


def input_size(image_shape):
    return prod(image_shape)
