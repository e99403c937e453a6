"""The stop-and-search profile against an independent computation on the real CSVs."""

from __future__ import annotations

import csv
from collections import Counter

import pytest
from conftest import POPULATION, SHARED_DATA
from typer.testing import CliRunner

import cspkit.api as api
from cspkit.cli import app
from cspkit.sources.boundaries import read_boundaries

BOROUGHS = SHARED_DATA / "boundaries" / "london_boroughs.geojson"
MET = SHARED_DATA / "police_uk" / "metropolitan"
WESTMINSTER = "E09000033"


@pytest.fixture(scope="module")
def searches_warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("ss") / "wh.duckdb"
    api.ingest([MET / "2018-06", POPULATION / "census2021"], warehouse=path, taxonomy_files=[])
    return path


@pytest.fixture(scope="module")
def independent():
    """Westminster's June 2018 searches: the CSV read with csv, placed by ray casting."""
    shapes = read_boundaries(BOROUGHS)  # its pure-Python point_in_area, not shapely
    rows, no_coords, outside = [], 0, 0
    with (MET / "2018-06" / "2018-06-metropolitan-stop-and-search.csv").open(
        encoding="utf-8-sig", newline=""
    ) as handle:
        for rec in csv.DictReader(handle):
            if not rec["Latitude"] or not rec["Longitude"]:
                no_coords += 1
                continue
            code = shapes.point_in_area(float(rec["Longitude"]), float(rec["Latitude"]))
            if code is None:
                outside += 1
            elif code == WESTMINSTER:
                rows.append(rec)
    return rows, no_coords, outside


@pytest.fixture(scope="module")
def profile(searches_warehouse):
    return api.stop_search(
        "2018-06",
        "2018-06",
        area="Westminster",
        force="metropolitan",
        boundaries=BOROUGHS,
        warehouse=searches_warehouse,
    )


def test_volume_and_unplaced(profile, independent) -> None:
    rows, no_coords, outside = independent
    assert profile.searches == len(rows) == 451
    assert profile.unplaced == {"no_coordinates": no_coords, "outside_every_area": outside}


def test_breakdowns_and_positive_outcome(profile, independent) -> None:
    rows, _, _ = independent
    outcomes = Counter(r["Outcome"] for r in rows)
    assert profile.by_outcome == dict(sorted(outcomes.items(), key=lambda kv: (-kv[1], kv[0])))
    recorded = [r for r in rows if r["Outcome"]]
    positive = sum(1 for r in recorded if r["Outcome"] != "A no further action disposal")
    assert profile.positive_outcome_pct == round(positive / len(recorded) * 100, 1)
    assert profile.by_age.get("10-17", 0) == sum(1 for r in rows if r["Age range"] == "10-17")
    assert profile.find_rate_pct is None and "blank" in profile.find_rate_note


def test_disproportionality(profile, independent) -> None:
    rows, _, _ = independent
    black = sum(1 for r in rows if r["Self-defined ethnicity"].startswith("Black/"))
    white = sum(1 for r in rows if r["Self-defined ethnicity"].startswith("White"))
    residents = Counter()
    with (POPULATION / "census2021" / "TS021-2021-2.csv").open(encoding="utf-8") as handle:
        for rec in csv.DictReader(handle):
            if rec["Lower Tier Local Authorities Code"] == WESTMINSTER:
                group = rec["Ethnic group (20 categories)"].split(":")[0]
                residents[group] += int(rec["Observation"])
    black_pop = residents["Black, Black British, Black Welsh, Caribbean or African"]
    white_pop = residents["White"]
    row = next(r for r in profile.disproportionality if r["group"] == "Black")
    assert row["searches"] == black
    assert row["rate_per_1000"] == pytest.approx(black / black_pop * 1000)
    assert row["ratio_to_white"] == pytest.approx((black / black_pop) / (white / white_pop))
    assert row["ci_low"] < row["ratio_to_white"] < row["ci_high"]


def test_boundaries_are_required_and_cli_writes_json(searches_warehouse, tmp_path) -> None:
    from cspkit.errors import CspkitError

    with pytest.raises(CspkitError, match="give the area boundaries with --boundaries"):
        api.stop_search("2018-06", "2018-06", area="Westminster", warehouse=searches_warehouse)
    out = tmp_path / "ss.json"
    result = CliRunner().invoke(
        app,
        [
            "stop-search",
            "--area",
            "Westminster",
            "--from",
            "2018-06",
            "--to",
            "2018-06",
            "--boundaries",
            str(BOROUGHS),
            "--format",
            "json",
            "--out",
            str(out),
            "--warehouse",
            str(searches_warehouse),
        ],
    )
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(out.read_text())
    for key in (
        "area",
        "period",
        "searches",
        "unplaced",
        "positive_outcome_pct",
        "by_outcome",
        "by_object",
        "by_age",
        "by_ethnicity",
        "disproportionality",
        "monthly",
    ):
        assert key in data
    assert {"group", "rate_per_1000", "ratio_to_white", "ci_low", "ci_high"} <= set(
        data["disproportionality"][0]
    )


def test_needs_assessment_gains_stop_search_and_street_crime(tmp_path) -> None:
    """Issue 5: the SNA pack shows stop and search and street-level crime by ward."""
    street = SHARED_DATA / "police_uk" / "city-of-london" / "2023-10"
    lookups = SHARED_DATA / "lookups"
    wh = tmp_path / "wh.duckdb"
    api.ingest(
        [MET / "2018-06", street, lookups, POPULATION / "census2021"],
        warehouse=wh,
        taxonomy_files=[],
    )
    westminster = api.sna(
        "2018-06",
        "2018-06",
        area="Westminster",
        search_boundaries=BOROUGHS,
        warehouse=wh,
        taxonomy_files=[],
    )
    assert westminster.stop_search["available"]
    assert westminster.stop_search["profile"].searches == 451
    no_shapes = api.sna("2018-06", "2018-06", area="Westminster", warehouse=wh, taxonomy_files=[])
    assert no_shapes.stop_search == {
        "available": False,
        "reason": "no boundaries were given to place searches (--search-boundaries)",
    }
    # street-level crimes by ward, through the lookup read here with csv
    ward_of, in_city = {}, set()
    with next(lookups.glob("*.csv")).open(encoding="utf-8-sig", newline="") as handle:
        for rec in csv.DictReader(handle):
            ward_of[rec["LSOA21CD"]] = rec["WD25CD"]
            if rec["LAD25CD"] == "E09000001":
                in_city.add(rec["WD25CD"])
    expected = Counter()
    with next(street.glob("*.csv")).open(encoding="utf-8-sig", newline="") as handle:
        for rec in csv.DictReader(handle):
            ward = ward_of.get(rec["LSOA code"])
            if rec["Crime ID"] and ward in in_city:
                expected[ward] += 1
    city = api.sna("2023-10", "2023-10", area="City of London", warehouse=wh, taxonomy_files=[])
    assert city.street_crime["available"]
    assert {r["code"]: r["crimes"] for r in city.street_crime["rows"]} == dict(expected)


def test_find_rate_and_coverage_are_not_overstated() -> None:
    from datetime import date

    from cspkit.products.stop_search import SearchInputs, stop_search_profile

    n = 120
    inputs = SearchInputs(
        area="Somewhere",
        code="E09000099",
        force=None,
        first=date(2024, 1, 1),
        last=date(2024, 12, 1),
        months=[date(2024, 9, 1)] * n,
        types=["Person search"] * n,
        genders=["Male"] * n,
        age_ranges=["18-24"] * n,
        self_defined=[None] * n,
        officer_defined=[None] * n,
        legislation=[None] * n,
        objects=["Controlled drugs"] * n,
        outcomes=["Arrest"] * n,
        linked=[False] * n,
        source_kinds=["api"] * n,
        unplaced={"no_coordinates": 0, "outside_every_area": 0},
        census_ethnicity={},
    )
    profile = stop_search_profile(inputs)
    assert profile.find_rate_pct is None and "false on every record" in profile.find_rate_note
    assert "records were found only from September 2024 to September 2024" in profile.sentences[0]
    assert profile.positive_outcome_pct == 100.0
