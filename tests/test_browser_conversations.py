"""Saved conversations in a real browser: they survive a reload and a server restart, and
two users behind an authenticating proxy (two values of the trusted header) never see
each other's.

`streamlit run` is started with ``TRADEDESK_TRUST_USER_HEADER=true``; each user is a
browser profile that sends its ``X-Forwarded-User`` header, as the proxy would.
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

import pytest
from conftest import ROOT, SAMPLE_DIR, free_port, wait_for_port
from playwright.sync_api import Browser, Page, expect, sync_playwright
from test_browser import CHROMIUM, CHROMIUM_ARGS, WAIT_MS, ask

from assistant import Assistant, Settings
from vectorstore.embeddings import Embedder

pytestmark = pytest.mark.browser

SUMMIT = "When was the Fourth Turkey-Italy Intergovernmental Summit held?"


@dataclass
class Server:
    """A `streamlit run` of the app that a test can stop and start again (same port, home)."""

    home: Path
    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEDESK_")}
        env |= {"TRADEDESK_HOME": str(self.home), "HF_HUB_OFFLINE": "1",
                "TRADEDESK_TRUST_USER_HEADER": "true"}
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
                 "--server.port", str(self.port), "--server.address", "127.0.0.1",
                 "--server.headless", "true", "--browser.gatherUsageStats", "false"],
                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env,
            )
        wait_for_port(self.port, timeout=90, proc=self.proc)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=5) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(f"streamlit is not healthy:\n{self.log.read_text()}") \
                        from None
                time.sleep(0.3)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("browser-conversations")
    home = base / "home"
    with pytest.MonkeyPatch.context() as mp:
        for key in list(os.environ):
            if key.startswith("TRADEDESK_"):
                mp.delenv(key)
        api = Assistant(Settings(home=home), embedder=embedder)
    assert not api.ingest(SAMPLE_DIR).failed
    srv = Server(home, free_port(), base / "streamlit.log")
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def user_page(browser: Browser, server: Server, user: str | None, path: str = "/") -> Page:
    """A new browser profile sending ``X-Forwarded-User: user`` (none when None)."""
    headers = {"X-Forwarded-User": user} if user else {}
    context = browser.new_context(viewport={"width": 1280, "height": 1000},
                                  extra_http_headers=headers)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(server.url + path)
    return page




def test_a_conversation_survives_a_reload_and_a_restart(browser: Browser, server: Server) -> None:
    page = user_page(browser, server, "alice")
    page.get_by_test_id("stChatInputTextArea").wait_for()
    first = ask(page, SUMMIT)
    expect(first).to_contain_text("Rome")
    page.wait_for_url("**/?c=*")
    expect(page.get_by_test_id("stSidebar").get_by_role("button", name=SUMMIT)).to_be_visible()
    address = page.url
    answer = first.get_by_test_id("stMarkdown").first.inner_text()

    page.reload()  # a new Streamlit session
    messages = page.get_by_test_id("stChatMessage")
    expect(messages).to_have_count(2)
    expect(messages.nth(1).get_by_test_id("stMarkdown").first).to_have_text(answer)

    server.stop()
    server.start()  # a new server process: nothing cached, only the store on disk
    page.goto(address)
    expect(messages).to_have_count(2)
    expect(messages.nth(0)).to_contain_text(SUMMIT)
    expect(messages.nth(1).get_by_test_id("stMarkdown").first).to_have_text(answer)
    # continuing it uses the stored history
    follow_up = ask(page, "Where was it held?")
    expect(follow_up).to_contain_text("Rome")
    # a rating on the resumed conversation
    thumb_down = page.locator(".st-key-m3-down").get_by_role("button").first
    thumb_down.click()
    expect(page.get_by_text("You rated this answer 👎")).to_be_visible()
    page.context.close()


def test_two_header_users_never_see_each_others_conversations(
    browser: Browser, server: Server
) -> None:
    alice = user_page(browser, server, "alice-2")
    alice.get_by_test_id("stChatInputTextArea").wait_for()
    ask(alice, "Alice asks about the Turkey-Italy summit: when was it held?")
    alice.wait_for_url("**/?c=*")
    alice_address = alice.url
    expect(alice.get_by_test_id("stSidebar").get_by_role(
        "button", name="Alice asks about the Turkey-Italy summit: when was it held?"
    )).to_be_visible()

    bob = user_page(browser, server, "bob")
    bob.get_by_test_id("stChatInputTextArea").wait_for()
    sidebar = bob.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("No saved conversations yet.")).to_be_visible()
    expect(sidebar.get_by_text("Alice asks", exact=False)).to_have_count(0)
    # Alice's address shows Bob nothing of her conversation
    bob.goto(alice_address)
    expect(bob.get_by_text("No conversation", exact=False).first).to_be_visible()
    expect(bob.get_by_test_id("stChatMessage")).to_have_count(0)
    expect(bob.get_by_text("Alice asks", exact=False)).to_have_count(0)

    # a request without the header (one that bypassed the proxy) sees no one's
    nobody = user_page(browser, server, None)
    expect(nobody.get_by_text("no X-Forwarded-User header", exact=False)).to_be_visible()
    expect(nobody.get_by_test_id("stChatInputTextArea")).to_have_count(0)
    for page in (alice, bob, nobody):
        page.context.close()
