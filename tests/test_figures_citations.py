"""Pure logic of answer checking: figures, periods, [n] markers, claim verification, numbering.

No model is loaded: verification gets a small lexical similarity (key-term overlap), which
is enough to tell an on-topic sentence from an unrelated one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from langchain_core.documents import Document

from assistant.answering.assemble import assemble
from assistant.answering.draft import Claim
from assistant.answering.passages import Passage, make_passages
from assistant.answering.verify import (
    lexical_overlap,
    parse_markers,
    split_claims,
    verify_claims,
)
from assistant.documents import to_document
from ingest.records import ChunkRow
from ingest.text.figures import extract_figures
from ingest.text.gazetteer import flows_named, last_flow
from ingest.text.periods import Period, extract_periods, periods_compatible
from ingest.text.sentences import flowing

pytestmark = pytest.mark.fast

# -- helpers ---------------------------------------------------------------------------------


def one_figure(text: str):
    figures = extract_figures(text)
    assert len(figures) == 1, f"{text!r} -> {figures}"
    return figures[0]


def one_period(text: str) -> Period:
    periods = extract_periods(text)
    assert len(periods) == 1, f"{text!r} -> {periods}"
    return periods[0]


def lexical_similarity(claims: Sequence[str], sentences: Sequence[str]) -> np.ndarray:
    """A stand-in for the embedding similarity: share of key terms in common."""
    return np.array(
        [[lexical_overlap(c, s) for s in sentences] for c in claims], dtype=np.float32
    )


TURKEY_ARTICLE = (
    "Turkish shipments to Italy climb as Ankara and Rome chase a trade goal. "
    "Turkey's exports to Italy grew by 7.5% in the first five months of 2025, reaching "
    "$5.34 billion. Exports in May alone were $1.14 billion, an 8% year-on-year increase. "
    "The automotive industry remains the largest export sector to Italy, with $1.3 billion "
    "in exports."
)
GERMANY_ARTICLE = (
    "German exports to China fell 7.6% in 2024 to €90.0 billion. "
    "Imports from China dipped 0.9% to €156.3 billion."
)
JAPAN_ARTICLE = (
    "Japanese companies committed $5.1 billion in new investment in Vietnam in 2024. "
    "The Hai Phong plant will employ 4,500 workers by 2028."
)
ARTICLES = {
    "turkey-italy": (TURKEY_ARTICLE, "Turkish shipments to Italy climb"),
    "germany-china": (GERMANY_ARTICLE, "German exports to China slide"),
    "japan-vietnam": (JAPAN_ARTICLE, "Japanese electronics makers deepen Vietnam bet"),
}


def passage_doc(article_id: str, start: int, end: int | None = None, n: int = 1) -> Document:
    """A Document shaped like the retriever's: a slice of an article with its offsets."""
    text, title = ARTICLES[article_id]
    end = len(text) if end is None else end
    row = ChunkRow(
        chunk_id=f"{article_id}:v1:{n:04d}", article_id=article_id, index=n, start=start,
        end=end, page=None, text=text[start:end], title=title, source=f"{article_id}.txt",
        date="2025-06-12", url=None,
    )
    return to_document(row, dense=0.75)


TURKEY_START = TURKEY_ARTICLE.index("Turkey's exports")


@pytest.fixture
def passages() -> list[Passage]:
    """[1] Turkey-Italy (from mid-article), [2] Germany-China, [3] Japan-Vietnam."""
    return make_passages(
        [
            passage_doc("turkey-italy", TURKEY_START),
            passage_doc("germany-china", 0),
            passage_doc("japan-vietnam", 0),
        ]
    )


def check(answer: str, passages: list[Passage]) -> list[Claim]:
    claims = split_claims(answer)
    return verify_claims(claims, passages, lexical_similarity)


# -- figures ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["5.34 billion", "$5.34bn", "5,340 million", "US$5.34 billion", "5.34 billion dollars"]
)
def test_the_same_amount_written_differently_is_the_same_figure(text: str) -> None:
    reference = one_figure("$5.34 billion")
    fig = one_figure(text)
    assert fig.value == pytest.approx(5.34e9)
    assert fig.same_as(reference) and reference.same_as(fig)


def test_amount_kind_and_currency() -> None:
    assert one_figure("$5.34bn").kind == "amount"
    assert one_figure("$5.34bn").currency == "USD"
    assert one_figure("US$5.34 billion").currency == "USD"
    assert one_figure("€90.0 billion").currency == "EUR"
    assert one_figure("KSh 175 billion").currency == "KES"
    assert one_figure("AED 9.4 billion").value == pytest.approx(9.4e9)
    bare = one_figure("5.34 billion")
    assert bare.kind == "number" and bare.currency is None


def test_percent_forms_are_the_same_but_not_a_bare_number() -> None:
    pct = one_figure("7.5%")
    assert pct.kind == "percent"
    assert pct.same_as(one_figure("7.5 per cent"))
    assert pct.same_as(one_figure("7.5 percent"))
    bare = one_figure("7.5")
    assert bare.kind == "number"
    assert not pct.same_as(bare) and not bare.same_as(pct)
    assert not pct.same_as(one_figure("7.6%"))


def test_other_currency_is_not_the_same_figure() -> None:
    euro, dollar = one_figure("€90.0 billion"), one_figure("$90 billion")
    assert euro.value == dollar.value
    assert not euro.same_as(dollar) and not dollar.same_as(euro)
    assert not one_figure("A$7.2 billion").same_as(one_figure("$7.2 billion"))


def test_different_values_or_scales_differ() -> None:
    assert not one_figure("$5.34 billion").same_as(one_figure("$5.34 million"))
    assert not one_figure("$5.34 billion").same_as(one_figure("$5.43 billion"))


@pytest.mark.parametrize(
    "text",
    [
        "in 2024",
        "on 18 March 2025",
        "March 18, 2025",
        "on the 3rd of May",
        "between 2016 and 2023",
    ],
)
def test_years_and_days_of_month_are_not_figures(text: str) -> None:
    assert extract_figures(text) == []


def test_figures_in_a_sentence_keep_positions_and_skip_dates() -> None:
    text = "On 18 March 2025 Turkey sold $5.34 billion of goods, 7.5% more, to 1,500 buyers."
    figures = extract_figures(text)
    assert [f.text for f in figures] == ["$5.34 billion", "7.5%", "1,500"]
    assert [f.kind for f in figures] == ["amount", "percent", "number"]
    for f in figures:
        assert text[f.start : f.end] == f.text
    assert figures[2].value == 1500


# -- periods ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "first five months of 2025",
        "January–May 2025",
        "Jan-May 2025",
        "between January and May 2025",
        "January to May 2025",
    ],
)
def test_five_month_periods_are_the_same(text: str) -> None:
    period = one_period(text)
    assert (period.year, period.m1, period.m2, period.base) == (2025, 1, 5, False)
    assert periods_compatible([period], extract_periods("in the first five months of 2025"))


def test_may_alone_is_the_month_of_may() -> None:
    period = one_period("Exports in May alone were $1.14 billion.")
    assert (period.m1, period.m2, period.year) == (5, 5, None)
    assert one_period("May alone") == Period(None, 5, 5)
    assert one_period("in May 2025") == Period(2025, 5, 5)
    # "may" the verb is not a month
    assert extract_periods("Exports may rise next year.") == []


def test_quarters_halves_and_years() -> None:
    assert one_period("Q1 2025") == Period(2025, 1, 3)
    assert one_period("in the first quarter of 2025") == Period(2025, 1, 3)
    assert one_period("H1 2025") == Period(2025, 1, 6)
    assert one_period("the second half of 2024") == Period(2024, 7, 12)
    assert one_period("in 2024") == Period(2024, 1, 12)


def test_comparison_base_periods() -> None:
    periods = extract_periods("That total was 7.5% higher than in January–May 2024.")
    assert periods == [Period(2024, 1, 5, base=True)]
    own, base = extract_periods(
        "Exports in January–May 2025 were up 7.5% compared with January–May 2024"
    )
    assert own == Period(2025, 1, 5, base=False)
    assert base == Period(2024, 1, 5, base=True)
    # a figure of its own verb after the comparison word is no base: January's rise
    rise = extract_periods("Exports other than coffee rose 55 pct in January 1987.")
    assert rise == [Period(1987, 1, 1, base=False)]
    assert extract_periods("higher than the 12 billion recorded in January 1987") == [
        Period(1987, 1, 1, base=True)]
    assert extract_periods("up from what was 5.2 billion in January 1987") == [
        Period(1987, 1, 1, base=True)]


def test_periods_compatible() -> None:
    jan_may_25 = Period(2025, 1, 5)
    assert periods_compatible([jan_may_25], [Period(2025, 1, 5)])
    assert not periods_compatible([jan_may_25], [Period(2025, 5, 5)])  # May is not Jan-May
    assert not periods_compatible([jan_may_25], [Period(2024, 1, 5)])  # another year
    assert not periods_compatible([Period(2025, 1, 12)], [Period(2024, 1, 12)])
    # a base period "than in January–May 2024" stands for January–May 2025 too
    assert periods_compatible([jan_may_25], [Period(2024, 1, 5, base=True)])
    assert not periods_compatible([Period(2026, 1, 5)], [Period(2024, 1, 5, base=True)])
    # a month without a year matches the month of any year
    assert periods_compatible([Period(2025, 5, 5)], [Period(None, 5, 5)])
    # no period on either side: nothing to contradict
    assert periods_compatible([], [jan_may_25])
    assert periods_compatible([jan_may_25], [])


# -- markers and claims ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "numbers"),
    [
        ("Exports grew [1].", [1]),
        ("Exports grew [1, 2].", [1, 2]),
        ("Exports grew [1][2].", [1, 2]),
        ("Exports grew [1] [3].", [1, 3]),
        ("Exports grew [1-3].", [1, 2, 3]),
        ("Exports grew [2–4].", [2, 3, 4]),
        ("Exports grew [2; 4].", [2, 4]),
        ("Exports grew [2, 2].", [2]),
        ("Exports grew.", []),
    ],
)
def test_parse_markers(raw: str, numbers: list[int]) -> None:
    clean, found = parse_markers(raw)
    assert found == numbers
    assert clean == "Exports grew."


def test_brackets_that_are_not_markers_stay() -> None:
    clean, found = parse_markers("Exports [sic] grew.")
    assert found == []
    assert clean == "Exports [sic] grew."


def test_split_claims_keeps_markers_per_sentence() -> None:
    claims = split_claims(
        "Turkey's exports reached $5.34 billion [1]. German exports fell 7.6% [2, 3]. "
        "I don't know the rest."
    )
    assert [c.text for c in claims] == [
        "Turkey's exports reached $5.34 billion.",
        "German exports fell 7.6%.",
        "I don't know the rest.",
    ]
    assert [c.markers for c in claims] == [[1], [2, 3], []]
    assert [c.is_refusal for c in claims] == [False, False, True]


def test_markers_after_the_full_stop_belong_to_the_previous_sentence() -> None:
    claims = split_claims(
        "Turkey's exports reached $5.34 billion. [1] German exports fell 7.6%. [2][3]"
    )
    assert [c.text for c in claims] == [
        "Turkey's exports reached $5.34 billion.",
        "German exports fell 7.6%.",
    ]
    assert [c.markers for c in claims] == [[1], [2, 3]]


# -- verification ----------------------------------------------------------------------------


def test_correct_figure_with_marker_is_supported_with_the_right_quote(
    passages: list[Passage],
) -> None:
    claims = check(
        "Turkey's exports to Italy reached $5.34 billion in the first five months of 2025 [1].",
        passages,
    )
    assert len(claims) == 1 and claims[0].ok, claims[0].reason
    text, citations = assemble(claims, passages)
    assert text == (
        "Turkey's exports to Italy reached $5.34 billion in the first five months of 2025 [1]."
    )
    [c] = citations
    expected = (
        "Turkey's exports to Italy grew by 7.5% in the first five months of 2025, reaching "
        "$5.34 billion."
    )
    assert c.quote == expected
    assert c.n == 1 and c.article_id == "turkey-italy" and c.chunk_id == "turkey-italy:v1:0001"
    # offsets are in the article, not in the passage
    assert c.start == TURKEY_START
    assert flowing(TURKEY_ARTICLE[c.start : c.end]) == c.quote
    assert c.passage_start == TURKEY_START and c.passage_end == len(TURKEY_ARTICLE)
    assert c.passage == TURKEY_ARTICLE[TURKEY_START:]
    assert c.title == "Turkish shipments to Italy climb" and c.score == pytest.approx(0.75)


def test_figure_in_another_form_is_supported(passages: list[Passage]) -> None:
    [claim] = check(
        "Turkey sold goods worth 5,340 million dollars to Italy in Jan-May 2025 [1].", passages
    )
    assert claim.ok, claim.reason


def test_quote_of_a_later_sentence_has_article_offsets(passages: list[Passage]) -> None:
    claims = check("Turkey's exports to Italy in May alone were $1.14 billion [1].", passages)
    assert claims[0].ok, claims[0].reason
    _, [c] = assemble(claims, passages)
    assert c.quote == "Exports in May alone were $1.14 billion, an 8% year-on-year increase."
    assert flowing(TURKEY_ARTICLE[c.start : c.end]) == c.quote
    assert c.start > TURKEY_START


def test_misattributed_period_is_unsupported(passages: list[Passage]) -> None:
    # $1.14 billion is the May figure, not the January–May one
    [claim] = check(
        "Turkey's exports to Italy were $1.14 billion in January–May 2025 [1].", passages
    )
    assert not claim.ok
    assert "1.14" in claim.reason and "period" in claim.reason
    text, citations = assemble([claim], passages)
    assert text == "" and citations == []


def test_wrong_year_is_unsupported(passages: list[Passage]) -> None:
    [claim] = check(
        "Turkey's exports to Italy reached $5.34 billion in the first five months of 2024 [1].",
        passages,
    )
    assert not claim.ok


def test_invented_figure_is_unsupported(passages: list[Passage]) -> None:
    [claim] = check(
        "Turkey's exports to Italy reached $6.1 billion in the first five months of 2025 [1].",
        passages,
    )
    assert not claim.ok and "6.1" in claim.reason


def test_figure_in_another_currency_is_unsupported(passages: list[Passage]) -> None:
    [claim] = check(
        "Turkey's exports to Italy reached €5.34 billion in the first five months of 2025 [1].",
        passages,
    )
    assert not claim.ok
    [claim] = check("German exports to China fell 7.6% in 2024 to $90.0 billion [2].", passages)
    assert not claim.ok


def test_percent_is_not_a_bare_number(passages: list[Passage]) -> None:
    [claim] = check("German exports to China fell by 7.6 points in 2024 [2].", passages)
    assert not claim.ok


def test_figure_must_be_in_the_cited_passage(passages: list[Passage]) -> None:
    # the figure is in passage 1, the claim cites passage 2
    [claim] = check(
        "Turkey's exports to Italy reached $5.34 billion in the first five months of 2025 [2].",
        passages,
    )
    assert not claim.ok


def test_country_the_passage_never_mentions_is_unsupported(passages: list[Passage]) -> None:
    [claim] = check(
        "Exports from France to Italy reached $5.34 billion in the first five months of 2025 [1].",
        passages,
    )
    assert not claim.ok
    assert "France" in claim.reason


def test_country_as_first_word_is_unsupported(passages: list[Passage]) -> None:
    [claim] = check(
        "France's exports to Italy reached $5.34 billion in the first five months of 2025 [1].",
        passages,
    )
    assert not claim.ok


def test_sentence_opener_is_not_a_missing_name(passages: list[Passage]) -> None:
    [claim] = check("Overall, German exports to China fell 7.6% in 2024 [2].", passages)
    assert claim.ok, claim.reason


def test_us_dollar_prefix_is_not_a_country(passages: list[Passage]) -> None:
    [claim] = check(
        "Turkey's exports to Italy reached US$5.34 billion in the first five months of 2025 [1].",
        passages,
    )
    assert claim.ok, claim.reason


def test_month_figure_with_the_wrong_year_is_unsupported(passages: list[Passage]) -> None:
    [claim] = check("Turkey's exports to Italy were $1.14 billion in May 2024 [1].", passages)
    assert not claim.ok


def test_marker_pointing_at_no_passage_is_dropped(passages: list[Passage]) -> None:
    [claim] = check("German exports to China fell 7.6% in 2024 [2, 9].", passages)
    assert claim.ok and claim.markers == [2]
    text, citations = assemble([claim], passages)
    assert "9" not in text
    assert [c.article_id for c in citations] == ["germany-china"]


def test_a_figure_whose_only_marker_points_nowhere_is_unsupported(
    passages: list[Passage],
) -> None:
    [claim] = check("German exports to China fell 7.6% in 2024 [7].", passages)
    assert not claim.ok and claim.reason == "a figure with no citation"


def test_a_figure_with_no_citation_is_unsupported(passages: list[Passage]) -> None:
    [claim] = check("German exports to China fell 7.6% in 2024.", passages)
    assert not claim.ok and claim.reason == "a figure with no citation"
    assert assemble([claim], passages) == ("", [])


def test_an_unmarked_sentence_without_figures_gets_the_similar_passage(
    passages: list[Passage],
) -> None:
    [claim] = check("German exports of cars to China fell as buyers switched brands.", passages)
    assert claim.ok and claim.markers == [2], claim.reason
    text, [c] = assemble([claim], passages)
    assert text.endswith("[1].")
    assert flowing(GERMANY_ARTICLE[c.start : c.end]) == c.quote


def test_unmarked_unrelated_sentence_is_flagged(passages: list[Passage]) -> None:
    [claim] = check("Bananas are yellow and grow on tall plants.", passages)
    assert not claim.ok and "no citation" in claim.reason
    assert assemble([claim], passages) == ("", [])


def test_no_passages_means_unsupported() -> None:
    [claim] = verify_claims(
        split_claims("German exports to China fell 7.6% in 2024 [1]."), [], lexical_similarity
    )
    assert not claim.ok


def test_refusal_sentences_are_not_verified(passages: list[Passage]) -> None:
    [claim] = check("I don't know.", passages)
    assert claim.is_refusal and claim.ok and claim.support == []


def test_citations_are_renumbered_in_order_of_first_use(passages: list[Passage]) -> None:
    claims = check(
        "Japanese companies committed $5.1 billion in Vietnam in 2024 [3]. "
        "German exports to China fell 7.6% in 2024 [2]. "
        "Turkey's exports to Italy grew by 7.5% in the first five months of 2025 [1].",
        passages,
    )
    assert all(c.ok for c in claims), [c.reason for c in claims]
    text, citations = assemble(claims, passages)
    assert text == (
        "Japanese companies committed $5.1 billion in Vietnam in 2024 [1]. "
        "German exports to China fell 7.6% in 2024 [2]. "
        "Turkey's exports to Italy grew by 7.5% in the first five months of 2025 [3]."
    )
    assert [c.n for c in citations] == [1, 2, 3]
    assert [c.article_id for c in citations] == ["japan-vietnam", "germany-china", "turkey-italy"]


def test_same_passage_and_quote_reuse_one_number(passages: list[Passage]) -> None:
    claims = check(
        "Japanese companies committed $5.1 billion in Vietnam in 2024 [3]. "
        "German exports to China fell 7.6% in 2024 [2]. "
        "Japanese firms put $5.1 billion into Vietnam in 2024 [3]. "
        "The Hai Phong plant will employ 4,500 workers by 2028 [3].",
        passages,
    )
    assert all(c.ok for c in claims), [c.reason for c in claims]
    text, citations = assemble(claims, passages)
    assert text == (
        "Japanese companies committed $5.1 billion in Vietnam in 2024 [1]. "
        "German exports to China fell 7.6% in 2024 [2]. "
        "Japanese firms put $5.1 billion into Vietnam in 2024 [1]. "
        "The Hai Phong plant will employ 4,500 workers by 2028 [3]."
    )
    # same passage, another quote: a new number
    assert len(citations) == 3
    assert citations[0].chunk_id == citations[2].chunk_id
    assert citations[0].quote != citations[2].quote
    assert citations[2].quote == "The Hai Phong plant will employ 4,500 workers by 2028."


def test_unsupported_claims_are_left_out_of_the_answer(passages: list[Passage]) -> None:
    claims = check(
        "German exports to China fell 7.6% in 2024 [2]. "
        "Turkey's exports to Italy were $9.99 billion in January–May 2025 [1].",
        passages,
    )
    assert [c.ok for c in claims] == [True, False]
    text, citations = assemble(claims, passages)
    assert text == "German exports to China fell 7.6% in 2024 [1]."
    assert len(citations) == 1


def test_claim_with_two_figures_quotes_both_sentences(passages: list[Passage]) -> None:
    claims = check(
        "Turkey's exports to Italy were $5.34 billion in the first five months of 2025, "
        "of which $1.14 billion in May alone [1].",
        passages,
    )
    assert claims[0].ok, claims[0].reason
    _, [c] = assemble(claims, passages)
    assert "$5.34 billion" in c.quote and "$1.14 billion" in c.quote
    assert flowing(TURKEY_ARTICLE[c.start : c.end]) == c.quote


def test_the_flow_words_are_read_in_one_place() -> None:
    assert flows_named("Shipments abroad rose while imports fell") == {"export", "import"}
    assert flows_named("Sales abroad of cars rose 5 pct") == {"export"}
    assert flows_named("Japan's trade surplus widened") == set()
    assert last_flow("exports rose to 2.1 billion while imports") == "import"
    assert last_flow("imports fell, and exported goods rose to") == "export"
    assert last_flow("the surplus widened to") is None
