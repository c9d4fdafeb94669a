"""Answering figure questions from the fact ledger: exact, dated, and aware of conflicts.

``FactQuery.parse`` reads what a question asks for (reporter, partner, flow, sector,
kind of figure, period, "latest"); ``Ledger.lookup`` finds the matching figures;
``LedgerSource.draft`` turns them into a ``Draft`` whose claims cite the sentence each
figure came from. When two articles give different values for the same subject and
period the answer shows both and says which is newer; when the period asked for is
not in the documents the answer is partial: the periods they do have, and the newest.

Copies of one wire story (a story group, found at ingest) are one source: a figure they
repeat is not corroborated by them, and when a later version of the story gives another
value it supersedes the earlier one: the figure was *revised*, the sources do not differ.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from assistant.answer import OtherReport
from assistant.answering.draft import Claim, Draft
from assistant.answering.passages import Passage
from assistant.answering.question import Question, key_terms
from assistant.documents import to_document
from ingest.records import Records
from ingest.records.ledger import PERIOD_MONTHS
from ingest.text.facts import Fact, read_subject
from ingest.text.figures import extract_figures
from ingest.text.gazetteer import country_mentions
from ingest.text.periods import Period, describe, extract_periods, periods_compatible
from ingest.text.sentences import split_sentences
from ingest.text.tokens import tokenize

__all__ = [
    "Conflict",
    "FactQuery",
    "FigureSeries",
    "FiguresPage",
    "Ledger",
    "LedgerAnswer",
    "LedgerSource",
    "find_conflicts",
]

_LATEST = re.compile(r"\b(?:latest|most recent|newest|last|current)\b", re.I)
_SHARE = re.compile(r"\b(?:share|what percentage of|what proportion|what part)\b", re.I)
_GROWTH = re.compile(
    r"\b(?:by how much|how (?:much|fast) did .* (?:grow|rise|increase|fall|drop|decline|decrease|"
    r"change)|growth|grow|grew|rise|rose|increase|fall|fell|decline|drop|change)\b",
    re.I,
)
_TARGET = re.compile(r"\b(?:target|goal|objective|aim|ambition)\b", re.I)
_COUNT = re.compile(r"\bhow many\b(?! (?:tonnes|tons|kilograms|kg|teu|barrels))", re.I)
_VOLUME = re.compile(r"\b(?:tonnes|tons|kilograms|kg|volume)\b", re.I)
_VALUE = re.compile(r"\b(?:worth|value|earn|earned|earnings|\$|€|dollars?|euros?|billion)\b", re.I)
_FIGURE_ASK = re.compile(
    r"\b(?:how much|how many|what (?:was|were|is|are) (?:the )?(?:[\w'’-]+ ){0,5}?(?:value|total|"
    r"volume|share|exports?|imports?|trade|target|deficit|surplus|growth|investment|figure)|"
    r"what (?:[\w'’-]+ ){0,4}?(?:target|goal|objective|figure|value|volume)|"
    r"by how much|what share|what percentage|latest|most recent)\b",
    re.I,
)


_NOT_A_FLOW = re.compile(r"\bcurrent account\b|\bbalance of payments\b|\bpayments balance\b",
                         re.I)


@dataclass(frozen=True)
class FactQuery:
    """What a figure question asks for."""

    reporter: str | None
    partner: str | None
    flow: str | None
    sector: str | None
    kind: str
    period: Period | None
    latest: bool
    unit_hint: str | None = None  # "volume" or "value"

    @classmethod
    def parse(cls, question: str) -> FactQuery | None:
        """Read a question; None when it does not ask for a figure about named countries."""
        if not _FIGURE_ASK.search(question):
            return None
        # A follow-up's own words decide what it asks for; the context carried along in
        # parentheses ("How much of that was Vietnamese exports? (Japan 2024 bilateral
        # trade)") only fills in the countries it leaves out.
        core = question.split(" (", 1)[0] if question.endswith(")") else question
        reporter, partner, flow, sector = read_subject(core)
        if core != question:
            more = read_subject(question)
            known = {c for c in (reporter, partner) if c}
            extra = [c for c in more[:2] if c and c not in known]
            if reporter is None and extra:
                reporter = extra.pop(0)
            if partner is None and extra:
                partner = extra.pop(0)
            flow = flow or (None if re.search(r"\btrade\b", core, re.I) else more[2])
            sector = sector or more[3]
        if reporter is None and partner is None:
            return None
        if _NOT_A_FLOW.search(core):
            return None  # the current account is not the trade balance the ledger lists
        if flow is None and not re.search(r"\btrade\b", core, re.I):
            # a figure the ledger does not model as a flow (stocks, reserves, the current
            # account, prices): the passages answer it
            return None
        if _TARGET.search(question):
            kind = "target"
        elif _SHARE.search(question):
            kind = "share"
        elif _GROWTH.search(question):
            kind = "growth"
        elif _COUNT.search(question):
            kind = "count"
        else:
            kind = "level"
        periods = [p for p in extract_periods(question) if not p.base]
        unit_hint = "volume" if _VOLUME.search(question) else (
            "value" if _VALUE.search(question) else None
        )
        if flow is None and re.search(r"\btrade\b", core, re.I):
            flow = "bilateral"
        return cls(
            reporter=reporter,
            partner=partner,
            flow=flow,
            sector=sector,
            kind=kind,
            period=periods[0] if periods else None,
            latest=bool(_LATEST.search(question)),
            unit_hint=unit_hint,
        )


Stories = dict[str, tuple[str, str, int]]
"""``article_id -> (story group, date, ingest order)`` for articles of groups of two or more."""


@dataclass(frozen=True)
class Conflict:
    """Two articles giving different values for the same figure and period.

    ``revised``: the two are versions of one story (a story group) and the newer one
    supersedes the older; otherwise they are independent sources that differ.
    """

    older: Fact
    newer: Fact
    revised: bool = False

    @property
    def label(self) -> str:
        """How the conflict view names it: "revised" or "sources differ"."""
        return "revised" if self.revised else "sources differ"


@dataclass
class LedgerAnswer:
    """Facts chosen to answer a question (or why the question is refused)."""

    facts: list[Fact] = field(default_factory=list)
    conflict: Conflict | None = None
    refused: bool = False
    note: str = ""  # the refusal's explanation
    available: list[Fact] = field(default_factory=list)  # the series, for a chart
    revised: Conflict | None = None  # the answer's figure replaced an earlier version's
    corroborated: int = 0  # other independent stories (not copies) giving the same value


def _same_value(a: Fact, b: Fact) -> bool:
    return abs(a.value - b.value) <= 0.005 * max(abs(a.value), abs(b.value), 1e-9)


def _period_key(f: Fact) -> tuple[str | None, str | None]:
    return f.period_start, f.period_end


def _story(f: Fact, stories: Stories | None) -> str:
    """The story a figure's article belongs to (its group, or the article itself)."""
    found = stories.get(f.article_id) if stories else None
    return found[0] if found else f.article_id


def _age(f: Fact, stories: Stories | None) -> tuple[str, int, str]:
    """Orders versions of a story: by date, then by ingest order."""
    found = stories.get(f.article_id) if stories else None
    return (f.article_date or "", found[2] if found else 0, f.article_id)


def supersede(
    facts: Iterable[Fact], stories: Stories | None
) -> tuple[list[Fact], list[Conflict]]:
    """Keep each story's newest version of each figure; say which older values it revised.

    Returns:
        The figures of the newest article of each story (per subject and period), and a
        ``Conflict(revised=True)`` for each older value a newer version replaced.
    """
    by_key: dict[tuple[object, ...], dict[str, list[Fact]]] = {}
    for f in facts:
        key = (*f.series_key, *_period_key(f))
        by_key.setdefault(key, {}).setdefault(_story(f, stories), []).append(f)
    kept: list[Fact] = []
    revised: list[Conflict] = []
    for per_story in by_key.values():
        for group in per_story.values():
            newest = max(group, key=lambda f: _age(f, stories)).article_id
            current = [f for f in group if f.article_id == newest]
            kept += current
            seen: list[Fact] = []
            for old in sorted((f for f in group if f.article_id != newest),
                              key=lambda f: _age(f, stories), reverse=True):
                if any(_same_value(old, c) for c in current) or any(
                    _same_value(old, s) for s in seen
                ):
                    continue
                seen.append(old)
                revised.append(Conflict(older=old, newer=current[0], revised=True))
    return kept, revised


def find_conflicts(facts: Iterable[Fact], stories: Stories | None = None) -> list[Conflict]:
    """Pairs of figures about the same subject and period that disagree (across articles).

    With ``stories`` (``Records.story_order``), versions of one story are one source: a
    newer version's value supersedes an older one (a ``revised`` conflict), and only
    each story's newest value is compared with the other stories'.
    """
    dated = [f for f in facts if f.period_start is not None or f.kind == "target"]
    current, out = supersede(dated, stories)
    groups: dict[tuple[object, ...], list[Fact]] = {}
    for f in current:
        groups.setdefault((*f.series_key, *_period_key(f)), []).append(f)
    for group in groups.values():
        if len({_story(f, stories) for f in group}) < 2:
            continue
        ordered = sorted(group, key=lambda f: (f.article_date or "", f.article_id))
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                if _story(a, stories) != _story(b, stories) and not _same_value(a, b):
                    out.append(Conflict(older=a, newer=b))
    return out


@dataclass(frozen=True)
class FigureSeries:
    """One chartable series: one subject, measure and unit, periods of one length.

    Months with months, quarters with quarters, year-to-date with year-to-date.
    """

    reporter: str | None
    partner: str | None
    flow: str | None
    sector: str | None
    unit: str
    measure: str  # the kind; targets join the level series as markers
    months: int | None  # period length; None for figures without a period
    from_january: int  # 1 when its periods start in January (year-to-date figures)
    figures: int
    periods: int

    @property
    def length(self) -> str:
        """The period length in words: "monthly", "quarterly", "January–May", "yearly"."""
        m = self.months
        if m is None:
            return "no period"
        names = {1: "monthly", 3: "quarterly", 6: "half-yearly", 12: "yearly"}
        if self.from_january and m not in (1, 3, 6, 12):
            return f"year to date ({m} months)"
        return names.get(m, f"{m} months")

    @property
    def name(self) -> str:
        """A readable name: "Turkey → Italy · export · level · USD · year to date (5 months)"."""
        subject = " → ".join(x for x in (self.reporter, self.partner) if x) or "(no country)"
        if self.flow == "bilateral":
            subject = " ↔ ".join(x for x in (self.reporter, self.partner) if x)
        bits = [subject] + [x for x in (self.flow, self.sector, self.measure, self.unit) if x]
        return " · ".join([*bits, self.length])


@dataclass
class FiguresPage:
    """One page of the ledger for browsing (the app's Figures page)."""

    facts: list[Fact]  # this page's figures
    total: int  # how many figures match the filters
    series: list[FigureSeries]  # the chartable series among them, most useful first
    countries: list[tuple[str, int]]  # every country the ledger names, most figures first


class Ledger:
    """Figure lookups over the records' fact table.

    Args:
        records: the ingest records (they hold the ledger).
    """

    def __init__(self, records: Records) -> None:
        self.records = records
        self._cache: tuple[int, list[Fact], dict[str, list[Fact]], Stories] | None = None
        self._load_lock = threading.Lock()

    def _loaded(self) -> tuple[int, list[Fact], dict[str, list[Fact]], Stories]:
        """Every figure, an index by country and the story groups, cached until a change."""
        version = self.records.version()
        cached = self._cache
        if cached is None or cached[0] != version:
            with self._load_lock:  # one load for many threads asking at once
                cached = self._cache
                if cached is None or cached[0] != self.records.version():
                    version = self.records.version()
                    facts = self.records.facts()
                    by_country: dict[str, list[Fact]] = {}
                    for f in facts:
                        for c in {f.reporter, f.partner}:
                            if c:
                                by_country.setdefault(c, []).append(f)
                    cached = (version, facts, by_country, self.records.story_order())
                    self._cache = cached
        return cached

    def _all(self) -> list[Fact]:
        """Every figure, cached until the records change."""
        return self._loaded()[1]

    def facts_loaded(self) -> int:
        """Load the figures into memory now (done lazily otherwise); returns how many."""
        return len(self._all())

    @staticmethod
    def filters(
        *,
        country: str | None = None,
        partner: str | None = None,
        kind: str | None = None,
        kinds: Sequence[str] = (),
        flow: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
    ) -> tuple[str, list[Any]]:
        """The SQL condition (and its arguments) of a figure query."""
        where: list[str] = []
        args: list[Any] = []
        if country:
            where.append("(reporter = ? OR (flow = 'bilateral' AND partner = ?))")
            args += [country, country]
        if partner:
            where.append("(partner = ? OR (flow = 'bilateral' AND reporter = ?))")
            args += [partner, partner]
        wanted = [*kinds, *([kind] if kind else [])]
        if wanted:
            where.append(f"kind IN ({','.join('?' * len(wanted))})")
            args += wanted
        if flow:
            where.append("flow = ?")
            args.append(flow)
        if date_from:
            where.append("period_end >= ?")
            args.append(date_from[:7])
        if date_to:
            where.append("period_start <= ?")
            args.append(date_to[:7])
        return " AND ".join(where), args

    def facts(self, *, limit: int | None = None, offset: int = 0, **filters: Any) -> list[Fact]:
        """Figures filtered by subject and by period overlap (``filters``: see ``filters``)."""
        where, args = self.filters(**filters)
        return self.records.facts(where=where, args=args, limit=limit, offset=offset)

    def count(self, **filters: Any) -> int:
        """How many figures a query of ``facts`` (same filters) finds."""
        where, args = self.filters(**filters)
        return self.records.fact_count(where=where, args=args)

    def names(self) -> list[tuple[str, int]]:
        """Countries the ledger names, with how many figures, most first."""
        return self.records.fact_names()

    def series(self, *, limit: int = 200, **filters: Any) -> list[FigureSeries]:
        """Series of comparable figures (same subject, measure, unit, period length)."""
        where, args = self.filters(**filters)
        return [FigureSeries(**row) for row in
                self.records.fact_series(where=where, args=args, limit=limit)]

    def series_facts(self, series: FigureSeries) -> list[Fact]:
        """The figures of one series, and the targets of its subject (markers on its line)."""
        where, args = [], []
        for column in ("reporter", "partner", "flow", "sector", "unit"):
            value = getattr(series, column)
            where.append(f"{column} IS ?")
            args.append(value)
        if series.measure == "level":
            kinds = "(kind = 'target' OR (kind = 'level'"
        else:
            kinds = "((kind = ?"
            args.append(series.measure)
        if series.months is None:
            where.append(kinds + " AND period_start IS NULL))")
        else:
            where.append(kinds + f" AND period_start IS NOT NULL AND {PERIOD_MONTHS} = ?))")
            args.append(series.months)
        return self.records.facts(where=" AND ".join(where), args=args)

    def stories(self) -> Stories:
        """The story groups of the articles (``Records.story_order``), cached."""
        return self._loaded()[3]

    def conflicts(self) -> list[Conflict]:
        """Every disagreement in the ledger (revisions of one story marked ``revised``)."""
        return find_conflicts(self._all(), self.stories())

    def lookup(
        self, query: FactQuery, allowed: Callable[[Fact], bool] | None = None
    ) -> LedgerAnswer | None:
        """The figures answering ``query``; None when the ledger has nothing on its subject."""
        candidates = [f for f in self._subject_facts(query) if allowed is None or allowed(f)]
        if not candidates:
            return None
        wanted_kind = [f for f in candidates if f.kind == query.kind]
        if not wanted_kind and query.kind == "level":
            wanted_kind = [f for f in candidates if f.kind in ("count", "price")]
        if not wanted_kind:
            return None
        if query.unit_hint == "volume":
            volume = [f for f in wanted_kind if f.unit in ("tonnes", "kg", "TEU")]
            wanted_kind = volume or wanted_kind
        elif query.unit_hint == "value" or query.kind in ("level", "target"):
            money = [f for f in wanted_kind if len(f.unit) == 3 and f.unit.isupper()]
            wanted_kind = money or wanted_kind
        series = sorted(wanted_kind, key=lambda f: (f.period_end or "", f.article_date or ""))
        # For a chart: the same quantity over every period, a target continuing a level.
        kinds = {"level", "target"} if query.kind in ("level", "target") else {query.kind}
        units = {f.unit for f in series}
        chartable = sorted(
            (f for f in candidates if f.kind in kinds and f.unit in units),
            key=lambda f: (f.period_end or "9999", f.kind, f.article_date or ""),
        )
        if query.period is not None:
            p = query.period
            matching = [f for f in series if _matches(f, p)]
            if not matching:
                have = sorted({f.period_label for f in series if f.period_label})
                subject = _describe_subject(query)
                return LedgerAnswer(
                    refused=True,
                    note=(
                        f"The documents don't give {subject} for {describe(p)}; they have it "
                        f"for {', '.join(have)}."
                    ),
                    available=chartable,
                )
            chosen_period = _period_key(matching[-1])
        else:
            dated = [f for f in series if f.period_end]
            if not dated:
                matching = series
                chosen_period = _period_key(series[-1])
            else:
                # "latest" (or no period named): the newest period the documents have.
                chosen_period = max(_period_key(f) for f in dated)
                matching = [f for f in dated if _period_key(f) == chosen_period]
        if query.kind == "target" and query.period is None:  # targets are often undated
            chosen_period = _period_key(series[-1])
            matching = [f for f in series if _period_key(f) == chosen_period]
        stories = self.stories()
        # A later version of a story supersedes its earlier one: only its figure counts.
        current, revisions = supersede(matching, stories)
        conflicts = [c for c in find_conflicts(current, stories) if not c.revised]
        if conflicts:
            c = conflicts[-1]
            return LedgerAnswer(facts=[c.newer, c.older], conflict=c, available=chartable)
        # Several articles agreeing on the same value: cite the newest report; copies of
        # one story are one report, not a corroboration.
        best = sorted(current, key=lambda f: (f.article_date or "", f.article_id))[-1]
        agreeing = {_story(f, stories) for f in current if _same_value(f, best)}
        revised = next((r for r in revisions if r.newer.article_id == best.article_id), None)
        return LedgerAnswer(facts=[best], available=chartable, revised=revised,
                            corroborated=len(agreeing - {_story(best, stories)}))

    def _subject_facts(self, q: FactQuery) -> list[Fact]:
        # A matching figure always names the question's first country (as reporter or
        # partner), so only that country's figures need a look.
        _, everything, by_country, _ = self._loaded()
        key = q.reporter or q.partner
        facts = by_country.get(key, []) if key else everything
        out = []
        for f in facts:
            if q.flow and f.flow != q.flow:
                continue
            if (q.sector or None) != (f.sector or None):
                continue
            if f.flow == "bilateral" or q.flow == "bilateral":
                pair_q = {x for x in (q.reporter, q.partner) if x}
                pair_f = {x for x in (f.reporter, f.partner) if x}
                if not pair_q or not pair_q <= pair_f:
                    continue
            else:
                if q.reporter and f.reporter != q.reporter:
                    continue
                if q.partner != f.partner:
                    continue
            out.append(f)
        return out


def _matches(f: Fact, p: Period) -> bool:
    if f.period_start is None or f.period_end is None:
        return False
    start_year, start_month = (int(x) for x in f.period_start.split("-"))
    end_month = int(f.period_end.split("-")[1])
    if p.year is not None and p.year != start_year:
        return False
    return (p.m1, p.m2) == (start_month, end_month)


_FLOW_WORDS = {
    "export": "exports", "import": "imports", "bilateral": "trade", "balance": "trade balance",
    "investment": "investment", "port": "port traffic", "market": "market",
}


def _the(country: str | None) -> str:
    """Names that take an article: "the United States", "the European Union"."""
    if country and country.startswith(("United ", "European ", "Netherlands", "Philippines")):
        return f"the {country}"
    return country or ""


def _cap(text: str) -> str:
    return text[0].upper() + text[1:] if text else text


def _describe_subject(q: FactQuery | Fact) -> str:
    """Describe a subject: "Turkey's exports to Italy", "trade between Italy and Turkey"."""
    flow = q.flow or "export"
    sector = f"{q.sector} " if q.sector else ""
    if flow == "bilateral":
        pair = " and ".join(_the(x) for x in (q.reporter, q.partner) if x)
        return f"{sector}trade between {pair}" if pair else f"{sector}trade"
    who = f"{_the(q.reporter)}'s " if q.reporter else ""
    to = {"export": " to ", "import": " from ", "investment": " in "}.get(flow, " with ")
    partner = f"{to}{_the(q.partner)}" if q.partner else ""
    return f"{who}{sector}{_FLOW_WORDS.get(flow, flow)}{partner}"


def sentence_for(fact: Fact) -> str:
    """A claim stating one figure with its subject and period (the figure as written)."""
    subject = _describe_subject(fact)
    period = fact.period_label if fact.period_label not in (None, "no date") else None
    figure = fact.figure
    if fact.unit in ("companies", "agreements", "workers", "trucks", "TEU", "tonnes", "kg"):
        figure = f"{figure} {fact.unit}" if fact.unit not in figure else figure
    if fact.kind == "growth":
        verb = "fell" if fact.value < 0 else "grew"
        when = f" in {period}" if period else ""
        return f"{_cap(subject)} {verb} {figure.lstrip('-')}{when}"
    if fact.kind == "share":
        whose = f"{_cap(_the(fact.partner))}'s share of " if fact.partner else "The share of "
        of = _describe_subject(Fact(**{**fact.__dict__, "partner": None}))
        when = f" in {period}" if period else ""
        return f"{whose}{of} was {figure}{when}"
    if fact.kind == "target":
        by = f" {period}" if period and period.startswith("by") else ""
        return f"The target for {subject} is {figure}{by}"
    verb = "were" if (fact.flow or "export") in ("export", "import") else "was"
    if period == "recent years":
        when = " in recent years"
    elif period:
        when = f" for {period}"
    else:
        when = ""
    return f"{_cap(subject)} {verb} {figure}{when}"


def reported(fact: Fact, source: str) -> str:
    """Where and when a figure was reported: " (Trade Desk Wire, 2025-06-12)"."""
    bits = [b for b in (source, fact.article_date) if b]
    return f" ({', '.join(bits)})" if bits else ""


# Words a figure question uses to name its subject or ask for the figure; the ledger
# matched these already (as flow, kind and period), so they need not appear in the source.
_SUBJECT_WORDS = frozenset(
    tokenize(
        "export exports exported import imports imported trade traded bilateral deficit "
        "surplus balance total overall value volume growth grew grow rise rose increase "
        "increased fall fell decline declined drop dropped percent pct share target year "
        "month months first last latest recent most newest figure billion million the a an "
        "of to from in on for with between and by its their country countries goods"
    )
)


# Words that make a sentence's figure measure something else than the flow itself.
_OTHER_MEASURES = frozenset(
    tokenize("price prices cost costs index inflation tariff tariffs duty duties rate rates")
)


_COMPARING = re.compile(r"\b(?:compared?|comparing|versus|vs\.?|against|with)\b", re.I)


def fits_question(question: str, answer: LedgerAnswer, title_of: Callable[[str], str]) -> bool:
    """Whether the ledger's figures are about what ``question`` asks.

    The ledger matches a question by subject (countries, flow, sector) and period only.
    A question naming more than that ("import *prices*", "*sugar* refused for *packaging*",
    "*balanced budget*") is about something else when those words are not in the figure's
    sentence or its article's title, and a sentence about prices, costs, tariffs or rates
    does not answer a question that names none of them; the passages then answer it better.
    """
    if not answer.facts:
        return True
    text = question
    for start, end, _, _ in sorted(country_mentions(question), reverse=True):
        text = text[:start] + " " + text[end:]
    wanted = [t for t in key_terms(text, periods=False) if t not in _SUBJECT_WORDS]
    asked = set(tokenize(question))
    for fact in answer.facts:
        sentence = set(tokenize(fact.sentence))
        if (sentence & _OTHER_MEASURES) - asked:
            continue  # "import prices fell 0.7%" is not what "how much did imports fall" asks
        said = sentence | set(tokenize(title_of(fact.article_id)))
        if all(t in said for t in wanted):
            return True
    return False


class LedgerSource:
    """Figure questions answered from the ledger, as a ``Draft`` citing the figures' sentences.

    Args:
        ledger: the fact ledger.
        records: the ingest records (to find the stored chunk holding a figure's sentence).
        also_reported: the other articles of an article's story group (for its citation).
    """

    name = "ledger"

    def __init__(
        self,
        ledger: Ledger,
        records: Records,
        also_reported: Callable[[str], tuple[OtherReport, ...]] | None = None,
    ) -> None:
        self.ledger = ledger
        self.records = records
        self.also_reported = also_reported

    def draft(
        self,
        question: Question,
        allowed: Callable[[Fact], bool] | None,
        first_n: int,
        passage_answer: Callable[[], Draft | None],
    ) -> Draft | None:
        """A draft from the ledger, or None when the ledger does not answer this question.

        Args:
            question: the analysed question.
            allowed: which facts the filters let through (None: all).
            first_n: the number to give the first passage the ledger cites.
            passage_answer: the extractive draft from the retrieved passages (computed on
                demand): a confident passage sentence whose period agrees wins over a
                ledger that lacks the period (the ledger reads periods by rule).
        """
        query = FactQuery.parse(question.standalone)
        if query is None:
            return None
        if question.kind == "compare" and len(question.compared) >= 2:
            return self._compared(question, query, allowed, first_n)
        found = self.ledger.lookup(query, allowed)
        if found is None:
            return None
        about = found if not found.refused else LedgerAnswer(facts=found.available[-3:])
        if not fits_question(question.standalone, about, self._title):
            return None  # the figure is about something else: answer from the passages
        if found.refused:
            extract = passage_answer()
            asked = list(question.periods)
            if extract is not None and extract.outcome == "answer" and asked and any(
                extract_figure_period_agrees(c, extract.passages, asked) for c in extract.claims
            ):
                return None
        return self._claims(found, first_n)

    def _compared(self, question: Question, query: FactQuery,
                  allowed: Callable[[Fact], bool] | None, first_n: int) -> Draft | None:
        """A comparison: the ledger's figure for each period compared.

        None (the passages answer) when it lacks one, a source disagrees or a figure is
        about something else.
        """
        answers = []
        for period in question.compared[:2]:
            found = self.ledger.lookup(replace(query, period=period), allowed)
            if found is None or found.refused or found.conflict is not None or not found.facts:
                return None
            answers.append(found.facts[0])
        if answers[0].fact_id == answers[1].fact_id:
            return None
        # the two sentences (and titles) together say what is asked: "That was 6.1% less
        # than the 58.8 million tonnes" names the iron ore only in the sentence before
        both = LedgerAnswer(facts=[replace(answers[0], sentence=" ".join(
            f.sentence for f in answers))])
        if not fits_question(_COMPARING.sub(" ", question.standalone), both, lambda _: " ".join(
                self._title(f.article_id) for f in answers)):
            return None
        passages: list[Passage] = []
        claims: list[Claim] = []
        for fact in answers:
            at = self._fact_passage(fact, first_n + len(passages))
            if at is None:
                return None
            passage, i = at
            passages.append(passage)
            claims.append(Claim(f"{sentence_for(fact)}.", [passage.n], [(passage.n, i, i)],
                                note=reported(fact, self._source(fact))))
        return Draft(claims, passages, source=self.name,
                     series=[f.to_dict() for f in answers])

    def _title(self, article_id: str) -> str:
        info = self.records.article(article_id)
        return info.title if info is not None else ""

    def _source(self, fact: Fact) -> str:
        info = self.records.article(fact.article_id)
        return info.source if info else ""

    def _fact_passage(self, fact: Fact, n: int) -> tuple[Passage, int] | None:
        """The stored chunk holding a fact's sentence, as passage ``n``, and the sentence index."""
        rows = self.records.chunks(self.records.chunk_ids(fact.article_id))
        for row in sorted(rows.values(), key=lambda r: r.index):
            if not (row.start <= fact.start and fact.end <= row.end):
                continue
            others = self.also_reported(fact.article_id) if self.also_reported else ()
            passage = Passage(n, to_document(row, score=1.0, dense=1.0, also_reported=others),
                              split_sentences(row.text))
            for i, span in enumerate(passage.sentences):
                if row.start + span.start == fact.start:
                    return passage, i
        return None

    def _claims(self, la: LedgerAnswer, first_n: int) -> Draft | None:
        passages: list[Passage] = []
        claims: list[Claim] = []

        def cite(fact: Fact, text: str, note: str = "") -> bool:
            found = self._fact_passage(fact, first_n + len(passages))
            if found is None:
                return False
            passage, i = found
            passages.append(passage)
            claims.append(Claim(text, [passage.n], [(passage.n, i, i)], note=note))
            return True

        series = [f.to_dict() for f in la.available]
        if la.refused:
            if la.available:
                dated = [f for f in la.available if f.period_end and f.kind != "target"]
                newest = (dated or la.available)[-1]
                if not cite(newest, f"The newest: {sentence_for(newest)}.",
                            reported(newest, self._source(newest))):
                    return None
            return Draft(claims, passages, outcome="partial", lead=la.note, source=self.name,
                         series=series)
        if la.conflict is not None:
            newer, older = la.conflict.newer, la.conflict.older
            subject = sentence_for(newer).split(" were ")[0].split(" was ")[0]
            period = newer.period_label or ""
            claims.append(
                Claim(f"The sources differ on this figure ({subject}, {period}).", [], [])
            )
            # A figure about a sector says so: the fact check reads the claim's subject.
            said = {f.fact_id: (f": {sentence_for(f)}" if f.sector else f" {f.figure}")
                    for f in (newer, older)}
            ok = cite(newer, f"The newer report gives{said[newer.fact_id]}.",
                      reported(newer, self._source(newer)))
            ok = ok and cite(older, f"An earlier report gave{said[older.fact_id]}.",
                             reported(older, self._source(older)))
            return Draft(claims, passages, source=self.name, series=series) if ok else None
        fact = la.facts[0]
        if not cite(fact, f"{sentence_for(fact)}.", reported(fact, self._source(fact))):
            return None
        if la.revised is not None:
            older = la.revised.older
            if not cite(older, f"An earlier version of this story, since revised, said: "
                        f"{sentence_for(older)}.", reported(older, self._source(older))):
                return None
        if la.corroborated:
            n = la.corroborated
            who = "One other independent report gives" if n == 1 else (
                f"{n} other independent reports give"
            )
            claims.append(Claim(f"{who} the same figure.", [], []))
        return Draft(claims, passages, source=self.name, series=series)


def extract_figure_period_agrees(
    claim: Claim, passages: list[Passage], asked: list[Period]
) -> bool:
    """Whether a quoted claim states a figure for a period that agrees with ``asked``."""
    by_n = {p.n: p for p in passages}
    for n, i, j in claim.support:
        p = by_n[n]
        for k in range(i, j + 1):
            stated = [s for s in p.periods_of(k) if not s.base]
            if extract_figures(p.sentence(k)) and stated and periods_compatible(asked, stated):
                return True
    return False
