"""One optimisation step on one batch.

Every model keeps its parameters as views of one flat tensor and their
gradients as views of one flat gradient (`flatten_parameters`): the optimizer
then updates one tensor per step instead of two per layer. Adam, AdamW and SGD
are elementwise, so this is the same arithmetic, bit for bit; the zeros that
pad the views to aligned offsets stay zero.

`AutogradStep` is the plain step: forward, `loss.backward()`, update. It serves
every model and option. `MLPStep` is the same step for the MLP models (AE, VAE)
with the backward pass written out: at batch 64 these models spend more time in
autograd's bookkeeping than in arithmetic. It calls the kernels autograd would
call, in the same order, so the weights it reaches are bit-identical to
`AutogradStep`'s. The losses and their gradients come from `aestudy.losses`
(the VAE's gradient by autograd on it).
"""

import torch
from torch import nn

from aestudy.losses import mse_loss, mse_loss_gradient, vae_loss

STACK_MODULES = (nn.Linear, nn.ReLU, nn.Sigmoid)


ALIGNMENT = 16  # floats: 64 bytes, the alignment PyTorch gives every new CPU tensor


def flatten_parameters(model):
    """Make `model`'s parameters and gradients views of two flat tensors; return the
    flat parameter (its `.grad` is the flat gradient) for the optimizer.

    Each view starts on a 64-byte boundary, as a tensor of its own would: BLAS
    rounds some products differently into a less aligned output. The padding
    between views stays zero and is never updated."""
    parameters = list(model.parameters())
    offsets, total = [], 0
    for p in parameters:
        offsets.append(total)
        total += -(-p.numel() // ALIGNMENT) * ALIGNMENT
    flat = nn.Parameter(parameters[0].new_zeros(total))
    flat.grad = torch.zeros_like(flat)
    for p, offset in zip(parameters, offsets, strict=True):
        size = p.numel()
        flat.data[offset : offset + size] = p.detach().reshape(-1)
        p.data = flat.data[offset : offset + size].view_as(p)
        # Autograd adds into an existing .grad in place, so gradients land in flat.grad.
        p.grad = flat.grad[offset : offset + size].view_as(p)
    return flat


def batch_loss(model, kind, x, beta, mixed_precision=False):
    """(loss to minimise, the batch's sum of the recorded per-item loss).

    With mixed precision only the forward pass runs in reduced precision; the
    losses are computed in float32."""
    device_type = x.device.type
    dtype = torch.float16 if device_type == "cuda" else torch.bfloat16
    with torch.autocast(device_type, dtype=dtype, enabled=mixed_precision):
        out = model(x)
    if kind == "vae":
        recon, mean, logvar = (t.float() for t in out)
        loss = vae_loss(recon, x, mean, logvar, beta)
        return loss, loss
    loss = mse_loss(out.float(), x)
    return loss, loss * len(x)


class AutogradStep:
    """Forward, loss.backward(), optimizer step; returns the batch's recorded loss sum."""

    def __init__(self, model, kind, optimizer, flat, beta, mixed_precision=False, scaler=None):
        self.model, self.kind, self.optimizer, self.flat = model, kind, optimizer, flat
        self.beta, self.mixed_precision, self.scaler = beta, mixed_precision, scaler

    def __call__(self, x):
        self.flat.grad.zero_()
        loss, item_sum = batch_loss(self.model, self.kind, x, self.beta, self.mixed_precision)
        if self.scaler is not None:  # float16 on CUDA: scale the loss against underflow
            self.scaler.scale(loss).backward()
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            loss.backward()
            self.optimizer.step()
        return item_sum.detach()


def is_stack(modules):
    """True for biased Linear layers, ReLUs and Sigmoids, starting with a Linear (the
    activations work in place, which must never reach the stack's input)."""
    return (
        len(modules) > 0
        and isinstance(modules[0], nn.Linear)
        and all(
            isinstance(m, STACK_MODULES) and (not isinstance(m, nn.Linear) or m.bias is not None)
            for m in modules
        )
    )


def forward_stack(modules, h):
    """The output of every module of a Linear/ReLU/Sigmoid stack, in order."""
    outputs = []
    for module in modules:
        if isinstance(module, nn.Linear):
            h = torch.addmm(module.bias, h, module.weight.t())  # what F.linear runs
        elif isinstance(module, nn.ReLU):
            h = h.clamp_min_(0)  # in place: Linear's backward needs its input, not its output
        else:
            h = h.sigmoid_()
        outputs.append(h)
    return outputs


def backward_stack(modules, h_in, outputs, grad, input_grad=False):
    """Write the stack's weight and bias gradients; return the gradient of its input
    (None unless `input_grad`). The kernels are those of autograd's AddmmBackward,
    ReluBackward and SigmoidBackward."""
    inputs = [h_in, *outputs[:-1]]
    for index in range(len(modules) - 1, -1, -1):
        module, h, out = modules[index], inputs[index], outputs[index]
        if isinstance(module, nn.Linear):
            torch.mm(grad.t(), h, out=module.weight.grad)
            torch.sum(grad, 0, out=module.bias.grad)
            grad = grad.mm(module.weight) if index or input_grad else None
        elif isinstance(module, nn.ReLU):
            grad = torch.ops.aten.threshold_backward(grad, out, 0)
        else:
            grad = torch.ops.aten.sigmoid_backward(grad, out)
    return grad


def loss_gradients(loss_of, tensors):
    """The loss and its gradient with respect to each tensor, by autograd."""
    with torch.enable_grad():
        leaves = [t.detach().requires_grad_() for t in tensors]
        loss = loss_of(*leaves)
        return loss.detach(), torch.autograd.grad(loss, leaves)


class MLPStep:
    """The AE's and VAE's step with the backward pass written out."""

    def __init__(self, model, kind, optimizer, beta):
        self.model, self.kind, self.optimizer, self.beta = model, kind, optimizer, beta
        if kind == "ae":
            self.stack = [*model.encoder, *model.decoder]

    @staticmethod
    def supports(model, kind):
        if kind == "ae":
            return is_stack([*model.encoder, *model.decoder])
        if kind == "vae":
            heads = [model.fc_mean], [model.fc_logvar]
            return all(is_stack(list(m)) for m in (model.encoder, *heads, model.decoder))
        return False

    @torch.no_grad()
    def __call__(self, x):
        step = self.ae_step if self.kind == "ae" else self.vae_step
        item_sum = step(x)
        self.optimizer.step()
        return item_sum

    def ae_step(self, x):
        x_flat = x.flatten(1)
        outputs = forward_stack(self.stack, x_flat)
        recon = outputs[-1].view(x.shape)
        grad = mse_loss_gradient(recon, x)
        backward_stack(self.stack, x_flat, outputs, grad.view(len(x), -1))
        return mse_loss(recon, x) * len(x)

    def vae_step(self, x):
        model, x_flat = self.model, x.flatten(1)
        encoded = forward_stack(model.encoder, x_flat)
        h = encoded[-1]
        heads = (model.fc_mean, model.fc_logvar)
        mean, logvar = (torch.addmm(m.bias, h, m.weight.t()) for m in heads)
        # VAE.reparameterize, keeping the noise and std for the backward pass
        noise = torch.randn_like(mean)
        std = torch.exp(0.5 * logvar)
        z = mean + noise * std
        decoded = forward_stack(model.decoder, z)
        recon = decoded[-1].view(x.shape)
        loss, (grad_recon, grad_mean, grad_logvar) = loss_gradients(
            lambda r, m, lv: vae_loss(r, x, m, lv, self.beta), [recon, mean, logvar]
        )
        grad_z = backward_stack(model.decoder, z, decoded, grad_recon.view(len(x), -1), True)
        # Autograd adds the reparameterisation's share after the KL term's, in this order.
        grad_mean = grad_mean + grad_z
        grad_logvar = grad_logvar + grad_z * noise * std * 0.5
        grad_h = None
        for head, grad in zip(heads, (grad_mean, grad_logvar), strict=True):
            torch.mm(grad.t(), h, out=head.weight.grad)
            torch.sum(grad, 0, out=head.bias.grad)
            share = grad.mm(head.weight)
            grad_h = share if grad_h is None else grad_h + share
        backward_stack(model.encoder, x_flat, encoded, grad_h)
        return loss
