"""RSS 2.0, Atom and OPML: what a fetched URL is, and its entries as articles.

``sniff_kind`` tells a feed, an OPML list of feeds, an HTML page and plain text apart
by content type *and* content (servers often send feeds as ``text/html`` or
``text/xml``). ``parse_feed`` reads RSS/Atom with feedparser (which never fetches
anything itself here: it is given bytes, and it sanitises entry HTML); each entry with a
stable key (its id, else its link) becomes a ``FeedEntry``; entries without one are
reported, not guessed. ``parse_opml`` lists the feed URLs of an OPML file.
``entry_document`` turns an entry into an article ``Document``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

from ingest.ids import make_article_id
from ingest.loaders import html_to_text, parse_date
from ingest.models import Document, Failure
from ingest.textio import clean_text
from ingest.web.fetch import Fetched, normalise_url
from ingest.web.pages import decode_body
from vectorstore.errors import FetchError, LoaderError

__all__ = [
    "FeedEntry",
    "ParsedFeed",
    "entry_article_id",
    "entry_document",
    "parse_feed",
    "parse_opml",
    "sniff_kind",
    "text_document",
]

Kind = Literal["feed", "opml", "page", "text"]
_FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml",
                         "application/rdf+xml", "application/feed+xml"})
_OPML_TYPES = frozenset({"text/x-opml", "application/x-opml", "application/opml+xml"})
_FIRST_TAG = re.compile(rb"<\s*([A-Za-z_][\w:.-]*)")
_PROLOG = re.compile(rb"^(\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)", re.S | re.I)


def _root_tag(body: bytes) -> str | None:
    head = body[:4096].removeprefix(b"\xef\xbb\xbf")
    while True:
        m = _PROLOG.match(head)
        if not m or not m.group(0):
            break
        head = head[m.end():]
    m = _FIRST_TAG.match(head)
    return m.group(1).decode("ascii", "replace").lower() if m else None


def sniff_kind(fetched: Fetched) -> Kind:
    """Whether a fetched body is a feed, an OPML list, an HTML page or plain text."""
    root = _root_tag(fetched.body)
    if root in ("rss", "feed", "rdf:rdf"):
        return "feed"
    if root == "opml":
        return "opml"
    media = fetched.content_type
    if media in _FEED_TYPES:
        return "feed"
    if media in _OPML_TYPES:
        return "opml"
    if root in ("html", "head", "body", "!doctype") or media in ("text/html",
                                                                 "application/xhtml+xml"):
        return "page"
    if media == "text/plain":
        return "text"
    return "page"


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a feed, as the feed describes it."""

    key: str  # stable identity: the entry's id, else its link
    link: str | None
    title: str | None
    text: str  # cleaned text of the entry's content, else of its summary
    full: bool  # True when ``text`` is the entry's content (not only a summary)
    date: str | None
    author: str | None
    fingerprint: str  # hash of what the feed says about the entry


@dataclass
class ParsedFeed:
    """A parsed feed: its title, its usable entries and the entries it could not use."""

    url: str
    title: str | None
    entries: list[FeedEntry] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


def _entry_date(entry: Any) -> str | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if isinstance(parsed, time.struct_time):
            try:
                return dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday).isoformat()
            except ValueError:
                continue
    for key in ("published", "updated"):
        found = parse_date(entry.get(key))
        if found:
            return found
    return None


def _fragment_text(value: str, kind: str | None) -> str:
    if kind and "html" not in kind and "xml" not in kind:
        return clean_text(value)
    return html_to_text(value)


def _entry_key(entry: Any, feed_url: str) -> tuple[str | None, str | None]:
    """``(key, link)``: the entry's id (qualified by the feed when not global), else link."""
    link = entry.get("link")
    if isinstance(link, str) and link.strip():
        try:
            link = normalise_url(urljoin(feed_url, link.strip()))
        except FetchError:
            link = None
    else:
        link = None
    raw_id = entry.get("id")
    if isinstance(raw_id, str) and raw_id.strip():
        ident = raw_id.strip()
        # "urn:uuid:...", "tag:...", "https://..." are global; "1234" is only the feed's.
        return (ident if ":" in ident else f"{feed_url}#{ident}"), link
    return link, link


def parse_feed(fetched: Fetched, *, max_entries: int = 200) -> ParsedFeed:
    """The entries of an RSS 2.0 / RSS 1.0 / Atom feed.

    Args:
        fetched: the feed's response (its body is parsed, nothing more is fetched).
        max_entries: entries read at most (in the feed's order, usually newest first).

    Raises:
        LoaderError: the body is not a feed at all.
    """
    import feedparser

    url = fetched.url
    parsed = feedparser.parse(
        fetched.body,
        response_headers={
            "content-location": fetched.final_url,
            "content-type": fetched.content_type + (
                f"; charset={fetched.charset}" if fetched.charset else ""),
        },
        resolve_relative_uris=True,
        sanitize_html=True,
    )
    if not parsed.get("version") and not parsed.entries:
        why = parsed.get("bozo_exception")
        raise LoaderError(
            f"{url} is not an RSS or Atom feed" + (f" ({why})" if why else "")
            + "; check the feed's address"
        )
    feed_title = clean_text(str(parsed.feed.get("title") or "")) or None
    out = ParsedFeed(url=url, title=feed_title)
    seen: set[str] = set()
    for n, entry in enumerate(parsed.entries[:max_entries], start=1):
        where = f"{url} entry {n}"
        key, link = _entry_key(entry, fetched.final_url)
        title = clean_text(str(entry.get("title") or "")) or None
        if key is None:
            out.failures.append(Failure(where, (
                f"{title!r} has " if title else "has ") + "no id and no link, so it cannot "
                "be told apart from other entries; skipped"))
            continue
        if key in seen:
            out.failures.append(Failure(where, "repeats the id of an earlier entry; skipped"))
            continue
        seen.add(key)
        contents = [c for c in entry.get("content") or [] if str(c.get("value") or "").strip()]
        full = bool(contents)
        if full:
            text = "\n\n".join(
                _fragment_text(str(c.get("value")), c.get("type")) for c in contents
            )
        else:
            detail = entry.get("summary_detail") or {}
            text = _fragment_text(str(entry.get("summary") or ""), detail.get("type"))
        text = clean_text(text)
        if not text and not link:
            out.failures.append(Failure(where, "has no text and no link; skipped"))
            continue
        author = clean_text(str(entry.get("author") or "")) or None
        date = _entry_date(entry)
        fingerprint = hashlib.sha256(
            json.dumps([key, link, title, text, full, date, author]).encode("utf-8")
        ).hexdigest()
        out.entries.append(FeedEntry(key, link, title, text, full, date, author, fingerprint))
    if len(parsed.entries) > max_entries:
        out.failures.append(Failure(url, (
            f"lists {len(parsed.entries)} entries; only the first {max_entries} were read "
            "(TRADEDESK_FEED_MAX_ENTRIES)")))
    return out


def entry_article_id(entry: FeedEntry) -> str:
    """The article id of a feed entry: from its key, with a readable prefix."""
    label = entry.key
    if entry.link:
        tail = urlsplit(entry.link).path.rstrip("/").rsplit("/", 1)[-1]
        label = tail.rsplit(".", 1)[0] if "." in tail else tail or entry.key
    return make_article_id(f"entry:{entry.key}", label)


def entry_document(
    entry: FeedEntry, feed: ParsedFeed, *, page: Document | None = None
) -> Document:
    """An article ``Document`` from a feed entry.

    Args:
        entry: the entry.
        feed: its feed (the source name and where the article came from).
        page: the entry's linked page, fetched and extracted, when the entry has only a
            summary; its text replaces the summary (its title and date fill gaps).

    Raises:
        LoaderError: the entry has no text.
    """
    text = page.text if page is not None else entry.text
    if not text:
        raise LoaderError("the entry has no text (and its page was not fetched)")
    title = entry.title or (page.title if page is not None else None)
    host = urlsplit(feed.url).hostname or feed.url
    return Document(
        article_id=entry_article_id(entry),
        title=(title or text.split("\n", 1)[0])[:300],
        text=text,
        source=feed.title or host,
        source_path=feed.url,
        kind="feed",
        date=entry.date or (page.date if page is not None else None),
        url=entry.link,
        label=feed.title or feed.url,
        author=entry.author or (page.author if page is not None else None),
    )


def parse_opml(fetched: Fetched, *, max_feeds: int = 100) -> tuple[list[str], list[Failure]]:
    """The feed URLs an OPML file lists (``outline`` elements with ``xmlUrl``).

    Relative URLs are resolved against the OPML file's address; URLs that are not
    http(s) are reported and left out; each URL is listed once.

    Raises:
        LoaderError: not an OPML file (or one with entity declarations, refused).
    """
    body = fetched.body
    if re.search(rb"<!ENTITY", body[:65536], re.I):
        raise LoaderError(
            f"{fetched.url}: the OPML file declares XML entities, which are refused"
        )
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise LoaderError(f"{fetched.url} is not a valid OPML file ({exc})") from exc
    if root.tag.lower() != "opml":
        raise LoaderError(f"{fetched.url} is not an OPML file (its root is <{root.tag}>)")
    urls: list[str] = []
    failures: list[Failure] = []
    for outline in root.iter("outline"):
        attrs = {k.lower(): v for k, v in outline.attrib.items()}
        raw = attrs.get("xmlurl", "").strip()
        if not raw:
            continue
        try:
            url = normalise_url(urljoin(fetched.final_url, raw))
        except FetchError as exc:
            failures.append(Failure(f"{fetched.url} outline {raw!r}", str(exc)))
            continue
        if url not in urls:
            urls.append(url)
    if len(urls) > max_feeds:
        failures.append(Failure(fetched.url, (
            f"lists {len(urls)} feeds; only the first {max_feeds} were read "
            "(TRADEDESK_OPML_MAX_FEEDS)")))
        urls = urls[:max_feeds]
    return urls, failures


def text_document(fetched: Fetched, *, url: str | None = None) -> Document:
    """An article from a plain-text URL: the first line is its title.

    Raises:
        LoaderError: no text.
    """
    from ingest.web.pages import page_article_id

    text = clean_text(decode_body(fetched))
    lines = text.split("\n")
    title = lines[0].strip() if lines else ""
    body = clean_text("\n".join(lines[1:])) or text
    if not text:
        raise LoaderError(f"{fetched.final_url} is empty (no text)")
    stable = url or fetched.final_url
    return Document(
        article_id=page_article_id(stable, title),
        title=title[:300] or stable,
        text=body,
        source=urlsplit(fetched.final_url).hostname or stable,
        source_path=stable,
        kind="web",
        url=fetched.final_url,
        label=stable,
    )
