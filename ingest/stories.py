"""Near-duplicate stories: copies, updates and corrections of one wire story, found at ingest.

Every article gets a ``StoryPrint``: a MinHash signature (``datasketch``) of the word
3-shingles of its title and text, and the figures it states. Two articles are copies of one
story (``near_duplicate``) when

1. the Jaccard similarity of their shingles, estimated from the signatures, is at least the
   threshold (``TRADEDESK_DEDUP_THRESHOLD``);
2. they are dated at most ``window_days`` apart (a story is re-sent, updated or corrected
   within days; the same template a week later is another story);
3. they agree on their figures: at least half of the figures of the one with fewer figures
   appear in the other. Daily and weekly wire templates ("The Federal Reserve entered the
   market to arrange ... repurchase agreements", "M-1 money supply rose ...") share most
   of their words with each other but almost none of their figures, while a corrected story
   changes one figure and keeps the rest.

Candidates come from an LSH index (``StoryIndex``, ``datasketch.MinHashLSH``) so a new
article is compared with a handful of stored ones, not all. The story groups are the
connected components of the near-duplicate pairs (``components``); the signatures and the
pairs are stored with the records, so the next ingest does not recompute them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

__all__ = [
    "PRINT_KIND",
    "StoryIndex",
    "StoryPrint",
    "components",
    "figure_agreement",
    "near_duplicate",
    "story_print",
]

SHINGLE_WORDS = 3
NUM_PERM = 128
SEED = 1
SCHEME = "affine32"
MIN_FIGURE_AGREEMENT = 0.5
LSH_THRESHOLD_MARGIN = 0.1  # the LSH looks a little below the threshold: fewer misses

PRINT_KIND = f"minhash-{SCHEME}-p{NUM_PERM}-s{SEED}-w{SHINGLE_WORDS}-v1"
"""Names how prints are made: stored prints of another kind are computed again."""

_WORD = re.compile(r"\w+")
_FIGURE = re.compile(r"\d[\d,./-]*")


@dataclass(frozen=True)
class StoryPrint:
    """What near-duplicate detection keeps of an article.

    Attributes:
        signature: the MinHash signature (``NUM_PERM`` uint32 values).
        figures: the numbers the article states, as written ("6-1/8", "1.5"), sorted.
        date: the article's ISO date, if any.
    """

    signature: np.ndarray
    figures: tuple[str, ...]
    date: str | None = None

    @property
    def empty(self) -> bool:
        """True for an article without words: it is nobody's copy."""
        return bool(np.all(self.signature == np.uint32(0xFFFFFFFF)))

    def to_blob(self) -> bytes:
        """The signature as bytes (for the records)."""
        return np.asarray(self.signature, dtype=np.uint32).tobytes()

    @classmethod
    def from_blob(cls, blob: bytes, figures: Iterable[str], date: str | None) -> StoryPrint:
        """The print stored as ``to_blob`` bytes plus its figures and date."""
        return cls(np.frombuffer(blob, dtype=np.uint32).copy(), tuple(figures), date)


def shingles(title: str, text: str) -> set[bytes]:
    """Word ``SHINGLE_WORDS``-grams of the title and text, lower-cased."""
    words = _WORD.findall(f"{title}\n{text}".lower())
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + SHINGLE_WORDS]).encode()
            for i in range(len(words) - SHINGLE_WORDS + 1)}


def story_print(title: str, text: str, date: str | None) -> StoryPrint:
    """The print of one article (about 0.3 ms for a 200-word story)."""
    m = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    m.update_batch(list(shingles(title, text)))
    figures = sorted(f.rstrip(".,/-") for f in _FIGURE.findall(f"{title}\n{text}"))
    return StoryPrint(np.asarray(m.hashvalues, dtype=np.uint32), tuple(figures), date)


def jaccard(a: StoryPrint, b: StoryPrint) -> float:
    """The Jaccard similarity of two articles' shingles, estimated from their signatures."""
    return float(np.mean(a.signature == b.signature))


def figure_agreement(a: Iterable[str], b: Iterable[str]) -> float | None:
    """The share of the figures of the one with fewer that the other states too.

    None when either states no figure.
    """
    ca, cb = Counter(a), Counter(b)
    fewer = min(sum(ca.values()), sum(cb.values()))
    if not fewer:
        return None
    return sum((ca & cb).values()) / fewer


def _days_apart(a: str | None, b: str | None) -> int | None:
    if not a or not b:
        return None
    try:
        return abs((dt.date.fromisoformat(a) - dt.date.fromisoformat(b)).days)
    except ValueError:
        return None


def near_duplicate(
    a: StoryPrint, b: StoryPrint, *, threshold: float, window_days: int
) -> float | None:
    """The estimated Jaccard similarity when ``a`` and ``b`` are copies of one story, else None.

    See the module docstring for the three conditions.
    """
    similarity = jaccard(a, b)
    if similarity < threshold:
        return None
    apart = _days_apart(a.date, b.date)
    if apart is not None and apart > window_days:
        return None
    agreement = figure_agreement(a.figures, b.figures)
    if agreement is not None and agreement < MIN_FIGURE_AGREEMENT:
        return None
    return similarity


class StoryIndex:
    """Stored prints in an LSH index: which stored articles are copies of a new one.

    Args:
        threshold: the Jaccard threshold of ``near_duplicate``.
        window_days: the date window of ``near_duplicate``.
    """

    def __init__(self, *, threshold: float, window_days: int) -> None:
        self.threshold = threshold
        self.window_days = window_days
        self._lsh = MinHashLSH(
            threshold=max(0.05, threshold - LSH_THRESHOLD_MARGIN), num_perm=NUM_PERM
        )
        self._prints: dict[str, StoryPrint] = {}

    def __len__(self) -> int:
        return len(self._prints)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._prints

    def _lean(self, p: StoryPrint) -> LeanMinHash:
        return LeanMinHash(seed=SEED, hashvalues=p.signature, scheme=SCHEME)

    def add(self, article_id: str, p: StoryPrint) -> None:
        """Index an article's print (replacing its earlier one)."""
        self.remove(article_id)
        if p.empty:
            return
        self._prints[article_id] = p
        self._lsh.insert(article_id, self._lean(p))

    def add_many(self, prints: Mapping[str, StoryPrint]) -> None:
        """Index many prints at once (faster than one by one)."""
        with self._lsh.insertion_session() as session:
            for article_id, p in prints.items():
                if article_id in self._prints:
                    self.remove(article_id)
                if p.empty:
                    continue
                self._prints[article_id] = p
                session.insert(article_id, self._lean(p))

    def remove(self, article_id: str) -> None:
        """Forget an article (no-op when it is not indexed)."""
        if self._prints.pop(article_id, None) is not None:
            self._lsh.remove(article_id)

    def matches(self, p: StoryPrint, *, exclude: str | None = None) -> list[tuple[str, float]]:
        """Indexed articles that are copies of the story ``p`` is a print of, best first."""
        found: list[tuple[str, float]] = []
        if p.empty:
            return found
        for key in self._lsh.query(self._lean(p)):
            other = str(key)
            if other == exclude:
                continue
            similarity = near_duplicate(
                p, self._prints[other], threshold=self.threshold, window_days=self.window_days
            )
            if similarity is not None:
                found.append((other, similarity))
        return sorted(found, key=lambda x: (-x[1], x[0]))


def components(nodes: Iterable[str], edges: Iterable[tuple[str, str]]) -> list[set[str]]:
    """Connected components of an undirected graph (every node in exactly one)."""
    parent: dict[str, str] = {n: n for n in nodes}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    out: dict[str, set[str]] = {}
    for n in parent:
        out.setdefault(root(n), set()).add(n)
    return list(out.values())
