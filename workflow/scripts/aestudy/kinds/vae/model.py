"""The variational autoencoder: network, loss, evaluation terms."""

import math
from math import prod

import torch
from torch import nn

from aestudy.kinds.layers import gaussian_sample, mlp
from aestudy.kinds.losses import bce_with_logits_per_image, kl_per_image, log_normal
from aestudy.kinds.vae import ACTIVE_KL
from aestudy.training.written_out_backward import (
    backward_over_runs,
    backward_stack,
    forward_over_runs,
    forward_stack,
    is_stack,
    linear_backward_over_runs,
    linear_over_runs,
    loss_gradients,
)


def vae_loss(logits, x, mean, logvar, beta=1.0):
    """BCE (summed) + beta * KL over the batch: the course report's VAE loss, its
    BCE taken from the decoder's logits in the stable form."""
    return bce_with_logits_per_image(logits, x).sum() + beta * kl_per_image(mean, logvar).sum()


class VAE(nn.Module):
    """Encoder input-hidden -> (mean, logvar); decoder z-hidden(mirrored)-input, sigmoid.

    With `conditions` > 0 (the conditional VAE), the one-hot class label is joined
    to the encoder's input and to the code the decoder reads.

    The loss reads the decoder's logits (`decode_logits`), never its sigmoid
    images (`decode`): a saturated sigmoid rounds to exactly 0 or 1, where the
    likelihood's gradient would be lost."""

    def __init__(self, image_shape, hidden, latent_dim, beta, conditions=0):
        super().__init__()
        self.image_shape, self.latent_dim, self.beta = tuple(image_shape), latent_dim, beta
        self.conditions = conditions
        n_input = prod(image_shape)
        self.encoder = nn.Sequential(*mlp([n_input + conditions, *hidden]), nn.ReLU())
        self.fc_mean = nn.Linear(hidden[-1], latent_dim)
        self.fc_logvar = nn.Linear(hidden[-1], latent_dim)
        self.decoder = nn.Sequential(
            *mlp([latent_dim + conditions, *hidden[::-1], n_input]), nn.Sigmoid()
        )

    def with_label(self, h, y):
        """h with the one-hot label joined, for a conditional model; h as it is else."""
        if not self.conditions:
            return h
        return torch.cat([h, nn.functional.one_hot(y, self.conditions).to(h.dtype)], 1)

    def encode(self, x, y=None):
        h = self.encoder(self.with_label(x.flatten(1), y))
        return self.fc_mean(h), self.fc_logvar(h)

    def reparameterize(self, mean, logvar):
        return gaussian_sample(mean, logvar, torch.randn_like(mean))

    def decode_logits(self, z, y=None):
        """The decoder without its final Sigmoid: the Bernoulli logits of p(x | z)."""
        h = self.with_label(z, y)
        for layer in self.decoder[:-1]:
            h = layer(h)
        return h.view(-1, *self.image_shape)

    def decode(self, z, y=None):
        return torch.sigmoid(self.decode_logits(z, y))

    def forward(self, x, y=None):
        """(decoder logits, mean, logvar) of one posterior draw; `decode` gives images."""
        mean, logvar = self.encode(x, y)
        return self.decode_logits(self.reparameterize(mean, logvar), y), mean, logvar

    # What the pipeline asks ----------------------------------------------------------

    def code(self, x, y=None):
        """The deterministic code shown in plots: the posterior mean."""
        return self.encode(x, y)[0]

    def reconstruct(self, x, y=None):
        return self.decode(self.code(x, y), y)

    def reconstruct_with_bce(self, x, y=None):
        """The reconstruction and its BCE per image, from the logits: exact where
        the sigmoid rounds to 0 or 1."""
        logits = self.decode_logits(self.code(x, y), y)
        return torch.sigmoid(logits), bce_with_logits_per_image(logits, x)

    def loss(self, x, outputs):
        """(loss to minimise, the batch's recorded loss): BCE + beta KL, summed."""
        logits, mean, logvar = outputs
        loss = vae_loss(logits, x, mean, logvar, self.beta)
        return loss, loss

    def prior(self):
        """(mean, covariance) of p(z) = N(0, I)."""
        return torch.zeros(self.latent_dim), torch.eye(self.latent_dim)

    def latent_kl(self, x, y=None):
        """KL(q(z_j | x) || N(0, 1)) of each latent dimension j, per image: [N, z]."""
        return kl_per_dimension(*self.encode(x, y))

    def evaluation_terms(self, x, generator, iw_samples, y=None):
        """Per image, with beta = 1 whatever beta the model trained with, so that
        they are proper bounds: the ELBO from one posterior draw, its parts, and
        the importance-weighted estimate of log p(x) with K draws; and the KL of
        each latent dimension ([N, z]), whose means make the active units."""
        mean, logvar = self.encode(x, y)
        z = _draw(mean, logvar, generator)
        log_px_z = -bce_with_logits_per_image(self.decode_logits(z, y), x)
        kl = kl_per_image(mean, logvar)
        return dict(
            elbo=log_px_z - kl,
            elbo_reconstruction=log_px_z,
            kl=kl,
            iw_ll=iw_log_likelihood(self, x, mean, logvar, iw_samples, generator, y),
            kl_per_dimension=kl_per_dimension(mean, logvar),
        )

    def summary_metrics(self, means):
        """Active units: latent dimensions whose mean KL over the test set exceeds
        0.01 nats (Burda et al.); the others carry no information about x."""
        return dict(active_units=float((means["kl_per_dimension"] > ACTIVE_KL).sum()))

    # The fast training step (aestudy.training.written_out_backward) --------------

    def has_written_out_backward(self):
        if self.conditions:
            return False  # the fast step knows unconditional stacks only
        heads = [self.fc_mean], [self.fc_logvar]
        return all(is_stack(list(m)) for m in (self.encoder, *heads, self.decoder))

    def logit_layers(self):
        """The decoder's layers up to its logits (all but the final Sigmoid)."""
        return list(self.decoder)[:-1]

    def written_out_backward(self, x):
        """Fill every gradient for one batch; return the recorded loss sum. The loss's
        own gradient comes from autograd on `vae_loss`."""
        x_flat = x.flatten(1)
        encoded = forward_stack(self.encoder, x_flat)
        h = encoded[-1]
        heads = (self.fc_mean, self.fc_logvar)
        mean, logvar = (torch.addmm(m.bias, h, m.weight.t()) for m in heads)
        noise = torch.randn_like(mean)  # kept for the backward pass
        z = gaussian_sample(mean, logvar, noise)
        decoder = self.logit_layers()
        decoded = forward_stack(decoder, z)
        logits = decoded[-1].view(x.shape)
        loss, (grad_logits, grad_mean, grad_logvar) = loss_gradients(
            lambda lg, m, lv: vae_loss(lg, x, m, lv, self.beta), [logits, mean, logvar]
        )
        grad_z = backward_stack(decoder, z, decoded, grad_logits.view(len(x), -1), True)
        # Autograd adds the reparameterisation's share after the KL term's, in this order.
        grad_mean = grad_mean + grad_z
        grad_logvar = grad_logvar + grad_z * noise * torch.exp(0.5 * logvar) * 0.5
        grad_h = None
        for head, grad in zip(heads, (grad_mean, grad_logvar), strict=True):
            torch.mm(grad.t(), h, out=head.weight.grad)
            torch.sum(grad, 0, out=head.bias.grad)
            share = grad.mm(head.weight)
            grad_h = share if grad_h is None else grad_h + share
        backward_stack(self.encoder, x_flat, encoded, grad_h)
        return loss

    # R runs of this shape in one step (aestudy.training.together) ------------------

    def noise_size(self):
        return self.latent_dim  # normal draws per image and step

    def _losses_over_runs(self, logits, x_flat, mean, logvar):
        """Each run's BCE (summed) + beta KL, summed in the order vae_loss sums them."""
        bce = nn.functional.binary_cross_entropy_with_logits(logits, x_flat, reduction="none")
        kl = -0.5 * torch.sum(1 + logvar - mean.pow(2) - logvar.exp(), dim=2)
        return bce.sum(2).sum(1) + self.beta * kl.sum(1)

    def written_out_backward_over_runs(self, runs, x, noise):
        """written_out_backward for a batch of each run, x [R, B, ...], noise [R, B, z]:
        (each run's recorded loss sum, the gradients by name when `runs.functional`)."""
        encoder = runs.layers(list(self.encoder))
        heads = runs.layers([self.fc_mean, self.fc_logvar])
        decoder = runs.layers(self.logit_layers())
        x_flat = x.flatten(2)
        encoded = forward_over_runs(encoder, x_flat)
        h = encoded[-1]
        mean, logvar = (linear_over_runs(head, h) for head in heads)
        z = gaussian_sample(mean, logvar, noise)
        decoded = forward_over_runs(decoder, z)
        logits = decoded[-1]
        if runs.functional:  # autograd.grad breaks a compiled graph; its closed form does not
            losses = self._losses_over_runs(logits, x_flat, mean, logvar)
            grad_logits = torch.sigmoid(logits) - x_flat
            grad_mean = self.beta * mean
            grad_logvar = self.beta * 0.5 * (logvar.exp() - 1)
        else:  # as written_out_backward: the loss's own gradient by autograd
            kept = {}

            def loss_of(lg, m, lv):
                kept["runs"] = self._losses_over_runs(lg, x_flat, m, lv)
                return kept["runs"].sum()  # the runs' gradients do not mix

            _, (grad_logits, grad_mean, grad_logvar) = loss_gradients(
                loss_of, [logits, mean, logvar]
            )
            losses = kept["runs"].detach()
        found = {}
        grad_z = backward_over_runs(decoder, z, decoded, grad_logits, found, True)
        # Autograd adds the reparameterisation's share after the KL term's, in this order.
        grad_mean = grad_mean + grad_z
        grad_logvar = grad_logvar + grad_z * noise * torch.exp(0.5 * logvar) * 0.5
        grad_h = None
        for head, grad in zip(heads, (grad_mean, grad_logvar), strict=True):
            share = linear_backward_over_runs(head, h, grad, found, True)
            grad_h = share if grad_h is None else grad_h + share
        backward_over_runs(encoder, x_flat, encoded, grad_h, found)
        return losses, found


def kl_per_dimension(mean, logvar):
    """The closed-form KL of each latent dimension against N(0, 1): [N, z]."""
    return -0.5 * (1 + logvar - mean.pow(2) - logvar.exp())


def _draw(mean, logvar, generator):
    noise = torch.randn(mean.shape, generator=generator, device=mean.device, dtype=mean.dtype)
    return gaussian_sample(mean, logvar, noise)


def iw_log_likelihood(model, x, mean, logvar, samples, generator, y=None, chunk=64):
    """log (1/K) sum_k p(x|z_k) p(z_k) / q(z_k|x), z_k ~ q(z|x), per image
    (Burda et al.): at least the ELBO on average, tending to log p(x) as K grows."""
    log_weights = []
    for done in range(0, samples, chunk):
        k = min(chunk, samples - done)
        z = _draw(mean.expand(k, *mean.shape), logvar.expand(k, *logvar.shape), generator)
        labels = None if y is None else y.repeat(k)
        logits = model.decode_logits(z.flatten(0, 1), labels)
        log_px_z = -bce_with_logits_per_image(logits, x.expand(k, *x.shape).flatten(0, 1))
        log_pz = log_normal(z, torch.zeros_like(z), torch.zeros_like(z))
        log_qz = log_normal(z, mean, logvar)
        log_weights.append(log_px_z.view(k, -1) + log_pz - log_qz)
    return torch.logsumexp(torch.cat(log_weights), dim=0) - math.log(samples)


def build(spec, image_shape, latent_dim):
    return VAE(image_shape, spec["hidden"], latent_dim, spec["beta"])
