"""MPS ward files, the LSOA-ward lookup and ward populations, checked against the CSV files.

Every expected figure here is computed with the csv module from the shared files,
independently of the package's readers and warehouse.
"""

from __future__ import annotations

import csv
import functools
import shutil
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pytest
from conftest import BOROUGH, SHARED_DATA, SOURCE_NAMES, file_digest, month_list

import cspkit
from cspkit.errors import SourceFormatError, UnknownArea
from cspkit.sources import LAYOUTS, detect, read_file
from cspkit.sources.datasets import WardCrimeCounts, WardLookup
from cspkit.sources.textfile import csv_records, read_text
from cspkit.taxonomy import load_taxonomy
from cspkit.taxonomy.areas import area_directory
from cspkit.warehouse import matrix, wards

WARD = SHARED_DATA / "mps" / "ward"
WARD_FILES = sorted(WARD.glob("vintage-*/*.csv"))
LOOKUP = SHARED_DATA / "lookups"
LOOKUP_FILE = next(LOOKUP.glob("LSOA_(2021)_to_Electoral_Ward_(2025)*.csv"))
SAPE_PERSONS = SHARED_DATA / "population" / "ward-mid-2020" / "Mid-2020 Persons-Table 1.csv"
CENSUS_LSOA = SHARED_DATA / "population" / "census2021" / "census2021-ts007a-lsoa.csv"
BARNET = "E09000003"

EXPECTED = {
    # folder: (layout, first month, last month, data rows) - PROVENANCE.md and wc -l
    "vintage-2022-08": ("MPS ward layout A", date(2020, 9, 1), date(2022, 8, 1), 22168),
    "vintage-2023-08": ("MPS ward layout A", date(2021, 9, 1), date(2023, 8, 1), 23499),
    "vintage-2025-03": ("MPS ward layout B", date(2023, 4, 1), date(2025, 3, 1), 17901),
}


@functools.cache
def naive_ward(path: Path) -> tuple[list[date], list[dict]]:
    """The ward file read with csv: months and rows {major, minor, ward, code, borough, counts}."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    months = [date(int(h[:4]), int(h[4:]), 1) for h in rows[0][5:]]
    out = []
    for row in rows[1:]:
        if row:
            counts = dict(zip(months, (int(v) for v in row[5:]), strict=True))
            major, minor, ward, code, borough = row[:5]
            out.append(
                {
                    "major": major,
                    "minor": minor,
                    "ward": ward,
                    "code": code,
                    "borough": borough,
                    "counts": counts,
                }
            )
    return months, out


@pytest.mark.parametrize("path", WARD_FILES, ids=lambda p: p.parent.name)
def test_each_shared_ward_file_is_read(path: Path) -> None:
    data = read_file(path)
    layout, first, last, rows = EXPECTED[path.parent.name]
    assert isinstance(data, WardCrimeCounts)
    assert data.provenance.layout == layout
    assert data.provenance.source == "mps_ward"
    assert data.release == "most recent 24 months"
    assert (data.months[0], data.months[-1], len(data.months)) == (first, last, 24)
    assert data.vintage == last  # a 24-month release is its own last month
    assert len(data.majors) == rows
    months, naive = naive_ward(path)
    assert data.months == months
    assert np.array_equal(data.counts, np.array([[r["counts"][m] for m in months] for r in naive]))
    assert data.ward_codes == [r["code"] for r in naive]
    assert data.ward_names == [r["ward"] for r in naive]
    assert data.area_names == [r["borough"] for r in naive]
    assert data.majors == [r["major"] for r in naive]
    assert data.minors == [r["minor"] for r in naive]


@pytest.mark.parametrize("path", WARD_FILES, ids=lambda p: p.parent.name)
def test_every_borough_name_in_the_ward_files_is_known(path: Path) -> None:
    directory = area_directory()
    names = {r["borough"] for r in naive_ward(path)[1]}
    codes = {name: directory.match(name).code for name in names}
    assert len([c for c in codes.values() if c.startswith("E09")]) == 32
    if "Aviation Security (SO18)" in names:
        assert codes["Aviation Security (SO18)"] == "MPS-AIRPORTS"


def test_ward_and_borough_headers_are_not_confused() -> None:
    for path in WARD_FILES:
        layout, _ = detect(csv_records(read_text(path)))
        assert layout.name == "MPS ward file"
    for path in sorted(BOROUGH.glob("vintage-*/*.csv")):
        layout, _ = detect(csv_records(read_text(path)))
        assert layout.name.startswith("MPS borough layout")
    ward_header = ["MajorText", "MinorText", "WardName", "WardCode", "LookUp_BoroughName", "202301"]
    borough_header = ["MajorText", "MinorText", "LookUp_BoroughName", "202301"]
    assert [x.name for x in LAYOUTS if x.matches(ward_header)] == ["MPS ward file"]
    matching = {x.name for x in LAYOUTS if x.matches(borough_header)}
    assert matching == {"MPS borough layout A", "MPS borough layout B"}  # one reader, both
    layout, _ = detect(csv_records(read_text(LOOKUP_FILE)))
    assert layout.name == "ONS LSOA 2021 to ward 2025 lookup"


@functools.cache
def naive_lookup() -> dict[str, str]:
    """LSOA 2021 code -> ward 2025 code, read with csv."""
    with LOOKUP_FILE.open(encoding="utf-8-sig", newline="") as handle:
        return {r["LSOA21CD"]: r["WD25CD"] for r in csv.DictReader(handle)}


def test_the_lookup_is_read() -> None:
    assert LOOKUP_FILE.read_bytes().startswith(b"\xef\xbb\xbf")
    data = read_file(LOOKUP_FILE)
    assert isinstance(data, WardLookup)
    assert dict(zip(data.lsoa_codes, data.ward_codes, strict=True)) == naive_lookup()
    assert len(data.lsoa_codes) == 35672


# ------------------------------------------------------------------ the warehouse


def _borough_snapshot(path: Path) -> dict:
    """Borough figures as products read them: series and all-borough matrices."""
    taxonomy = load_taxonomy([])
    out: dict = {}
    for offence in SOURCE_NAMES:
        for as_of in (None, date(2024, 1, 1)):
            s = cspkit.series(
                "Barnet", offence, "2021-01", "2025-02", vintage=as_of, warehouse=path
            )
            out[("series", offence, as_of)] = [(v.month, v.count, v.vintage) for v in s.values]
    with duckdb.connect(str(path), read_only=True) as con:
        for group in ("total", "violence_against_the_person", "burglary"):
            ids = taxonomy.expand(group)
            m = matrix.borough_matrix(con, ids, date(2020, 9, 1), date(2025, 3, 1))
            out[("matrix", group)] = m.counts
        out["crime_rows"] = con.execute(
            """SELECT count(*), sum(hash(file_id, row_id, line, area_code, area_name,
                                         major_text, minor_text)) FROM crime_rows"""
        ).fetchone()
        out["crime_counts"] = con.execute(
            """SELECT count(*), sum(count),
                      sum(hash(file_id, row_id, month, offence_id, count)) FROM crime_counts"""
        ).fetchone()
        out["areas"] = cspkit.areas(warehouse=path)
    return out


@pytest.fixture(scope="module")
def ward_warehouse(loaded_warehouse, tmp_path_factory) -> tuple[Path, dict, dict]:
    """The borough warehouse plus the three ward files and the lookup (read-only use).

    Returns the path and the borough figures before and after the ward files went in.
    """
    path = tmp_path_factory.mktemp("wards") / "warehouse.duckdb"
    shutil.copyfile(loaded_warehouse, path)
    before = _borough_snapshot(path)
    report = cspkit.ingest([WARD, LOOKUP], warehouse=path, taxonomy_files=[])
    assert [f.status for f in report.files] == ["loaded"] * 4
    assert report.unmapped == []
    after = _borough_snapshot(path)
    return path, before, after


def test_ward_files_never_change_borough_figures(ward_warehouse) -> None:
    path, before, after = ward_warehouse
    assert before == after
    with duckdb.connect(str(path), read_only=True) as con:
        sql = "SELECT file_id FROM files WHERE source = 'mps_ward'"
        ward_ids = [r[0] for r in con.execute(sql).fetchall()]
        assert len(ward_ids) == 3
        assert con.execute(
            "SELECT count(*) FROM crime_rows WHERE file_id IN (SELECT unnest(?))", [ward_ids]
        ).fetchone() == (0,)
        months = con.execute(
            "SELECT count(*) FROM file_months WHERE file_id IN (SELECT unnest(?))", [ward_ids]
        ).fetchone()[0]
        assert months == 72
        stored = con.execute("SELECT count(*), sum(count) FROM ward_counts").fetchone()
    cells = sum(len(naive_ward(p)[1]) * 24 for p in WARD_FILES)
    total = sum(sum(r["counts"].values()) for p in WARD_FILES for r in naive_ward(p)[1])
    assert stored == (cells, total)


def _independent_ward_totals(
    offence: str, borough: str, first: date, last: date, as_of: date | None = None
) -> dict[str, int | None]:
    """Per ward code: the sum over the months, each from the newest file covering it."""
    files = [(naive_ward(p), naive_ward(p)[0][-1]) for p in WARD_FILES]  # 24-month files
    files = [(data, v) for data, v in files if as_of is None or v <= as_of]
    per_month: dict[date, dict[str, int]] = {}
    for month in month_list(first, last):
        _, rows = max(((d, v) for d, v in files if month in d[0]), key=lambda x: x[1])[0]
        sums: dict[str, int] = {}
        for r in rows:
            if r["borough"] == borough:
                sums.setdefault(r["code"], 0)
                if (r["major"].lower(), r["minor"].lower()) in SOURCE_NAMES[offence]:
                    sums[r["code"]] += r["counts"][month]
        per_month[month] = sums
    wards_seen = set().union(*per_month.values())
    return {
        code: (
            sum(per_month[m][code] for m in per_month)
            if all(code in per_month[m] for m in per_month)
            else None
        )
        for code in wards_seen
    }


@pytest.mark.parametrize("offence", sorted(SOURCE_NAMES))
def test_barnet_ward_totals_at_the_latest_vintage(ward_warehouse, offence) -> None:
    path, _, _ = ward_warehouse
    first, last = date(2023, 10, 1), date(2023, 12, 1)
    taxonomy = load_taxonomy([])
    with duckdb.connect(str(path), read_only=True) as con:
        result = wards.ward_totals(con, BARNET, taxonomy.expand(offence), first, last)
    expected = _independent_ward_totals(offence, "Barnet", first, last)
    assert {w.ward_code: w.total for w in result.wards} == expected
    assert len(result.wards) == 24 and all(w.total is not None for w in result.wards)
    [used] = result.files
    assert used.vintage == date(2025, 3, 1) and "vintage-2025-03" in used.path
    assert used.months == (first, date(2023, 11, 1), last)
    assert used.codes.code_set == "2022" and result.code_sets == ["2022"]
    assert {w.code_set for w in result.wards} == {"2022"}
    names = {r["code"]: r["ward"] for r in naive_ward(WARD_FILES[-1])[1]}
    assert all(w.ward_name == names[w.ward_code] for w in result.wards)
    top = result.top(3)
    assert [w.total for w in top] == sorted((v for v in expected.values()), reverse=True)[:3]


def test_ward_totals_follow_the_vintage_rule_and_the_code_set(ward_warehouse) -> None:
    path, _, _ = ward_warehouse
    ids = load_taxonomy([]).expand("violence_with_injury")
    with duckdb.connect(str(path), read_only=True) as con:
        # as the data stood in 2023-08: the 2023-08 release, 2022 codes
        then = wards.ward_totals(
            con, BARNET, ids, date(2022, 10, 1), date(2022, 12, 1), as_of=date(2023, 8, 1)
        )
        # early 2021 is only in the 2022-08 release: Barnet's 21 pre-2022 wards
        old = wards.ward_totals(con, BARNET, ids, date(2021, 1, 1), date(2021, 3, 1))
        # a period across the 2021-08/2021-09 seam mixes 2018 and 2022 wards
        mixed = wards.ward_totals(con, BARNET, ids, date(2021, 7, 1), date(2021, 9, 1))
        none = wards.ward_totals(
            con, BARNET, ids, date(2023, 10, 1), date(2023, 12, 1), as_of=date(2023, 8, 1)
        )
    expected = _independent_ward_totals(
        "violence_with_injury", "Barnet", date(2022, 10, 1), date(2022, 12, 1), date(2023, 8, 1)
    )
    assert {w.ward_code: w.total for w in then.wards} == expected
    assert [f.vintage for f in then.files] == [date(2023, 8, 1)]
    assert {w.ward_code: w.total for w in old.wards} == _independent_ward_totals(
        "violence_with_injury", "Barnet", date(2021, 1, 1), date(2021, 3, 1)
    )
    assert len(old.wards) == 21 and old.code_sets == ["2018"]
    assert old.files[0].codes.code_set == "2018"
    assert mixed.code_sets == ["2018", "2022"] and len(mixed.wards) == 21 + 24
    assert all(w.total is None for w in mixed.wards)
    assert "different ward codes" in mixed.wards[0].reason
    assert none.wards == [] and none.reason == (
        "no loaded MPS ward file covers 2023-10 to 2023-12 at vintage 2023-08"
    )


def test_heathrow_villages_counts_only_under_the_borough_asked(ward_warehouse) -> None:
    path, _, _ = ward_warehouse
    ids = load_taxonomy([]).expand("total")
    first, last = date(2024, 1, 1), date(2024, 3, 1)
    with duckdb.connect(str(path), read_only=True) as con:
        hillingdon = wards.ward_totals(con, "E09000017", ids, first, last)
        airports = wards.ward_totals(con, "MPS-AIRPORTS", ids, first, last)
    rows = naive_ward(WARD_FILES[-1])[1]
    for result, borough in ((hillingdon, "Hillingdon"), (airports, "Aviation Security (SO18)")):
        [ward] = [w for w in result.wards if w.ward_code == "E05013570"]
        assert ward.total == sum(
            r["counts"][m]
            for r in rows
            if r["code"] == "E05013570" and r["borough"] == borough
            for m in month_list(first, last)
        )


# ------------------------------------------------------------------ populations


@functools.cache
def naive_sape() -> dict[str, tuple[str, int]]:
    """Ward code -> (name, All Ages) from the SAPE persons file, read with csv."""
    with SAPE_PERSONS.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header_at = next(i for i, r in enumerate(rows) if r and r[0] == "Ward Code 1")
    return {
        r[0]: (r[1], int(r[4].replace(",", "")))
        for r in rows[header_at + 1 :]
        if r and r[0].startswith(("E05", "W05"))
    }


@functools.cache
def naive_census_lsoa() -> dict[str, int]:
    with CENSUS_LSOA.open(encoding="utf-8-sig", newline="") as handle:
        return {r["geography code"]: int(r["Age: Total"]) for r in csv.DictReader(handle)}


def test_population_of_a_2018_ward_is_the_sape_value(ward_warehouse) -> None:
    path, _, _ = ward_warehouse
    barnet_2018 = sorted(
        {r["code"] for r in naive_ward(WARD_FILES[0])[1] if r["borough"] == "Barnet"}
    )
    with duckdb.connect(str(path), read_only=True) as con:
        pops = wards.ward_populations(con, barnet_2018)
    assert list(pops) == barnet_2018
    for code in barnet_2018:
        assert pops[code].population == naive_sape()[code][1]
        assert "mid-2020" in pops[code].source
    assert pops["E05000043"] == (16688, wards.SAPE_LABEL)  # Brunswick Park, "16,688"


def test_population_of_a_2022_barnet_ward_sums_census_lsoas(ward_warehouse) -> None:
    path, _, _ = ward_warehouse
    barnet_2022 = sorted(
        {r["code"] for r in naive_ward(WARD_FILES[-1])[1] if r["borough"] == "Barnet"}
    )
    assert len(barnet_2022) == 24
    with duckdb.connect(str(path), read_only=True) as con:
        pops = wards.ward_populations(con, barnet_2022)
    census = naive_census_lsoa()
    for code in barnet_2022:
        lsoas = [lsoa for lsoa, ward in naive_lookup().items() if ward == code]
        assert lsoas
        assert pops[code].population == sum(census[lsoa] for lsoa in lsoas)
        assert pops[code].source.startswith("Census 2021 usual residents (TS007A)")
        assert f"{len(lsoas)} LSOAs" in pops[code].source
    # the 24 wards cover Barnet's Census 2021 residents (389,343) to within the best fit
    total = sum(p.population for p in pops.values())
    assert abs(total - 389343) / 389343 < 0.01


def test_wards_without_population_are_kept_with_the_reason(ward_warehouse) -> None:
    path, _, _ = ward_warehouse
    # E05000085 is Alperton (Brent) in the 2022-08 ward file and the 2018 boundaries,
    # but the shared SAPE file gives that code to Bickley (Bromley): its code column
    # does not line up with its names after Barnet, so the estimate must not be used.
    assert naive_sape()["E05000085"][0] == "Bickley"
    with duckdb.connect(str(path), read_only=True) as con:
        pops = wards.ward_populations(con, ["E05000085", "E05999999"])
    assert list(pops) == ["E05000085", "E05999999"]
    assert pops["E05000085"].population is None
    assert "'Bickley'" in pops["E05000085"].source and "'Alperton'" in pops["E05000085"].source
    assert pops["E05999999"] == (
        None,
        "the ward code is in neither the ONS mid-2020 ward estimates nor the LSOA 2021 to "
        "ward 2025 lookup loaded",
    )


# ------------------------------------------------------------------ bad input

HEADER = "MajorText,MinorText,WardName,WardCode,LookUp_BoroughName,202310,202311,202312\n"
GOOD = HEADER + "Burglary,Domestic Burglary,Burnt Oak,E05013630,Barnet,5,6,7\n"


@pytest.fixture
def small_warehouse(tmp_path: Path) -> Path:
    good = tmp_path / "good-ward.csv"
    good.write_text(GOOD, encoding="utf-8")
    path = tmp_path / "wh.duckdb"
    cspkit.ingest([good], warehouse=path, taxonomy_files=[])
    return path


def _refused(tmp_path: Path, warehouse: Path, content: str) -> SourceFormatError:
    bad = tmp_path / "bad-ward.csv"
    bad.write_text(content, encoding="utf-8")
    other = tmp_path / "other-ward.csv"
    other.write_text(HEADER + "Robbery,Robbery of Personal Property,Hale,E05013640,Barnet,1,2,3\n")
    before = file_digest(warehouse)
    with pytest.raises(SourceFormatError) as info:
        cspkit.ingest([other, bad], warehouse=warehouse, taxonomy_files=[])
    assert file_digest(warehouse) == before, "a failed load changed the warehouse"
    assert len(cspkit.vintages(warehouse=warehouse)) == 1
    assert info.value.path == str(bad)
    return info.value


def test_truncated_ward_row(tmp_path, small_warehouse) -> None:
    exc = _refused(tmp_path, small_warehouse, GOOD + "Robbery,Robbery,Hale,E05013640,Barnet,4\n")
    assert str(exc) == (
        f"{exc.path}, line 3, column 7: expected 8 fields (5 names and 3 months), found 6; "
        "the row may be truncated or have a stray comma"
    )


def test_text_in_a_ward_count(tmp_path, small_warehouse) -> None:
    exc = _refused(
        tmp_path,
        small_warehouse,
        HEADER + "Burglary,Domestic Burglary,Hale,E05013640,Barnet,1,x,3\n",
    )
    assert str(exc) == (
        f"{exc.path}, line 2, column 7: month 202311: expected a count of offences "
        "(a whole number such as 12 or 1,234), found 'x'"
    )


def test_duplicate_ward_row(tmp_path, small_warehouse) -> None:
    exc = _refused(
        tmp_path,
        small_warehouse,
        GOOD + "BURGLARY,DOMESTIC BURGLARY,Burnt Oak,E05013630,Barnet,1,2,3\n",
    )
    assert str(exc) == (
        f"{exc.path}, line 3: duplicate row: 'BURGLARY / DOMESTIC BURGLARY' for ward "
        "E05013630 (Burnt Oak) in 'Barnet' already appeared on line 2; each category, ward "
        "and borough must appear once"
    )


def test_blank_or_malformed_ward_code(tmp_path, small_warehouse) -> None:
    exc = _refused(
        tmp_path, small_warehouse, HEADER + "Burglary,Domestic Burglary,Hale,,Barnet,1,2,3\n"
    )
    assert (exc.line, exc.column) == (2, 4)
    assert "WardCode is blank" in str(exc)
    exc = _refused(
        tmp_path, small_warehouse, HEADER + "Burglary,Domestic Burglary,Hale,Barnet,Barnet,1,2,3\n"
    )
    assert (exc.line, exc.column) == (2, 4)
    assert "expected a ward's GSS code" in str(exc) and "found 'Barnet'" in str(exc)


def test_unknown_borough_in_a_ward_file(tmp_path, small_warehouse) -> None:
    bad = tmp_path / "bad-ward.csv"
    bad.write_text(HEADER + "Burglary,Domestic Burglary,Hale,E05013640,Barnett,1,2,3\n")
    before = file_digest(small_warehouse)
    with pytest.raises(UnknownArea, match=r"bad-ward.csv, line 2: area 'Barnett'"):
        cspkit.ingest([bad], warehouse=small_warehouse, taxonomy_files=[])
    assert file_digest(small_warehouse) == before


def test_same_ward_under_two_boroughs_is_not_a_duplicate(tmp_path) -> None:
    path = tmp_path / "ward.csv"
    path.write_text(
        HEADER
        + "Burglary,Domestic Burglary,Heathrow Villages,E05013570,Hillingdon,1,2,3\n"
        + "Burglary,Domestic Burglary,Heathrow Villages,E05013570,Aviation Security (SO18),0,1,0\n"
    )
    data = read_file(path)
    assert data.area_names == ["Hillingdon", "Aviation Security (SO18)"]
    assert data.release == "extract" and data.vintage == date(2023, 12, 1)


def test_unmapped_ward_categories_are_reported_and_remapped(tmp_path) -> None:
    path = tmp_path / "ward.csv"
    path.write_text(
        HEADER
        + "Burglary,Domestic Burglary,Burnt Oak,E05013630,Barnet,5,6,7\n"
        + "Cyber Crime,Computer Misuse,Burnt Oak,E05013630,Barnet,1,0,2\n"
    )
    wh = tmp_path / "wh.duckdb"
    report = cspkit.ingest([path], warehouse=wh, taxonomy_files=[])
    [item] = report.unmapped
    assert (item.major, item.minor, item.total) == ("Cyber Crime", "Computer Misuse", 3)
    assert cspkit.unmapped(warehouse=wh) == [item]
    mine = tmp_path / "mine.csv"
    mine.write_text(
        "major,minor,offence\nCyber Crime,Computer Misuse,misc_crimes_against_society\n"
    )
    changed, still, _ = cspkit.remap(warehouse=wh, taxonomy_files=[mine])
    assert changed == 3 and still == []
    with duckdb.connect(str(wh), read_only=True) as con:
        result = wards.ward_totals(
            con, BARNET, ("misc_crimes_against_society",), date(2023, 10, 1), date(2023, 12, 1)
        )
    assert [(w.ward_code, w.total) for w in result.wards] == [("E05013630", 3)]
    assert result.files[0].codes.code_set == "unknown"  # no reference lists loaded


def test_bad_lookup_names_the_line(tmp_path) -> None:
    header = LOOKUP_FILE.read_text(encoding="utf-8-sig").splitlines()[0]
    row = "E01000248,Barnet 001A,,E05013651,Woodhouse,,E09000003,Barnet,,1"
    bad = tmp_path / "lookup.csv"
    bad.write_text(f"\ufeff{header}\n{row}\n{row}\n", encoding="utf-8")
    with pytest.raises(SourceFormatError) as info:
        read_file(bad)
    assert (info.value.line, info.value.column) == (3, 1)
    assert "LSOA E01000248 already appeared on line 2" in str(info.value)
