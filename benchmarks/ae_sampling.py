"""How an autoencoder's samples depend on where their codes are drawn: from a
Gaussian fitted to its training codes (what the pipeline does, evaluation/
generation.py) or from N(0, I), as for a VAE, which ignores where the AE's codes
lie. Both are scored as the pipeline scores samples (evaluation/diagnostics.py:
the share of a sample's 5 nearest training images that agree on its class, and
the evenness of the samples' classes).

    .venv/bin/python benchmarks/ae_sampling.py --study /path/to/study --model ae --latent-dim 4
"""

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow" / "scripts"))

from aestudy.data.prepared import to_float  # noqa: E402
from aestudy.evaluation.diagnostics import reference_images, sample_scores  # noqa: E402
from aestudy.evaluation.generation import code_distribution, encode_all, sample  # noqa: E402
from aestudy.evaluation.saved_runs import open_run  # noqa: E402
from aestudy.layout import dataset_file, run_file  # noqa: E402


def scores_by_draw(model, data, count, reference):
    """{draw: sample scores} for codes from the fitted Gaussian and from N(0, I)."""
    train = to_float(data["train_images"])
    mean, covariance = code_distribution(model, train)
    size = len(mean)
    draws = {
        "fitted Gaussian": (mean, covariance),
        "N(0, I)": (torch.zeros(size), torch.eye(size)),
    }
    return {
        name: sample_scores(sample(model, *where, count).flatten(1).numpy(), *reference)
        for name, where in draws.items()
    } | {"codes' std per dimension": encode_all(model, train).std(0).tolist()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", type=Path, required=True, help="a finished study's folder")
    parser.add_argument("--model", default="ae")
    parser.add_argument("--latent-dim", type=int, default=4)
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--reference-images", type=int, default=10000)
    args = parser.parse_args()
    torch.set_num_threads(1)
    reference = None
    for seed in args.seeds:
        run = dict(model=args.model, latent_dim=args.latent_dim, seed=seed)
        data, model, _, _ = open_run(
            args.study / dataset_file(args.dataset), args.study / run_file("model.pt", **run), run
        )
        reference = reference or reference_images(data, args.reference_images)
        found = scores_by_draw(model, data, args.samples, reference)
        spread = ", ".join(f"{s:.2f}" for s in found.pop("codes' std per dimension"))
        cells = "; ".join(
            f"{name}: agreement {s['sample_agreement']:.3f}, diversity {s['sample_diversity']:.3f}"
            for name, s in found.items()
        )
        print(f"{args.model} z = {args.latent_dim} seed {seed} (codes' std {spread}): {cells}")


if __name__ == "__main__":
    main()
