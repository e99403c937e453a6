"""Rates per head of population (metrics.md, "Rates").

The multiplier belongs to the indicator (per 10,000 residential burglary, per 1,000,000 gun
crime ...), so it is always passed in, never defaulted here.
"""

from __future__ import annotations

import math


def _check_per(per: int) -> int:
    if isinstance(per, bool) or not isinstance(per, int) or per <= 0:
        raise ValueError(f"a rate multiplier must be a positive whole number, not {per!r}")
    return per


def rate(count: int | float, population: int | float | None, per: int) -> float | None:
    """count / population x per; None when the population is unknown (None) or 0.

    A missing population gives no rate rather than a wrong one. A negative count or
    population, or a non-finite one, is a bug upstream and raises ValueError.
    """
    _check_per(per)
    if population is None or population == 0:
        return None
    if not (math.isfinite(count) and math.isfinite(population)) or count < 0 or population < 0:
        raise ValueError(f"cannot make a rate from count {count} and population {population}")
    return count * per / population  # multiply first: 488 * 10000 / n loses less than 488 / n


def per_label(per: int) -> str:
    """The words for a multiplier: 10_000 -> "per 10,000" (thousands separated by commas)."""
    return f"per {_check_per(per):,}"
