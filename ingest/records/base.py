"""The records database: one SQLite file, its connection, transactions and errors.

``Database`` opens the file (WAL, foreign keys), applies the numbered migrations,
and turns SQLite and OS errors into ``StoreError``s that name the cause and the fix.
The record kinds (articles and chunks, the journal, the fact ledger) build on it.
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

from ingest.records.migrations import RECORDS_MIGRATIONS, apply_migrations
from vectorstore.errors import StoreError

__all__ = ["Database", "now"]


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Database:
    """The SQLite records of one store.

    Args:
        path: the SQLite file (created with its folder when missing).
        timeout: seconds to wait for a writer in another process.
    """

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
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA foreign_keys=ON")
                apply_migrations(conn, RECORDS_MIGRATIONS)
            except (sqlite3.Error, OSError) as exc:
                raise self._error("open", exc) from exc
            except ValueError as exc:  # written by a newer version
                raise StoreError(f"Cannot open the ingest records at {self.path}: {exc}.") from exc
            self._conn = conn
            return conn

    def _error(self, action: str, exc: Exception) -> StoreError:
        text = str(exc).lower()
        folder = self.path.parent
        if "unable to open" in text and folder.exists() and not os.access(folder, os.W_OK):
            text = "read-only"
        if "readonly" in text or "read-only" in text or "permission" in text:
            fix = (
                f"the data folder {folder} is read-only or not writable: make it writable "
                "or set TRADEDESK_HOME to a writable folder"
            )
        elif "disk" in text and ("full" in text or "i/o" in text) or "no space" in text:
            fix = "free disk space, then run `tradedesk doctor`"
        elif "malformed" in text or "not a database" in text or "corrupt" in text:
            fix = "run `tradedesk rebuild` to re-create the records from the sources"
        elif "locked" in text or "busy" in text:
            fix = "another process holds the records; retry when it has finished"
        else:
            fix = "run `tradedesk doctor` to check the store"
        return StoreError(f"Could not {action} the ingest records at {self.path} ({exc}): {fix}.")

    @contextmanager
    def _tx(self, action: str = "write") -> Iterator[sqlite3.Connection]:
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
        """Close the connection."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

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
