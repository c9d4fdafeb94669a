"""Readers while a writer works: another process re-ingests, and many threads share one Assistant.

(a) The test process serves questions in a loop through one Assistant while a real
subprocess keeps re-ingesting (edited files, new articles, pruned ones) for ~20 s: no
question fails, every answer comes from one of the versions the writer wrote, the
serving process sees the writer's edits and a brand-new article becomes answerable
without restarting it.

(b) 8 threads ask the dev-set questions through ONE Assistant: no errors, and every
answer (text and citations) equals the sequential answer to the same question.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPUS_DIR, ROOT, SAMPLE_DIR

from assistant import Assistant, Settings
from assistant.answer import Answer
from vectorstore.embeddings import Embedder

pytestmark = pytest.mark.slow

GERMANY = "germany-china-trade-2024.txt"
FIGURES = ["7.6%", "8.1%", "9.9%", "6.4%"]  # the writer cycles the Germany figure
NORWAY = "norway-salmon-japan-2024.txt"
NORWAY_TEXT = """Norwegian salmon exports to Japan reach record $1.7 billion in 2024
Date: 2025-02-03
Source: Nordic Seafood Ledger

Norway exported salmon worth $1.7 billion to Japan in 2024, a record, according to the \
Norwegian Seafood Council in Tromsø. Volumes rose 11% to 92,000 tonnes as Japanese sushi \
chains switched from Chilean to Norwegian fish.

Air freight from Oslo Gardermoen to Narita carried most of the fresh salmon. Exporters in \
Ålesund said the weak krone made Norwegian fish cheaper in yen terms throughout the year.
"""
Q_GERMANY = "By how much did German exports to China fall in 2024?"
Q_NORWAY = "How much salmon did Norway export to Japan in 2024?"
OTHER_QUESTIONS = [
    "How many tonnes of soybeans did Brazil ship to China in 2024?",
    "How much did Japanese companies invest in Vietnam in 2024?",
    "What is the capital of France?",
    "By how much did India-UAE non-oil trade grow in 2024?",
]
NORWAY_AFTER = 3  # the writer adds the Norway article in this round

WRITER = r'''
import json, sys, time
from pathlib import Path
from assistant import Assistant
from assistant.settings import load_settings

corpus, events, seconds = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
norway_round, norway_text = int(sys.argv[4]), Path(sys.argv[5]).read_text()
figures = json.loads(sys.argv[6])
a = Assistant(load_settings())
germany = corpus / "germany-china-trade-2024.txt"
original = germany.read_text()
log = events.open("a")
t0 = time.monotonic()
n = 0
while time.monotonic() - t0 < seconds or n < norway_round + 2:
    n += 1
    figure = figures[n % len(figures)]
    germany.write_text(original.replace("fell 7.6% in 2024", f"fell {figure} in 2024"))
    # a new article every round; the previous round's one is deleted and pruned
    old = corpus / f"port-bulletin-{n - 1}.txt"
    old.unlink(missing_ok=True)
    (corpus / f"port-bulletin-{n}.txt").write_text(
        f"Port bulletin number {n} from Valparaiso harbour\n\n"
        f"Round {n}: the harbour of Valparaiso handled {1000 + n} containers of Chilean "
        f"cherries bound for Shanghai this week, pilots said. Crane {n} was repaired.\n"
    )
    if n == norway_round:
        (corpus / "norway-salmon-japan-2024.txt").write_text(norway_text)
    report = a.ingest([corpus], prune=True)
    log.write(json.dumps({"round": n, "figure": figure, "version": a.records.version(),
                          "added": report.added, "updated": report.updated,
                          "removed": report.removed, "failed": len(report.failed),
                          "norway": n >= norway_round, "t": time.monotonic()}) + "\n")
    log.flush()
print("WRITER DONE", n, flush=True)
'''


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEDESK_")}
    env.update(
        HF_HUB_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
        PYTHONPATH=str(ROOT),
        TRADEDESK_HOME=str(home),
        TRADEDESK_QUERY_ENCODER="torch",
    )
    return env


def read_events(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]


def test_queries_served_while_another_process_reingests(
    tmp_path: Path, embedder: Embedder
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE_DIR, corpus)
    home = tmp_path / "home"
    a = Assistant(Settings(home=home), embedder=embedder)
    assert len(a.ingest([corpus]).added) == 9
    assert "7.6%" in a.ask(Q_GERMANY).text
    assert not any(c.article_id.startswith("norway") for c in a.ask(Q_NORWAY).citations)

    events = tmp_path / "events.jsonl"
    (tmp_path / "norway.txt").write_text(NORWAY_TEXT)
    out, err = (tmp_path / "writer.out").open("w"), (tmp_path / "writer.err").open("w")
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(corpus), str(events), "20", str(NORWAY_AFTER),
         str(tmp_path / "norway.txt"), json.dumps(FIGURES)],
        env=env_for(home), cwd=tmp_path, stdout=out, stderr=err,
    )
    errors: list[str] = []
    asked = 0
    figures_seen: set[str] = set()
    norway_written: float | None = None
    norway_answered: float | None = None
    deadline = time.monotonic() + 240
    try:
        n = 0
        while writer.poll() is None or (norway_written and not norway_answered):
            assert time.monotonic() < deadline, "the writer or the reader never finished"
            if writer.poll() is not None and time.monotonic() > (norway_written or 0) + 30:
                break
            question = [Q_GERMANY, *OTHER_QUESTIONS][n % (1 + len(OTHER_QUESTIONS))]
            n += 1
            try:
                ans = a.ask(question)
                asked += 1
                if question == Q_GERMANY:
                    found = [f for f in FIGURES if f in ans.text]
                    assert len(found) == 1, ans.text  # one version, never a blend
                    figures_seen.add(found[0])
                    assert ans.citations and ans.citations[0].article_id.startswith(
                        "germany-china-trade-2024-")
                if norway_written is None and any(e["norway"] for e in read_events(events)):
                    norway_written = time.monotonic()
                if norway_written is not None and norway_answered is None:
                    ans = a.ask(Q_NORWAY)
                    asked += 1
                    if "1.7 billion" in ans.text and ans.citations and ans.citations[
                            0].article_id.startswith("norway-salmon-japan-2024-"):
                        norway_answered = time.monotonic()
                        # its vectors too, not only its BM25 entry: the Chroma client
                        # of this process was reopened and sees the other one's writes
                        hits = a.store.query(a.embedder.encode_query(Q_NORWAY), 3)
                        assert any(h.id.startswith("norway-salmon-japan-2024-")
                                   for h in hits), [h.id for h in hits]
            except AssertionError:
                raise
            except Exception:  # noqa: BLE001 - every failure is collected and reported
                errors.append(traceback.format_exc())
    finally:
        if writer.poll() is None:
            writer.kill()
        writer.wait(timeout=60)
        out.close()
        err.close()

    stdout = (tmp_path / "writer.out").read_text()
    stderr = (tmp_path / "writer.err").read_text()
    rounds = read_events(events)
    print(f"\nreader: {asked} questions during {len(rounds)} writer rounds, Germany figures "
          f"seen {sorted(figures_seen)}, Norway answerable "
          f"{(norway_answered or 0) - (norway_written or 0):.2f}s after it was written")
    assert writer.returncode == 0, (stdout, stderr[-4000:])
    assert "database is locked" not in stdout + stderr
    assert "Traceback" not in stderr, stderr[-4000:]
    assert "WRITER DONE" in stdout
    assert len(rounds) >= NORWAY_AFTER + 2 and all(r["failed"] == 0 for r in rounds)
    assert all(r["updated"] for r in rounds), "every round changed the Germany article"
    assert sum(len(r["removed"]) for r in rounds) >= len(rounds) - 1, "pruned bulletins"
    assert not errors, f"{len(errors)} of {asked} questions failed; first:\n{errors[0]}"
    assert asked >= 20, f"only {asked} questions were asked during the writes"
    assert norway_written is not None and norway_answered is not None, (
        "the new article never became answerable in the serving process"
    )
    assert norway_answered - norway_written < 30
    # The serving process followed the writer's edits, without being restarted.
    assert len(figures_seen) >= 2, figures_seen
    last = rounds[-1]
    text = a.ask(Q_GERMANY).text
    assert [f for f in FIGURES if f in text] == [last["figure"]], text
    a.refresh()
    assert sorted(a.store.ids()) == sorted(a.records.chunk_ids())
    assert a.records.version() == last["version"]
    assert a.doctor().ok


# -- (b) many threads, one Assistant -------------------------------------------------------


def dev_questions() -> list[tuple[str, list[int]]]:
    """The dev set flattened: (question, indexes of the earlier turns it follows)."""
    data = json.loads((ROOT / "tests" / "data" / "qa_dev.json").read_text())
    items: list[tuple[str, list[int]]] = []
    for entry in data["questions"]:
        if "turns" in entry:
            before: list[int] = []
            for turn in entry["turns"]:
                items.append((turn["question"], list(before)))
                before.append(len(items) - 1)
        else:
            items.append((entry["question"], []))
    return items


def answer_key(ans: Answer) -> dict[str, Any]:
    return {
        "text": ans.text,
        "refused": ans.refused,
        "citations": [asdict(c) for c in ans.citations],
        "retrieved": ans.retrieved,
        "unsupported": ans.unsupported,
    }


def test_parallel_questions_through_one_assistant_match_sequential(
    make_assistant: Any, embedder: Embedder
) -> None:
    a = make_assistant()
    report = a.ingest([SAMPLE_DIR, *([CORPUS_DIR] if CORPUS_DIR.is_dir() else [])])
    assert report.ok and len(report.added) >= 9
    items = dev_questions()
    assert len(items) >= 37
    items = (items + items)[:40]  # ~40 questions; a few are asked twice at once

    def history(i: int, answers: list[Answer]) -> list[tuple[str, str]]:
        turns: list[tuple[str, str]] = []
        for j in items[i][1]:
            turns += [("user", items[j][0]), ("assistant", answers[j].text)]
        return turns

    sequential: list[Answer] = []
    for i, (question, _) in enumerate(items):
        sequential.append(a.ask(question, history(i, sequential)))
    assert sum(not s.refused for s in sequential) >= 25, "the dev set should mostly answer"

    # A fresh Assistant on the same store (cold retriever and BM25 caches), shared by 8 threads.
    b = Assistant(a.settings, embedder=embedder)

    def ask(i: int) -> Answer:
        return b.ask(items[i][0], history(i, sequential))

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(ask, i) for i in range(len(items))]
        parallel = [f.result(timeout=300) for f in futures]

    mismatched = [
        (items[i][0], answer_key(s)["text"], answer_key(p)["text"])
        for i, (s, p) in enumerate(zip(sequential, parallel, strict=True))
        if answer_key(s) != answer_key(p)
    ]
    assert not mismatched, f"{len(mismatched)} answers differ, first: {mismatched[0]}"


# -- a reader loading the BM25 index while another process replaces it ----------------------

INGEST_ONCE = r'''
import sys
from assistant import Assistant
from assistant.settings import load_settings

report = Assistant(load_settings()).ingest([sys.argv[1]])
print("INGESTED", report.summary(), flush=True)
'''


def test_reader_loading_bm25_while_another_process_rebuilds_it(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bm25s

    from ingest.text.tokens import tokenize

    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE_DIR, corpus)
    home = tmp_path / "home"
    writer = Assistant(Settings(home=home), embedder=embedder)
    assert len(writer.ingest([corpus]).added) == 9
    before = (writer.records.version(), sorted(writer.records.chunk_ids()))
    writer.store.close()

    # Another process's ingest lands while this reader is inside LexicalIndex.load(), after
    # it read the index's ids and before it read the BM25 files: a real subprocess, started
    # at exactly that point (the hook only picks the moment, and waits at most 120 s for it,
    # so a reader that held a lock here would not deadlock the test).
    original = bm25s.BM25.load
    procs: list[subprocess.Popen[str]] = []

    def load_while_other_process_ingests(*args: Any, **kwargs: Any) -> Any:
        if not procs:
            (corpus / NORWAY).write_text(NORWAY_TEXT)
            procs.append(subprocess.Popen(
                [sys.executable, "-c", INGEST_ONCE, str(corpus)], env=env_for(home),
                cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            ))
            try:
                procs[0].wait(timeout=120)
            except subprocess.TimeoutExpired:
                pass
        return original(*args, **kwargs)

    monkeypatch.setattr(bm25s.BM25, "load", load_while_other_process_ingests)
    reader = Assistant(Settings(home=home), embedder=embedder)
    try:
        reader.ask(Q_NORWAY)  # must not fail, whichever index version it loaded
        query = "salmon Tromsø Gardermoen Ålesund krone sushi"  # words only Norway's text has
        hits = reader.lexical.search(query, 10)
    finally:
        monkeypatch.undo()
        stdout, stderr = procs[0].communicate(timeout=300) if procs else ("", "")
    assert procs and procs[0].returncode == 0 and "added 1" in stdout, (stdout, stderr)
    fresh = Assistant(Settings(home=home), embedder=embedder)
    after = (fresh.records.version(), sorted(fresh.records.chunk_ids()))
    assert (reader.lexical.version, sorted(reader.lexical.ids)) in (before, after)
    texts = {cid: row.text for cid, row in fresh.records.chunks(after[1]).items()}
    wanted = set(tokenize(query))
    for cid, _ in hits:  # a BM25 hit contains some of the query's words
        assert cid in texts and wanted & set(tokenize(texts[cid])), (cid, texts.get(cid))
