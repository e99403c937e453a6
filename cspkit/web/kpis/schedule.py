"""Which returns are expected, when each is due, and which are late.

A return is expected for every period of the indicator's frequency from its first expected
period (``reporting_from``, else its first return) up to the last period that has ended
(:func:`~cspkit.measures.reporting_periods.last_complete`). It is due ``returns_due_days``
after its period ends. A return is **late** when it is still missing after its due date, or
when it was entered after its due date (it stays marked "received late"). A return entered on
its due date is on time. Inactive indicators expect nothing more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from cspkit.measures.reporting_periods import (
    Period,
    containing,
    last_complete,
    parse_period,
    periods_between,
)
from cspkit.web.kpis.models import Indicator, Return

RECEIVED = "received"
RECEIVED_LATE = "received_late"
LATE = "late"  # missing, and the due date has passed
DUE = "due"  # missing, not yet due
STATE_WORDS = {
    RECEIVED: "Received",
    RECEIVED_LATE: "Received late",
    LATE: "Late: not received",
    DUE: "Not yet due",
}


@dataclass(frozen=True)
class Expected:
    """One period of one indicator: its due date, its return (if any) and its state."""

    indicator: Indicator
    period: Period
    due: date
    ret: Return | None
    state: str
    expected: bool = True  # False: a return for a period outside the expected range

    @property
    def late(self) -> bool:
        return self.state in (LATE, RECEIVED_LATE)

    @property
    def missing(self) -> bool:
        return self.ret is None

    @property
    def state_word(self) -> str:
        return STATE_WORDS[self.state]


def entered_on(ret: Return) -> date:
    return timezone.localdate(ret.entered_at)


def state_of(ret: Return | None, due: date, today: date) -> str:
    if ret is not None:
        return RECEIVED_LATE if entered_on(ret) > due else RECEIVED
    return LATE if today > due else DUE


def first_period(indicator: Indicator, returns: Iterable[Return], today: date) -> Period:
    """The first period a return is expected for."""
    if indicator.reporting_from:
        return indicator.period(indicator.reporting_from)
    starts = [r.period_start for r in returns]
    if starts:
        return containing(indicator.frequency, min(starts))
    return last_complete(indicator.frequency, today)


def schedule(indicator: Indicator, returns: Iterable[Return], today: date) -> list[Expected]:
    """Every expected period up to the last complete one, oldest first, with its state.

    Returns for periods outside that range (before ``reporting_from``, or of an inactive
    indicator) are listed too, marked ``expected=False``, so nothing entered is hidden.
    """
    returns = list(returns)
    by_start = {r.period_start: r for r in returns}
    days = indicator.returns_due_days
    periods: list[Period] = []
    if indicator.active:
        first = first_period(indicator, returns, today)
        last = last_complete(indicator.frequency, today)
        periods = periods_between(first, last) if first <= last else []
    rows = []
    for period in periods:
        ret = by_start.pop(period.start, None)
        due = period.due(days)
        rows.append(Expected(indicator, period, due, ret, state_of(ret, due, today)))
    for ret in by_start.values():
        period = parse_period(ret.period, indicator.frequency)
        due = period.due(days)
        rows.append(Expected(indicator, period, due, ret, state_of(ret, due, today), False))
    rows.sort(key=lambda e: e.period.start)
    return rows


def round_periods(indicator: Indicator, round_quarter: Period) -> list[Period]:
    """The indicator's periods that end within a quarterly return round, if expected.

    A quarterly indicator has the quarter itself, a monthly one its three months, an annual
    one its year in the Q4 round (the quarter the year ends in).
    """
    if not indicator.active:
        return []
    first = containing(indicator.frequency, round_quarter.start)
    last = containing(indicator.frequency, round_quarter.end)
    periods = [
        p for p in periods_between(first, last) if round_quarter.start <= p.end <= round_quarter.end
    ]
    start = indicator.first_expected()
    return [p for p in periods if start is None or p >= start]


@dataclass
class LateSummary:
    missing: list[Expected]  # not received, past due
    received_late: list[Expected]

    @property
    def count(self) -> int:
        return len(self.missing) + len(self.received_late)


def late_returns(indicators: Iterable[Indicator], today: date) -> LateSummary:
    """Every late return of the indicators (prefetch their ``returns``)."""
    missing, received_late = [], []
    for indicator in indicators:
        for row in schedule(indicator, indicator.returns.all(), today):
            if row.state == LATE:
                missing.append(row)
            elif row.state == RECEIVED_LATE:
                received_late.append(row)
    return LateSummary(missing, received_late)
