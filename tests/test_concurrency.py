"""Two ingests of the same store at once: serialised by the file lock, or refused clearly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import CORPUS_DIR, ROOT, SAMPLE_DIR, VENV_BIN
from filelock import FileLock

from assistant import Assistant, Settings
from vectorstore.embeddings import Embedder
from vectorstore.errors import IngestLockedError

pytestmark = pytest.mark.slow

WORKER = """
import json, sys, time
from pathlib import Path
from assistant import Assistant
from assistant.settings import load_settings
from vectorstore.errors import IngestLockedError

a = Assistant(load_settings())
a.embedder.encode(["warm up"])
Path(sys.argv[1]).write_text("ready")
go = Path(sys.argv[2])
deadline = time.monotonic() + 120
while not go.exists():
    if time.monotonic() > deadline:
        sys.exit("never got the go signal")
    time.sleep(0.005)
try:
    report = a.ingest(sys.argv[3:])
except IngestLockedError as exc:
    print("LOCKED:", exc)
    sys.exit(3)
print(json.dumps(report.to_dict()))
"""


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEDESK_")}
    env.update(
        HF_HUB_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
        TRADEDESK_HOME=str(home),
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


def test_two_processes_ingest_serialised(tmp_path: Path, embedder: Embedder) -> None:
    home = tmp_path / "home"
    procs = []
    for n in range(2):
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", WORKER, str(tmp_path / f"ready{n}"), str(tmp_path / "go"),
                 str(SAMPLE_DIR), str(CORPUS_DIR)],
                env=env_for(home), cwd=tmp_path, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True,
            )
        )
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"ready{n}").exists() for n in range(2)):
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        assert time.monotonic() < deadline, "workers never got ready"
        time.sleep(0.05)
    (tmp_path / "go").write_text("go")  # both start ingesting now
    results = [p.communicate(timeout=180) for p in procs]

    reports = []
    for proc, (stdout, stderr) in zip(procs, results, strict=True):
        assert "database is locked" not in stdout + stderr
        assert "Traceback" not in stderr, stderr
        assert proc.returncode == 0, (stdout, stderr)
        reports.append(json.loads(stdout.strip().splitlines()[-1]))

    added = [set(r["added"]) for r in reports]
    assert not added[0] & added[1], "an article was added twice"
    assert len(added[0] | added[1]) == 10
    # Serialised: whoever came second found everything already there.
    second = reports[0] if not added[0] else reports[1]
    assert len(second["unchanged"]) == 10 and second["embedded"] == 0
    assert all(r["failed"] == [] and r["updated"] == [] for r in reports)

    a = Assistant(Settings(home=home), embedder=embedder)
    ids = [x.article_id for x in a.articles()]
    assert len(ids) == len(set(ids)) == 10
    store_ids = a.store.ids()
    assert len(store_ids) == len(set(store_ids))
    assert sorted(store_ids) == sorted(a.records.chunk_ids())
    assert a.records.pending() == []


def test_locked_store_refused_in_process(make_assistant, sample_copy: Path) -> None:
    a = make_assistant(ingest_lock_timeout=0)
    lock = FileLock(str(a.settings.lock_path))
    a.settings.lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock:
        with pytest.raises(IngestLockedError) as info:
            a.ingest(sample_copy)
        with pytest.raises(IngestLockedError):
            a.remove("anything")
    message = str(info.value)
    assert "Another ingest" in message
    assert str(a.settings.lock_path) in message
    assert "TRADEDESK_INGEST_LOCK_TIMEOUT" in message
    assert a.articles() == []
    # once the lock is free, the same assistant ingests normally
    assert len(a.ingest(sample_copy).added) == 9


def test_second_ingest_waits_for_lock(make_assistant, sample_copy: Path) -> None:
    a = make_assistant(ingest_lock_timeout=60)
    a.settings.lock_path.parent.mkdir(parents=True, exist_ok=True)
    held = threading.Event()
    released = threading.Event()

    def hold_briefly() -> None:  # another holder, in its own thread
        with FileLock(str(a.settings.lock_path)):
            held.set()
            time.sleep(0.7)
            released.set()

    t = threading.Thread(target=hold_briefly)
    t.start()
    try:
        assert held.wait(10)
        seen: list[bool] = []
        report = a.ingest(sample_copy, progress=lambda event: seen.append(released.is_set()))
    finally:
        t.join()
    assert seen and all(seen), "the ingest started before the other holder let go"
    assert len(report.added) == 9 and report.ok


def test_cli_ingest_refused_while_locked(tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = Settings(home=home)
    settings.lock_path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(settings.lock_path)):
        proc = subprocess.run(
            [str(VENV_BIN / "tradedesk"), "ingest", str(SAMPLE_DIR), "--quiet"],
            env=env_for(home, TRADEDESK_INGEST_LOCK_TIMEOUT="0"), cwd=tmp_path,
            capture_output=True, text=True, timeout=120,
        )
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "Another ingest" in output
    assert "Traceback" not in output
    assert "database is locked" not in output
    # nothing was written
    from ingest.records import Records

    assert Records(settings.records_path).count() == (0, 0)
