"""Sentences of a text as character spans: abbreviations, decimals, initials, quotes, paragraphs.

Pure functions. ``split_sentences`` never changes the text: every span indexes it
exactly (``text[span.start:span.end]``), so chunk and citation offsets stay true.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Span", "flowing", "split_sentences"]

_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st mt no nos vs etc inc ltd co corp plc gov govt gen col lt sgt
    rep sen jan feb mar apr jun jul aug sep sept oct nov dec e.g i.e u.s u.k u.n u.s.a e.u
    approx est fig dept univ ave bros cf al ca op vol pp ed eds rev hon messrs mme mlle
    a.m p.m ph.d b.a m.a dipl ing""".split()
)
# End of a sentence: terminal punctuation, optional closing quotes/brackets, whitespace.
_BOUNDARY = re.compile(r"[.!?…]+[\"'’”»)\]]*(?=\s)")
_NEXT_START = re.compile(r"\s+[\"'‘“«(\[]?[A-Z0-9À-ÖØ-Þ\u0100-\u024f$€£¥#*•-]")
_PARAGRAPH = re.compile(r"\n\s*\n|\n(?=\s*(?:[-*•]\s|\d{1,2}[.)]\s|#))")


@dataclass(frozen=True)
class Span:
    """A character range ``[start, end)`` of a text."""

    start: int
    end: int


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the period at ``dot`` ends an abbreviation or an initial, not a sentence."""
    if text[dot] != ".":
        return False
    j = dot
    while j > 0 and not text[j - 1].isspace() and text[j - 1] not in "(\"'“‘":
        j -= 1
    word = text[j:dot].lower()
    if not word:
        return False
    if word in _ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isalpha():  # an initial: "J. Smith"
        return True
    # Dotted acronyms such as "U.S." or "a.m." (the final dot is ours).
    return bool(re.fullmatch(r"(?:[a-z]\.){1,4}[a-z]", word))


# Words that start a sentence far more often than they follow "U.S." inside one.
_STARTER = re.compile(
    r"\s+(?:The|Then|It|He|She|They|This|That|These|Those|But|And|However|We|I|There|Its|"
    r"His|Her|Their|In|On|At|A|An|Meanwhile|Also|Yet)\b"
)


def _ends_acronym(text: str, dot: int) -> bool:
    """Whether the period at ``dot`` ends a dotted acronym such as "U.S." (not "Mr.")."""
    return bool(re.search(r"(?:\b[A-Za-z]\.){1,4}[A-Za-z]$", text[max(0, dot - 12) : dot]))


def split_sentences(text: str) -> list[Span]:
    """Sentence spans of ``text``, trimmed of surrounding whitespace, in order.

    Paragraph breaks (blank lines, list items, headings) always end a sentence; a
    single newline inside a paragraph (hard-wrapped newswire) does not.
    """
    cuts: set[int] = set()
    for m in _PARAGRAPH.finditer(text):
        cuts.add(m.start())
    for m in _BOUNDARY.finditer(text):
        end = m.end()
        if not _NEXT_START.match(text, end):
            continue
        last_dot = m.group().rfind(".")
        if last_dot >= 0 and len(m.group().rstrip("\"'’”»)]")) == 1:
            if _is_abbreviation(text, m.start() + last_dot) and not (
                _ends_acronym(text, m.start() + last_dot) and _STARTER.match(text, end)
            ):
                continue
        cuts.add(end)
    spans: list[Span] = []
    start = 0
    for cut in sorted(cuts) + [len(text)]:
        a, b = start, cut
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            spans.append(Span(a, b))
        start = cut
    return spans


_WHITESPACE = re.compile(r"\s+")


def flowing(text: str) -> str:
    r"""Text as a reader should see it quoted: hard-wrapped lines joined, spaces single.

    Newswire is wrapped at a fixed width ("grew 7.5 pct\nin February"); a quote shows
    it as one flowing line. Offsets always index the stored text, never this.
    """
    return _WHITESPACE.sub(" ", text).strip()
