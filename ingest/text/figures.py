"""Figures in text: "$5.34bn", "7.5 per cent", "1,500", "31.2 billion guilders".

Pure functions. A ``Figure`` is a number as stated, normalised (value, kind, currency),
with its position; ``same_as`` is how verification decides two statements give the
same figure.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ingest.text.periods import MASK, MONTH_PATTERN

__all__ = ["Figure", "extract_figures"]

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


def _in_date(text: str, start: int, end: int, value: str) -> bool:
    """Day of month ("18 March", "March 18") or year: part of a date, not a figure."""
    if re.fullmatch(r"(?:19|20)\d{2}", value):
        return True
    if re.fullmatch(r"\d{1,2}", value):
        after = text[end : end + 12]
        before = text[max(0, start - 12) : start]
        if re.match(rf"\s*(?:st|nd|rd|th)?\s*(?:of\s+)?{MONTH_PATTERN}", after):
            return True
        if re.search(rf"{MONTH_PATTERN}\s*$", before):
            return True
    return False


_RANGE_PCT = re.compile(r"\s*[–-]\s*\d+(?:\.\d+)?\s?(?:%|per ?cent|percent)")

def extract_figures(text: str) -> list[Figure]:
    """Amounts, percentages and counts in ``text`` (years and days of month excluded).

    ISO dates ("2025-03-27") and citation markers ("[1]") are not figures.
    """
    out: list[Figure] = []
    original = text
    text = MASK.sub(lambda m: " " * len(m.group()), text)
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
