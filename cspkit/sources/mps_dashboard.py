"""Reader for the MPS "Monthly Crime Dashboard data" (London Datastore, long format).

The London Datastore publishes the data behind the MPS Crime Dashboard (dataset
``mps-monthly-crime-dahboard-data``) as CSV files with one row per month, area, offence
group, offence subgroup and measure, under exactly this header::

    Month_Year,Area Type,Borough_SNT,Area name,Area code,Offence Group,Offence Subgroup,
    Measure,Financial Year,FY_FYIndex,Count,Refresh Date

Unlike the borough files, these carry the knife crime, gun crime and domestic abuse
subgroups. No public copy could be bundled with cspkit. What is known of the values
comes from public code that reads the real files; the rest are assumptions, stated here
and in docs/ingest.md:

* ``Month_Year`` is the first day of the month, day first: ``01/04/2023``. ``2023-04-01``
  (as the file looks once re-saved by pandas or a database) is accepted too. Any other
  day of the month is refused: it would mean the dates were re-saved month first
  (``04/01/2023``) and cannot be trusted.
* ``Area Type`` is ``Borough`` for borough rows and ``Safer Neighbourhood Teams`` for
  SNT rows (*assumed*: their ``Area code`` is the ward's GSS code, E05...). Only borough
  rows are used for borough figures; other area types are stored as they are.
* ``Offence Group`` / ``Offence Subgroup`` are spelt as the MPS spell them, e.g.
  ``Knife Crime`` / ``Knife Crime with Injury``, ``Gun Crime`` / ``Lethal Barrel
  Discharge`` and ``Domestic Abuse`` / ``Domestic Abuse Violence with Injury``.
  Letter case varies between files, so look-ups ignore it.
* ``Measure`` is ``Offences`` or ``Positive Outcomes``.
* ``Count`` is a whole number (``1,234`` allowed). A blank ``Count`` is refused, not
  read as 0: in a long layout a row exists only to carry its count, so a blank one is
  damaged.
* ``Refresh Date`` is a date, day first (``06/02/2024``) or ``YYYY-MM-DD``, or blank.
  It is kept as provenance; the file's vintage is the last month it covers, as for
  every police release (a file refreshed on 06/02/2024 runs to 2024-01: vintage 2024-01).
* ``Financial Year`` (``fy23-24``) and ``FY_FYIndex`` (*assumed* ``23-24_10``: the
  month's place in the financial year) follow from the month and are not read.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np

from cspkit.errors import SourceFormatError
from cspkit.measures.periods import format_month
from cspkit.sources.datasets import DASHBOARD_TABLE, DashboardCounts, Provenance
from cspkit.sources.textfile import CsvRecords, parse_count

SOURCE = "mps_dashboard"
LAYOUT = DASHBOARD_TABLE
COLUMNS = (
    "Month_Year",
    "Area Type",
    "Borough_SNT",
    "Area name",
    "Area code",
    "Offence Group",
    "Offence Subgroup",
    "Measure",
    "Financial Year",
    "FY_FYIndex",
    "Count",
    "Refresh Date",
)
HEADER = ",".join(COLUMNS)
WIDTH = len(COLUMNS)
BOROUGH = "borough"  # the Area Type of borough rows, compared without regard to case

(
    MONTH,
    AREA_TYPE,
    BOROUGH_SNT,
    AREA_NAME,
    AREA_CODE,
    GROUP,
    SUBGROUP,
    MEASURE,
    _FINANCIAL_YEAR,
    _FY_INDEX,
    COUNT,
    REFRESH,
) = range(WIDTH)
REQUIRED = (AREA_TYPE, AREA_NAME, AREA_CODE, GROUP, SUBGROUP, MEASURE)

_DAY_FIRST = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
MONTH_FORMAT = "the first day of a month as DD/MM/YYYY (e.g. 01/04/2023) or YYYY-MM-DD"
REFRESH_FORMAT = "a date as DD/MM/YYYY (e.g. 06/02/2024) or YYYY-MM-DD, or a blank"


def matches(header: list[str]) -> bool:
    """True when the header is exactly the dashboard's (ignoring case and spaces)."""
    return [h.strip().lower() for h in header] == [c.lower() for c in COLUMNS]


def parse_day(text: str) -> date | None:
    """``06/02/2024`` (day first) or ``2024-02-06`` -> date; None when it is neither."""
    text = text.strip()
    match = _DAY_FIRST.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = _ISO.match(text)
        if not match:
            return None
        year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def read(records: CsvRecords) -> DashboardCounts:
    """Validate and read a whole file; raise :class:`SourceFormatError` at the first problem."""
    path = records.source.path
    header = records.header
    months: list[date] = []
    area_types: list[str] = []
    boroughs: list[str] = []
    area_names: list[str] = []
    area_codes: list[str] = []
    groups: list[str] = []
    subgroups: list[str] = []
    measures: list[str] = []
    counts: list[int] = []
    refresh_dates: list[date | None] = []
    lines: list[int] = []
    month_of: dict[str, date] = {}
    refresh_of: dict[str, date | None] = {"": None}
    seen: dict[tuple, int] = {}

    for line, record in records.rows():
        if len(record) != WIDTH:
            raise SourceFormatError(
                f"expected {WIDTH} fields ({HEADER}), found {len(record)}; "
                "the row may be truncated or have a stray comma",
                path=path,
                line=line,
                column=len(record) + 1 if len(record) < WIDTH else WIDTH + 1,
            )
        cells = [cell.strip() for cell in record]
        month = month_of.get(cells[MONTH])
        if month is None:
            month = parse_day(cells[MONTH])
            if month is None or month.day != 1:
                raise SourceFormatError(
                    f"{header[MONTH]}: expected {MONTH_FORMAT}, found '{record[MONTH]}'",
                    path=path,
                    line=line,
                    column=MONTH + 1,
                )
            month_of[cells[MONTH]] = month
        for index in REQUIRED:
            if not cells[index]:
                raise SourceFormatError(
                    f"{header[index]} is blank; every row needs an area type, area name, "
                    "area code, offence group, offence subgroup and measure",
                    path=path,
                    line=line,
                    column=index + 1,
                )
        count_cell = cells[COUNT]
        if count_cell.isascii() and count_cell.isdigit():
            count = int(count_cell)
        else:
            try:
                parsed = parse_count(count_cell)
            except ValueError:
                parsed = None
            if parsed is None:
                found = (
                    "a blank (a row of this layout exists to carry its count, so a blank "
                    "is not read as 0)"
                    if not count_cell
                    else f"'{record[COUNT]}'"
                )
                raise SourceFormatError(
                    f"{header[COUNT]}: expected a count (a whole number such as 12 or "
                    f"1,234), found {found}",
                    path=path,
                    line=line,
                    column=COUNT + 1,
                )
            count = parsed
        refresh_cell = cells[REFRESH]
        if refresh_cell in refresh_of:
            refreshed = refresh_of[refresh_cell]
        else:
            refreshed = parse_day(refresh_cell)
            if refreshed is None:
                raise SourceFormatError(
                    f"{header[REFRESH]}: expected {REFRESH_FORMAT}, found '{record[REFRESH]}'",
                    path=path,
                    line=line,
                    column=REFRESH + 1,
                )
            refresh_of[refresh_cell] = refreshed
        key = (
            month,
            cells[AREA_TYPE].casefold(),
            cells[AREA_CODE].casefold(),
            cells[GROUP].casefold(),
            cells[SUBGROUP].casefold(),
            cells[MEASURE].casefold(),
        )
        if key in seen:
            raise SourceFormatError(
                f"duplicate row: '{cells[GROUP]} / {cells[SUBGROUP]}' ({cells[MEASURE]}) for "
                f"{cells[AREA_TYPE]} '{cells[AREA_NAME]}' ({cells[AREA_CODE]}) in "
                f"{format_month(month)} already appeared on line {seen[key]}; each month, "
                "area, offence subgroup and measure must appear once",
                path=path,
                line=line,
            )
        seen[key] = line
        months.append(month)
        area_types.append(cells[AREA_TYPE])
        boroughs.append(cells[BOROUGH_SNT])
        area_names.append(cells[AREA_NAME])
        area_codes.append(cells[AREA_CODE])
        groups.append(cells[GROUP])
        subgroups.append(cells[SUBGROUP])
        measures.append(cells[MEASURE])
        counts.append(count)
        refresh_dates.append(refreshed)
        lines.append(line)

    if not months:
        raise SourceFormatError(
            "the file has a header but no data rows", path=path, line=records.header_line
        )
    return DashboardCounts(
        provenance=Provenance(
            path=path,
            sha256=records.source.sha256,
            size=records.source.size,
            source=SOURCE,
            layout=LAYOUT,
        ),
        months=months,
        area_types=area_types,
        boroughs=boroughs,
        area_names=area_names,
        area_codes=area_codes,
        offence_groups=groups,
        offence_subgroups=subgroups,
        measures=measures,
        counts=np.array(counts, dtype=np.int64),
        refresh_dates=refresh_dates,
        lines=lines,
    )
