"""Readers for population denominators.

* Borough population series with wide year columns
  (``Code,Area name,Inner/ Outer London,2011_Population,...``) - any series in that
  shape, e.g. ONS mid-year estimates saved the same way.
* Census 2021 tables from ONS: TS007A (age, 5-year bands, by LTLA or LSOA) and
  TS021 (ethnic group, 20 categories, by LTLA).
"""

from __future__ import annotations

import re
from pathlib import Path

from cspkit.errors import SourceFormatError
from cspkit.sources.datasets import CensusTable, PopulationSeries, Provenance
from cspkit.sources.textfile import CsvRecords, parse_count

_YEAR_COLUMN = re.compile(r"^(?:mid-?)?(\d{4})(?:[_ ]population)?$", re.IGNORECASE)
_GSS_CODE = re.compile(r"^[EWSN]\d{8}$")
_YEAR_RANGE = re.compile(r"[_\- ]*\d{4}(?:[_\-]\d{4})?$")

SERIES_HEADER = "Code,Area name,[other columns],2011_Population,2012_Population,..."
TS007A_HEADER = "date,geography,geography code,Age: Total,Age: Aged 4 years and under,..."
TS021_HEADER = (
    "Lower Tier Local Authorities Code,Lower Tier Local Authorities,"
    "Ethnic group (20 categories) Code,Ethnic group (20 categories),Observation"
)


SAPE_HEADER = (
    "[title rows, then] Ward Code 1,Ward Name 1,LA Code (2021 boundaries),"
    "LA name (2021 boundaries),All Ages,0,1,...,90+"
)


def _norm(header: list[str]) -> list[str]:
    return [h.strip().lower() for h in header]


def matches_series(header: list[str]) -> bool:
    h = _norm(header)
    return (
        len(h) >= 3
        and h[0] == "code"
        and h[1] in ("area name", "name")
        and any(_YEAR_COLUMN.match(x) for x in h[2:])
    )


def matches_ts007a(header: list[str]) -> bool:
    h = _norm(header)
    return h[:4] == ["date", "geography", "geography code", "age: total"]


def matches_ts021(header: list[str]) -> bool:
    return _norm(header) == _norm(TS021_HEADER.split(","))


def matches_sape_ward(header: list[str]) -> bool:
    """ONS small-area (ward) mid-year estimates, SAPE23DT8a: header after title rows."""
    h = _norm(header)
    return len(h) > 5 and h[0].startswith("ward code") and h[4] == "all ages"


def read_sape_ward(records: CsvRecords) -> PopulationSeries:
    """Ward population, all ages, from an ONS SAPE table (one file per sex).

    The series is named after the file's title ("Mid-2020 Persons" ->
    ``ons_ward_mid_2020_persons``); single years of age are not stored yet.
    """
    path = records.source.path
    match = re.search(r"mid-(\d{4})\s+(persons|males|females)", Path(path).stem, re.IGNORECASE)
    year = int(match.group(1)) if match else 0
    sex = match.group(2).lower() if match else "persons"
    if not year:
        title = re.search(r"Mid-(\d{4})", records.source.text[:2000])
        year = int(title.group(1)) if title else 0
    if not year:
        raise SourceFormatError(
            "cannot tell the estimate's year: expected 'Mid-YYYY' in the file name or title",
            path=path,
        )
    codes: list[str] = []
    names: list[str] = []
    values: list[int] = []
    for line, record in records.rows():
        code = record[0].strip()
        if not _GSS_CODE.match(code):
            break  # the notes below the table
        _check_width(records, line, record)
        codes.append(code)
        names.append(record[1].strip())
        values.append(_count(records, line, 4, record[4]))
    table = PopulationSeries(
        provenance=_provenance(records, "population_series", "ONS ward population (SAPE)"),
        series=f"ons_ward_mid_{year}_{sex}",
        codes=codes,
        names=names,
        years=[year] * len(codes),
        values=values,
    )
    if not codes:
        raise SourceFormatError(
            "the file has a header but no data rows", path=path, line=records.header_line
        )
    return table


def series_name_for(path: str) -> str:
    """Default series name: the file name without its year range.

    ``borough_population_2011-2022.csv`` and ``borough_population_2023-2024.csv`` are
    two parts of one series, "borough_population".
    """
    stem = Path(path).stem
    return _YEAR_RANGE.sub("", stem) or stem


def read_series(records: CsvRecords, *, series: str | None = None) -> PopulationSeries:
    path = records.source.path
    header = records.header
    year_columns = []
    for index, name in enumerate(header):
        match = _YEAR_COLUMN.match(name.strip())
        if index >= 2 and match:
            year_columns.append((index, int(match.group(1))))
    codes: list[str] = []
    names: list[str] = []
    years: list[int] = []
    values: list[int] = []
    for line, record in records.rows():
        if len(record) != len(header):
            raise SourceFormatError(
                f"expected {len(header)} fields, found {len(record)}",
                path=path,
                line=line,
                column=min(len(record), len(header)) + 1,
            )
        code, name = record[0].strip(), record[1].strip()
        if not code:
            raise SourceFormatError("Code is blank", path=path, line=line, column=1)
        for index, year in year_columns:
            try:
                value = parse_count(record[index])
            except ValueError:
                value = None
                bad = True
            else:
                bad = value is None
            if bad:
                raise SourceFormatError(
                    f"{header[index]}: expected a population (a whole number), "
                    f"found '{record[index]}'",
                    path=path,
                    line=line,
                    column=index + 1,
                )
            codes.append(code)
            names.append(name)
            years.append(year)
            values.append(value)  # type: ignore[arg-type]
    if not codes:
        raise SourceFormatError(
            "the file has a header but no data rows", path=path, line=records.header_line
        )
    return PopulationSeries(
        provenance=_provenance(records, "population_series", "population series (wide years)"),
        series=series or series_name_for(path),
        codes=codes,
        names=names,
        years=years,
        values=values,
    )


def read_ts007a(records: CsvRecords) -> CensusTable:
    """Census 2021 TS007A: one row per geography, one column per age band."""
    header = records.header
    table = CensusTable(_provenance(records, "census", "Census 2021 TS007A (age)"), "TS007A")
    bands = [(i, header[i].removeprefix("Age: ").strip()) for i in range(3, len(header))]
    for line, record in records.rows():
        _check_width(records, line, record)
        code, name = record[2].strip(), record[1].strip()
        for index, band in bands:
            table.geography_codes.append(code)
            table.geography_names.append(name)
            table.category_codes.append(str(index - 3))
            table.categories.append(band)
            table.counts.append(_count(records, line, index, record[index]))
    _check_rows(records, table)
    return table


def read_ts021(records: CsvRecords) -> CensusTable:
    """Census 2021 TS021: already long, one row per (authority, ethnic group)."""
    table = CensusTable(_provenance(records, "census", "Census 2021 TS021 (ethnic group)"), "TS021")
    for line, record in records.rows():
        _check_width(records, line, record)
        table.geography_codes.append(record[0].strip())
        table.geography_names.append(record[1].strip())
        table.category_codes.append(record[2].strip())
        table.categories.append(record[3].strip())
        table.counts.append(_count(records, line, 4, record[4]))
    _check_rows(records, table)
    return table


def _provenance(records: CsvRecords, source: str, layout: str) -> Provenance:
    s = records.source
    return Provenance(path=s.path, sha256=s.sha256, size=s.size, source=source, layout=layout)


def _check_width(records: CsvRecords, line: int, record: list[str]) -> None:
    width = len(records.header)
    if len(record) != width:
        raise SourceFormatError(
            f"expected {width} fields, found {len(record)}",
            path=records.source.path,
            line=line,
            column=min(len(record), width) + 1,
        )


def _count(records: CsvRecords, line: int, index: int, cell: str) -> int:
    try:
        value = parse_count(cell)
    except ValueError:
        value = None
    if value is None:
        raise SourceFormatError(
            f"{records.header[index]}: expected a count (a whole number), found '{cell}'",
            path=records.source.path,
            line=line,
            column=index + 1,
        )
    return value


def _check_rows(records: CsvRecords, table: CensusTable) -> None:
    if not table.counts:
        raise SourceFormatError(
            "the file has a header but no data rows",
            path=records.source.path,
            line=records.header_line,
        )
