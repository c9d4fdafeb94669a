"""Well-kept parsing libraries against the ledger's rules, each on the sub-task it serves.

    python benchmarks/ledger_libraries.py [tests/data/ledger/dev.json] [--json-out FILE]

On the annotated figures of the dev split (never the test split), each library reads
what it is built for, and the rules' reading of the same thing is scored beside it:

* ``number-parser`` — numbers in words and fractions (the figures written with a number
  word or a fraction: "six billion", "two-thirds", "7-3/4", "one mln"): the library's
  ``parse_number`` of the figure as written (and with "mln"/"bln" spelt out, its better
  reading) against the value the extractor gives that figure;
* ``quantulum3`` — quantity and unit in the sentence (its quantity overlapping the
  figure; units mapped to ISO codes and the ledger's unit names), and ``price-parser`` —
  amount and currency of the money figures (the figure with the three words after it),
  each against the extractor's value and unit;
* ``dateparser`` — relative dates with the article's date as ``RELATIVE_BASE`` ("last
  year", "in January", "last week", "yesterday", "last Thursday"), on the figures whose
  sentence names exactly one such phrase: the library's date, read as its month (its year
  for a phrase about a year), against the rules' reading of the same phrase
  (``dated_period_spans`` with the article's date); the extractor's period for those
  figures is shown too.

A reading is right when it matches the annotation (values as ``ledger_eval`` compares
them). The time per call is measured for each reader on the same inputs. quantulum3 runs
without its disambiguation classifier: the one it ships is pickled for an older
scikit-learn and does not load (``ModuleNotFoundError: _loss``); it then falls back to
its rules, as it does when scikit-learn is absent.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.ledger_check import locate  # noqa: E402
from benchmarks.ledger_eval import _unit, _value_ok, norm_map  # noqa: E402
from benchmarks.qa_check import article  # noqa: E402
from ingest.loaders import parse_date  # noqa: E402
from ingest.text.facts import Fact, extract_facts  # noqa: E402
from ingest.text.periods import date_year, dated_period_spans  # noqa: E402
from ingest.text.sentences import split_sentences  # noqa: E402

warnings.filterwarnings("ignore")

_WORDY = re.compile(
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|half|dozen|thirds?|quarters?|"
    r"fifths?)\b|\d[- ]\d{1,2}/\d{1,2}",
    re.I,
)
_RELATIVE = re.compile(
    r"\b(?:last|this|next) (?:year|month|week)\b|\byesterday\b|\btoday\b|"
    r"\b(?:last|on) (?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b|"
    r"\b(?:in|for|during) (?:January|February|March|April|May|June|July|August|September|"
    r"October|November|December)\b(?! \d)",
    re.I,
)
_ISO = {  # quantulum3 and price-parser names and symbols -> the ledger's units
    "united states dollar": "USD", "dollar": "USD", "$": "USD", "us$": "USD",
    "pound sterling": "GBP", "£": "GBP", "japanese yen": "JPY", "yen": "JPY", "¥": "JPY",
    "euro": "EUR", "€": "EUR", "swiss franc": "CHF", "percentage": "percent",
    "tonne": "tonnes", "ton": "tonnes", "short ton": "short tons", "long ton": "long tons",
    "barrel": "barrels", "ounce": "ounces", "troy ounce": "ounces", "pound-mass": "lbs",
    "bushel": "bushels", "kilogram": "kg", "hectare": "hectares", "acre": "acres",
    "cubic foot": "cubic feet", "cubic metre": "cubic metres", "dimensionless": "count",
}


def _figures(path: Path) -> list[dict[str, Any]]:
    """Every listed annotated figure with its sentence, span in it, and the extractor's fact."""
    records = json.loads(path.read_text(encoding="utf-8"))["sentences"]
    by_article: dict[str, list[dict]] = {}
    for r in records:
        by_article.setdefault(r["article"], []).append(r)
    out: list[dict[str, Any]] = []
    for art_id, recs in by_article.items():
        found = article(art_id)
        assert found is not None, art_id
        title, date, text = found
        iso = parse_date(date) if date else None
        facts = extract_facts(art_id, title, text, iso)
        pos = norm_map(text)
        back = {j: i for i, j in reversed(list(enumerate(pos)))}  # collapsed -> raw index
        sents = split_sentences(text)
        for r in recs:
            for ann in r["figures"]:
                if not ann["list"]:
                    continue
                a, b = locate(text, ann["figure"], ann["occurrence"])  # type: ignore[misc]
                ra, rb = back[a], back[b - 1] + 1
                sent = next((s for s in sents if s.start <= ra < s.end), None)
                if sent is None:
                    continue
                fact = next((f for f in facts if f.fig_start < rb and ra < f.fig_end), None)
                out.append({"ann": ann, "date": iso, "sentence": text[sent.start : sent.end],
                            "span": (ra - sent.start, rb - sent.start), "fact": fact,
                            "text": text[ra:rb]})
    return out


def _timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float]:
    t = time.perf_counter()
    try:
        got = fn(*args, **kwargs)
    except Exception:  # a library that fails on an input reads nothing
        got = None
    return got, time.perf_counter() - t


def _row(name: str, n: int, right: int, seconds: float) -> dict[str, Any]:
    return {"reader": name, "figures": n, "right": right,
            "rate": round(right / n, 4) if n else 0.0,
            "ms_per_call": round(1000 * seconds / n, 3) if n else 0.0}


def _fact_ok(fact: Fact | None, ann: dict) -> bool:
    return fact is not None and _value_ok(ann["value"], fact.value) and (
        _unit(ann["unit"]) == _unit(fact.unit))


def numbers(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """number-parser against the rules on figures written with number words or fractions."""
    from number_parser import parse_number

    from ingest.text.figures import extract_figures

    subset = [x for x in items if _WORDY.search(x["text"])]
    lib = lib_best = ours = 0
    t_lib = t_ours = 0.0
    for x in subset:
        want = x["ann"]["value"]
        text = x["text"]
        got, s = _timed(parse_number, text)
        t_lib += s
        spelt = re.sub(r"\bmln\b", "million", re.sub(r"\bbln\b", "billion", text))
        got2, _ = _timed(parse_number, spelt)
        lib += got is not None and _value_ok(want, float(got))
        lib_best += any(g is not None and _value_ok(want, float(g)) for g in (got, got2))
        mine, s = _timed(extract_figures, text)
        t_ours += s
        ours += bool(x["fact"] is not None and _value_ok(want, x["fact"].value))
    return [_row("number-parser parse_number (as written)", len(subset), lib, t_lib),
            _row("number-parser (mln/bln spelt out)", len(subset), lib_best, t_lib),
            _row("rules (extract_figures / the ledger)", len(subset), ours, t_ours)]


def quantities(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """quantulum3 and price-parser against the rules on value + unit."""
    import quantulum3.classifier as clf

    clf.USE_CLF = False  # the shipped classifier does not load with this scikit-learn
    from price_parser import Price
    from quantulum3 import parser as qparser

    qparser.parse("warm up 5 tonnes")
    q_right = 0
    t_q = 0.0
    by_sentence: dict[str, Any] = {}
    for x in items:
        sentence = x["sentence"]
        if sentence not in by_sentence:
            by_sentence[sentence], s = _timed(qparser.parse, sentence)
            t_q += s
        a, b = x["span"]
        hits = [q for q in by_sentence[sentence] or [] if q.span[0] < b and a < q.span[1]]
        if hits:
            q = hits[0]
            code = getattr(q.unit, "currency_code", None)
            unit = code or _ISO.get(q.unit.name.lower(), q.unit.name)
            q_right += _value_ok(x["ann"]["value"], float(q.value)) and (
                _unit(x["ann"]["unit"]) == _unit(unit))
    ours_all = sum(_fact_ok(x["fact"], x["ann"]) for x in items)
    money = [x for x in items if re.fullmatch(r"[A-Z]{3}", x["ann"]["unit"] or "")]
    p_right = 0
    t_p = 0.0
    for x in money:
        a, b = x["span"]
        local = " ".join([x["sentence"][a:b], *x["sentence"][b:].split()[:3]])
        got, s = _timed(Price.fromstring, local)
        t_p += s
        if got is not None and got.amount_float is not None:
            unit = _ISO.get((got.currency or "").lower(), got.currency or "")
            p_right += _value_ok(x["ann"]["value"], got.amount_float) and (
                _unit(x["ann"]["unit"]) == _unit(unit))
    ours_money = sum(_fact_ok(x["fact"], x["ann"]) for x in money)
    n_sent = max(len(by_sentence), 1)
    return [
        {**_row("quantulum3 (value+unit, all listed figures)", len(items), q_right, 0.0),
         "ms_per_call": round(1000 * t_q / n_sent, 3), "calls": "per sentence"},
        _row("rules (ledger value+unit, all listed figures)", len(items), ours_all, 0.0),
        _row("price-parser (amount+currency, money figures)", len(money), p_right, t_p),
        _row("rules (ledger value+unit, money figures)", len(money), ours_money, 0.0),
    ]


def _as_months(when: dt.datetime, phrase: str) -> tuple[str, str]:
    if re.search(r"\byear\b", phrase, re.I):
        return f"{when.year}-01", f"{when.year}-12"
    return f"{when.year}-{when.month:02d}", f"{when.year}-{when.month:02d}"


def dates(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """dateparser (RELATIVE_BASE = the article's date) against the rules' relative periods."""
    import dateparser

    dateparser.parse("yesterday")  # warm its language data
    subset = []
    for x in items:
        found = _RELATIVE.findall(x["sentence"])
        if len(found) == 1 and x["date"] and x["ann"]["period_start"]:
            subset.append((x, found[0]))
    lib = ours = ledger = 0
    t_lib = t_ours = 0.0
    for x, phrase in subset:
        want = (x["ann"]["period_start"], x["ann"]["period_end"])
        base = dt.datetime.fromisoformat(x["date"][:10])
        settings = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"}
        bare = re.sub(r"^(?:in|for|during|on)\s+", "", phrase, flags=re.I)
        got, s = _timed(dateparser.parse, bare, settings=settings)
        t_lib += s
        lib += got is not None and _as_months(got, phrase) == want
        spans, s = _timed(dated_period_spans, phrase, x["date"])
        t_ours += s
        if spans:
            p = date_year(spans[0][2], x["date"])
            if p.year is not None:
                ours += (f"{p.year}-{p.m1:02d}", f"{p.year}-{p.m2:02d}") == want
        f = x["fact"]
        ledger += f is not None and (f.period_start, f.period_end) == want
    return [_row("dateparser (RELATIVE_BASE = article date)", len(subset), lib, t_lib),
            _row("rules (dated_period_spans on the phrase)", len(subset), ours, t_ours),
            _row("ledger period of those figures (whole sentence read)", len(subset), ledger,
                 0.0)]


def main(argv: list[str]) -> int:
    """Print the table and write it as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path,
                        default=ROOT / "tests" / "data" / "ledger" / "dev.json")
    parser.add_argument("--json-out", type=Path,
                        default=ROOT / "benchmarks" / "results" / "ledger_libraries.json")
    args = parser.parse_args(argv)
    assert "test" not in args.file.name, "measure on the dev split only"
    items = _figures(args.file)
    table = {"numbers in words and fractions": numbers(items),
             "quantity and unit": quantities(items),
             "relative dates": dates(items)}
    for task, rows in table.items():
        print(f"## {task}")
        for r in rows:
            print(f"  {r['reader']:<55} {r['right']:>4}/{r['figures']:<4} {100 * r['rate']:5.1f}%"
                  f"  {r['ms_per_call']:8.3f} ms/call")
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(json.dumps({"split": args.file.name, **table}, indent=1) + "\n",
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
