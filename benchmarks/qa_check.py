"""Check Q&A files against the article texts: every expected fact must be in a listed article.

Usage: python benchmarks/qa_check.py FILE.json [FILE.json ...]

Articles are looked up by id prefix: ``reuters-NEWID`` in ../shared/datasets/reuters-21578,
the file stem of data/sample/* and ../shared/corpus/* (and the url slug of a feed entry).
Exit code 1 when any item is malformed or any expected fact is not in its articles.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.evaluate import QUESTION_TYPES, fact_present  # noqa: E402
from ingest.loaders import load_file  # noqa: E402
from ingest.textio import clean_text  # noqa: E402

REUTERS = ROOT.parent / "shared" / "datasets" / "reuters-21578" / "reuters-21578.jsonl.gz"
LOCAL = [ROOT / "data" / "sample", ROOT.parent / "shared" / "corpus"]


@lru_cache(maxsize=1)
def reuters() -> dict[str, tuple[str, str, str]]:
    """``reuters-N -> (title, date, text)``."""
    out = {}
    with gzip.open(REUTERS, "rt", encoding="utf-8") as fh:
        for line in fh:
            obj = json.loads(line)
            out[obj["id"]] = (obj["title"], obj["date"], clean_text(obj["text"]))
    return out


@lru_cache(maxsize=1)
def local() -> dict[str, tuple[str, str, str]]:
    """``article-id prefix -> (title, date, text)`` of the sample and seed articles."""
    out = {}
    for folder in LOCAL:
        for path in sorted(folder.glob("*")):
            docs, _ = load_file(path, max_bytes=50_000_000)
            for d in docs:
                prefix = re.sub(r"-[0-9a-f]{10}$", "", d.article_id)
                out[prefix] = (d.title, d.date or "", d.text)
    return out


def article(prefix: str) -> tuple[str, str, str] | None:
    """Title, date and text of the article with this id prefix."""
    return reuters().get(prefix) or local().get(prefix)


def check_item(item: dict, where: str, problems: list[str], turn: bool = False) -> None:
    """Append what is wrong with one item (or turn) to ``problems``."""
    if not isinstance(item.get("question"), str) or len(item["question"]) < 8:
        problems.append(f"{where}: needs a 'question' string")
        return
    kind = item.get("type")
    if not turn and kind not in QUESTION_TYPES:
        problems.append(f"{where}: type {kind!r} is not one of {sorted(QUESTION_TYPES)}")
    expected = item.get("expected", [])
    no_answer = item.get("unanswerable", False)
    if kind == "unanswerable" and not no_answer:
        problems.append(f"{where}: type unanswerable needs 'unanswerable': true")
    if not no_answer and kind != "false_premise" and not expected:
        problems.append(f"{where}: needs 'expected' fact groups")
    if expected and not item.get("articles"):
        problems.append(f"{where}: needs 'articles' for its expected facts")
    texts = []
    for prefix in item.get("articles", []):
        found = article(prefix)
        if found is None:
            problems.append(f"{where}: no article with id prefix {prefix!r}")
        else:
            texts.append(found[0] + "\n" + found[2])
    for group in expected:
        if not isinstance(group, list) or not group or not all(isinstance(a, str) for a in group):
            problems.append(f"{where}: expected group {group!r} must be a list of strings")
            continue
        if texts and not any(fact_present(group, t) for t in texts):
            problems.append(f"{where}: none of {group!r} is in its articles")
    n = item.get("min_expected")
    if n is not None and not (isinstance(n, int) and 1 <= n <= len(expected)):
        problems.append(f"{where}: min_expected={n!r} must be 1..{len(expected)}")
    for phrase in item.get("forbidden", []):
        if not isinstance(phrase, str) or not phrase.strip():
            problems.append(f"{where}: forbidden phrases must be non-empty strings")


def check_file(path: Path, seen: dict[str, str]) -> list[str]:
    """Problems of one Q&A file (ids must be unique across all files checked)."""
    problems: list[str] = []
    data = json.loads(path.read_text(encoding="utf-8"))
    for n, item in enumerate(data.get("questions", []), start=1):
        ident = item.get("id") or f"#{n}"
        where = f"{path.name}:{ident}"
        if ident in seen:
            problems.append(f"{where}: id also used in {seen[ident]}")
        seen[ident] = path.name
        if "turns" in item:
            if item.get("type") != "followup":
                problems.append(f"{where}: a conversation ('turns') has type 'followup'")
            turns = item["turns"]
            if not isinstance(turns, list) or len(turns) < 2:
                problems.append(f"{where}: a conversation needs at least two turns")
                continue
            for i, t in enumerate(turns, start=1):
                check_item(t, f"{where}#{i}", problems, turn=True)
        else:
            check_item(item, where, problems)
    return problems


def main(argv: list[str]) -> int:
    """Check the files named on the command line; print problems and a summary."""
    seen: dict[str, str] = {}
    problems: list[str] = []
    counts: dict[str, int] = {}
    for name in argv:
        path = Path(name)
        problems += check_file(path, seen)
        for item in json.loads(path.read_text(encoding="utf-8")).get("questions", []):
            counts[item.get("type", "?")] = counts.get(item.get("type", "?"), 0) + 1
    for p in problems:
        print(p)
    print(f"{sum(counts.values())} items {dict(sorted(counts.items()))}; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
