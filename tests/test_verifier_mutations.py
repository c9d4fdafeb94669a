"""The verifier's mutation test (fast tier): faithful restatements pass, changed facts do not.

Real sentences of the sample and seed articles and of 60 Reuters trade and macro stories,
each restated faithfully and mutated one fact at a time (see
``benchmarks/verifier_mutations.py``; the README reports the full run). The floors sit a
little under what the verifier reaches, so a change that lets wrong figures through fails.
"""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT))
from benchmarks import verifier_mutations  # noqa: E402

pytestmark = pytest.mark.fast

FLOORS = {
    "mutant:unit changed": 0.99,
    "mutant:direction changed": 0.99,
    "mutant:kind changed": 0.98,
    "mutant:period shifted": 0.98,
    "mutant:subject changed": 0.97,
    "mutant:figure swapped": 0.98,
    "mutant:number word changed": 0.93,
    "mutant (all)": 0.99,
    "faithful:as written": 0.98,
    "faithful:figure reworded": 0.97,
    "faithful:lead-in": 0.97,
    "faithful (all)": 0.98,
}


@pytest.fixture(scope="module")
def result() -> dict[str, dict[str, float]]:
    return verifier_mutations.run(reuters=60)


def test_thousands_of_cases_are_checked(result: dict[str, dict[str, float]]) -> None:
    assert result["mutant (all)"]["cases"] >= 1500
    assert result["faithful (all)"]["cases"] >= 800


@pytest.mark.parametrize("kind", sorted(FLOORS))
def test_each_kind_keeps_its_floor(result: dict[str, dict[str, float]], kind: str) -> None:
    assert result[kind]["right"] >= FLOORS[kind], (kind, result[kind])


def test_a_changed_fact_is_named_in_the_reason() -> None:
    text = "Japan's exports to the United States fell 12 pct in March to 5.1 billion dlrs."
    passage = verifier_mutations._passage(verifier_mutations._Article(
        "japan-0123456789", "JAPAN EXPORTS FALL", text, "1987-04-20"))
    for claim, reason in (
        ("Japan's exports to the United States rose 12 pct in March [1].", "wrong direction"),
        ("Japan's exports to the United States fell 12 pct in March 1986 [1].", "period"),
        ("Japan's exports to the United States fell 12 pct in March to 5.1 billion "
         "marks [1].", "not in the cited passage"),
    ):
        [c] = verifier_mutations.split_claims(claim)
        verifier_mutations.verify_claims([c], [passage], verifier_mutations._similarity)
        assert not c.ok and reason in c.reason, (claim, c.reason)


def test_mutants_change_a_fact() -> None:
    """No "mutant" that says the same: a list or compound reordered, a plural, a same value."""
    kinds = dict(verifier_mutations.mutants(
        "Car exports from France, Italy and Spain rose 5 pct in 2024", ["5.0 pct", "7 pct"]))
    subject = [m for k, m in verifier_mutations.mutants(
        "Car exports from France, Italy and Spain rose 5 pct in 2024", ["5.0 pct", "7 pct"])
        if k == "subject changed"]
    assert kinds["figure swapped"] == "Car exports from France, Italy and Spain rose 7 pct in 2024"
    assert not any("Italy, France" in m or "cars" in m.lower() for m in subject), subject
    compound = [m for k, m in verifier_mutations.mutants(
        "U.S.-Canadian trade rose 4 pct in 2024", []) if k == "subject changed"]
    assert not any(m.startswith("Canadian-U.S.") for m in compound), compound


def test_a_faithful_lead_in_keeps_a_country_capitalised() -> None:
    lead = dict(verifier_mutations.faithful("German exports to China fell 7 pct in 2024"))
    assert lead["lead-in"] == "The article reports that German exports to China fell 7 pct in 2024"


def test_generated_words_are_whole_words_and_months_stay_names() -> None:
    sentence = "The government cut its credit drawdown at the central bank by 900 mln marks"
    assert not [m for k, m in verifier_mutations.mutants(sentence, [])
                if k == "direction changed"]  # no "drawup"
    lead = dict(verifier_mutations.faithful("February exports rose 3 pct to 2.8 billion dlrs"))
    assert lead["lead-in"].startswith("The article reports that February exports")
