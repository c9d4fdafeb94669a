"""Evaluation harness behind ``tradedesk eval``: quality and latency on a Q&A file.

Q&A file (JSON): ``{"questions": [item, ...]}`` where an item is one of

* ``{"id", "question", "expected": [[alt, ...], ...], "articles": [prefix, ...]}``:
  answerable; every group of ``expected`` must be in the answer (any alternative
  of a group; figures compare by value, so "5.34 billion" matches "$5.34bn"),
  and ``articles`` are acceptable sources (article-id prefixes: the file stem, or
  the url slug of a feed entry);
* ``{"id", "question", "unanswerable": true}``: must be refused;
* ``{"id", "turns": [item, ...]}``: asked in order as one conversation.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.answer import Answer
from ingest.figures import extract_figures
from vectorstore.errors import ConfigError

__all__ = ["EvalItem", "EvalReport", "EvalResult", "evaluate", "fact_present", "load_qa"]


@dataclass(frozen=True)
class EvalItem:
    """One question of a Q&A file (a turn of a conversation has ``turn`` > 0)."""

    id: str
    question: str
    expected: tuple[tuple[str, ...], ...] = ()
    articles: tuple[str, ...] = ()
    unanswerable: bool = False
    turn: int = 0


@dataclass
class EvalResult:
    """What happened for one question."""

    id: str
    question: str
    answer: str
    refused: bool
    unanswerable: bool
    correct: bool
    facts_found: bool
    rank: int | None  # 1-based rank of the first chunk of an expected article
    citations: int
    citations_ok: int
    unsupported: int
    seconds: float
    why: str = ""


@dataclass
class EvalReport:
    """Totals over a Q&A file."""

    results: list[EvalResult] = field(default_factory=list)

    def _answerable(self) -> list[EvalResult]:
        return [r for r in self.results if not r.unanswerable]

    @property
    def accuracy(self) -> float:
        """Share of answerable questions answered with every expected fact."""
        items = self._answerable()
        return sum(r.correct for r in items) / len(items) if items else 1.0

    @property
    def overall(self) -> float:
        """Share of all questions handled right (answered right or rightly refused)."""
        return sum(r.correct for r in self.results) / len(self.results) if self.results else 1.0

    @property
    def hit1(self) -> float:
        """Retrieval: expected article ranked first."""
        items = self._answerable()
        return sum(r.rank == 1 for r in items) / len(items) if items else 1.0

    @property
    def hit5(self) -> float:
        """Retrieval: expected article in the top five."""
        items = self._answerable()
        return sum(r.rank is not None and r.rank <= 5 for r in items) / len(items) if items else 1.0

    @property
    def mrr(self) -> float:
        """Retrieval: mean reciprocal rank of the expected article."""
        items = self._answerable()
        return sum(1 / r.rank for r in items if r.rank) / len(items) if items else 1.0

    @property
    def citation_precision(self) -> float:
        """Cited passages (of answerable, answered questions) that hold an expected fact."""
        cited = sum(r.citations for r in self._answerable() if not r.refused)
        ok = sum(r.citations_ok for r in self._answerable() if not r.refused)
        return ok / cited if cited else 1.0

    @property
    def refusal_recall(self) -> float:
        """Unanswerable questions that were refused."""
        items = [r for r in self.results if r.unanswerable]
        return sum(r.refused for r in items) / len(items) if items else 1.0

    @property
    def refusal_precision(self) -> float:
        """Refusals that were right (the question was unanswerable)."""
        refused = [r for r in self.results if r.refused]
        return sum(r.unanswerable for r in refused) / len(refused) if refused else 1.0

    @property
    def unsupported_rate(self) -> float:
        """Answers that had at least one claim fail verification."""
        if not self.results:
            return 0.0
        return sum(r.unsupported > 0 for r in self.results) / len(self.results)

    def latency(self, q: float) -> float:
        """Latency percentile in seconds (q = 50 or 95)."""
        times = sorted(r.seconds for r in self.results)
        if not times:
            return 0.0
        if len(times) == 1:
            return times[0]
        return float(statistics.quantiles(times, n=100, method="inclusive")[int(q) - 1])

    def totals(self) -> dict[str, float | int]:
        """The headline figures."""
        return {
            "questions": len(self.results),
            "answer_accuracy": round(self.accuracy, 4),
            "overall_correct": round(self.overall, 4),
            "hit_at_1": round(self.hit1, 4),
            "hit_at_5": round(self.hit5, 4),
            "mrr": round(self.mrr, 4),
            "citation_precision": round(self.citation_precision, 4),
            "refusal_precision": round(self.refusal_precision, 4),
            "refusal_recall": round(self.refusal_recall, 4),
            "unsupported_rate": round(self.unsupported_rate, 4),
            "latency_p50_ms": round(self.latency(50) * 1000, 1),
            "latency_p95_ms": round(self.latency(95) * 1000, 1),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: totals and per-question results."""
        return {"totals": self.totals(), "results": [asdict(r) for r in self.results]}


def _norm(text: str) -> str:
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("\u2019", "'")
    return " ".join(text.lower().split())


def fact_present(alternatives: Sequence[str], text: str) -> bool:
    """Whether any alternative is stated in ``text`` (figures compare by value)."""
    norm = _norm(text)
    found = extract_figures(text)
    for alt in alternatives:
        figs = extract_figures(alt)
        if figs:
            if all(any(f.same_as(g) for g in found) for f in figs):
                return True
        elif _norm(alt) in norm:
            return True
    return False


def load_qa(path: Path) -> list[list[EvalItem]]:
    """Read a Q&A file into conversations (a plain question is a one-turn conversation).

    Raises:
        ConfigError: the file is missing or does not follow the schema.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Cannot read the Q&A file {path}: {exc}") from exc
    items = data.get("questions") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{path}: expected {{'questions': [...]}} with at least one question.")

    def one(raw: Any, ident: str, turn: int) -> EvalItem:
        if not isinstance(raw, dict) or not isinstance(raw.get("question"), str):
            raise ConfigError(f"{path}: item {ident!r} needs a 'question' string.")
        unanswerable = bool(raw.get("unanswerable", False))
        expected = raw.get("expected", [])
        if not unanswerable and not expected:
            raise ConfigError(f"{path}: item {ident!r} needs 'expected' or 'unanswerable': true.")
        groups = tuple(tuple(g) if isinstance(g, list) else (str(g),) for g in expected)
        return EvalItem(
            id=ident, question=raw["question"], expected=groups,
            articles=tuple(raw.get("articles", [])), unanswerable=unanswerable, turn=turn,
        )

    conversations: list[list[EvalItem]] = []
    for n, raw in enumerate(items, start=1):
        ident = str(raw.get("id", f"q{n}")) if isinstance(raw, dict) else f"q{n}"
        if isinstance(raw, dict) and "turns" in raw:
            turns = raw["turns"]
            if not isinstance(turns, list) or not turns:
                raise ConfigError(f"{path}: item {ident!r} has an empty 'turns' list.")
            conversations.append(
                [one(t, f"{ident}#{i + 1}", i) for i, t in enumerate(turns)]
            )
        else:
            conversations.append([one(raw, ident, 0)])
    return conversations


def _article_prefix(chunk_or_article_id: str) -> str:
    article_id = chunk_or_article_id.split(":", 1)[0]
    return re.sub(r"-[0-9a-f]{10}$", "", article_id)


def _judge(item: EvalItem, answer: Answer, seconds: float) -> EvalResult:
    rank = None
    if item.articles:
        for i, cid in enumerate(answer.retrieved, start=1):
            if _article_prefix(cid) in item.articles:
                rank = i
                break
    facts = all(fact_present(group, answer.text) for group in item.expected)
    ok_citations = 0
    for c in answer.citations:
        from_expected = not item.articles or _article_prefix(c.article_id) in item.articles
        if from_expected and any(fact_present(g, c.passage or c.quote) for g in item.expected):
            ok_citations += 1
    if item.unanswerable:
        correct = answer.refused
        why = "" if correct else "answered a question the documents do not cover"
    else:
        correct = not answer.refused and facts and ok_citations > 0
        why = (
            "refused" if answer.refused
            else "expected fact missing" if not facts
            else "no citation holds the fact" if ok_citations == 0
            else ""
        )
    return EvalResult(
        id=item.id, question=item.question, answer=answer.text, refused=answer.refused,
        unanswerable=item.unanswerable, correct=correct, facts_found=facts, rank=rank,
        citations=len(answer.citations), citations_ok=ok_citations,
        unsupported=len(answer.unsupported), seconds=seconds, why=why,
    )


def evaluate(
    ask: Callable[[str, list[tuple[str, str]]], Answer],
    conversations: Sequence[Sequence[EvalItem]],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> EvalReport:
    """Ask every question (conversations in order) and judge the answers.

    Args:
        ask: ``ask(question, history) -> Answer`` (e.g. ``Assistant.ask``).
        conversations: from ``load_qa``.
        progress: called with (done, total) after each question.
    """
    report = EvalReport()
    total = sum(len(c) for c in conversations)
    for conversation in conversations:
        history: list[tuple[str, str]] = []
        for item in conversation:
            t0 = time.perf_counter()
            answer = ask(item.question, list(history))
            report.results.append(_judge(item, answer, time.perf_counter() - t0))
            history += [("user", item.question), ("assistant", answer.text)]
            if progress:
                progress(len(report.results), total)
    return report
