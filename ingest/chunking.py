"""Sentence-aware chunking that keeps character offsets and the embedding model's limit.

A chunk is a run of whole sentences (``text[start:end]`` of the cleaned article),
about ``target_words`` long, never more than ``max_words``, and always within the
model's word-piece limit once the title prefix is added; consecutive chunks share
``overlap`` sentences. Only a sentence longer than the limit on its own is cut,
at word boundaries.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ingest.text.sentences import Span, split_sentences
from vectorstore.errors import ConfigError

__all__ = ["SentenceChunker", "embed_text"]

TokenCounter = Callable[[Sequence[str]], list[int]]
"""Counts word pieces of each text, without special tokens."""

_WORD = re.compile(r"\S+")


def embed_text(title: str, passage: str) -> str:
    """The text that is embedded for a chunk: title prefix, blank line, passage."""
    return f"{title}\n\n{passage}" if title else passage


class SentenceChunker:
    """Pack sentences into chunks within word and word-piece budgets.

    Args:
        count_tokens: counts word pieces (without special tokens) of each text.
        max_tokens: the model's limit including ``[CLS]``/``[SEP]`` (256 for MiniLM).
        target_words: a chunk stops growing once it has this many words.
        max_words: a chunk never has more words than this (unless one sentence does).
        overlap: sentences repeated at the start of the next chunk.
        max_title_tokens: the title prefix is cut to this many word pieces.
    """

    def __init__(
        self,
        count_tokens: TokenCounter,
        *,
        max_tokens: int = 256,
        target_words: int = 160,
        max_words: int = 200,
        overlap: int = 1,
        max_title_tokens: int = 40,
    ) -> None:
        if not 32 <= max_tokens <= 8192:
            raise ConfigError(f"max_tokens={max_tokens!r} must be in 32..8192.")
        if not 10 <= target_words <= max_words:
            raise ConfigError(
                f"target_words={target_words!r} must be >= 10 and <= max_words={max_words!r}."
            )
        if not 0 <= overlap <= 5:
            raise ConfigError(f"overlap={overlap!r} must be between 0 and 5 sentences.")
        if not 0 <= max_title_tokens <= max_tokens // 2:
            raise ConfigError(
                f"max_title_tokens={max_title_tokens!r} must be in 0..{max_tokens // 2}."
            )
        self.count_tokens = count_tokens
        self.max_tokens = max_tokens
        self.target_words = target_words
        self.max_words = max_words
        self.overlap = overlap
        self.max_title_tokens = max_title_tokens

    @property
    def signature(self) -> str:
        """Identifies the chunking parameters (a change re-chunks every article)."""
        return (
            f"sent-v1/t{self.max_tokens}/w{self.target_words}-{self.max_words}"
            f"/o{self.overlap}/h{self.max_title_tokens}"
        )

    def title_prefix(self, title: str) -> str:
        """The title as embedded: cut at word boundaries to ``max_title_tokens``."""
        title = " ".join(title.split())
        if not title or self.max_title_tokens == 0:
            return ""
        if self.count_tokens([title])[0] <= self.max_title_tokens:
            return title
        words = title.split()
        while words and self.count_tokens([" ".join(words)])[0] > self.max_title_tokens:
            words.pop()
        return " ".join(words)

    def _fit(self, text: str, span: Span, budget: int) -> list[Span]:
        """Cut a too-long sentence into word-boundary pieces within ``budget`` tokens."""
        words = [Span(m.start(), m.end()) for m in _WORD.finditer(text, span.start, span.end)]
        counts = self.count_tokens([text[w.start : w.end] for w in words])
        pieces: list[Span] = []
        cur_start: int | None = None
        cur_end = 0
        cur_tokens = 0
        cur_words = 0
        for w, n in zip(words, counts, strict=True):
            if n > budget:  # a single "word" over the limit: cut by characters
                if cur_start is not None:
                    pieces.append(Span(cur_start, cur_end))
                    cur_start, cur_tokens, cur_words = None, 0, 0
                pieces.extend(self._cut_chars(text, w, budget))
                continue
            if cur_start is not None and (
                cur_tokens + n > budget or cur_words + 1 > self.max_words
            ):
                pieces.append(Span(cur_start, cur_end))
                cur_start, cur_tokens, cur_words = None, 0, 0
            if cur_start is None:
                cur_start = w.start
            cur_end = w.end
            cur_tokens += n
            cur_words += 1
        if cur_start is not None:
            pieces.append(Span(cur_start, cur_end))
        return pieces

    def _cut_chars(self, text: str, span: Span, budget: int) -> list[Span]:
        pieces: list[Span] = []
        start = span.start
        while start < span.end:
            lo, hi = start + 1, span.end
            while lo < hi:  # largest end with tokens(text[start:end]) <= budget
                mid = (lo + hi + 1) // 2
                if self.count_tokens([text[start:mid]])[0] <= budget:
                    lo = mid
                else:
                    hi = mid - 1
            pieces.append(Span(start, lo))
            start = lo
        return pieces

    def chunk(self, text: str, title: str = "") -> list[tuple[Span, int]]:
        """Split ``text`` into chunk spans.

        Returns:
            ``(span, tokens)`` per chunk, where ``tokens`` counts the embedded text
            (title prefix + passage, with special tokens) and is <= ``max_tokens``.
        """
        prefix = self.title_prefix(title)
        prefix_tokens = self.count_tokens([prefix])[0] if prefix else 0
        budget = self.max_tokens - 2 - prefix_tokens
        units: list[Span] = []
        sentences = split_sentences(text)
        counts = self.count_tokens([text[s.start : s.end] for s in sentences])
        unit_tokens: list[int] = []
        for s, n in zip(sentences, counts, strict=True):
            if n <= budget:
                units.append(s)
                unit_tokens.append(n)
            else:
                pieces = self._fit(text, s, budget)
                units.extend(pieces)
                unit_tokens.extend(self.count_tokens([text[p.start : p.end] for p in pieces]))
        unit_words = [len(text[u.start : u.end].split()) for u in units]

        groups: list[tuple[int, int]] = []  # [i, j) ranges of units
        i, n_units = 0, len(units)
        while i < n_units:
            j, words, tokens = i + 1, unit_words[i], unit_tokens[i]
            while (
                j < n_units
                and words < self.target_words
                and words + unit_words[j] <= self.max_words
                and tokens + unit_tokens[j] <= budget
            ):
                words += unit_words[j]
                tokens += unit_tokens[j]
                j += 1
            groups.append((i, j))
            if j >= n_units:
                break
            i = max(j - self.overlap, i + 1)
            # The overlap must leave room for at least the next new sentence.
            while i < j and sum(unit_tokens[i : j + 1]) > budget:
                i += 1

        spans = [Span(units[a].start, units[b - 1].end) for a, b in groups]
        # Word pieces never span whitespace, so a chunk whose units are separated by
        # whitespace has exactly the sum of their counts (plus the title's): only the
        # others (units cut inside a word, or touching) are tokenized again.
        real: list[int] = [0] * len(spans)
        again: list[int] = []
        for g, (a, b) in enumerate(groups):
            gaps = (text[units[i].end : units[i + 1].start] for i in range(a, b - 1))
            if all(gap and not gap.strip() for gap in gaps):
                real[g] = prefix_tokens + sum(unit_tokens[a:b]) + 2
            else:
                again.append(g)
        if again:
            counts = self.count_tokens(
                [embed_text(prefix, text[spans[g].start : spans[g].end]) for g in again]
            )
            for g, n in zip(again, counts, strict=True):
                real[g] = n + 2
        out: list[tuple[Span, int]] = []
        for span, n in zip(spans, real, strict=True):
            if n <= self.max_tokens:
                out.append((span, n))
                continue
            # Word-piece counts of joined text can exceed the sum of the parts by a
            # token or two; re-cut such a chunk with a safety margin.
            for piece in self._fit(text, span, budget - 8):
                m = self.count_tokens([embed_text(prefix, text[piece.start : piece.end])])[0]
                out.append((piece, m + 2))
        return out
