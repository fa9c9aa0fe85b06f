"""Sentences on the ReLU units a run never fires on the test set (dead units,
evaluation/diagnostics.py), where they may explain a result: a layer that lost
most of its units caps the code whatever its size."""

from aestudy.report.findings import listing

# A layer is named once this share of its units is dead.
MOSTLY_DEAD = 0.5


def layers_of(dead_units):
    """[(dead, units)] of each ReLU layer from the run table's text ("0/128 3/12")."""
    return [tuple(map(int, part.split("/"))) for part in (dead_units or "").split()]


def dead_unit_findings(runs, text):
    """One sentence naming the runs of a model (run table rows) with a ReLU layer of
    which at least MOSTLY_DEAD of the units never fire, or none."""
    cases = []
    for run in sorted(runs, key=lambda r: (r["latent_dim"], r["seed"])):
        layers = [
            text["dead_layer"].format(index=index, dead=dead, units=units)
            for index, (dead, units) in enumerate(layers_of(run.get("dead_units")), 1)
            if units and dead / units >= MOSTLY_DEAD
        ]
        if layers:
            cases.append(
                text["dead_case"].format(
                    z=run["latent_dim"], seed=run["seed"], layers=listing(layers, text)
                )
            )
    if not cases:
        return []
    return [
        text["dead_units"].format(model=runs[0]["model"], cases=text["list_semicolon"].join(cases))
    ]
