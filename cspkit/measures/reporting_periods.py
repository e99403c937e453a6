"""Reporting periods of partner returns: months, financial quarters and financial years.

UK public bodies report on the financial year (1 April to 31 March), so "2023/24 Q1" is
April-June 2023 and "2023/24" is April 2023 to March 2024. Labels are the keys used in
returns, templates and the demo data: ``YYYY-MM`` (monthly), ``YYYY/YY Qn`` (quarterly),
``YYYY/YY`` (annual).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Frequency(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"


PERIODS_PER_YEAR = {Frequency.MONTHLY: 12, Frequency.QUARTERLY: 4, Frequency.ANNUAL: 1}

_MONTHLY = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTERLY = re.compile(r"^(\d{4})/(\d{2}) ?Q([1-4])$", re.IGNORECASE)
_ANNUAL = re.compile(r"^(\d{4})/(\d{2})$")


class PeriodError(ValueError):
    """A period label that does not fit the indicator's frequency."""


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date
    frequency: Frequency
    year: int  # the financial year's first calendar year (2023 for 2023/24)
    index: int  # 1-based position in the financial year (Q1 = 1, April = 1)

    @property
    def label(self) -> str:
        if self.frequency is Frequency.MONTHLY:
            return f"{self.start:%Y-%m}"
        if self.frequency is Frequency.QUARTERLY:
            return f"{self.year_label} Q{self.index}"
        return self.year_label

    @property
    def year_label(self) -> str:
        return f"{self.year}/{(self.year + 1) % 100:02d}"

    @property
    def short_label(self) -> str:
        """For sentences: "Q3", "December 2023", "2023/24"."""
        if self.frequency is Frequency.QUARTERLY:
            return f"Q{self.index}"
        if self.frequency is Frequency.MONTHLY:
            return f"{self.start:%B %Y}"
        return self.year_label

    @property
    def long_label(self) -> str:
        """For headings: "Q3 2023/24 (October to December 2023)"."""
        if self.frequency is Frequency.QUARTERLY:
            return f"Q{self.index} {self.year_label} ({self.start:%B} to {self.end:%B %Y})"
        return (
            self.short_label
            if self.frequency is Frequency.MONTHLY
            else (f"{self.year_label} (April {self.year} to March {self.year + 1})")
        )

    def year_to_date(self) -> list[Period]:
        """This period and the earlier ones of the same financial year, in order."""
        return [period_of(self.frequency, self.year, i) for i in range(1, self.index + 1)]

    def next(self) -> Period:
        return containing(self.frequency, self.end + timedelta(days=1))

    def previous(self) -> Period:
        return containing(self.frequency, self.start - timedelta(days=1))

    def due(self, days_after: int) -> date:
        return self.end + timedelta(days=days_after)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def period_of(frequency: Frequency | str, year: int, index: int) -> Period:
    """The ``index``-th period of financial year ``year`` (2023 = 2023/24)."""
    frequency = Frequency(frequency)
    per_year = PERIODS_PER_YEAR[frequency]
    if not 1 <= index <= per_year:
        raise PeriodError(f"a {frequency} period index runs from 1 to {per_year}, not {index}")
    months = 12 // per_year
    first = 4 + (index - 1) * months  # April = month 4 of the calendar
    start_year = year + (first - 1) // 12
    start_month = (first - 1) % 12 + 1
    last = first + months - 1
    end_year = year + (last - 1) // 12
    end_month = (last - 1) % 12 + 1
    return Period(
        date(start_year, start_month, 1), _month_end(end_year, end_month), frequency, year, index
    )


def containing(frequency: Frequency | str, day: date) -> Period:
    """The period of ``frequency`` that contains ``day``."""
    frequency = Frequency(frequency)
    year = day.year if day.month >= 4 else day.year - 1
    month_in_year = (day.month - 4) % 12  # 0 = April
    index = month_in_year // (12 // PERIODS_PER_YEAR[frequency]) + 1
    return period_of(frequency, year, index)


def parse_period(label: str, frequency: Frequency | str) -> Period:
    """Read a label in the form of ``frequency``; the error says which form was expected."""
    frequency = Frequency(frequency)
    text = str(label).strip()
    if frequency is Frequency.MONTHLY and (m := _MONTHLY.match(text)):
        month = int(m[2])
        if 1 <= month <= 12:
            return containing(frequency, date(int(m[1]), month, 1))
    m = _QUARTERLY.match(text) if frequency is Frequency.QUARTERLY else None
    if m and _years_follow(m[1], m[2]):
        return period_of(frequency, int(m[1]), int(m[3]))
    m = _ANNUAL.match(text) if frequency is Frequency.ANNUAL else None
    if m and _years_follow(m[1], m[2]):
        return period_of(frequency, int(m[1]), 1)
    example = {
        Frequency.MONTHLY: "2023-10",
        Frequency.QUARTERLY: "2023/24 Q3",
        Frequency.ANNUAL: "2023/24",
    }[frequency]
    raise PeriodError(f"{text!r} is not a {frequency} period; write it like {example}")


def _years_follow(first: str, second: str) -> bool:
    return (int(first) + 1) % 100 == int(second)


def last_complete(frequency: Frequency | str, today: date) -> Period:
    """The latest period that ended before ``today``."""
    return containing(frequency, today).previous()


def periods_between(first: Period, last: Period) -> list[Period]:
    out, current = [], first
    while current <= last:
        out.append(current)
        current = current.next()
    return out
