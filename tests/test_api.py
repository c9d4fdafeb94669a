"""`tradedesk serve` as a real process on 127.0.0.1, driven by the real `openai` SDK and httpx."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import openai
import pytest
from conftest import ROOT, SAMPLE_DIR, VENV_BIN, clean_settings, free_port, wait_for_port
from filelock import FileLock

from assistant import Assistant
from ingest.text.sentences import flowing
from vectorstore.embeddings import Embedder

pytestmark = pytest.mark.slow

KEY = "td-test-key-1"
OTHER_KEY = "td-test-key-2"
FIGURE_Q = "How much did Turkey export to Italy in the first five months of 2025?"
SOY_Q = "How much were Brazil's soybean exports to China worth in 2024?"
OUT_OF_CORPUS = "What is the population of Australia?"


@dataclass
class Server:
    url: str
    home: Path
    library: Path
    proc: subprocess.Popen[bytes]
    log: Path

    def client(self, key: str | None = KEY) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)


def start_server(home: Path, log: Path, **env: str) -> tuple[subprocess.Popen[bytes], str]:
    """`tradedesk serve` on a free port (this checkout's code first on the path)."""
    port = free_port()
    full = {k: v for k, v in os.environ.items() if not k.startswith("TRADEDESK_")}
    full.update(HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", TRADEDESK_HOME=str(home),
                PYTHONPATH=str(ROOT), **env)
    with log.open("ab") as out:
        proc = subprocess.Popen([str(VENV_BIN / "tradedesk"), "serve", "--port", str(port)],
                                env=full, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_for_port(port, timeout=90, proc=proc)
    deadline = time.monotonic() + 60
    while httpx.get(f"{url}/v1/health", timeout=10).status_code != 200:
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.3)
    return proc, url


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def new_articles(folder: Path, n: int) -> None:
    """``n`` small articles about copper, each with its own figure (for the ingest test)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"copper-{i:02d}.txt").write_text(
            f"Chilean copper shipment {i} reaches Busan\n\n"
            f"Chile shipped {100 + i} thousand tonnes of copper cathode to South Korea in "
            f"lot number {i}, the port authority of Busan said on Tuesday. Traders expect "
            "demand from Korean cable makers to stay firm through the winter.\n"
        )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Server]:
    """The sample store served with two API keys, a 1 MB body limit and a library folder."""
    base = tmp_path_factory.mktemp("api")
    home = base / "home"
    report = Assistant(clean_settings(home=home), embedder=embedder).ingest([SAMPLE_DIR])
    assert not report.failed
    library = base / "library"
    library.mkdir()
    log = base / "serve.log"
    proc, url = start_server(
        home, log, TRADEDESK_API_KEYS=f"{KEY}, {OTHER_KEY}", TRADEDESK_SERVE_MAX_BODY_MB="1",
        TRADEDESK_LIBRARY_DIR=str(library),
    )
    try:
        yield Server(url=url, home=home, library=library, proc=proc, log=log)
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def sdk(server: Server) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=KEY, max_retries=0, timeout=60)


def article_text(server: Server, article_id: str) -> str:
    with server.client() as c:
        resp = c.get(f"/v1/articles/{article_id}")
    assert resp.status_code == 200, resp.text
    return str(resp.json()["text"])


def check_citations(server: Server, citations: list[dict[str, object]]) -> None:
    assert citations
    for c in citations:
        assert {"article_id", "title", "source", "url", "date", "quote", "start", "end"} <= set(c)
        text = article_text(server, str(c["article_id"]))
        assert flowing(text[int(str(c["start"])): int(str(c["end"]))]) == c["quote"]


# -- the OpenAI SDK ------------------------------------------------------------------------


def test_models_are_listed(sdk: openai.OpenAI) -> None:
    ids = [m.id for m in sdk.models.list()]
    assert ids[0] == "tradedesk" and "tradedesk-extractive" in ids


def test_completion_has_the_answer_and_checkable_citations(
    sdk: openai.OpenAI, server: Server
) -> None:
    done = sdk.chat.completions.create(
        model="tradedesk", messages=[{"role": "user", "content": FIGURE_Q}]
    )
    assert done.object == "chat.completion" and done.model == "tradedesk"
    text = done.choices[0].message.content or ""
    assert "5.34 billion" in text and "[1]" in text
    assert done.choices[0].finish_reason == "stop"
    extra = done.model_extra or {}
    ext = extra["tradedesk"]
    assert ext["refused"] is False and ext["backend"] == "extractive"
    check_citations(server, ext["citations"])
    assert {c["n"] for c in ext["citations"]} >= {1}


def test_streamed_completion_is_the_verified_answer(sdk: openai.OpenAI, server: Server) -> None:
    plain = sdk.chat.completions.create(
        model="tradedesk-extractive", messages=[{"role": "user", "content": FIGURE_Q}]
    )
    chunks = list(sdk.chat.completions.create(
        model="tradedesk-extractive", messages=[{"role": "user", "content": FIGURE_Q}],
        stream=True,
    ))
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text == plain.choices[0].message.content
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    ext = (last.model_extra or {})["tradedesk"]
    check_citations(server, ext["citations"])
    assert all("tradedesk" not in (c.model_extra or {}) for c in chunks[:-1])


def test_raw_stream_ends_with_done(server: Server) -> None:
    body = {"messages": [{"role": "user", "content": FIGURE_Q}], "stream": True}
    with server.client() as c, c.stream("POST", "/v1/chat/completions", json=body) as resp:
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in resp.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    assert json.loads(lines[-2].removeprefix("data: "))["tradedesk"]["citations"]


def test_follow_up_uses_the_history(sdk: openai.OpenAI) -> None:
    first = sdk.chat.completions.create(
        model="tradedesk", messages=[{"role": "user", "content": SOY_Q}]
    ).choices[0].message.content
    follow = sdk.chat.completions.create(model="tradedesk", messages=[
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": SOY_Q},
        {"role": "assistant", "content": first},
        {"role": "user", "content": [{"type": "text", "text": "What about iron ore?"}]},
    ])
    assert "19.8 billion" in (follow.choices[0].message.content or "")
    standalone = (follow.model_extra or {})["tradedesk"]["standalone_question"]
    assert "iron ore" in standalone and "What about" not in standalone


def test_out_of_corpus_question_is_refused(sdk: openai.OpenAI) -> None:
    done = sdk.chat.completions.create(
        model="tradedesk", messages=[{"role": "user", "content": OUT_OF_CORPUS}]
    )
    ext = (done.model_extra or {})["tradedesk"]
    assert ext["refused"] is True and ext["citations"] == []
    assert "population" in (done.choices[0].message.content or "")


def test_sdk_errors_name_cause_and_fix(sdk: openai.OpenAI, server: Server) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        sdk.chat.completions.create(
            model="tradedesk", messages=[{"role": "user", "content": "x" * 1001}]
        )
    assert "TRADEDESK_MAX_QUESTION_CHARS" in info.value.message
    with pytest.raises(openai.BadRequestError) as info:
        sdk.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert "GET /v1/models" in info.value.message
    with pytest.raises(openai.BadRequestError) as info:
        sdk.chat.completions.create(
            model="tradedesk", messages=[{"role": "assistant", "content": "hello"}]
        )
    assert "last message must be the user's" in info.value.message
    wrong = openai.OpenAI(base_url=f"{server.url}/v1", api_key="nope", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as info:
        wrong.models.list()
    assert "TRADEDESK_API_KEYS" in info.value.message


# -- the native REST routes (httpx) --------------------------------------------------------


def test_auth_missing_wrong_and_right_key(server: Server) -> None:
    body = {"question": FIGURE_Q}
    with server.client(key=None) as c:
        assert c.get("/v1/health").status_code == 200  # health needs no key
        resp = c.post("/v1/ask", json=body)
        assert resp.status_code == 401 and resp.headers["www-authenticate"] == "Bearer"
        assert "No API key was sent" in resp.json()["error"]["message"]
        assert c.get("/v1/articles").status_code == 401
        assert c.post("/v1/articles", files={"files": ("a.txt", b"x")}).status_code == 401
    with server.client(key="wrong") as c:
        resp = c.post("/v1/ask", json=body)
        assert resp.status_code == 401 and "wrong" in resp.json()["error"]["message"]
    with server.client(key=OTHER_KEY) as c:
        resp = c.post("/v1/ask", json=body, headers={"Authorization": ""})
        assert resp.status_code == 401
        resp = c.post("/v1/ask", json=body, headers={"Authorization": "", "X-API-Key": KEY})
        assert resp.status_code == 200
    with server.client(key=OTHER_KEY) as c:
        resp = c.post("/v1/ask", json=body)
    assert resp.status_code == 200
    answer = resp.json()
    assert "5.34 billion" in answer["answer"] and answer["refused"] is False
    assert {"partial", "unsupported", "series", "citations", "timings"} <= set(answer)
    check_citations(server, answer["citations"])


def test_health_reports_store_index_and_model(server: Server) -> None:
    health = httpx.get(f"{server.url}/v1/health").json()
    assert health["status"] == "ok"
    assert health["store"]["articles"] >= 9 and health["store"]["vectors"] > 0
    assert health["index"]["in_step"] is True
    assert health["model"]["embedding_model"] == "all-MiniLM-L6-v2"


def test_docs_and_openapi(server: Server) -> None:
    # keys are set: the docs need one too, like every route but health
    assert httpx.get(f"{server.url}/docs").status_code == 401
    assert httpx.get(f"{server.url}/openapi.json").status_code == 401
    with server.client() as c:
        assert c.get("/docs").status_code == 200
        paths = c.get("/openapi.json").json()["paths"]
    assert {"/v1/chat/completions", "/v1/ask", "/v1/articles", "/v1/articles/{article_id}",
            "/v1/facts", "/v1/conflicts", "/v1/ingest", "/v1/health", "/v1/models"} <= set(paths)
    assert "/docs" not in paths


def test_bad_requests_get_clean_json_errors(server: Server) -> None:
    with server.client() as c:
        resp = c.post("/v1/ask", content=b"{not json", headers={"content-type":
                                                                "application/json"})
        assert resp.status_code == 400 and "not valid JSON" in resp.json()["error"]["message"]
        resp = c.post("/v1/ask", json={"question": "x" * 5000})
        assert resp.status_code == 400
        err = resp.json()["error"]
        assert err["type"] == "QuestionError" and "limit is 1000" in err["message"]
        resp = c.post("/v1/ask", json={"question": FIGURE_Q, "k": 99})
        assert resp.status_code == 422 and "k:" in resp.json()["error"]["message"]
        resp = c.post("/v1/ask", json={"question": FIGURE_Q, "date_from": "June"})
        assert resp.status_code == 400 and "YYYY-MM-DD" in resp.json()["error"]["message"]
        resp = c.post("/v1/ask", content=b"x" * 1_500_000,
                      headers={"content-type": "application/json"})
        assert resp.status_code == 413 and "MAX_BODY_MB" in resp.json()["error"]["message"]
        resp = c.get("/v1/nowhere")
        assert resp.status_code == 404 and "/docs" in resp.json()["error"]["message"]
        resp = c.get("/v1/articles/no-such-article")
        assert resp.status_code == 404 and "GET /v1/articles" in resp.json()["error"]["message"]
        resp = c.delete("/v1/articles/no-such-article")
        assert resp.status_code == 404
        for r in (resp,):
            assert "Traceback" not in r.text


def test_articles_facts_and_conflicts(server: Server) -> None:
    with server.client() as c:
        articles = c.get("/v1/articles").json()["articles"]
        assert len(articles) >= 9 and all("source_path" not in a for a in articles)
        one = c.get(f"/v1/articles/{articles[0]['article_id']}").json()
        assert one["title"] == articles[0]["title"] and len(one["text"]) == one["chars"]
        facts = c.get("/v1/facts", params={"country": "Turkey", "partner": "Italy"}).json()
        assert facts["total"] >= 1
        assert any(f["figure"] == "$5.34 billion" for f in facts["facts"])
        fact = facts["facts"][0]
        text = article_text(server, fact["article_id"])
        assert fact["figure"] in text[fact["start"]: fact["end"]] or fact["sentence"]
        page = c.get("/v1/facts", params={"limit": 2, "offset": 1}).json()
        assert len(page["facts"]) == 2
        assert c.get("/v1/facts", params={"limit": 0}).status_code == 422
        conflicts = c.get("/v1/conflicts").json()["conflicts"]
        assert isinstance(conflicts, list)
        for pair in conflicts:
            assert pair["newer"]["value"] != pair["older"]["value"] or pair["newer"]["unit"]


def test_upload_ask_and_remove(server: Server) -> None:
    note = (b"Nickel note\n\nFinland's nickel exports to Norway doubled to 812 million euros in "
            b"2024, the Finnish customs office said.\n")
    with server.client() as c:
        resp = c.post("/v1/articles", files=[("files", ("nickel.txt", note, "text/plain"))])
        assert resp.status_code == 200, resp.text
        added = resp.json()["added"]
        assert len(added) == 1
        answer = c.post("/v1/ask", json={"question": "How much nickel did Finland export to "
                                         "Norway in 2024?"}).json()
        assert "812 million" in answer["answer"]
        assert answer["citations"][0]["article_id"] == added[0]
        assert c.delete(f"/v1/articles/{added[0]}").json() == {"removed": added[0]}
        assert c.get(f"/v1/articles/{added[0]}").status_code == 404
    with server.client(key=None) as c:  # writes always need a key
        assert c.delete(f"/v1/articles/{added[0]}").status_code == 401


def test_ingest_while_locked_is_409_naming_the_holder(server: Server) -> None:
    settings = clean_settings(home=server.home)
    lock = FileLock(str(settings.lock_path), timeout=5)
    with lock:
        settings.lock_path.with_suffix(".pid").write_text(str(os.getpid()))
        with server.client() as c:
            resp = c.post("/v1/ingest", json={})
        settings.lock_path.with_suffix(".pid").unlink()
    assert resp.status_code == 409
    err = resp.json()["error"]
    assert err["type"] == "IngestLockedError" and err["holder"] == str(os.getpid())
    assert "Let it finish" in err["message"]


def test_questions_are_answered_during_an_ingest(server: Server) -> None:
    new_articles(server.library, 40)
    with ThreadPoolExecutor(8) as pool:
        ingests = [pool.submit(lambda: server.client().post("/v1/ingest", json={"prune": True}))
                   for _ in range(2)]
        time.sleep(0.3)
        asked = [pool.submit(lambda: server.client().post("/v1/ask", json={"question": FIGURE_Q}))
                 for _ in range(12)]
        answers = [f.result() for f in asked]
        reports = [f.result() for f in ingests]
    # one ingest did the work; the other found the lock taken (409) or nothing left to do
    done = [r for r in reports if r.status_code == 200 and len(r.json()["added"]) == 40]
    assert len(done) == 1, [r.text for r in reports]
    other = reports[1 - reports.index(done[0])]
    assert other.status_code == 409 or other.json()["added"] == [], other.text
    assert all(r.status_code in (200, 429) for r in answers), [r.text for r in answers]
    assert any(r.status_code == 200 for r in answers)
    for r in answers:
        if r.status_code == 200:
            assert "5.34 billion" in r.json()["answer"]
        else:
            assert "Retry" in r.json()["error"]["message"]
    with server.client() as c:  # the new articles are asked about at once
        answer = c.post("/v1/ask", json={
            "question": "How much copper cathode did Chile ship to South Korea?"}).json()
        listed = c.get("/v1/articles").json()["articles"]
    assert any(c["article_id"].startswith("copper") for c in answer["citations"]), answer
    assert sum(a["article_id"].startswith("copper") for a in listed) == 40
