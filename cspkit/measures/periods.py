"""Calendar months as the unit of every period (metrics.md, "Periods").

Months are handled as :class:`datetime.date` on the first of the month, so they
sort, subtract and store in DuckDB as DATE without a custom type.
"""

from __future__ import annotations

import re
from datetime import date

from cspkit.errors import InvalidMonth

_YYYY_MM = re.compile(r"^(\d{4})-(\d{2})$")
_YYYYMM = re.compile(r"^(\d{4})(\d{2})$")


def parse_month(text: str) -> date:
    """Parse ``YYYY-MM`` (as typed by a user) into the first day of that month."""
    match = _YYYY_MM.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise InvalidMonth(f"'{text}' is not a month: write it as YYYY-MM, e.g. 2023-10")
    return date(int(match.group(1)), int(match.group(2)), 1)


def parse_compact_month(text: str) -> date | None:
    """Parse ``YYYYMM`` (as in MPS file headers); None when it is not one."""
    match = _YYYYMM.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return date(int(match.group(1)), int(match.group(2)), 1)


def format_month(month: date) -> str:
    """``2023-10`` for the first of October 2023."""
    return f"{month.year:04d}-{month.month:02d}"


def add_months(month: date, n: int) -> date:
    """The month ``n`` months after (or before, for negative ``n``) ``month``."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_range(first: date, last: date) -> list[date]:
    """Every month from ``first`` to ``last`` inclusive (empty if last < first)."""
    months = []
    current = first
    while current <= last:
        months.append(current)
        current = add_months(current, 1)
    return months


def months_between(first: date, last: date) -> int:
    """Number of months in the closed range first..last."""
    return (last.year - first.year) * 12 + last.month - first.month + 1
