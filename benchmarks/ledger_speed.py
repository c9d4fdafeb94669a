"""Fact extraction time per Reuters article, the new rules next to the old, and next to encoding.

    python benchmarks/ledger_speed.py [N] [OLD_COMMIT]   (defaults: 2000 articles, d7fb765)

The old rules run from a git worktree of OLD_COMMIT (the extractor before the
newswire rework), in a fresh process like the new ones; both extract the same N
Reuters-21578 articles. The reference measured in the same run is the raw
``SentenceTransformer.encode`` of the same articles' text (what ingest spends most of its
time on), so the extraction cost reads as a share of ingest: ingest stays within 5% of
its ratio to raw encode when the new extraction adds less than 5% of the encode time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

_TIMER = """
import gzip, json, sys, time
sys.path.insert(0, {root!r})
from ingest.loaders import parse_date
from ingest.text.facts import extract_facts
from ingest.textio import clean_text
rows = []
with gzip.open({data!r}, "rt", encoding="utf-8") as fh:
    for line in fh:
        o = json.loads(line)
        rows.append((o["id"], clean_text(o.get("title") or ""), clean_text(o["text"]),
                     parse_date(o.get("date"))))
        if len(rows) >= {n}:
            break
extract_facts(*rows[0])  # warm caches
start = time.perf_counter()
facts = sum(len(extract_facts(*r)) for r in rows)
print(json.dumps({{"seconds": time.perf_counter() - start, "facts": facts, "articles": len(rows)}}))
"""


def _time(root: Path, n: int) -> dict[str, float]:
    data = ROOT.parent / "shared" / "datasets" / "reuters-21578" / "reuters-21578.jsonl.gz"
    code = _TIMER.format(root=str(root), data=str(data), n=n)
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _encode(n: int) -> float:
    """Seconds to embed the same articles' text with the raw sentence-transformers model."""
    sys.path.insert(0, str(ROOT))
    import gzip

    from ingest.textio import clean_text
    from vectorstore.embeddings import Embedder

    data = ROOT.parent / "shared" / "datasets" / "reuters-21578" / "reuters-21578.jsonl.gz"
    texts = []
    with gzip.open(data, "rt", encoding="utf-8") as fh:
        for line in fh:
            texts.append(clean_text(json.loads(line)["text"]))
            if len(texts) >= n:
                break
    embedder = Embedder()
    model = embedder._load()  # the raw SentenceTransformer, as benchmarks/ingest.py uses it
    model.encode(texts[:8], show_progress_bar=False)
    start = time.perf_counter()
    model.encode(texts, batch_size=embedder.batch_size, normalize_embeddings=True,
                 convert_to_numpy=True, show_progress_bar=False)
    return time.perf_counter() - start


def main(argv: list[str]) -> None:
    """Time both and print (and write benchmarks/results/ledger_speed.json)."""
    n = int(argv[0]) if argv else 2000
    old = argv[1] if len(argv) > 1 else "d7fb765"
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "old"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), old],
                       check=True, capture_output=True)
        try:
            before = _time(tree, n)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                           check=False, capture_output=True)
    after = _time(ROOT, n)
    encode = _encode(min(n, 500)) * n / min(n, 500)
    result = {
        "articles": n,
        "old_ms_per_article": round(1000 * before["seconds"] / n, 2),
        "new_ms_per_article": round(1000 * after["seconds"] / n, 2),
        "old_facts": before["facts"],
        "new_facts": after["facts"],
        "encode_ms_per_article": round(1000 * encode / n, 2),
        "new_share_of_encode": round(after["seconds"] / encode, 4),
        "old_share_of_encode": round(before["seconds"] / encode, 4),
        "old_commit": old,
    }
    print(json.dumps(result, indent=1))
    (ROOT / "benchmarks" / "results" / "ledger_speed.json").write_text(
        json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
