"""An article page from the web: main text, title, date and author, by trafilatura.

The page is first cleaned like a local HTML file (``ingest.loaders.drop_invisible``:
comments and hidden elements go, so text planted where a reader cannot see it never
becomes article text; scripts, styles, frames and embeds go too, and nothing is ever
executed). trafilatura then finds the main text (navigation, footers, comment
sections and link lists are left out) and reads the metadata. The text goes through
``clean_text`` like every file's.

Why local ``.html`` files keep their own loader (``ingest.loaders``): a saved article is
usually the article alone, and that loader keeps every visible paragraph exactly and
predictably; trafilatura's boilerplate removal is built for live pages, where it earns
its keep, but on a short local file it may drop a paragraph it takes for boilerplate.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from ingest.ids import make_article_id
from ingest.loaders import drop_invisible, parse_date
from ingest.models import Document
from ingest.textio import clean_text, decode_bytes
from ingest.web.fetch import Fetched
from vectorstore.errors import LoaderError

__all__ = ["PAGE_TYPES", "decode_body", "extract_page", "page_article_id"]

PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_STRIP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed",
               "svg", "canvas", "form")


def decode_body(fetched: Fetched) -> str:
    """The body as text: its declared charset when that decodes it, else as a file is.

    Raises:
        LoaderError: binary or undecodable bytes.
    """
    if fetched.charset:
        try:
            text = fetched.body.decode(fetched.charset)
        except (LookupError, UnicodeDecodeError):
            pass
        else:
            if "\x00" in text:
                raise LoaderError(f"{fetched.final_url} is binary data, not text")
            return text.removeprefix("\ufeff")
    try:
        return decode_bytes(fetched.body)[0]
    except LoaderError as exc:
        raise LoaderError(f"{fetched.final_url}: {exc}") from exc


def page_article_id(url: str, title: str | None = None) -> str:
    """The id of the article at ``url`` (from the URL, never from the content)."""
    parts = urlsplit(url)
    tail = parts.path.rstrip("/").rsplit("/", 1)[-1] or parts.hostname or "page"
    tail = tail.rsplit(".", 1)[0] if "." in tail else tail
    return make_article_id(f"url:{url}", tail or (title or "page"))


def _paragraphs(text: str, title: str | None) -> str:
    lines = [ln.strip() for ln in text.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    if lines and title and lines[0] == title.strip():
        lines.pop(0)  # the headline repeated as the first line of the body
    return clean_text("\n\n".join(ln for ln in lines if ln))


def extract_page(fetched: Fetched, *, url: str | None = None) -> Document:
    """An article ``Document`` from a fetched HTML page.

    Args:
        fetched: the page (``text/html`` or XHTML).
        url: the article's stable address (default: the final URL, after redirects);
            the id derives from it, and citations link to the final URL.

    Raises:
        LoaderError: no main text could be found, or the body is not text.
    """
    import trafilatura
    from bs4 import BeautifulSoup

    raw = decode_body(fetched)
    soup = BeautifulSoup(raw, "html.parser")
    drop_invisible(soup)
    for tag in soup.find_all(_STRIP_TAGS):
        tag.decompose()
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    logging.getLogger("htmldate").setLevel(logging.ERROR)
    result = trafilatura.bare_extraction(
        str(soup),
        url=fetched.final_url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = getattr(result, "text", None) if result is not None else None
    if not text or not text.strip():
        raise LoaderError(
            f"{fetched.final_url}: no article text found on the page (it may need "
            "JavaScript to show its content, which Trade Desk never runs); save the article "
            "as a file and ingest that"
        )
    title = clean_text(str(getattr(result, "title", "") or "")) or None
    body = _paragraphs(text, title)
    if not body:
        raise LoaderError(f"{fetched.final_url}: the page has a title but no article text")
    site = clean_text(str(getattr(result, "sitename", "") or "")) or None
    author = clean_text(str(getattr(result, "author", "") or "")) or None
    host = urlsplit(fetched.final_url).hostname or fetched.final_url
    stable = url or fetched.final_url
    return Document(
        article_id=page_article_id(stable, title),
        title=(title or body.split("\n", 1)[0])[:300],
        text=body,
        source=site or host,
        source_path=stable,
        kind="web",
        date=parse_date(getattr(result, "date", None)),
        url=fetched.final_url,
        label=stable,
        author=author,
    )
