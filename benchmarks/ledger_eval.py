"""Score the fact extractor against the ledger annotations, field by field.

    python benchmarks/ledger_eval.py tests/data/ledger/dev.json [--json-out FILE] [--show N]

For every annotated article the extractor (``ingest.text.facts.extract_facts``) runs on
the article's text, title and date exactly as ingest gives them; each annotated figure is
matched to the extracted fact whose figure overlaps it (positions compared in the text
with whitespace collapsed). Reported over the listed figures: found, value+unit, kind,
reporter, partner, flow, sector, period (both months), and every field right; and over
the facts listed from annotated sentences, the share that are not figures worth listing
(a ``"list": false`` number, or a number the annotators left out as a year or a date).

Countries are compared as the gazetteer's canonical names ("West Germany" = "Germany"),
sectors as its canonical sectors where both sides have one, else as words; units
case-insensitively, with "tonne" = "tonnes".
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.ledger_check import locate  # noqa: E402
from benchmarks.qa_check import article  # noqa: E402
from ingest.loaders import parse_date  # noqa: E402
from ingest.text.facts import Fact, extract_facts  # noqa: E402
from ingest.text.gazetteer import countries, sectors  # noqa: E402

SCORED = ("found", "value_unit", "kind", "reporter", "partner", "flow", "sector", "period",
          "all_fields")


def norm_map(text: str) -> list[int]:
    """For each character of ``text``, its index in ``" ".join(text.split())``."""
    out: list[int] = []
    j = 0
    started = pending = False
    for ch in text:
        if ch.isspace():
            out.append(j)
            pending = started
            continue
        if pending:
            j += 1  # the one space that stands for the run
            pending = False
        out.append(j)
        j += 1
        started = True
    out.append(j)
    return out


def _country(name: str | None) -> str | None:
    if not name:
        return None
    found = countries(name)
    return next(iter(found)) if len(found) == 1 else name.strip().lower()


def _sector(name: str | None) -> str | None:
    if not name:
        return None
    found = sectors(name)
    if len(found) == 1:
        return next(iter(found))
    return name.strip().lower().rstrip("s")


def _unit(unit: str | None) -> str:
    u = (unit or "").strip().lower()
    u = {"tons": "tonnes", "tonne": "tonnes", "metric tons": "tonnes", "pct": "percent"}.get(u, u)
    return u.rstrip("s")


def _value_ok(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=2e-3, abs_tol=0.006)


def judge(ann: dict, fact: Fact | None) -> dict[str, bool]:
    """Which fields of a listed annotation the matched fact gets right."""
    if fact is None:
        return dict.fromkeys(SCORED, False)
    got = {
        "found": True,
        "value_unit": _value_ok(ann["value"], fact.value)
        and _unit(ann["unit"]) == _unit(fact.unit),
        "kind": ann["kind"] == fact.kind,
        "reporter": _country(ann["reporter"]) == _country(fact.reporter),
        "partner": _country(ann["partner"]) == _country(fact.partner),
        "flow": ann["flow"] == fact.flow,
        "sector": _sector(ann["sector"]) == _sector(fact.sector),
        "period": (ann["period_start"], ann["period_end"]) == (fact.period_start, fact.period_end),
    }
    got["all_fields"] = all(got.values())
    return got


@dataclass
class Report:
    """Counts over one annotation file."""

    listed: int = 0
    right: Counter[str] = field(default_factory=Counter)
    extracted: int = 0  # facts listed from annotated sentences
    junk: int = 0  # ... that are annotated "list": false
    unannotated: int = 0  # ... that overlap no annotated number
    misses: list[tuple[str, str, dict, dict | None]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """Rates per field, as fractions."""
        out: dict[str, object] = {"listed_figures": self.listed}
        for k in SCORED:
            out[k] = round(self.right[k] / self.listed, 4) if self.listed else 0.0
        out["extracted_in_annotated_sentences"] = self.extracted
        out["not_worth_listing"] = (
            round((self.junk + self.unannotated) / self.extracted, 4) if self.extracted else 0.0
        )
        out["not_worth_listing_annotated"] = (
            round(self.junk / self.extracted, 4) if self.extracted else 0.0
        )
        return out


def evaluate(path: Path) -> Report:
    """Run the extractor on every annotated article of ``path`` and score it."""
    records = json.loads(path.read_text(encoding="utf-8"))["sentences"]
    by_article: dict[str, list[dict]] = {}
    for r in records:
        by_article.setdefault(r["article"], []).append(r)
    report = Report()
    for art_id, recs in by_article.items():
        found = article(art_id)
        assert found is not None, art_id
        title, date, text = found
        facts = extract_facts(art_id, title, text, parse_date(date) if date else None)
        pos = norm_map(text)
        spans = [(pos[f.fig_start], pos[max(f.fig_end - 1, f.fig_start)] + 1) for f in facts]
        sent_spans = [(pos[f.start], pos[max(f.end - 1, f.start)] + 1) for f in facts]
        annotated_sentences: set[int] = set()
        taken: set[int] = set()
        for r in recs:
            for ann in r["figures"]:
                span = locate(text, ann["figure"], ann["occurrence"])
                assert span is not None, (r["id"], ann["figure"])
                a, b = span
                hits = [i for i, (x, y) in enumerate(spans) if x < b and a < y]
                best = max(hits, key=lambda i: min(b, spans[i][1]) - max(a, spans[i][0]),
                           default=None)
                for i, (x, y) in enumerate(sent_spans):
                    if x <= a < y:
                        annotated_sentences.add(i)
                if best is not None:
                    taken.add(best)
                if not ann["list"]:
                    report.junk += best is not None
                    continue
                report.listed += 1
                fact = facts[best] if best is not None else None
                got = judge(ann, fact)
                report.right.update(k for k, ok in got.items() if ok)
                if not got["all_fields"]:
                    report.misses.append((r["id"], art_id, ann, fact.to_dict() if fact else None))
        for i in annotated_sentences:
            report.extracted += 1
            if i not in taken:
                report.unannotated += 1
    return report


def _show(report: Report, n: int) -> None:
    keys = ("value", "unit", "kind", "reporter", "partner", "flow", "sector",
            "period_start", "period_end")
    for rid, art, ann, fact in report.misses[:n]:
        print(f"## {rid} {art} {ann['figure']!r}  ({ann.get('note', '')})")
        print("   want:", {k: ann[k] for k in keys})
        print("   got: ", {k: fact[k] for k in keys} if fact else None)


def main(argv: list[str]) -> int:
    """Print the per-field table (and some misses)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--json-out", type=Path)
    parser.add_argument("--show", type=int, default=0, help="print the first N misses")
    args = parser.parse_args(argv)
    results = {}
    for path in args.files:
        report = evaluate(path)
        results[path.stem] = report.as_dict()
        print(path.name, json.dumps(results[path.stem]))
        _show(report, args.show)
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
