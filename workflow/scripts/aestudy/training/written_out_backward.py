"""A fast path for MLP models: the backward pass written out.

At batch 64 the MLPs (AE, VAE) spend more time in autograd's bookkeeping than in
arithmetic. A kind opts in by giving its model `has_written_out_backward()` and
`written_out_backward(x)`, which fills every parameter's gradient for one batch
with the helpers below and returns the recorded loss sum. The helpers call the
kernels autograd would call, in the same order, so the weights reached are
bit-identical to the plain step's (`aestudy.training.loop.AutogradStep`); the
tests check it for every kind that opts in.
"""

from typing import NamedTuple

import torch
from torch import nn

STACK_MODULES = (nn.Linear, nn.ReLU, nn.Sigmoid)


class WrittenOutStep:
    """Gradients from the model's written-out backward, then the optimizer step."""

    def __init__(self, model, optimizer):
        self.model, self.optimizer = model, optimizer

    @staticmethod
    def supports(model):
        return hasattr(model, "written_out_backward") and model.has_written_out_backward()

    @torch.no_grad()
    def __call__(self, x, y=None):
        item_sum = self.model.written_out_backward(x)  # the kinds that opt in ignore labels
        self.optimizer.step()
        return item_sum


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


# -- the same over R runs of one shape (aestudy.training.together) --------------------
#
# Each Linear's weight is then an [R, out, in] view, its bias [R, out], the
# activations [R, B, features]: `baddbmm`/`bmm` where one run has `addmm`/`mm`.
# With one thread each run's arithmetic is that of its run alone, bit for bit.


class RunsLayer(NamedTuple):
    """One module of a Linear/ReLU/Sigmoid stack, over the runs: for a Linear, its
    name and its [R, ...] weight and bias views. The gradient views are None when
    the gradients are returned by name instead (a compiled step, whose outputs
    live in memory of their own)."""

    module: nn.Module
    name: str = ""
    weight: torch.Tensor | None = None
    bias: torch.Tensor | None = None
    grad_weight: torch.Tensor | None = None
    grad_bias: torch.Tensor | None = None


def linear_over_runs(layer, h):
    """What F.linear runs (addmm), over the runs."""
    return torch.baddbmm(layer.bias.unsqueeze(1), h, layer.weight.transpose(1, 2))


def forward_over_runs(layers, h):
    """forward_stack over [R, B, features]."""
    outputs = []
    for layer in layers:
        if isinstance(layer.module, nn.Linear):
            h = linear_over_runs(layer, h)
        elif isinstance(layer.module, nn.ReLU):
            h = h.clamp_min_(0)  # in place, as forward_stack
        else:
            h = h.sigmoid_()
        outputs.append(h)
    return outputs


def linear_backward_over_runs(layer, h, grad, found, input_grad):
    """AddmmBackward over the runs: the weight and bias gradients (into the views,
    or into `found` by parameter name), and the input's gradient if asked."""
    if layer.grad_weight is None:
        found[f"{layer.name}.weight"] = torch.bmm(grad.transpose(1, 2), h)
        found[f"{layer.name}.bias"] = grad.sum(1)
    else:
        torch.bmm(grad.transpose(1, 2), h, out=layer.grad_weight)
        torch.sum(grad, 1, out=layer.grad_bias)
    return torch.bmm(grad, layer.weight) if input_grad else None


def backward_over_runs(layers, h_in, outputs, grad, found, input_grad=False):
    """backward_stack over the runs."""
    inputs = [h_in, *outputs[:-1]]
    for index in range(len(layers) - 1, -1, -1):
        layer, h, out = layers[index], inputs[index], outputs[index]
        if isinstance(layer.module, nn.Linear):
            grad = linear_backward_over_runs(layer, h, grad, found, bool(index) or input_grad)
        elif isinstance(layer.module, nn.ReLU):
            grad = torch.ops.aten.threshold_backward(grad, out, 0)
        else:
            grad = torch.ops.aten.sigmoid_backward(grad, out)
    return grad
