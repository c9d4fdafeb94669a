"""The embedding model as ONNX for the query path: no torch import, ~3x lower latency.

``export_onnx`` converts the sentence-transformers model (a BERT encoder plus mean
pooling) with ``torch.onnx.export``; ``OnnxEncoder`` runs it with onnxruntime and
the model's fast tokenizer, pooling and normalising in numpy. Its vectors agree
with the torch model's to cosine > 0.9999.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["OnnxEncoder", "export_onnx"]


def export_onnx(model_dir: Path, out: Path) -> Path:
    """Export the transformer of a sentence-transformers model to ONNX (needs torch + onnx)."""
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()

    class Encoder(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    ids = torch.ones((2, 8), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, suffix=".onnx.tmp")
    os.close(fd)
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Encoder(model),
                (ids, torch.ones_like(ids), torch.zeros_like(ids)),
                tmp,
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes={
                    "input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                    "last_hidden_state": axes,
                },
                opset_version=17,
                dynamo=False,
            )
        os.replace(tmp, out)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return out


class OnnxEncoder:
    """Mean-pooled, normalised sentence vectors from an exported model.

    Args:
        onnx_path: the exported model.
        tokenizer_path: the model's ``tokenizer.json``.
        max_length: word pieces per text (longer texts are truncated).
        threads: onnxruntime intra-op threads.
    """

    def __init__(
        self, onnx_path: Path, tokenizer_path: Path, *, max_length: int = 256, threads: int = 2
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        # Idle threads sleep instead of spinning: on a busy machine (other processes on
        # the same cores) spinning workers fight for the CPU and a call takes 2-3x longer.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(
            str(onnx_path), opts, providers=["CPUExecutionProvider"]
        )
        tok = Tokenizer.from_file(str(tokenizer_path))
        tok.enable_truncation(max_length)
        tok.no_padding()
        self.tokenizer = tok
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Unit vectors, one row per text (batches of similar lengths, see ``_batches``)."""
        encs = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(encs)), key=lambda i: len(encs[i].ids))
        out: list[np.ndarray | None] = [None] * len(encs)
        for idx in _batches([len(encs[i].ids) for i in order], order, batch_size):
            width = max(len(encs[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                n = len(encs[i].ids)
                ids[row, :n] = encs[i].ids
                mask[row, :n] = 1
            hidden = self.session.run(
                None,
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )[0]
            summed = (hidden * mask[..., None]).sum(axis=1)
            vecs = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
            for row, i in enumerate(idx):
                out[i] = vecs[row].astype(np.float32)
        return np.stack([v for v in out if v is not None])


_CALL_COST = 16
"""The fixed cost of one ``session.run``, in word pieces (a CPU run costs ~1 per piece)."""


def _batches(lengths: Sequence[int], order: Sequence[int], batch_size: int) -> list[list[int]]:
    """Split texts sorted by length into batches that waste the least on padding.

    A batch costs its rows times its longest text (every row is padded to it) plus a
    fixed cost per run; one long sentence in a batch of short ones multiplies the work.
    The split minimising the total (contiguous runs of the sorted order, at most
    ``batch_size`` rows each) is found by dynamic programming. A text's vector does not
    depend on its batch (the padding is masked).
    """
    n = len(lengths)
    best = [0] * (n + 1)  # best[j]: the cheapest cost of the first j texts
    cut = [0] * (n + 1)
    for j in range(1, n + 1):
        best[j] = -1
        for i in range(max(0, j - batch_size), j):
            cost = best[i] + _CALL_COST + (j - i) * lengths[j - 1]
            if best[j] < 0 or cost < best[j]:
                best[j], cut[j] = cost, i
    out: list[list[int]] = []
    j = n
    while j > 0:
        out.append(list(order[cut[j] : j]))
        j = cut[j]
    return out[::-1]
