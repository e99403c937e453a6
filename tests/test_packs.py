"""Needs assessment and strategic assessment figures against independent computations."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import (
    BOROUGH_FILES,
    month_list,
    naive_population,
    naive_read,
    naive_vintage,
)

import cspkit.api as api
from cspkit.taxonomy.areas import area_directory

LONDON = [a.name for a in area_directory().areas if a.kind == "london_borough"]
ROBBERY = {("robbery", "robbery of personal property"), ("robbery", "robbery of business property")}
BURGLARY = {
    ("burglary", "domestic burglary"),
    ("burglary", "burglary in a dwelling"),
    ("burglary", "burglary - residential"),
    ("burglary", "burglary business and community"),
    ("burglary", "burglary non-dwelling"),
}


def naive_total(area: str, first: date, last: date, as_of: date | None, names=None) -> int:
    """Sum of the rows (all, or those named) for an area, newest release per month."""
    files = [(naive_read(p), naive_vintage(p)) for p in BOROUGH_FILES]
    files = [(d, v) for d, v in files if as_of is None or v <= as_of]
    total = 0
    for month in month_list(first, last):
        _, rows = max(
            ((v, rows) for (months, rows), v in files if month in months), key=lambda c: c[0]
        )
        total += sum(
            r["counts"][month]
            for r in rows
            if r["area"] == area
            and (names is None or (r["major"].lower(), r["minor"].lower()) in names)
        )
    return total


@pytest.fixture(scope="module")
def sna(loaded_warehouse):
    return api.sna(
        "2022-01",
        "2023-10",
        area="Barnet",
        vintage="2024-01",
        warehouse=loaded_warehouse,
        taxonomy_files=[],
    )


def test_league_table_issue_figures(sna) -> None:
    """Issue 4: Barnet, January 2022 - October 2023 at vintage 2024-01: 52,402, 16th of 32."""
    barnet = next(r for r in sna.league_table if r.is_home)
    assert (barnet.count, barnet.rank_by_count) == (52402, 16)
    assert barnet.count == naive_total(
        "Barnet", date(2022, 1, 1), date(2023, 10, 1), date(2024, 1, 1)
    )
    assert len(sna.league_table) == 32
    assert "holds the 16th position" in sna.league_sentence


def test_league_rates_and_rank_by_rate(sna) -> None:
    pops = naive_population()
    rates = {r.area: r.count / pops[(r.area, 2023)] * 1000 for r in sna.league_table}
    expected = {a: 1 + sum(1 for o in rates.values() if o > v) for a, v in rates.items()}
    assert {r.area: r.rank_by_rate for r in sna.league_table} == expected
    for row in sna.league_table:
        assert row.rate_per_1000 == pytest.approx(rates[row.area])


def test_year_end_comparison(sna) -> None:
    rows = {r.id: r for r in sna.year_end_comparison}
    assert [r.id for r in sna.year_end_comparison] == [
        "homicide",
        "violence_with_injury",
        "violence_without_injury",
        "sexual_offences",
        "robbery",
        "theft",
        "burglary",
        "criminal_damage_and_arson",
        "drug_offences",
        "possession_of_weapons",
        "total",
    ]
    as_of = date(2024, 1, 1)
    current = naive_total("Barnet", date(2022, 11, 1), date(2023, 10, 1), as_of, ROBBERY)
    previous = naive_total("Barnet", date(2021, 11, 1), date(2022, 10, 1), as_of, ROBBERY)
    assert (rows["robbery"].previous, rows["robbery"].current) == (previous, current)
    assert rows["robbery"].change_pct == round((current - previous) / previous * 100, 1)
    assert rows["total"].current == naive_total(
        "Barnet", date(2022, 11, 1), date(2023, 10, 1), as_of
    )
    assert rows["robbery"].significance["significant"] is True


def test_headline_says_what_is_missing(sna) -> None:
    missing = {h.id: h for h in sna.headline if not h.available}
    assert set(missing) == {
        "knife_crime_with_injury",
        "gun_crime_lethal_barrelled_discharge",
        "domestic_abuse_violence_with_injury",
    }
    assert all("MPS Monthly Crime Dashboard" in h.reason for h in missing.values())


def test_trends_have_sentences_only_for_signals(sna) -> None:
    assert len(sna.trends) == 11
    for trend in sna.trends:
        flagged = [p for p in trend["monthly"] if p["signals"]]
        assert bool(trend["sentences"]) == bool(trend["signals"])
        if not trend["signals"]:
            assert not flagged


def test_serious_violence_states_what_it_cannot_measure(sna) -> None:
    sv = sna.serious_violence
    assert "the victim's or suspect's age" in sv["statement"]
    assert sv["measured_offences"] == [
        "homicide",
        "violence_with_injury",
        "rape",
        "personal_robbery",
    ]


@pytest.fixture(scope="module")
def assessment(loaded_warehouse):
    return api.assess("2022/23", area="Barnet", warehouse=loaded_warehouse, taxonomy_files=[])


def test_assessment_rates_against_london(assessment) -> None:
    first, last = date(2022, 4, 1), date(2023, 3, 1)
    pops = naive_population()
    counts = {a: naive_total(a, first, last, None) for a in LONDON}
    rates = {a: counts[a] / pops[(a, 2023)] * 1000 for a in LONDON}
    rank = 1 + sum(1 for v in rates.values() if v < rates["Barnet"])
    average = sum(counts.values()) / sum(pops[(a, 2023)] for a in LONDON) * 1000
    total = next(r for r in assessment.rates if r["id"] == "total")
    assert total["count"] == counts["Barnet"]
    assert total["london_rank"] == rank
    assert total["london_average_rate"] == pytest.approx(average)
    assert total["pct_vs_london_average"] == round((rates["Barnet"] - average) / average * 100, 1)
    assert f"the {rank}th lowest rate of 32" in assessment.sentences[0]


def test_assessment_long_term_burglary(assessment) -> None:
    row = next(r for r in assessment.long_term_trend if r["id"] == "burglary")
    expected = {
        label: naive_total("Barnet", date(y, 4, 1), date(y + 1, 3, 1), None, BURGLARY)
        for label, y in (("2017/18", 2017), ("2021/22", 2021), ("2022/23", 2022))
    }
    assert row["counts"] == expected
    assert row["change_5y_pct"] == round(
        (expected["2022/23"] - expected["2017/18"]) / expected["2017/18"] * 100, 1
    )
    fewer = expected["2017/18"] - expected["2022/23"]
    sentence = next(s for s in assessment.sentences if "burglaries" in s)
    assert f"{fewer // 100 * 100:,} fewer burglaries" in sentence


def test_assessment_bad_year() -> None:
    from cspkit.errors import CspkitError

    with pytest.raises(CspkitError, match="'2022/24' is not a financial year"):
        api.assess("2022/24", warehouse="/nonexistent.duckdb")


@pytest.fixture(scope="module")
def ward_warehouse(tmp_path_factory):
    from conftest import POPULATION, SHARED_DATA

    path = tmp_path_factory.mktemp("wards") / "wh.duckdb"
    api.ingest(
        [SHARED_DATA / "mps" / "ward", POPULATION, SHARED_DATA / "lookups"],
        warehouse=path,
        taxonomy_files=[],
    )
    return path


def naive_ward_total(ward_code: str, first: date, last: date) -> int:
    """The ward files read with csv: newest 24-month file per month, summed."""
    import csv

    from conftest import SHARED_DATA

    files = []
    for path in sorted((SHARED_DATA / "mps" / "ward").glob("vintage-*/*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        months = [date(int(h[:4]), int(h[4:]), 1) for h in rows[0][5:]]
        files.append((months[-1], months, rows[1:]))
    total = 0
    for month in month_list(first, last):
        _, months, rows = max((f for f in files if month in f[1]), key=lambda f: f[0])
        index = 5 + months.index(month)
        total += sum(int(r[index]) for r in rows if r[3] == ward_code and r[4] == "Barnet")
    return total


def test_ward_section_against_the_ward_files(ward_warehouse) -> None:
    [section] = api.ward_pack(["Barnet"], "2023-10", warehouse=ward_warehouse, taxonomy_files=[])
    assert section["available"] and section["code_sets"] == ["2022"]
    assert len(section["rows"]) == 24
    for row in section["rows"][:5]:
        assert row["count"] == naive_ward_total(row["code"], date(2022, 11, 1), date(2023, 10, 1))
        assert row["rate_per_1000"] == pytest.approx(row["count"] / row["population"] * 1000)
    ranks = [r["rank"] for r in section["rows"]]
    assert ranks == sorted(ranks) and ranks[0] == 1
    assert all(
        r["band"] in {"under 1", "1 to 1.5", "1.5 to 2", "2 to 3", "3 to 5", "over 5"}
        for r in section["rows"]
    )


def test_ward_map_lists_wards_without_a_boundary(ward_warehouse) -> None:
    from conftest import SHARED_DATA

    shapes = SHARED_DATA / "boundaries" / "london-wards-2018" / "London_Ward.shp"
    report = api.sna(
        "2022-11",
        "2023-10",
        area="Barnet",
        boundaries=shapes,
        warehouse=ward_warehouse,
        taxonomy_files=[],
    )
    # 2022 wards against 2018 boundaries: no map, every ward listed, none dropped
    assert "map" not in report.wards and len(report.wards["unmatched"]) == 24
    assert any("None of the 24 wards has a boundary" in n for n in report.wards["notes"])
    old = api.sna(
        "2021-09",
        "2022-08",
        area="Barnet",
        vintage="2022-08",
        boundaries=shapes,
        warehouse=ward_warehouse,
        taxonomy_files=[],
    )
    assert old.wards["code_sets"] == ["2018"] and old.wards["unmatched"] == []
    svg = old.wards["map"].svg
    assert svg.count("<path") >= 21 and "1.5 to 2" in svg


def test_data_sources_name_the_ward_files_and_boundaries(ward_warehouse) -> None:
    from conftest import SHARED_DATA

    shapes = SHARED_DATA / "boundaries" / "london-wards-2018" / "London_Ward.shp"
    report = api.sna(
        "2021-09",
        "2022-08",
        area="Barnet",
        vintage="2022-08",
        boundaries=shapes,
        warehouse=ward_warehouse,
        taxonomy_files=[],
    )
    paths = [s.path for s in report.sources]
    ward_file = SHARED_DATA / "mps" / "ward" / "vintage-2022-08"
    assert any(p.startswith(str(ward_file)) for p in paths)
    assert str(shapes) in paths
    assert any(s.note == "ward population" for s in report.sources)
