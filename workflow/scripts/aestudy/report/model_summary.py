"""A torchsummary-style table of a model: each layer's output shape and parameters,
measured by running the real model once."""

import torch


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


def layer_table_per_size(build, image_shape, latent_dims):
    """One table for all latent sizes of a model: [(layer, attribute name, output
    shapes, {latent size: parameters})]; a layer's shape is given once where every
    size has it, otherwise per size ("[-1, 2] / [-1, 4]")."""
    tables = {z: layer_table(build(z), image_shape) for z in latent_dims}
    first = tables[latent_dims[0]]
    if any(len(t) != len(first) for t in tables.values()):
        raise ValueError("the latent sizes of one model build different layer stacks")
    rows = []
    for i, (layer, _, _, attribute) in enumerate(first):
        shapes = list(dict.fromkeys(tables[z][i][1] for z in latent_dims))
        params = {z: tables[z][i][2] for z in latent_dims}
        rows.append((layer, attribute, " / ".join(shapes), params))
    return rows
