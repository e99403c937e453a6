"""The Performance Dashboard's figures against independent computations on the shared files."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import independent_series, naive_population

import cspkit.api as api
from cspkit.taxonomy.areas import area_directory

FIRST, LAST = date(2023, 10, 1), date(2023, 12, 1)
LONDON = [a for a in area_directory().areas if a.kind == "london_borough"]
PER = {
    "residential_burglary": 10_000,
    "non_residential_burglary": 100_000,
    "personal_robbery": 100_000,
    "violence_with_injury": 1_000,
}


def shift(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def total(area: str, offence: str, first: date, last: date, as_of: date | None) -> int:
    values = independent_series(area, offence, first, last, as_of)
    assert None not in values.values()
    return sum(values.values())


def competition_ranks(rates: dict[str, float]) -> dict[str, int]:
    """1 + the number of areas with a strictly lower rate (ties share the lower rank)."""
    return {a: 1 + sum(1 for r in rates.values() if r < rate) for a, rate in rates.items()}


@pytest.fixture(scope="module")
def barnet(loaded_warehouse):
    return api.dashboard(
        "2023-10",
        "2023-12",
        area="Barnet",
        vintage="2024-01",
        warehouse=loaded_warehouse,
        taxonomy_files=[],
    )


def by_id(report):
    return {i.id: i for i in report.indicators}


def test_issue_figures_for_barnet(barnet) -> None:
    """Issue 3, 'Correctness': vintage 2024-01, Barnet, October-December 2023."""
    ind = by_id(barnet)
    assert (ind["residential_burglary"].count, ind["residential_burglary"].comparison_count) == (
        488,
        564,
    )
    assert ind["residential_burglary"].change_pct == -13.5
    r12 = ind["residential_burglary"].rolling_12m
    assert (r12.count, r12.comparison_count) == (1861, 1907)
    assert (
        ind["non_residential_burglary"].count,
        ind["non_residential_burglary"].comparison_count,
    ) == (183, 176)
    assert (ind["personal_robbery"].count, ind["personal_robbery"].comparison_count) == (252, 195)
    assert (ind["violence_with_injury"].count, ind["violence_with_injury"].comparison_count) == (
        580,
        579,
    )


@pytest.mark.parametrize("offence", list(PER))
def test_counts_rates_and_ranks_match_an_independent_computation(barnet, offence) -> None:
    as_of = date(2024, 1, 1)
    ly_first, ly_last = shift(FIRST, -12), shift(LAST, -12)
    pops = naive_population()
    rates_now = {
        a.name: total(a.name, offence, FIRST, LAST, as_of) / pops[(a.name, 2023)] * PER[offence]
        for a in LONDON
    }
    rates_ly = {
        a.name: total(a.name, offence, ly_first, ly_last, as_of)
        / pops[(a.name, 2022)]
        * PER[offence]
        for a in LONDON
    }
    ranks_now, ranks_ly = competition_ranks(rates_now), competition_ranks(rates_ly)
    ind = by_id(barnet)[offence]
    assert ind.count == total("Barnet", offence, FIRST, LAST, as_of)
    assert ind.comparison_count == total("Barnet", offence, ly_first, ly_last, as_of)
    assert ind.rolling_12m.count == total("Barnet", offence, shift(LAST, -11), LAST, as_of)
    assert ind.rolling_12m.comparison_count == total(
        "Barnet", offence, shift(LAST, -23), ly_last, as_of
    )
    assert ind.rate == pytest.approx(rates_now["Barnet"], rel=1e-12)
    assert (ind.london_rank, ind.london_rank_of) == (ranks_now["Barnet"], 32)
    assert ind.london_rank_last_year == ranks_ly["Barnet"]
    expected_rag = (
        "green"
        if ranks_now["Barnet"] < ranks_ly["Barnet"]
        else ("amber" if ranks_now["Barnet"] == ranks_ly["Barnet"] else "red")
    )
    assert ind.london_rag == expected_rag
    group = {n: rates_now[n] for n in ("Barnet", "Brent", "Harrow")}
    group_ly = {n: rates_ly[n] for n in ("Barnet", "Brent", "Harrow")}
    assert ind.comparator_rank == competition_ranks(group)["Barnet"]
    assert ind.comparator_rank_last_year == competition_ranks(group_ly)["Barnet"]
    assert {r.area: r.rank for r in ind.london_table} == ranks_now


def test_sentences_follow_metrics_md(barnet) -> None:
    ind = by_id(barnet)["residential_burglary"]
    assert ind.sentences[:3] == [
        "In the 3 months of October 2023 to December 2023 there were 488 cases of Residential "
        "Burglary in Barnet.",
        "There were 488 cases of Residential Burglary in the 3 months of October 2023 to December "
        "2023. In the same period 12 months prior there were 564. This is a decrease of 13.5%.",
        "There were 1861 cases of Residential Burglary in Barnet in the 12 months up to December "
        "2023. In the 12 months prior there were 1907. This is a decrease of 2.4%.",
    ]


def test_not_significant_change_gets_a_plain_sentence(barnet) -> None:
    vwi = by_id(barnet)["violence_with_injury"]
    assert vwi.significance.significant is False
    assert vwi.significance.sentence in vwi.sentences
    burglary = by_id(barnet)["residential_burglary"]
    assert burglary.significance.significant is True and burglary.significance.p_value < 0.05


def test_indicators_without_data_say_so_never_zero(barnet) -> None:
    for iid in (
        "knife_crime_with_injury",
        "gun_crime_lethal_barrelled_discharge",
        "domestic_abuse_violence_with_injury",
    ):
        ind = by_id(barnet)[iid]
        assert ind.available is False and ind.count is None and ind.rate is None
        assert ind.status == "no data"
        assert ind.unavailable_reason.startswith("no MPS Monthly Crime Dashboard data")


def test_trend_covers_24_months_with_rates(barnet) -> None:
    ind = by_id(barnet)["residential_burglary"]
    assert len(ind.monthly) >= 24 and ind.monthly[-1].month == LAST
    expected = independent_series(
        "Barnet", "residential_burglary", ind.monthly[0].month, LAST, date(2024, 1, 1)
    )
    assert {p.month: p.count for p in ind.monthly} == expected
    dec = ind.monthly[-1]
    assert dec.rate == pytest.approx(dec.count / naive_population()[("Barnet", 2023)] * 10_000)


def test_all_32_boroughs_produce_a_dashboard_and_ranks_are_a_ranking(loaded_warehouse) -> None:
    reports = api.dashboards(
        [a.name for a in LONDON],
        "2023-10",
        "2023-12",
        vintage="2024-01",
        warehouse=loaded_warehouse,
        taxonomy_files=[],
    )
    assert len(reports) == 32
    for iid in PER:
        ranks = sorted(next(i for i in r.indicators if i.id == iid).london_rank for r in reports)
        assert len(ranks) == 32 and ranks[0] == 1
        # a ranking of 32 areas: each rank r is held by k areas and the next rank is r + k
        position = 1
        for rank in sorted(set(ranks)):
            assert rank == position
            position += ranks.count(rank)


def test_comparators_and_incomplete_period(loaded_warehouse) -> None:
    report = api.dashboard(
        "2024-12",
        "2025-02",
        area="Brent",
        comparators=["Brent", "Ealing", "Hounslow", "Harrow"],
        warehouse=loaded_warehouse,
        taxonomy_files=[],
    )
    burglary = by_id(report)["residential_burglary"]
    assert burglary.comparator_rank_of == 4 and report.area.name == "Brent"
    later = api.dashboard(
        "2025-01",
        "2025-03",
        area="Barnet",
        warehouse=loaded_warehouse,
        taxonomy_files=[],
    )
    ind = by_id(later)["residential_burglary"]
    assert ind.available is False and ind.count is None
    assert ind.status == "incomplete"
    assert ind.unavailable_reason == "no loaded file covers 2025-03 for Barnet"


@pytest.fixture(scope="module")
def with_dashboard_data(tmp_path_factory):
    """Borough files, population and the generated MPS Monthly Crime Dashboard fixture."""
    from conftest import BOROUGH, POPULATION
    from test_mps_dashboard import FIXTURE

    path = tmp_path_factory.mktemp("dash") / "wh.duckdb"
    api.ingest([BOROUGH, POPULATION, FIXTURE], warehouse=path, taxonomy_files=[])
    return path


def test_dashboard_data_indicators(with_dashboard_data) -> None:
    from test_mps_dashboard import DA_VWI, GUN, KNIFE, naive_rows, naive_sum

    report = api.dashboard(
        "2023-10",
        "2023-12",
        area="Barnet",
        vintage="2024-01",
        warehouse=with_dashboard_data,
        taxonomy_files=[],
    )
    rows = naive_rows()
    months = [date(2023, 10, 1), date(2023, 11, 1), date(2023, 12, 1)]
    last_year = [shift(m, -12) for m in months]
    pops = naive_population()
    for iid, subgroup, per in [
        ("knife_crime_with_injury", KNIFE, 1_000_000),
        ("gun_crime_lethal_barrelled_discharge", GUN, 1_000_000),
        ("domestic_abuse_violence_with_injury", DA_VWI, 100_000),
    ]:
        ind = by_id(report)[iid]
        assert ind.available, ind.unavailable_reason
        assert ind.count == sum(
            naive_sum(rows, "E09000003", subgroup, "Offences", m) for m in months
        )
        assert ind.comparison_count == sum(
            naive_sum(rows, "E09000003", subgroup, "Offences", m) for m in last_year
        )
        rates = {
            a.name: sum(naive_sum(rows, a.code, subgroup, "Offences", m) for m in months)
            / pops[(a.name, 2023)]
            * per
            for a in LONDON
        }
        assert ind.london_rank == competition_ranks(rates)["Barnet"]
        assert ind.london_rank_of == 32
