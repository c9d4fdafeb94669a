"""Near-duplicate stories on Reuters-21578: groups, sizes, judged precision/recall, cost.

Usage:
    python benchmarks/dedup.py groups              # prints + groups of all 19,043 articles
    python benchmarks/dedup.py sample [--seed S]   # draw the pairs to judge (texts to a file
                                                   # outside the repo, ids to stdout)
    python benchmarks/dedup.py judged              # precision/recall on the judged sample
    python benchmarks/dedup.py cost [--articles N] # ingest with and without detection

``groups`` runs the detector exactly as ingest does (``ingest.stories``: prints in feed
order, each matched through the LSH index against the ones before it). ``judged`` reads
``benchmarks/dedup_judgements.json``: pairs of article ids and a verdict given by reading
both texts (``same``: copies, updates or corrections of one story; ``different``), never
the texts themselves. ``cost`` ingests the same articles into two fresh stores in one run,
with detection on and off, and reports the time detection took as a share of the ingest.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, reuters_articles, save, table, write_jsonl  # noqa: E402
from ingest.loaders import parse_date  # noqa: E402
from ingest.stories import (  # noqa: E402
    LSH_THRESHOLD_MARGIN,
    NUM_PERM,
    SCHEME,
    SEED,
    StoryIndex,
    StoryPrint,
    components,
    jaccard,
    near_duplicate,
    story_print,
)

JUDGED = ROOT / "benchmarks" / "dedup_judgements.json"
THRESHOLD = 0.5
WINDOW = 3
CANDIDATE_FLOOR = 0.2  # "below" pairs are drawn from LSH candidates at least this similar


def _prints() -> tuple[list[dict[str, Any]], dict[str, StoryPrint], float]:
    import warnings

    warnings.filterwarnings("ignore")  # dateutil's notes on the wire's time zones
    articles = list(reuters_articles())
    t0 = time.perf_counter()
    prints = {a["id"]: story_print(a["title"], a["text"], parse_date(a["date"]))
              for a in articles}
    return articles, prints, time.perf_counter() - t0


def _group(prints: dict[str, StoryPrint], threshold: float, window: int) -> tuple[
    list[tuple[str, str, float]], float
]:
    index = StoryIndex(threshold=threshold, window_days=window)
    pairs = []
    t0 = time.perf_counter()
    for article_id, p in prints.items():
        pairs += [(other, article_id, s) for other, s in index.matches(p)]
        index.add(article_id, p)
    return pairs, time.perf_counter() - t0


def cmd_groups(args: argparse.Namespace) -> None:
    articles, prints, print_s = _prints()
    rows = []
    results: dict[str, Any] = {"articles": len(articles), "print_seconds": round(print_s, 2),
                               "settings": []}
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        pairs, match_s = _group(prints, threshold, WINDOW)
        groups = [g for g in components([], [(a, b) for a, b, _ in pairs]) if len(g) > 1]
        sizes = Counter(len(g) for g in groups)
        rows.append((f"threshold {threshold}", f"{len(pairs)} pairs, {len(groups)} groups "
                     f"holding {sum(len(g) for g in groups)} articles, sizes "
                     f"{dict(sorted(sizes.items()))}, matching {match_s:.1f}s"))
        results["settings"].append({
            "threshold": threshold, "window_days": WINDOW, "pairs": len(pairs),
            "groups": len(groups), "articles_in_groups": sum(len(g) for g in groups),
            "sizes": {str(k): v for k, v in sorted(sizes.items())},
            "match_seconds": round(match_s, 2),
        })
    table(f"Reuters-21578: {len(articles)} articles, prints {print_s:.1f}s "
          f"({print_s / len(articles) * 1000:.2f} ms each); window {WINDOW} days", rows)
    save("dedup-groups", results)


def _candidates(prints: dict[str, StoryPrint]) -> list[tuple[str, str, float]]:
    """Every pair the LSH index proposes at ``CANDIDATE_FLOOR``, with its similarity."""
    from datasketch import LeanMinHash, MinHashLSH

    lsh = MinHashLSH(threshold=CANDIDATE_FLOOR, num_perm=NUM_PERM)
    out = []
    for article_id, p in prints.items():
        m = LeanMinHash(seed=SEED, hashvalues=p.signature, scheme=SCHEME)
        for other in lsh.query(m):
            s = jaccard(prints[other], p)
            if s >= CANDIDATE_FLOOR:
                out.append((str(other), article_id, s))
        if not p.empty:
            lsh.insert(article_id, m)
    return out


def cmd_sample(args: argparse.Namespace) -> None:
    articles, prints, _ = _prints()
    by_id = {a["id"]: a for a in articles}
    candidates = _candidates(prints)
    linked = {(a, b) for a, b, _ in _group(prints, THRESHOLD, WINDOW)[0]}
    above = [c for c in candidates if (c[0], c[1]) in linked]
    below = [c for c in candidates if (c[0], c[1]) not in linked]
    rng = random.Random(args.seed)
    picked = {"above": rng.sample(above, args.n), "below": rng.sample(below, args.n)}
    out = Path(args.texts)
    with out.open("w", encoding="utf-8") as fh:  # for reading; never part of the repo
        for side, pairs in picked.items():
            for a, b, s in pairs:
                fh.write(f"\n##### {side} {a} {b} similarity {s:.2f}\n")
                for x in (a, b):
                    art = by_id[x]
                    fh.write(f"--- {x} {art['date']}\n{art['title']}\n{art['text']}\n")
    print(json.dumps({
        "threshold": THRESHOLD, "window_days": WINDOW, "seed": args.seed,
        "population": {"above": len(above), "below": len(below)},
        "pairs": {side: [[a, b] for a, b, _ in pairs] for side, pairs in picked.items()},
    }, indent=1))
    print(f"texts for reading: {out}", file=sys.stderr)


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson interval of a proportion ``k / n``."""
    if not n:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _recall(p_above: float, p_below: float, pop: dict[str, int]) -> float:
    same_above, same_below = p_above * pop["above"], p_below * pop["below"]
    return same_above / (same_above + same_below) if same_above + same_below else 0.0


def cmd_judged(args: argparse.Namespace) -> None:
    data = json.loads(JUDGED.read_text())
    _, prints, _ = _prints()
    rows = []
    counts: dict[str, Counter[str]] = {"above": Counter(), "below": Counter()}
    for item in data["pairs"]:
        a, b = prints[item["a"]], prints[item["b"]]
        linked = near_duplicate(a, b, threshold=THRESHOLD, window_days=WINDOW) is not None
        side = "above" if linked else "below"
        if side != item["side"]:
            print(f"note: {item['a']} {item['b']} is now {side} (sampled {item['side']})")
        counts[side][item["verdict"]] += 1
    pop = data["population"]
    n_above, n_below = sum(counts["above"].values()), sum(counts["below"].values())
    p_above = counts["above"]["same"] / max(1, n_above)
    p_below = counts["below"]["same"] / max(1, n_below)
    recall = _recall(p_above, p_below, pop)
    lo_a, hi_a = wilson(counts["above"]["same"], n_above)
    lo_b, hi_b = wilson(counts["below"]["same"], n_below)
    recall_range = (_recall(lo_a, hi_b, pop), _recall(hi_a, lo_b, pop))
    rows += [
        ("linked pairs judged", f"{sum(counts['above'].values())}: "
         f"{counts['above']['same']} same story, {counts['above']['different']} different"),
        ("not linked, judged", f"{sum(counts['below'].values())}: "
         f"{counts['below']['same']} same story, {counts['below']['different']} different"),
        ("precision (linked pairs that are one story)",
         f"{p_above:.0%} (95% interval {lo_a:.0%}-{hi_a:.0%})"),
        ("recall (of same-story pairs among candidates >= "
         f"{CANDIDATE_FLOOR}, by population)",
         f"{recall:.0%} (interval {recall_range[0]:.0%}-{recall_range[1]:.0%})"),
    ]
    table(f"Judged sample (threshold {THRESHOLD}, window {WINDOW} days; populations "
          f"{pop['above']} linked, {pop['below']} other candidate pairs)", rows)
    save("dedup-judged", {"counts": {k: dict(v) for k, v in counts.items()},
                          "population": pop, "precision": p_above, "recall": recall,
                          "precision_interval": [lo_a, hi_a], "recall_interval": recall_range,
                          "same_rate_below": p_below})


def cmd_cost(args: argparse.Namespace) -> None:
    from assistant import Assistant, Settings
    from ingest.pipeline import Ingestor

    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(tmp) / "reuters.jsonl"
        n = write_jsonl(reuters_articles(args.articles), feed)
        runs: dict[str, list[dict[str, float]]] = {"on": [], "off": []}
        shared = None
        for i, mode in enumerate(["on", "off"] * args.repeat):
            a = Assistant(Settings(home=Path(tmp) / f"home-{i}"), embedder=shared)
            shared = a.embedder
            a.embedder.encode(["warm up"])
            if mode == "off":
                old = a.ingestor
                a.ingestor = Ingestor(
                    old.store, old.records, old.chunker, lock_path=old.lock_path,
                    max_file_bytes=old.max_file_bytes, dedup=False,
                )
            report = a.ingest([feed])
            assert len(report.added) == n, report.summary()
            groups = len(set(a.records.story_groups().values()))
            runs[mode].append({"seconds": report.seconds, "dedup_seconds": report.dedup_seconds,
                               "groups": groups})
            print(f"{mode}: {report.summary()}; detection {report.dedup_seconds:.2f}s, "
                  f"{groups} groups")
    on = min(r["seconds"] for r in runs["on"])
    off = min(r["seconds"] for r in runs["off"])
    inside = max(r["dedup_seconds"] / r["seconds"] for r in runs["on"])
    table(f"Cost of near-duplicate detection, {n} Reuters articles (best of {args.repeat})", [
        ("ingest with detection", f"{on:.1f}s"),
        ("ingest without detection (same run)", f"{off:.1f}s"),
        ("difference", f"{(on - off) / off:+.1%} of the ingest without detection"),
        ("detection's own time (prints, LSH, pairs) / ingest", f"{inside:.1%} (worst run)"),
    ])
    save("dedup-cost", {"articles": n, "runs": runs, "on_seconds": on, "off_seconds": off,
                        "difference": (on - off) / off, "detection_share": inside,
                        "lsh_threshold_margin": LSH_THRESHOLD_MARGIN})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("groups")
    sample = sub.add_parser("sample")
    sample.add_argument("--seed", type=int, default=2026)
    sample.add_argument("-n", type=int, default=50)
    sample.add_argument("--texts", default="/tmp/dedup-sample.txt")
    sub.add_parser("judged")
    cost = sub.add_parser("cost")
    cost.add_argument("--articles", type=int, default=3000)
    cost.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    {"groups": cmd_groups, "sample": cmd_sample, "judged": cmd_judged, "cost": cmd_cost}[
        args.cmd
    ](args)


if __name__ == "__main__":
    main()
