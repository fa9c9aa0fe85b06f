"""Claims a study states about its results: refused at planning when they name
what the study cannot test, and tested over the seeds (held, did not hold,
undecided) on constructed summaries whose answer is known."""

import copy

import pytest
import yaml

from aestudy import StudyError
from aestudy.claims import QUANTITIES, RELATIONS, text_in
from aestudy.config import resolve_config
from aestudy.report.claim_outcomes import (
    HELD,
    NOT_HELD,
    UNDECIDED,
    claim_outcomes,
    outcome_counts,
)
from conftest import REPO

WORDS = {
    language: yaml.safe_load((REPO / f"report/text/{language}.yaml").read_text())
    for language in ("en", "zh")
}
STUDY = {
    "models": {
        "ae": {"kind": "ae", "dataset": "digits", "latent_dims": [2, 4]},
        "vae": {"kind": "vae", "dataset": "digits", "latent_dims": [20]},
        "vq": {"kind": "vq_vae", "dataset": "digits", "latent_dims": [196]},
    }
}


def study(**claims):
    return dict(copy.deepcopy(STUDY), claims=claims)


def ae_z4(**rest):
    return {"about": {"model": "ae", "latent_dim": 4}, **rest}


BAD_CLAIMS = [
    (ae_z4(relation="learnt"), "claims.c.relation' is 'learnt'; expected one of: learned"),
    (
        {"about": {"model": "aee", "latent_dim": 4}, "relation": "learned"},
        "claims.c.about.model' is 'aee', which the study does not declare",
    ),
    (
        {"about": {"model": "ae", "latent_dim": 3}, "relation": "learned"},
        "claims.c.about.latent_dim' is 3; expected one of the latent sizes of 'ae': 2, 4",
    ),
    ({"about": {"model": "ae"}, "relation": "learned"}, "claims.c.about' lacks key 'latent_dim'"),
    (
        ae_z4(relation="below", quantity="mse", value=1),
        "claims.c.quantity' is 'mse'; expected one of: test_mse",
    ),
    (
        ae_z4(relation="below", quantity="elbo", value=1),
        "kind 'ae' reports no elbo",
    ),
    (
        {"about": {"model": "vq", "latent_dim": 196}, "relation": "above"}
        | {"quantity": "sample_diversity", "value": 0.5},
        "kind 'vq_vae' makes no new images",
    ),
    (ae_z4(relation="above", quantity="anomaly_auc", value=0.5), "not made for anomaly"),
    (ae_z4(relation="below", quantity="test_mse"), "has neither than nor value"),
    (
        ae_z4(relation="below", quantity="test_mse", value=1, than={"model": "vae"}),
        "has than and value",
    ),
    (
        ae_z4(relation="below", quantity="test_mse", than={"model": "vae", "latent_dim": 2}),
        "claims.c.than.latent_dim' is 2",
    ),
    (
        ae_z4(relation="learned", quantity="test_mse"),
        "claims.c.quantity' is 'test_mse'; expected none",
    ),
    (ae_z4(relation="above_chance"), "claims.c' lacks key 'quantity'"),
    (
        ae_z4(relation="above_chance", quantity="test_mse"),
        "expected one of: probe_accuracy, knn_accuracy, anomaly_auc",
    ),
    (
        ae_z4(relation="learned", value=2),
        "claims.c.value' is given; expected it only with 'below' or 'above'",
    ),
    (
        {"about": {"model": "vae"}, "relation": "falls_with_latent_size", "quantity": "kl"},
        "'vae', which has one latent size (20)",
    ),
    (
        {"about": {"model": "ae", "latent_dim": 2}, "relation": "falls_with_latent_size"}
        | {"quantity": "test_mse"},
        "claims.c.about.latent_dim' is 2; expected none",
    ),
]


@pytest.mark.parametrize("claim, words", BAD_CLAIMS)
def test_a_claim_the_study_cannot_test_is_refused_naming_its_key(claim, words):
    with pytest.raises(StudyError) as refused:
        resolve_config(study(c=claim))
    message = str(refused.value)
    assert words in message
    assert message.startswith("config key 'claims.c") and "\n" not in message


def test_a_claim_names_a_model_left_out_of_the_run_but_declared():
    config = resolve_config(dict(study(c=ae_z4(relation="learned")), leave_out=["ae"]))
    assert list(config["models"]) == ["vae", "vq"] and config["leave_out"] == ["ae"]
    with pytest.raises(StudyError, match="'leave_out' holds 'cnn'"):
        resolve_config(dict(study(), leave_out=["cnn"]))
    with pytest.raises(StudyError, match="'leave_out' holds every model"):
        resolve_config(dict(study(), leave_out=["ae", "vae", "vq"]))


def test_the_course_studys_claims_are_checked_and_cite_the_course_report():
    raw = yaml.safe_load((REPO / "config.yaml").read_text())
    claims = resolve_config(raw, check_paths=False)["claims"]
    assert len(claims) >= 15
    relations = {claim["relation"] for claim in claims.values()}
    assert {"learned", "did_not_learn", "below", "above", "above_chance"} <= relations
    for claim in claims.values():
        for language in ("en", "zh"):
            assert text_in(claim["source"], language).startswith(("The course report", "课程报告"))
            assert text_in(claim["says"], language)
    # the runs the course made and the study adds for its claims, named for what they are
    assert raw["models"]["vae_10_epochs"]["epochs"] == 10
    assert raw["models"]["ae_20_epochs"]["epochs"] == 20
    assert raw["models"]["ae_20_epochs"]["latent_dims"] == [7]


def test_every_quantity_and_relation_has_words_in_both_languages():
    for language, words in WORDS.items():
        claims = words["claims"]
        assert set(claims["quantities"]) == set(QUANTITIES), language
        for relation in RELATIONS:
            key = relation if relation not in ("below", "above") else f"{relation}_value"
            assert claims["tested"][key], (language, relation)


def row(model, z, runs=3, diverged=0, did_not_learn=0, **metrics):
    """A summary row: `metrics` as name=(mean, std), std None for one seed."""
    found = dict(
        model=model,
        latent_dim=z,
        runs=runs,
        diverged=diverged,
        did_not_learn=did_not_learn,
        mean_mse=0.1,
        colour_mse=0.2,
        yardstick="mean_image",
        yardstick_mse=0.1,
        chance_accuracy=0.1,
    )
    for name, (mean, std) in metrics.items():
        found[f"{name}_mean"], found[f"{name}_std"] = mean, std
    found.setdefault("test_mse_mean", 0.02)
    found.setdefault("test_mse_std", 0.001)
    return found


def outcomes(claims, summary, left_out=(), language="en"):
    words = WORDS[language]
    found = claim_outcomes(claims, summary, left_out, words["claims"], language, words["findings"])
    return {o.name: o for o in found}


CASES = [
    # (claim, summary rows, outcome, words in what it measured)
    (ae_z4(relation="learned"), [row("ae", 4)], HELD, "3 of 3 runs learned"),
    (ae_z4(relation="did_not_learn"), [row("ae", 4)], NOT_HELD, "20 %"),
    (
        ae_z4(relation="did_not_learn"),
        [row("ae", 4, did_not_learn=3, test_mse=(0.099, 0.001))],
        HELD,
        "0 of 3 runs learned",
    ),
    (ae_z4(relation="learned"), [row("ae", 4, did_not_learn=1)], UNDECIDED, "the seeds split"),
    (
        ae_z4(relation="learned"),
        [row("ae", 4, diverged=3, test_mse=(None, None))],
        UNDECIDED,
        "diverged",
    ),
    (
        ae_z4(relation="below", quantity="code_pc1_share", value=0.9),
        [row("ae", 4, code_pc1_share=(0.6, 0.05))],
        HELD,
        "0.600 ± 0.050 (against 0.9)",
    ),
    (
        ae_z4(relation="above", quantity="code_pc1_share", value=0.9),
        [row("ae", 4, code_pc1_share=(0.6, 0.05))],
        NOT_HELD,
        "",
    ),
    (
        ae_z4(relation="above", quantity="code_pc1_share", value=0.9),
        [row("ae", 4, code_pc1_share=(0.88, 0.05))],
        UNDECIDED,
        "the spreads overlap",
    ),
    (
        ae_z4(relation="above", quantity="code_pc1_share", value=0.5),
        [row("ae", 4, runs=1, code_pc1_share=(0.88, None))],
        UNDECIDED,
        "one seed",
    ),
    (
        ae_z4(relation="above", quantity="test_mse", than={"model": "ae", "latent_dim": 2}),
        [row("ae", 2, test_mse=(0.03, 0.001)), row("ae", 4)],
        NOT_HELD,
        "ae at z = 2: 0.0300 ± 0.0010",
    ),
    (
        ae_z4(relation="below", quantity="test_mse", than={"model": "ae", "latent_dim": 2}),
        [row("ae", 2, test_mse=(0.03, 0.001)), row("ae", 4)],
        HELD,
        "",
    ),
    (
        ae_z4(relation="below", quantity="test_mse", than={"model": "ae", "latent_dim": 2}),
        [row("ae", 2, did_not_learn=1, test_mse=(0.05, 0.03)), row("ae", 4)],
        UNDECIDED,
        "1 of the 3 runs of ae at z = 2 did not learn, so it is not ranked",
    ),
    (
        {"about": {"model": "ae"}, "relation": "falls_with_latent_size", "quantity": "test_mse"},
        [row("ae", 2, test_mse=(0.03, 0.001)), row("ae", 4)],
        HELD,
        "z = 2: 0.0300 ± 0.0010 and z = 4: 0.0200 ± 0.0010",
    ),
    (
        {"about": {"model": "ae"}, "relation": "rises_with_latent_size", "quantity": "test_mse"},
        [row("ae", 2, test_mse=(0.03, 0.001)), row("ae", 4)],
        NOT_HELD,
        "",
    ),
    (
        {"about": {"model": "ae"}, "relation": "falls_with_latent_size", "quantity": "test_mse"},
        [row("ae", 2, test_mse=(0.0205, 0.001)), row("ae", 4)],
        UNDECIDED,
        "overlap",
    ),
    (
        ae_z4(relation="above_chance", quantity="probe_accuracy"),
        [row("ae", 4, probe_accuracy=(0.7, 0.02))],
        HELD,
        "against 0.100",
    ),
    (
        ae_z4(relation="above_chance", quantity="probe_accuracy"),
        [row("ae", 4, probe_accuracy=(0.11, 0.02))],
        UNDECIDED,
        "overlap",
    ),
    (
        ae_z4(relation="above_chance", quantity="probe_accuracy"),
        [row("ae", 4, runs=1, probe_accuracy=(0.6, None))],
        UNDECIDED,
        "one seed",
    ),
    (
        ae_z4(relation="below", quantity="sample_diversity", value=0.9),
        [row("ae", 4)],
        UNDECIDED,
        "ae at z = 4 has no evenness",
    ),
]


@pytest.mark.parametrize("claim, summary, expected, words", CASES)
def test_a_claim_is_decided_only_beyond_the_spread_of_its_seeds(claim, summary, expected, words):
    found = outcomes({"c": claim}, summary)["c"]
    assert found.outcome == expected, found.measured
    assert words in found.measured


def test_a_single_seed_with_a_bootstrap_interval_decides_against_chance():
    single = row("ae", 4, runs=1, probe_accuracy=(0.6, None))
    single.update(probe_accuracy_low_mean=0.55, probe_accuracy_high_mean=0.65)
    claim = ae_z4(relation="above_chance", quantity="probe_accuracy")
    found = outcomes({"c": claim}, [single])["c"]
    assert found.outcome == HELD and "0.60 (0.55–0.65)" in found.measured


def test_a_claim_about_a_model_not_run_is_undecided_and_says_why():
    claim = ae_z4(relation="learned", source="Section 1", says="it learns")
    for language, why in (("en", "ae was not run in this study"), ("zh", "ae未在本研究中运行")):
        found = outcomes({"c": claim}, [], left_out=["ae"], language=language)["c"]
        assert found.outcome == UNDECIDED and why in found.measured
    assert found.found == "Section 1的结论：it learns"


def test_the_claims_text_is_in_the_reports_language_and_counted():
    claims = {
        "held": ae_z4(relation="learned", says={"en": "learns", "zh": "学到了"}),
        "failed": ae_z4(relation="did_not_learn", source={"en": "Report (1)", "zh": "报告（1）"}),
        "open": ae_z4(relation="above", quantity="code_spread", value=5.0),
    }
    summary = [row("ae", 4, code_spread=(5.0, 1.0))]
    english = outcomes(claims, summary)
    assert english["held"].found == "The study claims: learns"
    assert english["failed"].found is None  # no words of its own: the report shows the test
    assert english["failed"].tested.startswith("no run of ae at z = 4 learned")
    assert english["open"].tested == (
        "for ae at z = 4, the codes' standard deviation along their first principal "
        "component is above 5"
    )
    claims["failed"]["says"] = {"en": "it fails", "zh": "失败"}
    chinese = outcomes(claims, summary, language="zh")
    assert chinese["held"].found == "本研究的结论：学到了"
    assert chinese["failed"].found == "报告（1）的结论：失败"
    counts = outcome_counts(english.values())
    assert counts == {HELD: 1, NOT_HELD: 1, UNDECIDED: 1}


def test_a_layer_that_lost_most_of_its_units_is_named_with_its_run():
    from aestudy.report.dead_units import dead_unit_findings

    runs = [
        dict(model="ae", latent_dim=2, seed=0, dead_units="0/128 0/64 11/12 6/12"),
        dict(model="ae", latent_dim=2, seed=1, dead_units="0/128 1/64 2/12 0/12"),
    ]
    (sentence,) = dead_unit_findings(runs, WORDS["en"]["findings"])
    assert "in ae" in sentence
    assert "z = 2, seed 0 (ReLU layer 3: 11 of 12 and ReLU layer 4: 6 of 12)" in sentence
    assert "seed 1" not in sentence
    assert dead_unit_findings(runs[1:], WORDS["en"]["findings"]) == []
    (chinese,) = dead_unit_findings(runs, WORDS["zh"]["findings"])
    assert "第3个 ReLU 层：12个中11个" in chinese


def test_claims_are_listed_by_their_source_in_section_order_then_by_name():
    claims = {
        "z": ae_z4(relation="learned", source="Report (4.10)"),
        "b": ae_z4(relation="learned", source="Report (4.2)"),
        "a": ae_z4(relation="learned", source="Report (4.2)"),
        "c": ae_z4(relation="learned"),
    }
    words = WORDS["en"]
    found = claim_outcomes(claims, [row("ae", 4)], (), words["claims"], "en", words["findings"])
    assert [o.name for o in found] == ["c", "a", "b", "z"]
