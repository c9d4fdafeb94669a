"""Near-duplicate stories: prints, story groups at ingest, one retrieval slot, revised figures.

The constructed stories are written for these tests. The Reuters pairs are read from
../shared/datasets/reuters-21578 at test time (judged by reading both texts, see
benchmarks/dedup_judgements.json); their text is never copied here.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REUTERS

from assistant import Assistant
from assistant.answer import Answer, Citation, OtherReport
from assistant.answering.sources.ledger import find_conflicts, supersede
from assistant.server.convert import citation_json
from ingest.records import Records, StoryUpdate
from ingest.stories import (
    PRINT_KIND,
    StoryIndex,
    components,
    figure_agreement,
    jaccard,
    near_duplicate,
    story_print,
)
from ingest.text.facts import Fact

MakeAssistant = Callable[..., Assistant]

# -- the constructed stories ---------------------------------------------------------------

TITLE = "Kenya's tea exports to Pakistan climb on strong auction demand"
PARAGRAPHS = [
    "Kenya's tea exports to Pakistan reached $520 million in 2024, up 12% from a year "
    "earlier, the Tea Board of Kenya said on Monday, as Pakistani packers bought more at "
    "the weekly Mombasa auction.",
    "Pakistan took 38% of all Kenyan tea shipped last year, keeping its place as the "
    "largest buyer ahead of Egypt and the United Kingdom. Egypt's purchases slipped after "
    "the devaluation of the pound made imports dearer for Cairo blenders.",
    "Auction prices averaged $2.45 a kilogram in the final quarter, up from $2.31 a year "
    "earlier, according to the East African Tea Trade Association. Brokers said the better "
    "prices reflected drier weather in the highlands, which cut output of lower grades.",
    "The board expects shipments to keep growing in 2025 if a planned preferential trade "
    "agreement between Nairobi and Islamabad is signed before the end of June. Officials "
    "from both governments met in Mombasa last month to discuss tariff cuts on tea, rice "
    "and pharmaceuticals.",
    "Growers' associations warned, however, that rising fertiliser costs and delayed "
    "payments from some exporters could squeeze smallholder incomes in the coming months, "
    "and asked the board to publish prices for each factory every week.",
    "A Mombasa broker said buyers from Kazakhstan and Afghanistan had also returned to the "
    "sale after a quiet winter, and that the board would publish its monthly figures for "
    "February next week, with volumes for each of the 54 factories.",
]
BASE = "\n\n".join(PARAGRAPHS[:5])
CHANGED_PARAGRAPH = "\n\n".join(PARAGRAPHS[:4] + PARAGRAPHS[5:])
CORRECTED = BASE.replace("$520 million", "$540 million")
OTHER_STORY = "\n\n".join([
    "Workers at six tea factories in Kericho went on strike on Thursday over unpaid "
    "bonuses, halting the processing of green leaf for a second day, a union official said.",
    "The Kenya Plantation and Agricultural Workers Union said about 4,000 members had downed "
    "tools and that talks with the estate owners had broken down late on Wednesday.",
    "Estate managers said the stoppage could cut the volume offered at next week's Mombasa "
    "auction, where Pakistani and Egyptian packers are the main buyers of Kenyan tea.",
    "The labour ministry called both sides to a meeting in Nairobi on Monday and urged the "
    "workers to return while the dispute is settled.",
])
# An independent report (another agency, other words) of the same trade figure.
INDEPENDENT_SAME = "\n\n".join([
    "Kenya's tea exports to Pakistan reached $520 million in 2024, customs data compiled "
    "by the Kenya National Bureau of Statistics showed on Wednesday.",
    "Traders in Karachi said the country's blenders preferred the bright liquor of "
    "Kenyan CTC grades to cheaper leaf from Vietnam and Indonesia.",
])
INDEPENDENT_OTHER = INDEPENDENT_SAME.replace("$520 million", "$505 million")


def write_story(folder: Path, name: str, title: str, text: str, date: str,
                source: str = "Trade Desk Wire") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.txt"
    path.write_text(f"{title}\nDate: {date}\nSource: {source}\n\n{text}\n", encoding="utf-8")
    return path


def groups_by_name(a: Assistant, names: dict[str, Path]) -> dict[str, str]:
    """name -> group id, from the records (every article has a group)."""
    ids = {p.stem: next(x.article_id for x in a.articles() if x.source_path == str(p))
           for p in names.values()}
    conn = sqlite3.connect(a.records.path)
    try:
        rows = dict(conn.execute("SELECT article_id, group_id FROM story_groups"))
    finally:
        conn.close()
    return {name: rows[ids[name]] for name in names}


# -- prints and pairs (pure) -----------------------------------------------------------------


@pytest.mark.fast
def test_variants_of_one_story_are_near_duplicates_and_another_story_is_not() -> None:
    base = story_print(TITLE, BASE, "2025-03-10")
    variants = {
        "changed paragraph": story_print(TITLE, CHANGED_PARAGRAPH, "2025-03-10"),
        "corrected figure": story_print(f"CORRECTED - {TITLE}", CORRECTED, "2025-03-11"),
        "other headline": story_print("Pakistani packers lift Kenyan tea sales", BASE,
                                      "2025-03-10"),
    }
    for name, p in variants.items():
        similarity = near_duplicate(base, p, threshold=0.5, window_days=3)
        assert similarity is not None and 0.5 <= similarity < 1.0, name
    other = story_print("Kericho tea factory workers strike over bonuses", OTHER_STORY,
                        "2025-03-12")
    assert jaccard(base, other) < 0.1
    assert near_duplicate(base, other, threshold=0.5, window_days=3) is None
    # The same words three weeks later are another story (a wire template).
    later = story_print(TITLE, BASE, "2025-04-01")
    assert near_duplicate(base, later, threshold=0.5, window_days=3) is None
    assert near_duplicate(base, later, threshold=0.5, window_days=30) == 1.0


@pytest.mark.fast
def test_a_template_with_other_figures_is_not_a_copy() -> None:
    template = (
        "The Federal Reserve entered the government securities market to arrange {a} "
        "billion dlrs of customer repurchase agreements, a Fed spokesman said. Dealers said "
        "Federal funds were trading at {b} pct when the Fed began its temporary and indirect "
        "supply of reserves to the banking system."
    )
    title = "FED ADDS RESERVES VIA CUSTOMER REPURCHASES"
    monday = story_print(title, template.format(a="1.5", b="6-1/8"), "1987-03-09")
    tuesday = story_print(title, template.format(a="2.5", b="6-3/8"), "1987-03-10")
    assert jaccard(monday, tuesday) >= 0.5  # the words alone would group them
    assert figure_agreement(monday.figures, tuesday.figures) == 0.0
    assert near_duplicate(monday, tuesday, threshold=0.5, window_days=3) is None
    resent = story_print(title, template.format(a="1.5", b="6-1/8"), "1987-03-09")
    assert near_duplicate(monday, resent, threshold=0.5, window_days=3) == 1.0


@pytest.mark.fast
def test_the_lsh_index_finds_copies_and_forgets_removed_ones() -> None:
    index = StoryIndex(threshold=0.5, window_days=3)
    index.add("base", story_print(TITLE, BASE, "2025-03-10"))
    index.add("other", story_print("Kericho strike", OTHER_STORY, "2025-03-12"))
    corrected = story_print(TITLE, CORRECTED, "2025-03-11")
    assert [a for a, _ in index.matches(corrected)] == ["base"]
    index.remove("base")
    assert index.matches(corrected) == []
    assert story_print("", "", None).empty
    index.add("empty", story_print("", "", None))
    assert "empty" not in index  # no words: nobody's copy


@pytest.mark.fast
def test_components_split_when_the_bridge_goes() -> None:
    groups = components(["a", "b", "c", "d"], [("a", "b"), ("b", "c")])
    assert sorted(map(sorted, groups)) == [["a", "b", "c"], ["d"]]
    without_b = components(["a", "c", "d"], [])
    assert sorted(map(sorted, without_b)) == [["a"], ["c"], ["d"]]


def _records_with(tmp_path: Path, articles: dict[str, str]) -> Records:
    """Records with bare article rows (name -> date), as a commit would leave them."""
    records = Records(tmp_path / "r.sqlite")
    records.version()
    conn = sqlite3.connect(records.path, isolation_level=None)
    for name, date in articles.items():
        conn.execute(
            "INSERT INTO articles(article_id, title, source, date, source_path, kind, "
            "content_hash, version, pipeline, n_chunks, chars, text, pages, added_at, "
            "updated_at) VALUES (?, 'T', 's', ?, ?, 'txt', 'h', 'v', 'p', 0, 1, 'x', '[]', "
            "'now', 'now')",
            (name, date, f"/x/{name}.txt"),
        )
    conn.close()
    return records


@pytest.mark.fast
def test_groups_in_the_records_follow_commits_and_removals(tmp_path: Path) -> None:
    records = _records_with(tmp_path, {"a": "2025-03-10", "b": "2025-03-11",
                                       "c": "2025-03-12", "d": "2025-03-12"})
    p = story_print(TITLE, BASE, None)
    records.write_stories({"a": StoryUpdate(p), "d": StoryUpdate(p)}, PRINT_KIND)
    records.write_stories({"b": StoryUpdate(p, (("a", 0.7),))}, PRINT_KIND)
    records.write_stories({"c": StoryUpdate(p, (("b", 0.6),))}, PRINT_KIND)
    assert records.story_groups() == {"a": "a", "b": "a", "c": "a"}  # named by the oldest
    assert records.unprinted(PRINT_KIND) == []
    with records._tx() as conn:  # what remove_articles does in its transaction
        conn.execute("DELETE FROM articles WHERE article_id='b'")
        from ingest.records.stories import forget_article_stories

        forget_article_stories(conn, ["b"])
    assert records.story_groups() == {}  # a and c were linked only through b
    assert records.near_duplicate_pairs() == []
    assert records.story_problems(PRINT_KIND) == []


# -- the ledger: copies are one source, a later version revises ---------------------------------


def _fact(article_id: str, value: float, date: str, figure: str = "") -> Fact:
    return Fact(
        article_id=article_id, index=0, value=value, unit="USD", kind="level",
        reporter="Kenya", partner="Pakistan", flow="export", sector="tea", city=None,
        period_start="2024-01", period_end="2024-12", period_label="2024",
        figure=figure or f"${value / 1e6:g} million", sentence="s", start=0, end=1,
        fig_start=0, fig_end=1, article_date=date,
    )


@pytest.mark.fast
def test_a_corrected_version_is_a_revision_not_a_conflict() -> None:
    first = _fact("wire-1", 520e6, "2025-03-10")
    corrected = _fact("wire-2", 540e6, "2025-03-11")
    other_agency = _fact("agency", 505e6, "2025-03-12")
    stories = {"wire-1": ("wire-1", "2025-03-10", 1), "wire-2": ("wire-1", "2025-03-11", 2)}
    # Without story groups these are three sources that differ.
    assert len(find_conflicts([first, corrected, other_agency])) == 3
    found = find_conflicts([first, corrected, other_agency], stories)
    assert {(c.older.article_id, c.newer.article_id, c.label) for c in found} == {
        ("wire-1", "wire-2", "revised"),
        ("wire-2", "agency", "sources differ"),  # the story's newest value only
    }
    current, revised = supersede([first, corrected], stories)
    assert current == [corrected] and [r.older for r in revised] == [first]
    # The same day: the one ingested later is the newer version.
    same_day = {"wire-1": ("g", "2025-03-10", 2), "wire-2": ("g", "2025-03-10", 1)}
    [c] = find_conflicts([first, _fact("wire-2", 540e6, "2025-03-10")], same_day)
    assert c.revised and c.newer.article_id == "wire-1"


# -- end to end: real model, real Chroma -------------------------------------------------------


@pytest.fixture
def variants(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "wire"
    return {
        "base": write_story(folder, "base", TITLE, BASE, "2025-03-10"),
        "changed": write_story(folder, "changed", TITLE, CHANGED_PARAGRAPH, "2025-03-10"),
        "corrected": write_story(folder, "corrected", f"CORRECTED - {TITLE}", CORRECTED,
                                 "2025-03-11"),
        "headline": write_story(folder, "headline", "Pakistani packers lift Kenyan tea sales",
                                BASE, "2025-03-10", source="Another Wire"),
        "other": write_story(folder, "other", "Kericho tea factory workers strike over "
                             "bonuses", OTHER_STORY, "2025-03-12"),
    }


def test_ingest_groups_the_variants_and_keeps_every_article(
    make_assistant: MakeAssistant, variants: dict[str, Path]
) -> None:
    a = make_assistant()
    report = a.ingest([p.parent for p in variants.values()][:1])
    assert len(report.added) == 5 and report.dedup_seconds > 0
    assert len(a.articles()) == 5  # every copy is kept
    groups = groups_by_name(a, variants)
    assert groups["base"] == groups["changed"] == groups["corrected"] == groups["headline"]
    assert groups["other"] != groups["base"]
    base_id = groups["base"]
    assert base_id in {x.article_id for x in a.articles() if x.date == "2025-03-10"}
    # Idempotent: the same content again changes nothing, not even the records version.
    version = a.records.version()
    pairs = a.records.near_duplicate_pairs()
    again = a.ingest([variants["base"].parent])
    assert len(again.unchanged) == 5 and not again.added and not again.updated
    assert a.records.version() == version
    assert a.records.near_duplicate_pairs() == pairs
    assert groups_by_name(a, variants) == groups
    # A second process (a fresh Assistant) sees the same groups and re-ingests nothing.
    b = make_assistant()
    assert b.ingest([variants["base"].parent]).unchanged and b.records.version() == version
    assert a.doctor().ok


def test_removing_and_editing_members_updates_their_group(
    make_assistant: MakeAssistant, tmp_path: Path
) -> None:
    # a ~ b and b ~ c, but a and c share too little: b holds the group together.
    folder = tmp_path / "chain"
    paths = {
        "a": write_story(folder, "a", TITLE, "\n\n".join(PARAGRAPHS[0:4]), "2025-03-10"),
        "b": write_story(folder, "b", TITLE, "\n\n".join(PARAGRAPHS[1:5]), "2025-03-10"),
        "c": write_story(folder, "c", TITLE, "\n\n".join(PARAGRAPHS[2:6]), "2025-03-11"),
    }
    a = make_assistant()
    a.ingest([folder])
    ids = {n: next(x.article_id for x in a.articles() if x.source_path == str(p))
           for n, p in paths.items()}
    pairs = {(x, y) for x, y, _ in a.records.near_duplicate_pairs()}
    assert pairs == {tuple(sorted((ids["a"], ids["b"]))), tuple(sorted((ids["b"], ids["c"])))}
    assert len(set(groups_by_name(a, paths).values())) == 1
    a.remove(ids["b"])
    assert a.records.story_groups() == {}  # a and c are two stories now
    assert a.records.near_duplicate_pairs() == []
    assert a.doctor().ok
    # Back again; then edited into another story: its pairs go with its old text.
    a.ingest([folder])
    assert len(set(groups_by_name(a, paths).values())) == 1
    write_story(folder, "b", "Kericho strike", OTHER_STORY, "2025-03-10")
    report = a.ingest([folder])
    assert report.updated == [ids["b"]]
    assert a.records.story_groups() == {}


def test_retrieval_gives_a_story_group_one_slot(
    make_assistant: MakeAssistant, variants: dict[str, Path], tmp_path: Path
) -> None:
    extra = tmp_path / "extra"
    topics = [
        ("Sri Lanka tea output falls in dry spell", "Sri Lanka's tea production fell 8% in "
         "February as a dry spell hit the central highlands, the Tea Board said."),
        ("Pakistan cuts tariffs on Kenyan tea imports", "Pakistan will cut the import duty "
         "on tea from Kenya to 5% under an interim deal, its commerce ministry said."),
        ("Mombasa tea auction volumes ease", "Volumes offered at the Mombasa tea auction "
         "eased to 180,000 packages this week as factories held back leaf."),
        ("Egypt tea buyers return to Mombasa", "Egyptian packers returned to the Mombasa tea "
         "auction this week after the pound steadied, brokers said."),
        ("Rwanda tea exports to Pakistan rise", "Rwanda's tea exports to Pakistan rose in "
         "2024 as new factories in the west came on line, the export board said."),
    ]
    for i, (title, text) in enumerate(topics):
        write_story(extra, f"t{i}", title, text, "2025-03-09")
    a = make_assistant()
    a.ingest([variants["base"].parent, extra])
    group_of = a.records.story_groups()
    assert len(group_of) == 4  # base, changed, corrected, headline
    question = "Kenya tea exports to Pakistan Mombasa auction"
    docs = a.retriever.invoke(question, k=5)
    articles = [d.metadata["article_id"] for d in docs]
    in_group = [x for x in articles if x in group_of]
    assert len(set(in_group)) == 1  # one slot for the four copies
    assert len(set(articles)) >= 4  # the other articles got the remaining slots
    # The slot is the best-scoring copy: the one that leads when copies are not merged.
    a.retriever._library = None
    original = a.records.story_groups
    a.records.story_groups = lambda: {}  # type: ignore[method-assign]
    try:
        flat = [d.metadata["article_id"] for d in a.retriever.invoke(question, k=5)]
    finally:
        a.records.story_groups = original  # type: ignore[method-assign]
        a.retriever._library = None
    assert sum(x in group_of for x in flat) >= 2  # unmerged, copies crowd the top 5
    assert in_group[0] == next(x for x in flat if x in group_of)
    chosen = next(d for d in docs if d.metadata["article_id"] == in_group[0])
    others = chosen.metadata["also_reported"]
    assert len(others) == 3 and {r["date"] for r in others} <= {"2025-03-10", "2025-03-11"}
    # The answer's citation says so, in the API's JSON and after a round trip.
    answer = a.ask("How much were Kenya's tea exports to Pakistan in 2024?")
    cited = [c for c in answer.citations if c.article_id in group_of]
    assert cited, answer.text
    c = cited[0]
    assert len(c.also_reported) == 3
    assert c.also_reported_note.startswith("Also reported in 3 other stories (2025-03-1")
    assert Answer.from_dict(json.loads(json.dumps(answer.to_dict()))).citations == \
        answer.citations
    assert citation_json(c)["also_reported_note"] == c.also_reported_note


def test_the_ledger_says_revised_for_a_corrected_story_and_differ_for_another_source(
    make_assistant: MakeAssistant, tmp_path: Path
) -> None:
    folder = tmp_path / "ledger"
    write_story(folder, "first", TITLE, BASE, "2025-03-10")
    write_story(folder, "corrected", f"CORRECTED - {TITLE}", CORRECTED, "2025-03-11")
    a = make_assistant()
    a.ingest([folder])
    question = "How much were Kenya's tea exports to Pakistan in 2024?"
    answer = a.ask(question)
    assert "$540 million" in answer.text and "revised" in answer.text, answer.text
    assert "sources differ" not in answer.text.lower()
    [conflict] = [c for c in a.conflicts() if c.newer.figure == "$540 million"]
    assert conflict.revised and conflict.label == "revised"
    assert conflict.older.figure == "$520 million"
    # Another agency giving another value: the sources differ (with the newest version).
    write_story(folder, "agency", "Kenya tea sales to Pakistan near half a billion dollars",
                INDEPENDENT_OTHER, "2025-03-12", source="Karachi Agency")
    a.ingest([folder])
    differ = [c for c in a.conflicts() if not c.revised and c.newer.unit == "USD"]
    assert {(c.older.figure, c.newer.figure) for c in differ} == {
        ("$540 million", "$505 million")
    }
    answer = a.ask(question)
    assert "sources differ" in answer.text.lower(), answer.text
    assert "$520 million" not in answer.text  # superseded by its own correction


def test_copies_of_a_story_are_no_corroboration(
    make_assistant: MakeAssistant, tmp_path: Path
) -> None:
    folder = tmp_path / "corroboration"
    write_story(folder, "first", TITLE, BASE, "2025-03-10")
    write_story(folder, "copy", "Pakistani packers lift Kenyan tea sales", BASE, "2025-03-10",
                source="Another Wire")
    a = make_assistant()
    a.ingest([folder])
    question = "How much were Kenya's tea exports to Pakistan in 2024?"
    answer = a.ask(question)
    assert "$520 million" in answer.text and "independent" not in answer.text, answer.text
    write_story(folder, "agency", "Kenya tea sales to Pakistan top half a billion dollars",
                INDEPENDENT_SAME, "2025-03-12", source="Karachi Agency")
    a.ingest([folder])
    answer = a.ask(question)
    assert "One other independent report gives the same figure" in answer.text, answer.text


def test_new_settings_regroup_and_doctor_repairs_missing_groups(
    make_assistant: MakeAssistant, variants: dict[str, Path]
) -> None:
    a = make_assistant()
    a.ingest([variants["base"].parent])
    assert len(a.records.story_groups()) == 4
    strict = make_assistant(dedup_threshold=0.9)  # same home: only near-exact copies
    strict.ingest([variants["base"].parent])
    assert len(strict.records.story_groups()) == 3  # the changed paragraph is out (0.79)
    conn = sqlite3.connect(strict.records.path, isolation_level=None)
    conn.execute("DELETE FROM story_groups")
    conn.close()
    report = strict.doctor()
    assert not report.ok and any("story group" in p for p in report.problems)
    fixed = strict.doctor(fix=True)
    assert fixed.ok, fixed.problems
    assert len(strict.records.story_groups()) == 3
    rebuilt = strict.rebuild()
    assert not rebuilt.failed and len(strict.records.story_groups()) == 3


# -- real wire copies from Reuters-21578 --------------------------------------------------------

# Pairs judged by reading both texts (benchmarks/dedup_judgements.json has the full sample).
SAME_STORY = [
    ("reuters-15650", "reuters-15658"),  # one offensive report sent twice, a paragraph added
    ("reuters-8440", "reuters-8516"),  # an attack report and its reworded repeat
    ("reuters-2016", "reuters-2249"),  # a results table and its correction (quarter fixed)
    ("reuters-14839", "reuters-14957"),  # a port story and its shortened headline version
]
NOT_SAME = [
    ("reuters-4298", "reuters-11425"),  # the daily Fed repurchase template, 19 days apart
    ("reuters-5439", "reuters-6046"),  # the same template the next day, other figures
]


def test_known_reuters_copies_are_grouped_and_templates_are_not(
    make_assistant: MakeAssistant, tmp_path: Path
) -> None:
    wanted = {x for pair in SAME_STORY + NOT_SAME for x in pair}
    feed = tmp_path / "reuters.jsonl"
    with gzip.open(REUTERS, "rt", encoding="utf-8") as src, feed.open("w") as out:
        for line in src:
            obj = json.loads(line)
            if obj["id"] in wanted:
                out.write(json.dumps({**obj, "source": "Reuters"}) + "\n")
    a = make_assistant()
    report = a.ingest([feed])
    assert len(report.added) == len(wanted)
    ids = {x.article_id.rsplit("-", 1)[0]: x.article_id for x in a.articles()}
    group_of = a.records.story_groups()
    for x, y in SAME_STORY:
        assert ids[x] in group_of and group_of[ids[x]] == group_of.get(ids[y]), (x, y)
    for x, y in NOT_SAME:
        assert group_of.get(ids[x]) is None or group_of.get(ids[x]) != group_of.get(ids[y])
    # Each group is named by its earliest member (same day: the one sent first).
    for x, y in SAME_STORY:
        assert a.article(ids[x]).date <= a.article(ids[y]).date
        assert group_of[ids[x]] == ids[x]


@pytest.mark.fast
def test_citations_carry_other_reports_through_json() -> None:
    c = Citation(n=1, article_id="a", title="T", source="S", date="2025-03-11", chunk_id="a:v:0",
                 quote="q", start=0, end=1, score=0.5,
                 also_reported=(OtherReport("b", "T2", "S2", "2025-03-10"),
                                OtherReport("c", "T3", "S3", "2025-03-10")))
    assert c.also_reported_note == "Also reported in 2 other stories (2025-03-10)."
    back = Answer.from_dict(json.loads(json.dumps(Answer("x", [c]).to_dict())))
    assert back.citations == [c]
    assert Citation(n=1, article_id="a", title="T", source="S", date=None, chunk_id="a:v:0",
                    quote="q", start=0, end=1, score=0.5).also_reported_note == ""
