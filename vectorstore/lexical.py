"""A persisted BM25 index (``bm25s``) over the chunk texts, stamped with the store version.

``bm25s`` cannot add to an index, so the index is rebuilt from the stored chunk
texts after an ingest that changed something (about a second per 10k chunks)
and saved; readers load it memory-mapped and reload it when the store version
moves on.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["TOKENIZER_VERSION", "LexicalIndex", "tokenize"]

# Bump when ``tokenize`` changes: saved indexes of another version are rebuilt.
TOKENIZER_VERSION = 7

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)?")
_STOP = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours ourselves out
    over own same she should so some such than that the their theirs them themselves then there
    these they this those through to too under until up very was we were what when where which
    while who whom why will with you your yours yourself yourselves would could also said says
    tell me please much many us""".split()
)


# Demonyms and month abbreviations map to one form, so "German exports" meets "Germany"
# and "Jan-May" meets "January to May".
_CANONICAL = {
    "german": "germany", "turkish": "turkey", "türkiye": "turkey", "turkiye": "turkey",
    "italian": "italy", "chinese": "china", "japanese": "japan", "brazilian": "brazil",
    "indian": "india", "mexican": "mexico", "kenyan": "kenya", "australian": "australia",
    "korean": "korea", "vietnamese": "vietnam", "american": "america", "french": "france",
    "british": "britain", "spanish": "spain", "russian": "russia", "canadian": "canada",
    "emirati": "uae", "pakistani": "pakistan", "argentine": "argentina",
    "argentinian": "argentina", "european": "europe", "dutch": "netherlands",
    "jan": "january", "feb": "february", "mar": "march", "apr": "april", "jun": "june",
    "jul": "july", "aug": "august", "sep": "september", "sept": "september",
    "oct": "october", "nov": "november", "dec": "december", "bn": "billion",
    "bln": "billion", "mln": "million", "mn": "million", "pct": "percent",
    "cent": "percent", "america": "usa", "ceo": "chief executive",
    # Irregular verb forms and the growth/decline vocabulary of trade news.
    "grew": "grow", "grown": "grow", "rose": "grow", "risen": "grow", "rise": "grow",
    "increase": "grow", "climb": "grow", "jump": "grow", "surge": "grow", "gain": "grow",
    "growth": "grow", "fell": "fall", "fallen": "fall", "decline": "fall",
    "decrease": "fall", "drop": "fall", "slide": "fall", "slump": "fall", "shrank": "fall",
    "sold": "sell", "bought": "buy", "paid": "pay", "spent": "spend", "held": "hold",
    "met": "meet", "made": "make", "took": "take", "chose": "choose",
    # stems of the same words ("increased" -> "increas")
    "increas": "grow", "ris": "grow", "surg": "grow", "grow": "grow", "decreas": "fall",
    "declin": "fall", "dropp": "fall", "slid": "fall", "rising": "grow",
    "falling": "fall", "growing": "grow", "higher": "grow", "lower": "fall",
    "objective": "target", "goal": "target", "annually": "annual", "yearly": "annual",
    "shipp": "ship",
}
_USA = re.compile(r"\bU\.S\.(?:A\.)?|\bUS\b|\bUSA\b|\bUnited States(?: of America)?\b")


def _stem(word: str) -> str:
    """A light English suffix stripper: exports/exported/exporting -> export."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("eed") and len(word) > 4:  # agreed -> agree
        return word[:-1]
    if word.endswith("ied") and len(word) > 4:  # supplied -> supply
        return word[:-3] + "y"
    for suffix, repl, keep in (
        ("ments", "", 4),
        ("ment", "", 4),
        ("ies", "y", 3),
        ("sses", "ss", 3),
        ("ing", "", 4),
        ("ed", "", 4),
        ("es", "", 4),
        ("s", "", 3),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            if suffix == "es" and not word.endswith(("ches", "shes", "xes", "sses", "zes")):
                return word[:-1]
            return word[: len(word) - len(suffix)] + repl
    return word


_PHRASES = (  # (a word every match contains, pattern, replacement)
    ("trade", re.compile(r"\b(?:two[- ]way trade|trade volume|volume of trade|total trade|"
                         r"trade between)\b", re.I), " bilateral trade "),
    ("chief", re.compile(r"\bchief executive officer\b", re.I), " chief executive "),
    ("year", re.compile(r"\b(?:per|a|each|every) year\b", re.I), " annual "),
    ("liquefied", re.compile(r"\bliquefied natural gas\b", re.I), " lng "),
    ("foreign", re.compile(r"\bforeign direct investment\b", re.I), " fdi "),
    ("from", re.compile(r"\b(?:sail(?:s|ed)?|depart(?:s|ed)?|leav(?:e|es|ing)|left|dispatched)"
                        r"\s+from\b", re.I), " shipped from "),
)


def _fold(text: str) -> str:
    """Strip accents: "Hải Phòng" -> "Hai Phong", "São Paulo" -> "Sao Paulo"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("đ", "d")


def tokenize(text: str) -> list[str]:
    """Lower-case word and number tokens, stop words removed, lightly stemmed.

    Numbers keep their decimals and lose thousands separators ("5,340" -> "5340").
    A few trade-news synonyms meet ("two-way trade" = "trade volume" = "bilateral trade").
    """
    if not text.isascii():
        text = _fold(unicodedata.normalize("NFKC", text))
    text = _USA.sub(" usa ", text)
    low = text.lower()
    for word, pattern, repl in _PHRASES:
        if word in low:  # most texts hold few of these phrases: skip the regex
            text = pattern.sub(repl, text)
            low = text.lower()
    out: list[str] = []
    for tok in _TOKEN.findall(text.lower()):
        out.extend(_word_tokens(tok))
    return out


@lru_cache(maxsize=262144)
def _word_tokens(tok: str) -> tuple[str, ...]:
    """The tokens one matched word or number becomes (cached: vocabularies are small)."""
    if tok[0].isdigit():
        if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", tok):
            tok = tok.replace(",", "")
        return (tok.rstrip(".,"),)
    if tok in _STOP:
        return ()
    tok = re.sub(r"['’]s$", "", tok)
    out: list[str] = []
    for part in _CANONICAL.get(tok, tok).split():
        stem = _stem(part)
        out.extend(_CANONICAL.get(stem, stem).split())
    return tuple(out)


class LexicalIndex:
    """BM25 over chunk texts, persisted in ``directory``.

    Args:
        directory: where the index files live (created on save).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.version: int | None = None
        self.ids: list[str] = []
        self._bm25: Any = None
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self.ids)

    def build(self, ids: Sequence[str], texts: Sequence[str], version: int) -> None:
        """Index ``texts`` (one per id) and save to disk atomically."""
        import bm25s

        if len(ids) != len(texts):
            raise ValueError("ids and texts differ in length")
        bm25: Any = None
        if ids:
            bm25 = bm25s.BM25()
            bm25.index([tokenize(t) or ["\u2205"] for t in texts], show_progress=False)
        for stale in self.directory.parent.glob(self.directory.name + ".*"):
            # Leftovers of a build that was killed (any process; the build lock is held).
            if stale.is_dir() and re.search(r"\.(?:tmp|old)\d+$", stale.name):
                shutil.rmtree(stale, ignore_errors=True)
        tmp = self.directory.with_name(self.directory.name + f".tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if bm25 is not None:
            bm25.save(str(tmp), show_progress=False)
        (tmp / "ids.json").write_text(json.dumps(list(ids)))
        (tmp / "meta.json").write_text(
            json.dumps({"version": version, "count": len(ids), "tokenizer": TOKENIZER_VERSION})
        )
        old = self.directory.with_name(self.directory.name + f".old{os.getpid()}")
        with self._lock:
            if self.directory.exists():
                os.replace(self.directory, old)
            os.replace(tmp, self.directory)
            shutil.rmtree(old, ignore_errors=True)
            self._bm25, self.ids, self.version = bm25, list(ids), version

    def load(self) -> bool:
        """Load the saved index; False when there is none (or it is unreadable)."""
        import bm25s

        try:
            meta = json.loads((self.directory / "meta.json").read_text())
            if meta.get("tokenizer") != TOKENIZER_VERSION:
                return False
            ids = json.loads((self.directory / "ids.json").read_text())
            bm25 = None
            if ids:
                bm25 = bm25s.BM25.load(str(self.directory), mmap=True, show_progress=False)
                if int(bm25.scores.get("num_docs", len(ids))) != len(ids):
                    return False  # files of two different builds
            if meta.get("count", len(ids)) != len(ids):
                return False
        except (OSError, ValueError, KeyError):
            return False
        with self._lock:
            self._bm25, self.ids, self.version = bm25, ids, int(meta["version"])
        return True

    def idf(self, term: str) -> float:
        """BM25 inverse document frequency of a (tokenized) term; unknown terms get the max."""
        with self._lock:
            bm25, n = self._bm25, len(self.ids)
        if bm25 is None or n == 0:
            return 1.0
        tid = bm25.vocab_dict.get(term)
        df = 0
        if tid is not None:
            indptr = bm25.scores["indptr"]
            df = int(indptr[tid + 1] - indptr[tid])
        return float(np.log(1.0 + (n - df + 0.5) / (df + 0.5)))

    def saved_version(self) -> int | None:
        """Version stamped on the saved index, without loading it."""
        try:
            meta = json.loads((self.directory / "meta.json").read_text())
            if meta.get("tokenizer") != TOKENIZER_VERSION:
                return None
            return int(meta["version"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def search(
        self, query: str, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """The ``k`` best (id, BM25 score) pairs for ``query``; ``allowed`` masks documents."""
        with self._lock:
            bm25, ids = self._bm25, self.ids
        tokens = tokenize(query)
        if bm25 is None or not tokens or k <= 0:
            return []
        vocab = bm25.vocab_dict
        tokens = [t for t in tokens if t in vocab]
        if not tokens:
            return []
        k = min(k, len(ids))
        docs, scores = bm25.retrieve(
            [tokens], k=k, show_progress=False, weight_mask=allowed, n_threads=1
        )
        return [
            (ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0
        ]
