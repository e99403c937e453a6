"""The return template (CSV or XLSX) for one organisation and round, and reading one back.

The template has exactly the columns :data:`COLUMNS`, a header in row 1 and one row per
indicator period due in the round, pre-filled with any value already returned. The XLSX
also has an Instructions sheet. An uploaded file is read into :class:`FileRow` s (spreadsheet
row numbers, header = row 1) and checked as a whole by :func:`check_rows`: every problem is
listed with its row, field, value and what is wrong, and nothing is saved unless there are
none.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font

from cspkit.measures.reporting_periods import Period
from cspkit.web.kpis.models import Indicator, plain_number
from cspkit.web.kpis.schedule import round_periods
from cspkit.web.kpis.validation import CheckedReturn, Problem, as_text, check_return
from cspkit.web.plan import permissions

COLUMNS = ("indicator_code", "indicator_name", "unit", "period", "value", "note")
SHEET = "Return"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
MAX_ROWS = 5000


def instructions(organisation, round_quarter: Period, due_days: str) -> list[str]:
    return [
        f"Return for {organisation.name} ({organisation.short_name}), "
        f"round {round_quarter.label} ({round_quarter.start:%B} to {round_quarter.end:%B %Y}).",
        "Fill in the value column (and a note if it helps the board read the figure). Do not "
        "change the header row or the indicator_code and period columns.",
        "Values: digits only, like 18 or 4.5 (no units). Counts are whole numbers; "
        "percentages are from 0 to 100 (66, not 0.66).",
        "Periods: quarters like 2023/24 Q3, months like 2023-10, years like 2023/24 "
        "(financial years, April to March).",
        "A row with no value is skipped. A value already returned is shown; changing it "
        "changes the return (the change is recorded with your name).",
        "To return an earlier period, add a row with its indicator_code and period.",
        "Upload the file on the Returns page. If any row has a problem, nothing is saved: "
        "every problem is listed with its row number, fix them and upload the file again.",
        f"Returns are due {due_days} after the end of their period.",
    ]


def template_rows(organisation, round_quarter: Period) -> list[list]:
    """One row per indicator period due in the round, with any value already returned."""
    indicators = (
        Indicator.objects.filter(owner=organisation, active=True)
        .prefetch_related("returns")
        .order_by("name")
    )
    rows = []
    for indicator in indicators:
        returned = {r.period_start: r for r in indicator.returns.all()}
        for period in round_periods(indicator, round_quarter):
            ret = returned.get(period.start)
            rows.append(
                [
                    indicator.code,
                    indicator.name,
                    indicator.unit,
                    period.label,
                    ret.value if ret else None,
                    ret.note if ret else "",
                ]
            )
    return rows


def _due_days_text(organisation) -> str:
    days = sorted(
        set(Indicator.objects.filter(owner=organisation).values_list("returns_due_days", flat=True))
    )
    return " or ".join(f"{d} days" for d in days) if days else "20 days"


def template_filename(organisation, round_quarter: Period, extension: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", f"{organisation.short_name} {round_quarter.label}".lower())
    return f"returns-{slug.strip('-')}.{extension}"


def template_csv(organisation, round_quarter: Period) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in template_rows(organisation, round_quarter):
        writer.writerow(
            [plain_number(c) if c is not None and i == 4 else _inert(c) for i, c in enumerate(row)]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM tells Excel it is UTF-8


def template_xlsx(organisation, round_quarter: Period) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(list(COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in template_rows(organisation, round_quarter):
        if row[4] is not None:
            row[4] = int(row[4]) if row[4] == row[4].to_integral_value() else row[4].normalize()
        ws.append([_safe(c) for c in row])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # a note starting "=" is text, never a formula
        row[0].number_format = row[3].number_format = "@"  # keep 2023-10 as text
        row[5].alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEF", (38, 50, 24, 14, 12, 60), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("Instructions")
    notes.column_dimensions["A"].width = 120
    notes.append(["How to fill in this return"])
    notes["A1"].font = Font(bold=True, size=14)
    for line in instructions(organisation, round_quarter, _due_days_text(organisation)):
        notes.append([line])
    for row in notes.iter_rows(min_row=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


_FORMULA_START = ("=", "+", "-", "@")


def _inert(value):
    """Text a spreadsheet would run as a formula (=, +, -, @) gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _uninert(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


def _safe(value):
    if isinstance(value, str):
        return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", value)
    return value


# -- reading an upload ------------------------------------------------------------------------


@dataclass(frozen=True)
class FileRow:
    row: int  # as the spreadsheet numbers it: the header is row 1
    code: str
    period: object  # text, or a date where a spreadsheet made one
    value: object
    note: str


class FileProblems(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def _file_problem(name: str, problem: str) -> FileProblems:
    return FileProblems([Problem("file", name, problem)])


def read_upload(data: bytes, name: str) -> list[FileRow]:
    """The rows of an uploaded CSV or XLSX return; FileProblems if it cannot be read."""
    if not data:
        raise _file_problem(name, "is empty")
    if data.startswith(b"PK"):
        return _rows(_xlsx_cells(data, name))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _file_problem(
            name,
            "is an old-style Excel file (.xls): save it as 'Excel Workbook (*.xlsx)' or "
            "'CSV UTF-8' and upload it again",
        )
    if name.lower().endswith((".xlsx", ".xlsm")):
        raise _file_problem(name, "is not an Excel workbook (.xlsx): download the template again")
    return _rows(_csv_cells(data, name))


def _csv_cells(data: bytes, name: str) -> list[list]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly anything
        raise _file_problem(name, "is not a text (CSV) file")
    if "\x00" in text:
        raise _file_problem(name, "is not a CSV or XLSX file")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _xlsx_cells(data: bytes, name: str) -> list[list]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(io.BytesIO(data), data_only=True, read_only=True)
    except Exception:  # noqa: BLE001 - any failure to open means "not a workbook"
        raise _file_problem(name, "could not be opened as an Excel workbook (.xlsx)") from None
    names = [n for n in wb.sheetnames if n != "Instructions"]
    sheet = SHEET if SHEET in wb.sheetnames else (names[0] if names else None)
    if sheet is None:
        raise _file_problem(name, f"has no '{SHEET}' sheet")
    cells = [list(row) for row in wb[sheet].iter_rows(values_only=True)]
    wb.close()
    return cells


def _rows(cells: list[list]) -> list[FileRow]:
    if not cells or not any(as_text(c) for c in cells[0]):
        raise FileProblems([Problem("header", "", _header_hint(), row=1)])
    header = [as_text(c).lower() for c in cells[0]]
    while header and not header[-1]:
        header.pop()
    if header != list(COLUMNS):
        raise FileProblems(_header_problems(header))
    if len(cells) - 1 > MAX_ROWS:
        raise FileProblems([Problem("file", "", f"has more than {MAX_ROWS:,} rows")])
    rows = []
    for number, raw in enumerate(cells[1:], start=2):
        raw = list(raw) + [None] * (len(COLUMNS) - len(raw))
        if not any(as_text(c) for c in raw):
            continue
        note = as_text(raw[5])
        rows.append(FileRow(number, as_text(raw[0]), raw[3], raw[4], _uninert(note)))
    return rows


def _header_hint() -> str:
    return f"Row 1 must be the template's header: {', '.join(COLUMNS)}"


def _header_problems(header: list[str]) -> list[Problem]:
    problems = []
    for position, column in enumerate(COLUMNS):
        if column not in header:
            problems.append(Problem(column, "", f"column is missing. {_header_hint()}", row=1))
        elif header.index(column) != position:
            problems.append(
                Problem(column, column, f"column is out of place. {_header_hint()}", row=1)
            )
    for column in header:
        if column not in COLUMNS:
            problems.append(
                Problem(
                    column or "(blank)",
                    column,
                    f"is not a template column. {_header_hint()}",
                    row=1,
                )
            )
    return problems or [Problem("header", ", ".join(header), _header_hint(), row=1)]


@dataclass
class CheckedFile:
    rows: list[CheckedReturn]
    skipped: list[FileRow]  # rows with no value and no note
    problems: list[Problem]


def check_rows(user, partnership, rows: list[FileRow], today: date) -> CheckedFile:
    """Check every row (the same check as the entry form, plus ownership and duplicates)."""
    indicators = {
        i.code: i for i in Indicator.objects.filter(partnership=partnership).select_related("owner")
    }
    person = permissions.person_of(user)
    mine = person.organisation.short_name if person else "your organisation"
    checked, skipped, problems = [], [], []
    seen: dict[tuple[str, date], int] = {}
    for row in rows:
        if not row.code:
            problems.append(Problem("indicator_code", "", "Enter the indicator code", row.row))
            continue
        indicator = indicators.get(row.code)
        if indicator is None:
            problems.append(
                Problem(
                    "indicator_code",
                    row.code,
                    "is not an indicator of this partnership: copy the code from the template",
                    row.row,
                )
            )
            continue
        if not permissions.can(user, "enter_return", indicator):
            problems.append(
                Problem(
                    "indicator_code",
                    row.code,
                    f"is {indicator.owner.short_name}'s indicator: you can only return "
                    f"{mine}'s figures",
                    row.row,
                )
            )
            continue
        if not as_text(row.value) and not row.note:
            skipped.append(row)
            continue
        if not as_text(row.value):
            problems.append(
                Problem(
                    "value",
                    "",
                    "Enter a value, or clear the note: a note is saved only with a value",
                    row.row,
                )
            )
            continue
        good, found = check_return(indicator, row.period, row.value, row.note, today)
        problems.extend(p.at(row.row) for p in found)
        if good is None:
            continue
        key = (indicator.code, good.period.start)
        if key in seen:
            problems.append(
                Problem(
                    "period",
                    good.period.label,
                    f"is in the file twice for this indicator (rows {seen[key]} and {row.row})",
                    row.row,
                )
            )
            continue
        seen[key] = row.row
        checked.append(good)
    return CheckedFile(checked, skipped, problems)
