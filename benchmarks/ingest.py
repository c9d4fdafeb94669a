"""Ingest benchmark: chunks/s of a full ingest next to raw SentenceTransformer.encode on the
same chunks, the cost of a no-change re-ingest, and (with --reuters) the real Reuters-21578
corpus with HNSW recall@10 against exact search.

    python benchmarks/ingest.py                 # 2,000 generated and 2,000 Reuters articles
    python benchmarks/ingest.py --reuters       # plus the full Reuters-21578 store
    python benchmarks/ingest.py --articles 0 --sample 0 --reuters --chunk-words 80 --keep DIR
                                                # a ~50k-chunk Reuters store (HNSW recall)
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, this folder would shadow the `ingest` package: use the repo root instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import numpy as np  # noqa: E402

from assistant import Assistant, Settings  # noqa: E402
from benchmarks.common import (  # noqa: E402
    REUTERS,
    dir_size_mb,
    peak_rss_mb,
    reuters_articles,
    save,
    synthetic_articles,
    table,
    write_jsonl,
)
from ingest.chunking import embed_text  # noqa: E402
from vectorstore.embeddings import Embedder  # noqa: E402


def raw_encode_rate(embedder: Embedder, texts: list[str]) -> float:
    """Chunks/s of SentenceTransformer.encode alone (same model, precision and batch size)."""
    model = embedder._load()
    t0 = time.perf_counter()
    model.encode(texts, batch_size=embedder.batch_size, normalize_embeddings=True,
                 convert_to_numpy=True, show_progress_bar=False)
    return len(texts) / (time.perf_counter() - t0)


def embedded_texts(assistant: Assistant) -> list[str]:
    """The exact texts the ingest embedded (title prefix + passage), from the records."""
    out = []
    titles = {a.article_id: assistant.chunker.title_prefix(a.title) for a in assistant.articles()}
    for cid, row in assistant.records.chunks(assistant.records.chunk_ids()).items():
        out.append(embed_text(titles[row.article_id], row.text))
    return out


def hnsw_recall(assistant: Assistant, n_queries: int = 200, k: int = 10) -> float:
    """Top-k recall of Chroma's HNSW search against exact (brute-force) cosine search.

    The queries are real text: the titles of randomly chosen articles (short,
    question-like, and not stored as such).
    """
    ids = assistant.store.ids()
    vecs = assistant.store.embeddings(ids)
    matrix = np.stack([vecs[i] for i in ids])
    rng = np.random.default_rng(0)
    titles = sorted({a.title for a in assistant.articles() if a.title})
    picks = rng.choice(len(titles), size=min(n_queries, len(titles)), replace=False)
    queries = assistant.embedder.encode([titles[p] for p in picks])
    id_array = np.array(ids)
    hits = 0
    for q in queries:
        exact = set(id_array[np.argsort(-(matrix @ q))[:k]])
        approx = {h.id for h in assistant.store.query(q, k)}
        hits += len(exact & approx)
    return hits / (len(queries) * k)


def run(
    name: str, feed: Path, home: Path, embedder: Embedder, recall: bool, chunk_words: int = 160
) -> dict[str, object]:
    settings = Settings(
        home=home, max_file_mb=500, chunk_words=chunk_words,
        chunk_max_words=chunk_words + 40,  # 160/200 are the defaults
    )
    assistant = Assistant(settings, embedder=embedder)
    embedder.encode(["warm up"])
    t0 = time.perf_counter()
    report = assistant.ingest([feed])
    first = time.perf_counter() - t0
    for failure in report.failed[:5]:
        print(f"  failed: {failure.path}: {failure.reason}")
    n_chunks = report.chunks_written
    texts = embedded_texts(assistant)
    raw = raw_encode_rate(embedder, texts)
    t0 = time.perf_counter()
    again = assistant.ingest([feed])
    second = time.perf_counter() - t0
    rate = n_chunks / first
    result: dict[str, object] = {
        "articles": len(report.added),
        "chunks": n_chunks,
        "failed": len(report.failed),
        "ingest_seconds": round(first, 2),
        "ingest_chunks_per_s": round(rate, 1),
        "raw_encode_chunks_per_s": round(raw, 1),
        "ingest_vs_raw_encode": round(rate / raw, 3),
        "reingest_seconds": round(second, 2),
        "reingest_share_of_first": round(second / first, 4),
        "reingest_embedded": again.embedded,
        "store_mb": round(dir_size_mb(home), 1),
        "precision": embedder.precision,
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
    if recall:
        result["hnsw_recall_at_10"] = round(hnsw_recall(assistant), 4)
        # As `tradedesk ingest` does, so that `scale.py --serve` on a kept store runs
        # without torch.
        Embedder(onnx_dir=settings.models_dir).ensure_onnx()
    table(f"{name}: ingest", [(k, v) for k, v in result.items()])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=2000, help="generated articles")
    parser.add_argument("--sample", type=int, default=2000,
                        help="Reuters articles for the realistic run (0 to skip)")
    parser.add_argument("--reuters", action="store_true", help="also ingest all Reuters-21578")
    parser.add_argument("--keep", type=Path, help="keep the Reuters store in this folder")
    parser.add_argument("--chunk-words", type=int, default=160,
                        help="chunk size for the full Reuters run (80 gives ~50k chunks)")
    args = parser.parse_args()
    embedder = Embedder()
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        if args.articles:
            feed = tmpdir / "synthetic.jsonl"
            write_jsonl(synthetic_articles(args.articles), feed)
            results["synthetic"] = run(
                f"{args.articles} generated articles", feed, tmpdir / "home", embedder,
                recall=False,
            )
        if args.sample and REUTERS.exists():
            # Real newswire: ~6 figures per article where the generated ones have ~19,
            # so the fact ledger costs less here; this is the realistic figure.
            sfeed = tmpdir / "reuters-sample.jsonl"
            write_jsonl(reuters_articles(args.sample), sfeed)
            results["reuters_sample"] = run(
                f"{args.sample} Reuters articles", sfeed, tmpdir / "sample-home", embedder,
                recall=False,
            )
        if args.reuters:
            if not REUTERS.exists():
                raise SystemExit(f"Reuters not found at {REUTERS}")
            rfeed = tmpdir / "reuters.jsonl"
            write_jsonl(reuters_articles(), rfeed)
            home = args.keep or tmpdir / "reuters-home"
            if args.keep:
                shutil.rmtree(home, ignore_errors=True)
            full = run(
                f"Reuters-21578 ({args.chunk_words}-word chunks)", rfeed, home, embedder,
                recall=True, chunk_words=args.chunk_words,
            )
            results["reuters"] = {**full, "chunk_words": args.chunk_words}
    save("ingest", results)


if __name__ == "__main__":
    main()
