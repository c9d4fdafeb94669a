"""Watched sources (feeds and folders), the feed entries already seen, and the poll log.

Kept in the records file beside the articles, so a restart carries on where the last
poll stopped: each feed's validators (``ETag``, ``Last-Modified``) for conditional GET,
its error count and the time before which it is not tried again (backoff), and for
every entry the article it became and a fingerprint of what the feed said about it
(an entry whose fingerprint is unchanged is not fetched or parsed into an article again).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.records.base import Database, now

__all__ = ["FeedRecords", "LogRow", "WatchedSource", "source_id"]

LOG_KEEP = 5000  # poll log rows kept (the oldest are dropped)


def source_id(kind: str, location: str) -> str:
    """The id of a watched source: its kind and a hash of its URL or folder path."""
    return f"{kind}-" + hashlib.sha1(location.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class WatchedSource:
    """A feed (or OPML list of feeds) or a folder that ``poll`` reads."""

    source_id: str
    kind: str  # "feed" (RSS, Atom or an OPML list) or "folder"
    location: str  # the URL or the absolute folder path
    parent: str | None  # the OPML list it was found in, if any
    title: str | None
    added_at: str
    etag: str | None
    last_modified: str | None
    last_polled_at: str | None
    last_ok_at: str | None
    failures: int
    next_poll_at: str | None
    last_error: str | None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class LogRow:
    """What one poll did with one source."""

    poll_id: str
    at: str
    location: str
    status: str  # "ok", "not-modified", "failed", "backoff"
    added: int
    updated: int
    unchanged: int
    failed: int
    detail: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return dict(self.__dict__)


_COLUMNS = (
    "source_id, kind, location, parent, title, added_at, etag, last_modified, "
    "last_polled_at, last_ok_at, failures, next_poll_at, last_error"
)


class FeedRecords(Database):
    """Watched sources, seen feed entries and the poll log (see module docstring)."""

    def watching(self) -> bool:
        """Whether the app's background watcher should poll this store (the *Watch* toggle)."""
        return self.get_meta("watch") == "on"

    def set_watching(self, on: bool) -> None:
        """Switch the app's background watcher on or off, for every app process of the store."""
        self.set_meta("watch", "on" if on else "off")

    def watched(self, kind: str | None = None) -> list[WatchedSource]:
        """The watched sources (of one kind, or all), in the order they were added."""
        where, args = ("WHERE kind=?", (kind,)) if kind else ("", ())
        rows = self._read(f"SELECT {_COLUMNS} FROM watched {where} ORDER BY rowid", args)
        return [WatchedSource(**dict(r)) for r in rows]

    def watched_source(self, key: str) -> WatchedSource | None:
        """The watched source whose id or location is ``key``."""
        rows = self._read(
            f"SELECT {_COLUMNS} FROM watched WHERE source_id=? OR location=?", (key, key)
        )
        return WatchedSource(**dict(rows[0])) if rows else None

    def add_watched(
        self, kind: str, location: str, *, parent: str | None = None, title: str | None = None
    ) -> WatchedSource:
        """Watch a source (nothing changes when it is already watched); returns it."""
        sid = source_id(kind, location)
        with self._tx() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO watched(source_id, kind, location, parent, title, "
                "added_at) VALUES (?, ?, ?, ?, ?, ?)",
                (sid, kind, location, parent, title, now()),
            )
        found = self.watched_source(sid)
        assert found is not None
        return found

    def remove_watched(self, sid: str) -> bool:
        """Stop watching a source (and the feeds an OPML list brought); its articles stay."""
        with self._tx() as conn:
            gone = conn.execute("DELETE FROM watched WHERE source_id=?", (sid,)).rowcount
        return bool(gone)

    def prune_children(self, parent: str, keep: Sequence[str]) -> None:
        """Forget the feeds of an OPML list that it no longer lists (articles stay)."""
        with self._tx() as conn:
            marks = ",".join("?" * len(keep))
            conn.execute(
                f"DELETE FROM watched WHERE parent=? AND source_id NOT IN ({marks})",
                (parent, *keep),
            )

    def record_success(
        self,
        sid: str,
        *,
        etag: str | None,
        last_modified: str | None,
        title: str | None = None,
        keep_validators: bool = True,
    ) -> None:
        """A poll of the source worked: no backoff; validators kept for the next one.

        With ``keep_validators=False`` the validators are cleared (some entries failed:
        the next poll must fetch the whole feed again, not get a 304).
        """
        stamp = now()
        with self._tx() as conn:
            conn.execute(
                "UPDATE watched SET etag=?, last_modified=?, title=COALESCE(?, title), "
                "last_polled_at=?, last_ok_at=?, failures=0, next_poll_at=NULL, "
                "last_error=NULL WHERE source_id=?",
                (etag if keep_validators else None,
                 last_modified if keep_validators else None, title, stamp, stamp, sid),
            )

    def record_failure(self, sid: str, error: str, next_poll_at: str | None) -> int:
        """A poll of the source failed: count it and note when to try again.

        Returns:
            The number of failures in a row, this one included.
        """
        with self._tx() as conn:
            conn.execute(
                "UPDATE watched SET failures=failures+1, last_polled_at=?, last_error=?, "
                "next_poll_at=? WHERE source_id=?",
                (now(), error[:1000], next_poll_at, sid),
            )
            row = conn.execute(
                "SELECT failures FROM watched WHERE source_id=?", (sid,)
            ).fetchone()
        return int(row[0]) if row else 0

    def set_backoff(self, sid: str, next_poll_at: str | None) -> None:
        """Set when the source is tried again (after ``record_failure``)."""
        with self._tx() as conn:
            conn.execute(
                "UPDATE watched SET next_poll_at=? WHERE source_id=?", (next_poll_at, sid)
            )

    # -- feed entries -------------------------------------------------------------------

    def entry_fingerprints(self, sid: str) -> dict[str, tuple[str, str]]:
        """``entry_key -> (article_id, fingerprint)`` of the entries seen in a feed."""
        rows = self._read(
            "SELECT entry_key, article_id, fingerprint FROM feed_entries WHERE source_id=?",
            (sid,),
        )
        return {r["entry_key"]: (r["article_id"], r["fingerprint"]) for r in rows}

    def remember_entries(self, sid: str, entries: Sequence[tuple[str, str, str]]) -> None:
        """Note ``(entry_key, article_id, fingerprint)`` of entries now in the store."""
        stamp = now()
        with self._tx() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO feed_entries(source_id, entry_key, article_id, "
                "fingerprint, seen_at) VALUES (?, ?, ?, ?, ?)",
                [(sid, key, aid, fp, stamp) for key, aid, fp in entries],
            )

    # -- the poll log --------------------------------------------------------------------

    def log_poll(self, rows: Sequence[LogRow]) -> None:
        """Append a poll's rows to the log (the oldest rows beyond ``LOG_KEEP`` go)."""
        with self._tx() as conn:
            conn.executemany(
                "INSERT INTO poll_log(poll_id, at, location, status, added, updated, "
                "unchanged, failed, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(r.poll_id, r.at, r.location, r.status, r.added, r.updated, r.unchanged,
                  r.failed, r.detail[:2000]) for r in rows],
            )
            conn.execute(
                "DELETE FROM poll_log WHERE id <= (SELECT MAX(id) FROM poll_log) - ?",
                (LOG_KEEP,),
            )

    def poll_log(self, limit: int = 50) -> list[LogRow]:
        """The latest poll log rows, newest first."""
        rows = self._read(
            "SELECT poll_id, at, location, status, added, updated, unchanged, failed, detail "
            "FROM poll_log ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [LogRow(**dict(r)) for r in rows]

    def forget_feed_state(self) -> None:
        """Clear the feeds' validators and seen entries (the feeds stay watched).

        The next poll then fetches every feed in full and ingests its entries again.
        """
        with self._tx() as conn:
            conn.execute("DELETE FROM feed_entries")
            conn.execute("UPDATE watched SET etag=NULL, last_modified=NULL")
