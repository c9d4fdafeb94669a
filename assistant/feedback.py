"""Rated answers as a ``tradedesk eval`` Q&A file: the questions users ask become tests.

* A thumbs-up answer becomes an answerable item: its expected facts are the figures it
  states that its quotes hold (else, per citation, the longest run of words the answer
  shares with the quote); its cited articles are the acceptable sources. A thumbs-up
  refusal becomes an ``unanswerable`` item.
* A thumbs-down answer becomes a case to fix: ``"to_fix": true`` with the reader's
  comment and the answer given, and no expected facts yet. ``tradedesk eval`` counts it
  as failed (the reason is the comment) until someone writes its ``expected`` facts (or
  ``"unanswerable": true``) and removes ``to_fix``.

A follow-up (a turn after the first) keeps its conversation: the earlier turns come first
as context turns, each with the facts of its own answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import Any

from assistant.answer import Answer
from assistant.conversations import Conversation, Turn
from assistant.evaluate import article_prefix
from ingest.text.figures import extract_figures

__all__ = ["expected_facts", "to_eval_items"]

_MARKER = re.compile(r"\s*\[\d+(?:,\s*\d+)*\]")
MAX_FACTS = 3
MIN_WORDS = 3
MAX_WORDS = 8


def expected_facts(answer: Answer) -> list[list[str]]:
    """The facts of an answer that its citations' quotes hold, as eval fact groups."""
    text = _MARKER.sub("", answer.text)
    quotes = [c.quote for c in answer.citations]
    groups: list[list[str]] = []
    quoted = [f for q in quotes for f in extract_figures(q)]
    for fig in extract_figures(text):
        shown = text[fig.start:fig.end].strip()
        if any(fig.same_as(q) for q in quoted) and [shown] not in groups:
            groups.append([shown])
        if len(groups) == MAX_FACTS:
            return groups
    if groups:
        return groups
    words = text.split()
    for quote in quotes:
        qwords = quote.split()
        match = SequenceMatcher(None, words, qwords, autojunk=False).find_longest_match(
            0, len(words), 0, len(qwords)
        )
        if match.size >= MIN_WORDS:
            phrase = " ".join(words[match.a: match.a + min(match.size, MAX_WORDS)])
            phrase = phrase.strip(" ,;:.")
            if phrase and [phrase] not in groups:
                groups.append([phrase])
        if len(groups) == MAX_FACTS:
            break
    return groups


def _articles(answer: Answer) -> list[str]:
    return sorted({article_prefix(c.article_id) for c in answer.citations})


def _item(turn: Turn, *, rated: bool) -> dict[str, Any] | None:
    """One turn as an eval item (None: a context turn with nothing to check)."""
    a = turn.answer
    item: dict[str, Any] = {"question": turn.question}
    fb = turn.feedback
    if rated and fb is not None and fb.rating == "down":
        item |= {
            "to_fix": True,
            "comment": fb.comment or "(no comment)",
            "answer_given": a.text,
            "outcome_given": "refused" if a.refused else "partial" if a.partial else "answered",
        }
        if a.citations:
            item["articles_given"] = _articles(a)
        return item
    if a.refused:
        return item | {"unanswerable": True}
    facts = expected_facts(a)
    if not facts:
        return None
    item |= {"expected": facts, "articles": _articles(a)}
    if a.partial:
        item["note"] = "rated as a partial answer"
    return item


def to_eval_items(rated: Sequence[tuple[Conversation, Turn]]) -> dict[str, Any]:
    """The ``{"questions": [...]}`` Q&A file of the rated turns (as ``load_qa`` reads it)."""
    out: list[dict[str, Any]] = []
    for conversation, turn in sorted(rated, key=lambda ct: ct[1].turn_id):
        ident = f"fb-{turn.turn_id.replace(':', '-')}"
        fb = turn.feedback
        meta = {
            "source": "feedback",
            "rating": fb.rating if fb else "",
            "conversation": conversation.conversation_id,
        }
        last = _item(turn, rated=True)
        assert last is not None or (fb is not None and fb.rating == "up")
        if last is None:
            continue  # a thumbs-up answer without a checkable fact: nothing to test
        earlier = [t for t in conversation.turns if t.n < turn.n]
        if not earlier:
            out.append({"id": ident, **meta, **last})
            continue
        context = [_item(t, rated=False) for t in earlier]
        if any(c is None for c in context):
            # an earlier answer has no checkable fact: ask the question made standalone
            standalone = turn.answer.standalone_question or turn.question
            out.append({"id": ident, **meta, **last, "question": standalone,
                        "asked_as": turn.question})
            continue
        turns = [c for c in context if c is not None] + [last]
        out.append({"id": ident, "type": "followup", **meta, "turns": turns})
    return {"questions": out}
