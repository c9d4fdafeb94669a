"""Articles, their chunks and their source files: what the vector store should hold.

Every article (metadata, content hash, cleaned text, version), every chunk (offsets,
text) and every file an article came from (byte-identical copies too); a version
counter moves on with every change so readers notice another process's ingest.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest.models import ArticleInfo, Chunk, Document
from ingest.records.base import Database, now
from ingest.records.ledger import replace_article_facts
from ingest.records.stories import StoryUpdate, forget_article_stories, write_article_stories
from ingest.text.facts import Fact

__all__ = ["ArticleRecords", "ChunkRow"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChunkRow:
    """A stored chunk and the metadata of its article."""

    chunk_id: str
    article_id: str
    index: int
    start: int
    end: int
    page: int | None
    text: str
    title: str
    source: str
    date: str | None
    url: str | None


class ArticleRecords(Database):
    """Articles, chunks and sources (see module docstring)."""

    def states(self) -> dict[str, tuple[str, str]]:
        """``article_id -> (content_hash, pipeline)`` for every article."""
        rows = self._read("SELECT article_id, content_hash, pipeline FROM articles")
        return {r["article_id"]: (r["content_hash"], r["pipeline"]) for r in rows}

    def versions(self) -> dict[str, str]:
        """``article_id -> version`` of every article (the version is part of chunk ids)."""
        rows = self._read("SELECT article_id, version FROM articles")
        return {r["article_id"]: r["version"] for r in rows}

    _ARTICLE_COLUMNS = (
        "SELECT article_id, title, source, date, url, source_path, kind, n_chunks, chars, "
        "content_hash, updated_at, author FROM articles"
    )
    _ALIASES = (
        "SELECT s.article_id, s.path, s.label FROM sources s JOIN articles a "
        "USING(article_id) WHERE NOT (s.path = a.source_path AND s.label = a.label)"
    )

    def articles(self) -> list[ArticleInfo]:
        """Every article, newest first (by date, then title)."""
        rows = self._read(self._ARTICLE_COLUMNS + " ORDER BY COALESCE(date, '') DESC, title")
        return self._infos(rows, self._read(self._ALIASES + " ORDER BY s.rowid"))

    def article(self, article_id: str) -> ArticleInfo | None:
        """One article's metadata (one indexed row, not a scan of every article)."""
        rows = self._read(self._ARTICLE_COLUMNS + " WHERE article_id=?", (article_id,))
        if not rows:
            return None
        aliases = self._read(
            self._ALIASES + " AND s.article_id=? ORDER BY s.rowid", (article_id,)
        )
        return self._infos(rows, aliases)[0]

    @staticmethod
    def _infos(
        rows: Sequence[sqlite3.Row], alias_rows: Iterable[sqlite3.Row]
    ) -> list[ArticleInfo]:
        """``ArticleInfo``s of article rows, with the other files each came from."""
        aliases: dict[str, list[str]] = {}
        for r in alias_rows:
            aliases.setdefault(r["article_id"], []).append(
                r["label"] if r["label"] != Path(r["path"]).name else r["path"]
            )
        return [
            ArticleInfo(
                article_id=r["article_id"], title=r["title"], source=r["source"],
                date=r["date"], url=r["url"], source_path=r["source_path"], kind=r["kind"],
                chunks=r["n_chunks"], chars=r["chars"], content_hash=r["content_hash"],
                updated_at=r["updated_at"], also_from=tuple(aliases.get(r["article_id"], ())),
                author=r["author"],
            )
            for r in rows
        ]

    def article_text(self, article_id: str) -> str | None:
        """The cleaned text of an article (chunk offsets point into it)."""
        rows = self._read("SELECT text FROM articles WHERE article_id=?", (article_id,))
        return rows[0]["text"] if rows else None

    # -- sources (the files an article came from, including byte-identical copies) --------

    def add_source(self, path: str, label: str, article_id: str, sha256: str | None) -> None:
        """Record that ``path`` (shown as ``label``) holds the article ``article_id``."""
        with self._tx() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO sources(path, label, article_id, sha256) "
                "VALUES (?, ?, ?, ?)",
                (path, label, article_id, sha256),
            )

    def article_with_bytes(self, sha256: str) -> str | None:
        """A current article whose source file had exactly these bytes."""
        rows = self._read(
            "SELECT s.article_id FROM sources s JOIN articles a USING(article_id) "
            "WHERE s.sha256=? LIMIT 1",
            (sha256,),
        )
        return rows[0]["article_id"] if rows else None

    def source_rows(self) -> list[tuple[str, str, str, str | None]]:
        """Every ``(path, label, article_id, sha256)``."""
        rows = self._read("SELECT path, label, article_id, sha256 FROM sources ORDER BY rowid")
        return [(r["path"], r["label"], r["article_id"], r["sha256"]) for r in rows]

    def drop_sources(self, path: str, *, except_article: str | None = None) -> None:
        """Forget ``path`` as a source (of every article, or of all but one)."""
        with self._tx() as conn:
            conn.execute(
                "DELETE FROM sources WHERE path=? AND article_id IS NOT ?", (path, except_article)
            )

    def move_article_source(self, article_id: str, path: str, label: str) -> None:
        """Make another source file the article's main one (its first file is gone)."""
        with self._tx() as conn:
            conn.execute(
                "UPDATE articles SET source_path=?, label=? WHERE article_id=?",
                (path, label, article_id),
            )
            self._bump(conn)

    def by_source(self) -> dict[str, list[str]]:
        """``source_path -> [article_id, ...]``."""
        out: dict[str, list[str]] = {}
        for r in self._read("SELECT article_id, source_path FROM articles"):
            out.setdefault(r["source_path"], []).append(r["article_id"])
        return out

    def count(self) -> tuple[int, int]:
        """``(articles, chunks)``."""
        a = self._read("SELECT COUNT(*) AS n FROM articles")[0]["n"]
        c = self._read("SELECT COUNT(*) AS n FROM chunks")[0]["n"]
        return int(a), int(c)

    # -- chunks --------------------------------------------------------------------------

    def chunk_ids(self, article_id: str | None = None) -> list[str]:
        """Chunk ids (of one article, or all) in article/position order."""
        if article_id is None:
            rows = self._read("SELECT chunk_id FROM chunks ORDER BY article_id, idx")
        else:
            rows = self._read(
                "SELECT chunk_id FROM chunks WHERE article_id=? ORDER BY idx", (article_id,)
            )
        return [r["chunk_id"] for r in rows]

    def chunk_texts(self) -> tuple[list[str], list[str]]:
        """``(ids, texts)`` of every chunk, for the lexical index.

        The article title is indexed with the first chunk only: repeated on every chunk
        it would make all of an article's chunks match the title's words equally.
        """
        rows = self._read(
            "SELECT c.chunk_id, CASE WHEN c.idx = 0 THEN a.title || char(10) || c.text "
            "ELSE c.text END AS t FROM chunks c "
            "JOIN articles a USING(article_id) ORDER BY c.article_id, c.idx"
        )
        return [r["chunk_id"] for r in rows], [r["t"] for r in rows]

    def chunks(self, chunk_ids: Iterable[str]) -> dict[str, ChunkRow]:
        """Stored chunks with their article's metadata."""
        ids = list(dict.fromkeys(chunk_ids))
        out: dict[str, ChunkRow] = {}
        for lo in range(0, len(ids), 500):
            part = ids[lo : lo + 500]
            marks = ",".join("?" * len(part))
            rows = self._read(
                "SELECT c.chunk_id, c.article_id, c.idx, c.start, c.\"end\", c.page, c.text, "
                "a.title, a.source, a.date, a.url FROM chunks c JOIN articles a "
                f"USING(article_id) WHERE c.chunk_id IN ({marks})",
                part,
            )
            for r in rows:
                out[r["chunk_id"]] = ChunkRow(
                    chunk_id=r["chunk_id"], article_id=r["article_id"], index=r["idx"],
                    start=r["start"], end=r["end"], page=r["page"], text=r["text"],
                    title=r["title"], source=r["source"], date=r["date"], url=r["url"],
                )
        return out


    def commit_articles(
        self,
        items: Sequence[tuple[Document, str, str, Sequence[Chunk]]],
        facts: Mapping[str, Sequence[Fact]] | None = None,
        stories: Mapping[str, StoryUpdate] | None = None,
        story_kind: str = "",
    ) -> list[str]:
        """Make new article versions current, in one transaction.

        Args:
            items: ``(document, version, pipeline, chunks)`` per article.
            facts: the figures of each article (``article_id -> facts``); they replace
                the article's old figures in the same transaction.
            stories: each article's near-duplicate print and the stored copies found;
                the story groups are updated in the same transaction.
            story_kind: the prints' ``PRINT_KIND``.

        Returns:
            Chunk ids of the replaced versions, now journalled for deletion.
        """
        stale: list[str] = []
        stamp = now()
        with self._tx() as conn:
            for doc, version, pipeline, chunks in items:
                old = [
                    r[0]
                    for r in conn.execute(
                        "SELECT chunk_id FROM chunks WHERE article_id=?", (doc.article_id,)
                    )
                ]
                new_ids = {c.chunk_id for c in chunks}
                old = [c for c in old if c not in new_ids]
                added_at = conn.execute(
                    "SELECT added_at FROM articles WHERE article_id=?", (doc.article_id,)
                ).fetchone()
                conn.execute("DELETE FROM chunks WHERE article_id=?", (doc.article_id,))
                label = doc.label or Path(doc.source_path).name
                conn.execute(
                    "INSERT OR REPLACE INTO articles(article_id, title, source, date, url, "
                    "source_path, label, kind, content_hash, version, pipeline, n_chunks, chars, "
                    "text, pages, added_at, updated_at, author) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        doc.article_id, doc.title, doc.source, doc.date, doc.url,
                        doc.source_path, label, doc.kind, doc.content_hash, version, pipeline,
                        len(chunks), len(doc.text), doc.text, json.dumps(doc.pages),
                        added_at[0] if added_at else stamp, stamp, doc.author,
                    ),
                )
                conn.executemany(
                    'INSERT INTO chunks(chunk_id, article_id, idx, start, "end", tokens, page, '
                    "text) VALUES (?,?,?,?,?,?,?,?)",
                    [
                        (c.chunk_id, c.article_id, c.index, c.start, c.end, c.tokens,
                         doc.page_at(c.start), c.text)
                        for c in chunks
                    ],
                )
                conn.executemany(
                    "DELETE FROM pending WHERE chunk_id=?", [(c,) for c in new_ids]
                )
                if facts is not None:
                    replace_article_facts(conn, doc.article_id, facts.get(doc.article_id, ()))
                if doc.file_sha256:  # a whole file (feed entries share theirs)
                    conn.execute(
                        "INSERT OR REPLACE INTO sources(path, label, article_id, sha256) "
                        "VALUES (?, ?, ?, ?)",
                        (doc.source_path, label, doc.article_id, doc.file_sha256),
                    )
                conn.executemany(
                    "INSERT OR REPLACE INTO pending(chunk_id, article_id, op) "
                    "VALUES (?, ?, 'delete')",
                    [(c, doc.article_id) for c in old],
                )
                stale.extend(old)
            if stories:
                write_article_stories(conn, stories, story_kind)
            self._bump(conn)
        return stale

    def remove_articles(self, article_ids: Sequence[str]) -> list[str]:
        """Forget articles, in one transaction; returns their chunk ids (journalled)."""
        stale: list[str] = []
        with self._tx() as conn:
            for aid in article_ids:
                old = [
                    r[0]
                    for r in conn.execute("SELECT chunk_id FROM chunks WHERE article_id=?", (aid,))
                ]
                conn.execute("DELETE FROM chunks WHERE article_id=?", (aid,))
                conn.execute("DELETE FROM articles WHERE article_id=?", (aid,))
                conn.execute("DELETE FROM sources WHERE article_id=?", (aid,))
                conn.execute("DELETE FROM facts WHERE article_id=?", (aid,))
                conn.executemany(
                    "INSERT OR REPLACE INTO pending(chunk_id, article_id, op) "
                    "VALUES (?, ?, 'delete')",
                    [(c, aid) for c in old],
                )
                stale.extend(old)
            forget_article_stories(conn, list(article_ids))
            self._bump(conn)
        return stale

    def invalidate(self, article_ids: Sequence[str]) -> None:
        """Mark articles as needing re-embedding on the next ingest (store lost chunks)."""
        with self._tx() as conn:
            conn.executemany(
                "UPDATE articles SET content_hash='' WHERE article_id=?",
                [(a,) for a in article_ids],
            )
            self._bump(conn)

    def bump(self) -> None:
        """Move the version on (after a repair changed the store)."""
        with self._tx() as conn:
            self._bump(conn)

    def reset(self) -> None:
        """Forget everything."""
        with self._tx() as conn:
            conn.execute("DELETE FROM chunks")
            conn.execute("DELETE FROM articles")
            conn.execute("DELETE FROM pending")
            conn.execute("DELETE FROM sources")
            conn.execute("DELETE FROM facts")
            conn.execute("DELETE FROM story_prints")
            conn.execute("DELETE FROM near_duplicates")
            conn.execute("DELETE FROM story_groups")
            self._bump(conn)


    # -- checks and rebuilding -----------------------------------------------------------

    @property
    def manifest_path(self) -> Path:
        """A plain JSON list of the sources, kept beside the SQLite file for ``rebuild``."""
        return self.path.with_suffix(".manifest.json")

    def write_manifest(self) -> None:
        """Write the sources manifest atomically (it survives a damaged SQLite file).

        The web articles, which have no file to be read again, are copied too
        (``write_web_copies``).
        """
        pairs = {(p, lbl) for p, lbl, _, _ in self.source_rows()}
        for r in self._read("SELECT DISTINCT source_path, label FROM articles"):  # feeds too
            if not any(p == r["source_path"] for p, _ in pairs):
                pairs.add((r["source_path"], r["label"] or Path(r["source_path"]).name))
        rows = [{"path": p, "label": lbl} for p, lbl in sorted(pairs)]
        tmp = self.manifest_path.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps(rows, ensure_ascii=False, indent=0))
            tmp.replace(self.manifest_path)
        except OSError:
            tmp.unlink(missing_ok=True)
        self.write_web_copies()

    def read_manifest(self) -> list[tuple[str, str]]:
        """``(path, label)`` of every source, from the manifest (empty when missing)."""
        try:
            rows = json.loads(self.manifest_path.read_text())
            return [(str(r["path"]), str(r["label"])) for r in rows]
        except (OSError, ValueError, KeyError, TypeError):
            return []

    def integrity(self) -> list[str]:
        """Problems SQLite's own integrity check and our cross-table checks find."""
        problems: list[str] = []
        rows = self._read("PRAGMA integrity_check")
        bad = [r[0] for r in rows if r[0] != "ok"]
        if bad:
            problems.append("SQLite integrity check: " + "; ".join(bad[:5]))
        orphans = self._read(
            "SELECT COUNT(*) AS n FROM chunks WHERE article_id NOT IN "
            "(SELECT article_id FROM articles)"
        )[0]["n"]
        if orphans:
            problems.append(f"{orphans} chunk records belong to no article")
        wrong = self._read(
            "SELECT a.article_id FROM articles a LEFT JOIN chunks c USING(article_id) "
            "GROUP BY a.article_id HAVING COUNT(c.chunk_id) != MAX(a.n_chunks)"
        )
        if wrong:
            problems.append(f"{len(wrong)} articles have a wrong number of chunk records")
        return problems

    def documents(self, article_ids: Iterable[str] | None = None) -> list[Document]:
        """Articles rebuilt as ``Document`` objects from the records (to re-embed them)."""
        sql = (
            "SELECT article_id, title, text, source, source_path, label, kind, date, url, "
            "pages, author FROM articles"
        )
        if article_ids is None:
            rows = self._read(sql + " ORDER BY article_id")
        else:
            wanted = sorted(set(article_ids))
            rows = []
            for i in range(0, len(wanted), 500):  # only the texts asked for are read
                part = wanted[i : i + 500]
                rows += self._read(
                    sql + f" WHERE article_id IN ({','.join('?' * len(part))})", part
                )
            rows.sort(key=lambda r: r["article_id"])
        sha = {r[0]: r[3] for r in self.source_rows()}
        return [
            Document(
                article_id=r["article_id"], title=r["title"], text=r["text"],
                source=r["source"], source_path=r["source_path"], kind=r["kind"],
                date=r["date"], url=r["url"],
                pages=[(int(p[0]), int(p[1])) for p in json.loads(r["pages"])],
                file_sha256=sha.get(r["source_path"]),
                label=r["label"] or None,
                author=r["author"],
            )
            for r in rows
        ]

    # -- copies of the web articles (they have no source file to rebuild them from) -------

    @property
    def web_copies_dir(self) -> Path:
        """A folder beside the SQLite file with a JSON copy of every web article."""
        return self.path.with_suffix(".web-copies")

    @staticmethod
    def _copy_name(article_id: str, content_hash: str) -> str:
        stem = article_id if re.fullmatch(r"[A-Za-z0-9_-]{1,150}", article_id) else (
            "id-" + hashlib.sha256(article_id.encode()).hexdigest()[:32]
        )
        return f"{stem}.{content_hash[:16]}.json"

    def write_web_copies(self) -> None:
        """Bring the copies of the web articles (URLs, feeds) in step with the records.

        A copy is written once per version of an article (its name carries the content
        hash) and removed with the article; a failure to write one is logged, never
        raised (the records stay the truth; a rebuild reports what it could not find).
        """
        rows = self._read(
            "SELECT article_id, content_hash FROM articles "
            "WHERE source_path LIKE 'http://%' OR source_path LIKE 'https://%'"
        )
        folder = self.web_copies_dir
        if not rows and not folder.exists():
            return
        wanted = {self._copy_name(r["article_id"], r["content_hash"]): r["article_id"]
                  for r in rows}
        try:
            folder.mkdir(parents=True, exist_ok=True)
            existing = {p.name for p in folder.glob("*.json")}
            missing = [aid for name, aid in wanted.items() if name not in existing]
            for doc in self.documents(missing):
                name = self._copy_name(doc.article_id, doc.content_hash)
                tmp = folder / (name + ".tmp")
                tmp.write_text(json.dumps(dataclasses.asdict(doc), ensure_ascii=False))
                tmp.replace(folder / name)
            for name in existing - set(wanted):
                (folder / name).unlink(missing_ok=True)
            for tmp in folder.glob("*.json.tmp"):  # left by a process killed mid-write
                tmp.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not write the copies of the web articles in %s: %s", folder, exc)

    def read_web_copies(self) -> tuple[list[Document], list[str]]:
        """The web articles' copies as ``Document``s, and the copies that cannot be read."""
        docs: list[Document] = []
        bad: list[str] = []
        folder = self.web_copies_dir
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                data = json.loads(path.read_text())
                data["pages"] = [(int(a), int(b)) for a, b in data.get("pages") or []]
                doc = Document(**data)
            except (OSError, ValueError, TypeError) as exc:
                log.warning("unreadable copy of a web article %s: %s", path, exc)
                bad.append(str(path))
                continue
            if not path.name.endswith(f".{doc.content_hash[:16]}.json"):
                bad.append(str(path))  # edited or damaged: its text is not what was stored
                continue
            docs.append(doc)
        return docs, bad
