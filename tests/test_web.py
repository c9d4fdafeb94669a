"""Articles from URLs, RSS/Atom/OPML feeds and the watcher, against a real local web site.

``websites.Site`` is a stdlib HTTP server on 127.0.0.1 run by the tests (pages, feeds,
an OPML list, a feed that changes between polls, a slow endpoint, an oversized body, a
redirect loop, a 500, a 304 with ETag, malformed entries). Nothing is mocked: the real
fetcher talks HTTP to it, and the store is the real embedded one with the real model.
The pure-logic parts (URL checks without network, OPML and feed parsing, telling a feed
from a page) are in the fast tier.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from websites import ATOM, OPML, RSS, Site, serving

from assistant import Assistant
from ingest.web.feeds import parse_feed, parse_opml, sniff_kind
from ingest.web.fetch import Fetched, Fetcher, FetchPolicy, check_url, normalise_url
from vectorstore.errors import FetchError, LoaderError

ALLOW = "127.0.0.1"


@pytest.fixture
def site() -> Iterator[Site]:
    yield from serving()


@pytest.fixture
def web(make_assistant: Callable[..., Assistant]) -> Callable[..., Assistant]:
    """An Assistant that may read 127.0.0.1, with short limits for the bad endpoints."""

    def make(**overrides: Any) -> Assistant:
        overrides.setdefault("web_allow_hosts", ALLOW)
        overrides.setdefault("web_timeout", 1.0)
        overrides.setdefault("web_max_mb", 0.2)
        overrides.setdefault("watch_interval", 1.0)
        return make_assistant(**overrides)

    return make


def fetched(body: str, ctype: str, url: str = "http://feeds.example/x") -> Fetched:
    return Fetched(url, url, 200, content_type=ctype, body=body.encode("utf-8"))


# -- fast: URL rules without network -------------------------------------------------------


@pytest.mark.fast
@pytest.mark.parametrize("url, cause", [
    ("file:///etc/passwd", "file://"),
    ("ftp://127.0.0.1/feed.xml", "ftp://"),
    ("javascript:alert(1)", "javascript://"),
    ("gopher://example.org/", "gopher://"),
    ("example.org/feed.xml", "no scheme"),
    ("http:///nohost", "no host"),
    ("http://user:secret@example.org/", "credentials"),
])
def test_urls_other_than_http_are_refused_with_the_cause(url: str, cause: str) -> None:
    with pytest.raises(FetchError) as info:
        normalise_url(url)
    assert cause in str(info.value)
    assert not info.value.retry


@pytest.mark.fast
@pytest.mark.parametrize("url, what", [
    ("http://127.0.0.1:8080/", "loopback"),
    ("http://localhost/", "loopback"),
    ("http://[::1]/", "loopback"),
    ("http://10.1.2.3/", "private"),
    ("http://192.168.0.10/feed", "private"),
    ("http://172.16.5.5/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://[::ffff:127.0.0.1]/", "loopback"),
    ("http://2130706433/", "loopback"),  # 127.0.0.1 written as one number
    ("http://100.64.0.1/", "non-public"),  # carrier-grade NAT
])
def test_private_addresses_are_refused_unless_allowed(url: str, what: str) -> None:
    with pytest.raises(FetchError) as info:
        check_url(url, FetchPolicy())
    message = str(info.value)
    assert what in message and "TRADEDESK_WEB_ALLOW_HOSTS" in message


@pytest.mark.fast
def test_the_allow_list_opens_only_what_it_names() -> None:
    policy = FetchPolicy(allow=("127.0.0.1", "10.0.0.0/8"))
    assert check_url("HTTP://127.0.0.1:8080/a#frag", policy) == "http://127.0.0.1:8080/a"
    assert check_url("http://10.9.8.7/feed", policy) == "http://10.9.8.7/feed"
    for refused in ("http://192.168.1.1/", "http://169.254.169.254/", "http://[::1]/"):
        with pytest.raises(FetchError):
            check_url(refused, policy)
    # a public address passes with or without a list (no DNS: a literal address)
    assert check_url("https://93.184.216.34/x", FetchPolicy()) == "https://93.184.216.34/x"


@pytest.mark.fast
def test_opml_lists_feeds_resolved_once_and_reports_bad_ones() -> None:
    body = OPML.replace("{base}", "http://feeds.example")
    urls, failures = parse_opml(fetched(body, "text/x-opml", "http://feeds.example/list.opml"))
    assert urls == ["http://feeds.example/rss.xml", "http://feeds.example/atom.xml"]
    assert len(failures) == 1 and "ftp://" in failures[0].reason


@pytest.mark.fast
def test_opml_with_entities_or_other_roots_is_refused() -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
            '<opml><body><outline xmlUrl="http://x/&b;"/></body></opml>')
    with pytest.raises(LoaderError, match="entities"):
        parse_opml(fetched(bomb, "text/x-opml"))
    with pytest.raises(LoaderError, match="not an OPML"):
        parse_opml(fetched("<rss><channel/></rss>", "text/xml"))


@pytest.mark.fast
@pytest.mark.parametrize("body, ctype, kind", [
    (RSS, "application/rss+xml", "feed"),
    (RSS, "text/html", "feed"),  # a feed served with the wrong type
    (ATOM, "text/xml", "feed"),
    (OPML, "text/xml", "opml"),
    ("<!DOCTYPE html><html><body><p>x</p></body></html>", "text/html", "page"),
    ("Title line\n\nBody.", "text/plain", "text"),
])
def test_feeds_pages_and_lists_are_told_apart_by_type_and_content(
    body: str, ctype: str, kind: str
) -> None:
    assert sniff_kind(fetched(body, ctype)) == kind


@pytest.mark.fast
def test_feed_entries_keep_content_summary_ids_and_dates() -> None:
    feed = parse_feed(fetched(RSS.replace("{base}", "http://feeds.example"),
                              "application/rss+xml", "http://feeds.example/rss.xml"))
    assert feed.title == "Harbour Freight Daily" and not feed.failures
    first, second, third = feed.entries
    # a non-global guid is qualified by the feed; the content (not the teaser) is the text
    assert first.key == "http://feeds.example/rss.xml#hfd-2025-0311"
    assert first.full and "3.27 million TEU" in first.text and "teaser" not in first.text
    assert "alert" not in first.text  # the entry's script is gone
    assert first.date == "2025-03-11" and first.author == "Rahim Chowdhury"
    assert second.full and second.date == "2025-03-12"
    assert not third.full and third.text == "Pepper shipments to India rose in early 2025."
    assert third.link == "http://feeds.example/pages/pepper.html"
    atom = parse_feed(fetched(ATOM.replace("{base}", "http://feeds.example"),
                              "application/atom+xml"))
    assert [e.key for e in atom.entries] == [
        "urn:uuid:5c2f0a7e-0001-4c7e-9a51-aa0000000001",
        "urn:uuid:5c2f0a7e-0001-4c7e-9a51-aa0000000002",
    ]
    assert "41,200 tonnes" in atom.entries[1].text and atom.entries[0].author == "Lucia Quispe"


@pytest.mark.fast
def test_a_body_that_is_no_feed_is_refused() -> None:
    with pytest.raises(LoaderError, match="not an RSS or Atom feed"):
        parse_feed(fetched("<<<< not \x01 xml >>>>", "application/rss+xml"))


# -- the fetcher against the local site -------------------------------------------------


def policy(**kw: Any) -> FetchPolicy:
    kw.setdefault("allow", (ALLOW,))
    kw.setdefault("timeout", 1.0)
    kw.setdefault("max_bytes", 200_000)
    return FetchPolicy(**kw)


def test_loopback_is_refused_before_any_request_when_not_allowed(site: Site) -> None:
    with pytest.raises(FetchError, match="loopback"):
        Fetcher(FetchPolicy(timeout=1.0)).get(site.url("/article.html"))
    assert site.requests == []  # refused before connecting: the site saw nothing


def test_redirect_to_a_private_address_is_refused(site: Site) -> None:
    with pytest.raises(FetchError) as info:
        Fetcher(policy()).get(site.url("/to-private"))
    assert "169.254.169.254" in str(info.value) and "link-local" in str(info.value)
    assert [r.path for r in site.requests] == ["/to-private"]


def test_redirect_to_another_scheme_is_refused(site: Site) -> None:
    with pytest.raises(FetchError, match="ftp://"):
        Fetcher(policy()).get(site.url("/to-ftp"))


def test_a_redirect_loop_stops_after_the_limit(site: Site) -> None:
    with pytest.raises(FetchError, match="redirects more than 3 times"):
        Fetcher(policy()).get(site.url("/loop/a"))
    assert len(site.requests) == 4  # the first request and three redirects, no more


def test_redirects_within_the_limit_are_followed(site: Site) -> None:
    got = Fetcher(policy()).get(site.url("/to-article"))
    assert got.final_url == site.url("/article.html") and b"avocados" in got.body


def test_a_slow_server_times_out_and_is_marked_for_retry(site: Site) -> None:
    t0 = time.monotonic()
    with pytest.raises(FetchError) as info:
        Fetcher(policy()).get(site.url("/slow"))
    assert time.monotonic() - t0 < 2.4  # gave up at the timeout, not when the server answered
    assert "did not answer within 1 s" in str(info.value) and info.value.retry


def test_oversized_bodies_are_cut_off(site: Site) -> None:
    with pytest.raises(FetchError, match="sent more than the 0.2 MB limit"):
        Fetcher(policy()).get(site.url("/big"))
    with pytest.raises(FetchError, match="declares 50.0 MB"):
        Fetcher(policy()).get(site.url("/big-declared"))


def test_non_text_types_and_server_errors_are_refused(site: Site) -> None:
    with pytest.raises(FetchError, match="image/png, not a web page or feed"):
        Fetcher(policy()).get(site.url("/image.png"))
    with pytest.raises(FetchError) as info:
        Fetcher(policy()).get(site.url("/fail"))
    assert "HTTP 500" in str(info.value) and info.value.retry


def test_conditional_get_gets_304_with_the_etag(site: Site) -> None:
    fetcher = Fetcher(policy())
    first = fetcher.get(site.url("/changing.xml"))
    assert first.status == 200 and first.etag == '"crop-v1"'
    again = fetcher.get(site.url("/changing.xml"), etag=first.etag)
    assert again.not_modified and again.body == b""
    assert site.requests[-1].headers["if-none-match"] == '"crop-v1"'


# -- ingest URLs --------------------------------------------------------------------------


def test_ingest_an_article_page_by_url(web: Callable[..., Assistant], site: Site) -> None:
    a = web()
    report = a.ingest([site.url("/article.html")])
    assert report.ok and len(report.added) == 1
    [info] = a.articles()
    assert info.title == "Kenyan avocado shipments to the Netherlands hit record"
    assert info.date == "2025-04-08" and info.author == "Wanjiru Kamau"
    assert info.source == "Rift Valley Trade Post" and info.kind == "web"
    assert info.url == site.url("/article.html")
    text = a.article_text(info.article_id)
    assert "118,400 tonnes" in text and "Dutch importers" in text
    for junk in ("PWNED", "system prompt", "Subscribe now", "Sign in", "Copyright",
                 "Most read", "document.write", "Injected", "window.location"):
        assert junk not in text, junk
    answer = a.ask("How many tonnes of avocados did Kenya ship to the Netherlands in 2024?")
    assert "118,400 tonnes" in answer.text
    assert answer.citations[0].url == site.url("/article.html")
    assert answer.to_dict()["citations"][0]["url"] == site.url("/article.html")
    # the same URL again costs nothing
    again = a.ingest([site.url("/article.html")])
    assert again.unchanged == [info.article_id] and again.embedded == 0


def test_urls_files_and_bad_urls_mixed_in_one_ingest(
    web: Callable[..., Assistant], site: Site, tmp_path: Path
) -> None:
    note = tmp_path / "tea.txt"
    note.write_text("Sri Lanka tea exports to Iraq rise\n\nSri Lanka exported 31 million kg "
                    "of tea to Iraq in 2024, the Sri Lanka Tea Board said.\n")
    a = web()
    report = a.ingest([site.url("/article.html"), str(note), site.url("/fail"),
                       "file:///etc/passwd", site.url("/image.png"), site.url("/rss.xml")])
    assert len(report.added) == 5  # the page, the file and the feed's three entries
    reasons = {f.path: f.reason for f in report.failed}
    assert set(reasons) == {site.url("/fail"), "file:///etc/passwd", site.url("/image.png")}
    assert "HTTP 500" in reasons[site.url("/fail")]
    assert "only http:// and https://" in reasons["file:///etc/passwd"]
    # ingest --prune of files never removes what came from the web
    pruned = a.ingest([str(note)], prune=True)
    assert pruned.removed == [] and len(a.articles()) == 5


def test_rss_feed_entries_become_articles(web: Callable[..., Assistant], site: Site) -> None:
    a = web()
    report = a.ingest([site.url("/rss.xml")])
    assert report.ok and len(report.added) == 3
    by_title = {x.title: x for x in a.articles()}
    pepper = by_title["Vietnamese pepper exports to India climb"]
    # the summary-only entry: its linked page was fetched and its main text ingested
    assert site.hits("/pages/pepper.html")
    text = a.article_text(pepper.article_id)
    assert "24,700 tonnes of black pepper" in text and "Dak Nong" in text
    assert pepper.url == site.url("/pages/pepper.html") and pepper.kind == "feed"
    assert pepper.source == "Harbour Freight Daily" and pepper.date == "2025-03-13"
    chittagong = by_title["Chittagong container volumes rise 9%"]
    assert chittagong.author == "Rahim Chowdhury" and chittagong.source_path == site.url(
        "/rss.xml")


def test_summaries_are_the_articles_when_pages_are_not_fetched(
    web: Callable[..., Assistant], site: Site
) -> None:
    a = web(feed_fetch_pages=False)
    report = a.ingest([site.url("/rss.xml")])
    assert report.ok and len(report.added) == 3
    assert not site.hits("/pages/pepper.html")
    pepper = next(x for x in a.articles() if x.title.startswith("Vietnamese pepper"))
    assert a.article_text(pepper.article_id) == "Pepper shipments to India rose in early 2025."


def test_atom_feed_and_opml_list(web: Callable[..., Assistant], site: Site) -> None:
    a = web()
    report = a.ingest([site.url("/feeds.opml")])
    titles = {x.title for x in a.articles()}
    assert len(report.added) == 5 and {
        "Peru copper exports to China reach $14.8 billion",
        "Chile lithium carbonate sales to Korea slow",
        "Chittagong container volumes rise 9%",
    } <= titles
    assert [f.reason for f in report.failed if "ftp://" in f.reason]  # the bad outline
    assert len(site.hits("/rss.xml")) == 1  # listed twice, fetched once


def test_malformed_entries_are_reported_and_the_rest_lands(
    web: Callable[..., Assistant], site: Site
) -> None:
    a = web()
    report = a.ingest([site.url("/malformed.xml"), site.url("/garbage.xml")])
    assert len(report.added) == 1
    [sisal] = a.articles()
    assert sisal.title == "Tanzania sisal exports steady" and sisal.date is None
    reasons = " | ".join(f.reason for f in report.failed)
    assert "no id and no link" in reasons and "no text and no link" in reasons
    assert "repeats the id" in reasons and "not an RSS or Atom feed" in reasons


# -- watching -----------------------------------------------------------------------------


def test_watch_polls_add_update_and_never_remove(
    web: Callable[..., Assistant], site: Site, make_settings: Callable[..., Any],
    embedder: Any,
) -> None:
    a = web()
    changing = a.add_feed(site.url("/changing.xml"))
    assert a.add_feed(site.url("/changing.xml")) == changing  # adding twice: one source
    first = a.poll()
    assert first.fetched == 1 and len(first.report.added) == 2
    [row] = first.rows
    assert (row.status, row.added, row.updated, row.failed) == ("ok", 2, 0, 0)
    cocoa = next(x for x in a.articles() if x.title.startswith("Ivory Coast"))
    old_text = a.article_text(cocoa.article_id)

    # nothing new: a 304, nothing parsed, nothing embedded
    second = a.poll()
    assert second.not_modified == 1 and second.fetched == 0
    assert second.report.embedded == 0 and not second.report.added
    assert second.rows[0].status == "not-modified"
    assert site.hits("/changing.xml")[-1].headers["if-none-match"] == '"crop-v1"'

    # the feed changes: cocoa edited, cashew new, cotton no longer listed
    site.version = 2
    third = a.poll()
    assert len(third.report.added) == 1 and third.report.updated == [cocoa.article_id]
    assert third.rows[0].added == 1 and third.rows[0].updated == 1
    titles = {x.title for x in a.articles()}
    assert "Benin cotton exports to Bangladesh grow" in titles  # kept though unlisted
    assert "Guinea-Bissau cashew exports to India recover" in titles
    assert "1.35 million" in a.article_text(cocoa.article_id) != old_text
    # only the changed entry was embedded again (one chunk each for cocoa and cashew)
    assert third.report.embedded == 2

    # a restart carries on: the feed, its ETag and its entries are in the store
    b = Assistant(make_settings(web_allow_hosts=ALLOW, web_timeout=1.0), embedder=embedder)
    assert [f.location for f in b.feeds()] == [site.url("/changing.xml")]
    fourth = b.poll()
    assert fourth.not_modified == 1 and fourth.report.embedded == 0
    log = b.poll_log()
    assert [r.status for r in log[:4]] == ["not-modified", "ok", "not-modified", "ok"]


def test_a_failing_source_backs_off_and_the_others_still_land(
    web: Callable[..., Assistant], site: Site
) -> None:
    import datetime as dt

    def wait_of(source: Any) -> float:
        due = dt.datetime.fromisoformat(source.next_poll_at)
        return (due - dt.datetime.now(dt.UTC)).total_seconds()

    a = web(watch_interval=60.0)
    a.add_feed(site.url("/fail"))
    a.add_feed(site.url("/garbage.xml"))
    a.add_feed(site.url("/atom.xml"))
    first = a.poll()
    assert len(first.report.added) == 2  # the Atom entries
    status = {r.location: r for r in first.rows}
    assert status[site.url("/fail")].status == "failed"
    assert "HTTP 500" in status[site.url("/fail")].detail
    assert status[site.url("/garbage.xml")].status == "failed"
    failing = {f.location: f for f in a.feeds()}[site.url("/fail")]
    assert failing.failures == 1 and "HTTP 500" in (failing.last_error or "")
    assert 30 < wait_of(failing) <= 60  # first backoff step: one interval
    # straight away: the failing sources wait out their backoff, nothing is requested
    before = len(site.hits("/fail"))
    second = a.poll()
    assert len(site.hits("/fail")) == before
    assert {r.location: r.status for r in second.rows}[site.url("/fail")] == "backoff"
    assert second.rows[-1].detail.startswith("failed 1 times in a row")
    # forced (or once the backoff is over) it is tried again, and then waits twice as long
    third = a.poll(force=True)
    assert len(site.hits("/fail")) == before + 1 and third.failed
    failing = {f.location: f for f in a.feeds()}[site.url("/fail")]
    assert failing.failures == 2 and 90 < wait_of(failing) <= 120
    assert len(a.articles()) == 2  # nothing was removed by the failures
    # a source that comes back is read and its failure count cleared
    site.fail_changing = True
    a.add_feed(site.url("/changing.xml"))
    a.poll()
    assert {f.location: f for f in a.feeds()}[site.url("/changing.xml")].failures == 1
    site.fail_changing = False
    back = a.poll(force=True)
    recovered = {f.location: f for f in a.feeds()}[site.url("/changing.xml")]
    assert recovered.failures == 0 and recovered.last_error is None
    assert recovered.next_poll_at is None and len(back.report.added) == 2


def test_an_opml_source_brings_its_feeds(web: Callable[..., Assistant], site: Site) -> None:
    a = web()
    a.add_feed(site.url("/feeds.opml"))
    report = a.poll()
    assert {f.location for f in a.feeds()} == {
        site.url("/feeds.opml"), site.url("/rss.xml"), site.url("/atom.xml")}
    assert len(report.report.added) == 5
    # the feeds' entries are remembered: the next poll fetches no linked page again
    pages = len(site.hits("/pages/pepper.html"))
    again = a.poll()
    assert again.report.embedded == 0 and len(site.hits("/pages/pepper.html")) == pages
    a.remove_feed(site.url("/feeds.opml"))
    assert a.feeds() == [] and len(a.articles()) == 5  # stop watching; articles stay


def test_watched_folders_ingest_new_files(web: Callable[..., Assistant], tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "a.txt").write_text("Oman dates exports to India\n\nOman exported 45,000 tonnes "
                                  "of dates to India in 2024, officials in Muscat said.\n")
    a = web()
    a.add_folder(folder)
    assert len(a.poll().report.added) == 1
    (folder / "b.txt").write_text("Jordan phosphate sales to India\n\nJordan sold 2.1 million "
                                  "tonnes of phosphate rock to India in 2024.\n")
    second = a.poll()
    assert len(second.report.added) == 1 and second.rows[0].unchanged == 1
    (folder / "a.txt").unlink()
    a.poll()
    assert len(a.articles()) == 2  # a file leaving the folder removes nothing
    with pytest.raises(Exception, match="not a folder"):
        a.add_folder(tmp_path / "missing")


def test_watcher_runs_polls_in_the_background(web: Callable[..., Assistant], site: Site) -> None:
    a = web()
    a.add_feed(site.url("/changing.xml"))
    seen: list[Any] = []
    w = a.watcher(seen.append, interval=0.2)
    w.start()
    deadline = time.monotonic() + 60
    while len(seen) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    w.stop(timeout=30)
    assert not w.running and len(seen) >= 2
    assert len(seen[0].report.added) == 2 and seen[1].not_modified == 1


def test_the_apps_watcher_follows_the_stores_toggle(
    web: Callable[..., Assistant], site: Site
) -> None:
    """The toggle is stored: a watcher of another process stops when it is switched off."""
    a = web()
    a.add_feed(site.url("/changing.xml"))
    assert a.watching() is False
    a.set_watching(True)
    other = web(home=a.settings.home)  # another process on the same store sees it
    assert other.watching() is True
    seen: list[Any] = []
    w = a.watcher(seen.append, interval=0.2, follow_toggle=True)
    w.start()
    deadline = time.monotonic() + 60
    while len(seen) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    other.set_watching(False)
    deadline = time.monotonic() + 30
    while w.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not w.running  # it stopped by itself, before its next poll
    polls = len(seen)
    time.sleep(0.5)
    assert len(seen) == polls >= 1
    # ``tradedesk watch`` (no toggle to follow) polls whatever the toggle says
    cli = a.watcher(seen.append, interval=0.2)
    cli.run(max_polls=1)
    assert len(seen) == polls + 1


def test_the_connection_itself_refuses_an_address_the_first_check_missed(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second line of defence (DNS rebinding): with the pre-request check switched off,
    the guarded connection still refuses loopback, and the site sees no request."""
    import ingest.web.fetch as fetch

    monkeypatch.setattr(fetch, "check_url", lambda url, policy: url)
    with pytest.raises(FetchError, match="loopback"):
        Fetcher(FetchPolicy(timeout=1.0)).get(site.url("/article.html"))
    assert site.requests == []
