"""A generic report document: sections of sentences, tables and charts.

The evidence packs (needs assessment, strategic assessment) are long, sectioned
documents rather than one page per indicator. Each such product returns its own typed
model (the JSON contract) and a :class:`Document` view of it, which the generic
renderers in :mod:`cspkit.render.document` turn into HTML, PDF and XLSX - so every
pack looks alike and no product knows about HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from cspkit.products.models import SourceRef

CellFormat = Literal["text", "int", "rate", "pct", "p", "month"]
Cell = str | int | float | date | None


@dataclass
class Table:
    """A table with typed columns; ``highlight`` rows are the home area's."""

    title: str
    columns: list[str]
    rows: list[list[Cell]]
    formats: list[CellFormat] | None = None  # one per column; default text
    highlight: list[int] = field(default_factory=list)  # row indices
    caption: str = ""  # what the table shows, one sentence

    def format_of(self, index: int) -> CellFormat:
        return self.formats[index] if self.formats else "text"


@dataclass
class Chart:
    """A chart as a Vega-Lite spec (or ready-made SVG), with its text and data."""

    title: str
    text_alternative: str  # a sentence a screen reader or a printout can use
    data: Table  # the chart's data table, always shown or downloadable
    vega_lite: dict | None = None
    svg: str | None = None  # e.g. a choropleth map drawn by cspkit.render.choropleth


@dataclass
class Section:
    id: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # caveats, shown smaller


@dataclass
class Document:
    title: str  # "Serious Violence Strategic Needs Assessment: data pack"
    area: str
    area_code: str
    period_label: str  # "January 2022 to October 2023"
    vintage: date | None
    sections: list[Section]
    sources: list[SourceRef]
    notes: list[str] = field(default_factory=list)
    subtitle: str = ""
    generated_at: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))
