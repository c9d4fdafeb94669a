"""The real `tradedesk` console script with URLs, feeds and `watch --once`, against a local site."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, VENV_BIN
from websites import Site, serving

pytestmark = pytest.mark.slow

TRADEDESK = VENV_BIN / "tradedesk"


@pytest.fixture
def site() -> Iterator[Site]:
    yield from serving()


def run(home: Path, *args: str, allow: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEDESK_")}
    env.update(HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", TRADEDESK_HOME=str(home),
               PYTHONPATH=str(ROOT), TRADEDESK_WEB_TIMEOUT="1", TRADEDESK_QUERY_ENCODER="torch",
               TRADEDESK_WATCH_INTERVAL="60")
    if allow:
        env["TRADEDESK_WEB_ALLOW_HOSTS"] = "127.0.0.1"
    proc = subprocess.run(
        [str(TRADEDESK), *args], env=env, cwd=home.parent, capture_output=True, text=True,
        timeout=300,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def flat(text: str) -> str:
    """Rich wraps long lines: compare words, not line breaks."""
    return " ".join(text.split())


def test_cli_urls_feeds_and_watch(tmp_path: Path, site: Site) -> None:
    home = tmp_path / "home"
    page = site.url("/article.html")

    # loopback is refused unless the setting allows it
    proc = run(home, "ingest", page, "--json", allow=False)
    assert proc.returncode == 1 and "loopback" in flat(proc.stderr)
    assert "TRADEDESK_WEB_ALLOW_HOSTS" in flat(proc.stderr) and site.requests == []

    proc = run(home, "ingest", page, "file:///etc/passwd", "--json")
    assert proc.returncode == 1  # one input failed; the page still landed
    report = json.loads(proc.stdout)
    assert len(report["added"]) == 1
    assert report["failed"][0]["path"] == "file:///etc/passwd"
    assert "only http:// and https://" in report["failed"][0]["reason"]

    proc = run(home, "ask", "How many tonnes of avocados did Kenya ship to the Netherlands "
               "in 2024?")
    assert proc.returncode == 0, proc.stderr
    assert "118,400 tonnes" in flat(proc.stdout)
    assert page in proc.stdout  # the citation links to the article

    # feeds: add, refuse, poll, poll again (304), log
    assert run(home, "feeds", "add", site.url("/changing.xml")).returncode == 0
    proc = run(home, "feeds", "add", "http://10.0.0.1/feed.xml")
    assert proc.returncode == 1 and "private address" in flat(proc.stderr)
    proc = run(home, "feeds", "add", "ftp://127.0.0.1/feed.xml")
    assert proc.returncode == 1 and "ftp://" in flat(proc.stderr)
    proc = run(home, "watch", "--once", "--json")
    assert proc.returncode == 0, proc.stderr
    first = json.loads(proc.stdout)
    assert len(first["ingest"]["added"]) == 2 and first["fetched"] == 1
    proc = run(home, "watch", "--once", "--json")
    second = json.loads(proc.stdout)
    assert second["not_modified"] == 1 and second["ingest"]["embedded"] == 0
    feeds = json.loads(run(home, "feeds", "list", "--json").stdout)
    assert [f["location"] for f in feeds] == [site.url("/changing.xml")]
    assert feeds[0]["etag"] == '"crop-v1"'

    # a failing feed: exit 1, logged, and the rest of the library untouched
    assert run(home, "feeds", "add", site.url("/fail")).returncode == 0
    proc = run(home, "watch", "--once")
    assert proc.returncode == 1 and "HTTP 500" in flat(proc.stdout)
    log = json.loads(run(home, "feeds", "log", "--json").stdout)
    assert log[0]["status"] in ("failed", "not-modified")
    assert any(r["status"] == "failed" and "HTTP 500" in r["detail"] for r in log)
    proc = run(home, "feeds", "remove", site.url("/fail"))
    assert proc.returncode == 0 and "articles stay" in flat(proc.stdout)
    assert len(json.loads(run(home, "feeds", "list", "--json").stdout)) == 1
    assert run(home, "feeds", "remove", site.url("/fail")).returncode == 1

    # folders
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "salt.txt").write_text("Namibia salt exports\n\nNamibia exported 1.1 million "
                                     "tonnes of salt from Walvis Bay in 2024.\n")
    assert run(home, "folders", "add", str(folder)).returncode == 0
    proc = run(home, "watch", "--once", "--json")
    third = json.loads(proc.stdout)
    assert len(third["ingest"]["added"]) == 1 and third["not_modified"] == 1
    listed = json.loads(run(home, "list", "--json").stdout)
    assert len(listed) == 4
    assert {a["kind"] for a in listed} == {"web", "feed", "txt"}
