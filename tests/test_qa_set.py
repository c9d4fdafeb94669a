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
    problems = (check_file(QA / "dev.json", seen) + check_file(QA / "test.json", seen)
                + check_file(QA / "val.json", seen))
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
    # the validation set's articles are in neither split
    val = json.loads((QA / "val.json").read_text())["questions"]
    assert not reuters(val) & (reuters(dev) | reuters(test))
    assert {q["type"] for q in val} == QUESTION_TYPES
    assert len(load_qa(QA / "test.json")) == len(test)


def test_fact_matching_compares_figures_by_value_with_their_words() -> None:
    assert fact_present(["5.34 billion"], "exports reached $5.34bn in May")
    assert fact_present(["7.5%"], "growth of 7.5 pct")
    assert not fact_present(["4 months"], "a 4 pct rise")
    assert fact_present(["4 months"], "halted for 4 months")
    assert fact_present(["Montevideo"], "concluded in\nMontevideo on 6 December")
    assert not fact_present(["1.2 billion dlrs"], "1.2 billion yen")


def test_a_citation_of_a_copy_of_the_expected_story_counts() -> None:
    """Retrieval gives a story group one slot: the copy it cites holds the same fact."""
    from assistant.answer import Answer, Citation, OtherReport
    from assistant.evaluate import EvalItem, _judge

    item = EvalItem(id="x", question="How big was the surplus?", expected=(("4.7 billion",),),
                    articles=("reuters-100",), type="figure")

    def answer(also: tuple[OtherReport, ...]) -> Answer:
        quote = "The surplus was 4.7 billion francs."
        cite = Citation(n=1, article_id="reuters-200", title="t", source="s", date=None,
                        chunk_id="reuters-200:0", quote=quote, start=0, end=len(quote),
                        score=1.0, passage=quote, also_reported=also)
        return Answer(text=f"{quote[:-1]} [1].", citations=[cite])

    copy = (OtherReport(article_id="reuters-100", title="t", source="s", date=None, url=None),)
    assert _judge(item, answer(copy), 0.1).correct
    judged = _judge(item, answer(()), 0.1)
    assert not judged.correct and judged.why == "no citation holds the fact"


def test_a_stated_change_counts_as_wrong_unless_two_cited_figures_give_it() -> None:
    from assistant.answer import Answer, Citation
    from assistant.evaluate import EvalItem, wrong_figures

    quote = "China imported 1.18 mln tonnes in 1986, down from 1.9 mln in 1985."
    item = EvalItem(id="x", question="q", expected=(("1.18 mln",),), articles=(), type="compare")

    def answer(change: str) -> Answer:
        cite = Citation(n=1, article_id="a", title="t", source="s", date=None, chunk_id="a:0",
                        quote=quote, start=0, end=len(quote), score=1.0, passage=quote)
        return Answer(text=f"{quote[:-1]} [1]. {change} [1].", citations=[cite])

    assert wrong_figures(item, answer("That is a fall of 0.72 mln tonnes (37.9%).")) == []
    assert wrong_figures(item, answer("That is a fall of 0.52 mln tonnes (37.9%)."))
    assert wrong_figures(item, answer("That is a fall of 0.72 mln tonnes (30.0%)."))


def test_a_change_in_percentage_points_is_checked_between_rates() -> None:
    from assistant.evaluate import _change_holds
    from ingest.text.figures import extract_figures

    cited = extract_figures("Consumption rose 4.1 pct in 1986 against 2.7 pct in 1985.")
    said = extract_figures("That is a rise of 1.4 percentage points")
    assert _change_holds(said, cited, in_points=True)
    assert not _change_holds(extract_figures("That is a rise of 1.6 percentage points"), cited,
                             in_points=True)
