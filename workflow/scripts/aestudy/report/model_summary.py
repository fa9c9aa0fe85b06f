"""A torchsummary-style table of a model: each layer's output shape and parameters,
measured by running the real model once."""

import torch


def layer_table(model, image_shape):
    """[(layer, output shape, parameters)] in the order the layers run."""
    rows, hooks = [], []

    def record(module, _inputs, output):
        name = type(module).__name__
        if isinstance(output, tuple):  # a quantiser's (z_q, codes, ...): its output map
            output = output[0]
        shape = [-1, *output.shape[1:]]
        params = sum(p.numel() for p in module.parameters(recurse=False))
        rows.append((f"{name}-{len(rows) + 1}", str(shape), params))

    for module in model.modules():
        if not list(module.children()):
            hooks.append(module.register_forward_hook(record))
    try:
        with torch.no_grad():
            model.eval()
            # the deterministic reconstruction: every layer, no random draw (the
            # labels, of class 0, are read by a conditional model only)
            model.reconstruct(torch.zeros(2, *image_shape), torch.zeros(2, dtype=torch.long))
    finally:
        for hook in hooks:
            hook.remove()
    return rows
