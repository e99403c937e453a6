"""SPC measures against hand-worked limits, constructed series for each rule, and real data.

The Poisson quantiles are found by summing the probability mass function by hand (math.exp
and math.factorial) and XmR limits are worked out on paper, so neither shares code with
cspkit or scipy.
"""

from __future__ import annotations

import csv
import math
import random
from datetime import date

import pytest
from conftest import BOROUGH

from cspkit.measures.periods import add_months
from cspkit.measures.spc import (
    ExpectedRange,
    SeriesAssessment,
    Signal,
    assess_series,
    expected_range,
    signal_sentences,
    signals,
)

ROBBERY_24M = BOROUGH / "vintage-2025-02" / "MPS Borough Level Crime (most recent 24 months).csv"


def months_from(first: date, n: int) -> list[date]:
    return [add_months(first, i) for i in range(n)]


def wide(centre: float) -> ExpectedRange:
    """A range whose limits nothing in these tests reaches: only runs and trends can fire."""
    return ExpectedRange("test", centre, 0.0, 1000.0, 0, 1000, 12)


def flags_for(found: list[Signal], n: int) -> tuple[frozenset[str], ...]:
    return tuple(
        frozenset(s.kind for s in found if s.start_index <= i <= s.end_index) for i in range(n)
    )


def kinds(found: list[Signal], prefix: str) -> list[tuple[str, int, int]]:
    return [(s.kind, s.start_index, s.end_index) for s in found if s.kind.startswith(prefix)]


# --- limits -----------------------------------------------------------------------------------


def naive_poisson_quantile(mean: float, q: float) -> int:
    """Smallest k with P(X <= k) >= q, summing exp(-m) m^k / k! term by term."""
    k, cdf = 0, 0.0
    while True:
        cdf += math.exp(-mean) * mean**k / math.factorial(k)
        if cdf >= q:
            return k
        k += 1


@pytest.mark.parametrize(
    "baseline",
    [
        [0, 1, 0, 1],  # mean 0.5
        [3, 3, 3],
        [12, 13, 12, 12],  # 12.25
        [50] * 6,
        [79, 38, 62, 66, 67, 52, 49, 59, 90, 95, 59, 60],  # Barnet robbery, 64.67
        [100, 120, 95, 110],  # 106.25
    ],
)
def test_poisson_limits_match_quantiles_summed_by_hand(baseline):
    mean = sum(baseline) / len(baseline)
    rng = expected_range(baseline)
    assert rng.method == "poisson"
    assert rng.centre == pytest.approx(mean)
    assert rng.lowest_expected == naive_poisson_quantile(mean, 0.001) == rng.lower
    assert rng.highest_expected == naive_poisson_quantile(mean, 0.999) == rng.upper
    assert rng.baseline_points == len(baseline)
    assert rng.mean_moving_range is None


def test_poisson_limits_for_a_mean_of_50():
    # By hand: P(X <= 29) = 0.000917 < 0.001 <= P(X <= 30) = 0.001594;
    # P(X <= 72) = 0.998657 < 0.999 <= P(X <= 73) = 0.999114.
    rng = expected_range([50, 50])
    assert (rng.lowest_expected, rng.highest_expected) == (30, 73)
    # the limits are inside the range; one beyond is outside
    assert signals([30, 73], rng) == []
    assert [s.kind for s in signals([29, 74], rng)] == ["outside_lower", "outside_upper"]


def test_all_zero_baseline_expects_zero():
    rng = expected_range([0, 0, 0])
    assert (rng.lowest_expected, rng.highest_expected) == (0, 0)
    assert kinds(signals([0, 1, 0], rng), "outside") == [("outside_upper", 1, 1)]


def test_xmr_limits_by_hand():
    # mean 60/5 = 12; moving ranges 4, 5, 6, 3 -> mean 4.5; 2.66 x 4.5 = 11.97
    rng = expected_range([10, 14, 9, 15, 12], method="xmr")
    assert rng.method == "xmr"
    assert rng.centre == 12
    assert rng.mean_moving_range == 4.5
    assert rng.lower == pytest.approx(0.03)
    assert rng.upper == pytest.approx(23.97)
    assert (rng.lowest_expected, rng.highest_expected) == (1, 23)
    assert [s.kind for s in signals([1, 23, 0, 24], rng)] == ["outside_lower", "outside_upper"]


def test_xmr_skips_moving_ranges_across_a_missing_month():
    # mean (10 + 14 + 12) / 3 = 12; only 14 -> 12 is a moving range (2); 2.66 x 2 = 5.32
    rng = expected_range([10, None, 14, 12], method="xmr")
    assert rng.centre == 12
    assert rng.mean_moving_range == 2
    assert rng.lower == pytest.approx(6.68)
    assert rng.upper == pytest.approx(17.32)
    assert (rng.lowest_expected, rng.highest_expected) == (7, 17)
    assert rng.baseline_points == 3


def test_xmr_lower_limit_stops_at_zero():
    # mean 10/3, moving ranges 10, 10: 3.33 - 26.6 < 0
    rng = expected_range([0, 10, 0], method="xmr")
    assert rng.lower == 0
    assert rng.lowest_expected == 0
    assert rng.upper == pytest.approx(10 / 3 + 26.6)


@pytest.mark.parametrize(
    ("baseline", "method", "message"),
    [
        ([], "poisson", "at least one count"),
        ([None, None], "poisson", "at least one count"),
        ([5, None, 6], "xmr", "two consecutive months"),
        ([5, 6], "normal", "unknown method 'normal': use one of poisson, xmr"),
        ([5, -1], "poisson", "a count must be 0 or more, not -1 (point 1)"),
    ],
)
def test_expected_range_refuses_bad_input(baseline, method, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        expected_range(baseline, method=method)


def test_a_float_count_is_refused():
    with pytest.raises(TypeError):
        expected_range([5, 6.5])


# --- runs -------------------------------------------------------------------------------------


def test_exactly_seven_above_is_a_run():
    assert signals([5] + [11] * 7 + [5], wide(10)) == [Signal("run_above", 1, 7)]


def test_six_above_is_not_a_run():
    assert signals([5] + [11] * 6 + [5], wide(10)) == []


def test_seven_below_is_a_run():
    assert signals([12] + [9] * 7, wide(10)) == [Signal("run_below", 1, 7)]


def test_a_point_on_the_centre_line_breaks_a_run():
    assert signals([11] * 4 + [10] + [11] * 4, wide(10)) == []
    assert signals([11] * 7 + [10] + [11] * 7, wide(10)) == [
        Signal("run_above", 0, 6),
        Signal("run_above", 8, 14),
    ]


def test_a_missing_month_breaks_a_run():
    assert signals([11] * 3 + [None] + [11] * 4, wide(10)) == []


def test_a_long_run_is_one_span_not_overlapping_windows():
    assert signals([11] * 12, wide(10)) == [Signal("run_above", 0, 11)]


def test_run_length_is_a_parameter():
    assert signals([11] * 6, wide(10), run_length=6) == [Signal("run_above", 0, 5)]


# --- trends -----------------------------------------------------------------------------------

# centre 5.5 in the middle of 1..10 so runs stay out of the way


def test_five_rising_is_a_trend():
    assert signals([1, 2, 3, 8, 9], wide(5.5)) == [Signal("trend_up", 0, 4)]


def test_four_rising_is_not_a_trend():
    assert signals([1, 2, 8, 9], wide(5.5)) == []


def test_five_falling_is_a_trend():
    assert signals([9, 8, 7, 2, 1], wide(5.5)) == [Signal("trend_down", 0, 4)]


def test_a_tie_breaks_a_trend():
    assert signals([1, 2, 3, 3, 8, 9], wide(5.5)) == []


def test_a_missing_month_breaks_a_trend():
    assert signals([1, 2, None, 3, 7, 8, 9], wide(5.5)) == []
    assert signals([1, None, 2, 3, 7, 8, 9], wide(5.5)) == [Signal("trend_up", 2, 6)]


def test_a_long_trend_is_one_span():
    assert signals([1, 2, 3, 4, 7, 8, 9, 10], wide(5.5)) == [Signal("trend_up", 0, 7)]


def test_a_peak_ends_one_trend_and_starts_the_other():
    found = signals([1, 2, 3, 8, 9, 8, 7, 3, 2], wide(5.5))
    assert found == [Signal("trend_up", 0, 4), Signal("trend_down", 4, 8)]


def test_trend_length_is_a_parameter():
    assert signals([1, 2, 8, 9], wide(5.5), trend_length=4) == [Signal("trend_up", 0, 3)]
    assert signals([1, 2, 3, 8, 9], wide(5.5), trend_length=6) == []


@pytest.mark.parametrize("option", ["run_length", "trend_length"])
def test_rule_lengths_below_two_are_refused(option):
    with pytest.raises(ValueError, match=f"{option} must be 2 or more points, not 1"):
        signals([1, 2], wide(5.5), **{option: 1})


# --- outside the limits -----------------------------------------------------------------------


def test_consecutive_points_outside_the_same_limit_are_one_span():
    rng = ExpectedRange("test", 50.0, 40.0, 60.0, 40, 60, 12)
    found = signals([50, 61, 62, None, 63, 39, 50], rng)
    assert found == [
        Signal("outside_upper", 1, 2),
        Signal("outside_upper", 4, 4),
        Signal("outside_lower", 5, 5),
    ]


# --- a series ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "baseline"), [(36, 24), (24, 12), (23, 23), (5, 5)])
def test_default_baseline_leaves_out_the_last_year_from_24_months(n, baseline):
    values = [50 + (i % 3) for i in range(n)]
    result = assess_series(months_from(date(2022, 1, 1), n), values)
    assert result.baseline_months == baseline
    assert result.expected_range == expected_range(values[:baseline])


def test_flags_mark_every_point_of_every_signal():
    values = [40] * 12 + [41, 42, 43, 44, 45, 46, 47]
    result = assess_series(months_from(date(2023, 1, 1), 19), values, baseline_months=12)
    assert result.expected_range.centre == 40
    assert result.signals == (Signal("trend_up", 11, 18), Signal("run_above", 12, 18))
    assert result.flags[:11] == (frozenset(),) * 11
    assert result.flags[11] == {"trend_up"}
    assert all(f == {"trend_up", "run_above"} for f in result.flags[12:])


def test_assess_series_can_use_xmr():
    values = [10, 14, 9, 15, 12]
    result = assess_series(months_from(date(2023, 1, 1), 5), values, method="xmr")
    assert result.expected_range == expected_range(values, method="xmr")


@pytest.mark.parametrize(
    ("months", "values", "options", "message"),
    [
        (months_from(date(2023, 1, 1), 3), [1, 2], {}, "3 months but 2 values"),
        (
            [date(2023, 1, 1), date(2023, 3, 1)],
            [1, 2],
            {},
            "point 1 is 2023-03-01",
        ),
        ([date(2023, 1, 15)], [1], {}, "point 0 is 2023-01-15"),
        (months_from(date(2023, 1, 1), 3), [1, 2, 3], {"baseline_months": 4}, "from 1 to 3"),
        (months_from(date(2023, 1, 1), 3), [1, 2, 3], {"baseline_months": 0}, "from 1 to 3"),
    ],
)
def test_assess_series_refuses_bad_input(months, values, options, message):
    with pytest.raises(ValueError, match=message):
        assess_series(months, values, **options)


# --- sentences --------------------------------------------------------------------------------


def test_sentences_for_a_run_a_trend_and_a_point_outside():
    # Jan-Apr below the centre; May-Dec above it; Aug-Dec rising; December above the limit
    values = [35, 38, 30, 39, 45, 48, 42, 41, 46, 52, 60, 74]
    months = months_from(date(2023, 1, 1), 12)
    rng = ExpectedRange("poisson", 40.25, 28.0, 61.0, 28, 61, 24)
    found = signals(values, rng)
    assert found == [
        Signal("run_above", 4, 11),
        Signal("trend_up", 7, 11),
        Signal("outside_upper", 11, 11),
    ]
    assessment = SeriesAssessment(rng, 12, tuple(found), flags_for(found, len(values)))
    assert signal_sentences("Robbery", months, values, assessment) == [
        "Robbery was above its average of 40.3 a month for 8 months in a row, "
        "from May 2023 to December 2023.",
        "Robbery rose in each of 4 consecutive months, from 41 in August 2023 to 74 in "
        "December 2023: an increase of 80.5%.",  # 33 / 41 = 80.487...%
        "Robbery in December 2023 (74) was above the expected range (28 to 61).",
    ]


def sentences_for(values, rng, first=date(2024, 1, 1)):
    months = months_from(first, len(values))
    found = signals(values, rng)
    assessment = SeriesAssessment(rng, len(values), tuple(found), flags_for(found, len(values)))
    return signal_sentences("Knife crime", months, values, assessment)


def test_sentences_for_a_fall_and_for_points_below():
    rng = ExpectedRange("poisson", 40.0, 30.0, 50.0, 30, 50, 24)
    assert sentences_for([45, 44, 36, 29, 28, 27, 40], rng) == [
        "Knife crime fell in each of 5 consecutive months, from 45 in January 2024 to 27 in "
        "June 2024: a decrease of 40.0%.",
        "Knife crime in April 2024 (29), May 2024 (28) and June 2024 (27) was below the "
        "expected range (30 to 50).",
    ]


def test_a_rise_from_zero_has_no_percentage():
    assert sentences_for([0, 1, 2, 3, 4], wide(2.5)) == [
        "Knife crime rose in each of 4 consecutive months, from 0 in January 2024 to 4 in May 2024."
    ]


def test_xmr_limits_with_no_whole_count_between_them_are_shown_as_decimals():
    rng = expected_range([50] * 12 + [51] * 12, method="xmr")  # 50.5 +/- 2.66 / 23
    assert rng.lowest_expected > rng.highest_expected
    assert sentences_for([50], rng) == [
        "Knife crime in January 2024 (50) was below the expected range (50.4 to 50.6)."
    ]


def test_a_signal_over_a_missing_month_is_refused():
    months = months_from(date(2024, 1, 1), 3)
    found = [Signal("run_below", 0, 2)]
    bad = SeriesAssessment(wide(5), 3, tuple(found), flags_for(found, 3))
    with pytest.raises(ValueError, match="covers a missing month"):
        signal_sentences("Robbery", months, [1, None, 3], bad)


def poisson_series(seed: int, mean: float, n: int) -> list[int]:
    """Knuth's method on Python's own generator (reproducible across versions)."""
    generator = random.Random(seed)
    limit = math.exp(-mean)
    series = []
    for _ in range(n):
        k, product = 0, generator.random()
        while product > limit:
            k += 1
            product *= generator.random()
        series.append(k)
    return series


def test_pure_noise_usually_gives_no_sentences():
    months = months_from(date(2022, 1, 1), 36)
    quiet = [
        seed
        for seed in range(200)
        if not assess_series(months, poisson_series(seed, 50, 36)).signals
    ]
    # Most noise series are quiet, but not all: with a trend of 5 points, a run of 7 and
    # 99.8% limits, 87 of these 200 flat Poisson(50) series of 36 months show some signal.
    assert len(quiet) > 100
    seed = quiet[0]
    values = poisson_series(seed, 50, 36)
    assessment = assess_series(months, values)
    assert assessment.signals == ()
    assert all(f == frozenset() for f in assessment.flags)
    assert signal_sentences("Robbery", months, values, assessment) == []


# --- real data --------------------------------------------------------------------------------


def barnet_personal_robbery() -> tuple[list[date], list[int]]:
    with ROBBERY_24M.open(newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    (row,) = [
        r
        for r in rows[1:]
        if r[0] == "ROBBERY" and r[1] == "ROBBERY OF PERSONAL PROPERTY" and r[2] == "Barnet"
    ]
    months = [date(int(h[:4]), int(h[4:]), 1) for h in header[3:]]
    return months, [int(v) for v in row[3:]]


def test_barnet_personal_robbery():
    months, values = barnet_personal_robbery()
    assert len(months) == 24 and months[0] == date(2023, 3, 1)
    assessment = assess_series(months, values)
    assert assessment.baseline_months == 12
    assert assessment.expected_range.centre == pytest.approx(sum(values[:12]) / 12)

    # every month of the recent year is below the earlier year's average: one run at least
    assert all(v < sum(values[:12]) / 12 for v in values[12:])
    assert any(
        s.kind == "run_below" and s.start_index <= 12 and s.end_index == 23
        for s in assessment.signals
    )

    sentences = signal_sentences("Robbery of personal property", months, values, assessment)
    assert len(sentences) == len(assessment.signals) > 0
    for signal, sentence in zip(assessment.signals, sentences, strict=True):
        assert 0 <= signal.start_index <= signal.end_index < len(values)
        assert sentence.startswith("Robbery of personal property ")
        span = range(signal.start_index, signal.end_index + 1)
        named = {signal.start_index, signal.end_index}
        if signal.kind.startswith("outside"):
            named = set(span)
            for i in span:
                assert f"{months[i].strftime('%B %Y')} ({values[i]})" in sentence
        for i in named:
            assert months[i].strftime("%B %Y") in sentence
        for i in set(range(len(months))) - set(span):
            assert months[i].strftime("%B %Y") not in sentence
