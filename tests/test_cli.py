"""The real `tradedesk` console script, run as a subprocess on a temporary home."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import SAMPLE_DIR, VENV_BIN

from assistant import Assistant, Settings
from ingest.loaders import load_file
from vectorstore.embeddings import Embedder

pytestmark = pytest.mark.slow

TRADEDESK = VENV_BIN / "tradedesk"


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEDESK_")}
    env.update(HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", TRADEDESK_HOME=str(home))
    proc = subprocess.run(
        [str(TRADEDESK), *args], env=env, cwd=home.parent, capture_output=True, text=True,
        timeout=180,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def sample_ids() -> set[str]:
    ids: set[str] = set()
    for path in SAMPLE_DIR.iterdir():
        ids.update(d.article_id for d in load_file(path, max_bytes=10**7)[0])
    return ids


def test_cli_end_to_end(tmp_path: Path, embedder: Embedder) -> None:
    assert TRADEDESK.exists()
    home = tmp_path / "home"
    want = sample_ids()
    assert len(want) == 9

    def view() -> Assistant:  # an in-process reader of the same store
        return Assistant(Settings(home=home), embedder=embedder)

    # first ingest
    proc = run(home, "ingest", str(SAMPLE_DIR), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert set(report["added"]) == want
    assert report["failed"] == [] and report["embedded"] == report["chunks_written"] > 9

    # second ingest: nothing to do
    proc = run(home, "ingest", str(SAMPLE_DIR), "--json")
    assert proc.returncode == 0, proc.stderr
    again = json.loads(proc.stdout)
    assert set(again["unchanged"]) == want
    assert again["added"] == again["updated"] == [] and again["embedded"] == 0

    # --if-empty does nothing when articles exist, even with a new file to read
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "nickel.txt").write_text("Nickel note\nNickel exports to Finland doubled.\n")
    version = view().records.version()
    proc = run(home, "ingest", "--if-empty", str(extra))
    assert proc.returncode == 0, proc.stderr
    assert "nothing to do" in proc.stdout
    assert view().records.version() == version
    assert {x.article_id for x in view().articles()} == want

    # list and stats
    proc = run(home, "list", "--json")
    assert proc.returncode == 0, proc.stderr
    listed = json.loads(proc.stdout)
    assert sorted(x["article_id"] for x in listed) == sorted(want)
    assert all(x["title"] and x["chunks"] >= 1 for x in listed)
    proc = run(home, "stats", "--json")
    assert proc.returncode == 0, proc.stderr
    stats = json.loads(proc.stdout)
    assert stats["articles"] == 9
    assert stats["vectors"] == stats["chunks"] == report["chunks_written"]
    assert stats["home"] == str(home)
    assert stats["embedding_model"] == "all-MiniLM-L6-v2"

    # remove one, then an unknown one
    victim = sorted(want)[0]
    proc = run(home, "remove", victim)
    assert proc.returncode == 0, proc.stderr
    assert victim in proc.stdout
    a = view()
    assert {x.article_id for x in a.articles()} == want - {victim}
    assert sorted(a.store.ids()) == sorted(a.records.chunk_ids())
    proc = run(home, "remove", "no-such-article")
    assert proc.returncode == 1
    assert "No article" in proc.stderr and "no-such-article" in proc.stderr

    # reset needs --yes
    proc = run(home, "reset")
    assert proc.returncode == 2
    assert "--yes" in proc.stderr
    assert len(view().articles()) == 8
    proc = run(home, "reset", "--yes")
    assert proc.returncode == 0, proc.stderr
    a = view()
    assert a.articles() == [] and a.stats()["vectors"] == 0

    # a folder with one bad file: the good one lands, exit code 1, the reason is shown
    (extra / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    proc = run(home, "ingest", str(extra), "--quiet")
    assert proc.returncode == 1
    assert "image.md" in proc.stderr
    assert "PNG" in proc.stderr
    assert [x.title for x in view().articles()] == ["Nickel note"]
