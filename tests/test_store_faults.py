"""Store faults: damaged files, a read-only or full data folder, a Chroma server that dies.

Each fault must surface as an actionable error (the message names the cause and a fix:
``tradedesk rebuild`` / ``tradedesk doctor`` / the path that is not writable), and
``doctor()`` / ``rebuild()`` must then restore service: ``doctor().ok`` and a question
about the sample articles answered from them.

The read-only and full-disk cases need real file-system faults. The tests run as root
here, where ``chmod`` does not stop writes, so they use a read-only bind mount (falling
back to ``chattr +i``) and a small tmpfs; as a normal user ``chmod -R a-w`` is used.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLE_DIR, ChromaServer, clean_settings
from websites import Site

from assistant import Assistant, Settings
from ingest.ids import article_of
from ingest.pipeline import Ingestor, Progress
from vectorstore.embeddings import Embedder
from vectorstore.errors import AssistantError, StoreError

QUESTION = "How much did German exports to China fall in 2024?"
ANSWER = "7.6%"


def without_paths(message: str, *paths: Path) -> str:
    """The message with the given paths cut out (test folder names contain words too)."""
    for path in sorted({str(p) for p in paths} | {str(p.parent) for p in paths}, key=len,
                       reverse=True):
        message = message.replace(path, "<path>")
    return message


def assert_service(a: Assistant) -> None:
    """The store is healthy and answers a question about the sample articles."""
    report = a.doctor()
    assert report.ok, report.problems
    answer = a.ask(QUESTION)
    assert not answer.refused and ANSWER in answer.text, answer.text
    assert answer.citations and a.article_text(answer.citations[0].article_id)


# -- a template store with the sample articles, copied for every test ---------------------


@dataclass
class Template:
    home: Path  # a closed store holding the sample articles
    sample: Path  # the files it was ingested from (still there: the manifest names them)
    articles: dict[str, int]  # article id -> chunks
    embedder: Embedder

    def copy(self, dest: Path) -> Settings:
        shutil.copytree(self.home, dest, dirs_exist_ok=True)
        return clean_settings(home=dest)

    def fresh(self, dest: Path) -> Assistant:
        return Assistant(self.copy(dest), embedder=self.embedder)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Template:
    root = tmp_path_factory.mktemp("faults-template")
    sample = root / "sample"
    shutil.copytree(SAMPLE_DIR, sample)
    home = root / "home"
    a = Assistant(clean_settings(home=home), embedder=embedder)
    report = a.ingest([sample])
    assert report.ok and len(report.added) == 9
    articles = {x.article_id: x.chunks for x in a.articles()}
    assert_service(a)
    a.store.close()
    a.records.close()
    return Template(home, sample, articles, embedder)


# -- damaged Chroma files -------------------------------------------------------------------


def _damage(path: Path, how: str) -> None:
    size = path.stat().st_size
    if how == "garbage":
        path.write_bytes(random.Random(13).randbytes(size))
    elif how == "truncated":
        with path.open("r+b") as fh:
            fh.truncate(size // 3)
    else:  # pragma: no cover - parametrisation guard
        raise AssertionError(how)


@pytest.mark.parametrize("how", ["garbage", "truncated"])
def test_damaged_chroma_files_error_then_rebuild(
    template: Template, tmp_path: Path, how: str
) -> None:
    settings = template.copy(tmp_path / "home")
    sqlite_file = settings.chroma_dir / "chroma.sqlite3"
    assert sqlite_file.exists()
    _damage(sqlite_file, how)  # no client has this store open: a fresh Assistant below
    a = Assistant(settings, embedder=template.embedder)

    with pytest.raises(StoreError) as err:
        a.ask(QUESTION)
    assert str(settings.chroma_dir) in str(err.value)
    message = without_paths(str(err.value), settings.chroma_dir)
    assert "are damaged" in message and "tradedesk rebuild" in message, message

    report = a.doctor()
    assert not report.ok
    assert any("tradedesk rebuild" in p for p in report.problems), report.problems

    rebuilt = a.rebuild()
    assert rebuilt.failed == []
    assert sorted(rebuilt.added + rebuilt.updated) == sorted(template.articles)
    assert_service(a)
    assert {x.article_id: x.chunks for x in a.articles()} == template.articles
    assert sorted(a.store.ids()) == sorted(a.records.chunk_ids())
    # the damaged files were kept for inspection, not deleted
    assert list(settings.home.glob("chroma.damaged-*"))
    # a fresh process sees the rebuilt store too
    assert_service(Assistant(settings, embedder=template.embedder))


def test_damaged_chroma_error_names_the_cause_every_time(
    template: Template, tmp_path: Path
) -> None:
    settings = template.copy(tmp_path / "home")
    _damage(settings.chroma_dir / "chroma.sqlite3", "garbage")
    a = Assistant(settings, embedder=template.embedder)
    messages = []
    for _ in range(2):
        with pytest.raises(StoreError) as err:
            a.ask(QUESTION)
        messages.append(str(err.value))
    messages += a.doctor().problems
    for message in messages:
        message = without_paths(message, settings.chroma_dir)
        assert "are damaged" in message and "tradedesk rebuild" in message, message


# -- damaged records -------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["truncated", "garbage"])
def test_damaged_records_error_then_rebuild_from_manifest(
    template: Template, tmp_path: Path, how: str
) -> None:
    a = template.fresh(tmp_path / "home")
    # an upload too, so that the manifest's uploads are re-ingested as uploads
    up = a.ingest_uploads([("cocoa note.txt", b"Cocoa note\n\nGhana exported 650,000 "
                            b"tonnes of cocoa beans in 2024.\n")])
    assert up.ok
    files = {x.article_id for x in a.articles()}
    assert len(files) == 10
    a.store.close()
    a.records.close()
    records = a.settings.records_path
    _damage(records, how)

    b = Assistant(a.settings, embedder=template.embedder)
    with pytest.raises(StoreError) as err:
        b.ask(QUESTION)
    message = str(err.value)
    assert str(records) in message and "tradedesk rebuild" in message, message
    with pytest.raises(StoreError, match="tradedesk rebuild"):
        b.ingest([template.sample])
    report = b.doctor()
    assert not report.ok and "tradedesk rebuild" in " ".join(report.problems)

    rebuilt = b.rebuild()
    assert_service(b)
    after = {x.article_id: x for x in b.articles()}
    assert files <= set(after), sorted(files - set(after))
    upload = [x for x in after.values() if x.source == "cocoa note.txt"]
    assert len(upload) == 1 and Path(upload[0].source_path).parent == b.settings.uploads_dir
    assert not any(f.reason == "source file no longer exists" for f in rebuilt.failed)
    assert sorted(b.store.ids()) == sorted(b.records.chunk_ids())
    assert list(records.parent.glob(records.name + ".damaged-*"))  # kept for inspection


def test_records_rebuild_restores_every_article(template: Template, tmp_path: Path) -> None:
    """Feed (.jsonl) entries too: the manifest must list the feed file, not only files."""
    a = template.fresh(tmp_path / "home")
    before = {x.article_id for x in a.articles()}
    assert any(x.kind == "jsonl" for x in a.articles())
    a.store.close()
    a.records.close()
    _damage(a.settings.records_path, "truncated")
    b = Assistant(a.settings, embedder=template.embedder)
    rebuilt = b.rebuild()
    after = {x.article_id for x in b.articles()}
    assert after == before or rebuilt.failed, "articles vanished without a report"
    assert after == before, sorted(before - after)
    assert b.ask("How much tea did Kenya export to Pakistan?").citations


# -- web articles (no source file) through a rebuild of damaged records -------------------

AVOCADO = "How many tonnes of avocados did Kenya ship to the Netherlands in 2024?"


@dataclass
class WebTemplate:
    home: Path  # the sample articles plus a page from a URL and the entries of a feed
    site: Site
    articles: dict[str, str]  # article id -> content hash
    web: dict[str, str]  # the web articles: article id -> title
    sources: set[str]  # the URLs they came from

    def fresh(self, dest: Path, embedder: Embedder) -> Assistant:
        shutil.copytree(self.home, dest, dirs_exist_ok=True)
        return Assistant(clean_settings(home=dest, web_allow_hosts="127.0.0.1"),
                         embedder=embedder)


@pytest.fixture(scope="module")
def web_template(
    template: Template, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WebTemplate]:
    site = Site().start()
    try:
        home = tmp_path_factory.mktemp("faults-web") / "home"
        shutil.copytree(template.home, home)
        a = Assistant(clean_settings(home=home, web_allow_hosts="127.0.0.1"),
                      embedder=template.embedder)
        page = site.url("/article.html")
        assert a.ingest([page]).ok
        a.add_feed(site.url("/rss.xml"))
        assert not a.poll().failed
        web = {x.article_id: x.title for x in a.articles() if x.kind in ("web", "feed")}
        assert len(web) == 4  # the page and the feed's three entries
        sources = {x.source_path for x in a.articles() if x.kind in ("web", "feed")}
        assert sources == {page, site.url("/rss.xml")}
        articles = {x.article_id: x.content_hash for x in a.articles()}
        a.store.close()
        a.records.close()
        yield WebTemplate(home, site, articles, web, sources)
    finally:
        site.stop()


def test_rebuild_of_damaged_records_keeps_the_web_articles(
    web_template: WebTemplate, template: Template, tmp_path: Path
) -> None:
    a = web_template.fresh(tmp_path / "home", template.embedder)
    texts = {aid: a.article_text(aid) for aid in web_template.web}
    a.store.close()
    a.records.close()
    _damage(a.settings.records_path, "truncated")
    fetched = len(web_template.site.requests)

    b = Assistant(a.settings, embedder=template.embedder)
    rebuilt = b.rebuild()
    assert not rebuilt.failed, rebuilt.failed
    assert len(web_template.site.requests) == fetched  # from the copies: nothing re-fetched
    after = {x.article_id: x.content_hash for x in b.articles()}
    assert after == web_template.articles, sorted(set(web_template.articles) ^ set(after))
    assert {aid: b.article_text(aid) for aid in web_template.web} == texts
    assert_service(b)
    answer = b.ask(AVOCADO)
    assert "118,400 tonnes" in answer.text, answer.text
    assert answer.citations[0].article_id in web_template.web
    # the copies follow the records: an article removed is no longer copied
    gone = next(iter(web_template.web))
    b.remove(gone)
    copies = {d.article_id for d in b.records.read_web_copies()[0]}
    assert copies == set(web_template.web) - {gone}


def test_rebuild_names_the_web_sources_it_has_no_copy_of(
    web_template: WebTemplate, template: Template, tmp_path: Path
) -> None:
    """A store from before the copies were kept: its web articles are reported by source."""
    a = web_template.fresh(tmp_path / "home", template.embedder)
    copies = a.settings.records_path.with_suffix(".web-copies")  # beside the records
    shutil.rmtree(copies, ignore_errors=True)
    a.store.close()
    a.records.close()
    _damage(a.settings.records_path, "garbage")
    b = Assistant(a.settings, embedder=template.embedder)
    rebuilt = b.rebuild()
    reported = {f.path: f.reason for f in rebuilt.failed}
    assert set(reported) == web_template.sources, rebuilt.failed
    assert all("could not be rebuilt" in r and "ingest the URL again" in r
               for r in reported.values()), reported
    assert "Harbour Freight Daily" in reported[web_template.site.url("/rss.xml")]
    assert {x.article_id for x in b.articles()} == set(template.articles)  # the files' ones


# -- a read-only data folder -------------------------------------------------------------------


def _run(*cmd: str) -> bool:
    return subprocess.run(cmd, capture_output=True).returncode == 0


@contextlib.contextmanager
def read_only(path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Make ``path`` (recursively) unwritable for this process; yields the method used."""
    if os.geteuid() != 0:
        _run("chmod", "-R", "a-w", str(path))
        try:
            yield "chmod"
        finally:
            _run("chmod", "-R", "u+w", str(path))
        return
    if _run("mount", "--bind", str(path), str(path)):
        if _run("mount", "-o", "remount,bind,ro", str(path)):
            try:
                yield "read-only bind mount"
            finally:
                if not _run("umount", str(path)):
                    _run("umount", "-l", str(path))
            return
        _run("umount", str(path))
    if _run("chattr", "-R", "+i", str(path)):
        try:
            yield "chattr +i"
        finally:
            _run("chattr", "-R", "-i", str(path))
        return
    # Fallback for sandboxes where root can neither mount nor chattr: a mocked write error
    # (EROFS) for every file opened for writing under the folder.
    real_open = os.open

    def no_write(file: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        writing = flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
        if writing and Path(os.fspath(file)).absolute().is_relative_to(path):
            raise OSError(30, "Read-only file system", os.fspath(file))
        return real_open(file, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", no_write)
    try:
        yield "mocked EROFS"
    finally:
        monkeypatch.undo()


def _snapshot(home: Path) -> dict[str, bytes]:
    return {str(p.relative_to(home)): p.read_bytes() for p in sorted(home.rglob("*"))
            if p.is_file() and not p.name.endswith((".lock", "-shm"))}


NEW_ARTICLE = ("Chile copper note\n\nChile exported 5.1 million tonnes of copper to China in "
               "2024, up 3% on 2023.\n")


def test_read_only_home_ingest_error_is_actionable(
    template: Template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = template.copy(tmp_path / "home")
    new = tmp_path / "new"
    new.mkdir()
    (new / "chile.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    a = Assistant(settings, embedder=template.embedder)
    with read_only(settings.home, monkeypatch):
        with pytest.raises(AssistantError) as err:
            a.ingest([new])
    assert str(settings.home) in str(err.value), err.value
    message = without_paths(str(err.value), settings.home, settings.lock_path)
    assert re.search(r"not writable|read-only", message, re.I), message
    assert "TRADEDESK_HOME" in message or "permission" in message.lower(), message


def test_read_only_home_upload_error_is_actionable(
    template: Template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = template.copy(tmp_path / "home")
    a = Assistant(settings, embedder=template.embedder)
    with read_only(settings.home, monkeypatch):
        with pytest.raises(AssistantError) as err:
            a.ingest_uploads([("chile.txt", NEW_ARTICLE.encode())])
    assert str(settings.home) in str(err.value), err.value
    message = without_paths(str(err.value), settings.home, settings.uploads_dir)
    assert re.search(r"not writable|read-only", message, re.I), message


def test_read_only_home_nothing_written_and_service_restored(
    template: Template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = template.copy(tmp_path / "home")
    new = tmp_path / "new"
    new.mkdir()
    (new / "chile.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    before = _snapshot(settings.home)
    a = Assistant(settings, embedder=template.embedder)
    with read_only(settings.home, monkeypatch) as method:
        with pytest.raises(Exception) as err:  # noqa: PT011 - the type is the bug above
            a.ingest([new])
        message = without_paths(str(err.value), settings.home, settings.lock_path)
        assert re.search(r"read-only|not writable|permission|not permitted", message, re.I), (
            method, message)
        with pytest.raises(Exception):  # noqa: PT011
            a.ingest_uploads([("chile.txt", NEW_ARTICLE.encode())])
    assert _snapshot(settings.home) == before  # nothing half-written
    # writable again: the same Assistant works, nothing needs repair
    assert a.doctor().ok
    report = a.ingest([new])
    assert report.ok and len(report.added) == 1
    assert a.ask("How much copper did Chile export to China in 2024?").citations
    assert_service(a)


# -- a full disk -------------------------------------------------------------------------------


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[None]:
    path.mkdir(parents=True, exist_ok=True)
    mounted = _run("mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path))
    if not mounted:
        pytest.fail(f"cannot mount a tmpfs at {path} (needs root and CAP_SYS_ADMIN)")
    try:
        yield
    finally:
        # Chroma's native code may keep files open after close(): detach lazily then.
        if not _run("umount", str(path)):
            _run("umount", "-l", str(path))


def _fill(home: Path, leave_kb: int) -> Path:
    st = os.statvfs(home)
    free = st.f_bavail * st.f_frsize
    filler = home / "filler.bin"
    with filler.open("wb") as fh:
        remaining = max(0, free - leave_kb * 1024)
        while remaining:
            step = min(remaining, 1 << 20)
            fh.write(b"\xff" * step)
            remaining -= step
    return filler


def _extra_articles(folder: Path, n: int = 20) -> Path:
    rng = random.Random(99)
    words = ("trade export import tariff port cargo tonnes shipment container customs "
             "freight market growth").split()
    folder.mkdir()
    for i in range(n):
        sentences = [
            f"{rng.choice(words).capitalize()} {' '.join(rng.choice(words) for _ in range(15))} "
            f"{rng.randint(1, 999)}." for _ in range(30)
        ]
        (folder / f"extra-{i:02d}.txt").write_text(
            f"Extra trade article {i}\n\n" + " ".join(sentences) + "\n", encoding="utf-8"
        )
    return folder


RECOVER = """
import json, sys
from assistant import Assistant, Settings
a = Assistant(Settings(home=sys.argv[1]))
fixed = a.doctor(fix=True)
report = a.ingest([sys.argv[2]])
after = a.doctor()
print(json.dumps({
    "fixed_ok": fixed.ok, "fixed": fixed.fixed, "problems": fixed.problems,
    "added": len(report.added), "failed": [f.reason for f in report.failed],
    "doctor_ok": after.ok,
    "ids_match": sorted(a.store.ids()) == sorted(a.records.chunk_ids()),
    "answer": a.ask(sys.argv[3]).text,
}))
"""


def _recover_in_fresh_process(home: Path, extra: Path) -> dict[str, Any]:
    import json
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEDESK_")}
    env["HF_HUB_OFFLINE"] = "1"
    try:
        done = subprocess.run(
            [sys.executable, "-c", RECOVER, str(home), str(extra), QUESTION],
            capture_output=True, text=True, timeout=300, env=env,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"doctor --fix / ingest after a full disk hung: {exc.stderr!r}"[-2000:])
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


DISK_FULL = re.compile(r"disk.{0,80}full|no space left|free disk space", re.I | re.S)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("leave_kb", "recover"),
    [
        pytest.param(0, True, id="full-before-records-open"),
        pytest.param(128, True, id="full-during-chroma-write"),
        pytest.param(
            600,
            False,  # the recovery is the same as above: this case is about the message
            id="full-during-chroma-compaction",
        ),
    ],
)
def test_full_disk_error_then_doctor_restores(
    template: Template, tmp_path: Path, leave_kb: int, recover: bool
) -> None:
    home = tmp_path / "home"
    extra = _extra_articles(tmp_path / "extra")
    with tmpfs(home, "8m"):
        settings = template.copy(home)
        filler = _fill(home, leave_kb)
        a = Assistant(settings, embedder=template.embedder)
        with pytest.raises(StoreError) as err:
            a.ingest([extra])
        message = without_paths(str(err.value), settings.chroma_dir, settings.records_path)

        # nothing half-written: the committed articles are exactly the old ones, complete
        filler.unlink()  # free the space (reading the records may need a -shm file)
        assert {x.article_id: x.chunks for x in a.articles()} == template.articles
        assert set(a.records.chunk_ids()) <= set(a.store.ids())
        # With space again, `doctor --fix` and a new ingest restore service. They run in a
        # fresh process (as the CLI would): in this process the embedded Chroma client can
        # stall inside a native call after the disk-full error, holding the GIL (see the
        # report), which no in-process timeout could interrupt.
        if recover:
            recovered = _recover_in_fresh_process(home, extra)
            assert recovered["fixed_ok"], recovered
            assert recovered["added"] == 20 and recovered["failed"] == [], recovered
            assert recovered["doctor_ok"] and recovered["ids_match"], recovered
            assert ANSWER in recovered["answer"], recovered
    assert DISK_FULL.search(message), message
    assert "doctor" in message or "TRADEDESK_HOME" in message, message


# -- a Chroma server that stops in the middle of an ingest ---------------------------------------


def _many_articles(folder: Path, n: int = 300) -> Path:
    rng = random.Random(300)
    goods = ["copper", "coffee", "soybeans", "steel", "rice", "cotton", "tea", "rubber"]
    countries = ["Chile", "Peru", "Brazil", "India", "Vietnam", "Kenya", "Egypt", "Ghana"]
    folder.mkdir()
    for i in range(n):
        g, c = rng.choice(goods), rng.choice(countries)
        (folder / f"brief-{i:03d}.txt").write_text(
            f"Trade brief {i}: {c} {g}\n\n{c} exported {rng.randint(2, 900)} thousand tonnes of "
            f"{g} in the month covered by brief {i}, officials said.\n",
            encoding="utf-8",
        )
    return folder


@pytest.mark.server
@pytest.mark.slow
def test_chroma_server_stopping_mid_ingest(
    chroma_server: ChromaServer,
    make_assistant: Callable[..., Assistant],
    tmp_path: Path,
) -> None:
    a = make_assistant(chroma_host="127.0.0.1", chroma_port=chroma_server.port)
    # smaller write batches than the default 512 chunks, so the ingest spans many batches
    a.ingestor = Ingestor(
        a.store, a.records, a.chunker, lock_path=a.settings.lock_path,
        max_file_bytes=a.ingestor.max_file_bytes, write_batch=40,
    )
    corpus = _many_articles(tmp_path / "briefs")
    sample = tmp_path / "sample"
    shutil.copytree(SAMPLE_DIR, sample)
    down = threading.Event()
    stopper: list[threading.Thread] = []
    events: list[Progress] = []

    def stop_server() -> None:
        chroma_server.stop()
        down.set()

    def progress(p: Progress) -> None:
        events.append(p)
        if p.phase == "embed" and p.done > 0 and not stopper:
            thread = threading.Thread(target=stop_server, name="stop-chroma")
            stopper.append(thread)
            thread.start()
            assert down.wait(60), "the Chroma server did not stop"

    with pytest.raises(StoreError) as err:
        a.ingest([sample, corpus], progress=progress)
    for thread in stopper:
        thread.join(60)
    message = without_paths(str(err.value), a.settings.home)
    assert "chroma run" in message and str(chroma_server.port) in message, message
    assert "not reachable" in message
    embedded = [p for p in events if p.phase == "embed"]
    assert embedded and embedded[-1].done < embedded[-1].total  # it stopped mid-way
    problems = a.doctor().problems
    assert problems and "chroma run" in " ".join(problems), problems

    chroma_server.start()  # same path, same port
    again = a.ingest([sample, corpus])
    assert again.ok, again.to_dict()["failed"]
    assert len(a.articles()) == 309

    import chromadb

    client = chromadb.HttpClient(host="127.0.0.1", port=chroma_server.port)
    col = client.get_collection(a.settings.collection)
    server_ids = col.get(include=[])["ids"]
    assert len(server_ids) == len(set(server_ids)) == col.count()
    assert sorted(server_ids) == sorted(a.records.chunk_ids())
    per_article: dict[str, int] = {}
    for cid in server_ids:
        per_article[article_of(cid)] = per_article.get(article_of(cid), 0) + 1
    assert per_article == {x.article_id: x.chunks for x in a.articles()}
    assert a.records.pending() == []
    assert_service(a)
