"""Evaluation harness behind ``tradedesk eval``: quality and latency on a Q&A file.

Q&A file (JSON): ``{"questions": [item, ...]}`` where an item is one of

* ``{"id", "question", "expected": [[alt, ...], ...], "articles": [prefix, ...]}``:
  answerable; every group of ``expected`` must be in the answer (any alternative
  of a group; figures compare by value, so "5.34 billion" matches "$5.34bn"),
  and ``articles`` are acceptable sources (article-id prefixes: the file stem, or
  the url slug of a feed entry);
* ``{"id", "question", "unanswerable": true}``: must be refused (or answered partially:
  saying what the articles do say, and that they do not state this);
* ``{"id", "turns": [item, ...]}``: asked in order as one conversation.

Optional fields: ``type`` (one of ``QUESTION_TYPES``; results are reported per type),
``min_expected`` (that many groups of ``expected`` suffice: lists, summaries) and
``forbidden`` (a false premise: phrases the answer must not state) and ``to_fix``
(a case to fix, from a thumbs-down in ``tradedesk feedback export``: it may have no
``expected`` facts yet, and is judged failed, with its ``comment`` as the reason, until
it has them). The full schema is in ``tests/data/qa/README.md``.
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
from ingest.ids import article_of
from ingest.text.figures import Figure, extract_figures
from vectorstore.errors import ConfigError

__all__ = [
    "QUESTION_TYPES",
    "article_prefix",
    "EvalItem",
    "EvalReport",
    "EvalResult",
    "evaluate",
    "fact_present",
    "load_qa",
    "wrong_figures",
]

# The kinds of question a Q&A file labels its items with (``"type"``).
QUESTION_TYPES = frozenset(
    {
        "figure",  # a single figure: an amount, a rate, a count
        "why",  # a cause or reason
        "who",  # who said something, or someone's stance
        "list",  # several items (products, countries, measures)
        "compare",  # two figures across periods or articles, and the change
        "paraphrase",  # worded with few of the article's words
        "entity",  # a date, place, person or organisation
        "summary",  # "summarize", "what are the main ..."
        "followup",  # a conversation: later turns depend on earlier ones
        "unanswerable",  # plausible, but the articles never say
        "false_premise",  # assumes something the articles contradict
    }
)


@dataclass(frozen=True)
class EvalItem:
    """One question of a Q&A file (a turn of a conversation has ``turn`` > 0)."""

    id: str
    question: str
    expected: tuple[tuple[str, ...], ...] = ()
    articles: tuple[str, ...] = ()
    unanswerable: bool = False
    turn: int = 0
    type: str = ""
    min_expected: int | None = None
    forbidden: tuple[str, ...] = ()
    to_fix: bool = False
    comment: str = ""


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
    type: str = ""
    partial: bool = False
    contradicts: bool = False  # refused or partial while stating the expected facts
    premise_asserted: bool = False  # a false premise's forbidden phrase was stated
    wrong_figures: list[str] = field(default_factory=list)  # see ``wrong_figures``


@dataclass
class EvalReport:
    """Totals over a Q&A file."""

    results: list[EvalResult] = field(default_factory=list)

    def _answerable(self) -> list[EvalResult]:
        return [r for r in self.results if not r.unanswerable and r.type != "false_premise"]

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
        """Unanswerable questions that were refused or answered partially."""
        items = [r for r in self.results if r.unanswerable]
        return sum(r.refused or r.partial for r in items) / len(items) if items else 1.0

    @property
    def refusal_precision(self) -> float:
        """Refusals that were right (the question was unanswerable or had a false premise)."""
        refused = [r for r in self.results if r.refused]
        ok = sum(r.unanswerable or r.type == "false_premise" for r in refused)
        return ok / len(refused) if refused else 1.0

    @property
    def partial_rate(self) -> float:
        """Answerable questions answered only partially (hedged)."""
        items = self._answerable()
        return sum(r.partial for r in items) / len(items) if items else 0.0

    @property
    def contradictions(self) -> int:
        """Replies that refuse or hedge while stating the expected answer (must be 0)."""
        return sum(r.contradicts for r in self.results)

    @property
    def premises_asserted(self) -> int:
        """False-premise questions whose answer stated the premise (must be 0)."""
        return sum(r.premise_asserted for r in self.results)

    def by_type(self) -> dict[str, dict[str, float | int]]:
        """Per question type: how many, and the share handled right."""
        groups: dict[str, list[EvalResult]] = {}
        for r in self.results:
            groups.setdefault(r.type or "untyped", []).append(r)
        return {
            kind: {
                "questions": len(rs),
                "correct": round(sum(r.correct for r in rs) / len(rs), 4),
                "partial": sum(r.partial for r in rs),
                "refused": sum(r.refused for r in rs),
            }
            for kind, rs in sorted(groups.items())
        }

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
            "partial_rate": round(self.partial_rate, 4),
            "contradictions": self.contradictions,
            "premises_asserted": self.premises_asserted,
            "unsupported_rate": round(self.unsupported_rate, 4),
            "wrong_figures": sum(len(r.wrong_figures) for r in self.results),
            "latency_p50_ms": round(self.latency(50) * 1000, 1),
            "latency_p95_ms": round(self.latency(95) * 1000, 1),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: totals and per-question results."""
        return {
            "totals": self.totals(),
            "by_type": self.by_type(),
            "results": [asdict(r) for r in self.results],
        }


def _norm(text: str) -> str:
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("\u2019", "'")
    return " ".join(text.lower().split())


def fact_present(alternatives: Sequence[str], text: str) -> bool:
    """Whether any alternative is stated in ``text``.

    An alternative with a figure matches by value ("5.34 billion" = "$5.34bn"), and its
    other words must be in ``text`` too ("4 months" needs "months", not any 4); one
    without a figure matches as a case- and space-insensitive substring.
    """
    norm = _norm(text)
    found = extract_figures(text)
    for alt in alternatives:
        figs = extract_figures(alt)
        if figs:
            rest = alt
            for f in reversed(figs):
                rest = rest[: f.start] + " " + rest[f.end :]
            words = re.findall(r"[^\W\d_]{2,}", _norm(rest))
            if all(any(f.same_as(g) for g in found) for f in figs) and all(
                w in norm for w in words
            ):
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

    def one(raw: Any, ident: str, turn: int, kind: str) -> EvalItem:
        if not isinstance(raw, dict) or not isinstance(raw.get("question"), str):
            raise ConfigError(f"{path}: item {ident!r} needs a 'question' string.")
        unanswerable = bool(raw.get("unanswerable", False))
        expected = raw.get("expected", [])
        to_fix = bool(raw.get("to_fix", False))
        if not unanswerable and not expected and kind != "false_premise" and not to_fix:
            raise ConfigError(f"{path}: item {ident!r} needs 'expected' or 'unanswerable': true.")
        if kind and kind not in QUESTION_TYPES:
            raise ConfigError(
                f"{path}: item {ident!r} has type {kind!r}; use one of {sorted(QUESTION_TYPES)}."
            )
        groups = tuple(tuple(g) if isinstance(g, list) else (str(g),) for g in expected)
        least = raw.get("min_expected")
        if least is not None and not (isinstance(least, int) and 1 <= least <= len(groups)):
            raise ConfigError(
                f"{path}: item {ident!r} has min_expected={least!r}; it must be 1..{len(groups)}."
            )
        return EvalItem(
            id=ident, question=raw["question"], expected=groups,
            articles=tuple(raw.get("articles", [])), unanswerable=unanswerable, turn=turn,
            type=kind, min_expected=least, forbidden=tuple(raw.get("forbidden", [])),
            to_fix=to_fix, comment=str(raw.get("comment", "")),
        )

    conversations: list[list[EvalItem]] = []
    for n, raw in enumerate(items, start=1):
        ident = str(raw.get("id", f"q{n}")) if isinstance(raw, dict) else f"q{n}"
        if isinstance(raw, dict) and "turns" in raw:
            turns = raw["turns"]
            if not isinstance(turns, list) or not turns:
                raise ConfigError(f"{path}: item {ident!r} has an empty 'turns' list.")
            kind = str(raw.get("type") or "followup")
            conversations.append(
                [one(t, f"{ident}#{i + 1}", i, kind) for i, t in enumerate(turns)]
            )
        else:
            kind = str(raw.get("type") or "") if isinstance(raw, dict) else ""
            conversations.append([one(raw, ident, 0, kind)])
    return conversations


def article_prefix(chunk_or_article_id: str) -> str:
    """The id prefix a Q&A file names an article by (its id without the hash suffix)."""
    article_id = article_of(chunk_or_article_id)
    return re.sub(r"-[0-9a-f]{10}$", "", article_id)


_article_prefix = article_prefix


_MARKERS = re.compile(r"\s*\[(\d+(?:\s*[,;–-]\s*\d+)*)\]")


_STATED_CHANGE = re.compile(r"\s*That is an? (?:rise|fall) of ")


def _change_holds(said: list[Figure], cited: list[Figure], in_points: bool = False) -> bool:
    """Whether two cited figures differ by the size said (to 1%), by the share said (to 0.1)."""
    if not said:
        return False
    size = said[0].value
    points = said[0].kind == "percent" or in_points
    share = next((f.value for f in said[1:] if f.kind == "percent"), None)
    for a in cited:
        for b in cited:
            if a is b or not b.value or (a.kind == "percent") != points:
                continue
            diff = abs(a.value - b.value)
            if abs(diff - size) > 0.01 * max(size, 1e-9):
                continue
            if share is None or abs(diff / abs(b.value) * 100 - share) <= 0.1:
                return True
    return False


def wrong_figures(item: EvalItem, answer: Answer) -> list[str]:
    """Figures an answer shows as fact that are wrong, judged without the verifier.

    Two checks that share nothing with the fact matcher of the answer step: a figure of an
    answer sentence whose value is in none of the quotes that sentence cites (by its
    ``[n]`` markers; a sentence without markers, any quote) — the literal value is
    compared, not its meaning —, and, for a question of type ``figure`` that the answer
    does not hedge, figures shown while none of the expected facts is: the answer gave a
    number, and not the one the Q&A file expects. A stated change ("That is a fall of 0.72
    mln (37.9%)") is checked by its own sum: two cited figures must differ by its size and
    share. A refusal shows no figure as fact.
    """
    if answer.refused or not answer.text.strip():
        return []
    wrong: list[str] = []
    quotes = {c.n: c.quote for c in answer.citations}
    shown: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z])", answer.text):
        cited = [int(n) for m in _MARKERS.finditer(sentence) for n in re.findall(r"\d+", m[1])]
        text = _MARKERS.sub("", sentence)
        sources = [quotes[n] for n in cited if n in quotes] or list(quotes.values())
        source_figures = [f for q in sources for f in extract_figures(q)]
        if _STATED_CHANGE.match(text):  # "That is a fall of 0.72 mln (37.9%) ...": a sum
            figs = extract_figures(text.split(" from ")[0])
            shown.extend(f.text for f in figs)
            if not _change_holds(figs, source_figures, "percentage point" in text):
                wrong.append(f"{text.strip()} (no two cited figures give this change)")
            continue
        for fig in extract_figures(text):
            shown.append(fig.text)
            if not any(fig.same_as(f) for f in source_figures):
                wrong.append(f"{fig.text} (in no quote it cites)")
    hedged = answer.partial or answer.refused
    if (item.type == "figure" and item.expected and shown and not hedged
            and not any(fact_present(g, answer.text) for g in item.expected)):
        wrong.append(f"{shown[0]} (not the expected {item.expected[0][0]})")
    return wrong


def _judge(item: EvalItem, answer: Answer, seconds: float) -> EvalResult:
    rank = None
    if item.articles:
        for i, cid in enumerate(answer.retrieved, start=1):
            if _article_prefix(cid) in item.articles:
                rank = i
                break
    found = sum(fact_present(group, answer.text) for group in item.expected)
    needed = item.min_expected or len(item.expected)
    facts = bool(item.expected) and found >= needed
    ok_citations = 0
    for c in answer.citations:
        # a near-duplicate of an expected article (same story group) reports the same fact
        ids = [c.article_id, *(r.article_id for r in c.also_reported)]
        from_expected = not item.articles or any(_article_prefix(a) in item.articles for a in ids)
        if from_expected and any(fact_present(g, c.passage or c.quote) for g in item.expected):
            ok_citations += 1
    hedged = answer.refused or answer.partial
    asserted = any(_norm(p) in _norm(answer.text) for p in item.forbidden)
    if item.to_fix and not item.expected and not item.unanswerable:
        correct = False
        why = f"to fix (thumbs-down): {item.comment or 'no comment'}; write its expected facts"
    elif item.unanswerable:
        correct = hedged
        why = "" if correct else "answered a question the documents do not cover"
    elif item.type == "false_premise":
        correct = not asserted and (hedged or facts)
        why = (
            "stated the false premise" if asserted
            else "" if correct else "neither corrected the premise nor declined"
        )
    else:
        correct = not hedged and facts and ok_citations > 0
        why = (
            "refused" if answer.refused
            else "partial answer" if answer.partial
            else "expected fact missing" if not facts
            else "no citation holds the fact" if ok_citations == 0
            else ""
        )
    return EvalResult(
        id=item.id, question=item.question, answer=answer.text, refused=answer.refused,
        unanswerable=item.unanswerable, correct=correct, facts_found=facts, rank=rank,
        citations=len(answer.citations), citations_ok=ok_citations,
        unsupported=len(answer.unsupported), seconds=seconds, why=why, type=item.type,
        partial=answer.partial, contradicts=hedged and facts and not item.unanswerable
        and item.type != "false_premise", premise_asserted=asserted,
        wrong_figures=wrong_figures(item, answer),
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
