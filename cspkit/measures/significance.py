"""Is a change between two counts real? The conditional exact test (metrics.md, "significance").

Crime counts behave roughly like Poisson counts. Given n = c1 + c0 events in the two
periods, under "no change in the rate" c1 is Binomial(n, p0) with p0 = e1 / (e1 + e0)
(0.5 for periods of equal length and population). The two-sided p-value and the exact
(Clopper-Pearson) 95% interval for p come from scipy's ``binomtest``; the interval is turned
into one for the rate ratio with RR = p / (1 - p) x e0 / e1.

Significance is decided by the p-value alone (p < 0.05), as metrics.md says. The exact
interval and this p-value are not perfectly dual, so in rare borderline cases the interval
can include 1 for a significant result or exclude it for a non-significant one.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass

from scipy.stats import binomtest

ALPHA = 0.05
CONFIDENCE = 0.95
METHOD = (
    "conditional exact test: c1 given c1 + c0 is binomial under no change "
    "(two-sided p-value; exact Clopper-Pearson 95% interval for the rate ratio)"
)
NO_EVENTS = "not tested: no events in either period"


@dataclass(frozen=True)
class SignificanceResult:
    """The test's outcome. ``None`` means "cannot be computed", never zero or infinity.

    ``rate_ratio`` and ``ci_high`` are None when the comparison count is 0 (the ratio is
    infinite); every field but ``method`` is None when there were no events at all.
    """

    p_value: float | None
    significant: bool | None
    rate_ratio: float | None
    ci_low: float | None
    ci_high: float | None
    method: str


def _count(name: str, value: int) -> int:
    count = operator.index(value)  # ints and numpy ints; a float count is a bug upstream
    if count < 0:
        raise ValueError(f"{name} must be a count of 0 or more, not {value}")
    return count


def _exposure(name: str, value: float) -> float:
    exposure = float(value)
    if not math.isfinite(exposure) or exposure <= 0:
        raise ValueError(f"{name} must be a positive exposure (population x time), not {value}")
    return exposure


def rate_ratio_test(c1: int, c0: int, e1: float = 1.0, e0: float = 1.0) -> SignificanceResult:
    """Test the current count ``c1`` against the comparison ``c0`` with exposures e1, e0.

    Exposures only matter through their ratio: pass the periods' lengths, populations, or
    population x months when they differ; leave them at 1 for equal periods of one area.
    """
    c1, c0 = _count("c1", c1), _count("c0", c0)
    e1, e0 = _exposure("e1", e1), _exposure("e0", e0)
    n = c1 + c0
    if n == 0:
        return SignificanceResult(None, None, None, None, None, NO_EVENTS)

    p0 = e1 / (e1 + e0)
    test = binomtest(c1, n, p0, alternative="two-sided")
    p_value = float(test.pvalue)
    ci = test.proportion_ci(confidence_level=CONFIDENCE, method="exact")
    p_low, p_high = float(ci.low), float(ci.high)

    def to_ratio(p: float) -> float | None:
        return None if p >= 1.0 else p / (1.0 - p) * (e0 / e1)

    return SignificanceResult(
        p_value=p_value,
        significant=p_value < ALPHA,
        rate_ratio=None if c0 == 0 else (c1 / e1) / (c0 / e0),
        ci_low=0.0 if c1 == 0 else to_ratio(p_low),
        ci_high=None if c0 == 0 else to_ratio(p_high),
        method=METHOD,
    )


def _format_p(p: float) -> str:
    """Two decimals; three when two would show a non-significant p as "0.05"."""
    text = f"{p:.2f}"
    return f"{p:.3f}" if text == "0.05" else text


def plain_sentence(
    result: SignificanceResult, current: int | float, comparison: int | float
) -> str | None:
    """One plain sentence for a board paper when a change is NOT significant, else None.

    Also None when ``current == comparison``: the narrative already says "no change" and
    there is nothing to qualify. When there were no events to test, the sentence says so.
    """
    if result.significant is True or current == comparison:
        return None
    if result.p_value is None:
        return "There were no events in either period, so there is no change to test."
    return (
        f"This change is within what chance alone would produce (p = {_format_p(result.p_value)}),"
        " so it should not be read as a real change."
    )
