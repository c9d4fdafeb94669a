"""A mutation test of the verifier: faithful restatements pass, changed facts do not.

    python benchmarks/verifier_mutations.py [--reuters N] [--skip M] [--no-local]
                                            [--dev-texts DIR] [--show KIND]

The reported run is the default (the local articles and the first 150 Reuters stories).
Rules are tuned on other slices: ``--skip 150 --reuters 300 --no-local`` (Reuters stories
151-450 only), ``--skip 450 --reuters 400 --no-local`` (stories 451-850), and
``--reuters 0 --no-local --dev-texts benchmarks/mutation_dev`` (short articles written for
tuning, in the local articles' style, with number words the Reuters stories seldom have),
so that the reported figures are not the ones the rules were fitted to.

From real source sentences (`data/sample/`, `../shared/corpus/` and N Reuters-21578
trade and macro stories), each sentence stating a figure is restated faithfully (as
written, with the figure written another way, after a lead-in) and mutated, one change
at a time: the figure swapped for another figure of the same article; the direction or
kind word changed (the rise / fall word of a figure, a share, a forecast); the period
shifted (year ± 1, another month, months for years); the subject changed (another
country, the two countries swapped, another product); the unit or currency changed
(million / billion, $ / €, percent / points); a number word changed. Each restatement is
verified as an answer sentence citing its article ("... [1]."), with the lexical similarity
of the fast tier. Reported per kind: the share of faithful restatements accepted and of
mutants rejected.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import re
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.answering.passages import Passage, make_passages  # noqa: E402
from assistant.answering.verify import lexical_overlap, split_claims, verify_claims  # noqa: E402
from assistant.documents import to_document  # noqa: E402
from ingest.loaders import load_file, parse_date  # noqa: E402
from ingest.records import ChunkRow  # noqa: E402
from ingest.text.facts import extract_facts  # noqa: E402
from ingest.text.figures import extract_figures  # noqa: E402
from ingest.text.gazetteer import COUNTRY_NAMES, country_mentions  # noqa: E402
from ingest.text.sentences import flowing  # noqa: E402
from ingest.textio import clean_text  # noqa: E402

REUTERS = ROOT.parent / "shared" / "datasets" / "reuters-21578" / "reuters-21578.jsonl.gz"
LOCAL = [ROOT / "data" / "sample", ROOT.parent / "shared" / "corpus"]
TOPICS = {"trade", "bop", "gnp", "cpi", "money-supply", "reserves", "jobs", "ipi"}


@dataclass(frozen=True)
class Case:
    """One restatement of a source sentence: faithful or one kind of mutant."""

    kind: str  # "faithful:..." or "mutant:..."
    claim: str
    passage: Passage
    source: str


@dataclass(frozen=True)
class _Article:
    article_id: str
    title: str
    text: str
    date: str | None


def articles(reuters: int, skip: int = 0, local: bool = True,
             texts: Path | None = None) -> list[_Article]:
    """The sample and seed articles, and ``reuters`` trade and macro stories after ``skip``.

    ``texts``: a folder of more articles (the tuning texts), read like the local ones.
    """
    out = []
    for folder in (LOCAL if local else []) + ([texts] if texts else []):
        for path in sorted(folder.glob("*")):
            if folder == texts and path.name.startswith("README"):
                continue
            for d in load_file(path, max_bytes=50_000_000)[0]:
                out.append(_Article(d.article_id, d.title, d.text, d.date))
    if reuters and REUTERS.exists():
        n = 0
        with gzip.open(REUTERS, "rt", encoding="utf-8") as fh:
            for line in fh:
                o = json.loads(line)
                if not set(o["topics"][:1]) & TOPICS:
                    continue
                if skip:
                    skip -= 1
                    continue
                out.append(_Article(o["id"], clean_text(o["title"]), clean_text(o["text"]),
                                    parse_date(o["date"])))
                n += 1
                if n >= reuters:
                    break
    return out


def _passage(a: _Article) -> Passage:
    row = ChunkRow(
        chunk_id=f"{a.article_id}:0000000000:0000", article_id=a.article_id, index=0, start=0,
        end=len(a.text), page=None, text=a.text, title=a.title, source="test", date=a.date,
        url=None,
    )
    return make_passages([to_document(row, rank=0, dense=0.6)])[0]


_UP = {"rose": "fell", "grew": "fell", "increased": "decreased", "up": "down",
       "higher": "lower", "rise": "fall", "increase": "decrease", "growth": "decline",
       "climbed": "fell", "gained": "lost", "jumped": "dropped", "widened": "narrowed"}
_DOWN = {v: k for k, v in _UP.items()} | {"declined": "rose", "dropped": "rose",
                                          "decline": "rise", "slid": "rose", "slipped": "rose"}
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
_SECTORS = ["cars", "chemicals", "steel", "coffee", "wheat", "machinery", "textiles"]


def _sub_once(pattern: str, repl: str, text: str, flags: int = 0) -> str | None:
    new, n = re.subn(pattern, repl, text, count=1, flags=flags)
    return new if n and new != text else None


def mutants(sentence: str, others: list[str]) -> Iterator[tuple[str, str]]:
    """``(kind, mutated sentence)`` for one source sentence (each changes one fact)."""
    figures = extract_figures(sentence)
    if not figures:
        return
    f = figures[0]
    # the figure swapped for another of the article (not stated in this sentence), of
    # another value ("eight pct" for the "eight" of "eight and 10 per cent" is the same)
    swap = next((o for o in others if o not in sentence and o != f.text
                 and not any(math.isclose(g.value, f.value) for g in extract_figures(o))),
                None)
    if swap:
        yield "figure swapped", sentence[: f.start] + swap + sentence[f.end :]
    # the direction word of a figure (the nearest before it in its clause)
    flip = {**_UP, **_DOWN}
    for g in figures:
        lead = sentence[max(0, g.start - 45) : g.start]
        lead = lead[max(lead.rfind(","), lead.rfind(";")) + 1 :]
        found = [m for m in re.finditer(r"\b(" + "|".join(flip) + r")\b", lead)
                 if not sentence[: g.start - len(lead) + m.start()][-1:].isalnum()]  # a word
        if found:
            m = found[-1]
            at = g.start - len(lead) + m.start()
            yield "direction changed", (sentence[:at] + flip[m.group()]
                                        + sentence[at + len(m.group()) :])
            break
    if f.kind == "percent":
        new = _sub_once(r"\b(?:rose|grew|increased|fell|declined|was up|was down|dropped)"
                        r"(?: by)?\s*(?=" + re.escape(f.text) + ")",
                        "accounted for a share of ", sentence)
        if new:
            yield "kind changed", new
    else:
        new = _sub_once(r"\b(?:were|was|reached|totalled|totaled|stood at|amounted to)\s+"
                        r"(?=(?:\w+\s+){0,2}" + re.escape(f.text) + ")",
                        "are forecast to reach ", sentence)
        if new:
            yield "kind changed", new
    # the period
    year = re.search(r"\b(19[5-9]\d|20[0-4]\d)\b", sentence)
    if year:
        y = int(year.group())
        yield "period shifted", sentence[: year.start()] + str(y + 1) + sentence[year.end() :]
        yield "period shifted", sentence[: year.start()] + str(y - 1) + sentence[year.end() :]
    month = re.search(r"\b(" + "|".join(_MONTHS) + r")\b", sentence)
    if month:
        other = _MONTHS[(_MONTHS.index(month.group()) + 3) % 12]
        yield "period shifted", sentence[: month.start()] + other + sentence[month.end() :]
    new = _sub_once(r"\b(first|last) (two|three|four|five|six|nine|\d+) months\b",
                    r"\1 \2 years", sentence)
    if new:
        yield "period shifted", new
    # the subject
    mentions = country_mentions(sentence)
    if mentions:
        start, end, name, raw = mentions[0]
        named = {n for _, _, n, _ in mentions}
        other_c = next(c for c in ("Brazil", "Canada", "Norway", "Egypt", "Chile")
                       if c not in named and c in COUNTRY_NAMES)
        suffix = "'s" if raw.endswith(("'s", "’s")) else ""
        yield "subject changed", sentence[:start] + other_c + suffix + sentence[end:]
        if len(mentions) >= 2 and mentions[1][2] != name:
            s2, e2, name2, raw2 = mentions[1]
            swapped = (sentence[:start] + raw2.rstrip("'s’") + sentence[end:s2]
                       + raw.rstrip("'s’") + sentence[e2:])
            between, after = sentence[end:s2], sentence[e2:]
            # not two of a list ("France, Italy and Spain") or of a compound ("U.S.-Canadian"),
            # whose order says nothing
            listed = re.fullmatch(r"\s*[-/–]\s*", between) or (
                re.fullmatch(r"\s*,\s*", between) and re.match(r",?\s+(?:and|or)\b", after))
            if swapped != sentence and not listed and not re.search(r"\b(?:and|between)\b",
                                                                     between):
                yield "subject changed", swapped
    for word in ("cars", "car", "soybean", "soybeans", "tea", "coffee", "steel", "machinery",
                 "oil", "wheat", "sugar", "LNG", "iron ore", "textiles"):
        w = re.search(rf"\b{re.escape(word)}\b", sentence)
        if w:
            other_s = next(x for x in _SECTORS if x not in sentence  # another product:
                           and x.rstrip("s") != word.rstrip("s"))  # "cars" for "car" is not
            yield "subject changed", sentence[: w.start()] + other_s + sentence[w.end() :]
            break
    # unit and currency
    for a, b in (("million", "billion"), ("billion", "million"), ("mln", "billion"),
                 ("bln", "mln"), ("billion", "trillion")):
        new = _sub_once(rf"(?<={re.escape(f.text.split()[0])} ){a}\b", b, sentence)
        if new:
            yield "unit changed", new
            break
    if f.text.startswith("$"):
        yield "unit changed", sentence[: f.start] + "€" + sentence[f.start + 1 :]
    elif f.kind == "percent":
        new = _sub_once(r"(?<=\d)(?:%|\s?(?:pct|per cent|percent))", " points", sentence[f.start:])
        if new:
            yield "unit changed", sentence[: f.start] + new
    # number words
    for a, b in (("a dozen", "twenty"), ("two-thirds", "one-third"), ("half", "a quarter"),
                 ("one", "two"), ("two", "three"), ("three", "four"), ("five", "six")):
        new = _sub_once(rf"\b{a}\b(?=[\s-](?:billion|million|mln|bln|agreements|companies|"
                        rf"pct|percent|per cent|of))", b, sentence)
        if new:
            yield "number word changed", new
            break


def faithful(sentence: str) -> Iterator[tuple[str, str]]:
    """``(kind, restatement)``: the sentence as written, a figure written otherwise, a lead-in."""
    yield "as written", sentence
    swaps = (("%", " per cent"), (" pct", "%"), (" per cent", "%"), (" percent", "%"),
             (" billion", "bn"), (" mln", " million"), (" bln", " billion"))
    for a, b in swaps:
        m = re.search(rf"(?<=\d){re.escape(a)}\b" if a[-1].isalpha() else
                      rf"(?<=\d){re.escape(a)}", sentence)
        if m:
            yield "figure reworded", sentence[: m.start()] + b + sentence[m.end() :]
            break
    # the first word lower-cased unless it is a name ("Germany", "German", "February")
    name = any(start == 0 for start, *_ in country_mentions(sentence)) or re.match(
        "(?:" + "|".join(_MONTHS) + r")\b", sentence)
    first = sentence if name else sentence[0].lower() + sentence[1:]
    yield "lead-in", "The article reports that " + first \
        if not re.match(r"[A-Z][a-z]*[A-Z]|[A-Z]{2}", sentence) else "Reportedly, " + sentence


def cases(reuters: int = 150, skip: int = 0, local: bool = True,
          texts: Path | None = None) -> Iterator[Case]:
    """Every faithful restatement and mutant of every figure sentence of the articles."""
    for a in articles(reuters, skip, local, texts):
        passage = _passage(a)
        facts = extract_facts(a.article_id, a.title, a.text, a.date)
        others = list(dict.fromkeys(f.figure for f in facts if "\n" not in f.figure))
        done: set[int] = set()
        for f in facts:
            i = next((k for k, s in enumerate(passage.sentences)
                      if s.start <= f.fig_start < s.end), None)
            if i is None or i in done:
                continue
            done.add(i)
            sentence = flowing(passage.sentence(i)).rstrip(" .")
            if len(sentence) > 400 or "\n" in sentence or sentence.count(" vs ") > 1:
                continue
            for kind, text in faithful(sentence):
                yield Case(f"faithful:{kind}", text, passage, sentence)
            for kind, text in mutants(sentence, others):
                yield Case(f"mutant:{kind}", text, passage, sentence)


def _similarity(claims: Sequence[str], sentences: Sequence[str]) -> np.ndarray:
    return np.array([[lexical_overlap(c, s) for s in sentences] for c in claims])


def accepted(case: Case) -> bool:
    """Whether the verifier lets the restatement through as an answer citing its article."""
    claims = split_claims(case.claim + " [1].")
    verify_claims(claims, [case.passage], _similarity)
    return bool(claims) and all(c.ok for c in claims)


def run(reuters: int = 150, show: str = "", skip: int = 0, local: bool = True,
        texts: Path | None = None) -> dict[str, dict[str, float]]:
    """Per kind: cases and the share accepted (faithful) or rejected (mutants)."""
    total: Counter[str] = Counter()
    good: Counter[str] = Counter()
    for case in cases(reuters, skip, local, texts):
        ok = accepted(case)
        total[case.kind] += 1
        right = ok if case.kind.startswith("faithful") else not ok
        good[case.kind] += right
        if show and show in case.kind and not right:
            print(f"{case.kind}: {case.claim}\n   source: {case.source}\n")
    out = {k: {"cases": total[k], "right": round(good[k] / total[k], 4)} for k in sorted(total)}
    for prefix in ("faithful", "mutant"):
        n = sum(v for k, v in total.items() if k.startswith(prefix))
        g = sum(v for k, v in good.items() if k.startswith(prefix))
        out[f"{prefix} (all)"] = {"cases": n, "right": round(g / n, 4) if n else 0.0}
    return out


def main(argv: list[str]) -> None:
    """Print the table (and write benchmarks/results/verifier_mutations.json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuters", type=int, default=150)
    parser.add_argument("--skip", type=int, default=0, help="Reuters stories to pass over")
    parser.add_argument("--no-local", action="store_true", help="Reuters stories only")
    parser.add_argument("--dev-texts", type=Path, default=None, metavar="DIR",
                        help="also the articles of DIR (tuning texts: never the reported run)")
    parser.add_argument("--show", default="", help="print the wrong cases of this kind")
    args = parser.parse_args(argv)
    result = run(args.reuters, args.show, args.skip, not args.no_local, args.dev_texts)
    for k, v in result.items():
        what = "accepted" if k.startswith("faithful") else "rejected"
        print(f"{k:32s} {v['cases']:6d} cases  {100 * v['right']:6.1f}% {what}")
    if (args.reuters, args.skip, args.no_local, args.dev_texts) == (150, 0, False, None):
        name = "verifier_mutations"  # the reported run
    elif (args.reuters, args.skip, args.no_local, args.dev_texts) == (300, 150, True, None):
        name = "verifier_mutations-dev"  # the tuning slice
    else:
        name = f"verifier_mutations-dev-{args.skip}-{args.reuters}" + (
            f"-{args.dev_texts.name}" if args.dev_texts else "") + (
            "" if args.no_local else "-local")
    (ROOT / "benchmarks" / "results" / f"{name}.json").write_text(
        json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
