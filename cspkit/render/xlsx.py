"""The dashboard as a workbook (openpyxl): every figure as a number an analyst can reuse.

Sheets: "Summary" (one row per indicator, every figure), one sheet per indicator (its
monthly series and its London ranking table), "Partner indicators" and "Partner trends"
(when the report has partner KPIs), "Notes" and "Sources". Missing figures are empty cells,
never 0; percentages are stored as fractions with a percentage format, so -13.5% is the
number -0.135 shown as "-13.5%". A partner figure hidden for disclosure control is an empty
value cell beside its published text ("<5", "*"): the number never reaches the workbook.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cspkit.measures.rag import Rag
from cspkit.products.models import DashboardReport, IndicatorReport
from cspkit.products.partner_kpis import PartnerIndicatorReport
from cspkit.render import missing_figures

INT, RATE, PCT, P, RATIO, MONTH = (
    "#,##0",
    "#,##0.00",
    "+0.0%;-0.0%;0.0%",
    "0.0000",
    "0.00",
    "mmm yyyy",
)
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F2")
HOME_FILL = PatternFill("solid", fgColor="E8F0FA")
WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Column:
    title: str
    width: float
    number_format: str | None = None


def _pct(value: float | None) -> float | None:
    return None if value is None else value / 100


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("Yes" if value else "No")


SUMMARY = [
    Column("Indicator id", 30),
    Column("Indicator", 34),
    Column("Heading", 34),
    Column("Available", 10),
    Column("Why not available", 60),
    Column("Count", 10, INT),
    Column("Same period last year", 12, INT),
    Column("Change", 10, PCT),
    Column("Rolling 12 months", 12, INT),
    Column("Previous 12 months", 12, INT),
    Column("Rolling 12m change", 11, PCT),
    Column("Rate", 10, RATE),
    Column("Rate same period last year", 13, RATE),
    Column("Rate per", 11, INT),
    Column("London rank", 9, INT),
    Column("London rank of", 9, INT),
    Column("London rank last year", 10, INT),
    Column("London RAG", 10),
    Column("Comparator rank", 11, INT),
    Column("Comparator rank of", 11, INT),
    Column("Comparator rank last year", 12, INT),
    Column("Comparator RAG", 12),
    Column("p-value", 9, P),
    Column("Significant", 11),
    Column("Rate ratio", 9, RATIO),
    Column("Rate ratio 95% CI low", 11, RATIO),
    Column("Rate ratio 95% CI high", 11, RATIO),
]


def _summary_row(ind: IndicatorReport) -> list[Any]:
    r12, sig = ind.rolling_12m, ind.significance
    ci = sig.rate_ratio_ci if sig else (None, None)
    return [
        ind.id,
        ind.name,
        ind.heading,
        _yes_no(ind.available),
        ind.unavailable_reason,
        ind.count,
        ind.comparison_count,
        _pct(ind.change_pct),
        r12.count if r12 else None,
        r12.comparison_count if r12 else None,
        _pct(r12.change_pct) if r12 else None,
        ind.rate,
        ind.rate_last_year,
        ind.rate_per,
        ind.london_rank,
        ind.london_rank_of,
        ind.london_rank_last_year,
        ind.london_rag.word,
        ind.comparator_rank,
        ind.comparator_rank_of,
        ind.comparator_rank_last_year,
        ind.comparator_rag.word,
        sig.p_value if sig else None,
        _yes_no(sig.significant) if sig else None,
        sig.rate_ratio if sig else None,
        ci[0],
        ci[1],
    ]


def _header(ws: Worksheet, row: int, columns: list[Column], first_col: int = 1) -> None:
    for offset, col in enumerate(columns):
        cell = ws.cell(row=row, column=first_col + offset, value=col.title)
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
        letter = get_column_letter(first_col + offset)
        ws.column_dimensions[letter].width = col.width


def _row(ws: Worksheet, row: int, values: list[Any], columns: list[Column], first_col: int = 1):
    cells = []
    for offset, (value, col) in enumerate(zip(values, columns, strict=True)):
        cell = ws.cell(row=row, column=first_col + offset, value=value)
        if col.number_format:
            cell.number_format = col.number_format
        cells.append(cell)
    return cells


def _rag_fill(rag: Rag) -> PatternFill:
    return PatternFill("solid", fgColor=rag.colour.lstrip("#").upper())


def _summary(ws: Worksheet, report: DashboardReport) -> None:
    ws.title = "Summary"
    _header(ws, 1, SUMMARY)
    ws.row_dimensions[1].height = 45
    rag_cols = {c.title: i for i, c in enumerate(SUMMARY)}
    for i, ind in enumerate(report.indicators, start=2):
        cells = _row(ws, i, _summary_row(ind), SUMMARY)
        cells[rag_cols["London RAG"]].fill = _rag_fill(ind.london_rag)
        cells[rag_cols["Comparator RAG"]].fill = _rag_fill(ind.comparator_rag)
        cells[rag_cols["Why not available"]].alignment = WRAP
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(SUMMARY))}{len(report.indicators) + 1}"


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique sheet name: at most 31 characters, none of []:*?/\\."""
    base = _BAD_SHEET_CHARS.sub("-", name).strip("'")[:31] or "Indicator"
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def _indicator_sheet(ws: Worksheet, ind: IndicatorReport, report: DashboardReport) -> None:
    ws["A1"] = f"{ind.name} in {report.area.name}"
    ws["A1"].font = TITLE
    ws["A2"] = f"{report.period_label}; rates {ind.rate_per_label}"
    if not ind.available:
        title, reason = missing_figures(ind)
        ws["A3"] = f"{title}: {reason}"
        ws["A3"].font = BOLD
    monthly = [Column("Month", 11, MONTH), Column("Count", 9, INT)]
    monthly.append(Column(f"Rate {ind.rate_per_label}", 14, RATE))
    ranking = [
        Column("London rank", 9, INT),
        Column("Area", 24),
        Column("Code", 12),
        Column("Count", 9, INT),
        Column("Population", 12, INT),
        Column(f"Rate {ind.rate_per_label}", 14, RATE),
        Column("Rank last year", 10, INT),
        Column("This area", 9),
    ]
    header_row = 5
    ws.column_dimensions["D"].width = 3
    if ind.monthly:
        _header(ws, header_row, monthly)
        for i, p in enumerate(ind.monthly, start=header_row + 1):
            _row(ws, i, [p.month, p.count, p.rate], monthly)
    if ind.london_table:
        ws.cell(row=header_row - 1, column=5, value="London ranking (1 = lowest rate)").font = BOLD
        _header(ws, header_row, ranking, first_col=5)
        for i, r in enumerate(ind.london_table, start=header_row + 1):
            values = [r.rank, r.area, r.code, r.count, r.population, r.rate, r.rank_last_year]
            cells = _row(ws, i, [*values, "Yes" if r.is_home else None], ranking, first_col=5)
            if r.is_home:
                for cell in cells:
                    cell.font, cell.fill = BOLD, HOME_FILL
    ws.row_dimensions[header_row].height = 30
    ws.freeze_panes = f"A{header_row + 1}"


PARTNER = [
    Column("Code", 26),
    Column("Indicator", 40),
    Column("Owner", 16),
    Column("Unit", 18),
    Column("Frequency", 11),
    Column("Sensitive", 10),
    Column("Period", 11),
    Column("Period (long)", 26),
    Column("Value", 10, "General"),
    Column("Value as published", 12),
    Column("Status", 10),
    Column("Year to date as published", 12),
    Column("Target", 36),
    Column("RAG", 10),
    Column("Sentence", 60),
    Column("Baseline", 50),
    Column("Notes", 50),
    Column("Definition", 60),
    Column("Source", 50),
]
PARTNER_TREND = [
    Column("Code", 26),
    Column("Indicator", 40),
    Column("Period", 11),
    Column("Value", 10, "General"),
    Column("As published", 12),
]


def _number(value: Decimal | None) -> int | float | None:
    """A published figure as a spreadsheet number (None stays an empty cell)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _partner_row(p: PartnerIndicatorReport) -> list[Any]:
    return [
        p.code,
        p.name,
        p.owner,
        p.unit,
        p.frequency,
        "Yes" if p.sensitive else "No",
        p.period,
        p.period_long,
        _number(p.value),
        p.value_display,
        p.status,
        p.year_to_date_display or None,
        p.target_display,
        p.rag.word,
        p.sentence,
        p.baseline_sentence or None,
        "\n".join(p.notes) or None,
        p.definition or None,
        p.source or None,
    ]


def _partner_sheets(wb: Workbook, report: DashboardReport, taken: set[str]) -> None:
    """Every partner indicator's published figures, and each one's trend, one row a period."""
    ws = wb.create_sheet(sheet_name("Partner indicators", taken))
    _header(ws, 1, PARTNER)
    ws.row_dimensions[1].height = 45
    rag = [c.title for c in PARTNER].index("RAG")
    wrapped = {"Target", "Sentence", "Baseline", "Notes", "Definition"}
    for i, p in enumerate(report.partner_indicators, start=2):
        cells = _row(ws, i, _partner_row(p), PARTNER)
        cells[rag].fill = _rag_fill(p.rag)
        for cell, col in zip(cells, PARTNER, strict=True):
            if col.title in wrapped:
                cell.alignment = WRAP
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(PARTNER))}{len(report.partner_indicators) + 1}"
    trend = wb.create_sheet(sheet_name("Partner trends", taken))
    _header(trend, 1, PARTNER_TREND)
    row = 2
    for p in report.partner_indicators:
        for point in p.trend:
            values = [p.code, p.name, point.period, _number(point.value), point.display]
            _row(trend, row, values, PARTNER_TREND)
            row += 1
    trend.freeze_panes = "A2"


def _facts(report: DashboardReport) -> list[tuple[str, str]]:
    vintage = report.vintage.strftime("%Y-%m") if report.vintage else "latest loaded"
    comparators = ", ".join(a.name for a in report.comparators)
    return [
        ("Partnership", report.partnership),
        ("Area", f"{report.area.name} ({report.area.code})"),
        ("Period", report.period_label),
        ("Vintage asked for", vintage),
        ("Vintages used", ", ".join(d.strftime("%Y-%m") for d in report.vintages_used)),
        ("Population series", f"{report.population_series} ({report.population_year})"),
        ("Population note", report.population_note),
        ("Comparator group", f"{report.comparator_name}: {comparators}"),
        ("Generated", report.generated_at.isoformat()),
    ]


def _notes(ws: Worksheet, report: DashboardReport) -> None:
    ws.title = "Notes"
    ws["A1"] = f"{report.title}: {report.area.name}"
    ws["A1"].font = TITLE
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 120
    row = 3
    for label, value in _facts(report):
        ws.cell(row=row, column=1, value=label).font = BOLD
        ws.cell(row=row, column=2, value=value).alignment = WRAP
        row += 1
    ws.cell(row=row + 1, column=1, value="Notes before we start").font = BOLD
    for i, note in enumerate(report.notes, start=row + 1):
        ws.cell(row=i, column=2, value=note).alignment = WRAP
    ws.freeze_panes = "A2"


def _sources(ws: Worksheet, report: DashboardReport) -> None:
    ws.title = "Sources"
    columns = [Column("File", 100), Column("Vintage", 11, MONTH), Column("Note", 36)]
    _header(ws, 1, columns)
    for i, src in enumerate(report.sources, start=2):
        _row(ws, i, [src.path, src.vintage, src.note], columns)
    ws.freeze_panes = "A2"


def workbook(report: DashboardReport) -> Workbook:
    wb = Workbook()
    _summary(wb.active, report)
    taken = {"summary", "notes", "sources"}
    for ind in report.indicators:
        _indicator_sheet(wb.create_sheet(sheet_name(ind.name, taken)), ind, report)
    if report.partner_indicators:
        _partner_sheets(wb, report, taken)
    _notes(wb.create_sheet(), report)
    _sources(wb.create_sheet(), report)
    wb.properties.title = f"{report.title}: {report.area.name}, {report.period_label}"
    wb.properties.creator = "cspkit"
    return wb


def write_xlsx(report: DashboardReport, out: Path) -> Path:
    out = Path(out)
    workbook(report).save(out)
    return out
