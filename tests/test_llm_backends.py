"""The LLM backends (in-process llama.cpp and an OpenAI-compatible server) end to end.

SmolLM2-135M writes poor answers; these tests check plumbing and safety, not wisdom:
every marker points at a citation, every figure left in the answer is in a quote, an
out-of-corpus question is refused, and streaming yields text before the final answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import CORPUS_DIR, SAMPLE_DIR, clean_settings, free_port

from assistant import Assistant
from assistant.answer import Answer
from ingest.text.figures import extract_figures
from ingest.text.sentences import flowing
from vectorstore.embeddings import Embedder
from vectorstore.errors import AssistantError, BackendError, ConfigError

pytestmark = pytest.mark.llm

ASKED = "How much did Turkey export to Italy in the first five months of 2025?"
STREAMED = "Which companies are building drones together in Turkey and Italy?"
OUT_OF_CORPUS = "Who won the 2022 FIFA World Cup?"
MAX_TOKENS = 96



@pytest.fixture(scope="module")
def llm_home(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """A store with the sample articles and the shared corpus, shared by every backend."""
    home = tmp_path_factory.mktemp("llm") / "home"
    report = Assistant(clean_settings(home=home), embedder=embedder).ingest(
        [SAMPLE_DIR, CORPUS_DIR]
    )
    assert not report.failed and len(report.added) == 10
    return home


@dataclass
class Run:
    backend: str
    assistant: Assistant
    asked: Answer
    streamed: list[str | Answer]
    refused: Answer

    @property
    def answers(self) -> list[Answer]:
        final = self.streamed[-1]
        assert isinstance(final, Answer)
        return [self.asked, final, self.refused]


@pytest.fixture(scope="module", params=["llamacpp", "openai"])
def run(request: pytest.FixtureRequest, llm_home: Path, embedder: Embedder) -> Run:
    """Three questions per backend, asked once: one ask, one stream, one out of corpus."""
    backend = request.param
    extra: dict[str, object] = {}
    if backend == "openai":
        extra["llm_base_url"] = request.getfixturevalue("llama_server")
    settings = clean_settings(home=llm_home, llm=backend, llm_max_tokens=MAX_TOKENS, **extra)
    assistant = Assistant(settings, embedder=embedder)
    return Run(
        backend=backend,
        assistant=assistant,
        asked=assistant.ask(ASKED),
        streamed=list(assistant.stream(STREAMED)),
        refused=assistant.ask(OUT_OF_CORPUS),
    )


def _markers(text: str) -> list[int]:
    groups = re.findall(r"\[([\d,\s]+)\]", text)
    return [int(n) for group in groups for n in re.findall(r"\d+", group)]


def test_backend_is_recorded(run: Run) -> None:
    for answer in run.answers:
        assert answer.backend.startswith(run.backend), answer.backend


def test_every_marker_points_at_a_citation(run: Run) -> None:
    for answer in run.answers:
        numbers = [c.n for c in answer.citations]
        assert numbers == list(range(1, len(numbers) + 1))
        assert set(_markers(answer.text)) == set(numbers), (answer.text, numbers)
        if not answer.refused:
            assert answer.citations, f"an answer without citations: {answer.text!r}"


def test_every_figure_in_the_answer_is_in_a_quote(run: Run) -> None:
    for answer in run.answers:
        text = re.sub(r"\[[\d,\s]+\]", "", answer.text)
        if answer.refused:  # the refusal names the closest article, then quotes it
            text = text.split("says:", 1)[1] if "says:" in text else ""
        quoted = [f for c in answer.citations for f in extract_figures(c.quote)]
        for fig in extract_figures(text):
            assert any(fig.same_as(q) for q in quoted), (
                f"{fig.text!r} of {answer.text!r} is in no quote"
            )


def test_citations_point_into_the_articles(run: Run) -> None:
    for answer in run.answers:
        for c in answer.citations:
            article = run.assistant.article_text(c.article_id)
            assert flowing(article[c.start : c.end]) == c.quote
            assert c.passage_start <= c.start < c.end <= c.passage_end
            assert c.chunk_id in answer.retrieved


def test_removed_sentences_are_not_in_the_answer(run: Run) -> None:
    for answer in run.answers:
        for sentence in answer.unsupported:
            assert sentence not in answer.text


def test_answerable_questions_are_answered_from_the_right_articles(run: Run) -> None:
    asked, streamed, _ = run.answers
    assert not asked.refused and not streamed.refused
    assert any(c.article_id.startswith("turkey-italy") for c in asked.citations)
    assert any(c.article_id.startswith("turkey-italy") for c in streamed.citations)


def test_out_of_corpus_question_is_refused(run: Run) -> None:
    answer = run.refused
    assert answer.refused, answer.text
    assert answer.text == "The articles don't answer this: none of them mentions FIFA or Cup."
    assert answer.citations == []  # nothing related: no quote, whatever the LLM wrote


def test_stream_yields_text_before_the_answer(run: Run) -> None:
    items = run.streamed
    assert isinstance(items[-1], Answer)
    deltas = items[:-1]
    assert deltas, "no text was streamed before the answer"
    assert all(isinstance(d, str) for d in deltas)
    assert not any(isinstance(d, Answer) for d in deltas)
    assert "".join(deltas).strip()
    assert items[-1].standalone_question == STREAMED


def test_openai_backend_with_nothing_listening_raises(llm_home: Path, embedder: Embedder) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    settings = clean_settings(home=llm_home, llm="openai", llm_base_url=url, llm_timeout=10)
    assistant = Assistant(settings, embedder=embedder)
    # Current behaviour: the openai client's connection error leaks unwrapped (see the
    # xfail test below); what must hold is that it fails instead of answering.
    with pytest.raises(Exception) as info:
        assistant.ask(STREAMED)
    assert "connection" in str(info.value).lower() or url in str(info.value)
    with pytest.raises(Exception):
        list(assistant.stream(STREAMED))


def test_openai_backend_error_is_a_backend_error_naming_the_url(
    llm_home: Path, embedder: Embedder
) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    settings = clean_settings(home=llm_home, llm="openai", llm_base_url=url, llm_timeout=10)
    assistant = Assistant(settings, embedder=embedder)
    with pytest.raises(AssistantError) as info:
        assistant.ask(STREAMED)
    assert isinstance(info.value, BackendError)
    assert url in str(info.value)


def test_openai_backend_respects_max_tokens(
    llm_home: Path, embedder: Embedder, llama_server: str
) -> None:
    settings = clean_settings(
        home=llm_home, llm="openai", llm_base_url=llama_server, llm_max_tokens=16
    )
    chat = Assistant(settings, embedder=embedder).llm()
    assert chat is not None
    reply = chat.invoke([("user", "Write the numbers from 1 to 40, separated by commas.")])
    assert reply.usage_metadata is not None
    assert reply.usage_metadata["output_tokens"] <= 16


def test_llamacpp_with_a_missing_model_file_names_it(
    llm_home: Path, embedder: Embedder, tmp_path: Path
) -> None:
    missing = tmp_path / "nope.gguf"
    settings = clean_settings(home=llm_home, llm="llamacpp", llm_model=str(missing))
    with pytest.raises(ConfigError) as info:
        Assistant(settings, embedder=embedder).ask(STREAMED)
    assert str(missing) in str(info.value)


def test_llamacpp_with_a_file_that_is_not_gguf_raises_backend_error(
    llm_home: Path, embedder: Embedder, tmp_path: Path
) -> None:
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"this is not a GGUF model\n" * 100)
    settings = clean_settings(home=llm_home, llm="llamacpp", llm_model=str(bogus))
    with pytest.raises(BackendError) as info:
        Assistant(settings, embedder=embedder).ask(STREAMED)
    assert str(bogus) in str(info.value)


def test_openai_base_url_must_be_http(llm_home: Path, embedder: Embedder) -> None:
    settings = clean_settings(home=llm_home, llm="openai", llm_base_url="127.0.0.1:9/v1")
    with pytest.raises(ConfigError) as info:
        Assistant(settings, embedder=embedder).ask(STREAMED)
    assert "127.0.0.1:9/v1" in str(info.value)
