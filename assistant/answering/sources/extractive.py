"""The extractive source: answers with the passage sentences that answer, verbatim.

No LLM. ``ExtractiveSource.draft`` runs named steps:

1. ``_candidates``: every distinct sentence of the passages (an article sentence that
   speaks to the assistant is never a candidate);
2. ``_features``: one small function per cue (``SENTENCE_FEATURES``); only the best
   candidates by the lexical cues are embedded and compared with the question;
3. ``_rank``: the fitted sentence model scores them (``ScorerWeights``);
4. ``_decide``: the fitted outcome model reads the candidate set: answer, partial
   answer (what the articles do say, plainly marked) or refusal;
5. ``_shape``: the answer is shaped by what is asked: the best sentence (and one that
   covers what it misses) for a figure, a name or a date; the event and its cause for
   "why"; the items across sentences for a list; both figures for a comparison; the
   3-5 most central sentences for a summary.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.answering.change import change_sentence, check_change, figures_compared
from assistant.answering.draft import Claim, Draft, Outcome
from assistant.answering.guard import looks_like_instruction
from assistant.answering.passages import Passage
from assistant.answering.question import Question, measure_classes
from assistant.answering.scorer import OUTCOME_FEATURES, SENTENCE_FEATURES, ScorerWeights
from ingest.text.figures import Figure, extract_figures
from ingest.text.gazetteer import cities, countries, flows_named, sectors
from ingest.text.periods import (
    Period,
    describe,
    earlier_bases,
    period_spans,
    periods_compatible,
    periods_overlap,
)
from ingest.text.sentences import flowing
from ingest.text.tokens import tokenize
from vectorstore.embeddings import Embedder

__all__ = ["Candidate", "ExtractiveSource", "related_similarity"]

_ANAPHORIC = re.compile(
    r"^(?:That|This|These|Those|It|Its|They|Their|The (?:figure|total|increase|decline|rise|"
    r"amount|deal|agreement|plant|move|decision|bank|company|ministry|government)|He|She|"
    r"Such|Both|But|However|Also)\b"
)
_CAUSAL = re.compile(
    r"\b(?:because|due to|owing to|as a result of|result(?:ed|ing|s)? (?:of|from)|caused by|"
    r"blamed|attribut(?:ed|es|ing)|reflect(?:ed|ing|s)?|on the back of|thanks to|led by|"
    r"following|amid|citing|cited|in order to|so as to|to (?:help|offset|curb|stem|boost|"
    r"protect|prevent|reduce|ease|counter|support|avoid)|fears? (?:of|that)|concern(?:s)? "
    r"(?:about|over|that)|aimed at|designed to|in response to|after|since|as (?=\w+ (?:had|"
    r"was|were|is|are|has|have)\b)|the reason|which (?:would|will) (?:help|allow|enable))\b",
    re.I,
)
_PERSON = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|Sir)\.? [A-Z][\w'-]+|\b[A-Z][a-z]+(?: [A-Z]\.)?(?: (?:de|van|von|da|"
    r"al|bin|del|la) )?(?: [A-Z][a-z]+(?:-[A-Z][a-z]+)?)+\b|\b(?:minister|secretary|governor|"
    r"chairman|president|spokesman|spokeswoman|economist|analyst|director|counterpart|"
    r"official|chief|head|executive|trader|dealer|ambassador|delegate|premier)\s*,?\s+"
    r"[A-Z][\w'-]+|\b(?:minister|secretary|spokesman|spokeswoman|official|officials|"
    r"president|chairman|governor|ambassador|delegate|negotiator|economist|analyst|"
    r"sources)\b"
)
_ORG = re.compile(
    r"\b(?:[A-Z][\w&.'-]*\s+){0,4}(?:Bank|Ministry|Corp|Corporation|Inc|Co|Ltd|Plc|Group|"
    r"Association|Council|Commission|Board|Agency|Authority|Exchange|Federation|Organi[sz]ation|"
    r"Union|Institute|Department|Office|Fund|Committee|Assembly|Reserve|Treasury|Bureau|"
    r"Cabinet|Parliament|Congress|Senate)\b|\b(?:OPEC|GATT|IMF|OECD|EC|EEC|MITI|USDA|ICO|ICCO|"
    r"ITC|Fed|Bundesbank|CCC|NYMEX|COMEX|LME)\b|\baccording to [A-Z]"
)
_SURNAME_SAYS = re.compile(
    r"(?:^|[.;]\s+)([A-Z][a-z]{2,})(?:,[^,]{1,90},)?\s+(?:said|says|told|added|warned|"
    r"forecast|predicted|estimated|noted|argued|urged|expects|expected|believes)\b"
)
"""A surname opening a sentence as the one who speaks ("Lichtblau, speaking at a
conference, said ..."): a person, unless the word is a country or a city."""
_ORG_NAMED = re.compile(
    r"\b(?:broker|brokers|brokerage|firm|trading house|agency|newspaper|magazine|daily|weekly|"
    r"review|institute|consultancy|the official)\s+(?:<)?[A-Z][\w.&'-]+"
)
"""A body named after the noun saying what it is ("broker C.Czarnikow", "the magazine
Beijing Review")."""
_DATE = re.compile(
    r"\b(?:19|20)\d\d\b|\b(?:January|February|March|April|May|June|July|August|September|"
    r"October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\b|\b(?:"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|yesterday|today|tomorrow|"
    r"next (?:week|month|year)|last (?:week|month|year)|this (?:week|month|year))\b"
)
_ENUMERATION = re.compile(r"(?:[\w)'’-]+, ){2,}|\b\w+, \w+(?: \w+)? and \w+", re.I)
_ANNOUNCES = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|a dozen|\d+|several|a number of|"
    r"a series of|a (?:package|list|range) of|various|these|the following)\s+(?:[\w-]+\s+){0,3}?"
    r"(?:parts|principles|measures|items|goods|products|points|steps|areas|sectors|countries|"
    r"companies|firms|proposals|conditions|categories|issues|elements|changes|factors|"
    r"reasons|recommendations|demands|priorities|commodities|industries|banks|nations|"
    r"members|options|objectives|aims|topics|subjects)\b|:\s*$", re.I)
"""A sentence announcing items it may not name itself ("two parts of the pact")."""
_GROW = frozenset(tokenize("grow rise increase up higher gain climb jump surge"))
_FALL = frozenset(tokenize("fall decline drop down lower decrease slump shrink"))


def _flow_asked(question: str) -> str | None:
    """"export" or "import" when the question asks about one flow only."""
    named = flows_named(question)
    return named.pop() if len(named) == 1 else None


def _other_flow(sentence: str, asked: str) -> bool:
    """Whether a sentence speaks of the other flow only (imports for a question on exports)."""
    named = flows_named(sentence)
    return len(named) == 1 and asked not in named


def _names_flow(sentence: str, flow: str) -> bool:
    return flow in flows_named(sentence)


def related_similarity(ranked: list[Candidate], *, summary: bool = False) -> float:
    """How related the passages are to the question: the best-ranked sentence's similarity.

    (The most similar of the top five was tried: it answers out-of-corpus questions such as
    "What is the capital of France?" with any sentence about a company's capital.) For a
    summary it is the most similar of the top five: a summary is about a whole story, and
    the sentence ranked first for "Summarize GATT's warning" need not be the one most like it.
    """
    if not ranked:
        return 0.0
    if summary:
        return max(c.cue("dense") for c in ranked[:5])
    return ranked[0].cue("dense")


@dataclass
class Candidate:
    """One passage sentence with its cues and score."""

    passage: int  # passage number n
    index: int  # sentence index in the passage
    text: str
    x: np.ndarray  # cue values, in SENTENCE_FEATURES order
    logit: float = 0.0
    embedded: bool = False

    def cue(self, name: str) -> float:
        """The value of one cue."""
        return float(self.x[SENTENCE_FEATURES.index(name)])


@dataclass(frozen=True)
class _Context:
    """What the cues of one question need, computed once."""

    weights: dict[str, float]  # content term -> idf weight
    total: float
    titles: dict[int, set[str]]
    by_n: dict[int, Passage]
    context_terms: list[set[str]]


class ExtractiveSource:
    """Select answer sentences from passages (see module docstring).

    Args:
        embedder: embeds the question and the candidate sentences.
        idf: weight of a content term (rarer terms count more); default 1.0 each.
        weights: the fitted scorer (default: the shipped ``weights.json``).
        max_idf: cap on a term's weight.
    """

    name = "extractive"

    def __init__(
        self,
        embedder: Embedder,
        idf: Callable[[str], float] | None = None,
        *,
        weights: ScorerWeights | None = None,
        max_idf: float = 3.0,
        known: Callable[[str], bool] | None = None,
    ) -> None:
        if max_idf <= 0:
            raise ValueError(f"max_idf={max_idf!r} must be positive")
        self.embedder = embedder
        self.idf = idf or (lambda term: 1.0)
        self.weights = weights or ScorerWeights.default()
        self.max_idf = max_idf
        self.known = known or (lambda term: True)

    # -- the steps ------------------------------------------------------------------------

    def draft(self, question: Question, passages: list[Passage]) -> Draft:
        """The extractive draft: claims quoting the answering sentences, or why not."""
        cands = self._candidates(passages)
        if not cands:
            return Draft([], passages, outcome="refused", source=self.name)
        ctx = self._context(question, passages)
        self._features(question, cands, ctx)
        ranked = self._rank(question, cands, ctx)
        outcome, confidence = self._decide(question, ranked, ctx)
        best = ranked[0]
        if outcome != "answer":
            lead = self._lead(question, ranked, ctx, outcome)
            first = self._claim(best, ctx, set())
            closest = [first] if outcome == "partial" and first is not None else []
            return Draft(
                closest, passages, outcome=outcome, lead=lead, source=self.name, verified=True,
                confidence=confidence,
            )
        chosen = self._shape(question, ranked, ctx)
        chosen.sort(key=lambda c: (c.passage, c.index))
        claims: list[Claim] = []
        said: set[tuple[str, int]] = set()  # (article, sentence offset) already quoted
        for c in chosen:
            claim = self._claim(c, ctx, said)
            if claim is not None:
                claims.append(claim)
        if question.kind == "compare":  # the sentences giving the two figures compared
            core = sorted(self._both_figures(question, ranked, ctx),
                          key=lambda c: (c.passage, c.index))
            change = self._change(question, core, claims, ctx)
            if change is not None:  # right after the last sentence it is computed from
                at = max(k for k, c in enumerate(claims) if set(c.support) & set(change.support))
                claims.insert(at + 1, change)
        return Draft(claims, passages, source=self.name, verified=True, confidence=confidence)

    def score(self, question: Question, passages: list[Passage]) -> list[Candidate]:
        """Every candidate sentence with its cues and fitted score, best first."""
        cands = self._candidates(passages)
        if not cands:
            return []
        ctx = self._context(question, passages)
        self._features(question, cands, ctx)
        return self._rank(question, cands, ctx)

    def outcome_features(self, question: Question, passages: list[Passage]) -> np.ndarray:
        """The outcome model's inputs for a question (used to fit it)."""
        cands = self._candidates(passages)
        ctx = self._context(question, passages)
        self._features(question, cands, ctx)
        return self._outcome_x(question, self._rank(question, cands, ctx) if cands else [], ctx)

    # -- 1. candidates ----------------------------------------------------------------------

    @staticmethod
    def _candidates(passages: list[Passage]) -> list[Candidate]:
        seen: set[str] = set()
        out: list[Candidate] = []
        for p in passages:
            for i in range(len(p.sentences)):
                text = p.sentence(i)
                key = flowing(text)
                if key in seen or len(key) < 12 or looks_like_instruction(text):
                    continue  # an article speaking to the assistant is not an answer
                seen.add(key)
                out.append(Candidate(p.n, i, text, np.zeros(len(SENTENCE_FEATURES))))
        return out

    def _context(self, question: Question, passages: list[Passage]) -> _Context:
        weights = {t: min(self.idf(t), self.max_idf) for t in question.terms}
        context_terms = [
            set(tokenize(c.split("[")[0]))
            for c in re.split(r"(?<=[.!?])\s+|(?<=\])\s+", question.context)
            if len(c) > 20
        ] if question.context else []
        return _Context(
            weights=weights,
            total=sum(weights.values()) or 1.0,
            titles={p.n: set(tokenize(p.meta.title)) for p in passages},
            by_n={p.n: p for p in passages},
            context_terms=[c for c in context_terms if c],
        )

    # -- 2. cues, one small function each ---------------------------------------------------

    def _features(self, q: Question, cands: list[Candidate], ctx: _Context) -> None:
        cues = [getattr(self, f"_cue_{name}") for name in SENTENCE_FEATURES if name != "dense"]
        names = [name for name in SENTENCE_FEATURES if name != "dense"]
        for c in cands:
            p = ctx.by_n[c.passage]
            tokens = set(tokenize(c.text))
            figures = extract_figures(c.text)
            for name, cue in zip(names, cues, strict=True):
                c.x[SENTENCE_FEATURES.index(name)] = cue(q, c, p, tokens, figures, ctx)
        # Embedding is most of an answer's time: only the best by the other cues.
        lexical = self.weights.lexical_logits(np.stack([c.x for c in cands]))
        picked = sorted(range(len(cands)), key=lambda j: -lexical[j])
        if self.weights.max_embedded:
            picked = picked[: self.weights.max_embedded]
        if picked:
            qvec = self.embedder.encode_query(q.topic)
            vecs = self.embedder.encode_cached([flowing(cands[j].text) for j in picked])
            for j, d in zip(picked, vecs @ qvec, strict=True):
                cands[j].x[SENTENCE_FEATURES.index("dense")] = float(d)
                cands[j].embedded = True

    @staticmethod
    def _near(c: Candidate, p: Passage, ctx: _Context) -> set[str]:
        near = ctx.titles[c.passage]
        if c.index > 0:
            near = near | set(tokenize(p.sentence(c.index - 1)))
        return near

    def _cue_coverage(self, q: Question, c: Candidate, p: Passage, tokens: set[str],
                      figures: list[Figure], ctx: _Context) -> float:
        return sum(w for t, w in ctx.weights.items() if t in tokens) / ctx.total

    def _cue_coverage_near(self, q: Question, c: Candidate, p: Passage, tokens: set[str],
                           figures: list[Figure], ctx: _Context) -> float:
        near = tokens | self._near(c, p, ctx)
        return sum(w for t, w in ctx.weights.items() if t in near) / ctx.total

    def _cue_focus(self, q: Question, c: Candidate, p: Passage, tokens: set[str],
                   figures: list[Figure], ctx: _Context) -> float:
        focus = [t for t in q.focus if t in ctx.weights]
        return 1.0 if focus and focus[-1] in tokens else 0.0

    def _cue_type_match(self, q: Question, c: Candidate, p: Passage, tokens: set[str],
                        figures: list[Figure], ctx: _Context) -> float:
        return _type_match(q.kind, c.text, figures, p, c.index)

    def _cue_type_figure(self, q: Question, c: Candidate, p: Passage, tokens: set[str],
                         figures: list[Figure], ctx: _Context) -> float:
        if q.kind not in ("percent", "change", "amount", "count", "compare"):
            return 0.0
        return _type_match(q.kind, c.text, figures, p, c.index)

    def _cue_type_name(self, q: Question, c: Candidate, p: Passage, tokens: set[str],
                       figures: list[Figure], ctx: _Context) -> float:
        if q.kind not in ("person", "org", "place"):
            return 0.0
        return _type_match(q.kind, c.text, figures, p, c.index)

    def _cue_type_date(self, q: Question, c: Candidate, p: Passage, tokens: set[str],
                       figures: list[Figure], ctx: _Context) -> float:
        return _type_match("date", c.text, figures, p, c.index) if q.kind == "date" else 0.0

    def _cue_type_cause(self, q: Question, c: Candidate, p: Passage, tokens: set[str],
                        figures: list[Figure], ctx: _Context) -> float:
        return _type_match("cause", c.text, figures, p, c.index) if q.kind == "cause" else 0.0

    def _cue_phrase(self, q: Question, c: Candidate, p: Passage, tokens: set[str],
                    figures: list[Figure], ctx: _Context) -> float:
        pairs = list(zip(q.terms, q.terms[1:], strict=False))
        if not pairs:
            return 0.0
        seq = tokenize(c.text)
        here = set(zip(seq, seq[1:], strict=False))
        return sum(1 for pair in pairs if pair in here) / len(pairs)

    def _cue_period_fit(self, q: Question, c: Candidate, p: Passage, tokens: set[str],
                        figures: list[Figure], ctx: _Context) -> float:
        if not q.periods:
            return 0.0
        if not q.wants_figure and q.kind != "compare" and _reported_in(p.meta.date, q.periods):
            # what an article reports (a recommendation, a cause, a name) happened when it
            # was written: "the IMF team urges Belgium ..." in a March 1987 story answers
            # "What did the IMF recommend in March 1987?" whatever other periods it names
            return 1.0
        read = p.periods_of(c.index)
        stated = [s for s in read if not s.base]
        bases = [Period(s.year, s.m1, s.m2) for s in read if s.base]
        if q.kind == "compare" and len(q.compared) >= 2 and stated:
            # a comparison is answered by a figure for any period compared, its base too
            read = stated + bases + earlier_bases(c.text, stated)
            return 1.0 if periods_compatible(list(q.compared), [
                Period(s.year, s.m1, s.m2) for s in read]) else -1.0
        if stated and bases and q.wants_figure and periods_compatible(list(q.periods), bases):
            return 0.5  # "rose to 8,285 tonnes in 1986 from 5,908 in 1985" states 1985's too
        if stated:
            if periods_compatible(list(q.periods), stated):
                return 1.0
            if periods_overlap(list(q.periods), stated):
                # For a figure, a part of the period asked about (a quarter of the year)
                # or the other way round is nearer than another period, but not the
                # figure asked for; for a name, a date or a cause the period asked about
                # is when it happened ("the April 3 ousting" answers "in 1987").
                if q.wants_figure and _state_then(c.text, stated, p.meta.date, q.periods):
                    return 0.0  # "Japan now grows 30 pct of its grain" in a 1987 story
                return -0.3 if q.wants_figure else 1.0
            return -1.0
        year = p.implied_year()
        asked = {s.year for s in q.periods if s.year}
        if year and asked:
            return 0.5 if year in asked else -0.5
        return 0.0

    def _cue_period_fit_figure(self, q: Question, c: Candidate, p: Passage, tokens: set[str],
                               figures: list[Figure], ctx: _Context) -> float:
        if not q.wants_figure:
            return 0.0
        return self._cue_period_fit(q, c, p, tokens, figures, ctx)

    def _cue_reported_fit(self, q: Question, c: Candidate, p: Passage, tokens: set[str],
                          figures: list[Figure], ctx: _Context) -> float:
        if not q.reported:
            return 0.0
        return 1.0 if _reported_in(p.meta.date, q.reported) else -1.0

    def _cue_countries_missing(self, q: Question, c: Candidate, p: Passage, tokens: set[str],
                               figures: list[Figure], ctx: _Context) -> float:
        if not q.countries:
            return 0.0
        near = countries(c.text) | countries(p.meta.title)
        if c.index > 0:
            near |= countries(p.sentence(c.index - 1))
        return len(q.countries - near) / len(q.countries)

    def _cue_names_missing(self, q: Question, c: Candidate, p: Passage, tokens: set[str],
                           figures: list[Figure], ctx: _Context) -> float:
        if not q.names:
            return 0.0
        near = tokens | self._near(c, p, ctx)
        missing = [n for n in q.names if not q.name_found(n, near)]
        return len(missing) / len(q.names)

    def _cue_sector_mismatch(self, q: Question, c: Candidate, p: Passage, tokens: set[str],
                             figures: list[Figure], ctx: _Context) -> float:
        if not figures:
            return 0.0
        here = sectors(c.text)
        if q.sectors:
            return 0.0 if q.sectors & here else 0.5
        return 1.0 if here else 0.0

    def _cue_quoted_figure(self, q: Question, c: Candidate, p: Passage, tokens: set[str],
                           figures: list[Figure], ctx: _Context) -> float:
        return 1.0 if any(f.same_as(g) for f in figures for g in q.figures) else 0.0

    def _cue_direction_clash(self, q: Question, c: Candidate, p: Passage, tokens: set[str],
                             figures: list[Figure], ctx: _Context) -> float:
        if q.direction is None:
            return 0.0
        said_up, said_down = bool(tokens & _GROW), bool(tokens & _FALL)
        if q.direction == "grow":
            return 1.0 if said_down and not said_up else 0.0
        return 1.0 if said_up and not said_down else 0.0

    def _cue_passage_rank(self, q: Question, c: Candidate, p: Passage, tokens: set[str],
                          figures: list[Figure], ctx: _Context) -> float:
        return 1.0 / (p.meta.rank + 1)

    def _cue_passage_dense(self, q: Question, c: Candidate, p: Passage, tokens: set[str],
                           figures: list[Figure], ctx: _Context) -> float:
        return float(p.meta.dense or 0.0)

    def _cue_lead(self, q: Question, c: Candidate, p: Passage, tokens: set[str],
                  figures: list[Figure], ctx: _Context) -> float:
        return 1.0 if p.start == 0 and c.index == 0 else 0.0

    def _cue_anaphoric(self, q: Question, c: Candidate, p: Passage, tokens: set[str],
                       figures: list[Figure], ctx: _Context) -> float:
        return 1.0 if _ANAPHORIC.match(c.text) else 0.0

    def _cue_short(self, q: Question, c: Candidate, p: Passage, tokens: set[str],
                   figures: list[Figure], ctx: _Context) -> float:
        return 1.0 if len(c.text.split()) < 8 else 0.0

    def _cue_follows_context(self, q: Question, c: Candidate, p: Passage, tokens: set[str],
                             figures: list[Figure], ctx: _Context) -> float:
        if not ctx.context_terms:
            return 0.0
        overlap = max(len(t & tokens) / len(t) for t in ctx.context_terms)
        return overlap if overlap >= 0.6 else 0.0

    # -- 3. ranking -------------------------------------------------------------------------

    def _rank(self, q: Question, cands: list[Candidate], ctx: _Context) -> list[Candidate]:
        logits = self.weights.sentence_logits(np.stack([c.x for c in cands]))
        for c, z in zip(cands, logits, strict=True):
            c.logit = float(z) if c.embedded else float(z) - 1.0  # unembedded: no dense term
        ranked = sorted(cands, key=lambda c: -c.logit)
        if q.latest and ranked:
            return self._newest_first(ranked, ctx)
        return ranked

    def _newest_first(self, ranked: list[Candidate], ctx: _Context) -> list[Candidate]:
        """For "the latest figure": the newest period first.

        Of the sentences that state a figure and score nearly as well as the best, the one
        about the newest period comes first.
        """
        close = [
            c for c in ranked[:6]
            if c.logit >= ranked[0].logit - self.weights.extra_margin and extract_figures(c.text)
        ]
        if len(close) < 2:
            return ranked

        def newest(c: Candidate) -> tuple[int, int]:
            periods = [
                (s.year or 0, s.m2) for s in ctx.by_n[c.passage].periods_of(c.index)
                if not s.base
            ]
            return max(periods, default=(0, 0))

        top = max(close, key=newest)
        return [top] + [c for c in ranked if c is not top]

    # -- 4. the outcome -----------------------------------------------------------------------

    def _outcome_x(self, q: Question, ranked: list[Candidate], ctx: _Context) -> np.ndarray:
        x = np.zeros(len(OUTCOME_FEATURES))
        if not ranked:
            return x
        best = ranked[0]
        second = ranked[1].logit if len(ranked) > 1 else best.logit - 5.0
        everything: set[str] = set()
        names: set[str] = set()
        for p in ctx.by_n.values():
            everything |= set(tokenize(p.text)) | ctx.titles[p.n]
            names |= countries(p.text) | countries(p.meta.title)
        missing_terms = sum(w for t, w in ctx.weights.items() if t not in everything) / ctx.total
        asked = list(q.countries) + list(q.names)
        missing_names = [
            n for n in asked
            if (n not in names if n in q.countries else not q.name_found(n, everything))
        ]
        p = ctx.by_n[best.passage]
        near = set(tokenize(best.text)) | self._near(best, p, ctx)
        absent = [w for t, w in ctx.weights.items() if t not in near]
        top = ranked[:3]
        values = {
            "best_names_missing": (best.cue("countries_missing") + best.cue("names_missing")) / 2,
            "rarest_missing": max(absent, default=0.0) / self.max_idf,
            "type_in_top": max(c.cue("type_match") for c in top),
            "period_in_top": max(c.cue("period_fit") for c in top),
            "best": best.logit,
            "margin": best.logit - second,
            "best_dense": best.cue("dense"),
            "best_coverage": best.cue("coverage_near"),
            "best_type_match": best.cue("type_match"),
            "best_period_fit": best.cue("period_fit"),
            "terms_missing": missing_terms,
            "names_missing": len(missing_names) / len(asked) if asked else 0.0,
            "top_passage_dense": max(float(p.meta.dense or 0.0) for p in ctx.by_n.values()),
        }
        for i, name in enumerate(OUTCOME_FEATURES):
            x[i] = values[name]
        return x

    def _decide(
        self, q: Question, ranked: list[Candidate], ctx: _Context
    ) -> tuple[Outcome, float]:
        confidence = self.weights.outcome_probability(self._outcome_x(q, ranked, ctx))
        missing = q.countries - self._countries_of(ctx)
        if missing:  # about a country no passage mentions
            return ("refused" if missing == q.countries else "partial"), confidence
        related = related_similarity(ranked, summary=q.kind == "summary")
        if self._unknown(q) or (
            related < self.weights.related_threshold
            and confidence < self.weights.answer_threshold
        ):
            # what is asked about is in no article, or nothing related was found and the
            # outcome model expects no answer (a sentence that states the figure asked for
            # without the question's words, "Revenue fell to 4.55 billion dlrs", is little
            # like the question yet answers it)
            return "refused", confidence
        if q.kind == "summary":
            return "answer", confidence  # related passages are what a summary is made of
        top = ranked[:2]
        # a figure of another period than the one asked (for a name, a cause or a list the
        # period is a time frame the ranking weighs, not the answer itself), about other
        # countries, or another product's figure: one sentence must fit them all
        dated = bool(q.periods and q.wants_figure and q.kind != "compare")
        product = bool(q.sectors and q.wants_figure)
        if (dated or q.countries or product) and not any(
            (not dated or c.cue("period_fit") >= 0)
            and (not q.countries or self._countries_fit(q, c, ctx))
            and (not product or self._names_sector(q, c, ctx))
            for c in top
        ):
            return "partial", confidence
        asked = _flow_asked(q.standalone.split(" (", 1)[0])
        if asked and q.wants_figure and _other_flow(top[0].text, asked) and not any(
            _names_flow(c.text, asked) for c in top
        ):
            return "partial", confidence  # imports asked, the best sentence gives exports
        if q.kind in ("percent", "change", "amount", "count", "date", "person", "org",
                      "place") and all(
            c.cue("type_match") < 0 for c in top
        ):
            return "partial", confidence  # no figure, date or name of the kind asked for
        if confidence >= self.weights.answer_threshold:
            return "answer", confidence
        return "partial", confidence

    def _unknown(self, q: Question) -> list[str]:
        """The question's head-noun words that no article of the store holds ("inflation").

        Names are left out: a name can be spelt otherwise in the articles ("Haiphong",
        "Hải Phòng"); the country and name cues weigh those.
        """
        heads = [
            t for t in q.focus
            if t in q.terms and t not in _MEASURE_WORDS and not self.known(t)
            and re.search(rf"(?<![\w-]){re.escape(t)}", q.text)  # written in lower case
        ]
        if heads:
            return heads
        # most of what the question names is in no article ("Who won the 2022 FIFA World Cup?")
        content = [t for t in q.terms if not t[0].isdigit() and t not in _MEASURE_WORDS]
        unknown = [t for t in content if not self.known(t)]
        return unknown if content and 2 * len(unknown) > len(content) else []

    @staticmethod
    def _countries_fit(q: Question, c: Candidate, ctx: _Context) -> bool:
        """Whether a sentence is about the countries asked.

        It names them all (with its title and the sentence before), or, when several are
        asked for a name or a cause, names one and its passage the rest: "Which Belgian
        minister warned that the EC would retaliate if the U.S. Congress passed a textile
        bill?" is answered by a sentence naming the minister, the EC and Congress in a story
        about U.S. trade. A figure between countries ("Taiwan's deficit with Japan") must be
        stated of them all: a story naming Japan elsewhere gives Taiwan's total.
        """
        missing = c.cue("countries_missing")
        if missing == 0:
            return True
        p = ctx.by_n[c.passage]
        return len(q.countries) > 1 and not q.wants_figure and missing < 1 and q.countries <= (
            countries(p.text) | countries(p.meta.title))

    @staticmethod
    def _names_sector(q: Question, c: Candidate, ctx: _Context) -> bool:
        """Whether a sentence, its title or the sentence before names a product asked."""
        p = ctx.by_n[c.passage]
        near = [c.text, p.meta.title] + ([p.sentence(c.index - 1)] if c.index > 0 else [])
        return bool(q.sectors & sectors(" \n".join(near)))

    @staticmethod
    def _countries_of(ctx: _Context) -> set[str]:
        names: set[str] = set()
        for p in ctx.by_n.values():
            names |= countries(p.text) | countries(p.meta.title)
        return names

    def _lead(self, q: Question, ranked: list[Candidate], ctx: _Context, outcome: str) -> str:
        """What a partial answer or refusal says first: what the articles lack."""
        missing = sorted(q.countries - self._countries_of(ctx))
        if missing:
            said = f"The articles don't answer this: they do not mention {' or '.join(missing)}."
            return said if outcome == "refused" else said + " The closest they come:"
        unknown = self._unknown(q)
        if outcome == "refused" and unknown:
            words = [_as_written(t, q.text) for t in unknown]
            words = [w for w in words if w[:1].isupper()] or words  # the names, if any
            return f"The articles don't answer this: none of them mentions {' or '.join(words)}."
        if outcome == "refused":
            return "The articles don't answer this question."
        best = ranked[0]
        if q.periods and best.cue("period_fit") < 0:
            p = ctx.by_n[best.passage]
            have = [s for s in p.periods_of(best.index) if not s.base]
            asked = describe(q.periods[0])
            return (
                f"The articles don't give this for {asked}"
                + (f"; the closest they come is for {describe(have[0])}:" if have else
                   "; the closest they come:")
            )
        return "The articles don't state this directly. The closest they come:"

    # -- 5. the shape of the answer -------------------------------------------------------------

    def _shape(self, q: Question, ranked: list[Candidate], ctx: _Context) -> list[Candidate]:
        best = ranked[0]
        if q.kind == "cause":
            return self._with_event(q, self._close_ones(self._with_cause(best, ranked, ctx),
                                                        ranked), ranked)
        if q.kind == "list":
            return self._items(best, ranked, ctx, most=self.weights.list_sentences)
        if q.kind == "summary":
            return self._central(q, ranked, ctx)
        if q.kind == "compare":
            return self._close_ones(self._both_figures(q, ranked, ctx), ranked)
        return self._with_missing_part(q, best, ranked, ctx)

    def _close_ones(self, chosen: list[Candidate], ranked: list[Candidate]) -> list[Candidate]:
        """Add the sentences scoring nearly as well as the best (up to ``max_sentences``)."""
        best = ranked[0]
        for c in ranked[1:4]:
            if len(chosen) >= self.weights.max_sentences:
                break
            if c not in chosen and c.logit >= best.logit - self.weights.extra_margin:
                chosen.append(c)
        return chosen

    def _with_missing_part(self, q: Question, best: Candidate, ranked: list[Candidate],
                           ctx: _Context) -> list[Candidate]:
        """The best sentence, then supporting ones.

        The next sentence when the best only announces the answer ("... awarded contracts to
        five companies."), then those scoring nearly as well or covering a part of the
        question the best misses.
        """
        chosen = [best]
        by_pos = {(c.passage, c.index): c for c in ranked}
        nxt = by_pos.get((best.passage, best.index + 1))
        if nxt is not None and best.cue("type_match") <= 0 < nxt.cue("type_match"):
            chosen.append(nxt)  # "... awarded contracts to five companies." then the names
        p = ctx.by_n[best.passage]
        covered = set(ctx.weights) & (set(tokenize(best.text)) | self._near(best, p, ctx))
        for c in ranked[1:6]:
            if len(chosen) >= self.weights.max_sentences:
                break
            if c in chosen:
                continue
            close = c.logit >= best.logit - self.weights.extra_margin
            new = (set(ctx.weights) & set(tokenize(c.text))) - covered
            adds = sum(ctx.weights[t] for t in new) / ctx.total >= 0.2
            if close or (adds and self.weights.probability(c.logit) >= self.weights.list_threshold):
                chosen.append(c)
                covered |= new
        return chosen

    def _with_event(self, q: Question, chosen: list[Candidate],
                    ranked: list[Candidate]) -> list[Candidate]:
        """A cause with the figure of what it explains, when no chosen sentence states it.

        "Why did Norway's trade surplus grow?" is answered with the causes and the
        sentence that gives the balance, so a reader sees what the figures say happened
        (a deficit that widened, when the question supposed a surplus).
        """
        asked = measure_classes(q.terms)
        if not asked or any(measure_classes(set(tokenize(c.text))) & asked
                            and extract_figures(c.text) for c in chosen):
            return chosen
        floor = self.weights.list_threshold * 0.5
        for c in ranked[:8]:
            if (c not in chosen and extract_figures(c.text)
                    and measure_classes(set(tokenize(c.text))) & asked
                    and self.weights.probability(c.logit) >= floor):
                return [c, *chosen]
        return chosen

    def _with_cause(self, best: Candidate, ranked: list[Candidate],
                    ctx: _Context) -> list[Candidate]:
        """The event and its cause: a causal sentence, or the one after the event."""
        if _CAUSAL.search(best.text):
            return [best]
        p = ctx.by_n[best.passage]
        by_pos = {(c.passage, c.index): c for c in ranked}
        after = [by_pos.get((best.passage, best.index + k)) for k in (1, 2)]
        before = by_pos.get((best.passage, best.index - 1))
        for c in [*after, before]:
            if c is not None and _CAUSAL.search(c.text):
                return [best, c]
        causal = [
            c for c in ranked[1:8]
            if _CAUSAL.search(c.text) and self.weights.probability(c.logit)
            >= self.weights.list_threshold * 0.6
        ]
        if causal:
            return [best, causal[0]]
        nxt = after[0]
        if nxt is not None and best.index + 1 < len(p.sentences):
            return [best, nxt]
        return [best]

    def _items(self, best: Candidate, ranked: list[Candidate], ctx: _Context,
               most: int) -> list[Candidate]:
        """A list: the sentences that name the items, across passages."""
        chosen = [best]
        by_pos = {(c.passage, c.index): c for c in ranked}
        if not best.cue("type_match") > 0:  # the items follow the sentence that announces them
            for k in (1, 2):
                nxt = by_pos.get((best.passage, best.index + k))
                if nxt is not None:
                    chosen.append(nxt)
                    if nxt.cue("type_match") > 0:
                        break
        floor = max(self.weights.list_threshold, self.weights.probability(best.logit) * 0.5)
        for c in ranked[1:12]:
            if len(chosen) >= most:
                break
            if self.weights.probability(c.logit) < floor:
                break
            if c.cue("coverage_near") < 0.3:
                continue
            chosen.append(c)
        return self._announced(chosen, by_pos, most)

    @staticmethod
    def _announced(chosen: list[Candidate], by_pos: dict[tuple[int, int], Candidate],
                   most: int) -> list[Candidate]:
        """Each sentence announcing items is followed by the sentences naming them.

        "Japan has failed to implement two parts of the pact", "these measures:"; not when
        the sentence names them itself.
        """
        out: list[Candidate] = []
        for c in chosen:
            if c in out:
                continue
            out.append(c)
            if not _ANNOUNCES.search(c.text) or _ENUMERATION.search(c.text):
                continue
            for k in (1, 2):
                nxt = by_pos.get((c.passage, c.index + k))
                if nxt is None or nxt in out or len(out) >= most + 2:
                    break
                out.append(nxt)
                if _ENUMERATION.search(nxt.text):
                    break
        return out

    def _central(self, q: Question, ranked: list[Candidate], ctx: _Context) -> list[Candidate]:
        """A summary: the 3-5 most central sentences of the best article(s), de-duplicated."""
        top = self._story(q, ranked, ctx)
        article = [c for c in ranked if ctx.by_n[c.passage].meta.article_id == top]
        pool = article[:14] + [c for c in article[14:] if c.cue("lead")]
        if len(pool) <= 3:
            pool = ranked[:8]
        vecs = self.embedder.encode_cached([flowing(c.text) for c in pool])
        centre = vecs.mean(axis=0)
        qvec = self.embedder.encode_query(q.topic)
        # the key facts of a news story are its figures: a sentence stating one is preferred
        figured = np.array([1.0 if extract_figures(c.text) else 0.0 for c in pool])
        scores = vecs @ centre + 0.5 * (vecs @ qvec) + self.weights.summary_figure_bonus * figured
        # a news story says what matters most first: its lead sentence opens the summary
        # then, one at a time, the sentence that adds most: central, and least like what is
        # already chosen (maximal marginal relevance: a summary of distinct points)
        left = [j for j in range(len(pool)) if not pool[j].cue("short")]
        chosen: list[int] = [j for j in left if pool[j].cue("lead")][:1]
        left = [j for j in left if j not in chosen]
        novelty = self.weights.summary_novelty
        while left and len(chosen) < self.weights.summary_sentences:
            like = [max((float(vecs[j] @ vecs[k]) for k in chosen), default=0.0) for j in left]
            j = left[int(np.argmax([scores[i] - novelty * s for i, s in zip(left, like,
                                                                             strict=True)]))]
            left.remove(j)
            if any(float(vecs[j] @ vecs[k]) > 0.9 for k in chosen):
                continue  # the same point said twice
            chosen.append(j)
        return [pool[j] for j in chosen]

    def _story(self, q: Question, ranked: list[Candidate], ctx: _Context) -> str:
        """The article a summary is about: the best ranked, unless the question dates the story.

        A question naming a day ("what Nakasone said on April 27, 1987") or a month ("the
        October 1987 plan") asks for the story of then: the first of the five best-ranked
        articles dated so is taken (on the day or the day after it; else within the
        month; else in the month after it).
        """
        order: list[str] = []
        dates: dict[str, str] = {}
        for c in ranked:
            meta = ctx.by_n[c.passage].meta
            if meta.article_id not in dates:
                order.append(meta.article_id)
                dates[meta.article_id] = meta.date or ""
        months = tuple(p for p in q.reported or q.periods  # one month: a quarter is data's
                       if p.year is not None and p.m1 == p.m2)
        for fits in (lambda d: _on_day(d, q.days), lambda d: _dated_within(d, months),
                     lambda d: _reported_in(d, months)):
            for article_id in order[:5]:
                if fits(dates[article_id]):
                    return article_id
        return order[0]

    def _both_figures(self, q: Question, ranked: list[Candidate],
                      ctx: _Context) -> list[Candidate]:
        """A comparison: both figures (one sentence stating both, or two sentences).

        When the question names the periods compared, each is answered by the best
        sentence stating a figure for it (its own period or a base such as "from 1.9 mln
        in 1985" or "a year earlier"); otherwise the best sentence and the best one about
        another period or article.
        """
        if len(q.compared) >= 2:
            chosen = self._per_period(q, list(q.compared), ranked, ctx)
            if chosen:
                return chosen
        best = ranked[0]
        figures = extract_figures(best.text)
        if len(figures) >= 2:
            return [best]
        p = ctx.by_n[best.passage]
        mine = [s for s in p.periods_of(best.index) if not s.base]
        for c in ranked[1:10]:
            if not extract_figures(c.text):
                continue
            other = ctx.by_n[c.passage]
            theirs = [s for s in other.periods_of(c.index) if not s.base]
            different = (
                other.meta.article_id != p.meta.article_id
                or not mine or not theirs or not periods_compatible(mine, theirs)
            )
            if different and self.weights.probability(c.logit) >= self.weights.list_threshold * 0.5:
                return [best, c]
        return [best]

    def _per_period(self, q: Question, targets: list[Period], ranked: list[Candidate],
                    ctx: _Context) -> list[Candidate]:
        """The best sentences covering the periods compared; [] when fewer than two are."""
        floor = self.weights.list_threshold * 0.5
        pool = [c for c in ranked[:12]
                if extract_figures(c.text) and self.weights.probability(c.logit) >= floor]

        def covers(c: Candidate) -> frozenset[int]:
            read = ctx.by_n[c.passage].periods_of(c.index)
            read = read + earlier_bases(c.text, read)
            return frozenset(i for i, t in enumerate(targets)
                             if any(t.matches(Period(s.year, s.m1, s.m2)) for s in read))

        # figures of what is compared: a sentence names some of the question's words and
        # no other kind of figure only ("imports rose" for "the trade surplus")
        asked = measure_classes(q.terms)
        terms = set(q.terms)

        def about_it(c: Candidate) -> bool:
            words = set(tokenize(c.text))
            named = measure_classes(words)
            return bool(words & terms) and (not asked or not named or bool(named & asked))

        pool = [c for c in pool if about_it(c)]
        cover = [covers(c) for c in pool]
        every = frozenset(range(len(targets)))
        if pool and cover[0] and _COMPARED_FIGURE.search(flowing(pool[0].text)):
            # "narrow to 90.2 billion in 1987/88 from an estimated 98 billion": the best
            # sentence about a period compared compares two figures itself
            return [pool[0]]
        both = [c for c, got in zip(pool[:3], cover[:3], strict=False) if got == every]
        if both:  # "imported 1.18 mln tonnes in 1986, down from 1.9 mln in 1985"
            return [both[0]]
        chosen: list[Candidate] = []
        done: frozenset[int] = frozenset()
        for c, got in zip(pool, cover, strict=True):
            if got - done:
                chosen.append(c)
                done |= got
            if done == every or len(chosen) >= self.weights.max_sentences:
                break
        return chosen if len(done) >= 2 else []

    def _change(self, q: Question, chosen: list[Candidate], claims: list[Claim],
                ctx: _Context) -> Claim | None:
        """The change between the two figures compared, computed and checked, or None.

        From one sentence comparing two figures itself ("1.18 mln in 1986, down from 1.9
        mln in 1985"), or from two sentences each giving one comparable figure for one of
        the periods compared. Only when the figures are unambiguous; the claim cites the
        sentences and is checked by ``check_change``.
        """
        pair: tuple[Figure, Figure] | None = None
        since = until = ""
        if len(chosen) == 1:
            c = chosen[0]
            pair = figures_compared(flowing(c.text))
            read = ctx.by_n[c.passage].periods_of(c.index)
            stated = list(dict.fromkeys(Period(s.year, s.m1, s.m2) for s in read if not s.base))
            bases = list(dict.fromkeys(Period(s.year, s.m1, s.m2) for s in read if s.base))
            if len(stated) != 1 or len(bases) != 1 or _months(stated[0]) != _months(bases[0]):
                return None  # 11 months against a whole year is no change of one figure
            since, until = describe(bases[0]), describe(stated[0])
        elif len(chosen) == 2 and len(q.compared) == 2:
            found = []
            for c in chosen:
                figs = [f for f in extract_figures(flowing(c.text)) if f.kind != "percent"]
                read = [s for s in ctx.by_n[c.passage].periods_of(c.index) if not s.base]
                when = [t for t in q.compared if any(t.matches(s) for s in read)]
                if len(figs) != 1 or len(when) != 1:
                    return None
                found.append((when[0], figs[0]))
            (p1, f1), (p2, f2) = sorted(found, key=lambda x: (x[0].year or 0, x[0].m1))
            if p1 == p2 or _months(p1) != _months(p2):
                return None
            pair, since, until = (f2, f1), describe(p1), describe(p2)
        if pair is None:
            return None
        text = change_sentence(*pair, since=since, until=until)
        keys = {(c.passage, c.index) for c in chosen}
        sources = [s for c in claims for s in c.support if (s[0], s[2]) in keys]
        if text is None or not sources:
            return None
        cited = [flowing(ctx.by_n[n].text[ctx.by_n[n].sentences[i].start:
                                          ctx.by_n[n].sentences[j].end]) for n, i, j in sources]
        if check_change(text, cited):
            return None
        return Claim(text, sorted({n for n, _, _ in sources}), sources, derived=True)

    # -- claims -------------------------------------------------------------------------------

    @staticmethod
    def _claim(c: Candidate, ctx: _Context, said: set[tuple[str, int]]) -> Claim | None:
        """A candidate as a claim: quoted verbatim, with the sentence before an "It ..." one.

        Sentences in ``said`` (article id, offset in the article) are not quoted again:
        overlapping chunks and an anaphoric sentence's lead-in repeat sentences. Returns
        ``None`` when the candidate itself was said already; adds what it quotes to ``said``.
        """
        p = ctx.by_n[c.passage]
        where = p.meta.article_id

        def key(i: int) -> tuple[str, int]:
            return where, p.start + p.sentences[i].start

        if key(c.index) in said:
            return None
        first = c.index - 1 if c.index > 0 and _ANAPHORIC.match(c.text) else c.index
        if key(first) in said:
            first = c.index
        said.update(key(i) for i in range(first, c.index + 1))
        text = p.text[p.sentences[first].start : p.sentences[c.index].end]
        return Claim(flowing(text), [c.passage], [(c.passage, first, c.index)])


def _months(p: Period) -> int:
    return p.m2 - p.m1 + 1


def _state_then(text: str, stated: list[Period], date: str | None,
                asked: tuple[Period, ...]) -> bool:
    """Whether a sentence states what held at its article's date, within a period asked.

    The sentence names no period of its own, and its date falls in a longer period asked:
    "Japan now grows 30 pct of its grain" in a March 1987 story, for "in 1987".
    """
    m = re.match(r"(\d{4})-(\d\d)", date or "")
    if not m or period_spans(text):
        return False
    year, month = int(m.group(1)), int(m.group(2))
    now = bool(_NOW.search(text))  # "now", "currently": the state when the story was written
    return all(now or (s.year, s.m1, s.m2) == (year, month, month) for s in stated) and any(
        p.year == year and p.m1 <= month <= p.m2 and p.m2 > p.m1 for p in asked)


_NOW = re.compile(r"\b(?:now|currently|at present|presently)\b", re.I)


def _on_day(date: str | None, days: tuple[str, ...]) -> bool:
    """Whether an article of ``date`` reports on one of ``days`` or the day after.

    The wire dates a story when it is filed, often the day after the event.
    """
    if not date or not days:
        return False
    try:
        when = dt.date.fromisoformat(date[:10])
        return any(0 <= (when - dt.date.fromisoformat(d)).days <= 1 for d in days)
    except ValueError:
        return False


def _dated_within(date: str | None, asked: tuple[Period, ...]) -> bool:
    """Whether an article of ``date`` is dated within a period asked."""
    m = re.match(r"(\d{4})-(\d\d)", date or "")
    if not m:
        return False
    year, month = int(m.group(1)), int(m.group(2))
    return any(p.year == year and p.m1 <= month <= p.m2 for p in asked)


def _reported_in(date: str | None, asked: tuple[Period, ...]) -> bool:
    """Whether an article of ``date`` reports within a period asked (or the month after it)."""
    m = re.match(r"(\d{4})-(\d\d)", date or "")
    if not m:
        return False
    year, month = int(m.group(1)), int(m.group(2))
    return any(
        p.year in (None, year) and p.m1 <= month <= p.m2 + (1 if p.m1 == p.m2 else 0)
        or (p.year == year - 1 and p.m1 == p.m2 == 12 and month == 1)
        for p in asked
    )


_COMPARED_FIGURE = re.compile(
    r"\d[^.;]*?\b(?:from|against|compared (?:with|to)|versus|vs\.?|after)\s+(?:an? |the )?"
    r"(?:(?:estimated|revised|provisional|record|upwardly|downwardly|year-earlier|previous)\s+)*"
    r"[$€£]?\d"
    # "hit a record 6.96 billion in 1985/86, is expected to decline to 5.6 billion"
    r"|\d[^.;]*?\b(?:rise|fall|decline|drop|narrow|widen|grow|increase|decrease|climb|shrink|"
    r"ease|reach)\w*\s+to\s+(?:about |around |some )?[$€£]?\d",
    re.I,
)
"""A sentence comparing two figures itself: "rose to 7.08 billion from 5.33 billion"."""


def _as_written(term: str, text: str) -> str:
    """A tokenized term as the question wrote it ("fifa" -> "FIFA")."""
    m = re.search(rf"(?<![\w-]){re.escape(term)}[\w-]*", text, re.I)
    return m.group() if m else term


_MEASURE_WORDS = frozenset(
    """share margin proportion percentage portion part amount value worth number total size
    level rate volume figure figures change growth rise fall drop increase decline gap
    difference much many serve make take get give put go come""".split()
)
"""Words a question asks with that an article can answer with a figure or another verb."""


def _type_match(kind: str, text: str, figures: list[Figure], p: Passage, index: int) -> float:
    """Whether a sentence holds the kind of answer asked for: 1 yes, -1 no, 0 can't tell."""
    if kind == "percent":
        return 1.0 if any(f.kind == "percent" for f in figures) else -1.0
    if kind == "change":  # "by how much": a rate or an amount of change
        return 1.0 if any(f.kind in ("percent", "amount") for f in figures) else -1.0
    if kind == "amount":
        if any(f.kind == "amount" or f.value >= 1e5 for f in figures):
            return 1.0
        return -1.0 if not figures else 0.0
    if kind == "count":
        return 1.0 if any(f.kind == "number" for f in figures) else -1.0
    if kind == "compare":
        return 1.0 if len(figures) >= 2 else 0.3 if figures else -1.0
    if kind == "date":
        return 1.0 if _DATE.search(text) else -0.5
    if kind == "place":
        return 1.0 if cities(text) or countries(text) or re.search(
            r"\b(?:in|at|from|to|near) [A-Z][a-z]+", text) else -0.5
    if kind == "person":
        return 1.0 if _PERSON.search(text) or any(
            not countries(m.group(1)) and not cities(m.group(1))
            for m in _SURNAME_SAYS.finditer(text)
        ) else -0.5
    if kind == "org":
        return 1.0 if _ORG.search(text) or _ORG_NAMED.search(text) else -0.5
    if kind == "cause":
        if _CAUSAL.search(text):
            return 1.0
        nxt = p.sentence(index + 1) if index + 1 < len(p.sentences) else ""
        return 0.5 if _CAUSAL.search(nxt) else 0.0
    if kind == "list":
        return 1.0 if _ENUMERATION.search(text) else 0.0
    return 0.0
