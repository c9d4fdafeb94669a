"""The figure ledger on newswire: the annotated set, its scores, and the rules behind them.

The sentences here are written for these tests (the style of 1987 wire copy, not its text).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import ROOT

from assistant.answering.sources.ledger import FigureSeries
from ingest.text.facts import Fact, extract_facts
from ingest.text.figures import extract_figures

sys.path.insert(0, str(ROOT))
from benchmarks import ledger_check, ledger_eval  # noqa: E402

LEDGER = ROOT / "tests" / "data" / "ledger"
pytestmark = pytest.mark.fast


def facts_of(text: str, title: str = "TRADE FIGURES", date: str = "1987-03-16") -> list[Fact]:
    return extract_facts("t", title, text, date)


def one(text: str, figure: str, **kw: str) -> Fact:
    found = [f for f in facts_of(text, **kw) if f.figure.startswith(figure)]
    assert found, [f.figure for f in facts_of(text, **kw)]
    return found[0]


# -- the annotated set ---------------------------------------------------------------------


def test_the_annotations_are_where_they_say_and_split_once() -> None:
    seen: dict[str, str] = {}
    sizes = {}
    for split in ("dev", "test"):
        problems, sentences, listed = ledger_check.check_file(LEDGER / f"{split}.json", seen)
        assert problems == [], problems[:5]
        sizes[split] = (sentences, listed)
    assert sum(s for s, _ in sizes.values()) >= 290  # 250 figure sentences + 40 without
    assert sum(n for _, n in sizes.values()) >= 400
    dev = {r["article"] for r in ledger_eval.json.loads(
        (LEDGER / "dev.json").read_text())["sentences"]}
    test = {r["article"] for r in ledger_eval.json.loads(
        (LEDGER / "test.json").read_text())["sentences"]}
    assert not dev & test  # split by article


def test_the_dev_split_keeps_its_scores() -> None:
    """A regression gate a little below what the rules reach on dev (see README)."""
    scores = ledger_eval.evaluate(LEDGER / "dev.json").as_dict()
    # dev holds the 416 + 229 + 221 + 197 fresh figures of 2026-12-02/03 since (measured
    # with the lf-F figures in: value+unit 0.881, kind 0.821, reporter 0.862, flow 0.848,
    # sector 0.854, period 0.745, every field 0.485, not worth listing 0.070)
    assert scores["found"] >= 0.95, scores
    assert scores["value_unit"] >= 0.88, scores
    assert scores["kind"] >= 0.815, scores
    assert scores["reporter"] >= 0.855, scores
    assert scores["flow"] >= 0.84, scores
    assert scores["sector"] >= 0.85, scores
    assert scores["period"] >= 0.74, scores
    assert scores["all_fields"] >= 0.475, scores
    assert scores["not_worth_listing"] <= 0.075, scores


def test_positions_map_through_collapsed_whitespace() -> None:
    text = "  Exports\n rose   5 pct."
    pos = ledger_eval.norm_map(text)
    norm = " ".join(text.split())
    assert norm[pos[text.index("5")]] == "5"
    assert norm[pos[text.index("rose")] : pos[text.index("rose")] + 4] == "rose"


# -- figures -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("reserves fell to 28.4 billion guilders from 30.1 billion",
         [(28.4e9, "NLG"), (30.1e9, "NLG")]),
        ("the rate was cut to 6-3/4 from seven pct", [(6.75, "%"), (7.0, "%")]),
        ("a loan of four billion marks", [(4e9, "DEM")]),
        ("prices eased to 61 cents a lb", [(0.61, "USD")]),
        ("a deficit of 2.7 billion Canadian dlrs", [(2.7e9, "CAD")]),
        ("output of 41.5 mln tonnes against 39.9 mln", [(41.5e6, "tonnes"), (39.9e6, "tonnes")]),
        ("between 2.5 and 2.8 mln tonnes", [(2.5e6, "tonnes"), (2.8e6, "tonnes")]),
        ("about one-third of the harvest", [(100 / 3, "%")]),
        ("shares earned 9.2p", [(0.092, "GBP")]),
    ],
)
def test_figures_of_wire_copy(text: str, want: list[tuple[float, str]]) -> None:
    got = [(f.value, "%" if f.kind == "percent" else f.currency or f.unit)
           for f in extract_figures(text)]
    assert [g[1] for g in got] == [w[1] for w in want], got
    assert all(abs(g[0] - w[0]) <= 1e-6 * max(1.0, abs(w[0])) for g, w in zip(got, want,
                                                                               strict=True))


def test_a_number_next_to_a_percentage_does_not_borrow_it_when_it_counts_something() -> None:
    figures = extract_figures("sold 3.1 billion dlrs of goods, 4.2 pct more, to 900 buyers")
    assert [f.kind for f in figures] == ["amount", "percent", "number"]
    assert extract_figures("orders fell 12 pct to 6.3 billion")[1].kind == "number"


# -- facts ---------------------------------------------------------------------------------


def test_francs_and_crowns_take_the_reporting_country() -> None:
    assert one("Belgium's trade surplus was 9.1 billion francs in January.", "9.1").unit == "BEF"
    assert one("Denmark's exports rose to 14.2 billion crowns in January.", "14.2").unit == "DKK"
    assert one("France's exports were 80.3 billion francs in January.", "80.3").unit == "FRF"


def test_a_story_in_a_named_dollar_counts_its_bare_dollars_in_it() -> None:
    text = ("Hong Kong's exports were 20.1 billion H.K. Dlrs in February. "
            "Imports rose to 21.4 billion dlrs.")
    assert one(text, "21.4").unit == "HKD"


def test_months_and_relative_periods_resolve_against_the_article_date() -> None:
    text = "Exports rose to 9.9 billion dlrs in February from 9.1 billion in January."
    assert (one(text, "9.9").period_start, one(text, "9.9").period_end) == ("1987-02", "1987-02")
    late = one("Imports were 4.4 billion dlrs in November.", "4.4")
    assert late.period_start == "1986-11"  # a story of March 1987: last November
    last = one("The surplus was 2.2 billion dlrs last year.", "2.2")
    assert (last.period_start, last.period_end) == ("1986-01", "1986-12")


def test_a_year_earlier_figure_is_a_year_earlier() -> None:
    text = "Sales were 710 mln dlrs in the first quarter, against a year-earlier 650 mln dlrs."
    assert one(text, "710").period_start == "1987-01"
    assert one(text, "650").period_start == "1986-01"
    # "in the year earlier" after the figure, a year ended December 31 before it
    coleco = ("Coleco said it lost 111.2 mln dlrs for the year ended December 31, compared "
              "with a profit of 64.2 mln dlrs in the year earlier.")
    assert (one(coleco, "111.2").period_start, one(coleco, "111.2").period_end) == (
        "1986-01", "1986-12")
    assert (one(coleco, "64.2").period_start, one(coleco, "64.2").period_end) == (
        "1985-01", "1985-12")


def test_a_year_running_across_new_year() -> None:
    f = one("Output rose to 12.6 mln tonnes in the year to February.", "12.6")
    assert (f.period_start, f.period_end) == ("1986-03", "1987-02")
    g = one("Feed sales were 3.1 mln tonnes in 1986/87 ended March 31.", "3.1")
    assert (g.period_start, g.period_end) == ("1986-04", "1987-03")


def test_a_year_to_a_month_of_a_named_year_runs_the_twelve_months_before_it() -> None:
    # "September 1986" once read as the 19th of September, losing the year's span
    f = one("He said Peru exported 1,616,101 bags in the year to September 1986.", "1,616,101")
    assert (f.period_start, f.period_end) == ("1985-10", "1986-09")


def test_a_quarter_ended_in_a_month_and_a_year_owning_its_quarter() -> None:
    f = one("Anacomp reported net of 2.8 mln dlrs in its first qtr ended December 31.", "2.8",
            date="1987-03-03")
    assert (f.period_start, f.period_end) == ("1986-10", "1986-12")
    g = one("Nacco reported earnings of 10.8 mln dlrs in last year's second quarter.", "10.8",
            date="1987-04-07")
    assert (g.period_start, g.period_end) == ("1986-04", "1986-06")


def test_per_share_amounts_are_money_unless_a_price_is_paid() -> None:
    text = "The company reported earnings of 10.8 mln dlrs or 1.11 dlrs a share in 1986."
    net, eps = one(text, "10.8"), one(text, "1.11")
    assert (net.unit, net.kind) == ("USD", "level")  # the "a share" is the next figure's
    assert (eps.unit, eps.kind) == ("USD", "level")  # earnings per share: an amount
    offer = one("Management believes the 47 dlr per share acquisition offer is too low.", "47")
    assert (offer.unit, offer.kind) == ("USD/share", "price")
    bought = one("It repurchased 780,000 shares for 2.25 dlrs per share.", "2.25")
    assert bought.unit == "USD/share"
    # a range shares its unit: both ends are prices per tonne
    text = "Rebates ranged from 127.75 to 132.50 European Currency Units a tonne."
    assert one(text, "127.75").unit == one(text, "132.50").unit == "XEU/tonne"


def test_exchange_rates_are_rates_of_one_currency_in_another() -> None:
    assert one("Trade is based on a rate of 0.38 Egyptian pounds to the dollar.", "0.38").unit \
        == "EGP/USD"
    text = "He wanted a rate of around 2.90 marks and 1.60 dlrs to the pound."
    assert (one(text, "2.90").unit, one(text, "1.60").unit) == ("DEM/GBP", "USD/GBP")
    low = one("The dollar fell to a record low of 144.70 yen in Tokyo today.", "144.70")
    assert (low.unit, low.kind) == ("JPY/USD", "rate")
    assert one("Asked whether a dollar/yen rate of 148 was right, he declined.", "148").unit \
        == "JPY/USD"
    # an amount of yen is no rate
    assert one("Japan bought U.S. bonds worth 45 billion yen.", "45").unit == "JPY"


def test_a_figure_compared_with_one_in_units_takes_its_units() -> None:
    text = "Farmers intend to plant 67.6 mln acres of corn, down from 76.7 mln planted last year."
    assert one(text, "76.7").unit == "acres"
    text = "Output was 1.8 mln tonnes, against a government estimate of 1.99 mln."
    assert one(text, "1.99").unit == "tonnes"
    text = "Pakistan will use 3.4 mln bales of cotton this year after 2.96 mln in 1985/86."
    assert one(text, "2.96").unit == "bales"
    # a bare number after a comparison word but counting its own noun is not carried
    text = "Output was 1.8 mln tonnes of grain, down from what 2 mln farmers grew."
    assert one(text, "2 mln").unit != "tonnes"


def test_a_company_earning_or_receiving_money_is_no_trade_flow() -> None:
    text = "In the year ended November 30, Pat Fashions Inc earned 5,400,000 dlrs pretax."
    assert one(text, "5,400,000").flow is None
    assert one("Grace Co received 99.3 mln dlrs cash for the unit.", "99.3").flow is None
    # a country's earnings from exports stay exports
    assert one("Kenya earned 1.2 billion shillings from tea exports in 1986.", "1.2").flow \
        == "export"


def test_a_capital_owning_a_figure_is_its_government() -> None:
    f = one("Washington's deficit with Taipei rose to 13.6 billion dlrs last year.", "13.6")
    assert (f.reporter, f.partner) == ("United States", "Taiwan")
    # a capital as a market is no reporter
    assert one("London cocoa futures fell to 1,280 stg a tonne.", "1,280").reporter is None


def test_kinds_from_the_verb_and_the_comparison() -> None:
    assert one("The discount rate stands at 3.5 pct.", "3.5").kind == "rate"
    fall = one("Reserves fell 1.2 billion marks to 80.4 billion.", "1.2")
    assert (fall.kind, fall.value) == ("growth", -1.2e9)
    assert one("Reserves fell 1.2 billion marks to 80.4 billion.", "80.4").kind == "level"
    loss = one("The company had a net loss of 4.6 mln dlrs.", "4.6")
    assert loss.value == -4.6e6
    assert one("Officials forecast exports of 31 billion dlrs this year.", "31").kind == "target"


def test_a_clause_s_forecast_verb_makes_its_figures_targets_until_an_actual_verb() -> None:
    said = ("The planning office forecast that this year tea, the island's second export, "
            "will bring in only a fifth of earnings, or about 2.4 billion dlrs.")
    assert one(said, "2.4").kind == "target"
    planted = "Growers intend to sow 31.5 mln acres of barley, the ministry said."
    got = one(planted, "31.5")
    assert (got.kind, got.unit) == ("target", "acres")
    base = ("The bank expects deposits to pass two billion dlrs by 1990, compared with "
            "810 mln dlrs in 1986.")
    assert one(base, "810").kind == "level"


def test_a_results_table_reads_as_the_company_s_figures_by_period() -> None:
    text = "Shr 52 cts vs 41 cts\nNet 6,200,000 vs 4,900,000\nRevs 88.1 mln vs 80.6 mln\n"
    facts = facts_of(text, title="ACME INDUSTRIES <ACME> 4TH QTR NET")
    net, prior = facts[2], facts[3]
    assert (facts[0].value, facts[0].unit) == (0.52, "USD")
    assert (net.value, net.unit, net.reporter) == (6.2e6, "USD", None)
    assert (net.period_start, net.period_end) == ("1986-10", "1986-12")
    assert (prior.period_start, prior.period_end) == ("1985-10", "1985-12")
    loss = facts_of("Shr loss 12 cts vs profit 8 cts\nNet loss 900,000 vs profit 700,000\n",
                    title="BETA CORP 1ST QTR LOSS", date="1987-04-20")
    assert loss[2].value == -900_000 and loss[3].value == 700_000
    assert loss[2].period_start == "1987-01"


def test_a_figure_compared_with_takes_the_compared_figure_s_period_moved_back() -> None:
    text = "Output rose to 182,900 tonnes in 1986 from 174,500 tonnes."
    assert one(text, "174,500").period_start == "1985-01"
    assert one(text, "174,500").unit == "tonnes"
    text = "The deficit narrowed to 216 mln dlrs in December from 340 mln in November."
    assert one(text, "340").period_start == "1986-11"
    prior = one("GDP rose 5.7 pct last year, compared to a 2.4 pct rise in the previous year.",
                "2.4")
    assert (prior.period_start, prior.period_end) == ("1985-01", "1985-12")


def test_a_present_tense_figure_is_the_state_at_the_article_s_month() -> None:
    text = "Exports rose 5 pct in January. The pork standard price is now 540 yen per kilo."
    f = one(text, "540")
    assert (f.kind, f.unit, f.period_start) == ("price", "JPY/kg", "1987-03")


def test_a_statistics_table_reads_its_header_unit_and_columns() -> None:
    text = ("Stocks were as follows, in mln lbs --\n02/28/87 01/31/87 02/28/86\nSoybean Oils --\n"
            "Crude 1,663.3 1,542.6 893.7\nRefined 300.5 294.7 287.4\n")
    facts = {f.figure: f for f in facts_of(text, title="U.S. OIL STATISTICS")}
    crude = facts["1,542.6"]
    assert (crude.value, crude.unit, crude.kind) == (1542.6e6, "lbs", "level")
    assert (crude.period_start, crude.sector) == ("1987-01", "soybean oil")
    assert facts["287.4"].period_start == "1986-02"


def test_the_story_names_the_reporter_a_sentence_leaves_out() -> None:
    text = "Weekly figures showed gross foreign assets rose by two billion francs last week."
    assert one(text, "two billion", title="BANK OF FRANCE ASSETS RISE").reporter == "France"
    company = "Hollinger Inc said it would pay 50 mln dlrs. It lost 13.2 mln dlrs last year."
    assert one(company, "13.2", title="HOLLINGER BUYS UNIMEDIA").reporter is None
    region = one("Exports to Latin America fell 11.4 pct.", "11.4", title="WEST GERMAN EXPORTS")
    assert (region.reporter, region.partner) == ("Germany", "Latin America")


def test_trade_verbs_are_flows_for_articles_and_questions_alike() -> None:
    from ingest.text.facts import read_subject

    assert read_subject("How much did Brazil ship to China?")[2] == "export"
    assert read_subject("How much did Japan buy from the United States?")[2] == "import"
    assert one("Brazil will sell 200,000 tonnes of sugar to Egypt.", "200,000").flow == "export"
    assert one("The bank bought 98 mln stg of bills.", "98").flow is None


@pytest.mark.parametrize(
    "text",
    [
        "The figures are due at 1430 GMT.",
        "Gamma Corp's stock rose 1-1/2 to 33-3/4.",
        "Mr Smith, 62, will retire.",
        "Ministers of the 12 EC nations met.",
        "The talks invoked Article 19 of the accord.",
    ],
)
def test_numbers_that_are_no_figures_are_not_listed(text: str) -> None:
    assert facts_of(text) == [], [f.figure for f in facts_of(text)]


# -- series --------------------------------------------------------------------------------


def test_a_series_is_named_by_its_period_length() -> None:
    base = {"reporter": "Turkey", "partner": "Italy", "flow": "export", "sector": None,
            "unit": "USD", "measure": "level", "figures": 3, "periods": 3}
    assert FigureSeries(**base, months=5, from_january=1).length == "year to date (5 months)"
    assert FigureSeries(**base, months=1, from_january=1).length == "monthly"
    assert FigureSeries(**base, months=3, from_january=1).length == "quarterly"
    assert FigureSeries(**base, months=None, from_january=0).name.endswith("no period")
    assert FigureSeries(**base, months=12, from_january=1).name == (
        "Turkey → Italy · export · level · USD · yearly")


def test_series_from_the_store_never_mix_period_lengths(tmp_path: Path) -> None:
    from ingest.records import Records

    records = Records(tmp_path / "records.sqlite3")
    text = ("Turkey's exports to Italy were 5.3 billion dlrs in January-May 1987. "
            "Turkey's exports to Italy were 1.1 billion dlrs in May 1987. "
            "Turkey's exports to Italy were 1.0 billion dlrs in April 1987.")
    facts = extract_facts("a1", "TURKEY EXPORTS", text, "1987-06-10")
    records.replace_facts({"a1": facts}, 0)
    rows = records.fact_series()
    lengths = sorted((r["months"], r["figures"]) for r in rows)
    assert lengths == [(1, 2), (5, 1)], rows


def test_a_sentence_about_the_company_gives_no_country_figure() -> None:
    """"The company's 1986 deficit" in a story led by a Swedish bank is no Swedish balance."""
    from ingest.text.facts import extract_facts

    text = ("Sweden's Nordbanken banking group said it would postpone its planned share "
            "auction.\nThe company's 1986 deficit had earlier been estimated at 136 mln "
            "crowns.")
    facts = extract_facts("x", "NORDBANKEN POSTPONES AUCTION", text, "1987-03-13")
    deficit = [f for f in facts if f.figure.startswith("136")]
    assert deficit and deficit[0].reporter is None


def test_a_currency_several_countries_use_takes_the_story_s_country() -> None:
    qatar = one("Qatar's budget projects a deficit of 5.47 billion riyals.", "5.47",
                title="QATAR BUDGET")
    assert qatar.unit == "QAR"
    syria = one("Syria proposed a budget of 41.7 billion Syrian pounds.", "41.7")
    assert syria.unit == "SYP"
    saudi = one("Saudi Arabia's revenue fell to 100 billion riyals.", "100", title="SAUDI BUDGET")
    assert saudi.unit == "SAR"
    bdt = one("Bangladesh's deficit narrowed to 1.91 billion taka in October.", "1.91")
    assert bdt.unit == "BDT"


def test_a_company_s_exchange_in_its_ticker_gives_the_currency_of_its_bare_amounts() -> None:
    table = facts_of("Net 990 mln vs 1.54 billion\nRevs 10.2 billion vs 9.8 billion",
                     title="RENAULT <RENA.PA> YEAR NET")
    assert {f.unit for f in table} == {"FRF"}
    swiss = facts_of("Net 190.9 mln Swiss francs vs 150.4 mln\nDividend 160 francs vs 155 francs",
                     title="JACOBS <JACZ.Z> 1986 YEAR")
    assert {f.unit for f in swiss} == {"CHF"}
    hk = one("The company earned 1.28 billion dlrs in 1986.", "1.28",
             title="CHEUNG KONG <CKGH.HK> YEAR")
    assert hk.unit == "HKD"
    us = one("The company earned 12.5 mln dlrs in 1986.", "12.5", title="ACME <ACM> YEAR NET")
    assert us.unit == "USD"


def test_cents_are_of_the_story_s_own_currency() -> None:
    rubber = one("Malaysia cut the gazetted price of rubber to 202-7/8 cents per kg.", "202-7/8",
                 title="MALAYSIA CUTS RUBBER PRICE")
    assert (rubber.unit, round(rubber.value, 5)) == ("MYR/kg", 2.02875)
    copper = one("Copper for July delivery rose to 69 cents a pound.", "69", title="COPPER")
    assert copper.unit.startswith("USD")


def test_a_growth_rate_moving_to_or_from_a_level_is_that_level_not_a_fall() -> None:
    fall = one("GNP growth was expected to decline to 2.3 pct this year.", "2.3")
    assert fall.value == 2.3
    frm = one("Demand growth would decline from 7.6 pct last year to five pct in 1987.", "7.6")
    assert (frm.value, frm.kind) == (7.6, "growth")
    assert one("Exports fell 5.2 pct in February.", "5.2").value == -5.2


def test_a_bare_count_of_people_and_a_term_in_days() -> None:
    jobless = one("The number of unemployed in December was 61,500 against 60,500 a year "
                  "earlier.", "61,500")
    assert (jobless.kind, jobless.unit) == ("count", "people")
    staff = one("The unit expects to cut its workforce to 6,000 this year.", "6,000")
    assert staff.unit == "jobs"
    bills = one("The bank rate is set above the yield on 91-day treasury bills of 8.2 pct.", "91")
    assert (bills.kind, bills.unit) == ("duration", "days")


def test_a_country_inside_a_company_s_name_is_no_reporter() -> None:
    from ingest.text.gazetteer import countries

    assert countries("Air Canada and Petro-Canada") == set()
    assert countries("Amoco Canada Petroleum Co Ltd said") == set()
    assert countries("The Bank of Canada said Canada's exports rose") == {"Canada"}
    loss = one("Air Canada lost 14.8 mln Canadian dlrs in 1985.", "14.8",
               title="AIRLINE PROFITS SEEN HIGHER")
    assert (loss.reporter, loss.unit) == (None, "CAD")


def test_a_sydney_ticker_is_an_australian_company() -> None:
    net = one("The company earned 41.2 mln dlrs in 1986.", "41.2", title="BORAL <BOAL.S> YEAR")
    assert net.unit == "AUD"
