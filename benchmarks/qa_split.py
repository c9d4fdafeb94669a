"""Split the authored Q&A parts once into tests/data/qa/dev.json and tests/data/qa/test.json.

Run once (done on 2026-12-01; the parts were removed afterwards, the two files are the set):

    python benchmarks/qa_split.py tests/data/qa/parts/*.json

Reuters questions are split by article (every question about one article lands on the
same side, so nothing tuned on dev can have seen a test article); questions about the
sample and seed articles, which are few and much asked about, are split by question;
both stratified by question type, by a hash of the id (deterministic).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "qa"
DROP = {"rtr-trade-004"}  # the same question as rtr-mac-002
# The sets the answer step was tuned on before this split: dev only, typed here.
LEGACY = ("qa_dev.json", "qa_holdout.json")
_ENTITY = {
    "ti-uav", "ti-hub", "eu-mercosur-where", "kessler-ceo", "ho-br-ore-terminals",
    "ho-de-top-partner", "ho-ti-indopacific", "ho-in-port", "ho-au-port",
}


def _legacy_type(item: dict) -> str:
    if "turns" in item:
        return "followup"
    if item.get("unanswerable"):
        return "unanswerable"
    if item["id"] in _ENTITY:
        return "entity"
    if item["id"] in ("ho-jp-port", "ho-us-landport"):
        return "list"
    return "figure"


def _legacy() -> list[dict]:
    out = []
    for name in LEGACY:
        path = OUT.parent / name
        for item in json.loads(path.read_text(encoding="utf-8"))["questions"]:
            out.append({"id": item["id"], "type": _legacy_type(item), **item})
    return out


def _articles(item: dict) -> list[str]:
    if "turns" in item:
        return [a for t in item["turns"] for a in t.get("articles", [])]
    return list(item.get("articles", []))


def _groups(items: list[dict]) -> dict[str, str]:
    """``item id -> group``: items sharing a Reuters article (directly or through others)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for it in items:
        for a in _articles(it):
            if a.startswith("reuters-"):
                parent[find("item:" + it["id"])] = find(a)
    return {it["id"]: find("item:" + it["id"]) for it in items}


def _rank(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def main(paths: list[str]) -> None:
    items = [
        it
        for p in paths
        for it in json.loads(Path(p).read_text(encoding="utf-8"))["questions"]
        if it["id"] not in DROP
    ]
    group_of = _groups(items)

    def _group(item: dict) -> str:
        return group_of.get(item["id"], item["id"])

    by_type: dict[str, list[dict]] = defaultdict(list)
    for it in items:
        by_type[it["type"]].append(it)
    test_groups: set[str] = set()
    # Groups (articles) go to test in hash order until half of each type's items is there.
    for kind in sorted(by_type):
        group_items: dict[str, list[dict]] = defaultdict(list)
        for it in by_type[kind]:
            group_items[_group(it)].append(it)
        target = len(by_type[kind]) / 2
        count = sum(len(v) for g, v in group_items.items() if g in test_groups)
        for g in sorted(group_items, key=_rank):
            if count >= target:
                break
            if g not in test_groups:
                test_groups.add(g)
                count += len(group_items[g])
    dev = [it for it in items if _group(it) not in test_groups] + _legacy()
    test = [it for it in items if _group(it) in test_groups]
    for name, part in (("dev", dev), ("test", test)):
        use = "tune on it" if name == "dev" else "never tune on it; report it"
        doc = {
            "description": (
                f"Trade Desk Q&A set, {name} split ({use}). Schema: tests/data/qa/README.md."
            ),
            "questions": part,
        }
        (OUT / f"{name}.json").write_text(
            json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        counts: dict[str, int] = defaultdict(int)
        for it in part:
            counts[it["type"]] += 1
        print(name, len(part), dict(sorted(counts.items())))


if __name__ == "__main__":
    main(sys.argv[1:])
