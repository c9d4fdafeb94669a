"""From a URL to article ``Document``s: an article page, a feed, or an OPML list of feeds.

``WebReader.read_url`` is what ``tradedesk ingest URL`` does once; the watcher
(``ingest.web.watch``) uses its steps with the state it keeps between polls (validators
for conditional GET, the entries already seen).
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field

from ingest.models import Document, Failure
from ingest.web.feeds import (
    FeedEntry,
    ParsedFeed,
    entry_article_id,
    entry_document,
    parse_feed,
    parse_opml,
    sniff_kind,
    text_document,
)
from ingest.web.fetch import Fetched, Fetcher
from ingest.web.pages import PAGE_TYPES, extract_page
from vectorstore.errors import LoaderError

__all__ = ["FeedRead", "WebReader"]


@dataclass
class FeedRead:
    """What reading one feed gave: new or changed articles, and what could not be used."""

    url: str
    title: str | None
    docs: list[Document] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    # (entry key, article id, fingerprint) of each entry made into a document
    entries: list[tuple[str, str, str]] = field(default_factory=list)
    skipped: int = 0  # entries unchanged since they were last ingested (not rebuilt)


class WebReader:
    """Reads URLs into documents.

    Args:
        fetcher: the safe fetcher (its policy decides what may be read).
        fetch_pages: when a feed entry has only a summary, fetch its linked page and
            ingest the page's main text (else the summary is the article).
        max_entries: entries read per feed.
        max_feeds: feeds read per OPML list.
    """

    def __init__(
        self, fetcher: Fetcher, *, fetch_pages: bool, max_entries: int, max_feeds: int
    ) -> None:
        self.fetcher = fetcher
        self.fetch_pages = fetch_pages
        self.max_entries = max_entries
        self.max_feeds = max_feeds

    def read_url(self, url: str) -> tuple[list[Document], list[Failure]]:
        """Everything at ``url`` as documents: one page, a feed's entries, or an OPML's.

        Failures (the URL itself, single entries, single feeds of a list) are returned,
        never raised: the rest of the batch lands.
        """
        try:
            fetched = self.fetcher.get(url)
            kind = sniff_kind(fetched)
            if kind == "opml":
                urls, failures = parse_opml(fetched, max_feeds=self.max_feeds)
                docs: list[Document] = []
                for feed_url in urls:
                    got, failed = self._read_feed_url(feed_url)
                    docs += got
                    failures += failed
                return docs, failures
            if kind == "feed":
                read = self.feed_documents(fetched)
                return read.docs, read.failures
            return [self.page_document(fetched)], []
        except LoaderError as exc:
            return [], [Failure(url, str(exc))]

    def _read_feed_url(self, url: str) -> tuple[list[Document], list[Failure]]:
        try:
            fetched = self.fetcher.get(url)
            if sniff_kind(fetched) != "feed":
                raise LoaderError(f"{url} is listed as a feed but is not an RSS or Atom feed")
            read = self.feed_documents(fetched)
        except LoaderError as exc:
            return [], [Failure(url, str(exc))]
        return read.docs, read.failures

    @staticmethod
    def page_document(fetched: Fetched) -> Document:
        """The article of a fetched page (HTML) or plain-text URL.

        Raises:
            LoaderError: no article text.
        """
        if sniff_kind(fetched) == "text":
            return text_document(fetched)
        return extract_page(fetched)

    def feed_documents(
        self,
        fetched: Fetched,
        *,
        known: Mapping[str, tuple[str, str]] | None = None,
        present: Set[str] = frozenset(),
    ) -> FeedRead:
        """The entries of a fetched feed as documents.

        Args:
            fetched: the feed.
            known: ``entry key -> (article id, fingerprint)`` of entries ingested before;
                an entry whose fingerprint is unchanged and whose article is still
                ``present`` is skipped (its page is not fetched again).
            present: the article ids in the store.

        Raises:
            LoaderError: the body is not a feed.
        """
        feed = parse_feed(fetched, max_entries=self.max_entries)
        read = FeedRead(url=feed.url, title=feed.title, failures=list(feed.failures))
        for entry in feed.entries:
            article_id = entry_article_id(entry)
            if known and known.get(entry.key) == (article_id, entry.fingerprint) and (
                article_id in present
            ):
                read.skipped += 1
                continue
            try:
                doc = self._entry(entry, feed)
            except LoaderError as exc:
                read.failures.append(Failure(f"{feed.url} entry {entry.title or entry.key}",
                                             str(exc)))
                continue
            read.docs.append(doc)
            read.entries.append((entry.key, doc.article_id, entry.fingerprint))
        return read

    def _entry(self, entry: FeedEntry, feed: ParsedFeed) -> Document:
        if entry.full or not self.fetch_pages or not entry.link:
            return entry_document(entry, feed)
        try:
            page = self.fetcher.get(entry.link, accept=sorted(PAGE_TYPES | {"text/plain"}))
            doc = self.page_document(page)
        except LoaderError as exc:
            raise LoaderError(
                f"only a summary is in the feed and its page could not be read ({exc}); it "
                "is tried again at the next poll (TRADEDESK_FEED_FETCH_PAGES=false ingests "
                "the summaries instead)"
            ) from exc
        return entry_document(entry, feed, page=doc)
