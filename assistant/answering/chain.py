"""The answer step as one LCEL chain of named steps.

``analyse -> retrieve -> draft -> verify and assemble``:

- ``analyse``: the question (with the conversation) becomes one ``Question``;
- ``retrieve``: the hybrid retriever's passages, numbered;
- ``draft``: one answer source proposes a ``Draft``: the ledger for a figure it holds,
  else the extractive source or the LLM (streamed);
- ``finish``: the one verify-and-assemble step turns any draft into the ``Answer``:
  claims checked against the sentences they cite, citations numbered, and the outcome
  (answer, partial, refused) written plainly.

``build_chain(...)`` returns a ``Runnable`` taking ``{"question", "history", "k",
"filters"}``. ``invoke``/``batch`` return an ``AnswerChunk`` whose ``answer`` is the
final ``Answer``; ``stream`` yields chunks with text ``delta``s as an LLM writes, then
one carrying the verified ``Answer``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import Runnable, RunnableGenerator, RunnableLambda

from assistant.answer import Answer
from assistant.answering.assemble import assemble
from assistant.answering.draft import Claim, Draft
from assistant.answering.passages import Passage, make_passages
from assistant.answering.question import Question, analyse
from assistant.answering.sources.extractive import ExtractiveSource
from assistant.answering.sources.ledger import LedgerSource
from assistant.answering.sources.llm import build_messages, llm_draft
from assistant.answering.verify import lexical_overlap, verify_claims
from assistant.retrieval import Filters, HybridRetriever
from ingest.text.facts import Fact
from vectorstore.embeddings import Embedder

__all__ = ["AnswerChunk", "build_chain"]

NO_ARTICLES = (
    "There are no articles in the library yet, so there is nothing to answer from. Ingest "
    "some first: `tradedesk ingest PATH`, or upload files on the Library page."
)


@dataclass
class AnswerChunk:
    """A piece of a streamed answer: text ``delta`` while generating, then the ``answer``."""

    delta: str = ""
    answer: Answer | None = None

    def __add__(self, other: AnswerChunk) -> AnswerChunk:
        return AnswerChunk(self.delta + other.delta, other.answer or self.answer)


@dataclass
class _State:
    """What one question carries through the steps."""

    question: Question
    k: int
    filters: Filters
    passages: list[Passage] = field(default_factory=list)
    extract: Draft | None = None  # the extractive draft, computed at most once
    draft: Draft | None = None
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class _Parts:
    """The chain's collaborators."""

    retriever: HybridRetriever
    extractive: ExtractiveSource
    ledger: LedgerSource | None
    backend_name: str


# -- the steps ------------------------------------------------------------------------------


def _analyse(inputs: dict[str, Any], parts: _Parts) -> _State:
    question = analyse(inputs["question"], list(inputs.get("history") or []))
    return _State(
        question=question,
        k=int(inputs.get("k") or parts.retriever.k),
        filters=inputs.get("filters") or Filters(),
        timings={"start": time.perf_counter()},
    )


def _retrieve(state: _State, parts: _Parts) -> _State:
    t0 = time.perf_counter()
    docs = parts.retriever.invoke(state.question.standalone, k=state.k, filters=state.filters)
    state.passages = make_passages(docs)
    state.timings["retrieve"] = time.perf_counter() - t0
    return state


def _extract(state: _State, parts: _Parts) -> Draft | None:
    """The extractive draft from the retrieved passages (computed at most once)."""
    if state.extract is None and state.passages:
        state.extract = parts.extractive.draft(state.question, state.passages)
    return state.extract


def _ledger_draft(state: _State, parts: _Parts) -> Draft | None:
    if parts.ledger is None:
        return None
    filters = state.filters

    def allowed(fact: Fact) -> bool:
        return filters.allows(fact.article_id, fact.article_date)

    return parts.ledger.draft(
        state.question, allowed if filters.active else None, len(state.passages) + 1,
        lambda: _extract(state, parts),
    )


def _similarity(embedder: Embedder) -> Any:
    def similarity(claims: Sequence[str], sentences: Sequence[str]) -> np.ndarray:
        dense = embedder.encode_cached(claims) @ embedder.encode_cached(sentences).T
        lex = np.array([[lexical_overlap(c, s) for s in sentences] for c in claims])
        return np.asarray(0.7 * dense + 0.3 * lex, dtype=np.float32)

    return similarity


def _verified(draft: Draft, embedder: Embedder) -> Draft:
    """Check a draft's cited claims against their passages (drafts that quote are checked)."""
    if draft.verified:
        return draft
    cited = [c for c in draft.claims if c.markers or draft.source == "llm"]
    verify_claims(cited, draft.passages, _similarity(embedder))
    draft.verified = True
    return draft


def _finish(state: _State, draft: Draft | None, parts: _Parts) -> Answer:
    """Verify and assemble any draft into the ``Answer``."""
    t0 = time.perf_counter()
    q = state.question
    answer = Answer(
        text="", question=q.text, standalone_question=q.standalone,
        backend=parts.backend_name,
        retrieved=[p.meta.chunk_id for p in state.passages],
    )
    embedder = parts.extractive.embedder
    if draft is not None and draft.source == "ledger":
        draft = _verified(draft, embedder)
        if not all(c.ok for c in draft.claims if c.markers):
            draft = None  # the ledger's figure could not be checked: answer from the passages
    if draft is not None and draft.source == "llm":
        gate = _extract(state, parts)
        if gate is not None and gate.outcome != "answer":
            answer.unsupported = [c.text for c in draft.claims][:5]
            draft = gate  # the passages do not hold the answer, whatever the LLM says
        elif draft.outcome == "answer":
            draft = _verified(draft, embedder)
            answer.unsupported = [c.text for c in draft.claims if not c.ok]
            if not any(c.ok for c in draft.claims) and gate is not None:
                draft = gate  # nothing verifiable: the extractive answer stands in
                answer.backend = f"{parts.backend_name}+extractive"
        elif gate is not None:
            draft = gate
    if draft is None:
        draft = _extract(state, parts)
    if draft is None:  # nothing retrieved
        answer.refused = True
        empty = len(parts.retriever.lexical) == 0 and parts.retriever.store.count() == 0
        answer.text = NO_ARTICLES if empty else "The articles don't answer this question."
    else:
        _assemble(answer, draft)
    state.timings["verify"] = time.perf_counter() - t0
    answer.timings = {**state.timings, "total": time.perf_counter() - state.timings.pop("start")}
    return answer


def _assemble(answer: Answer, draft: Draft) -> None:
    """The outcome in words: the claims, after a plain lead for a partial answer or refusal."""
    claims: list[Claim] = [c for c in draft.claims if c.ok]
    text, answer.citations = assemble(claims, draft.passages)
    answer.series = list(draft.series)
    answer.retrieved += [c.chunk_id for c in answer.citations if c.chunk_id not in answer.retrieved]
    if draft.outcome == "refused" or (draft.outcome == "partial" and not claims):
        answer.refused = draft.outcome == "refused" or not claims
        answer.partial = not answer.refused
        answer.text = draft.lead or "The articles don't answer this question."
        answer.citations = []
        return
    if draft.outcome == "partial":
        answer.partial = True
        answer.text = f"{draft.lead} {text}".strip()
        return
    answer.text = text


# -- the wiring -------------------------------------------------------------------------------


def build_chain(
    retriever: HybridRetriever,
    extractive: ExtractiveSource,
    llm: BaseChatModel | None = None,
    *,
    backend_name: str = "extractive",
    context_chars: int = 6000,
    ledger: LedgerSource | None = None,
) -> Runnable[dict[str, Any], AnswerChunk]:
    """Assemble the LCEL chain (see module docstring).

    Args:
        retriever: hybrid retriever over the store.
        extractive: the extractive source: the whole answer for the extractive backend,
            and the refusal gate and fallback for LLM backends.
        llm: a chat model, or None for the extractive backend.
        backend_name: recorded in ``Answer.backend``.
        context_chars: passage text budget of the LLM prompt.
        ledger: the fact ledger's source; figure questions it can answer are answered from it.
    """
    parts = _Parts(retriever, extractive, ledger, backend_name)

    def draft_step(state: _State) -> Iterator[str | Draft | None]:
        """Text deltas while an LLM writes, then the draft (None when nothing was retrieved)."""
        t0 = time.perf_counter()
        draft = _ledger_draft(state, parts)
        if draft is None and state.passages:
            if llm is None:
                draft = _extract(state, parts)
            else:
                messages = build_messages(
                    state.question.standalone, state.passages, budget_chars=context_chars
                )
                text = ""
                for piece in (llm | StrOutputParser()).stream(messages):
                    text += piece
                    if piece:
                        yield piece
                draft = llm_draft(text, state.passages)
        state.timings["answer"] = time.perf_counter() - t0
        yield draft

    def answer_step(states: Iterator[_State]) -> Iterator[AnswerChunk]:
        for state in states:
            draft: Draft | None = None
            for event in draft_step(state):
                if isinstance(event, str):
                    yield AnswerChunk(delta=event)
                else:
                    draft = event
            yield AnswerChunk(answer=_finish(state, draft, parts))

    def analyse_step(inputs: dict[str, Any]) -> _State:
        return _analyse(inputs, parts)

    def retrieve_step(state: _State) -> _State:
        return _retrieve(state, parts)

    chain: Runnable[dict[str, Any], AnswerChunk] = (
        RunnableLambda(analyse_step).with_config(run_name="analyse")
        | RunnableLambda(retrieve_step).with_config(run_name="retrieve")
        | RunnableGenerator(answer_step).with_config(run_name="draft_and_finish")
    )
    return chain.with_config(run_name="tradedesk")
