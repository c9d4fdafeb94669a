"""Plain data objects of the ingest layer."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

__all__ = ["ArticleInfo", "Chunk", "Document", "Failure", "IngestReport"]


@dataclass
class Document:
    """One article as loaded: cleaned text plus metadata.

    ``text`` is the cleaned article body; every chunk offset points into it.
    ``pages`` maps character offsets to PDF page numbers: ``[(offset, page), ...]``.
    """

    article_id: str
    title: str
    text: str
    source: str
    source_path: str
    kind: str
    date: str | None = None
    url: str | None = None
    pages: list[tuple[int, int]] = field(default_factory=list)
    file_sha256: str | None = None  # of the file's bytes (not for feed entries)
    label: str | None = None  # display name of the source (uploads), else the file name
    author: str | None = None  # web pages and feed entries (other formats fold it into source)

    @property
    def content_hash(self) -> str:
        """SHA-256 of everything that ends up in the store (text and metadata)."""
        fields: list[object] = [self.title, self.text, self.source, self.date, self.url,
                                self.pages]
        if self.author:  # only when set, so the hashes of other articles stay as they were
            fields.append(self.author)
        payload = json.dumps(fields, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def page_at(self, offset: int) -> int | None:
        """PDF page number holding character ``offset`` (None for other formats)."""
        page = None
        for start, number in self.pages:
            if start > offset:
                break
            page = number
        return page


@dataclass(frozen=True)
class Chunk:
    """A passage of an article: ``text == article.text[start:end]``."""

    chunk_id: str
    article_id: str
    index: int
    start: int
    end: int
    text: str
    tokens: int  # word pieces of the embedded text (title prefix + passage, with [CLS]/[SEP])


@dataclass(frozen=True)
class Failure:
    """An input that was rejected, and why."""

    path: str
    reason: str


@dataclass
class IngestReport:
    """What an ingest run did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (source, article_id)
    repaired: int = 0  # orphan chunks of an interrupted run cleaned up
    chunks_written: int = 0
    embedded: int = 0
    seconds: float = 0.0
    dedup_seconds: float = 0.0  # of ``seconds``: near-duplicate prints, matching, backfill

    @property
    def ok(self) -> bool:
        """True when no input failed."""
        return not self.failed

    @property
    def changed(self) -> bool:
        """True when the store's content changed."""
        return bool(self.added or self.updated or self.removed or self.repaired)

    def summary(self) -> str:
        """One line: counts of every outcome."""
        return (
            f"added {len(self.added)}, updated {len(self.updated)}, unchanged "
            f"{len(self.unchanged)}, removed {len(self.removed)}, failed {len(self.failed)}; "
            f"{self.chunks_written} chunks written in {self.seconds:.1f}s"
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "failed": [{"path": f.path, "reason": f.reason} for f in self.failed],
            "duplicates": [{"source": s, "article_id": a} for s, a in self.duplicates],
            "repaired": self.repaired,
            "chunks_written": self.chunks_written,
            "embedded": self.embedded,
            "seconds": round(self.seconds, 3),
            "dedup_seconds": round(self.dedup_seconds, 3),
        }


@dataclass(frozen=True)
class ArticleInfo:
    """An ingested article as listed by ``Assistant.articles()``."""

    article_id: str
    title: str
    source: str
    date: str | None
    url: str | None
    source_path: str
    kind: str
    chunks: int
    chars: int
    content_hash: str
    updated_at: str
    also_from: tuple[str, ...] = ()  # other names/paths with the very same content
    author: str | None = None
