"""The result types of ``Assistant.ask()``: ``Answer`` and its ``Citation`` list."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

__all__ = ["Answer", "Citation", "OtherReport"]


@dataclass(frozen=True)
class OtherReport:
    """Another article of a cited article's story group: a copy, update or correction."""

    article_id: str
    title: str
    source: str
    date: str | None = None
    url: str | None = None

    @classmethod
    def of(cls, data: Any) -> OtherReport:
        """An ``OtherReport`` from itself or from its ``asdict`` form."""
        if isinstance(data, OtherReport):
            return data
        return cls(
            article_id=str(data["article_id"]), title=str(data.get("title") or ""),
            source=str(data.get("source") or ""), date=data.get("date"), url=data.get("url"),
        )


def also_reported_note(reports: tuple[OtherReport, ...] | list[OtherReport]) -> str:
    """The note under a citation: "Also reported in 2 other stories (1987-03-02, ...)."."""
    if not reports:
        return ""
    dates = sorted({r.date for r in reports if r.date})
    n = len(reports)
    what = "1 other story" if n == 1 else f"{n} other stories"
    when = f" ({', '.join(dates)})" if dates else ""
    return f"Also reported in {what}{when}."


@dataclass(frozen=True)
class Citation:
    """Where a cited claim comes from.

    ``quote`` is the sentence(s) of the passage that support the claim, as flowing text
    (the line breaks of hard-wrapped newswire joined); ``start``/``end`` are their exact
    character offsets in the article's cleaned text
    (``flowing(Assistant.article_text(article_id)[start:end]) == quote``, with
    ``ingest.text.sentences.flowing``).
    ``passage_start``/``passage_end`` locate the whole retrieved passage.
    ``also_reported`` lists the other articles of the cited article's story group
    (copies, updates and corrections of the same wire story), oldest first; retrieval
    gave them no slot of their own. ``also_reported_note`` says it in words.
    """

    n: int
    article_id: str
    title: str
    source: str
    date: str | None
    chunk_id: str
    quote: str
    start: int
    end: int
    score: float
    url: str | None = None
    passage: str = ""
    passage_start: int = 0
    passage_end: int = 0
    page: int | None = None
    also_reported: tuple[OtherReport, ...] = ()

    def __post_init__(self) -> None:
        # From JSON (``Citation(**data)``) the reports come as a list of dicts.
        reports = tuple(OtherReport.of(r) for r in self.also_reported or ())
        object.__setattr__(self, "also_reported", reports)

    @property
    def also_reported_note(self) -> str:
        """The note "Also reported in N other stories (dates)."; empty without copies."""
        return also_reported_note(self.also_reported)


@dataclass
class Answer:
    """An answer with inline ``[n]`` markers and the citations they point to.

    Attributes:
        text: the answer; every claim carries ``[n]`` markers.
        citations: ``Citation`` objects, numbered in order of first use.
        refused: True when the documents hold nothing related to the question.
        partial: True when they hold something related but not the answer itself: the
            text says so plainly, then quotes the closest they come (cited).
        unsupported: answer sentences that failed verification (and were removed).
        question: the question as asked.
        standalone_question: the question rewritten with the conversation's context.
        backend: which backend produced the answer.
        timings: seconds per step (retrieve, answer, verify, total).
        retrieved: chunk ids the retriever returned, best first.
        series: for a figure answered from the fact ledger, every figure of that series
            (same subject, any period) as dicts, e.g. to draw a chart.
    """

    text: str
    citations: list[Citation] = field(default_factory=list)
    refused: bool = False
    partial: bool = False
    unsupported: list[str] = field(default_factory=list)
    question: str = ""
    standalone_question: str = ""
    backend: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    retrieved: list[str] = field(default_factory=list)
    series: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the shape printed by ``tradedesk ask --json``)."""
        return {
            "answer": self.text,
            "citations": [
                {**asdict(c), "also_reported": [asdict(r) for r in c.also_reported]}
                for c in self.citations
            ],
            "refused": self.refused,
            "partial": self.partial,
            "unsupported": list(self.unsupported),
            "question": self.question,
            "standalone_question": self.standalone_question,
            "backend": self.backend,
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "retrieved": list(self.retrieved),
            "series": list(self.series),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        """The ``Answer`` that ``to_dict()`` described (unknown keys are ignored)."""
        known = {f.name for f in fields(Citation)}

        return cls(
            text=str(data.get("answer", "")),
            citations=[
                Citation(**{k: v for k, v in c.items() if k in known})
                for c in data.get("citations", [])
            ],
            refused=bool(data.get("refused", False)),
            partial=bool(data.get("partial", False)),
            unsupported=[str(x) for x in data.get("unsupported", [])],
            question=str(data.get("question", "")),
            standalone_question=str(data.get("standalone_question", "")),
            backend=str(data.get("backend", "")),
            timings={str(k): float(v) for k, v in data.get("timings", {}).items()},
            retrieved=[str(x) for x in data.get("retrieved", [])],
            series=list(data.get("series", [])),
        )
