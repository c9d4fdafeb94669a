"""Claims checked as facts: a figure in an answer must be the same fact as in its source.

The claim sentence and the cited sentence are both read by the extractor that builds the
ledger (``ingest.text.facts.extract_facts``: value, unit, kind, period, reporter, partner,
sector, flow), each with its article's title and date as context. A claimed figure is
supported only by a source figure of the same value and unit that agrees on every field
the claim states: the same kind (a growth rate is not a share, a target is not a past
level), the same months (a year is not its first quarter), and the same countries,
sector and flow where both name one. A claimed figure written bare ("fell 3.77bn") has
its source's unit; a lead-in saying where the claim is from ("The article reports that")
is not read as part of it. Years and months the claim states without a figure must be
periods of the cited sentence or of its article's date.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from difflib import SequenceMatcher
from typing import TypeVar

from assistant.answering.passages import Passage
from ingest.text.facts import Fact, extract_facts
from ingest.text.figures import Figure, extract_figures
from ingest.text.gazetteer import country_mentions, last_flow, sectors
from ingest.text.periods import Period, extract_periods, period_spans
from ingest.text.sentences import flowing

__all__ = ["copied_change", "fact_mismatch", "period_unsupported"]

_SUBJECT = ("reporter", "partner", "sector", "flow")


def _read_in_place(sentence_text: str, passage: Passage, sentence: int) -> tuple[list[Fact], int]:
    """Facts of a sentence read where the cited sentence stands in its passage.

    After the same earlier sentences, under the same title and date, as flowing text: a
    claim and its source are read the same way, so that what both leave to their context
    is filled the same way and only what they say themselves can differ. Returns the facts
    and the offset of the sentence in the text read.
    """
    before = flowing(passage.text[: passage.sentences[sentence].start])
    if before:
        before += " "
    facts = extract_facts("read", passage.meta.title, before + sentence_text, passage.meta.date)
    return facts, len(before)


def _fact_at(facts: list[Fact], offset: int, fig: Figure) -> Fact | None:
    a, b = offset + fig.start, offset + fig.end
    return next((f for f in facts if f.fig_start < b and a < f.fig_end), None)


def _same_value(a: Fact, b: Fact, bare: bool = False) -> bool:
    """Whether a claimed fact ``a`` gives the value of ``b``.

    ``bare``: the claim writes its figure with no unit or currency ("fell 3.77bn"), which
    then is the source's ("3.77 billion marks"), not another.
    """
    return math.isclose(a.value, b.value, rel_tol=1e-6, abs_tol=1e-9) and (
        a.unit.split("/")[0] == b.unit.split("/")[0]
        or {a.unit, b.unit} <= {"count", "companies", "workers", "agreements", "trucks"}
        or bare and a.unit == "count" and b.unit != "percent"
    )


def _bare(fig: Figure) -> bool:
    """Whether a figure is written as a bare number (no currency, unit or percent)."""
    return fig.kind == "number" and not fig.currency and not fig.unit


_LEAD_IN = re.compile(
    r"(?:(?:the|this|an?)\s+(?:article|report|story|passage|source|text|document)s?\s+"
    r"(?:reports?|says?|said|states?|stated|notes?|noted|shows?|showed|writes?)\s+(?:that\s+)?"
    r"|according\s+to\s+(?:the|this|an?)\s+(?:article|report|story|passage|source|text|"
    r"document)s?,\s*|reportedly,\s*)", re.I)


def _without_lead_in(claim: str, fig: Figure) -> tuple[str, Figure]:
    """The claim without a lead-in that says where it is from ("The article reports that").

    It names no subject: the claim is read as the sentence it restates would be, so that
    "The article reports that Egypt and the Soviet Union ..." has the subject "Egypt and
    the Soviet Union ..." has.
    """
    m = _LEAD_IN.match(claim)
    if not m or fig.start < m.end() or m.end() >= len(claim):
        return claim, fig
    k = m.end()
    rest = claim[k].upper() + claim[k + 1 :]
    return rest, replace(fig, start=fig.start - k, end=fig.end - k)


def fact_mismatch(
    claim: str, claim_fig: Figure, passage: Passage, sentence: int, source_fig: Figure
) -> str:
    """Why the source's figure is not the fact the claim states ('' when it is).

    Args:
        claim: the claim sentence (markers removed).
        claim_fig: the figure in the claim.
        passage: the cited passage.
        sentence: index of the cited sentence in the passage.
        source_fig: the same figure in that sentence.
    """
    claim, claim_fig = _without_lead_in(claim, claim_fig)
    mine_all, at = _read_in_place(claim, passage, sentence)
    mine = _fact_at(mine_all, at, claim_fig)
    if mine is None:
        return ""  # not a listed figure (a count of people, a size): the figure check stands
    source_text = flowing(passage.sentence(sentence))
    # the same statement of the value in the flowing text (a value may be stated twice)
    raw_same = [f for f in extract_figures(passage.sentence(sentence)) if f.same_as(source_fig)]
    nth = next((k for k, f in enumerate(raw_same) if f.start == source_fig.start), 0)
    same = [f for f in extract_figures(source_text) if f.same_as(source_fig)]
    if not same:
        return ""
    flowing_fig = same[min(nth, len(same) - 1)]
    theirs_all, at = _read_in_place(source_text, passage, sentence)
    theirs = _fact_at(theirs_all, at, flowing_fig)
    if theirs is None:
        return ""
    if not _same_value(mine, theirs, _bare(claim_fig)):
        if math.isclose(mine.value, -theirs.value, rel_tol=1e-6) and theirs.value:
            return " (wrong direction: there it " + ("rose" if theirs.value > 0 else "fell") + ")"
        return " (wrong value: there it is " + theirs.figure + (
            f", a {theirs.kind}" if theirs.kind != mine.kind else "") + ")"
    if mine.kind != theirs.kind and {mine.kind, theirs.kind} != {"level", "count"}:
        return f" (wrong kind: there it is a {theirs.kind}, not a {mine.kind})"
    if mine.period_start and (mine.period_start, mine.period_end) != (
        theirs.period_start, theirs.period_end
    ):
        there = theirs.period_label or "no period"
        return f" (wrong period: there it is for {there}, not {mine.period_label})"
    for field in _SUBJECT:
        said, source = getattr(mine, field), getattr(theirs, field)
        if said and source and said != source:
            return f" (wrong subject: there the {field} is {source}, not {said})"
    clause = claim[max(0, claim_fig.start - 80) : claim_fig.start]
    if theirs.partner and _TOTAL.search(clause) and not mine.partner:
        return f" (wrong subject: there it is about {theirs.partner} alone, not the total)"
    said_way = _direction(claim, claim_fig.start, claim_fig.end)
    source_way = _direction(source_text, flowing_fig.start, flowing_fig.end)
    if said_way and source_way and said_way != source_way:
        return " (wrong direction: there it " + ("rose" if source_way > 0 else "fell") + ")"
    said_flow, source_flow = _flow_near(claim, claim_fig.start), _flow_near(
        source_text, flowing_fig.start)
    if said_flow and source_flow and said_flow[0] != source_flow[0] and not any(
        country_mentions(source_flow[1])
    ):  # "..., while imports rose to 1.8 billion" is no export figure (whatever the reading);
        # a clause naming a country may be the mirror ("Japan's imports from Vietnam")
        return f" (wrong subject: there it is {source_flow[0]}s, not {said_flow[0]}s)"
    return ""


def _flow_near(text: str, start: int) -> tuple[str, str] | None:
    """The flow word of a figure's own clause ("while imports rose from 888 mln to"), if any.

    Returns the flow ("export" or "import") and the clause it was read from.
    """
    before = text[max(0, start - 90) : start]
    clause = re.split(r"[,;:]|\b(?:while|whereas|but|and)\b", before)[-1]
    flow = last_flow(clause)
    return (flow, clause) if flow else None


_TOTAL = re.compile(r"\b(?:total|overall|all destinations|every destination|in all)\b", re.I)
_UP = re.compile(
    r"\b(?:rose|rise[sn]?|rising|grew|grow(?:s|n|ing)?|increased?|increasing|gained?|climbed|"
    r"jumped|surged|up|higher|widened|improved|expanded|advanced)\b", re.I)
_DOWN = re.compile(
    r"\b(?:fell|fall(?:s|en|ing)?|declined?|declining|decreased?|dropped|drop|slid|slipped|"
    r"down|lower|narrowed|shrank|contracted|eased|plunged|slumped|lost)\b", re.I)


def _direction(text: str, start: int, end: int) -> int:
    """+1 or -1 when the words next to a figure say it rose or fell ("fell to", "up from")."""
    lo = max(0, start - 45)
    while 0 < lo < start and text[lo - 1].isalnum():  # whole words ("drawdown", not "down")
        lo += 1
    before = text[lo:start]
    before = before[max(before.rfind(","), before.rfind(";")) + 1 :]  # its own clause
    # and not the words of a figure before it ("fell 2.3% in January after a 0.2 pct rise")
    lo = start - len(before)
    before = text[max([lo] + [f.end for f in extract_figures(text) if lo < f.end <= start]):start]
    after = text[end : end + 12]
    ups = [m.end() for m in _UP.finditer(before)] + [99 + m.start() for m in _UP.finditer(after)]
    downs = [m.end() for m in _DOWN.finditer(before)] + [
        99 + m.start() for m in _DOWN.finditer(after)]
    if not ups and not downs:
        return 0
    last_up = max((u for u in ups if u < 99), default=-1)
    last_down = max((d for d in downs if d < 99), default=-1)
    if last_up >= 0 or last_down >= 0:  # the nearest word before the figure
        return 1 if last_up > last_down else -1
    return 1 if min(ups, default=999) < min(downs, default=999) else -1


def period_unsupported(claim: str, cited: list[tuple[Passage, int]]) -> str:
    """A year or month the claim states that no cited sentence has.

    A cited sentence that states no period of its own stands for the periods of its context
    and its article's year.

    Returns the period as written, or ''.
    """
    stated = extract_periods(claim)  # comparison bases too ("from the 2024 level")
    if not stated:
        return ""
    known: list[Period] = []
    for passage, i in cited:
        known += passage.periods_of(i) + extract_periods(passage.sentence(i))
        year = passage.implied_year()
        if year and not extract_periods(passage.sentence(i)):
            known.append(Period(year, 1, 12))  # an undated sentence: the article's year
    for p in stated:
        if p.year is None:
            continue
        roles = known if p.base else [k for k in known if not k.base]  # a base may be either
        if not any(p.m1 <= k.m2 and k.m1 <= p.m2 and k.year in (None, p.year) for k in roles):
            return str(p.year) if (p.m1, p.m2) == (1, 12) else f"{p.m1:02d}/{p.year}"
    return ""


_TOKEN = re.compile(r"[$€£¥]|\d[\d.,/-]*\d|\d|[^\W\d_][\w'’-]*")
_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundred|thousand|million|billion|dozen|half|third|quarter)s?\b", re.I)
_TIME_UNIT = re.compile(r"\b(?:days?|weeks?|months?|quarters?|years?|decades?)\b", re.I)

_COPY_SHARE = 0.6
"""Share of a claim's words that must stand, in order, in a source sentence for the claim
to be read as that sentence restated (and every change it makes to be checked)."""

_MAX_CHANGE = 6
"""Longest run of words a restatement may replace and still be read as a changed detail."""


def copied_change(claim: str, sources: list[str]) -> str:
    """What a claim that restates one of ``sources`` changes in it ('' when nothing).

    A figure, period, country, sector or direction written in the place of another.

    The source restated is the sentence that keeps the largest share of the claim's words
    in order (at least ``_COPY_SHARE``; of equal ones, any that the claim does not change),
    and that the claim changes in one place only: a sentence it differs from in two places
    (another figure for another month) states another fact the same way, which the figure
    check weighs on its own.
    A claim that keeps most of a sentence's words but replaces a few says something else
    than the sentence in that place, even when the replacement (another figure, another
    year) stands somewhere else in the article. A figure and its unit words changed together
    ("7.3 billion dlrs" for "1.04 billion dlr") are one change; two countries put in each
    other's place are a change even where the alignment reads them as words moved.
    Paraphrases that are not restatements, and replacements that write the same fact
    another way ("$1.8 billion" for "1.8 billion dlrs"), pass.
    """
    a = _tokens(claim)
    if not a:
        return ""
    claim_spans = _spans(claim)
    best, found = _COPY_SHARE * len(a), ""
    for source in sources:
        b = _tokens(source)
        matcher = SequenceMatcher(None, [t for *_, t in a], [t for *_, t in b], autojunk=False)
        share = sum(block.size for block in matcher.get_matching_blocks())
        if share < best:
            continue
        kept = [(b[m.b][0], b[m.b + m.size - 1][1])
                for m in matcher.get_matching_blocks() if m.size]
        steps = [_change(op, claim, a[i1:i2] or a[i1 - 1 : i1 + 1],
                         source, b[j1:j2] or b[j1 - 1 : j1 + 1],
                         0 < i1 and i2 < len(a) and 0 < j1 and j2 < len(b), kept)
                 for op, i1, i2, j1, j2 in _by_figure(matcher.get_opcodes(), a, b,
                                                      claim_spans, _spans(source))]
        changes = [why for why, _ in steps if why]
        if len(changes) > 1 and _swapped(changes, claim, source) or (
                not changes and _exchanged(a, claim, b, source)):
            changes = [" (wrong subject: the countries are the other way round there)"]
        elif len(changes) + any(other for _, other in steps) > 1:
            continue  # another fact written the same way (another figure for another month)
        why = changes[0] if changes else ""
        if share > best:
            found = why
        elif not why:
            found = ""  # of equally close sentences, one the claim restates unchanged
        best = share
    return found


_Op = tuple[str, int, int, int, int]


def _spans(text: str) -> list[tuple[int, int]]:
    """Where the figures of a text stand, each with its unit and currency words."""
    return [(f.start, f.end) for f in extract_figures(text)]


def _by_figure(ops: Sequence[_Op], a: list[tuple[int, int, str]], b: list[tuple[int, int, str]],
               claim_figures: list[tuple[int, int]], source_figures: list[tuple[int, int]]
               ) -> list[_Op]:
    """The alignment's steps, those that change one figure joined into one step.

    "7.3 billion dlrs" for "1.04 billion dlr", "3.39 billion" for "4.29 billion dlrs": the
    value and the way its unit is written are one change, not a figure and a qualifier.
    """
    def figure_of(tokens: list[tuple[int, int, str]], lo: int, hi: int,
                  figures: list[tuple[int, int]]) -> set[int]:
        return {k for k, (fa, fb) in enumerate(figures) for t in tokens[lo:hi]
                if fa <= t[0] and t[1] <= fb}

    out: list[_Op] = []
    last: tuple[set[int], set[int]] | None = None
    for op in ops:
        tag, i1, i2, j1, j2 = op
        if tag == "equal":
            out.append(op)
            continue
        mine, theirs = figure_of(a, i1, i2, claim_figures), figure_of(b, j1, j2, source_figures)
        prev = next((k for k in range(len(out) - 1, -1, -1) if out[k][0] != "equal"), None)
        if last and prev is not None and (mine & last[0] or theirs & last[1]):
            _, p1, _, q1, _ = out[prev]
            del out[prev:]
            out.append(("replace", p1, i2, q1, j2))
            last = (last[0] | mine, last[1] | theirs)
            continue
        out.append(op)
        last = (mine, theirs)
    return out


def _change(op: str, claim: str, mine: list[tuple[int, int, str]], source: str,
            theirs: list[tuple[int, int, str]], interior: bool,
            kept: list[tuple[int, int]]) -> tuple[str, bool]:
    """What one step of the alignment (words replaced, added or left out) changes.

    Returns why it changes a fact (or ''), and whether it names another subject (a sector,
    country or qualifier the other sentence does not have), which makes the claim another
    fact rather than a changed copy.
    """
    if op == "equal" or not mine or not theirs:
        return "", False
    c, s = (mine[0][0], mine[-1][1]), (theirs[0][0], theirs[-1][1])
    other = _other_subject(claim[c[0]:c[1]], source) or _other_subject(source[s[0]:s[1]], claim)
    if op in ("insert", "delete") and interior:  # "fruit exports" for "exports": a qualifier
        added = mine if op == "delete" else theirs
        other = other or any(len(t) > 3 and t not in _FUNCTION_WORDS and not t[0].isdigit()
                             for *_, t in added)
    if op == "replace":
        if max(len(mine), len(theirs)) > _MAX_CHANGE:
            return "", other
        why = _changed(claim, c, source, s, kept)
    elif interior:  # words added or left out ("January–May" for "May"): the period around
        why = " (wrong period)" if _period_changed(claim, c, source, s, kept) else ""
    else:  # a clause left out at an end ("..., an increase of 8% on May 2024"): an omission
        why = ""
    return why, other and not why  # one place, one change


def _other_subject(words: str, other_sentence: str) -> bool:
    return bool(sectors(words) - sectors(other_sentence)
                or {n for *_, n, _ in country_mentions(words)}
                - {n for *_, n, _ in country_mentions(other_sentence)})


def _swapped(changes: list[str], claim: str, source: str) -> bool:
    """Whether every change puts one of the same countries in another's place."""
    return all(c.startswith(" (wrong subject") for c in changes) and bool(
        {n for *_, n, _ in country_mentions(claim)} == {n for *_, n, _ in country_mentions(source)})


_FLOW = re.compile(r"\b(?:export|import|to|from|sold|sales?|bought|purchases?|shipments?|shipped|"
                   r"suppl(?:y|ie[ds])|surplus|deficit)s?\b", re.I)


def _exchanged(a: list[tuple[int, int, str]], claim: str, b: list[tuple[int, int, str]],
               source: str) -> bool:
    """Whether the claim puts two countries of the source in each other's place.

    "The U.S. trailed the Soviet Union" for "the Soviet Union trailed the U.S.": with two of
    its country names exchanged, the claim keeps more of the source's words in order. Not
    when the claim also turns the flow round ("U.S. exports to Japan" for "Japan's imports
    from the U.S." says the same).
    """
    mine, theirs = country_mentions(claim), country_mentions(source)
    names = {n for *_, n, _ in mine}
    if len(names) < 2 or names != {n for *_, n, _ in theirs}:
        return False
    x, y = _by_country(a, mine), _by_country(b, theirs)
    share = sum(m.size for m in SequenceMatcher(None, x, y, autojunk=False).get_matching_blocks())
    at = [k for k, t in enumerate(x) if t.startswith("\0")]
    for i, p in enumerate(at):
        for q in at[i + 1 :]:
            if x[p] == x[q]:
                continue
            swapped = list(x)
            swapped[p], swapped[q] = x[q], x[p]
            matcher = SequenceMatcher(None, swapped, y, autojunk=False)
            if sum(m.size for m in matcher.get_matching_blocks()) <= share:
                continue
            if not any(_FLOW.search(" ".join(swapped[i1:i2] + y[j1:j2]))
                       for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal"):
                return True
    return False


def _by_country(tokens: list[tuple[int, int, str]],
                mentions: tuple[tuple[int, int, str, str], ...]) -> list[str]:
    """The words of a text, each country mention one word (its name, marked)."""
    out: list[str] = []
    last = -1
    for start, end, word in tokens:
        k = next((k for k, (s, e, *_) in enumerate(mentions) if s < end and start < e), -1)
        if k < 0:
            out.append(word)
        elif k != last:
            out.append("\0" + mentions[k][2])
        last = k
    return out


def _tokens(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group().lower().rstrip(".,")) for m in _TOKEN.finditer(text)]


_T = TypeVar("_T")


def _overlapping(spans: Iterable[tuple[int, int, _T]], seg: tuple[int, int]) -> list[_T]:
    return [x for start, end, x in spans if start < seg[1] and seg[0] < end]


def _changed(claim: str, c: tuple[int, int], source: str, s: tuple[int, int],
             kept: list[tuple[int, int]]) -> str:
    """Why the claim's words ``claim[c]`` in the place of ``source[s]`` change the fact.

    ``kept``: the spans of the source the claim restates word for word.
    """
    source_figures = extract_figures(source)
    mine = _overlapping([(f.start, f.end, f) for f in extract_figures(claim)], c)
    theirs = _overlapping([(f.start, f.end, f) for f in source_figures], s)
    # moved: said elsewhere in the sentence, in a part the claim does not restate there
    # ("grew 7.5%, reaching $5.34 billion" -> "reached $5.34 billion"); a figure the claim
    # also restates in its own place is written twice, not moved
    free = [f for f in source_figures if not any(a <= f.start and f.end <= b for a, b in kept)]
    moved = all(any(m.same_as(f) for f in free) for m in mine)
    if theirs and (not moved if mine else _NUMBER.search(claim[c[0]:c[1]])):
        return f" (wrong value: there it is {theirs[0].text})"
    words, their_words = claim[c[0]:c[1]], source[s[0]:s[1]]
    if _period_changed(claim, c, source, s, kept):
        return f" (wrong period: there it says {their_words!r})"
    if not mine and not theirs:  # numbers that are not figures ("one of", "half of")
        numbers, their_numbers = _numbers(words), _numbers(their_words)
        if _overlapping(period_spans(claim), c) and _overlapping(period_spans(source), s):
            numbers, their_numbers = set(), set()  # the same period ("half" for "six months")
        if numbers and their_numbers and numbers != their_numbers:
            return f" (wrong value: there it says {their_words!r})"
    my_units = {u.lower().rstrip("s") for u in _TIME_UNIT.findall(claim[c[0]:c[1]])}
    their_units = {u.lower().rstrip("s") for u in _TIME_UNIT.findall(source[s[0]:s[1]])}
    if my_units and their_units and not my_units & their_units:
        return f" (wrong period: there it says {source[s[0]:s[1]]!r})"
    my_countries = {n for a, b, n, _ in country_mentions(claim) if a < c[1] and c[0] < b}
    their_countries = {n for a, b, n, _ in country_mentions(source) if a < s[1] and s[0] < b}
    if my_countries and their_countries and my_countries != their_countries:
        return f" (wrong subject: there it is {', '.join(sorted(their_countries))})"
    my_sectors, their_sectors = _sector_terms(words), _sector_terms(their_words)
    if my_sectors and their_sectors and my_sectors != their_sectors:
        return f" (wrong subject: there it is {', '.join(sorted(their_sectors))})"
    my_kinds, their_kinds = _kinds(words), _kinds(their_words)
    if my_kinds and their_kinds and not my_kinds & their_kinds:
        return f" (wrong kind: there it says {their_words!r})"
    my_way, their_way = _way(words), _way(their_words)
    if my_way and their_way and my_way != their_way:
        return " (wrong direction: there it " + ("rose" if their_way > 0 else "fell") + ")"
    return ""


_UP_NOUN = re.compile(r"\b(?:growth|rises?|increases?|gains?|surplus(?:es)?|upturn|recovery)\b",
                      re.I)
_DOWN_NOUN = re.compile(r"\b(?:declines?|falls?|drops?|decreases?|loss(?:es)?|deficits?|"
                        r"downturn|contraction)\b", re.I)
_KIND_WORDS = {
    "share": re.compile(r"\bshares?\b|\baccount(?:ed|s)? for\b|\b(?:pct|per ?cent) of\b", re.I),
    "forecast": re.compile(r"\b(?:forecasts?|expect(?:s|ed)?|project(?:s|ed|ions?)|targets?|"
                           r"will|would|plan(?:s|ned)?|aims?|goals?|predict(?:s|ed)?)\b", re.I),
    "level": re.compile(r"\b(?:was|were|stood|total(?:l?ed)?|amounted)\b", re.I),
}
_FUNCTION_WORDS = frozenset(
    "also about after against among been before being between both could down during each "
    "from have having into last more most much next only over said same says some such than "
    "that their them then there these they this those through under very were what when "
    "which while will with within would year years month months".split())
_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())} | {
    "dozen": 12, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "hundreds": 100,
    "thousand": 1000, "thousands": 1000}
_FRACTIONS = {"half": "1/2", "halves": "1/2", "third": "1/3", "thirds": "1/3",
              "quarter": "1/4", "quarters": "1/4", "fifth": "1/5", "fifths": "1/5",
              "tenth": "1/10", "tenths": "1/10"}


def _period_changed(claim: str, c: tuple[int, int], source: str, s: tuple[int, int],
                    kept: list[tuple[int, int]]) -> bool:
    """Whether the claim names, in the place of a period, one the source has nowhere else.

    A period moved within the sentence is the same period; one the claim also restates in
    its own place (``kept``: the spans restated word for word) is written twice, not moved
    ("in 1986, after a fall in 1986" for "in 1987, after a fall in 1986").
    """
    mine = _overlapping(period_spans(claim), c)
    theirs = _overlapping(period_spans(source), s)
    source_periods = [p for a, b, p in period_spans(source)
                      if not any(x <= a and b <= y for x, y in kept)]
    return bool(mine and theirs) and not all(
        any((m.m1, m.m2) == (t.m1, t.m2) and m.year in (None, t.year) for t in source_periods)
        for m in mine)


def _way(words: str) -> int:
    up = bool(_UP.search(words) or _UP_NOUN.search(words))
    down = bool(_DOWN.search(words) or _DOWN_NOUN.search(words))
    return 0 if up == down else (1 if up else -1)


def _kinds(words: str) -> set[str]:
    """What the words of a changed place say a figure is: share, forecast, level, change."""
    kinds = {kind for kind, pattern in _KIND_WORDS.items() if pattern.search(words)}
    return kinds | ({"change"} if _way(words) else set())


_NON = re.compile(r"\bnon-([^\W\d_][\w-]*)", re.I)


def _sector_terms(words: str) -> set[str]:
    """The sectors the words name, "non-oil" as everything but oil ("non-crude oil")."""
    negated = {"non-" + x for m in _NON.finditer(words) for x in sectors(m.group(1))}
    return negated | sectors(_NON.sub(" ", words))


def _numbers(words: str) -> set[str]:
    """Numbers written in the words of a changed place that are not figures ("one of").

    Count words and fractions too ("half of the financing", "hundreds of jobs").
    """
    out = set()
    for m in re.finditer(r"\d+(?:[.,]\d+)*|[A-Za-z]+", words):
        w = m.group().lower()
        if w[0].isdigit():
            if not re.fullmatch(r"(?:19|20)\d\d", w):  # a year is a period
                out.add(w.replace(",", ""))
        elif w in _NUMBER_WORDS:
            out.add(str(_NUMBER_WORDS[w]))
        elif w in _FRACTIONS:
            out.add(_FRACTIONS[w])
    return out
