"""A saved conversation as Markdown (to paste into a note) and as JSON (to keep or re-import).

Both carry every answer's citations: title, date, source and the quoted sentence. A
citation whose article was since updated or removed says so (see
``assistant.conversations.citation_states``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assistant.answer import Answer
from assistant.conversations import Conversation, Feedback, Turn, citation_states
from vectorstore.errors import ConfigError

__all__ = ["FORMAT", "STATE_NOTES", "from_json", "to_json", "to_markdown"]

FORMAT = "tradedesk-conversation"
VERSION = 1

STATE_NOTES = {
    "updated": "the article was updated since this answer; the quote is the one it gave then",
    "removed": "the article was removed from the library since this answer",
}


def _day(iso: str) -> str:
    return iso[:16].replace("T", " ") + " UTC" if iso else ""


def to_markdown(conversation: Conversation, current: Mapping[str, str]) -> str:
    """The conversation as Markdown: each question, its answer, then its sources.

    Args:
        conversation: with its turns.
        current: ``article_id -> content hash`` of the store's articles now.
    """
    c = conversation
    lines = [
        f"# {c.title}", "",
        f"*Trade Desk conversation `{c.conversation_id}`, started {_day(c.created_at)}, "
        f"{len(c.turns)} question(s).*", "",
    ]
    for t in c.turns:
        a = t.answer
        lines += [f"## {t.n}. {t.question}", ""]
        if a.refused:
            lines += [f"*No answer in the articles:* {a.text}", ""]
        elif a.partial:
            lines += [f"*Partial answer:* {a.text}", ""]
        else:
            lines += [a.text, ""]
        if a.unsupported:
            lines += ["Removed because the articles do not support it:", ""]
            lines += [f"- {claim}" for claim in a.unsupported] + [""]
        if a.citations:
            states = citation_states(t, current)
            lines += ["**Sources**", ""]
            for cit in a.citations:
                bits = ", ".join(x for x in (cit.source, cit.date) if x)
                url = f" <{cit.url}>" if cit.url else ""
                lines.append(f"{cit.n}. **{cit.title}** ({bits}){url}, article `{cit.article_id}`")
                quote = " ".join(cit.quote.split())
                lines.append(f"   > “{quote}”")
                if cit.also_reported:
                    lines.append(f"   *{cit.also_reported_note}*")
                note = STATE_NOTES.get(states.get(cit.n, "current"))
                if note:
                    lines.append(f"   *Note: {note}.*")
            lines.append("")
        if t.feedback is not None:
            mark = "👍" if t.feedback.rating == "up" else "👎"
            comment = f" {t.feedback.comment}" if t.feedback.comment else ""
            lines += [f"*Rated {mark}{comment}*", ""]
    return "\n".join(lines).rstrip() + "\n"


def to_json(conversation: Conversation) -> dict[str, Any]:
    """The conversation as JSON-ready data (``from_json`` reads it back unchanged)."""
    c = conversation
    return {
        "format": FORMAT,
        "version": VERSION,
        "conversation_id": c.conversation_id,
        "title": c.title,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "turns": [
            {
                "turn_id": t.turn_id,
                "n": t.n,
                "question": t.question,
                "created_at": t.created_at,
                "filters": t.filters,
                "sources": t.sources,
                "feedback": None if t.feedback is None else {
                    "rating": t.feedback.rating, "comment": t.feedback.comment,
                    "created_at": t.feedback.created_at,
                },
                "answer": t.answer.to_dict(),
            }
            for t in c.turns
        ],
    }


def from_json(data: Any, user: str) -> Conversation:
    """Read ``to_json``'s output back (as ``user``'s conversation).

    Raises:
        ConfigError: the data is not a Trade Desk conversation export.
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ConfigError(
            "This is not a Trade Desk conversation export (no \"format\": "
            f"\"{FORMAT}\"): export one with `tradedesk history export ID --format json`."
        )
    if data.get("version") != VERSION:
        raise ConfigError(
            f"The export is version {data.get('version')!r}; this Trade Desk reads version "
            f"{VERSION}: upgrade Trade Desk to import it."
        )
    try:
        cid = str(data["conversation_id"])
        turns = []
        for raw in data["turns"]:
            fb = raw.get("feedback")
            turns.append(Turn(
                turn_id=f"{cid}:{int(raw['n'])}", n=int(raw["n"]),
                question=str(raw["question"]),
                answer=Answer.from_dict(raw["answer"]), filters=dict(raw.get("filters", {})),
                sources={str(k): str(v) for k, v in raw.get("sources", {}).items()},
                created_at=str(raw.get("created_at", "")),
                feedback=None if not fb else Feedback(
                    rating="up" if fb["rating"] == "up" else "down",
                    comment=str(fb.get("comment", "")), created_at=str(fb.get("created_at", "")),
                ),
            ))
        return Conversation(
            conversation_id=cid, user=user, title=str(data["title"]),
            created_at=str(data["created_at"]), updated_at=str(data["updated_at"]),
            turn_count=len(turns), turns=tuple(turns),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(
            f"The conversation export is incomplete ({type(exc).__name__}: {exc}): export it "
            "again with `tradedesk history export ID --format json`."
        ) from exc
