"""Loaders: turn files into cleaned ``Document`` objects with metadata.

Formats: ``.txt``, ``.md``/``.markdown``, ``.html``/``.htm``, ``.pdf`` and ``.jsonl``
(one article a line). Each loader raises ``LoaderError`` with a reason for a file
it cannot use; ``.jsonl`` reports bad lines one by one and keeps the good ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ingest.ids import make_article_id
from ingest.models import Document, Failure
from ingest.textio import clean_text, decode_bytes, read_bytes
from vectorstore.errors import LoaderError

__all__ = [
    "SUPPORTED_SUFFIXES",
    "discover",
    "drop_invisible",
    "html_to_text",
    "load_file",
    "parse_date",
]

SUPPORTED_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".jsonl"})
_META_LINE = re.compile(
    r"^(date|published|updated|source|by|author|url|link)\s*:\s*(.+)$", re.IGNORECASE
)


# -- ids and metadata ----------------------------------------------------------------


def parse_date(value: Any) -> str | None:
    """ISO ``YYYY-MM-DD`` for a date-like value, or None when it is not a usable date."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > 64:
        return None
    from dateutil import parser

    try:
        parsed = parser.isoparse(value)
    except (ValueError, OverflowError):
        try:
            # Missing fields come from a fixed default, not from today's date: "May 2025"
            # is always 2025-05-01, and a date without a year fails the range check below.
            with warnings.catch_warnings():  # "15:01:11.79 RM": the zone is not needed
                warnings.simplefilter("ignore", parser.UnknownTimezoneWarning)
                parsed = parser.parse(
                    value, fuzzy=False, dayfirst=False, default=dt.datetime(1, 1, 1)
                )
        except (ValueError, OverflowError, TypeError):
            return None
    if not 1800 <= parsed.year <= 2200:
        return None
    return parsed.date().isoformat()


def _as_text(value: Any) -> str | None:
    """Metadata value as a string: lists are joined, None and empty become None."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        parts = [str(v).strip() for v in value if v is not None and str(v).strip()]
        return ", ".join(parts) or None
    if isinstance(value, dict):
        return None
    text = str(value).strip()
    return text or None


def _title_from(text: str, limit: int = 200) -> str:
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return first[:limit].rstrip() or "Untitled"


# -- plain text and Markdown ---------------------------------------------------------


def _split_frontmatter(text: str) -> tuple[dict[str, Any], str]:
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---", 4)
    if end < 0:
        return {}, text
    block = text[4:end]
    rest = text[end + 4 :]
    rest = rest.split("\n", 1)[1] if "\n" in rest else ""
    try:
        import yaml

        meta = yaml.safe_load(block)
    except Exception:  # noqa: BLE001 - bad frontmatter: fall back to key: value lines
        meta = None
    if not isinstance(meta, dict):
        meta = {}
        for line in block.splitlines():
            if ":" in line:
                key, val = line.split(":", 1)
                meta[key.strip()] = val.strip()
    return {str(k).lower(): v for k, v in meta.items()}, rest


def _strip_markdown(line: str) -> str:
    line = re.sub(r"^\s{0,3}#{1,6}\s+", "", line)
    line = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", line)
    return line


def _load_plain(path: Path, data: bytes, markdown: bool) -> Document:
    raw, _ = decode_bytes(data)
    text = clean_text(raw)
    if not text:
        raise LoaderError("empty file (no text)")
    meta: dict[str, Any] = {}
    if markdown:
        meta, text = _split_frontmatter(text)
        text = clean_text(text)
    lines = text.split("\n")
    title = _as_text(meta.get("title"))
    # The first non-empty line is the title unless frontmatter gave one; a heading
    # repeating the frontmatter title is dropped from the body as well.
    while lines and not lines[0].strip():
        lines.pop(0)
    if lines:
        first = _strip_markdown(lines[0]).strip() if markdown else lines[0].strip()
        if title is None or first == title:
            title = title or first
            lines.pop(0)
    # Header lines right under the title: "Date: ...", "Source: ...".
    while lines and (m := _META_LINE.match(lines[0].strip())):
        key = m.group(1).lower()
        meta.setdefault({"published": "date", "updated": "date", "by": "source",
                         "author": "source", "link": "url"}.get(key, key), m.group(2).strip())
        lines.pop(0)
    if markdown:
        lines = [_strip_markdown(ln) for ln in lines]
    body = clean_text("\n".join(lines))
    if not body:
        raise LoaderError("no article text after the title line")
    return Document(
        article_id=make_article_id(f"file:{path}", path.stem),
        title=title or path.stem,
        text=body,
        source=_as_text(meta.get("source")) or _as_text(meta.get("author")) or path.name,
        source_path=str(path),
        kind="md" if markdown else "txt",
        date=parse_date(meta.get("date")),
        url=_as_text(meta.get("url")),
    )


# -- HTML ----------------------------------------------------------------------------

_DROP_TAGS = (
    "script", "style", "noscript", "template", "nav", "iframe", "svg", "canvas", "form",
    "button", "select", "input", "textarea", "object", "embed", "head", "aside", "footer",
)
_BLOCK_TAGS = (
    "p", "div", "section", "article", "main", "header", "h1", "h2", "h3", "h4", "h5", "h6",
    "li", "ul", "ol", "table", "tr", "td", "th", "blockquote", "pre", "figure", "figcaption",
    "dl", "dt", "dd", "address", "hr",
)
_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d])|opacity\s*:\s*0(?![.\d])",
    re.I,
)
_DATE_META = (
    "date", "dc.date", "dcterms.date", "article:published_time", "og:published_time",
    "pubdate", "publishdate", "publish-date", "datepublished", "sailthru.date",
)
_SOURCE_META = ("og:site_name", "application-name", "publisher", "author", "dc.publisher")


def drop_invisible(soup: Any) -> None:
    """Remove what a browser never shows, in place: comments, hidden elements and the like.

    Comments, CDATA, declarations, and elements marked ``hidden``, ``aria-hidden`` or
    styled ``display:none`` (and similar) go. Used for local HTML files and for fetched
    pages alike (``ingest.web.pages``), so text planted where a reader cannot see it
    never becomes article text.
    """
    from bs4 import CData, Comment, Declaration, Doctype, ProcessingInstruction, Tag

    invisible = (Comment, CData, Declaration, Doctype, ProcessingInstruction)
    for node in soup.find_all(string=lambda s: isinstance(s, invisible)):
        node.extract()  # comments, CDATA and declarations: a browser shows none of them
    for tag in soup.find_all(True):
        if not isinstance(tag, Tag) or tag.attrs is None:
            continue
        style = str(tag.get("style") or "")
        if (
            tag.has_attr("hidden")
            or str(tag.get("aria-hidden") or "").lower() == "true"
            or _HIDDEN_STYLE.search(style)
        ):
            tag.decompose()


def _mark_blocks(soup: Any) -> None:
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")


def html_to_text(markup: str) -> str:
    """The visible text of an HTML fragment (a feed entry's content), cleaned.

    Scripts, styles, forms, hidden elements and comments are dropped; block elements
    become paragraphs.
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    drop_invisible(soup)
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    _mark_blocks(soup)
    return clean_text(soup.get_text(""))


def _load_html(path: Path, data: bytes) -> Document:
    from bs4 import BeautifulSoup, Tag

    raw, _ = decode_bytes(data)
    soup = BeautifulSoup(raw, "html.parser")
    metas: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        if not isinstance(tag, Tag):
            continue
        key = str(tag.get("name") or tag.get("property") or tag.get("itemprop") or "").lower()
        content = tag.get("content")
        if key and isinstance(content, str) and key not in metas:
            metas[key] = content
    title = None
    if soup.title and soup.title.string:
        title = clean_text(soup.title.get_text(" "))
    h1 = soup.find("h1")
    h1_text = clean_text(h1.get_text(" ")) if isinstance(h1, Tag) else None
    title = title or h1_text
    date = next((parse_date(metas[k]) for k in _DATE_META if k in metas), None)
    if date is None:
        time_tag = soup.find("time")
        if isinstance(time_tag, Tag):
            date = parse_date(time_tag.get("datetime") or time_tag.get_text(" "))
    source = next((_as_text(metas[k]) for k in _SOURCE_META if k in metas), None)
    canonical = soup.find("link", rel="canonical")
    url = _as_text(canonical.get("href")) if isinstance(canonical, Tag) else None
    url = url or _as_text(metas.get("og:url"))

    drop_invisible(soup)
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    if isinstance(h1, Tag) and h1_text == title and h1.parent is not None:
        h1.decompose()
    _mark_blocks(soup)
    body_root = soup.body or soup
    text = clean_text(body_root.get_text(""))
    if not text:
        raise LoaderError("HTML page has no visible article text")
    return Document(
        article_id=make_article_id(f"file:{path}", path.stem),
        title=title or _title_from(text),
        text=text,
        source=source or path.name,
        source_path=str(path),
        kind="html",
        date=date,
        url=url,
    )


# -- PDF -----------------------------------------------------------------------------


def _load_pdf(path: Path, data: bytes) -> Document:
    import io
    import logging

    from pypdf import PdfReader

    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise LoaderError("not a PDF file (no %PDF header)")
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as exc:  # noqa: BLE001
                raise LoaderError(f"encrypted PDF cannot be opened ({exc})") from exc
            if not ok:
                raise LoaderError("encrypted PDF: it needs a password")
        pages_text: list[str] = []
        for page in reader.pages:
            pages_text.append(clean_text(page.extract_text() or ""))
        info = reader.metadata
        meta_title = _as_text(info.title) if info is not None else None
        meta_date = None
        if info is not None:
            try:
                created = info.creation_date
            except Exception:  # noqa: BLE001 - a bad date string is not worth a failure
                created = None
            meta_date = parse_date(created) if created is not None else None
    except LoaderError:
        raise
    except RecursionError as exc:
        raise LoaderError("malformed PDF: its cross-references loop") from exc
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types for broken files
        raise LoaderError(f"malformed PDF: {type(exc).__name__}: {exc}"[:300]) from exc
    parts: list[str] = []
    pages: list[tuple[int, int]] = []
    offset = 0
    for number, page_text in enumerate(pages_text, start=1):
        if not page_text:
            continue
        if parts:
            offset += 2  # the "\n\n" joining pages
        pages.append((offset, number))
        parts.append(page_text)
        offset += len(page_text)
    text = "\n\n".join(parts)
    if not text.strip():
        raise LoaderError(
            "PDF has no text layer (scanned pages?): run OCR on it first, e.g. `ocrmypdf`"
        )
    title = meta_title or _title_from(text)
    return Document(
        article_id=make_article_id(f"file:{path}", path.stem),
        title=title,
        text=text,
        source=path.name,
        source_path=str(path),
        kind="pdf",
        date=meta_date,
        pages=pages,
    )


# -- JSONL ---------------------------------------------------------------------------


def _load_jsonl(path: Path, data: bytes) -> tuple[list[Document], list[Failure]]:
    raw, _ = decode_bytes(data)
    docs: list[Document] = []
    failures: list[Failure] = []
    seen: set[str] = set()
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            failures.append(Failure(where, f"line {number} is not valid JSON ({exc.msg})"))
            continue
        if not isinstance(obj, dict):
            failures.append(Failure(where, f"line {number} is not a JSON object"))
            continue
        body = obj.get("text")
        if body is None:
            failures.append(Failure(where, f"line {number} has no 'text' field"))
            continue
        if not isinstance(body, str):
            failures.append(
                Failure(where, f"line {number}: 'text' must be a string, got {type(body).__name__}")
            )
            continue
        text = clean_text(body)
        if not text:
            failures.append(Failure(where, f"line {number}: 'text' is empty"))
            continue
        title_val = obj.get("title")
        if title_val is not None and not isinstance(title_val, str | int | float):
            failures.append(
                Failure(
                    where,
                    f"line {number}: 'title' must be a string, got {type(title_val).__name__}",
                )
            )
            continue
        url = _as_text(obj.get("url")) if isinstance(obj.get("url"), str) else None
        entry_id = obj.get("id")
        entry_id = str(entry_id) if isinstance(entry_id, str | int) and str(entry_id) else None
        if url:
            key, label = f"url:{url}", entry_id or url.rstrip("/").rsplit("/", 1)[-1]
        elif entry_id:
            key, label = f"file:{path}#id={entry_id}", entry_id
        else:
            key, label = f"file:{path}#line={number}", f"{path.stem}-{number}"
        article_id = make_article_id(key, label)
        if article_id in seen:
            failures.append(
                Failure(where, f"line {number} repeats the id/url of an earlier line; skipped")
            )
            continue
        seen.add(article_id)
        title = clean_text(str(title_val)) if title_val is not None else ""
        docs.append(
            Document(
                article_id=article_id,
                title=title or _title_from(text),
                text=text,
                source=_as_text(obj.get("source")) or path.name,
                source_path=str(path),
                kind="jsonl",
                date=parse_date(obj.get("date")),
                url=url,
            )
        )
    if not docs and not failures:
        raise LoaderError("empty feed (no JSON lines)")
    return docs, failures


# -- entry points --------------------------------------------------------------------

Loader = Callable[[Path, bytes], Document]
_LOADERS: dict[str, Loader] = {
    ".txt": lambda p, d: _load_plain(p, d, markdown=False),
    ".md": lambda p, d: _load_plain(p, d, markdown=True),
    ".markdown": lambda p, d: _load_plain(p, d, markdown=True),
    ".html": _load_html,
    ".htm": _load_html,
    ".pdf": _load_pdf,
}


def load_file(path: Path, *, max_bytes: int) -> tuple[list[Document], list[Failure]]:
    """Load one file into documents.

    Args:
        path: the file (its suffix picks the loader).
        max_bytes: files larger than this are refused before being read.

    Returns:
        The documents, and the failures of single feed lines (``.jsonl``).

    Raises:
        LoaderError: the whole file is unusable; the message says why.
    """
    path = Path(os.path.abspath(path))
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoaderError(
            f"unsupported file type {suffix or '(none)'!r}; supported: "
            + ", ".join(sorted(SUPPORTED_SUFFIXES))
        )
    data = read_bytes(path, max_bytes)
    if not data.strip():
        raise LoaderError("empty file (no text)")
    if suffix == ".jsonl":
        return _load_jsonl(path, data)
    doc = _LOADERS[suffix](path, data)
    doc.file_sha256 = hashlib.sha256(data).hexdigest()
    return [doc], []


def discover(paths: Sequence[Path]) -> Iterator[Path | Failure]:
    """Yield the supported files under ``paths`` (recursively), in a stable order.

    Hidden files and folders are skipped; symlinked folders are followed once
    (a symlink loop is reported, not followed forever). A path that does not
    exist, or a file of an unsupported type named directly, yields a ``Failure``.
    """
    seen_dirs: set[tuple[int, int]] = set()
    seen_files: set[str] = set()  # resolved paths: a file reached twice is read once

    def walk(directory: Path) -> Iterator[Path | Failure]:
        try:
            st = directory.stat()
        except OSError as exc:
            yield Failure(str(directory), f"cannot open folder: {exc.strerror or exc}")
            return
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            yield Failure(
                str(directory),
                "folder already visited through another path (symlink loop or duplicate "
                "link); skipped",
            )
            return
        seen_dirs.add(key)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            yield Failure(str(directory), f"cannot list folder: {exc.strerror or exc}")
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            child = Path(entry.path)
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
                is_file = entry.is_file(follow_symlinks=True)
            except OSError as exc:
                yield Failure(str(child), f"cannot stat: {exc.strerror or exc}")
                continue
            if is_dir:
                yield from walk(child)
            elif not is_file and not entry.is_symlink() and (
                child.suffix.lower() in SUPPORTED_SUFFIXES
            ):
                yield Failure(str(child), "not a regular file (a pipe, device or socket); skipped")
            elif is_file and child.suffix.lower() in SUPPORTED_SUFFIXES:
                resolved = str(child.resolve())
                if resolved not in seen_files:
                    seen_files.add(resolved)
                    yield child.absolute()
            elif entry.is_symlink() and not child.exists():
                yield Failure(str(child), "broken symlink")

    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            yield Failure(str(path), "no such file or folder")
        elif path.is_dir():
            yield from walk(path.absolute())
        elif path.suffix.lower() not in SUPPORTED_SUFFIXES:
            yield Failure(
                str(path),
                f"unsupported file type {path.suffix or '(none)'!r}; supported: "
                + ", ".join(sorted(SUPPORTED_SUFFIXES)),
            )
        else:
            resolved = str(path.resolve())
            if resolved not in seen_files:
                seen_files.add(resolved)
                yield path.absolute()
