"""Chroma behind one small class: embedded on disk by default, a Chroma server when configured.

The collection uses cosine space, our own embeddings (Chroma's default embedding
function, which downloads a model, is never used), wider HNSW parameters than
Chroma's defaults, and records the embedding model that built it: opening it with
another model fails with a message that says how to rebuild.
"""

from __future__ import annotations

import contextlib
import errno
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from vectorstore.embeddings import Embedder
from vectorstore.errors import ConfigError, ModelMismatchError, StoreError

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection
    from langchain_chroma import Chroma

__all__ = ["ChromaStore", "Hit", "HnswConfig", "ReadWriteLock"]

Metadata = Mapping[str, str | int | float | bool]


class ReadWriteLock:
    """Many readers or one writer (reopening the client waits for searches in flight)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False

    @contextlib.contextmanager
    def read(self) -> Iterator[None]:
        """Hold a shared lock."""
        with self._cond:
            while self._writer:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        """Hold the exclusive lock."""
        with self._cond:
            while self._writer or self._readers:
                self._cond.wait()
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


@dataclass(frozen=True)
class HnswConfig:
    """HNSW parameters of the collection (chosen so top-10 recall >= 0.98 at 50k chunks)."""

    ef_construction: int = 200
    ef_search: int = 128
    max_neighbors: int = 32

    def __post_init__(self) -> None:
        for name in ("ef_construction", "ef_search", "max_neighbors"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 2 <= value <= 4096:
                raise ConfigError(f"hnsw {name}={value!r} must be an integer in 2..4096.")


@dataclass(frozen=True)
class Hit:
    """One dense search result."""

    id: str
    text: str
    metadata: dict[str, Any]
    score: float  # cosine similarity, 1 = identical direction


def _slices(ids: Sequence[str], size: int = 5000) -> Iterator[list[str]]:
    """``ids`` in lists Chroma can look up at once (SQLite caps a query's variables)."""
    for lo in range(0, len(ids), size):
        yield list(ids[lo : lo + size])


class ChromaStore:
    """A Chroma collection of chunk vectors.

    Args:
        embedder: the embeddings used for every vector in the collection.
        collection: collection name (3-512 characters of ``[a-zA-Z0-9._-]``).
        path: directory of the embedded store (``PersistentClient``); or
        host: a Chroma server (``HttpClient``), with ``port``.
        hnsw: index parameters used when the collection is created.
        ssl: reach the server over https.
        token: sent to the server as ``X-Chroma-Token`` and ``Authorization: Bearer``
            (for a server behind an authenticating proxy).
    """

    def __init__(
        self,
        embedder: Embedder,
        *,
        collection: str,
        path: Path | None = None,
        host: str | None = None,
        port: int = 8000,
        hnsw: HnswConfig | None = None,
        ssl: bool = False,
        token: str | None = None,
    ) -> None:
        if (path is None) == (host is None):
            raise ConfigError(
                f"ChromaStore needs exactly one of path= (embedded) or host= (server); got "
                f"path={path!r}, host={host!r}."
            )
        if not (3 <= len(collection) <= 512) or not all(
            c.isascii() and (c.isalnum() or c in "._-") for c in collection
        ) or not (collection[0].isalnum() and collection[-1].isalnum()):
            raise ConfigError(
                f"collection={collection!r} is not a valid Chroma collection name: use 3-512 "
                "characters from [a-zA-Z0-9._-], starting and ending with a letter or digit."
            )
        if not 1 <= port <= 65535:
            raise ConfigError(f"port={port!r} must be in 1..65535.")
        self.embedder = embedder
        self.collection_name = collection
        self.path = Path(path).expanduser() if path is not None else None
        self.host = host
        self.port = port
        self.hnsw = hnsw or HnswConfig()
        self.ssl = ssl
        self._headers = (
            {"X-Chroma-Token": token, "Authorization": f"Bearer {token}"} if token else None
        )
        self._client: ClientAPI | None = None
        self._collection: Collection | None = None
        self._lock = threading.RLock()
        self._rw = ReadWriteLock()
        self._broken = False

    @property
    def location(self) -> str:
        """Where the store lives, for messages."""
        if self.host is not None:
            return f"{'https' if self.ssl else 'http'}://{self.host}:{self.port}"
        return str(self.path)

    # -- errors ------------------------------------------------------------------------

    @contextlib.contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Turn Chroma, network and disk failures into a StoreError naming cause and fix.

        After a failure the client is dropped (and Chroma's per-path cache cleared), so
        the next call starts from a fresh client instead of a half-broken one.
        """
        try:
            yield
        except StoreError:
            raise
        except Exception as exc:  # noqa: BLE001 - translated below, nothing swallowed
            self._broken = True
            raise self._translate(action, exc) from exc

    @contextlib.contextmanager
    def _using(self, action: str) -> Iterator[None]:
        """A read (shared) use of the client, with errors translated."""
        if self._broken:  # the last call failed: reopen before trying again
            self.close()
        with self._rw.read(), self._errors(action):
            yield

    def _disk_nearly_full(self) -> bool:
        if self.path is None:
            return False
        import shutil

        probe = self.path if self.path.exists() else self.path.parent
        try:
            return shutil.disk_usage(probe).free < 16 * 1024 * 1024
        except OSError:
            return False

    def _translate(self, action: str, exc: Exception) -> StoreError:
        text = f"{type(exc).__name__}: {exc}"
        low = text.lower()
        if self.path is not None and isinstance(exc, AttributeError) and "bindings" in low:
            text = "the store could not be opened: its files are damaged or unreadable"
            low = "corrupt"
        if self.host is not None and any(
            s in low for s in ("connect", "connection", "refused", "timed out", "unreachable")
        ):
            return StoreError(
                f"Could not {action}: the Chroma server at {self.location} is not reachable "
                f"({text}). Start it with `chroma run --path DIR --host {self.host} --port "
                f"{self.port}`, or unset TRADEDESK_CHROMA_HOST to use the embedded store."
            )
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC or "no space left" in low or (
            "disk" in low and "full" in low
        ) or self._disk_nearly_full():
            return StoreError(
                f"Could not {action}: the disk holding {self.location} is full ({text}). Free "
                "space (or move TRADEDESK_HOME), then run `tradedesk doctor` and re-run ingest."
            )
        if "readonly" in low or "read-only" in low or "permission denied" in low or (
            isinstance(exc, PermissionError)
        ):
            return StoreError(
                f"Could not {action}: {self.location} is not writable ({text}). Fix the "
                "permissions of the data directory or point TRADEDESK_HOME somewhere writable."
            )
        if isinstance(exc, sqlite3.DatabaseError) or "malformed" in low or "corrupt" in low or (
            "not a database" in low
        ):
            return StoreError(
                f"Could not {action}: the Chroma files under {self.location} are damaged "
                f"({text}). Run `tradedesk rebuild` to re-create the store from the recorded "
                "sources."
            )
        return StoreError(
            f"Could not {action} in the Chroma store at {self.location} ({text}). Run "
            "`tradedesk doctor` to check the store; `tradedesk rebuild` re-creates it."
        )

    # -- client and collection ---------------------------------------------------------

    @property
    def client(self) -> ClientAPI:
        """The Chroma client (created on first use)."""
        with self._lock:
            if self._client is None and self._broken and self.path is not None:
                self._clear_chroma_cache()
            if self._client is None:
                with self._errors("open the store"):
                    import chromadb
                    from chromadb.config import Settings as ChromaSettings

                    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
                    if self.host is not None:
                        client = chromadb.HttpClient(
                            host=self.host, port=self.port, ssl=self.ssl,
                            headers=self._headers, settings=settings,
                        )
                        client.heartbeat()
                    else:
                        assert self.path is not None
                        self.path.mkdir(parents=True, exist_ok=True)
                        client = chromadb.PersistentClient(path=str(self.path), settings=settings)
                self._client = client
            return self._client

    def _check_model(self, col: Collection) -> None:
        meta = col.metadata or {}
        built_with = meta.get("embedding_model")
        if built_with is not None and built_with != self.embedder.name:
            raise ModelMismatchError(
                f"The collection {self.collection_name!r} at {self.location} was built with the "
                f"embedding model {built_with!r} (dimension {meta.get('embedding_dim')}), but "
                f"the configured model is {self.embedder.name!r}. Set "
                f"TRADEDESK_EMBEDDING_MODEL={built_with} to use it as it is, or rebuild it with "
                "the new model: `tradedesk rebuild` (or `tradedesk reset --yes` and ingest again)."
            )

    def collection(self, *, create: bool = True) -> Collection | None:
        """The Chroma collection, checked against the configured model.

        Args:
            create: create the collection when it does not exist yet.

        Returns:
            The collection, or None when it does not exist and ``create`` is false.
        """
        with self._lock:
            if self._collection is not None:
                return self._collection
            from chromadb.errors import NotFoundError

            with self._errors("open the collection"):
                try:
                    col = self.client.get_collection(self.collection_name)
                except (NotFoundError, ValueError) as exc:
                    if isinstance(exc, ValueError) and "does not exist" not in str(exc):
                        raise
                    if not create:
                        return None
                    col = self.client.get_or_create_collection(
                        self.collection_name,
                        embedding_function=None,
                        metadata={
                            "embedding_model": self.embedder.name,
                            "embedding_dim": self.embedder.dimension,
                            "created_by": "tradedesk",
                        },
                        configuration={
                            "hnsw": {
                                "space": "cosine",
                                "ef_construction": self.hnsw.ef_construction,
                                "ef_search": self.hnsw.ef_search,
                                "max_neighbors": self.hnsw.max_neighbors,
                            }
                        },
                    )
            self._check_model(col)
            self._collection = col
            return col

    def _col(self) -> Collection:
        col = self.collection(create=True)
        assert col is not None
        return col

    def exists(self) -> bool:
        """Whether the collection exists (without creating it)."""
        return self.collection(create=False) is not None

    def close(self) -> None:
        """Forget the client so the next call reconnects (or re-reads the files).

        An embedded client keeps its index in memory and does not see what another
        process wrote; reopening it does. Waits for searches in flight.
        """
        with self._rw.write(), self._lock:
            self._collection = None
            self._client = None
            self._broken = False
            if self.path is not None:
                self._clear_chroma_cache()

    @staticmethod
    def _clear_chroma_cache() -> None:
        """Forget Chroma's cached per-path systems (a reopened client re-reads the files)."""
        try:
            from chromadb.api.shared_system_client import SharedSystemClient

            SharedSystemClient.clear_system_cache()
        except Exception:  # noqa: BLE001 - best effort: only affects reopening
            pass

    def discard_files(self) -> Path | None:
        """Move the embedded store's files aside (damaged store); the next use starts empty."""
        import time

        if self.path is None:
            raise StoreError(
                f"The Chroma server at {self.location} cannot be reset from here: restart it "
                "with an empty --path, or delete the collection with the Chroma client."
            )
        self.close()
        if not self.path.exists():
            return None
        aside = self.path.with_name(f"{self.path.name}.damaged-{int(time.time())}")
        self.path.replace(aside)
        return aside

    # -- reads -------------------------------------------------------------------------

    def count(self) -> int:
        """Number of vectors in the collection (0 when it does not exist)."""
        with self._using("count the chunks"):
            col = self.collection(create=False)
            return int(col.count()) if col is not None else 0

    def ids(self, page: int = 5000) -> list[str]:
        """Every id in the collection."""
        out: list[str] = []
        with self._using("list the chunk ids"):
            col = self.collection(create=False)
            if col is None:
                return []
            offset = 0
            while True:
                got = col.get(include=[], limit=page, offset=offset)
                out.extend(got["ids"])
                if len(got["ids"]) < page:
                    break
                offset += page
        return out

    def get(self, ids: Sequence[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        """Documents and metadata of ``ids`` (missing ids are left out)."""
        if not ids:
            return {}
        with self._using("read chunks"):
            col = self.collection(create=False)
            if col is None:
                return {}
            out: dict[str, tuple[str, dict[str, Any]]] = {}
            for part in _slices(ids):
                got = col.get(ids=part, include=["documents", "metadatas"])
                docs = got.get("documents") or []
                metas = got.get("metadatas") or []
                for i, d, m in zip(got["ids"], docs, metas, strict=True):
                    out[i] = (d or "", dict(m or {}))
        return out

    def embeddings(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors of ``ids``."""
        if not ids:
            return {}
        with self._using("read vectors"):
            col = self.collection(create=False)
            if col is None:
                return {}
            vectors: dict[str, np.ndarray] = {}
            for part in _slices(ids):
                got = col.get(ids=part, include=["embeddings"])
                embs = got.get("embeddings")
                if embs is None:
                    continue
                for i, e in zip(got["ids"], embs, strict=True):
                    vectors[i] = np.asarray(e, dtype=np.float32)
        return vectors

    def query(
        self, vector: Sequence[float] | np.ndarray, k: int, where: dict[str, Any] | None = None
    ) -> list[Hit]:
        """The ``k`` nearest chunks to ``vector`` (cosine), optionally filtered by metadata."""
        if k <= 0:
            return []
        with self._using("search the store"):
            col = self.collection(create=False)
            if col is None:
                return []
            n = col.count()
            if n == 0:
                return []
            res = col.query(
                query_embeddings=[np.asarray(vector, dtype=np.float32).tolist()],
                n_results=min(k, n),
                where=where or None,
                include=["documents", "metadatas", "distances"],
            )
        ids = res["ids"][0]
        docs = (res.get("documents") or [[]])[0]
        metas = (res.get("metadatas") or [[]])[0]
        dists = (res.get("distances") or [[]])[0]
        return [
            Hit(id=i, text=d or "", metadata=dict(m or {}), score=1.0 - float(s))
            for i, d, m, s in zip(ids, docs, metas, dists, strict=True)
        ]

    # -- writes ------------------------------------------------------------------------

    def upsert(
        self,
        ids: Sequence[str],
        embeddings: np.ndarray,
        documents: Sequence[str],
        metadatas: Sequence[Metadata],
    ) -> None:
        """Write vectors (in batches the server accepts)."""
        if not ids:
            return
        if not (len(ids) == len(embeddings) == len(documents) == len(metadatas)):
            raise ValueError("ids, embeddings, documents and metadatas differ in length")
        with self._using("write chunks"):
            col = self._col()
            step = max(1, min(5000, int(self.client.get_max_batch_size())))
            for lo in range(0, len(ids), step):
                hi = lo + step
                col.upsert(
                    ids=list(ids[lo:hi]),
                    embeddings=np.asarray(embeddings[lo:hi], dtype=np.float32),
                    documents=list(documents[lo:hi]),
                    metadatas=[dict(m) for m in metadatas[lo:hi]],
                )

    def delete(self, ids: Sequence[str]) -> None:
        """Remove vectors by id (unknown ids are ignored)."""
        if not ids:
            return
        with self._using("delete chunks"):
            col = self.collection(create=False)
            if col is None:
                return
            step = 5000
            for lo in range(0, len(ids), step):
                col.delete(ids=list(ids[lo : lo + step]))

    def drop(self) -> None:
        """Delete the whole collection."""
        from chromadb.errors import NotFoundError

        with self._rw.write(), self._lock, self._errors("delete the collection"):
            try:
                self.client.delete_collection(self.collection_name)
            except (NotFoundError, ValueError):
                pass
            self._collection = None

    # -- LangChain view ----------------------------------------------------------------

    def langchain(self) -> Chroma:
        """The same collection as a ``langchain_chroma.Chroma`` vector store."""
        from langchain_chroma import Chroma

        self._col()
        return Chroma(
            client=self.client,
            collection_name=self.collection_name,
            embedding_function=self.embedder,
            create_collection_if_not_exists=False,
        )
