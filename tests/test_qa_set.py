"""The Q&A set itself: well formed, split once, and every expected fact in its articles."""

from __future__ import annotations

import json
import sys

import pytest
from conftest import ROOT

from assistant.evaluate import QUESTION_TYPES, fact_present, load_qa

pytestmark = pytest.mark.fast

QA = ROOT / "tests" / "data" / "qa"
sys.path.insert(0, str(ROOT / "benchmarks"))


def test_every_expected_fact_is_in_its_articles() -> None:
    from qa_check import check_file

    seen: dict[str, str] = {}
    problems = check_file(QA / "dev.json", seen) + check_file(QA / "test.json", seen)
    assert problems == []


def test_the_split_is_large_varied_and_disjoint() -> None:
    dev = json.loads((QA / "dev.json").read_text())["questions"]
    test = json.loads((QA / "test.json").read_text())["questions"]
    assert len(dev) + len(test) >= 300
    assert {q["id"] for q in dev}.isdisjoint({q["id"] for q in test})
    for part in (dev, test):
        kinds = {q["type"] for q in part}
        assert kinds == QUESTION_TYPES, QUESTION_TYPES - kinds
    # Reuters questions are split by article: no test article is asked about in dev.
    def reuters(items: list[dict]) -> set[str]:
        arts = set()
        for q in items:
            for t in q.get("turns", [q]):
                arts |= {a for a in t.get("articles", []) if a.startswith("reuters-")}
        return arts

    assert not reuters(dev) & reuters(test)
    assert len(load_qa(QA / "test.json")) == len(test)


def test_fact_matching_compares_figures_by_value_with_their_words() -> None:
    assert fact_present(["5.34 billion"], "exports reached $5.34bn in May")
    assert fact_present(["7.5%"], "growth of 7.5 pct")
    assert not fact_present(["4 months"], "a 4 pct rise")
    assert fact_present(["4 months"], "halted for 4 months")
    assert fact_present(["Montevideo"], "concluded in\nMontevideo on 6 December")
    assert not fact_present(["1.2 billion dlrs"], "1.2 billion yen")
