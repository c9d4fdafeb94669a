"""The records database: one SQLite file, its connection, transactions and errors.

``SQLiteFile`` opens a file (WAL, foreign keys), applies its numbered migrations,
and turns SQLite and OS errors into ``StoreError``s that name the cause and the fix;
``Database`` is the records' file. The record kinds (articles and chunks, the journal,
the fact ledger) build on ``Database``; the conversation history
(``assistant.conversations``) on ``SQLiteFile``, with its own migrations.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ingest.records.migrations import RECORDS_MIGRATIONS, Migration, apply_migrations
from vectorstore.errors import StoreError

__all__ = ["Database", "SQLiteFile", "error_cause", "now"]


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def error_cause(exc: Exception, folder: Path) -> str:
    """What an SQLite or OS error of a file in ``folder`` means, as one of a few causes.

    Returns:
        ``"not-writable"``, ``"disk-full"``, ``"damaged"``, ``"locked"`` or ``"other"``.
    """
    text = str(exc).lower()
    if "unable to open" in text and folder.exists() and not os.access(folder, os.W_OK):
        return "not-writable"
    if "readonly" in text or "read-only" in text or "permission" in text:
        return "not-writable"
    if isinstance(exc, (NotADirectoryError, FileExistsError)):
        return "not-writable"  # a file where the folder should be: it cannot be made
    if "disk" in text and ("full" in text or "i/o" in text) or "no space" in text:
        return "disk-full"
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return "damaged"
    if "locked" in text or "busy" in text:
        return "locked"
    return "other"


class SQLiteFile:
    """One SQLite file of a store: its connection, numbered migrations, transactions, errors.

    The file is opened on first use (WAL journal, foreign keys on, ``synchronous`` as the
    class says) and its ``schema`` migrations are applied (``apply_migrations``). SQLite and OS
    errors become ``StoreError``s that name the file, the cause and the fix
    (``_fix``). The ingest records (``Database``) and the conversation history
    (``assistant.conversations``) are both built on it.

    Args:
        path: the SQLite file (created with its folder when missing).
        timeout: seconds to wait for a writer in another process.
    """

    schema: tuple[Migration, ...] = ()
    """The schema, in order (each class has its own list, recorded in its own file)."""
    synchronous = "NORMAL"
    what = "the ingest records"
    """The file in messages: "Could not open {what} at {path} ..."."""
    writing = "write"
    """The action a failed transaction names, unless it names its own."""

    def __init__(self, path: Path, *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        with self._lock:
            if self._conn is not None:
                return self._conn
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(
                    self.path, timeout=self.timeout, check_same_thread=False,
                    isolation_level=None,
                )
                try:
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.execute(f"PRAGMA synchronous={self.synchronous}")
                    conn.execute("PRAGMA foreign_keys=ON")
                    apply_migrations(conn, self.schema)
                except BaseException:
                    conn.close()
                    raise
            except (sqlite3.Error, OSError) as exc:
                raise self._error("open", exc) from exc
            except ValueError as exc:  # written by a newer version
                raise StoreError(f"Cannot open {self.what} at {self.path}: {exc}.") from exc
            self._conn = conn
            return conn

    def _fix(self, cause: str) -> str:
        """What to do about an error of ``cause`` (see ``error_cause``)."""
        folder = self.path.parent
        return {
            "not-writable": (
                f"the data folder {folder} is read-only or not writable: make it writable "
                "or set TRADEDESK_HOME to a writable folder"
            ),
            "disk-full": "free disk space, then run `tradedesk doctor`",
            "damaged": "run `tradedesk rebuild` to re-create the records from the sources",
            "locked": "another process holds the records; retry when it has finished",
        }.get(cause, "run `tradedesk doctor` to check the store")

    def _error(self, action: str, exc: Exception) -> StoreError:
        fix = self._fix(error_cause(exc, self.path.parent))
        return StoreError(f"Could not {action} {self.what} at {self.path} ({exc}): {fix}.")

    @contextmanager
    def _tx(self, action: str | None = None) -> Iterator[sqlite3.Connection]:
        action = action or self.writing
        conn = self._connect()
        with self._lock:
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except (sqlite3.Error, OSError) as exc:
                raise self._error(action, exc) from exc

    def _read(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        conn = self._connect()
        with self._lock:
            try:
                cur = conn.execute(sql, tuple(args))
                cur.row_factory = sqlite3.Row
                return list(cur.fetchall())
            except (sqlite3.Error, OSError) as exc:
                raise self._error("read", exc) from exc

    def close(self) -> None:
        """Close the connection (the next use opens it again)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def applied_migrations(self) -> list[str]:
        """The names of the applied migrations, in order."""
        return [r["name"] for r in self._read("SELECT name FROM migrations ORDER BY rowid")]


class Database(SQLiteFile):
    """The SQLite records of one store (numbered migrations: ``RECORDS_MIGRATIONS``).

    Args:
        path: the SQLite file (created with its folder when missing).
        timeout: seconds to wait for a writer in another process.
    """

    schema = RECORDS_MIGRATIONS

    def discard(self) -> Path | None:
        """Move a damaged records file aside (kept for inspection); the next use starts empty.

        Returns:
            Where the old file went, or None when there was none.
        """
        import time as _time

        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.close()
                except sqlite3.Error:
                    pass
                self._conn = None
            if not self.path.exists():
                return None
            aside = self.path.with_name(f"{self.path.name}.damaged-{int(_time.time())}")
            self.path.replace(aside)
            for suffix in ("-wal", "-shm"):
                extra = Path(str(self.path) + suffix)
                if extra.exists():
                    extra.replace(Path(str(aside) + suffix))
            return aside

    # -- meta ----------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        """A value of the meta table."""
        rows = self._read("SELECT value FROM meta WHERE key=?", (key,))
        return rows[0]["value"] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        """Set a value of the meta table."""
        with self._tx() as conn:
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def version(self) -> int:
        """The content version: it increases with every change to articles or chunks."""
        value = self.get_meta("version")
        return int(value) if value else 0

    @staticmethod
    def _bump(conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO meta(key, value) VALUES ('version', '1') ON CONFLICT(key) DO UPDATE "
            "SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
        )
