"""A persisted BM25 index (``bm25s``) over the chunk texts, stamped with the store version.

``bm25s`` cannot add to an index, so the index is rebuilt from the stored chunk
texts after an ingest that changed something (about a second per 10k chunks)
and saved; readers load it memory-mapped and reload it when the store version
moves on. The tokenizer is given by the caller (this layer knows nothing of
language); its version is stamped on the saved index, which is rebuilt when it
changes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["LexicalIndex", "Tokenizer"]

Tokenizer = Callable[[str], list[str]]
"""Turns a text into its search tokens."""


class LexicalIndex:
    """BM25 over chunk texts, persisted in ``directory``.

    Args:
        directory: where the index files live (created on save).
        tokenize: the text's search tokens (e.g. ``ingest.text.tokens.tokenize``).
        tokenizer_version: names the tokenizer's rules; a saved index of another
            version is not loaded (and so rebuilt).
    """

    def __init__(self, directory: Path, tokenize: Tokenizer, tokenizer_version: int) -> None:
        if not callable(tokenize):
            raise TypeError(f"tokenize must be callable, got {type(tokenize).__name__}")
        self.directory = Path(directory)
        self.tokenize = tokenize
        self.tokenizer_version = tokenizer_version
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
            bm25.index([self.tokenize(t) or ["\u2205"] for t in texts], show_progress=False)
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
            json.dumps({"version": version, "count": len(ids), "tokenizer": self.tokenizer_version})
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
            if meta.get("tokenizer") != self.tokenizer_version:
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

    def known(self, term: str) -> bool:
        """Whether any indexed chunk holds the (tokenized) term; True for an empty index."""
        with self._lock:
            bm25 = self._bm25
        if bm25 is None or not self.ids:
            return True
        tid = bm25.vocab_dict.get(term)
        if tid is None:
            return False
        indptr = bm25.scores["indptr"]
        return int(indptr[tid + 1] - indptr[tid]) > 0

    def saved_version(self) -> int | None:
        """Version stamped on the saved index, without loading it."""
        try:
            meta = json.loads((self.directory / "meta.json").read_text())
            if meta.get("tokenizer") != self.tokenizer_version:
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
        tokens = self.tokenize(query)
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
