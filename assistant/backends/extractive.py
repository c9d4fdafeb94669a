"""The extractive backend: answers with the passage sentences that answer the question, verbatim.

No LLM: each sentence of the retrieved passages is scored by embedding
similarity to the question, by how many of the question's key terms it holds
(weighted by rarity), by whether it has a figure when a figure is asked for,
and by whether its period matches the question's. The best sentence (and a
second one when it covers what the first does not) becomes the answer, each
with its ``[n]`` citation. Low scores mean the documents do not hold the
answer: the question is refused, saying what the closest article does say.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.citations import Claim, Passage, looks_like_instruction
from assistant.query import answer_type, focus_terms, is_figure_question, key_terms
from ingest.text.figures import extract_figures
from ingest.text.gazetteer import cities, countries, sectors
from ingest.text.periods import Period, describe, extract_periods, periods_compatible
from ingest.text.tokens import tokenize
from vectorstore.embeddings import Embedder

__all__ = ["ExtractiveBackend", "ExtractiveResult", "SentenceScore"]

_ANAPHORIC_START = re.compile(
    r"^(?:That|This|These|Those|It|Its|They|Their|The (?:figure|total|increase|decline|rise|"
    r"amount|deal|agreement|plant)|He|She|Such|Both)\b"
)


@dataclass(frozen=True)
class SentenceScore:
    """How well one passage sentence answers the question."""

    passage: int  # passage number n
    index: int  # sentence index within the passage
    text: str
    dense: float
    coverage: float
    score: float
    has_figure: bool


@dataclass
class ExtractiveResult:
    """The chosen claims (already attributed), or a refusal."""

    claims: list[Claim]
    refused: bool
    best: SentenceScore | None
    confidence: float
    note: str = ""  # why it was refused, when there is more to say than "not found"


class ExtractiveBackend:
    """Select answer sentences from passages (see module docstring).

    Args:
        embedder: embeds the question and the candidate sentences.
        idf: weight of a key term (rarer terms count more); default 1.0 each.
        max_sentences: at most this many sentences in an answer.
        min_confidence: below this the question is refused.
        max_idf: cap on a key term's weight.
        max_embedded: only this many best candidate sentences (by lexical coverage and
            the other cues) are embedded and compared with the question; 0 embeds all.
    """

    name = "extractive"

    def __init__(
        self,
        embedder: Embedder,
        idf: Callable[[str], float] | None = None,
        *,
        max_sentences: int = 2,
        min_confidence: float = 0.5,
        max_idf: float = 3.0,
        max_embedded: int = 12,
    ) -> None:
        if not 1 <= max_sentences <= 5:
            raise ValueError(f"max_sentences={max_sentences!r} must be in 1..5")
        self.embedder = embedder
        self.idf = idf or (lambda term: 1.0)
        self.max_sentences = max_sentences
        self.min_confidence = min_confidence
        self.max_idf = max_idf
        if max_embedded < 0:
            raise ValueError(f"max_embedded={max_embedded!r} must be >= 0 (0 = all)")
        self.max_embedded = max_embedded

    def score(
        self, question: str, passages: list[Passage], context: str = ""
    ) -> list[SentenceScore]:
        """Score every distinct sentence of the passages against the question.

        Args:
            question: the (standalone) question.
            passages: the retrieved passages.
            context: the previous answer in a conversation; for a follow-up, the
                sentences it quoted are what "it" and "they" most likely refer to.
        """
        seen: set[str] = set()
        cands: list[tuple[int, int, str]] = []
        for p in passages:
            for i in range(len(p.sentences)):
                text = p.sentence(i)
                if text in seen or len(text) < 12 or looks_like_instruction(text):
                    continue  # an article speaking to the assistant is not an answer
                seen.add(text)
                cands.append((p.n, i, text))
        if not cands:
            return []
        by_n = {p.n: p for p in passages}
        terms = key_terms(question, periods=False)
        weights = {t: min(self.idf(t), self.max_idf) for t in terms}
        total = sum(weights.values()) or 1.0
        focus = [t for t in focus_terms(question) if t in weights]
        wanted = answer_type(question)
        direction = {t for t in ("grow", "fall") if t in weights}
        if wanted == "percent":  # "how much did X grow": the verb is what is asked about
            focus += [t for t in sorted(direction) if t not in focus]
        q_periods = [p for p in extract_periods(question) if not p.base]
        q_sectors = sectors(question)
        q_countries = countries(question)
        q_figures = extract_figures(question)
        asks_port = bool(re.search(r"\bport\b", question, re.I))
        by_year = bool(re.search(r"\bby (?:which|what) year\b|\bby when\b", question, re.I))
        context_sets = [
            set(key_terms(c.split("[")[0]))
            for c in re.split(r"(?<=[.!?])\s+|(?<=\])\s+", context)
            if len(c) > 20
        ] if context else []
        titles = {p.n: set(tokenize(p.meta.title)) for p in passages}
        rows: list[tuple[int, int, str, float, float, bool]] = []
        for n, i, text in cands:
            tokens = set(tokenize(text))
            nearby = titles[n] | (set(tokenize(by_n[n].sentence(i - 1))) if i > 0 else set())
            covered = sum(
                w * (1.0 if t in tokens else 0.6 if t in nearby else 0.0)
                for t, w in weights.items()
            )
            coverage = covered / total if terms else 0.0
            figures = extract_figures(text)
            bonus = 0.0
            if wanted == "percent":
                bonus += 0.1 if any(f.kind == "percent" for f in figures) else -0.1
            elif wanted == "amount":
                if any(f.kind == "amount" or f.value >= 1e5 for f in figures):
                    bonus += 0.1
                elif not figures:
                    bonus -= 0.12
            elif wanted == "count":
                bonus += 0.1 if any(f.kind == "number" for f in figures) else -0.12
            elif wanted == "year":
                bonus += 0.05 if re.search(r"\b(?:19|20)\d{2}\b", text) else -0.05
            elif wanted == "place":
                places = cities(text)
                bonus += 0.1 if places else -0.05
                if asks_port and re.search(r"\b(?:Port (?:of )?[A-Z]\w+|port of [A-Z]\w+)", text):
                    bonus += 0.1  # "Which port ...": a sentence naming one
            if q_figures and any(f.same_as(g) for f in figures for g in q_figures):
                bonus += 0.15  # the question quotes a figure this sentence states
            if len(direction) == 1 and ({"grow", "fall"} - direction) & tokens and not (
                direction & tokens
            ):
                bonus -= 0.1  # asked how much it fell, the sentence says it rose (or back)
            if focus:
                head, rest = focus[-1], focus[:-1]
                bonus += 0.12 if head in tokens else 0.0
                if rest:
                    bonus += 0.05 * sum(1 for t in rest if t in tokens) / len(rest)
            if q_periods:
                s_periods = [p for p in extract_periods(text) if not p.base]
                if s_periods:
                    bonus += 0.08 if periods_compatible(q_periods, s_periods) else -0.1
            if not q_sectors and figures and sectors(text):
                bonus -= 0.06  # a sector's figure does not answer a question about the total
            if q_countries:
                title = by_n[n].meta.title
                near = countries(text) | countries(title)
                if i > 0:
                    near |= countries(by_n[n].sentence(i - 1))
                if not q_countries <= near:
                    bonus -= 0.3  # about other countries than the question
            if by_year and re.search(r"\bby (?:19|20)\d{2}\b", text):
                bonus += 0.1
            if context_sets:
                overlap = max(len(c & tokens) / len(c) for c in context_sets if c)
                bonus += 0.1 * overlap if overlap >= 0.6 else 0.0
            lexical = 0.45 * coverage + bonus - 0.01 * (n - 1)
            rows.append((n, i, text, coverage, lexical, bool(figures)))
        # Embedding sentences is most of an answer's time: only the best candidates by
        # everything else are embedded (the rest keep dense=0 and cannot win on it).
        picked = sorted(range(len(rows)), key=lambda j: -rows[j][4])
        if self.max_embedded:
            picked = picked[: self.max_embedded]
        dense = [0.0] * len(rows)
        if picked:
            qvec = self.embedder.encode_query(question)
            svecs = self.embedder.encode_cached([rows[j][2] for j in picked])
            for j, d in zip(picked, svecs @ qvec, strict=True):
                dense[j] = float(d)
        out = [
            SentenceScore(n, i, text, dense[j], coverage, 0.55 * dense[j] + lexical, has_figure)
            for j, (n, i, text, coverage, lexical, has_figure) in enumerate(rows)
        ]
        out.sort(key=lambda s: -s.score)
        return out

    def confidence(self, best: SentenceScore) -> float:
        """How sure we are that the best sentence answers the question (0..1-ish)."""
        return 0.5 * best.dense + 0.5 * best.coverage

    def answer(
        self, question: str, passages: list[Passage], context: str = ""
    ) -> ExtractiveResult:
        """Choose the answer sentences, or refuse (``context``: see ``score``)."""
        scored = self.score(question, passages, context)
        if not scored:
            return ExtractiveResult([], True, None, 0.0)
        by_n = {p.n: p for p in passages}
        q_countries = countries(question)
        if q_countries:
            # A sentence about other countries does not answer: "Brazil's soybean exports to
            # the EU" is not answered by Brazil's total, nor by its exports to China.
            fits = [s for s in scored if q_countries <= self._countries_near(s, by_n)]
            if not fits:
                known: set[str] = set()
                for s in scored:
                    known |= self._countries_near(s, by_n)
                missing = sorted(q_countries - known)
                note = "The documents don't contain the answer to this question." + (
                    f" They do not mention {' or '.join(missing)}." if missing else ""
                )
                return ExtractiveResult([], True, scored[0], self.confidence(scored[0]), note)
            scored = fits
        best = scored[0]
        if self.confidence(best) < self.min_confidence:
            # Before refusing: a sentence scoring nearly as well may answer surely enough.
            close = [s for s in scored[:4] if s.score >= 0.9 * best.score]
            best = max(close, key=self.confidence)
        if is_figure_question(question) and not best.has_figure:
            with_fig = next((s for s in scored if s.has_figure), None)
            if with_fig is not None and with_fig.score >= 0.8 * best.score:
                best = with_fig
        q_periods = [p for p in extract_periods(question) if not p.base and p.year]
        if q_periods and not self._period_ok(best, q_periods, by_n):
            alternatives = [
                s for s in scored
                if self._period_ok(s, q_periods, by_n)
                and s.score >= 0.75 * best.score
                and self.confidence(s) >= self.min_confidence
            ]
            if not alternatives:
                note = ""
                if self.confidence(best) >= self.min_confidence:  # the topic is covered
                    have = [p for p in by_n[best.passage].periods_of(best.index) if not p.base]
                    note = (
                        f"The documents don't give this for {describe(q_periods[0])}"
                        + (f"; they have it for {describe(have[0])}." if have else ".")
                    )
                return ExtractiveResult([], True, best, self.confidence(best), note)
            best = alternatives[0]
        confidence = self.confidence(best)
        if confidence < self.min_confidence:
            return ExtractiveResult([], True, best, confidence)
        chosen = [best]
        weights = {t: min(self.idf(t), self.max_idf) for t in key_terms(question, periods=False)}
        total = sum(weights.values()) or 1.0
        best_p = by_n[best.passage]
        covered = set(weights) & (
            set(tokenize(best.text))
            | set(tokenize(best_p.meta.title))
            | (set(tokenize(best_p.sentence(best.index - 1))) if best.index > 0 else set())
        )
        for s in scored:
            if len(chosen) >= self.max_sentences or best.coverage >= 0.9:
                break
            if s is best or s.score < 0.85 * best.score:
                continue
            new = (set(weights) & set(tokenize(s.text))) - covered
            if (
                sum(weights[t] for t in new) / total >= 0.25
                and self.confidence(s) >= self.min_confidence
            ):
                chosen.append(s)
                covered |= new
        claims: list[Claim] = []
        chosen.sort(key=lambda s: (s.passage, s.index))
        for s in chosen:
            first = s.index
            if first > 0 and _ANAPHORIC_START.match(s.text):
                first -= 1
            p = by_n[s.passage]
            text = p.text[p.sentences[first].start : p.sentences[s.index].end]
            claims.append(Claim(" ".join(text.split()), [s.passage], [(s.passage, first, s.index)]))
        return ExtractiveResult(claims, False, best, confidence)


    @staticmethod
    def _countries_near(s: SentenceScore, by_n: dict[int, Passage]) -> set[str]:
        """Countries of a sentence, its title and the sentence before it."""
        p = by_n[s.passage]
        near = countries(s.text) | countries(p.meta.title)
        if s.index > 0:
            near |= countries(p.sentence(s.index - 1))
        return near

    @staticmethod
    def _period_ok(s: SentenceScore, q_periods: list[Period], by_n: dict[int, Passage]) -> bool:
        """Whether a sentence is about the question's period (its own, or its context's)."""
        passage = by_n[s.passage]
        periods = passage.periods_of(s.index)
        if periods:
            return periods_compatible(q_periods, periods)
        years = {p.year for p in extract_periods(passage.text) if p.year}
        return not years or all(p.year in years for p in q_periods)
