"""Data sets that ship with scikit-learn, prepared without a network: its digits
in MNIST's 28x28 shape, and 32x32 patches of its two sample photos in CIFAR-10's.

Each reader returns (train images, train labels, test images, test labels):
uint8 [N, C, H, W] and int64 labels.
"""

import numpy as np
import torch


def embedded_digits(test_size=297):
    """load_digits' 1797 8x8 images (values 0..16), resized to MNIST's 28x28."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16.0
    images = torch.nn.functional.interpolate(
        images, size=(28, 28), mode="bilinear", align_corners=False
    )
    images = (images.clamp(0, 1) * 255).round().to(torch.uint8)
    labels = torch.tensor(digits.target, dtype=torch.int64)
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))
    train, test = order[test_size:], order[:test_size]
    return images[train], labels[train], images[test], labels[test]


def embedded_sample_patches(size=32, stride=16, test_rows=3):
    """32x32 RGB patches of scikit-learn's two sample photos, labelled by photo.

    The bottom `test_rows` rows of patches of each photo are the test set; train
    patches lie wholly above them, so no pixel is in both splits.
    """
    from sklearn.datasets import load_sample_images

    splits = {"train": ([], []), "test": ([], [])}
    for label, photo in enumerate(load_sample_images().images):
        height, width, _ = photo.shape
        tops = list(range(0, height - size + 1, stride))
        cut = tops[-test_rows]
        for top in tops:
            split = "test" if top >= cut else "train"
            if split == "train" and top + size > cut:
                continue
            for left in range(0, width - size + 1, stride):
                splits[split][0].append(photo[top : top + size, left : left + size])
                splits[split][1].append(label)
    out = []
    for images, labels in splits.values():
        array = np.ascontiguousarray(np.stack(images).transpose(0, 3, 1, 2))
        out += [torch.from_numpy(array), torch.tensor(labels, dtype=torch.int64)]
    return tuple(out)
