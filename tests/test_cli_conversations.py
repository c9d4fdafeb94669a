"""`tradedesk chat` (saved, rated, resumed), `history` and `feedback export`, as subprocesses.

The feedback export is then run by the real `tradedesk eval`.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE_DIR, VENV_BIN

from assistant import Assistant, Settings
from vectorstore.embeddings import Embedder

pytestmark = pytest.mark.slow

TRADEDESK = VENV_BIN / "tradedesk"
SUMMIT = "When was the Fourth Turkey-Italy Intergovernmental Summit held?"


def run(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEDESK_")}
    # PYTHONPATH: this checkout's packages, whichever checkout the venv's editable install is
    env.update(HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", TRADEDESK_HOME=str(home),
               COLUMNS="200", PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [str(TRADEDESK), *args], env=env, cwd=home.parent, capture_output=True, text=True,
        timeout=300, input=stdin,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_chat_history_and_feedback_export_end_to_end(tmp_path: Path, embedder: Embedder) -> None:
    home = tmp_path / "home"
    api = Assistant(Settings(home=home), embedder=embedder)
    assert not api.ingest(SAMPLE_DIR).failed

    # a chat: two questions (a follow-up), one rated up, one down with a comment
    proc = run(home, "chat", stdin=f"{SUMMIT}\n/up\nWhere was it held?\n"
                                   "/down should name the city\n/quit\n")
    assert proc.returncode == 0, proc.stderr
    assert "Rome" in proc.stdout
    [conv] = json.loads(run(home, "history", "list", "--json").stdout)
    cid = conv["id"]
    assert conv["title"] == SUMMIT and conv["turns"] == 2
    assert f"saved as {cid}:1" in proc.stdout and f"Rated {cid}:2" in proc.stdout

    shown = run(home, "history", "show", cid)
    assert shown.returncode == 0, shown.stderr
    assert SUMMIT in shown.stdout and "Where was it held?" in shown.stdout
    assert "rated down should name the city" in shown.stdout

    # resumed: the follow-up uses the saved history
    proc = run(home, "chat", "--resume", cid, stdin="Who attended it?\n/quit\n")
    assert proc.returncode == 0, proc.stderr
    assert "Resuming" in proc.stdout and f"saved as {cid}:3" in proc.stdout
    turns = api.conversations.get(cid, "local").turns
    assert len(turns) == 3
    assert "summit" in turns[2].answer.standalone_question.lower()

    # exports: Markdown for a note, JSON that round-trips through delete + import
    md = run(home, "history", "export", cid).stdout
    assert md.startswith(f"# {SUMMIT}\n") and "**Sources**" in md and "> “" in md
    first = tmp_path / "c.json"
    assert run(home, "history", "export", cid, "--format", "json", "-o", str(first)).returncode == 0
    assert run(home, "history", "delete", cid).returncode == 0
    assert json.loads(run(home, "history", "list", "--json").stdout) == []
    assert run(home, "history", "import", str(first)).returncode == 0
    again = run(home, "history", "export", cid, "--format", "json").stdout
    assert json.loads(again) == json.loads(first.read_text())

    # users: another user sees nothing, and is told how to find theirs
    assert json.loads(run(home, "history", "list", "--json", "--user", "zoe").stdout) == []
    proc = run(home, "history", "show", cid, "--user", "zoe")
    assert proc.returncode == 1 and "tradedesk history list" in proc.stderr
    proc = run(home, "history", "export", cid, "--format", "pdf")
    assert proc.returncode == 2 and "use markdown or json" in proc.stderr

    # feedback: stats, then the export that `tradedesk eval` runs
    stats = run(home, "feedback", "stats").stdout
    assert "👍 1" in stats and "👎 1" in stats and "should name the city" in stats
    qa = tmp_path / "feedback.json"
    proc = run(home, "feedback", "export", "--format", "eval", "-o", str(qa))
    assert proc.returncode == 0, proc.stderr
    assert "2 questions (1 to fix)" in proc.stderr
    data = json.loads(qa.read_text())
    assert {q["rating"] for q in data["questions"]} == {"up", "down"}
    proc = run(home, "eval", str(qa), "--json")
    assert proc.returncode == 0, proc.stderr
    results = {r["id"]: r for r in json.loads(proc.stdout)["results"]}
    assert results[f"fb-{cid}-1"]["correct"]  # the thumbs-up answer, asked again
    fix = results[f"fb-{cid}-2#2"]  # the follow-up, after its context turn
    assert not fix["correct"] and "should name the city" in fix["why"]
