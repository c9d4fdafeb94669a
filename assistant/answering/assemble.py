"""Assembling the answer: claims become text with ``[n]`` markers and renumbered citations."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answer import Citation
from assistant.answering.draft import Claim
from assistant.answering.passages import Passage
from ingest.text.sentences import flowing

__all__ = ["assemble"]


def assemble(
    claims: Sequence[Claim], passages: list[Passage]
) -> tuple[str, list[Citation]]:
    """Turn verified claims into the answer text and its renumbered citations.

    One citation per distinct (passage, quote); numbers follow first use.
    """
    by_n = {p.n: p for p in passages}
    citations: list[Citation] = []
    index: dict[tuple[int, int, int], int] = {}
    parts: list[str] = []
    for claim in claims:
        if not claim.ok:
            continue
        numbers: list[int] = []
        for n, i, j in claim.support:
            key = (n, i, j)
            if key not in index:
                p = by_n[n]
                a, b = p.sentences[i].start, p.sentences[j].end
                meta = p.meta
                index[key] = len(citations) + 1
                citations.append(
                    Citation(
                        n=index[key],
                        article_id=meta.article_id,
                        title=meta.title,
                        source=meta.source,
                        date=meta.date,
                        chunk_id=meta.chunk_id,
                        quote=flowing(p.text[a:b]),
                        start=p.start + a,
                        end=p.start + b,
                        score=float(meta.dense or 0.0),
                        url=meta.url,
                        passage=p.text,
                        passage_start=p.start,
                        passage_end=meta.end,
                        page=meta.page,
                        also_reported=meta.also_reported,
                    )
                )
            numbers.append(index[key])
        text = flowing(claim.text)
        if claim.note:
            stop = re.search(r"[.!?]$", text)
            end = stop.group() if stop else ""
            text = (text[: stop.start()] if stop else text) + claim.note + end
        parts.append(_with_markers(text, numbers))
    return " ".join(parts), citations


def _with_markers(text: str, numbers: list[int]) -> str:
    if not numbers:
        return text
    marker = "[" + ", ".join(str(n) for n in numbers) + "]"
    m = re.search(r"([.!?…]+[\"'’”)\]]*)$", text)
    if m:
        return f"{text[: m.start()]} {marker}{m.group(1)}"
    return f"{text} {marker}"
