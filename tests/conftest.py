"""Shared fixtures: the real embedding model (loaded once), isolated data dirs, a Chroma server.

The fast tier (``make test-fast``, tests marked ``fast``) uses no model, no Chroma and
no server: pure logic with the small fakes registered here once, ``FakeEmbedder``
(``fake_embedder``) and a scripted chat model (``scripted_chat``). A fast test that
reaches for the real model or Chroma fails, so the tier stays fast.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "sample"
# ../shared beside the checkout (as on the development machine and in CI).
SHARED = ROOT.parent / "shared"
CORPUS_DIR = SHARED / "corpus"
REUTERS = SHARED / "datasets" / "reuters-21578" / "reuters-21578.jsonl.gz"
ARTIFACTS = ROOT / "tests" / "artifacts"
VENV_BIN = Path(sys.executable).parent

from assistant import Assistant, Settings  # noqa: E402
from vectorstore.embeddings import Embedder  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No TRADEDESK_* variable of the developer's shell leaks into a test."""
    for key in list(os.environ):
        if key.startswith("TRADEDESK_"):
            monkeypatch.delenv(key)


@pytest.fixture(autouse=True)
def _fast_tier_stays_fast(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test marked ``fast`` may not load the real model or open Chroma."""
    if request.node.get_closest_marker("fast") is None:
        return

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(
            f"{request.node.nodeid} is marked fast but loads the real model or Chroma: use "
            "the fake_embedder / scripted_chat fixtures, or drop the fast marker"
        )

    monkeypatch.setattr("vectorstore.embeddings.Embedder._load", refuse)
    monkeypatch.setattr("vectorstore.store.ChromaStore.client", property(refuse))


class FakeEmbedder:
    """A deterministic stand-in for ``vectorstore.embeddings.Embedder`` (fast tier only).

    A text's vector is its hashed bag of search tokens, L2-normalised: texts that share
    words are close, unrelated texts are near orthogonal. Same methods as ``Embedder``.
    """

    name = "fake-bag-of-words"
    dimension = 64
    max_seq_length = 256
    loaded = True

    def _vector(self, text: str) -> Any:
        import hashlib

        import numpy as np

        from ingest.text.tokens import tokenize

        vec = np.zeros(self.dimension, dtype=np.float32)
        for token in tokenize(text):
            h = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest(), "big")
            vec[h % self.dimension] += 1.0
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else vec

    def encode(self, texts: Any) -> Any:
        import numpy as np

        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, 64))

    encode_cached = encode
    encode_light = encode

    def encode_query(self, text: str) -> Any:
        return self._vector(text)

    def count_tokens(self, texts: Any, *, special: bool = True) -> list[int]:
        return [len(t.split()) + (2 if special else 0) for t in texts]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [list(map(float, v)) for v in self.encode(texts)]

    def embed_query(self, text: str) -> list[float]:
        return list(map(float, self._vector(text)))


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    """The deterministic fake embedder (fast tier)."""
    return FakeEmbedder()


@pytest.fixture
def scripted_chat() -> Callable[..., Any]:
    """Build a chat model that replies with the given texts in turn (streams word by word)."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    def make(*replies: str) -> Any:
        return GenericFakeChatModel(messages=iter(AIMessage(content=r) for r in replies))

    return make


def clean_settings(**kwargs: Any) -> Settings:
    """Settings that ignore the developer's TRADEDESK_* variables (for module fixtures,
    which run outside ``_isolated_env``)."""
    with pytest.MonkeyPatch.context() as mp:
        for key in list(os.environ):
            if key.startswith("TRADEDESK_"):
                mp.delenv(key)
        return Settings(**kwargs)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real packaged MiniLM, loaded once for the whole session."""
    emb = Embedder()
    emb.encode(["warm up"])
    return emb


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Build Settings with ``home`` in a fresh temporary folder."""

    def make(**overrides: Any) -> Settings:
        overrides.setdefault("home", tmp_path / "home")
        return Settings(**overrides)

    return make


@pytest.fixture
def make_assistant(
    make_settings: Callable[..., Settings], embedder: Embedder
) -> Callable[..., Assistant]:
    """Build an Assistant on a fresh store, sharing the loaded model."""

    def make(**overrides: Any) -> Assistant:
        return Assistant(make_settings(**overrides), embedder=embedder)

    return make


@pytest.fixture
def assistant(make_assistant: Callable[..., Assistant]) -> Assistant:
    """An Assistant on an empty embedded store."""
    return make_assistant()


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    """A writable copy of data/sample (tests may edit and delete files in it)."""
    dest = tmp_path / "sample"
    shutil.copytree(SAMPLE_DIR, dest)
    return dest


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(
    port: int, timeout: float = 60.0, proc: subprocess.Popen[Any] | None = None
) -> None:
    """Wait until something listens on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited early with code {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


class ChromaServer:
    """A real `chroma run` server on 127.0.0.1 that a test can stop and start again."""

    def __init__(self, path: Path, port: int) -> None:
        self.path = path
        self.port = port
        self.host = "127.0.0.1"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = path.parent / f"chroma-{port}.log"

    def start(self) -> None:
        chroma = shutil.which("chroma", path=str(VENV_BIN)) or "chroma"
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [chroma, "run", "--path", str(self.path), "--host", self.host,
                 "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
            )
        wait_for_port(self.port, timeout=90, proc=self.proc)
        import chromadb

        deadline = time.monotonic() + 60
        while True:
            try:
                chromadb.HttpClient(host=self.host, port=self.port).heartbeat()
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[ChromaServer]:
    """A fresh Chroma server for one test."""
    server = ChromaServer(tmp_path / "chroma-server", free_port())
    server.path.mkdir()
    server.start()
    try:
        yield server
    finally:
        server.stop()


# -- LLM backends (added for the answering tests) ----------------------------------------------


@pytest.fixture(scope="session")
def gguf_path() -> Path:
    """The packaged SmolLM2 GGUF model (the llamacpp backend's default)."""
    from assistant.answering.sources.llm import default_gguf

    return default_gguf()


@pytest.fixture(scope="session")
def llama_server(gguf_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real llama.cpp OpenAI-compatible server on 127.0.0.1; yields its base URL (…/v1)."""
    import json
    import urllib.request

    port = free_port()
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf_path),
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"],
            stdout=log, stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        wait_for_port(port, timeout=120, proc=proc)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base_url}/models", timeout=5) as resp:
                    models = json.load(resp)
                assert models["data"], models
                break
            except Exception:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"llama.cpp server did not answer /v1/models: {log_path.read_text()}"
                    ) from None
                time.sleep(0.3)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
