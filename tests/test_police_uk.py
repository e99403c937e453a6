"""data.police.uk: street-level crime, outcomes and stop and search, checked against the
shared files read independently with the csv and json modules."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pytest
import shapely
from conftest import SHARED_DATA, file_digest

import cspkit
from cspkit.api import expand_paths
from cspkit.errors import CspkitError, SourceFormatError, UnknownLayout
from cspkit.measures import national_grid
from cspkit.sources import read_file
from cspkit.sources.boundaries import read_boundaries
from cspkit.sources.datasets import PoliceArchiveFile
from cspkit.sources.police_uk import archive_name, force_slug
from cspkit.warehouse import police_geo, police_load
from cspkit.warehouse.police_geo import (
    NO_SUSPECT,
    crime_counts_by,
    latest_outcomes,
    outcome_summary,
    place_searches,
)

POLICE = SHARED_DATA / "police_uk"
CITY = POLICE / "city-of-london"
MET = POLICE / "metropolitan"
API = POLICE / "api-json" / "metropolitan"
LOOKUPS = SHARED_DATA / "lookups"
LOOKUP_FILE = next(LOOKUPS.glob("*.csv"))
BOROUGHS = SHARED_DATA / "boundaries" / "london_boroughs.geojson"
WARDS_2018 = SHARED_DATA / "boundaries" / "london-wards-2018" / "London_Ward.shp"
STREET_FILES = sorted(CITY.glob("*/*-street.csv"))
SEARCH_FILES = sorted(POLICE.glob("*/*/*-stop-and-search.csv"))
API_FILES = sorted(API.glob("stops-force-*.json"))
STREET_2023_10 = CITY / "2023-10" / "2023-10-city-of-london-street.csv"
MET_2018_06 = MET / "2018-06" / "2018-06-metropolitan-stop-and-search.csv"
ASB = "Anti-social behaviour"


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def read_lines(path: Path) -> list[tuple[int, dict]]:
    """(line, row) pairs, the header being line 1."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        return [(reader.line_num, row) for row in reader]


def lookup() -> dict[str, dict]:
    return {row["LSOA21CD"]: row for row in read_csv(LOOKUP_FILE)}


@pytest.fixture(scope="session")
def police_wh(tmp_path_factory) -> Path:
    """Every shared data.police.uk file and the LSOA lookup (read-only use)."""
    path = tmp_path_factory.mktemp("police") / "warehouse.duckdb"
    cspkit.ingest([POLICE, LOOKUPS], warehouse=path, taxonomy_files=[])
    return path


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


def month(text: str) -> date:
    return date(int(text[:4]), int(text[5:7]), 1)


# --- reading -----------------------------------------------------------------------------------


def test_the_bundle_is_what_provenance_says() -> None:
    assert len(STREET_FILES) == 27
    assert STREET_FILES[0].parent.name == "2023-10" and STREET_FILES[-1].parent.name == "2025-12"
    assert len(list(MET.glob("*/*.csv"))) == 11 and len(list(CITY.glob("*/*-stop*.csv"))) == 32
    assert len(API_FILES) == 8


def test_every_shared_file_is_stored_with_its_rows(police_wh) -> None:
    with connect(police_wh) as con:
        stored = dict(
            con.execute(
                """SELECT f.path, count(*) FROM files f JOIN (
                       SELECT file_id FROM street_crimes UNION ALL
                       SELECT file_id FROM stop_searches) USING (file_id)
                   GROUP BY 1"""
            ).fetchall()
        )
        recorded = dict(con.execute("SELECT path, n_rows FROM files").fetchall())
    for path in [*STREET_FILES, *SEARCH_FILES]:
        assert stored[str(path)] == len(read_csv(path)) == recorded[str(path)], path
    for path in API_FILES:
        assert stored[str(path)] == len(json.loads(path.read_text())) == recorded[str(path)]


def test_city_of_london_2023_10_by_crime_type(police_wh) -> None:
    expected = Counter(row["Crime type"] for row in read_csv(STREET_2023_10))
    with connect(police_wh) as con:
        found = dict(
            con.execute(
                """SELECT crime_type, count(*) FROM street_crimes
                   WHERE force = 'city-of-london' AND month = DATE '2023-10-01' GROUP BY 1"""
            ).fetchall()
        )
    assert found == dict(expected)
    assert sum(found.values()) == 851


def test_every_record_keeps_its_file_and_line(police_wh) -> None:
    rows = dict(read_lines(STREET_2023_10))
    searches = dict(read_lines(MET_2018_06))
    with connect(police_wh) as con:
        crimes = con.execute(
            """SELECT s.line, s.crime_id, s.crime_type, s.longitude, s.lsoa_code, s.is_asb
               FROM street_crimes s JOIN files f USING (file_id) WHERE f.path = ?""",
            [str(STREET_2023_10)],
        ).fetchall()
        stops = con.execute(
            """SELECT s.line, s.datetime, s.latitude, s.outcome, s.part_of_operation
               FROM stop_searches s JOIN files f USING (file_id) WHERE f.path = ?""",
            [str(MET_2018_06)],
        ).fetchall()
    assert len(crimes) == len(rows)
    for line, crime_id, crime_type, lon, lsoa, is_asb in crimes:
        row = rows[line]
        assert (crime_id or "", crime_type, lsoa or "") == (
            row["Crime ID"],
            row["Crime type"],
            row["LSOA code"],
        )
        assert lon == (float(row["Longitude"]) if row["Longitude"] else None)
        assert is_asb == (row["Crime ID"] == "")
    assert len(stops) == len(searches)
    for line, moment, lat, outcome, operation in stops:
        row = searches[line]
        utc = datetime.fromisoformat(row["Date"]).replace(tzinfo=None)
        assert (moment, outcome or "") == (utc, row["Outcome"])
        assert lat == (float(row["Latitude"]) if row["Latitude"] else None)
        assert (
            operation
            == {"True": True, "False": False, "": None}[row["Part of a policing operation"]]
        )


def test_api_json_counts_and_list_index(police_wh) -> None:
    with connect(police_wh) as con:
        for path in API_FILES:
            records = json.loads(path.read_text())
            stored = con.execute(
                """SELECT s.line, s.datetime, s.type, s.latitude, s.month, s.force
                   FROM stop_searches s JOIN files f USING (file_id)
                   WHERE f.path = ? ORDER BY s.line""",
                [str(path)],
            ).fetchall()
            assert len(stored) == len(records)
            assert {r[4] for r in stored} == {month(path.stem[-7:])}
            assert {r[5] for r in stored} == {"metropolitan"}
            for line, moment, kind, lat, *_ in stored[::97]:
                record = records[line]  # the stored line is the list index
                assert moment == datetime.fromisoformat(record["datetime"]).replace(tzinfo=None)
                assert kind == record["type"]
                location = record["location"]
                assert lat == (float(location["latitude"]) if location else None)


def test_sources_are_told_apart(police_wh) -> None:
    with connect(police_wh) as con:
        kinds = dict(
            con.execute("SELECT source_kind, count(*) FROM stop_searches GROUP BY 1").fetchall()
        )
    assert kinds == {
        "csv": sum(len(read_csv(p)) for p in SEARCH_FILES),
        "api": sum(len(json.loads(p.read_text())) for p in API_FILES),
    }


def test_a_month_folder(tmp_path) -> None:
    report = cspkit.ingest([CITY / "2023-10"], warehouse=tmp_path / "w.duckdb", taxonomy_files=[])
    [result] = report.files
    assert (result.status, result.rows) == ("loaded", 851)
    assert (result.first_month, result.last_month) == (date(2023, 10, 1), date(2023, 10, 1))
    assert result.layout == "data.police.uk street-level crime"
    expected_asb = sum(row["Crime ID"] == "" for row in read_csv(STREET_2023_10))
    assert f"{expected_asb} anti-social behaviour rows kept apart" in result.note


def test_a_zip_archive_is_read_without_extracting(tmp_path) -> None:
    archive = tmp_path / "2023-11.zip"
    members = [
        STREET_2023_10,
        CITY / "2023-11" / "2023-11-city-of-london-street.csv",
        MET_2018_06,
        API_FILES[0],
    ]
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for path in members:
            out.write(path, str(path.relative_to(POLICE)))
    before = sorted(p.name for p in tmp_path.iterdir())
    report = cspkit.ingest([archive], warehouse=tmp_path / "z.duckdb", taxonomy_files=[])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [*before, "z.duckdb", "z.duckdb.lock"]
    )
    assert [r.status for r in report.files] == ["loaded"] * 4
    paths = {Path(r.path.split("!/")[1]).name: r for r in report.files}
    for path in members[:3]:
        result = paths[path.name]
        assert result.path == f"{archive}!/{path.relative_to(POLICE)}"
        assert result.rows == len(read_csv(path))
    assert paths[API_FILES[0].name].rows == len(json.loads(API_FILES[0].read_text()))
    # read through Python's csv module, the lines are the same as DuckDB's
    folder = tmp_path / "folder.duckdb"
    cspkit.ingest(members, warehouse=folder, taxonomy_files=[])
    query = """SELECT month, line, crime_id, crime_type, longitude, latitude, lsoa_code, is_asb
               FROM street_crimes ORDER BY ALL"""
    with connect(tmp_path / "z.duckdb") as zipped, connect(folder) as plain:
        assert zipped.execute(query).fetchall() == plain.execute(query).fetchall()
        stops = "SELECT * EXCLUDE (file_id) FROM stop_searches ORDER BY ALL"
        assert zipped.execute(stops).fetchall() == plain.execute(stops).fetchall()
    # the zip's members are skipped as already loaded when the files come again
    again = cspkit.ingest(members, warehouse=tmp_path / "z.duckdb", taxonomy_files=[])
    assert {r.status for r in again.files} == {"already loaded"}


def test_folders_yield_csv_json_and_zip(tmp_path) -> None:
    for name in ("a.csv", "b.JSON", "c.zip", "d.geojson", "e.txt"):
        (tmp_path / name).write_text("x")
    assert [p.name for p in expand_paths([tmp_path])] == ["a.csv", "b.JSON", "c.zip"]


def test_read_file_reads_a_police_file_in_memory() -> None:
    dataset = read_file(MET_2018_06)
    assert isinstance(dataset, PoliceArchiveFile)
    assert (dataset.kind, dataset.force, dataset.month) == (
        "stop-and-search",
        "metropolitan",
        date(2018, 6, 1),
    )
    assert dataset.disk_path is None  # read from memory, through Python


def test_names_and_force_slugs() -> None:
    assert archive_name("2018-04-city-of-london-stop-and-search.csv") == (
        date(2018, 4, 1),
        "city-of-london",
        "stop-and-search",
    )
    assert archive_name("2023-10-avon-and-somerset-outcomes.csv")[1:] == (
        "avon-and-somerset",
        "outcomes",
    )
    assert archive_name("2023-13-kent-street.csv") is None
    assert archive_name("street.csv") is None
    slugs = {
        "Metropolitan Police Service": "metropolitan",
        "City of London Police": "city-of-london",
        "Devon & Cornwall Police": "devon-and-cornwall",
        "Dyfed-Powys Police": "dyfed-powys",
        "Avon and Somerset Constabulary": "avon-and-somerset",
        "Police Service of Northern Ireland": "northern-ireland",
        "British Transport Police": "btp",
        "Hampshire Constabulary": "hampshire",
        "Thames Valley Police": "thames-valley",
    }
    assert {name: force_slug(name) for name in slugs} == slugs


def test_force_from_reported_by_when_the_name_does_not_say(tmp_path) -> None:
    copy = tmp_path / "my-download.csv"
    shutil.copyfile(STREET_2023_10, copy)
    report = cspkit.ingest([copy], warehouse=tmp_path / "w.duckdb", taxonomy_files=[])
    assert report.files[0].note.startswith("force city-of-london;")
    with connect(tmp_path / "w.duckdb") as con:
        assert con.execute("SELECT DISTINCT force, month FROM street_crimes").fetchall() == [
            ("city-of-london", date(2023, 10, 1))
        ]


# --- a month loaded twice is loaded once -----------------------------------------------------


def _changed_copy(folder: Path, source: Path, old: str, new: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = source.read_bytes().decode("utf-8")
    assert old in text
    target = folder / source.name
    target.write_bytes(text.replace(old, new, 1).encode("utf-8"))
    return target


def test_the_same_month_twice_replaces_not_doubles(tmp_path) -> None:
    wh = tmp_path / "w.duckdb"
    cspkit.ingest([CITY / "2023-10", CITY / "2023-11"], warehouse=wh, taxonomy_files=[])
    fixed = _changed_copy(tmp_path / "reissue", STREET_2023_10, ",Other theft,", ",Bicycle theft,")
    report = cspkit.ingest([fixed], warehouse=wh, taxonomy_files=[])
    [result] = report.files
    assert result.status == "loaded"
    assert result.note.endswith(f"replaces {STREET_2023_10}")
    expected = Counter(row["Crime type"] for row in read_csv(STREET_2023_10))
    expected["Other theft"] -= 1
    expected["Bicycle theft"] += 1
    with connect(wh) as con:
        by_type = dict(
            con.execute(
                """SELECT crime_type, count(*) FROM street_crimes
                   WHERE month = DATE '2023-10-01' GROUP BY 1"""
            ).fetchall()
        )
        files = [r[0] for r in con.execute("SELECT path FROM files ORDER BY file_id").fetchall()]
        months = con.execute(
            "SELECT f.path, m.month FROM file_months m JOIN files f USING (file_id) ORDER BY 2"
        ).fetchall()
        november = con.execute(
            "SELECT count(*) FROM street_crimes WHERE month = DATE '2023-11-01'"
        ).fetchone()[0]
    assert by_type == dict(expected)
    assert files == [str(CITY / "2023-11" / "2023-11-city-of-london-street.csv"), str(fixed)]
    assert months == [(str(fixed), date(2023, 10, 1)), (files[0], date(2023, 11, 1))]
    assert november == 847  # other months untouched
    # the old bytes again: loaded again, and it replaces the re-issue (the last load wins)
    back = cspkit.ingest([STREET_2023_10], warehouse=wh, taxonomy_files=[])
    assert back.files[0].note.endswith(f"replaces {fixed}")
    # the same bytes once more: skipped
    same = cspkit.ingest([STREET_2023_10], warehouse=wh, taxonomy_files=[])
    assert same.files[0].status == "already loaded"


def test_both_versions_in_one_load_keep_the_later(tmp_path) -> None:
    fixed = _changed_copy(tmp_path / "z-reissue", MET_2018_06, ",Arrest,", ",Community resolution,")
    wh = tmp_path / "w.duckdb"
    report = cspkit.ingest([MET_2018_06, fixed], warehouse=wh, taxonomy_files=[])
    assert [r.status for r in report.files] == ["loaded", "loaded"]
    assert report.files[1].note.endswith(f"replaces {MET_2018_06}")
    with connect(wh) as con:
        assert con.execute("SELECT count(*) FROM stop_searches").fetchone()[0] == 10581
        assert con.execute("SELECT count(*) FROM files").fetchone()[0] == 1


def test_api_and_csv_of_one_month_are_both_kept(tmp_path) -> None:
    folder = tmp_path / "metropolitan"
    folder.mkdir()
    records = json.loads(API_FILES[0].read_text())[:3]
    (folder / "stops-force-2018-06.json").write_text(json.dumps(records))
    wh = tmp_path / "w.duckdb"
    report = cspkit.ingest([MET_2018_06, folder], warehouse=wh, taxonomy_files=[])
    assert all("replaces" not in r.note for r in report.files)
    with connect(wh) as con:
        kinds = con.execute(
            "SELECT source_kind, count(*) FROM stop_searches GROUP BY 1 ORDER BY 1"
        ).fetchall()
    assert kinds == [("api", 3), ("csv", 10581)]


# --- crimes placed by LSOA -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "code", "name"),
    [
        ("lsoa", "LSOA21CD", "LSOA21NM"),
        ("ward", "WD25CD", "WD25NM"),
        ("authority", "LAD25CD", "LAD25NM"),
    ],
)
def test_crimes_by_area_against_the_lookup_read_with_csv(police_wh, level, code, name) -> None:
    lk = lookup()
    expected: Counter = Counter()
    no_lsoa = not_in_lookup = asb = crimes = 0
    for path in STREET_FILES[:6]:  # 2023-10 .. 2024-03
        for row in read_csv(path):
            if row["Crime ID"] == "":
                asb += 1
                continue
            crimes += 1
            if not row["LSOA code"]:
                no_lsoa += 1
            elif row["LSOA code"] not in lk:
                not_in_lookup += 1
            else:
                entry = lk[row["LSOA code"]]
                expected[(entry[code], entry[name], row["Crime type"], month(row["Month"]))] += 1
    with connect(police_wh) as con:
        result = crime_counts_by(
            con, level, force="city-of-london", first="2023-10", last="2024-03"
        )
    found = {(r.code, r.name, r.crime_type, r.month): r.count for r in result.rows}
    assert found == dict(expected)
    assert (result.crimes, result.no_lsoa, result.lsoa_not_in_lookup, result.asb) == (
        crimes,
        no_lsoa,
        not_in_lookup,
        asb,
    )
    assert result.placed + result.unplaced == result.crimes
    assert sum(r.count for r in result.rows) == result.placed
    assert ASB not in {r.crime_type for r in result.rows}
    assert result.lookup == str(LOOKUP_FILE.resolve())


def test_city_crimes_fall_in_neighbouring_boroughs_too(police_wh) -> None:
    with connect(police_wh) as con:
        result = crime_counts_by(con, "authority", first="2023-10", last="2025-12")
    totals = Counter()
    for r in result.rows:
        totals[r.name] += r.count
    assert totals.most_common(1)[0][0] == "City of London"
    assert {"Tower Hamlets", "Camden", "Islington", "Westminster"} <= set(totals)
    assert result.no_lsoa > 0 and result.asb == 584


def test_an_lsoa_not_in_the_lookup_is_counted_not_lost(tmp_path) -> None:
    odd = _changed_copy(tmp_path / "odd", STREET_2023_10, ",E01000917,", ",E01999999,")
    wh = tmp_path / "w.duckdb"
    cspkit.ingest([odd, LOOKUPS], warehouse=wh, taxonomy_files=[])
    with connect(wh) as con:
        result = crime_counts_by(con, "ward", first="2023-10", last="2023-10")
    assert result.lsoa_not_in_lookup == 1
    assert result.placed + result.unplaced == result.crimes


def test_placing_crimes_needs_the_lookup(tmp_path) -> None:
    wh = tmp_path / "w.duckdb"
    cspkit.ingest([STREET_2023_10], warehouse=wh, taxonomy_files=[])
    with (
        connect(wh) as con,
        pytest.raises(CspkitError, match="cspkit ingest ../shared/data/lookups"),
    ):
        crime_counts_by(con, "ward", first="2023-10", last="2023-10")
    with connect(wh) as con, pytest.raises(CspkitError, match="level 'borough'"):
        crime_counts_by(con, "borough", first="2023-10", last="2023-10")


# --- outcomes --------------------------------------------------------------------------------

STREET_HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    "Crime type,Last outcome category,Context"
)
OUTCOME_HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    "Outcome type"
)
FORCE = "Kent Police,Kent Police"


def _outcome_row(crime: str, when: str, outcome: str) -> str:
    return f"{crime},{when},{FORCE},0.5,51.2,On or near X,E01024000,Ashford 001A,{outcome}"


def test_latest_outcome_on_a_hand_made_case(tmp_path) -> None:
    street = tmp_path / "2023-10-kent-street.csv"
    street.write_text(
        "\n".join(
            [
                STREET_HEADER,
                f"A,2023-10,{FORCE},0.5,51.2,On or near X,E01024000,Ashford 001A,Burglary,"
                "Under investigation,",
                f"B,2023-10,{FORCE},0.5,51.2,On or near X,E01024000,Ashford 001A,Robbery,"
                "Under investigation,",
                f"C,2023-10,{FORCE},,,No location,,,Drugs,Local resolution,",
                f"D,2023-10,{FORCE},,,No location,,,Drugs,,",
                f",2023-10,{FORCE},,,No location,,,{ASB},,",
            ]
        )
        + "\n"
    )
    november = tmp_path / "2023-11-kent-outcomes.csv"
    november.write_text(
        "\n".join(
            [
                OUTCOME_HEADER,
                _outcome_row("A", "2023-11", "Suspect charged"),
                _outcome_row("B", "2023-11", "Under investigation"),
                _outcome_row("B", "2023-11", NO_SUSPECT),  # later row, same month: wins
                _outcome_row("Z", "2023-11", "Suspect charged"),  # a crime of another period
            ]
        )
        + "\n"
    )
    october = tmp_path / "2023-10-kent-outcomes.csv"  # an earlier month, loaded later
    october.write_text(
        OUTCOME_HEADER + "\n" + _outcome_row("A", "2023-10", "Offender given a caution") + "\n"
    )
    wh = tmp_path / "w.duckdb"
    cspkit.ingest([street, november, october], warehouse=wh, taxonomy_files=[])
    with connect(wh) as con:
        latest = latest_outcomes(con, force="kent", first="2023-10", last="2023-10")
        summary = outcome_summary(con, first="2023-10", last="2023-10")
    assert latest == {
        "A": ("Suspect charged", date(2023, 11, 1), "outcomes"),
        "B": (NO_SUSPECT, date(2023, 11, 1), "outcomes"),
        "C": ("Local resolution", None, "street"),
        "D": (None, None, None),
    }
    assert (summary.crimes, summary.from_outcomes, summary.from_street, summary.no_outcome) == (
        4,
        2,
        1,
        1,
    )
    assert summary.by_outcome == {"Suspect charged": 1, NO_SUSPECT: 1, "Local resolution": 1}
    assert summary.no_suspect == 1 and summary.no_suspect_share == pytest.approx(1 / 3)


def test_latest_outcome_on_real_crimes(tmp_path) -> None:
    """Outcome files made from the real 2023-10 crimes: their own last outcome in 2023-11,
    and for every seventh crime a later one in 2023-12."""
    rows = read_csv(STREET_2023_10)
    crimes = [r for r in rows if r["Crime ID"]]
    later = {r["Crime ID"] for r in crimes[::7]}
    for when in ("2023-11", "2023-12"):
        path = tmp_path / f"{when}-city-of-london-outcomes.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle)
            out.writerow(OUTCOME_HEADER.split(","))
            for r in crimes:
                if r["Last outcome category"] and (when == "2023-11" or r["Crime ID"] in later):
                    outcome = r["Last outcome category"] if when == "2023-11" else NO_SUSPECT
                    out.writerow([r["Crime ID"], when, *list(r.values())[2:9], outcome])
    wh = tmp_path / "w.duckdb"
    cspkit.ingest([STREET_2023_10, tmp_path], warehouse=wh, taxonomy_files=[])
    expected: dict[str, str] = {}
    for r in crimes:  # a crime ID can appear on several rows: its last row counts
        expected[r["Crime ID"]] = r["Last outcome category"]
    for crime in later:
        if expected[crime]:
            expected[crime] = NO_SUSPECT
    with connect(wh) as con:
        latest = latest_outcomes(con, force="city-of-london", first="2023-10", last="2023-10")
        summary = outcome_summary(con, force="city-of-london", first="2023-10", last="2023-10")
    assert {c: o for c, (o, _, _) in latest.items()} == {c: o or None for c, o in expected.items()}
    known = [o for o in expected.values() if o]
    assert summary.crimes == len(expected) == len({r["Crime ID"] for r in crimes})
    assert summary.from_outcomes == len(known)
    assert summary.no_suspect == sum(o == NO_SUSPECT for o in known)
    assert summary.no_suspect_share == pytest.approx(summary.no_suspect / len(known))


# --- searches placed by coordinates ------------------------------------------------------------


def test_searches_placed_in_westminster_june_2018(police_wh) -> None:
    boroughs = read_boundaries(BOROUGHS)
    westminster = boroughs.get("E09000033")
    assert westminster is not None and westminster.name == "Westminster"
    rows = read_csv(MET_2018_06)
    located = [(float(r["Longitude"]), float(r["Latitude"])) for r in rows if r["Latitude"]]
    # independently: the package's pure-Python ray casting, one borough at a time
    inside = sum(westminster.contains(x, y) for x, y in located)
    with connect(police_wh) as con:
        placed = place_searches(
            con, boroughs, force="metropolitan", first="2018-06", last="2018-06"
        )
    assert placed.total == len(rows) == 10581
    assert placed.by_area()["E09000033"] == inside
    assert placed.no_coordinates == len(rows) - len(located) == 998
    assert placed.placed + placed.unplaced == placed.total
    # the searches outside every borough, checked one by one in pure Python
    outside = [i for i, c in enumerate(placed.codes) if c is None]
    assert len(outside) == placed.unplaced
    with connect(police_wh) as con:
        coords = dict(
            ((file_id, line), (x, y))
            for file_id, line, x, y in con.execute(
                "SELECT file_id, line, longitude, latitude FROM stop_searches"
            ).fetchall()
        )
    far = [coords[(placed.file_ids[i], placed.lines[i])] for i in outside]
    far = [xy for xy in far if xy[0] is not None]
    assert len(far) == placed.outside > 0
    assert all(boroughs.point_in_area(x, y) is None for x, y in far)


def test_the_searches_of_an_area_with_their_records(police_wh) -> None:
    boroughs = read_boundaries(BOROUGHS)
    with connect(police_wh) as con:
        placed = place_searches(
            con, boroughs, force="metropolitan", first="2018-06", last="2018-06"
        )
        ids = placed.rowids_in("E09000033")
        records = police_geo.search_records(con, ids)
    assert len(ids) == placed.by_area()["E09000033"] == len(records["outcome"])
    assert records["paths"] == [str(MET_2018_06)]
    assert set(records["month"]) == {date(2018, 6, 1)} and set(records["source_kind"]) == {"csv"}
    expected = Counter(
        r["Outcome"] or None
        for r in read_csv(MET_2018_06)
        if r["Latitude"]
        and boroughs.get("E09000033").contains(float(r["Longitude"]), float(r["Latitude"]))
    )
    assert Counter(records["outcome"]) == expected


def test_a_sample_of_placements_agrees_with_ray_casting(police_wh) -> None:
    boroughs = read_boundaries(BOROUGHS)
    with connect(police_wh) as con:
        placed = place_searches(con, boroughs, first="2019-01", last="2019-01", source_kind="csv")
        coords = {
            (f, line): (x, y)
            for f, line, x, y in con.execute(
                "SELECT file_id, line, longitude, latitude FROM stop_searches"
            ).fetchall()
        }
    for i in range(0, placed.total, 41):
        x, y = coords[(placed.file_ids[i], placed.lines[i])]
        expected = None if x is None else boroughs.point_in_area(x, y)
        assert placed.codes[i] == expected


def test_searches_in_national_grid_boundaries(police_wh) -> None:
    """The 2018 ward shapefile is in the National Grid: points are converted to it, and each
    ward's borough agrees with the WGS84 borough placement."""
    wards = read_boundaries(WARDS_2018)
    boroughs = read_boundaries(BOROUGHS)
    assert wards.crs == "EPSG:27700"
    with connect(police_wh) as con:
        in_wards = place_searches(con, wards, force="metropolitan", first="2018-06", last="2018-06")
        in_boroughs = place_searches(
            con, boroughs, force="metropolitan", first="2018-06", last="2018-06"
        )
    parents = {a.code: a.parent_code for a in wards.areas}
    both = [(w, b) for w, b in zip(in_wards.codes, in_boroughs.codes, strict=True) if w and b]
    agree = sum(parents[w] == b for w, b in both)
    assert len(both) > 9000 and agree / len(both) > 0.999
    assert in_wards.no_coordinates == in_boroughs.no_coordinates == 998


def test_the_national_grid_projection_matches_the_ordnance_survey_example() -> None:
    # OS, "A guide to coordinate systems in Great Britain", annex C worked example
    lat = np.radians(52 + 39 / 60 + 27.2531 / 3600)
    lon = np.radians(1 + 43 / 60 + 4.5177 / 3600)
    east, north = national_grid.osgb36_to_grid(np.array([lon]), np.array([lat]))
    assert east[0] == pytest.approx(651409.903, abs=0.001)
    assert north[0] == pytest.approx(313177.270, abs=0.001)
    # and a point shapely agrees is in Westminster once converted (Elizabeth Tower)
    x, y = national_grid.wgs84_to_bng(np.array([-0.124625]), np.array([51.500729]))
    wards = read_boundaries(WARDS_2018)
    ward = next(a for a in wards.areas if a.contains(float(x[0]), float(y[0])))
    assert ward.parent_code == "E09000033"
    assert shapely.Point(x[0], y[0]).within(shapely.Polygon(ward.polygons[0][0]))


# --- bad input ------------------------------------------------------------------------------


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "wh.duckdb"
    cspkit.ingest([CITY / "2023-11"], warehouse=path, taxonomy_files=[])
    return path


def _refused(warehouse: Path, *bad: Path, error=SourceFormatError):
    good = CITY / "2023-12" / "2023-12-city-of-london-street.csv"
    before = file_digest(warehouse)
    with pytest.raises(error) as info:
        cspkit.ingest([good, *bad], warehouse=warehouse, taxonomy_files=[])
    assert file_digest(warehouse) == before, "a failed load changed the warehouse"
    assert [p.name for p in warehouse.parent.iterdir() if "loading" in p.name] == []
    assert len(cspkit.vintages(warehouse=warehouse)) == 1
    return info.value


def _bad_copy(tmp_path: Path, source: Path, line: int, old: str, new: str) -> Path:
    """A copy of a shared file with one change on one line (line ends kept as they are)."""
    lines = source.read_bytes().decode("utf-8").splitlines(keepends=True)
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    target = tmp_path / source.name
    target.write_bytes("".join(lines).encode("utf-8"))
    return target


def test_bad_month(tmp_path, warehouse) -> None:
    bad = _bad_copy(tmp_path, STREET_2023_10, 6, ",2023-10,", ",Oct-23,")
    exc = _refused(warehouse, bad)
    assert str(exc) == (
        f"{bad}, line 6, column 2: Month: expected a month as YYYY-MM (e.g. 2023-10), "
        "found 'Oct-23'"
    )


def test_a_month_other_than_the_file_names(tmp_path, warehouse) -> None:
    bad = _bad_copy(tmp_path, STREET_2023_10, 400, ",2023-10,", ",2023-09,")
    exc = _refused(warehouse, bad)
    assert str(exc) == (
        f"{bad}, line 400, column 2: Month: expected 2023-10 (the month in the file name), "
        "found '2023-09'"
    )


def test_bad_coordinate_text(tmp_path, warehouse) -> None:
    bad = _bad_copy(tmp_path, STREET_2023_10, 3, ",51.517786,", ",51.5l7786,")
    exc = _refused(warehouse, bad)
    assert str(exc) == (
        f"{bad}, line 3, column 6: Latitude: expected a number of degrees from -90 to 90, "
        "or blank, found '51.5l7786'"
    )


def test_coordinate_out_of_range_in_a_search(tmp_path, warehouse) -> None:
    bad = _bad_copy(tmp_path, MET_2018_06, 10, ",-0.", ",-200.")
    exc = _refused(warehouse, bad)
    assert (exc.line, exc.column) == (10, 6)
    assert "Longitude: expected a number of degrees from -180 to 180, or blank, found '-200." in (
        str(exc)
    )


def test_half_a_location(tmp_path, warehouse) -> None:
    bad = _bad_copy(tmp_path, STREET_2023_10, 2, "-0.107682,", ",")
    exc = _refused(warehouse, bad)
    assert str(exc) == (
        f"{bad}, line 2, column 5: Longitude is blank but Latitude is '51.517786'; "
        "a location needs both or neither"
    )


def test_bad_date(tmp_path, warehouse) -> None:
    bad = _bad_copy(tmp_path, MET_2018_06, 7, "2018-05-31T23:23:00", "31/05/2018 23:23")
    exc = _refused(warehouse, bad)
    assert str(exc) == (
        f"{bad}, line 7, column 2: Date: expected a date and time as published, such as "
        "2018-05-31T23:01:00+00:00, found '31/05/2018 23:23+00:00'"
    )


def test_bad_true_false(tmp_path, warehouse) -> None:
    bad = _bad_copy(tmp_path, MET_2018_06, 2, "+00:00,False,", "+00:00,no,")
    exc = _refused(warehouse, bad)
    assert str(exc) == (
        f"{bad}, line 2, column 3: Part of a policing operation: expected True, False or "
        "blank, found 'no'"
    )


def test_wrong_field_count(tmp_path, warehouse) -> None:
    bad = _bad_copy(tmp_path, STREET_2023_10, 9, "On or near ", "On or near, ")
    exc = _refused(warehouse, bad)
    assert str(exc) == (
        f"{bad}, line 9, column 13: expected 12 fields, as in the header, found 13; "
        "the row may be truncated or have a stray comma"
    )


def test_a_bad_row_in_a_zip_member(tmp_path, warehouse) -> None:
    bad = _bad_copy(tmp_path, STREET_2023_10, 101, ",2023-10,", ",2023-1,")
    archive = tmp_path / "archive.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.write(bad, "2023-10/" + bad.name)
    exc = _refused(warehouse, archive)
    assert str(exc) == (
        f"{archive}!/2023-10/{bad.name}, line 101, column 2: Month: expected a month as "
        "YYYY-MM (e.g. 2023-10), found '2023-1'"
    )


def test_lines_are_right_after_a_blank_line(tmp_path, warehouse) -> None:
    text = STREET_2023_10.read_bytes().decode("utf-8").split("\r\n")
    text.insert(3, "")  # line 4 is blank
    text[20] = text[20].replace(",2023-10,", ",2023-10-01,", 1)
    bad = tmp_path / STREET_2023_10.name
    bad.write_bytes("\r\n".join(text).encode("utf-8"))
    exc = _refused(warehouse, bad)
    assert (exc.line, exc.column) == (21, 2)
    assert "found '2023-10-01'" in str(exc)


def test_a_byte_order_mark_and_blank_lines_at_the_end(tmp_path, monkeypatch) -> None:
    """Read by DuckDB all the same (not again through Python), with the right lines."""
    path = tmp_path / STREET_2023_10.name
    path.write_bytes(b"\xef\xbb\xbf" + STREET_2023_10.read_bytes() + b"\r\n\r\n")

    def no_second_reading(*args):
        raise AssertionError("read again through Python")

    monkeypatch.setattr(police_load, "_insert_chunks", no_second_reading)
    wh = tmp_path / "w.duckdb"
    report = cspkit.ingest([path], warehouse=wh, taxonomy_files=[])
    assert report.files[0].rows == 851
    with connect(wh) as con:
        lines = con.execute("SELECT line, crime_id, crime_type FROM street_crimes").fetchall()
    expected = {
        line: (row["Crime ID"] or None, row["Crime type"])
        for line, row in read_lines(STREET_2023_10)
    }
    assert {line: (c, t) for line, c, t in lines} == expected


def test_a_line_break_inside_a_quoted_field(tmp_path) -> None:
    lines = STREET_2023_10.read_bytes().split(b"\r\n")
    assert b"On or near Holborn" in lines[3]
    lines[3] = lines[3].replace(b"On or near Holborn", b'"On or near\nHolborn"')
    path = tmp_path / "quoted-street.csv"
    path.write_bytes(b"\r\n".join(lines))
    wh = tmp_path / "w.duckdb"
    report = cspkit.ingest([path], warehouse=wh, taxonomy_files=[])
    assert report.files[0].rows == 851
    with connect(wh) as con:
        found = con.execute(
            "SELECT line, location FROM street_crimes WHERE line BETWEEN 4 AND 6 ORDER BY line"
        ).fetchall()
        last = con.execute("SELECT max(line) FROM street_crimes").fetchone()[0]
    # the record ends on line 5, and every later record is a line further down
    assert found == [(5, "On or near\nHolborn"), (6, "On or near Holborn")]
    assert last == 853


def test_blank_crime_type(tmp_path, warehouse) -> None:
    bad = _bad_copy(tmp_path, STREET_2023_10, 5, "Possession of weapons", "")
    exc = _refused(warehouse, bad)
    assert str(exc) == f"{bad}, line 5, column 10: Crime type is blank; every row needs one"


def test_header_but_no_rows(tmp_path, warehouse) -> None:
    bad = tmp_path / "2023-10-city-of-london-street.csv"
    bad.write_text(STREET_HEADER + "\r\n")
    exc = _refused(warehouse, bad)
    assert str(exc) == f"{bad}, line 1: the file has a header but no data rows"


def test_a_name_that_contradicts_the_header(tmp_path, warehouse) -> None:
    bad = tmp_path / "2023-10-city-of-london-outcomes.csv"
    shutil.copyfile(STREET_2023_10, bad)
    exc = _refused(warehouse, bad)
    assert str(exc) == (
        f"{bad}, line 1: the file name says it is a 'outcomes' file but its header is that "
        "of a data.police.uk street-level crime file ('street'); the file may have been renamed"
    )


def test_a_search_file_needs_its_archive_name(tmp_path, warehouse) -> None:
    bad = tmp_path / "searches.csv"
    shutil.copyfile(MET_2018_06, bad)
    exc = _refused(warehouse, bad)
    assert "must be as data.police.uk names it: YYYY-MM-<force>-stop-and-search.csv" in str(exc)


def test_bad_json(tmp_path, warehouse) -> None:
    folder = tmp_path / "metropolitan"
    folder.mkdir()
    bad = folder / "stops-force-2024-09.json"
    bad.write_text('[\n  {"age_range": "25-34",\n   "type" "Person search"}\n]\n')
    exc = _refused(warehouse, bad)
    assert str(exc) == (
        f"{bad}, line 3, column 11: not valid JSON (Expecting ':' delimiter); expected a JSON "
        "list of objects with age_range, datetime, gender, legislation, location, "
        "object_of_search, officer_defined_ethnicity, outcome, self_defined_ethnicity, type"
    )


def test_bad_values_in_json(tmp_path, warehouse) -> None:
    folder = tmp_path / "metropolitan"
    folder.mkdir()
    records = json.loads(API_FILES[0].read_text())[:5]
    records[3]["location"]["latitude"] = "north"
    bad = folder / "stops-force-2024-09.json"
    bad.write_text(json.dumps(records))
    exc = _refused(warehouse, bad)
    assert str(exc) == (
        f"{bad}: list index 3: location.latitude: expected a number of degrees from -90 to 90, "
        'found "north"'
    )
    records[3]["location"]["latitude"] = "51.5"
    records[4]["datetime"] = "yesterday"
    bad.write_text(json.dumps(records))
    exc = _refused(warehouse, bad)
    assert str(exc) == (
        f"{bad}: list index 4: datetime: expected a date and time such as "
        '2024-09-27T09:45:00+00:00, found "yesterday"'
    )


def test_json_of_another_shape(tmp_path, warehouse) -> None:
    bad = tmp_path / "other.json"
    bad.write_text('{"type": "FeatureCollection", "features": []}')
    exc = _refused(warehouse, bad, error=UnknownLayout)
    assert str(exc) == (
        f"{bad}: unknown layout: expected a JSON list of objects with age_range, datetime, "
        "gender, legislation, location, object_of_search, officer_defined_ethnicity, outcome, "
        "self_defined_ethnicity, type; found a JSON dict"
    )
