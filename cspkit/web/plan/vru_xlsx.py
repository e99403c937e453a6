"""The action plan as the London VRU's spreadsheet (XLSX), both ways.

:func:`write_workbook` turns plan data (:func:`~cspkit.web.plan.plan_io.plan_data`) into a
workbook laid out like the VRU template; :func:`read_workbook` turns such a workbook - ours,
or a borough's copy of the real template - back into plan data, or raises
:class:`WorkbookErrors` listing *every* problem found (sheet, row, column, value, problem).
:func:`import_workbook` is what the web page and ``cspkit web import-plan`` call: read, and
only if the file has no problems, apply it in one transaction. A file with problems changes
nothing.

Layout written (and read)
-------------------------

Sheet **VVR ACTION PLAN** (the template's main tab):

* row 1, column A: the title (the plan's title; merged over A:O);
* row 2: A the year (``2023/24``), then the SENIOR LEADERSHIP labels B ``Name``,
  C ``Organisation``, D ``Role`` and E ``Key Local Strategic Documents that support violence
  reduction``;
* rows 3 on: one leadership role a row (B name, C organisation, D role), and the key
  documents one a row in column E; A3 ``ACTION PLAN`` and A4 ``SENIOR LEADERSHIP`` are labels
  only. The block is grouped (outline) so it can be folded away;
* a blank row, then the header row - the template's 15 headings in order:
  ``Ref | Theme | Action No | Actions | Local Outcomes | VRU Outcomes | Named CSP Lead |
  Lead organisation | Start date | End date | Supporting organisation(s) | Progress | Comment |
  Document Reference(s) | Risk RAG status`` (columns A-O), and two cspkit columns the template
  has no place for: P ``Objectives (cspkit)`` (strategy objective numbers, ``1, 7``) and
  Q ``SNA recommendations (cspkit)`` (needs assessment recommendation numbers). Extra columns
  to the right are how the round trip keeps what the template cannot hold; their header
  cells carry a comment saying so;
* one spreadsheet row per delivery row. An action's first row carries Ref, Theme
  (``1. GOVERNANCE`` - written on *every* action's first row, not only the first of a theme:
  simpler to sort/filter and to read back, and still reads as the template), Action No,
  Actions, the VRU outcomes (one a line, from the VRU OUTCOMES sheet), the action's
  Progress, Comment, Document Reference(s), Risk RAG status and the cspkit link columns, and
  its first delivery row's own columns (E, G-K). A continuation row has Ref, Theme,
  Action No and Actions blank and carries its own values (its VRU Outcomes cell is kept as
  free text there, as a partner typed it). An action with no delivery rows is one row with
  those columns blank;
* Progress is written as the template's Stage words ``Not started``, ``Planning``,
  ``Implementation/delivery``, ``Complete``; Risk RAG status as ``Green``, ``Amber``,
  ``Red``; both columns have drop-down lists (data validation);
* start and end are real Excel dates. A month (``2024-01`` in the data: a start on the 1st,
  an end on the last day of a month) is written with number format ``mmm-yy`` (shows
  ``Jan-24``); any other day with ``dd-mmm-yy``, so the day survives;
* bold, filled header, wrapped text, column widths like the template, panes frozen under
  the header, an auto-filter over the table, RAG cells coloured by conditional formatting.

Sheet **MENU OF OPTIONAL ACTIONS**: a header row ``Theme | No | Action | VRU OUTCOMES`` then
one optional action a row (theme ``N. NAME`` on every row; outcomes one a line).
Sheet **EMERGING THEMES**: the template's introduction, then ``Theme | BOROUGH UPDATES`` and
one emerging theme a row. Sheet **VRU OUTCOMES**: the VRU's controlled list of outcomes, one
a row under the heading ``VRU outcome`` (the VRU Outcomes cells must use these).
Sheet **THEMES**: ``Number | Theme | Description``. Sheet **STRATEGY**: labels in column A,
values in B (``Strategy title``, ``Starts``, ``Ends``, ``Review due``), then a table
``Number | Objective`` and a table ``Number | SNA recommendation``. Sheet
**ORGANISATIONS**: ``Partnership`` and ``Area`` (label in A, value in B), then
``Short name | Name | Kind`` (kind as its label, e.g. ``Council service``).

What is accepted on reading
---------------------------

* The action table is found by its header row (the first row, within any sheet - the one
  named VVR ACTION PLAN first - whose first cells read ``Ref``/``Theme``/``Action No``);
  the title, year (a cell like ``2023/24`` above it) and the leadership block (located by
  its ``Name``/``Organisation``/``Role`` labels) are read above it. Each of the 15 headings
  must be in its column (case, spacing and punctuation aside; ``Outcomes`` for Local
  Outcomes, ``Comments``, ``RAG status`` etc. are accepted) - otherwise a problem says which
  heading was expected in which column, and where it was found instead. Rows that only repeat
  the headings (the real template repeats them per theme) are skipped, as are empty rows.
* Theme cells: ``N. NAME`` (anything before the number, e.g. ``NEW SECTION: 8. ...``, is
  ignored), or a theme's name alone; a blank theme cell means "the theme above" (the real
  template writes the theme once, in a merged cell). With a THEMES sheet the themes must be
  on it (matched by number, else by name); without one, a ``N. NAME`` cell defines theme N
  (name = its first line, description = the following lines) unless the database already has
  theme N for that plan, whose name is kept.
* A row with Action No, Actions or Ref starts an action; other rows continue the action
  above. Action No without Actions is a problem.
* Dates: Excel dates (a date cell whose number format shows no day, e.g. ``mmm-yy``, means the
  whole month, so an end of ``Mar-27`` is 31 March 2027), or text: ``Jan-24``, ``Jan - 25``,
  ``January 2025``, ``Sept 24``, ``2024-01``, ``2024-01-15``, ``15/01/2024``, ``01/2024``.
  An end before the start is a problem.
* Progress: the Stage words in any case and spacing (``Implementation / delivery``,
  ``implementation``, ``delivery``, ``completed`` too); RAG: ``Green``/``Amber``/``Red`` in any
  case, or ``G``/``A``/``R``.
* VRU outcomes: several in one cell, separated by new lines or ``;`` (trailing ``.``/``;``
  ignored, case and spacing aside); each must be on the workbook's VRU OUTCOMES sheet, or
  without that sheet among the outcomes already in the database - otherwise a problem names
  the closest entry of the list.
* Objectives / SNA recommendations columns: numbers separated by commas; each must be in the
  STRATEGY sheet (or the database's strategy for the plan).
* What a workbook lacks is left as it is in the database (see :func:`complete_from_database`):
  without the two cspkit columns an action keeps its links; without the MENU / EMERGING
  THEMES sheets or the leadership block those keep theirs; without STRATEGY or ORGANISATIONS
  the strategy and organisations are untouched (new lead organisations are still created).

Problems
--------

Every problem is a :class:`Problem` ``(sheet, row, column, value, problem)`` - spreadsheet
row number (1-based, the header row counted) and column letter, as Excel shows them. Messages
are written for the person fixing the sheet, e.g. ``"'Jam-24' is not a month or date: write a
month like Jan-24 (did you mean Jan-24?) or a day like 15/01/2024"``, ``"not in the VRU
outcomes list (sheet VRU OUTCOMES); the closest is 'Reduced weapon carrying'"``,
``"ends before it starts (Jan-25)"``, ``"expected the heading 'Risk RAG status' here"``,
``"is not an Excel workbook (.xlsx)"``.
"""

from __future__ import annotations

import calendar
import difflib
import io
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils.text import slugify
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from cspkit.web.plan.models import (
    ActionPlan,
    Organisation,
    Partnership,
    Rag,
    Stage,
    Strategy,
    VruOutcome,
    month_end,
    month_start,
)
from cspkit.web.plan.plan_io import (
    ImportResult,
    PlanDataError,
    apply_plan_data,
    format_month,
    parse_month,
    plan_data,
)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

SHEET_PLAN = "VVR ACTION PLAN"
SHEET_MENU = "MENU OF OPTIONAL ACTIONS"
SHEET_EMERGING = "EMERGING THEMES"
SHEET_OUTCOMES = "VRU OUTCOMES"
SHEET_THEMES = "THEMES"
SHEET_STRATEGY = "STRATEGY"
SHEET_ORGANISATIONS = "ORGANISATIONS"

TITLE_SUFFIX = "Community Safety Partnership Local Violence and Vulnerability Reduction Action Plan"
KEY_DOCUMENTS_LABEL = "Key Local Strategic Documents that support violence reduction"

# The action table: (key, heading as in the template, accepted headings after _norm()).
COLUMNS: tuple[tuple[str, str, frozenset[str]], ...] = tuple(
    (key, heading, frozenset(aliases))
    for key, heading, aliases in (
        ("ref", "Ref", {"ref", "reference"}),
        ("theme", "Theme", {"theme"}),
        ("number", "Action No", {"actionno", "actionnumber", "no", "number"}),
        ("text", "Actions", {"actions", "action"}),
        ("local_outcomes", "Local Outcomes", {"localoutcomes", "localoutcome", "outcomes"}),
        ("vru_outcomes", "VRU Outcomes", {"vruoutcomes", "vruoutcome"}),
        ("named_lead", "Named CSP Lead", {"namedcsplead", "csplead", "namedlead", "lead"}),
        (
            "lead_organisation",
            "Lead organisation",
            {"leadorganisation", "leadorganisations", "leadorganization", "leadorganizations"},
        ),
        ("start", "Start date", {"startdate", "start"}),
        ("end", "End date", {"enddate", "end"}),
        (
            "supporting",
            "Supporting organisation(s)",
            {
                "supportingorganisations",
                "supportingorganisation",
                "supportingorganizations",
                "supportingorganization",
            },
        ),
        ("progress", "Progress", {"progress", "stage"}),
        ("comment", "Comment", {"comment", "comments"}),
        (
            "document_refs",
            "Document Reference(s)",
            {"documentreferences", "documentreference", "documentrefs", "documentref"},
        ),
        ("rag", "Risk RAG status", {"riskragstatus", "ragstatus", "riskrag", "rag"}),
    )
)
HEADINGS = tuple(heading for _, heading, _ in COLUMNS)
EXTRA_COLUMNS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("objectives", "Objectives (cspkit)", frozenset({"objectivescspkit", "objectives"})),
    (
        "recommendations",
        "SNA recommendations (cspkit)",
        frozenset(
            {
                "snarecommendationscspkit",
                "snarecommendations",
                "recommendationscspkit",
                "recommendations",
            }
        ),
    ),
)
_EXTRA_COMMENT = (
    "Not a column of the VRU template. cspkit keeps here what the template has no column for "
    "(the action's links to the strategy's {what}, as numbers like 1, 7 - see the STRATEGY "
    "sheet) so that exporting and importing again loses nothing. Leave it, or delete the column "
    "before sending the sheet to the VRU; an import without it keeps the links as they are."
)
ROW_KEYS = ("local_outcomes", "named_lead", "lead_organisation", "start", "end", "supporting")
CONTINUATION_KEYS = ("vru_outcomes_text", "progress", "comment", "document_refs", "rag")
_HEADER_WORDS = frozenset().union(*(a for _, _, a in COLUMNS + EXTRA_COLUMNS)) | {
    "risk",
    "ragstatus",
    "riskragstatus",
}

STAGE_WORDS = {
    "notstarted": Stage.NOT_STARTED,
    "planning": Stage.PLANNING,
    "implementationdelivery": Stage.DELIVERY,
    "implementation": Stage.DELIVERY,
    "delivery": Stage.DELIVERY,
    "complete": Stage.COMPLETE,
    "completed": Stage.COMPLETE,
}
RAG_WORDS = {
    "green": Rag.GREEN,
    "g": Rag.GREEN,
    "amber": Rag.AMBER,
    "a": Rag.AMBER,
    "red": Rag.RED,
    "r": Rag.RED,
}
KIND_WORDS = {
    **{_k: _k for _k in Organisation.Kind.values},
    **{re.sub(r"[^a-z0-9]", "", _l.lower()): _v for _v, _l in Organisation.Kind.choices},
}

EMERGING_INTRO = (
    "For 2023 the VRU is also asking boroughs to provide information on work that is being "
    "carried out under these areas, which are mentioned in the VRU's own strategy.",
    "While we have not yet included any specific actions in relation to these, increasing our "
    "knowledge would help us assess how we could focus and co-ordinate work in the future.",
    "This section asks boroughs to provide information on any work they are undertaking in "
    "these spaces.",
)


# ---------------------------------------------------------------------------------------------
# Problems


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the workbook, where Excel shows it (row 1-based, column letter)."""

    sheet: str
    row: int | None
    column: str
    value: str
    problem: str

    def __str__(self) -> str:
        where = self.sheet or "file"
        if self.row is not None:
            where += f"!{self.column}{self.row}"
        elif self.column:
            where += f" column {self.column}"
        value = f" {self.value!r}:" if self.value else ""
        return f"{where}:{value} {self.problem}"


class WorkbookErrors(Exception):
    """The workbook cannot be imported; ``problems`` lists every problem found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__(
            f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''} "
            "in the workbook:\n" + "\n".join(f"  {p}" for p in self.problems)
        )


# ---------------------------------------------------------------------------------------------
# Small helpers


def _norm(value: Any) -> str:
    """Compare headings and words: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", str(value or "").lower())


def _key(value: str) -> str:
    """Compare list entries: lower case, single spaces."""
    return " ".join(str(value).split()).lower()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def _display(value: Any, number_format: str = "General") -> str:
    """A cell's value as the person sees it, for problem reports."""
    if isinstance(value, datetime | date):
        day = value.date() if isinstance(value, datetime) else value
        return f"{day:%b-%y}" if _month_format(number_format) else f"{day:%d/%m/%Y}"
    return _text(value)


def _month_format(number_format: str) -> bool:
    """Does the number format show a month and year but no day (``mmm-yy``, ``mmmm yyyy``)?"""
    fmt = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", str(number_format or "")).lower()
    return "m" in fmt and "y" in fmt and "d" not in fmt


def _safe(text: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _month_label(value: str, *, end: bool) -> str:
    day = parse_month(value, end=end)
    return f"{day:%b-%y}" if day else ""


_MONTH_NAMES = [m.lower() for m in calendar.month_name if m]
_TEXT_MONTH = re.compile(r"^([A-Za-z]+)\.?\s*[-/ ,]?\s*'?(\d{4}|\d{2})$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
_UK_DAY = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})$")
_UK_MONTH = re.compile(r"^(\d{1,2})/(\d{4})$")
_YEAR = re.compile(r"^(\d{4})\s*[/-]\s*(\d{2}|\d{4})$")


def _year(text: str) -> int:
    year = int(text)
    return 2000 + year if year < 100 else year


def _month_word(word: str) -> int | None:
    word = word.lower()
    if len(word) < 3:
        return None
    for number, name in enumerate(_MONTH_NAMES, start=1):
        if name.startswith(word) or (word == "sept" and number == 9):
            return number
    return None


class _BadDate(ValueError):
    pass


def parse_cell_date(value: Any, number_format: str, *, end: bool) -> tuple[str, date | None]:
    """A Start/End cell as plan-data text (``YYYY-MM`` or ``YYYY-MM-DD``) and the date it
    means (a month's first day for a start, its last for an end); raises _BadDate."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "", None
    if isinstance(value, datetime | date):
        day = value.date() if isinstance(value, datetime) else value
        if _month_format(number_format):
            return _month_value(day.year, day.month, end=end)
        return format_month(day, end=end), day
    if isinstance(value, int | float):
        raise _BadDate("is a number, not a date: write a month like Jan-24 or a date")
    text = " ".join(str(value).split())
    try:
        if m := _TEXT_MONTH.match(text):
            month = _month_word(m[1])
            if month is None:
                raise _BadDate(_month_hint(text, m[1], m[2]))
            return _month_value(_year(m[2]), month, end=end)
        if m := _ISO_MONTH.match(text):
            return _month_value(int(m[1]), int(m[2]), end=end)
        if m := _ISO_DAY.match(text):
            day = date(int(m[1]), int(m[2]), int(m[3]))
            return format_month(day, end=end), day
        if m := _UK_DAY.match(text):
            day = date(_year(m[3]), int(m[2]), int(m[1]))
            return format_month(day, end=end), day
        if m := _UK_MONTH.match(text):
            return _month_value(int(m[2]), int(m[1]), end=end)
    except ValueError as exc:
        if isinstance(exc, _BadDate):
            raise
        raise _BadDate("is not a real date") from None
    raise _BadDate(_month_hint(text, None, None))


def _month_value(year: int, month: int, *, end: bool) -> tuple[str, date]:
    day = month_end(year, month) if end else month_start(year, month)  # ValueError if month > 12
    return f"{year:04d}-{month:02d}", day


def _month_hint(text: str, word: str | None, year: str | None) -> str:
    hint = "is not a month or date: write a month like Jan-24 or a day like 15/01/2024"
    if word and year:
        close = difflib.get_close_matches(word.lower(), [m[:3] for m in _MONTH_NAMES], n=1)
        if close:
            hint += f" (did you mean {close[0].title()}-{year[-2:]}?)"
    return hint


def _split_outcomes(text: str) -> list[str]:
    parts = []
    for part in re.split(r"[\n;]", text):
        part = part.strip().rstrip(".;,").strip()
        if part:
            parts.append(part)
    return parts


def _numbers(text: str) -> list[int] | None:
    text = text.strip()
    if not text:
        return []
    parts = [p for p in re.split(r"[\s,;]+", text) if p]
    if not all(re.fullmatch(r"\d+", p) for p in parts):
        return None
    return sorted({int(p) for p in parts})


def _cells(row: tuple, count: int) -> list:
    cells = list(row[:count])
    return cells + [None] * (count - len(cells))


def _value(cell) -> Any:
    return None if cell is None else cell.value


def _fmt(cell) -> str:
    return getattr(cell, "number_format", None) or "General"


# ---------------------------------------------------------------------------------------------
# Writing

_THIN = Side(style="thin", color="9A9A9A")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", start_color="D9E1F2", end_color="D9E1F2")
_LABEL_FILL = PatternFill("solid", start_color="F2F2F2", end_color="F2F2F2")
_EXTRA_FILL = PatternFill("solid", start_color="FFF2CC", end_color="FFF2CC")
_WRAP = Alignment(wrap_text=True, vertical="top")
_BOLD = Font(bold=True)
_WIDTHS = (8, 20, 8, 60, 50, 40, 22, 18, 10, 10, 26, 16, 40, 24, 11, 14, 16)
_RAG_FILLS = {"Green": "CCE2D8", "Amber": "FFF2B3", "Red": "F6D7D2"}


def _put(ws, row: int, column: int, value, *, bold: bool = False, wrap: bool = True):
    if isinstance(value, str):
        value = _safe(value) or None
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text, never a formula
    if wrap:
        cell.alignment = _WRAP
    if bold:
        cell.font = _BOLD
    return cell


def _number_cell(value: str):
    """Action/menu numbers: a number in Excel when they are plain digits, else the text."""
    value = str(value or "")
    return int(value) if re.fullmatch(r"[1-9]\d{0,8}", value) else value


def _date_cell(ws, row: int, column: int, value: str, *, end: bool) -> None:
    value = str(value or "").strip()
    if not value:
        _put(ws, row, column, None)
        return
    day = parse_month(value, end=end)
    cell = _put(ws, row, column, datetime(day.year, day.month, day.day))
    cell.number_format = "mmm-yy" if re.fullmatch(r"\d{4}-\d{2}", value) else "dd-mmm-yy"


def _stage_word(value: str) -> str:
    return Stage(value).label if value in Stage.values else value


def _rag_word(value: str) -> str:
    return Rag(value).label if value in Rag.values else value


def _header_row(ws, row: int, headings: Iterable[str]) -> None:
    for column, heading in enumerate(headings, start=1):
        cell = _put(ws, row, column, heading, bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _BORDER


def _widths(ws, widths: Iterable[int]) -> None:
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width


def write_workbook(data: dict) -> Workbook:
    """The plan data (as :func:`plan_data` gives it) as a workbook in the VRU template's layout."""
    plan = data["plan"]
    themes = {int(t["number"]): t for t in plan.get("themes", [])}
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_PLAN
    _write_action_plan(ws, data, themes)
    _write_menu(wb.create_sheet(SHEET_MENU), plan, themes)
    _write_emerging(wb.create_sheet(SHEET_EMERGING), plan)
    _write_outcomes(wb.create_sheet(SHEET_OUTCOMES), data.get("vru_outcomes", []))
    _write_themes(wb.create_sheet(SHEET_THEMES), plan.get("themes", []))
    _write_strategy(wb.create_sheet(SHEET_STRATEGY), data.get("strategy"))
    _write_organisations(wb.create_sheet(SHEET_ORGANISATIONS), data)
    return wb


def workbook_bytes(data: dict) -> bytes:
    buffer = io.BytesIO()
    write_workbook(data).save(buffer)
    return buffer.getvalue()


def export_filename(data: dict) -> str:
    """``barnet-vvr-action-plan-2023-24.xlsx``."""
    partnership = data.get("partnership") or {}
    place = slugify(partnership.get("area") or partnership.get("name") or "") or "csp"
    year = slugify(str(data["plan"].get("year", "")).replace("/", "-")) or "plan"
    return f"{place}-vvr-action-plan-{year}.xlsx"


def _theme_label(themes: dict, number) -> str:
    theme = themes.get(int(number))
    return f"{number}. {theme['name']}" if theme else str(number)


def _write_action_plan(ws, data: dict, themes: dict) -> None:
    plan = data["plan"]
    ncols = len(COLUMNS) + len(EXTRA_COLUMNS)
    title = plan.get("title") or (
        f"{(data.get('partnership') or {}).get('area', 'NAME OF BOROUGH')} - {TITLE_SUFFIX}"
    )
    cell = _put(ws, 1, 1, title, wrap=False)
    cell.font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    ws.row_dimensions[1].height = 24
    _put(ws, 2, 1, str(plan.get("year", "")), bold=True)
    for column, label in enumerate(("Name", "Organisation", "Role", KEY_DOCUMENTS_LABEL), start=2):
        cell = _put(ws, 2, column, label, bold=True)
        cell.fill = _LABEL_FILL
        cell.border = _BORDER
    _put(ws, 3, 1, "ACTION PLAN", bold=True)
    _put(ws, 4, 1, "SENIOR LEADERSHIP", bold=True)
    leadership = plan.get("leadership", [])
    documents = plan.get("key_documents", [])
    block = max(len(leadership), len(documents), 2)
    for index in range(block):
        row = 3 + index
        if index < len(leadership):
            item = leadership[index]
            _put(ws, row, 2, item.get("name", ""))
            _put(ws, row, 3, item.get("organisation", ""))
            _put(ws, row, 4, item.get("role", ""))
        if index < len(documents):
            _put(ws, row, 5, documents[index])
        for column in range(2, 6):
            ws.cell(row=row, column=column).border = _BORDER
        ws.row_dimensions[row].outlineLevel = 1
    header = 3 + block + 1
    _header_row(ws, header, HEADINGS + tuple(h for _, h, _ in EXTRA_COLUMNS))
    for offset, (_, _, _) in enumerate(EXTRA_COLUMNS):
        cell = ws.cell(row=header, column=len(COLUMNS) + 1 + offset)
        cell.fill = _EXTRA_FILL
        what = "objectives" if offset == 0 else "needs assessment (SNA) recommendations"
        cell.comment = Comment(_EXTRA_COMMENT.format(what=what), "cspkit", width=320, height=160)
    ws.cell(row=header, column=6).comment = Comment(
        "One VRU outcome a line (or separated by ;), each from the VRU OUTCOMES sheet.",
        "cspkit",
    )
    row = header
    for action in plan.get("actions", []):
        rows = action.get("rows") or [{}]
        for index, spec in enumerate(rows):
            row += 1
            first = index == 0
            if first:
                _put(ws, row, 1, action.get("ref", ""))
                _put(ws, row, 2, _theme_label(themes, action["theme"]))
                _put(ws, row, 3, _number_cell(action.get("number", "")))
                _put(ws, row, 4, action.get("text", ""))
                _put(ws, row, 6, "\n".join(action.get("vru_outcomes", [])))
                _put(ws, row, 12, _stage_word(action.get("progress", "")))
                _put(ws, row, 13, action.get("comment", ""))
                _put(ws, row, 14, action.get("document_refs", ""))
                _put(ws, row, 15, _rag_word(action.get("rag", "")))
                _put(ws, row, 16, ", ".join(str(n) for n in action.get("objectives", [])))
                _put(ws, row, 17, ", ".join(str(n) for n in action.get("recommendations", [])))
            else:
                _put(ws, row, 6, spec.get("vru_outcomes_text", ""))
                _put(ws, row, 12, _stage_word(spec.get("progress", "")))
                _put(ws, row, 13, spec.get("comment", ""))
                _put(ws, row, 14, spec.get("document_refs", ""))
                _put(ws, row, 15, _rag_word(spec.get("rag", "")))
            _put(ws, row, 5, spec.get("local_outcomes", ""))
            _put(ws, row, 7, spec.get("named_lead", ""))
            _put(ws, row, 8, spec.get("lead_organisation", ""))
            _date_cell(ws, row, 9, spec.get("start", ""), end=False)
            _date_cell(ws, row, 10, spec.get("end", ""), end=True)
            _put(ws, row, 11, spec.get("supporting", ""))
            for column in range(1, ncols + 1):
                ws.cell(row=row, column=column).border = _BORDER
    last = max(row, header + 1)
    _widths(ws, _WIDTHS)
    ws.freeze_panes = f"A{header + 1}"
    ws.auto_filter.ref = f"A{header}:{get_column_letter(ncols)}{last}"
    ws.print_title_rows = f"{header}:{header}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.outlinePr.summaryBelow = False
    spare = last + 200  # drop-downs for rows added by hand too
    stage = DataValidation(
        type="list",
        formula1='"' + ",".join(Stage.labels) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Progress",
        error="Choose one of the template's stages: " + ", ".join(Stage.labels),
    )
    rag = DataValidation(
        type="list",
        formula1='"' + ",".join(Rag.labels) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Risk RAG status",
        error="Green = progressing well, Amber = some minor barriers, "
        "Red = serious barriers to progress",
    )
    ws.add_data_validation(stage)
    ws.add_data_validation(rag)
    stage.add(f"L{header + 1}:L{spare}")
    rag.add(f"O{header + 1}:O{spare}")
    for word, colour in _RAG_FILLS.items():
        ws.conditional_formatting.add(
            f"O{header + 1}:O{spare}",
            CellIsRule(
                operator="equal",
                formula=[f'"{word}"'],
                fill=PatternFill(start_color=colour, end_color=colour, fill_type="solid"),
            ),
        )


def _write_menu(ws, plan: dict, themes: dict) -> None:
    _header_row(ws, 1, ("Theme", "No", "Action", "VRU OUTCOMES"))
    for row, item in enumerate(plan.get("optional_actions", []), start=2):
        _put(ws, row, 1, _theme_label(themes, item["theme"]))
        _put(ws, row, 2, _number_cell(item.get("number", "")))
        _put(ws, row, 3, item.get("text", ""))
        _put(ws, row, 4, "\n".join(item.get("vru_outcomes", [])))
    _widths(ws, (30, 6, 80, 50))
    ws.freeze_panes = "A2"


def _write_emerging(ws, plan: dict) -> None:
    _put(ws, 1, 1, "EMERGING THEMES", bold=True, wrap=False)
    for row, line in enumerate(EMERGING_INTRO, start=2):
        _put(ws, row, 1, line, wrap=False)
    header = len(EMERGING_INTRO) + 3
    _header_row(ws, header, ("Theme", "BOROUGH UPDATES"))
    for row, item in enumerate(plan.get("emerging_themes", []), start=header + 1):
        _put(ws, row, 1, item.get("name", ""))
        _put(ws, row, 2, item.get("update", ""))
    _widths(ws, (50, 90))


def _write_outcomes(ws, names: list[str]) -> None:
    _header_row(ws, 1, ("VRU outcome",))
    for row, name in enumerate(names, start=2):
        _put(ws, row, 1, name)
    _widths(ws, (110,))
    ws.freeze_panes = "A2"


def _write_themes(ws, themes: list[dict]) -> None:
    _header_row(ws, 1, ("Number", "Theme", "Description"))
    for row, theme in enumerate(themes, start=2):
        _put(ws, row, 1, int(theme["number"]))
        _put(ws, row, 2, theme.get("name", ""))
        _put(ws, row, 3, theme.get("description", ""))
    _widths(ws, (9, 60, 80))


def _date_or_text(ws, row: int, column: int, value: str) -> None:
    value = str(value or "")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        day = date.fromisoformat(value)
        _put(ws, row, column, datetime(day.year, day.month, day.day)).number_format = "d mmm yyyy"
    else:
        _put(ws, row, column, value)


def _write_strategy(ws, strategy: dict | None) -> None:
    strategy = strategy or {}
    labels = (("Strategy title", "title"), ("Starts", "starts"), ("Ends", "ends"))
    labels += (("Review due", "review_due"),)
    for row, (label, key) in enumerate(labels, start=1):
        _put(ws, row, 1, label, bold=True)
        if key == "title":
            _put(ws, row, 2, strategy.get("title", ""))
        else:
            _date_or_text(ws, row, 2, strategy.get(key, ""))
    row = len(labels) + 2
    for heading, key in (("Objective", "objectives"), ("SNA recommendation", "recommendations")):
        _header_row(ws, row, ("Number", heading))
        for item in strategy.get(key, []):
            row += 1
            _put(ws, row, 1, int(item["number"]))
            _put(ws, row, 2, item.get("text", ""))
        row += 2
    _widths(ws, (16, 110))


def _write_organisations(ws, data: dict) -> None:
    partnership = data.get("partnership") or {}
    _put(ws, 1, 1, "Partnership", bold=True)
    _put(ws, 1, 2, partnership.get("name", ""))
    _put(ws, 2, 1, "Area", bold=True)
    _put(ws, 2, 2, partnership.get("area", ""))
    _header_row(ws, 4, ("Short name", "Name", "Kind"))
    kinds = dict(Organisation.Kind.choices)
    for row, org in enumerate(data.get("organisations", []), start=5):
        _put(ws, row, 1, org.get("short", ""))
        _put(ws, row, 2, org.get("name", ""))
        _put(ws, row, 3, kinds.get(org.get("kind", "other"), org.get("kind", "")))
    kind = DataValidation(
        type="list", formula1='"' + ",".join(kinds.values()) + '"', allow_blank=True
    )
    ws.add_data_validation(kind)
    kind.add(f"C5:C{max(5, 4 + len(data.get('organisations', []))) + 200}")
    _widths(ws, (26, 70, 30))


# ---------------------------------------------------------------------------------------------
# Reading


def _load(source: str | Path | IO[bytes], source_name: str):
    try:
        if isinstance(source, str | Path):
            raw = Path(source).read_bytes()
        else:
            if hasattr(source, "seek"):
                source.seek(0)
            raw = source.read()
    except OSError as exc:
        raise WorkbookErrors(
            [Problem("", None, "", source_name, f"could not be read: {exc.strerror or exc}")]
        ) from None
    if not raw.startswith(b"PK"):
        if raw.startswith(b"\xd0\xcf\x11\xe0"):
            why = (
                "is an old-style Excel 97-2003 file (.xls), not an Excel workbook (.xlsx): "
                "open it in Excel and save it as 'Excel Workbook (*.xlsx)'"
            )
        elif not raw:
            why = "is empty, not an Excel workbook (.xlsx)"
        else:
            why = (
                "is not an Excel workbook (.xlsx)"
                + (" - it looks like text (CSV?)" if _looks_like_text(raw) else "")
                + ": export or save the action plan as 'Excel Workbook (*.xlsx)'"
            )
        raise WorkbookErrors([Problem("", None, "", source_name, why)])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return load_workbook(io.BytesIO(raw), data_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure to open means "not a workbook"
        raise WorkbookErrors(
            [
                Problem(
                    "",
                    None,
                    "",
                    source_name,
                    "could not be opened as an Excel workbook (.xlsx) "
                    f"({exc.__class__.__name__}): save it from Excel as 'Excel Workbook (*.xlsx)'",
                )
            ]
        ) from None


def _looks_like_text(raw: bytes) -> bool:
    sample = raw[:2000]
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in sample


def read_workbook(
    path_or_file: str | Path | IO[bytes],
    *,
    source_name: str,
    partnership: Partnership | None = None,
) -> dict:
    """Plan data from a VRU spreadsheet, or :class:`WorkbookErrors` with every problem.

    ``partnership`` (the importing user's) is where lists the workbook lacks are looked up:
    its plan's themes and strategy; the VRU outcomes come from the database in any case when
    the workbook has no VRU OUTCOMES sheet. Parts the workbook lacks are left out of the
    data (see the module docstring); :func:`complete_from_database` fills them in.
    """
    wb = _load(path_or_file, source_name)
    reader = _Reader(wb, partnership)
    data = reader.read()
    if reader.problems:
        raise WorkbookErrors(reader.problems)
    return data


def _sheet(wb, name: str):
    for ws in wb.worksheets:
        if ws.title.strip().lower() == name.lower():
            return ws
    return None


class _Themes:
    """The themes an action table's Theme cells may name."""

    _NUMBERED = re.compile(r"(?<![\d.])(\d{1,2})\s*\.\s*(\S.*)?$", re.S)

    def __init__(self, known: dict[int, dict], *, fixed: bool):
        self.known = dict(known)  # number -> {"number", "name", "description"}
        self.fixed = fixed  # a THEMES sheet: nothing new may be defined by a cell
        self.defined: dict[int, dict] = {}

    def resolve(self, text: str) -> tuple[int | None, str | None]:
        """(theme number, None) or (None, problem)."""
        if m := self._NUMBERED.search(text):
            number = int(m[1])
            if number in self.known:
                return number, None
            if not self.fixed:
                lines = [ln.strip() for ln in (m[2] or "").split("\n") if ln.strip()]
                if not lines:
                    return None, "names a theme number but no theme: write it like 1. GOVERNANCE"
                self.known[number] = self.defined[number] = {
                    "number": number,
                    "name": lines[0],
                    "description": " ".join(lines[1:]),
                }
                return number, None
        found = self._by_name(text)
        if found is not None:
            return found, None
        return None, self._unknown(text)

    def _by_name(self, text: str) -> int | None:
        key = _key(text)
        best = None
        for number, theme in self.known.items():
            name = _key(theme["name"])
            if name and name in key and (best is None or len(name) > best[0]):
                best = (len(name), number)
        return best[1] if best else None

    def _unknown(self, text: str) -> str:
        labels = [f"{n}. {t['name']}" for n, t in sorted(self.known.items())]
        where = "the THEMES sheet" if self.fixed else "the plan's themes"
        message = f"is not one of {where}"
        close = difflib.get_close_matches(text, labels, n=1, cutoff=0.5)
        if close:
            message += f"; the closest is '{close[0]}'"
        elif labels:
            message += ": " + "; ".join(labels)
        if not self.fixed:
            message += " (a new theme is written like '9. THEME NAME')"
        return message


class _Reader:
    def __init__(self, wb, partnership: Partnership | None):
        self.wb = wb
        self.partnership = partnership
        self.problems: list[Problem] = []

    def problem(self, sheet, row, column, value, text) -> None:
        if isinstance(column, int):
            column = get_column_letter(column)
        self.problems.append(Problem(sheet, row, column or "", value, text))

    # -- the whole workbook --------------------------------------------------------------

    def read(self) -> dict:
        data: dict = {}
        organisations, partnership_spec = self._organisations()
        self.db_partnership = self._db_partnership(partnership_spec)
        outcomes_sheet = self._outcomes()
        if outcomes_sheet is None:
            names = list(
                VruOutcome.objects.order_by("position", "name").values_list("name", flat=True)
            )
            self.outcomes_where = "the VRU outcomes list (no VRU OUTCOMES sheet: the database's)"
        else:
            names = outcomes_sheet
            self.outcomes_where = "the VRU outcomes list (sheet VRU OUTCOMES)"
        self.outcomes = {_key(n): n for n in names}
        self.outcome_names = names
        strategy = self._strategy()
        ws, header = self._find_action_table()
        block = self._block(ws, header) if ws is not None else {}
        year = block.get("year", "")
        self.db_plan = self._db_plan(year)
        self.objective_numbers, self.recommendation_numbers = self._link_numbers(strategy)
        themes_sheet = self._themes_sheet()
        if themes_sheet is not None:
            themes = _Themes({t["number"]: t for t in themes_sheet}, fixed=True)
        else:
            known = {}
            if self.db_plan is not None:
                for t in self.db_plan.themes.all():
                    known[t.number] = {
                        "number": t.number,
                        "name": t.name,
                        "description": t.description,
                    }
            themes = _Themes(known, fixed=False)
        actions = self._actions(ws, header, themes) if ws is not None else []
        plan: dict = {"title": block.get("title", ""), "year": year}
        for key in ("leadership", "key_documents"):
            if key in block:
                plan[key] = block[key]
        emerging = self._emerging()
        if emerging is not None:
            plan["emerging_themes"] = emerging
        menu = self._menu(themes)
        if menu is not None:
            plan["optional_actions"] = menu
        if themes_sheet is not None:
            plan["themes"] = themes_sheet
        else:
            plan["themes"] = [themes.known[n] for n in sorted(themes.known)]
        plan["actions"] = actions
        data["partnership"] = partnership_spec or self._partnership_from_title(plan["title"])
        if "NAME OF BOROUGH" in plan["title"].upper() and data["partnership"].get("area"):
            plan["title"] = re.sub(
                "NAME OF BOROUGH", data["partnership"]["area"], plan["title"], flags=re.I
            )
        data["organisations"] = organisations
        data["vru_outcomes"] = outcomes_sheet or []
        if strategy is not None:
            data["strategy"] = strategy
        data["plan"] = plan
        return data

    def _db_partnership(self, spec: dict | None) -> Partnership | None:
        if self.partnership is not None:
            return self.partnership
        if spec and spec.get("name"):
            return Partnership.objects.filter(name=spec["name"]).first()
        only = list(Partnership.objects.all()[:2])
        return only[0] if len(only) == 1 else None

    def _db_plan(self, year: str) -> ActionPlan | None:
        if self.db_partnership is None:
            return None
        plans = ActionPlan.objects.filter(partnership=self.db_partnership)
        return plans.filter(year=year).first() or plans.order_by("-year", "-pk").first()

    def _partnership_from_title(self, title: str) -> dict:
        if self.db_partnership is not None:
            return {"name": self.db_partnership.name, "area": self.db_partnership.area}
        area = re.split(r"\s+-\s+|\s+Community Safety Partnership", title or "", maxsplit=1)[0]
        area = area.strip() or "Unnamed"
        return {"name": f"{area} Community Safety Partnership", "area": area}

    def _link_numbers(self, strategy: dict | None) -> tuple[set[int] | None, set[int] | None]:
        if strategy is not None:
            return (
                {o["number"] for o in strategy.get("objectives", [])},
                {r["number"] for r in strategy.get("recommendations", [])},
            )
        found = self.db_plan.strategy if self.db_plan is not None else None
        if found is None and self.db_partnership is not None:
            found = Strategy.objects.filter(partnership=self.db_partnership).order_by("-pk").first()
        if found is None:
            return set(), set()
        return (
            set(found.objectives.values_list("number", flat=True)),
            set(found.recommendations.values_list("number", flat=True)),
        )

    # -- the action table ----------------------------------------------------------------

    @staticmethod
    def _is_header(cells: list) -> bool:
        a, b, c = (_norm(_value(x)) for x in _cells(cells, 3))
        hits = (a in COLUMNS[0][2]) + (b in COLUMNS[1][2]) + (c in COLUMNS[2][2])
        return hits >= 2

    def _find_action_table(self):
        named = _sheet(self.wb, SHEET_PLAN)
        order = [named] if named is not None else []
        order += [ws for ws in self.wb.worksheets if ws is not named]
        for ws in order:
            for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 300)):
                if self._is_header(list(row)):
                    return ws, row[0].row
        self.problem(
            named.title if named is not None else "",
            None,
            "",
            "",
            "no action table found: expected a header row reading "
            + " | ".join(HEADINGS[:4])
            + " | ... (the VRU template's VVR ACTION PLAN tab)",
        )
        return None, None

    def _block(self, ws, header: int) -> dict:
        """Title, year, leadership and key documents above the header row."""
        out: dict = {}
        rows = [list(r) for r in ws.iter_rows(min_row=1, max_row=header - 1)]
        for cells in rows:
            texts = [t for t in (_text(c.value) for c in cells) if t]
            if texts and "title" not in out and "year" not in out and not _YEAR.match(texts[0]):
                out["title"] = " ".join(texts[0].split())
            for text in texts:
                if "year" not in out and (m := _YEAR.match(text)):
                    out["year"] = f"{m[1]}/{m[2][-2:]}"
        if "title" not in out:
            self.problem(ws.title, 1, "A", "", "no title: row 1 should name the plan")
            out["title"] = ""
        if "year" not in out:
            self.problem(
                ws.title,
                2,
                "A",
                "",
                "no year: write the plan's year like 2023/24 above the action table "
                "(the template has it in A2)",
            )
            out["year"] = ""
        labels = None
        for cells in rows:
            columns = {_norm(c.value): c.column for c in cells if _text(c.value)}
            if {"name", "organisation", "role"} <= columns.keys():
                docs = next((col for n, col in columns.items() if n.startswith("keylocal")), None)
                labels = (cells[0].row, columns["name"], columns["organisation"])
                labels += (columns["role"], docs)
                break
        if labels is None:
            return out
        label_row, name_col, org_col, role_col, docs_col = labels
        leadership, documents = [], []
        for cells in rows[label_row:]:
            by_column = {c.column: c.value for c in cells}
            item = {
                "organisation": _text(by_column.get(org_col)),
                "role": _text(by_column.get(role_col)),
                "name": _text(by_column.get(name_col)),
            }
            if _norm(item["name"]) in {"seniorleadership", "actionplan"}:
                item["name"] = ""
            if any(item.values()):
                leadership.append(item)
            if docs_col is not None:
                for line in _text(by_column.get(docs_col)).split("\n"):
                    if line.strip():
                        documents.append(line.strip())
        out["leadership"] = leadership
        out["key_documents"] = documents
        return out

    def _check_headings(self, ws, header_cells: list) -> dict[str, int]:
        """Problems for misplaced headings; the extra cspkit columns found (key -> index)."""
        found = {_norm(_value(c)): i for i, c in enumerate(header_cells) if _text(_value(c))}
        for index, (_, heading, aliases) in enumerate(COLUMNS):
            value = _value(header_cells[index]) if index < len(header_cells) else None
            if _norm(value) in aliases:
                continue
            message = f"expected the heading '{heading}' here"
            elsewhere = [i for n, i in found.items() if n in aliases and i != index]
            if elsewhere:
                message += (
                    f"; it is in column {get_column_letter(elsewhere[0] + 1)} - the columns "
                    "must be in the template's order"
                )
            self.problem(ws.title, header_cells[0].row, index + 1, _text(value), message)
        extras = {}
        for index in range(len(COLUMNS), len(header_cells)):
            name = _norm(_value(header_cells[index]))
            for key, _, aliases in EXTRA_COLUMNS:
                if name in aliases and key not in extras:
                    extras[key] = index
        return extras

    def _actions(self, ws, header: int, themes: _Themes) -> list[dict]:
        header_cells = list(next(ws.iter_rows(min_row=header, max_row=header)))
        extras = self._check_headings(ws, header_cells)
        width = max([len(COLUMNS)] + [i + 1 for i in extras.values()])
        actions: list[dict] = []
        action: dict | None = None
        theme: int | None = None
        theme_seen = False  # an unknown theme is reported once, on its own cell
        for raw in ws.iter_rows(min_row=header + 1, max_row=ws.max_row, max_col=width):
            cells = _cells(list(raw), width)
            row = raw[0].row
            values = {key: cells[i] for i, (key, _, _) in enumerate(COLUMNS)}
            texts = {key: _text(_value(c)) for key, c in values.items()}
            extra = {key: _text(_value(cells[i])) for key, i in extras.items()}
            if not any(texts.values()) and not any(extra.values()):
                continue
            present = [_norm(t) for t in list(texts.values()) + list(extra.values()) if t]
            if all(p in _HEADER_WORDS for p in present) and len(present) >= 2:
                continue  # the headings again
            starts = bool(texts["ref"] or texts["number"] or texts["text"])
            if texts["theme"]:
                theme_seen = True
                theme, message = themes.resolve(texts["theme"])
                if message:
                    self.problem(ws.title, row, "B", texts["theme"], message)
                if not starts:
                    if any(t for k, t in texts.items() if k != "theme"):
                        self.problem(
                            ws.title,
                            row,
                            "C",
                            "",
                            "a new theme starts on this row but it has no Action No or Actions",
                        )
                    action = None
                    continue
            if starts:
                if not theme_seen:
                    self.problem(
                        ws.title,
                        row,
                        "B",
                        "",
                        "no theme: the first action needs a theme, written like 1. GOVERNANCE",
                    )
                if texts["number"] and not texts["text"]:
                    self.problem(
                        ws.title,
                        row,
                        "D",
                        "",
                        f"Action No {texts['number']} has no Actions text",
                    )
                action = {
                    "theme": theme,
                    "number": texts["number"],
                    "ref": texts["ref"],
                    "text": texts["text"],
                    "vru_outcomes": self._outcome_cell(ws.title, row, "F", texts["vru_outcomes"]),
                    "objectives": [],
                    "recommendations": [],
                    "progress": self._stage(ws.title, row, texts["progress"]),
                    "comment": texts["comment"],
                    "document_refs": texts["document_refs"],
                    "rag": self._rag(ws.title, row, texts["rag"]),
                    "rows": [],
                }
                for key in ("objectives", "recommendations"):
                    if key not in extras:
                        del action[key]
                actions.append(action)
                action["_first_blank"] = not any(texts[k] for k in ROW_KEYS)
                spec = self._row(ws.title, row, values, texts)
                spec.update({k: "" for k in CONTINUATION_KEYS})
            else:
                if action is None:
                    self.problem(
                        ws.title,
                        row,
                        "D",
                        "",
                        "this row continues an action but there is no action above it: "
                        "fill in Action No and Actions",
                    )
                    continue
                spec = self._row(ws.title, row, values, texts)
                spec.update(
                    {
                        "vru_outcomes_text": texts["vru_outcomes"],
                        "progress": self._stage(ws.title, row, texts["progress"]),
                        "comment": texts["comment"],
                        "document_refs": texts["document_refs"],
                        "rag": self._rag(ws.title, row, texts["rag"]),
                    }
                )
            action["rows"].append(spec)
            for key, index in extras.items():
                numbers = self._links(ws.title, row, index + 1, key, extra[key])
                action[key] = sorted(set(action[key]) | set(numbers))
        for item in actions:
            if item.pop("_first_blank") and len(item["rows"]) == 1:
                item["rows"] = []
        return actions

    def _row(self, sheet: str, row: int, values: dict, texts: dict) -> dict:
        spec = {k: texts[k] for k in ROW_KEYS if k not in ("start", "end")}
        dates = {}
        for key, column in (("start", "I"), ("end", "J")):
            cell = values[key]
            try:
                spec[key], dates[key] = parse_cell_date(_value(cell), _fmt(cell), end=key == "end")
            except _BadDate as exc:
                spec[key], dates[key] = "", None
                self.problem(sheet, row, column, _display(_value(cell), _fmt(cell)), str(exc))
        if dates["start"] and dates["end"] and dates["end"] < dates["start"]:
            start = values["start"]
            self.problem(
                sheet,
                row,
                "J",
                _display(_value(values["end"]), _fmt(values["end"])),
                f"ends before it starts ({_display(_value(start), _fmt(start))})",
            )
        return spec

    def _stage(self, sheet: str, row: int, text: str) -> str:
        if not text:
            return ""
        found = STAGE_WORDS.get(_norm(text)) or (text if text in Stage.values else None)
        if found is None:
            self.problem(
                sheet,
                row,
                "L",
                text,
                "is not a Progress stage: use one of " + ", ".join(Stage.labels),
            )
            return ""
        return str(found)

    def _rag(self, sheet: str, row: int, text: str) -> str:
        if not text:
            return ""
        found = RAG_WORDS.get(_norm(text))
        if found is None:
            self.problem(
                sheet,
                row,
                "O",
                text,
                "is not a Risk RAG status: use Green, Amber or Red (or leave it blank)",
            )
            return ""
        return str(found)

    def _outcome_cell(self, sheet: str, row: int, column: str, text: str) -> list[str]:
        found: list[str] = []
        for part in _split_outcomes(text):
            name = self.outcomes.get(_key(part))
            if name is None:
                message = f"is not in {self.outcomes_where}"
                close = difflib.get_close_matches(part, self.outcome_names, n=1, cutoff=0.6)
                message += f"; the closest is '{close[0]}'" if close else "; no entry is close"
                self.problem(sheet, row, column, part, message)
            elif name not in found:
                found.append(name)
        return found

    def _links(self, sheet: str, row: int, column: int, key: str, text: str) -> list[int]:
        numbers = _numbers(text)
        if numbers is None:
            what = "objective" if key == "objectives" else "recommendation"
            self.problem(sheet, row, column, text, f"write {what} numbers like 1, 7")
            return []
        known = self.objective_numbers if key == "objectives" else self.recommendation_numbers
        what = "objectives" if key == "objectives" else "SNA recommendations"
        missing = [n for n in numbers if known is not None and n not in known]
        if missing:
            listed = ", ".join(str(n) for n in sorted(known or ())) or "none"
            self.problem(
                sheet,
                row,
                column,
                text,
                f"the strategy has no {what} {', '.join(map(str, missing))} (it has {listed})",
            )
        return [n for n in numbers if n not in missing]

    # -- the other sheets ----------------------------------------------------------------

    def _outcomes(self) -> list[str] | None:
        ws = _sheet(self.wb, SHEET_OUTCOMES)
        if ws is None:
            return None
        names: list[str] = []
        seen = set()
        for (cell,) in ws.iter_rows(min_row=1, max_col=1):
            text = " ".join(_text(cell.value).split())
            if not text or (cell.row == 1 and _norm(text) in {"vruoutcome", "vruoutcomes"}):
                continue
            if _key(text) not in seen:
                seen.add(_key(text))
                names.append(text)
        return names

    def _themes_sheet(self) -> list[dict] | None:
        ws = _sheet(self.wb, SHEET_THEMES)
        if ws is None:
            return None
        themes: list[dict] = []
        numbers = set()
        for cells in ws.iter_rows(min_row=2, max_col=3):
            number, name, description = (_text(_value(c)) for c in _cells(list(cells), 3))
            if not (number or name or description):
                continue
            row = cells[0].row
            if not re.fullmatch(r"\d{1,3}", number):
                self.problem(ws.title, row, "A", number, "a theme needs a whole number")
                continue
            if int(number) in numbers:
                self.problem(ws.title, row, "A", number, "this theme number is used twice")
                continue
            if not name:
                self.problem(ws.title, row, "B", "", "the theme has no name")
                continue
            numbers.add(int(number))
            themes.append({"number": int(number), "name": name, "description": description})
        return themes

    def _strategy(self) -> dict | None:
        ws = _sheet(self.wb, SHEET_STRATEGY)
        if ws is None:
            return None
        spec = {"title": "", "starts": "", "ends": "", "review_due": ""}
        spec.update({"objectives": [], "recommendations": []})
        fields = {"strategytitle": "title", "title": "title", "starts": "starts"}
        fields.update({"ends": "ends", "reviewdue": "review_due"})
        table = None
        for cells in ws.iter_rows(min_row=1, max_col=2):
            a, b = _cells(list(cells), 2)
            label, value = _norm(_value(a)), _value(b)
            row = cells[0].row
            if label in {"number", "no"}:
                heading = _norm(value)
                table = "objectives" if heading.startswith("objective") else "recommendations"
                continue
            if table is None and label in fields:
                key = fields[label]
                if key == "title":
                    spec["title"] = _text(value)
                else:
                    spec[key] = self._strategy_date(ws.title, row, value, _fmt(b), key)
                continue
            if table is not None:
                number, text = _text(_value(a)), _text(value)
                if not (number or text):
                    table = None
                    continue
                if not re.fullmatch(r"\d{1,3}", number):
                    self.problem(ws.title, row, "A", number, "needs a whole number")
                    continue
                spec[table].append({"number": int(number), "text": text})
        if not spec["title"]:
            if spec["objectives"] or spec["recommendations"]:
                self.problem(ws.title, 1, "B", "", "the strategy has objectives but no title")
            return None
        return spec

    def _strategy_date(self, sheet: str, row: int, value, number_format: str, key: str) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, datetime | date):
            day = value.date() if isinstance(value, datetime) else value
            return day.isoformat()
        text = _text(value)
        try:
            parse_month(text, end=key != "starts")
        except (PlanDataError, ValueError):
            self.problem(sheet, row, "B", text, "write a date like 2024-04-01 (or a date cell)")
            return ""
        return text

    def _organisations(self) -> tuple[list[dict], dict | None]:
        ws = _sheet(self.wb, SHEET_ORGANISATIONS)
        if ws is None:
            return [], None
        partnership = {"name": "", "area": ""}
        organisations: list[dict] = []
        table = False
        seen = set()
        for cells in ws.iter_rows(min_row=1, max_col=3):
            short, name, kind = (_text(_value(c)) for c in _cells(list(cells), 3))
            row = cells[0].row
            if not table:
                label = _norm(short)
                if label == "partnership":
                    partnership["name"] = name
                elif label == "area":
                    partnership["area"] = name
                elif label == "shortname":
                    table = True
                continue
            if not (short or name or kind):
                continue
            if not short:
                self.problem(ws.title, row, "A", "", "the organisation has no short name")
                continue
            if short.lower() in seen:
                self.problem(ws.title, row, "A", short, "this short name is used twice")
                continue
            seen.add(short.lower())
            code = KIND_WORDS.get(_norm(kind)) if kind else "other"
            if code is None:
                labels = ", ".join(Organisation.Kind.labels)
                self.problem(ws.title, row, "C", kind, f"is not a kind of organisation: {labels}")
                code = "other"
            organisations.append({"short": short, "name": name or short, "kind": code})
        return organisations, (partnership if partnership["name"] else None)

    def _menu(self, themes: _Themes) -> list[dict] | None:
        ws = _sheet(self.wb, SHEET_MENU)
        if ws is None:
            return None
        header = None
        for cells in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 50), max_col=4):
            a, _, _, d = _cells(list(cells), 4)
            if _norm(_value(a)) == "theme" and _norm(_value(d)).startswith("vruoutcome"):
                header = cells[0].row
                break
        if header is None:
            self.problem(
                ws.title, None, "", "", "no header row 'Theme | No | Action | VRU OUTCOMES'"
            )
            return []
        items: list[dict] = []
        theme = None
        for cells in ws.iter_rows(min_row=header + 1, max_col=4):
            theme_text, number, text, outcomes = (_text(_value(c)) for c in _cells(list(cells), 4))
            row = cells[0].row
            if theme_text:
                theme, message = themes.resolve(theme_text)
                if message:
                    self.problem(ws.title, row, "A", theme_text, message)
            if not (number or text or outcomes):
                continue
            if not number and not outcomes:
                continue  # a note such as "Currently no optional suggestions"
            if not text:
                self.problem(ws.title, row, "C", "", "the optional action has no text")
                continue
            if theme is None:
                if not theme_text:
                    self.problem(ws.title, row, "A", "", "no theme for this optional action")
                continue
            items.append(
                {
                    "theme": theme,
                    "number": number,
                    "text": text,
                    "vru_outcomes": self._outcome_cell(ws.title, row, "D", outcomes),
                }
            )
        return items

    def _emerging(self) -> list[dict] | None:
        ws = _sheet(self.wb, SHEET_EMERGING)
        if ws is None:
            return None
        items: list[dict] = []
        header = None
        for cells in ws.iter_rows(min_row=1, max_col=2):
            a, b = (_text(_value(c)) for c in _cells(list(cells), 2))
            row = cells[0].row
            if header is None:
                if _norm(a) == "theme" and _norm(b).startswith(("boroughupdate", "update")):
                    header = row
                continue
            if not (a or b):
                continue
            if not a:
                self.problem(ws.title, row, "A", "", "an update with no theme")
                continue
            items.append({"name": a, "update": b})
        if header is None:
            self.problem(ws.title, None, "", "", "no header row 'Theme | BOROUGH UPDATES'")
        return items


# ---------------------------------------------------------------------------------------------
# Import


def complete_from_database(data: dict, partnership: Partnership | None) -> dict:
    """Fill in the parts a workbook lacked from the plan in the database (in place).

    :func:`apply_plan_data` treats a missing list as empty - it would clear the leadership,
    emerging themes and optional actions and unlink every action's objectives - so what the
    workbook did not carry is copied from the existing plan of the same year.
    """
    plan_spec = data["plan"]
    existing = None
    if partnership is not None:
        found = ActionPlan.objects.filter(partnership=partnership, year=plan_spec["year"]).first()
        existing = plan_data(found)["plan"] if found is not None else None
    for key in ("leadership", "key_documents", "themes", "emerging_themes", "optional_actions"):
        if key not in plan_spec:
            plan_spec[key] = existing[key] if existing else []
    links: dict[tuple, list[dict]] = {}
    for action in existing["actions"] if existing else []:
        links.setdefault((int(action["theme"]), action["number"]), []).append(action)
    seen: dict[tuple, int] = {}
    for action in plan_spec["actions"]:
        key = (int(action["theme"]), str(action.get("number", "")))
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        candidates = links.get(key, [])
        match = candidates[occurrence] if occurrence < len(candidates) else None
        for name in ("objectives", "recommendations"):
            if name not in action:
                action[name] = list(match[name]) if match else []
    return data


def import_workbook(
    source: str | Path | IO[bytes],
    *,
    source_name: str,
    partnership: Partnership | None = None,
    user=None,
) -> ImportResult:
    """Read the workbook and, only if it has no problems, apply it in one transaction.

    ``partnership`` None (the command line): the partnership the workbook names on its
    ORGANISATIONS sheet, else the only one in the database, else one named from the title.
    """
    data = read_workbook(source, source_name=source_name, partnership=partnership)
    target = partnership or Partnership.objects.filter(name=data["partnership"]["name"]).first()
    with transaction.atomic():
        complete_from_database(data, target)
        try:
            return apply_plan_data(data, user=user, partnership=target)
        except PlanDataError as exc:
            problem = Problem("", None, "", source_name, f"could not be imported: {exc}")
            raise WorkbookErrors([problem]) from exc
