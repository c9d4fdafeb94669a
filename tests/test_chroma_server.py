"""The same ingest guarantees against a real `chroma run` server."""

from __future__ import annotations

from pathlib import Path

import chromadb
import pytest
from conftest import SAMPLE_DIR, free_port

from ingest.loaders import load_file
from vectorstore.errors import StoreError

pytestmark = pytest.mark.server

OLD_SENTENCE = (
    "It was the third consecutive annual decline in German sales to the Chinese market."
)
NEW_SENTENCE = "Analysts at the Quarnstedt Institute called it the sharpest fall on record."


def test_ingest_against_server(chroma_server, make_assistant, sample_copy: Path) -> None:
    a = make_assistant(chroma_host=chroma_server.host, chroma_port=chroma_server.port)
    assert a.store.location == f"http://127.0.0.1:{chroma_server.port}"
    assert a.settings.records_path.name == f"tradedesk@127.0.0.1_{chroma_server.port}.sqlite"

    first = a.ingest(SAMPLE_DIR)
    assert first.ok and len(first.added) == 9
    server = chromadb.HttpClient(host=chroma_server.host, port=chroma_server.port)
    n_chunks = a.stats()["chunks"]
    assert server.get_collection("tradedesk").count() == n_chunks == first.chunks_written
    meta = server.get_collection("tradedesk").metadata
    assert meta["embedding_model"] == "all-MiniLM-L6-v2"
    assert not (a.settings.home / "chroma").exists()  # nothing embedded on disk

    ids = sorted(a.store.ids())
    count = a.embedder.embedded_count
    again = a.ingest(SAMPLE_DIR)
    assert again.embedded == 0 and a.embedder.embedded_count == count
    assert len(again.unchanged) == 9 and again.added == again.updated == []
    assert sorted(a.store.ids()) == ids

    # A byte-identical copy at new paths is stored once; the copies are recorded as sources.
    copy = a.ingest(sample_copy)
    assert copy.added == [] and len(copy.duplicates) == 6 and len(copy.unchanged) == 3
    assert a.stats()["chunks"] == n_chunks
    assert all(len(x.also_from) == 1 for x in a.articles() if x.kind != "jsonl")
    # Editing the copy makes it an article of its own; the original stays as it was.
    path = sample_copy / "germany-china-trade-2024.txt"
    gid = load_file(path, max_bytes=10**7)[0][0].article_id
    original = load_file(SAMPLE_DIR / path.name, max_bytes=10**7)[0][0].article_id
    original_chunks = set(a.records.chunk_ids(original))
    path.write_text(path.read_text(encoding="utf-8").replace(OLD_SENTENCE, NEW_SENTENCE),
                    encoding="utf-8")
    edited = a.ingest(sample_copy)
    assert edited.added == [gid] and len(edited.duplicates) == 5
    new_chunks = set(a.records.chunk_ids(gid))
    store_ids = set(a.store.ids())
    assert original_chunks <= store_ids and set(a.records.chunk_ids(original)) == original_chunks
    assert new_chunks <= store_ids
    col = server.get_collection("tradedesk")
    got = col.get(where={"article_id": gid}, include=["documents"])
    assert set(got["ids"]) == new_chunks
    assert any(NEW_SENTENCE in d for d in got["documents"])
    assert not any(OLD_SENTENCE in d for d in got["documents"])
    assert col.count() == a.stats()["chunks"]

    a.remove(gid)
    assert col.get(where={"article_id": gid})["ids"] == []
    assert col.count() == a.stats()["chunks"] == a.stats()["vectors"]
    assert sorted(a.store.ids()) == sorted(a.records.chunk_ids())


def test_unreachable_server_is_a_clear_error(make_assistant) -> None:
    port = free_port()  # nothing listens here
    a = make_assistant(chroma_host="127.0.0.1", chroma_port=port)
    with pytest.raises(StoreError) as info:
        a.stats()
    message = str(info.value)
    assert "chroma run" in message
    assert f"127.0.0.1:{port}" in message
    assert "--port " + str(port) in message
    assert "TRADEDESK_CHROMA_HOST" in message
    with pytest.raises(StoreError, match="chroma run"):
        a.ingest(SAMPLE_DIR / "germany-china-trade-2024.txt")
