"""What readers return: plain, validated tables, independent of any store.

A reader produces one of these; the warehouse loader knows how to store each.
Keeping them here (and not in the readers) lets the warehouse depend on the shapes
without depending on any file format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np


@dataclass
class Provenance:
    path: str
    sha256: str
    size: int
    source: str  # reader family: mps_borough, population_series, census
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
        """A release is known by the last month it covers."""
        return self.months[-1]


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


Dataset = MonthlyCrimeCounts | PopulationSeries | CensusTable
