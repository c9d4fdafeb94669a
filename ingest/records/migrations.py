"""Numbered schema migrations, applied in order and recorded in the database.

Each migration is a function ``mNNN_name(conn)``; ``apply_migrations`` runs those not
yet recorded in the ``migrations`` table, each in its own transaction, in order. A
migration is written once and never edited: a change to the schema is a new one.
Databases made before migrations were recorded (their tables created ad hoc) are
brought in line by migrations that check what is there before changing it.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Sequence

__all__ = ["Migration", "RECORDS_MIGRATIONS", "apply_migrations"]

Migration = Callable[[sqlite3.Connection], None]


def _script(conn: sqlite3.Connection, sql: str) -> None:
    """Run statements one by one (``executescript`` would commit the migration's transaction)."""
    for statement in sql.split(";"):
        if statement.strip():
            conn.execute(statement)


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}


def m001_articles_and_chunks(conn: sqlite3.Connection) -> None:
    """Articles, their chunks and source files, the write journal and the meta table."""
    _script(
        conn,
        """
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS articles (
            article_id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            source TEXT NOT NULL,
            date TEXT,
            url TEXT,
            source_path TEXT NOT NULL,
            kind TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            version TEXT NOT NULL,
            pipeline TEXT NOT NULL,
            n_chunks INTEGER NOT NULL,
            chars INTEGER NOT NULL,
            text TEXT NOT NULL,
            pages TEXT NOT NULL,
            added_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS articles_source ON articles(source_path);
        CREATE TABLE IF NOT EXISTS chunks (
            chunk_id TEXT PRIMARY KEY,
            article_id TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            tokens INTEGER NOT NULL,
            page INTEGER,
            text TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id, idx);
        CREATE TABLE IF NOT EXISTS sources (
            path TEXT NOT NULL,
            label TEXT NOT NULL,
            article_id TEXT NOT NULL,
            sha256 TEXT,
            PRIMARY KEY (path, label)
        );
        CREATE INDEX IF NOT EXISTS sources_sha ON sources(sha256);
        CREATE INDEX IF NOT EXISTS sources_article ON sources(article_id);
        CREATE TABLE IF NOT EXISTS pending (
            chunk_id TEXT PRIMARY KEY,
            article_id TEXT NOT NULL,
            op TEXT NOT NULL
        );
        """
    )


def m002_article_labels(conn: sqlite3.Connection) -> None:
    """Articles get the display label of their source (uploads keep their original name)."""
    if "label" not in _columns(conn, "articles"):
        conn.execute("ALTER TABLE articles ADD COLUMN label TEXT NOT NULL DEFAULT ''")


def m003_fact_ledger(conn: sqlite3.Connection) -> None:
    """The fact ledger: every figure of every article, with its subject and period."""
    _script(
        conn,
        """
        CREATE TABLE IF NOT EXISTS facts (
            fact_id TEXT PRIMARY KEY,
            article_id TEXT NOT NULL,
            idx INTEGER NOT NULL,
            value REAL NOT NULL,
            unit TEXT NOT NULL,
            kind TEXT NOT NULL,
            reporter TEXT,
            partner TEXT,
            flow TEXT,
            sector TEXT,
            city TEXT,
            period_start TEXT,
            period_end TEXT,
            period_label TEXT,
            figure TEXT NOT NULL,
            sentence TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            fig_start INTEGER NOT NULL,
            fig_end INTEGER NOT NULL,
            article_date TEXT
        );
        CREATE INDEX IF NOT EXISTS facts_article ON facts(article_id);
        CREATE INDEX IF NOT EXISTS facts_subject ON facts(reporter, partner, flow, kind);
        """
    )


def m004_feeds_and_watch(conn: sqlite3.Connection) -> None:
    """Watched feeds and folders, the feed entries seen, the poll log; article authors."""
    if "author" not in _columns(conn, "articles"):
        conn.execute("ALTER TABLE articles ADD COLUMN author TEXT")
    _script(
        conn,
        """
        CREATE TABLE IF NOT EXISTS watched (
            source_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            location TEXT NOT NULL UNIQUE,
            parent TEXT REFERENCES watched(source_id) ON DELETE CASCADE,
            title TEXT,
            added_at TEXT NOT NULL,
            etag TEXT,
            last_modified TEXT,
            last_polled_at TEXT,
            last_ok_at TEXT,
            failures INTEGER NOT NULL DEFAULT 0,
            next_poll_at TEXT,
            last_error TEXT
        );
        CREATE TABLE IF NOT EXISTS feed_entries (
            source_id TEXT NOT NULL REFERENCES watched(source_id) ON DELETE CASCADE,
            entry_key TEXT NOT NULL,
            article_id TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            seen_at TEXT NOT NULL,
            PRIMARY KEY (source_id, entry_key)
        );
        CREATE TABLE IF NOT EXISTS poll_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            poll_id TEXT NOT NULL,
            at TEXT NOT NULL,
            location TEXT NOT NULL,
            status TEXT NOT NULL,
            added INTEGER NOT NULL DEFAULT 0,
            updated INTEGER NOT NULL DEFAULT 0,
            unchanged INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            detail TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX IF NOT EXISTS poll_log_at ON poll_log(at)
        """,
    )


def m005_story_groups(conn: sqlite3.Connection) -> None:
    """Near-duplicate stories: each article's print, the pairs found, the story groups.

    Migrations are applied and recorded by name (a store may have taken m005 before
    m004, when the two were built on separate branches): numbers need not be contiguous.
    """
    _script(
        conn,
        """
        CREATE TABLE IF NOT EXISTS story_prints (
            article_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            signature BLOB NOT NULL,
            figures TEXT NOT NULL,
            seq INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS near_duplicates (
            a TEXT NOT NULL,
            b TEXT NOT NULL,
            similarity REAL NOT NULL,
            PRIMARY KEY (a, b)
        );
        CREATE INDEX IF NOT EXISTS near_duplicates_b ON near_duplicates(b);
        CREATE TABLE IF NOT EXISTS story_groups (
            article_id TEXT PRIMARY KEY,
            group_id TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS story_groups_group ON story_groups(group_id);
        """
    )


RECORDS_MIGRATIONS: tuple[Migration, ...] = (
    m001_articles_and_chunks,
    m002_article_labels,
    m003_fact_ledger,
    m004_feeds_and_watch,
    m005_story_groups,
)
"""The records' schema, in order."""


def apply_migrations(
    conn: sqlite3.Connection, migrations: Sequence[Migration], *, table: str = "migrations"
) -> list[str]:
    """Apply the migrations not yet recorded in ``table``, in order; returns their names.

    ``conn`` must be in autocommit mode (``isolation_level=None``): each migration runs
    in its own ``BEGIN IMMEDIATE`` transaction with its record, so two processes opening
    the same new database apply each migration once.

    Raises:
        ValueError: the database records a migration this code does not know (it was
            written by a newer version).
    """
    names = [m.__name__ for m in migrations]
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {table} "
        "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    done = {r[0] for r in conn.execute(f"SELECT name FROM {table}")}
    unknown = sorted(done - set(names))
    if unknown:
        raise ValueError(
            f"the database was written by a newer Trade Desk (it has migrations {unknown}); "
            "upgrade Trade Desk to open it"
        )
    applied = []
    for migration in migrations:
        name = migration.__name__
        if name in done:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute(f"SELECT 1 FROM {table} WHERE name=?", (name,)).fetchone():
                conn.execute("ROLLBACK")  # another process applied it meanwhile
                continue
            migration(conn)
            conn.execute(
                f"INSERT INTO {table}(name, applied_at) VALUES (?, ?)",
                (name, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        applied.append(name)
    return applied
