"""Ingest end to end: real MiniLM, real embedded Chroma, real files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS_DIR, SAMPLE_DIR
from pdfgen import make_pdf

from assistant import Assistant, Settings
from ingest.ids import ChunkId, article_of
from ingest.loaders import load_file
from vectorstore.embeddings import Embedder
from vectorstore.errors import AssistantError, ModelMismatchError

GERMANY = "germany-china-trade-2024.txt"
OLD_SENTENCE = (
    "It was the third consecutive annual decline in German sales to the Chinese market."
)
NEW_SENTENCE = (
    "Analysts at the Quarnstedt Institute called it the sharpest fall since records began."
)

MakeAssistant = Callable[..., Assistant]


def article_id_of(path: Path) -> str:
    docs, _ = load_file(path, max_bytes=20_000_000)
    assert len(docs) == 1
    return docs[0].article_id


def expected_ids(*folders: Path) -> set[str]:
    ids: set[str] = set()
    for folder in folders:
        for path in sorted(folder.iterdir()):
            docs, failures = load_file(path, max_bytes=20_000_000)
            assert not failures
            ids.update(d.article_id for d in docs)
    return ids


def assert_consistent(a: Assistant) -> None:
    """Records, Chroma and the lexical index agree exactly."""
    record_ids = a.records.chunk_ids()
    store_ids = a.store.ids()
    assert len(store_ids) == len(set(store_ids))
    assert sorted(store_ids) == sorted(record_ids)
    stats = a.stats()
    assert stats["vectors"] == stats["chunks"] == len(record_ids)
    assert stats["articles"] == len(a.articles())
    assert sum(info.chunks for info in a.articles()) == len(record_ids)
    assert a.records.pending() == []
    assert len(a.lexical) == len(record_ids)
    assert sorted(a.lexical.ids) == sorted(record_ids)
    assert a.lexical.version == a.records.version()


# -- a store built once from SAMPLE_DIR + CORPUS_DIR, only read by these tests ----------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder):
    home = tmp_path_factory.mktemp("built") / "home"
    a = Assistant(Settings(home=home), embedder=embedder)
    before = embedder.embedded_count
    report = a.ingest([SAMPLE_DIR, CORPUS_DIR])
    return a, report, embedder.embedded_count - before


def test_every_article_present_once(built) -> None:
    a, report, embedded = built
    want = expected_ids(SAMPLE_DIR, CORPUS_DIR)
    assert len(want) == 10
    assert report.ok and report.failed == []
    assert sorted(report.added) == sorted(want)
    assert report.updated == report.unchanged == report.removed == []
    ids = [info.article_id for info in a.articles()]
    assert len(ids) == len(set(ids))
    assert set(ids) == want
    stats = a.stats()
    assert stats["articles"] == 10
    assert stats["vectors"] == stats["chunks"] == report.chunks_written == report.embedded
    assert embedded == report.embedded > 10
    assert stats["embedding_model"] == "all-MiniLM-L6-v2"
    assert_consistent(a)


def test_article_metadata_recorded(built) -> None:
    a, _, _ = built
    by_id = {info.article_id: info for info in a.articles()}
    md = by_id[article_id_of(SAMPLE_DIR / "turkey-italy-exports-2025.md")]
    assert md.title.startswith("Turkish shipments to Italy climb 7.5%")
    assert md.date == "2025-06-12"
    assert md.kind == "md"
    assert md.source_path == str(SAMPLE_DIR / "turkey-italy-exports-2025.md")
    html = by_id[article_id_of(SAMPLE_DIR / "india-uae-cepa-2025.html")]
    assert html.kind == "html" and html.date == "2025-05-20"
    corpus = by_id[article_id_of(CORPUS_DIR / "turkey-italy-trade-2025.txt")]
    assert corpus.chunks >= 3
    assert a.article(corpus.article_id) == corpus
    assert "$5.34 b" in a.article_text(corpus.article_id)
    # newest first
    dates = [info.date or "" for info in a.articles()]
    assert dates == sorted(dates, reverse=True)


def test_chunk_metadata_and_offsets_in_chroma(built) -> None:
    a, _, _ = built
    ids = a.records.chunk_ids()
    stored = a.store.get(ids)
    assert set(stored) == set(ids)
    rows = a.records.chunks(ids)
    articles = {info.article_id: info for info in a.articles()}
    for cid in ids:
        document, meta = stored[cid]
        row = rows[cid]
        text = a.article_text(row.article_id)
        assert document == row.text == text[row.start : row.end]
        assert meta["article_id"] == row.article_id == article_of(cid)
        assert (meta["start"], meta["end"]) == (row.start, row.end)
        info = articles[row.article_id]
        assert meta["title"] == info.title
        assert meta["date"] == (info.date or "")
        assert meta["source"] == info.source
        assert meta["index"] == row.index
        assert meta["version"] == ChunkId.parse(cid).version
    # chunk indexes of each article are 0..n-1
    for aid, info in articles.items():
        assert [rows[c].index for c in a.records.chunk_ids(aid)] == list(range(info.chunks))


def test_vectors_are_real_embeddings(built, embedder: Embedder) -> None:
    a, _, _ = built
    cid = a.records.chunk_ids()[0]
    row = a.records.chunks([cid])[cid]
    vec = a.store.embeddings([cid])[cid]
    assert vec.shape == (384,)
    assert abs(float(np.linalg.norm(vec)) - 1.0) < 1e-2  # bf16 on some CPUs
    query = embedder.encode([row.text])[0]
    assert float(vec @ query) > 0.8  # the chunk (with its title prefix) is near its own text
    hits = a.store.query(embedder.encode(["Turkey exports to Italy $5.34 billion"])[0], 3)
    assert len(hits) == 3
    assert any("5.34" in h.text for h in hits)


def test_the_collection_is_usable_from_langchain(built) -> None:
    """``ChromaStore.langchain()``: the same collection as a ``langchain_chroma.Chroma``."""
    a = built[0]
    hits = a.store.langchain().similarity_search("Turkey exports to Italy", k=3)
    recorded = set(a.records.chunk_ids())
    assert hits and all(d.id in recorded for d in hits)
    assert any("turkey" in d.metadata["article_id"] for d in hits)


def test_reingest_is_a_noop(built, embedder: Embedder) -> None:
    a, first, _ = built
    ids_before = sorted(a.store.ids())
    records_before = a.records.chunk_ids()
    version = a.records.version()
    lexical_meta = a.settings.lexical_dir / "meta.json"
    mtime = lexical_meta.stat().st_mtime_ns
    count = embedder.embedded_count

    report = a.ingest([SAMPLE_DIR, CORPUS_DIR])

    assert embedder.embedded_count == count
    assert report.embedded == 0 and report.chunks_written == 0
    assert sorted(report.unchanged) == sorted(first.added)
    assert report.added == report.updated == report.removed == report.failed == []
    assert not report.changed
    assert sorted(a.store.ids()) == ids_before
    assert a.records.chunk_ids() == records_before
    assert a.records.version() == version
    assert a.lexical.version == version
    assert lexical_meta.stat().st_mtime_ns == mtime  # index not rebuilt
    assert a.refresh() is False


def test_second_assistant_on_same_home_sees_articles(built, embedder: Embedder) -> None:
    a, _, _ = built
    b = Assistant(Settings(home=a.settings.home), embedder=embedder)
    assert [x.article_id for x in b.articles()] == [x.article_id for x in a.articles()]
    assert b.stats()["vectors"] == a.stats()["vectors"]
    assert b.refresh() is True  # loads the saved lexical index
    assert sorted(b.lexical.ids) == sorted(a.lexical.ids)
    assert b.lexical.search("Mercosur tariff savings", 3)


# -- tests that change a store ------------------------------------------------------------------


@pytest.fixture
def ingested(make_assistant: MakeAssistant, sample_copy: Path) -> Assistant:
    a = make_assistant()
    report = a.ingest(sample_copy)
    assert report.ok and len(report.added) == 9
    return a


def test_edit_updates_only_that_article(
    ingested: Assistant, sample_copy: Path, embedder: Embedder
) -> None:
    a = ingested
    path = sample_copy / GERMANY
    gid = article_id_of(path)
    old_chunks = a.records.chunk_ids(gid)
    other_chunks = sorted(c for c in a.records.chunk_ids() if not c.startswith(gid + ":"))
    version = a.records.version()
    text = path.read_text(encoding="utf-8")
    assert OLD_SENTENCE in text
    path.write_text(text.replace(OLD_SENTENCE, NEW_SENTENCE), encoding="utf-8")
    count = embedder.embedded_count

    report = a.ingest(sample_copy)

    assert report.updated == [gid]
    assert report.added == [] and len(report.unchanged) == 8
    new_chunks = a.records.chunk_ids(gid)
    assert report.embedded == len(new_chunks) == embedder.embedded_count - count
    assert not set(old_chunks) & set(new_chunks)
    store_ids = set(a.store.ids())
    assert not set(old_chunks) & store_ids
    assert set(new_chunks) <= store_ids
    assert sorted(c for c in store_ids if not c.startswith(gid + ":")) == other_chunks
    documents = [doc for doc, _ in a.store.get(sorted(store_ids)).values()]
    assert not any(OLD_SENTENCE in d for d in documents)
    assert sum(NEW_SENTENCE in d for d in documents) >= 1
    assert NEW_SENTENCE in a.article_text(gid)
    assert OLD_SENTENCE not in a.article_text(gid)
    # lexical index rebuilt for the new version
    assert a.records.version() > version
    hits = a.lexical.search("Quarnstedt", 5)
    assert hits and all(cid in new_chunks for cid, _ in hits)
    assert_consistent(a)


def test_delete_then_prune_removes_exactly_that_article(
    ingested: Assistant, sample_copy: Path
) -> None:
    a = ingested
    path = sample_copy / GERMANY
    gid = article_id_of(path)
    gone = set(a.records.chunk_ids(gid))
    before = set(a.store.ids())
    articles_before = {x.article_id for x in a.articles()}
    path.unlink()

    kept = a.ingest(sample_copy)
    assert kept.removed == []
    assert {x.article_id for x in a.articles()} == articles_before
    assert set(a.store.ids()) == before

    pruned = a.ingest(sample_copy, prune=True)
    assert pruned.removed == [gid]
    assert len(pruned.unchanged) == 8 and pruned.embedded == 0
    assert {x.article_id for x in a.articles()} == articles_before - {gid}
    assert set(a.store.ids()) == before - gone
    assert_consistent(a)


def test_prune_drops_feed_entries_no_longer_in_feed(
    ingested: Assistant, sample_copy: Path
) -> None:
    a = ingested
    feed = sample_copy / "trade-briefs.jsonl"
    lines = feed.read_text(encoding="utf-8").splitlines()
    docs, _ = load_file(feed, max_bytes=10**7)
    dropped = docs[1].article_id
    feed.write_text("\n".join([lines[0], lines[2]]) + "\n", encoding="utf-8")
    report = a.ingest(sample_copy, prune=True)
    assert report.removed == [dropped]
    assert dropped not in {x.article_id for x in a.articles()}
    assert {docs[0].article_id, docs[2].article_id} <= {x.article_id for x in a.articles()}
    assert_consistent(a)


def test_bad_files_fail_good_files_land(make_assistant: MakeAssistant, tmp_path: Path) -> None:
    a = make_assistant()
    src = tmp_path / "mixed"
    src.mkdir()
    (src / "good.txt").write_text("Port volumes rise\nContainer volumes rose 9% in May.\n")
    (src / "good.md").write_text("---\ntitle: Grain up\n---\nGrain shipments rose 4%.\n")
    (src / "good.pdf").write_bytes(make_pdf([["PDF trade note", "Copper imports rose 2%."]]))
    (src / "empty.txt").write_bytes(b"")
    (src / "blank.md").write_text("  \n\n \t\n")
    (src / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (src / "undecodable.txt").write_bytes(b"Title\nBad bytes \x81\x8d\x8f here.\n")
    (src / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog garbage")
    (src / "feed.jsonl").write_text(
        json.dumps({"id": "f1", "title": "Feed one", "text": "Tea exports rose 3%."}) + "\n"
        + '{"id": "f2", "text": "unterminated\n'
        + json.dumps({"id": "f3", "title": "Feed three", "text": "Coffee prices fell."}) + "\n"
    )

    report = a.ingest(src)

    assert not report.ok
    failed = {f.path: f.reason for f in report.failed}
    assert set(failed) == {
        str(src / "empty.txt"),
        str(src / "blank.md"),
        str(src / "image.md"),
        str(src / "undecodable.txt"),
        str(src / "broken.pdf"),
        f"{src / 'feed.jsonl'}:2",
    }
    assert "empty" in failed[str(src / "empty.txt")]
    assert "PNG" in failed[str(src / "image.md")]
    assert "decode" in failed[str(src / "undecodable.txt")]
    assert "PDF" in failed[str(src / "broken.pdf")]
    assert "line 2" in failed[f"{src / 'feed.jsonl'}:2"]
    titles = sorted(x.title for x in a.articles())
    assert titles == ["Feed one", "Feed three", "Grain up", "PDF trade note", "Port volumes rise"]
    assert len(report.added) == 5
    assert_consistent(a)


def test_missing_path_is_a_failure(make_assistant: MakeAssistant, tmp_path: Path) -> None:
    a = make_assistant()
    report = a.ingest([tmp_path / "nowhere", SAMPLE_DIR / "germany-china-trade-2024.txt"])
    assert [f.path for f in report.failed] == [str(tmp_path / "nowhere")]
    assert len(report.added) == 1 and not report.ok


def test_failed_reingest_keeps_old_version(
    ingested: Assistant, sample_copy: Path, embedder: Embedder
) -> None:
    a = ingested
    path = sample_copy / GERMANY
    gid = article_id_of(path)
    chunks = a.records.chunk_ids(gid)
    text = a.article_text(gid)
    store_ids = sorted(a.store.ids())
    info = a.article(gid)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    count = embedder.embedded_count

    report = a.ingest(sample_copy, prune=True)

    assert [f.path for f in report.failed] == [str(path)]
    assert "PNG" in report.failed[0].reason
    assert report.removed == [] and report.updated == []
    assert embedder.embedded_count == count
    assert a.article(gid) == info
    assert a.article_text(gid) == text
    assert a.records.chunk_ids(gid) == chunks
    assert sorted(a.store.ids()) == store_ids
    assert_consistent(a)


def test_model_mismatch(ingested: Assistant, sample_copy: Path, make_settings) -> None:
    other = Embedder()
    other.name = "other-model"
    b = Assistant(make_settings(), embedder=other)  # same home as `ingested`
    with pytest.raises(ModelMismatchError) as info:
        b.ingest(sample_copy)
    message = str(info.value)
    assert "'all-MiniLM-L6-v2'" in message
    assert "'other-model'" in message
    assert "tradedesk rebuild" in message
    assert "TRADEDESK_EMBEDDING_MODEL" in message
    assert not other.loaded  # refused before embedding anything
    with pytest.raises(ModelMismatchError):
        b.stats()
    # the store is untouched and still usable with the right model
    assert len(ingested.articles()) == 9
    assert_consistent(ingested)
    assert ingested.ingest(sample_copy).embedded == 0


def test_remove(ingested: Assistant, sample_copy: Path) -> None:
    a = ingested
    gid = article_id_of(sample_copy / GERMANY)
    gone = set(a.records.chunk_ids(gid))
    before = set(a.store.ids())
    a.remove(gid)
    assert gid not in {x.article_id for x in a.articles()}
    assert set(a.store.ids()) == before - gone
    assert not set(a.lexical.ids) & gone
    assert_consistent(a)
    with pytest.raises(AssistantError, match="No article with id"):
        a.remove(gid)
    with pytest.raises(AssistantError, match="no-such-article"):
        a.remove("no-such-article")
    with pytest.raises(AssistantError, match="No article"):
        a.article(gid)
    with pytest.raises(AssistantError, match="No article"):
        a.article_text(gid)
    # ingesting again brings it back
    assert a.ingest(sample_copy).added == [gid]


def test_reset(ingested: Assistant, sample_copy: Path) -> None:
    a = ingested
    a.reset()
    assert a.articles() == []
    stats = a.stats()
    assert stats["articles"] == stats["chunks"] == stats["vectors"] == 0
    assert a.store.ids() == []
    assert len(a.lexical) == 0
    report = a.ingest(sample_copy)
    assert len(report.added) == 9
    assert_consistent(a)


def test_second_assistant_follows_changes(
    ingested: Assistant, sample_copy: Path, make_assistant: MakeAssistant
) -> None:
    b = make_assistant()  # same home
    assert {x.article_id for x in b.articles()} == {x.article_id for x in ingested.articles()}
    b.refresh()
    assert len(b.lexical) == ingested.stats()["chunks"]
    gid = article_id_of(sample_copy / GERMANY)
    ingested.remove(gid)
    assert b.refresh() is True
    assert gid not in {x.article_id for x in b.articles()}
    assert len(b.lexical) == ingested.stats()["chunks"]
    assert b.refresh() is False


def test_interrupted_write_is_repaired(ingested: Assistant, sample_copy: Path) -> None:
    a = ingested
    stray = "ghost-0000000000:deadbeef00:0000"
    vec = a.embedder.encode(["a stray chunk"])
    # A run that journalled and wrote a chunk but died before its commit point.
    a.records.journal([stray], ["ghost-0000000000"], "write")
    a.store.upsert([stray], vec, ["a stray chunk"], [{"article_id": "ghost-0000000000"}])
    assert stray in a.store.ids()
    report = a.ingest(sample_copy)
    assert report.repaired == 1
    assert stray not in a.store.ids()
    assert len(report.unchanged) == 9
    assert_consistent(a)


def test_lost_vectors_are_re_embedded(ingested: Assistant, sample_copy: Path) -> None:
    a = ingested
    gid = article_id_of(sample_copy / GERMANY)
    lost = a.records.chunk_ids(gid)
    a.store.delete(lost)
    report = a.ingest(sample_copy)
    assert report.updated == [gid]
    assert len(report.unchanged) == 8
    assert set(a.records.chunk_ids(gid)) <= set(a.store.ids())
    assert_consistent(a)


def test_lexical_index_rebuilt_only_on_change(ingested: Assistant, sample_copy: Path) -> None:
    a = ingested
    assert len(a.lexical) == a.stats()["chunks"]
    v1 = a.lexical.version
    a.ingest(sample_copy)
    assert a.lexical.version == v1
    (sample_copy / "extra.txt").write_text("Extra note\nNickel exports to Finland doubled.\n")
    report = a.ingest(sample_copy)
    assert len(report.added) == 1
    assert a.lexical.version is not None and v1 is not None and a.lexical.version > v1
    assert len(a.lexical) == a.stats()["chunks"]
    hits = a.lexical.search("nickel Finland", 3)
    assert hits and hits[0][0].startswith(report.added[0] + ":")


@pytest.mark.slow
def test_store_reads_more_ids_than_sqlite_allows_in_one_query(
    tmp_path: Path, embedder: Embedder
) -> None:
    """A large library (here 33,000 chunks, over SQLite's 32,766 variables) reads back whole."""
    from vectorstore.store import ChromaStore

    store = ChromaStore(embedder, collection="big", path=tmp_path / "chroma")
    n = 33_000
    rng = np.random.default_rng(1)
    vecs = rng.normal(size=(n, embedder.dimension)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    ids = [f"a{i // 3}:v:{i % 3}" for i in range(n)]
    store.upsert(ids, vecs, [f"chunk {i}" for i in range(n)], [{"index": i} for i in range(n)])
    got = store.embeddings(ids)
    assert len(got) == n
    assert np.allclose(got[ids[-1]], vecs[-1], atol=1e-6)
    docs = store.get(ids)
    assert len(docs) == n and docs[ids[12_345]] == ("chunk 12345", {"index": 12_345})
