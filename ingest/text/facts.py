"""Rule-based extraction of trade figures ("facts") from article text.

Every figure in an article becomes a ``Fact``: its normalised value and unit, its
kind (level, growth, share, target, count, price, rate, duration), the subject it
describes (reporter and partner country, flow, sector, city), the period it refers
to (normalised start and end month, or a label such as "by 2030"), and the
sentence and offsets it came from.

The rules read the words around each figure, within the figure's part of the
sentence (between its neighbouring figures and clause breaks):

* flow: the nearest cue ("exports", "imported", "two-way trade", "deficit",
  "investment", "handled ... TEU");
* roles of countries: "Turkey's exports to Italy", "exports from Germany to China",
  "imports from Mexico", "between India and the UAE", "US–Mexico trade",
  "Italy received 4.8% of all Turkish exports", "taking ... of Kenyan tea";
  source attributions ("according to the UAE Ministry of Economy") are ignored;
  for bilateral trade the pair is put in alphabetical order;
* kind: growth and decline cues ("grew 7.5%", "5.6% lower"), shares ("4.8% of"),
  targets ("a target of ... by 2030"), prices ("$2.41 per kilogram");
* period: the period phrase nearest after the figure in its part, else before it;
  a growth figure measured against a base ("8% on May 2024") is about the base's
  next year; a sentence without a period takes the last one stated earlier (a
  "May alone" sub-period excepted), unless it speaks of the future, the present
  ("are active", "currently") or a vague time ("in recent years").

What a sentence leaves out (who exports to whom, the product) is taken from the
sentence before it when it continues that sentence's topic ("Exports in May alone
were ...", "That was 6.1% less ...", "Those LNG shipments ..."), and the exporting
country from the title.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from functools import lru_cache

from ingest.text.figures import Figure, extract_figures, named_dollar, resolve_currency
from ingest.text.gazetteer import (
    PLACE_COUNTRY,
    capital_mentions,
    cities,
    countries,
    country_mentions,
    sectors,
)
from ingest.text.periods import (
    Period,
    date_year,
    dated_period_spans,
    describe,
    period_spans,
)
from ingest.text.sentences import split_sentences

__all__ = ["FACTS_VERSION", "Fact", "extract_facts", "read_subject"]

FACTS_VERSION = 16  # bump when the rules change: stored ledgers are extracted again

_FINANCIAL = (r"(?:\s+\S+){0,8}?\s+(?:(?:bank |commercial |treasury )?bills?|bonds?|securities|"
              r"shares|stakes?|CDs|certificates|paper|notes|assets|units?|subsidiar(?:y|ies)|"
              r"interests?|dollars|currency|debt)\b")
"""What a bank or company buys or sells that is no trade in goods ("bought 98 mln stg of
bills")."""
_FLOW_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("balance", re.compile(
        # the lookbehinds after a cheap first test: they run at few positions
        r"\b(?=[tgds])(?<!budget )(?<!fiscal )(?<!budgetary )(?<!public sector )"
        r"(?<!spending )(?<!borrowing )(?:trade |goods trade )?(?:deficit|surplus)\b(?! cuts?\b)"
        r"(?!\s+(?:stocks?|production|capacity|disposals?|grain|food|commodit|butter|milk|"
        r"dairy|wheat|sugar|land|labou?r|funds|cash|liquidity))", re.I)),
    ("bilateral", re.compile(
        r"\b(?:two-way|bilateral|total two-way)(?: goods)? trade\b|\btrade volume\b|"
        r"\bnon-oil trade\b|\btrading partner\b|\bgoods trade\b|\btrade between\b|"
        r"\bin rupees and dirhams\b", re.I)),
    ("import", re.compile(
        r"\bimport(?:s|ed|ing)?\b|\b(?:bought|buy(?:s|ing)?|purchases?)\b(?!"
        + _FINANCIAL + r")", re.I)),
    ("export", re.compile(
        r"\bexport(?:s|ed|ing|ers?)?\b|\bre-exports\b|\bshipments?\b|\bshipped\b|"
        r"\b(?:export )?(?:rebates?|restitutions?)\b|"
        r"\b(?:ship(?:s|ping)?|sell(?:s|ing)?)\b(?=\s+(?:\S+\s+){0,4}?(?:to|abroad|overseas)\b)|"
        r"\bsold\b(?!" + _FINANCIAL + r")|"
        r"\b(?:sold|sales?)\s+(?:\S+\s+){0,6}?(?:to\s+(?:the\s+)?[A-Z]|abroad|overseas)|"
        r"\bearned\b|"
        r"\b(?:its|their)\s+[A-Z][\w.-]+\s+sales\b|"
        r"\btaking\b|\breceived\b|\babsorbed\b|\btook\b",
        re.I)),
    ("investment", re.compile(
        r"\binvest(?:ment|ments|ed)?\b|\bFDI\b|\bfirms\b|\bcompanies\b|\bplant\b|\bfactory\b",
        re.I)),
    ("port", re.compile(r"\bTEU\b|\bcontainer traffic\b|\btrucks\b|\bhandled\b", re.I)),
    ("market", re.compile(
        r"\b(?=market\b)(?<!money )(?<!interbank )(?<!exchange )(?<!bond )(?<!stock )"
        r"(?<!credit )(?<!capital )(?<!securities )(?<!open )(?<!mid-)market\b", re.I)),
)
_GROW = re.compile(
    r"\b(?:gr[eo]w(?:n|th|s|ing)?|rose|ris(?:e|es|en|ing)|up|increas(?:e[ds]?|ing)|"
    r"jump(?:ed|s|ing)?|surg(?:ed|e|ing)|"
    r"climb(?:ed|s)?|higher|gain(?:ed|s)?|more|expan(?:d|ded|sion))\b",
    re.I,
)
_FALL = re.compile(
    r"\b(?:f[ea]ll(?:s|en|ing)?|fell|down|declin(?:e|ed|es|ing)|decreas(?:e[ds]?|ing)|"
    r"drop(?:ped|s|ping)?|slid(?:e|ing)?|"
    r"slump(?:ed)?|lower|less|shr[aiu]nk|contract(?:ed|ion))\b",
    re.I,
)
_TARGET = re.compile(
    r"\b(?:target|goal|objective|aims? to|ambition|plans? to|wants? to|expects? to|will)\b", re.I
)
_ATTRIBUTION = re.compile(
    r"\b(?:according to|compiled by|released by|published (?:in|by)|said|reported)\b[^;]*?"
    r"(?=[;.]|,\s+(?:and|while|but)\b|$)|\b(?:Ministry|Department|Bureau|Board|Office|Bank|"
    r"Assembly|Council|Commission)\s+of\s+(?:the\s+)?[A-Z][\w-]+(?:\s+[A-Z][\w-]+)*|"
    r"\b[A-Z][\w-]+\s+(?:Ministry|Department|Bureau|Board|Office|Bank|Assembly|Council)\b|"
    r"\bthe\s+(?:agriculture|trade|economy|finance|industry)\s+ministry['’]s\b|"
    r"\b(?:the\s+)?European Commission\s+(?:estimates|says|expects)\b|"
    r"\b[A-Z][\w-]+\s+business council\b",
    re.I,
)
_UNITS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\s*(?:metric )?tonnes?\b", re.I), "tonnes"),
    (re.compile(r"^\s*(?:kilograms?|kg)\b", re.I), "kg"),
    (re.compile(r"^\s*TEU\b"), "TEU"),
    (re.compile(r"^\s*(?:[\w-]+ ){0,2}trucks\b", re.I), "trucks"),
    (re.compile(r"^\s*(?:[\w-]+ ){0,1}(?:companies|firms)\b", re.I), "companies"),
    (re.compile(r"^\s*agreements\b", re.I), "agreements"),
    (re.compile(r"^\s*(?:workers|jobs|employees)\b", re.I), "workers"),
    (re.compile(r"^\s*years?\b", re.I), "years"),
)
_PER = re.compile(
    r"\b(?:a|an|per|each)\s+(tonne|ton|short ton|long ton|kilogram|kilo|kg|day|barrel|lb|"
    r"pound|ounce|bushel|hour|share|head|bag|gallon|unit|litre|liter)\b",
    re.I,
)
# A figure with its own unit before another figure: "10.8 mln [dlrs or] 1.11 dlrs a
# share" (the "a share" is the next figure's), unlike a range or a list sharing one unit
# ("127.75 to 132.50 Ecus a tonne", "127.50 and June 129.50 stg per tonne").
_OWN_UNIT_FIRST = re.compile(
    r"(?=[^\d]*\d)\W*(?!(?:and|to|or|from|vs|versus|against|"
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\b)[A-Za-z$]", re.I)
_SHARE_OFFER = re.compile(r"\s*(?:[\w-]+\s+){0,2}(?:offer|bid|tender|acquisition|buyout|"
                          r"purchase|price)\b", re.I)
# What makes a money amount per share a price: an offer, a bid, a purchase.
_SHARE_PRICE = re.compile(
    r"\b(?:offer\w*|bid\w*|tender\w*|pay\w*|paid|price[ds]?|pric(?:e|ing)|(?:re)?purchas\w*|"
    r"(?:re)?buy\w*|(?:re)?bought|for|acquir\w*|sell\w*|sold|valu\w*|worth|cash|exercis\w*|conver\w*|"
    r"trad\w*|clos\w*|quoted|at)\b", re.I)
_CHANGE_BEFORE = re.compile(
    r"\b(?P<verb>rose|rise[sn]?|rising|increased?|gained|gains?|grew|grown|jumped|climbed|up|"
    r"fell|fall(?:s|en)?|declined?|dropped|drops?|decreased?|down|slipped|shrank|"
    r"plunged|plummeted|tumbled|slumped|dipped|eased|advanced|soared|surged|"
    r"widened|narrowed|improved|worsened|(?:an? )?(?:increase|rise|decline|fall|drop|gain|"
    r"cut|reduction|improvement|deterioration) of)\s+(?:by\s+)?(?:about\s+|some\s+|nearly\s+|"
    r"almost\s+|a record\s+|a further\s+|an?\s+|another\s+|more than\s+|over\s+|"
    r"less than\s+|just over\s+|just under\s+)*$",
    re.I,
)
_CHANGE_AFTER = re.compile(
    r"\s*(?:[a-z-]+\s+){0,2}?(?P<noun>fall|rise|increase|decline|drop|gain|decrease|jump|"
    r"reduction)\b(?!\s+(?:of|to)\b)", re.I,
)
_CHANGE_BY = re.compile(
    r"\b(?P<verb>rose|risen|fell|fallen|increased|decreased|declined|dropped|cut(?:ting)?|"
    r"plunged|plummeted|tumbled|slumped|dipped|eased|advanced|soared|surged|firmed|"
    r"reduc(?:ed|ing)|rais(?:ed|ing)|lower(?:ed|ing)|boost(?:ed|ing)|grew|gained|lost|"
    r"narrowed|widened|expanded|shrank|contracted)\b[^,;\d]{0,60}\bby\s+(?:about\s+|some\s+|"
    r"nearly\s+|almost\s+|a further\s+|another\s+)?$"
    r"|\b(?:an?\s+)?(?P<verb2>rise|increase|fall|decline|drop|gain|decrease|reduction)\s+in\s+"
    r"(?:[\w-]+\s+){1,4}of\s+(?:about\s+|some\s+|nearly\s+)?$",
    re.I,
)
_COUNTED = re.compile(
    r"\s+(?:(?:mln|million|billion|bln)\s+)?(?:[a-z-]{3,}\s+)?"
    r"(?P<noun>[a-z]{2,}(?:[^su\W]s|men|people))(?![\w-])"
)
_OPEN_ENDED = re.compile(r"\b(?:a|per|each|every) year\b|\bannually\b|\beventually\b|"
                         r"\bin (?:later|coming|future) years\b", re.I)
"""A target for no period in particular."""
_PREDICTED = re.compile(r"\b(?:forecast|expect|estimat|projected|projection|predict|seen\b|"
                        r"see\b|sees\b|outlook|likely|anticipat)", re.I)
"""A forecast's words: a target that is one is for the period the story is about."""
_PEOPLE_COUNTED = re.compile(
    r"\bnumber of (?:people|persons|unemployed|jobless|registered unemployed)\b|\bnumber (?:of "
    r"people )?out of work\b|\b(?P<jobs>workforce|work force|payrolls?)\b", re.I)
"""The subject of a bare count of people: "the number of unemployed", "its workforce"."""
_NOT_COUNTED = frozenset(
    """its this was has his hers ours yours theirs thus plus less unless across towards afterwards
    always perhaps whereas sales news series means dlrs pct points cents marks francs pounds
    crowns years months weeks days hours minutes seconds times shares votes tons tonnes
    others items' cts lbs ozs kgs mts yen""".split()
)
"""Words after a number that are no plural noun counted, or are units read elsewhere."""
_STATED_GOAL = re.compile(
    r"\b(?:targets?|goals?|objectives?|quotas?|plans?|planned|forecasts?|projected|budget(?:ed)?|"
    r"ceilings?|aims?)\b", re.I)
"""Words of a goal or forecast that stays one after its period ends (an expectation or
estimate of a period already over is its figure)."""
_RANGE_GAP = re.compile(r"\s*(?:and|to|-|–)\s*")
_COMPARED_GAP = re.compile(
    r"(?:\s+in\s+(?:the\s+)?[\w\s]{0,25}?)?\s*,?\s*(?:(?:up|down)\s+)?(?:from|after|against|"
    r"compared (?:with|to)|versus|vs\.?)\s+(?:an?\s+|the\s+)?(?:revised\s+|estimated\s+|"
    r"previously reported\s+|provisional\s+)?"
)
_SCALED_NUMBER = re.compile(
    r"(?:\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|a))\s*"
    r"(?:billion|bln|million|mln|trillion)$", re.I)
_RATE = re.compile(
    r"\b(?:rates?|yields?|prime|discount|interest|inflation|unemployment|jobless|coupon|"
    r"lending|libor|mortgage|fed funds|funds rate|repurchase|repo|tax|duty|duties|levy|"
    r"surcharge|commission)\b(?:(?!\d).){0,40}$",
    re.I,
)
_RATE_NOUN = re.compile(
    r"\b(?:rates?|yields?|inflation|prime|discount|libor|fed funds|unemployment|jobless|"
    r"interest|coupon|mortgage)\b", re.I)
_GROWTH_NOUN = re.compile(
    r"\b(?:growth|rise|increase|gain|grew|grow(?:s|ing)?|rising|expansion)\b", re.I)
_INDEX_BASE = re.compile(r"\bbase(?: year| period)?(?: of)?\s*$|\bbased on\s*$", re.I)
_LOSS = re.compile(
    r"\b(?:los(?:s|ses|t))\s+(?:(?:of|was|were|totall?ed|totaling|amounted to|"
    r"at|about|some|nearly|almost|around|an?|net|operating)\s+)*$",
    re.I,
)
_DOWN = re.compile(
    r"fell|fall|declin|drop|decreas|down|slipped|lost|shrank|narrowed|worsened|cut|reduction|"
    r"\bplung|\bplummet|\btumbl|\bslump|\bdipped|\beased\b|"
    r"deterioration", re.I,
)
_BETWEEN = re.compile(
    r"\bbetween\s+(?:the\s+)?(.+?)\s+and\s+(?:the\s+)?([A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*)*)"
)
_PAIR = re.compile(r"\b([A-Z][\w.]*)[–-]([A-Z][\w.]*)\s+(?:(?:goods|non-oil)\s+)?trade\b")
_FUTURE_OR_TIMELESS = re.compile(
    r"\b(?:will|would|could|plans?|expects?|over the next|next (?:ten|five|\w+) years|"
    r"next decade|once in force|currently|is projected|are active|operate|report occupancy|"
    r"recent years)\b",
    re.I,
)
_VAGUE = re.compile(r"\b(?:in (?:its best |some )?recent years|over the next (?:decade|\w+ years)"
                    r"|across the next (?:decade|\w+ years))\b", re.I)
_CONTINUES = re.compile(
    r"^(?:That|This|These|Those|It|They|Such|Exports|Imports|Shipments|The total|The figure)\b|"
    r"\b(?:those|these|that|this)\s+(?:[\w-]+\s+)?(?:shipments|exports|imports|figures?|trade|"
    r"goods|goal|target|agreement|deal|plant)\b",
)
_FORECAST = re.compile(
    r"\b(?:forecasts?|forecast(?:ing)?|projected|projections?|expect(?:s|ed|ing)?|"
    r"estimat(?:e|es|ed|ing)|quotas?|would|will|should|could|hop(?:e|es|ing) for|likely|"
    r"slated|plann(?:ed|ing)|plans?|budget(?:ed)?|ceilings?|targets?|goals?|objectives?|"
    r"aim(?:s|ed|ing)?|seen at|outlook|predict(?:s|ed)?|limits?|limit(?:ed|ing) (?:\w+ )?to|"
    r"allocations?|authori[sz]ed to|eligible|not more than|hoped|saw|range)\b",
    re.I,
)
_HEAD_FORECAST = re.compile(  # a clause's forecast verb (see ``_kind_unit``)
    r"\b(?:forecasts?|predict(?:s|ed)?|projected|projections?|expect(?:s|ed)?|intends?|"
    r"intended|plans?|planned|likely|estimat(?:e|es|ed))\b", re.I)
_ACTUAL = re.compile(
    r"\b(?:was|were|had|rose|fell|totall?ed|reached|showed|amounted|lost|earned|last year|"
    r"compared|in 19\d\d)\b", re.I)
"""An actual's words: after a forecast verb, the figure is what happened ("compared with")."""
_PRESENT = re.compile(
    r"\b(?:now|currently|at present|(?:its|the) current|so far today|still|"
    r"(?:is|are|has|have)\s+(?:(?:about|around|some|over|more than|nearly|unchanged at|at)\s+)?"
    r"(?=\d|(?:one|two|three|four|five|six|seven|eight|nine|ten)\b)|"
    r"ranges?|amounts? to|stands? at)\b", re.I)
"""A figure stated in the present tense: the state at the article's date."""
_CURRENT_KINDS = frozenset({"rate", "price", "share"})
"""Kinds whose figure, with no period stated, is the state at the article's date."""
_YEAR_EARLIER = re.compile(
    r"\b(?:a )?year[- ](?:earlier|ago)\b|\bprevious year'?s?\b|\blast year'?s\b",
    re.I,
)
_COMMODITIES = frozenset({
    "sugar", "coffee", "cocoa", "tea", "wheat", "corn", "barley", "sorghum", "rice", "cotton",
    "rubber", "oilseeds", "grain", "cattle", "gold", "silver", "copper", "zinc", "tin", "lead",
    "nickel", "platinum", "soybeans", "palm oil", "crude oil", "natural gas", "soybean oil",
    "soybean meal", "vegetable oils", "compound feed", "cottonseed oil", "corn oil", "lard",
    "iron ore", "chemicals", "steel and metals",
})
"""Products a story is about when its title names one ("SOVIETS MADE LARGE SUGAR PURCHASE")."""
_MEASURES = re.compile(
    r"\b(?:occupancy|price|auction|capacity|content|debt|reserves|budget|gdp|gnp|"
    r"gross (?:domestic|national) product|inflation|money supply|output|production|"
    r"profits?|revenues?|dividends?|unemployment|wages?|(?:economic|money) growth)\b", re.I)
"""A measure of its own named in a figure's part: no flow of the rest of the sentence."""
_TOTAL = re.compile(
    r"\btotal\s+(?:[\w-]+\s+){0,3}(?:exports|imports|shipments)\b|\ball destinations\b|"
    r"\bevery destination\b",
    re.I,
)
_SAME_MONTHS = re.compile(
    r"\bthe same (?:months?|period|quarter|week)(?: of| in)? (?P<year>(?:19|20)\d\d)\b"
    r"|\bthe same (?P<year2>(?:19|20)\d\d) (?:months?|period|quarter)\b"
    r"|\bthe same (?:months?|period|quarter|time)(?: of)? (?P<rel>last year|a year (?:earlier|ago)|"
    r"the previous year|the year before)\b",
    re.I,
)
_BOUNDARY = re.compile(
    r"[;:]|,\s+(?:and|while|but|whereas|as|with|which|making|lifting|helped|according)\b|"
    r"\s+and\s+(?=(?:imported|exported|shipped|sold|bought|earned|received|took|rose|fell|grew)\b)"
)


@dataclass(frozen=True)
class Fact:
    """One figure of an article, normalised, with its subject, period and source."""

    article_id: str
    index: int  # position of the figure in the article (0, 1, ...)
    value: float
    unit: str  # currency code, "percent", "tonnes", "kg", "TEU", "companies", "USD/kg", ...
    kind: str  # level, growth, share, target, count, price, rate, duration
    reporter: str | None
    partner: str | None
    flow: str | None  # export, import, bilateral, balance, investment, port, market
    sector: str | None
    city: str | None
    period_start: str | None  # "2025-01"
    period_end: str | None  # "2025-05"
    period_label: str | None  # "January–May 2025", "by 2030", "recent years"
    figure: str  # as written: "$5.34 billion"
    sentence: str
    start: int  # sentence offsets in the article text
    end: int
    fig_start: int  # figure offsets in the article text
    fig_end: int
    article_date: str | None = None

    @property
    def fact_id(self) -> str:
        """Stable id: the article and the figure's position."""
        return f"{self.article_id}#f{self.index:03d}"

    @property
    def series_key(self) -> tuple[str | None, ...]:
        """Facts with the same key describe the same quantity; only the period differs."""
        return (self.reporter, self.partner, self.flow, self.sector, self.kind, self.unit)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (with ``fact_id``)."""
        return {"fact_id": self.fact_id, **asdict(self)}


@dataclass
class _Subject:
    reporter: str | None = None
    partner: str | None = None
    flow: str | None = None
    sector: str | None = None
    city: str | None = None


def _mask(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: " " * len(m.group()), text)


_ALSO = re.compile(r"^\s*\(\s*(?:about|around|roughly|approximately|some|or)?\s*$")


def _segments(sentence: str, figures: list[Figure]) -> list[tuple[int, int]]:
    """Each figure's part of the sentence: between its neighbours and clause breaks.

    A figure restated in brackets ("KSh 175 billion (about $1.3 billion)") shares
    its part with the one it restates.
    """
    out = []
    for i, f in enumerate(figures):
        lo = figures[i - 1].end if i > 0 else 0
        hi = figures[i + 1].start if i + 1 < len(figures) else len(sentence)
        if i + 1 < len(figures) and _ALSO.match(sentence[f.end : figures[i + 1].start]):
            hi = figures[i + 2].start if i + 2 < len(figures) else len(sentence)
        if i > 0 and _ALSO.match(sentence[figures[i - 1].end : f.start]):
            lo = figures[i - 2].end if i > 1 else 0
        stop = _BOUNDARY.search(sentence, f.end, hi)
        if stop:
            hi = stop.start()
        for m in _BOUNDARY.finditer(sentence, lo, f.start):
            lo = m.end()
        out.append((lo, hi))
    return out


def _flow(text: str, anchor: int) -> str | None:
    """The flow whose cue is nearest to ``anchor`` (deficits and two-way trade win)."""
    best: tuple[float, str] | None = None
    for name, pattern in _FLOW_CUES:
        for m in pattern.finditer(text):
            distance = float(abs((m.start() + m.end()) / 2 - anchor))
            if name == "balance":
                distance -= 1000
            elif name == "bilateral":
                distance -= 40
            elif name in ("port", "market"):
                distance += 10
            if best is None or distance < best[0]:
                best = (distance, name)
    return best[1] if best else None


def _mentions(text: str) -> list[tuple[int, int, str, str]]:
    """Country mentions: (start, end, canonical name, as written)."""
    named = list(country_mentions(text))
    for c in capital_mentions(text):  # "Washington's deficit with Taipei"
        if not (c[3].endswith(("'s", "’s")) or re.search(r"\bwith\s+$", text[: c[0]])):
            continue  # elsewhere a capital is as often a market or a place ("London cocoa")
        if not any(a < c[1] and c[0] < b for a, b, _, _ in named):
            named.append(c)
    return sorted(named)


_SUBJECT_VERB = re.compile(
    r"\s+(?:also\s+|\w+ly\s+)?(?:exported|shipped|sold|imported|earned|committed|bought|"
    r"export|import|sell|ship|earn|invest|buy|spend|receive|attract|"
    r"remained|was|were|is|became|had|has|handled|registered|attracted|charges|charged|"
    r"jumped|rose|fell|grew|signed|set|agreed|(?:[a-z-]+\s+){0,2}(?:exports|imports|trade|"
    r"shipments|sales|investment|companies|firms))\b",
    re.I,
)


_NOT_THE_SECTOR = re.compile(
    r"\b(?:other than|excluding|except(?: for)?|apart from)\s+[\w-]+(?:\s+[\w-]+)?"
    r"|\bgold\b(?=[^.;]{0,40}\b(?:reserves|assets|holdings)\b)", re.I)
"""Products a text names to leave out ("exports other than coffee") or as a part of
reserves ("its gold, foreign currency and other external assets")."""


def _roles(text: str, flow: str | None) -> _Subject:
    """Reporter and partner stated in ``text`` (attributions already masked)."""
    subject = _Subject(flow=flow)
    if flow == "bilateral" or flow == "balance":
        between = _BETWEEN.search(text)
        pair = _PAIR.search(text)
        names: list[str] = []
        if between:
            names = [n for g in between.groups() for n in sorted(countries(g))]
        elif pair:
            names = [n for g in pair.groups() for n in sorted(countries(g))]
        if len(names) >= 2:
            subject.reporter, subject.partner = names[0], names[1]
    buyers = ("took", "absorbed", "received", "bought", "remained", "taking")
    owner = re.search(
        r"\bof\s+(?:all\s+|total\s+)?(?:its\s+)?([A-Z][\w’'-]+)\s+(?:[a-z-]+\s+){0,3}"
        r"(?:exports|tea|goods|products)\b",
        text,
    )
    for start, end, name, raw in _mentions(text):
        before = text[max(0, start - 12) : start].lower()
        after = text[end : end + 24].lower()
        if subject.reporter is not None and subject.partner is not None:
            break
        if owner and owner.start(1) == start:
            continue  # handled below
        if name == "Europe" and raw.lower().startswith("european"):
            continue  # "West European countries", "European markets": a region, not a reporter
        if re.search(r"\bfrom\s+(?:the\s+)?$", before) and flow == "export":
            if subject.reporter is None:
                subject.reporter = name
                continue
        if re.search(r"\b(?:its|their|his|her)\s+$", before):
            if subject.partner is None:
                subject.partner = name  # "its China sales": a market
            continue
        if re.search(r"\b(?:to|into|with|for)\s+(?:the\s+)?$", before) or (
            re.search(r"\bin\s+(?:the\s+)?$", before) and flow == "investment"
        ) or (re.search(r"\bfrom\s+(?:the\s+)?$", before) and flow != "export"):
            if subject.partner is None:
                subject.partner = name
            continue
        if re.match(rf"\s+(?:\w+\s+){{0,2}}(?:{'|'.join(buyers)})\b", after):
            if subject.partner is None:
                subject.partner = name
            continue
        lead = start == 0 or not text[:start].strip() or text[:start].rstrip().endswith(",")
        subject_position = (
            raw.endswith(("'s", "’s"))
            or raw[0].isupper() and raw.lower() not in (name.lower(),) and not raw.isupper()
            or re.match(_SUBJECT_VERB, after)
            or lead
        )
        if subject.reporter is None and subject_position:
            subject.reporter = name
        elif subject.partner is None and name != subject.reporter:
            subject.partner = name
    if owner and countries(owner.group(1)):
        seller = sorted(countries(owner.group(1)))[0]
        if subject.reporter not in (None, seller) and subject.partner in (None, seller):
            subject.partner = subject.reporter
        subject.reporter = seller
        if subject.flow == "import":  # "the UK bought ... of Kenyan tea": Kenya's export
            subject.flow = "export"
    if subject.partner == subject.reporter:
        subject.partner = None
    found = sorted(sectors(_NOT_THE_SECTOR.sub(" ", text)))
    subject.sector = ", ".join(found) or None
    here = [c for c in cities(text) if not re.search(
        rf"{re.escape(c)}(?:-based| business| chamber)", text)]
    subject.city = here[0] if here else None
    return subject


def _resolve_unit(unit: str, reporter: str | None, story: str | None, text: str,
                  dollar: str | None) -> str:
    """A currency word several countries use ("francs"), by the figure's or story's country."""
    if not unit.startswith("*"):
        return unit
    code, _, rest = unit.partition("/")
    named = sorted(countries(text))
    here = reporter or story or (named[0] if named else None)
    return (resolve_currency(code, here, dollar) or code) + (f"/{rest}" if rest else "")


_CURRENCY_NAMES = {"dollar": "USD", "u.s. dollar": "USD", "pound": "GBP", "sterling": "GBP",
                   "mark": "DEM", "yen": "JPY", "swiss franc": "CHF", "french franc": "FRF",
                   "guilder": "NLG", "lira": "ITL"}
_TO_THE = re.compile(r"\s*(?:to|per|against)\s+(?:the|one|a|each)\s+(?P<c>u\.s\. dollar|"
                     r"dollar|pound|sterling|mark|yen|swiss franc|french franc|guilder|lira)\b",
                     re.I)
_DOLLAR_BEFORE = re.compile(r"\b(?:dollar|dlr)(?:['’]s)?\b", re.I)
_FX_PAIR = re.compile(r"\b(?:dollar/yen|yen/dollar)\b(?:\s+[\w-]+){0,4}\s*$", re.I)
_SCALE_WORD = re.compile(r"\b(?:trillion|billion|million|bln|mln|bn|mn)\b", re.I)


def _exchange_rate(sentence: str, fig: Figure, seg: tuple[int, int]) -> str | None:
    """The unit of an exchange rate (``JPY/USD``), or None when the figure is none.

    "0.38 Egyptian pounds to the dollar", "2.90 marks and 1.60 dlrs to the pound"; an
    unscaled amount of another currency said of the dollar ("the dollar fell to a low of
    144.70 yen"); a bare number after "dollar/yen" ("a dollar/yen rate of 148 or 149").
    """
    if _SCALE_WORD.search(fig.text):
        return None
    after = sentence[fig.end : fig.end + 70]
    if fig.currency:
        listed = re.match(r"\s*(?:and|or)\s+[\d.]+\s+[A-Za-z.]+", after)
        to = _TO_THE.match(after[listed.end() :] if listed else after)
        if to:
            base = _CURRENCY_NAMES[to.group("c").lower()]
            return f"{fig.currency}/{base}" if base != fig.currency else None
        before = sentence[max(seg[0] - 40, 0, fig.start - 90) : fig.start]
        if fig.currency not in ("USD", "", "*cent", "*dollar") and _DOLLAR_BEFORE.search(
            before
        ) and fig.value < 5000:
            return f"{fig.currency}/USD"
        return None
    if fig.kind == "number" and not fig.unit and _FX_PAIR.search(sentence[max(0, fig.start - 60) :
                                                                      fig.start]):
        return "JPY/USD"
    return None


def _kind_unit(sentence: str, fig: Figure, seg: tuple[int, int], no_target: bool = False
               ) -> tuple[str, str, float]:
    after = sentence[fig.end : min(len(sentence), fig.end + 45)]
    before = sentence[max(seg[0], fig.start - 45) : fig.start]
    window = sentence[seg[0] : seg[1]]
    value = fig.value
    target_year = re.search(r"\bby (?:the end of )?(?:19|20)\d\d\b", window)
    is_target = bool(_TARGET.search(window)) and (
        bool(target_year) or bool(re.search(r"\b(?:target|objective|goal)\b", window, re.I))
    ) or bool(_FORECAST.search(sentence[seg[0] : fig.start]))
    clause = sentence[max((m.end() for m in _BOUNDARY.finditer(sentence, 0, fig.start)),
                          default=0) : fig.start]
    head = None if is_target else _HEAD_FORECAST.search(clause)
    if head and not _ACTUAL.search(clause, head.end()):
        # "the department forecast that ... will account for about 1.5 billion dlrs": the
        # clause's forecast verb governs a figure no actual verb stands between
        is_target = True
    is_target = is_target and not no_target
    if fig.kind == "percent":
        if re.match(r"\s*of\b", after) and not target_year and not re.search(
            r"\b(?:target|goal|objective|forecast|projected|expected)", window, re.I
        ):
            is_target = False  # "will remove tariffs on 91% of EU goods": a share
        if re.search(r"\b(?:up|down)\s+from\s*$", before):
            kind = "share"  # "..., up from 35% in 2024": the earlier level
        elif re.match(r"\s*(?:of|share)\b", after) or re.search(
            r"\b(?:share|accounted for|destination for|covers|above|or)\s*$", before
        ):
            kind = "share"
        elif re.search(r"\btariff", after[:20] + before[-25:], re.I) or (_RATE.search(
            before[-60:]
        ) or re.search(r"\bat\s+(?:an?\s+)?(?:average\s+|annual\s+)?$", before)
            or re.search(r"/(?:16|32)$", fig.text.replace(" pct", "").replace("%", ""))
        ) and not re.match(r"\s*(?:of|share)\b", after):
            kind = "rate"  # "at 9-7/8 pct": a dealing rate
        elif re.match(r"\s*(?:above|below|over)\s+(?:the|its|a|last|year|levels?|[A-Z])", after):
            kind = "growth"  # "54 pct above February 1986's 6.88 billion"
            if re.match(r"\s*below", after):
                value = -abs(value)
        elif re.search(r"\b(?:rose|fell|declined|dropped|climbed|eased|increased|decreased|"
                       r"risen|fallen|slipped|jumped|grew|rising|falling|rise|fall|decline|"
                       r"drop|climb|ease|increase|decrease|slip|jump|grow|slow|slowed|"
                       r"accelerate|accelerated|down|up)\s+(?:to|from)\s+(?:(?:less|more) than\s+|"
                       r"about\s+|around\s+|some\s+|nearly\s+|almost\s+|just\s+(?:over|under)\s+|"
                       r"an?\s+(?:estimated\s+|annual\s+|projected\s+)?)?$", before) and not (
            re.search(r"\bup\s+to\s+$", before)  # "up to 10 pct": a cap
        ):
            # "the ratio declined to 10.0 pct": the new level; "base rates fell ... to the
            # current 10.5 pct": the new rate; "growth slowed to 0.7 pct", "would decline from
            # 7.6 pct": a growth rate's level, not a fall
            kind = "rate" if _RATE_NOUN.search(clause) else (
                "growth" if _GROWTH_NOUN.search(clause) else "share")
        elif _GROW.search(before[-35:] + " " + after[:25]) or _FALL.search(
            before[-35:] + " " + after[:25]
        ):
            kind = "growth"
            near = before[-35:] + " " + after[:25]
            if _FALL.search(near) and not re.search(r"\b(?:up|increase|rose|grew)\b", near, re.I):
                value = -abs(value)
        elif _RATE_NOUN.search(clause):
            kind = "rate"  # "Hungary had a higher rate of inflation ... (around eight pct"
        elif _GROWTH_NOUN.search(clause):
            kind = "growth"  # "a year-on-year rise in March was 4.2 pct"
        else:
            kind = "share"
        if is_target and kind in ("share", "growth"):
            kind = "target"  # a forecast share or change
        return kind, "percent", value
    unit = fig.currency or fig.unit or ""
    if not unit:
        for pattern, name in _UNITS:
            if pattern.match(after):
                unit = name
                break
    if not unit and fig.kind == "number":
        term = re.match(r"-(day|week|month|year)\b", sentence[fig.end : fig.end + 8])
        if term:  # "a 91-day bill", "an 80-day option"
            return "duration", f"{term.group(1)}s", value
        people = _PEOPLE_COUNTED.search(clause)
        if people:  # "the number of unemployed was 61,500", "cut its workforce to 6,000"
            unit = "jobs" if people.group("jobs") else "people"
    rate = _exchange_rate(sentence, fig, seg)
    if rate:
        return ("target" if is_target else "rate"), rate, value
    per = _PER.search(after[:45])
    if per and (_OWN_UNIT_FIRST.match(after[: per.start()]) or (
        per.group(1).lower() == "share" and fig.currency and not _SHARE_PRICE.search(clause)
        and not _SHARE_OFFER.match(after[per.end():])
    )):
        # "10.8 mln dlrs or 1.11 dlrs a share": the "a share" is the next figure's; earnings
        # and dividends per share are amounts of money, an offer "at 65 dlrs a share" a price
        per = None
    if per and not re.search(r"[,;]", after[: per.start()]) and not _CHANGE_BEFORE.search(
        before
    ):
        denom = per.group(1).lower()
        denom = {"kilogram": "kg", "kilo": "kg", "pound": "lb", "ton": "tonne", "liter": "litre"
                 }.get(denom, denom)
        if fig.currency:
            return "price", f"{fig.currency}/{denom}", value
        if not unit.endswith(f"/{denom}"):  # "barrels/day" is already per day
            return "level", f"{unit or 'count'}/{denom}", value
    if unit in ("years", "months", "weeks", "days"):
        return "duration", unit, value
    if _LOSS.search(before) or re.match(
        r"\s*(?:[\w-]+\s+)?(?:net\s+|operating\s+|pre-tax\s+|pretax\s+)?loss\b",
        sentence[fig.end : seg[1]], re.I,
    ):  # "a net loss of 18.6 mln dlrs", "lost 14.8 mln dlrs", "a 1.05 billion loss"
        value = -abs(value)
    noun = _CHANGE_AFTER.match(sentence, fig.end, seg[1] + 20)
    if noun and not is_target:  # "a 319,000 gain", "after a 1.5 billion stg fall"
        if _DOWN.search(noun.group("noun")):
            value = -abs(value)
        return "growth", unit or "count", value
    by = _CHANGE_BY.search(sentence[max(seg[0] - 30, 0, fig.start - 90) : fig.start])
    if by and not is_target:  # "rose in the week by 400 mln marks", "a rise in ... of 400 mln"
        if _DOWN.search(by.group("verb") or by.group("verb2")):
            value = -abs(value)
        return "growth", unit or "count", value
    change = _CHANGE_BEFORE.search(before)
    if change and not is_target:  # "fell 45.06 billion francs to ...": a change
        if _DOWN.search(change.group("verb")) and not (
            "narrowed" in change.group("verb").lower() and "surplus" not in window.lower()
        ):
            value = -abs(value)
        return "growth", unit or "count", value
    counted = _COUNTED.match(sentence, fig.end) if not unit and fig.kind == "number" else None
    if is_target and not re.search(r"\bup from\s*$|\bfrom\s*$", before):
        if counted and counted.group("noun").lower() not in _NOT_COUNTED:
            unit = counted.group("noun").lower()  # "plans to build 1.85 mln units"
        return "target", unit or "count", value
    if counted and counted.group("noun").lower() not in _NOT_COUNTED:
        return "count", counted.group("noun").lower(), value  # "some 400 foreign items"
    if not unit:
        return "count", "count", value
    if unit in ("companies", "agreements", "workers", "trucks", "people", "jobs"):
        return "count", unit, value
    return "level", unit, value


_OWNED = re.compile(r"(?:'s|’s)\s+(?:[a-z-]+\s+){0,2}$|\s+(?:level|figure|total)\s+of\s+"
                    r"(?:about\s+|some\s+)?$", re.I)
"""The text between a period and the figure it belongs to: "January's 23.52 billion",
"a January 1986 level of 159,453 mln"."""
_TRAILS = re.compile(r"\s+(?:[a-z-]+\s+){0,3}?(?:in|for|during)\s+(?:the\s+)?")
"""Between a figure and the period written after it ("pct gain in", "mln stg rise in")."""
_COMPARED_LEAD = re.compile(
    r"\b(?:after|from|against|compared (?:with|to)|versus|vs\.?|than)\s+(?:the\s+|a\s+|an\s+|"
    r"its\s+)?(?:[a-z-]+\s+){0,2}$", re.I)
_BASE_BEFORE = re.compile(
    r"\b(?:from|against|compared (?:with|to)|than|above|below|over|versus|vs\.?|after)\s+"
    r"(?:the\s+|a\s+|an\s+|its\s+)?(?:[a-z-]+\s+){0,2}$", re.I)


_PREVIOUS = re.compile(
    r"\bthe (?:previous|prior|preceding) (?P<u>year|month|quarter)\b|\bthe (?P<u2>year|month) "
    r"(?:before|earlier)\b", re.I)
_RELATIVE_BASE = re.compile(
    r"\b(?:previous|prior|preceding|last|before|earlier|ago)\b", re.I)


def _anchor_previous(sentence: str, spans: list[tuple[int, int, Period]],
                     date: str | None = None) -> list[tuple[int, int, Period]]:
    """The period before the one a sentence states, for its "the previous year".

    "rose 5.7 pct last year ..., compared to a 2.4 pct rise in the previous year": 1985 in
    a story of 1987, not 1986.
    """
    out = list(spans)
    for m in _PREVIOUS.finditer(sentence):
        unit = (m.group("u") or m.group("u2")).lower()
        anchors = [s for s in spans if not s[2].base and (s[2].year is not None or date)
                   and not (m.start() <= s[0] < m.end()) and s[1] <= m.start()]
        if not anchors:
            continue
        p = date_year(max(anchors, key=lambda s: s[1])[2], date)  # "end-February": 1987's
        if p.year is None:
            continue
        base = bool(re.search(r"\b(?:from|than|compared (?:with|to)|against|over|on|versus)\s+"
                              r"(?:in\s+)?$", sentence[max(0, m.start() - 20) : m.start()]))
        if unit == "year":
            q = Period(p.year - 1, 1, 12, base) if (p.m1, p.m2) == (1, 12) else Period(
                p.year - 1, p.m1, p.m2, base)
        elif unit == "month" and p.m1 == p.m2:
            k = p.year * 12 + p.m1 - 2
            q = Period(k // 12, k % 12 + 1, k % 12 + 1, base)
        elif unit == "quarter" and p.m2 - p.m1 == 2 and p.m1 > 3:
            q = Period(p.year, p.m1 - 3, p.m2 - 3, base)
        else:
            continue
        out = [s for s in out if not (m.start() <= s[0] < m.end())]
        out.append((m.start(), m.end(), q))
    return sorted(out, key=lambda s: (s[0], s[1]))


def _nearest_period(
    sentence: str, fig: Figure, seg: tuple[int, int], growth: bool, date: str | None = None,
    own_part: bool = False, figures: list[Figure] | None = None,
) -> Period | None:
    """The period of a figure, read from its part of the sentence, then the whole sentence.

    A level takes the period phrase nearest after it, else before it. A growth rate
    takes a period stated before it in its part ("in May 2025, an increase of 8%"),
    else the one after it, where a comparison base ("higher than in January–May
    2024", "on May 2024", "from 2023") stands for the year after it.
    """
    spans = [
        (a, b, p)
        for a, b, p in dated_period_spans(sentence, date)
        if not re.match(r"\s*(?:level|base)\b", sentence[b:])
        and not _INDEX_BASE.search(sentence[max(0, a - 20) : a])
    ]
    spans = _anchor_previous(sentence, spans, date)
    if growth:  # "fell 9.2 pct from the previous month": a comparison, no period of its own
        spans = [s for s in spans if not (s[2].base and _RELATIVE_BASE.search(
            sentence[s[0] : s[1]]))]
    same = _SAME_MONTHS.search(sentence)
    if same:  # "the same months of 2024": the months of the sentence's other period
        others = [p for a, b, p in spans if not (same.start() <= a < same.end())
                  and (p.m1 != p.m2 or not same.group("year"))]
        if same.group("rel") and date and others:
            y = (others[0].year or int(date[:4])) - 1
        else:
            y = int(same.group("year") or same.group("year2") or 0)
        if others and y:
            spans = [s for s in spans if not (same.start() <= s[0] < same.end())]
            spans.append((same.start(), same.end(), Period(y, others[0].m1, others[0].m2, True)))
    figures = figures or []
    # a period written onto a figure ("January's 23.52 billion") is that figure's only
    owned = {
        (a, b): g for a, b, _ in spans for g in figures
        if g.start >= b and _OWNED.fullmatch(sentence[b : g.start])
    }
    mine = [(a, b, p) for a, b, p in spans if (g := owned.get((a, b))) and g.start == fig.start]
    if mine:
        return Period(mine[0][2].year, mine[0][2].m1, mine[0][2].m2)
    spans = [s for s in spans if (s[0], s[1]) not in owned]
    # a period right after a compared figure ("after a 1.6 billion rise in January") is that
    # figure's only
    trailing = []
    for a, b, p in spans:
        g = max((g for g in figures if g.end <= a), key=lambda g: g.end, default=None)
        if g is None or g.start == fig.start or not _TRAILS.fullmatch(sentence[g.end : a]):
            continue
        if _COMPARED_LEAD.search(sentence[max(0, g.start - 40) : g.start]):
            trailing.append((a, b))
    spans = [s for s in spans if (s[0], s[1]) not in trailing]
    inside = [(a, b, p) for a, b, p in spans if seg[0] <= a < seg[1]]
    after = sorted((s for s in inside if s[0] >= fig.end), key=lambda s: s[0])
    before = sorted((s for s in inside if s[1] <= fig.start), key=lambda s: -s[1])

    def shifted(span: tuple[int, int, Period]) -> Period:
        a, _, p = span
        between = sentence[fig.end : a]
        if p.year is not None and (
            p.base or re.search(r"\b(?:than|compared (?:with|to)|on|from|over|against)\b", between)
        ):
            return Period(p.year + 1, p.m1, p.m2)
        return p

    def base_of(span: tuple[int, int, Period]) -> Figure | None:
        """The comparison figure a period after it belongs to, if any.

        "from 75.27 billion at end December", "above the 16.98 billion dlrs recorded in
        February 1986".
        """
        prior = [g for g in figures if g.end <= span[0] and g.start > fig.start]
        if not prior:
            return None
        g = prior[-1]
        if _BOUNDARY.search(sentence, g.end, span[0]) or span[0] - g.end > 40:
            return None
        lead = sentence[max(0, g.start - 40) : g.start]
        return g if _BASE_BEFORE.search(lead) else None

    close = [s for s in after if s[0] - fig.end <= 25 and "," not in sentence[fig.end : s[0]]]
    if close and _COMPARED_LEAD.search(sentence[max(0, fig.start - 40) : fig.start]) and (
        re.fullmatch(r"\s*(?:[a-z-]+\s+){0,2}?(?:in|for|during|at)?\s*(?:the\s+)?",
                     sentence[fig.end : close[0][0]])
    ):  # "up from 5.1 pct in 1985", "compared with 11.4 pct last year": the compared
        # figure's own period, as written
        p = close[0][2]
        return Period(p.year, p.m1, p.m2)
    if growth and close and not close[0][2].base and re.match(
        r"\s*(?:[\w-]+\s+){0,2}(?:in|for|during)\s+$", sentence[fig.end : close[0][0]]
    ):
        return close[0][2]  # "after a 0.1 pct gain in February"
    if growth:
        plain = [s for s in before if not s[2].base]
        if plain:
            return plain[0][2]
        if after:
            return shifted(after[0])
        if before:
            return shifted(before[0])
    else:
        # "from 105.4 mln dlrs in the same month last year": the base period is this
        # figure's own when it follows the figure closely
        after = [s for s in after if not s[2].base or s[0] - fig.end <= 30]
        before = [s for s in before if not s[2].base]
        if after:
            return after[0][2]
        if before:
            return before[0][2]
    # Nothing in its part: the sentence's own period, nearest before the part, then after.
    rest = [s for s in spans if not s[2].base and not (seg[0] <= s[0] < seg[1])]
    if own_part and date:  # a target's period elsewhere in the sentence is not over yet
        rest = [s for s in rest if s[2].year is None or s[2].year >= int(date[:4])]
    earlier_in = [s for s in rest if s[1] <= seg[0]]
    # a period of an earlier clause ("... this year: exports rose 6.2% to ... in the first
    # quarter") yields to one of the figure's own clause
    own_clause = [s for s in earlier_in if not re.search(r"[;:]", sentence[s[1] : fig.start])]
    if own_clause or earlier_in and not [s for s in rest if s[0] >= seg[1]]:
        return max(own_clause or earlier_in, key=lambda s: s[1])[2]
    later_in = sorted((s for s in rest if s[0] >= seg[1]), key=lambda s: s[0])
    if earlier_in and (not later_in or _BOUNDARY.search(sentence, fig.end, later_in[0][0])):
        return max(earlier_in, key=lambda s: s[1])[2]
    if later_in and not _BOUNDARY.search(sentence, fig.end, later_in[0][0]):
        base = base_of(later_in[0])
        if base is None:
            return shifted(later_in[0]) if growth else later_in[0][2]
        nxt = next((g for g in figures if g.start > fig.start), None)
        if growth and nxt is not None and base.start == nxt.start and later_in[0][2].year:
            # "42 pct above the 16.98 billion dlrs recorded in February 1986"
            p = later_in[0][2]
            return Period(p.year + 1, p.m1, p.m2)  # type: ignore[operator]
    return None


_YEAR_BACK = re.compile(r"^\s*(?:A year (?:ago|earlier|before)|In the year-ago (?:month|period|"
                        r"quarter))\b", re.I)


def _a_year_back(sentence: str, date: str | None) -> bool:
    """Whether a sentence's figures are a year before the story's period.

    Only when it names no period of its own but that: "A year ago the index stood at 236.7",
    "The figures for the same month last year were ...".
    """
    same = _SAME_MONTHS.search(sentence)
    lead = _YEAR_BACK.search(sentence)
    if not (same and same.group("rel")) and not lead:
        return False
    cue = same if same and same.group("rel") else lead
    assert cue is not None
    if re.search(r"\b(?:than|from|against|compared (?:with|to)|over|on|versus|vs\.?|above|"
                 r"below)\s+(?:in\s+|for\s+|during\s+|at\s+)?$", sentence[: cue.start()], re.I):
        return False  # "... less than in the same period last year": a base, not the subject
    return not [a for a, _, _ in dated_period_spans(sentence, date)
                if not (cue.start() <= a < cue.end())]


def _inherited_period(earlier: list[str], sentence: str, date: str | None = None
                      ) -> Period | None:
    """The period the text was last talking about (skipping "May alone" sub-periods)."""
    span_only = bool(re.search(r"\b(?:this|that|the same) period\b", sentence, re.I))
    for text in earlier:
        if re.search(r"\balone\b", text):
            continue
        found = [p for a, _, p in dated_period_spans(text, date) if not p.base
                 and not _INDEX_BASE.search(text[max(0, a - 20) : a])]  # "(base 1980)"
        if span_only:
            found = [p for p in found if p.m1 != p.m2]
        if found:
            return found[0]
    return None


def _fill_year(p: Period, earlier: list[str], date: str | None = None) -> Period:
    """A month without a year: the year of the nearest earlier text, else by the date."""
    if p.year is not None:
        return p
    if date:  # newswire reports the latest such month: "in February", written in March 1987
        return date_year(p, date)
    for text in earlier:
        for _, _, q in dated_period_spans(text, date):
            if q.year is not None and not q.base:
                return Period(q.year, p.m1, p.m2, p.base)
    return date_year(p, date)


_TABLE_LINE = re.compile(
    r"^(?P<label>(?:Oper(?:ating)? )?(?:shr|net|revs|sales|net income|net profit|pretax|"
    r"pre-tax|turnover|profit|loss|income|operating)(?: \w+)?"
    # any short label of a results line: "Working profit", "Gold production", "Tax"
    r"|[A-Z][A-Za-z.&'/()-]*(?: [A-Za-z.&'/()-]+){0,4}?(?= (?:loss|profit|[$(]?\d)))"
    r"\b(?P<rest>[^\n]*\d[^\n]*\bvs\b[^\n]*\d[^\n]*)$",
    re.I | re.M,
)
_TABLE_SKIP = re.compile(r"^(?:avg|average) shrs|^shrs|^qtly div|^div\b|^note", re.I)
_TABLE_HEADER = re.compile(
    r"^(?:(?P<q>1st|2nd|3rd|4th|first|second|third|fourth)[ -](?:qtr|quarter)"
    r"|(?:qtr|quarter) (?:to|ended|ending) (?P<qm>[A-Za-z]+)"
    r"|(?P<n>six|nine|three|6|9|3|12|twelve|26|39|52)[ -](?:mths|months|weeks|wks)"
    r"(?: (?:(?:to|ended|ending) )?(?P<nm>[A-Za-z]+))?"
    r"|(?P<year>year|fiscal year|yr)(?: (?:to|ended|ending) (?P<ym>[A-Za-z]+))?)\b",
    re.I,
)
_TABLE_HEADER_ANYWHERE = re.compile(_TABLE_HEADER.pattern.lstrip("^"), re.I)
_MONTH_NUMBER = {
    m.lower(): i + 1
    for i, names in enumerate([
        ("January", "Jan"), ("February", "Feb"), ("March", "Mar"), ("April", "Apr"), ("May",),
        ("June", "Jun"), ("July", "Jul"), ("August", "Aug"), ("September", "Sept", "Sep"),
        ("October", "Oct"), ("November", "Nov"), ("December", "Dec"),
    ])
    for m in names
}


def _header_months(header: str) -> tuple[int, int] | None:
    """(months covered, end month) of a results-table header ("4th qtr", "Six mths")."""
    m = _TABLE_HEADER.match(header.strip())
    if not m:
        return None
    def month(name: str | None, default: int) -> int:
        return _MONTH_NUMBER.get((name or "").lower().rstrip("."), default)
    if m.group("q"):
        q = {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "first": 1, "second": 2, "third": 3,
             "fourth": 4}[m.group("q").lower()]
        return 3, 3 * q
    if m.group("qm"):
        return 3, month(m.group("qm"), 12)
    if m.group("n"):
        n = {"six": 6, "nine": 9, "three": 3, "twelve": 12, "26": 6, "39": 9, "52": 12}.get(
            m.group("n").lower()) or int(m.group("n"))
        return n, month(m.group("nm"), n)
    return 12, month(m.group("ym"), 12)


def _table_period(header: str, date: str | None, years_back: int) -> tuple[str, str] | None:
    """The months a results-table column covers, the latest such before the article's date."""
    months = _header_months(header)
    if months is None or not date:
        return None
    n, end = months
    year, month = int(date[:4]), int(date[5:7])
    end_year = (year if end < month else year - 1) - years_back
    last = end_year * 12 + end - 1
    first = last - n + 1
    return f"{first // 12}-{first % 12 + 1:02d}", f"{last // 12}-{last % 12 + 1:02d}"


_NOT_FIGURE_AFTER = re.compile(
    r"\s?(?:hrs\b|hours? (?:local|gmt)|gmt\b|est\b|edt\b|cst\b|cdt\b|bst\b|local time\b|"
    r"p\.m\.|a\.m\.|miles?\b|feet\b|foot\b|ft\b|kms?\b|kilomet(?:re|er)s?\b|inch(?:es)?\b|"
    r"met(?:re|er)s?\b|-?dwt\b|tonnes? dw\b|-?nation\b|nations\b|members?\b|delegat(?:es|ions)\b|"
    r"passengers\b|people (?:were|died|killed)|dead\b|killed\b|missing\b|leaders\b|"
    r"(?:tonne|pound|kilo|lb|ton|bag|barrel|ounce)[ -](?:lots?|cargo(?:es)?|bags?|units?|"
    r"shipments?|contracts?|sacks?)\b|plus pct sure|pct sure|-?year-old|years? old|"
    r"to \d{4} (?:gmt|est|cst|hrs))",
    re.I,
)
_STOCK_MOVE = re.compile(
    r"\b(?:stock|shares|share price|<[A-Z.]+>)\s+(?:(?:was|were|closed|ended|is)\s+)?"
    r"(?:rose|fell|gained|jumped|climbed|dropped|slipped|eased|lost|added|was up|was down|up|"
    r"down|closed at|ended at|at)\b|\b(?:rose|fell|gained|jumped|climbed|dropped|slipped|eased|"
    r"lost|added)\s+(?:\S+\s+)?to\s*$|\bstock\b.*\b(?:rose|fell|gained|jumped|up|down)\b",
    re.I,
)
_NOT_FIGURE_BEFORE = re.compile(
    r"(?:\b(?:article|section|chapter|paragraph|clause|rule|resolution|item|no\.|number|"
    r"band|group of|aged|age|equals?|=|page|pages|room|gate|route|highway|flight|"
    r"(?:first|last|past|next|final|closing) (?:few )?)\s*$|^\W*$|,\s*$)",
    re.I,
)


def _not_a_figure(sentence: str, fig: Figure) -> bool:
    """A number that is no trade or economic figure.

    A clock time, a size, an age, an article number, the count of people at a meeting, a
    number inside a period phrase, one stock's price move, a vote count.
    """
    after = sentence[fig.end : fig.end + 30]
    before = sentence[max(0, fig.start - 25) : fig.start]
    if fig.kind == "number" and re.fullmatch(r"[0-2]\d[0-5]\d", fig.text):
        return True  # "at 1700 hrs", "from 0900 to 1315"
    if fig.kind == "number" and not fig.unit and _STOCK_MOVE.search(
        sentence[max(0, fig.start - 60) : fig.start]
    ):
        return True  # "GM shares rose 3-1/2 to 79-1/8": one stock's price
    if fig.kind == "percent" and re.match(r"\s?(?:pct|%)?\s*(?:minimum\s+)?(?:purity|pure|grade)\b",
                                          after, re.I):
        return True  # "a 99.70 pct purity aluminium contract"
    if re.match(r"\s?(?:[\w-]+\s)?(?:tonnes|tons|barrels|bags|lbs)?\s?each\b", after, re.I) or (
        re.search(r"\bvotes?\b|\bvoted\b", sentence[max(0, fig.start - 30) : fig.start], re.I)
    ):
        return True  # "three shipments of 50,000 tonnes each"; "the vote was 1,229"
    if fig.kind != "number" and not re.match(r"\s?(?:-?nation|pct sure|plus pct)", after, re.I):
        return False
    if _NOT_FIGURE_AFTER.match(re.sub(r"^\s?[A-Z]{2,}(?=\s)", "", after)):
        return True  # "12 EC nations" too
    if fig.kind == "number" and not fig.unit and _NOT_FIGURE_BEFORE.search(before):
        # ", 83," after a name; "Article 23"; "the last 10 days"; a list's "1."
        return not re.match(r"\s*(?:mln|billion|pct|tonnes|dlrs)", after, re.I) and (
            not before.rstrip().endswith(",") or bool(re.match(r"\s*,", after))
        )
    if fig.kind == "number" and fig.unit in ("days", "weeks", "months", "years") and re.search(
        r"\b(?:first|last|past|next|final|closing|for|over|within)\s+$", before, re.I
    ):
        return True  # "in the last 10 days of February": part of a period
    return False


_M = (r"(?:January|February|March|April|May|June|July|August|September|October|November|"
      r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?")
_SPANNING = re.compile(
    rf"\b(?:(?P<len>year|12 months|twelve months|(?P<n>three|six|nine|3|6|9) months|"
    rf"(?P<qtr>(?:(?:first|second|third|fourth|1st|2nd|3rd|4th)\s+)?(?:fiscal\s+)?"
    rf"(?:qtr|quarter)))\s+"
    rf"(?:ended|ending|to|through|up to)(?: the end of| end-)?\s*(?P<m>{_M})(?:\s+\d{{1,2}}\b)?"
    rf"(?:,?\s+(?P<y>(?:19|20)\d\d))?"
    rf"|(?P<y1>(?:19|20)\d\d)/(?P<y2>\d\d)\b(?:\s+\w+)?\s+(?:ended|ending|to)\s+(?P<m2>{_M})"
    rf"|(?:year|12 months|twelve months)\s+(?:started|starting|beginning|from)\s+(?P<m3>{_M})"
    rf"|(?:for\s+)?12 months from\s+(?P<m4>{_M})"
    rf"|\bsince\s+(?P<m5>{_M})(?:\s+(?P<y5>(?:19|20)\d\d))?"
    rf"|(?P<a>{_M})\s+\d{{1,2}}\s*[-–]\s*(?P<b>{_M})\s+\d{{1,2}})",
    re.I,
)
_SPAN_WORDS = {"three": 3, "six": 6, "nine": 9}


def _ym(year: int, month: int) -> str:
    return f"{year}-{month:02d}"


def _month_of(name: str) -> int:
    return _MONTH_NUMBER[name.lower().rstrip(".")]


def _spanning_period(
    text: str, fig: Figure, seg: tuple[int, int], kind: str, date: str | None
) -> tuple[str, str, str] | None:
    """A period running across a year end.

    "the year to March", "1986/87 ended March 31", "12 months from March 1", "since
    September 1985" (a change), "July 1-March 13".

    The phrase must be in the figure's part of the sentence; a month without a year is the
    latest such month up to the article's date. Returns (start, end, label).
    """
    if not date:
        return None
    year, month = int(date[:4]), int(date[5:7])
    for m in _SPANNING.finditer(text, seg[0], seg[1]):
        if m.group("m"):
            end_m = _month_of(m.group("m"))
            end_y = int(m.group("y")) if m.group("y") else (year if end_m <= month else year - 1)
            n = 12 if m.group("len").lower() in ("year", "12 months", "twelve months") else (
                3 if m.group("qtr") else  # "its first qtr ended December 31"
                _SPAN_WORDS.get((m.group("n") or "").lower()) or int(m.group("n")))
        elif m.group("m2"):
            end_m, end_y, n = _month_of(m.group("m2")), int(m.group("y1")) + 1, 12
        elif m.group("m3") or m.group("m4"):
            start_m = _month_of(m.group("m3") or m.group("m4"))
            start_y = year if start_m <= month else year - 1
            last = start_y * 12 + start_m - 1 + 11
            end_y, end_m, n = last // 12, last % 12 + 1, 12
        elif m.group("m5"):
            if kind not in ("growth", "rate"):
                continue
            start_m = _month_of(m.group("m5"))
            start_y = int(m.group("y5")) if m.group("y5") else (
                year if start_m <= month else year - 1)
            return _ym(start_y, start_m), _ym(year, month), m.group().strip()
        else:
            a, b = _month_of(m.group("a")), _month_of(m.group("b"))
            if a <= b:
                continue
            end_m = b
            end_y = year if end_m <= month else year - 1
            n = (end_m - a) % 12 + 1
        last = end_y * 12 + end_m - 1
        if kind != "growth" and _year_earlier(text, fig, seg):
            last -= 12
        first = last - n + 1
        return _ym(first // 12, first % 12 + 1), _ym(last // 12, last % 12 + 1), m.group().strip()
    return None


def _year_earlier(text: str, fig: Figure, seg: tuple[int, int]) -> bool:
    """The figure is the year-earlier one.

    "a year-earlier loss of ...", "from 25.23 mln a year earlier", "compared with 1.47 mln
    last season".
    """
    before = text[max(seg[0], fig.start - 30) : fig.start]
    after = text[fig.end : min(seg[1], fig.end + 30)]
    return bool(_YEAR_EARLIER.search(before) or re.match(
        r"\s*(?:[\w-]+\s+){0,3}?(?:a year (?:earlier|ago|before)|last season|"
        r"the previous year|in the previous year|(?:in )?the year earlier)\b", after, re.I))


_FISCAL_END = re.compile(
    rf"\b(?:19|20)\d\d/\d\d\s+(?:[a-z-]+\s+)?(?:ended|ending|to|through)\s+(?P<m>{_M})")
"""A split year defined once in a story ("1986/87 ended March 31"): its end month."""


def _split_year(year: int, text: str) -> bool:
    """``text`` names the split year that starts in ``year`` ("1986/87")."""
    return bool(re.search(rf"\b{year}/{(year + 1) % 100:02d}\b", text))


_OWN_DOLLAR = {"Australia": "AUD", "Canada": "CAD", "New Zealand": "NZD", "Hong Kong": "HKD",
               "Singapore": "SGD", "Taiwan": "TWD"}


_TICKER = re.compile(r"<[A-Z0-9&'-]+(?:\.[A-Z0-9]+)*\.(?P<x>[A-Z]{1,2})>")
_EXCHANGE_COUNTRY = {
    "HK": "Hong Kong", "PA": "France", "Z": "Switzerland", "S": "Australia",
    "T": "Japan", "L": "United Kingdom", "F": "West Germany", "D": "West Germany",
    "AS": "Netherlands", "BR": "Belgium", "MI": "Italy", "ST": "Sweden", "CO": "Denmark",
    "OL": "Norway", "HE": "Finland", "VI": "Austria", "TO": "Canada", "SI": "Singapore",
    "J": "South Africa",
}
"""A stock exchange's code in a 1987 Reuters ticker ("<CKGH.HK>", "<RENA.PA>", "<BOAL.S>"
Sydney, "<JACZ.Z>" Zurich): the country whose currency a company's bare amounts are in.
Codes the wire uses for more than one exchange (".M", ".V") are left out."""
_LOCAL_CURRENCY = {
    "France": "FRF", "Switzerland": "CHF", "Japan": "JPY", "United Kingdom": "GBP",
    "West Germany": "DEM", "Netherlands": "NLG", "Belgium": "BEF", "Italy": "ITL",
    "Spain": "ESP", "Sweden": "SEK", "Denmark": "DKK", "Norway": "NOK", "Finland": "FIM",
    "Austria": "ATS", "Malaysia": "MYR", "South Africa": "ZAR",
}


def _ticker_country(title: str) -> str | None:
    """The country of the exchange a title's ticker names, if any."""
    m = _TICKER.search(title)
    return _EXCHANGE_COUNTRY.get(m.group("x")) if m else None


def _story_dollar(title: str, text: str) -> str | None:
    """The dollar of a story about a country that has its own ("AUSTRALIAN ... MONEY").

    Only when the text never writes an amount in U.S. dollars.
    """
    found = sorted(countries(title)) or [c for c in [_ticker_country(title)] if c]
    if len(found) != 1 or found[0] not in _OWN_DOLLAR:
        return None
    if re.search(r"\bU\.?S\.?\s*(?:dlrs?|dollars?)\b|US\$", text, re.I):
        return None
    return _OWN_DOLLAR[found[0]]


# A word that names trade itself, not only a sale, a purchase or an earning.
_TRADE_WORD = re.compile(r"\b(?:export|import|re-export|shipment|shipped|invest|FDI)|"
                         r"\b(?:abroad|overseas)\b", re.I)
_COMPANY = re.compile(
    r"<[A-Z][\w.]*>|\b(?:Inc|Corp|Co|Ltd|Plc|PLC|AG|SA|NV|Oy|SpA|Cie|INC|CORP|LTD)\b\.?(?!\w)"
    r"|\b(?i:the|its|a)\s+(?:company|firm|subsidiary|group)(?:'s)?\b")
"""A company named as the subject: its figures are no country's."""


def _story_country(title: str, first: str) -> str | None:
    """The one country a story is about: its title's, else its first sentence's.

    Institutions name their country too ("BANK OF FRANCE ... ASSETS", "the Bundesbank").
    """
    for text in (title, first):
        found = {c for c in countries(text) if c != "Europe"}
        if len(found) == 1:
            return found.pop()
        if found:
            return None
    return None


def _table_facts(article_id: str, title: str, text: str, span_start: int, sentence: str,
                 article_date: str | None, dollar: str | None, index: int) -> list[Fact]:
    """The figures of a results table ("Shr 1.20 dlrs vs 1.10 dlrs", "Net 5.1 mln vs ...").

    A company's results: no country, flow or sector; the unit the line's currency (else
    the article's dollar); a loss is negative; the period from the table's header line
    ("4th qtr", "Six mths", "Year") or the title, the figure after "vs" a year earlier.
    """
    facts: list[Fact] = []
    named = sorted(countries(title))
    story = named[0] if len(named) == 1 else _ticker_country(title)
    header = next((h for h in re.split(r"\s*[<>]\s*|\s{2,}", title)
                   if _TABLE_HEADER.search(h)), "")
    title_header = _TABLE_HEADER_ANYWHERE.search(title)
    header = title[title_header.start():] if title_header else header
    # a table that writes one currency ("Shr 95.30 pesos vs 29.71 pesos") counts its bare
    # amounts ("Net 1.9 billion vs 779 mln") in it
    written = {resolve_currency(f.currency, story, dollar)
               for f in extract_figures(sentence, keep_ambiguous=True) if f.currency}
    written.discard(None)
    table_currency = next(iter(written)) if len(written) == 1 else None
    pos = 0
    for line in sentence.split("\n"):
        start = pos
        pos += len(line) + 1
        stripped = line.strip()
        if _TABLE_HEADER.match(stripped) and not _TABLE_LINE.match(stripped):
            header = stripped
            continue
        m = _TABLE_LINE.match(stripped)
        if not m or _TABLE_SKIP.match(stripped):
            continue
        offset = start + (len(line) - len(line.lstrip()))
        vs = stripped.lower().find(" vs ")
        for fig in extract_figures(stripped, keep_ambiguous=True):
            before = stripped[: fig.start]
            back = 1 if 0 <= vs < fig.start else 0
            unit = resolve_currency(fig.currency, story, dollar) or fig.unit
            if unit is None:
                unit = table_currency or dollar or _LOCAL_CURRENCY.get(story or "", "USD")
            value = fig.value
            if re.search(r"\bcts$", fig.text) is None and fig.kind == "number" and re.match(
                r"\s*cts\b", stripped[fig.end :]
            ):
                value /= 100
            segment = before[before.lower().rfind(" vs ") + 4 :] if back else before
            if re.search(r"\bloss\b", segment, re.I):
                value = -abs(value)
            period = _table_period(header, article_date, back)
            fs, fe = period if period else (None, None)
            label = m.group("label")
            sector = ", ".join(sorted(sectors(label))) or None  # "Gold production"
            per = re.search(r"\bper (kg|kilo|tonne|ton|ounce|oz|lb|barrel)\b", label, re.I)
            kind = "price" if per else "level"  # "Avg price per kg 27,371 rand"
            if per:
                denom = per.group(1).lower()
                unit = f"{unit}/" + {"kilo": "kg", "ton": "tonne", "oz": "ounce"}.get(denom, denom)
            facts.append(Fact(
                article_id=article_id, index=index + len(facts), value=value, unit=unit,
                kind=kind, reporter=None, partner=None, flow=None, sector=sector, city=None,
                period_start=fs, period_end=fe,
                period_label=(f"{fs}–{fe}" if fs else None), figure=fig.text,
                sentence=stripped, start=span_start + offset,
                end=span_start + offset + len(stripped),
                fig_start=span_start + offset + fig.start, fig_end=span_start + offset + fig.end,
                article_date=article_date,
            ))
    return facts


def extract_facts(
    article_id: str, title: str, text: str, article_date: str | None = None
) -> list[Fact]:
    """Every figure of an article as a ``Fact`` (see the module docstring)."""
    facts: list[Fact] = []
    spans = split_sentences(text)
    sentences = [text[s.start : s.end] for s in spans]
    title_roles = _roles(_mask(title, _ATTRIBUTION), _flow(title, len(title) // 2))
    company_story = bool(_COMPANY.search(title) or sentences and _COMPANY.search(sentences[0]))
    story = None if company_story else (
        title_roles.reporter or _story_country(title, sentences[0] if sentences else ""))
    previous = _Subject(reporter=story)
    topic = sectors(title)
    story_sector = next(iter(topic)) if len(topic) == 1 and topic <= _COMMODITIES else None
    dollar = named_dollar(text) or _story_dollar(title, text)
    money_country = title_roles.reporter or _ticker_country(title)  # whose "francs"
    last_currency: str | None = None
    fiscal = _FISCAL_END.search(text)
    table: _HeaderUnit | None = None  # a statistics table's unit, from its header line
    story_unit: str | None = None  # the last unit the story measured in
    brackets_back = bool(_BRACKETS_EARLIER.search(text))
    same_day = bool(re.search(r"\b(?:today|so far today|this morning|this afternoon)\b", text))
    fiscal_end = _month_of(fiscal.group("m")) if fiscal else 0
    for i, (span, sentence) in enumerate(zip(spans, sentences, strict=True)):
        if len(_TABLE_LINE.findall(sentence)) >= 2 or (
            _TABLE_LINE.fullmatch(sentence.strip())
        ):
            facts += _table_facts(article_id, title, text, span.start, sentence, article_date,
                                  dollar, len(facts))
            continue
        figures = extract_figures(sentence, keep_ambiguous=True)
        if not figures:
            header = _header_unit(sentence)
            if header is not None:  # "All in tonnes except Silver which in troy ounces."
                table = replace(header, start=0)
            continue
        earlier = sentences[:i][::-1] + [title]
        raw_sentence = sentence
        sentence = sentence.replace("\n", " ")  # hard-wrapped wire copy: one line to read
        masked = _mask(sentence, _ATTRIBUTION)
        continues = bool(_CONTINUES.search(sentence))
        sentence_flow = _flow(masked, figures[0].start)
        whole = _roles(masked, sentence_flow)
        first: _Subject | None = None
        last_kind: str | None = None
        last_fig: Figure | None = None
        price_unit: str | None = None
        price_value = 0.0
        made: list[tuple[Figure, int]] = []
        company = _COMPANY.search(masked)
        company_at = company.start() if company else None
        present = _PRESENT.search(masked)
        future = _FUTURE_OR_TIMELESS.search(sentence)
        header = _header_unit(raw_sentence)
        columns, columns_end = _columns(raw_sentence)
        bare = [f for f in figures if f.kind == "number" and not f.unit]
        if header is not None:
            table = header
        elif len(bare) < 3:
            table = None  # prose again
        elif table is not None:
            table = replace(table, start=0)  # rows go on in the next line
        column, row_end, row_label = -1, 0, ""
        group = ""
        for fig, seg in zip(figures, _segments(sentence, figures), strict=True):
            if _not_a_figure(sentence, fig):
                continue
            part = masked[seg[0] : seg[1]]
            flow = _flow(part, fig.start - seg[0])
            if flow is None and not _MEASURES.search(part):
                clause_lo = max((m.end() for m in _BOUNDARY.finditer(masked, 0, seg[0])),
                                default=0)  # "..., while imports were down 2.1 pct at 11.10"
                flow = _flow(masked[clause_lo : fig.start], fig.start - clause_lo) if (
                    clause_lo) else None
                flow = flow or sentence_flow
            if flow is None and continues:
                flow = previous.flow
            own = _roles(part, flow)
            flow = own.flow  # "bought ... of Kenyan tea" is Kenya's export
            if flow in ("export", "import", "investment") and (
                company_story or company_at is not None
            ) and not _TRADE_WORD.search(masked) and not countries(part):
                flow = None  # "Pat earned 5.4 mln dlrs", "Grace received 99.3 mln": results
            near_cities = [
                c for c in cities(masked[seg[0] : min(seg[1], fig.end + 80)])
                if not re.search(rf"{re.escape(c)}(?:-based| business| chamber)", masked)
            ]
            if fig.kind == "number" and not fig.unit and _SCALED_NUMBER.search(fig.text) and (
                last_currency
            ):  # "against 15.67 billion in February": the currency the story is counting in
                fig = replace(fig, kind="amount", currency=last_currency)
            kind, unit, value = _kind_unit(sentence, fig, seg)
            clause_text = sentence[max((m.end() for m in _BOUNDARY.finditer(sentence, 0,
                                                                           fig.start)),
                                       default=0) : fig.start]
            if re.search(r"\bindex\b", clause_text, re.I) and not _SCALED_NUMBER.search(
                fig.text
            ) and value >= 20 and (fig.kind == "percent" and fig.carried or (
                fig.kind == "number" and unit == "count")
            ):  # "the wholesale price index ... rose 0.2 pct to 125.1": the index's points
                kind, unit = "level", "points"
            in_table = fig.kind == "number" and not fig.unit and unit == "count" and (
                table is not None and fig.start >= table.start
                or bool(columns) and fig.start >= columns_end)
            if in_table:  # a row of a statistics table: "Crude 1,663.3-x 1,542.6 893.7"
                gap = raw_sentence[max(row_end, columns_end, table.start if table else 0)
                                   : fig.start]
                if re.search(r"[A-Za-z]{2,}", gap):
                    column, row_label = 0, gap
                    if "--" in gap:  # "Soybean Oils --\nCrude 1,663.3": a group of rows
                        group, _, row_label = gap.rpartition("--")
                        group = re.split(r"[\n.]", group.strip())[-1]
                else:
                    column += 1
                row_end = fig.end
                if table is not None:
                    factor, unit = table.unit_for(row_label)
                    value *= factor
                    if table.bracket_currency and re.search(r"\(\s*$", sentence[: fig.start]):
                        unit = table.bracket_currency + unit[unit.find("/"):] if "/" in unit else (
                            table.bracket_currency)  # "WITH DOLLAR EQUIVALENT IN BRACKETS"
                else:
                    unit = story_unit or unit
                kind = "price" if "/" in unit else "level"
            if fig.currency and not fig.carried:
                last_currency = fig.currency
            if kind == "price" and "/" in unit:
                price_unit, price_value = unit, value
            elif price_unit and unit == price_unit.split("/")[0] and fig.kind == "amount":
                # "at 355 dlrs per tonne cif, and 6,000 tonnes for May at 358 dlrs"
                unit = price_unit
                if kind in ("level", "count"):
                    kind = "price"
            elif price_unit and fig.kind == "number" and unit == "count" and kind in (
                "level", "count", "target"
            ) and 0.2 < abs(value) / (abs(price_value) or 1) < 5:
                # "1,400 yen per kilo, while its ceiling is 1,820": another price of the thing
                unit, kind = price_unit, "price"
            in_range = bool(re.search(r"\d\s*[–-]\s*$", sentence[: fig.start]) and last_kind or (
                last_fig is not None and last_kind and last_fig.carried
                and re.fullmatch(r"\s*(?:to|-|–)\s*", sentence[last_fig.end : fig.start])
            ))
            if in_range:
                # "9–10%", "6.5 to 9.5 pct": a range, one kind (a target's if either end is)
                if kind == "target" and last_kind != "target" and made and made[-1][0] is last_fig:
                    k = made[-1][1]
                    facts[k] = replace(facts[k], kind="target")
                else:
                    kind = last_kind or kind
            elif last_fig is not None and last_kind and last_fig.kind == fig.kind and (
                _RANGE_GAP.fullmatch(sentence[last_fig.end : fig.start])
                and re.search(r"\bbetween\s+(?:\S+\s+){0,3}$|\bfrom\s+$",
                              sentence[max(0, last_fig.start - 30) : last_fig.start])
                or fig.kind == "percent" and last_kind in ("rate", "growth", "share")
                and kind not in ("growth",)
                and _COMPARED_GAP.fullmatch(sentence[last_fig.end : fig.start])
            ):
                kind = last_kind  # "between 200 and 300 mln", "to 7-3/4 pct from 7-1/2 pct"
                if kind != "growth":
                    value = abs(value)
            last_range_fig = last_fig
            last_kind, last_fig = kind, fig
            if unit == "agreements":
                flow = None
            # Fill what this part leaves out: from the sentence, then from the context.
            clause_start = max((m.end() for m in re.finditer(r"[;:]", masked[: seg[0]])), default=0)
            carry = first or (
                _roles(masked[clause_start : seg[1]], flow) if clause_start else whole
            )
            reporter = own.reporter or carry.reporter
            partner = own.partner
            if partner is None and (carry.reporter in (None, reporter)):
                partner = carry.partner
            if reporter is None and continues:
                reporter, partner = previous.reporter, partner or previous.partner
            if reporter is None and not company_story and not (
                company_at is not None and company_at < seg[1]
            ):  # a company's figure is no country's; else the story's subject country
                reporter = previous.reporter or story
            if _TOTAL.search(part) and own.partner is None and kind not in ("share",):
                partner = None  # "Turkey's total exports": to all destinations
            if partner == reporter:
                partner = None
            if flow == "bilateral" and (reporter is None or partner is None):
                pair = [x for x in (title_roles.reporter, title_roles.partner) if x]
                if len(pair) == 2:
                    reporter, partner = pair
            sector = own.sector or carry.sector or (previous.sector if continues else None)
            if sector is None and story_sector and not company_story and kind not in (
                "rate", "duration"
            ) and flow not in ("balance", "bilateral", "investment", "port") and not (
                _MEASURES.search(part) or company_at is not None or _TOTAL.search(part)
                or re.search(r"\bgoods\b", part)
            ):
                sector = story_sector  # "SOVIETS MADE LARGE SUGAR PURCHASE": its cargoes
            if sector is None and unit.split("/")[0] == "barrels":
                sector = "crude oil"  # "output rose this month to two mln bpd"
            if in_table:
                # a group names the product, its rows the grades ("Soybean Oils -- Crude")
                sector = ", ".join(sorted(sectors(group))) or ", ".join(
                    sorted(sectors(row_label))) or ", ".join(sorted(sectors(title))) or sector
                flow = _flow(row_label, 0) or (flow if flow != "investment" else None)
            city = (near_cities[0] if near_cities else None) or (first.city if first else None)
            place_country = PLACE_COUNTRY.get(city or "")
            if partner is None and place_country and place_country != reporter and flow in (
                None, "investment", "export", "import"
            ) and kind != "price":
                partner = place_country  # "plans to employ 4,500 workers in Hải Phòng"
            if flow == "port" and city in PLACE_COUNTRY:
                reporter = PLACE_COUNTRY[city]
                partner = own.partner
            if flow == "investment" and re.search(r"\battract|\breceiv", part, re.I):
                place = next((c for c in cities(part) if c in PLACE_COUNTRY), None)
                partner = PLACE_COUNTRY[place] if place else (own.reporter or partner)
                reporter = None
            if unit == "agreements":
                sector = None
                named = sorted(countries(masked))
                if len(named) >= 2:
                    reporter, partner = named[0], named[1]
            if flow == "bilateral" and reporter and partner:
                reporter, partner = sorted([reporter, partner])
            if partner == reporter:
                partner = None
            unit = _resolve_unit(unit, reporter, money_country, masked, dollar)
            # The period.
            label: str | None
            p_start = p_end = None
            by_year = re.search(r"\bby (the end of |end-|end )?((?:19|20)\d\d)\b",
                                masked[seg[0] : seg[1]])
            spanning = _spanning_period(sentence, fig, seg, kind, article_date)
            if kind == "target" and by_year:
                year = int(by_year.group(2))
                p_start, p_end = f"{year}-{12 if by_year.group(1) else 1:02d}", f"{year}-12"
                label = f"by {year}"
            elif spanning is not None:
                p_start, p_end, label = spanning
            else:
                vague = _VAGUE.search(part)
                p = _nearest_period(sentence, fig, seg, kind == "growth", article_date,
                                    own_part=kind == "target", figures=figures)
                if vague and (p is None or vague.start() + seg[0] >= fig.end or not [
                    x for x in period_spans(part) if not x[2].base
                ]):  # (the part's own periods read only when a vague phrase is there)
                    label = re.sub(r"^in (?:its best |some )?", "", vague.group().lower())
                else:
                    if p is None and kind != "target" and not present and not future:
                        p = _inherited_period(earlier, sentence, article_date)
                    if kind == "target" and _OPEN_ENDED.search(
                        sentence[seg[0] : seg[1] + 20]
                    ) and not [
                        x for x in period_spans(part) if not x[2].base
                    ]:
                        p = None  # "an objective of $40 billion a year", "will eventually save"
                    elif p is None and kind == "target" and article_date and _PREDICTED.search(
                        sentence
                    ):
                        # a forecast with no period of its own: the one the story is about,
                        # unless that is over ("exports are forecast to rise to 720,000")
                        p = _inherited_period(earlier, sentence, article_date)
                        if p is not None and (p.year is None or p.year < int(article_date[:4])):
                            p = None
                    if p is None and article_date and (
                        kind in _CURRENT_KINDS and (kind != "share" or not future)
                        or (present or same_day and not future)
                        and kind not in ("target", "duration")
                    ):  # a state "now", "at present", "still available", or a day's report
                        # ("bought 21 mln stg of bank bills" in a story of today): the article's
                        # month
                        p = date_year(Period(None, int(article_date[5:7]),
                                             int(article_date[5:7])), article_date)
                    back = p is not None and _a_year_back(sentence, article_date)
                    if back:  # "the figures for the same month last year were 314 mln"
                        q = _inherited_period(earlier, sentence, article_date)
                        q = _fill_year(q, earlier, article_date) if q is not None else None
                        if q is not None and q.year is not None:
                            p = Period(q.year - 1, q.m1, q.m2)
                    if p is not None:
                        p = _fill_year(p, earlier, article_date)
                        crop = fiscal_end and p.year is not None and (p.m1, p.m2) == (1, 12) and (
                            _split_year(p.year, sentence)
                            or not period_spans(sentence) and _split_year(p.year, text))
                        if p.year is not None and kind != "growth" and not back and _year_earlier(
                            masked, fig, seg
                        ):
                            p = Period(p.year - 1, p.m1, p.m2)  # "a year-earlier loss of ..."
                        if p.year is not None:
                            p_start, p_end = f"{p.year}-{p.m1:02d}", f"{p.year}-{p.m2:02d}"
                        if crop and p.year is not None:  # "in 1986/87": the story's own year
                            last = (p.year + 1) * 12 + fiscal_end - 1
                            p_start, p_end = _ym((last - 11) // 12, (last - 11) % 12 + 1), _ym(
                                last // 12, last % 12 + 1)
                    label = describe(p) if p is not None else None
                    if label is None and kind == "target":
                        label = "no date"
            if in_range and p_start is None and made and made[-1][0] is last_range_fig:
                prior = facts[made[-1][1]]  # a range's two ends share its period
                p_start, p_end, label = prior.period_start, prior.period_end, prior.period_label
            if in_table and 0 <= column < len(columns):
                p_start = p_end = columns[column]  # the column's date
                label_p = p_start
            elif in_table and brackets_back and made and re.search(
                r"\(\s*$", sentence[: fig.start]
            ) and facts[made[-1][1]].period_start:
                prior = facts[made[-1][1]]  # "Lead 443,850 (538,750)": the year before
                p_start, p_end = _months_back(prior.period_start or "", prior.period_end or "",
                                              12)
                label_p = p_start
            else:
                label_p = None
            if label_p:
                label = f"{p_start}–{p_end}"
            if kind == "target" and p_end and article_date and p_end < article_date[:7] and (
                not _STATED_GOAL.search(sentence[seg[0] : fig.end])
            ):
                # "expects a 1986 deficit of 1.5 billion", written in 1987: an estimate of
                # a period already over is its figure, not a target
                kind, unit, value = _kind_unit(sentence, fig, seg, no_target=True)
                unit = _resolve_unit(unit, reporter, money_country, masked, dollar)
            made.append((fig, len(facts)))
            if unit not in ("count", "percent") and not unit.startswith("count"):
                story_unit = unit
            facts.append(
                Fact(
                    article_id=article_id, index=len(facts), value=value, unit=unit, kind=kind,
                    reporter=reporter, partner=partner, flow=flow, sector=sector, city=city,
                    period_start=p_start, period_end=p_end, period_label=label,
                    figure=fig.text, sentence=raw_sentence, start=span.start, end=span.end,
                    fig_start=span.start + fig.start, fig_end=span.start + fig.end,
                    article_date=article_date,
                )
            )
            if first is None:
                first = _Subject(reporter, partner, flow, own.sector or whole.sector, city)
        _date_bases(facts, made, sentence, article_date, year_on_year=bool(
            _YEAR_ON_YEAR.search(" ".join(earlier[:1] + [sentence]))))
        if first is not None and first.reporter:
            previous = first
    return facts


@dataclass(frozen=True)
class _HeaderUnit:
    """The unit a statistics table states once in its header ("in mln lbs --")."""

    start: int  # where the header ends in its sentence
    factor: float
    unit: str
    except_word: str | None = None  # "All in tonnes except Silver which in troy ounces"
    except_unit: tuple[float, str] | None = None
    bracket_currency: str | None = None

    def unit_for(self, label: str) -> tuple[float, str]:
        """(factor, unit) for a row with this label."""
        if self.except_word and self.except_unit and re.search(
            rf"\b{re.escape(self.except_word)}\b", label, re.I
        ):
            return self.except_unit
        return self.factor, self.unit


_HEADER = re.compile(
    r"(?:\(|\b)(?:all\s+)?in\s+(?P<what>(?:(?:mln|million|billion|bln|thousands?)\s+)?"
    r"(?:troy\s+)?[a-z]+(?:\s+per\s+(?:kilo|kg|tonne|ton|lb|pound|barrel|ounce|bushel))?)"
    r"\s*(?P<end>--|-\s|[,.:)]|\n|$|(?=except\b))"
    r"(?:\s*except\s+(?P<word>[A-Za-z]+)\s+which\s+(?:is\s+|are\s+)?in\s+"
    r"(?P<other>(?:troy\s+)?[a-z]+))?", re.I)
_BRACKETS_EARLIER = re.compile(
    r"\b(?:corresponding|year-ago|year earlier|previous year|comparisons?)\b[^.]{0,60}"
    r"\bin brackets\b", re.I)
_COLUMN_DATE = re.compile(
    r"\b(?P<m>[01]\d)/[0-3]\d/(?P<y>\d\d)\b|\b(?P<mon>JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEPT?|OCT|"
    r"NOV|DEC)[A-Z]*'(?P<y2>\d\d)\b", re.I)


@lru_cache(maxsize=4096)
def _unit_of(words: str) -> tuple[float, str] | None:
    """(factor, unit) of a header's unit words ("mln lbs", "australes per kilo")."""
    per = re.search(r"\s+per\s+(\w+)$", words, re.I)
    head = words[: per.start()] if per else words
    found = extract_figures(f"1 {head}", keep_ambiguous=True)
    if not found or not (found[0].currency or found[0].unit):
        return None
    f = found[0]
    unit = resolve_currency(f.currency, None) if f.currency else f.unit
    if per:
        denom = per.group(1).lower()
        denom = {"kilo": "kg", "pound": "lb", "ton": "tonne"}.get(denom, denom)
        unit = f"{unit}/{denom}"
    return f.value, unit or "count"


def _header_unit(sentence: str) -> _HeaderUnit | None:
    """The unit of a table stated in its header, when bare numbers follow it."""
    for m in _HEADER.finditer(sentence):
        got = _unit_of(" ".join(m.group("what").split()))
        if got is None:
            continue
        rest = extract_figures(sentence[m.end() :], keep_ambiguous=True)
        if rest and sum(1 for f in rest if f.kind == "number" and not f.unit) < 3 and not (
            m.group().lower().startswith("all")
        ):
            continue  # "denominated in marks or yen": no table follows
        other = _unit_of(m.group("other")) if m.group("other") else None
        equivalent = re.search(r"\b(\w+)\s+equivalents?\s+in\s+brackets\b", sentence, re.I)
        in_brackets = _unit_of(equivalent.group(1)) if equivalent else None
        return _HeaderUnit(m.end(), got[0], got[1], m.group("word"), other,
                           in_brackets[1] if in_brackets else None)
    return None


def _columns(sentence: str) -> tuple[list[str], int]:
    """The months of a table's column dates, and where that header ends.

    "02/28/87 01/31/87 02/28/86", "JAN'87 DEC'86"; ([], 0) when the sentence has none.
    """
    found = list(_COLUMN_DATE.finditer(sentence))
    if len(found) < 2:
        return [], 0
    out = []
    for m in found:
        month = int(m.group("m")) if m.group("m") else _month_of(m.group("mon")[:3])
        year = 1900 + int(m.group("y") or m.group("y2"))
        out.append(_ym(year, month))
    return out, found[-1].end()


_YEAR_ON_YEAR = re.compile(
    r"\b(?:the same|corresponding) (?:(?:19|20)\d\d )?(?:period|month|quarter)\b|"
    r"\ba year (?:earlier|ago)\b|\byear-(?:earlier|ago)\b|\byear-on-year\b", re.I)
"""A story comparing with a year earlier: its bare compared figures are the year before."""
_BASE_GAP = re.compile(
    r"(?:[^\d;]|(?<!\d)(?:19|20)\d\d(?!\d)){0,60}?(?:\b(?:up|down)\s+)?"
    r"\b(?:from|against|compared (?:with|to)|versus|vs\.?)"
    r"\s+(?:an?\s+|the\s+)?(?:revised\s+|estimated\s+|previously reported\s+|provisional\s+)?",
    re.I)
_BASE_END = re.compile(r"[,;.]|\s(?:and|while|but|as)\s")
_BASE_YEAR_BACK = re.compile(
    r"^\s*(?:[\w-]+\s+){0,3}?(?:a year (?:earlier|ago|before)|the (?:previous|prior) year|"
    r"the year (?:before|earlier)|last season|in the year[- ]ago)\b", re.I)
_MONTH_BACK = re.compile(
    r"^\s*(?:[\w-]+\s+){0,3}?(?:the (?:previous|prior|preceding) (?:month|week)|"
    r"the (?:month|week) before|a month (?:earlier|ago))\b", re.I)


def _months_back(start: str, end: str, n: int) -> tuple[str, str]:
    def back(ym: str) -> str:
        k = int(ym[:4]) * 12 + int(ym[5:7]) - 1 - n
        return _ym(k // 12, k % 12 + 1)
    return back(start), back(end)


def _date_bases(facts: list[Fact], made: list[tuple[Figure, int]], sentence: str,
                date: str | None, year_on_year: bool = False) -> None:
    """The period of a comparison figure that states none: the compared figure's, moved back.

    "rose to 182,900 tonnes from 174,500 tonnes" in a story of 1986: 1985; "from 25.23 mln a
    year earlier", "from 6,800 the year before": the compared figure's period a year back; a
    month's figure "from 373,000 in the prior week" a month back when the week's month ends.
    A rate moved "to 7-3/4 pct from 7-1/2 pct" keeps its month (the rate before the move).
    """
    for (prev, i), (fig, j) in zip(made, made[1:], strict=False):
        new, old = facts[i], facts[j]
        if not _BASE_GAP.fullmatch(sentence, prev.end, fig.start):
            continue
        gap = sentence[prev.end : fig.start]
        if not any(p.search(gap) for _, p in _FLOW_CUES) and not countries(gap) and (
            old.kind == new.kind or {old.kind, new.kind} <= {"level", "count"}
        ):  # "deficit rose to 3.65 billion from 3.39 billion ... following increased imports":
            # the figure compared with measures the same thing
            old = facts[j] = replace(old, flow=new.flow, sector=new.sector,
                                     reporter=new.reporter, partner=new.partner)
        if new.period_start is None or new.period_end is None:
            continue
        stop = _BASE_END.search(sentence, fig.end)
        tail = sentence[fig.end : stop.start() if stop else len(sentence)]
        if stop and stop.group().strip() == "." and re.match(r"\.\d", sentence[stop.start():]):
            continue
        own = [a for a, _, p in dated_period_spans(tail, date) if not _YEAR_EARLIER.match(
            tail, a)]
        same = (old.period_start, old.period_end) == (new.period_start, new.period_end)
        if own and same and re.fullmatch(rf"\s*(?:in|for)\s+{_M}\s*", tail, re.I):
            # "narrowed to 216 mln in December ... compared with 277 mln in December": the
            # same month named again is the year before
            back = 12
        elif own or not same and (old.period_start, old.period_end) != _months_back(
            new.period_start, new.period_end, 12
        ):
            continue
        else:
            months = (int(new.period_end[:4]) * 12 + int(new.period_end[5:7])) - (
                int(new.period_start[:4]) * 12 + int(new.period_start[5:7])) + 1
            if _BASE_YEAR_BACK.match(tail) or months == 12 or year_on_year and not (
                sectors(tail) or countries(tail)  # "compared with 147.5 mln dlrs for coffee"
            ):
                back = 12
            elif _MONTH_BACK.match(tail) and months == 1:
                back = 1
            else:
                continue
        ps, pe = _months_back(new.period_start, new.period_end, back)
        facts[j] = replace(old, period_start=ps, period_end=pe, period_label=f"{ps}–{pe}")


def read_subject(text: str) -> tuple[str | None, str | None, str | None, str | None]:
    """``(reporter, partner, flow, sector)`` stated in a short text such as a question."""
    masked = _mask(text, _ATTRIBUTION)
    flow = _flow(masked, len(masked) // 2)
    roles = _roles(masked, flow)
    reporter, partner = roles.reporter, roles.partner
    if roles.flow == "bilateral" and reporter and partner:
        reporter, partner = sorted([reporter, partner])
    return reporter, partner, roles.flow, roles.sector
