"""Polling the watched feeds and folders: one poll at a time per store, logged.

A poll holds the store's ingest lock from start to end (a second poll, or an ingest,
waits for it), and for each watched source that is due:

- a **feed** is fetched with its stored ``ETag`` / ``Last-Modified`` (conditional GET;
  a ``304`` costs nothing more); its new or changed entries become articles (an entry
  whose fingerprint is unchanged is skipped without fetching its page); an **OPML**
  list adds the feeds it lists as sources of their own, polled in the same poll;
- a **folder** is ingested like ``tradedesk ingest FOLDER`` (unchanged files cost a
  read and a hash, no embedding).

Then every article goes through the ordinary pipeline in one ``ingest_documents``
(crash-safe: each article ends in its old or its new version), and only after that
are the feeds' validators and seen entries stored: a poll killed half-way fetches in
full again next time, it never skips what it did not finish. A source that fails (down,
garbage, refused) is logged, counted, and not tried again before its backoff
(``interval * 2**(failures-1)``, at most ``max_backoff``) has passed. Nothing is ever
removed because a feed stopped listing an entry or a file left a folder.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.models import Document, IngestReport
from ingest.pipeline import Ingestor
from ingest.records import LogRow, Records, WatchedSource
from ingest.records.base import now
from ingest.web.feeds import parse_opml, sniff_kind
from ingest.web.reader import FeedRead, WebReader
from vectorstore.errors import AssistantError, FetchError, LoaderError

__all__ = ["PollReport", "Poller", "Watcher"]

log = logging.getLogger(__name__)


@dataclass
class PollReport:
    """What one poll did: one log row per source, and the ingest it ran."""

    poll_id: str
    rows: list[LogRow] = field(default_factory=list)
    report: IngestReport = field(default_factory=IngestReport)
    fetched: int = 0  # feeds answered with a body (200)
    not_modified: int = 0  # feeds answered 304

    @property
    def failed(self) -> list[LogRow]:
        """The sources that failed (or whose entries partly did)."""
        return [r for r in self.rows if r.status == "failed" or r.failed]

    def summary(self) -> str:
        """One line: sources polled and what landed."""
        r = self.report
        return (
            f"{len(self.rows)} sources: {self.fetched} fetched, {self.not_modified} not "
            f"modified, {sum(1 for x in self.rows if x.status == 'failed')} failed, "
            f"{sum(1 for x in self.rows if x.status == 'backoff')} waiting (backoff); "
            f"articles added {len(r.added)}, updated {len(r.updated)}, "
            f"{r.embedded} chunks embedded"
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "poll_id": self.poll_id,
            "sources": [r.to_dict() for r in self.rows],
            "fetched": self.fetched,
            "not_modified": self.not_modified,
            "ingest": self.report.to_dict(),
        }


@dataclass
class _Pending:
    """A source's part of this poll, settled once the articles are written."""

    source: WatchedSource
    read: FeedRead | None = None
    etag: str | None = None
    last_modified: str | None = None
    title: str | None = None
    detail: str = ""
    opml: bool = False  # an OPML list: its feeds are sources of their own


def _later(seconds: float) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)).isoformat(
        timespec="seconds")


class Poller:
    """One poll of a store's watched sources (see the module docstring).

    Args:
        ingestor: the store's pipeline (its lock serialises polls and ingests).
        records: the store's records (watched sources, seen entries, the log).
        reader: reads feeds and pages.
        interval: seconds between polls; the first backoff step.
        max_backoff: the longest a failing source waits.
    """

    def __init__(
        self,
        ingestor: Ingestor,
        records: Records,
        reader: WebReader,
        *,
        interval: float,
        max_backoff: float,
    ) -> None:
        self.ingestor = ingestor
        self.records = records
        self.reader = reader
        self.interval = interval
        self.max_backoff = max_backoff

    def poll(self, *, force: bool = False) -> PollReport:
        """Poll every due source once (``force``: also those waiting out a backoff)."""
        out = PollReport(poll_id=uuid.uuid4().hex[:12])
        with self.ingestor.locked():
            self.ingestor.repair()
            queue = [s for s in self.records.watched() if force or self._due(s)]
            waiting = [s for s in self.records.watched() if s not in queue]
            pending: list[_Pending] = []
            folders: list[WatchedSource] = []
            done: set[str] = set()
            present = set(self.records.versions())
            while queue:
                source = queue.pop(0)
                if source.source_id in done:
                    continue
                done.add(source.source_id)
                if source.kind == "folder":
                    folders.append(source)
                    continue
                step = self._fetch_feed(source, present, out)
                if step is None:
                    continue
                pending.append(step)
                if step.opml:
                    queue += [s for s in self.records.watched("feed")
                              if s.parent == source.source_id and s.source_id not in done
                              and (force or self._due(s))]
            docs = self._unique_docs(pending, out)
            report = self.ingestor.ingest_documents(docs) if docs else IngestReport()
            out.report = report
            for step in pending:
                out.rows.append(self._settle(step, report, out.poll_id))
            for folder in folders:
                out.rows.append(self._poll_folder(folder, out))
            for source in waiting:
                out.rows.append(LogRow(
                    out.poll_id, now(), source.location, "backoff", 0, 0, 0, 0,
                    f"failed {source.failures} times in a row; next try after "
                    f"{source.next_poll_at}: {source.last_error or ''}"[:500],
                ))
            self.records.log_poll(out.rows)
        return out

    # -- steps -----------------------------------------------------------------------------

    @staticmethod
    def _due(source: WatchedSource) -> bool:
        return not source.next_poll_at or source.next_poll_at <= now()

    def _fail(self, source: WatchedSource, error: str, out: PollReport) -> None:
        failures = self.records.record_failure(source.source_id, error, None)
        wait = min(self.interval * 2 ** (failures - 1), self.max_backoff)
        self.records.set_backoff(source.source_id, _later(wait))
        out.rows.append(LogRow(out.poll_id, now(), source.location, "failed", 0, 0, 0, 1,
                               f"{error} (failure {failures} in a row; next try in "
                               f"{wait:g} s)"))
        log.warning("poll of %s failed: %s", source.location, error)

    def _fetch_feed(
        self, source: WatchedSource, present: set[str], out: PollReport
    ) -> _Pending | None:
        try:
            fetched = self.reader.fetcher.get(
                source.location, etag=source.etag, last_modified=source.last_modified
            )
            if fetched.not_modified:
                out.not_modified += 1
                self.records.record_success(
                    source.source_id, etag=fetched.etag or source.etag,
                    last_modified=fetched.last_modified or source.last_modified,
                )
                out.rows.append(LogRow(out.poll_id, now(), source.location, "not-modified",
                                       0, 0, 0, 0, "HTTP 304: nothing new"))
                return None
            out.fetched += 1
            step = _Pending(source, etag=fetched.etag, last_modified=fetched.last_modified)
            kind = sniff_kind(fetched)
            if kind == "opml":
                urls, failures = parse_opml(fetched, max_feeds=self.reader.max_feeds)
                keep = [self.records.add_watched("feed", u, parent=source.source_id).source_id
                        for u in urls]
                self.records.prune_children(source.source_id, keep)
                step.opml = True
                step.detail = f"lists {len(urls)} feeds" + "".join(
                    f"; {f.path}: {f.reason}" for f in failures)
                return step
            if kind == "feed":
                step.read = self.reader.feed_documents(
                    fetched, known=self.records.entry_fingerprints(source.source_id),
                    present=present,
                )
                step.title = step.read.title
                return step
            # A watched page: re-read it at every poll (its content hash decides).
            doc = self.reader.page_document(fetched)
            step.read = FeedRead(url=source.location, title=doc.title, docs=[doc])
            step.title = doc.title
            return step
        except (FetchError, LoaderError) as exc:
            self._fail(source, str(exc), out)
            return None

    @staticmethod
    def _unique_docs(pending: list[_Pending], out: PollReport) -> list[Document]:
        """The poll's documents, each article once (two feeds may list the same entry)."""
        docs: dict[str, Document] = {}
        for step in pending:
            for doc in step.read.docs if step.read else []:
                docs.setdefault(doc.article_id, doc)
        return list(docs.values())

    def _settle(self, step: _Pending, report: IngestReport, poll_id: str) -> LogRow:
        """Store a feed's validators and seen entries now that its articles are written."""
        source, read = step.source, step.read
        if step.opml or read is None:
            self.records.record_success(source.source_id, etag=step.etag,
                                        last_modified=step.last_modified)
            return LogRow(poll_id, now(), source.location, "ok", 0, 0, 0, 0, step.detail)
        stored = set(report.added) | set(report.updated) | set(report.unchanged)
        landed = [e for e in read.entries if e[1] in stored]
        self.records.remember_entries(source.source_id, landed)
        ids = {e[1] for e in read.entries} | {d.article_id for d in read.docs}
        added = len(ids & set(report.added))
        updated = len(ids & set(report.updated))
        unchanged = len(ids & set(report.unchanged)) + read.skipped
        # With failed entries the validators are not kept: the next poll must fetch the
        # whole feed again (a 304 would never retry them).
        self.records.record_success(
            source.source_id, etag=step.etag, last_modified=step.last_modified,
            title=step.title, keep_validators=not read.failures,
        )
        detail = "; ".join(f"{f.path}: {f.reason}" for f in read.failures)
        return LogRow(poll_id, now(), source.location, "ok", added, updated, unchanged,
                      len(read.failures), detail)

    def _poll_folder(self, source: WatchedSource, out: PollReport) -> LogRow:
        path = Path(source.location)
        if not path.is_dir():
            self._fail(source, f"the folder {path} does not exist (any more)", out)
            return out.rows.pop()
        try:
            report = self.ingestor.ingest([path])
        except AssistantError as exc:
            self._fail(source, str(exc), out)
            return out.rows.pop()
        self.records.record_success(source.source_id, etag=None, last_modified=None)
        merged = out.report
        merged.added += report.added
        merged.updated += report.updated
        merged.unchanged += report.unchanged
        merged.failed += report.failed
        merged.chunks_written += report.chunks_written
        merged.embedded += report.embedded
        merged.repaired += report.repaired
        return LogRow(
            out.poll_id, now(), source.location, "ok", len(report.added), len(report.updated),
            len(report.unchanged), len(report.failed),
            "; ".join(f"{f.path}: {f.reason}" for f in report.failed),
        )


class Watcher:
    """Polls on an interval, in the calling thread (``run``) or a background one (``start``).

    Args:
        poll: one poll (``Assistant.poll``).
        interval: seconds between the start of one poll and the next.
        on_poll: called with each poll's report (or with the error that stopped one).
        enabled: asked before each poll; when it says no, the watcher stops instead (the
            app's toggle, stored in the records, switched off by another process). An
            error asking it counts as yes.
    """

    def __init__(
        self,
        poll: Callable[[], PollReport],
        *,
        interval: float,
        on_poll: Callable[[PollReport | AssistantError], None] | None = None,
        enabled: Callable[[], bool] | None = None,
    ) -> None:
        self.poll = poll
        self.interval = interval
        self.on_poll = on_poll
        self.enabled = enabled
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last: PollReport | AssistantError | None = None

    def run(self, *, max_polls: int | None = None) -> None:
        """Poll until ``stop()`` (or ``max_polls`` polls); an error is reported, not raised."""
        polls = 0
        while not self._stop.is_set():
            if not self._enabled():
                log.info("watching was switched off in the store: the watcher stops")
                return
            try:
                result: PollReport | AssistantError = self.poll()
            except AssistantError as exc:  # e.g. another ingest holds the lock too long
                result = exc
                log.warning("poll failed: %s", exc)
            self.last = result
            if self.on_poll is not None:
                self.on_poll(result)
            polls += 1
            if max_polls is not None and polls >= max_polls:
                return
            self._stop.wait(self.interval)

    def _enabled(self) -> bool:
        if self.enabled is None:
            return True
        try:
            return self.enabled()
        except AssistantError as exc:
            log.warning("could not read whether watching is on: %s", exc)
            return True

    @property
    def running(self) -> bool:
        """True while the background thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Poll in a daemon thread (nothing happens when it already runs)."""
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="tradedesk-watch", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop after the poll under way (waits up to ``timeout`` seconds for it)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if not self._thread.is_alive():
                self._thread = None
