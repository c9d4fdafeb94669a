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
from dataclasses import asdict, dataclass

from ingest.text.figures import Figure, extract_figures
from ingest.text.gazetteer import PLACE_COUNTRY, cities, countries, country_mentions, sectors
from ingest.text.periods import Period, describe, extract_periods, period_spans
from ingest.text.sentences import split_sentences

__all__ = ["FACTS_VERSION", "Fact", "extract_facts", "read_subject"]

FACTS_VERSION = 2  # bump when the rules change: stored ledgers are extracted again

_FLOW_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("balance", re.compile(r"\b(?:trade |goods trade )?(?:deficit|surplus)\b", re.I)),
    ("bilateral", re.compile(
        r"\b(?:two-way|bilateral|total two-way)(?: goods)? trade\b|\btrade volume\b|"
        r"\bnon-oil trade\b|\btrading partner\b|\bgoods trade\b|\btrade between\b|"
        r"\bin rupees and dirhams\b", re.I)),
    ("import", re.compile(r"\bimport(?:s|ed|ing)?\b|\bbought\b|\bpurchases?\b", re.I)),
    ("export", re.compile(
        r"\bexport(?:s|ed|ing|ers)?\b|\bre-exports\b|\bshipments?\b|\bshipped\b|\bsold\b|"
        r"\bsales\b|\bearned\b|\bearnings\b|\btaking\b|\breceived\b|\babsorbed\b|\btook\b",
        re.I)),
    ("investment", re.compile(
        r"\binvest(?:ment|ments|ed)?\b|\bFDI\b|\bfirms\b|\bcompanies\b|\bplant\b|\bfactory\b",
        re.I)),
    ("port", re.compile(r"\bTEU\b|\bcontainer traffic\b|\btrucks\b|\bhandled\b", re.I)),
    ("market", re.compile(r"\bmarket\b", re.I)),
)
_GROW = re.compile(
    r"\b(?:gr[eo]w(?:n|th|s)?|rose|ris(?:e|es|en|ing)|up|increase[ds]?|jump(?:ed|s)?|surg(?:ed|e)|"
    r"climb(?:ed|s)?|higher|gain(?:ed|s)?|more|expan(?:d|ded|sion))\b",
    re.I,
)
_FALL = re.compile(
    r"\b(?:f[ea]ll(?:s|en)?|fell|down|declin(?:e|ed|es)|decrease[ds]?|drop(?:ped|s)?|slid(?:e)?|"
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
_PER = re.compile(r"\b(?:a|per|each)\s+(tonne|kilogram|kg|day|barrel)\b", re.I)
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
_MEASURES = re.compile(r"\b(?:occupancy|price|auction|capacity|content)\b", re.I)
_TOTAL = re.compile(
    r"\btotal\s+(?:[\w-]+\s+){0,3}(?:exports|imports|shipments)\b|\ball destinations\b|"
    r"\bevery destination\b",
    re.I,
)
_SAME_MONTHS = re.compile(r"\bthe same (?:months|period) of ((?:19|20)\d\d)\b")
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
    return list(country_mentions(text))


_SUBJECT_VERB = re.compile(
    r"\s+(?:also\s+|\w+ly\s+)?(?:exported|shipped|sold|imported|earned|committed|bought|"
    r"export|import|sell|ship|earn|invest|buy|spend|receive|attract|"
    r"remained|was|were|is|became|had|has|handled|registered|attracted|charges|charged|"
    r"jumped|rose|fell|grew|signed|set|agreed|(?:[a-z-]+\s+){0,2}(?:exports|imports|trade|"
    r"shipments|sales|investment|companies|firms))\b",
    re.I,
)


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
    found = sorted(sectors(text))
    subject.sector = ", ".join(found) or None
    here = [c for c in cities(text) if not re.search(
        rf"{re.escape(c)}(?:-based| business| chamber)", text)]
    subject.city = here[0] if here else None
    return subject


def _kind_unit(sentence: str, fig: Figure, seg: tuple[int, int]) -> tuple[str, str, float]:
    after = sentence[fig.end : min(len(sentence), fig.end + 45)]
    before = sentence[max(seg[0], fig.start - 45) : fig.start]
    window = sentence[seg[0] : seg[1]]
    value = fig.value
    target_year = re.search(r"\bby (?:the end of )?(?:19|20)\d\d\b", window)
    is_target = bool(_TARGET.search(window)) and (
        bool(target_year) or bool(re.search(r"\b(?:target|objective|goal)\b", window, re.I))
    )
    if fig.kind == "percent":
        if re.search(r"\b(?:up|down)\s+from\s*$", before):
            kind = "share"  # "..., up from 35% in 2024": the earlier level
        elif re.match(r"\s*(?:of|share)\b", after) or re.search(
            r"\b(?:share|accounted for|destination for|covers|above|or)\s*$", before
        ):
            kind = "share"
        elif re.search(r"\btariff", after[:20] + before[-25:], re.I):
            kind = "rate"
        elif _GROW.search(before[-35:] + " " + after[:25]) or _FALL.search(
            before[-35:] + " " + after[:25]
        ):
            kind = "growth"
            near = before[-35:] + " " + after[:25]
            if _FALL.search(near) and not re.search(r"\b(?:up|increase|rose|grew)\b", near, re.I):
                value = -abs(value)
        else:
            kind = "share"
        if is_target and target_year and kind == "share":
            kind = "target"
        return kind, "percent", value
    unit = fig.currency or ""
    for pattern, name in _UNITS:
        if pattern.match(after):
            unit = name if not unit else f"{unit} {name}"
            break
    per = _PER.search(after[:45])
    if per and not re.search(r"[,;]", after[: per.start()]):
        denom = {"kilogram": "kg"}.get(per.group(1).lower(), per.group(1).lower())
        if fig.currency:
            return "price", f"{fig.currency}/{denom}", value
        return "level", f"{unit or 'count'}/{denom}", value
    if unit == "years":
        return "duration", unit, value
    if is_target and not re.search(r"\bup from\s*$|\bfrom\s*$", before):
        return "target", unit or "count", value
    if not unit:
        return "count", "count", value
    if unit in ("companies", "agreements", "workers", "trucks"):
        return "count", unit, value
    return "level", unit, value


def _nearest_period(
    sentence: str, fig: Figure, seg: tuple[int, int], growth: bool
) -> Period | None:
    """The period of a figure, read from its part of the sentence, then the whole sentence.

    A level takes the period phrase nearest after it, else before it. A growth rate
    takes a period stated before it in its part ("in May 2025, an increase of 8%"),
    else the one after it, where a comparison base ("higher than in January–May
    2024", "on May 2024", "from 2023") stands for the year after it.
    """
    spans = [
        (a, b, p)
        for a, b, p in period_spans(sentence)
        if not re.match(r"\s*(?:level|base)\b", sentence[b:])
    ]
    same = _SAME_MONTHS.search(sentence)
    if same:  # "the same months of 2024": the months of the sentence's other period
        others = [p for a, b, p in spans if p.m1 != p.m2 and not (same.start() <= a < same.end())]
        if others:
            y = int(same.group(1))
            spans = [s for s in spans if not (same.start() <= s[0] < same.end())]
            spans.append((same.start(), same.end(), Period(y, others[0].m1, others[0].m2, True)))
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

    if growth:
        plain = [s for s in before if not s[2].base]
        if plain:
            return plain[0][2]
        if after:
            return shifted(after[0])
        if before:
            return shifted(before[0])
    else:
        after = [s for s in after if not s[2].base]
        before = [s for s in before if not s[2].base]
        if after:
            return after[0][2]
        if before:
            return before[0][2]
    # Nothing in its part: the sentence's own period, nearest before the part, then after.
    rest = [s for s in spans if not s[2].base and not (seg[0] <= s[0] < seg[1])]
    earlier_in = [s for s in rest if s[1] <= seg[0]]
    if earlier_in:
        return max(earlier_in, key=lambda s: s[1])[2]
    later_in = sorted((s for s in rest if s[0] >= seg[1]), key=lambda s: s[0])
    if later_in and not _BOUNDARY.search(sentence, fig.end, later_in[0][0]):
        return shifted(later_in[0]) if growth else later_in[0][2]
    return None


def _inherited_period(earlier: list[str], sentence: str) -> Period | None:
    """The period the text was last talking about (skipping "May alone" sub-periods)."""
    span_only = bool(re.search(r"\b(?:this|that|the same) period\b", sentence, re.I))
    for text in earlier:
        if re.search(r"\balone\b", text):
            continue
        found = [p for p in extract_periods(text) if not p.base]
        if span_only:
            found = [p for p in found if p.m1 != p.m2]
        if found:
            return found[0]
    return None


def _fill_year(p: Period, earlier: list[str]) -> Period:
    if p.year is not None:
        return p
    for text in earlier:
        for q in extract_periods(text):
            if q.year is not None and not q.base:
                return Period(q.year, p.m1, p.m2, p.base)
    return p


def extract_facts(
    article_id: str, title: str, text: str, article_date: str | None = None
) -> list[Fact]:
    """Every figure of an article as a ``Fact`` (see the module docstring)."""
    facts: list[Fact] = []
    spans = split_sentences(text)
    sentences = [text[s.start : s.end] for s in spans]
    title_roles = _roles(_mask(title, _ATTRIBUTION), _flow(title, len(title) // 2))
    previous = _Subject(reporter=title_roles.reporter)
    for i, (span, sentence) in enumerate(zip(spans, sentences, strict=True)):
        figures = extract_figures(sentence)
        if not figures:
            continue
        earlier = sentences[:i][::-1] + [title]
        masked = _mask(sentence, _ATTRIBUTION)
        continues = bool(_CONTINUES.search(sentence))
        sentence_flow = _flow(masked, figures[0].start)
        whole = _roles(masked, sentence_flow)
        first: _Subject | None = None
        last_kind: str | None = None
        for fig, seg in zip(figures, _segments(sentence, figures), strict=True):
            part = masked[seg[0] : seg[1]]
            flow = _flow(part, fig.start - seg[0])
            if flow is None and not _MEASURES.search(part):
                flow = sentence_flow
            if flow is None and continues:
                flow = previous.flow
            own = _roles(part, flow)
            flow = own.flow  # "bought ... of Kenyan tea" is Kenya's export
            near_cities = [
                c for c in cities(masked[seg[0] : min(seg[1], fig.end + 80)])
                if not re.search(rf"{re.escape(c)}(?:-based| business| chamber)", masked)
            ]
            kind, unit, value = _kind_unit(sentence, fig, seg)
            if re.search(r"\d\s*[–-]\s*$", sentence[: fig.start]) and last_kind:
                kind = last_kind  # "9–10%": the range's upper end is the same kind
            last_kind = kind
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
            if reporter is None:
                reporter = previous.reporter or title_roles.reporter
            if _TOTAL.search(part) and own.partner is None and kind not in ("share",):
                partner = None  # "Turkey's total exports": to all destinations
            if partner == reporter:
                partner = None
            if flow == "bilateral" and (reporter is None or partner is None):
                pair = [x for x in (title_roles.reporter, title_roles.partner) if x]
                if len(pair) == 2:
                    reporter, partner = pair
            sector = own.sector or carry.sector or (previous.sector if continues else None)
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
            # The period.
            label: str | None
            p_start = p_end = None
            if kind == "target":
                m = re.search(r"\bby (?:the end of )?((?:19|20)\d\d)\b", masked[seg[0] : seg[1]])
                year = int(m.group(1)) if m else None
                if year:
                    p_start, p_end = f"{year}-01", f"{year}-12"
                label = f"by {year}" if year else "no date"
            else:
                vague = _VAGUE.search(part)
                p = _nearest_period(sentence, fig, seg, kind == "growth")
                inside = [x for x in period_spans(part) if not x[2].base]
                if vague and (p is None or not inside or vague.start() + seg[0] >= fig.end):
                    label = re.sub(r"^in (?:its best |some )?", "", vague.group().lower())
                else:
                    if p is None and not _FUTURE_OR_TIMELESS.search(sentence):
                        p = _inherited_period(earlier, sentence)
                    if p is not None:
                        p = _fill_year(p, earlier)
                        if p.year is not None:
                            p_start, p_end = f"{p.year}-{p.m1:02d}", f"{p.year}-{p.m2:02d}"
                    label = describe(p) if p is not None else None
            facts.append(
                Fact(
                    article_id=article_id, index=len(facts), value=value, unit=unit, kind=kind,
                    reporter=reporter, partner=partner, flow=flow, sector=sector, city=city,
                    period_start=p_start, period_end=p_end, period_label=label,
                    figure=fig.text, sentence=sentence, start=span.start, end=span.end,
                    fig_start=span.start + fig.start, fig_end=span.start + fig.end,
                    article_date=article_date,
                )
            )
            if first is None:
                first = _Subject(reporter, partner, flow, own.sector or whole.sector, city)
        if first is not None and first.reporter:
            previous = first
    return facts


def read_subject(text: str) -> tuple[str | None, str | None, str | None, str | None]:
    """``(reporter, partner, flow, sector)`` stated in a short text such as a question."""
    masked = _mask(text, _ATTRIBUTION)
    flow = _flow(masked, len(masked) // 2)
    roles = _roles(masked, flow)
    reporter, partner = roles.reporter, roles.partner
    if roles.flow == "bilateral" and reporter and partner:
        reporter, partner = sorted([reporter, partner])
    return reporter, partner, roles.flow, roles.sector
