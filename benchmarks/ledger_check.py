"""Check ledger annotation files: every annotated figure must be found in its article.

Usage: python benchmarks/ledger_check.py FILE.json [FILE.json ...]

An annotation names a figure by the text it is written as (``"31.2 billion"``,
``"7-3/4"``, ``"two-thirds"``) and its ``occurrence``: the 0-based index among the
matches of that text in the article's text with whitespace collapsed (see
:func:`locate`). No sentence of an article is copied into the files. Exit code 1
when any record is malformed or any figure is not where it says.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.qa_check import article  # noqa: E402

KINDS = frozenset({"level", "growth", "share", "target", "count", "price", "rate", "duration"})
FLOWS = frozenset({"export", "import", "bilateral", "balance", "investment", "port", "market"})
_MONTH = re.compile(r"^(19|20)\d\d-(0[1-9]|1[0-2])$")
FIELDS = ("value", "unit", "kind", "reporter", "partner", "flow", "sector",
          "period_start", "period_end")


def normalise(text: str) -> str:
    """The article text with every run of whitespace made one space."""
    return " ".join(text.split())


def locate(text: str, figure: str, occurrence: int) -> tuple[int, int] | None:
    """Span of the ``occurrence``-th match of ``figure`` in ``normalise(text)``.

    A match may not start inside a number or word nor end inside one
    ("1.2" is not found in "11.2" or "1.25").
    """
    pattern = re.compile(r"(?<![\w.,/-])" + re.escape(figure) + r"(?![\w]|[.,/-]\d)")
    matches = list(pattern.finditer(normalise(text)))
    if not 0 <= occurrence < len(matches):
        return None
    return matches[occurrence].span()


def check_figure(fig: dict, text: str, where: str, problems: list[str]) -> None:
    """Append what is wrong with one annotated figure to ``problems``."""
    if not isinstance(fig.get("figure"), str) or not isinstance(fig.get("occurrence"), int):
        problems.append(f"{where}: needs 'figure' (string) and 'occurrence' (int)")
        return
    if locate(text, fig["figure"], fig["occurrence"]) is None:
        problems.append(f"{where}: {fig['figure']!r} occurrence {fig['occurrence']} not in text")
    if not isinstance(fig.get("list"), bool):
        problems.append(f"{where}: needs 'list': true or false")
        return
    if not fig["list"]:
        return
    missing = [f for f in FIELDS if f not in fig]
    if missing:
        problems.append(f"{where}: missing fields {missing}")
        return
    if not isinstance(fig["value"], int | float):
        problems.append(f"{where}: value must be a number")
    if fig["kind"] not in KINDS:
        problems.append(f"{where}: kind {fig['kind']!r} not in {sorted(KINDS)}")
    if fig["flow"] is not None and fig["flow"] not in FLOWS:
        problems.append(f"{where}: flow {fig['flow']!r} not in {sorted(FLOWS)}")
    if not isinstance(fig["unit"], str) or not fig["unit"]:
        problems.append(f"{where}: unit must be a non-empty string")
    for key in ("period_start", "period_end"):
        value = fig[key]
        if value is not None and not (isinstance(value, str) and _MONTH.match(value)):
            problems.append(f"{where}: {key} {value!r} must be YYYY-MM or null")
    if (fig["period_start"] is None) != (fig["period_end"] is None):
        problems.append(f"{where}: period_start and period_end are both set or both null")
    elif fig["period_start"] and fig["period_start"] > fig["period_end"]:
        problems.append(f"{where}: period_start after period_end")


def check_file(path: Path, seen: dict[str, str]) -> tuple[list[str], int, int]:
    """Problems of one file, and its counts of sentences and listed figures."""
    problems: list[str] = []
    data = json.loads(path.read_text(encoding="utf-8"))
    sentences = data.get("sentences", [])
    listed = 0
    for n, rec in enumerate(sentences, start=1):
        ident = rec.get("id") or f"#{n}"
        where = f"{path.name}:{ident}"
        if ident in seen:
            problems.append(f"{where}: id also used in {seen[ident]}")
        seen[ident] = path.name
        found = article(str(rec.get("article", "")))
        if found is None:
            problems.append(f"{where}: no article {rec.get('article')!r}")
            continue
        figures = rec.get("figures")
        if not isinstance(figures, list) or not figures:
            problems.append(f"{where}: needs a non-empty 'figures' list")
            continue
        for i, fig in enumerate(figures):
            check_figure(fig, found[2], f"{where}[{i}]", problems)
            listed += bool(fig.get("list"))
    return problems, len(sentences), listed


def main(argv: list[str]) -> int:
    """Check the files named on the command line; print problems and a summary."""
    seen: dict[str, str] = {}
    problems: list[str] = []
    n_sent = n_fig = 0
    for name in argv:
        p, s, f = check_file(Path(name), seen)
        problems += p
        n_sent += s
        n_fig += f
    for problem in problems:
        print(problem)
    print(f"{n_sent} sentences, {n_fig} listed figures; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
