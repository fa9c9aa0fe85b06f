"""How confident a trained VAE's decoder is: the share of test pixels whose logit
lies where float32's sigmoid rounds to exactly 0 or 1, and what a likelihood taken
from those rounded probabilities (log and log1p of the sigmoid, clamped at -100)
does to the gradient there, against the stable form from the logits.

    .venv/bin/python benchmarks/saturation.py --study /path/to/study --run vae/z20/seed0
"""

import argparse
import sys
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow" / "scripts"))

from aestudy.evaluation.saved_runs import open_run  # noqa: E402
from aestudy.kinds.losses import bce_with_logits_per_image  # noqa: E402


def clamped_log_bce(logits, x):
    """The BCE from probabilities, as the VAE's loss took it before: NaN gradients
    at probabilities of exactly 0 or 1."""
    recon = torch.sigmoid(logits)
    log_p = torch.log(recon).clamp(min=-100)
    log_not_p = torch.log1p(-recon).clamp(min=-100)
    return -(x * log_p + (1 - x) * log_not_p).flatten(1).sum(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--study", type=Path, required=True)
    parser.add_argument("--run", required=True, help="model/z<latent size>/seed<seed>")
    parser.add_argument("--dataset", default="fashion_mnist")
    args = parser.parse_args()
    model, z, seed = args.run.split("/")
    run = dict(model=model, latent_dim=int(z[1:]), seed=int(seed[4:]))
    data, vae, _, images = open_run(
        args.study / "results" / "data" / f"{args.dataset}.pt",
        args.study / "results" / "runs" / args.run / "model.pt",
        run,
    )
    torch.set_flush_denormal(True)  # as training runs
    with torch.no_grad():
        logits = vae.decode_logits(vae.code(images))
    probabilities = torch.sigmoid(logits)
    total = logits.numel()
    ones, zeros = (probabilities == 1).sum().item(), (probabilities == 0).sum().item()
    print(
        f"{args.run}: {total:,} test pixels; logits from {logits.min():.1f} to {logits.max():.1f}"
    )
    print(f"  sigmoid exactly 1: {ones:,} ({ones / total:.3%}); exactly 0: {zeros:,}")
    for name, loss in (
        ("clamped logs", clamped_log_bce),
        ("stable form", bce_with_logits_per_image),
    ):
        leaf = logits.clone().requires_grad_()
        loss(leaf, images).sum().backward()
        bad = (~torch.isfinite(leaf.grad)).sum().item()
        images_hit = (~torch.isfinite(leaf.grad)).flatten(1).any(1).sum().item()
        print(
            f"  {name}: {bad:,} non-finite gradients, in {images_hit:,} of {len(images):,} images"
        )


if __name__ == "__main__":
    main()
