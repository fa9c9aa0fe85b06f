"""The study's claims (config `claims`, aestudy/claims.py) tested on its results:
each held, did not hold, or is undecided, with the numbers that decided it.

A claim is decided only by what the rest of the report would say: the runs'
verdicts against the mean image (every run, or none, learned), and mean ± std
intervals over the seeds that do not overlap. It stays undecided when the
intervals overlap, when a run set has one seed (no spread to judge by), when a
run set compared with another has runs that did not learn (they are never
ranked), when the seeds split between learning and not, and when a model it
needs was left out of the run or diverged. An undecided claim is never counted
as held. The words are report/text's `claims`.
"""

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from aestudy.claims import ALONG_SIZES, text_in
from aestudy.report.crossref import as_text
from aestudy.report.findings import accuracy, compare, interval, listing
from aestudy.report.tables import mean_std, number
from aestudy.report.verdicts import LEARNED_BELOW, against_chance

HELD, NOT_HELD, UNDECIDED = "held", "not_held", "undecided"
OUTCOMES = (HELD, NOT_HELD, UNDECIDED)
# The chance level of an AUC: a score that ranks at random.
CHANCE_AUC = 0.5


@dataclass(frozen=True)
class ClaimOutcome:
    name: str
    outcome: str  # one of OUTCOMES
    found: str | None  # the claim as its source makes it, if the study gives its words
    tested: str  # what was tested, in the report's words
    measured: str  # the numbers, or why it is undecided


class Undecided(Exception):
    """A claim that cannot be decided, with the sentence that says why."""


def claim_outcomes(claims, summary, left_out, words, language, findings_words):
    """[ClaimOutcome] of every claim, in the order of `ordered`. `summary`: the summary
    rows (mean ± std per model and latent size, with their data set's baselines);
    `left_out`: the models the study declares but did not run; `words`: report/text's
    `claims`; `findings_words`: its `findings` (lists)."""
    rows = {(r["model"], r["latent_dim"]): r for r in summary}
    found = []
    for name, claim in ordered(claims):
        judge = Judge(claim, rows, left_out, words, findings_words)
        try:
            outcome, measured = judge.decide()
        except Undecided as reason:
            outcome, measured = UNDECIDED, str(reason)
        says = text_in(claim.get("says"), language)
        source = text_in(claim.get("source"), language)
        if says:  # the study's own words: text, never markup
            shown = (
                Markup(escape(words["found"])).format(source=as_text(source), says=as_text(says))
                if source
                else Markup(escape(words["found_without_source"])).format(says=as_text(says))
            )
        else:
            shown = None
        found.append(
            ClaimOutcome(
                name=name, outcome=outcome, found=shown, tested=judge.tested(), measured=measured
            )
        )
    return found


def ordered(claims):
    """The claims by their source, its numbers as numbers (the sections of a report
    in order: 4.2 before 4.10), then by name: a study's mapping of claims reaches
    the report sorted by name."""

    def key(item):
        source = text_in(item[1].get("source"), "en") or ""
        parts = re.split(r"(\d+)", source)
        return [int(p) if p.isdigit() else p for p in parts], item[0]

    return sorted(claims.items(), key=key)


def outcome_counts(outcomes):
    """{outcome: how many claims had it}, every outcome present."""
    return {key: sum(o.outcome == key for o in outcomes) for key in OUTCOMES}


class Judge:
    """One claim against the summary rows."""

    def __init__(self, claim, rows, left_out, words, findings_words):
        self.claim, self.rows, self.left_out = claim, rows, left_out
        self.words, self.lists = words, findings_words
        self.quantity = claim.get("quantity")

    def runs_name(self, runs):
        if "latent_dim" not in runs:
            return self.words["runs_all_sizes"].format(model=runs["model"])
        return self.words["runs"].format(model=runs["model"], z=runs["latent_dim"])

    def quantity_name(self):
        return self.words["quantities"][self.quantity]

    def tested(self):
        """What the relation tests, in words."""
        claim, relation = self.claim, self.claim["relation"]
        filled = dict(
            runs=self.runs_name(claim["about"]),
            quantity=self.quantity_name() if self.quantity else "",
            bound=f"{LEARNED_BELOW:.0%}".replace("%", " %"),
        )
        if relation in ("below", "above"):
            if "than" in claim:
                return self.words["tested"][f"{relation}_than"].format(
                    than=self.runs_name(claim["than"]), **filled
                )
            return self.words["tested"][f"{relation}_value"].format(
                value=f"{claim['value']:g}", **filled
            )
        return self.words["tested"][relation].format(**filled)

    def rows_of(self, runs):
        """The summary rows of a run set (one, or each latent size's), after checking
        that it ran and finished."""
        model = runs["model"]
        if model in self.left_out:
            raise Undecided(self.words["undecided"]["left_out"].format(model=model))
        found = [
            row
            for (name, z), row in sorted(self.rows.items())
            if name == model and runs.get("latent_dim", z) == z
        ]
        if not found:  # a latent size the check let through but nothing reports
            raise Undecided(self.words["undecided"]["left_out"].format(model=model))
        for row in found:
            if row["runs"] == row["diverged"]:
                raise Undecided(
                    self.words["undecided"]["diverged"].format(
                        runs=self.runs_name(dict(model=model, latent_dim=row["latent_dim"]))
                    )
                )
        return found

    def value_of(self, row):
        if row.get(f"{self.quantity}_mean") is None:
            raise Undecided(
                self.words["undecided"]["no_value"].format(
                    runs=self.runs_name(row), quantity=self.quantity_name()
                )
            )
        if self.quantity in ("probe_accuracy", "knn_accuracy"):
            return accuracy(row, self.quantity)
        return mean_std(row, self.quantity)

    def ranked(self, row):
        """A row that may be compared with another: all its finished runs learned."""
        if row.get("did_not_learn"):
            raise Undecided(
                self.words["undecided"]["not_learned"].format(
                    runs=self.runs_name(row), k=row["did_not_learn"], n=row["runs"]
                )
            )
        return row

    def decide(self):
        relation = self.claim["relation"]
        if relation in ("learned", "did_not_learn"):
            return self.verdicts(relation)
        if relation in ALONG_SIZES:
            return self.along_sizes(relation)
        if relation == "above_chance":
            return self.against_chance()
        return self.against(relation)

    def verdicts(self, relation):
        (row,) = self.rows_of(self.claim["about"])
        finished = row["runs"] - row["diverged"]
        learned = finished - row["did_not_learn"]
        measured = self.words["measured_learned"].format(
            k=learned,
            n=finished,
            mse=mean_std(row, "test_mse"),
            share=f"{row['test_mse_mean'] / row['yardstick_mse']:.0%}".replace("%", " %"),
            mean=number(row["yardstick_mse"]),
            yardstick=self.lists["yardsticks"].get(row["yardstick"], ""),
        )
        if 0 < learned < finished:
            raise Undecided(f"{measured}{self.words['undecided']['split']}")
        all_learned = learned == finished
        return (HELD if all_learned == (relation == "learned") else NOT_HELD), measured

    def against(self, relation):
        (row,) = self.rows_of(self.claim["about"])
        shown = self.value_of(row)
        sign = -1 if relation == "below" else 1
        if "value" in self.claim:
            value = self.claim["value"]
            measured = self.words["measured_value"].format(
                runs=self.runs_name(row), value=shown, than=f"{value:g}"
            )
            span = self.span(row)
            if span is None:
                raise Undecided(f"{measured}{self.words['undecided']['one_seed']}")
            side = -1 if span[1] < value else 1 if span[0] > value else 0
        else:
            (other,) = self.rows_of(self.claim["than"])
            measured = self.words["measured_pair"].format(
                runs=self.runs_name(row),
                value=shown,
                than=self.runs_name(other),
                other=self.value_of(other),
            )
            self.ranked(row)
            self.ranked(other)
            side = compare(row, other, self.quantity)
            if side is None:
                raise Undecided(f"{measured}{self.words['undecided']['one_seed']}")
        if side == 0:
            raise Undecided(f"{measured}{self.words['undecided']['overlap']}")
        return (HELD if side == sign else NOT_HELD), measured

    def along_sizes(self, relation):
        rows = [self.ranked(row) for row in self.rows_of(self.claim["about"])]
        measured = listing(
            [
                self.words["measured_size"].format(z=row["latent_dim"], value=self.value_of(row))
                for row in rows
            ],
            self.lists,
        )
        steps = [compare(b, a, self.quantity) for a, b in zip(rows, rows[1:], strict=False)]
        wanted = -1 if relation == "falls_with_latent_size" else 1
        if any(step == -wanted for step in steps):
            return NOT_HELD, measured
        if None in steps:
            raise Undecided(f"{measured}{self.words['undecided']['one_seed']}")
        if all(step == wanted for step in steps):
            return HELD, measured
        raise Undecided(f"{measured}{self.words['undecided']['overlap']}")

    def against_chance(self):
        (row,) = self.rows_of(self.claim["about"])
        chance = CHANCE_AUC if self.quantity.startswith("anomaly") else row.get("chance_accuracy")
        measured = self.words["measured_value"].format(
            runs=self.runs_name(row), value=self.value_of(row), than=f"{chance:.3f}"
        )
        low, high = self.span(row) or (None, None)
        side = against_chance(row[f"{self.quantity}_mean"], low, high, chance)
        if low is None:
            raise Undecided(f"{measured}{self.words['undecided']['one_seed']}")
        if side == "at":
            raise Undecided(f"{measured}{self.words['undecided']['overlap']}")
        return (HELD if side == "above" else NOT_HELD), measured

    def span(self, row):
        """The quantity's interval: mean ± std over the seeds, or with one seed the
        bootstrap interval over the test images where the metric has one."""
        found = interval(row, self.quantity)
        if found is None and row.get(f"{self.quantity}_low_mean") is not None:
            found = row[f"{self.quantity}_low_mean"], row[f"{self.quantity}_high_mean"]
        return found
