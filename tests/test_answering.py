"""Answering with the extractive backend on a real store (data/sample + ../shared/corpus).

One store is built for the module; every question of tests/data/qa_dev.json is its own test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from conftest import CORPUS_DIR, SAMPLE_DIR, VENV_BIN, clean_settings
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from assistant import Assistant, Settings
from assistant.answer import Answer, Citation
from assistant.evaluate import EvalItem, fact_present, load_qa
from assistant.retrieval import Filters
from ingest.text.sentences import flowing
from vectorstore.embeddings import Embedder
from vectorstore.errors import QuestionError

QA_PATH = Path(__file__).parent / "data" / "qa_dev.json"
CONVERSATIONS = load_qa(QA_PATH)
TURKEY_QUESTION = "How much did Turkey export to Italy in the first five months of 2025?"
TURKEY_PREFIXES = ("turkey-italy-trade-2025", "turkey-italy-exports-2025")
REFUSAL = "The articles don't answer this question."


def prefix(article_or_chunk_id: str) -> str:
    """Article id prefix as used by qa_dev.json: the id without its hash suffix."""
    return re.sub(r"-[0-9a-f]{10}$", "", article_or_chunk_id.split(":", 1)[0])


@pytest.fixture(scope="module")
def qa(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    """An extractive Assistant with the sample articles and the shared corpus ingested."""
    home = tmp_path_factory.mktemp("answering") / "home"
    assistant = Assistant(clean_settings(home=home), embedder=embedder)
    report = assistant.ingest([SAMPLE_DIR, CORPUS_DIR])
    assert not report.failed, report.failed
    assert len(assistant.articles()) == 10
    return assistant


def article_id(assistant: Assistant, stem: str) -> str:
    [found] = [a.article_id for a in assistant.articles() if prefix(a.article_id) == stem]
    return found


def check_citations(assistant: Assistant, answer: Answer) -> None:
    """Invariants every answer keeps, whatever the question."""
    numbers = [c.n for c in answer.citations]
    assert numbers == list(range(1, len(numbers) + 1)), numbers
    used: list[int] = []
    for group in re.findall(r"\[(\d+(?:,\s*\d+)*)\]", answer.text):
        for n in re.findall(r"\d+", group):
            if int(n) not in used:
                used.append(int(n))
    # every marker points at a citation, every citation is used, numbered by first use
    assert used == numbers, (answer.text, numbers)
    for c in answer.citations:
        text = assistant.article_text(c.article_id)
        assert flowing(text[c.start : c.end]) == c.quote
        assert c.quote.strip()
        assert c.passage_start <= c.start < c.end <= c.passage_end
        assert text[c.passage_start : c.passage_end] == c.passage
        assert c.chunk_id.startswith(c.article_id + ":")
        assert c.chunk_id in answer.retrieved
        assert c.title == assistant.article(c.article_id).title


def check_item(assistant: Assistant, item: EvalItem, answer: Answer) -> None:
    check_citations(assistant, answer)
    if item.unanswerable:
        assert answer.refused, f"answered {item.question!r}: {answer.text!r}"
        assert answer.text.startswith(REFUSAL)
        return
    assert not answer.refused, f"refused {item.question!r}: {answer.text!r}"
    assert answer.unsupported == []
    assert any(prefix(cid) in item.articles for cid in answer.retrieved)
    for group in item.expected:
        assert fact_present(group, answer.text), f"{group} not in {answer.text!r}"
        assert any(
            prefix(c.article_id) in item.articles and fact_present(group, c.quote)
            for c in answer.citations
        ), f"no citation of {item.articles} quotes {group}: {answer.citations}"


def test_the_tuned_questions_on_the_sample_store(qa: Assistant) -> None:
    """The set the answer step was first tuned on (now part of dev), on the 10 articles alone."""
    from assistant.evaluate import evaluate

    report = evaluate(lambda q, h: qa.ask(q, h), CONVERSATIONS)
    wrong = [(r.id, r.why, r.answer[:120]) for r in report.results if not r.correct]
    assert report.accuracy >= 0.9, wrong
    assert report.refusal_recall == 1.0, wrong  # every out-of-corpus question declined
    assert report.contradictions == 0, wrong  # no hedge that quotes the answer
    assert report.citation_precision >= 0.9
    assert all(r.rank is not None for r in report.results if not r.unanswerable)
    first = CONVERSATIONS[0][0]
    answer = qa.ask(first.question)
    assert answer.backend == "extractive" and answer.question == first.question
    assert answer.standalone_question == first.question
    check_item(qa, first, answer)


def test_dev_set_is_what_the_tests_cover() -> None:
    assert len(CONVERSATIONS) >= 30
    assert sum(len(c) > 1 for c in CONVERSATIONS) == 3
    assert sum(item.unanswerable for c in CONVERSATIONS for item in c) == 6


def test_follow_up_is_condensed_with_the_previous_question(qa: Assistant) -> None:
    first = "When was the Fourth Turkey-Italy Intergovernmental Summit held?"
    answer = qa.ask("Where was it held?", [("user", first), ("assistant", "In April 2025.")])
    assert answer.standalone_question != "Where was it held?"
    assert "Turkey" in answer.standalone_question and "Italy" in answer.standalone_question
    assert "Rome" in answer.text
    # the same words without the conversation are not about the summit
    alone = qa.ask("Where was it held?")
    assert alone.standalone_question == "Where was it held?"


def test_what_about_follow_up_swaps_the_subject(qa: Assistant) -> None:
    first = "How much were Brazil's soybean exports to China worth in 2024?"
    history = [("user", first), ("assistant", qa.ask(first).text)]
    answer = qa.ask("What about iron ore?", history)
    assert "iron ore" in answer.standalone_question
    assert "soybean" not in answer.standalone_question.lower()
    assert "19.8 billion" in answer.text


def test_and_what_about_is_condensed_like_what_about(qa: Assistant) -> None:
    first = "How much were Brazil's soybean exports to China worth in 2024?"
    history = [("user", first), ("assistant", "$31.5 billion [1].")]
    plain = qa.ask("What about iron ore?", history)
    with_and = qa.ask("And what about iron ore?", history)
    assert "what about" not in with_and.standalone_question.lower()
    assert with_and.standalone_question == plain.standalone_question


def test_question_about_an_uncovered_year_is_answered_partially(qa: Assistant) -> None:
    answer = qa.ask("How much did German exports to China fall in 2023?")
    assert answer.partial and not answer.refused, answer.text
    assert "2023" in answer.text and "2024" in answer.text  # what is missing, what there is


def test_stream_ends_with_the_same_answer_as_ask(qa: Assistant) -> None:
    items = list(qa.stream(TURKEY_QUESTION))
    assert items and isinstance(items[-1], Answer)
    assert all(isinstance(i, str) for i in items[:-1])
    asked = qa.ask(TURKEY_QUESTION)
    final = items[-1]
    assert final.text == asked.text
    assert final.citations == asked.citations
    assert final.refused is asked.refused is False


def test_stream_of_a_refusal(qa: Assistant) -> None:
    items = list(qa.stream("What is the population of Australia?"))
    assert isinstance(items[-1], Answer) and items[-1].refused
    assert "population" in items[-1].text  # says what no article mentions


def test_chain_batch_matches_ask(qa: Assistant) -> None:
    questions = [
        TURKEY_QUESTION,
        "How much did German exports to China fall in 2024?",
        "What is the capital of France?",
    ]
    chunks = qa.chain.batch(
        [{"question": q, "history": [], "k": None, "filters": Filters()} for q in questions]
    )
    assert len(chunks) == 3
    for q, chunk in zip(questions, chunks, strict=True):
        asked = qa.ask(q)
        assert chunk.answer is not None
        assert chunk.answer.text == asked.text
        assert chunk.answer.citations == asked.citations
        assert chunk.answer.refused == asked.refused
        assert chunk.answer.retrieved == asked.retrieved
    assert [c.answer.refused or c.answer.partial for c in chunks] == [False, False, True]


def test_article_filter_only_cites_that_article(qa: Assistant) -> None:
    germany = article_id(qa, "germany-china-trade-2024")
    answer = qa.ask("How much did German exports to China fall in 2024?", article_ids=[germany])
    assert not answer.refused and "7.6%" in answer.text
    assert answer.citations and {c.article_id for c in answer.citations} == {germany}
    assert all(cid.startswith(germany + ":") for cid in answer.retrieved)
    # the Turkey question restricted to the Germany article: nothing from Turkey
    other = qa.ask(TURKEY_QUESTION, article_ids=[germany])
    assert all(cid.startswith(germany + ":") for cid in other.retrieved)
    assert {c.article_id for c in other.citations} <= {germany}
    assert "5.34" not in other.text


def test_date_filter_excluding_the_turkey_articles(qa: Assistant) -> None:
    # turkey-italy-exports-2025 is dated 2025-06-12; turkey-italy-trade-2025 has no date
    answer = qa.ask(TURKEY_QUESTION, date_from="2025-01-01", date_to="2025-06-01")
    assert answer.retrieved
    assert not any(prefix(cid) in TURKEY_PREFIXES for cid in answer.retrieved)
    assert not any(prefix(c.article_id) in TURKEY_PREFIXES for c in answer.citations)
    assert "5.34" not in answer.text
    for c in answer.citations:
        date = qa.article(c.article_id).date
        assert date is not None and "2025-01-01" <= date <= "2025-06-01"
    check_citations(qa, answer)
    # and without the filter the same question is answered from them
    unfiltered = qa.ask(TURKEY_QUESTION)
    assert "5.34" in unfiltered.text


def test_filters_matching_nothing_refuse_without_asking_to_ingest(qa: Assistant) -> None:
    for kwargs in ({"article_ids": ["no-such-article"]}, {"date_from": "2030-01-01"}):
        answer = qa.ask(TURKEY_QUESTION, **kwargs)  # type: ignore[arg-type]
        assert answer.refused and answer.retrieved == [] and answer.citations == []
        assert answer.text == REFUSAL


def test_k_limits_the_passages(qa: Assistant) -> None:
    answer = qa.ask(TURKEY_QUESTION, k=2)
    assert 1 <= len(answer.retrieved) <= 2
    assert "5.34" in answer.text


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"date_from": "2025-13-01"}, ["date_from", "YYYY-MM-DD"]),
        ({"date_to": "yesterday"}, ["date_to"]),
        ({"date_from": "2025-06-01", "date_to": "2025-01-01"}, ["after"]),
        ({"k": 0}, ["k=0"]),
        ({"k": 21}, ["k=21"]),
    ],
)
def test_bad_filters_raise_question_error(
    qa: Assistant, kwargs: dict[str, object], words: list[str]
) -> None:
    with pytest.raises(QuestionError) as info:
        qa.ask(TURKEY_QUESTION, **kwargs)  # type: ignore[arg-type]
    for word in words:
        assert word in str(info.value)


def test_question_over_the_limit_raises(qa: Assistant) -> None:
    limit = qa.settings.max_question_chars
    assert limit == 1000
    question = (TURKEY_QUESTION + " ") * (limit // len(TURKEY_QUESTION) + 1)
    assert len(question) > limit
    with pytest.raises(QuestionError) as info:
        qa.ask(question)
    assert "1000" in str(info.value) and str(len(question)) in str(info.value)
    with pytest.raises(QuestionError):
        list(qa.stream(question))
    # exactly at the limit is accepted
    at_limit = TURKEY_QUESTION.ljust(limit, "?")
    assert len(at_limit) == limit
    assert isinstance(qa.ask(at_limit), Answer)


def test_question_limit_follows_the_setting(make_assistant) -> None:
    small = make_assistant(max_question_chars=40)
    with pytest.raises(QuestionError) as info:
        small.ask(TURKEY_QUESTION)
    assert "40" in str(info.value)


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_empty_question_raises(qa: Assistant, question: str) -> None:
    with pytest.raises(QuestionError) as info:
        qa.ask(question)
    assert "empty" in str(info.value).lower()


@pytest.mark.parametrize(
    "history",
    [
        [("bot", "Hello")],
        [("user",)],
        ["user: hello"],
        [("user", 5)],
        [("user", "a", "b")],
        [{"role": "user", "text": "hi"}],
    ],
)
def test_malformed_history_raises(qa: Assistant, history: list) -> None:
    with pytest.raises(QuestionError) as info:
        qa.ask(TURKEY_QUESTION, history)
    assert "history" in str(info.value)


def test_empty_store_refuses_and_says_to_ingest(assistant: Assistant) -> None:
    answer = assistant.ask(TURKEY_QUESTION)
    assert answer.refused
    assert answer.citations == [] and answer.retrieved == []
    assert "ingest" in answer.text.lower()
    assert "tradedesk ingest" in answer.text
    streamed = list(assistant.stream(TURKEY_QUESTION))
    assert isinstance(streamed[-1], Answer) and streamed[-1].text == answer.text


def test_answer_to_dict_round_trips_through_json(qa: Assistant) -> None:
    answer = qa.ask(TURKEY_QUESTION)
    data = answer.to_dict()
    loaded = json.loads(json.dumps(data))
    assert loaded == data
    assert loaded["answer"] == answer.text
    assert loaded["refused"] is False
    assert loaded["question"] == TURKEY_QUESTION
    assert loaded["backend"] == "extractive"
    assert loaded["retrieved"] == answer.retrieved
    assert [Citation(**c) for c in loaded["citations"]] == answer.citations
    assert {"retrieve", "verify", "total"} <= set(loaded["timings"])


@pytest.mark.slow
def test_cli_ask_json(qa: Assistant) -> None:
    env = {**os.environ, "TRADEDESK_HOME": str(qa.settings.home), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [str(VENV_BIN / "tradedesk"), "ask", TURKEY_QUESTION, "--json"],
        capture_output=True, text=True, env=env, timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert {"answer", "citations", "refused", "unsupported"} <= set(data)
    assert data["refused"] is False and data["unsupported"] == []
    assert data["answer"] == qa.ask(TURKEY_QUESTION).text
    assert "5.34 billion" in data["answer"]
    assert data["citations"]
    for c in data["citations"]:
        text = qa.article_text(c["article_id"])
        assert text[c["start"] : c["end"]] == c["quote"]


# -- the hybrid retriever ------------------------------------------------------------------


def test_retriever_is_a_langchain_retriever(qa: Assistant) -> None:
    assert isinstance(qa.retriever, BaseRetriever)
    docs = qa.retriever.invoke(TURKEY_QUESTION)
    assert 1 <= len(docs) <= qa.settings.top_k
    for doc in docs:
        assert isinstance(doc, Document)
        meta = doc.metadata
        assert {"chunk_id", "article_id", "start", "end", "title", "dense"} <= set(meta)
        assert meta["chunk_id"].startswith(meta["article_id"] + ":")
        text = qa.article_text(meta["article_id"])
        assert text[meta["start"] : meta["end"]] == doc.page_content
    assert prefix(docs[0].metadata["article_id"]) in TURKEY_PREFIXES
    assert [d.metadata["rank"] for d in docs] == list(range(len(docs)))


def test_retriever_caps_chunks_per_article(qa: Assistant) -> None:
    retriever = qa.retriever
    for question in (TURKEY_QUESTION, "Turkey Italy exports trade summit defence Baykar"):
        docs = retriever.invoke(question, k=12)
        per_article = Counter(d.metadata["article_id"] for d in docs)
        assert max(per_article.values()) <= retriever.per_article
        assert len(docs) > retriever.per_article  # filled from other articles
        assert len({d.metadata["chunk_id"] for d in docs}) == len(docs)


def test_retriever_filters(qa: Assistant) -> None:
    germany = article_id(qa, "germany-china-trade-2024")
    docs = qa.retriever.invoke(TURKEY_QUESTION, filters=Filters(article_ids=(germany,)))
    assert docs and {d.metadata["article_id"] for d in docs} == {germany}


def test_lexical_index_is_loaded_not_rebuilt_by_a_second_assistant(
    qa: Assistant, embedder: Embedder
) -> None:
    qa.refresh()
    directory = qa.settings.lexical_dir
    files = sorted(p for p in directory.iterdir() if p.is_file())
    assert any(p.name == "meta.json" for p in files)
    before = {p.name: p.stat().st_mtime_ns for p in files}
    inode = directory.stat().st_ino

    second = Assistant(qa.settings, embedder=embedder)
    docs = second.retriever.invoke(TURKEY_QUESTION)

    assert second.lexical.version == second.records.version() == qa.lexical.version
    assert second.lexical.ids == qa.lexical.ids
    assert directory.stat().st_ino == inode
    after = {p.name: p.stat().st_mtime_ns for p in directory.iterdir() if p.is_file()}
    assert after == before
    assert not second.refresh()  # in step: nothing to do
    assert [d.id for d in docs] == [d.id for d in qa.retriever.invoke(TURKEY_QUESTION)]
    assert second.ask(TURKEY_QUESTION).text == qa.ask(TURKEY_QUESTION).text


def test_warm_up_loads_what_the_first_question_needs(qa: Assistant) -> None:
    fresh = Assistant(qa.settings, embedder=qa.embedder)
    assert fresh.lexical.version is None and fresh.ledger._cache is None
    thread = fresh.warm_up()
    assert thread is not None
    thread.join(60)
    assert not thread.is_alive()
    assert fresh.lexical.version == fresh.records.version()
    assert fresh.ledger._cache is not None
    assert len(fresh.ledger._cache[1]) == len(qa.facts())
    ans = fresh.ask(TURKEY_QUESTION)
    assert "5.34 billion" in ans.text
    # an empty store warms up without error and without loading anything
    empty = Assistant(Settings(home=qa.settings.home.parent / "empty"), embedder=qa.embedder)
    assert empty.warm_up(background=False) is None
    assert empty.ledger._cache is None
