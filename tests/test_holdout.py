"""The first held-out Q&A set (now part of the dev split), on the sample and seed articles.

Per-question correctness is asserted on the dev set (test_answering.py); here the
totals must stay above the levels the README reports.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CORPUS_DIR, ROOT, SAMPLE_DIR

from assistant import Assistant, Settings
from assistant.evaluate import evaluate, load_qa


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, embedder):
    home = tmp_path_factory.mktemp("holdout")
    a = Assistant(Settings(home=Path(home)), embedder=embedder)
    assert a.ingest([SAMPLE_DIR, CORPUS_DIR]).ok
    return evaluate(lambda q, h: a.ask(q, h), load_qa(ROOT / "tests" / "data" / "qa_holdout.json"))


def test_holdout_totals(report) -> None:
    totals = report.totals()
    assert totals["questions"] == 35
    assert report.accuracy >= 0.9, [r.id for r in report.results if not r.correct]
    assert report.refusal_recall == 1.0
    assert report.refusal_precision >= 0.9
    assert report.citation_precision >= 0.9
    assert report.hit5 == 1.0
    assert report.unsupported_rate == 0.0
