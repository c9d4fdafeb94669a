"""Scale benchmark: one store grown to 1k, 10k and all 19,043 Reuters-21578 articles.

At each size: ingest chunks/s (next to raw SentenceTransformer.encode on the same chunks),
ask() p50/p95 latency in a fresh serving process (as the app runs: ONNX query encoder,
no torch), that process's cold start to first answer and peak RSS, and the store's size
on disk. The figures show how each grows with the store.

    python benchmarks/scale.py                  # 1000, 10000, all
    python benchmarks/scale.py --sizes 500 2000
    python benchmarks/scale.py --keep DIR       # keep the full store; then --serve DIR
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from benchmarks.common import (  # noqa: E402
    ROOT,
    dir_size_mb,
    peak_rss_mb,
    reuters_articles,
    save,
    write_jsonl,
)

QUESTIONS = [
    "How large was Peru's trade deficit in 1986?",
    "What trade surplus did South Korea record in 1986?",
    "What was Britain's visible trade deficit in February 1987?",
    "By how much did West German import prices fall in February?",
    "What was Japan's trade surplus in the first 10 days of June?",
    "How large was the U.S. trade deficit in 1986 according to Baker?",
    "What was the overall U.S. January trade deficit?",
    "How many tonnes of sugar offered to intervention in the Netherlands were refused?",
    "What is the Fed's discount rate after the last increase?",
    "What did OPEC decide about oil production quotas?",
    "How much wheat did the Soviet Union buy from the United States?",
    "What was Brazil's coffee export registration for March?",
    "How much gold did South Africa produce?",
    "What did the Bundesbank do with interest rates?",
    "What is the population of Australia?",
    "How much did Turkey export to Italy in 2025?",
]

SERVE = """
import json, resource, statistics, sys, time
t0 = time.perf_counter()
from assistant import Assistant, Settings
a = Assistant(Settings(home=sys.argv[1]))
def peak_mb():  # VmHWM: this process's own peak (ru_maxrss would include the parent's
    for line in open("/proc/self/status"):  # image from before exec)
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
first = a.ask(sys.argv[2])
cold = time.perf_counter() - t0
def timed(questions):
    lat = []
    for q in questions:
        t = time.perf_counter(); a.ask(q); lat.append(time.perf_counter() - t)
    return statistics.quantiles(lat, n=100, method="inclusive")
fresh = timed(json.loads(sys.argv[3]))   # each question asked for the first time
again = timed(json.loads(sys.argv[3]))   # the same questions again (sentence cache warm)
print(json.dumps({"cold_start_s": cold, "p50_ms": fresh[49] * 1000, "p95_ms": fresh[94] * 1000,
                  "repeat_p50_ms": again[49] * 1000,
                  "serve_peak_rss_mb": peak_mb(),
                  "torch_loaded": "torch" in sys.modules}))
"""
COLD_QUESTION = "What were Japan's exports to the United States in 1986?"


def serve_stats(home: Path, query_encoder: str = "auto") -> dict[str, Any]:
    """Open the store in a fresh process, answer the questions, report latency and memory."""
    out = subprocess.run(
        [sys.executable, "-c", SERVE, str(home), COLD_QUESTION, json.dumps(QUESTIONS)],
        capture_output=True, text=True, check=True, cwd=ROOT,
        env={"HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "PATH": "/usr/bin:/bin",
             "TRADEDESK_QUERY_ENCODER": query_encoder},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 0],
                        help="article counts; 0 = all")
    parser.add_argument("--keep", type=Path, help="build (and keep) the store in this folder")
    parser.add_argument("--serve", type=Path, metavar="HOME",
                        help="only measure serving an existing store (cold start, ask, RSS)")
    parser.add_argument("--query-encoder", default="auto", choices=["auto", "onnx", "torch"],
                        help="with --serve: the serving process's TRADEDESK_QUERY_ENCODER")
    args = parser.parse_args()
    if args.serve:
        stats = serve_stats(args.serve, args.query_encoder)
        print(json.dumps(stats))
        save(f"serve-{args.serve.name}-{args.query_encoder}", {"home": str(args.serve), **stats})
        return
    from assistant import Assistant, Settings
    from benchmarks.ingest import embedded_texts, hnsw_recall, raw_encode_rate
    from vectorstore.embeddings import Embedder

    articles = list(reuters_articles())
    sizes = [s or len(articles) for s in args.sizes]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        home = args.keep or Path(tmp) / "home"
        if args.keep:
            shutil.rmtree(home, ignore_errors=True)
        # As `tradedesk ingest` does: the ingest exports the ONNX query encoder into the
        # store's home, so the serving process never imports torch.
        embedder = Embedder(onnx_dir=Settings(home=home).models_dir)
        embedder.encode(["warm up"])
        t0 = time.perf_counter()
        embedder.ensure_onnx()  # once per store; not part of any step's ingest rate
        print(f"ONNX query encoder exported in {time.perf_counter() - t0:.1f}s", flush=True)
        done = 0
        ingest_s = 0.0
        for n, size in enumerate(sorted(sizes)):
            feed = Path(tmp) / f"reuters-part{n}.jsonl"
            write_jsonl(iter(articles[done:size]), feed)
            assistant = Assistant(Settings(home=home, max_file_mb=500), embedder=embedder)
            t0 = time.perf_counter()
            report = assistant.ingest([feed])
            seconds = time.perf_counter() - t0
            ingest_s += seconds
            done = size
            texts = embedded_texts(assistant)[-min(2000, report.chunks_written):]
            raw = raw_encode_rate(embedder, texts)
            serve = serve_stats(home)
            chunks = assistant.records.count()[1]
            row = {
                "articles": size,
                "chunks": chunks,
                "ingest_chunks_per_s": round(report.chunks_written / seconds, 1),
                "raw_encode_chunks_per_s": round(raw, 1),
                "ingest_vs_raw": round(report.chunks_written / seconds / raw, 3),
                "ingest_total_s": round(ingest_s, 1),
                "ask_p50_ms": round(serve["p50_ms"], 1),
                "ask_p95_ms": round(serve["p95_ms"], 1),
                "ask_repeat_p50_ms": round(serve["repeat_p50_ms"], 1),
                "cold_start_s": round(serve["cold_start_s"], 2),
                "serve_peak_rss_mb": round(serve["serve_peak_rss_mb"], 1),
                "torch_loaded_when_serving": serve["torch_loaded"],
                "disk_mb": round(dir_size_mb(home), 1),
                "hnsw_recall_at_10": round(hnsw_recall(assistant, n_queries=100), 4),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    cols = list(rows[0])
    print("\nReuters-21578 at growing sizes\n" + "  ".join(f"{c:>12}" for c in cols))
    for r in rows:
        print("  ".join(f"{str(r[c]):>12}" for c in cols))
    save("scale", {"sizes": rows, "ingest_process_peak_rss_mb": round(peak_rss_mb(), 1)})


if __name__ == "__main__":
    main()
