"""Claims checked as facts: a figure in an answer must be the same fact as in its source.

The claim sentence and the cited sentence are both read by the extractor that builds the
ledger (``ingest.text.facts.extract_facts``: value, unit, kind, period, reporter, partner,
sector, flow), each with its article's title and date as context. A claimed figure is
supported only by a source figure of the same value and unit that agrees on every field
the claim states: the same kind (a growth rate is not a share, a target is not a past
level), the same months (a year is not its first quarter), and the same countries,
sector and flow where both name one. Years and months the claim states without a figure
must be periods of the cited sentence or of its article's date.
"""

from __future__ import annotations

import math
import re

from assistant.answering.passages import Passage
from ingest.text.facts import Fact, extract_facts
from ingest.text.figures import Figure, extract_figures
from ingest.text.periods import Period, extract_periods
from ingest.text.sentences import flowing

__all__ = ["fact_mismatch", "period_unsupported"]

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


def _same_value(a: Fact, b: Fact) -> bool:
    return math.isclose(a.value, b.value, rel_tol=1e-6, abs_tol=1e-9) and (
        a.unit.split("/")[0] == b.unit.split("/")[0]
        or {a.unit, b.unit} <= {"count", "companies", "workers", "agreements", "trucks"}
    )


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
    mine_all, at = _read_in_place(claim, passage, sentence)
    mine = _fact_at(mine_all, at, claim_fig)
    if mine is None:
        return ""  # not a listed figure (a count of people, a size): the figure check stands
    source_text = flowing(passage.sentence(sentence))
    flowing_fig = next((f for f in extract_figures(source_text) if f.same_as(source_fig)), None)
    if flowing_fig is None:
        return ""
    theirs_all, at = _read_in_place(source_text, passage, sentence)
    theirs = _fact_at(theirs_all, at, flowing_fig)
    if theirs is None:
        return ""
    if not _same_value(mine, theirs):
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
    return ""


_TOTAL = re.compile(r"\b(?:total|overall|all destinations|every destination|in all)\b", re.I)
_UP = re.compile(
    r"\b(?:rose|rise[sn]?|rising|grew|grow(?:s|n|ing)?|increased?|increasing|gained?|climbed|"
    r"jumped|surged|up|higher|widened|improved|expanded|advanced)\b", re.I)
_DOWN = re.compile(
    r"\b(?:fell|fall(?:s|en|ing)?|declined?|declining|decreased?|dropped|drop|slid|slipped|"
    r"down|lower|narrowed|shrank|contracted|eased|plunged|slumped|lost)\b", re.I)


def _direction(text: str, start: int, end: int) -> int:
    """+1 or -1 when the words next to a figure say it rose or fell ("fell to", "up from")."""
    before = text[max(0, start - 45) : start]
    before = before[max(before.rfind(","), before.rfind(";")) + 1 :]  # its own clause
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
