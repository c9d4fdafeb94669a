"""Periods in text: "January–May 2025", "the first quarter of 2025", "May alone", "2024".

Pure functions. A ``Period`` is months ``m1..m2`` of a year (or of an implied year),
possibly a comparison base ("than in January–May 2024"); ``periods_compatible`` is how
verification decides that a claim's period agrees with its source's.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "MASK",
    "MONTH_PATTERN",
    "Period",
    "context_periods",
    "date_year",
    "dated_period_spans",
    "describe",
    "earlier_bases",
    "extract_periods",
    "fill_years",
    "period_spans",
    "periods_compatible",
    "periods_overlap",
    "relative_periods",
]

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}
MONTH_PATTERN = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_WORDNUM = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}
_ORD = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_BASE_CUE = re.compile(
    r"\b(?:than(?: in| during| for)?|on|from|over|compared (?:with|to)|versus|vs\.?|against|"
    r"since|above|below)"
    # the figure compared with may stand between: "from 12.0 billion dlrs in January"
    r"(?:\s+[$€£]?\d[\d.,/-]*(?:\s+(?:billion|bln|mln|million|pct|per cent|percent|dlrs?|"
    r"dollars?|yen|marks|francs|stg|guilders|crowns|lire|tonnes|points?)){0,3})?"
    r"(?: the)?(?: same)?(?: period)?(?: of| in| for)?\s*$",
    re.IGNORECASE,
)


_LOWER_MONTH = re.compile(
    r"(?:\b(?:in|of|for|during|since|from|to|until|through|and|end-|mid-)\s*)"
    r"(?P<a>january|february|march|april|june|july|august|september|october|november|"
    r"december)(?:\s+(?:of\s+)?(?P<year>(?:19|20)\d{2}))?(?![\w-])"
    r"|(?P<a2>january|february|april|june|july|august|september|october|november|december)"
    r"\s+(?P<year2>(?:19|20)\d{2})\b"
)


class _Span:
    """A match-like span (start, end) for a phrase found inside a longer match."""

    def __init__(self, start: int, end: int) -> None:
        self._start, self._end = start, end

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end


@dataclass(frozen=True)
class Period:
    """A stated period: months ``m1..m2`` of ``year`` (None when the year is implied)."""

    year: int | None
    m1: int
    m2: int
    base: bool = False  # a comparison base ("higher than in January–May 2024")

    def matches(self, other: Period) -> bool:
        """Same months, and the same year where both state one."""
        if (self.m1, self.m2) != (other.m1, other.m2):
            return False
        return self.year is None or other.year is None or self.year == other.year


# A base figure described before its period: "compared with a deficit of 1.76 billion dlrs
# in February 1986", "42 pct above the 16.98 billion dlrs recorded in February 1986". The
# words between hold a figure and no "to" ("from a year earlier to 3 billion in March" is
# March's figure, not a base).
_CHANGE_VERB = (r"(?:rose|fell|grew|climbed|declined|dropped|increased|decreased|jumped|slipped|"
                r"eased|gained|totalled|totaled|reached)\b")
"""A verb between a comparison word and a figure: the figure is the verb's ("other than coffee
rose 55 pct in January" is January's rise, no base)."""
_BASE_PHRASE = re.compile(
    r"\b(?:than|from|over|compared (?:with|to)|versus|vs\.?|against|above|below)\s+"
    rf"(?:(?!to\b|{_CHANGE_VERB})[^\s.;:,]+\s+){{0,6}}?[$€£]?\d(?:[\d.,/-]*\d)?"
    r"(?:\s+(?!to\b)[^\s.;:,]+){0,5}?"
    r"\s+(?:in|of|for|during|at end-|at the end of)\s*$"
    # or no figure at all: "a 5.2 billion deficit, compared with a balance in 1985"
    r"|\bcompared (?:with|to)\s+(?:an? |the )?(?:[\w-]+\s+)?(?:deficit|surplus|balance|gain|"
    r"rise|fall|decline|increase|drop|loss|profit|level|total|figure)s?\s+(?:in|of|for|during)"
    r"\s*$",
    re.I,
)


def is_base(text: str, start: int) -> bool:
    """Whether the period phrase at ``start`` of ``text`` is a comparison base."""
    return bool(_BASE_CUE.search(text[max(0, start - 40) : start])
                or _BASE_PHRASE.search(text[max(0, start - 90) : start]))


MASK = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\[\d+(?:\s*[,;–-]\s*\d+)*\]")
"""ISO dates and citation markers: neither names a figure or a period."""


def extract_periods(text: str) -> list[Period]:
    """Periods stated in ``text``: "first five months of 2025", "Q1 2025", "May", "2024"."""
    return [p for _, _, p in period_spans(text)]


def period_spans(text: str) -> list[tuple[int, int, Period]]:
    """Like ``extract_periods`` with the character span of each period phrase."""
    return list(_period_spans(text))


@lru_cache(maxsize=16384)
def _period_spans(text: str) -> tuple[tuple[int, int, Period], ...]:
    text = MASK.sub(lambda m: " " * len(m.group()), text)  # "2025-06-12" names no period
    text = re.sub(r"[\t\n\r\f\v]", " ", text)  # hard-wrapped newswire: "the first eight\nmonths"
    found: list[tuple[int, int, Period]] = []
    taken: list[tuple[int, int]] = []

    def add(m: re.Match[str], year: int | None, m1: int, m2: int) -> None:
        if any(a < m.end() and m.start() < b for a, b in taken):
            return
        base = is_base(text, m.start())
        taken.append((m.start(), m.end()))
        found.append((m.start(), m.end(), Period(year, m1, m2, base)))

    def year_of(m: re.Match[str]) -> int | None:
        y = m.groupdict().get("year")
        return int(y) if y else None

    num_words = "|".join(list(_WORDNUM) + [r"\d{1,2}"])
    for m in re.finditer(
        rf"\bfirst (?P<n>{num_words}) months(?: of(?: the year)?)?(?:,? {_YEAR})?", text, re.I
    ):
        n_raw = m.group("n").lower()
        n = _WORDNUM.get(n_raw) or int(n_raw)
        if 1 <= n <= 12:
            add(m, year_of(m), 1, n)
    for m in re.finditer(
        rf"\b(?:last|final|closing) (?P<n>{num_words}) months(?: of(?: the year)?)?(?:,? {_YEAR})?",
        text, re.I,
    ):
        n_raw = m.group("n").lower()
        n = _WORDNUM.get(n_raw) or int(n_raw)
        if 1 <= n <= 12 and (m.group("year") or "year" in m.group()):
            add(m, year_of(m), 13 - n, 12)
    for m in re.finditer(rf"\b(?:final|last) quarter of(?: the year)?(?:,? {_YEAR})?", text, re.I):
        if m.group("year") or "year" in m.group():
            add(m, year_of(m), 10, 12)
    for m in re.finditer(
        rf"\b(?P<q>first|second|third|fourth|1st|2nd|3rd|4th)[ -]quarter(?: of)?(?:,? {_YEAR})?",
        text, re.I,
    ):
        q = _ORD[m.group("q").lower()]
        add(m, year_of(m), 3 * q - 2, 3 * q)
    for m in re.finditer(rf"\bQ(?P<q>[1-4])(?:\s|-|/)?{_YEAR}?\b", text):
        q = int(m.group("q"))
        add(m, year_of(m), 3 * q - 2, 3 * q)
    for m in re.finditer(rf"\b(?P<h>first|second|1st|2nd) half(?: of)?(?:,? {_YEAR})?", text, re.I):
        h = _ORD[m.group("h").lower()]
        add(m, year_of(m), 6 * h - 5, 6 * h)
    for m in re.finditer(rf"\bH(?P<h>[12])(?:\s|-|/)?{_YEAR}?\b", text):
        h = int(m.group("h"))
        add(m, year_of(m), 6 * h - 5, 6 * h)
    for m in re.finditer(  # "the year ended December 31": a calendar year, not December
        rf"\b(?:(?:fiscal|financial|calendar|business)\s+)?(?:year|12 months|twelve months)\s+"
        rf"(?:ended|ending|to|through)\s+(?:Dec(?:ember|\.)?|december)(?:\s+3[01])?"
        rf"(?:,?\s+{_YEAR})?", text, re.I,
    ):
        add(m, year_of(m), 1, 12)
    for m in re.finditer(
        rf"(?:\bbetween )?\b(?P<a>{MONTH_PATTERN})\s*(?:–|-|—|to|through|and|until|/)\s*"
        rf"(?:{MONTH_PATTERN}\s*/\s*)?"  # "April/May/July shipment"
        rf"(?P<b>{MONTH_PATTERN})(?:,?\s+{_YEAR})?",
        text,
    ):
        a = _MONTHS[m.group("a").rstrip(".").lower()]
        b = _MONTHS[m.group("b").rstrip(".").lower()]
        if a <= b:
            add(m, year_of(m), a, b)
    for m in re.finditer(rf"\b(?P<a>{MONTH_PATTERN})(?:\s+(?:of\s+)?{_YEAR})?(?!\w)", text):
        word = m.group("a").rstrip(".")
        if word == "May" and not m.group("year"):
            # "May" as a month, not the verb: "in May", "May alone", "May exports".
            before = text[max(0, m.start() - 12) : m.start()].lower()
            if not re.search(r"(?:in|of|for|during|since|by|until|through|and)\s*$", before) and (
                not re.match(
                    r"\s+(?:alone|exports|imports|figures?|data|sales|trade|output|production|"
                    r"housing|starts|surplus|deficit|prices?|index|unemployment|money|reserves|"
                    r"orders|shipments|deliveries|payments)\b",
                    text[m.end() :],
                )
            ):
                continue
        month = _MONTHS[word.lower()]
        add(m, year_of(m), month, month)
    for m in _LOWER_MONTH.finditer(text):  # "in february", "january 1987" (wire copy)
        key = "a" if m.group("a") else "a2"
        year = m.group("year") or m.group("year2")
        month = _MONTHS[m.group(key)]
        add(_Span(m.start(key), m.end()), int(year) if year else None,  # type: ignore[arg-type]
            month, month)
    for m in re.finditer(
        rf"\b(?:year-)?end[- ](?:of\s+)?(?:the\s+)?(?:year\s+)?{_YEAR}\b", text, re.I
    ):
        add(m, int(m.group("year")), 12, 12)  # "end-1986": a level at the year's end
    for m in re.finditer(rf"\b{_YEAR}\b", text):
        add(m, int(m.group("year")), 1, 12)
    found.sort(key=lambda f: (f[0], f[1]))
    return tuple(found)


_MONTH_NAMES = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]


def describe(period: Period) -> str:
    """A period in words: "2024", "May 2025", "January–May 2025", "the first quarter of 2025"."""
    year = f" {period.year}" if period.year else ""
    if (period.m1, period.m2) == (1, 12):
        return str(period.year) if period.year else "the whole year"
    if period.m1 == period.m2:
        return f"{_MONTH_NAMES[period.m1 - 1]}{year}"
    quarters = {(1, 3): "first", (4, 6): "second", (7, 9): "third", (10, 12): "fourth"}
    if (period.m1, period.m2) in quarters:
        return f"the {quarters[(period.m1, period.m2)]} quarter{' of' + year if year else ''}"
    return f"{_MONTH_NAMES[period.m1 - 1]}–{_MONTH_NAMES[period.m2 - 1]}{year}"


def fill_years(periods: list[Period], earlier: Sequence[str]) -> list[Period]:
    """Give a month without a year ("May alone") the year of the nearest earlier text."""
    if not any(p.year is None for p in periods):
        return periods
    year = next(
        (
            p.year
            for text in earlier
            for p in extract_periods(text)
            if p.year is not None and not p.base
        ),
        None,
    )
    if year is None:
        return periods
    return [Period(year, p.m1, p.m2, p.base) if p.year is None else p for p in periods]


_RELATIVE = re.compile(
    r"\b(?P<ago>this time last year)\b"
    r"|\b(?P<which>last|this|next|the current|the previous|the coming|the past)\s+"
    r"(?P<unit>year|month|quarter|week)\b"
    r"|\b(?P<day>yesterday|today|tomorrow|tonight|last night|overnight|this morning|"
    r"this afternoon|so far this week)\b"
    r"|\b(?P<wwhich>on|last|this|next)\s+(?P<wd>monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday)\b",
    re.I,
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_YEAR_AFTER = re.compile(
    r"\s*,?\s*(?:of\s+)?(?:the\s+)?(?P<which>last|this|next|previous|current|coming)\s+year\b",
    re.I,
)


def _reference(date: str | None) -> tuple[int, int] | None:
    """``(year, month)`` of an ISO date ("1987-03-02"), or None."""
    m = re.match(r"((?:18|19|20|21)\d\d)-(\d\d)", date or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def _days_from(date: str | None, days: int) -> tuple[int, int] | None:
    """``(year, month)`` ``days`` after an ISO date (negative: before)."""
    m = re.match(r"((?:18|19|20|21)\d\d)-(\d\d)-(\d\d)", date or "")
    if not m:
        return _reference(date)
    d = _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))) + _dt.timedelta(days=days)
    return d.year, d.month


def _weekday_offset(date: str | None, name: str, which: str) -> int:
    """Days from the date to the weekday it names ("last Thursday", "on Wednesday")."""
    m = re.match(r"((?:18|19|20|21)\d\d)-(\d\d)-(\d\d)", date or "")
    if not m:
        return 0
    today = _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).weekday()
    back = (today - _WEEKDAYS.index(name.lower())) % 7
    if which == "next":
        return (7 - back) % 7 or 7
    if which == "last":
        return -(back or 7)
    return -back


def dated_period_spans(text: str, date: str | None) -> list[tuple[int, int, Period]]:
    """``period_spans`` and the periods named relative to the text's date, with spans.

    "last year", "this month" and "yesterday" resolve against ``date`` (the article's ISO
    date); without a date only the absolute phrases are found.
    """
    return list(_dated_period_spans(text, date))


@lru_cache(maxsize=16384)
def _dated_period_spans(text: str, date: str | None) -> tuple[tuple[int, int, Period], ...]:
    """``dated_period_spans``, cached: the ledger reads a sentence's periods once per figure."""
    return tuple(_dated_spans(text, date))


_YEAR_ENDED = re.compile(r"(?:\w+\s+)?(?:year|12 months|twelve months)\s+(?:ended|ending|to|"
                         r"through)\s+dec", re.I)


def _dated_spans(text: str, date: str | None) -> list[tuple[int, int, Period]]:
    spans = list(period_spans(text))
    ref = _reference(date)
    if ref is None:
        return spans
    year_now = ref[0]
    for k, (a, b, p) in enumerate(spans):
        after = _YEAR_AFTER.match(text, b)
        if p.year is None and after:  # "in February last year", "the first quarter of this year"
            step = {"last": -1, "previous": -1, "next": 1, "coming": 1}.get(
                after.group("which").lower(), 0)
            spans[k] = (a, after.end(), Period(year_now + step, p.m1, p.m2, p.base))
        elif p.year is None and _YEAR_ENDED.match(text, a):  # the last calendar year over
            spans[k] = (a, b, Period(year_now if ref[1] == 12 else year_now - 1, 1, 12, p.base))
    taken = [(a, b) for a, b, _ in spans]
    for m in _RELATIVE.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        found = relative_periods(m.group(), date)
        if found:
            base = is_base(text, m.start())
            p = found[0]
            spans.append((m.start(), m.end(), Period(p.year, p.m1, p.m2, base)))
    spans.sort(key=lambda s: (s[0], s[1]))
    return _possessive_years(text, spans)


def _possessive_years(text: str, spans: list[tuple[int, int, Period]]
                      ) -> list[tuple[int, int, Period]]:
    """A year owning the period after it is that period's year.

    "last year's second quarter" is April-June of last year, one period, not a year and a
    yearless quarter; so is "1986's first half".
    """
    out: list[tuple[int, int, Period]] = []
    for a, b, p in spans:
        if out:
            a0, b0, p0 = out[-1]
            if (p0.year is not None and (p0.m1, p0.m2) == (1, 12) and p.year is None
                    and (p.m1, p.m2) != (1, 12)
                    and re.fullmatch(r"['’]s\s+(?:own\s+)?", text[b0:a])):
                out[-1] = (a0, b, Period(p0.year, p.m1, p.m2, p.base or p0.base))
                continue
        out.append((a, b, p))
    return out


def date_year(period: Period, date: str | None) -> Period:
    """A month without a year, given the most recent such year up to the article's date.

    "in February" written in March 1987 is February 1987; written in January 1987, it is
    February 1986.
    """
    ref = _reference(date)
    if period.year is not None or ref is None:
        return period
    year, month = ref
    return Period(year if period.m1 <= month else year - 1, period.m1, period.m2, period.base)


def relative_periods(text: str, date: str | None) -> list[Period]:
    """Periods named relative to a text's date: "last year", "this month", "next quarter".

    Args:
        text: the text (a sentence).
        date: the date it was written (its article's ISO date); None resolves nothing.
    """
    ref = _reference(date)
    if ref is None:
        return []
    year, month = ref
    out: list[Period] = []
    for m in _RELATIVE.finditer(text):
        base = is_base(text, m.start())
        if m.group("ago"):  # "this time last year"
            out.append(Period(year - 1, month, month, base))
            continue
        if m.group("day") or m.group("wd"):
            days = {"yesterday": -1, "tomorrow": 1, "last night": -1, "overnight": -1}.get(
                (m.group("day") or "").lower(), 0)
            if m.group("wd"):
                days = _weekday_offset(date, m.group("wd"), m.group("wwhich").lower())
            y, mo = _days_from(date, days) or (year, month)
            out.append(Period(y, mo, mo, base))
            continue
        which, unit = m.group("which").lower(), m.group("unit").lower()
        step = {"last": -1, "the previous": -1, "the past": -1, "next": 1, "the coming": 1}.get(
            which, 0
        )
        if unit == "year":
            out.append(Period(year + step, 1, 12, base))
        elif unit == "month":
            y, mo = divmod((year * 12 + month - 1) + step, 12)
            out.append(Period(y, mo + 1, mo + 1, base))
        elif unit == "week":
            y, mo = _days_from(date, 7 * step) or (year, month)
            out.append(Period(y, mo, mo, base))
        else:
            q = (month - 1) // 3 + step
            y, q = year + q // 4, q % 4
            out.append(Period(y, 3 * q + 1, 3 * q + 3, base))
    return out


def context_periods(
    sentence: str, earlier: Sequence[str], date: str | None = None
) -> list[Period]:
    """The periods a sentence is about, reading its context like a person would.

    Args:
        sentence: the sentence.
        earlier: the sentences before it, nearest first, then the title.
        date: the article's ISO date: "last year", "this month" resolve against it, and a
            month without a year that no earlier text dates is taken as the most recent
            such month up to the article's date ("in February", written in March 1987).

    A sentence with no period of its own ("It was the third decline in a row.")
    takes the nearest earlier text's; a month without a year is read against the
    article's date (see above), or in undated text takes the year of the nearest
    earlier text that states one.
    """
    own = [p for _, _, p in dated_period_spans(sentence, date)]
    if not any(not p.base for p in own):
        for text in earlier:
            found = [p for _, _, p in dated_period_spans(text, date) if not p.base]
            if found:
                own = own + found
                break
    ref = _reference(date)
    # In a dated article a month without a year is the latest such month up to the date:
    # another sentence's year may be a record's ("the worst since 1953") or another
    # clause's; undated text takes the nearest earlier text's year.
    if ref is None:
        own = fill_years(own, earlier)
    if ref is not None and any(p.year is None for p in own):
        own = [date_year(p, date) for p in own]
    return own


_A_YEAR_EARLIER = re.compile(
    r"\b(?:a|one) year (?:earlier|before|ago)\b|\byear-(?:earlier|ago)\b|\bthe (?:previous|prior|"
    r"preceding|year-earlier) (?:year|period)\b|\bthe same (?:month|period|quarter|time|months) "
    r"(?:of |in )?(?:last|the previous|a year earlier|the year before)\b|\bthe year before\b",
    re.I,
)
_A_MONTH_EARLIER = re.compile(
    r"\b(?:a|one) month (?:earlier|before)\b|\bthe (?:previous|prior|preceding) month\b|"
    r"\bin the month before\b",
    re.I,
)


def earlier_bases(text: str, stated: Sequence[Period]) -> list[Period]:
    """The comparison bases a sentence names relative to its own period.

    "1.45 billion in March against 1.02 billion a year earlier" also states March of the
    year before; "up from 2.1 pct the previous month" the month before a single month.
    """
    dated = [p for p in stated if not p.base and p.year is not None]
    if not dated:
        return []
    out: list[Period] = []
    if _A_YEAR_EARLIER.search(text):
        out += [Period(p.year - 1, p.m1, p.m2, True) for p in dated if p.year]
    if _A_MONTH_EARLIER.search(text):
        for p in dated:
            if p.year and p.m1 == p.m2:
                y, mo = divmod(p.year * 12 + p.m1 - 2, 12)
                out.append(Period(y, mo + 1, mo + 1, True))
    return out


def periods_overlap(claim: list[Period], source: list[Period]) -> bool:
    """Whether some claim period shares a month with some source period (same year)."""
    return any(
        c.m1 <= s.m2 and s.m1 <= c.m2
        and (c.year is None or s.year is None or c.year == s.year)
        for c in claim for s in source if not s.base
    )


def periods_compatible(claim: list[Period], source: list[Period]) -> bool:
    """Whether a claim's periods agree with the periods of the sentence a figure came from.

    True when the claim states no period, when the source sentence states none
    (the caller checks the passage), or when some claim period matches some
    source period. A comparison base ("than in January–May 2024") also stands for
    the same months a year later (the period being compared).
    """
    if not claim or not source:
        return True
    for c in claim:
        for s in source:
            if s.base:  # "8% on May 2024" is a May 2025 figure, not a May 2024 one
                if s.year is not None and c.matches(Period(s.year + 1, s.m1, s.m2)):
                    return True
            elif c.matches(s):
                return True
    return False
