"""Story groups: each article's near-duplicate print, the pairs found, and the groups they form.

Three tables (migration ``m005_story_groups``): ``story_prints`` (an article's MinHash
signature and figures, ``seq`` the order articles were first printed in: ingest order),
``near_duplicates`` (pairs ``a < b`` found copies of one story, with their similarity) and
``story_groups`` (every article's group: the connected component of its pairs, named by
its earliest member). They are written in the transaction that commits or removes the
article, so a crash never leaves a group that disagrees with its articles.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ingest.records.base import Database
from ingest.stories import StoryPrint, components

__all__ = [
    "StoryRecords",
    "StoryUpdate",
    "forget_article_stories",
    "write_article_stories",
]


@dataclass(frozen=True)
class StoryUpdate:
    """What a commit writes for one article: its print and the stored copies found.

    ``print`` is None for an article without words (it forms a group of its own).
    """

    print: StoryPrint | None
    matches: tuple[tuple[str, float], ...] = ()


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _neighbours(conn: sqlite3.Connection, ids: Sequence[str]) -> list[tuple[str, str]]:
    edges: list[tuple[str, str]] = []
    for lo in range(0, len(ids), 400):
        part = list(ids[lo : lo + 400])
        m = _marks(len(part))
        edges += [
            (r[0], r[1])
            for r in conn.execute(
                f"SELECT a, b FROM near_duplicates WHERE a IN ({m}) OR b IN ({m})", part + part
            )
        ]
    return edges


def regroup(conn: sqlite3.Connection, seeds: Iterable[str]) -> None:
    """(In a transaction.) Recompute the groups of ``seeds`` and of everything linked to them."""
    todo = set(seeds)
    seen: set[str] = set()
    edges: set[tuple[str, str]] = set()
    while todo:
        batch = sorted(todo - seen)
        seen |= todo
        todo = set()
        for a, b in _neighbours(conn, batch):
            edges.add((a, b))
            todo |= {a, b} - seen
    present: dict[str, tuple[str, int]] = {}
    nodes = sorted(seen)
    for lo in range(0, len(nodes), 400):
        part = nodes[lo : lo + 400]
        for r in conn.execute(
            "SELECT a.article_id, COALESCE(a.date, ''), COALESCE(p.seq, 0) FROM articles a "
            "LEFT JOIN story_prints p USING(article_id) "
            f"WHERE a.article_id IN ({_marks(len(part))})",
            part,
        ):
            present[r[0]] = (r[1] or "9999", int(r[2]))
    gone = [n for n in nodes if n not in present]
    if gone:
        conn.executemany("DELETE FROM story_groups WHERE article_id=?", [(g,) for g in gone])
    live = [(a, b) for a, b in edges if a in present and b in present]
    rows = []
    for group in components(present, live):
        first = min(group, key=lambda x: (present[x], x))
        rows += [(member, first) for member in group]
    conn.executemany(
        "INSERT INTO story_groups(article_id, group_id) VALUES (?, ?) "
        "ON CONFLICT(article_id) DO UPDATE SET group_id=excluded.group_id",
        rows,
    )


def write_article_stories(
    conn: sqlite3.Connection, updates: Mapping[str, StoryUpdate], kind: str
) -> None:
    """(In a transaction.) Store prints and pairs of committed articles, then regroup them."""
    if not updates:
        return
    ids = list(updates)
    old_links = {x for e in _neighbours(conn, ids) for x in e}
    for lo in range(0, len(ids), 400):
        part = ids[lo : lo + 400]
        m = _marks(len(part))
        conn.execute(f"DELETE FROM near_duplicates WHERE a IN ({m}) OR b IN ({m})", part + part)
    next_seq = int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM story_prints").fetchone()[0])
    pairs: dict[tuple[str, str], float] = {}
    for article_id, update in updates.items():
        if update.print is None:
            conn.execute("DELETE FROM story_prints WHERE article_id=?", (article_id,))
            continue
        next_seq += 1
        conn.execute(
            "INSERT INTO story_prints(article_id, kind, signature, figures, seq) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(article_id) DO UPDATE SET kind=excluded.kind, "
            "signature=excluded.signature, figures=excluded.figures",
            (article_id, kind, update.print.to_blob(), json.dumps(update.print.figures),
             next_seq),
        )
        for other, similarity in update.matches:
            if other != article_id:
                key = (min(article_id, other), max(article_id, other))
                pairs[key] = max(similarity, pairs.get(key, 0.0))
    conn.executemany(
        "INSERT OR REPLACE INTO near_duplicates(a, b, similarity) VALUES (?, ?, ?)",
        [(a, b, s) for (a, b), s in pairs.items()],
    )
    regroup(conn, {*ids, *old_links, *(x for e in pairs for x in e)})


def forget_article_stories(conn: sqlite3.Connection, article_ids: Sequence[str]) -> None:
    """(In a transaction, after the articles' rows are deleted.) Their groups without them."""
    if not article_ids:
        return
    ids = list(article_ids)
    linked = {x for e in _neighbours(conn, ids) for x in e} - set(ids)
    for lo in range(0, len(ids), 400):
        part = ids[lo : lo + 400]
        m = _marks(len(part))
        conn.execute(f"DELETE FROM near_duplicates WHERE a IN ({m}) OR b IN ({m})", part + part)
        conn.execute(f"DELETE FROM story_prints WHERE article_id IN ({m})", part)
        conn.execute(f"DELETE FROM story_groups WHERE article_id IN ({m})", part)
    regroup(conn, linked)


class StoryRecords(Database):
    """Story prints, near-duplicate pairs and story groups (see the module docstring)."""

    def story_prints(self, kind: str) -> dict[str, StoryPrint]:
        """Every stored print of ``kind``, with its article's date, in ingest order."""
        rows = self._read(
            "SELECT p.article_id, p.signature, p.figures, a.date FROM story_prints p "
            "JOIN articles a USING(article_id) WHERE p.kind=? ORDER BY p.seq",
            (kind,),
        )
        return {
            r["article_id"]: StoryPrint.from_blob(r["signature"], json.loads(r["figures"]),
                                                  r["date"])
            for r in rows
        }

    def article_order(self) -> list[str]:
        """Every article id in ingest order (printed ones by their ``seq``, then the rest)."""
        rows = self._read(
            "SELECT a.article_id FROM articles a LEFT JOIN story_prints p USING(article_id) "
            "ORDER BY p.seq IS NULL, p.seq, a.added_at, a.rowid"
        )
        return [r["article_id"] for r in rows]

    def unprinted(self, kind: str) -> list[str]:
        """Articles without a print of ``kind`` or without a story group."""
        rows = self._read(
            "SELECT a.article_id FROM articles a LEFT JOIN story_prints p "
            "ON p.article_id = a.article_id AND p.kind = ? LEFT JOIN story_groups g "
            "ON g.article_id = a.article_id WHERE p.article_id IS NULL OR g.article_id IS NULL "
            "ORDER BY a.article_id",
            (kind,),
        )
        return [r["article_id"] for r in rows]

    def write_stories(
        self, updates: Mapping[str, StoryUpdate], kind: str, *, params: str | None = None,
        replace_all: bool = False,
    ) -> None:
        """Store prints and pairs outside an article commit (a backfill or new settings).

        Args:
            updates: per article, its print and the copies found.
            kind: the prints' ``PRINT_KIND``.
            params: recorded as the ``stories_params`` meta value (detection settings).
            replace_all: forget every stored pair and group first (new settings).
        """
        with self._tx() as conn:
            if replace_all:
                conn.execute("DELETE FROM near_duplicates")
                conn.execute("DELETE FROM story_groups")
            write_article_stories(conn, updates, kind)
            if params is not None:
                conn.execute(
                    "INSERT OR REPLACE INTO meta(key, value) VALUES ('stories_params', ?)",
                    (params,),
                )
            self._bump(conn)

    def story_groups(self) -> dict[str, str]:
        """``article_id -> group_id`` for the articles of groups with more than one member."""
        rows = self._read(
            "SELECT article_id, group_id FROM story_groups WHERE group_id IN "
            "(SELECT group_id FROM story_groups GROUP BY group_id HAVING COUNT(*) > 1)"
        )
        return {r["article_id"]: r["group_id"] for r in rows}

    def story_order(self) -> dict[str, tuple[str, str, int]]:
        """``article_id -> (group_id, date, seq)`` for the members of groups of two or more.

        ``(date, seq)`` orders a group's versions: a later date is newer, and on one date
        the one ingested later.
        """
        rows = self._read(
            "SELECT g.article_id, g.group_id, COALESCE(a.date, '') AS date, "
            "COALESCE(p.seq, 0) AS seq FROM story_groups g JOIN articles a USING(article_id) "
            "LEFT JOIN story_prints p USING(article_id) WHERE g.group_id IN "
            "(SELECT group_id FROM story_groups GROUP BY group_id HAVING COUNT(*) > 1)"
        )
        return {r["article_id"]: (r["group_id"], r["date"], int(r["seq"])) for r in rows}

    def near_duplicate_pairs(self) -> list[tuple[str, str, float]]:
        """Every stored pair ``(a, b, similarity)`` with ``a < b``."""
        rows = self._read("SELECT a, b, similarity FROM near_duplicates ORDER BY a, b")
        return [(r["a"], r["b"], float(r["similarity"])) for r in rows]

    def story_problems(self, kind: str) -> list[str]:
        """What disagrees between the articles and their story records."""
        problems = []
        missing = self.unprinted(kind)
        if missing:
            problems.append(
                f"{len(missing)} articles have no near-duplicate print or story group"
            )
        dangling = self._read(
            "SELECT COUNT(*) AS n FROM near_duplicates WHERE a NOT IN "
            "(SELECT article_id FROM articles) OR b NOT IN (SELECT article_id FROM articles)"
        )[0]["n"]
        orphans = self._read(
            "SELECT COUNT(*) AS n FROM story_groups WHERE article_id NOT IN "
            "(SELECT article_id FROM articles) OR group_id NOT IN (SELECT article_id FROM articles)"
        )[0]["n"]
        if dangling or orphans:
            problems.append(
                f"{dangling + orphans} story-group records name articles that are gone"
            )
        return problems
