"""The conversation store on a real SQLite file: turns, users, search, exports, feedback.

Pure logic (no model, no Chroma): the answers are built by hand, as the answer step
would return them. The crash-safety test kills a real writer process with SIGKILL.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT

from assistant.answer import Answer, Citation
from assistant.conversations import (
    CONVERSATION_MIGRATIONS,
    LOCAL_USER,
    ConversationStore,
    Turn,
    citation_states,
)
from assistant.evaluate import _judge, load_qa
from assistant.feedback import expected_facts, to_eval_items
from assistant.transcripts import from_json, to_json, to_markdown
from vectorstore.errors import ConfigError, QuestionError

pytestmark = pytest.mark.fast

QUOTE = (
    "According to Turkish Exporters Assembly data, Turkey's exports to Italy grew by 7.5% "
    "in the first five months of 2025, reaching $5.34 billion."
)


def turkey_answer(question: str = "How much did Turkey export to Italy?") -> Answer:
    c = Citation(
        n=1, article_id="turkey-italy-trade-2025-379a855d35", title="Turkey and Italy trade",
        source="Daily Sabah", date="2025-06-20", chunk_id="turkey-italy-trade-2025-379a855d35:v1:0",
        quote=QUOTE, start=10, end=10 + len(QUOTE), score=0.9, passage=QUOTE,
        passage_start=10, passage_end=10 + len(QUOTE),
    )
    return Answer(
        text=f"{QUOTE} [1]", citations=[c], question=question,
        standalone_question=question, backend="extractive",
        timings={"retrieve": 0.01, "total": 0.05}, retrieved=[c.chunk_id],
    )


def refusal(question: str) -> Answer:
    return Answer(text="The articles don't answer this question.", refused=True,
                  question=question, backend="extractive")


@pytest.fixture
def store(tmp_path: Path) -> ConversationStore:
    return ConversationStore(tmp_path / "home" / "conversations" / "tradedesk.sqlite")


def test_a_conversation_keeps_every_answer_field_across_a_reopen(
    store: ConversationStore,
) -> None:
    cid = store.create(LOCAL_USER, "How much did Turkey export to Italy?")
    answer = turkey_answer()
    turn = store.add_turn(cid, LOCAL_USER, answer.question, answer,
                          filters={"k": 5, "article_ids": None, "backend": "extractive"},
                          sources={"turkey-italy-trade-2025-379a855d35": "h1"})
    assert turn.turn_id == f"{cid}:1"
    store.add_turn(cid, LOCAL_USER, "Where was it held?", refusal("Where was it held?"))
    store.close()
    again = ConversationStore(store.path)  # a new process would do the same
    c = again.get(cid, LOCAL_USER)
    assert c.title == "How much did Turkey export to Italy?"
    assert [t.n for t in c.turns] == [1, 2]
    assert c.turns[0].answer == answer  # text, citations with offsets, timings, backend
    assert c.turns[0].filters["k"] == 5 and c.turns[0].sources == {
        "turkey-italy-trade-2025-379a855d35": "h1"}
    assert c.turns[1].answer.refused
    assert c.history() == [
        ("user", "How much did Turkey export to Italy?"), ("assistant", answer.text),
        ("user", "Where was it held?"), ("assistant", "The articles don't answer this question."),
    ]
    assert again.migrations() == ["m001_conversations"]


OLD_DB = ROOT / "tests" / "data" / "stores" / "conversations-m001.sqlite"
"""A history file written by the conversation store as it was before it was built on
``ingest.records.base.SQLiteFile`` (commit cc538e9): two users, three turns, a rating."""


def test_a_history_file_of_the_previous_code_opens_and_takes_new_migrations(
    tmp_path: Path,
) -> None:
    path = tmp_path / "conversations" / "tradedesk.sqlite"
    path.parent.mkdir()
    shutil.copyfile(OLD_DB, path)
    store = ConversationStore(path)
    assert store.migrations() == ["m001_conversations"]  # nothing re-applied
    [c] = store.list_conversations(LOCAL_USER)
    c = store.get(c.conversation_id, LOCAL_USER)
    assert [t.question for t in c.turns] == ["How much did Turkey export to Italy?",
                                             "And to Chile?"]
    assert c.turns[0].answer == turkey_answer()
    assert c.turns[0].filters == {"backend": "extractive", "k": 6}
    assert c.turns[0].feedback is not None and c.turns[0].feedback.rating == "up"
    assert c.turns[1].answer.refused
    assert [x.title for x in store.list_conversations("alice")] == ["Alice's question"]
    store.add_turn(c.conversation_id, LOCAL_USER, "Again?", turkey_answer("Again?"))
    assert [t.n for t in store.get(c.conversation_id, LOCAL_USER).turns] == [1, 2, 3]
    with sqlite3.connect(path) as raw:  # the records' schema is not mixed in
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"migrations", "conversations", "turns", "feedback"}
    store.close()

    # a later migration (the next number of the history's own list) runs on the old file
    def m002_turn_notes(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE turns ADD COLUMN note TEXT NOT NULL DEFAULT ''")

    class Later(ConversationStore):
        schema = (*CONVERSATION_MIGRATIONS, m002_turn_notes)

    later = Later(path)
    assert later.migrations() == ["m001_conversations", "m002_turn_notes"]
    assert len(later.get(c.conversation_id, LOCAL_USER).turns) == 3
    later.close()
    # and the code without it refuses the file, with the fix
    with pytest.raises(Exception, match="upgrade Trade Desk"):
        ConversationStore(path).list_conversations(LOCAL_USER)


def test_listing_is_newest_first_searchable_renameable_and_deletable(
    store: ConversationStore,
) -> None:
    first = store.create(LOCAL_USER, "Turkey exports to Italy?", created_at="2026-01-01T00:00:00")
    second = store.create(LOCAL_USER, "Chile copper?", created_at="2026-01-02T00:00:00")
    assert [c.conversation_id for c in store.list_conversations(LOCAL_USER)] == [second, first]
    store.add_turn(first, LOCAL_USER, "Turkey exports to Italy?", turkey_answer())
    # a new turn moves the conversation to the top
    assert [c.conversation_id for c in store.list_conversations(LOCAL_USER)] == [first, second]
    assert [c.turn_count for c in store.list_conversations(LOCAL_USER)] == [1, 0]
    # search: titles, questions and answers, case-insensitive; % and _ are literal
    assert [c.conversation_id for c in store.list_conversations(LOCAL_USER, search="COPPER")] \
        == [second]
    assert [c.conversation_id for c in store.list_conversations(LOCAL_USER, search="5.34 bil")] \
        == [first]
    assert store.list_conversations(LOCAL_USER, search="_") == []
    assert len(store.list_conversations(LOCAL_USER, search="7.5%")) == 1
    store.rename(second, LOCAL_USER, "  Copper,   Chile ")
    assert store.get(second, LOCAL_USER).title == "Copper, Chile"
    with pytest.raises(QuestionError, match="title is empty"):
        store.rename(second, LOCAL_USER, "  ")
    store.delete(first, LOCAL_USER)
    assert [c.conversation_id for c in store.list_conversations(LOCAL_USER)] == [second]
    with pytest.raises(QuestionError, match="tradedesk history list"):
        store.get(first, LOCAL_USER)
    with sqlite3.connect(store.path) as raw:  # its turns went with it
        assert raw.execute("SELECT COUNT(*) FROM turns").fetchone() == (0,)


def test_ids_are_deterministic_and_titles_short(store: ConversationStore) -> None:
    a = store.create("alice", "q", created_at="2026-01-01T00:00:00")
    other = ConversationStore(store.path.with_name("other.sqlite"))
    assert other.create("alice", "q", created_at="2026-01-01T00:00:00") == a
    assert store.title_of("word " * 40).endswith("…")
    assert len(store.title_of("word " * 40)) == 80


def test_two_users_never_see_each_others_conversations(store: ConversationStore) -> None:
    alice = store.create("alice", "Alice's question about Turkey")
    store.add_turn(alice, "alice", "Alice's question about Turkey", turkey_answer())
    bob = store.create("bob", "Bob's question")
    assert [c.conversation_id for c in store.list_conversations("alice")] == [alice]
    assert [c.conversation_id for c in store.list_conversations("bob")] == [bob]
    assert store.list_conversations("bob", search="Turkey") == []
    assert store.list_conversations(LOCAL_USER) == []
    for attempt in (
        lambda: store.get(alice, "bob"),
        lambda: store.add_turn(alice, "bob", "x", turkey_answer()),
        lambda: store.rename(alice, "bob", "mine now"),
        lambda: store.delete(alice, "bob"),
        lambda: store.set_feedback(f"{alice}:1", "bob", "down"),
    ):
        with pytest.raises(QuestionError, match="in your history"):
            attempt()
    assert store.get(alice, "alice").title == "Alice's question about Turkey"
    assert store.get(alice, "alice").turns[0].feedback is None
    assert store.rated("bob") == [] and len(store.rated("alice")) == 0


def test_citation_states_say_when_an_article_was_updated_or_removed() -> None:
    answer = turkey_answer()
    other = Citation(**{**answer.citations[0].__dict__, "n": 2, "article_id": "gone-0123456789"})
    answer.citations.append(other)
    turn = Turn("c1:1", 1, "q", answer,
                sources={"turkey-italy-trade-2025-379a855d35": "h1", "gone-0123456789": "h9"})
    assert citation_states(turn, {"turkey-italy-trade-2025-379a855d35": "h1"}) == {
        1: "current", 2: "removed"}
    assert citation_states(turn, {"turkey-italy-trade-2025-379a855d35": "h2",
                                  "gone-0123456789": "h9"}) == {1: "updated", 2: "current"}


def test_markdown_export_reads_like_a_note(store: ConversationStore) -> None:
    cid = store.create(LOCAL_USER, "How much did Turkey export to Italy?")
    store.add_turn(cid, LOCAL_USER, "How much did Turkey export to Italy?", turkey_answer(),
                   sources={"turkey-italy-trade-2025-379a855d35": "h1"})
    c = store.get(cid, LOCAL_USER)
    md = to_markdown(c, {"turkey-italy-trade-2025-379a855d35": "h1"})
    assert md.startswith("# How much did Turkey export to Italy?\n")
    assert "## 1. How much did Turkey export to Italy?" in md
    assert "reaching $5.34 billion. [1]" in md
    assert "1. **Turkey and Italy trade** (Daily Sabah, 2025-06-20)" in md
    assert f"   > “{QUOTE}”" in md
    assert "Note:" not in md
    md = to_markdown(c, {"turkey-italy-trade-2025-379a855d35": "h2"})
    assert "*Note: the article was updated since this answer" in md
    assert "removed from the library" in to_markdown(c, {})


def test_json_export_round_trips(store: ConversationStore, tmp_path: Path) -> None:
    cid = store.create("alice", "How much did Turkey export to Italy?")
    store.add_turn(cid, "alice", "How much did Turkey export to Italy?", turkey_answer(),
                   filters={"k": 3, "date_from": "2025-01-01"}, sources={"x": "h"})
    store.add_turn(cid, "alice", "And imports?", refusal("And imports?"))
    store.set_feedback(f"{cid}:1", "alice", "up", "exact figure")
    original = store.get(cid, "alice")
    path = tmp_path / "export.json"
    path.write_text(json.dumps(to_json(original)))
    back = from_json(json.loads(path.read_text()), "alice")
    assert back == original
    # imported elsewhere (another machine's store) it is the same conversation
    elsewhere = ConversationStore(tmp_path / "elsewhere.sqlite")
    elsewhere.import_conversation(back, "alice")
    assert elsewhere.get(cid, "alice") == original
    with pytest.raises(QuestionError, match="delete it first"):
        elsewhere.import_conversation(back, "alice")
    with pytest.raises(ConfigError, match="not a Trade Desk conversation export"):
        from_json({"title": "x"}, "alice")


def test_feedback_replaces_and_counts(store: ConversationStore) -> None:
    cid = store.create(LOCAL_USER, "q")
    store.add_turn(cid, LOCAL_USER, "q", turkey_answer("q"))
    store.set_feedback(f"{cid}:1", LOCAL_USER, "up")
    store.set_feedback(f"{cid}:1", LOCAL_USER, "down", "wrong period ")
    fb = store.get(cid, LOCAL_USER).turns[0].feedback
    assert fb is not None and (fb.rating, fb.comment) == ("down", "wrong period")
    assert store.feedback_counts() == {"up": 0, "down": 1}
    with pytest.raises(QuestionError, match="'up' or 'down'"):
        store.set_feedback(f"{cid}:1", LOCAL_USER, "meh")


def test_feedback_export_is_a_q_and_a_file_that_eval_loads(
    store: ConversationStore, tmp_path: Path
) -> None:
    good = store.create("alice", "How much did Turkey export to Italy?")
    store.add_turn(good, "alice", "How much did Turkey export to Italy?", turkey_answer())
    store.add_turn(good, "alice", "And in 2024?", turkey_answer("And in 2024?"))
    store.set_feedback(f"{good}:2", "alice", "up")
    bad = store.create("bob", "What did Chile export?")
    store.add_turn(bad, "bob", "What did Chile export?", turkey_answer("What did Chile export?"))
    store.set_feedback(f"{bad}:1", "bob", "down", "this is about Turkey, not Chile")
    nothing = store.create("bob", "Population of Australia?")
    store.add_turn(nothing, "bob", "Population of Australia?", refusal("Population?"))
    store.set_feedback(f"{nothing}:1", "bob", "up")

    data = to_eval_items(store.rated())
    path = tmp_path / "feedback.json"
    path.write_text(json.dumps(data))
    conversations = load_qa(path)
    by_id = {c[-1].id.split("#")[0]: c for c in conversations}
    follow = by_id[f"fb-{good}-2"]
    assert [i.question for i in follow] == ["How much did Turkey export to Italy?", "And in 2024?"]
    assert follow[-1].expected == (("7.5%",), ("$5.34 billion",))
    assert follow[-1].articles == ("turkey-italy-trade-2025",)
    to_fix = by_id[f"fb-{bad}-1"][0]
    assert to_fix.to_fix and to_fix.comment == "this is about Turkey, not Chile"
    assert not to_fix.expected
    assert by_id[f"fb-{nothing}-1"][0].unanswerable
    # judged: the thumbs-up answer passes, the case to fix fails with its comment
    assert _judge(follow[-1], turkey_answer(), 0.1).correct
    result = _judge(to_fix, turkey_answer(), 0.1)
    assert not result.correct and "this is about Turkey, not Chile" in result.why
    assert _judge(by_id[f"fb-{nothing}-1"][0], refusal("x"), 0.1).correct
    # only one user's ratings
    assert [q["id"] for q in to_eval_items(store.rated("alice"))["questions"]] == [
        f"fb-{good}-2"]


def test_expected_facts_without_figures_use_the_quoted_words() -> None:
    answer = turkey_answer()
    quote = "The summit was held in Rome on Tuesday, the ministry said."
    answer = Answer(text=f"{quote} [1]",
                    citations=[Citation(**{**answer.citations[0].__dict__, "quote": quote})])
    assert expected_facts(answer) == [["The summit was held in Rome on Tuesday"]]


def test_an_unwritable_home_names_the_cause_and_the_fix(tmp_path: Path) -> None:
    # a file where the store's folder should be: no one, root included, can create it
    blocker = tmp_path / "ro"
    blocker.write_text("not a folder")
    with pytest.raises(Exception, match=r"make \S+ writable") as info:
        ConversationStore(blocker / "c" / "x.sqlite").list_conversations(LOCAL_USER)
    assert str(blocker) in str(info.value)  # names the place


def test_a_newer_schema_is_refused_with_the_fix(store: ConversationStore) -> None:
    store.list_conversations(LOCAL_USER)
    store.close()
    with sqlite3.connect(store.path) as raw:
        raw.execute("INSERT INTO migrations VALUES ('m999_future', 'now')")
    with pytest.raises(Exception, match="upgrade Trade Desk"):
        ConversationStore(store.path).list_conversations(LOCAL_USER)


# -- crash safety ---------------------------------------------------------------------------

WRITER = textwrap.dedent(
    """
    import os, signal, sys, json
    sys.path.insert(0, {root!r})
    sys.path.insert(0, {tests!r})
    from test_conversations import turkey_answer
    from assistant.conversations import ConversationStore
    store = ConversationStore({path!r})
    cid = sys.argv[1]
    kill_at = int(sys.argv[2])  # the turn whose write is killed; 0: the parent kills
    conn = store._connect()
    n = 0
    def trace(sql):
        if kill_at and n == kill_at and sql.startswith("UPDATE conversations"):
            os.kill(os.getpid(), signal.SIGKILL)  # the turn's row written, not committed
    conn.set_trace_callback(trace)
    while True:
        n += 1
        store.add_turn(cid, "local", f"question {{n}}", turkey_answer(f"question {{n}}"))
        print(n, flush=True)
    """
)


def run_writer(tmp_path: Path, store: ConversationStore, cid: str, kill_at: int) -> list[int]:
    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(root=str(ROOT), tests=str(ROOT / "tests"),
                                    path=str(store.path)))
    proc = subprocess.Popen([sys.executable, str(script), cid, str(kill_at)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    done: list[int] = []
    for line in proc.stdout:
        done.append(int(line))
        if not kill_at and len(done) == 40:
            os.kill(proc.pid, signal.SIGKILL)  # somewhere in the middle of turn 41's write
    assert proc.wait(timeout=60) == -signal.SIGKILL
    return done


@pytest.mark.parametrize("kill_at", [7, 0], ids=["inside-the-transaction", "from-outside"])
def test_kill_9_mid_write_loses_at_most_that_turn(
    tmp_path: Path, store: ConversationStore, kill_at: int
) -> None:
    cid = store.create(LOCAL_USER, "question 0")
    store.close()
    done = run_writer(tmp_path, store, cid, kill_at)
    if kill_at:
        assert done == list(range(1, kill_at))
    with sqlite3.connect(store.path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    reopened = ConversationStore(store.path)
    c = reopened.get(cid, LOCAL_USER)
    ns = [t.n for t in c.turns]
    # every turn reported written is there, whole; at most the one being written is lost
    assert ns[: len(done)] == done
    assert len(ns) in (len(done), len(done) + 1)
    for t in c.turns:
        assert t.answer == turkey_answer(f"question {t.n}")
    assert c.updated_at == c.turns[-1].created_at
    # and the store goes on
    reopened.add_turn(cid, LOCAL_USER, "after", turkey_answer("after"))
    assert reopened.get(cid, LOCAL_USER).turns[-1].n == ns[-1] + 1
