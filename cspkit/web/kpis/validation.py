"""The one check of a return's figures, used by the entry form and by the file upload alike.

:func:`check_return` answers with the cleaned period and value, or a list of
:class:`Problem` s, each naming the field, the value as given and what is wrong in plain
English. The upload adds the spreadsheet row number; the form shows the problem beside the
field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from cspkit.measures.reporting_periods import Period, PeriodError
from cspkit.web.kpis.models import VALUE_DIGITS, VALUE_PLACES, Indicator, Measure

NOTE_LIMIT = 2000
PERIOD_EXAMPLE = {"monthly": "2023-10", "quarterly": "2023/24 Q3", "annual": "2023/24"}
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_MONTH_WORDS = re.compile(r"^([A-Za-z]{3,9})[- ](\d{2}|\d{4})$")


@dataclass(frozen=True)
class Problem:
    """Something wrong with one field of a return (``row``: the spreadsheet row, if any)."""

    field: str
    value: str
    problem: str
    row: int | None = None

    def at(self, row: int) -> Problem:
        return replace(self, row=row)

    def __str__(self) -> str:
        where = f"row {self.row}, " if self.row is not None else ""
        shown = f" {self.value!r}" if self.value else ""
        return f"{where}{self.field}{shown}: {self.problem}"


class ReturnInvalid(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@dataclass(frozen=True)
class CheckedReturn:
    indicator: Indicator
    period: Period
    value: Decimal
    note: str


def as_text(value) -> str:
    """A cell or form value as text, the way a person would read it back."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def long_date(day: date) -> str:
    """1 March 2024 (no leading zero, on every platform)."""
    return f"{day.day} {day:%B %Y}"


def _month_label(text: str) -> str:
    """ "Oct-23", "October 2023" (a spreadsheet's reformatted month) as 2023-10, else as is."""
    if m := _MONTH_WORDS.match(text):
        try:
            fmt = "%d %b %y" if len(m[2]) == 2 else "%d %b %Y"
            day = datetime.strptime(f"1 {m[1][:3]} {m[2]}", fmt)
        except ValueError:
            return text
        return f"{day:%Y-%m}"
    return text


def check_period(indicator: Indicator, raw, today: date) -> tuple[Period | None, list[Problem]]:
    if isinstance(raw, datetime | date) and indicator.frequency == "monthly":
        raw = f"{raw:%Y-%m}"  # a spreadsheet turned 2023-10 into a date
    text = as_text(raw)
    example = PERIOD_EXAMPLE[indicator.frequency]
    if not text:
        return None, [Problem("period", "", f"Enter the period, like {example}")]
    if indicator.frequency == "monthly":
        text = _month_label(text)
    try:
        period = indicator.period(text)
    except PeriodError:
        return None, [
            Problem(
                "period",
                as_text(raw),
                f"is not {'an' if indicator.frequency == 'annual' else 'a'} "
                f"{indicator.frequency} period: write it like {example}",
            )
        ]
    if period.start > today:
        return None, [
            Problem(
                "period", as_text(raw), f"is in the future: it starts on {long_date(period.start)}"
            )
        ]
    # A year in progress may have its figure so far (a partner's "current position", which
    # the board reads as the latest); a month or quarter is returned once it has ended.
    if period.end >= today and indicator.frequency != "annual":
        return None, [
            Problem(
                "period",
                as_text(raw),
                f"has not ended yet: it ends on {long_date(period.end)}",
            )
        ]
    first = indicator.first_expected()
    if first is not None and period < first:
        return None, [
            Problem(
                "period",
                as_text(raw),
                f"is before {first.label}, the first period returns are collected for",
            )
        ]
    return period, []


def _number(raw) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | Decimal):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw))
    text = str(raw).strip().replace(" ", "")
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def check_value(indicator: Indicator, raw) -> tuple[Decimal | None, list[Problem]]:
    text = as_text(raw)
    if not text:
        return None, [Problem("value", "", "Enter a value")]
    measure = indicator.measure
    number_text = raw
    if measure == Measure.PERCENTAGE and isinstance(raw, str) and text.endswith("%"):
        number_text = text[:-1]
    value = _number(number_text)
    if value is None:
        return None, [
            Problem("value", text, "is not a number: write the figure in digits, like 18 or 4.5")
        ]
    problem = None
    if value < 0:
        problem = "must be 0 or more"
    elif measure == Measure.COUNT and value != value.to_integral_value():
        problem = f"is not a whole number: {indicator.unit} are counted in whole numbers"
    elif measure == Measure.PERCENTAGE and value > 100:
        problem = "is more than 100: a percentage must be from 0 to 100"
    elif value.as_tuple().exponent < -VALUE_PLACES and value != value.quantize(
        Decimal(1).scaleb(-VALUE_PLACES)
    ):
        problem = f"has more than {VALUE_PLACES} decimal places"
    elif value >= Decimal(10) ** (VALUE_DIGITS - VALUE_PLACES):
        problem = "is too large"
    if problem:
        return None, [Problem("value", text, problem)]
    return value, []


def check_return(
    indicator: Indicator, period, value, note, today: date
) -> tuple[CheckedReturn | None, list[Problem]]:
    """Check one return's period, value and note; the cleaned return, or every problem."""
    problems: list[Problem] = []
    if not indicator.active:
        problems.append(
            Problem("indicator_code", indicator.code, "is no longer collected (inactive)")
        )
    checked_period, found = check_period(indicator, period, today)
    problems += found
    checked_value, found = check_value(indicator, value)
    problems += found
    note = as_text(note)
    if len(note) > NOTE_LIMIT:
        problems.append(
            Problem("note", note[:40] + "...", f"is longer than {NOTE_LIMIT:,} characters")
        )
    if problems:
        return None, problems
    return CheckedReturn(indicator, checked_period, checked_value, note), []
