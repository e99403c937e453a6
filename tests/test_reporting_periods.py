"""Financial-year reporting periods, checked against the calendar by hand."""

from __future__ import annotations

from datetime import date

import pytest

from cspkit.measures.reporting_periods import (
    PeriodError,
    containing,
    last_complete,
    parse_period,
    period_of,
    periods_between,
)


@pytest.mark.parametrize(
    "label, frequency, start, end, index",
    [
        ("2023/24 Q1", "quarterly", date(2023, 4, 1), date(2023, 6, 30), 1),
        ("2023/24 Q3", "quarterly", date(2023, 10, 1), date(2023, 12, 31), 3),
        ("2023/24 Q4", "quarterly", date(2024, 1, 1), date(2024, 3, 31), 4),
        ("2023-10", "monthly", date(2023, 10, 1), date(2023, 10, 31), 7),
        ("2024-02", "monthly", date(2024, 2, 1), date(2024, 2, 29), 11),
        ("2023/24", "annual", date(2023, 4, 1), date(2024, 3, 31), 1),
    ],
)
def test_periods(label, frequency, start, end, index):
    period = parse_period(label, frequency)
    assert (period.start, period.end, period.index, period.label) == (start, end, index, label)


def test_year_to_date_next_previous_and_due():
    q3 = parse_period("2023/24 Q3", "quarterly")
    assert [p.label for p in q3.year_to_date()] == ["2023/24 Q1", "2023/24 Q2", "2023/24 Q3"]
    assert q3.next().next().label == "2024/25 Q1"
    assert parse_period("2023/24 Q1", "quarterly").previous().label == "2022/23 Q4"
    assert q3.due(20) == date(2024, 1, 20)
    assert q3.long_label == "Q3 2023/24 (October to December 2023)"


def test_containing_and_last_complete():
    assert containing("quarterly", date(2024, 3, 1)).label == "2023/24 Q4"
    assert last_complete("quarterly", date(2024, 3, 1)).label == "2023/24 Q3"
    assert last_complete("monthly", date(2024, 1, 1)).label == "2023-12"
    assert last_complete("annual", date(2024, 4, 1)).label == "2023/24"
    q = parse_period("2022/23 Q4", "quarterly")
    assert [p.label for p in periods_between(q, q.next().next())] == [
        "2022/23 Q4",
        "2023/24 Q1",
        "2023/24 Q2",
    ]


@pytest.mark.parametrize(
    "label, frequency",
    [
        ("2023/25 Q1", "quarterly"),
        ("2023-13", "monthly"),
        ("2023/24", "quarterly"),
        ("Q1 2023", "quarterly"),
        ("2023", "annual"),
    ],
)
def test_bad_labels_say_what_was_expected(label, frequency):
    with pytest.raises(PeriodError, match="write it like"):
        parse_period(label, frequency)


def test_index_out_of_range():
    with pytest.raises(PeriodError):
        period_of("quarterly", 2023, 5)
