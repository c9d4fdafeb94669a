"""SIGKILL an ingest or a removal at chosen points: each article stays in its old or new version.

Each scenario starts from a complete ingest of a copy of data/sample, changes the copy
(edits, a new article, deleted files, a removal through the API), then runs the change in
a real subprocess that patches one product method *inside that subprocess* so that its Nth
call SIGKILLs the process before or after doing its work. The test process then opens
the store with a fresh Assistant and checks what a reader sees right after the crash
(records and Chroma agree on every chunk the records name, each article is entirely its
old or its new version, no answer cites a half-written version), finishes the work by
running the operation again, and checks the end state (records == Chroma, empty journal,
``doctor().ok``, the new version answers).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SAMPLE_DIR

from assistant import Assistant, Settings
from ingest.ids import ChunkId
from ingest.loaders import discover, load_file
from ingest.text.sentences import flowing
from vectorstore.embeddings import Embedder

pytestmark = pytest.mark.slow

# The subprocess: patch one method so its Nth (matching) call SIGKILLs the process, then run
# the operation. It prints DONE if it was never killed (the test then fails: the kill point
# was not reached, so the scenario tested nothing).
WORKER = r'''
import importlib, inspect, json, os, signal, sys, threading
from pathlib import Path

spec = json.loads(Path(sys.argv[1]).read_text())
kill = spec["kill"]
state = {"calls": 0}
lock = threading.Lock()


def log(msg):
    sys.stdout.write(msg + "\n")
    sys.stdout.flush()


def matches(args):
    pos = kill.get("argpos", 1)
    if kill.get("nonempty") and not args[pos]:
        return False
    needle = kill.get("arg_contains")
    return not needle or needle in str(args[pos])


def hook(orig):
    def hooked(*args, **kwargs):
        if not matches(args):
            return orig(*args, **kwargs)
        with lock:
            state["calls"] += 1
            n = state["calls"]
        log(f"HOOK {kill['target']} #{n}")
        if n == kill["n"] and kill["when"] == "before":
            log(f"KILL before {kill['target']} #{n}")
            os.kill(os.getpid(), signal.SIGKILL)
        result = orig(*args, **kwargs)
        if n == kill["n"] and kill["when"] == "after":
            log(f"KILL after {kill['target']} #{n}")
            os.kill(os.getpid(), signal.SIGKILL)
        return result
    return hooked


module_name, qualname = kill["target"].split(":")
owner = importlib.import_module(module_name)
*path, attr = qualname.split(".")
for part in path:
    owner = getattr(owner, part)
raw = inspect.getattr_static(owner, attr) if isinstance(owner, type) else getattr(owner, attr)
if isinstance(raw, staticmethod):
    setattr(owner, attr, staticmethod(hook(raw.__func__)))
else:
    setattr(owner, attr, hook(raw))

from assistant import Assistant
from assistant.settings import load_settings

a = Assistant(load_settings())
a.ingestor.write_batch = spec.get("write_batch", 512)
if spec["action"] == "ingest":
    report = a.ingest(spec["paths"], prune=spec.get("prune", False))
    log("DONE " + json.dumps(report.to_dict()))
elif spec["action"] == "remove":
    a.remove(spec["article_id"])
    log("DONE")
elif spec["action"] == "poll":
    report = a.poll()
    log("DONE " + json.dumps(report.to_dict()))
else:
    sys.exit("unknown action")
'''

GERMANY = "germany-china-trade-2024.txt"
BRAZIL = "brazil-china-commodities-2025.txt"
JAPAN = "japan-vietnam-investment-2025.txt"
BRIEFS = "trade-briefs.jsonl"
NORWAY = "norway-salmon-japan-2024.txt"

Q_GERMANY = "By how much did German exports to China fall in 2024?"
Q_NORWAY = "How much salmon did Norway export to Japan in 2024?"
Q_KENYA = "How much tea did Kenya export to Pakistan?"
Q_BRAZIL = "How much were Brazil's soybean exports to China worth in 2024?"

NORWAY_TEXT = """Norwegian salmon exports to Japan reach record $1.7 billion in 2024
Date: 2025-02-03
Source: Nordic Seafood Ledger

Norway exported salmon worth $1.7 billion to Japan in 2024, a record, according to the \
Norwegian Seafood Council in Tromsø. Volumes rose 11% to 92,000 tonnes as Japanese sushi \
chains switched from Chilean to Norwegian fish.

Air freight from Oslo Gardermoen to Narita carried most of the fresh salmon. Exporters in \
Ålesund said the weak krone made Norwegian fish cheaper in yen terms throughout the year.

Japanese importers expect demand to keep growing in 2025, and two Tokyo trading houses \
signed five-year supply contracts with fish farms in Nordland county in December 2024.
"""


def edit_articles(corpus: Path) -> None:
    """Change three articles (one of them the Germany one) and add a new one."""
    path = corpus / GERMANY
    text = path.read_text()
    assert "fell 7.6% in 2024 to €90.0 billion" in text
    path.write_text(text.replace("fell 7.6% in 2024 to €90.0 billion",
                                 "fell 9.9% in 2024 to €81.5 billion"))
    path = corpus / BRAZIL
    text = path.read_text()
    assert "worth $31.5 billion" in text
    path.write_text(text.replace("worth $31.5 billion", "worth $33.8 billion"))
    path = corpus / JAPAN
    text = path.read_text()
    assert "$5.1 billion" in text
    path.write_text(text.replace("$5.1 billion", "$5.6 billion"))
    (corpus / NORWAY).write_text(NORWAY_TEXT)


def prune_articles(corpus: Path) -> None:
    """Delete one file and drop one entry (Kenya tea) from the feed file."""
    (corpus / BRAZIL).unlink()
    lines = (corpus / BRIEFS).read_text().splitlines()
    kept = [line for line in lines if "Kenya" not in json.loads(line)["title"]]
    assert len(kept) == len(lines) - 1
    (corpus / BRIEFS).write_text("\n".join(kept) + "\n")


def edit_and_prune(corpus: Path) -> None:
    edit_articles(corpus)
    prune_articles(corpus)


def no_change(corpus: Path) -> None:
    pass


@dataclass(frozen=True)
class Kill:
    """Kill on the ``n``-th matching call of ``target`` (``module:Class.method``)."""

    target: str
    n: int = 1
    when: str = "before"
    nonempty: bool = False
    argpos: int = 1
    arg_contains: str | None = None

    def spec(self) -> dict[str, Any]:
        return {"target": self.target, "n": self.n, "when": self.when,
                "nonempty": self.nonempty, "argpos": self.argpos,
                "arg_contains": self.arg_contains}


@dataclass(frozen=True)
class Scenario:
    name: str
    change: Callable[[Path], None]
    kills: tuple[Kill, ...]
    action: str = "ingest"  # or "remove" (the Germany article, through the API)
    prune: bool = False
    write_batch: int = 3  # each changed article is its own batch: several batches
    env: dict[str, str] = field(default_factory=dict)
    revert: bool = False  # put the original files back before running the operation again


UPSERT = "vectorstore.store:ChromaStore.upsert"
DELETE = "vectorstore.store:ChromaStore.delete"
ENCODE = "vectorstore.embeddings:Embedder.encode"
JOURNAL = "ingest.records:Records.journal"
COMMIT = "ingest.records:Records.commit_articles"
BUMP = "ingest.records:Records._bump"  # inside the commit's SQLite transaction
CLEAR = "ingest.records:Records.clear_pending"
REMOVE_ARTICLES = "ingest.records:Records.remove_articles"
MANIFEST = "ingest.records:Records.write_manifest"
LEXICAL_BUILD = "vectorstore.lexical:LexicalIndex.build"
OS_REPLACE = "os:replace"

SCENARIOS = [
    Scenario("before-embedding", edit_articles, (Kill(ENCODE, 1, "before"),)),
    Scenario("after-embedding-before-any-write", edit_articles, (Kill(ENCODE, 1, "after"),)),
    Scenario("after-journal-before-upsert", edit_articles, (Kill(JOURNAL, 1, "after"),)),
    Scenario("between-batches", edit_articles, (Kill(UPSERT, 2, "before"),)),
    Scenario("after-upsert-before-commit", edit_articles, (Kill(UPSERT, 1, "after"),),
             write_batch=512),
    # The half-written version never becomes current: the next run must delete it.
    Scenario("after-upsert-then-files-reverted", edit_articles, (Kill(UPSERT, 1, "after"),),
             write_batch=512, revert=True),
    Scenario("inside-commit-transaction", edit_articles, (Kill(BUMP, 1, "before", argpos=0),)),
    Scenario("after-commit-before-stale-delete", edit_articles, (Kill(COMMIT, 1, "after"),)),
    Scenario("second-batch-after-commit", edit_articles, (Kill(COMMIT, 2, "after"),)),
    Scenario("after-stale-delete-before-journal-clear", edit_articles,
             (Kill(DELETE, 1, "after", nonempty=True),)),
    Scenario("during-lexical-build", edit_articles,
             (Kill(OS_REPLACE, 1, "before", argpos=0, arg_contains="lexical/tradedesk.tmp"),)),
    Scenario("before-lexical-build", prune_articles, (Kill(LEXICAL_BUILD, 1, "before"),),
             prune=True),
    Scenario("during-manifest-write", edit_and_prune,
             (Kill(OS_REPLACE, 1, "before", argpos=0, arg_contains="manifest.tmp"),),
             prune=True, write_batch=512),
    Scenario("prune-before-records", prune_articles, (Kill(REMOVE_ARTICLES, 1, "before"),),
             prune=True),
    Scenario("prune-after-records-before-chroma", prune_articles,
             (Kill(DELETE, 1, "before", nonempty=True),), prune=True),
    Scenario("remove-after-records-before-chroma", no_change,
             (Kill(DELETE, 1, "before", nonempty=True),), action="remove"),
    Scenario("remove-after-chroma-before-journal-clear", no_change,
             (Kill(CLEAR, 1, "before", nonempty=True),), action="remove"),
    Scenario("remove-before-manifest-write", no_change, (Kill(MANIFEST, 1, "before"),),
             action="remove"),
    # A crash, then a second crash while the next run repairs the first one's leftovers.
    Scenario("crash-then-crash-during-repair", edit_articles,
             (Kill(UPSERT, 1, "after"), Kill(DELETE, 1, "after", nonempty=True))),
]

KILLS_SURVIVED: list[str] = []

View = dict[str, tuple[str, ...]]


# -- helpers ---------------------------------------------------------------------------------


def expected_view(a: Assistant, corpus: Path) -> View:
    """Chunk texts per article as a correct ingest of ``corpus`` stores them."""
    docs = []
    for item in discover([corpus]):
        if isinstance(item, Path):
            got, failures = load_file(item, max_bytes=10_000_000)
            assert not failures
            docs.extend(got)
    return {
        d.article_id: tuple(d.text[span.start : span.end] for span, _ in a.chunker.chunk(
            d.text, d.title))
        for d in docs
    }


def trusted_view(a: Assistant) -> View:
    """What a reader trusts: the chunks the records name, with Chroma's copy of each.

    Asserts that the records name no chunk Chroma lacks and that Chroma's text and
    metadata of each named chunk are the records' ones.
    """
    ids = a.records.chunk_ids()
    assert len(ids) == len(set(ids)), "duplicate chunk ids in the records"
    store_ids = a.store.ids()
    assert len(store_ids) == len(set(store_ids)), "duplicate chunk ids in Chroma"
    missing = sorted(set(ids) - set(store_ids))
    assert not missing, f"the records name chunks that Chroma does not hold: {missing[:5]}"
    rows = a.records.chunks(ids)
    stored = a.store.get(ids)
    view: dict[str, list[str]] = {}
    for cid in ids:
        text, meta = stored[cid]
        row = rows[cid]
        assert text == row.text, (
            f"Chroma's text of {cid} is not the text the records hold for it:\n"
            f"  records: {row.text[:120]!r}\n  chroma:  {text[:120]!r}"
        )
        assert meta["article_id"] == row.article_id and meta["index"] == row.index
        assert meta["version"] == ChunkId.parse(cid).version
        article = a.records.article_text(row.article_id)
        assert article is not None and article[row.start : row.end] == text
        view.setdefault(row.article_id, []).append(text)
    return {aid: tuple(texts) for aid, texts in view.items()}


def assert_each_article_old_or_new(mid: View, old: View, new: View) -> None:
    for aid in sorted(set(mid) | set(old) | set(new)):
        got = mid.get(aid)
        if got == old.get(aid) or got == new.get(aid):
            continue
        state = "missing" if got is None else (
            "mixed or foreign chunks" if got else "no chunks")
        pytest.fail(
            f"{aid}: {state} after the crash; it must be its old version "
            f"({'absent' if old.get(aid) is None else len(old[aid])} chunks) or its new one "
            f"({'absent' if new.get(aid) is None else len(new[aid])} chunks); got "
            f"{None if got is None else len(got)} chunks"
        )


def assert_answer_trustworthy(a: Assistant, question: str) -> Any:
    """Every citation is a chunk the records name, quoting the current article text."""
    ans = a.ask(question)
    current = set(a.records.chunk_ids())
    for c in ans.citations:
        assert c.chunk_id in current, f"{question!r} cited {c.chunk_id}, not a current chunk"
        assert flowing(a.article_text(c.article_id)[c.start : c.end]) == c.quote
    return ans


def germany_id(view: View) -> str:
    return next(aid for aid in view if aid.startswith("germany-china-trade-2024-"))


def check_answers(a: Assistant, view: View, old: View, new: View) -> None:
    """Answers follow the version the records hold, and never cite what they do not name."""
    for question, prefix, was, now in (
        (Q_GERMANY, "germany-china-trade-2024-", "7.6%", "9.9%"),
        (Q_BRAZIL, "brazil-china-commodities-2025-", "31.5 billion", "33.8 billion"),
    ):
        ans = assert_answer_trustworthy(a, question)
        aid = next((x for x in view if x.startswith(prefix)), None)
        if aid is None:
            assert all(not c.article_id.startswith(prefix) for c in ans.citations), ans.text
            continue
        current = now if any(now in text for text in view[aid]) else was
        stale = was if current == now else now
        assert current in ans.text and stale not in ans.text, (question, current, ans.text)
        assert ans.citations[0].article_id == aid
    ans = assert_answer_trustworthy(a, Q_NORWAY)
    norway = [aid for aid in view if aid.startswith("norway-salmon-japan-2024-")]
    if norway:
        assert "1.7 billion" in ans.text and ans.citations[0].article_id == norway[0], ans.text
    else:
        assert all(not c.article_id.startswith("norway") for c in ans.citations), ans.text
    ans = assert_answer_trustworthy(a, Q_KENYA)
    if not any(aid.startswith("kenya-tea") for aid in view):
        assert all(not c.article_id.startswith("kenya-tea") for c in ans.citations), ans.text


def env_for(home: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEDESK_")}
    env.update(
        HF_HUB_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
        PYTHONPATH=str(ROOT),
        TRADEDESK_HOME=str(home),
        TRADEDESK_QUERY_ENCODER="torch",  # no ONNX export in the worker
        TRADEDESK_EMBEDDING_PRECISION="fp32",  # no bf16 probe: the worker starts faster
        **extra,
    )
    return env


def run_killed(tmp_path: Path, home: Path, spec: dict[str, Any], env: dict[str, str]) -> str:
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    spec_file = tmp_path / f"spec-{len(list(tmp_path.glob('spec-*')))}.json"
    spec_file.write_text(json.dumps(spec))
    proc = subprocess.run(
        [sys.executable, str(script), str(spec_file)],
        env=env_for(home, env), cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == -signal.SIGKILL, (
        f"the worker was not killed at {spec['kill']} (exit {proc.returncode}):\n"
        f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    )
    assert "KILL " in proc.stdout
    return proc.stdout


# -- fixtures --------------------------------------------------------------------------------


@dataclass
class Base:
    corpus: Path  # fixed path (article ids derive from it); reset before each scenario
    pristine: Path
    home: Path  # the store after a complete ingest of the pristine corpus
    old: View


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Base]:
    root = tmp_path_factory.mktemp("crash")
    pristine = root / "pristine"
    shutil.copytree(SAMPLE_DIR, pristine)
    corpus = root / "corpus"
    shutil.copytree(pristine, corpus)
    home = root / "home"
    a = Assistant(Settings(home=home), embedder=embedder)
    report = a.ingest([corpus])
    assert len(report.added) == 9 and report.ok
    old = trusted_view(a)
    assert old == expected_view(a, corpus)
    assert "7.6%" in a.ask(Q_GERMANY).text
    assert "31.5 billion" in a.ask(Q_BRAZIL).text
    a.store.close()
    yield Base(corpus, pristine, home, old)
    print(f"\ncrash safety: survived {len(KILLS_SURVIVED)} SIGKILLs: {KILLS_SURVIVED}")


@pytest.fixture
def fresh(base: Base, tmp_path: Path) -> tuple[Path, Path]:
    """The pristine corpus at its fixed path and a copy of the ingested store."""
    shutil.rmtree(base.corpus)
    shutil.copytree(base.pristine, base.corpus)
    home = tmp_path / "home"
    shutil.copytree(base.home, home)
    return base.corpus, home


# -- the scenarios ---------------------------------------------------------------------------


def _run(scenario: Scenario, base: Base, fresh: tuple[Path, Path], tmp_path: Path,
         embedder: Embedder) -> None:
    corpus, home = fresh
    settings = Settings(home=home)
    scenario.change(corpus)
    probe = Assistant(settings, embedder=embedder)
    new = expected_view(probe, corpus)
    gid = germany_id(base.old)
    if scenario.action == "remove":
        new = {aid: texts for aid, texts in base.old.items() if aid != gid}
    assert new != base.old or scenario.env, "the scenario changes nothing"

    for kill in scenario.kills:
        spec = {"kill": kill.spec(), "action": scenario.action, "paths": [str(corpus)],
                "prune": scenario.prune, "write_batch": scenario.write_batch,
                "article_id": gid}
        run_killed(tmp_path, home, spec, scenario.env)

        # Right after the crash: what a fresh reader (another process) trusts.
        a = Assistant(settings, embedder=embedder)
        mid = trusted_view(a)
        assert_each_article_old_or_new(mid, base.old, new)
        manifest = a.records.read_manifest()  # old or new, never torn
        assert manifest and all(Path(p).parent == corpus for p, _ in manifest), manifest
        check_answers(a, mid, base.old, new)
        a.store.close()
        KILLS_SURVIVED.append(f"{scenario.name}:{kill.target}#{kill.n}:{kill.when}")

    if scenario.revert:
        shutil.rmtree(corpus)
        shutil.copytree(base.pristine, corpus)
        new = base.old
    # Run the operation again, to completion, in this process.
    a = Assistant(settings, embedder=embedder)
    if scenario.action == "remove":
        if gid in a.records.versions():
            a.remove(gid)
        report = a.ingest([])  # the next ingest finishes what the crash left
    else:
        report = a.ingest([corpus], prune=scenario.prune)
    assert report.ok, report.failed

    final = trusted_view(a)
    assert final == new
    assert a.records.pending() == []
    assert sorted(a.records.chunk_ids()) == sorted(a.store.ids())
    doctor = a.doctor()
    assert doctor.ok, doctor.problems
    assert not any("BM25" in w for w in doctor.warnings), doctor.warnings
    assert a.lexical.saved_version() == a.records.version()
    assert sorted(a.lexical.ids) == sorted(a.records.chunk_ids())
    manifest = set(a.records.read_manifest())
    assert manifest >= {(p, lbl) for p, lbl, _, _ in a.records.source_rows()}
    whole_files = {p.name for p in corpus.iterdir()}  # feeds are in the manifest too
    if scenario.action == "remove":
        whole_files.discard(GERMANY)
    assert {Path(p).name for p, _ in a.records.read_manifest()} >= whole_files
    check_answers(a, final, base.old, new)
    if scenario.action == "ingest" and scenario.change not in (prune_articles, no_change) and not (
            scenario.revert):
        assert "9.9%" in a.ask(Q_GERMANY).text
    # A no-change ingest afterwards does nothing: the state is settled.
    if scenario.action == "ingest":
        again = a.ingest([corpus], prune=scenario.prune)
        assert not (again.added or again.updated or again.removed) and again.embedded == 0
    a.store.close()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_sigkill_leaves_old_or_new_version(
    scenario: Scenario, base: Base, fresh: tuple[Path, Path], tmp_path: Path,
    embedder: Embedder,
) -> None:
    _run(scenario, base, fresh, tmp_path, embedder)


PIPELINE_CHANGE = Scenario(
    "pipeline-change-after-upsert-before-commit", no_change, (Kill(UPSERT, 1, "after"),),
    write_batch=512,
    env={"TRADEDESK_CHUNK_WORDS": "40", "TRADEDESK_CHUNK_MAX_WORDS": "60"},
)


def test_sigkill_during_rechunking_keeps_old_chunks(
    base: Base, fresh: tuple[Path, Path], tmp_path: Path, embedder: Embedder
) -> None:
    _run(PIPELINE_CHANGE, base, fresh, tmp_path, embedder)


def test_rebuild_of_damaged_records_restores_every_article(
    base: Base, fresh: tuple[Path, Path], embedder: Embedder
) -> None:
    corpus, home = fresh
    settings = Settings(home=home)
    a = Assistant(settings, embedder=embedder)
    before = sorted(a.records.versions())
    assert len(before) == 9
    a.records.close()
    a.store.close()
    # The records file is found damaged (e.g. a crash on a disk that lost its cache).
    for suffix in ("-wal", "-shm"):
        Path(str(settings.records_path) + suffix).unlink(missing_ok=True)
    settings.records_path.write_bytes(b"not a database " * 64)
    b = Assistant(settings, embedder=embedder)
    report = b.rebuild()
    restored = sorted(b.records.versions())
    lost = sorted(set(before) - set(restored))
    assert restored == before, f"rebuild() lost {lost}; its report: {report.summary()}"
    b.store.close()


# -- a feed poll killed half-way -------------------------------------------------------------

RECORD_SUCCESS = "ingest.records:Records.record_success"
REMEMBER = "ingest.records:Records.remember_entries"
POLL_KILLS = [
    Kill(ENCODE, 1, "after"),
    Kill(UPSERT, 1, "after"),
    Kill(BUMP, 1, "before", argpos=0),
    Kill(COMMIT, 1, "after"),  # one article committed, the other not yet
    Kill(REMEMBER, 1, "before"),  # every article written, the feed's state not yet
    Kill(RECORD_SUCCESS, 1, "before"),
]


@dataclass
class FeedBase:
    site: Any
    home: Path  # the store after one complete poll of the feed's first version
    old: View


@pytest.fixture(scope="module")
def feed_base(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[FeedBase]:
    from websites import Site

    site = Site().start()
    home = tmp_path_factory.mktemp("crash-feed") / "home"
    a = Assistant(Settings(home=home, web_allow_hosts="127.0.0.1"), embedder=embedder)
    a.add_feed(site.url("/changing.xml"))
    first = a.poll()
    assert len(first.report.added) == 2 and not first.failed
    old = trusted_view(a)
    a.store.close()
    try:
        yield FeedBase(site, home, old)
    finally:
        site.stop()


@pytest.mark.parametrize("kill", POLL_KILLS, ids=[f"{k.target.split(':')[1]}#{k.n}:{k.when}"
                                                  for k in POLL_KILLS])
def test_sigkill_during_a_feed_poll_leaves_old_or_new_versions(
    kill: Kill, feed_base: FeedBase, tmp_path: Path, embedder: Embedder
) -> None:
    site = feed_base.site
    site.version = 2  # cocoa edited, cashew new, cotton no longer listed
    try:
        # What a complete poll of version 2 makes of the store (on a copy of it).
        done_home = tmp_path / "done"
        shutil.copytree(feed_base.home, done_home)
        done = Assistant(Settings(home=done_home, web_allow_hosts="127.0.0.1"),
                         embedder=embedder)
        full = done.poll()
        assert len(full.report.added) == 1 and len(full.report.updated) == 1
        new = trusted_view(done)
        done.store.close()
        assert new != feed_base.old and set(feed_base.old) < set(new)

        home = tmp_path / "home"
        shutil.copytree(feed_base.home, home)
        spec = {"kill": kill.spec(), "action": "poll", "write_batch": 1}
        run_killed(tmp_path, home, spec, {"TRADEDESK_WEB_ALLOW_HOSTS": "127.0.0.1"})

        settings = Settings(home=home, web_allow_hosts="127.0.0.1")
        a = Assistant(settings, embedder=embedder)
        mid = trusted_view(a)
        assert_each_article_old_or_new(mid, feed_base.old, new)
        assert set(feed_base.old) <= set(mid)  # nothing already ingested was lost
        a.store.close()
        KILLS_SURVIVED.append(f"poll:{kill.target}#{kill.n}:{kill.when}")

        # The next poll finishes the work: no 304 hides what the killed one did not store.
        a = Assistant(settings, embedder=embedder)
        again = a.poll()
        assert not again.failed and again.not_modified == 0
        assert trusted_view(a) == new
        assert a.records.pending() == []
        assert sorted(a.records.chunk_ids()) == sorted(a.store.ids())
        assert a.doctor().ok
        ans = a.ask("How much cocoa had arrived at Abidjan and San Pedro by mid-February 2025?")
        assert "1.35 million" in ans.text and "1.21 million" not in ans.text, ans.text
        settled = a.poll()
        assert settled.not_modified == 1 and settled.report.embedded == 0
        a.store.close()
    finally:
        site.version = 1
