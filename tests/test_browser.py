"""The real app in a real browser: `streamlit run` driven by Playwright and Debian's Chromium.

One app server is started for the module on a store holding data/sample plus two hostile
articles whose Markdown/HTML points at small HTTP listeners run by the tests: a browser
that loads anything from an article would hit them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import ARTIFACTS, ROOT, SAMPLE_DIR, free_port, wait_for_port
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright
from websites import Listener, listening

from assistant import Assistant, Settings
from assistant.answer import Answer
from vectorstore.embeddings import Embedder

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]
WAIT_MS = 60_000
TURKEY_QUESTION = "How much did Turkey export to Italy in the first five months of 2025?"
TRANSPARENT = {"rgba(0, 0, 0, 0)", "transparent", ""}
expect.set_options(timeout=WAIT_MS)


# -- listeners that count what the browser fetches (websites.Listener) -------------------


@pytest.fixture(scope="module")
def leak() -> Iterator[Listener]:
    """Target of the Markdown image and <img> in an article's body."""
    yield from listening(status=204, content_type=None)


@pytest.fixture(scope="module")
def label_leak() -> Iterator[Listener]:
    """Target of the Markdown images in an article's title and source."""
    yield from listening(status=204, content_type=None)


def hostile_article(port: int) -> str:
    return f"""Paraguay soy exports to Argentina climb in 2024
Source: Asuncion Grain Wire
Date: 2025-02-05

Paraguay's soybean exports to Argentina rose to $2.9 billion in 2024, said the grain chamber \
<script>alert(1)</script> in a note ![x](http://127.0.0.1:{port}/leak) and \
<img src="http://127.0.0.1:{port}/img"> on Monday.
River barges on the Paraguay River carried most of the beans to crushers near Rosario.
"""


HOSTILE_QUESTION = "How much were Paraguay's soybean exports to Argentina worth in 2024?"


def titled_article(port: int) -> str:
    return f"""Uruguay ![t](http://127.0.0.1:{port}/title) beef exports to China
Source: Montevideo ![s](http://127.0.0.1:{port}/source) Desk
Date: 2025-01-15

Uruguay's beef exports to China reached $1.05 billion in 2024, according to the meat \
institute INAC, as Chinese importers bought more frozen cuts.
"""


TITLED_QUESTION = "How much were Uruguay's beef exports to China worth in 2024?"

CHILE = b"""# Chile copper exports to China rose 12% in 2024 to $24.1 billion

Chile's copper exports to China rose 12% in 2024 to $24.1 billion, according to the central \
bank, as the state miner Codelco shipped more refined cathodes to smelters in Shanghai.
"""
CHILE_QUESTION = "How much were Chile's copper exports to China worth in 2024?"


# -- the app server -----------------------------------------------------------------------


@dataclass
class App:
    url: str
    api: Assistant
    turkey: Answer  # what the API answers to TURKEY_QUESTION on this store
    log: Path


@pytest.fixture(scope="module")
def app(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, leak: Listener,
    label_leak: Listener,
) -> Iterator[App]:
    base = tmp_path_factory.mktemp("browser")
    home = base / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEDESK_")}
    with pytest.MonkeyPatch.context() as mp:
        for key in list(os.environ):
            if key.startswith("TRADEDESK_"):
                mp.delenv(key)
        api = Assistant(Settings(home=home), embedder=embedder)
    assert not api.ingest(SAMPLE_DIR).failed
    report = api.ingest_uploads([
        ("paraguay-soy.txt", hostile_article(leak.port).encode()),
        ("uruguay-beef.txt", titled_article(label_leak.port).encode()),
    ])
    assert not report.failed and len(report.added) == 2, report
    turkey = api.ask(TURKEY_QUESTION)

    port = free_port()
    log = base / "streamlit.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            env={**env, "TRADEDESK_HOME": str(home), "HF_HUB_OFFLINE": "1"},
        )
    try:
        wait_for_port(port, timeout=90, proc=proc)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"streamlit is not healthy:\n{log.read_text()}") from None
                time.sleep(0.3)
        yield App(url, api, turkey, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Session:
    page: Page
    dialogs: list[str]
    requests: list[str]


@pytest.fixture(scope="module")
def context(browser: Browser) -> Iterator[BrowserContext]:
    """One browser profile for the module (its HTTP cache makes new tabs load fast)."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000})
    yield ctx
    ctx.close()


@pytest.fixture
def session(app: App, context: BrowserContext) -> Iterator[Session]:
    """A new tab (a new Streamlit session) on the chat page, recording dialogs and requests."""
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    dialogs: list[str] = []
    requests: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("request", lambda request: requests.append(request.url))
    page.goto(app.url + "/")
    page.get_by_test_id("stChatInputTextArea").wait_for()
    try:
        yield Session(page, dialogs, requests)
    finally:
        page.close()


# -- helpers ------------------------------------------------------------------------------


def ask(page: Page, question: str) -> Locator:
    """Type a question, press Enter and wait for the answer; returns its chat message."""
    before = page.get_by_test_id("stChatMessage").count()
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")
    message = page.get_by_test_id("stChatMessage").nth(before + 1)
    expect(message).to_be_visible()
    # answered: a citation expander or a refusal replaces the spinner
    expect(message.locator('[data-testid="stExpander"], [data-testid="stAlert"]').first) \
        .to_be_visible()
    expect(page.get_by_test_id("stChatMessage")).to_have_count(before + 2)
    # saved: the app reruns once to show the rating buttons; a click during that rerun
    # would be lost, so wait for them
    expect(message.get_by_placeholder("Comment (optional), then rate the answer")) \
        .to_be_visible()
    return message


def label(expander: Locator) -> Locator:
    """The text of an expander's label (without its arrow icon)."""
    return expander.locator("summary").get_by_test_id("stMarkdownContainer")


def background(locator: Locator) -> str:
    return str(locator.evaluate("el => getComputedStyle(el).backgroundColor"))


def open_citation(message: Locator, n: int = 1) -> Locator:
    """Click the n-th citation expander of an answer; returns it."""
    expander = message.get_by_test_id("stExpander").nth(n - 1)
    expander.locator("summary").click()
    expect(expander.get_by_test_id("stExpanderDetails")).to_be_visible()
    return expander


def open_article(page: Page, expander: Locator) -> Locator:
    """Click a citation's "Open the whole article"; returns the dialog.

    A click that lands while the app reruns (saving the conversation, on a loaded machine)
    is dropped by Streamlit, as a reader's would be: click again, as a reader would, a
    few times at most.
    """
    dialog = page.get_by_role("dialog")
    for _ in range(3):
        if dialog.count():
            break  # opened, if slowly
        expander.get_by_role("button", name="Open the whole article").click()
        try:
            expect(dialog).to_be_visible(timeout=15_000)
        except AssertionError:
            continue
    return dialog


# -- tests --------------------------------------------------------------------------------


def test_question_shows_a_cited_answer_and_the_highlighted_quote(
    app: App, session: Session
) -> None:
    page = session.page
    expected = app.turkey
    assert not expected.refused and expected.citations
    first = expected.citations[0]
    message = ask(page, TURKEY_QUESTION)
    answer = message.get_by_test_id("stMarkdown").first
    # NB: on data/sample alone the extractive backend picks the automotive sub-total
    # instead (see test_app.py::test_turkey_question_gives_the_january_may_total); with the
    # two extra articles of this store the term weights shift and it picks the total.
    expect(answer).to_contain_text("5.34")
    expect(answer).to_contain_text("$5.34 billion")
    expect(answer.locator(".stMarkdownBadge")).to_have_text(["1"])
    # the citation: "[1] title — date", closed until clicked
    expander = message.get_by_test_id("stExpander").first
    expect(label(expander)).to_have_text(f"[1] {first.title} — {first.date}")
    quote = expander.get_by_text(first.quote, exact=True)
    expect(quote).to_be_hidden()
    open_citation(message)
    expect(quote).to_be_visible()
    assert background(quote) not in TRANSPARENT
    # only the quote is highlighted: its paragraph is on the page's background
    assert background(quote.locator("xpath=..")) in TRANSPARENT
    expect(expander.get_by_test_id("stCaptionContainer")).to_contain_text(first.article_id)

    # the whole article, with the cited passage highlighted
    dialog = open_article(page, expander)
    expect(dialog).to_be_visible()
    expect(dialog.locator("strong")).to_have_text(first.title)
    expect(dialog.get_by_test_id("stCaptionContainer")).to_contain_text(first.date or "")
    in_dialog = dialog.get_by_text(first.quote, exact=True)
    expect(in_dialog).to_be_visible()
    quote_color = background(in_dialog)
    assert quote_color not in TRANSPARENT
    # the rest of the cited passage is highlighted in another colour
    highlights = dialog.locator(".stMarkdownColoredBackground")
    colors = {background(highlights.nth(i)) for i in range(highlights.count())}
    assert len(colors) == 2 and not colors & TRANSPARENT, colors
    assert highlights.count() >= 2
    shown = " ".join(highlights.all_inner_texts())
    assert first.quote in shown and len(shown) > len(first.quote)
    # the article beyond the cited passage is there too, not highlighted
    whole = app.api.article_text(first.article_id)
    outside = next(
        line.strip() for line in whole.split("\n")
        if line.strip() and line.strip() not in first.passage
    )
    expect(dialog).to_contain_text(outside[:60])
    assert session.dialogs == []


def test_upload_on_the_library_page_then_ask_about_it(app: App, session: Session) -> None:
    page = session.page
    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_role("link", name="Library").click()
    expect(page.get_by_role("heading", name="Library", exact=True)).to_be_visible()
    assert page.url.rstrip("/").endswith("/library")
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "chile-copper.md", "mimeType": "text/markdown", "buffer": CHILE}]
    )
    page.get_by_role("button", name="Ingest 1 file(s)").click()
    report = page.get_by_test_id("stAlert").filter(has_text="Added 1,")
    expect(report).to_be_visible()
    expect(report).to_contain_text("Added 1, updated 0, unchanged 0, removed 0, failed 0")
    [chile] = [a for a in app.api.articles() if a.title.startswith("Chile copper")]
    assert chile.title == "Chile copper exports to China rose 12% in 2024 to $24.1 billion"
    expect(page.get_by_role("heading", name=f"Articles ({len(app.api.articles())})")) \
        .to_be_visible()
    # the uploader is emptied for the next files
    expect(page.get_by_role("button", name="Ingest 1 file(s)")).to_have_count(0)

    nav.get_by_role("link", name="Chat").click()
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_visible()
    message = ask(page, CHILE_QUESTION)
    expect(message.get_by_test_id("stMarkdown").first).to_contain_text("$24.1 billion")
    expect(label(message.get_by_test_id("stExpander").first)).to_contain_text(
        "[1] Chile copper exports to China"
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "chat.png"
    shot.unlink(missing_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert session.dialogs == []


def test_article_markup_is_shown_as_text_and_nothing_is_loaded(
    app: App, session: Session, leak: Listener
) -> None:
    page = session.page
    message = ask(page, HOSTILE_QUESTION)
    expect(message.get_by_test_id("stMarkdown").first).to_contain_text("$2.9 billion")
    # the answer may quote more than one sentence of the article: its first citation
    expander = message.get_by_test_id("stExpander").filter(has_text="Paraguay soy").first
    expect(expander).to_be_visible()
    expander.locator("summary").click()
    details = expander.get_by_test_id("stExpanderDetails")
    expect(details).to_be_visible()
    for literal in (
        "<script>alert(1)</script>",
        f"![x](http://127.0.0.1:{leak.port}/leak)",
        f'<img src="http://127.0.0.1:{leak.port}/img">',
    ):
        expect(details).to_contain_text(literal)
    expect(details.get_by_text("<script>alert(1)</script>", exact=False)).to_be_visible()
    # and in the whole-article dialog too
    dialog = open_article(page, expander)
    expect(dialog).to_contain_text("<script>alert(1)</script>")
    expect(dialog).to_contain_text(f"![x](http://127.0.0.1:{leak.port}/leak)")
    # nothing of it became an element
    assert page.locator(f'img[src*=":{leak.port}"]').count() == 0
    assert page.locator("script", has_text="alert(1)").count() == 0
    page.wait_for_timeout(1500)  # let any image request be made
    assert session.dialogs == []
    assert leak.hits == []
    assert [u for u in session.requests if f":{leak.port}" in u] == []


def test_markup_in_a_title_is_not_loaded(session: Session, label_leak: Listener) -> None:
    page = session.page
    label_leak.hits.clear()
    message = ask(page, TITLED_QUESTION)
    expect(message.get_by_test_id("stMarkdown").first).to_contain_text("$1.05 billion")
    summary = message.get_by_test_id("stExpander").first.locator("summary")
    expect(summary).to_contain_text("Uruguay")
    page.wait_for_timeout(1500)
    assert [p for p in label_leak.paths() if p == "/title"] == []
    expect(summary).to_contain_text(f"![t](http://127.0.0.1:{label_leak.port}/title)")


def test_markup_in_a_source_is_not_loaded(session: Session, label_leak: Listener) -> None:
    page = session.page
    message = ask(page, TITLED_QUESTION)
    expander = open_citation(message)
    # the expander's caption shows the source as text...
    expect(expander.get_by_test_id("stCaptionContainer")).to_contain_text(
        f"![s](http://127.0.0.1:{label_leak.port}/source)"
    )
    page.wait_for_timeout(500)
    label_leak.hits.clear()
    dialog = open_article(page, expander)
    expect(dialog).to_contain_text("Uruguay's beef exports to China")
    page.wait_for_timeout(1500)
    # ...the dialog's caption must too
    assert [p for p in label_leak.paths() if p == "/source"] == []
    expect(dialog.get_by_test_id("stCaptionContainer")).to_contain_text(
        f"![s](http://127.0.0.1:{label_leak.port}/source)"
    )


def test_figures_page_shows_the_ledger_and_a_chart(app: App, session: Session) -> None:
    page = session.page
    page.goto(app.url + "/figures")
    expect(page.get_by_role("heading", name="Figures")).to_be_visible()
    table = page.get_by_test_id("stDataFrame").first
    expect(table).to_be_visible()
    chart = page.get_by_test_id("stVegaLiteChart").first
    expect(chart).to_be_visible()
    # The chart is drawn (canvas or svg with marks), not an empty frame.
    box = chart.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 100
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "figures.png"), full_page=True)
    # A figure answer in the chat offers the chart of its series.
    page.goto(app.url + "/")
    page.get_by_test_id("stChatInputTextArea").wait_for()
    message = ask(page, "What was the trade volume between Turkey and Italy in 2023?")
    expect(message).to_contain_text("$28 billion")
    chart_expander = message.get_by_test_id("stExpander").filter(has_text="Chart:")
    expect(chart_expander).to_have_count(1)
    chart_expander.locator("summary").click()
    expect(chart_expander.get_by_test_id("stVegaLiteChart")).to_be_visible()
