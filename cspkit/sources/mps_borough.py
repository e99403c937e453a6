"""Reader for the MPS "Borough Level Crime" monthly files (London Datastore).

Two generations of the layout exist (see ../shared/data/PROVENANCE.md):

* layout A (published up to early 2024): ``MajorText,MinorText,LookUp_BoroughName,YYYYMM...``
  with Title Case, detailed minor categories;
* layout B (later): ``MajorText,MinorText,BoroughName,YYYYMM...`` with UPPER CASE,
  coarser categories.

Each generation comes as "most recent 24 months" and "Historical" releases under
the same file name every time, so the layout is told from the header and the release
from the months it covers - never from the file name: 24 months is a "most recent"
file, more is a historical file, fewer is an extract someone cut (its vintage is its
own last month).
"""

from __future__ import annotations

from datetime import date

import numpy as np

from cspkit.errors import SourceFormatError
from cspkit.measures.periods import add_months, format_month, parse_compact_month
from cspkit.sources.datasets import (
    EXTRACT,
    HISTORICAL,
    RECENT,
    RECENT_MONTHS,
    MonthlyCrimeCounts,
    Provenance,
)
from cspkit.sources.textfile import CsvRecords, parse_count

SOURCE = "mps_borough"
LAYOUTS = {
    "lookup_boroughname": "MPS borough layout A",
    "boroughname": "MPS borough layout B",
}
LAYOUT_HEADERS = {
    "MPS borough layout A": "MajorText,MinorText,LookUp_BoroughName,YYYYMM,...",
    "MPS borough layout B": "MajorText,MinorText,BoroughName,YYYYMM,...",
}
LABEL_COLUMNS = 3


def matches(header: list[str]) -> bool:
    """True when the header is an MPS borough file of either layout."""
    if len(header) <= LABEL_COLUMNS:
        return False
    first = [h.strip().lower() for h in header[:LABEL_COLUMNS]]
    return first[:2] == ["majortext", "minortext"] and first[2] in LAYOUTS


def read(records: CsvRecords) -> MonthlyCrimeCounts:
    """Validate and read a whole file; raise :class:`SourceFormatError` at the first problem."""
    path = records.source.path
    header = records.header
    layout = LAYOUTS[header[2].strip().lower()]
    months = month_columns(header, LABEL_COLUMNS, path, records.header_line)
    width = len(header)
    n_months = width - LABEL_COLUMNS

    majors: list[str] = []
    minors: list[str] = []
    areas: list[str] = []
    lines: list[int] = []
    flat: list[str] = []  # one comma-joined string of validated digits per row
    blank_cells = 0
    seen: dict[tuple[str, str, str], int] = {}

    for line, record in records.rows():
        if len(record) != width:
            raise SourceFormatError(
                f"expected {width} fields ({LABEL_COLUMNS} names and {n_months} months), "
                f"found {len(record)}; the row may be truncated or have a stray comma",
                path=path,
                line=line,
                column=min(len(record), width) + 1 if len(record) < width else width + 1,
            )
        major, minor, area = (cell.strip() for cell in record[:LABEL_COLUMNS])
        for col, value in enumerate((major, minor, area), start=1):
            if not value:
                raise SourceFormatError(
                    f"{header[col - 1]} is blank; every row needs a category and an area",
                    path=path,
                    line=line,
                    column=col,
                )
        key = (major.casefold(), minor.casefold(), area.casefold())
        if key in seen:
            raise SourceFormatError(
                f"duplicate row: '{major} / {minor}' for '{area}' already appeared on line "
                f"{seen[key]}; each category and area must appear once",
                path=path,
                line=line,
            )
        seen[key] = line
        digits, blanks = count_cells(record, LABEL_COLUMNS, header, path, line)
        flat.append(digits)
        blank_cells += blanks
        majors.append(major)
        minors.append(minor)
        areas.append(area)
        lines.append(line)

    if not majors:
        raise SourceFormatError(
            "the file has a header but no data rows", path=path, line=records.header_line
        )
    return MonthlyCrimeCounts(
        provenance=Provenance(
            path=path,
            sha256=records.source.sha256,
            size=records.source.size,
            source=SOURCE,
            layout=layout,
        ),
        release=release_of(len(months)),
        months=months,
        majors=majors,
        minors=minors,
        area_names=areas,
        area_lines=lines,
        counts=count_matrix(flat, len(months)),
        blank_cells=blank_cells,
    )


def count_cells(
    record: list[str], label_columns: int, header: list[str], path: str, line: int
) -> tuple[str, int]:
    """A row's month cells as comma-joined validated digits, and how many were blank (0).

    Shared by the borough and ward readers: a cell is a count (``12``, ``"1,234"``) or
    blank (read as 0 and counted); anything else stops the load naming the cell.
    """
    cells = record[label_columns:]
    joined = "".join(cells)
    if all(cells) and joined.isascii() and joined.isdigit():
        return ",".join(cells), 0  # the common case: plain digits, parsed in one go later
    values = []
    blanks = 0
    for offset, cell in enumerate(cells):
        try:
            value = parse_count(cell)
        except ValueError:
            column = label_columns + offset + 1
            raise SourceFormatError(
                f"month {header[column - 1]}: expected a count of offences "
                f"(a whole number such as 12 or 1,234), found '{cell}'",
                path=path,
                line=line,
                column=column,
            ) from None
        if value is None:
            blanks += 1
            value = 0
        values.append(str(value))
    return ",".join(values), blanks


def count_matrix(flat: list[str], n_months: int) -> np.ndarray:
    """Rows x months int64 counts from the rows' validated, comma-joined digits."""
    # every piece of `flat` is validated digits, so NumPy's C parser can read them at once
    counts = np.fromstring(",".join(flat), dtype=np.int64, sep=",")
    return counts.reshape(len(flat), n_months)


def release_of(n_months: int) -> str:
    """24 months is a "most recent" release, more is historical, fewer an extract."""
    if n_months == RECENT_MONTHS:
        return RECENT
    if n_months > RECENT_MONTHS:
        return HISTORICAL
    return EXTRACT


def month_columns(header: list[str], label_columns: int, path: str, line: int) -> list[date]:
    """The month columns: YYYYMM, one per month, consecutive and increasing."""
    months: list[date] = []
    for column, cell in enumerate(header[label_columns:], start=label_columns + 1):
        month = parse_compact_month(cell)
        if month is None:
            raise SourceFormatError(
                f"expected a month as YYYYMM in the header, found '{cell}'",
                path=path,
                line=line,
                column=column,
            )
        if months and month != add_months(months[-1], 1):
            raise SourceFormatError(
                f"month columns must be consecutive: '{cell}' follows {format_month(months[-1])}",
                path=path,
                line=line,
                column=column,
            )
        months.append(month)
    return months
