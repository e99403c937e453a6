"""Partner KPIs against their targets: pro-rata targets, year-to-date values, RAG, a sentence.

metrics.md, "RAG against a target": every KPI has a polarity, a target and an optional
tolerance; green = met, amber = within tolerance, red = otherwise, grey = no return.
Cumulative targets ("72 referrals by Q3") compare the year-to-date total with the
pro-rata target for the period.

Every comparison here is exact (on :class:`~fractions.Fraction`), because a KPI exactly on
its target or exactly on the edge of its tolerance must come out the same way every time:
64.8 referrals against a floor of 72 - 10% is amber, never red through a rounding error.
Decimals are only produced for display and for the report model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from enum import StrEnum
from fractions import Fraction

from cspkit.measures.change import as_written
from cspkit.measures.rag import Rag

Figure = Decimal | Fraction | int


class Polarity(StrEnum):
    """Which way is good: more referrals (higher) or fewer ASB cases (lower)."""

    HIGHER = "higher"
    LOWER = "lower"


class TargetKind(StrEnum):
    """How a target relates to the periods of the year.

    - ``per_period``: the same target every period ("ASB cases per 1,000 tenancies: 5").
    - ``cumulative``: a total to reach by a given period ("72 referrals by Q3"), compared
      pro-rata with the year-to-date total (24 by Q1, 48 by Q2, 72 by Q3).
    - ``annual``: a total for the whole year, compared pro-rata like ``cumulative`` with
      ``periods`` = the periods in the year (100 a year, quarterly: 25 by Q1 ... 100 by Q4).
    """

    PER_PERIOD = "per_period"
    CUMULATIVE = "cumulative"
    ANNUAL = "annual"


def _decimal(x: Decimal | int | float | str, what: str) -> Decimal:
    """A finite Decimal; a float goes through its shortest decimal form (0.1 -> 0.1)."""
    if isinstance(x, float):
        x = repr(x)
    value = Decimal(x)
    if not value.is_finite():
        raise ValueError(f"{what} must be a finite number, not {x}")
    return value


@dataclass(frozen=True)
class Target:
    """A KPI's target as the partnership agreed it.

    ``periods``: for ``cumulative``, the number of periods the value is to be reached in
    ("72 by Q3" on a quarterly KPI -> 3); for ``annual``, the periods in the year (4 for a
    quarterly KPI, 12 monthly, 1 yearly); for ``per_period``, unused (None).
    """

    value: Decimal
    kind: TargetKind
    periods: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", _decimal(self.value, "a target"))
        object.__setattr__(self, "kind", TargetKind(self.kind))
        if self.kind is TargetKind.PER_PERIOD:
            if self.periods is not None:
                raise ValueError(
                    "a per-period target is the same every period, so it takes no `periods`;"
                    " use kind='cumulative' for a total to reach by a given period"
                )
        elif not isinstance(self.periods, int) or self.periods < 1:
            raise ValueError(
                f"a {self.kind} target needs `periods` (a whole number, 1 or more): the"
                " periods it is to be reached in (72 by Q3 -> 3), not {self.periods!r}"
            )


def _check_period_index(target: Target, period_index: int) -> None:
    if not isinstance(period_index, int) or period_index < 1:
        raise ValueError(f"period_index counts from 1 (Q1 = 1), not {period_index!r}")
    if target.kind is TargetKind.ANNUAL and period_index > (target.periods or 0):
        raise ValueError(
            f"period {period_index} is past the end of a year of {target.periods} periods"
        )


def pro_rata_exact(target: Target, period_index: int) -> Fraction:
    """The exact target due by ``period_index`` (see :func:`pro_rata_target`)."""
    _check_period_index(target, period_index)
    value = Fraction(target.value)
    if target.kind is TargetKind.PER_PERIOD:
        return value
    assert target.periods is not None  # checked by Target
    return value * period_index / target.periods


def _to_decimal(x: Fraction) -> Decimal:
    """A Fraction as a Decimal: exact when it terminates, else 28 significant digits."""
    with localcontext() as ctx:
        ctx.prec = 28
        return Decimal(x.numerator) / Decimal(x.denominator)


def pro_rata_target(target: Target, period_index: int) -> Decimal:
    """The target to compare with in period ``period_index`` (1-based in the year: Q1 = 1).

    ``per_period``: the target itself. ``cumulative`` and ``annual``: value x index /
    periods, so 72 by Q3 is 24 by Q1, 48 by Q2 and 72 by Q3; 100 a year is 25 a quarter.

    After the period a cumulative target names (Q4 of "72 by Q3"), the same rate goes on:
    96 by Q4. That is what "pro-rata" means (72 by Q3 *is* 24 a quarter, metrics.md), and
    it keeps the Q4 status about the pace of the work rather than turning green for doing
    nothing in Q4; but it is an assumption the target as written doesn't make, so where a
    partnership means "72 for the year, due by Q3", set an annual target for Q4 instead.
    An annual target has no period after the year, so an index past it is refused.

    The result is exact when the share terminates as a decimal (all the examples above);
    otherwise (100 a year monthly: 8.333... a month) it is rounded to 28 significant
    digits for display. Comparisons in :func:`kpi_status` use the exact fraction.
    """
    return _to_decimal(pro_rata_exact(target, period_index))


def compared_value(values_so_far: Sequence[Figure | None], kind: TargetKind) -> Decimal | None:
    """The value compared with the target, from the year's values up to this period.

    ``values_so_far`` runs from the first period of the year to this one inclusive (Q1..Q3
    for Q3); None is a period with no return. ``per_period``: this period's own value.
    ``cumulative`` / ``annual``: the year-to-date total - but None if any period in it is
    missing, because a partial sum is not a year-to-date figure: 18 + (missing) + 25 = 43
    would compare a total short of a quarter with a target for three, and read as red
    when the partner may be on track. Grey ("no data") is the honest status.
    """
    kind = TargetKind(kind)
    if not values_so_far:
        raise ValueError("values_so_far needs at least this period's value (or None)")
    if kind is TargetKind.PER_PERIOD:
        last = values_so_far[-1]
        return None if last is None else _to_decimal(as_written(last))
    if any(v is None for v in values_so_far):
        return None
    return _to_decimal(sum((as_written(v) for v in values_so_far), Fraction(0)))


def _tolerance_amount(target: Fraction, tolerance: Figure, percent: bool) -> Fraction:
    tol = as_written(tolerance)
    if tol < 0:
        raise ValueError(f"a tolerance must be 0 or more, not {tolerance}")
    # A percentage of a negative target (a net change KPI) is still a distance, so abs().
    return abs(target) * tol / 100 if percent else tol


def rag_against_target(
    value: Figure | None,
    target_value: Figure,
    polarity: Polarity,
    tolerance: Figure | None,
    tolerance_is_percent: bool = True,
) -> Rag:
    """Green = target met, amber = within tolerance of it, red = otherwise, grey = no value.

    Higher is better: green if value >= target; amber if value >= target - tol; else red.
    Lower is better, mirrored: green if value <= target; amber if value <= target + tol.
    tol = target x tolerance / 100 when ``tolerance_is_percent`` (10% of 72 is 7.2, so
    amber down to 64.8), else ``tolerance`` in the KPI's own units. Both boundaries are
    inclusive and exact: exactly on target is green, exactly on target - tol is amber.
    No tolerance (None) means a target is met or missed - never amber. ``target_value``
    may be the exact :func:`pro_rata_exact` fraction.
    """
    polarity = Polarity(polarity)
    target = as_written(target_value)
    tol = None if tolerance is None else _tolerance_amount(target, tolerance, tolerance_is_percent)
    if value is None:
        return Rag.GREY
    shortfall = target - as_written(value)
    if polarity is Polarity.LOWER:
        shortfall = -shortfall
    if shortfall <= 0:
        return Rag.GREEN
    if tol is not None and shortfall <= tol:
        return Rag.AMBER
    return Rag.RED


# -- the sentence -------------------------------------------------------------------------


def _round_half_away(x: Fraction, places: int) -> Decimal:
    scale = 10**places
    magnitude = math.floor(abs(x) * scale + Fraction(1, 2))
    return Decimal(-magnitude if x < 0 else magnitude).scaleb(-places)


def format_figure(x: Figure, places: int = 2) -> str:
    """A figure for a sentence: "1,234.5", "24", "8.33" - thousands separators, no ".0".

    Rounded half away from zero to at most ``places`` decimals, trailing zeros dropped.
    """
    rounded = _round_half_away(as_written(x), places)
    text = f"{rounded.normalize():,f}"
    return "0" if text == "-0" else text


def _figures(value: Fraction, target: Fraction) -> tuple[str, str]:
    """Value and target as text, with enough decimals that unequal figures never print equal.

    5.004 against 5 would otherwise read "5 ... against a target of 5 or fewer: amber".
    """
    for places in range(2, 8):
        shown = format_figure(value, places), format_figure(target, places)
        if value == target or shown[0] != shown[1]:
            return shown
    return shown


def _percent_of_target(value: Fraction, target: Fraction) -> str | None:
    """ "89%": whole percent, half away from zero; never "100%" for a value short of target."""
    if target <= 0:
        return None
    exact = value / target * 100
    shown = _round_half_away(exact, 0)
    if shown >= 100 and value < target:
        return "just under 100%"
    return f"{shown:,f}%"


@dataclass(frozen=True)
class KpiStatus:
    """A KPI for one period: the value and target compared, the status, and a sentence.

    ``value`` is None when there is no return (or, for a year-to-date comparison, when a
    period in it has none). ``target`` is the pro-rata target as a Decimal (exact where
    it terminates); the status itself was decided on the exact fraction.
    """

    value: Decimal | None
    target: Decimal
    rag: Rag
    sentence: str


def kpi_status(
    values_so_far: Sequence[Figure | None],
    target: Target,
    polarity: Polarity,
    *,
    unit: str,
    tolerance: Figure | None = None,
    tolerance_is_percent: bool = True,
    period_label: str | None = None,
) -> KpiStatus:
    """Compare a KPI with its target for the latest period in ``values_so_far``.

    ``values_so_far`` runs from the first period of the year to this one (its length is
    the period index: three values = Q3). ``unit`` is the plural wording of the figure
    ("referrals", "cases per 1,000 tenancies"); ``period_label`` names the period ("Q3").
    The sentence, in the dashboard's style::

        64 referrals by Q3 against a target of 72 (89% of target): red.
        4.5 cases per 1,000 tenancies against a target of 5 or fewer: green.
        No return for Q3 against a target of 5 cases per 1,000 tenancies or fewer: no data.

    "(n% of target)" is given only when higher is better: for a lower-is-better KPI
    "90% of target" would read as falling short when it is a success.
    """
    polarity = Polarity(polarity)
    index = len(values_so_far)
    exact_target = pro_rata_exact(target, index)
    value = compared_value(values_so_far, target.kind)
    rag = rag_against_target(value, exact_target, polarity, tolerance, tolerance_is_percent)
    year_to_date = target.kind is not TargetKind.PER_PERIOD
    or_fewer = " or fewer" if polarity is Polarity.LOWER else ""
    if value is None:
        if not year_to_date:
            what = f"No return for {period_label}" if period_label else "No return"
        else:
            when = f" by {period_label}" if period_label else ""
            some = any(v is not None for v in values_so_far)
            what = (
                f"No year-to-date total{when} (a return is missing)"
                if some
                else f"No returns{when}"
            )
        shown_target = format_figure(exact_target)
        sentence = (
            f"{what} against a target of {shown_target} {unit}{or_fewer}: {rag.word.lower()}."
        )
    else:
        shown_value, shown_target = _figures(as_written(value), exact_target)
        when = ""
        if period_label:
            when = f" by {period_label}" if year_to_date else f" in {period_label}"
        pct = (
            _percent_of_target(as_written(value), exact_target)
            if polarity is Polarity.HIGHER
            else None
        )
        of_target = f" ({pct} of target)" if pct else ""
        sentence = (
            f"{shown_value} {unit}{when} against a target of {shown_target}{or_fewer}"
            f"{of_target}: {rag.word.lower()}."
        )
    return KpiStatus(value=value, target=_to_decimal(exact_target), rag=rag, sentence=sentence)
