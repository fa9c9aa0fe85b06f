"""A torchsummary-style table of a model: each layer's output shape and parameters,
measured by running the real model once. The training job writes it beside the
weights (architecture.json), so the report shows it without importing PyTorch."""

import torch

from aestudy import StudyError


def layer_table(model, image_shape):
    """[(layer, output shape, parameters, attribute name)] in the order the layers
    run; the attribute name (e.g. fc_mean) lets the report say what a head is."""
    rows, hooks = [], []
    names = {module: name.rsplit(".", 1)[-1] for name, module in model.named_modules()}

    def record(module, _inputs, output):
        name = type(module).__name__
        if isinstance(output, tuple):  # a quantiser's (z_q, codes, ...): its output map
            output = output[0]
        shape = [-1, *output.shape[1:]]
        params = sum(p.numel() for p in module.parameters(recurse=False))
        rows.append((f"{name}-{len(rows) + 1}", str(shape), params, names[module]))

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


def architecture(kind, model, image_shape):
    """A row per layer of `model` (of `kind`): layer, output_shape, params,
    attribute, and role, the key of report/text's layer_roles for a layer the kind
    names in `Kind.layers` (None for the others)."""
    rows = layer_table(model, image_shape)
    attributes = {attribute for *_, attribute in rows}
    for attribute in kind.layers:
        if attribute not in attributes:
            raise StudyError(
                f"kind '{kind.name}' names the layer '{attribute}' in its layers, but its "
                "model has no layer of that name."
            )
    return [
        dict(
            layer=layer,
            output_shape=shape,
            params=params,
            attribute=attribute,
            role=kind.layers.get(attribute),
        )
        for layer, shape, params, attribute in rows
    ]
