"""Build (or bring up to date) the evaluation store: all of Reuters-21578, data/sample, the seed.

Usage: python benchmarks/eval_store.py HOME

Every question of tests/data/qa meets real distractors: 19,043 newswire articles beside the
sample and seed articles. Reuters is written once as a JSONL feed under HOME (source
"Reuters"); ingesting is idempotent, so a second run costs seconds.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import REUTERS, ROOT, reuters_articles, write_jsonl  # noqa: E402


def main(home: Path) -> None:
    """Write the Reuters feed under ``home`` when missing, then ingest everything."""
    from assistant import Assistant, Settings

    feed = home / "feeds" / "reuters-21578.jsonl"
    if not feed.exists():
        if not REUTERS.exists():
            raise SystemExit(f"{REUTERS} is missing: the evaluation store needs Reuters-21578.")
        feed.parent.mkdir(parents=True, exist_ok=True)
        tmp = feed.with_suffix(".tmp")
        n = write_jsonl(reuters_articles(), tmp)
        tmp.replace(feed)
        print(f"wrote {n} Reuters articles to {feed}")
    sources = [feed, ROOT / "data" / "sample"]
    corpus = ROOT.parent / "shared" / "corpus"
    if corpus.exists():
        sources.append(corpus)
    t0 = time.perf_counter()
    a = Assistant(Settings(home=home))
    report = a.ingest(sources)
    print(f"{report.summary()} ({time.perf_counter() - t0:.0f}s); {a.stats()['chunks']} chunks")
    if report.failed:
        for f in report.failed[:10]:
            print(f"failed {f.path}: {f.reason}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / ".eval-home").resolve())
