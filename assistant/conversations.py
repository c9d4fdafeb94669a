"""Saved conversations: their turns (question, full ``Answer``, filters) and feedback.

One SQLite file per store, ``$TRADEDESK_HOME/conversations/<store>.sqlite``, beside the
ingest records but not inside them: ``tradedesk reset`` and ``rebuild`` re-create the
records, and a user's history must outlive both. Its schema is built by numbered
migrations (``CONVERSATION_MIGRATIONS``, its own list and numbers), applied and recorded
by the records' own code: ``ConversationStore`` is an ``ingest.records.base.SQLiteFile``
(connection, pragmas, transactions, migration running and error causes).

Every read and write is scoped to one user: a conversation of another user is
"not found", never shown. Each turn is written in one transaction with its
conversation's new ``updated_at``, so a process killed mid-write loses at most that
turn (WAL journal, ``synchronous=FULL``).

Ids are deterministic: a conversation's id is a hash of its user, creation time and
first question; a turn's id is ``<conversation id>:<n>``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from assistant.answer import Answer
from ingest.records.base import SQLiteFile
from ingest.records.migrations import Migration
from vectorstore.errors import QuestionError

__all__ = [
    "CONVERSATION_MIGRATIONS",
    "LOCAL_USER",
    "Conversation",
    "ConversationStore",
    "Feedback",
    "Rating",
    "Turn",
    "citation_states",
]

LOCAL_USER = "local"
"""The one user of a Trade Desk without a login or a trusted user header."""

Rating = Literal["up", "down"]
CitationState = Literal["current", "updated", "removed"]
TITLE_CHARS = 80


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Feedback:
    """A reader's rating of one answer: thumbs ``up`` or ``down``, and an optional comment."""

    rating: Rating
    comment: str = ""
    created_at: str = ""


@dataclass(frozen=True)
class Turn:
    """One question and its answer, as answered.

    Attributes:
        turn_id: ``<conversation id>:<n>``.
        n: 1-based position in the conversation.
        question: the question as typed.
        answer: the full ``Answer`` (citations with offsets, refused/partial, timings, ...).
        filters: the options in force: ``backend``, ``k``, ``article_ids``, ``date_from``,
            ``date_to``.
        sources: ``article_id -> content hash`` of each cited article when answered (to
            tell later whether the article was updated or removed since).
        created_at: ISO time, UTC.
        feedback: the rating, if the reader gave one.
    """

    turn_id: str
    n: int
    question: str
    answer: Answer
    filters: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    created_at: str = ""
    feedback: Feedback | None = None


@dataclass(frozen=True)
class Conversation:
    """A saved conversation; ``turns`` is empty in listings (``turn_count`` says how many)."""

    conversation_id: str
    user: str
    title: str
    created_at: str
    updated_at: str
    turn_count: int = 0
    turns: tuple[Turn, ...] = ()

    def history(self) -> list[tuple[str, str]]:
        """The turns as ``(role, text)`` pairs, as ``Assistant.ask(history=...)`` takes them."""
        out: list[tuple[str, str]] = []
        for t in self.turns:
            out += [("user", t.question), ("assistant", t.answer.text)]
        return out


def citation_states(turn: Turn, current: Mapping[str, str]) -> dict[int, CitationState]:
    """Whether each citation of ``turn`` still points at the article it quoted.

    Args:
        turn: a stored turn.
        current: ``article_id -> content hash`` of the store's articles now.

    Returns:
        ``citation n -> "current" | "updated" | "removed"``; an updated article's offsets
        may point at other text, so its passage must not be shown as the quote's.
    """
    out: dict[int, CitationState] = {}
    for c in turn.answer.citations:
        now_hash = current.get(c.article_id)
        if now_hash is None:
            out[c.n] = "removed"
        elif turn.sources.get(c.article_id, now_hash) != now_hash:
            out[c.n] = "updated"
        else:
            out[c.n] = "current"
    return out


# -- schema ---------------------------------------------------------------------------------


def m001_conversations(conn: sqlite3.Connection) -> None:
    """Conversations (per user), their turns with the full answer, and feedback per turn."""
    for statement in (
        """CREATE TABLE conversations (
            conversation_id TEXT PRIMARY KEY,
            user TEXT NOT NULL,
            title TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX conversations_user ON conversations(user, updated_at)",
        """CREATE TABLE turns (
            turn_id TEXT PRIMARY KEY,
            conversation_id TEXT NOT NULL
                REFERENCES conversations(conversation_id) ON DELETE CASCADE,
            n INTEGER NOT NULL,
            question TEXT NOT NULL,
            answer_text TEXT NOT NULL,
            answer_json TEXT NOT NULL,
            filters_json TEXT NOT NULL,
            sources_json TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (conversation_id, n)
        )""",
        """CREATE TABLE feedback (
            turn_id TEXT PRIMARY KEY REFERENCES turns(turn_id) ON DELETE CASCADE,
            rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
            comment TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
    ):
        conn.execute(statement)


CONVERSATION_MIGRATIONS: tuple[Migration, ...] = (m001_conversations,)
"""The conversation store's schema, in order (a change is a new ``m002_...``)."""


# -- the store ------------------------------------------------------------------------------


class ConversationStore(SQLiteFile):
    """Saved conversations and feedback in one SQLite file (see the module docstring).

    The connection, transactions and migration running are the records'
    (``ingest.records.base.SQLiteFile``); the schema (``CONVERSATION_MIGRATIONS``), the
    durability (``synchronous=FULL``) and the fixes named in errors are its own.

    Args:
        path: the SQLite file (created with its folder when missing).
        timeout: seconds to wait for another process's write.
    """

    schema = CONVERSATION_MIGRATIONS
    synchronous = "FULL"
    what = "the conversation history"
    writing = "save"

    def _fix(self, cause: str) -> str:
        return {
            "not-writable": (
                f"make {self.path.parent} writable, or set TRADEDESK_HOME to a writable folder"
            ),
            "disk-full": "free disk space and try again",
            "damaged": (
                f"move {self.path} aside (the conversations in it are lost) and restart; "
                "the articles are not affected"
            ),
            "locked": "another process is writing conversations; try again in a moment",
        }.get(cause, f"check the file {self.path}")

    def migrations(self) -> list[str]:
        """The names of the applied migrations, in order."""
        return self.applied_migrations()

    # -- conversations ----------------------------------------------------------------------

    @staticmethod
    def title_of(question: str) -> str:
        """A conversation's default title: its first question, on one line, shortened."""
        line = " ".join(question.split())
        return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1].rstrip() + "…"

    def create(self, user: str, first_question: str, *, created_at: str | None = None) -> str:
        """Start a conversation titled from its first question; returns its id."""
        when = created_at or _now()
        digest = hashlib.sha256(f"{user}\0{when}\0{first_question}".encode()).hexdigest()
        conversation_id = "c" + digest[:11]
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO conversations(conversation_id, user, title, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (conversation_id, user, self.title_of(first_question), when, when),
            )
        return conversation_id

    def _owned(self, conn: sqlite3.Connection, conversation_id: str, user: str) -> None:
        row = conn.execute(
            "SELECT 1 FROM conversations WHERE conversation_id=? AND user=?",
            (conversation_id, user),
        ).fetchone()
        if row is None:
            raise self._missing(conversation_id)

    @staticmethod
    def _missing(conversation_id: str) -> QuestionError:
        return QuestionError(
            f"No conversation {conversation_id!r} in your history: list yours with "
            "`tradedesk history list` (or the app's sidebar)."
        )

    def add_turn(
        self,
        conversation_id: str,
        user: str,
        question: str,
        answer: Answer,
        *,
        filters: Mapping[str, Any] | None = None,
        sources: Mapping[str, str] | None = None,
    ) -> Turn:
        """Append a turn (in one transaction with the conversation's ``updated_at``).

        Raises:
            QuestionError: no such conversation of this user.
            StoreError: the file cannot be written (the message says why and what to do).
        """
        when = _now()
        with self._tx() as conn:
            self._owned(conn, conversation_id, user)
            (last,) = conn.execute(
                "SELECT COALESCE(MAX(n), 0) FROM turns WHERE conversation_id=?",
                (conversation_id,),
            ).fetchone()
            n = int(last) + 1
            turn = Turn(
                turn_id=f"{conversation_id}:{n}", n=n, question=question, answer=answer,
                filters=dict(filters or {}), sources=dict(sources or {}), created_at=when,
            )
            conn.execute(
                "INSERT INTO turns(turn_id, conversation_id, n, question, answer_text, "
                "answer_json, filters_json, sources_json, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    turn.turn_id, conversation_id, n, question, answer.text,
                    json.dumps(answer.to_dict(), ensure_ascii=False),
                    json.dumps(turn.filters, ensure_ascii=False),
                    json.dumps(turn.sources), when,
                ),
            )
            conn.execute(
                "UPDATE conversations SET updated_at=? WHERE conversation_id=?",
                (when, conversation_id),
            )
        return turn

    def list_conversations(
        self, user: str, *, search: str | None = None, limit: int = 200
    ) -> list[Conversation]:
        """The user's conversations, newest first; ``search`` matches titles, questions, answers.

        The search is a case-insensitive substring match (``%`` and ``_`` are literal).
        """
        sql = (
            "SELECT c.*, (SELECT COUNT(*) FROM turns t WHERE t.conversation_id = "
            "c.conversation_id) AS turn_count FROM conversations c WHERE c.user=?"
        )
        args: list[Any] = [user]
        if search and search.strip():
            like = "%" + search.strip().lower().replace("\\", "\\\\").replace(
                "%", "\\%").replace("_", "\\_") + "%"
            sql += (
                " AND (LOWER(c.title) LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM turns t "
                "WHERE t.conversation_id = c.conversation_id AND (LOWER(t.question) LIKE ? "
                "ESCAPE '\\' OR LOWER(t.answer_text) LIKE ? ESCAPE '\\')))"
            )
            args += [like, like, like]
        sql += " ORDER BY c.updated_at DESC, c.conversation_id LIMIT ?"
        args.append(limit)
        return [
            Conversation(
                conversation_id=r["conversation_id"], user=r["user"], title=r["title"],
                created_at=r["created_at"], updated_at=r["updated_at"],
                turn_count=int(r["turn_count"]),
            )
            for r in self._read(sql, args)
        ]

    def get(self, conversation_id: str, user: str) -> Conversation:
        """One conversation of ``user`` with its turns and their feedback.

        Raises:
            QuestionError: no such conversation of this user.
        """
        rows = self._read(
            "SELECT * FROM conversations WHERE conversation_id=? AND user=?",
            (conversation_id, user),
        )
        if not rows:
            raise self._missing(conversation_id)
        c = rows[0]
        turns = tuple(
            self._turn(r)
            for r in self._read(
                "SELECT t.*, f.rating, f.comment, f.created_at AS rated_at FROM turns t "
                "LEFT JOIN feedback f USING(turn_id) WHERE t.conversation_id=? ORDER BY t.n",
                (conversation_id,),
            )
        )
        return Conversation(
            conversation_id=c["conversation_id"], user=c["user"], title=c["title"],
            created_at=c["created_at"], updated_at=c["updated_at"], turn_count=len(turns),
            turns=turns,
        )

    @staticmethod
    def _turn(r: sqlite3.Row) -> Turn:
        feedback = (
            Feedback(rating=r["rating"], comment=r["comment"], created_at=r["rated_at"])
            if r["rating"] else None
        )
        return Turn(
            turn_id=r["turn_id"], n=int(r["n"]), question=r["question"],
            answer=Answer.from_dict(json.loads(r["answer_json"])),
            filters=json.loads(r["filters_json"]), sources=json.loads(r["sources_json"]),
            created_at=r["created_at"], feedback=feedback,
        )

    def rename(self, conversation_id: str, user: str, title: str) -> None:
        """Give a conversation another title.

        Raises:
            QuestionError: the title is empty, or no such conversation of this user.
        """
        title = " ".join(title.split())
        if not title:
            raise QuestionError("The new title is empty: type a title for the conversation.")
        with self._tx() as conn:
            self._owned(conn, conversation_id, user)
            conn.execute(
                "UPDATE conversations SET title=? WHERE conversation_id=?",
                (title[:200], conversation_id),
            )

    def delete(self, conversation_id: str, user: str) -> None:
        """Delete a conversation, its turns and their feedback.

        Raises:
            QuestionError: no such conversation of this user.
        """
        with self._tx("delete") as conn:
            self._owned(conn, conversation_id, user)
            conn.execute("DELETE FROM conversations WHERE conversation_id=?", (conversation_id,))

    def import_conversation(self, conversation: Conversation, user: str) -> str:
        """Store an exported conversation (e.g. from another machine) as ``user``'s.

        Its id is kept unless ``user`` already has a conversation with that id (then the
        import is refused: delete that one first).

        Raises:
            QuestionError: a conversation with the same id exists.
        """
        with self._tx("import") as conn:
            if conn.execute(
                "SELECT 1 FROM conversations WHERE conversation_id=?",
                (conversation.conversation_id,),
            ).fetchone():
                raise QuestionError(
                    f"A conversation {conversation.conversation_id!r} is already stored: "
                    f"delete it first (`tradedesk history delete "
                    f"{conversation.conversation_id}`) to import this one."
                )
            conn.execute(
                "INSERT INTO conversations(conversation_id, user, title, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (conversation.conversation_id, user, conversation.title,
                 conversation.created_at, conversation.updated_at),
            )
            for t in conversation.turns:
                conn.execute(
                    "INSERT INTO turns(turn_id, conversation_id, n, question, answer_text, "
                    "answer_json, filters_json, sources_json, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (f"{conversation.conversation_id}:{t.n}", conversation.conversation_id,
                     t.n, t.question, t.answer.text,
                     json.dumps(t.answer.to_dict(), ensure_ascii=False),
                     json.dumps(t.filters, ensure_ascii=False), json.dumps(t.sources),
                     t.created_at),
                )
                if t.feedback is not None:
                    conn.execute(
                        "INSERT INTO feedback(turn_id, rating, comment, created_at) "
                        "VALUES (?, ?, ?, ?)",
                        (f"{conversation.conversation_id}:{t.n}", t.feedback.rating,
                         t.feedback.comment, t.feedback.created_at),
                    )
        return conversation.conversation_id

    # -- feedback ---------------------------------------------------------------------------

    def set_feedback(self, turn_id: str, user: str, rating: str, comment: str = "") -> Feedback:
        """Rate an answer (a second rating replaces the first).

        Raises:
            QuestionError: the rating is not ``up``/``down``, or no such turn of this user.
        """
        if rating not in ("up", "down"):
            raise QuestionError(f"Rating {rating!r} is not 'up' or 'down': rate with one of them.")
        feedback = Feedback(rating="up" if rating == "up" else "down",
                            comment=comment.strip(), created_at=_now())
        with self._tx() as conn:
            row = conn.execute(
                "SELECT 1 FROM turns t JOIN conversations c USING(conversation_id) "
                "WHERE t.turn_id=? AND c.user=?",
                (turn_id, user),
            ).fetchone()
            if row is None:
                raise QuestionError(
                    f"No answer {turn_id!r} in your history to rate: the id is "
                    "<conversation id>:<turn number>, as `tradedesk history show ID` lists."
                )
            conn.execute(
                "INSERT OR REPLACE INTO feedback(turn_id, rating, comment, created_at) "
                "VALUES (?, ?, ?, ?)",
                (turn_id, feedback.rating, feedback.comment, feedback.created_at),
            )
        return feedback

    def rated(self, user: str | None = None) -> list[tuple[Conversation, Turn]]:
        """Every rated turn (of ``user``, or of everyone when None), newest rating first.

        Each comes with its conversation (turns included: a follow-up needs its context).
        """
        sql = (
            "SELECT c.conversation_id, c.user FROM feedback f JOIN turns t USING(turn_id) "
            "JOIN conversations c USING(conversation_id)"
        )
        args: list[Any] = []
        if user is not None:
            sql += " WHERE c.user=?"
            args.append(user)
        sql += " ORDER BY f.created_at DESC, f.turn_id"
        cache: dict[str, Conversation] = {}
        out: list[tuple[Conversation, Turn]] = []
        seen: set[str] = set()
        for r in self._read(sql, args):
            cid = r["conversation_id"]
            if cid not in cache:
                cache[cid] = self.get(cid, r["user"])
            for t in cache[cid].turns:
                if t.feedback is not None and t.turn_id not in seen:
                    seen.add(t.turn_id)
                    out.append((cache[cid], t))
        out.sort(key=lambda ct: (ct[1].feedback.created_at if ct[1].feedback else ""),
                 reverse=True)
        return out

    def feedback_counts(self, user: str | None = None) -> dict[str, int]:
        """``{"up": n, "down": m}`` over ``user``'s answers (or everyone's)."""
        sql = (
            "SELECT f.rating, COUNT(*) AS n FROM feedback f JOIN turns t USING(turn_id) "
            "JOIN conversations c USING(conversation_id)"
        )
        args: list[Any] = []
        if user is not None:
            sql += " WHERE c.user=?"
            args.append(user)
        counts = {"up": 0, "down": 0}
        for r in self._read(sql + " GROUP BY f.rating", args):
            counts[r["rating"]] = int(r["n"])
        return counts
