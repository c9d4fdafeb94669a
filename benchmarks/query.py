"""Query benchmark: ask() latency and retrieval recall on a ~10,000-chunk store, next to a naive
LangChain pipeline (RecursiveCharacterTextSplitter 1000/200 + Chroma.similarity_search k=4 +
the same extractive answer step), plus needle questions over Reuters-21578.

    python benchmarks/query.py                  # ~10k chunks: samples + corpus + Reuters
    python benchmarks/query.py --reuters 2000   # a smaller store
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from assistant import Assistant, Settings  # noqa: E402
from assistant.answering.passages import make_passages  # noqa: E402
from assistant.answering.question import analyse  # noqa: E402
from assistant.evaluate import fact_present, load_qa  # noqa: E402
from benchmarks.common import (  # noqa: E402
    ROOT,
    reuters_articles,
    save,
    table,
    write_jsonl,
)
from vectorstore.embeddings import Embedder  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


def pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def prefix(article_id: str) -> str:
    import re

    return re.sub(r"-[0-9a-f]{10}$", "", article_id.split(":", 1)[0])


def build_naive(assistant: Assistant, embedder: Embedder) -> Any:
    """The naive pipeline's store: 1000/200 character chunks in a second collection."""
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=1000, chunk_overlap=200, add_start_index=True
    )
    naive = Chroma(
        collection_name="naive-baseline",
        embedding_function=embedder,
        client=assistant.store.client,
        collection_configuration={"hnsw": {"space": "cosine"}},
    )
    texts, metas = [], []
    for art in assistant.articles():
        text = assistant.article_text(art.article_id)
        for doc in splitter.create_documents([text]):
            start = int(doc.metadata["start_index"])
            texts.append(doc.page_content)
            metas.append(
                {"article_id": art.article_id, "title": art.title, "source": art.source,
                 "date": art.date or "", "start": start, "end": start + len(doc.page_content)}
            )
    t0 = time.perf_counter()
    for lo in range(0, len(texts), 512):
        naive.add_texts(texts[lo : lo + 512], metadatas=metas[lo : lo + 512])
    print(f"naive store: {len(texts)} chunks in {time.perf_counter() - t0:.0f}s")
    return naive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reuters", type=int, default=6000, help="Reuters articles to add")
    args = parser.parse_args()
    qa = [item for conv in load_qa(ROOT / "tests" / "data" / "qa_dev.json") for item in conv]
    needles = json.loads((ROOT / "benchmarks" / "reuters_needles.json").read_text())["questions"]
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        # As `tradedesk ingest` does: the ingest exports the ONNX query encoder into the
        # store's home, so the serving Assistant below never imports torch.
        embedder = Embedder(onnx_dir=Settings(home=home).models_dir)
        feed = Path(tmp) / "reuters.jsonl"
        arts = list(reuters_articles())
        wanted = {n["article"] for n in needles}
        chosen = [a for a in arts if a["id"] in wanted] + [
            a for a in arts if a["id"] not in wanted
        ][: max(0, args.reuters - len(wanted))]
        write_jsonl(iter(chosen), feed)
        assistant = Assistant(Settings(home=home, max_file_mb=500), embedder=embedder)
        paths = [ROOT / "data" / "sample", feed] + ([CORPUS] if CORPUS.exists() else [])
        t0 = time.perf_counter()
        report = assistant.ingest(paths)
        n_chunks = assistant.records.count()[1]
        print(f"store: {n_chunks} chunks ({report.chunks_written} written in "
              f"{time.perf_counter() - t0:.0f}s)")
        naive = build_naive(assistant, embedder)
        # A fresh Assistant that serves queries the way the app does (ONNX query encoder).
        server = Assistant(Settings(home=home))
        server.ask("warm up")
        reuters_ids = {a["id"]: a for a in chosen}

        ours_lat, naive_lat, ours_hit, naive_hit, ours_ok, naive_ok = [], [], [], [], [], []
        history: list[tuple[str, str]] = []
        for item in qa:
            if item.turn == 0:
                history = []
            t0 = time.perf_counter()
            ans = server.ask(item.question, history)
            ours_lat.append(time.perf_counter() - t0)
            question = analyse(item.question, history)
            standalone = question.standalone
            history += [("user", item.question), ("assistant", ans.text)]
            t0 = time.perf_counter()
            docs = naive.similarity_search(standalone, k=4)
            for d in docs:
                d.metadata["chunk_id"] = f"{d.metadata['article_id']}:naive:{d.metadata['start']}"
            passages = make_passages(docs)
            naive_answer = server.extractive.draft(question, passages)
            naive_lat.append(time.perf_counter() - t0)
            if item.unanswerable:
                ours_ok.append(ans.refused)
                naive_ok.append(naive_answer.outcome != "answer")
                continue
            rows = server.records.chunks(ans.retrieved[:5])

            def gold(text: str, article_id: str) -> bool:
                return prefix(article_id) in item.articles and all(
                    fact_present(g, text) for g in item.expected
                )

            ours_hit.append(any(gold(r.text, r.article_id) for r in rows.values()))
            if not ours_hit[-1]:
                print(f"  gold passage not in our top 5: {item.id}: {item.question}")
            naive_hit.append(any(gold(d.page_content, d.metadata["article_id"]) for d in docs))
            facts = all(fact_present(g, ans.text) for g in item.expected)
            ours_ok.append(not ans.refused and facts)
            naive_text = " ".join(c.text for c in naive_answer.claims)
            naive_ok.append(
                naive_answer.outcome == "answer"
                and all(fact_present(g, naive_text) for g in item.expected)
            )

        needle_ours, needle_naive, needle_lat = [], [], []
        for n in needles:
            t0 = time.perf_counter()
            ans = server.ask(n["question"])
            needle_lat.append(time.perf_counter() - t0)
            needle_ours.append(all(fact_present(g, ans.text) for g in n["expected"]))
            ctx = " ".join(d.page_content for d in naive.similarity_search(n["question"], k=4))
            needle_naive.append(all(fact_present(g, ctx) for g in n["expected"]))
            if not needle_ours[-1]:
                print(f"  needle missed: {n['id']}: {ans.text[:120]!r}")
        assert all(n["article"] in reuters_ids for n in needles)

    def share(xs: list[bool]) -> float:
        return round(sum(xs) / len(xs), 4) if xs else 0.0

    results: dict[str, Any] = {
        "chunks": n_chunks,
        "dev_questions": len(qa),
        "ours_ask_p50_ms": round(pct(ours_lat, 50) * 1000, 1),
        "ours_ask_p95_ms": round(pct(ours_lat, 95) * 1000, 1),
        "naive_p50_ms": round(pct(naive_lat, 50) * 1000, 1),
        "naive_p95_ms": round(pct(naive_lat, 95) * 1000, 1),
        "ours_recall_at_5": share(ours_hit),
        "naive_recall_at_4": share(naive_hit),
        "ours_answer_accuracy": share(ours_ok),
        "naive_answer_accuracy": share(naive_ok),
        "needles": len(needles),
        "needle_fact_in_our_answer": share(needle_ours),
        "needle_fact_in_naive_context": share(needle_naive),
        "needle_ask_p50_ms": round(pct(needle_lat, 50) * 1000, 1),
    }
    table(f"ask() on a {n_chunks}-chunk store vs the naive LangChain pipeline",
          list(results.items()))
    save("query", results)


if __name__ == "__main__":
    main()
