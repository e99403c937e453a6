"""A sectioned report :class:`~cspkit.products.document.Document` as HTML, PDF, XLSX or JSON.

The evidence packs (needs assessment, strategic assessment) hand their Document view here;
every pack therefore looks alike and looks like the Performance Dashboard (same colours,
typeface and page furniture). ``render_document(doc, "pdf", Path("sna.pdf"))`` writes one
file; JSON writes the product's own contract dict, passed as ``contract=``.

- HTML: one self-contained file (inline CSS and SVG, no URLs): a title block, a contents
  list, each section's paragraphs, tables, charts (each with its text alternative and its
  data table) and notes, then "Data sources".
- PDF: WeasyPrint prints the same HTML on A4 portrait; each section starts a page, charts
  are embedded as SVG images (as for the dashboard) and their data tables move to a
  "Chart data" appendix that each chart links to with its page number.
- XLSX: "Contents", one sheet per table and per chart's data, "Sources"; numbers stay
  numbers with a number format, percentages are fractions shown as "+12.3%".
"""

from __future__ import annotations

import base64
import json
import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from cspkit.errors import CspkitError
from cspkit.measures.change import format_pct
from cspkit.products.document import Cell, CellFormat, Chart, Document, Table

FORMATS: tuple[str, ...] = ("pdf", "html", "xlsx", "json")
MISSING = "–"  # an en dash; the HTML adds a visually hidden "no data"
NUMERIC: frozenset[str] = frozenset({"int", "rate", "pct", "p"})
MARKER = "▶"  # marks highlighted rows (with bold), so colour is never the only signal
# Print widths in points: A4 between the margins, portrait and landscape (document.css).
PORTRAIT_WIDTH, LANDSCAPE_WIDTH = 500.0, 750.0

# -- formatting -----------------------------------------------------------------------------

_MONTH_TEXT = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def _is_missing(value: Cell) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def as_month(value: Cell) -> date | None:
    """A month cell as a date: a date, or text "2023-01" / "2023-01-31"; None otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and (m := _MONTH_TEXT.match(value.strip())):
        return date(int(m[1]), int(m[2]), int(m[3] or 1))
    return None


def format_cell(value: Cell, fmt: CellFormat) -> str:
    """A cell as the reader sees it; a missing value is :data:`MISSING`, never 0.

    int "12,345"; rate "1,234.57"; pct (already a percentage) "+12.3%"; p "0.042" or
    "<0.001"; month "Jan 2023". Text in a numeric column (e.g. "<5") is shown as it is.
    """
    if _is_missing(value):
        return MISSING
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if fmt == "int" and number:
        return f"{round(value):,}"
    if fmt == "rate" and number:
        return f"{value:,.2f}"
    if fmt == "pct" and number:
        return format_pct(value)
    if fmt == "p" and number:
        return "<0.001" if value < 0.0005 else f"{value:.3f}"
    if fmt == "month" and (month := as_month(value)):
        return month.strftime("%b %Y")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _month_long(value: date | None, missing: str) -> str:
    return missing if value is None else value.strftime("%B %Y")


# -- view model -----------------------------------------------------------------------------


@dataclass
class TableView:
    table: Table
    id: str
    headers: list[tuple[str, bool]]  # (title, numeric)
    rows: list[dict]  # {"cells": [(text, numeric, missing)], "highlight": bool}
    row_headers: bool  # first column is a label: <th scope="row">
    parts: list[tuple[list[int], str]]  # for print: columns and size (see print_parts)
    sheet: str = ""


@dataclass
class ChartView:
    chart: Chart
    id: str
    svg: str  # inline SVG for the page
    uri: str  # the same SVG as a data: URI, for print
    data: TableView


@dataclass
class SectionView:
    id: str
    title: str
    paragraphs: list[str]
    tables: list[TableView]
    charts: list[ChartView]
    notes: list[str]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _unique(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _table_view(table: Table, table_id: str) -> TableView:
    width = max([len(table.columns), *(len(r) for r in table.rows)], default=0)
    formats = [table.format_of(i) if i < len(table.columns) else "text" for i in range(width)]
    rows = []
    for index, row in enumerate(table.rows):
        padded = list(row) + [None] * (width - len(row))
        cells = [
            (format_cell(v, f), f in NUMERIC, _is_missing(v))
            for v, f in zip(padded, formats, strict=True)
        ]
        rows.append({"cells": cells, "highlight": index in table.highlight})
    headers = [(c, formats[i] in NUMERIC) for i, c in enumerate(table.columns)]
    headers += [("", False)] * (width - len(headers))
    return TableView(
        table=table,
        id=table_id,
        headers=headers,
        rows=rows,
        row_headers=bool(formats) and formats[0] in ("text", "month"),
        parts=print_parts(headers, [[c[0] for c in r["cells"]] for r in rows]),
    )


_NARROW, _WIDE = frozenset(",.:;'|!ilj()[] "), frozenset("%+<>=mwMW@")


def _ems(text: str) -> float:
    """About how wide ``text`` prints in bold DejaVu Sans, in em (a digit is 0.64 em, 0.70 bold)."""
    return sum(0.34 if c in _NARROW else 0.92 if c in _WIDE else 0.66 for c in text)


def _column_ems(headers: list[tuple[str, bool]], rows: list[list[str]]) -> list[float]:
    """The narrowest each column can print, in em: a number does not wrap, a header wraps
    between words, text keeps room for about 16 characters."""
    widths = []
    for i, (header, numeric) in enumerate(headers):
        cells = [r[i] for r in rows if i < len(r)]
        words = [_ems(w) for text in [header, *cells] for w in text.split()]
        longest = max((_ems(c) for c in cells), default=0.0)
        widths.append(max([*words, longest if numeric else min(longest, 11.0), 0.7]))
    return widths


def _need(ems: list[float], font: float, padding: float) -> float:
    return sum(n * font + 2 * padding for n in ems)


def _fit(chars: list[float]) -> str | None:
    if len(chars) < 7 and _need(chars, 8.5, 5) <= PORTRAIT_WIDTH:
        return ""
    if _need(chars, 7.5, 3) <= PORTRAIT_WIDTH:
        return "wide"
    if _need(chars, 7.5, 3) <= LANDSCAPE_WIDTH:
        return "landscape"
    return "landscape xwide" if _need(chars, 6.5, 2) <= LANDSCAPE_WIDTH else None


def print_parts(
    headers: list[tuple[str, bool]], rows: list[list[str]]
) -> list[tuple[list[int], str]]:
    """How a table prints so that it fits the page: (column indices, size) per part.

    The size is "" (as it is), "wide" (smaller type), "landscape" (smaller type on a
    landscape page) or "landscape xwide" (smaller still). A table too wide even for that
    is printed in parts of as many columns as fit, each repeating the first column.
    """
    chars = _column_ems(headers, rows)
    size = _fit(chars)
    if size is not None or len(chars) < 3:
        return [(list(range(len(chars))), "landscape xwide" if size is None else size)]
    parts: list[list[int]] = [[0]]
    for i in range(1, len(chars)):
        if len(parts[-1]) > 1 and _fit([chars[j] for j in [*parts[-1], i]]) is None:
            parts.append([0])
        parts[-1].append(i)
    fits = [(part, _fit([chars[j] for j in part])) for part in parts]
    return [(part, "landscape xwide" if size is None else size) for part, size in fits]


def _data_uri(svg: str) -> str:
    if "xmlns=" not in svg[: svg.find(">") + 1]:  # an <img> needs the namespace
        svg = svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _merged(defaults: dict, own: dict) -> dict:
    out = dict(defaults)
    for key, value in own.items():
        both = isinstance(value, dict) and isinstance(out.get(key), dict)
        out[key] = _merged(out[key], value) if both else value
    return out


def house_style(spec: dict) -> dict:
    """The spec with the dashboard's look (font, text colour, accent) under its own config."""
    from cspkit.render.charts import FONT, TEXT

    house = {
        "font": FONT,
        "background": "white",
        "axis": {"labelColor": TEXT, "titleColor": TEXT, "labelFontSize": 10, "titleFontSize": 11},
        "legend": {"labelColor": TEXT, "titleColor": TEXT, "labelFontSize": 11},
        "title": {"color": TEXT},
        "mark": {"color": "#1d4f91"},
        "view": {"stroke": None},
    }
    return {**spec, "config": _merged(house, spec.get("config", {}))}


def _chart_view(chart: Chart, chart_id: str, draw: bool) -> ChartView:
    if not draw:
        svg = ""
    elif chart.vega_lite is not None:
        from cspkit.render.charts import spec_to_svg  # vl-convert is slow to import

        spec = house_style(chart.vega_lite)
        svg = spec_to_svg(spec, chart_id=chart_id, title=chart.title)
    else:
        svg = chart.svg or ""
    data = _table_view(chart.data, f"{chart_id}-data")
    return ChartView(chart, chart_id, svg, _data_uri(svg) if svg else "", data)


def _views(document: Document, *, draw: bool = True) -> list[SectionView]:
    """Sections with unique anchors, formatted tables and (if ``draw``) charts drawn."""
    taken: set[str] = {"contents", "data-sources", "chart-data", "title"}
    charts = 0
    views = []
    for section in document.sections:
        anchor = _unique("s-" + (_slug(section.id) or "section"), taken)
        tables = [_table_view(t, f"{anchor}-table-{i}") for i, t in enumerate(section.tables, 1)]
        chart_views = []
        for chart in section.charts:
            charts += 1
            chart_views.append(_chart_view(chart, f"chart-{charts}", draw))
        views.append(
            SectionView(
                anchor,
                section.title,
                section.paragraphs,
                tables,
                chart_views,
                section.notes,
            )
        )
    return views


def context(document: Document, *, for_print: bool = False) -> dict:
    """Everything the template needs, every figure already formatted."""
    return {
        "d": document,
        "for_print": for_print,
        "css": _read_template("document.css"),
        "sections": _views(document),
        "vintage": _month_long(document.vintage, "latest loaded"),
        "generated": document.generated_at.strftime("%d %B %Y, %H:%M"),
        "missing": MISSING,
        "marker": MARKER,
    }


# -- HTML and PDF ---------------------------------------------------------------------------


def _read_template(name: str) -> str:
    return resources.files("cspkit.render").joinpath("templates", name).read_text("utf-8")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("cspkit.render", "templates"),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["month"] = lambda v: _month_long(v, "not applicable")
    return env


def render_html(document: Document, *, for_print: bool = False) -> str:
    """The document as one self-contained HTML page (a string).

    ``for_print`` is the same document for WeasyPrint: charts are SVG images rather than
    inline SVG (half the work), each chart's data table moves from its ``<details>`` (which
    print cannot open) to a "Chart data" appendix, and the contents gain page numbers.
    """
    template = _environment().get_template("document.html")
    return template.render(**context(document, for_print=for_print))


def pdf_bytes(document: Document) -> bytes:
    """The document as a PDF (bytes); nothing is fetched, only inline data: URLs."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    html = render_html(document, for_print=True)
    return HTML(string=html, url_fetcher=fetcher, media_type="print").write_pdf()


# -- XLSX -----------------------------------------------------------------------------------

XLSX_FORMATS: dict[str, str] = {
    "int": "#,##0",
    "rate": "#,##0.00",
    "pct": "+0.0%;-0.0%;0.0%",
    "p": "0.000",
    "month": "mmm yyyy",
}


def _name_sheets(views: list[SectionView]) -> None:
    from cspkit.render.xlsx import sheet_name

    taken = {"contents", "sources"}
    for view in views:
        for tv in view.tables:
            tv.sheet = sheet_name(tv.table.title or view.title, taken)
        for cv in view.charts:
            cv.data.sheet = sheet_name(cv.chart.data.title or cv.chart.title, taken)


def _xlsx_value(value: Cell, fmt: CellFormat) -> Any:
    if _is_missing(value):
        return None
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if fmt == "pct" and number:
        return value / 100
    if fmt == "month":
        return as_month(value) or value
    if isinstance(value, datetime):
        return value.date()
    return value


def _write(ws, row: int, column: int, value: Any, number_format: str | None = None):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text that looks like a formula stays text
    if number_format and not isinstance(value, str):
        cell.number_format = number_format
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def _table_sheet(ws, tv: TableView, section: str, what: str) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    table = tv.table
    _write(ws, 1, 1, table.title or section).font = Font(bold=True, size=14)
    line = f"Section: {section}." if not what.startswith("Chart") else f"{what}, in {section}."
    _write(ws, 2, 1, f"{line} {table.caption}".strip())
    header_row = 4
    headers = list(table.columns) + [""] * (len(tv.headers) - len(table.columns))
    if table.highlight:
        headers.append("This area")
    widths = [max([len(w) for w in h.split()] + [6]) + 2 for h in headers]
    for col, title in enumerate(headers, 1):
        cell = _write(ws, header_row, col, title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE6F2")
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    home = PatternFill("solid", fgColor="E8F0FA")
    for r, (row, view_row) in enumerate(zip(table.rows, tv.rows, strict=True), header_row + 1):
        for c, (text, _numeric, _missing) in enumerate(view_row["cells"], 1):
            fmt = table.format_of(c - 1) if c <= len(table.columns) else "text"
            value = _xlsx_value(row[c - 1] if c <= len(row) else None, fmt)
            cell = _write(ws, r, c, value, XLSX_FORMATS.get(fmt))
            widths[c - 1] = max(widths[c - 1], len(text) + 2)
            if view_row["highlight"]:
                cell.font, cell.fill = Font(bold=True), home
        if view_row["highlight"]:
            cell = _write(ws, r, len(headers), "Yes")
            cell.font, cell.fill = Font(bold=True), home
    for col, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = min(max(width, 8), 60)
    lines = [math.ceil(len(h) / min(max(w, 8), 60)) for h, w in zip(headers, widths, strict=True)]
    ws.row_dimensions[header_row].height = 15 * max([1, *lines])
    ws.freeze_panes = f"A{header_row + 1}"
    if table.rows and headers:
        last = get_column_letter(len(headers))
        ws.auto_filter.ref = f"A{header_row}:{last}{header_row + len(table.rows)}"


def workbook(document: Document):
    """The workbook: "Contents", a sheet per table and per chart's data, "Sources"."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    views = _views(document, draw=False)
    _name_sheets(views)
    wb = Workbook()
    contents = wb.active
    contents.title = "Contents"
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    _write(contents, 1, 1, document.title).font = Font(bold=True, size=14)
    facts = [
        ("Subtitle", document.subtitle),
        ("Area", f"{document.area} ({document.area_code})"),
        ("Period", document.period_label),
        ("As the data stood at", _month_long(document.vintage, "latest loaded")),
        ("Generated", document.generated_at.isoformat()),
    ]
    row = 3
    for label, value in facts:
        if value:
            _write(contents, row, 1, label).font = bold
            _write(contents, row, 2, value).alignment = wrap
            row += 1
    row += 1
    for col, title in enumerate(("Sheet", "Section", "What", "Title", "Caption"), 1):
        _write(contents, row, col, title).font = bold
    listed = []
    for view in views:
        listed += [(tv, view.title, "Table") for tv in view.tables]
        listed += [(cv.data, view.title, f"Chart data: “{cv.chart.title}”") for cv in view.charts]
    for tv, section, what in listed:
        row += 1
        link = _write(contents, row, 1, tv.sheet)
        link.hyperlink = f"#'{tv.sheet}'!A1"
        link.style = "Hyperlink"
        for col, value in enumerate((section, what, tv.table.title, tv.table.caption), 2):
            _write(contents, row, col, value).alignment = wrap
        _table_sheet(wb.create_sheet(tv.sheet), tv, section, what)
    row += 1
    link = _write(contents, row, 1, "Sources")
    link.hyperlink, link.style = "#'Sources'!A1", "Hyperlink"
    _write(contents, row, 3, "Data sources and notes")
    for col, width in zip("ABCDE", (32, 30, 28, 40, 70), strict=True):
        contents.column_dimensions[col].width = width
    _sources_sheet(wb.create_sheet("Sources"), document)
    wb.properties.title = f"{document.title}: {document.area}, {document.period_label}"
    wb.properties.creator = "cspkit"
    return wb


def _sources_sheet(ws, document: Document) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    for col, (title, width) in enumerate((("File", 90), ("Vintage", 11), ("Note", 60)), 1):
        cell = _write(ws, 1, col, title)
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F2")
        ws.column_dimensions["ABC"[col - 1]].width = width
    row = 1
    for row, source in enumerate(document.sources, 2):  # noqa: B007 - used after the loop
        _write(ws, row, 1, source.path)
        _write(ws, row, 2, source.vintage, XLSX_FORMATS["month"])
        _write(ws, row, 3, source.note).alignment = Alignment(wrap_text=True, vertical="top")
    if document.notes:
        _write(ws, row + 2, 1, "Notes").font = Font(bold=True)
        for i, note in enumerate(document.notes, row + 3):
            _write(ws, i, 1, note).alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"


# -- JSON and the dispatcher ----------------------------------------------------------------


def contract_json(contract: dict) -> str:
    """The product's contract as JSON text (dates "YYYY-MM", a missing figure ``null``)."""
    from cspkit.render.jsonout import plain

    return json.dumps(plain(contract), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def render_document(
    document: Document, fmt: str, out: Path, *, contract: dict | None = None
) -> Path:
    """Write ``document`` as ``fmt`` (one of :data:`FORMATS`) to ``out``; return the path.

    JSON writes ``contract`` (the product's own machine-readable dict), not the Document.
    An unknown format, a folder that does not exist or JSON without a contract raise
    :class:`CspkitError` before anything is drawn or written.
    """
    key = fmt.lower().lstrip(".")
    if key not in FORMATS:
        raise CspkitError(f"unknown format '{fmt}': choose one of {', '.join(FORMATS)}")
    out = Path(out)
    if not out.parent.is_dir():
        raise CspkitError(
            f"cannot write {out}: the folder {out.parent} does not exist - create it first"
        )
    if key == "json":
        if contract is None:
            raise CspkitError(
                "JSON writes the product's contract, not the document: pass contract= "
                "(the product's to_dict() result) to render_document"
            )
        out.write_text(contract_json(contract), encoding="utf-8")
    elif key == "html":
        out.write_text(render_html(document), encoding="utf-8")
    elif key == "pdf":
        out.write_bytes(pdf_bytes(document))
    else:
        workbook(document).save(out)
    return out
