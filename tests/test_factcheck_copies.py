"""A claim that restates a sentence with one detail changed is caught (fast tier).

``copied_change`` reads a claim as the sentence it copies most of, and names what the claim
changes there; ``wrong_figures`` (``tradedesk eval``) counts wrong figures without the
verifier. Texts written for these tests.
"""

from __future__ import annotations

import pytest

from assistant.answer import Answer, Citation
from assistant.answering.factcheck import copied_change
from assistant.answering.guard import has_markup
from assistant.evaluate import EvalItem, wrong_figures
from ingest.text.periods import Period, extract_periods

pytestmark = pytest.mark.fast

SOURCES = [
    "Chilean copper exports to Japan rose 4.2 pct to 1.35 billion dlrs in the first half of "
    "1986, one ministry official said.",
    "Chilean copper exports to Japan rose 2.9 pct to 310 mln dlrs in June.",
    "Chile's fruit exports to Japan amounted to 95 mln dlrs in the first half of 1986.",
    "Economic growth is forecast to slow to 3.1 pct in 1987 from 5.7 pct in 1986.",
    "The central bank added one billion dlrs on Friday and two billion dlrs on Wednesday.",
]


@pytest.mark.parametrize(
    ("claim", "reason"),
    [
        ("Chilean copper exports to Japan rose 4.2 pct to 1.53 billion dlrs in the first half "
         "of 1986", "wrong value"),
        ("Chilean copper exports to Japan rose 4.2 pct to 310 mln dlrs in the first half of "
         "1986", "wrong value"),  # the figure of another sentence, in this one's place
        ("Chilean copper exports to Japan rose 4.2 pct to 1.35 billion dlrs in the first half "
         "of 1985", "wrong period"),
        ("Chilean copper exports to Japan fell 4.2 pct to 1.35 billion dlrs in the first half "
         "of 1986", "wrong direction"),
        ("Chilean copper exports to Korea rose 4.2 pct to 1.35 billion dlrs in the first half "
         "of 1986", "wrong subject"),
        ("Chilean copper exports to Japan rose 4.2 pct to 1.35 billion dlrs in the first half "
         "of 1986, two ministry officials said", "wrong value"),
        ("Economic decline is forecast to slow to 3.1 pct in 1987 from 5.7 pct in 1986",
         "wrong direction"),
        # a figure of the same sentence that the claim also restates in its own place
        ("The central bank added two billion dlrs on Friday and two billion dlrs on "
         "Wednesday", "wrong value"),
        # a forecast restated as what happened
        ("Economic growth was 3.1 pct in 1987, down from 5.7 pct in 1986", "wrong kind"),
    ],
)
def test_one_changed_detail_is_named(claim: str, reason: str) -> None:
    why = copied_change(claim, SOURCES)
    assert (reason in why) if reason else why == "", why


@pytest.mark.parametrize(
    "claim",
    [
        "Chilean copper exports to Japan rose 4.2% to $1.35 billion in the first half of 1986",
        "According to the ministry, Chilean copper exports to Japan rose 4.2 pct to 1.35 "
        "billion dlrs in the first half of 1986",
        # the same way of writing, another fact: another figure for another period
        "Chilean copper exports to Japan rose 4.2 pct to 1.35 billion dlrs in January-June 1986",
        # a figure moved within its own sentence is the same figure
        "Chilean copper exports to Japan reached 1.35 billion dlrs in the first half of 1986",
        # the total, against a sentence about one product: another fact
        "Chile's exports to Japan amounted to 2.1 billion dlrs in the first half of 1986",
    ],
)
def test_faithful_or_other_facts_pass(claim: str) -> None:
    assert copied_change(claim, SOURCES) == ""


MORE_SOURCES = [
    "Moroccan car parts exports to Spain rose to 4.9 billion euros in 2024, and wiring "
    "harnesses made up half of the amount.",
    "Spanish exports to Morocco fell to 12.6 billion in 2024.",
    "Non-oil imports grew 5.2 pct to 48.1 billion rand in the first half of 2024.",
    "Japan overtook South Korea as the largest buyer of Chilean cherries in 2024, with "
    "purchases of 210 mln dlrs.",
    "Japan's imports from Vietnam rose 8 pct to 25 billion dlrs in 2024.",
    "Textile output rose 3.1 pct in 2024 after a fall of 1.2 pct in 2023.",
]


@pytest.mark.parametrize(
    ("claim", "reason"),
    [
        # the value and the way its unit is written changed together: one change
        ("Moroccan car parts exports to Spain rose to 4.2 billion euro in 2024, and wiring "
         "harnesses made up half of the amount", "wrong value"),
        # a figure of another sentence, its unit word left out: not a qualifier dropped
        ("Moroccan car parts exports to Spain rose to 12.6 billion in 2024, and wiring "
         "harnesses made up half of the amount", "wrong value"),
        # a fraction that is not a figure
        ("Moroccan car parts exports to Spain rose to 4.9 billion euros in 2024, and wiring "
         "harnesses made up a quarter of the amount", "wrong value"),
        # everything but oil is not everything but coffee
        ("Non-coffee imports grew 5.2 pct to 48.1 billion rand in the first half of 2024",
         "wrong subject"),
        # two countries in each other's place, which the alignment reads as words moved
        ("South Korea overtook Japan as the largest buyer of Chilean cherries in 2024, with "
         "purchases of 210 mln dlrs", "other way round"),
        # a period the claim also restates in its own place is written twice, not moved
        ("Textile output rose 3.1 pct in 2023 after a fall of 1.2 pct in 2023",
         "wrong period"),
    ],
)
def test_one_changed_detail_is_named_more(claim: str, reason: str) -> None:
    why = copied_change(claim, MORE_SOURCES)
    assert reason in why, why


@pytest.mark.parametrize(
    "claim",
    [
        # the same period written another way: its number words are no other number
        "Non-oil imports grew 5.2 pct to 48.1 billion rand in the first six months of 2024",
        # the flow turned round with the countries: the same fact
        "Vietnam's exports to Japan rose 8 pct to 25 billion dlrs in 2024",
        "Moroccan car parts exports to Spain rose to 4.9 billion euros in 2024, and wiring "
        "harnesses made up half of it",
    ],
)
def test_faithful_restatements_pass_more(claim: str) -> None:
    assert copied_change(claim, MORE_SOURCES) == ""


def test_newswire_tickers_are_not_markup() -> None:
    assert not has_markup("General Motors Corp <GM> and <Lloyds Bank NZA Ltd> said")
    assert has_markup("see <script>alert(1)</script>")
    assert has_markup('<B>bold</B> and <img src="x">')
    assert has_markup('<foo onclick="x()">')


def test_hard_wrapped_periods_are_read() -> None:
    assert extract_periods("dropped 36 pct during the first eight\nmonths of 1986") == [
        Period(1986, 1, 8)]


def _answer(text: str, quote: str) -> Answer:
    citation = Citation(n=1, article_id="a", title="t", source="s", date=None, chunk_id="a:0:0",
                        quote=quote, start=0, end=len(quote), score=1.0)
    return Answer(text=text, citations=[citation])


def test_wrong_figures_are_counted_without_the_verifier() -> None:
    quote = "Copper exports rose 4.2 pct to 1.35 billion dlrs in the first half."
    item = EvalItem(id="x", question="How much?", expected=(("1.35 billion",),), type="figure")
    assert wrong_figures(item, _answer("Copper exports were $1.35 billion [1].", quote)) == []
    wrong = wrong_figures(item, _answer("Copper exports were $1.53 billion [1].", quote))
    assert len(wrong) == 2  # in no quote, and not the expected figure
    other = EvalItem(id="y", question="How much?", expected=(("4.2",),), type="figure")
    assert wrong_figures(other, _answer("Copper exports were $1.35 billion [1].", quote)) == [
        "$1.35 billion (not the expected 4.2)"]
    refused = _answer("The documents don't say; the closest: 9.9 pct [1].", quote)
    refused.refused = True
    assert wrong_figures(item, refused) == []


def _verified(text: str, claim: str, title: str = "TRADE", date: str = "2024-06-10") -> str:
    """The verifier's reason for a claim citing an article of ``text`` ('' when it passes)."""
    from benchmarks import verifier_mutations as vm

    passage = vm._passage(vm._Article("t-0123456789", title, text, date))
    [c] = vm.split_claims(claim + " [1].")
    vm.verify_claims([c], [passage], vm._similarity)
    return "" if c.ok else c.reason


@pytest.mark.parametrize(
    ("text", "claim"),
    [
        # a bare figure ("3.77bn") takes the currency its sentence gives the others
        ("The Bundesbank's gold holdings rose 1.2 billion marks in the week. Its balance sheet "
         "total fell by 3.77 billion in the week to 218.45 billion.",
         "Its balance sheet total fell by 3.77bn in the week to 218.45 billion"),
        # the rise word of the figure before is not this figure's
        ("Output of chemicals fell a provisional 2.3 pct in January after a 0.2 pct rise in "
         "December.",
         "Output of chemicals fell a provisional 2.3% in January after a 0.2 pct rise in "
         "December"),
        # a country name broken over two lines
        ("Trade figures show that Norwegian imports from South\nAfrica dropped 36 pct to 160 "
         "mln crowns in 2024.",
         "Trade figures show that Norwegian imports from South Africa dropped 36% to 160 mln "
         "crowns in 2024"),
        # a lead-in that says where the claim is from names no subject
        ("Kenya and Tanzania signed a barter agreement to exchange 80 mln dlrs worth of tea and "
         "maize a year, Kenyan officials said.",
         "The article reports that Kenya and Tanzania signed a barter agreement to exchange 80 "
         "mln dlrs worth of tea and maize a year, Kenyan officials said"),
    ],
)
def test_faithful_restatements_are_verified(text: str, claim: str) -> None:
    assert _verified(text, claim) == ""


def test_a_bare_figure_takes_no_other_currency() -> None:
    text = ("The Bundesbank's gold holdings rose 1.2 billion marks in the week. Its balance "
            "sheet total fell by 3.77 billion in the week to 218.45 billion.")
    assert _verified(text, "Its balance sheet total fell by 3.77 billion dlrs in the week to "
                           "218.45 billion")


def test_a_direction_is_read_from_whole_words() -> None:
    from assistant.answering.factcheck import _direction

    text = "the government was able to cut its credit drawdown at the central bank by 900 mln"
    assert _direction(text, text.index("900"), len(text)) == 0  # not the "down" of "drawdown"
    text = "Exports fell 2.3 pct in January after a 0.2 pct rise"
    assert _direction(text, text.index("0.2"), text.index("0.2") + 7) == 1


def test_a_figure_of_the_other_flow_is_not_the_flow_claimed() -> None:
    """The figure's own clause says which flow it is, whatever the extractor's reading."""
    text = ("Israeli exports to the U.S. rose fivefold, from 417 mln dlrs to 2.3 billion in "
            "1986, while imports rose from 888 mln dlrs to 1.8 billion last year.")
    wrong = _verified(text, "Israel's exports to the United States were 1.8 billion dlrs in "
                            "1986", date="1987-06-29")
    assert "wrong subject" in wrong and "import" in wrong  # the clause's or the ledger's flow
    assert _verified(text, "Israel's exports to the United States were 2.3 billion dlrs in "
                           "1986", date="1987-06-29") == ""


def test_a_clause_left_out_at_the_end_is_an_omission_not_a_change() -> None:
    from assistant.answering.factcheck import copied_change

    source = ("Turkish exports to Italy reached $1.14 billion in May 2025, an increase of 8% "
              "on May 2024.")
    assert copied_change("Turkey's exports to Italy were $1.14 billion for May 2025.",
                         [source]) == ""
    assert "wrong period" in copied_change(
        "Turkish exports to Italy reached $1.14 billion in May 2024, an increase of 8% on "
        "May 2024.", [source])
