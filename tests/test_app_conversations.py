"""Saved conversations and feedback in the app, driven by ``AppTest`` on a real store.

The app's restart is simulated as Streamlit's own does it to a new process: its resource
cache (the ``Assistant``) is cleared and a new session starts; what it shows again comes
from the conversation store on disk. Logged-in users are given as ``AppTest.user``
(``st.user``); the trusted-header users are tested in the real browser
(``tests/test_browser.py``), as AppTest cannot send headers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from conftest import SAMPLE_DIR, clean_settings
from streamlit.testing.v1 import AppTest
from test_app import APP, SUMMIT_QUESTION, TIMEOUT, TURKEY_QUESTION, answer_md, ask, go_to, unescape

from assistant import Assistant
from assistant.conversations import LOCAL_USER
from vectorstore.embeddings import Embedder

SOYBEAN = """Brazil soybean exports to China hit record in March
Source: Santos Port Bulletin
Date: 2025-04-03

Brazil shipped 14.2 million tonnes of soybeans to China in March 2025, a record for the \
month, the port authority said.
"""
SOYBEAN_QUESTION = "How many tonnes of soybeans did Brazil ship to China in March 2025?"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    st.cache_resource.clear()
    yield tmp_path_factory.mktemp("app-conversations") / "home"
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def api(home: Path, embedder: Embedder) -> Assistant:
    assistant = Assistant(clean_settings(home=home), embedder=embedder)
    assert not assistant.ingest(SAMPLE_DIR).failed
    return assistant


@pytest.fixture(autouse=True)
def app_env(_isolated_env: None, monkeypatch: pytest.MonkeyPatch, home: Path, api: Assistant):
    monkeypatch.setenv("TRADEDESK_HOME", str(home))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def session(user: str | None = None, conversation: str | None = None) -> AppTest:
    """A new browser session (as ``user`` when given, logged in with OIDC)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if user is not None:
        at.user = {"is_logged_in": True, "email": user, "name": user}
    if conversation is not None:
        at.query_params["c"] = conversation
    at.run()
    assert not at.exception, at.exception
    return at


def restart() -> None:
    """What a new server process starts with: no cached Assistant."""
    st.cache_resource.clear()


def listed(at: AppTest) -> list[str]:
    """The titles of the sidebar's saved conversations, in order."""
    return [b.label for b in at.sidebar.button if b.key and b.key.startswith("conv-")]


def open_listed(at: AppTest, title: str) -> AppTest:
    [button] = [b for b in at.sidebar.button if b.key and b.key.startswith("conv-")
                and b.label == title]
    button.click().run()
    assert not at.exception, at.exception
    return at


def shown_texts(at: AppTest) -> list[str]:
    out = []
    for m in at.chat_message:
        md = [c for c in m.children.values() if c.type == "markdown"]
        out.append(unescape(md[0].value) if md else "")
    return out


def test_a_conversation_survives_a_restart_and_continues_from_its_history(
    api: Assistant,
) -> None:
    at = session("carol@example.org")
    first = ask(at, SUMMIT_QUESTION)
    assert "Rome" in unescape(answer_md(first))
    cid = at.session_state["conversation_id"]
    assert cid and at.query_params["c"] in (cid, [cid])
    assert listed(at) == [SUMMIT_QUESTION]
    before = shown_texts(at)

    restart()
    at = session("carol@example.org")
    assert not at.chat_message  # a new session starts with a new chat ...
    assert listed(at) == [SUMMIT_QUESTION]  # ... and lists the saved one
    open_listed(at, SUMMIT_QUESTION)
    assert shown_texts(at) == before
    assert at.session_state["conversation_id"] == cid
    # continuing it uses the stored history: "it" is the summit
    follow_up = ask(at, "Where was it held?")
    assert "Rome" in unescape(answer_md(follow_up))
    standalone = at.session_state["messages"][-1]["answer"].standalone_question
    assert "summit" in standalone.lower()
    saved = api.conversations.get(cid, "carol@example.org")
    assert [t.question for t in saved.turns] == [SUMMIT_QUESTION, "Where was it held?"]
    assert saved.turns[1].answer.standalone_question == standalone
    assert saved.turns[1].filters["backend"] == "extractive"


def test_a_reload_shows_the_conversation_of_the_address(api: Assistant) -> None:
    at = session()
    ask(at, TURKEY_QUESTION)
    cid = at.session_state["conversation_id"]
    before = shown_texts(at)
    again = session(conversation=cid)  # the browser reloads /chat?c=ID: a new session
    assert shown_texts(again) == before
    assert again.session_state["conversation_id"] == cid
    assert api.conversations.get(cid, LOCAL_USER).turns[0].question == TURKEY_QUESTION


def test_two_users_never_see_each_others_conversations(api: Assistant) -> None:
    alice = session("alice@example.org")
    ask(alice, "What did Alice ask about the Turkey-Italy summit?")
    alice_cid = alice.session_state["conversation_id"]
    bob = session("bob@example.org")
    assert "What did Alice ask about the Turkey-Italy summit?" not in listed(bob)
    bob.sidebar.text_input(key="conv_search").set_value("Alice").run()
    assert listed(bob) == []
    # the address of Alice's conversation shows Bob nothing of it
    bob = session("bob@example.org", conversation=alice_cid)
    assert not bob.chat_message
    assert any("No conversation" in w.value for w in bob.warning)
    assert bob.session_state["conversation_id"] is None
    # nor does the local (not logged-in) user see it
    assert "What did Alice ask about the Turkey-Italy summit?" not in listed(session())
    assert listed(session("alice@example.org"))[0] == (
        "What did Alice ask about the Turkey-Italy summit?")


def test_search_rename_and_delete_in_the_sidebar(api: Assistant) -> None:
    at = session("dave@example.org")
    ask(at, TURKEY_QUESTION)
    [new] = [b for b in at.sidebar.button if b.label == "New chat"]
    new.click().run()
    ask(at, SUMMIT_QUESTION)
    assert listed(at) == [SUMMIT_QUESTION, TURKEY_QUESTION]  # newest first
    at.sidebar.text_input(key="conv_search").set_value("five months").run()
    assert listed(at) == [TURKEY_QUESTION]
    at.sidebar.text_input(key="conv_search").set_value("").run()
    cid = at.session_state["conversation_id"]
    at.sidebar.text_input(key=f"title-{cid}").set_value("The summit").run()
    at.sidebar.button(key="conv_rename").click().run()
    assert not at.exception, at.exception
    assert listed(at) == ["The summit", TURKEY_QUESTION]
    at.sidebar.button(key="conv_delete").click().run()
    assert not at.exception, at.exception
    assert listed(at) == [TURKEY_QUESTION]
    assert not at.chat_message and at.session_state["conversation_id"] is None
    assert [c.title for c in api.conversations.list_conversations("dave@example.org")] == [
        TURKEY_QUESTION]


def test_thumbs_and_comment_are_stored_and_the_feedback_page_lists_them(
    api: Assistant,
) -> None:
    at = session("erin@example.org")
    ask(at, TURKEY_QUESTION)
    ask(at, "Who won the 2022 FIFA World Cup?")
    turn_ids = [m.get("turn_id") for m in at.session_state["messages"] if m["role"] == "assistant"]
    at.text_input(key="m1-comment").set_value("exact figure").run()
    at.button(key="m1-up").click().run()
    at.text_input(key="m3-comment").set_value("should say who won").run()
    at.button(key="m3-down").click().run()
    assert not at.exception, at.exception
    assert any("You rated this answer 👎" in c.value for c in at.caption)
    cid = turn_ids[0].rsplit(":", 1)[0]
    saved = api.conversations.get(cid, "erin@example.org")
    assert [(t.feedback.rating, t.feedback.comment) for t in saved.turns if t.feedback] == [
        ("up", "exact figure"), ("down", "should say who won")]
    go_to(at, "feedback")
    assert [m.value for m in at.metric] == ["1", "1"]
    page: Any = at.main
    texts = " ".join(unescape(m.value) for m in page.markdown)
    assert "Who won the 2022 FIFA World Cup?" in texts and "should say who won" in texts
    assert "Turkey export" not in texts  # only thumbs-down are listed
    # another user's feedback page shows none of it
    other = session("frank@example.org")
    go_to(other, "feedback")
    assert [m.value for m in other.metric] == ["0", "0"]


def test_a_citation_of_an_updated_or_removed_article_says_so(
    api: Assistant, tmp_path: Path
) -> None:
    folder = tmp_path / "wire"
    folder.mkdir()
    story = folder / "brazil-soy.txt"
    story.write_text(SOYBEAN)
    assert not api.ingest(folder).failed
    at = session("gina@example.org")
    message = ask(at, SOYBEAN_QUESTION)
    assert "14.2 million tonnes" in unescape(answer_md(message))
    assert not message.expander[0].warning
    cid = at.session_state["conversation_id"]

    story.write_text(SOYBEAN.replace("14.2 million", "15.1 million"))
    assert api.ingest(folder).updated
    at = session("gina@example.org", conversation=cid)
    expander = at.chat_message[1].expander[0]
    [note] = expander.warning
    assert "was updated after this answer" in note.value
    assert "14.2 million tonnes" in unescape(expander.markdown[0].value)  # the quote then
    assert "15.1" not in unescape(expander.markdown[0].value)
    assert not expander.button  # no "Open the whole article" at offsets that moved

    [article] = [a for a in api.articles() if a.source_path == str(story)]
    api.remove(article.article_id)
    at = session("gina@example.org", conversation=cid)
    [note] = at.chat_message[1].expander[0].warning
    assert "was removed from the library" in note.value


@pytest.fixture
def header_users(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TRADEDESK_TRUST_USER_HEADER", "true")
    restart()
    yield
    restart()


def test_a_required_user_header_that_is_missing_is_an_error_with_the_fix(
    header_users: None,
) -> None:
    at = session()  # AppTest sends no headers: as a request that bypassed the proxy
    [error] = at.error
    assert "no X-Forwarded-User header" in error.value
    assert "TRADEDESK_TRUST_USER_HEADER" in error.value and "proxy" in error.value
    assert not at.chat_input and not listed(at)
