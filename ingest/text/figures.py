"""Figures in text: "$5.34bn", "7.5 per cent", "1,500", "31.2 billion guilders".

Pure functions. A ``Figure`` is a number as stated, normalised (value, kind, currency),
with its position; ``same_as`` is how verification decides two statements give the
same figure.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from ingest.text.periods import MASK, MONTH_PATTERN

__all__ = ["AMBIGUOUS", "Figure", "extract_figures", "named_dollar", "resolve_currency"]

_CURRENCIES: dict[str, str] = {
    "us$": "USD", "usd": "USD", "$": "USD", "dollar": "*dollar", "dollars": "*dollar",
    "a$": "AUD", "aud": "AUD", "c$": "CAD", "cad": "CAD", "nz$": "NZD", "hk$": "HKD",
    "r$": "BRL", "brl": "BRL", "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "£": "GBP", "gbp": "GBP", "pound": "*pound", "pounds": "*pound", "sterling": "GBP",
    "¥": "JPY", "jpy": "JPY", "yen": "JPY", "yuan": "CNY", "cny": "CNY", "rmb": "CNY",
    "₹": "INR", "inr": "INR", "rupee": "*rupee", "rupees": "*rupee", "rs": "INR", "rs.": "INR",
    "₺": "TRY", "try": "TRY", "lira": "TRY", "ksh": "KES", "kes": "KES",
    "shillings": "*shilling", "shilling": "*shilling", "taka": "BDT",
    "aed": "AED", "dirham": "AED", "dirhams": "AED", "won": "KRW", "krw": "KRW",
    "dlr": "*dollar", "dlrs": "*dollar", "stg": "GBP",
    # currencies of 1980s newswire
    "marks": "DEM", "mark": "DEM", "guilders": "NLG", "guilder": "NLG", "lire": "ITL",
    "pesetas": "ESP", "peseta": "ESP", "ecus": "XEU", "ecu": "XEU", "sdrs": "XDR",
    "sdr": "XDR", "roubles": "RUB", "rubles": "RUB", "rand": "ZAR", "schillings": "ATS",
    "escudos": "PTE", "drachmas": "GRD", "forints": "HUF", "zlotys": "PLN", "markka": "FIM",
    "markkaa": "FIM", "rupiah": "IDR", "ringgit": "MYR", "baht": "THB", "naira": "NGN",
    "riyals": "*riyal", "riyal": "*riyal", "rials": "*riyal", "dinars": "*dinar",
    "australs": "ARA", "australes": "ARA",
    "cruzados": "BRC", "kyats": "MMK", "bolivianos": "BOB", "sucres": "ECS", "intis": "PEI",
    "shekels": "ILS", "european currency units": "XEU",
    # the country decides: see AMBIGUOUS
    "francs": "*franc", "franc": "*franc", "crowns": "*crown", "crown": "*crown",
    "kronor": "SEK", "kroner": "*crown", "pesos": "*peso", "peso": "*peso",
}
_ADJECTIVE_CURRENCY: dict[tuple[str, str], str] = {
    ("canadian", "dlr"): "CAD", ("australian", "dlr"): "AUD", ("hong kong", "dlr"): "HKD",
    ("h.k.", "dlr"): "HKD", ("hk", "dlr"): "HKD", ("new zealand", "dlr"): "NZD",
    ("n.z.", "dlr"): "NZD", ("singapore", "dlr"): "SGD", ("taiwan", "dlr"): "TWD",
    ("u.s.", "dlr"): "USD", ("us", "dlr"): "USD", ("american", "dlr"): "USD",
    ("malaysian", "dlr"): "MYR", ("zimbabwe", "dlr"): "ZWD",
    ("french", "franc"): "FRF", ("belgian", "franc"): "BEF", ("swiss", "franc"): "CHF",
    ("luxembourg", "franc"): "LUF", ("cfa", "franc"): "XOF",
    ("danish", "crown"): "DKK", ("swedish", "crown"): "SEK", ("norwegian", "crown"): "NOK",
    ("mexican", "peso"): "MXN", ("philippine", "peso"): "PHP", ("chilean", "peso"): "CLP",
    ("colombian", "peso"): "COP", ("argentine", "peso"): "ARS",
    ("german", "mark"): "DEM", ("west german", "mark"): "DEM", ("d", "mark"): "DEM",
    ("deutsche", "mark"): "DEM", ("finnish", "mark"): "FIM",
    ("saudi", "riyal"): "SAR", ("kuwaiti", "dinar"): "KWD", ("indian", "rupee"): "INR",
    ("pakistani", "rupee"): "PKR", ("sri lankan", "rupee"): "LKR",
    ("kenyan", "shilling"): "KES", ("austrian", "schilling"): "ATS",
    ("irish", "pound"): "IEP", ("egyptian", "pound"): "EGP", ("turkish", "lira"): "TRL",
    ("italian", "lira"): "ITL", ("syrian", "pound"): "SYP", ("lebanese", "pound"): "LBP",
    ("sudanese", "pound"): "SDP", ("qatari", "riyal"): "QAR", ("omani", "rial"): "OMR",
    ("bahraini", "dinar"): "BHD", ("iraqi", "dinar"): "IQD", ("jordanian", "dinar"): "JOD",
    ("libyan", "dinar"): "LYD", ("tunisian", "dinar"): "TND", ("algerian", "dinar"): "DZD",
    ("tanzanian", "shilling"): "TZS", ("ugandan", "shilling"): "UGX",
}
AMBIGUOUS: dict[str, dict[str, str]] = {
    "*dollar": {"": "USD"},  # the article's own dollar when it names one (Canadian, H.K.)
    "*franc": {"France": "FRF", "Belgium": "BEF", "Switzerland": "CHF", "Luxembourg": "LUF",
               "": "FRF"},
    "*crown": {"Denmark": "DKK", "Sweden": "SEK", "Norway": "NOK", "": "SEK"},
    "*rupee": {"India": "INR", "Sri Lanka": "LKR", "Pakistan": "PKR", "Nepal": "NPR",
               "Mauritius": "MUR", "": "INR"},
    "*cent": {"Malaysia": "MYR", "Singapore": "SGD", "Sri Lanka": "LKR", "Hong Kong": "HKD",
              "Canada": "CAD", "Australia": "AUD", "New Zealand": "NZD", "Taiwan": "TWD",
              "": "USD"},
    "*pound": {"Egypt": "EGP", "Syria": "SYP", "Lebanon": "LBP", "Sudan": "SDP",
               "Ireland": "IEP", "Cyprus": "CYP", "": "GBP"},
    "*riyal": {"Qatar": "QAR", "Oman": "OMR", "Iran": "IRR", "Yemen": "YER", "": "SAR"},
    "*dinar": {"Bahrain": "BHD", "Iraq": "IQD", "Jordan": "JOD", "Libya": "LYD",
               "Tunisia": "TND", "Algeria": "DZD", "Yugoslavia": "YUD", "": "KWD"},
    "*shilling": {"Tanzania": "TZS", "Uganda": "UGX", "Somalia": "SOS", "": "KES"},
    "*peso": {"Mexico": "MXN", "Philippines": "PHP", "Chile": "CLP", "Colombia": "COP",
              "Argentina": "ARS", "": "MXN"},
}
"""A currency word that several countries use: the code by the figure's country."""

_SCALES: dict[str, float] = {
    "trillion": 1e12, "tn": 1e12, "trn": 1e12,
    "billion": 1e9, "bln": 1e9, "bn": 1e9, "b": 1e9,
    "million": 1e6, "mln": 1e6, "mn": 1e6, "m": 1e6,
    "thousand": 1e3, "k": 1e3,
}
_WORDS: dict[str, float] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "a hundred": 100, "one hundred": 100, "a": 1, "half a": 0.5,
}
_PARTS: dict[str, float] = {
    "one-half": 50.0, "one-third": 100 / 3, "two-thirds": 200 / 3,
    "one-quarter": 25.0, "three-quarters": 75.0, "one-fifth": 20.0,
}
_PREFIX = r"(?P<cur>US\$|A\$|C\$|NZ\$|HK\$|R\$|\$|€|£|¥|₹|₺|KSh|AED|USD|EUR|GBP|JPY|INR|CNY|RMB)"
_NUM = (
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:(?P<frac>[- ](?P<fn>\d{1,2})/(?P<fd>2|4|8|16|32|3)))?(?![\d/])(?!(?:st|nd|rd|th)\b)"
)
_SCALE = r"(?P<scale>trillion|billion|million|thousand|bln|mln|trn|tn|bn|mn|[bmk])\b"
_PCT = r"(?P<pct>%|\s?per\s?cent\b|\s?percent\b|\s?pct\b)"
_FIGURE = re.compile(
    rf"(?<![\w.,/-]){_PREFIX}?\s?{_NUM}(?:[\s-]?{_SCALE})?{_PCT}?",
    re.IGNORECASE,
)
_SCALED = re.compile(r"(?:trillion|billion|million|thousand|bln|mln|trn|tn|bn|mn)\b", re.I)
_WORD_FIGURE = re.compile(
    r"(?<![\w-])(?P<word>half a|a hundred|one hundred|one|two|three|four|five|six|seven|"
    r"eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|"
    r"ninety|a)[\s-](?P<scale>trillion|billion|million|bln|mln)\b"
    r"|(?<![\w-])(?P<part>two-thirds|one-third|one-half|one-quarter|three-quarters|one-fifth)"
    r"(?![\w-])"
    r"|(?<![\w-])(?P<dozen>a dozen)(?![\w-])"
    r"|(?<!first )(?<!last )(?<!past )(?<!next )(?<!final )(?<!closing )(?<!the )"
    r"(?<![\w-])(?P<bare>one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|forty|fifty)(?=[-\s](?:years?|months?|weeks?|days?)\b|"
    r"\s(?:tonnes|companies|firms|banks|ships|vessels|plants|factories|agreements|"
    r"contracts|cargoes|cargos|shipments|offers|bids|tenders|mines|mills|refineries|"
    r"exporters|importers|producers|countries|nations|marks|francs|dlrs)\b|"
    r"\s[a-z-]+\s(?:firms|companies|banks|cargoes|offers|shipments|plants|mines|mills|"
    r"refineries|contracts)\b|"
    r"\s+(?:and|to|or)\s+(?:\d|one|two|three|four|five|six|seven|eight|nine|ten)\b)"
    r"|(?<![\w-])(?P<pword>one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|forty|fifty|zero|nil|half a|half of one)"
    r"(?P<pct>\s(?:pct|percent|per cent)|%)(?!\w)",
    re.IGNORECASE,
)
_ADJECTIVES = (
    r"U\.S\.|US|Canadian|Australian|Hong Kong|H\.K\.|HK|New Zealand|N\.Z\.|Singapore|Taiwan|"
    r"American|Malaysian|Zimbabwe|French|Belgian|Swiss|Luxembourg|CFA|Danish|Swedish|"
    r"Norwegian|Mexican|Philippine|Chilean|Colombian|Argentine|West German|German|Deutsche|D|"
    r"Finnish|Saudi|Kuwaiti|Indian|Pakistani|Sri Lankan|Kenyan|Austrian|Irish|Egyptian|"
    r"Turkish|Italian|Syrian|Lebanese|Sudanese|Qatari|Omani|Bahraini|Iraqi|Jordanian|Libyan|"
    r"Tunisian|Algerian|Tanzanian|Ugandan"
)
_SUFFIX_CUR = re.compile(
    rf"(?P<of>[\s-](?:of\s)?)(?:(?P<adj>{_ADJECTIVES})[\s-])?"
    r"(?P<word>dollars|dollar|dlrs|dlr|euros|euro|pounds|pound|sterling|stg|yen|yuan|rupees|"
    r"rupee|lira|lire|shillings|schillings|dirhams|won|marks|mark|guilders|guilder|pesetas|"
    r"ecus|ecu|sdrs|sdr|roubles|rubles|rand|escudos|drachmas|forints|zlotys|markkaa|markka|"
    r"rupiah|ringgit|baht|naira|riyals|riyal|rials|dinars|taka|australs|australes|cruzados|kyats|francs|"
    r"bolivianos|sucres|intis|shekels|European\s+Currency\s+Units|"
    r"franc|crowns|crown|kronor|kroner|pesos|peso)\b",
    re.IGNORECASE,
)
_CENTS = re.compile(
    r"\s(?:(?P<adj>U\.S\.|US|Canadian|Australian)\s)?(?P<word>cents?|cts|pence)\b", re.IGNORECASE
)
_UNITS: tuple[tuple[str, str], ...] = (
    (r"long tons?", "long tons"), (r"short tons?", "short tons"),
    (r"(?:metric )?(?:tonnes?|tons?)(?! of (?:oil|coal) equivalent)", "tonnes"),
    (r"(?:barrels?|bbls?) (?:a|per) day|barrels? daily|bpd|b/d", "barrels/day"),
    (r"barrels?|bbls?", "barrels"), (r"(?:troy )?(?:ounces?|ozs?)", "ounces"),
    (r"lbs?|pounds of", "lbs"), (r"bags", "bags"), (r"bushels?", "bushels"),
    (r"bales", "bales"), (r"head of cattle|head", "head"), (r"gallons", "gallons"),
    (r"kilograms?|kilos?|kgs?", "kg"), (r"hectares?", "hectares"),
    (r"cubic met(?:re|er)s", "cubic metres"), (r"cubic feet", "cubic feet"), (r"acres", "acres"),
    (r"basis points|(?:percentage )?points?", "points"), (r"shares", "shares"),
    (r"hours", "hours"), (r"TEU", "TEU"), (r"years?", "years"), (r"months?", "months"),
    (r"weeks?", "weeks"), (r"days?", "days"),
)
_UNIT = re.compile(
    r"\s(?:(?:mln|billion|million)\s)?(?:"
    + "|".join(f"(?P<u{i}>{p})" for i, (p, _) in enumerate(_UNITS))
    + r")(?![\w-])",
    re.IGNORECASE,
)
_LINK = re.compile(
    r"^\s*(?:,\s*)?(?:from|to|against|versus|vs\.?|compared with|compared to|and|or|after|"
    r"before|from a|to a)\s+(?:an?\s+)?(?:revised\s+|adjusted\s+|record\s+)?$"
    r"|^\s*(?:-|–|/)\s*$|^\s*\(\s*$",
    re.IGNORECASE,
)
_LINK_WORD = re.compile(
    r"\b(?:from|to|against|versus|vs|compared|and|or|after|before|while|with|but)\b"
    r"|[(,]|\s[-–]\s",
    re.IGNORECASE,
)
_MAX_GAP = 60


@dataclass(frozen=True)
class Figure:
    """A number as stated: normalised value, kind, currency, and where it is."""

    value: float
    kind: str  # "percent", "amount" (has a currency), or "number"
    currency: str | None
    start: int
    end: int
    text: str
    unit: str | None = None  # a physical unit or thing counted ("tonnes", "barrels/day")
    carried: bool = False  # the currency, unit or percent sign is another figure's

    def same_as(self, other: Figure) -> bool:
        """Whether two statements give the same figure (value, kind, and currency)."""
        if (self.kind == "percent") != (other.kind == "percent"):
            return False
        if self.currency and other.currency and self.currency != other.currency:
            return False
        return math.isclose(self.value, other.value, rel_tol=1e-9, abs_tol=1e-12)


def resolve_currency(code: str | None, country: str | None, dollar: str | None = None
                     ) -> str | None:
    """The ISO code of a currency word several countries use ("francs"), by country.

    ``dollar``: the dollar an article names ("Canadian dlrs"), for its bare "dlrs".
    """
    if code is None or not code.startswith("*"):
        return code
    if code == "*dollar":
        return dollar or "USD"
    if code == "*cent":  # a cent of the story's own dollar, else of its country's currency
        return dollar or AMBIGUOUS[code].get(country or "", "USD")
    table = AMBIGUOUS[code]
    return table.get(country or "", table[""])


_NAMED_DOLLAR = re.compile(
    rf"[\s-](?:of\s)?(?P<adj>{_ADJECTIVES})[\s-](?P<word>dollars|dollar|dlrs|dlr)\b",
    re.IGNORECASE,
)
"""A dollar named by its country ("Canadian dlrs"): the part of ``_SUFFIX_CUR`` that
``named_dollar`` reads, searched alone (the whole currency pattern is slow over an article)."""


def named_dollar(text: str) -> str | None:
    """The one non-US dollar a text names ("Canadian dlrs", "H.K. Dlrs"), if just one."""
    found = {
        _ADJECTIVE_CURRENCY[(m.group("adj").lower(), "dlr")]
        for m in _NAMED_DOLLAR.finditer(text)
        if (m.group("adj").lower(), "dlr") in _ADJECTIVE_CURRENCY
        # an amount in that dollar ("1.5 mln Canadian dlrs"), not the currency named
        # ("the Taiwan dollar has appreciated")
        and re.search(r"(?:\d|\b(?:mln|billion|million|bln|trillion))\s*$",
                      text[max(0, m.start() - 12) : m.start()], re.I)
    }
    found.discard("USD")
    return next(iter(found)) if len(found) == 1 else None


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

def _currency_after(text: str, end: int) -> tuple[str | None, int, float]:
    """A currency word after a number: its code, where it ends, and the value's factor."""
    m = _SUFFIX_CUR.match(text, end)
    if m:
        word = " ".join(m.group("word").lower().split())
        adj = (m.group("adj") or "").lower()
        stem = "dlr" if word in ("dlrs", "dlr", "dollar", "dollars") else word.rstrip("s")
        stem = {"kroner": "crown", "kronor": "crown"}.get(word, stem)
        code = _ADJECTIVE_CURRENCY.get((adj, stem)) or _CURRENCIES.get(word)
        if word in ("pound", "pounds") and m.group("of").strip() == "of":
            return None, end, 1.0  # "pounds of" is a weight
        if word in ("mark", "marks", "won", "rand") and not adj and not _SCALED.search(
            text[max(0, end - 9) : end]
        ) and not (
            re.match(r"\s*(?:[,.;)]|and\b|or\b|in\b|from\b|to\b|a\b|per\b|for\b|against\b|"
                     r"vs\b|last\b|this\b|on\b|at\b|with\b|$)", text[m.end():])
        ):
            return None, end, 1.0  # "2.5 marks the ..." is the verb
        return code, m.end(), 1.0
    m = _CENTS.match(text, end)
    if m:
        adj = (m.group("adj") or "").lower()
        code = "GBP" if m.group("word").lower() == "pence" else {
            "canadian": "CAD", "australian": "AUD", "u.s.": "USD", "us": "USD"}.get(adj, "*cent")
        return code, m.end(), 0.01
    return None, end, 1.0


def _unit_after(text: str, end: int) -> str | None:
    m = _UNIT.match(text, end)
    if not m:
        return None
    return next(name for i, (_, name) in enumerate(_UNITS) if m.group(f"u{i}"))


def _counted(text: str, end: int) -> str | None:
    m = re.match(r"\s(companies|firms|banks|ships|vessels|plants|factories|agreements|contracts)\b",
                 text[end:])
    return m.group(1).lower() if m else None


def _number(m: re.Match[str]) -> float:
    value = float(m.group("num").replace(",", ""))
    if m.group("frac"):
        n, d = int(m.group("fn")), int(m.group("fd"))
        if n >= d:
            return math.nan
        value += n / d
    return value


def extract_figures(text: str, *, keep_ambiguous: bool = False) -> list[Figure]:
    """Amounts, percentages and counts in ``text`` (years and days of month excluded).

    Reads "$5.34bn", "31.2 billion guilders", "7-3/4 pct", "52 cents", "six billion dlrs",
    "two-thirds" (a share: 66.7 percent), "232 mln tonnes" (unit ``tonnes``). A number
    that shares another's currency, unit or percent sign takes it ("fell to 31.2 billion
    guilders from 35.8 billion", "to 7-3/4 from 8 pct"): ``carried`` is then true.
    ISO dates ("2025-03-27") and citation markers ("[1]") are not figures. A currency word
    that several countries use ("francs", "crowns", a bare "dlrs") is given its default
    code (FRF, SEK, USD) unless ``keep_ambiguous``: then it stays a placeholder
    ("*franc") for ``resolve_currency`` to settle with the figure's country.
    """
    original = text
    text = MASK.sub(lambda m: " " * len(m.group()), text)
    out: list[Figure] = []
    for m in _FIGURE.finditer(text):
        num = m.group("num")
        value = _number(m)
        if math.isnan(value):
            continue
        cur_raw = m.group("cur")
        scale_raw = m.group("scale")
        pct = m.group("pct")
        if not pct and _RANGE_PCT.match(text, m.end()):
            pct = "%"  # "9–10%": both ends are percentages
        if scale_raw and scale_raw.lower() in ("b", "m", "k") and not cur_raw:
            scale_raw = None  # "5 m" without a currency is too ambiguous
        if scale_raw or pct or cur_raw:
            end = m.end() if scale_raw or pct else (m.end("frac") if m.group("frac")
                                                    else m.end("num"))
        else:
            end = m.end("frac") if m.group("frac") else m.end("num")
        currency = _CURRENCIES.get(cur_raw.lower()) if cur_raw else None
        factor = 1.0
        if not pct and not cur_raw:
            code, cur_end, factor = _currency_after(text, end)
            if code is None and re.match(r"p\b", text[m.end("num") :]) and not scale_raw:
                code, cur_end, factor = "GBP", m.end("num") + 1, 0.01  # "9.6p"
            if code is not None:
                currency, end = code, cur_end
        if not (currency or scale_raw or pct) and _in_date(text, m.start("num"), m.end("num"), num):
            continue
        if scale_raw:
            value *= _SCALES[scale_raw.lower()]
        value *= factor
        kind = "percent" if pct else ("amount" if currency else "number")
        unit = None if (pct or currency) else _unit_after(text, end)
        out.append(Figure(value, kind, currency, m.start(), end,
                          original[m.start() : end].strip(), unit))
    out += _word_figures(text, original, out)
    out.sort(key=lambda f: f.start)
    out = _carry(text, out)
    if keep_ambiguous:
        return out
    return [replace(f, currency=resolve_currency(f.currency, None)) if f.currency and
            f.currency.startswith("*") else f for f in out]


def _word_figures(text: str, original: str, found: list[Figure]) -> list[Figure]:
    """Numbers in words: "six billion dlrs", "two-thirds", "a dozen"."""
    out = []
    for m in _WORD_FIGURE.finditer(text):
        if any(f.start < m.end() and m.start() < f.end for f in found):
            continue
        if m.group("part"):
            value = _PARTS[m.group("part").lower()]
            out.append(Figure(value, "percent", None, m.start(), m.end(), m.group()))
            continue
        if m.group("pword"):
            word = m.group("pword").lower()
            value = {"zero": 0.0, "nil": 0.0, "half a": 0.5, "half of one": 0.5}.get(
                word, _WORDS.get(word, 0.0))
            out.append(Figure(float(value), "percent", None, m.start(), m.end(), m.group()))
            continue
        if m.group("bare"):
            if re.match(r"\s(?:years?|months?|weeks?|days?)\b", text[m.end() :]) and not (
                re.search(r"\b(?:for|of|over|within|than|to)\s+$", text[max(0, m.start() - 12)
                                                                       : m.start()])
            ):
                continue  # "the data arrive two months after": no length of time stated
            value = _WORDS[m.group("bare").lower()]
            code, end, factor = _currency_after(text, m.end())
            if code:  # "to eight marks from nine marks"
                out.append(Figure(value * factor, "amount", code, m.start(), end,
                                  original[m.start() : end].strip()))
                continue
            unit = _unit_after(text.replace("-", " "), m.end()) or _counted(text, m.end())
            out.append(Figure(float(value), "number", None, m.start(), m.end(), m.group(),
                              unit))
            continue
        if m.group("dozen"):
            out.append(Figure(12.0, "number", None, m.start(), m.end(), m.group(),
                              _unit_after(text, m.end())))
            continue
        value = _WORDS[m.group("word").lower()] * _SCALES[m.group("scale").lower()]
        code, end, factor = _currency_after(text, m.end())
        unit = None if code else _unit_after(text, end)
        out.append(Figure(value * factor, "amount" if code else "number", code, m.start(), end,
                          original[m.start() : end].strip(), unit))
    return out


_GAP_WORDS = frozenset(
    """from to against versus vs compared with and or after before while but in at for of on
    the a an its their his her this that last same period quarter month year week day earlier
    ago previous prior revised adjusted record level levels estimated provisional
    provisionally upwardly downwardly end first second third fourth half calendar fiscal season
    ended ending up down
    crop total figure figures reported recorded registered were was be been is are
    seasonally unadjusted mid planned forecast expected targeted projected originally initially
    about around nearly almost some""".split()
)


def _paired(gap: str) -> bool:
    """Whether the text between two figures pairs them ("in January from", "vs").

    Either a bare link, or a short stretch of link words, period words and dates only
    ("in January from", "in the same period a year earlier, against").
    """
    if _LINK.match(gap):
        return True
    if len(gap) > _MAX_GAP or ";" in gap or ". " in gap or not _LINK_WORD.search(gap):
        return False
    words = re.findall(r"[A-Za-z]+|\d+", gap)
    return all(
        w.lower() in _GAP_WORDS or re.fullmatch(MONTH_PATTERN.replace("\\.?", ""), w)
        or re.fullmatch(r"(?:19|20)\d\d|\d{1,2}|'?\d\d", w)
        for w in words
    )


_PLURAL_AFTER = re.compile(r"\s+(?!pct\b|percent\b|points\b|cents\b)[a-z]{3,}(?:s|men|people)\b")
_LISTED = re.compile(r"\s*,\s*(?:and|while)\s+(?:[a-z-]+\s+){1,3}")
"""The gap of a list going on with the next item of the same measure ("170,800 tonnes versus
171,600, and poultry feed 287,600")."""


_COMPARED = re.compile(r"\b(?:from|against|after|versus|vs|compared with|compared to)\s+"
                       r"(?:[\w'-]+\s+){0,5}$", re.I)


def _compared_after(gap: str, text: str, f: Figure) -> bool:
    """A bare figure compared with one stated in units, with words between.

    "67.6 mln acres of corn, down from 76.7 mln planted last year", "1.8 mln tonnes,
    against a government estimate of 1.99 mln": the later figure is in the same units
    (unless it counts something of its own: "2 mln people").
    """
    return (len(gap) <= 80 and ";" not in gap and ". " not in gap
            and bool(_COMPARED.search(gap)) and not _PLURAL_AFTER.match(text, f.end))


def _carry(text: str, figures: list[Figure]) -> list[Figure]:
    """Give a bare number the currency, unit or percent sign of the figure it is paired with.

    Paired: next to each other with only a link between them ("from", "to", "against",
    "vs", "and", a dash, an opening bracket), and alike (for amounts, both scaled or both
    not). The figure before is tried first, then the one after ("from 6-1/2 to 7 pct").
    """
    out = list(figures)
    for i, f in enumerate(out):
        if f.kind != "number" or f.unit:
            continue
        scaled = bool(_SCALED.search(f.text))
        for j in (i - 1, i + 1):
            if not 0 <= j < len(out):
                continue
            g = out[j]
            a, b = (g, f) if j < i else (f, g)
            gap = text[a.end : b.start]
            unit = _UNIT.match(gap) if a.unit else None
            if unit:  # "232 mln tonnes vs 220 mln": the unit word is the first figure's
                gap = gap[unit.end() :]
            listed = j < i and _LISTED.fullmatch(gap) and bool(_SCALED.search(g.text)) == scaled
            if not _paired(gap) and not listed and not (
                j < i and g.unit and g.kind != "percent" and _compared_after(gap, text, f)
                and bool(_SCALED.search(g.text)) == scaled
            ):
                continue
            if g.kind == "number" and not g.unit:
                continue
            scale = 1.0
            g_scale = _SCALED.search(g.text)
            if j > i and g_scale and not scaled and re.fullmatch(r"\s*(?:and|to|or|-|–)\s*", gap):
                scale = _SCALES[g_scale.group().lower()]  # "1.47 and 2.09 mln tonnes"
            elif g.kind == "amount" and bool(g_scale) != scaled:
                continue
            if g.kind == "percent":
                if scaled or _PLURAL_AFTER.match(text, f.end):
                    # "fell 14 pct to 5.9 billion", "fell 4.1 pct to 534,000 units": an amount
                    # or a count, not a percentage
                    continue
                out[i] = replace(f, kind="percent", carried=True)
            elif g.kind == "amount":
                cents = re.search(r"(?:cents?|cts|pence|\dp)$", g.text) is not None
                out[i] = replace(f, kind="amount", currency=g.currency, carried=True,
                                 value=f.value * (0.01 if cents else 1.0) * scale)
            else:
                out[i] = replace(f, unit=g.unit, carried=True, value=f.value * scale)
            break
    return out
