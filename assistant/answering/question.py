"""The question, analysed once and without an LLM: ``analyse`` returns a ``Question``.

Content terms, what kind of answer is asked for (a figure, a cause, a list, a
comparison, a summary, a person ...), the periods, countries, sectors and names it
names, and follow-ups condensed with the conversation so far.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.text.figures import Figure, extract_figures
from ingest.text.gazetteer import capital_countries, countries, sectors
from ingest.text.periods import Period, describe, extract_periods, period_spans
from ingest.text.tokens import tokenize

__all__ = [
    "KINDS",
    "History",
    "Question",
    "analyse",
    "answer_type",
    "condense",
    "entities",
    "focus_terms",
    "is_figure_question",
    "key_terms",
    "measure_classes",
]

History = Sequence[tuple[str, str]]

# Words that shape a question but say nothing about what it is about.
_QUESTION_WORDS = frozenset(
    tokenize(
        "how much many what which when where who whom whose why did does do was were is are "
        "value amount figure number reach reached stand according give tell know "
        "state say said report reported latest recent current happen happened there kind "
        "much far long big large level percentage percent compare compared comparison "
        "versus vs"
    )
)
# What a figure measures in economic news ("deficit", "reserves", "money supply" ...).
_MEASURES = (
    r"value|amount|total|volume|share|figure|level|growth|rate|target|deficit|surplus|balance|"
    r"price|cost|investment|exports|imports|trade|revenue|earnings|output|production|sales|"
    r"tariff|duty|reserve|supply|debt|income|spending|budget|inflation|unemployment|gnp|gdp|"
    r"profit|loss|quota|yield|forecast|estimate|crop|harvest|stock|inflow|outflow|index|"
    r"ratio|deflator|premium|margin"
)
_MEASURE_TERMS = frozenset(
    tokenize(" ".join(_MEASURES.split("|")) + " order orders starts spend reserves sold sell "
             "bought buy ship shipped shipments payments account")
)
# Words naming no measure of their own: "the 1985 total" is the same measure in 1985.
_GENERIC_MEASURES = frozenset(tokenize("value amount total figure level number"))
# What a figure is a figure of, by class: a sentence naming another class than the
# question's is about another figure ("imports rose" for "the trade surplus").
_MEASURE_CLASSES = {
    t: name
    for name, words in {
        "production": "output production crop harvest",
        "income": "earnings income revenue receipts",
        "export": "exports shipments",
        "import": "imports",
        "balance": "deficit surplus balance",
        "reserve": "reserves",
        "unemployment": "unemployment jobless",
        "gdp": "gdp gnp",
        "inflation": "inflation",
        "profit": "profit loss",
        "order": "orders",
        "investment": "investment inflow outflow",
        "spending": "spending budget",
        "debt": "debt",
        "price": "price",
        "tariff": "tariff duty",
    }.items()
    for t in tokenize(words)
}


def measure_classes(tokens: Sequence[str] | set[str]) -> frozenset[str]:
    """The classes of figure that stemmed ``tokens`` name ("deficit" -> "balance")."""
    return frozenset(_MEASURE_CLASSES[t] for t in tokens if t in _MEASURE_CLASSES)


_FIGURE_CUES = re.compile(
    r"\b(how (?:much|many|big|large|far)|what (?:was|were|is|are) (?:the |its |their )?"
    rf"(?:[\w'’-]+ ){{0,4}}?(?:{_MEASURES})s?\b|by how much|what percentage|what share|"
    r"what (?:value|amount|volume|figure)|how fast|what (?:was|is) .* worth|worth|"
    # "What trade surplus did Ecuador post ...", "What current account balance is forecast"
    rf"what (?:[\w'’-]+ ){{0,3}}?(?:{_MEASURES})s? (?:did|does|do|was|were|is|are|has|have|"
    r"will|would)\b)",
    re.IGNORECASE,
)
_ANAPHORA = re.compile(
    r"\b(it|its|it's|they|their|them|theirs|that|this|those|these|there|he|she|his|her|"
    r"the same|the summit|the deal|the agreement|the country|the plant|the port)\b"
    # a change or measure the conversation is about: "the February increase", "the figure"
    r"|\bthe (?:[A-Za-z]+ )?(?:increase|rise|gain|fall|drop|decline|rebound|jump|surge|slump|"
    r"improvement|deterioration|contraction|expansion|cut|figure)\b",
    re.IGNORECASE,
)
_BACK_REFERENCE = re.compile(
    r"\b(?:did|does|do|was|is|were|are|has|have|had|will|would|could|can|should)\s+"
    r"(?:it|he|she|they)\b|\bthe same (?:period|month|quarter|year|time)\b",
    re.IGNORECASE,
)
_SWITCH = re.compile(
    r"^\s*(?:and what about|and how about|what about|how about|same for|what of|and)\s+"
    r"(?P<rest>.+?)\??\s*$",
    re.IGNORECASE,
)
_ENTITY = re.compile(
    r"\b(?:[A-Z][\w’'&.-]*[a-zA-Z]|[A-Z]{2,}|(?:19|20)\d{2})(?:[\s-]+(?:[A-Z][\w’'&.-]*[a-zA-Z]|"
    r"(?:19|20)\d{2}))*"
)
_PERIOD_PHRASE = re.compile(
    r"\b(?:in|for|during|over)?\s*(?:the\s+)?(?:first\s+\w+\s+months(?:\s+of)?|"
    r"(?:first|second|third|fourth)\s+quarter(?:\s+of)?|(?:first|second)\s+half(?:\s+of)?|"
    r"Q[1-4]|H[12]|[A-Z][a-z]{2,8}\.?\s*[–-]\s*[A-Z][a-z]{2,8}\.?)?\s*(?:19|20)\d{2}\b"
)
_LEADING = frozenset(
    "What When Where Who Whom Whose Why How Which Did Does Do Is Are Was Were Has Have Had Can "
    "Could Would Will Should And But Tell Give List Show In On At By For Of The A An To From "
    "With "
    # words capitalised only because they open the question ("Roughly what share ...")
    "Roughly Approximately About Around Nearly Almost Exactly Precisely According Apart "
    "Besides During After Before Since Between Among Compared Excluding Including Over Under "
    "Please Summarize Summarise Describe Explain Name Outline Briefly Overall Also So Then Now "
    "Against Following Despite Beyond Within Without Through Across Upon Into Just Only Based "
    "Given Looking Regarding Concerning As Specifically".split()
)
# Capitalised words that name a measure, not a subject: "And FOB exports?" keeps the country.
_MEASURE_ACRONYMS = frozenset("FOB CIF GDP GNP CPI PPI M0 M1 M2 M3 NAPM".split())


_MONTH_NAMES = frozenset(
    "January February March April May June July August September October November December "
    "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec".split()
)


def _is_period(phrase: str) -> bool:
    return bool(extract_periods(phrase)) or phrase.split()[0].rstrip(".") in _MONTH_NAMES


def key_terms(text: str, *, periods: bool = True) -> list[str]:
    """Content terms of a question (stemmed tokens minus question words), in order, unique.

    With ``periods=False`` the words of period phrases ("first five months of 2025")
    are left out; periods are compared as periods, not as words.
    """
    if not periods:
        text = _SPLIT_YEAR.sub(lambda m: m.group(1), text)  # "1986/87" is one period
        for a, b, _ in reversed(period_spans(text)):
            text = text[:a] + " " + text[b:]
    # a lone letter is what is left of "1985's" or "U.N."
    return [t for t in dict.fromkeys(tokenize(text)) if t not in _QUESTION_WORDS and len(t) > 1]


_SPLIT_YEAR = re.compile(r"\b((?:19|20)\d\d)/(?:\d\d){1,2}\b")


def is_figure_question(question: str) -> bool:
    """Whether the question asks for a figure (amount, percentage, count)."""
    return bool(_FIGURE_CUES.search(question))


_PERCENT_CUES = re.compile(
    r"\b(what percentage|what percent|what share|what proportion|how fast|"
    r"growth rate|rate of growth|by what (?:percentage|percent|rate|margin))\b",
    re.IGNORECASE,
)
# How much something changed: a percentage or an amount answers it ("rose 4.76 billion").
_CHANGE_CUES = re.compile(
    r"\b(by how much|how much .*\b(?:grow|grew|rise|rose|increase|fall|fell|drop|decline|"
    r"decrease|climb|jump|shrink)\w*)\b",
    re.IGNORECASE,
)
_COUNT_CUES = re.compile(r"\bhow many\b", re.IGNORECASE)
_YEAR_CUES = re.compile(r"\b(which year|what year|by when|since when|until when)\b|"
                        r"^\W*(?:(?:and|so|but|then)\s+)?when\b", re.IGNORECASE)
"""A date asked for: "when" opening the question ("Which analyst spoke when futures fell?"
asks for a name)."""
_PLACE_CUES = re.compile(
    r"\b(where|which (?:\w+ )?(?:city|cities|port|ports|country|province|state|region|terminal|"
    r"hub))\b(?![\s-]+(?:airlines?|company|companies|firms?|agency|bank|body|oil|corporation|"
    r"enterprises?|monopoly|council|committee|owned|authority|run|trading)\b)",
    re.I,
)
"""A place asked for ("Which port ...", "Where ..."), not a body named by one ("Which state
airline ...", "Which port authority ...")."""


def answer_type(question: str) -> str | None:
    """What kind of answer the question wants: percent, amount, count, year, place or None."""
    if _PERCENT_CUES.search(question):
        return "percent"
    if _CHANGE_CUES.search(question):
        return "change"
    if _COUNT_CUES.search(question):
        return "count"
    if is_figure_question(question):
        return "amount"
    if _YEAR_CUES.search(question):
        return "year"
    if _PLACE_CUES.search(question):
        return "place"
    return None


_FOCUS = re.compile(
    r"^\s*(?:by\s+|in\s+|at\s+)?(?:what|which|whose)\s+(?P<a>.+?)\s+(?:did|does|do|was|were|is|"
    r"are|has|have|had|will|would|can|could|should)\b|^\s*(?:who|what|which)\s+(?:is|was|are|"
    r"were|has been)\s+(?:the\s+|a\s+|an\s+)?(?P<b>.+?)(?:\s+(?:of|in|for|between|at|on|to|"
    r"from|that|which|did|does|with)\b|\s*\?|\s*$)",
    re.IGNORECASE,
)


def focus_terms(question: str) -> list[str]:
    """Key terms of the question's head noun ("What trade target did..." -> trade, target)."""
    m = _FOCUS.match(question)
    if not m:
        return []
    return key_terms(m.group("a") or m.group("b") or "")


def entities(text: str) -> list[str]:
    """Capitalised names and years in ``text`` (question words at the start dropped)."""
    out: list[str] = []
    for m in _ENTITY.finditer(text):
        words = m.group().split()
        while words and words[0] in _LEADING:
            words.pop(0)
        phrase = " ".join(words).strip(" .,'’")
        for part in _name_and_period(phrase):
            if part not in _MEASURE_ACRONYMS and part not in out:
                out.append(part)
    return out


def _name_and_period(phrase: str) -> list[str]:
    """A capitalised run split where a period starts.

    "Kuwait's April 1987" is a name and a period (as a condensed follow-up's context writes
    them); "April 1987" stays one.
    """
    spans = period_spans(phrase)
    if not spans or spans[0][0] == 0:
        return [phrase] if phrase else []
    name = phrase[: spans[0][0]].strip(" .,'’")
    return [p for p in (name, phrase[spans[0][0] :].strip(" .,'’")) if p]


def _only_period(phrase: str) -> bool:
    """Whether a phrase names a period and nothing else ("February", "January 1987's")."""
    rest = phrase
    for a, b, _ in reversed(period_spans(phrase)):
        rest = rest[:a] + rest[b:]
    rest = re.sub(r"['’]s\b", "", rest)
    return rest != phrase and not re.search(r"[A-Za-z]", rest)


def _is_follow_up(question: str) -> bool:
    if _SWITCH.match(question) or _bare_phrase(question):
        return True
    words = question.split()
    # a month or a year is not a subject: "What helped the February rebound?" is about
    # the conversation's country and measure
    has_entity = any(not _only_period(e) for e in entities(question))
    if _ANAPHORA.search(question) and (not has_entity or len(words) <= 8):
        return True
    if _BACK_REFERENCE.search(question):
        # "To what level did it plan to ask OPEC to ...", "the average Mombasa price over the
        # same period": a pronoun subject or "the same period" points back, whatever else
        # the question names
        return True
    # A question naming no country, name or year is about what the conversation is about
    # ("How much money did the government ask for?"): in 19,000 articles it has no subject
    # of its own.
    return not has_entity


_QUESTION_START = re.compile(
    r"^\s*(?:(?:to|from|by|at|in|for|of|on|with) (?:what|which|whom|how)\b|what|which|who|"
    r"whom|whose|when|where|why|how|is|are|was|were|did|does|do|has|"
    r"have|had|can|could|will|would|should|tell|give|list|name|show|summari[sz]e)\b",
    re.I,
)


def _bare_phrase(question: str) -> str | None:
    """The noun phrase of an elliptical follow-up ("Imports?", "The trade deficit?")."""
    text = question.strip().rstrip("?").strip()
    if not text or len(text.split()) > 4 or _QUESTION_START.match(
        re.sub(r"^(?:and|but|so)\s+", "", text, flags=re.I)  # "And how many trucks?" asks
    ):
        return None
    return text


def condense(question: str, history: History) -> str:
    """Rewrite a follow-up into a standalone question using the conversation so far.

    Without an LLM: earlier user turns are condensed in order; a follow-up keeps
    its own words and gains the previous question's names, years and key terms
    ("Where was it held?" after a question about the Rome summit becomes "Where
    was it held? (Turkey Italy Rome summit 2025 ...)"). "What about X?" swaps in X
    for the previous question's names.
    """
    question = " ".join(question.split())
    previous: str | None = None
    anchor: str | None = None
    for role, text in history:
        if role != "user" or not text.strip():
            continue
        text = " ".join(text.split())
        previous = text if previous is None else _condense_one(text, previous, anchor)
        if not previous.endswith(")"):
            anchor = previous  # a question in words of its own (asked, or rewritten in full)
    if previous is None:
        return question
    return _condense_one(question, previous, anchor)


def _condense_one(question: str, previous: str, anchor: str | None = None) -> str:
    """One follow-up condensed with the previous question.

    ``anchor`` is the last question that stood in words of its own: a follow-up that
    rewrites a question ("And consumer spending?", "And a month later?") after one that
    only carried context along ("Why did it rise so much? (U.S. personal income ...)")
    rewrites the anchor, whose words name the measure, the subject and the period.
    """
    if not _is_follow_up(question):
        # a question of its own, but "in February" is the conversation's February
        return _with_year(question, previous.split(" (", 1)[0] if previous.endswith(")")
                          else previous)
    if anchor is not None and previous.endswith(")") and (
        _SWITCH.match(question) or _bare_phrase(question)
        or any(p.search(question) for p, _, _ in _RELATIVE_SHIFT)
    ):
        previous = anchor
    prev_core = previous.split(" (", 1)[0] if previous.endswith(")") else previous
    switch = _SWITCH.match(question)
    if switch and _QUESTION_START.match(switch.group("rest")):
        switch = None  # "And what was the rate a month later?" asks a question of its own
    rest = switch.group("rest") if switch else _bare_phrase(question)
    if rest:
        return _carry(_switched(rest, prev_core), previous, prev_core)
    shifted = _shifted_period(question, prev_core)
    if shifted:  # "What was it a year earlier?": the same subject, the period moved
        return _carry(shifted, previous, prev_core)
    context = entities(previous)
    if not _ANAPHORA.search(question) and len(question.split()) > 4:
        # no subject of its own but a question of its own: the conversation's names only
        # ("How much money did the government ask for?" is about Sri Lanka, not its drought)
        context = [c for c in context if not _is_period(c)]
    else:
        for term in key_terms(prev_core):
            if not any(term.lower() in c.lower() for c in context):
                context.append(term)
    if period_spans(question):
        # the follow-up names its own period ("the February increase" after a question
        # about January 1987): the earlier period is not carried, its year is
        question = _with_year(question, prev_core)
        context = [c for c in context if not _only_period(c)]
    context = [c for c in context if c.lower() not in question.lower()][:10]
    if not context:
        return question
    return f"{question} ({' '.join(context)})"


def _carry(rewritten: str, previous: str, prev_core: str) -> str:
    """A switched follow-up keeps the context the previous question carried along.

    "And imports from Japan?" after "How much of that was Vietnamese exports? (Vietnam
    Japan 2024 trade)" keeps 2024; names the switch took out of the previous question
    itself stay out (they are what was switched).
    """
    carried = previous[len(prev_core):].strip()
    if not (carried.startswith("(") and carried.endswith(")")):
        return rewritten
    dropped = {e.lower() for e in entities(prev_core)} - {e.lower() for e in entities(rewritten)}
    words = [w for w in carried[1:-1].split()
             if w.lower() not in rewritten.lower() and w.lower() not in dropped]
    return f"{rewritten} ({' '.join(words)})" if words else rewritten


def _switched(rest: str, prev_core: str) -> str:
    """The previous question with what a "What about X?" names in the place of what X replaces."""
    rest_is_period = bool(extract_periods(rest)) and not [
        e for e in entities(rest) if not _is_period(e)
    ]
    rest_sectors = sectors(rest)
    rest_flow = re.fullmatch(
        r"(?:the\s+)?(exports?|imports?|trade|investments?)", rest.strip(), re.I
    )
    base = prev_core
    shifted = _shifted_period(rest, prev_core)
    if shifted:  # "What about the month before?"
        return shifted
    if rest_flow and not re.search(
        r"\b(?:exports?|exported|imports?|imported|trade(?! (?:deficit|surplus|balance|gap))|"
        r"investments?|invested)\b", re.sub(r"\bvisible trade\b", "", base), re.I
    ):  # "And exports?" after a question about the current account or the trade deficit
        rest_flow = None
    if rest_flow:  # same countries and period, another flow: "What about imports?"
        flow = rest_flow.group(1).lower()
        verb = r"\b(?:exports?|exported|imports?|imported|trade|investments?|invested)\b"
        towards = "from" if flow.startswith("import") else "to"

        def swap(m: re.Match[str]) -> str:  # "exports to" -> "imports from"
            phrase = re.sub(r"^\w+", flow, m.group(0))
            return re.sub(r"\b(?:to|from)$", towards, phrase)

        if re.search(r"\b(?:to|from)\b", base):
            base = re.sub(verb + r"(\s+\w+){0,3}?\s+(?:to|from)\b", swap, base,
                          count=1, flags=re.I)
        else:
            base = re.sub(verb, flow, base, count=1, flags=re.I)
        return base if base != prev_core else f"{prev_core.rstrip('?')} {rest}?"
    if rest_is_period:  # same subject, another period ("for the first quarter" keeps the year)
        spans = period_spans(rest)
        outside = rest[: spans[0][0]] + " " + rest[spans[-1][1] :]
        measure = re.sub(r"^\s*(?:the|its|their)\s+|\s+(?:in|for|during|of|at)\s*$", "",
                         " ".join(outside.split()), flags=re.I)
        if set(tokenize(measure)) & _MEASURE_TERMS - _GENERIC_MEASURES and spans[0][0] > 0:
            # "What about the trade surplus in February?": another measure and period
            measured = _measure_swapped(measure, prev_core)
            if measured:
                at = re.search(r"(?:\b(?:in|for|during|at|of|over)\s+)?(?:the\s+)?$",
                               rest[: spans[0][0]])
                period = rest[at.start() if at else spans[0][0] :]
                if len(period) >= len(rest):  # "the 1985 deficit": the measure comes after
                    period = f"in {rest[spans[0][0] : spans[-1][1]]}"
                return _switched(period, measured)
        if measure and set(tokenize(measure)) <= _GENERIC_MEASURES:
            # "And the 1985 total?": the same measure in 1985
            rest = f"in {rest[spans[0][0] : spans[-1][1]]}"
        rest = _with_year(rest, prev_core)
        for a, b, _p in reversed(period_spans(base)):
            before = re.search(r"(?:\b(?:in|for|during|over|of|the|at|by|end)\s+|\bend-)*$",
                               base[:a])
            base = base[: before.start() if before else a] + base[b:]
        for p in _PERIOD_PHRASE.finditer(base):
            base = base.replace(p.group(), "")
    elif not [e for e in entities(rest) if not _is_period(e)] and not rest_sectors:
        measured = _measure_swapped(rest, prev_core)  # "And the trade deficit?"
        if measured:
            return measured
    elif rest_sectors and sectors(prev_core) and not [
        e for e in entities(rest) if not _is_period(e)
    ]:  # same countries and period, another product
        words = [w for w in base.split() if not sectors(w)]
        base = " ".join(words)
    else:  # another subject, same period
        for name in entities(prev_core):
            if not _is_period(name):
                base = base.replace(name, "")
    base = re.sub(r"\s+(?:in|of|for|to|from)\s*(?=\?|$)", "", " ".join(base.split()))
    return f"{base.rstrip('?').strip()} {rest}?".strip()


# "the month before", "a year earlier": a period relative to the one asked about before
_RELATIVE_SHIFT = (
    (re.compile(r"\b(?:(?:the )?(?:previous|prior|preceding) month|(?:the )?month (?:before|"
                r"earlier)|a month (?:before|earlier))\b", re.I), 0, 1),
    (re.compile(r"\b(?:(?:the )?(?:previous|prior|preceding) quarter|(?:the )?quarter "
                r"(?:before|earlier))\b", re.I), 0, 3),
    (re.compile(r"\b(?:(?:the )?(?:previous|prior|preceding) year|(?:the|a) year (?:before|"
                r"earlier|ago)|year-(?:earlier|ago)|the same (?:month|period|quarter) "
                r"(?:a year (?:earlier|before|ago)|last year))\b", re.I), 1, 0),
    (re.compile(r"\b(?:(?:the )?(?:next|following|subsequent) month|(?:the )?month after|"
                r"a month later)\b", re.I), 0, -1),
    (re.compile(r"\b(?:(?:the )?(?:next|following|subsequent) year|(?:the|a) year (?:after|"
                r"later))\b", re.I), -1, 0),
)


def _last_period(text: str) -> tuple[int, int, Period] | None:
    spans = [s for s in period_spans(text) if not s[2].base]
    return spans[-1] if spans else None


# "And from a year earlier?", "Compared with the month before?": a base for the same period's
# change, not a period of its own
_AGAINST_BASE = re.compile(
    r"\b(?P<base>(?:from|compared (?:with|to)|against|over|versus|vs\.?|on)\s+(?:a|the)\s+"
    r"(?:year|month|quarter)\s+(?:earlier|before|ago)|(?:year|month)[- ]on[- ](?:year|month))\b",
    re.I)


def _shifted_period(question: str, prev_core: str) -> str | None:
    """The previous question with its period moved as the follow-up says, or None.

    A base ("And from a year earlier?") keeps the period and asks for the change against it.
    """
    last = _last_period(prev_core)
    if last is None:
        return None
    against = _AGAINST_BASE.search(question)
    if against and len(question.split()) <= 8:
        return f"{prev_core.rstrip('?').rstrip()} {against.group('base').lower()}?"
    a, b, p = last
    for pattern, years, months in _RELATIVE_SHIFT:
        if not pattern.search(question):
            continue
        if p.year is None or (months and p.m2 - p.m1 + 1 != abs(months)):
            return None  # no year to move, or "the month before" a span of months
        m1, year = p.m1 - months, p.year - years
        while m1 < 1:
            m1, year = m1 + 12, year - 1
        while m1 + (p.m2 - p.m1) > 12:
            m1, year = m1 - 12, year + 1
        moved = Period(year, m1, m1 + (p.m2 - p.m1), False)
        split = re.match(r"/(\d\d)\b", prev_core[b:])
        if split and not months:  # "1986/87" a year earlier is "1985/86"
            return (prev_core[:a] + f"{year}/{(year + 1) % 100:02d}"
                    + prev_core[b + split.end():])
        said, head = describe(moved), prev_core[:a]
        if not said.startswith("the"):
            head = re.sub(r"\bthe\s+$", "", head)  # "the first four months" -> "January–April"
        return re.sub(r"\bthe the\b", "the", head + said + prev_core[b:])
    return None


def _with_year(rest: str, prev_core: str) -> str:
    """A period without a year takes the year asked about before ("the first quarter")."""
    last = _last_period(prev_core)
    spans = period_spans(rest)
    if last is None or last[2].year is None or not spans or any(s[2].year for s in spans):
        return rest
    a, b, p = spans[0]
    return rest[:a] + describe(Period(last[2].year, p.m1, p.m2)).removeprefix("the ") + rest[b:]


_CHANGE_VERBS = (
    r"rise|rose|risen|fall|fell|fallen|grow|grew|grown|increase|increased|decrease|decreased|"
    r"decline|declined|drop|dropped|expand|expanded|shrink|shrank|climb|climbed|jump|jumped|"
    r"change|changed|widen|widened|narrow|narrowed"
)
_LEAD_WORDS = re.compile(
    r"^\s*(?:(?:what|how(?: \w+)?|which)\s+(?:was|were|is|are|did|does|do|has|have|had)"
    r"(?:\s+the)?|what|which)\s+",
    re.I,
)


def _measure_swapped(rest: str, prev_core: str) -> str | None:
    """The previous question asking for another measure of the same subject and period.

    "And the trade deficit?" after "What was Spain's current account balance in February
    1987?" asks "What was Spain's trade deficit in February 1987?": the words between
    the subject's names and the period are what is replaced.
    """
    core = prev_core.rstrip().rstrip("?")
    last = _last_period(core)
    end = len(core)
    if last is not None:
        end = last[0]
        before = re.search(r"(?:\b(?:in|for|during|over|of|at|by|the|end-)\s*)+$", core[:end])
        if before:
            end = before.start()
    start = 0
    for name in entities(core[:end]):
        if _is_period(name):
            continue
        at = core.rfind(name, 0, end)
        if at >= 0:
            start = max(start, at + len(name))
    if start == 0:
        lead = _LEAD_WORDS.match(core)
        if lead is None:
            return None
        start = lead.end()
    while start < end and core[start] in ".'’":  # "U.S." ends with its stop
        start += 1
    verb = re.search(rf"\s+(?:{_CHANGE_VERBS})\s*$", core[start:end], re.I)
    if verb:  # "How much did U.S. energy costs rise": the verb stays
        end = start + verb.start()
    lead = _LEAD_WORDS.match(core)
    if lead and not set(tokenize(core[start:end])) & _MEASURE_TERMS:
        # the measure stands before the subject: "What current account surplus did South
        # Korea post ...": it is the words between the question word and the verb
        before = re.match(r"(.+?)\s+(?:did|does|do|was|were|is|are|has|have|had|will)\b",
                          core[lead.end() :], re.I)
        if before and set(tokenize(before.group(1))) & _MEASURE_TERMS:
            start, end = lead.end(), lead.end() + before.end(1)
    span = core[start:end]
    if not re.search(r"[a-z]{3}", span):
        return None
    noun = re.sub(r"^\s*the\s+", "", rest.strip(), flags=re.I)
    if re.search(r"\b(?:between|of)\s*$", core[:start]):  # "trade between X and Y"
        return None
    return " ".join(f"{core[:start]} {noun} {core[end:]}".split()).rstrip() + "?"


# -- the question, analysed once --------------------------------------------------------------

_SUMMARY = re.compile(
    r"^\s*(?:please\s+)?(?:summari[sz]e|sum up)\b|\b(?:summary|overview|rundown|recap|"
    r"gist)\b|\bwhat (?:are|were) the (?:main|key|major|principal) (?:points|facts|"
    r"findings|takeaways|details|elements|features|provisions|highlights|developments)\b|"
    r"\bwhat (?:is|was) (?:the )?(?:article|story|report|news) about\b|\bin (?:a )?nutshell\b|"
    r"\bmain points\b|\bkey (?:points|figures|facts)\b",
    re.I,
)
# The request of a summary question, without what it is about: "Summarize <topic>".
_SUMMARY_REQUEST = re.compile(
    r"^\s*(?:please\s+)?(?:(?:can|could) you\s+)?(?:summari[sz]e|sum up|recap|"
    r"give (?:me )?(?:a |an )?(?:quick |short |brief )?(?:summary|overview|rundown|recap|gist) "
    r"of|give (?:me )?the (?:main|key|major) (?:points|figures|facts|details) (?:of|from|in)|"
    r"what (?:are|were) the (?:main|key|major|principal) [\w-]+ (?:of|from|in|about)|"
    r"what (?:is|was) (?:the )?(?:article|story|report|news) about)\s*[:,]?\s*",
    re.I,
)
_LIST = re.compile(
    r"^\s*(?:list|name)\b|\b(?:which|what) (?:other |two |three |four |five |main |key |major )?"
    r"(?:[\w-]+ ){0,2}(?:countries|nations|products|commodities|goods|items|measures|steps|"
    r"areas|sectors|industries|companies|firms|banks|members|markets|ports|crops|proposals|"
    r"conditions|issues|factors|reasons|causes|options|categories|destinations|buyers|"
    r"suppliers|exporters|importers|producers|partners|currencies|grains|fields|units|"
    r"concessions|demands|terms|topics|fields|regions|states|provinces|sanctions|changes|"
    r"points|plans|projects|assets|businesses|operations|subsidiaries|things|ways)\b",
    re.I,
)
_CAUSE = re.compile(
    r"^\s*why\b|\bfor what reason\b|\bwhat (?:caused|causes|led to|leads to|prompted|drove|"
    r"drives|is driving|was driving|was behind|is behind|explains|explained|triggered|"
    r"made)\b|\breasons? (?:for|behind|why|given)\b|\bhow come\b|\bwhat (?:is|was) (?:the )?"
    r"(?:cause|reason|explanation|motive|rationale)\b|\bbecause of what\b",
    re.I,
)
_COMPARE = re.compile(
    r"\bcompare[sd]?\b|\bcomparison\b|\bversus\b|\bvs\.?\s|\bhow did .+ (?:compare|change|"
    r"differ|evolve|move)\b|\b(?:difference|change) (?:between|from)\b|\bagainst (?:the )?"
    r"(?:previous|prior|year-earlier|same)\b|\bfrom .+ to .+\b(?:in|between)\b|"
    r"\band (?:in|for) (?:19|20)\d\d\b.*\?|\bthan (?:in|during|a year)\b|\bboth\b",
    re.I,
)
_PERSON = re.compile(
    r"^\s*(?:who|whom|whose)\b|\bwhich (?:person|official|minister|economist|analyst|"
    r"executive|spokesman|spokeswoman|president|chairman|governor|leader|trader|dealer|"
    r"secretary|ambassador|negotiator|delegate|head|chief|director|expert)s?\b|\bwho (?:said|"
    r"says|announced|proposed|warned|predicted|argued|urged|told)\b|\bname of the\b",
    re.I,
)
_ORG = re.compile(
    r"\bwhich (?:company|companies|firm|firms|bank|banks|organi[sz]ation|agency|group|body|"
    r"institution|ministry|department|board|authority|council|union|exchange|association|"
    r"body|government|unit|subsidiary|refiner|producer|exporter|importer|broker)\b|"
    r"\baccording to (?:which|whom|what)\b|\bwhose (?:figures|data|estimates?)\b",
    re.I,
)
_DATE = re.compile(
    r"^\s*when\b|\bwhat (?:date|day|month|time|year)\b|\bwhich (?:date|day|month|year|week)\b|"
    r"\bby when\b|\bhow soon\b|\bsince when\b|\buntil when\b",
    re.I,
)
_YESNO = re.compile(r"^\s*(?:is|are|was|were|did|does|do|has|have|had|will|would|can|could)\b",
                    re.I)
_GROW_ASK = re.compile(r"\b(?:grow|grew|rise|rose|climb|climbed|increase[ds]?|jump(?:ed)?|"
                       r"gain(?:ed)?|up|higher|surge[ds]?|improve[ds]?|strengthen(?:ed)?)\b", re.I)
_FALL_ASK = re.compile(r"\b(?:fall|fell|drop(?:ped)?|decline[ds]?|decrease[ds]?|shr[ai]nk|"
                       r"shrunk|down|lower|slump(?:ed)?|plunge[ds]?|weaken(?:ed)?|cut|"
                       r"narrow(?:ed)?)\b", re.I)

_LATEST = re.compile(r"\b(?:latest|most recent|newest|current|up-to-date)\b", re.I)

_FIGURE_KINDS = ("percent", "change", "amount", "count")
"""Kinds of answer that are a figure."""

KINDS = (
    "percent", "change", "amount", "count", "year", "date", "place", "person", "org", "cause",
    "list", "compare", "summary", "yesno", "other",
)


@dataclass(frozen=True)
class Question:
    """A question analysed once; every answer step reads this, none re-derives it.

    Attributes:
        text: the question as asked.
        standalone: rewritten with the conversation's context (the same when not a follow-up).
        context: the previous answer, when the question is a follow-up.
        terms: content terms (search tokens without question and period words).
        focus: terms of the head noun ("What trade *target* ...").
        kind: what is asked for: one of ``KINDS``.
        answer_type: for figure and place questions, the type of the answer
            (percent, amount, count, year, place), else None.
        wants_figure: whether the answer is a figure.
        periods: the periods asked about (comparison bases left out).
        countries: countries and blocs named.
        sectors: sectors or products named.
        figures: figures the question quotes.
        names: other names (people, companies, places), without countries and periods.
        governments: a name that is a capital standing for its government, with its
            country ("Taipei's cabinet": ``("Taipei's", "Taiwan")``); a text naming the
            country names it too (see ``name_found``).
        direction: "grow" or "fall" when the question says which way something moved.
        latest: the question asks for the latest, most recent or current figure.
        compared: every period the question names, comparison bases included, each with
            its year ("May 1987 versus April": April 1987; "the same quarter of 1986" and
            "the year before" read against the first period named).
        reported: periods that date the report, not the figure ("according to the
            ministry in June 1987", "the OECD's February 1987 survey"): left out of
            ``periods`` and ``compared``; the article's date is checked against them.
        days: the days the question names, ISO ``YYYY-MM-DD`` ("on March 29, 1987",
            "the meeting that ended on April 29, 1987"): they date a story.
    """

    text: str
    standalone: str
    context: str = ""
    terms: tuple[str, ...] = ()
    focus: tuple[str, ...] = ()
    kind: str = "other"
    answer_type: str | None = None
    wants_figure: bool = False
    periods: tuple[Period, ...] = ()
    countries: frozenset[str] = frozenset()
    sectors: frozenset[str] = frozenset()
    figures: tuple[Figure, ...] = ()
    names: tuple[str, ...] = ()
    governments: tuple[tuple[str, str], ...] = ()
    direction: str | None = None
    latest: bool = False
    compared: tuple[Period, ...] = ()
    reported: tuple[Period, ...] = ()
    days: tuple[str, ...] = ()

    @property
    def topic(self) -> str:
        """What the question is about, for comparing with sentences.

        A summary's request words are left out ("Summarize Jamaica's rescheduling" ->
        "Jamaica's rescheduling"): they are like no sentence of the story.
        """
        if self.kind != "summary":
            return self.standalone
        rest = _SUMMARY_REQUEST.sub("", self.standalone, count=1)
        return rest if len(rest) >= 8 else self.standalone

    def name_found(self, name: str, tokens: set[str]) -> bool:
        """Whether a text with these search tokens names ``name`` (or its country)."""
        if all(t in tokens for t in tokenize(name)):
            return True
        country = dict(self.governments).get(name)
        return country is not None and all(t in tokens for t in tokenize(country))

    @property
    def measures(self) -> tuple[str, ...]:
        """The content terms naming what is measured ("trade", "deficit", "unemploy")."""
        return tuple(t for t in self.terms if t in _MEASURE_TERMS)

    @property
    def core(self) -> str:
        """The standalone question without the context condensing appended ("(... )")."""
        text = self.standalone
        if text != self.text and text.endswith(")") and " (" in text:
            return text.rsplit(" (", 1)[0]
        return text


def _kind(text: str, wanted: str | None) -> str:
    if _SUMMARY.search(text):
        return "summary"
    if _CAUSE.search(text):
        return "cause"
    if _COMPARE.search(text) and (wanted in _FIGURE_KINDS or len(compared_periods(text)) >= 2):
        return "compare"
    if _LIST.search(text):
        return "list"
    if _PERSON.search(text):
        return "person"
    if _ORG.search(text):
        return "org"
    if wanted in _FIGURE_KINDS:
        return wanted
    if _DATE.search(text):
        return "date"
    if wanted == "place":
        return "place"
    if wanted == "year":
        return "date"
    if _YESNO.search(text):
        return "yesno"
    if _plural_head(text):
        return "list"
    return "other"


# "Which Japanese chipmakers announced ...", "What kinds of food did ...", "Which parts of the
# pact ...": a wh-phrase whose head is a plural noun asks for several things. The plural
# names of measures ("What exports ...", "What net profit in marks ...") ask for a figure.
_PLURAL_HEAD = re.compile(
    r"^(?:(?:according to|in|under|at|after|during) [^,?]{1,80}, )?(?:which|what)\s+"
    r"(?:(?:other|main|key|major|chief|principal|two|three|four|five|six|seven|eight|nine|ten|"
    r"new|kinds? of|types? of|sorts? of)\s+)*"
    r"(?:(?!(?:for|of|in|on|to|at|by|with|from|was|is|did|does)\s)[\w.'’&-]+\s+){0,3}?"
    r"(?P<n>[a-z][a-z-]+s)\b(?=\s+(?:did|do|does|were|are|had|have|will|would|could|should|"
    r"might|may|can|of|in|from|besides|other|that|which|to|for|at|on|with|[a-z]+ed)\b)",
    re.I,
)
_NOT_PLURAL_HEADS = frozenset(
    """exports imports sales earnings reserves profits prices rates revenues shipments
    deliveries stocks holdings savings losses costs figures numbers totals levels volumes
    amounts values returns yields surpluses deficits inflows outflows purchases payments
    receipts arrivals supplies inventories balances wages incomes dividends proceeds
    liabilities debts borrowings loans credits subsidies funds expenditures outlays taxes
    duties tariffs quotas units tonnes tons barrels bags bales years months days weeks terms
    dollars dlrs marks francs guilders pounds crowns lire pesos rupees yens points percents
    was has does lies applies means goes says makes takes gives""".split())


def _plural_head(text: str) -> str | None:
    """The plural noun heading a question's wh-phrase, when it names things, not a measure."""
    m = _PLURAL_HEAD.search(text.strip())
    if m is None:
        return None
    noun = m.group("n").lower()
    if noun in _NOT_PLURAL_HEADS or noun.endswith(("ss", "us", "is")):
        return None
    return noun


def analyse(question: str, history: History = (), context: str = "") -> Question:
    """Analyse a question once (condensing a follow-up with ``history``).

    Args:
        question: the question as asked.
        history: earlier ``(role, text)`` turns of the conversation.
        context: the previous answer, for a follow-up (found in ``history`` when empty).
    """
    text = " ".join(question.split())
    standalone = condense(text, history)
    if standalone != text and not context:
        previous = [t for role, t in history if role == "assistant"]
        context = previous[-1] if previous else ""
    elif standalone == text:
        context = ""
    core = standalone.rsplit(" (", 1)[0] if standalone != text and standalone.endswith(")") \
        else standalone
    wanted = answer_type(core)
    kind = _kind(core, wanted)
    grow, fall = bool(_GROW_ASK.search(core)), bool(_FALL_ASK.search(core))
    found = countries(standalone)
    names = tuple(
        n for n in entities(core)
        if not extract_periods(n) and not countries(n) and n not in _MONTH_NAMES
    )
    capitals = capital_countries(core)
    governments = tuple(
        (n, capitals[bare]) for n in names
        if (bare := re.sub(r"['’]s?$", "", n)) in capitals
    )
    return Question(
        text=text,
        standalone=standalone,
        context=context,
        terms=tuple(key_terms(_SUMMARY_REQUEST.sub("", standalone, count=1)
                              if kind == "summary" else standalone, periods=False)),
        focus=tuple(focus_terms(core)),
        kind=kind,
        answer_type=wanted,
        wants_figure=is_figure_question(core) or kind in _FIGURE_KINDS,
        periods=_asked_periods(_without_report_dates(standalone)),
        countries=frozenset(found),
        sectors=frozenset(sectors(standalone)),
        figures=tuple(extract_figures(core)),
        names=names,
        governments=governments,
        direction="grow" if grow and not fall else "fall" if fall and not grow else None,
        latest=bool(_LATEST.search(core)),
        compared=compared_periods(_without_report_dates(core)),
        reported=report_dates(standalone),
        days=named_days(standalone),
    )


_MONTH_NUMBERS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"), start=1)}
_M_NAME = r"(?P<m>January|February|March|April|May|June|July|August|September|October|" \
    r"November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
_DAY = re.compile(
    rf"\b(?:{_M_NAME}\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\b(?!\s*(?:pct|per|%|mln|bln|billion))"
    rf"|(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?\s+{_M_NAME.replace('?P<m>', '?P<m2>')})"
    r"(?:,?\s+(?P<y>(?:19|20)\d\d))?", re.I)
_ANY_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def named_days(text: str) -> tuple[str, ...]:
    """The days ``text`` names, ISO ``YYYY-MM-DD``.

    "March 29, 1987", "29 March 1987", or "on April 27" in a question naming 1987 elsewhere;
    a day without any year is left out.
    """
    years = _ANY_YEAR.findall(text)
    out = []
    for m in _DAY.finditer(text):
        name = (m.group("m") or m.group("m2")).lower().rstrip(".")
        month = next((n for k, n in _MONTH_NUMBERS.items() if k.startswith(name[:3])), None)
        day = int(m.group("d") or m.group("d2"))
        year = m.group("y") or (years[-1] if years else None)
        if month is None or year is None or not 1 <= day <= 31:
            continue
        out.append(f"{year}-{month:02d}-{day:02d}")
    return tuple(dict.fromkeys(out))


# A period that dates the source of a figure rather than the figure: "according to the
# finance ministry in June 1987", "as cited by the ministry in April 1987", "reported in
# April 1987"; and a month naming a report, "the OECD's February 1987 survey".
_SOURCE_VERB = re.compile(
    r"\b(?:according to|as (?:cited|reported|stated|quoted|put)|said|says|say|told|reported|"
    r"(?:did|does) (?:[\w'’.-]+ ){1,6}?(?:give|quote|cite)|"
    r"announced|published|issued|released|presented|described|cited|quoted)\b"
    r"(?P<gap>[^,;:?.!]{0,60}?)\b(?:in|on|during)\s+$",
    re.I,
)
_REPORT_NOUN = re.compile(
    r"^\s+(?:[\w'’-]+\s+){0,3}?(?:survey|report|review|outlook|statement|study|paper|"
    r"analysis|account|meeting|visit|talks|speech|testimony|bulletin|communique|"
    r"conference|session|summit|announcement|briefing|interview|remarks)\b",
    re.I,
)
_FIGURE_VERB = re.compile(
    r"\b(?:rise|rose|fall|fell|grow|grew|drop|dropped|reach|reached|total|totalled|was|were|"
    r"post|posted|record|recorded|export|exported|import|imported|produce|produced)\b", re.I)


def _report_date_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for a, b, p in period_spans(text):
        before = _SOURCE_VERB.search(text[max(0, a - 90):a])
        if before and not _FIGURE_VERB.search(before.group("gap")):
            spans.append((a, b))
        elif p.m1 == p.m2 and p.year is not None and _REPORT_NOUN.match(text[b:]):
            spans.append((a, b))  # a month names a report; a year may be its subject
    return spans


def report_dates(text: str) -> tuple[Period, ...]:
    """The periods dating the report a question cites (see ``Question.reported``)."""
    dating = set(_report_date_spans(text))
    return tuple(p for a, b, p in period_spans(text) if (a, b) in dating)


def _without_report_dates(text: str) -> str:
    for a, b in reversed(_report_date_spans(text)):
        text = text[:a] + text[b:]
    return " ".join(text.split())


_YEAR_END = re.compile(
    r"\b(?:(?:at|by) (?:the )?end(?: of |-)|end-|(?:at|by) (?:the )?year[- ]end,? )"
    r"(?P<year>(?:19|20)\d\d)\b", re.I)


def _asked_periods(text: str) -> tuple[Period, ...]:
    """The periods asked about (bases left out); "at the end of 1986" is also 1986.

    A level at the end of a year (reserves, debt, a share of borrowing) is what the
    articles report as that year's ("China's debt in 1986").
    """
    asked = [p for p in extract_periods(text) if not p.base]
    for m in _YEAR_END.finditer(text):
        year = Period(int(m.group("year")), 1, 12)
        if year not in asked:
            asked.append(year)
    return tuple(asked)


_SAME_PERIOD = re.compile(
    r"\bthe same (?:period|months?|quarter|time|stretch) (?:of|in|a year earlier in) "
    r"(?P<year>(?:19|20)\d\d)\b", re.I)
_YEAR_BEFORE = re.compile(
    r"\b(?:the (?:year|twelve months) (?:before|earlier)|a year (?:earlier|before|ago)|"
    r"the (?:previous|prior|preceding) year|last year's|the year-earlier)\b", re.I)
_YEAR_AFTER = re.compile(r"\bthe (?:following|next|subsequent) (?:fiscal )?year\b", re.I)


def compared_periods(text: str) -> tuple[Period, ...]:
    """Every period a question names, bases included, each given its year (see ``Question``)."""
    text = _SPLIT_YEAR.sub(lambda m: m.group(1), text)  # "1985/86" is one period
    found = [Period(p.year, p.m1, p.m2) for p in extract_periods(text)]
    first = next((p for p in found if p.year is not None), None)
    if first is None:
        return tuple(dict.fromkeys(found))
    # "May 1987 versus April": a month without a year is the first dated period's year
    # (the year before when the month comes after the dated month it is compared with
    # would be a guess; the question names one year)
    found = [Period(first.year, p.m1, p.m2) if p.year is None else p for p in found]
    same = _SAME_PERIOD.search(text)
    if same:  # "Q1 1987 vs the same quarter of 1986": the first period's months in 1986
        year = int(same.group("year"))
        found = [p for p in found if not (p.year == year and (p.m1, p.m2) == (1, 12))]
        found.append(Period(year, first.m1, first.m2))
    if _YEAR_BEFORE.search(text) and len(found) == 1:
        found.append(Period(first.year - 1 if first.year else None, first.m1, first.m2))
    if _YEAR_AFTER.search(text) and len(found) == 1:
        found.append(Period(first.year + 1 if first.year else None, first.m1, first.m2))
    return tuple(dict.fromkeys(found))
