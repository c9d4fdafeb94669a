"""No mutant reaches an answer: a scripted OpenAI-compatible server, ask and stream.

A small real HTTP server on 127.0.0.1 answers `/v1/chat/completions` (plain and streamed,
the OpenAI wire format) with a scripted reply: a sentence of the seed article as written, or
one of its mutants (``benchmarks/verifier_mutations.py``: a figure swapped, the direction,
kind, period, subject or unit changed), citing the passage that holds the sentence. The
assistant's openai backend (langchain-openai's client) asks it; the verifier must let the
faithful reply through and keep every mutant out of the final answer, whichever path.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import CORPUS_DIR, ROOT, SAMPLE_DIR, clean_settings

from assistant import Assistant
from assistant.answer import Answer
from ingest.text.sentences import flowing
from vectorstore.embeddings import Embedder

sys.path.insert(0, str(ROOT))
from benchmarks.verifier_mutations import mutants  # noqa: E402

QUESTION = "What did the Turkish Exporters Assembly data show about trade with Italy?"
SOURCE = ("Turkey’s exports to Italy grew by 7.5% in the first five months of 2025, reaching "
          "$5.34 billion")
ANCHOR = "Turkish Exporters Assembly"  # the passage to cite is the one holding this


class _Script:
    """The reply the server gives next ("[N]" becomes the anchor passage's number)."""

    reply = ""


def _passage_number(prompt: str) -> int:
    blocks = re.split(r"\n(?=\[\d+\] )", "\n" + prompt)
    for block in blocks:
        m = re.match(r"\[(\d+)\] ", block)
        if m and ANCHOR in block:
            return int(m.group(1))
    return 1


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # quiet
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
        prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
        text = _Script.reply.replace("[N]", f"[{_passage_number(prompt)}]")
        created = int(time.time())
        if body.get("stream"):
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.end_headers()
            for piece in re.findall(r"\S+\s*", text):
                chunk = {"id": "c1", "object": "chat.completion.chunk", "created": created,
                         "model": "scripted", "choices": [
                             {"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            last = {"id": "c1", "object": "chat.completion.chunk", "created": created,
                    "model": "scripted",
                    "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
            self.wfile.write(f"data: {json.dumps(last)}\n\ndata: [DONE]\n\n".encode())
            return
        out = json.dumps({
            "id": "c1", "object": "chat.completion", "created": created, "model": "scripted",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


@pytest.fixture(scope="module")
def scripted_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


@pytest.fixture(scope="module")
def scripted(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder,
             scripted_server: str) -> Assistant:
    home = tmp_path_factory.mktemp("scripted") / "home"
    settings = clean_settings(home=home, llm="openai", llm_base_url=scripted_server,
                              llm_model="scripted")
    assistant = Assistant(settings, embedder=embedder)
    report = assistant.ingest([SAMPLE_DIR, CORPUS_DIR])
    assert not report.failed
    return assistant


def _both(assistant: Assistant, reply: str) -> list[Answer]:
    _Script.reply = reply
    asked = assistant.ask(QUESTION)
    streamed = list(assistant.stream(QUESTION))
    final = streamed[-1]
    assert isinstance(final, Answer)
    assert final.text == asked.text  # streamed and non-streamed paths agree
    return [asked, final]


def test_the_faithful_reply_is_the_answer(scripted: Assistant) -> None:
    for answer in _both(scripted, SOURCE + " [N]."):
        assert answer.backend != "extractive", answer
        assert "$5.34 billion" in answer.text and not answer.unsupported, answer
        assert answer.citations


MUTANTS = [m for _, m in mutants(SOURCE, ["$111 billion", "4.8%", "$1.14 billion"])]


def test_there_are_mutants_of_every_kind() -> None:
    kinds = {k for k, _ in mutants(SOURCE, ["$111 billion", "4.8%", "$1.14 billion"])}
    assert {"figure swapped", "direction changed", "period shifted", "subject changed",
            "unit changed"} <= kinds, kinds


@pytest.mark.parametrize("mutant", MUTANTS)
def test_no_mutant_reaches_the_answer(scripted: Assistant, mutant: str) -> None:
    for answer in _both(scripted, mutant + " [N]."):
        assert flowing(mutant) not in flowing(answer.text), answer.text
        assert answer.unsupported, answer  # removed, and said so
