"""The MPS Monthly Crime Dashboard data (long format): reader, warehouse table, queries.

No public copy of the file could be bundled; the tests use a generated file in exactly
the published layout (tests/fixtures/build_mps_dashboard_fixture.py), and check it
against a second, deliberately simple reading with the csv module.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from conftest import file_digest

import cspkit
from cspkit.errors import SourceFormatError, UnknownLayout
from cspkit.sources import detect, read_file
from cspkit.sources.datasets import DashboardCounts
from cspkit.sources.textfile import csv_records, read_text
from cspkit.warehouse import Warehouse, query

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE = FIXTURES / "mps-monthly-crime-dashboard-sample.csv"
BUILDER = FIXTURES / "build_mps_dashboard_fixture.py"
HEADER = (
    "Month_Year,Area Type,Borough_SNT,Area name,Area code,Offence Group,Offence Subgroup,"
    "Measure,Financial Year,FY_FYIndex,Count,Refresh Date"
)
LAYOUT = "MPS Monthly Crime Dashboard"
BARNET = "E09000003"
KNIFE = "Knife Crime with Injury"
GUN = "Lethal Barrel Discharge"
DA_VWI = "Domestic Abuse Violence with Injury"
JAN_23 = date(2023, 1, 1)


def _day(text: str) -> date:
    day, month, year = text.split("/")
    return date(int(year), int(month), int(day))


def naive_rows(path: Path = FIXTURE) -> list[dict]:
    """The file read with the csv module only: one dict per row, dates and counts parsed."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["month"] = _day(row["Month_Year"])
        row["count"] = int(row["Count"])
        row["refresh"] = _day(row["Refresh Date"])
    return rows


def naive_sum(rows, code: str, subgroup: str, measure: str, month: date) -> int:
    return sum(
        r["count"]
        for r in rows
        if r["Area Type"] == "Borough"
        and r["Area code"] == code
        and r["Offence Subgroup"] == subgroup
        and r["Measure"] == measure
        and r["month"] == month
    )


# ---------------------------------------------------------------- the fixture


def test_fixture_is_rebuilt_byte_for_byte(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, str(BUILDER), str(tmp_path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    rebuilt = tmp_path / FIXTURE.name
    assert rebuilt.read_bytes() == FIXTURE.read_bytes(), (
        "the committed fixture differs from what its script builds; run "
        "`python tests/fixtures/build_mps_dashboard_fixture.py` and commit both"
    )


def test_fixture_has_the_published_layout() -> None:
    data = FIXTURE.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf" + HEADER.encode() + b"\r\n")
    assert data.count(b"\r\n") == data.count(b"\n")  # CRLF everywhere
    rows = naive_rows()
    assert {r["Area Type"] for r in rows} == {"Borough", "Safer Neighbourhood Teams"}
    assert len({r["Area code"] for r in rows if r["Area Type"] == "Borough"}) == 32
    assert {r["Borough_SNT"] for r in rows if r["Area Type"] != "Borough"} == {"Barnet"}
    assert min(r["month"] for r in rows) == date(2021, 4, 1)
    assert max(r["month"] for r in rows) == date(2024, 1, 1)


# ---------------------------------------------------------------- reading


def test_detected_by_header() -> None:
    layout, _ = detect(csv_records(read_text(FIXTURE)))
    assert layout.name == LAYOUT
    assert layout.header == HEADER


def test_a_different_header_is_not_taken_for_the_dashboard(tmp_path) -> None:
    older = HEADER.replace("Offence Group,Offence Subgroup", "Crime Type,Crime Subtype")
    path = tmp_path / "older.csv"
    path.write_text(older + "\n01/04/2023,Borough,Barnet,Barnet,E09000003,a,b,Offences,x,y,1,\n")
    with pytest.raises(UnknownLayout) as info:
        read_file(path)
    assert f"  - {LAYOUT}: {HEADER}" in str(info.value)


def test_values_equal_an_independent_reading() -> None:
    data = read_file(FIXTURE)
    rows = naive_rows()
    assert isinstance(data, DashboardCounts)
    assert data.provenance.source == "mps_dashboard" and data.provenance.layout == LAYOUT
    assert data.provenance.sha256 == file_digest(FIXTURE)
    assert data.months == [r["month"] for r in rows]
    assert data.area_types == [r["Area Type"] for r in rows]
    assert data.boroughs == [r["Borough_SNT"] for r in rows]
    assert data.area_names == [r["Area name"] for r in rows]
    assert data.area_codes == [r["Area code"] for r in rows]
    assert data.offence_groups == [r["Offence Group"] for r in rows]
    assert data.offence_subgroups == [r["Offence Subgroup"] for r in rows]
    assert data.measures == [r["Measure"] for r in rows]
    assert data.counts.dtype == np.int64
    assert data.counts.tolist() == [r["count"] for r in rows]
    assert data.refresh_dates == [r["refresh"] for r in rows]
    assert data.lines == list(range(2, len(rows) + 2))


def test_vintage_is_the_last_month_covered_and_the_refresh_date_is_kept() -> None:
    data = read_file(FIXTURE)
    assert data.refresh_date == date(2024, 2, 6)
    assert data.vintage == date(2024, 1, 1)
    assert data.covered_months[0] == date(2021, 4, 1)
    assert data.covered_months[-1] == date(2024, 1, 1)
    assert len(data.covered_months) == 34


def test_vintage_without_a_refresh_date_is_the_last_month(tmp_path) -> None:
    path = tmp_path / "no-refresh.csv"
    path.write_text(
        HEADER + "\n2023-05-01,Borough,Barnet,Barnet,E09000003,Knife Crime,Knife Crime with Injury,"
        'Offences,fy23-24,23-24_02,"1,234",\n'
        + "01/04/2023,Borough,Barnet,Barnet,E09000003,Knife Crime,Knife Crime with Injury,"
        "Offences,fy23-24,23-24_01,7,\n",
        encoding="utf-8",
    )
    data = read_file(path)
    assert data.refresh_dates == [None, None] and data.refresh_date is None
    assert data.counts.tolist() == [1234, 7]  # "1,234" is a count
    assert data.months == [date(2023, 5, 1), date(2023, 4, 1)]  # ISO dates too
    assert data.vintage == date(2023, 5, 1)


# ---------------------------------------------------------------- warehouse

BOROUGH_FILE = (
    "MajorText,MinorText,BoroughName,202311,202312,202401\n"
    "BURGLARY,BURGLARY - RESIDENTIAL,Barnet,150,160,170\n"
)


@pytest.fixture(scope="module")
def dashboard_warehouse(tmp_path_factory) -> Path:
    """The fixture and a small borough file, ingested together (read-only use)."""
    folder = tmp_path_factory.mktemp("dashboard")
    borough = folder / "borough.csv"
    borough.write_text(BOROUGH_FILE, encoding="utf-8")
    path = folder / "warehouse.duckdb"
    cspkit.ingest([FIXTURE, borough], warehouse=path, taxonomy_files=[])
    return path


def _series(warehouse: Path, code, subgroup, measure, first, last, as_of=None):
    with Warehouse(warehouse).reading() as con:
        return query.dashboard_monthly_counts(
            con, code, subgroup, measure, first, last, as_of=as_of
        )


def test_the_file_is_recorded_with_its_source_and_vintage(dashboard_warehouse) -> None:
    files = {r["source"]: r for r in cspkit.vintages(warehouse=dashboard_warehouse)}
    r = files["mps_dashboard"]
    assert r["layout"] == LAYOUT and r["release"] is None
    assert (r["first_month"], r["last_month"]) == (date(2021, 4, 1), date(2024, 1, 1))
    assert r["vintage"] == date(2024, 1, 1)
    assert r["n_rows"] == len(naive_rows()) and r["sha256"] == file_digest(FIXTURE)
    with Warehouse(dashboard_warehouse).reading() as con:
        months = con.execute(
            "SELECT count(*) FROM file_months JOIN files USING (file_id) "
            "WHERE source = 'mps_dashboard'"
        ).fetchone()[0]
        refreshed = con.execute("SELECT DISTINCT refresh_date FROM dashboard_counts").fetchall()
    assert months == 34 and refreshed == [(date(2024, 2, 6),)]


def test_a_three_month_series(dashboard_warehouse) -> None:
    rows = naive_rows()
    months = [date(2023, 11, 1), date(2023, 12, 1), date(2024, 1, 1)]
    for subgroup, measure in [
        (KNIFE, "Offences"),
        (KNIFE, "Positive Outcomes"),
        (GUN, "Offences"),
        (DA_VWI, "Offences"),
    ]:
        values = _series(dashboard_warehouse, BARNET, subgroup, measure, months[0], months[-1])
        assert [v.month for v in values] == months
        assert [v.count for v in values] == [
            naive_sum(rows, BARNET, subgroup, measure, m) for m in months
        ], (subgroup, measure)
        assert all(v.vintage == date(2024, 1, 1) for v in values)
        assert all(v.path == str(FIXTURE) for v in values)


def test_borough_rows_only_and_case_does_not_matter(dashboard_warehouse) -> None:
    rows = naive_rows()
    month = date(2023, 6, 1)
    snt = sum(
        r["count"]
        for r in rows
        if r["Area Type"] != "Borough" and r["month"] == month and r["Offence Subgroup"] == KNIFE
    )
    assert snt > 0  # the SNT rows exist, and are not added to Barnet's figure
    expected = naive_sum(rows, BARNET, KNIFE, "Offences", month)
    (value,) = _series(dashboard_warehouse, "e09000003", KNIFE.upper(), "OFFENCES", month, month)
    assert value.count == expected
    (snt_value,) = _series(dashboard_warehouse, "E05013630", KNIFE, "Offences", month, month)
    assert snt_value.count is None
    assert snt_value.reason == "the file has no borough rows for this area"


def test_a_covered_month_without_a_row_is_zero(dashboard_warehouse) -> None:
    rows = naive_rows()
    published = {
        (r["Area code"], r["month"])
        for r in rows
        if r["Offence Subgroup"] == GUN and r["Area Type"] == "Borough"
    }
    code, month = next(
        (r["Area code"], r["month"])
        for r in rows
        if r["Area Type"] == "Borough" and (r["Area code"], r["month"]) not in published
    )
    (value,) = _series(dashboard_warehouse, code, GUN, "Offences", month, month)
    assert (value.count, value.reason) == (0, "")


def test_missing_months_say_why(dashboard_warehouse) -> None:
    values = _series(
        dashboard_warehouse, BARNET, KNIFE, "Offences", date(2024, 1, 1), date(2024, 2, 1)
    )
    assert values[0].count is not None
    assert (values[1].count, values[1].vintage, values[1].path) == (None, None, None)
    assert values[1].reason == "no loaded file covers this month"

    (city,) = _series(dashboard_warehouse, "E09000001", KNIFE, "Offences", JAN_23, JAN_23)
    assert (city.count, city.reason) == (None, "the file has no borough rows for this area")

    (other,) = _series(dashboard_warehouse, BARNET, "Homicide", "Offences", JAN_23, JAN_23)
    assert other.count is None
    assert other.reason == "the file does not publish this offence subgroup and measure"
    assert other.vintage == date(2024, 1, 1) and other.path == str(FIXTURE)

    # as the data stood at 2023-12, before this release (2024-01): not yet published
    (early,) = _series(
        dashboard_warehouse,
        BARNET,
        KNIFE,
        "Offences",
        JAN_23,
        JAN_23,
        as_of=date(2023, 12, 1),
    )
    assert (early.count, early.reason) == (
        None,
        "no loaded file covers this month at vintage 2023-12",
    )


def test_subgroups_loaded(dashboard_warehouse) -> None:
    with Warehouse(dashboard_warehouse).reading() as con:
        subgroups = query.dashboard_subgroups(con)
    assert subgroups == [
        ("Domestic Abuse", DA_VWI, "Offences"),
        ("Gun Crime", GUN, "Offences"),
        ("Knife Crime", KNIFE, "Offences"),
        ("Knife Crime", KNIFE, "Positive Outcomes"),
        ("Violence Against the Person", "Violence with Injury", "Offences"),
    ]


def test_borough_files_are_unaffected(dashboard_warehouse) -> None:
    s = cspkit.series(
        "Barnet",
        "residential_burglary",
        "2023-11",
        "2024-01",
        warehouse=dashboard_warehouse,
        taxonomy_files=[],
    )
    assert [v.count for v in s.values] == [150, 160, 170]
    assert {v.path for v in s.values} == {str(dashboard_warehouse.parent / "borough.csv")}


def test_remap_leaves_dashboard_rows_alone(tmp_path) -> None:
    path = tmp_path / "wh.duckdb"
    small = tmp_path / "small.csv"
    small.write_bytes(GOOD.encode("utf-8"))
    cspkit.ingest([small], warehouse=path, taxonomy_files=[])
    changed, still, _ = cspkit.remap(warehouse=path, taxonomy_files=[])
    assert (changed, still) == (0, [])
    with Warehouse(path).reading() as con:
        assert con.execute("SELECT count(*) FROM dashboard_counts").fetchone()[0] == 2


# ---------------------------------------------------------------- bad input

ROW = (
    "01/04/2023,Borough,Barnet,Barnet,E09000003,Knife Crime,Knife Crime with Injury,"
    "Offences,fy23-24,23-24_01,{count},06/02/2024\n"
)
GOOD = (
    HEADER
    + "\n"
    + ROW.format(count=7)
    + ROW.replace("01/04/2023", "01/05/2023").format(count=9).replace("23-24_01", "23-24_02")
)


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """A warehouse already holding one small good dashboard file."""
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    path = tmp_path / "wh.duckdb"
    cspkit.ingest([good], warehouse=path, taxonomy_files=[])
    return path


def _bad(tmp_path: Path, content: str, name: str = "bad.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8"))
    return path


def _refused(tmp_path: Path, warehouse: Path, bad: Path) -> SourceFormatError:
    """Ingest a new good file together with the bad one; nothing may change."""
    other_good = _bad(
        tmp_path,
        GOOD.replace("Barnet,Barnet,E09000003", "Brent,Brent,E09000005"),
        "other-good.csv",
    )
    before = file_digest(warehouse)
    with pytest.raises(SourceFormatError) as info:
        cspkit.ingest([other_good, bad], warehouse=warehouse, taxonomy_files=[])
    assert file_digest(warehouse) == before, "a failed load changed the warehouse"
    assert [p.name for p in warehouse.parent.iterdir() if "loading" in p.name] == []
    assert len(cspkit.vintages(warehouse=warehouse)) == 1  # still only the first good file
    return info.value


def test_truncated_row(tmp_path, warehouse) -> None:
    bad = _bad(tmp_path, GOOD + "01/06/2023,Borough,Barnet,Barnet,E09000003,Knife Crime\n")
    exc = _refused(tmp_path, warehouse, bad)
    assert (exc.path, exc.line, exc.column) == (str(bad), 4, 7)
    assert str(exc) == (
        f"{bad}, line 4, column 7: expected 12 fields ({HEADER}), found 6; "
        "the row may be truncated or have a stray comma"
    )


@pytest.mark.parametrize("cell", ["Apr-23", "2023-04", "04/01/2023", "31/02/2023", "01.04.23", ""])
def test_bad_month_year(tmp_path, warehouse, cell) -> None:
    bad = _bad(tmp_path, GOOD + ROW.replace("01/04/2023", cell).format(count=1))
    exc = _refused(tmp_path, warehouse, bad)
    assert str(exc) == (
        f"{bad}, line 4, column 1: Month_Year: expected the first day of a month as "
        f"DD/MM/YYYY (e.g. 01/04/2023) or YYYY-MM-DD, found '{cell}'"
    )


@pytest.mark.parametrize("cell", ["n/a", "-3", "1.5", "12,34"])
def test_text_in_count(tmp_path, warehouse, cell) -> None:
    bad = _bad(tmp_path, HEADER + "\n" + ROW.format(count=f'"{cell}"'))
    exc = _refused(tmp_path, warehouse, bad)
    assert str(exc) == (
        f"{bad}, line 2, column 11: Count: expected a count (a whole number such as 12 "
        f"or 1,234), found '{cell}'"
    )


def test_blank_count_is_refused_not_read_as_zero(tmp_path, warehouse) -> None:
    bad = _bad(tmp_path, HEADER + "\n" + ROW.format(count=""))
    exc = _refused(tmp_path, warehouse, bad)
    assert str(exc) == (
        f"{bad}, line 2, column 11: Count: expected a count (a whole number such as 12 or "
        "1,234), found a blank (a row of this layout exists to carry its count, so a blank "
        "is not read as 0)"
    )


def test_duplicate_row(tmp_path, warehouse) -> None:
    again = (
        "01/04/2023,BOROUGH,BARNET,BARNET,E09000003,KNIFE CRIME,KNIFE CRIME WITH INJURY,"
        "Offences ,fy23-24,23-24_01,3,06/02/2024\n"
    )
    bad = _bad(tmp_path, GOOD + again)
    exc = _refused(tmp_path, warehouse, bad)
    assert str(exc) == (
        f"{bad}, line 4: duplicate row: 'KNIFE CRIME / KNIFE CRIME WITH INJURY' (Offences) "
        "for BOROUGH 'BARNET' (E09000003) in 2023-04 already appeared on line 2; each month, "
        "area, offence subgroup and measure must appear once"
    )


def test_blank_area_code(tmp_path, warehouse) -> None:
    bad = _bad(tmp_path, HEADER + "\n" + ROW.replace("E09000003", " ").format(count=1))
    exc = _refused(tmp_path, warehouse, bad)
    assert str(exc) == (
        f"{bad}, line 2, column 5: Area code is blank; every row needs an area type, area "
        "name, area code, offence group, offence subgroup and measure"
    )


def test_bad_refresh_date(tmp_path, warehouse) -> None:
    bad = _bad(tmp_path, HEADER + "\n" + ROW.replace("06/02/2024", "Feb 2024").format(count=1))
    exc = _refused(tmp_path, warehouse, bad)
    assert str(exc) == (
        f"{bad}, line 2, column 12: Refresh Date: expected a date as DD/MM/YYYY "
        "(e.g. 06/02/2024) or YYYY-MM-DD, or a blank, found 'Feb 2024'"
    )


def test_header_but_no_rows(tmp_path, warehouse) -> None:
    bad = _bad(tmp_path, HEADER + "\r\n\r\n")
    exc = _refused(tmp_path, warehouse, bad)
    assert str(exc) == f"{bad}, line 1: the file has a header but no data rows"
