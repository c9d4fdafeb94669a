"""Answer quality on the dev split, on a store with real newswire distractors.

The full measurement is `make eval` (the test split on all of Reuters, reported in the
README). Here, so that `make test` catches a regression: every dev question, on a store
of the sample and seed articles, the Reuters articles the dev questions are about, and
1,500 other Reuters articles as distractors.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from conftest import CORPUS_DIR, REUTERS, ROOT, SAMPLE_DIR, clean_settings

from assistant import Assistant
from assistant.evaluate import EvalReport, evaluate, load_qa

pytestmark = pytest.mark.slow

DEV = ROOT / "tests" / "data" / "qa" / "dev.json"
DISTRACTORS = 1500


def _reuters_ids(path: Path) -> set[str]:
    wanted = set()
    for q in json.loads(path.read_text())["questions"]:
        for turn in q.get("turns", [q]):
            wanted |= {a for a in turn.get("articles", []) if a.startswith("reuters-")}
    return wanted


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, embedder) -> EvalReport:
    root = tmp_path_factory.mktemp("quality")
    wanted = _reuters_ids(DEV)
    feed = root / "reuters-sample.jsonl"
    kept = 0
    with gzip.open(REUTERS, "rt", encoding="utf-8") as src, feed.open("w") as out:
        for line in src:
            obj = json.loads(line)
            if obj["id"] in wanted or kept < DISTRACTORS:
                kept += obj["id"] not in wanted
                obj["source"] = "Reuters"
                out.write(json.dumps(obj) + "\n")
    a = Assistant(clean_settings(home=root / "home"), embedder=embedder)
    assert a.ingest([feed, SAMPLE_DIR, CORPUS_DIR]).ok
    return evaluate(lambda q, h: a.ask(q, h), load_qa(DEV))


def test_dev_split_quality_does_not_regress(report: EvalReport) -> None:
    totals = report.totals()
    wrong = [(r.id, r.why) for r in report.results if not r.correct]
    # Measured on this store after the 172 f9 questions joined dev and the eleventh round
    # (2026-12-03, 1,828 turns): accuracy 0.790, partial 0.060, unanswerable declined 0.748,
    # contradictions 42 (the tenth round, 1,641 turns before f9 joined: 0.773, 0.063, 0.738,
    # 40; with f8 in, before the tenth round: 0.754, 0.071, 0.766, 49; the ninth
    # round, 1,453 turns before f8 joined: 0.765, 0.061, 0.756, 33); the bars sit a little
    # below (the contradictions bar is the measured count: it must not grow).
    assert totals["answer_accuracy"] >= 0.78, wrong
    assert totals["partial_rate"] <= 0.075
    assert totals["refusal_recall"] >= 0.74
    assert totals["premises_asserted"] == 0
    assert totals["contradictions"] <= 42


def test_no_reply_refuses_while_quoting_an_answering_sentence(report: EvalReport) -> None:
    """A refusal never quotes (there is nothing related); a partial answer that states the
    expected facts would contradict itself: count them (the dev split has none or few)."""
    for r in report.results:
        if r.refused:
            assert r.citations == 0, r.answer
    # the measured count on this store (42 since the f9 questions joined dev): it must not grow
    assert report.contradictions <= 42, [r.id for r in report.results if r.contradicts]


def test_every_question_type_is_answered_in_part_at_least(report: EvalReport) -> None:
    for kind, row in report.by_type().items():
        assert row["correct"] >= 0.4, (kind, row)
