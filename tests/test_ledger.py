"""The fact ledger: extraction fixtures, storage in step with ingest, conflicts, figure answers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS_DIR, ROOT, SAMPLE_DIR

from assistant import Assistant, Settings
from assistant.answering.sources.ledger import (
    FactQuery,
    LedgerAnswer,
    find_conflicts,
    fits_question,
)
from ingest.loaders import load_file
from ingest.text.facts import Fact, extract_facts
from ingest.text.periods import Period
from ingest.text.sentences import flowing

FIELDS = [
    "figure", "value", "unit", "kind", "reporter", "partner", "flow", "sector", "city",
    "period_start", "period_end", "period_label",
]
DATA = ROOT / "tests" / "data"


def ledger_of(path: Path) -> list[list[dict[str, object]]]:
    out = []
    for doc in load_file(path, max_bytes=10**7)[0]:
        facts = extract_facts(doc.article_id, doc.title, doc.text, doc.date)
        out.append([{k: getattr(f, k) for k in FIELDS} for f in facts])
    return out


def expected(name: str) -> list[dict[str, object]]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))["articles"]


@pytest.mark.fast
@pytest.mark.parametrize(
    "article", expected("ledger_sample.json"), ids=lambda a: f"{a['file']}:{a['title'][:30]}"
)
def test_sample_ledger_matches_the_hand_checked_fixture(article: dict) -> None:
    docs = {
        d.title: d for d in load_file(SAMPLE_DIR / article["file"], max_bytes=10**7)[0]
    }
    doc = docs[article["title"]]
    got = [
        {k: getattr(f, k) for k in FIELDS}
        for f in extract_facts(doc.article_id, doc.title, doc.text, doc.date)
    ]
    assert len(got) == len(article["facts"])
    for want, have in zip(article["facts"], got, strict=True):
        assert have == want, (want["figure"], have)


@pytest.mark.fast
def test_corpus_ledger_matches_the_hand_checked_fixture() -> None:
    [article] = expected("ledger_corpus.json")
    [got] = ledger_of(CORPUS_DIR / article["file"])
    assert len(got) == len(article["facts"]) == 16  # incl. "a dozen" agreements
    for want, have in zip(article["facts"], got, strict=True):
        assert have == want, (want["figure"], have)


@pytest.mark.fast
def test_every_figure_of_the_articles_is_in_the_ledger() -> None:
    """Nothing is silently dropped: one fact per figure the figure parser finds."""
    from ingest.text.figures import extract_figures
    from ingest.text.sentences import split_sentences

    for path in [*sorted(SAMPLE_DIR.iterdir()), CORPUS_DIR / "turkey-italy-trade-2025.txt"]:
        for doc in load_file(path, max_bytes=10**7)[0]:
            n = sum(
                len(extract_figures(doc.text[s.start : s.end]))
                for s in split_sentences(doc.text)
            )
            facts = extract_facts(doc.article_id, doc.title, doc.text, doc.date)
            assert len(facts) == n
            for f in facts:  # offsets point at the figure in the article text
                assert doc.text[f.fig_start : f.fig_end] == f.figure
                assert doc.text[f.start : f.end] == f.sentence


@pytest.mark.fast
def test_key_figures_are_read_as_a_trade_analyst_would() -> None:
    [sample] = [a for a in expected("ledger_sample.json") if a["file"].endswith(".md")]
    by_figure = {f["figure"]: f for f in sample["facts"]}
    jan_may = by_figure["$5.34 billion"]
    assert (jan_may["reporter"], jan_may["partner"], jan_may["flow"]) == (
        "Turkey", "Italy", "export"
    )
    assert (jan_may["period_start"], jan_may["period_end"]) == ("2025-01", "2025-05")
    may = by_figure["$1.14 billion"]
    assert (may["period_start"], may["period_end"]) == ("2025-05", "2025-05")
    growth = by_figure["8%"]
    assert growth["kind"] == "growth" and growth["period_label"] == "May 2025"
    target = by_figure["$40 billion"]
    assert target["kind"] == "target" and target["flow"] == "bilateral"
    auto = by_figure["$1.3 billion"]
    assert auto["sector"] == "automotive"
    [germany] = [a for a in expected("ledger_sample.json") if a["file"].startswith("germany")]
    fell = germany["facts"][0]
    assert fell["figure"] == "7.6%" and fell["value"] == -7.6 and fell["kind"] == "growth"


@pytest.mark.fast
def test_fact_query_parsing() -> None:
    q = FactQuery.parse("How much did Turkey export to Italy in the first five months of 2025?")
    assert q is not None
    assert (q.reporter, q.partner, q.flow, q.kind) == ("Turkey", "Italy", "export", "level")
    assert q.period == Period(2025, 1, 5)
    g = FactQuery.parse("By how much did German exports to China fall in 2024?")
    assert g is not None and g.kind == "growth" and g.reporter == "Germany"
    t = FactQuery.parse("What annual trade volume target did Turkey and Italy agree on?")
    assert t is not None and t.kind == "target" and t.flow == "bilateral"
    assert FactQuery.parse("Where was the summit held?") is None
    latest = FactQuery.parse("What are the latest figures for Turkey's exports to Italy?")
    assert latest is not None and latest.latest
    # a figure the ledger holds no flow for (a stock, reserves) is the passages' to answer
    assert FactQuery.parse("How much grain did Bangladesh have in stock in April 1987?") is None
    assert FactQuery.parse("How large were Denmark's net official reserves in May 1987?") is None
    current = "What was New Zealand's current account deficit in January 1987?"
    assert FactQuery.parse(current) is None
    # a follow-up's own words say what it asks; the carried context fills in countries only
    f = FactQuery.parse("How much of that was Vietnamese exports? (Japan 2024 bilateral trade)")
    assert f is not None and (f.reporter, f.partner, f.flow) == ("Vietnam", "Japan", "export")
    shipped = FactQuery.parse("How many tonnes of soybeans did Brazil ship to China in 2024?")
    assert shipped is not None and shipped.flow == "export"
    bought = FactQuery.parse("How much did Japan buy from the United States in 1986?")
    assert bought is not None and bought.flow == "import"


@pytest.fixture(scope="module")
def ledger_home(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    home = tmp_path_factory.mktemp("ledger")
    src = home / "src"
    shutil.copytree(SAMPLE_DIR, src)
    a = Assistant(Settings(home=home / "home"), embedder=embedder)
    report = a.ingest([src])
    assert report.ok
    return home


@pytest.fixture
def lg(ledger_home: Path, embedder) -> Assistant:
    return Assistant(Settings(home=ledger_home / "home"), embedder=embedder)


def test_ledger_is_stored_and_filtered(lg: Assistant) -> None:
    facts = lg.facts()
    assert len(facts) == sum(len(a["facts"]) for a in expected("ledger_sample.json"))
    turkey = lg.facts(country="Turkey", partner="Italy", kind="level")
    assert {f.figure for f in turkey} >= {"$5.34 billion", "$1.14 billion", "$1.3 billion"}
    assert all(f.kind == "level" for f in turkey)
    dated = lg.facts(country="Brazil", date_from="2025-01", date_to="2025-03")
    assert dated and all(f.period_end >= "2025-01" for f in dated)
    assert lg.facts(country="turkish")  # demonyms and lower case are understood


def test_figure_question_is_answered_exactly_with_period_and_date(lg: Assistant) -> None:
    ans = lg.ask("How much did Turkey export to Italy in the first five months of 2025?")
    assert not ans.refused
    assert "$5.34 billion" in ans.text
    assert "January–May 2025" in ans.text and "2025-06-12" in ans.text
    [c] = ans.citations
    assert "$5.34 billion" in c.quote
    assert flowing(lg.article_text(c.article_id)[c.start : c.end]) == c.quote
    assert ans.series and any(r["figure"] == "$5.34 billion" for r in ans.series)
    growth = lg.ask("By how much did German exports to China fall in 2024?")
    assert "7.6%" in growth.text and "fell" in growth.text


def test_ledger_answers_fit_the_question_on_subject_and_period(lg: Assistant) -> None:
    """The three misfits of the verifier issue: total vs partner, a count, another series."""
    total = lg.ask("What were Turkey's total exports over January–May 2025?")
    assert "$111 billion" in total.text and "January–May 2025" in total.text
    assert "$5.34 billion" not in total.text and "October" not in total.text
    companies = lg.ask("How many Italian companies operate in Turkey?")
    assert "1,500" in companies.text and "investment was" not in companies.text
    growth = lg.ask("By how much did Italian exports to Turkey grow in the first five months "
                    "of 2024?")
    assert not growth.partial and "34.6%" in growth.text and "2024" in growth.text
    assert not any(u.startswith(("$", "Turkey")) for u in growth.unsupported)


def test_a_comparison_gives_the_ledgers_figure_for_each_period(lg: Assistant) -> None:
    ans = lg.ask("How much did Germany export to China in 2024 compared with January-February "
                 "2025?")
    assert not ans.partial and not ans.refused
    assert "€90.0 billion" in ans.text and "€13.6 billion" in ans.text, ans.text
    assert len(ans.citations) >= 2
    assert ans.text.count(", 2025-") >= 2, ans.text  # the ledger's: each figure with its report
    # a figure whose sentence does not say what is asked fails verification: the passages
    # answer instead ("That was 6.1% less than the 58.8 million tonnes ...")
    ore = lg.ask("How many tonnes of iron ore did Brazil export to China in the first quarter "
                 "of 2025 compared with the first quarter of 2024?")
    assert "55.2 million" in ore.text and "58.8 million" in ore.text, ore.text


def test_question_about_a_missing_period_lists_the_periods_there_are(lg: Assistant) -> None:
    ans = lg.ask("How much did Turkey export to Italy in 2023?")
    assert ans.partial and not ans.refused
    assert "2023" in ans.text and "January–May 2025" in ans.text
    assert ans.citations  # the newest figure it does have, cited


def test_latest_prefers_the_newest_period(lg: Assistant) -> None:
    ans = lg.ask("What is the latest figure for Brazil's iron ore exports to China?")
    assert not ans.refused
    assert "first quarter of 2025" in ans.text or "$4.4 billion" in ans.text


def test_conflicting_reports_are_both_shown_and_edits_replace_facts(
    ledger_home: Path, embedder
) -> None:
    home = ledger_home / "conflict"
    src = home / "src"
    src.mkdir(parents=True)
    original = SAMPLE_DIR / "turkey-italy-exports-2025.md"
    shutil.copy(original, src / original.name)
    revised = original.read_text(encoding="utf-8")
    revised = revised.replace("$5.34 billion", "$5.41 billion").replace(
        "date: 2025-06-12", "date: 2025-06-20"
    ).replace("source: Trade Desk Wire", "source: Ankara Trade Monitor")
    (src / "revised.md").write_text(revised, encoding="utf-8")
    a = Assistant(Settings(home=home / "home"), embedder=embedder)
    assert a.ingest([src]).ok
    conflicts = a.conflicts()
    assert len(conflicts) == 1
    c = conflicts[0]
    assert (c.older.figure, c.newer.figure) == ("$5.34 billion", "$5.41 billion")
    assert c.newer.article_date == "2025-06-20"
    ans = a.ask("How much did Turkey export to Italy in the first five months of 2025?")
    assert "$5.41 billion" in ans.text and "$5.34 billion" in ans.text
    assert "newer" in ans.text and len(ans.citations) == 2
    assert {"$5.41 billion" in x.quote for x in ans.citations} == {True, False}
    # Edit the revision back: its facts are replaced, the conflict is gone.
    (src / "revised.md").write_text(
        revised.replace("$5.41 billion", "$5.34 billion"), encoding="utf-8"
    )
    report = a.ingest([src])
    assert len(report.updated) == 1
    assert a.conflicts() == []
    assert not [f for f in a.facts() if f.figure == "$5.41 billion"]
    # Remove it: its facts are gone.
    rid = report.updated[0]
    a.remove(rid)
    assert not [f for f in a.facts() if f.article_id == rid]
    assert find_conflicts(a.facts()) == []


def test_cli_facts_json_and_conflicts(ledger_home: Path) -> None:
    env = {**os.environ, "TRADEDESK_HOME": str(ledger_home / "home"), "HF_HUB_OFFLINE": "1"}
    env = {k: v for k, v in env.items() if not k.startswith("TRADEDESK_") or k == "TRADEDESK_HOME"}
    exe = Path(sys.executable).parent / "tradedesk"
    out = subprocess.run(
        [str(exe), "facts", "--country", "Kenya", "--kind", "level", "--json"],
        capture_output=True, text=True, env=env, check=True, timeout=120,
    )
    rows = json.loads(out.stdout)
    assert rows and all(r["kind"] == "level" for r in rows)
    assert any(r["figure"] == "KSh 175 billion" and r["title"] for r in rows)
    assert all(r["reporter"] == "Kenya" for r in rows)
    none = subprocess.run(
        [str(exe), "facts", "--conflicts"], capture_output=True, text=True, env=env, timeout=120
    )
    assert none.returncode == 0 and "No conflicting figures" in none.stdout


def _fact(sentence: str, **kw: object) -> Fact:
    base: dict[str, object] = dict(
        article_id="a", index=0, value=2.0, unit="percent", kind="growth", reporter="Germany",
        partner=None, flow="import", sector=None, city=None, period_start="2025-02",
        period_end="2025-02", period_label="February 2025", figure="2 pct", sentence=sentence,
        start=0, end=len(sentence), fig_start=0, fig_end=1,
    )
    base.update(kw)
    return Fact(**base)  # type: ignore[arg-type]


@pytest.mark.fast
def test_ledger_figure_must_be_about_what_is_asked() -> None:
    imports = LedgerAnswer(facts=[_fact("German imports fell 2 pct in February 2025.")])
    prices = LedgerAnswer(facts=[_fact("Import prices in Germany fell 0.7 pct in February.")])
    no_title = lambda _: ""  # noqa: E731
    q = "By how much did West German import prices fall in February 2025?"
    assert not fits_question(q, imports, no_title)  # "prices" is not in that sentence
    assert fits_question(q, prices, no_title)
    # subject, flow, growth and period words were matched by the ledger already
    assert fits_question("How much did German imports fall in February 2025?", imports, no_title)
    # a word found in the article's title counts
    sugar = LedgerAnswer(facts=[_fact("Exports rose 2 pct.", reporter="Netherlands")])
    q2 = "How much did Dutch sugar exports rise in February 2025?"
    assert not fits_question(q2, sugar, no_title)
    assert fits_question(q2, sugar, lambda _: "Dutch sugar exports climb")


def test_a_figure_question_about_another_measure_is_answered_from_the_passages(
    tmp_path: Path, embedder
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "german-trade.txt").write_text(
        "German trade data for February\n\n"
        "German imports fell 2.0% in February 2025 compared with January, the statistics "
        "office said on Monday. Import prices in Germany dropped 0.7% in February 2025 "
        "against January, according to a separate release from the same office. Exports "
        "were broadly stable over the month.\n"
    )
    a = Assistant(Settings(home=tmp_path / "home"), embedder=embedder)
    assert a.ingest([src]).ok
    ans = a.ask("By how much did German import prices fall in February 2025?")
    assert not ans.refused
    assert "0.7%" in ans.text and "2.0%" not in ans.text, ans.text
    plain = a.ask("By how much did German imports fall in February 2025?")
    assert "2.0%" in plain.text, plain.text
