"""Ids as a type, the one row <-> Document converter, and the records' numbered migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from assistant.documents import ChunkMeta, to_document
from ingest.ids import ChunkId, article_of, make_article_id
from ingest.records import ChunkRow, Records
from ingest.records.migrations import RECORDS_MIGRATIONS, apply_migrations
from vectorstore.errors import StoreError

pytestmark = pytest.mark.fast


def test_chunk_id_round_trips_and_orders_by_position() -> None:
    cid = ChunkId("turkey-italy-trade-2025-379a855d35", "0123456789", 7)
    assert str(cid) == "turkey-italy-trade-2025-379a855d35:0123456789:0007"
    assert ChunkId.parse(str(cid)) == cid
    assert article_of(str(cid)) == cid.article_id
    later = ChunkId(cid.article_id, cid.version, 12)
    assert sorted([str(later), str(cid)], key=ChunkId.parse) == [str(cid), str(later)]


@pytest.mark.parametrize("text", ["", "no-colons", "a:b", "a:0123456789:x", "a:ver sion:1"])
def test_malformed_chunk_ids_are_refused_naming_the_text(text: str) -> None:
    with pytest.raises(ValueError, match="chunk id|version"):
        ChunkId.parse(text)


def test_article_ids_come_from_the_source_not_the_content() -> None:
    a = make_article_id("file:/data/Hải Phòng port.txt", "Hải Phòng port")
    assert a.startswith("hai-phong-port-") and len(a.rsplit("-", 1)[1]) == 10
    assert a == make_article_id("file:/data/Hải Phòng port.txt", "Hải Phòng port")
    assert a != make_article_id("file:/elsewhere/Hải Phòng port.txt", "Hải Phòng port")


def test_one_converter_from_rows_to_documents_and_back() -> None:
    row = ChunkRow(
        chunk_id="a-0123456789:abcdef0123:0002", article_id="a-0123456789", index=2,
        start=120, end=260, page=3, text="Exports rose.", title="T", source="s.txt",
        date="1987-03-02", url="https://example.com/a",
    )
    doc = to_document(row, rank=1, score=0.03, dense=0.71, lexical=4.2)
    assert doc.page_content == row.text and doc.id == row.chunk_id
    meta = ChunkMeta.of(doc)
    assert (meta.chunk_id, meta.start, meta.end, meta.page, meta.url) == (
        row.chunk_id, 120, 260, 3, row.url
    )
    assert (meta.rank, meta.dense, meta.lexical) == (1, 0.71, 4.2)


def test_a_document_from_elsewhere_is_refused_with_the_fix() -> None:
    from langchain_core.documents import Document

    with pytest.raises(ValueError, match="to_document"):
        ChunkMeta.of(Document(page_content="x", metadata={"title": "t"}))


def _migrations(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM migrations ORDER BY rowid")]
    finally:
        conn.close()


def test_a_new_store_records_every_migration_in_order(tmp_path: Path) -> None:
    records = Records(tmp_path / "r.sqlite")
    assert records.version() == 0
    records.close()
    assert _migrations(tmp_path / "r.sqlite") == [m.__name__ for m in RECORDS_MIGRATIONS]
    assert [m.__name__[:4] for m in RECORDS_MIGRATIONS] == ["m001", "m002", "m003", "m004", "m005"]


def test_a_store_of_m003_gets_the_feed_tables_and_keeps_its_articles(tmp_path: Path) -> None:
    path = tmp_path / "m3.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    apply_migrations(conn, RECORDS_MIGRATIONS[:3])  # a store of the release before feeds
    conn.execute(
        "INSERT INTO articles(article_id, title, source, source_path, kind, content_hash, "
        "version, pipeline, n_chunks, chars, text, pages, added_at, updated_at) "
        "VALUES ('a', 'T', 's', '/x/a.txt', 'txt', 'h', 'v', 'p', 0, 1, 'x', '[]', 'now', 'now')"
    )
    conn.close()
    records = Records(path)
    [article] = records.articles()
    assert article.article_id == "a" and article.author is None
    assert records.watched() == [] and records.poll_log() == []
    feed = records.add_watched("feed", "https://feeds.example/rss.xml")
    assert records.watched_source(feed.location) == feed
    records.close()
    assert "m004_feeds_and_watch" in _migrations(path)


def test_migration_numbers_need_not_be_contiguous(tmp_path: Path) -> None:
    """Another branch's m005 may land before or after ours: names, not counts, are kept."""
    conn = sqlite3.connect(tmp_path / "gap.sqlite", isolation_level=None)

    def m007_later(c: sqlite3.Connection) -> None:
        c.execute("CREATE TABLE later (x INTEGER)")

    assert apply_migrations(conn, [*RECORDS_MIGRATIONS[:2], m007_later]) == [
        RECORDS_MIGRATIONS[0].__name__, RECORDS_MIGRATIONS[1].__name__, "m007_later"]
    # a migration listed before one already applied is still applied (once)
    assert apply_migrations(conn, [*RECORDS_MIGRATIONS[:3], m007_later]) == [
        RECORDS_MIGRATIONS[2].__name__]


def test_a_store_made_before_migrations_is_brought_in_line(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    RECORDS_MIGRATIONS[0](conn)  # the tables as the first release made them: no label
    conn.execute(
        "INSERT INTO articles(article_id, title, source, source_path, kind, content_hash, "
        "version, pipeline, n_chunks, chars, text, pages, added_at, updated_at) "
        "VALUES ('a', 'T', 's', '/x/a.txt', 'txt', 'h', 'v', 'p', 0, 1, 'x', '[]', 'now', 'now')"
    )
    conn.close()
    records = Records(path)
    [article] = records.articles()
    assert article.article_id == "a"
    assert records.facts() == []  # the ledger table exists now
    records.close()
    assert _migrations(path) == [m.__name__ for m in RECORDS_MIGRATIONS]
    conn = sqlite3.connect(path)
    assert "label" in {r[1] for r in conn.execute("PRAGMA table_info(articles)")}
    conn.close()


def test_migrations_run_once(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.sqlite", isolation_level=None)
    assert apply_migrations(conn, RECORDS_MIGRATIONS) == [m.__name__ for m in RECORDS_MIGRATIONS]
    assert apply_migrations(conn, RECORDS_MIGRATIONS) == []


def test_a_store_that_took_m005_before_m004_gets_m004_later(tmp_path: Path) -> None:
    """m004 (feeds) and m005 (stories) were built on two branches: either may come first."""
    conn = sqlite3.connect(tmp_path / "m.sqlite", isolation_level=None)
    have = [m for m in RECORDS_MIGRATIONS if m.__name__ != "m004_feeds_and_watch"]
    assert "m005_story_groups" in apply_migrations(conn, have)
    assert apply_migrations(conn, RECORDS_MIGRATIONS) == ["m004_feeds_and_watch"]
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"watched", "feed_entries", "story_prints", "story_groups"} <= tables


def test_a_failing_migration_leaves_nothing_half_done(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.sqlite", isolation_level=None)

    def m002_broken(c: sqlite3.Connection) -> None:
        c.execute("CREATE TABLE half (x INTEGER)")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        apply_migrations(conn, [RECORDS_MIGRATIONS[0], m002_broken])
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "half" not in tables and "articles" in tables
    assert [r[0] for r in conn.execute("SELECT name FROM migrations")] == [
        RECORDS_MIGRATIONS[0].__name__
    ]


def test_a_store_from_a_newer_version_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    made = Records(path)
    made.version()  # opens the file: applies the migrations
    made.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("INSERT INTO migrations VALUES ('m099_future', 'later')")
    conn.close()
    with pytest.raises(StoreError, match="newer Trade Desk.*upgrade"):
        Records(path).articles()


def test_one_article_is_read_alone_and_matches_the_listing(tmp_path: Path) -> None:
    """``article`` reads one row (not every article) and gives what ``articles`` lists."""
    records = Records(tmp_path / "r.sqlite")
    with records._tx() as conn:
        for aid, date in (("a", "2025-01-02"), ("b", None)):
            conn.execute(
                "INSERT INTO articles(article_id, title, source, source_path, label, kind, "
                "content_hash, version, pipeline, n_chunks, chars, text, pages, added_at, "
                "updated_at, date) VALUES (?, 'T', 's', ?, ?, 'txt', 'h', 'v', 'p', 0, 1, 'x', "
                "'[]', 'now', 'now', ?)",
                (aid, f"/x/{aid}.txt", f"{aid}.txt", date),
            )
    for aid in ("a", "b"):
        records.add_source(f"/x/{aid}.txt", f"{aid}.txt", aid, None)
    records.add_source("/y/copy.txt", "Wire copy", "a", None)
    records.add_source("/y/other/a.txt", "a.txt", "a", None)
    listed = {info.article_id: info for info in records.articles()}
    assert listed["a"].also_from == ("Wire copy", "/y/other/a.txt")
    assert {aid: records.article(aid) for aid in listed} == listed
    assert records.article("missing") is None
