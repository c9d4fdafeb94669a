"""Shared helpers of the benchmark scripts: synthetic articles, Reuters, tables, results."""

from __future__ import annotations

import gzip
import json
import os
import platform
import random
import resource
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
REUTERS = ROOT.parent / "shared" / "datasets" / "reuters-21578" / "reuters-21578.jsonl.gz"

COUNTRIES = [
    "Turkey", "Italy", "Germany", "China", "Japan", "Vietnam", "Brazil", "India", "Mexico",
    "Kenya", "Australia", "South Korea", "France", "Spain", "Canada", "Chile", "Egypt",
    "Indonesia", "Poland", "Nigeria", "Peru", "Morocco", "Thailand", "Norway",
]
SECTORS = [
    "automotive", "machinery", "chemicals", "steel", "textiles", "electronics", "soybeans",
    "iron ore", "LNG", "tea", "pharmaceuticals", "furniture", "copper", "wheat", "coffee",
]
TEMPLATES = [
    "{a}'s exports to {b} rose {p}% in {period} to ${v} billion, according to customs data.",
    "Shipments of {s} from {a} to {b} reached {q} million tonnes in {period}.",
    "The trade ministry in {city} said bilateral trade with {b} could reach ${t} billion by {y}.",
    "Imports of {s} fell {p}% year on year, the statistics office reported on {day} {month}.",
    "Analysts at a {city} bank expect {a}'s surplus with {b} to narrow in {y2}.",
    "{a} and {b} signed {n} agreements covering {s}, logistics and energy.",
    "Port officials in {city} handled {q} million TEU of containers bound for {b}.",
    "A delegation of {n} companies from {a} visited {b} to discuss {s} investment.",
    "The {s} sector accounted for {p}% of {a}'s shipments to {b} in {period}.",
    "Officials said tariffs on {s} would be cut by {p} percentage points from {month} {y}.",
]
CITIES = ["Ankara", "Rome", "Berlin", "Beijing", "Tokyo", "Hanoi", "Brasilia", "Mumbai",
          "Nairobi", "Canberra", "Seoul", "Paris", "Madrid", "Ottawa", "Lima", "Cairo"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
PERIODS = ["the first quarter of 2025", "the first five months of 2025", "2024", "May 2025",
           "the first half of 2024", "2023", "January-April 2025"]


def synthetic_articles(n: int, seed: int = 7) -> Iterator[dict[str, str]]:
    """Deterministic trade-news-like articles of ~250-450 words."""
    rng = random.Random(seed)
    for i in range(n):
        a, b = rng.sample(COUNTRIES, 2)
        sentences = []
        for _ in range(rng.randint(14, 24)):
            sentences.append(
                rng.choice(TEMPLATES).format(
                    a=a, b=b, s=rng.choice(SECTORS), city=rng.choice(CITIES),
                    p=round(rng.uniform(0.5, 40), 1), v=round(rng.uniform(0.2, 90), 2),
                    q=round(rng.uniform(0.1, 300), 1), t=rng.randint(5, 200),
                    y=rng.randint(2026, 2035), y2=rng.randint(2025, 2027),
                    n=rng.randint(2, 40), day=rng.randint(1, 28), month=rng.choice(MONTHS),
                    period=rng.choice(PERIODS),
                )
            )
        paragraphs = [" ".join(sentences[j : j + 4]) for j in range(0, len(sentences), 4)]
        yield {
            "id": f"synthetic-{i}",
            "title": f"{a} and {b} trade update no. {i}",
            "date": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "source": "Synthetic Wire",
            "text": "\n\n".join(paragraphs),
        }


def write_jsonl(articles: Iterator[dict[str, Any]], path: Path) -> int:
    """Write articles to a JSONL feed; returns the count."""
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        for art in articles:
            fh.write(json.dumps(art, ensure_ascii=False) + "\n")
            n += 1
    return n


def reuters_articles(limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Reuters-21578 articles from ../shared (id, title, date, text, ...)."""
    with gzip.open(REUTERS, "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if limit is not None and i >= limit:
                return
            obj = json.loads(line)
            obj["source"] = "Reuters"
            yield obj


def peak_rss_mb() -> float:
    """Peak resident memory of this process, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dir_size_mb(path: Path) -> float:
    """Total size of the files under ``path`` in MB."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def table(title: str, rows: list[tuple[str, Any]]) -> None:
    """Print a two-column table."""
    width = max(len(k) for k, _ in rows)
    print(f"\n{title}\n" + "-" * len(title))
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


def save(name: str, data: dict[str, Any]) -> Path:
    """Write results JSON with machine facts to benchmarks/results/NAME.json."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    data = {
        "benchmark": name,
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        **data,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2))
    print(f"\nwrote {path}")
    return path
