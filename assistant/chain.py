"""The answering pipeline as one LCEL chain: condense -> retrieve -> answer -> cite/verify.

``build_chain(...)`` returns a ``Runnable`` taking ``{"question", "history", "k",
"filters"}``. ``invoke``/``batch`` return an ``AnswerChunk`` whose ``answer`` is
the final ``Answer``; ``stream`` yields ``AnswerChunk``s with text ``delta``s as
an LLM writes, then one carrying the verified ``Answer``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import (
    Runnable,
    RunnableBranch,
    RunnableGenerator,
    RunnableLambda,
    RunnablePassthrough,
)

from assistant.answer import Answer, Citation
from assistant.backends.extractive import ExtractiveBackend, ExtractiveResult
from assistant.backends.llm import build_messages
from assistant.citations import (
    Claim,
    Passage,
    assemble,
    lexical_overlap,
    make_passages,
    split_claims,
    verify_claims,
)
from assistant.documents import ChunkMeta, to_document
from assistant.ledger import (
    FactQuery,
    Ledger,
    LedgerAnswer,
    fits_question,
    reported,
    sentence_for,
)
from assistant.query import condense
from assistant.retrieval import Filters, HybridRetriever
from ingest.text.facts import Fact
from ingest.text.periods import extract_periods, periods_compatible
from ingest.text.sentences import split_sentences

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
    question: str = ""
    history: list[tuple[str, str]] = field(default_factory=list)
    k: int = 5
    filters: Filters = field(default_factory=Filters)
    standalone: str = ""
    context: str = ""  # the previous answer, when the question is a follow-up
    docs: list[Document] = field(default_factory=list)
    ledger: LedgerAnswer | None = None
    extract: ExtractiveResult | None = None  # the passages' extractive answer, once computed
    draft: Any = None
    timings: dict[str, float] = field(default_factory=dict)


def _refusal(
    standalone: str, passages: list[Passage], extract: ExtractiveResult
) -> tuple[str, list[Citation]]:
    """The refusal text, with what the closest passage does say (cited) when it is related."""
    text = extract.note or "The documents don't contain the answer to this question."
    best = extract.best
    if best is None or best.dense < 0.3:
        return text, []
    claim = Claim(best.text, [best.passage], [(best.passage, best.index, best.index)])
    related, citations = assemble([claim], passages)
    title = citations[0].title
    date = f" ({citations[0].date})" if citations[0].date else ""
    date = date + ("," if not extract.note else "")
    lead = "The article" if extract.note else "The closest article,"
    return f"{text} {lead} “{title}”{date} says: {related}", citations


def _fact_passage(
    fact: Fact, retriever: HybridRetriever, n: int
) -> tuple[Passage, int] | None:
    """The stored chunk holding a fact's sentence, as passage ``n``, and the sentence index."""
    records = retriever.records
    rows = records.chunks(records.chunk_ids(fact.article_id))
    for row in sorted(rows.values(), key=lambda r: r.index):
        if not (row.start <= fact.start and fact.end <= row.end):
            continue
        doc = to_document(row, score=1.0, dense=1.0)
        passage = Passage(n, doc, split_sentences(row.text))
        for i, span in enumerate(passage.sentences):
            if row.start + span.start == fact.start:
                return passage, i
    return None


def _ledger_claims(
    la: LedgerAnswer, retriever: HybridRetriever, first_n: int
) -> tuple[list[Claim], list[Passage]] | None:
    """Claims (with their support) stating the ledger's figures, or None if unsupported."""
    passages: list[Passage] = []
    claims: list[Claim] = []

    def cite(fact: Fact, text: str, note: str = "") -> bool:
        found = _fact_passage(fact, retriever, first_n + len(passages))
        if found is None:
            return False
        passage, i = found
        passages.append(passage)
        claims.append(Claim(text, [passage.n], [(passage.n, i, i)], note=note))
        return True

    def source(fact: Fact) -> str:
        info = retriever.records.article(fact.article_id)
        return info.source if info else ""

    if la.refused:
        claims.append(Claim(la.note, [], []))
        if la.available:
            dated = [f for f in la.available if f.period_end and f.kind != "target"]
            newest = (dated or la.available)[-1]
            if not cite(newest, f"The newest: {sentence_for(newest)}.",
                        reported(newest, source(newest))):
                return None
        return claims, passages
    if la.conflict is not None:
        newer, older = la.conflict.newer, la.conflict.older
        subject = sentence_for(newer).split(" were ")[0].split(" was ")[0]
        period = newer.period_label or ""
        claims.append(
            Claim(f"The sources differ on this figure ({subject}, {period}).", [], [])
        )
        ok = cite(newer, f"The newer report gives {newer.figure}.", reported(newer, source(newer)))
        ok = ok and cite(
            older, f"An earlier report gave {older.figure}.", reported(older, source(older))
        )
        return (claims, passages) if ok else None
    fact = la.facts[0]
    if not cite(fact, f"{sentence_for(fact)}.", reported(fact, source(fact))):
        return None
    return claims, passages


def build_chain(
    retriever: HybridRetriever,
    extractive: ExtractiveBackend,
    llm: BaseChatModel | None = None,
    *,
    backend_name: str = "extractive",
    context_chars: int = 6000,
    ledger: Ledger | None = None,
) -> Runnable[dict[str, Any], AnswerChunk]:
    """Assemble the LCEL chain (see module docstring).

    Args:
        retriever: hybrid retriever over the store.
        extractive: sentence selector; the whole answer for the extractive backend,
            and the refusal gate and fallback for LLM backends.
        llm: a chat model, or None for the extractive backend.
        backend_name: recorded in ``Answer.backend``.
        context_chars: passage text budget of the LLM prompt.
        ledger: the fact ledger; figure questions it can answer are answered from it.
    """

    def start(inputs: dict[str, Any]) -> _State:
        return _State(
            question=inputs["question"],
            history=list(inputs.get("history") or []),
            k=int(inputs.get("k") or retriever.k),
            filters=inputs.get("filters") or Filters(),
            timings={"start": time.perf_counter()},
        )

    def do_condense(state: _State) -> _State:
        state.standalone = condense(state.question, state.history)
        if state.standalone != state.question:
            previous = [text for role, text in state.history if role == "assistant"]
            state.context = previous[-1] if previous else ""
        return state

    def do_retrieve(state: _State) -> _State:
        t0 = time.perf_counter()
        state.docs = retriever.invoke(state.standalone, k=state.k, filters=state.filters)
        state.timings["retrieve"] = time.perf_counter() - t0
        return state

    def do_ledger(state: _State) -> _State:
        """Figure questions: look the figure up in the ledger of extracted facts."""
        if ledger is None:
            return state
        query = FactQuery.parse(state.standalone)
        if query is None:
            return state
        filters = state.filters

        def allowed(fact: Fact) -> bool:
            return filters.allows(fact.article_id, fact.article_date)

        found = ledger.lookup(query, allowed if filters.active else None)
        if found is None:
            return state
        if not found.refused and not fits_question(state.standalone, found, title_of):
            return state  # the figure is about something else: answer from the passages
        if found.refused and state.docs:
            # The ledger lacks the period asked for; a passage may still state it (the
            # ledger reads periods by rule and can miss one): trust a confident passage
            # sentence with a figure whose period agrees with the question's.
            extract = extract_once(state)
            asked = [p for p in extract_periods(state.standalone) if not p.base]
            best = extract.best
            if not extract.refused and best is not None and best.has_figure and asked:
                stated = [p for p in extract_periods(best.text) if not p.base]
                if stated and periods_compatible(asked, stated):
                    return state
        state.ledger = found
        return state

    def extract_once(state: _State) -> ExtractiveResult:
        """The extractive answer from the retrieved passages (computed at most once)."""
        if state.extract is None:
            state.extract = extractive.answer(
                state.standalone, make_passages(state.docs), state.context
            )
        return state.extract

    def title_of(article_id: str) -> str:
        info = retriever.records.article(article_id)
        return info.title if info is not None else ""

    def similarity(claims: Sequence[str], sentences: Sequence[str]) -> np.ndarray:
        emb = extractive.embedder
        a = emb.encode_cached(claims)
        b = emb.encode_cached(sentences)
        dense = a @ b.T
        lex = np.array([[lexical_overlap(c, s) for s in sentences] for c in claims])
        return np.asarray(0.7 * dense + 0.3 * lex, dtype=np.float32)

    def finish(state: _State, draft: str | ExtractiveResult | None) -> Answer:
        t0 = time.perf_counter()
        answer = Answer(
            text="", question=state.question, standalone_question=state.standalone,
            backend=backend_name, retrieved=[ChunkMeta.of(d).chunk_id for d in state.docs],
        )
        if isinstance(draft, LedgerAnswer):
            made = _ledger_claims(draft, retriever, len(state.docs) + 1)
            if made is not None:
                claims, extra = made
                cited = [c for c in claims if c.markers]
                verify_claims(cited, extra, similarity)
                if all(c.ok for c in cited):
                    answer.refused = draft.refused
                    answer.text, answer.citations = assemble(claims, extra)
                    answer.series = [f.to_dict() for f in draft.available]
                    answer.retrieved += [  # the ledger found these passages
                        c.chunk_id for c in answer.citations if c.chunk_id not in answer.retrieved
                    ]
                    state.timings["verify"] = time.perf_counter() - t0
                    answer.timings = {
                        **state.timings, "total": time.perf_counter() - state.timings.pop("start")
                    }
                    return answer
            # The ledger's figure could not be cited and checked: answer from the passages.
            draft = None if llm is not None else (
                extract_once(state)
                if state.docs
                else None
            )
        if not state.docs:
            answer.refused = True
            answer.text = (
                NO_ARTICLES
                if len(retriever.lexical) == 0 and retriever.store.count() == 0
                else "The documents don't contain the answer to this question."
            )
        else:
            passages = make_passages(state.docs)
            extract = (
                draft
                if isinstance(draft, ExtractiveResult)
                else extract_once(state)
            )
            if extract.refused:
                answer.refused = True
                answer.text, answer.citations = _refusal(state.standalone, passages, extract)
                if isinstance(draft, str) and draft.strip():
                    answer.unsupported = [
                        c.text for c in split_claims(draft) if not c.is_refusal
                    ][:5]
            elif isinstance(draft, str):
                claims = split_claims(draft)
                if any(c.is_refusal for c in claims) and not any(
                    c.markers for c in claims if not c.is_refusal
                ):
                    answer.refused = True
                    answer.text, answer.citations = _refusal(state.standalone, passages, extract)
                else:
                    verify_claims(claims, passages, similarity)
                    good = [c for c in claims if c.ok and not c.is_refusal]
                    answer.unsupported = [c.text for c in claims if not c.ok]
                    if not good:  # nothing verifiable: fall back to the extractive answer
                        good = extract.claims
                        answer.backend = f"{backend_name}+extractive"
                    answer.text, answer.citations = assemble(good, passages)
            else:
                answer.text, answer.citations = assemble(extract.claims, passages)
        state.timings["verify"] = time.perf_counter() - t0
        total = time.perf_counter() - state.timings.pop("start")
        answer.timings = {**state.timings, "total": total}
        return answer

    prepare: Runnable[dict[str, Any], _State] = (
        RunnableLambda(start).with_config(run_name="inputs")
        | RunnableLambda(do_condense).with_config(run_name="condense")
        | RunnableLambda(do_retrieve).with_config(run_name="retrieve")
        | RunnableLambda(do_ledger).with_config(run_name="ledger")
    )

    if llm is None:

        def extract_step(state: _State) -> dict[str, Any]:
            t0 = time.perf_counter()
            draft = (
                extract_once(state)
                if state.docs
                else None
            )
            state.timings["answer"] = time.perf_counter() - t0
            return {"state": state, "draft": draft}

        answer_step: Runnable[_State, dict[str, Any]] = RunnableLambda(extract_step).with_config(
            run_name="answer"
        )
    else:

        def to_messages(data: dict[str, Any]) -> list[tuple[str, str]]:
            state: _State = data["state"]
            state.timings["answer_start"] = time.perf_counter()
            if not state.docs:
                return [("system", "Reply exactly: I don't know."), ("user", state.question)]
            return build_messages(
                state.standalone, make_passages(state.docs), budget_chars=context_chars
            )

        generate = RunnableLambda(to_messages) | llm | StrOutputParser()
        def wrap(state: _State) -> dict[str, Any]:
            return {"state": state}

        answer_step = (
            RunnableLambda(wrap) | RunnablePassthrough.assign(draft=generate)
        ).with_config(run_name="answer")

    def from_ledger(state: _State) -> dict[str, Any]:
        return {"state": state, "draft": state.ledger}

    answer_step = RunnableBranch(
        (lambda state: state.ledger is not None, RunnableLambda(from_ledger)),
        answer_step,
    ).with_config(run_name="answer")

    def cite_verify(chunks: Iterator[dict[str, Any]]) -> Iterator[AnswerChunk]:
        state: _State | None = None
        draft: Any = None
        for chunk in chunks:
            if "state" in chunk:
                state = chunk["state"]
            if "draft" in chunk:
                piece = chunk["draft"]
                if isinstance(piece, str):
                    draft = (draft or "") + piece
                    if piece:
                        yield AnswerChunk(delta=piece)
                else:
                    draft = piece
        assert state is not None
        if "answer_start" in state.timings:
            state.timings["answer"] = time.perf_counter() - state.timings.pop("answer_start")
        yield AnswerChunk(answer=finish(state, draft))

    return (
        prepare | answer_step | RunnableGenerator(cite_verify).with_config(run_name="cite_verify")
    ).with_config(run_name="tradedesk")
