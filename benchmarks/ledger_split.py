"""Merge the drafted ledger annotations and split them once into dev and test (run once).

    python benchmarks/ledger_split.py PART.json [PART.json ...]

Reuters sentences are split by article (no test article is seen while tuning), stratified
by the part they came from (each part covers its own topics); the hand-checked ledgers of
`data/sample/` and the seed article (`tests/data/ledger_sample.json`,
`ledger_corpus.json`) are converted to the same form and split by article too. Writes
`tests/data/ledger/dev.json` and `test.json`; refuses to overwrite them.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.ledger_check import FIELDS, locate, normalise  # noqa: E402
from benchmarks.qa_check import article, local  # noqa: E402
from ingest.text.sentences import split_sentences  # noqa: E402

OUT = ROOT / "tests" / "data" / "ledger"
TEST_SHARE = 0.45


def _hand_checked(path: Path, part: str) -> list[dict]:
    """A hand-checked ledger file as sentence records (figures located in order)."""
    records = []
    for art in json.loads(path.read_text(encoding="utf-8"))["articles"]:
        stem = Path(art["file"]).stem
        if art["file"].endswith(".jsonl"):  # a feed: the entry with this title
            stem = next(
                (k for k, v in local().items() if v[0] == art["title"]), stem
            )
        found = article(stem)
        if found is None:
            raise SystemExit(f"{path.name}: no article {stem!r}")
        text = normalise(found[2])
        sentences = split_sentences(text)
        seen: dict[str, int] = {}
        by_sentence: dict[int, list[dict]] = {}
        last = -1
        for fact in art["facts"]:
            fig = fact["figure"]
            n = seen.get(fig, 0)
            span = locate(text, fig, n)
            while span is not None and span[0] < last:  # facts are listed in text order
                n += 1
                span = locate(text, fig, n)
            if span is None:
                raise SystemExit(f"{path.name}: {fig!r} not found in {stem}")
            seen[fig] = n + 1
            last = span[0]
            where = next(i for i, s in enumerate(sentences) if s.start <= span[0] < s.end)
            entry = {"figure": fig, "occurrence": n, "list": True}
            entry.update({k: fact[k] for k in FIELDS})
            by_sentence.setdefault(where, []).append(entry)
        for i, figs in sorted(by_sentence.items()):
            records.append({"id": "", "article": stem, "part": part, "figures": figs})
    return records


def main(argv: list[str]) -> int:
    """Merge, split, write."""
    if (OUT / "dev.json").exists() or (OUT / "test.json").exists():
        print("tests/data/ledger/{dev,test}.json exist: the split is made once")
        return 1
    records: list[dict] = []
    for name in argv:
        part = re.sub(r"^part-", "", Path(name).stem)
        for rec in json.loads(Path(name).read_text(encoding="utf-8"))["sentences"]:
            records.append({**rec, "part": part})
    records += _hand_checked(ROOT / "tests" / "data" / "ledger_sample.json", "sample")
    records += _hand_checked(ROOT / "tests" / "data" / "ledger_corpus.json", "seed")
    rng = random.Random(20261201)
    split: dict[str, list[dict]] = {"dev": [], "test": []}
    for part in sorted({r["part"] for r in records}):
        mine = [r for r in records if r["part"] == part]
        articles = sorted({r["article"] for r in mine})
        rng.shuffle(articles)
        test = set(articles[: round(len(articles) * TEST_SHARE)])
        for r in mine:
            split["test" if r["article"] in test else "dev"].append(r)
    OUT.mkdir(parents=True, exist_ok=True)
    for name, recs in split.items():
        for n, r in enumerate(recs, start=1):
            r["id"] = f"lg-{name}-{n:04d}"
        data = {
            "description": (
                f"Ledger annotations, {name} split (see README.md): figures named by their "
                "text and occurrence in the article, never the article's sentences."
            ),
            "sentences": recs,
        }
        (OUT / f"{name}.json").write_text(
            json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        listed = sum(f["list"] for r in recs for f in r["figures"])
        print(f"{name}: {len(recs)} sentences, {listed} listed figures, "
              f"{len({r['article'] for r in recs})} articles")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
