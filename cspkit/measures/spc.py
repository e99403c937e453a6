"""Statistical process control: expected ranges for a monthly count and what stands out.

A monthly series is judged against an **expected range** worked out from a baseline of
earlier months: a centre line (the mean of the baseline counts) and lower and upper limits.
Three rules, as in the NHS "Making Data Count" charts, mark a **signal** - something that
noise alone would rarely produce:

- a point outside the limits (``outside_upper`` / ``outside_lower``);
- a **run**: ``run_length`` (7) or more consecutive points strictly on one side of the
  centre line (``run_above`` / ``run_below``); a point exactly on the line breaks it;
- a **trend**: ``trend_length`` (5) or more consecutive points, each strictly higher (or
  lower) than the one before (``trend_up`` / ``trend_down``); lengths count points, so a
  trend of 5 points is 4 rises in a row.

A missing month (None) is never outside the limits and breaks any run or trend across it.
Each signal is one maximal span of points (``start_index`` to ``end_index``, both
included), so overlapping windows of the same rule are reported once; consecutive points
outside the same limit form one span too. Anything else is common-cause variation (noise),
and :func:`signal_sentences` says nothing about it.

Two ways to set the limits
--------------------------
``"poisson"`` (the default): exact Poisson limits. Counts of crime behave roughly like
Poisson counts (metrics.md, "Is a change real?"), whose spread is fixed by the mean alone:
the limits are the 0.001 and 0.999 quantiles of Poisson(mean), so each tail holds at most
0.1% - a 99.8% range, the probability version of the usual "3 sigma" (99.73%). They are
whole counts, never below 0, asymmetric as small counts are, and need only the mean, so a
short baseline still gives usable limits. A count is outside when it is below the lower
limit or above the upper one; the limits themselves are inside the range.

``"xmr"``: the NHS Making Data Count XmR (individuals) chart: mean +/- 2.66 x the mean
moving range (the average absolute difference between consecutive baseline months; pairs
across a missing month are left out). It measures the spread from the data, so it suits
series whose month-to-month variation is larger than Poisson (seasonality, repeat
victimisation, recording drives): there Poisson limits are too narrow and flag too much.
It needs a longer baseline (12-20 points) to estimate the spread. Its limits are not whole
numbers; a lower limit below 0 is reported as 0, since no count can fall below it. (This is
the plain XmR rule: the moving ranges are not screened for outliers.)

Either way :attr:`ExpectedRange.lowest_expected` and :attr:`ExpectedRange.highest_expected`
are the whole counts at the edges of the range; "outside" is decided on them, and sentences
print them, so a sentence and a flag can never disagree.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from itertools import pairwise
from typing import Literal

from scipy.stats import poisson

from cspkit.measures.change import change_words, round_half_away
from cspkit.measures.periods import add_months

Method = Literal["poisson", "xmr"]
SignalKind = Literal[
    "outside_upper", "outside_lower", "run_above", "run_below", "trend_up", "trend_down"
]

METHODS: tuple[str, ...] = ("poisson", "xmr")
POISSON_TAIL = 0.001  # each tail: limits are the 0.1% and 99.9% Poisson quantiles
XMR_FACTOR = Fraction("2.66")  # 3 / d2, d2 = 1.128 for moving ranges of 2 points
RECENT_MONTHS = 12  # the default assessment period: the last year
MIN_MONTHS_FOR_SPLIT = 24  # below this, the baseline is the whole series
_KIND_ORDER: tuple[str, ...] = (
    "outside_upper",
    "outside_lower",
    "run_above",
    "run_below",
    "trend_up",
    "trend_down",
)
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True)
class ExpectedRange:
    """A centre line and limits from a baseline of counts.

    ``lower`` and ``upper`` are the limits as computed (whole numbers for Poisson);
    ``lowest_expected`` and ``highest_expected`` are the whole counts at the edges of the
    range, which decide "outside". ``mean_moving_range`` is None for Poisson limits.
    """

    method: str
    centre: float
    lower: float
    upper: float
    lowest_expected: int
    highest_expected: int
    baseline_points: int
    mean_moving_range: float | None = None

    def is_above(self, value: int) -> bool:
        return value > self.highest_expected

    def is_below(self, value: int) -> bool:
        return value < self.lowest_expected


@dataclass(frozen=True)
class Signal:
    """One rule that fired, over points ``start_index`` to ``end_index`` (both included)."""

    kind: SignalKind
    start_index: int
    end_index: int


@dataclass(frozen=True)
class SeriesAssessment:
    """A series judged against the expected range from its first ``baseline_months`` points.

    ``flags[i]`` holds the kinds of signal point i belongs to (empty: common-cause
    variation), for charts that colour points.
    """

    expected_range: ExpectedRange
    baseline_months: int
    signals: tuple[Signal, ...]
    flags: tuple[frozenset[SignalKind], ...]


def _count(value: int | None, position: int) -> int | None:
    if value is None:
        return None
    count = operator.index(value)  # a float count is a bug upstream
    if count < 0:
        raise ValueError(f"a count must be 0 or more, not {value} (point {position})")
    return count


def _counts(values: Sequence[int | None]) -> list[int | None]:
    return [_count(value, i) for i, value in enumerate(values)]


def expected_range(baseline: Sequence[int | None], *, method: Method = "poisson") -> ExpectedRange:
    """The centre line (mean of ``baseline``) and the limits by ``method``.

    ``method`` is ``"poisson"`` (exact 99.8% Poisson limits, the default for counts of
    crime) or ``"xmr"`` (mean +/- 2.66 x mean moving range); see the module notes. Missing
    months (None) are left out of the mean, and no moving range is taken across one.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: use one of {', '.join(METHODS)}")
    counts = _counts(baseline)
    present = [c for c in counts if c is not None]
    if not present:
        raise ValueError("an expected range needs at least one count in the baseline")
    mean = Fraction(sum(present), len(present))

    if method == "poisson":
        low = int(poisson.ppf(POISSON_TAIL, float(mean)))
        high = int(poisson.ppf(1 - POISSON_TAIL, float(mean)))
        return ExpectedRange(
            method="poisson",
            centre=float(mean),
            lower=float(low),
            upper=float(high),
            lowest_expected=low,
            highest_expected=high,
            baseline_points=len(present),
        )

    moving_ranges = [abs(b - a) for a, b in pairwise(counts) if a is not None and b is not None]
    if not moving_ranges:
        raise ValueError(
            "XmR limits need at least two consecutive months with counts in the baseline"
        )
    mean_mr = Fraction(sum(moving_ranges), len(moving_ranges))
    lower = max(Fraction(0), mean - XMR_FACTOR * mean_mr)
    upper = mean + XMR_FACTOR * mean_mr
    return ExpectedRange(
        method="xmr",
        centre=float(mean),
        lower=float(lower),
        upper=float(upper),
        lowest_expected=math.ceil(lower),
        highest_expected=math.floor(upper),
        baseline_points=len(present),
        mean_moving_range=float(mean_mr),
    )


def _spans(marks: Sequence[bool], kind: SignalKind, minimum: int) -> list[Signal]:
    """Every maximal stretch of True in ``marks`` at least ``minimum`` long."""
    spans = []
    start = None
    for i, mark in enumerate([*marks, False]):
        if mark and start is None:
            start = i
        elif not mark and start is not None:
            if i - start >= minimum:
                spans.append(Signal(kind, start, i - 1))
            start = None
    return spans


def _check_length(name: str, value: int) -> int:
    length = operator.index(value)
    if length < 2:
        raise ValueError(f"{name} must be 2 or more points, not {value}")
    return length


def signals(
    values: Sequence[int | None],
    rng: ExpectedRange,
    *,
    run_length: int = 7,
    trend_length: int = 5,
) -> list[Signal]:
    """Every signal in ``values`` against ``rng``, in order of start, one span per stretch.

    A run is ``run_length`` or more points in a row strictly above (or below) the centre
    line; a trend is ``trend_length`` or more points in a row, each strictly higher (or
    lower) than the one before. Missing values (None) break both.
    """
    run_length = _check_length("run_length", run_length)
    trend_length = _check_length("trend_length", trend_length)
    counts = _counts(values)

    found = [
        *_spans([c is not None and rng.is_above(c) for c in counts], "outside_upper", 1),
        *_spans([c is not None and rng.is_below(c) for c in counts], "outside_lower", 1),
        *_spans([c is not None and c > rng.centre for c in counts], "run_above", run_length),
        *_spans([c is not None and c < rng.centre for c in counts], "run_below", run_length),
    ]
    # steps[i] says whether point i+1 moved from point i; a trend of n points is n-1 steps
    pairs = list(pairwise(counts))
    for kind, moved in (("trend_up", operator.gt), ("trend_down", operator.lt)):
        steps = [a is not None and b is not None and moved(b, a) for a, b in pairs]
        for span in _spans(steps, kind, trend_length - 1):
            found.append(Signal(kind, span.start_index, span.end_index + 1))
    return sorted(found, key=lambda s: (s.start_index, _KIND_ORDER.index(s.kind)))


def _check_months(months: Sequence[date], n_values: int) -> None:
    if len(months) != n_values:
        raise ValueError(f"{len(months)} months but {n_values} values: give one value a month")
    for i, month in enumerate(months):
        if month.day != 1 or month != add_months(months[0], i):
            raise ValueError(
                f"months must be consecutive firsts of the month with no gaps (give None for "
                f"a missing month): point {i} is {month.isoformat()}"
            )


def assess_series(
    months: Sequence[date],
    values: Sequence[int | None],
    *,
    baseline_months: int | None = None,
    method: Method = "poisson",
) -> SeriesAssessment:
    """Judge a monthly series against the expected range of its first ``baseline_months``.

    By default the baseline is every point but the last 12 when there are 24 or more, so
    the recent year is judged against the earlier pattern rather than against itself (a
    rise in the recent year would otherwise lift its own centre line and hide itself).
    With fewer than 24 points there is no earlier pattern long enough, and the baseline is
    the whole series. The rules read the whole series, baseline included, as an SPC chart
    does. ``months`` are consecutive firsts of the month; a missing month's value is None.
    """
    _check_months(months, len(values))
    n = len(values)
    if baseline_months is None:
        baseline_months = n - RECENT_MONTHS if n >= MIN_MONTHS_FOR_SPLIT else n
    baseline_months = operator.index(baseline_months)
    if not 1 <= baseline_months <= n:
        raise ValueError(
            f"baseline_months must be from 1 to {n} (the series), not {baseline_months}"
        )
    rng = expected_range(values[:baseline_months], method=method)
    found = signals(values, rng)
    flags: list[set[SignalKind]] = [set() for _ in range(n)]
    for signal in found:
        for i in range(signal.start_index, signal.end_index + 1):
            flags[i].add(signal.kind)
    return SeriesAssessment(
        expected_range=rng,
        baseline_months=baseline_months,
        signals=tuple(found),
        flags=tuple(frozenset(f) for f in flags),
    )


def _month_words(month: date) -> str:
    """``December 2023`` (fixed English names, whatever the locale)."""
    return f"{_MONTH_NAMES[month.month - 1]} {month.year}"


def _range_words(rng: ExpectedRange) -> str:
    if rng.lowest_expected <= rng.highest_expected:
        return f"{rng.lowest_expected} to {rng.highest_expected}"
    # XmR limits so close together that no whole count lies between them
    return f"{round_half_away(rng.lower, 1):.1f} to {round_half_away(rng.upper, 1):.1f}"


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _sentence(
    name: str, months: Sequence[date], counts: list[int | None], rng: ExpectedRange, s: Signal
) -> str:
    first, last = s.start_index, s.end_index
    if s.kind in ("outside_upper", "outside_lower"):
        points = [f"{_month_words(months[i])} ({counts[i]})" for i in range(first, last + 1)]
        side = "above" if s.kind == "outside_upper" else "below"
        return f"{name} in {_and_list(points)} was {side} the expected range ({_range_words(rng)})."
    if s.kind in ("run_above", "run_below"):
        side = "above" if s.kind == "run_above" else "below"
        return (
            f"{name} was {side} its average of {round_half_away(rng.centre, 1):.1f} a month "
            f"for {last - first + 1} months in a row, from {_month_words(months[first])} to "
            f"{_month_words(months[last])}."
        )
    verb = "rose" if s.kind == "trend_up" else "fell"
    start, end = counts[first], counts[last]
    text = (
        f"{name} {verb} in each of {last - first} consecutive months, from {start} in "
        f"{_month_words(months[first])} to {end} in {_month_words(months[last])}"
    )
    if start == 0:  # no percentage from 0 (metrics.md); "from 0" already says it
        return f"{text}."
    return f"{text}: {change_words(end, start)}."


def signal_sentences(
    name: str,
    months: Sequence[date],
    values: Sequence[int | None],
    assessment: SeriesAssessment,
) -> list[str]:
    """One plain sentence per signal, in order; [] when nothing stands out from the noise.

    ``name`` starts each sentence as given ("Robbery"). Outside the range: "Robbery in
    December 2023 (74) was above the expected range (28 to 61)." A run: "Robbery was above
    its average of 45.2 a month for 8 months in a row, from May 2023 to December 2023."
    A trend: "Robbery rose in each of 4 consecutive months, from 41 in August 2023 to 74 in
    December 2023: an increase of 80.5%." (a trend of 5 points is 4 rises).
    """
    _check_months(months, len(values))
    counts = _counts(values)
    rng = assessment.expected_range
    sentences = []
    for s in assessment.signals:
        if not 0 <= s.start_index <= s.end_index < len(counts):
            raise ValueError(f"{s} does not fit a series of {len(counts)} points")
        span_counts = counts[s.start_index : s.end_index + 1]
        if any(c is None for c in span_counts):
            raise ValueError(f"{s} covers a missing month: the assessment is of another series")
        sentences.append(_sentence(name, months, counts, rng, s))
    return sentences
