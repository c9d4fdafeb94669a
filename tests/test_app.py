"""The Streamlit app driven by ``streamlit.testing.v1.AppTest`` on a real store.

One store (data/sample, embedded with the real model) is built for the module; the app
builds its own ``Assistant()`` from ``TRADEDESK_HOME`` exactly as in production, and the
tests read and change the same store through the Python API where a test needs it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from conftest import ROOT, SAMPLE_DIR, clean_settings
from streamlit.testing.v1 import AppTest

from assistant import Assistant
from vectorstore.embeddings import Embedder

APP = str(ROOT / "streamlit_app.py")
TIMEOUT = 120
TURKEY_QUESTION = "How much did Turkey export to Italy in the first five months of 2025?"
SUMMIT_QUESTION = "When was the Fourth Turkey-Italy Intergovernmental Summit held?"
REFUSAL = "The articles don't answer this question."


# -- fixtures -----------------------------------------------------------------------------



@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The module's data folder; the app's resource cache is empty before and after."""
    st.cache_resource.clear()
    yield tmp_path_factory.mktemp("app") / "home"
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def api(home: Path, embedder: Embedder) -> Assistant:
    """The Python API on the app's store, with data/sample ingested once."""
    assistant = Assistant(clean_settings(home=home), embedder=embedder)
    report = assistant.ingest(SAMPLE_DIR)
    assert not report.failed, report.failed
    assert len(assistant.articles()) == 9
    return assistant


@pytest.fixture(autouse=True)
def app_env(_isolated_env: None, monkeypatch: pytest.MonkeyPatch, home: Path, api: Assistant):
    """The app builds its Assistant from these variables (as `make run` does)."""
    monkeypatch.setenv("TRADEDESK_HOME", str(home))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def at() -> AppTest:
    """A fresh browser session of the app on the Chat page."""
    app = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not app.exception, app.exception
    return app


# -- helpers ------------------------------------------------------------------------------


def unescape(md: str) -> str:
    """What a reader sees of escaped Markdown source: the backslash escapes removed."""
    return re.sub(r"\\(.)", r"\1", md, flags=re.S)


def assert_escaped(md: str) -> None:
    """No Markdown image, link, HTML or emphasis syntax is left unescaped in ``md``."""
    assert not re.search(r"(?<!\\)!\[", md), md
    assert not re.search(r"(?<!\\)\]\(", md), md
    assert not re.search(r"(?<!\\)<", md), md
    assert not re.search(r"(?<!\\)\*", md), md


def ask(at: AppTest, question: str) -> Any:
    """Type a question in the chat input; returns the assistant's chat message."""
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    message = at.chat_message[-1]
    assert message.name == "assistant"
    return message


def answer_md(message: Any) -> str:
    """The answer's own Markdown (not the passages inside the citation expanders)."""
    direct = [c for c in message.children.values() if c.type == "markdown"]
    assert direct, "the message shows no answer text"
    return direct[0].value


def find_blocks(node: Any, kind: str) -> list[Any]:
    """Every block of type ``kind`` under ``node`` (dialogs live outside ``at.main``)."""
    found = []
    for child in getattr(node, "children", {}).values():
        if getattr(child, "type", None) == kind:
            found.append(child)
        found.extend(find_blocks(child, kind))
    return found


def go_to(at: AppTest, url_path: str) -> AppTest:
    """Open a page of the app's ``st.navigation``.

    ``AppTest.switch_page()`` only accepts page *files*; this app's pages are functions
    (``st.Page(chat_page, url_path=...)``), which switch_page rejects with "Could not find
    page". So the page is chosen by the hash that ``st.navigation`` registered for its url
    path, which is what a browser session requests for ``/library``.
    """
    pages = {info.get("url_pathname"): h for h, info in at._registered_pages.items()}
    assert url_path in pages, pages
    at._page_hash = pages[url_path]
    at.run()
    assert not at.exception, at.exception
    return at


def upload(api: Assistant, name: str, text: str) -> str:
    """Ingest one uploaded file through the API; returns its article id."""
    report = api.ingest_uploads([(name, text.encode("utf-8"))])
    assert not report.failed, report.failed
    assert len(report.added) == 1, report
    return report.added[0]


# -- chat ---------------------------------------------------------------------------------


def test_first_page_is_the_chat_with_an_example(at: AppTest) -> None:
    assert [h.value for h in at.header] == ["Ask about the trade news"]
    assert len(at.chat_input) == 1
    assert any("Turkey export to Italy" in c.value for c in at.caption)
    assert at.sidebar.caption[-1].value == "9 articles in the library."
    assert not at.chat_message


def test_question_shows_a_cited_answer_with_the_quote_highlighted(
    at: AppTest, api: Assistant
) -> None:
    expected = api.ask(TURKEY_QUESTION)
    assert expected.citations and not expected.refused
    message = ask(at, TURKEY_QUESTION)
    assert at.chat_message[-2].name == "user"
    assert unescape(at.chat_message[-2].markdown[0].value) == TURKEY_QUESTION
    # the answer, with its [1] marker as a badge
    md = answer_md(message)
    assert ":blue-badge[1]" in md
    assert unescape(md.replace(" :blue-badge[1]", " [1]")) == expected.text
    assert not message.info  # not a refusal
    # one expander per citation, labelled "[n] title — date"
    labels = [unescape(e.label) for e in message.expander if not e.label.startswith("Chart:")]
    assert len(labels) == len(expected.citations)
    first = expected.citations[0]
    assert labels[0].startswith("[1] ")
    assert labels[0] == f"[1] {first.title} — {first.date}"
    assert "Turkish shipments to Italy" in labels[0]
    # the expander shows the passage with the quote on an orange background
    passage_md = message.expander[0].markdown[0].value
    assert first.quote in unescape(passage_md)
    highlighted = re.findall(r":orange-background\[(.*?)(?<!\\)\]", passage_md, flags=re.S)
    assert [unescape(h) for h in highlighted] == [first.quote]
    # and apart from the highlight, the passage exactly as the article has it
    plain = re.sub(r":orange-background\[(.*?)(?<!\\)\]", r"\1", passage_md, flags=re.S)
    assert [ln.strip() for ln in unescape(plain).split("\n")] == [
        ln.strip() for ln in first.passage.split("\n")
    ]
    caption = message.expander[0].caption[0].value
    assert first.article_id in caption and unescape(first.source) in unescape(caption)
    # the turn is kept for follow-ups
    assert [m["role"] for m in at.session_state["messages"]] == ["user", "assistant"]


@pytest.fixture
def sample_only(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """The app on a fresh store holding exactly data/sample (what `make run` ingests).

    The extractive answer depends on the whole library (term weights), so this test does
    not use the module's store, which other tests add articles to.
    """
    home = tmp_path / "home"
    assert not Assistant(clean_settings(home=home), embedder=embedder).ingest(SAMPLE_DIR).failed
    monkeypatch.setenv("TRADEDESK_HOME", str(home))
    st.cache_resource.clear()
    yield home
    st.cache_resource.clear()


def test_turkey_question_gives_the_january_may_total(sample_only: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert at.sidebar.caption[-1].value == "9 articles in the library."
    message = ask(at, TURKEY_QUESTION)
    text = unescape(answer_md(message))
    assert "5.34" in text, text
    assert unescape(message.expander[0].label).startswith("[1]")


def test_out_of_corpus_question_is_refused_without_citations(at: AppTest) -> None:
    turkey = ask(at, TURKEY_QUESTION)
    assert turkey.expander
    message = ask(at, "Who won the 2022 FIFA World Cup?")
    assert [unescape(i.value) for i in message.info] == [
        "The articles don't answer this: none of them mentions FIFA or Cup."]
    assert not message.expander
    assert not [c for c in message.children.values() if c.type == "markdown"]
    # the earlier answer keeps its citations
    assert at.chat_message[1].expander
    assert at.session_state["messages"][-1]["answer"].refused


def test_follow_up_question_uses_the_conversation(at: AppTest) -> None:
    first = ask(at, SUMMIT_QUESTION)
    assert "Rome" in unescape(answer_md(first))
    follow_up = ask(at, "Where was it held?")
    assert not follow_up.info
    assert "Rome" in unescape(answer_md(follow_up))
    assert follow_up.expander
    assert "Turkish shipments to Italy" in unescape(follow_up.expander[0].label)
    assert len(at.session_state["messages"]) == 4
    standalone = at.session_state["messages"][-1]["answer"].standalone_question
    assert "Summit" in standalone or "summit" in standalone


def test_follow_up_question_alone_does_not_answer(at: AppTest) -> None:
    # without the conversation, "it" refers to nothing: the history above is what answers
    message = ask(at, "Where was it held?")
    shown = "".join(unescape(c.value) for c in message.children.values() if c.type == "markdown")
    assert "Rome" not in shown


def test_new_chat_clears_the_messages(at: AppTest) -> None:
    ask(at, SUMMIT_QUESTION)
    assert len(at.chat_message) == 2
    [new_chat] = [b for b in at.sidebar.button if b.label == "New chat"]
    new_chat.click().run()
    assert not at.exception
    assert not at.chat_message
    assert at.session_state["messages"] == []
    assert any("Turkey export to Italy" in c.value for c in at.caption)
    # and the next question starts a new conversation (no history)
    follow_up = ask(at, "Where was it held?")
    assert len(at.chat_message) == 2
    assert "Rome" not in "".join(
        unescape(c.value) for c in follow_up.children.values() if c.type == "markdown"
    )


@pytest.fixture
def short_limit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The app rebuilt with TRADEDESK_MAX_QUESTION_CHARS=50 (and rebuilt again after)."""
    monkeypatch.setenv("TRADEDESK_MAX_QUESTION_CHARS", "50")
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def test_over_long_question_shows_an_error_not_a_traceback(short_limit: None) -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert len(TURKEY_QUESTION) > 50
    at.chat_input[0].set_value(TURKEY_QUESTION).run()
    assert not at.exception, at.exception
    [error] = at.error
    assert f"{len(TURKEY_QUESTION)} characters" in error.value
    assert "the limit is 50" in error.value and "TRADEDESK_MAX_QUESTION_CHARS" in error.value
    assert "Traceback" not in error.value
    assert not at.expander and not at.info
    assert at.session_state["messages"] == []  # the failed question is not history
    # a question within the limit still works in the same session
    short = "Where was the Turkey-Italy summit held?"
    assert len(short) <= 50
    message = ask(at, short)
    assert "Rome" in unescape(answer_md(message))
    assert not at.error


# -- library ------------------------------------------------------------------------------


def test_library_page_lists_the_articles(at: AppTest, api: Assistant) -> None:
    go_to(at, "library")
    assert [h.value for h in at.header] == ["Library"]
    assert not at.chat_input
    articles = api.articles()
    assert f"Articles ({len(articles)})" in [s.value for s in at.subheader]
    table = at.dataframe[0].value
    assert list(table.columns) == ["title", "date", "source", "chunks", "id"]
    assert list(table["id"]) == [a.article_id for a in articles]
    assert list(table["title"]) == [a.title for a in articles]
    sample_stems = {p.stem for p in SAMPLE_DIR.iterdir() if p.suffix != ".jsonl"}
    listed = {re.sub(r"-[0-9a-f]{10}$", "", i) for i in table["id"]}
    assert sample_stems <= listed
    assert "Turkish shipments to Italy climb 7.5% as Ankara and Rome chase $40 billion goal" in (
        list(table["title"])
    )
    assert at.file_uploader and "txt, md" in at.file_uploader[0].label


CASHEW = """Vietnam cashew exports to the United States reach $1.23 billion
Source: Saigon Commodities Desk
Date: 2025-02-10

Vietnam's cashew exports to the United States reached $1.23 billion in 2024, up 11% on 2023, \
the Vietnam Cashew Association said. Processors in Binh Phuoc province supplied most of the \
kernels shipped to American snack makers.
"""
CASHEW_QUESTION = "How much were Vietnam's cashew exports to the United States worth in 2024?"


def test_removing_an_article_on_the_library_page(at: AppTest, api: Assistant) -> None:
    cashew = upload(api, "vietnam-cashew.txt", CASHEW)
    message = ask(at, CASHEW_QUESTION)
    assert "1.23 billion" in unescape(answer_md(message))
    go_to(at, "library")
    assert cashew in list(at.dataframe[0].value["id"])
    at.selectbox(key="doomed").set_value(cashew).run()
    at.button(key="remove").click().run()
    assert not at.exception, at.exception
    assert cashew not in {a.article_id for a in api.articles()}
    assert len(api.articles()) == len(at.dataframe[0].value)
    assert cashew not in list(at.dataframe[0].value["id"])
    assert cashew not in at.selectbox(key="doomed").options
    # and the chat no longer answers from it
    go_to(at, "")
    message = ask(at, CASHEW_QUESTION)
    shown = [c.value for c in message.markdown] + [i.value for i in message.info]
    assert "1.23" not in unescape("".join(shown))
    assert all("cashew" not in unescape(e.label).lower() for e in message.expander)


NORWAY = """Norway salmon exports to Japan reached $1.7 billion in 2024
Source: Nordic Seafood Ledger
Date: 2025-01-20

Norway's salmon exports to Japan reached $1.7 billion in 2024, a rise of 9% on 2023, according \
to the Norwegian Seafood Council. Fresh whole salmon flown to Tokyo's Toyosu market made up \
most of the value, while frozen fillets for sushi chains grew fastest.
"""
NORWAY_QUESTION = "How much were Norway's salmon exports to Japan worth in 2024?"


def test_article_ingested_through_the_api_is_answerable_without_restart(
    at: AppTest, api: Assistant, home: Path, embedder: Embedder
) -> None:
    before = ask(at, NORWAY_QUESTION)
    assert "1.7" not in "".join(unescape(c.value) for c in before.children.values()
                                if c.type == "markdown")
    # another Assistant (another process would do the same) ingests into the same home
    other = Assistant(clean_settings(home=home), embedder=embedder)
    norway = upload(other, "norway-salmon.txt", NORWAY)
    # same session, same cached Assistant: the new article is searched at once
    after = ask(at, NORWAY_QUESTION)
    assert "$1.7 billion" in unescape(answer_md(after))
    assert unescape(after.expander[0].label).startswith("[1] Norway salmon exports to Japan")
    assert norway in after.expander[0].caption[0].value
    # the sidebar and the library see it too
    assert at.sidebar.caption[-1].value == f"{len(api.articles())} articles in the library."
    go_to(at, "library")
    assert norway in list(at.dataframe[0].value["id"])


GHANA = b"""---
title: Ghana cocoa exports to the Netherlands fell to $0.86 billion
date: 2025-03-03
source: Accra Trade Monitor
---

Ghana's cocoa bean exports to the Netherlands fell to $0.86 billion in 2024, down 14% on 2023, \
as swollen shoot disease cut the harvest in the Western North region.
"""


def test_upload_on_the_library_page_then_ask(at: AppTest, api: Assistant) -> None:
    go_to(at, "library")
    at.file_uploader[0].set_value(("ghana-cocoa.md", GHANA, "text/markdown")).run()
    button = at.button(key="ingest_uploads")
    assert button.label == "Ingest 1 file(s)"
    button.click().run()
    assert not at.exception, at.exception
    assert not at.error
    [report] = at.success
    assert report.value.startswith("Added 1, updated 0, unchanged 0, removed 0, failed 0")
    assert at.file_uploader[0].key == "uploader-1"  # the uploader is emptied
    [ghana] = [a for a in api.articles() if a.title.startswith("Ghana cocoa")]
    assert ghana.source == "Accra Trade Monitor" and ghana.date == "2025-03-03"
    assert ghana.article_id in list(at.dataframe[0].value["id"])
    go_to(at, "")
    message = ask(at, "How much were Ghana's cocoa exports to the Netherlands worth in 2024?")
    assert "$0.86 billion" in unescape(answer_md(message))
    assert unescape(message.expander[0].label).startswith("[1] Ghana cocoa exports")


def test_upload_of_an_unsupported_file_reports_the_failure(at: AppTest) -> None:
    go_to(at, "library")
    # the widget filters by extension in the browser; AppTest sends the file anyway,
    # so this is what the API's own check reports
    at.file_uploader[0].set_value(("empty.txt", b"   \n", "text/plain")).run()
    at.button(key="ingest_uploads").click().run()
    assert not at.exception, at.exception
    [warning] = at.warning
    assert "failed 1" in warning.value
    table = at.dataframe[0].value
    assert list(table["file"]) == ["empty.txt"] and "empty" in table["reason"][0]


# -- escaping -----------------------------------------------------------------------------

HOSTILE = """Paraguay soy exports to Argentina climb in 2024
Source: Asuncion Grain Wire
Date: 2025-02-05

Paraguay's soybean exports to Argentina rose to $2.9 billion in 2024, said the grain chamber \
<script>alert(1)</script> in a **bold** note ![x](http://127.0.0.1:9/leak) on Monday.
River barges on the Paraguay River carried most of the beans to crushers near Rosario.
"""
HOSTILE_QUESTION = "How much were Paraguay's soybean exports to Argentina worth in 2024?"


def test_article_text_is_shown_literally_never_as_markup(at: AppTest, api: Assistant) -> None:
    upload(api, "paraguay-soy.txt", HOSTILE)
    message = ask(at, HOSTILE_QUESTION)
    expander = next(e for e in message.expander if "Paraguay soy" in unescape(e.label))
    passage_md = expander.markdown[0].value
    assert_escaped(passage_md.replace(":orange-background[", ""))
    shown = unescape(passage_md)
    for literal in ("<script>alert(1)</script>", "**bold**", "![x](http://127.0.0.1:9/leak)"):
        assert literal in shown, shown
    assert r"\<script\>" in passage_md
    # the answer (here a figure from the fact ledger) is escaped as well
    md = answer_md(message)
    assert_escaped(md)
    assert "$2.9 billion" in unescape(md)
    # the whole-article dialog too
    expander.button[0].click().run()
    assert not at.exception, at.exception
    [dialog] = find_blocks(at._tree, "dialog")
    body = [c for c in find_blocks(dialog, "flex_container")[0].children.values()]
    article_md = body[-1].value
    assert_escaped(article_md.replace(":orange-background[", "").replace(":gray-background[", ""))
    assert "![x](http://127.0.0.1:9/leak)" in unescape(article_md)


TITLED = """Uruguay ![t](http://127.0.0.1:9/title) **beef** exports to China
Source: Montevideo ![s](http://127.0.0.1:9/source) Desk
Date: 2025-01-15

Uruguay's beef exports to China reached $1.05 billion in 2024, according to the meat \
institute INAC, as Chinese importers bought more frozen cuts.
"""
TITLED_QUESTION = "How much were Uruguay's beef exports to China worth in 2024?"


@pytest.fixture(scope="module")
def titled(api: Assistant) -> str:
    """An article with Markdown in its title and source line."""
    return upload(api, "uruguay-beef.txt", TITLED)


def test_citation_label_shows_the_title_literally(at: AppTest, titled: str) -> None:
    message = ask(at, TITLED_QUESTION)
    [expander] = [e for e in message.expander if titled in e.caption[0].value]
    assert "Uruguay" in unescape(expander.label)
    assert not re.search(r"(?<!\\)!\[", expander.label), expander.label
    assert not re.search(r"(?<!\\)\*\*", expander.label), expander.label


def test_article_dialog_shows_the_source_literally(at: AppTest, titled: str) -> None:
    message = ask(at, TITLED_QUESTION)
    [expander] = [e for e in message.expander if titled in e.caption[0].value]
    # the expander's own caption escapes the source...
    source_md = expander.caption[0].value.split(" · article")[0]
    assert_escaped(source_md)
    assert unescape(source_md) == "Montevideo ![s](http://127.0.0.1:9/source) Desk"
    expander.button[0].click().run()
    assert not at.exception, at.exception
    [dialog] = find_blocks(at._tree, "dialog")
    [caption] = find_blocks(dialog, "caption")
    assert "2025-01-15" in unescape(caption.value)
    # ...the dialog's must too
    assert not re.search(r"(?<!\\)!\[", caption.value), caption.value
    assert unescape(caption.value) == "2025-01-15 · Montevideo ![s](http://127.0.0.1:9/source) Desk"


def test_figures_page_lists_the_ledger_and_charts_a_series(at: AppTest, api: Assistant) -> None:
    at.run()
    go_to(at, "figures")
    assert any("Figures" in h.value for h in at.header)
    [table] = at.dataframe
    frame = table.value
    figures = set(frame["figure"])
    total = len(api.facts())
    assert len(frame) == min(total, 100)  # one page of the ledger
    if total > 100:  # the next page holds the rest
        at.number_input(key="fig_page").set_value(2).run()
        assert len(at.dataframe[0].value) == total - 100
        figures |= set(at.dataframe[0].value["figure"])
        at.number_input(key="fig_page").set_value(1).run()
    assert {"$5.34 billion", "€90.0 billion", "73.1 million"} <= figures
    # Filter to one country: only its figures remain.
    at.selectbox(key="fig_country").set_value("Kenya").run()
    assert not at.exception, at.exception
    kenya = at.dataframe[0].value
    assert len(kenya) and all("Kenya" in s for s in kenya["subject"])
    # Choose the Italy–Turkey trade series: a chart of 2023 and the target.
    at.selectbox(key="fig_country").set_value("Turkey").run()
    series = at.selectbox(key="fig_series")
    name = next(o for o in series.options
                if "Italy ↔ Turkey · bilateral · level · USD · yearly" in o)
    series.set_value(name.rsplit(" (", 1)[0]).run()
    assert not at.exception, at.exception
    charts = at.get("vega_lite_chart")
    assert charts, "no chart drawn"
    spec = json.loads(charts[0].proto.spec)
    assert "sentence" in json.dumps(spec)  # tooltips carry the source sentence
    # A series joins periods of one length only: five months and one month are two series.
    turkey = [o for o in at.selectbox(key="fig_series").options
              if o.startswith("Turkey → Italy · export · level · USD")]
    assert any("year to date (5 months)" in o for o in turkey), turkey
    assert any("monthly" in o for o in turkey), turkey


def test_figure_answer_offers_a_chart_of_its_series(at: AppTest) -> None:
    message = ask(at, "What was the trade volume between Turkey and Italy in 2023?")
    assert "$28 billion" in unescape(answer_md(message))
    labels = [unescape(e.label) for e in message.expander]
    assert any(label.startswith("Chart:") for label in labels), labels


def test_a_partial_answer_is_shown_as_such_with_its_citation(at: AppTest) -> None:
    message = ask(at, "How much did German exports to China fall in 2023?")
    [warning] = [w for w in message.warning if "Partial answer" in w.value]
    text = unescape(warning.value)
    assert "2023" in text and "2024" in text  # what is missing, and what the articles have
    assert message.expander  # the closest they come, cited
    assert not message.info  # not a refusal
    answer = at.session_state["messages"][-1]["answer"]
    assert answer.partial and not answer.refused
