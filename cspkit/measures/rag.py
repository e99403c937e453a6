"""Red / amber / green status: for a change in rank, and against a target (metrics.md).

Colour must never be the only signal (about 1 man in 12 has a colour vision deficiency),
so every status also has a word and a text symbol, and the colours come from the
Okabe-Ito palette, which stays distinguishable for the common deficiencies.
"""

from __future__ import annotations

import math
from enum import StrEnum

from cspkit.measures.change import as_written


class Rag(StrEnum):
    """A status. The value is the stable machine name written to JSON ("green" ...)."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    GREY = "grey"

    @property
    def word(self) -> str:
        """The word a reader sees: "Green", "Amber", "Red", "No data"."""
        return _WORDS[self]

    @property
    def symbol(self) -> str:
        """A text symbol for the status, so it reads without colour and in plain text.

        "✔" green (met / improved), "●" amber (close / unchanged), "✖" red (missed /
        worsened), "–" grey (no data). These are for the status itself; arrows for the
        direction of a rank change (▲ / ▼) belong to the renderer, not to the status.
        """
        return _SYMBOLS[self]

    @property
    def colour(self) -> str:
        """Hex colour from the Okabe-Ito palette (colour-blind safe)."""
        return _COLOURS[self]


_WORDS = {Rag.GREEN: "Green", Rag.AMBER: "Amber", Rag.RED: "Red", Rag.GREY: "No data"}
_SYMBOLS = {Rag.GREEN: "✔", Rag.AMBER: "●", Rag.RED: "✖", Rag.GREY: "–"}
_COLOURS = {
    Rag.GREEN: "#009E73",  # Okabe-Ito bluish green
    Rag.AMBER: "#E69F00",  # Okabe-Ito orange
    Rag.RED: "#D55E00",  # Okabe-Ito vermillion
    Rag.GREY: "#999999",  # Okabe-Ito grey
}


def rank_change_rag(now: int | None, last_year: int | None) -> Rag:
    """Rank now against the same period last year: lower number = improved = green.

    Same rank is amber, a higher number (worse) is red, either rank missing is grey.
    """
    if now is None or last_year is None:
        return Rag.GREY
    if now < last_year:
        return Rag.GREEN
    if now == last_year:
        return Rag.AMBER
    return Rag.RED


def target_rag(
    value: float | None, target: float, *, higher_is_better: bool, tolerance: float = 0.0
) -> Rag:
    """A KPI against its target: met = green, within tolerance = amber, otherwise red.

    ``tolerance`` is absolute, in the KPI's own units (2 referrals, 1.5 percentage
    points), not a fraction of the target; both boundaries are inclusive, so exactly on
    target is green and exactly ``tolerance`` short is amber. No return (None) is grey.
    Compared on the decimals as written, so 23.9 against 24 with tolerance 0.1 is amber,
    not red through a binary rounding error.
    """
    # One implementation of the rule: cspkit.measures.targets (imported here, as it imports
    # this module for Rag).
    from cspkit.measures.targets import Polarity, rag_against_target

    if not math.isfinite(tolerance) or tolerance < 0:
        raise ValueError(f"a tolerance must be 0 or more, not {tolerance}")
    polarity = Polarity.HIGHER if higher_is_better else Polarity.LOWER
    return rag_against_target(value, target, polarity, tolerance, tolerance_is_percent=False)


def pro_rata_target(
    annual_or_total_target: float, periods_elapsed: int, periods_total: int
) -> float:
    """The share of a cumulative target due after ``periods_elapsed`` of ``periods_total``.

    72 referrals by Q3 is 24 a quarter, so 48 are due after two quarters:
    ``pro_rata_target(72, 2, 3) == 48``. Worked exactly on the target as written, so the
    result is the float nearest the true share (0.1 x 3 / 4 is 0.075, not 0.07500000000000001)
    and a value exactly on the pro-rata target compares as met.
    """
    if periods_total <= 0 or not 0 <= periods_elapsed <= periods_total:
        raise ValueError(
            f"{periods_elapsed} of {periods_total} periods: elapsed must be from 0 to the total"
        )
    return float(as_written(annual_or_total_target) * periods_elapsed / periods_total)
