"""Deterministic ids: an article's from where it comes from, a chunk's from its article.

``make_article_id`` derives an article id from its source (path, feed entry or url),
never from its content, so an edited article keeps its id. A chunk's id is a
``ChunkId``: the article id, the article version (the first 10 hex digits of a hash
of its content and of the pipeline that chunked it) and the chunk's position, written
``{article_id}:{version}:{index:04d}``. Ids travel as strings (Chroma, SQLite, answers);
``ChunkId.parse`` and ``str()`` convert.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["ChunkId", "article_of", "make_article_id", "slug"]

_VERSION = re.compile(r"[0-9A-Za-z]{1,64}")


def slug(text: str, limit: int = 40) -> str:
    """Lower-case ASCII words joined by hyphens ("Hải Phòng port" -> "hai-phong-port")."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-").lower()
    return text[:limit].strip("-")


def make_article_id(key: str, label: str) -> str:
    """A stable article id from where the article comes from (never from its content).

    Args:
        key: the identity of the source (absolute path, feed path plus entry id, or url).
        label: a human-readable hint (file stem or entry id) used as the id's prefix.
    """
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]
    return f"{slug(label) or 'article'}-{digest}"


@dataclass(frozen=True, order=True)
class ChunkId:
    """The id of one chunk: its article, the article's version, and its position."""

    article_id: str
    version: str
    index: int

    def __post_init__(self) -> None:
        if not self.article_id or ":" in self.article_id:
            raise ValueError(f"article_id={self.article_id!r} must be non-empty without ':'")
        if not _VERSION.fullmatch(self.version):
            raise ValueError(f"version={self.version!r} must be 1-64 letters or digits")
        if not 0 <= self.index <= 999_999:
            raise ValueError(f"index={self.index!r} must be in 0..999999")

    def __str__(self) -> str:
        return f"{self.article_id}:{self.version}:{self.index:04d}"

    @classmethod
    def parse(cls, text: str) -> ChunkId:
        """The ``ChunkId`` written as ``text``.

        Raises:
            ValueError: ``text`` is not ``article_id:version:index``.
        """
        parts = text.rsplit(":", 2) if isinstance(text, str) else []
        if len(parts) != 3 or not parts[2].isdigit():
            raise ValueError(f"{text!r} is not a chunk id (article_id:version:index)")
        return cls(parts[0], parts[1], int(parts[2]))


def article_of(chunk_id: str) -> str:
    """The article id of a chunk id written as a string (fast: no validation)."""
    return chunk_id.rsplit(":", 2)[0]
