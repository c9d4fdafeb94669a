"""The Library page's feeds: add, poll, the watcher toggle, the log, stop watching (AppTest).

The app builds its own ``Assistant()`` from ``TRADEDESK_*`` as in production; the feeds
are served by the tests' local web site on 127.0.0.1 (allowed by
``TRADEDESK_WEB_ALLOW_HOSTS``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from conftest import ROOT, clean_settings
from streamlit.testing.v1 import AppTest
from websites import Site, serving

from assistant import Assistant
from vectorstore.embeddings import Embedder

pytestmark = pytest.mark.slow

APP = str(ROOT / "streamlit_app.py")
TIMEOUT = 120


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    yield from serving()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    st.cache_resource.clear()
    yield tmp_path_factory.mktemp("app-feeds") / "home"
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def api(home: Path, embedder: Embedder) -> Assistant:
    return Assistant(clean_settings(home=home, web_allow_hosts="127.0.0.1"), embedder=embedder)


@pytest.fixture(autouse=True)
def app_env(_isolated_env: None, monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("TRADEDESK_HOME", str(home))
    monkeypatch.setenv("TRADEDESK_WEB_ALLOW_HOSTS", "127.0.0.1")
    monkeypatch.setenv("TRADEDESK_WATCH_INTERVAL", "3600")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def library(at: AppTest) -> AppTest:
    pages = {info.get("url_pathname"): h for h, info in at._registered_pages.items()}
    at._page_hash = pages["library"]
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def at() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not app.exception, app.exception
    return library(app)


def sources_table(at: AppTest) -> Any:
    """The watched-sources table (the second table: the first lists the articles)."""
    tables = [d.value for d in at.dataframe if "location" in d.value.columns]
    return tables[0] if tables else None


def test_library_page_adds_polls_watches_and_stops_watching_a_feed(
    at: AppTest, api: Assistant, site: Site
) -> None:
    assert "Feeds and watched folders" in [s.value for s in at.subheader]
    assert sources_table(at) is None
    # a refused URL: the cause on the page, nothing stored
    at.text_input(key="feed_url").set_value("ftp://127.0.0.1/feed.xml").run()
    at.button(key="add_feed").click().run()
    assert not at.exception and "ftp://" in at.error[0].value and api.feeds() == []

    at.text_input(key="feed_url").set_value(site.url("/changing.xml")).run()
    at.button(key="add_feed").click().run()
    assert not at.exception, at.exception
    assert [f.location for f in api.feeds()] == [site.url("/changing.xml")]
    table = sources_table(at)
    assert list(table["location"]) == [site.url("/changing.xml")]
    assert list(table["status"]) == ["not polled yet"]

    at.button(key="poll_now").click().run()
    assert not at.exception, at.exception
    assert any("1 fetched" in s.value and "added 2" in s.value for s in at.success)
    assert {a.title for a in api.articles()} >= {"Benin cotton exports to Bangladesh grow",
                                                  "Ivory Coast cocoa arrivals slow"}
    log = [d.value for d in at.dataframe if "status" in d.value.columns
           and "added" in d.value.columns][0]
    assert list(log["status"])[:1] == ["ok"] and list(log["added"])[:1] == [2]
    at.run()
    assert list(sources_table(at)["status"]) == ["ok"]

    # the watcher toggle starts the process's background poller, and stops it
    toggle = at.toggle(key="watch_toggle")
    assert toggle.value is False
    toggle.set_value(True).run()
    assert not at.exception, at.exception
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(api.poll_log(10)) < 2:
        time.sleep(0.2)
    assert api.poll_log(1)[0].status == "not-modified"  # it polled: a 304 this time
    at.run()
    assert at.toggle(key="watch_toggle").value is True  # the page shows it running
    at.toggle(key="watch_toggle").set_value(False).run()
    assert not at.exception and at.toggle(key="watch_toggle").value is False

    # stop watching: the feed goes, its articles stay
    n_articles = len(api.articles())
    at.selectbox(key="unwatch").set_value(api.feeds()[0].source_id).run()
    at.button(key="remove_source").click().run()
    assert not at.exception, at.exception
    assert api.feeds() == [] and len(api.articles()) == n_articles
    assert sources_table(at) is None


def _polls_of(api: Assistant, url: str) -> int:
    return sum(r.location == url for r in api.poll_log(50))


def test_the_watch_toggle_is_the_stores_in_every_session_and_after_a_restart(
    api: Assistant, site: Site
) -> None:
    url = site.url("/atom.xml")
    api.add_feed(url)
    assert api.watching() is False
    # A restart: the previous app process had switched watching on and is gone (this
    # process's cached watcher is dropped); the new one shows the toggle on and watches.
    api.set_watching(True)
    st.cache_resource.clear()
    try:
        first = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
        assert not first.exception, first.exception
        library(first)
        assert first.toggle(key="watch_toggle").value is True
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _polls_of(api, url) < 1:
            time.sleep(0.2)
        assert _polls_of(api, url) == 1  # the restarted app's watcher polled

        # a second browser session sees the same toggle, and switching it off there ...
        second = library(AppTest.from_file(APP, default_timeout=TIMEOUT).run())
        assert second.toggle(key="watch_toggle").value is True
        second.toggle(key="watch_toggle").set_value(False).run()
        assert not second.exception, second.exception
        assert api.watching() is False
        # ... is what the first session shows next
        first.run()
        assert first.toggle(key="watch_toggle").value is False
        # and on again from the first: stored, and the second sees it
        first.toggle(key="watch_toggle").set_value(True).run()
        assert api.watching() is True
        second.run()
        assert second.toggle(key="watch_toggle").value is True
        second.toggle(key="watch_toggle").set_value(False).run()
        assert api.watching() is False
    finally:
        api.set_watching(False)
        api.remove_feed(url)


def test_a_citation_of_a_web_article_links_to_it(at: AppTest, api: Assistant,
                                                  site: Site) -> None:
    report = api.ingest([site.url("/article.html")])
    assert report.ok, report.failed
    pages = {info.get("url_pathname"): h for h, info in at._registered_pages.items()}
    at._page_hash = pages[""] if "" in pages else pages["chat"]
    at.run()
    at.chat_input[0].set_value(
        "How many tonnes of avocados did Kenya ship to the Netherlands in 2024?").run()
    assert not at.exception, at.exception
    message = at.chat_message[-1]
    caption = message.expander[0].caption[0].value
    url = site.url("/article.html")
    assert f"]({url})" in caption  # a Markdown link to the article ...
    assert "127\\.0\\.0\\.1" in caption  # ... whose text (escaped) shows where it goes
