"""Stateful property test of the store: random sequences of library operations vs a tiny model.

In the spirit of Chroma's own ``test_persist`` state machine: Hypothesis adds, edits,
deletes (with prune) and removes articles, re-ingests unchanged files and reopens the
store in a new process, and after every step the records, Chroma and a plain in-memory
model must agree: the set of articles, the chunk ids (records == Chroma), the stored
texts, and every chunk must retrieve itself as the top dense hit.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, ClassVar

import pytest
from conftest import ROOT
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from assistant import Assistant, Settings
from ingest.chunking import embed_text
from ingest.ids import ChunkId, article_of, make_article_id
from ingest.loaders import load_file
from ingest.models import IngestReport
from vectorstore.embeddings import Embedder

pytestmark = pytest.mark.slow

# Six articles with their own vocabulary (country, product, people, places), three versions each.
TOPICS = [
    ("Norway", "farmed salmon", "Japan", "Tromsø", "Ingrid Solberg", "Fjordlaks"),
    ("Chile", "copper cathodes", "China", "Antofagasta", "Matías Rojas", "Cobre Andino"),
    ("Kenya", "black tea", "Pakistan", "Mombasa", "Wanjiru Kamau", "Kericho Highlands"),
    ("Vietnam", "robusta coffee", "Germany", "Buon Ma Thuot", "Nguyen Van Minh", "Daklak Bean"),
    ("Canada", "softwood lumber", "the United States", "Prince Rupert", "Claire Tremblay",
     "Boreal Timber"),
    ("Peru", "Hass avocados", "the Netherlands", "Callao", "Rosa Quispe", "Valle Verde"),
]
VARIANTS = [
    ("record", "an icy", "Monday", "expanded"),
    ("weaker", "a stormy", "Thursday", "trimmed"),
    ("steady", "a dry", "Saturday", "renegotiated"),
]
SENTENCES = [
    "{country} shipped {n1},000 tonnes of {product} to {partner} in 2024, a {adj} result "
    "for the industry.",
    "Exporters said the value of those shipments reached ${n2}.{n3} billion, according to "
    "customs data released in {port}.",
    "{person}, chief executive of {company}, said buyers in {partner} had {verb} their "
    "contracts for 2025 after {weather} winter.",
    "Freight rates from {port} rose {n3}% over the year as carriers added ships on the "
    "route to {partner}.",
    "The harvest began on a {day} in March, and {company} hired {n1}0 seasonal workers "
    "around {port}.",
    "Analysts in {partner} expect imports of {country}'s {product} to grow by {n4}% in 2025.",
    "{person} added that a new cold-storage hub near {port} would open by {year}.",
    "Government figures show {product} now makes up {n4}% of {country}'s exports to "
    "{partner}.",
]


def article(topic: int, variant: int) -> str:
    """The file text of one version of one article (title line, blank line, body)."""
    country, product, partner, port, person, company = TOPICS[topic]
    adj, weather, day, verb = VARIANTS[variant]
    values = {
        "country": country, "product": product, "partner": partner, "port": port,
        "person": person, "company": company, "adj": adj, "weather": weather, "day": day,
        "verb": verb, "n1": 11 + 7 * topic + 3 * variant, "n2": 1 + topic + variant,
        "n3": 2 + 3 * variant + topic, "n4": 5 + 4 * variant + topic, "year": 2026 + variant,
    }
    order = SENTENCES[variant:] + SENTENCES[:variant]  # each version orders them differently
    body = [s.format(**values) for s in order]
    title = f"{country} {product} exports to {partner}: a {adj} season"
    return f"{title}\n\n" + " ".join(body[:4]) + "\n\n" + " ".join(body[4:]) + "\n"


CHUNKING = {"chunk_words": 45, "chunk_max_words": 70}

READER = r'''
import json
from assistant import Assistant
from assistant.settings import load_settings

a = Assistant(load_settings())
ids = a.store.ids()
got = a.store.get(ids)
print(json.dumps({
    "records": a.records.chunk_ids(),
    "store": {i: got[i][0] for i in ids},
    "articles": {x.article_id: a.records.article_text(x.article_id) for x in a.articles()},
    "version": a.records.version(),
    "pending": len(a.records.pending()),
}))
'''


class LibraryMachine(RuleBasedStateMachine):
    """The store against a model: ``files`` on disk and ``stored`` articles, topic -> version."""

    embedder: ClassVar[Embedder]
    steps: ClassVar[Counter[str]] = Counter()
    expected: ClassVar[dict[tuple[int, int], tuple[str, str, tuple[str, ...]]]] = {}

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="tradedesk-property-"))
        self.corpus = self.root / "corpus"
        self.corpus.mkdir()
        self.settings = Settings(home=self.root / "home", **CHUNKING)
        self.a = Assistant(self.settings, embedder=self.embedder)
        self.files: dict[int, int] = {}
        self.stored: dict[int, int] = {}
        self.version = self.a.records.version()
        if not self.expected:
            self._expect_all()

    # -- the model ---------------------------------------------------------------------

    def _expect_all(self) -> None:
        """(title, cleaned text, chunk texts) of every version, loaded like an ingest does."""
        scratch = self.root / "scratch"
        scratch.mkdir()
        for t in range(len(TOPICS)):
            for v in range(len(VARIANTS)):
                path = scratch / f"t{t}v{v}.txt"
                path.write_text(article(t, v))
                [doc], _ = load_file(path, max_bytes=1_000_000)
                chunks = tuple(
                    doc.text[s.start : s.end] for s, _ in self.a.chunker.chunk(doc.text, doc.title)
                )
                assert len(chunks) >= 2, "each version should make several chunks"
                self.expected[(t, v)] = (doc.title, doc.text, chunks)

    def path(self, topic: int) -> Path:
        return self.corpus / f"topic-{topic}.txt"

    def aid(self, topic: int) -> str:
        path = self.path(topic)
        return make_article_id(f"file:{os.path.abspath(path)}", path.stem)

    def topics(self, article_ids: list[str]) -> set[int]:
        by_id = {self.aid(t): t for t in range(len(TOPICS))}
        return {by_id[a] for a in article_ids}

    def ingest(self, *, prune: bool = False) -> IngestReport:
        before = dict(self.stored)
        report = self.a.ingest([self.corpus], prune=prune)
        assert report.ok, report.failed
        added = {t for t in self.files if t not in before}
        updated = {t for t, v in self.files.items() if t in before and before[t] != v}
        removed = {t for t in before if t not in self.files} if prune else set()
        assert self.topics(report.added) == added
        assert self.topics(report.updated) == updated
        assert self.topics(report.removed) == removed
        assert self.topics(report.unchanged) == set(self.files) - added - updated
        assert report.embedded == sum(
            len(self.expected[(t, self.files[t])][2]) for t in added | updated)
        if prune:
            self.stored = dict(self.files)
        else:
            self.stored.update(self.files)
        changed = bool(added or updated or removed)
        version = self.a.records.version()
        assert (version != self.version) == changed, (self.version, version, report.summary())
        self.version = version
        return report

    # -- rules -------------------------------------------------------------------------

    @initialize(variants=st.lists(st.integers(0, len(VARIANTS) - 1), min_size=1, max_size=3))
    def start_with_some_articles(self, variants: list[int]) -> None:
        for topic, variant in enumerate(variants):
            self.path(topic).write_text(article(topic, variant))
            self.files[topic] = variant
        self.ingest()

    @precondition(lambda self: len(self.files) < len(TOPICS))
    @rule(data=st.data(), variant=st.integers(0, len(VARIANTS) - 1))
    def add_article(self, data: st.DataObject, variant: int) -> None:
        self.steps["add_article"] += 1
        absent = [t for t in range(len(TOPICS)) if t not in self.files]
        topic = data.draw(st.sampled_from(absent))
        self.path(topic).write_text(article(topic, variant))
        self.files[topic] = variant
        self.ingest()

    @precondition(lambda self: self.files)
    @rule(data=st.data(), variant=st.integers(0, len(VARIANTS) - 1))
    def edit_article(self, data: st.DataObject, variant: int) -> None:
        self.steps["edit_article"] += 1
        topic = data.draw(st.sampled_from(sorted(self.files)))
        self.path(topic).write_text(article(topic, variant))
        self.files[topic] = variant
        self.ingest()

    @precondition(lambda self: self.files)
    @rule(data=st.data())
    def delete_file_and_prune(self, data: st.DataObject) -> None:
        self.steps["delete_file_and_prune"] += 1
        topic = data.draw(st.sampled_from(sorted(self.files)))
        self.path(topic).unlink()
        del self.files[topic]
        self.ingest(prune=True)

    @rule()
    def reingest(self) -> None:
        self.steps["reingest"] += 1
        noop = self.stored == self.files
        report = self.ingest()
        if noop:
            assert not (report.added or report.updated or report.removed)
            assert report.embedded == 0 and report.chunks_written == 0

    @precondition(lambda self: self.stored)
    @rule(data=st.data())
    def remove_through_api(self, data: st.DataObject) -> None:
        self.steps["remove_through_api"] += 1
        topic = data.draw(st.sampled_from(sorted(self.stored)))
        self.a.remove(self.aid(topic))
        del self.stored[topic]
        version = self.a.records.version()
        assert version != self.version
        self.version = version

    @rule()
    def reopen_in_new_process(self) -> None:
        self.steps["reopen_in_new_process"] += 1
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEDESK_")}
        env.update(HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT), TRADEDESK_HOME=str(
            self.settings.home))
        proc = subprocess.run(
            [sys.executable, "-c", READER], env=env, cwd=self.root, capture_output=True,
            text=True, timeout=180,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        seen: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
        assert seen["pending"] == 0
        assert seen["version"] == self.version
        assert sorted(seen["records"]) == sorted(seen["store"]) == sorted(
            self.a.records.chunk_ids())
        assert seen["articles"] == {
            self.aid(t): self.expected[(t, v)][1] for t, v in self.stored.items()}
        want = {cid: text for cid, text in self._expected_chunks()}
        assert seen["store"] == want
        # and this process reopens it too
        self.a.store.close()
        self.a = Assistant(self.settings, embedder=self.embedder)

    # -- invariants --------------------------------------------------------------------

    def _expected_chunks(self) -> list[tuple[str, str]]:
        """(chunk id, text) the model expects, from the records' ids for each article."""
        out: list[tuple[str, str]] = []
        for t, v in sorted(self.stored.items()):
            ids = self.a.records.chunk_ids(self.aid(t))
            texts = self.expected[(t, v)][2]
            assert len(ids) == len(texts), (t, v, ids)
            out.extend(zip(ids, texts, strict=True))
        return out

    @invariant()
    def store_matches_model(self) -> None:
        a = self.a
        assert sorted(x.article_id for x in a.articles()) == sorted(
            self.aid(t) for t in self.stored)
        record_ids = a.records.chunk_ids()
        store_ids = a.store.ids()
        assert len(store_ids) == len(set(store_ids)) and len(record_ids) == len(set(record_ids))
        assert sorted(record_ids) == sorted(store_ids)
        assert a.records.pending() == []
        for t, v in self.stored.items():
            title, text, _ = self.expected[(t, v)]
            assert a.records.article_text(self.aid(t)) == text
            assert a.article(self.aid(t)).title == title
            ids = a.records.chunk_ids(self.aid(t))
            assert {ChunkId.parse(cid).version for cid in ids} == {ChunkId.parse(ids[0]).version}
            assert [ChunkId.parse(cid).index for cid in ids] == list(range(len(ids)))
        expected = self._expected_chunks()
        stored = a.store.get([cid for cid, _ in expected])
        rows = a.records.chunks([cid for cid, _ in expected])
        for cid, text in expected:
            assert stored[cid][0] == text, cid
            assert rows[cid].text == text, cid

    @invariant()
    def every_chunk_finds_itself(self) -> None:
        a = self.a
        expected = self._expected_chunks()
        if not expected:
            assert a.store.count() == 0
            return
        titles = {self.aid(t): self.expected[(t, v)][0] for t, v in self.stored.items()}
        queries = [
            embed_text(a.chunker.title_prefix(titles[article_of(cid)]), text)
            for cid, text in expected
        ]
        vectors = a.embedder.encode(queries)
        for (cid, _), vec in zip(expected, vectors, strict=True):
            hits = a.store.query(vec, 1)
            assert hits and hits[0].id == cid, (cid, hits[0].id if hits else None)
            assert hits[0].score > 0.99

    def teardown(self) -> None:
        try:
            self.a.store.close()
            self.a.records.close()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def test_library_operations_keep_store_records_and_model_in_step(embedder: Embedder) -> None:
    from hypothesis.stateful import run_state_machine_as_test

    LibraryMachine.embedder = embedder
    LibraryMachine.steps.clear()
    run_state_machine_as_test(
        LibraryMachine,
        settings=settings(
            max_examples=8, stateful_step_count=10, deadline=None, database=None,
            # no shrink phase: a run of at most 10 steps is short enough to read as it is,
            # and shrinking these expensive steps would take minutes
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    print(f"\nlibrary state machine steps: {dict(LibraryMachine.steps)}")
    assert sum(LibraryMachine.steps.values()) >= 8
