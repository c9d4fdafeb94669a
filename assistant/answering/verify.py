"""Verification: ``[n]`` markers parsed, and every claim checked against the sentences it cites.

A generated answer is split into sentences (claims). Each claim's markers are
parsed (``[1]``, ``[1, 2]``, ``[1][2]``, ``[1-3]``); markers that point at no
passage are dropped; a claim without markers gets the most similar passage
attached (or is flagged). Within the cited passages the sentence(s) that
support the claim become the citation's quote. Every figure in the claim must
appear, for a compatible period and the same subject, in one of the cited
passages' sentences, and every name it gives must be in them, or the claim is
unsupported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from assistant.answering.change import check_change
from assistant.answering.draft import Claim
from assistant.answering.factcheck import copied_change, fact_mismatch, period_unsupported
from assistant.answering.guard import has_markup, looks_like_instruction
from assistant.answering.passages import Passage
from assistant.answering.question import entities, key_terms
from ingest.text.figures import Figure, extract_figures
from ingest.text.gazetteer import countries, sectors
from ingest.text.periods import Period, extract_periods, periods_compatible
from ingest.text.sentences import flowing, split_sentences
from ingest.text.tokens import tokenize

__all__ = [
    "Similarity",
    "lexical_overlap",
    "parse_markers",
    "split_claims",
    "verify_claims",
]

_MARKER = re.compile(r"\s*\[(\d+(?:\s*(?:,|;|–|-|and)\s*\d+)*)\]")
_REFUSAL = re.compile(
    r"^\s*(?:i (?:do not|don't|cannot|can't) (?:know|answer|find)|"
    r"the (?:passages|documents|sources|context) (?:do not|don't|does not|doesn't)|"
    r"there is no information|no information|not (?:mentioned|stated|provided))",
    re.IGNORECASE,
)


_LIST_ITEM = re.compile(r"(?:^|(?<=\s))\(?\d{1,2}[.)]\s+(?=[A-Z])|(?:^|\n)\s*[-*•]\s+")
_BULLET = re.compile(r"^\s*(?:[-*•]|\(?\d{1,2}[.)])\s+")


def parse_markers(text: str) -> tuple[str, list[int]]:
    """Strip ``[n]`` markers from a sentence; returns the clean text and the numbers in order."""
    numbers: list[int] = []
    for m in _MARKER.finditer(text):
        for part in re.split(r"\s*(?:,|;|and)\s*", m.group(1)):
            if re.fullmatch(r"\d+\s*[–-]\s*\d+", part):
                a, b = (int(x) for x in re.split(r"\s*[–-]\s*", part))
                if 0 < b - a < 20:
                    numbers.extend(range(a, b + 1))
                    continue
            numbers.extend(int(x) for x in re.findall(r"\d+", part))
    clean = _MARKER.sub("", text)
    clean = re.sub(r"\s+([.,;:!?])", r"\1", clean).strip()
    return clean, list(dict.fromkeys(numbers))


def split_claims(answer: str) -> list[Claim]:
    """Split a generated answer into claims, keeping each one's markers.

    A marker written after the full stop ("... 2025. [1]") belongs to the
    sentence before it.
    """
    text = answer.strip()
    # Move markers that follow sentence punctuation in front of it.
    text = re.sub(r"([.!?])((?:\s*\[[\d,;\s–-]+\])+)", r"\2\1", text)
    text = _LIST_ITEM.sub("\n", text)  # "1. Exports ... 2. Imports ...": items, not "1." claims
    claims: list[Claim] = []
    seen: set[str] = set()
    for span in split_sentences(text):
        raw = text[span.start : span.end]
        clean, numbers = parse_markers(raw)
        clean = _BULLET.sub("", clean).strip()
        if not clean.strip(" .") and claims:
            claims[-1].markers.extend(n for n in numbers if n not in claims[-1].markers)
            continue
        if not clean.strip() or re.fullmatch(r"\(?\d{1,2}[.)]?", clean):
            continue
        key = " ".join(tokenize(clean))
        if key in seen:  # a degenerate reply repeating a sentence: said once
            continue
        seen.add(key)
        claims.append(Claim(clean, numbers, is_refusal=bool(_REFUSAL.match(clean))))
    return claims


Similarity = Callable[[Sequence[str], Sequence[str]], np.ndarray]
"""Scores every (claim, sentence) pair: a matrix of shape (claims, sentences)."""


def lexical_overlap(a: str, b: str) -> float:
    """Share of the key terms of ``a`` that also occur in ``b``."""
    ta, tb = set(key_terms(a)), set(key_terms(b))
    if not ta:
        return 0.0
    return len(ta & tb) / len(ta)


def verify_claims(
    claims: list[Claim],
    passages: list[Passage],
    similarity: Similarity,
    *,
    attach_threshold: float = 0.45,
    support_threshold: float = 0.5,
) -> list[Claim]:
    """Check every claim against the passages it cites (see module docstring).

    Args:
        claims: answer sentences with their parsed markers.
        passages: the numbered passages the answer was written from.
        similarity: scores claims against passage sentences (higher = closer).
        attach_threshold: a claim without markers is attached to the best passage
            sentence scoring at least this; otherwise it is unsupported.
        support_threshold: a cited claim whose best sentence scores below this is
            unsupported (the passage does not say it).

    Returns:
        The same claims with ``support``, ``ok`` and ``reason`` filled in.
    """
    by_n = {p.n: p for p in passages}
    all_sents = [(p.n, i) for p in passages for i in range(len(p.sentences))]
    texts = [by_n[n].sentence(i) for n, i in all_sents]
    real = [c for c in claims if not c.is_refusal]
    if not real:
        return claims
    scores = similarity([c.text for c in real], texts) if texts else np.zeros((len(real), 0))
    for row, claim in enumerate(real):
        claim.markers = [n for n in claim.markers if n in by_n]
        if looks_like_instruction(claim.text) or has_markup(claim.text):
            claim.ok = False
            claim.reason = "it repeats instructions or links found in an article, not an answer"
            continue
        if not texts:
            claim.ok, claim.reason = False, "no passages to support it"
            continue
        if not claim.markers and extract_figures(claim.text):
            claim.ok, claim.reason = False, "a figure with no citation"
            continue
        if not claim.markers:
            best = int(np.argmax(scores[row]))
            if scores[row, best] >= attach_threshold:
                claim.markers = [all_sents[best][0]]
            else:
                claim.ok, claim.reason = False, "no citation and no passage says this"
                continue
        cand = [j for j, (n, _) in enumerate(all_sents) if n in claim.markers]
        cand.sort(key=lambda j: -scores[row, j])
        if claim.derived:  # "That is a fall of 0.72 mln (37.9%)": checked by arithmetic
            cited = [flowing(by_n[n].text[by_n[n].sentences[i].start:by_n[n].sentences[j].end])
                     for n, i, j in claim.support if n in by_n] or [
                flowing(texts[j]) for j in cand]
            wrong = check_change(claim.text, cited)
            if wrong:
                claim.ok, claim.reason = False, f"the change is not computed right{wrong}"
            else:
                claim.support = claim.support or [(all_sents[j][0], all_sents[j][1],
                                                   all_sents[j][1]) for j in cand[:2]]
            continue
        figures = extract_figures(claim.text)
        periods = [p for p in extract_periods(claim.text) if not p.base]
        chosen: list[int] = []
        if figures:
            for fig in figures:
                # the sentence that says what the claim says, or one that says what the
                # figure's part of the claim says; not the same number about something else
                part = _figure_part(claim.text, fig)
                near = [j for i, j in enumerate(cand) if i == 0 or scores[row, j] >=
                        support_threshold or lexical_overlap(part, texts[j]) >= _PART_OVERLAP]
                j, why = _find_figure(claim.text, fig, near, texts, periods, all_sents, by_n)
                if j is None:
                    claim.ok = False
                    claim.reason = f"the figure {fig.text!r} is not in the cited passage{why}"
                    break
                if j not in chosen:
                    chosen.append(j)
            if not claim.ok:
                continue
        best = cand[0]
        if scores[row, best] < support_threshold and not figures:
            claim.ok, claim.reason = False, "the cited passage does not say this"
            continue
        if not chosen:
            chosen = [best]
        when = period_unsupported(claim.text, [(by_n[all_sents[j][0]], all_sents[j][1])
                                               for j in chosen])
        if when:
            claim.ok = False
            claim.reason = f"the cited passage gives no {when} (wrong period)"
            continue
        change = copied_change(claim.text, [flowing(texts[j]) for j in cand])
        if change:
            claim.ok = False
            claim.reason = f"the cited passage says otherwise{change}"
            continue
        missing = _missing_names(claim.text, [by_n[all_sents[j][0]] for j in chosen])
        if missing:
            claim.ok = False
            claim.reason = f"the cited passage does not mention {', '.join(missing)}"
            continue
        support: dict[int, list[int]] = {}
        for j in chosen:
            n, i = all_sents[j]
            support.setdefault(n, []).append(i)
        claim.support = [(n, min(ix), max(ix)) for n, ix in support.items()]
    return claims


_PART_OVERLAP = 0.4
"""Share of the key terms of a figure's part of a claim that a sentence must hold to support
the figure when the claim as a whole is not similar to it."""


def _figure_part(claim: str, fig: Figure) -> str:
    """The figure and the words of its part of the claim (up to the neighbouring figures)."""
    others = [f for f in extract_figures(claim) if f.start != fig.start]
    start = max([f.end for f in others if f.end <= fig.start], default=0)
    end = min([f.start for f in others if f.start >= fig.end], default=len(claim))
    return claim[start:end]


def _without_figures(text: str) -> str:
    for f in reversed(extract_figures(text)):
        text = text[: f.start] + " " * (f.end - f.start) + text[f.end :]
    return text


def _missing_names(claim: str, passages: list[Passage]) -> list[str]:
    """Names (countries, companies, places) in the claim that the passages never mention."""
    known: set[str] = set()
    known_countries: set[str] = set()
    written = ""
    for p in passages:
        title = p.meta.title
        known |= {t.strip(".") for t in tokenize(p.text) + tokenize(title)}
        known_countries |= countries(flowing(p.text)) | countries(title)  # "South\nAfrica"
        written += " " + flowing(p.text).lower() + " " + title.lower()
    missing = sorted(countries(claim) - known_countries)
    text = _without_figures(claim)  # "US$5 billion" names no country
    first = re.match(r"\W*([\w’'-]+)", text)
    first_word = first.group(1) if first else ""
    for name in entities(text):
        if extract_periods(name) or countries(name):
            continue  # periods are checked as periods, countries above
        if name == first_word:  # "Overall, ...", "Exports ...": a capitalised word, not a name
            continue
        if name.lower() in written:  # as written in the passage ("Paranaguá", "U.S.")
            continue
        tokens = [t.strip(".") for t in tokenize(name) if not t[0].isdigit()]
        if tokens and not all(t in known for t in tokens):
            missing.append(name)
    return missing


def _clause_before(text: str, start: int, end: int) -> str:
    """The sentence up to the end of the clause holding ``text[start:end]`` (its subject)."""
    stop = re.search(r"[,;]|\bwhile\b|\bwhereas\b|\bbut\b", text[end:])
    return text[: end + stop.start()] if stop else text


def _subject_mismatch(claim: str, claim_fig: Figure, source: str, source_fig: Figure) -> str:
    """Why a figure in the source is about something else than the claim says, or ''."""
    c_part = _clause_before(claim, claim_fig.start, claim_fig.end)
    s_part = flowing(_clause_before(source, source_fig.start, source_fig.end))  # "South\nAfrica"
    c_countries, s_countries = countries(c_part), countries(s_part)
    if s_countries and c_countries - s_countries:
        extra = ", ".join(sorted(c_countries - s_countries))
        return f" (there it is about {', '.join(sorted(s_countries))}, not {extra})"
    c_sectors, s_sectors = sectors(c_part), sectors(s_part)
    if c_sectors != s_sectors and (c_sectors or s_sectors):
        what = ", ".join(sorted(s_sectors)) or "the total"
        return f" (there it is about {what})"
    return ""


def _find_figure(
    claim: str,
    fig: Figure,
    cand: list[int],
    texts: list[str],
    periods: list[Period],
    all_sents: list[tuple[int, int]],
    by_n: dict[int, Passage],
) -> tuple[int | None, str]:
    """The best-ranked candidate sentence stating ``fig`` about the same subject and period.

    Returns the sentence index, or None and why the closest match failed.
    """
    why = ""
    for j in cand:
        same = [f for f in extract_figures(texts[j]) if fig.same_as(f)]
        if not same:
            continue
        n, i = all_sents[j]
        if not periods_compatible(periods, by_n[n].periods_of(i)):
            why = why or " for that period"
            continue
        # a value the sentence states twice ("rose 0.4 pct ... and 0.4 pct a year earlier"):
        # either statement may be the one the claim gives
        mismatches = [_subject_mismatch(claim, fig, texts[j], f) or fact_mismatch(
            claim, fig, by_n[n], i, f) for f in same]
        if all(mismatches):
            why = why or mismatches[0]
            continue
        return j, ""
    return None, why
