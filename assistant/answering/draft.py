"""What every answer source returns: a ``Draft`` of claims over numbered passages.

The ledger, the extractive selector and an LLM each produce one ``Draft``; one
verify-and-assemble step (``assistant.answering.assemble``) turns any draft into the
final ``Answer``. A ``Claim`` is one answer sentence with the passages it cites and,
once verified, the sentences that support it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from assistant.answering.passages import Passage

__all__ = ["Claim", "Draft", "Outcome"]

Outcome = Literal["answer", "partial", "refused"]
"""An answer; a partial answer (what the articles do say, plainly marked); a refusal."""


@dataclass
class Claim:
    """One answer sentence, its markers, and what verification found."""

    text: str
    markers: list[int] = field(default_factory=list)
    support: list[tuple[int, int, int]] = field(default_factory=list)  # (passage n, s_i, s_j)
    ok: bool = True
    reason: str = ""
    is_refusal: bool = False
    note: str = ""  # shown after the claim, not verified (e.g. who reported it, when)
    derived: bool = False  # states a change computed from its cited figures (checked by sum)


@dataclass
class Draft:
    """An answer source's proposal.

    Attributes:
        claims: the answer sentences, with the passage numbers they cite.
        passages: the numbered passages the claims cite (retrieved, or found by the ledger).
        outcome: answer, partial or refused.
        lead: for a partial answer or a refusal, what is said first ("The articles don't
            state ... directly. The closest they come:").
        source: ``ledger``, ``extractive`` or ``llm``.
        verified: the claims were checked against their passages already (the extractive
            source quotes sentences verbatim; the ledger's claims are checked by it).
        series: for a ledger figure, its series (for a chart).
        confidence: the source's own estimate that the draft answers the question.
    """

    claims: list[Claim]
    passages: list[Passage]
    outcome: Outcome = "answer"
    lead: str = ""
    source: str = "extractive"
    verified: bool = False
    series: list[dict[str, Any]] = field(default_factory=list)
    confidence: float = 0.0
