"""The fact ledger's storage: every figure of every article, replaced with its article."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ingest.records.base import Database
from ingest.text.facts import Fact

__all__ = ["PERIOD_MONTHS", "FactRecords", "replace_article_facts"]

PERIOD_MONTHS = (
    "((CAST(substr(period_end, 1, 4) AS INTEGER) * 12 + CAST(substr(period_end, 6, 2) AS INTEGER))"
    " - (CAST(substr(period_start, 1, 4) AS INTEGER) * 12"
    " + CAST(substr(period_start, 6, 2) AS INTEGER)) + 1)"
)
"""SQL: the number of months a stored figure's period covers."""

_FACT_COLUMNS = (
    "fact_id", "article_id", "idx", "value", "unit", "kind", "reporter", "partner", "flow",
    "sector", "city", "period_start", "period_end", "period_label", "figure", "sentence",
    "start", '"end"', "fig_start", "fig_end", "article_date",
)


def replace_article_facts(conn: sqlite3.Connection, article_id: str, facts: Iterable[Fact]) -> None:
    """(In a transaction.) Replace one article's figures."""
    conn.execute("DELETE FROM facts WHERE article_id=?", (article_id,))
    conn.executemany(
        f"INSERT INTO facts({', '.join(_FACT_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(_FACT_COLUMNS))})",
        [
            (
                f.fact_id, f.article_id, f.index, f.value, f.unit, f.kind, f.reporter,
                f.partner, f.flow, f.sector, f.city, f.period_start, f.period_end,
                f.period_label, f.figure, f.sentence, f.start, f.end, f.fig_start,
                f.fig_end, f.article_date,
            )
            for f in facts
        ],
    )


class FactRecords(Database):
    """Figures stored per article (written with the article's chunks: ``commit_articles``)."""

    def replace_facts(self, ledger: Mapping[str, Sequence[Fact]], facts_version: int) -> None:
        """Replace the figures of the given articles and record the extractor version."""
        with self._tx() as conn:
            for article_id, facts in ledger.items():
                replace_article_facts(conn, article_id, facts)
            conn.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('facts_version', ?)",
                (str(facts_version),),
            )

    def fact_count(self, *, where: str = "", args: Sequence[Any] = ()) -> int:
        """How many stored figures match ``where``."""
        sql = "SELECT COUNT(*) AS n FROM facts" + (f" WHERE {where}" if where else "")
        return int(self._read(sql, list(args))[0]["n"])

    def fact_names(self) -> list[tuple[str, int]]:
        """Countries named in the ledger (reporter or partner), most figures first."""
        sql = (
            "SELECT name, COUNT(*) AS n FROM (SELECT reporter AS name FROM facts UNION ALL "
            "SELECT partner FROM facts) WHERE name IS NOT NULL GROUP BY name "
            "ORDER BY n DESC, name"
        )
        return [(r["name"], int(r["n"])) for r in self._read(sql, [])]

    def fact_series(
        self, *, where: str = "", args: Sequence[Any] = (), limit: int = 200
    ) -> list[dict[str, Any]]:
        """Series of comparable figures: one subject, measure, unit and period length.

        Targets are not series of their own: they are markers on the level series of their
        subject (``series_facts``). Ordered: series with several periods first, then by how
        many figures they have.
        """
        sql = (
            "SELECT reporter, partner, flow, sector, unit, "
            "CASE WHEN kind = 'target' THEN 'level' ELSE kind END AS measure, "
            f"CASE WHEN kind = 'target' OR period_start IS NULL THEN NULL ELSE {PERIOD_MONTHS} END"
            " AS months, "
            "MAX(CASE WHEN kind != 'target' AND period_start IS NOT NULL "
            "AND substr(period_start, 6, 2) = '01' THEN 1 ELSE 0 END) AS from_january, "
            "COUNT(*) AS figures, COUNT(DISTINCT CASE WHEN period_start IS NOT NULL "
            "THEN period_start || period_end END) AS periods "
            "FROM facts WHERE kind != 'target'" + (f" AND ({where})" if where else "") +
            " GROUP BY reporter, partner, flow, sector, unit, measure, months "
            "ORDER BY (periods > 1) DESC, COUNT(*) DESC LIMIT ?"
        )
        return [dict(r) for r in self._read(sql, [*args, limit])]

    def facts(
        self,
        *,
        article_ids: Iterable[str] | None = None,
        where: str = "",
        args: Sequence[Any] = (),
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Fact]:
        """Stored figures, in article and position order (``where``: extra SQL condition)."""
        sql = f"SELECT {', '.join(_FACT_COLUMNS)} FROM facts"
        conditions, params = [], list(args)
        if where:
            conditions.append(f"({where})")
        if article_ids is not None:
            ids = list(article_ids)
            conditions.append(f"article_id IN ({','.join('?' * len(ids))})" if ids else "0")
            params.extend(ids)
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        sql += " ORDER BY article_id, idx"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [
            Fact(
                article_id=r["article_id"], index=r["idx"], value=r["value"], unit=r["unit"],
                kind=r["kind"], reporter=r["reporter"], partner=r["partner"], flow=r["flow"],
                sector=r["sector"], city=r["city"], period_start=r["period_start"],
                period_end=r["period_end"], period_label=r["period_label"], figure=r["figure"],
                sentence=r["sentence"], start=r["start"], end=r["end"],
                fig_start=r["fig_start"], fig_end=r["fig_end"], article_date=r["article_date"],
            )
            for r in self._read(sql, params)
        ]
