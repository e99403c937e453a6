"""Percentage and percentage-point change, and the words for them (metrics.md, "Change").

Rounding works on the decimal as written (``2.675`` is two thousand six hundred and
seventy-five thousandths, not the binary float just below it), and a percentage change of
two counts is computed exactly with fractions before it is rounded, so a table and a
sentence built from the same counts can never round differently.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

Number = int | float


def as_written(x: Number | Decimal | Fraction) -> Fraction:
    """The exact value of ``x`` as written: a float goes through its shortest decimal form.

    So 0.1 is exactly 1/10 and 23.9 + 0.1 == 24, as a reader of the figures expects.
    """
    if isinstance(x, Fraction):
        return x
    if isinstance(x, int):  # bool is an int too; harmless
        return Fraction(x)
    if isinstance(x, Decimal):
        if not x.is_finite():
            raise ValueError(f"cannot work with {x}: not a finite number")
        return Fraction(x)
    value = float(x)  # numpy scalars too
    if not math.isfinite(value):
        raise ValueError(f"cannot work with {value}: not a finite number")
    return Fraction(Decimal(repr(value)))


def _round_fraction(value: Fraction, places: int) -> float:
    """Round an exact value half away from zero and return the nearest float to the result."""
    scale = Fraction(10) ** places
    magnitude = math.floor(abs(value) * scale + Fraction(1, 2))
    if magnitude == 0:
        return 0.0  # never -0.0, which would print as "-0.0%"
    digits = Decimal(-magnitude if value < 0 else magnitude).scaleb(-places)
    return float(digits)


def round_half_away(x: float, places: int = 1) -> float:
    """Round half away from zero on the decimal written: 28.96 -> 29.0, -0.05 -> -0.1.

    Python's ``round`` rounds half to even on the binary value (``round(2.675, 2)`` is
    2.67); metrics.md wants the schoolbook rule, so 2.675 -> 2.68 at two places.
    """
    return _round_fraction(as_written(x), places)


def _exact_pct(current: Number, comparison: Number) -> Fraction | None:
    cur, comp = as_written(current), as_written(comparison)
    if cur < 0 or comp < 0:
        raise ValueError(
            f"a change needs counts or rates of 0 or more, not {current}, {comparison}"
        )
    if comp == 0:
        return None
    return (cur - comp) / comp * 100


def pct_change(current: Number, comparison: Number) -> float | None:
    """(current - comparison) / comparison x 100, unrounded; None when comparison is 0.

    Negative inputs raise ValueError: counts and rates are never negative, so one is a bug.
    """
    exact = _exact_pct(current, comparison)
    return None if exact is None else float(exact)


def change_words(current: Number, comparison: Number) -> str:
    """The words for a change: "an increase of 2.8%", "a decrease of 13.3%", "no change".

    - comparison 0: "up from 0" (current > 0) or "no change" (both 0) - no percentage.
    - The figure is the percentage rounded to one place, always with one decimal
      ("an increase of 200.0%"), so it matches :func:`format_pct` in the tables.
    - Values that differ but whose change rounds to 0.0% say "an increase of less than
      0.1%" (or "a decrease of ..."): "0.0%" would contradict "an increase".
    """
    exact = _exact_pct(current, comparison)
    if exact is None:
        return "no change" if as_written(current) == 0 else "up from 0"
    if exact == 0:
        return "no change"
    direction = "an increase of" if exact > 0 else "a decrease of"
    rounded = _round_fraction(abs(exact), 1)
    if rounded == 0:
        return f"{direction} less than 0.1%"
    return f"{direction} {rounded:.1f}%"


def format_pct(value: float | None) -> str:
    """A signed percentage for a table cell: "+29.4%", "-13.3%", "0.0%", "n/a" for None.

    A value that rounds to zero shows "0.0%" with no sign (never "-0.0%"). The minus is an
    ASCII hyphen-minus so the cell survives CSV and spreadsheet export.
    """
    if value is None:
        return "n/a"
    rounded = round_half_away(value, 1)
    if rounded == 0:
        return "0.0%"
    return f"{rounded:+.1f}%"


def pp_change_words(current_pct: Number, comparison_pct: Number) -> str:
    """The words for a change between two percentages: "a rise of 3.1 pp", "a fall of 0.4 pp".

    metrics.md: shares and rates of positive outcome change in percentage points, never "%".
    The difference is taken on the decimals as written (45.3 - 42.2 is exactly 3.1), rounded
    half away from zero to one place; a difference that rounds to 0.0 says "a rise of less
    than 0.1 pp" (or "a fall of ..."), and equal values say "no change".
    """
    diff = as_written(current_pct) - as_written(comparison_pct)
    if diff == 0:
        return "no change"
    direction = "a rise of" if diff > 0 else "a fall of"
    rounded = _round_fraction(abs(diff), 1)
    if rounded == 0:
        return f"{direction} less than 0.1 pp"
    return f"{direction} {rounded:.1f} pp"
