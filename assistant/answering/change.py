"""The change between two compared figures: computed from the cited sentences, and checked.

A comparison answer quotes the two figures ("1.18 mln tonnes in 1986, down from 1.9 mln in
1985") and adds what they mean: "That is a fall of 0.72 mln (37.9%) from 1985 to 1986."
That sentence states figures no article states, so it is checked by arithmetic instead of
by quotation: ``check_change`` finds two figures of the cited sentences whose difference
and percentage change are the ones the claim states, in the direction it states.
"""

from __future__ import annotations

import math
import re

from ingest.text.figures import Figure, extract_figures

__all__ = ["change_sentence", "check_change", "figures_compared"]

_SCALES = ((1e9, "billion"), (1e6, "mln"), (1e3, "thousand"))
_CHANGE = re.compile(
    r"\bThat is an? (?P<dir>rise|fall) of (?P<size>[\d.,]+(?: (?:billion|mln|thousand))?)"
    r"(?: (?:percentage points|points))?(?: [a-z/]+)?(?: \((?P<pct>[\d.]+)%\))?",
)
_BASE_CUE = re.compile(
    r"\b(?:from|against|compared (?:with|to)|versus|vs\.?|after)\s+(?:an? |the )?"
    r"(?:(?:estimated|revised|provisional|record|upwardly|downwardly|year-earlier|previous)\s+)*$",
    re.I,
)


def _comparable(a: Figure, b: Figure) -> bool:
    if (a.kind == "percent") != (b.kind == "percent"):
        return False
    if a.currency and b.currency and a.currency != b.currency:
        return False
    return not (a.unit and b.unit and a.unit != b.unit)


def figures_compared(sentence: str) -> tuple[Figure, Figure] | None:
    """``(newer, older)`` of a sentence comparing two figures itself, or None.

    The older is the figure right after "from", "against" or "compared with"; the newer
    the nearest comparable figure before that cue ("fell to 1.18 mln in 1986 from 1.9
    mln in 1985").
    """
    figures = extract_figures(sentence)
    for k, older in enumerate(figures):
        if k == 0 or not _BASE_CUE.search(sentence[max(0, older.start - 40) : older.start]):
            continue
        before = [f for f in figures[:k] if _comparable(f, older)]
        if before and older.value:
            return before[-1], older
    return None


def _amount(value: float, like: Figure, unit_of: str | None = None) -> str:
    """``value`` written in the scale of the figure it comes from ("0.72 mln")."""
    if like.kind == "percent":
        return f"{value:.2f}".rstrip("0").rstrip(".") + " percentage points"
    name = unit_of or like.unit
    unit = f" {name}" if name and "/" not in name else ""
    return _scaled(value, like) + unit


def _scaled(value: float, like: Figure) -> str:
    words = like.text.lower()
    for size, word in _SCALES:
        if word in words or (word == "mln" and "million" in words) or (
            word == "billion" and "bln" in words
        ):
            return f"{value / size:.2f}".rstrip("0").rstrip(".") + f" {word}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def change_sentence(newer: Figure, older: Figure, since: str = "", until: str = "") -> str | None:
    """The sentence stating the change from ``older`` to ``newer``, or None when it is none."""
    if not _comparable(newer, older) or not older.value or newer.value == older.value:
        return None
    diff = newer.value - older.value
    direction = "rise" if diff > 0 else "fall"
    text = f"That is a {direction} of {_amount(abs(diff), older, newer.unit or older.unit)}"
    if older.kind != "percent" and older.value > 0:
        text += f" ({abs(diff) / older.value * 100:.1f}%)"
    if since and until:
        text += f" from {since} to {until}"
    return text + "."


def check_change(claim: str, sources: list[str]) -> str:
    """Why a change claim is wrong ("" when two figures of ``sources`` give it exactly).

    The claim's size and percentage must be the difference and the relative change of
    two comparable figures stated in the cited sentences (to the precision written), and
    its direction the sign of that difference.
    """
    m = _CHANGE.search(claim)
    if m is None:
        return ": no change stated"
    size_text = m.group("size")
    said = extract_figures(size_text + (" pct" if "points" in claim[m.start():m.end()] else ""))
    if not said:
        return ": no change stated"
    size = said[0].value
    decimals = len(size_text.split()[0].split(".")[1]) if "." in size_text.split()[0] else 0
    scale = next((s for s, w in _SCALES if size_text.endswith(w)), 1.0)
    pct = float(m.group("pct")) if m.group("pct") else None
    figures = [f for s in sources for f in extract_figures(s)]
    for newer in figures:
        for older in figures:
            if newer is older or not _comparable(newer, older) or not older.value:
                continue
            diff = newer.value - older.value
            if (diff > 0) != (m.group("dir") == "rise") or diff == 0:
                continue
            if not math.isclose(round(abs(diff) / scale, decimals), size / scale,
                                abs_tol=10 ** -decimals / 2):
                continue
            if pct is not None and not math.isclose(
                round(abs(diff) / older.value * 100, 1), pct, abs_tol=0.05
            ):
                continue
            return ""
    return ": the cited figures do not give this change"
