"""Figures and periods in text: "$5.34bn", "7.5 per cent", "1,500", "January–May 2025".

Pure functions used by citation verification (a figure in an answer must be the
same figure, for a compatible period, in the sentence it is cited to).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "Figure",
    "Period",
    "context_periods",
    "describe",
    "fill_years",
    "extract_figures",
    "extract_periods",
    "period_spans",
    "periods_compatible",
]

_CURRENCIES: dict[str, str] = {
    "us$": "USD", "usd": "USD", "$": "USD", "dollar": "USD", "dollars": "USD",
    "a$": "AUD", "aud": "AUD", "c$": "CAD", "cad": "CAD", "nz$": "NZD", "hk$": "HKD",
    "r$": "BRL", "brl": "BRL", "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "sterling": "GBP",
    "¥": "JPY", "jpy": "JPY", "yen": "JPY", "yuan": "CNY", "cny": "CNY", "rmb": "CNY",
    "₹": "INR", "inr": "INR", "rupee": "INR", "rupees": "INR", "rs": "INR", "rs.": "INR",
    "₺": "TRY", "try": "TRY", "lira": "TRY", "ksh": "KES", "kes": "KES", "shillings": "KES",
    "aed": "AED", "dirham": "AED", "dirhams": "AED", "won": "KRW", "krw": "KRW",
    "dlr": "USD", "dlrs": "USD", "stg": "GBP",
}
_SCALES: dict[str, float] = {
    "trillion": 1e12, "tn": 1e12, "trn": 1e12,
    "billion": 1e9, "bln": 1e9, "bn": 1e9, "b": 1e9,
    "million": 1e6, "mln": 1e6, "mn": 1e6, "m": 1e6,
    "thousand": 1e3, "k": 1e3,
}
_PREFIX = r"(?P<cur>US\$|A\$|C\$|NZ\$|HK\$|R\$|\$|€|£|¥|₹|₺|KSh|AED|USD|EUR|GBP|JPY|INR|CNY|RMB)"
_NUM = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_SCALE = r"(?P<scale>trillion|billion|million|thousand|bln|mln|trn|tn|bn|mn|[bmk])\b"
_PCT = r"(?P<pct>%|\s?per\s?cent\b|\s?percent\b|\s?pct\b)"
_SUFFIX_CUR = (
    r"(?P<cur2>dollars|dlrs|dlr|euros|euro|pounds|sterling|stg|yen|yuan|rupees|lira|shillings|"
    r"dirhams|won)\b"
)
_FIGURE = re.compile(
    rf"(?<![\w.,]){_PREFIX}?\s?{_NUM}(?:\s?{_SCALE})?{_PCT}?(?:\s(?:of\s)?{_SUFFIX_CUR})?",
    re.IGNORECASE,
)
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
_MONTH = (
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
    r"\b(?:than(?: in| during| for)?|on|from|over|compared (?:with|to)|versus|vs\.?|against)"
    r"(?: the)?(?: same)?(?: period)?(?: of| in)?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Figure:
    """A number as stated: normalised value, kind, currency, and where it is."""

    value: float
    kind: str  # "percent", "amount" (has a currency), or "number"
    currency: str | None
    start: int
    end: int
    text: str

    def same_as(self, other: Figure) -> bool:
        """Whether two statements give the same figure (value, kind, and currency)."""
        if (self.kind == "percent") != (other.kind == "percent"):
            return False
        if self.currency and other.currency and self.currency != other.currency:
            return False
        return math.isclose(self.value, other.value, rel_tol=1e-9, abs_tol=1e-12)


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


def _in_date(text: str, start: int, end: int, value: str) -> bool:
    """Day of month ("18 March", "March 18") or year: part of a date, not a figure."""
    if re.fullmatch(r"(?:19|20)\d{2}", value):
        return True
    if re.fullmatch(r"\d{1,2}", value):
        after = text[end : end + 12]
        before = text[max(0, start - 12) : start]
        if re.match(rf"\s*(?:st|nd|rd|th)?\s*(?:of\s+)?{_MONTH}", after):
            return True
        if re.search(rf"{_MONTH}\s*$", before):
            return True
    return False


_RANGE_PCT = re.compile(r"\s*[–-]\s*\d+(?:\.\d+)?\s?(?:%|per ?cent|percent)")
_MASK = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\[\d+(?:\s*[,;–-]\s*\d+)*\]")


def extract_figures(text: str) -> list[Figure]:
    """Amounts, percentages and counts in ``text`` (years and days of month excluded).

    ISO dates ("2025-03-27") and citation markers ("[1]") are not figures.
    """
    out: list[Figure] = []
    original = text
    text = _MASK.sub(lambda m: " " * len(m.group()), text)
    for m in _FIGURE.finditer(text):
        num = m.group("num")
        cur_raw = m.group("cur") or m.group("cur2")
        scale_raw = m.group("scale")
        pct = m.group("pct")
        if not pct and _RANGE_PCT.match(text, m.end()):
            pct = "%"  # "9–10%": both ends are percentages
        if scale_raw and scale_raw.lower() in ("b", "m", "k") and not cur_raw:
            scale_raw = None  # "5 m" without a currency is too ambiguous
        if not (cur_raw or scale_raw or pct) and _in_date(text, m.start("num"), m.end("num"), num):
            continue
        value = float(num.replace(",", ""))
        if scale_raw:
            value *= _SCALES[scale_raw.lower()]
        kind = "percent" if pct else ("amount" if cur_raw else "number")
        currency = _CURRENCIES.get(cur_raw.lower()) if cur_raw else None
        end = m.end()
        if scale_raw is None and not pct and not cur_raw:
            end = m.end("num")
        out.append(
            Figure(value, kind, currency, m.start(), end, original[m.start() : end].strip())
        )
    return out


def extract_periods(text: str) -> list[Period]:
    """Periods stated in ``text``: "first five months of 2025", "Q1 2025", "May", "2024"."""
    return [p for _, _, p in period_spans(text)]


def period_spans(text: str) -> list[tuple[int, int, Period]]:
    """Like ``extract_periods`` with the character span of each period phrase."""
    return list(_period_spans(text))


@lru_cache(maxsize=16384)
def _period_spans(text: str) -> tuple[tuple[int, int, Period], ...]:
    text = _MASK.sub(lambda m: " " * len(m.group()), text)  # "2025-06-12" names no period
    found: list[tuple[int, int, Period]] = []
    taken: list[tuple[int, int]] = []

    def add(m: re.Match[str], year: int | None, m1: int, m2: int) -> None:
        if any(a < m.end() and m.start() < b for a, b in taken):
            return
        base = bool(_BASE_CUE.search(text[max(0, m.start() - 40) : m.start()]))
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
    for m in re.finditer(
        rf"(?:\bbetween )?\b(?P<a>{_MONTH})\s*(?:–|-|—|to|through|and|until)\s*"
        rf"(?P<b>{_MONTH})(?:,?\s+{_YEAR})?",
        text,
    ):
        a = _MONTHS[m.group("a").rstrip(".").lower()]
        b = _MONTHS[m.group("b").rstrip(".").lower()]
        if a <= b:
            add(m, year_of(m), a, b)
    for m in re.finditer(rf"\b(?P<a>{_MONTH})(?:\s+(?:of\s+)?{_YEAR})?(?!\w)", text):
        word = m.group("a").rstrip(".")
        if word == "May" and not m.group("year"):
            # "May" as a month, not the verb: "in May", "May alone", "May exports".
            before = text[max(0, m.start() - 12) : m.start()].lower()
            if not re.search(r"(?:in|of|for|during|since|by|until|through|and)\s*$", before) and (
                not re.match(r"\s+(?:alone|exports|imports|figures?|data|sales)", text[m.end() :])
            ):
                continue
        month = _MONTHS[word.lower()]
        add(m, year_of(m), month, month)
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


def context_periods(sentence: str, earlier: Sequence[str]) -> list[Period]:
    """The periods a sentence is about, reading its context like a person would.

    Args:
        sentence: the sentence.
        earlier: the sentences before it, nearest first, then the title.

    A sentence with no period of its own ("It was the third decline in a row.")
    takes the nearest earlier text's; a month without a year takes the year of the
    nearest earlier text that states one.
    """
    own = extract_periods(sentence)
    if not any(not p.base for p in own):
        for text in earlier:
            found = [p for p in extract_periods(text) if not p.base]
            if found:
                own = own + found
                break
    return fill_years(own, earlier)


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
