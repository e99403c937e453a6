"""Readers for external file formats, and detection of which reader a file needs.

Detection looks at the header only (never the file name: MPS releases all share one
name). A file that matches no layout is refused with the header it has and the
layouts that are known.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cspkit.errors import SourceFormatError, UnknownLayout
from cspkit.sources import lookups, mps_borough, mps_dashboard, mps_ward, population
from cspkit.sources.datasets import Dataset
from cspkit.sources.textfile import CsvRecords, csv_records, read_text


@dataclass(frozen=True)
class Layout:
    name: str
    header: str
    matches: Callable[[list[str]], bool]
    read: Callable[[CsvRecords], Dataset]
    title_rows: bool = False  # ONS spreadsheets put title rows above the header


LAYOUTS: tuple[Layout, ...] = (
    *(
        Layout(name, header, mps_borough.matches, mps_borough.read)
        for name, header in mps_borough.LAYOUT_HEADERS.items()
    ),
    Layout(mps_ward.LAYOUT, mps_ward.HEADER, mps_ward.matches, mps_ward.read),
    Layout(mps_dashboard.LAYOUT, mps_dashboard.HEADER, mps_dashboard.matches, mps_dashboard.read),
    Layout(
        "population series (wide years)",
        population.SERIES_HEADER,
        population.matches_series,
        population.read_series,
    ),
    Layout(
        "Census 2021 TS007A (age)",
        population.TS007A_HEADER,
        population.matches_ts007a,
        population.read_ts007a,
    ),
    Layout(
        "Census 2021 TS021 (ethnic group)",
        population.TS021_HEADER,
        population.matches_ts021,
        population.read_ts021,
    ),
    Layout(
        "ONS ward population (SAPE)",
        population.SAPE_HEADER,
        population.matches_sape_ward,
        population.read_sape_ward,
        title_rows=True,
    ),
    Layout(lookups.LAYOUT, lookups.HEADER, lookups.matches, lookups.read),
)

TITLE_ROWS_SEARCHED = 10


def detect(records: CsvRecords) -> tuple[Layout, CsvRecords]:
    """The layout whose header the file has, and the records positioned after that header.

    Raises :class:`UnknownLayout` if no layout matches.
    """
    for layout in LAYOUTS:
        if layout.matches(records.header):
            return layout, records
    for skip in range(1, TITLE_ROWS_SEARCHED):
        try:
            candidate = csv_records(records.source, skip_lines=skip)
        except SourceFormatError:
            break
        for layout in LAYOUTS:
            if layout.title_rows and layout.matches(candidate.header):
                return layout, candidate
    seen = ",".join(records.header)
    if len(seen) > 200:
        seen = seen[:200] + "..."
    known = "\n".join(f"  - {layout.name}: {layout.header}" for layout in LAYOUTS)
    raise UnknownLayout(
        f"unknown layout. The header is:\n  {seen}\nLayouts cspkit can read:\n{known}",
        path=records.source.path,
        line=records.header_line,
    )


def read_file(path: str | Path) -> Dataset:
    """Read any supported file: decode, detect the layout from the header, validate."""
    layout, records = detect(csv_records(read_text(path)))
    return layout.read(records)


__all__ = ["LAYOUTS", "Layout", "detect", "read_file"]
