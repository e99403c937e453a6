"""What readers return: plain, validated tables, independent of any store.

A reader produces one of these; the warehouse loader knows how to store each.
Keeping them here (and not in the readers) lets the warehouse depend on the shapes
without depending on any file format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

import numpy as np

from cspkit.measures.periods import add_months

RECENT = "most recent 24 months"
HISTORICAL = "historical"
EXTRACT = "extract"  # fewer than 24 months: not an MPS release; its own last month
RECENT_MONTHS = 24


@dataclass
class Provenance:
    path: str
    sha256: str
    size: int
    source: str  # reader family: mps_borough, mps_ward, population_series, census, lookup
    layout: str  # human-readable layout name, e.g. "MPS borough layout A"


@dataclass
class MonthlyCrimeCounts:
    """A monthly crime file: one row per (major, minor, area), one column per month."""

    provenance: Provenance
    release: str  # "most recent 24 months" or "historical" (told from the months covered)
    months: list[date]
    majors: list[str]
    minors: list[str]
    area_names: list[str]
    area_lines: list[int]  # the line each row came from, for error messages
    counts: np.ndarray  # shape (rows, months), int64
    blank_cells: int = 0

    @property
    def vintage(self) -> date:
        """The release a file belongs to, known by the last month that release covers.

        The MPS publish two files together each month: "most recent 24 months" (ending
        with the release's last month) and "Historical" (everything before those 24
        months). So a 24-month file's vintage is its own last month, and a historical
        file's vintage is 24 months after its last month - the release it was published
        with. The shared files show this: the layout B historical file ending 2023-02
        uses the layout introduced in 2024, so it cannot have been published before the
        2025-02 release it completes. See docs/vintages.md.
        """
        if self.release == HISTORICAL:
            return add_months(self.months[-1], RECENT_MONTHS)
        return self.months[-1]  # a 24-month release, or a shorter extract


@dataclass
class WardCrimeCounts(MonthlyCrimeCounts):
    """An MPS ward file: one row per (major, minor, ward, borough), one column per month.

    A :class:`MonthlyCrimeCounts` whose ``area_names`` are the borough each row is
    published under (``LookUp_BoroughName``), so boroughs are matched to codes and
    checked exactly as in a borough file, and whose release and vintage follow the
    same rule (24 months: its last month; more: historical, +24; fewer: an extract).
    Each row also carries its ward. The warehouse stores ward files apart from the
    borough files (``ward_rows``/``ward_counts``): ward counts never add to borough
    figures, since the MPS cannot place every crime in a ward.
    """

    ward_codes: list[str] = field(default_factory=list)  # GSS ward code (E05...) per row
    ward_names: list[str] = field(default_factory=list)  # as the file spells them


LSOA_WARD_LOOKUP = "LSOA 2021 to ward 2025 best fit"


@dataclass
class WardLookup:
    """ONS best-fit lookup: each LSOA 2021 to one ward (2025 codes) and local authority.

    The lists are parallel, one entry per LSOA, in file order.
    """

    provenance: Provenance
    lsoa_codes: list[str]
    lsoa_names: list[str]
    ward_codes: list[str]
    ward_names: list[str]
    lad_codes: list[str]
    lad_names: list[str]
    lines: list[int]
    table: str = LSOA_WARD_LOOKUP  # what the file is, for listings (as CensusTable.table)

    @property
    def geography_codes(self) -> list[str]:
        """The geographies the lookup maps (LSOAs), named as in :class:`CensusTable`."""
        return self.lsoa_codes


@dataclass
class PopulationSeries:
    """Resident population by area and year (wide year columns in the source)."""

    provenance: Provenance
    series: str
    codes: list[str]
    names: list[str]
    years: list[int]
    values: list[int]


@dataclass
class CensusTable:
    """A Census 2021 table in long form: geography x category -> count."""

    provenance: Provenance
    table: str  # ONS table id: TS007A, TS021
    geography_codes: list[str] = field(default_factory=list)
    geography_names: list[str] = field(default_factory=list)
    category_codes: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)


DASHBOARD_TABLE = "MPS Monthly Crime Dashboard"


@dataclass
class DashboardCounts:
    """The MPS Monthly Crime Dashboard data: long format, one row per (month, area,
    offence group, offence subgroup, measure) with its count.

    The lists are parallel, one entry per data row of the file, in file order.
    """

    provenance: Provenance
    months: list[date]  # Month_Year of each row (first of the month)
    area_types: list[str]  # "Borough", "Safer Neighbourhood Teams", as the file spells it
    boroughs: list[str]  # Borough_SNT (may be blank)
    area_names: list[str]
    area_codes: list[str]
    offence_groups: list[str]
    offence_subgroups: list[str]
    measures: list[str]  # "Offences", "Positive Outcomes", ...
    counts: np.ndarray  # one per row, int64
    refresh_dates: list[date | None]  # Refresh Date of each row (None when blank)
    lines: list[int]  # the line each row came from, for error messages and tracing

    @property
    def covered_months(self) -> list[date]:
        """The distinct months that have at least one row, in order."""
        return sorted(set(self.months))

    @property
    def refresh_date(self) -> date | None:
        """The latest Refresh Date in the file, if any row has one."""
        dates = [d for d in self.refresh_dates if d is not None]
        return max(dates) if dates else None

    @property
    def vintage(self) -> date:
        """The release, known (like every police release) by the last month it covers.

        The MPS refresh these files early each month with data to the end of the month
        before: a file refreshed on 06/02/2024 runs to 2024-01 and is vintage 2024-01,
        the same as the borough files published that month. The refresh date itself is
        kept as provenance (``refresh_date``).
        """
        return self.covered_months[-1]


POLICE_SOURCE = "police_uk"


@dataclass
class PoliceStored:
    """What storing a data.police.uk file put in the warehouse (filled in by the loader)."""

    rows: int
    months: list[date]
    forces: list[str]
    asb_rows: int = 0  # street-level files: anti-social behaviour rows (no Crime ID)
    no_location: int = 0  # rows without coordinates
    replaced: list[str] = field(default_factory=list)  # paths of files this one replaces


@dataclass
class PoliceArchiveFile:
    """A data.police.uk monthly archive CSV: street-level crime, outcomes or stop and search.

    A national file has millions of rows, so a reader does not hold them: it checks the
    header, the name and the bytes (hash, line count), and the warehouse reads and
    validates the rows as it stores them, with DuckDB's CSV reader when the file is on
    disk or in chunks through Python's csv module otherwise (a member of a zip archive).
    A bad row still stops the whole load and leaves the warehouse as it was.
    """

    provenance: Provenance
    kind: str  # "street" | "outcomes" | "stop-and-search"
    force: str | None  # the force's slug from the file name; None: from "Reported by"
    month: date | None  # the month in the file name, which every row must have
    open_bytes: Callable[[], BinaryIO]  # the file's bytes, from the start (file or zip member)
    disk_path: str | None  # a plain file DuckDB can read itself; None for zip members
    lines: int  # lines up to the last with text (so rows + 1 when each record is a line)
    quoted: bool = True  # the file has a quote character (a field may span lines)
    source_kind: str = "csv"
    stored: PoliceStored | None = None


@dataclass
class PoliceApiStops:
    """Stop and search records from the data.police.uk API (``stops-force``), as JSON.

    The lists are parallel, one entry per record, in list order; ``indexes`` are the
    positions in the JSON list (0-based), kept as each record's ``line``.
    """

    provenance: Provenance
    force: str
    month: date
    indexes: list[int]
    columns: dict[str, list]  # stop_searches column -> values (None when absent)
    source_kind: str = "api"
    kind: str = "stop-and-search"
    stored: PoliceStored | None = None


Dataset = (
    MonthlyCrimeCounts
    | WardCrimeCounts
    | PopulationSeries
    | CensusTable
    | DashboardCounts
    | WardLookup
    | PoliceArchiveFile
    | PoliceApiStops
)
