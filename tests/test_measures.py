"""Measures against hand-worked values and deliberately naive second implementations.

The naive versions (exact binomial sums with math.comb, Decimal rounding, counting ranks)
share no code with cspkit or scipy, so a wrong formula in either shows up as a mismatch.
"""

from __future__ import annotations

import math
import random
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest

from cspkit.measures.change import (
    change_words,
    format_pct,
    pct_change,
    pp_change_words,
    round_half_away,
)
from cspkit.measures.rag import Rag, pro_rata_target, rank_change_rag, target_rag
from cspkit.measures.ranking import ordinal, rank_ascending, rank_words
from cspkit.measures.rates import per_label, rate
from cspkit.measures.significance import plain_sentence, rate_ratio_test

# Barnet, MPS borough files: (current, comparison)
BURGLARY_3M = (488, 564)  # Oct-Dec 2023 vs Oct-Dec 2022: -76 / 564 = -13.475...%
BURGLARY_12M = (1861, 1907)  # 12 months to Dec 2023 vs previous 12: -46 / 1907 = -2.412...%
ROBBERY = (252, 195)  # +57 / 195 = +29.230...%
VIOLENCE_INJURY = (580, 579)  # +1 / 579 = +0.172...%
GUN_CRIME = (0, 3)


# --- rounding and change -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "places", "expected"),
    [
        (28.96, 1, 29.0),
        (0.05, 1, 0.1),
        (-0.05, 1, -0.1),
        (2.675, 1, 2.7),
        (2.675, 2, 2.68),  # round() gives 2.67: the binary float is just below 2.675
        (1.005, 2, 1.01),  # round() gives 1.0
        (0.15, 1, 0.2),  # round() gives 0.1
        (-13.35, 1, -13.4),
        (2.5, 0, 3.0),  # round() gives 2 (half to even)
        (-2.5, 0, -3.0),
        (12345.65, 1, 12345.7),
        (7, 1, 7.0),
    ],
)
def test_round_half_away_from_zero_on_the_decimal_written(x, places, expected) -> None:
    assert round_half_away(x, places) == expected


def test_round_to_zero_is_never_negative_zero() -> None:
    assert math.copysign(1.0, round_half_away(-0.04)) == 1.0


def test_round_half_away_matches_decimal_round_half_up_on_many_values() -> None:
    rng = random.Random(20240101)
    values = [k / 1000 for k in range(-30000, 30001, 7)] + [
        rng.uniform(-500, 500) for _ in range(2000)
    ]
    for x in values:
        for places in (0, 1, 2):
            naive = float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))
            assert round_half_away(x, places) == naive + 0.0, (x, places)


def test_round_rejects_non_finite() -> None:
    with pytest.raises(ValueError):
        round_half_away(float("inf"))


@pytest.mark.parametrize(
    ("current", "comparison", "expected"),
    [
        (*BURGLARY_3M, -76 / 564 * 100),
        (*BURGLARY_12M, -46 / 1907 * 100),
        (*ROBBERY, 57 / 195 * 100),
        (*VIOLENCE_INJURY, 1 / 579 * 100),
        (*GUN_CRIME, -100.0),
        (3, 1, 200.0),
    ],
)
def test_pct_change(current, comparison, expected) -> None:
    assert pct_change(current, comparison) == pytest.approx(expected, rel=1e-12)


def test_pct_change_is_none_against_zero_and_rejects_negative_counts() -> None:
    assert pct_change(3, 0) is None
    assert pct_change(0, 0) is None
    with pytest.raises(ValueError):
        pct_change(-1, 5)


@pytest.mark.parametrize(
    ("current", "comparison", "words"),
    [
        (*BURGLARY_3M, "a decrease of 13.5%"),
        (*BURGLARY_12M, "a decrease of 2.4%"),
        (*ROBBERY, "an increase of 29.2%"),
        (*VIOLENCE_INJURY, "an increase of 0.2%"),
        (*GUN_CRIME, "a decrease of 100.0%"),
        (488, 563, "a decrease of 13.3%"),  # metrics.md's example sentence
        (1861, 1904, "a decrease of 2.3%"),  # metrics.md's example sentence
        (3, 1, "an increase of 200.0%"),  # always one decimal place
        (5, 5, "no change"),
        (3, 0, "up from 0"),
        (0, 0, "no change"),
        (2001, 2000, "an increase of 0.1%"),  # exactly 0.05%: half away from zero
        (20001, 20000, "an increase of less than 0.1%"),  # 0.005%: would round to 0.0
        (19999, 20000, "a decrease of less than 0.1%"),
        # exactly 28.75%, but (103 - 80) / 80 * 100 is 28.749999999999996 in floats
        (103, 80, "an increase of 28.8%"),
        (57, 80, "a decrease of 28.8%"),
        (12.2, 10.0, "an increase of 22.0%"),  # rates work too
    ],
)
def test_change_words(current, comparison, words) -> None:
    assert change_words(current, comparison) == words


def test_table_and_sentence_round_the_same_exact_tie() -> None:
    assert format_pct(pct_change(103, 80)) == "+28.8%"
    assert format_pct(pct_change(*BURGLARY_3M)) == "-13.5%"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (29.36, "+29.4%"),
        (-13.33, "-13.3%"),
        (0.0, "0.0%"),
        (-0.04, "0.0%"),
        (0.05, "+0.1%"),
        (200, "+200.0%"),
        (None, "n/a"),
    ],
)
def test_format_pct(value, text) -> None:
    assert format_pct(value) == text


@pytest.mark.parametrize(
    ("current", "comparison", "words"),
    [
        (45.3, 42.2, "a rise of 3.1 pp"),
        (42.2, 45.3, "a fall of 3.1 pp"),
        (10.15, 10.1, "a rise of 0.1 pp"),  # 0.05 exactly as written
        (1.02, 1.0, "a rise of less than 0.1 pp"),
        (30.0, 30, "no change"),
    ],
)
def test_pp_change_words(current, comparison, words) -> None:
    assert pp_change_words(current, comparison) == words
    assert "%" not in words


# --- significance: naive exact binomial with math.comb ---------------------------------------


def binomial_terms(n: int, p: Fraction) -> tuple[list[int], int]:
    """Exact P(X = j) x D**n for j = 0..n, and D**n, with p = a / D."""
    a, d = p.numerator, p.denominator
    terms = [math.comb(n, j) * a**j * (d - a) ** (n - j) for j in range(n + 1)]
    return terms, d**n


def naive_two_sided_p(k: int, n: int, p0: float) -> float:
    """Sum every outcome no more likely than the observed one (scipy's rtol 1 + 1e-7)."""
    terms, total = binomial_terms(n, Fraction(p0))
    cutoff = terms[k] * (10**7 + 1)
    return min(1.0, float(Fraction(sum(t for t in terms if t * 10**7 <= cutoff), total)))


def naive_tail(n: int, p: float, *, lower: bool, k: int) -> float:
    """P(X <= k) if lower else P(X >= k), exactly, for X ~ Binomial(n, p).

    Walks the terms comb(n, j) a**j b**(n - j) (p = a / D, b = D - a) with the exact integer
    step T(j + 1) = T(j) (n - j) a / ((j + 1) b), so large n stays fast.
    """
    a, d = Fraction(p).numerator, Fraction(p).denominator
    b = d - a
    first, last = (0, k) if lower else (k, n)
    term = math.comb(n, first) * a**first * b ** (n - first)
    total = 0
    for j in range(first, last + 1):
        total += term
        if j < n:
            term = term * (n - j) * a // ((j + 1) * b)
    return float(Fraction(total, d**n))


REAL_CASES = [BURGLARY_3M, BURGLARY_12M, ROBBERY, VIOLENCE_INJURY, GUN_CRIME, (3, 0), (10, 2)]


@pytest.mark.parametrize(("c1", "c0"), REAL_CASES)
def test_p_value_matches_naive_exact_sum(c1, c0) -> None:
    result = rate_ratio_test(c1, c0)
    assert result.p_value == pytest.approx(naive_two_sided_p(c1, c1 + c0, 0.5), rel=1e-9)
    assert result.significant == (result.p_value < 0.05)


@pytest.mark.parametrize(("c1", "c0"), REAL_CASES)
def test_interval_has_the_clopper_pearson_property(c1, c0) -> None:
    result = rate_ratio_test(c1, c0)
    n = c1 + c0

    def to_p(rr: float) -> float:  # equal exposures: RR = p / (1 - p), so p = RR / (1 + RR)
        return rr / (1 + rr)

    if c1 > 0:
        low = to_p(result.ci_low)
        assert naive_tail(n, low, lower=False, k=c1) == pytest.approx(0.025, rel=1e-6)
    if c0 > 0:
        high = to_p(result.ci_high)
        assert naive_tail(n, high, lower=True, k=c1) == pytest.approx(0.025, rel=1e-6)
    if result.rate_ratio is not None:
        assert result.ci_low <= result.rate_ratio <= result.ci_high


def test_real_cases_significance_by_hand() -> None:
    # Normal approximation by hand: (488 - 526) / sqrt(263) = -2.34 -> p about 0.02.
    assert rate_ratio_test(*BURGLARY_3M).significant is True
    assert rate_ratio_test(*ROBBERY).significant is True  # z = 28.5 / 10.57 = 2.70
    assert rate_ratio_test(*BURGLARY_12M).significant is False  # z = -0.75
    violence = rate_ratio_test(*VIOLENCE_INJURY)
    # n = 1159 is odd and 580, 579 sit either side of the middle: every outcome counts
    assert violence.significant is False and violence.p_value == pytest.approx(1.0)
    assert rate_ratio_test(*ROBBERY).rate_ratio == pytest.approx(252 / 195)


def test_small_counts_by_hand() -> None:
    # 10 vs 2: P(X >= 10 | n=12) = (66 + 12 + 1) / 4096, doubled by symmetry
    assert rate_ratio_test(10, 2).p_value == pytest.approx(158 / 4096)
    assert rate_ratio_test(6, 0).p_value == pytest.approx(2 / 64)  # significant
    assert rate_ratio_test(6, 0).significant is True
    assert rate_ratio_test(5, 0).p_value == pytest.approx(2 / 32)  # not: 0.0625
    assert rate_ratio_test(5, 0).significant is False


def test_gun_crime_zero_against_three() -> None:
    result = rate_ratio_test(*GUN_CRIME)
    assert result.p_value == pytest.approx(0.25)  # 2 x (1/2)**3
    assert result.rate_ratio == 0.0 and result.ci_low == 0.0
    q = 0.025 ** (1 / 3)  # P(X <= 0) = (1 - p)**3 = 0.025 at the upper bound p = 1 - q
    assert result.ci_high == pytest.approx((1 - q) / q, rel=1e-9)


def test_zero_comparison_has_no_finite_ratio() -> None:
    result = rate_ratio_test(3, 0)
    assert result.rate_ratio is None and result.ci_high is None
    q = 0.025 ** (1 / 3)  # P(X >= 3) = p**3 = 0.025 at the lower bound p = q
    assert result.ci_low == pytest.approx(q / (1 - q), rel=1e-9)


def test_no_events_is_not_tested() -> None:
    result = rate_ratio_test(0, 0)
    assert result.p_value is None and result.significant is None
    assert result.rate_ratio is None and result.ci_low is None and result.ci_high is None
    assert "no events in either period" in result.method


def test_unequal_exposures() -> None:
    # 2 events in 1 unit against 8 in 4: the same rate, and c1 = n x p0 = 10 x 0.2 exactly
    same = rate_ratio_test(2, 8, e1=1, e0=4)
    assert same.rate_ratio == pytest.approx(1.0) and same.p_value == 1.0
    result = rate_ratio_test(15, 10, e1=2, e0=3)
    assert result.p_value == pytest.approx(naive_two_sided_p(15, 25, 2 / 5), rel=1e-9)
    assert result.rate_ratio == pytest.approx((15 / 2) / (10 / 3))
    # Clopper-Pearson on p, converted with RR = p / (1 - p) x e0 / e1
    low_p = result.ci_low / (result.ci_low + 3 / 2)
    assert naive_tail(25, low_p, lower=False, k=15) == pytest.approx(0.025, rel=1e-6)
    # only the ratio of exposures matters
    assert rate_ratio_test(15, 10, e1=20_000, e0=30_000) == result


@pytest.mark.parametrize(
    "args", [(-1, 3), (3, -1), (2.5, 3), (3, 2, 0.0, 1.0), (3, 2, 1.0, float("nan"))]
)
def test_rate_ratio_test_rejects_bad_input(args) -> None:
    with pytest.raises((ValueError, TypeError)):
        rate_ratio_test(*args)


def test_plain_sentence() -> None:
    not_real = rate_ratio_test(*BURGLARY_12M)
    sentence = plain_sentence(not_real, *BURGLARY_12M)
    assert sentence == (
        "This change is within what chance alone would produce (p = 0.46), "
        "so it should not be read as a real change."
    )
    assert plain_sentence(rate_ratio_test(*BURGLARY_3M), *BURGLARY_3M) is None
    assert plain_sentence(rate_ratio_test(4, 4), 4, 4) is None  # "no change" needs no caveat
    assert "p = 0.25" in plain_sentence(rate_ratio_test(*GUN_CRIME), *GUN_CRIME)


# --- rates -----------------------------------------------------------------------------------


def test_rate() -> None:
    assert rate(488, 400_000, 10_000) == pytest.approx(12.2)  # 488 / 40
    assert rate(3, 400_000, 1_000_000) == pytest.approx(7.5)
    assert rate(0, 400_000, 1_000) == 0.0
    assert rate(488, None, 10_000) is None
    assert rate(488, 0, 10_000) is None
    with pytest.raises(ValueError):
        rate(488, 400_000, 0)
    with pytest.raises(ValueError):
        rate(-1, 400_000, 1_000)


@pytest.mark.parametrize(
    ("per", "label"),
    [
        (1_000, "per 1,000"),
        (10_000, "per 10,000"),
        (100_000, "per 100,000"),
        (1_000_000, "per 1,000,000"),
    ],
)
def test_per_label(per, label) -> None:
    assert per_label(per) == label


# --- rankings --------------------------------------------------------------------------------


def test_rank_ties_share_the_lower_rank() -> None:
    ranks = rank_ascending({"a": 5, "b": 3, "c": 3, "d": 9})
    assert ranks == {"a": 3, "b": 1, "c": 1, "d": 4}
    assert list(ranks) == ["a", "b", "c", "d"]


def test_missing_values_are_not_ranked_and_take_no_place() -> None:
    ranks = rank_ascending({"a": None, "b": 2.0, "c": 1.0, "d": float("nan"), "e": 2.0})
    assert ranks == {"a": None, "b": 2, "c": 1, "d": None, "e": 2}
    assert rank_ascending({}) == {}


def test_rank_matches_counting_strictly_lower_values() -> None:
    rng = random.Random(7)
    for _ in range(200):
        values = {f"area{i}": rng.choice([None, *(float(v) for v in range(6))]) for i in range(32)}
        present = [v for v in values.values() if v is not None]
        expected = {
            k: None if v is None else 1 + sum(1 for w in present if w < v)
            for k, v in values.items()
        }
        assert rank_ascending(values) == expected


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (23, "23rd"),
        (32, "32nd"),
        (101, "101st"),
        (111, "111th"),
        (112, "112th"),
        (1013, "1013th"),
    ],
)
def test_ordinal(n, text) -> None:
    assert ordinal(n) == text


@pytest.mark.parametrize(
    ("rank", "of", "words"),
    [
        (1, 32, "the lowest rate of 32"),
        (4, 32, "the 4th lowest rate of 32"),
        (16, 32, "the 16th lowest rate of 32"),
        (17, 32, "the 16th highest rate of 32"),
        (30, 32, "the 3rd highest rate of 32"),
        (32, 32, "the highest rate of 32"),
        (2, 3, "the 2nd lowest rate of 3"),  # the middle of an odd group counts from the bottom
        (3, 3, "the highest rate of 3"),
        # tie caveat: two areas tied at the top of 32 share rank 31
        (31, 32, "the 2nd highest rate of 32"),
    ],
)
def test_rank_words(rank, of, words) -> None:
    assert rank_words(rank, of) == words


def test_rank_words_rejects_impossible_ranks() -> None:
    with pytest.raises(ValueError):
        rank_words(33, 32)
    with pytest.raises(ValueError):
        rank_words(0, 32)


# --- RAG -------------------------------------------------------------------------------------


def test_rag_words_symbols_colours() -> None:
    assert [r.word for r in Rag] == ["Green", "Amber", "Red", "No data"]
    assert Rag.GREEN == "green" and Rag("grey") is Rag.GREY
    assert [r.colour for r in Rag] == ["#009E73", "#E69F00", "#D55E00", "#999999"]
    assert len({r.symbol for r in Rag}) == 4  # status readable without colour


@pytest.mark.parametrize(
    ("now", "last_year", "rag"),
    [
        (3, 5, Rag.GREEN),
        (4, 4, Rag.AMBER),
        (6, 5, Rag.RED),
        (None, 4, Rag.GREY),
        (4, None, Rag.GREY),
    ],
)
def test_rank_change_rag(now, last_year, rag) -> None:
    assert rank_change_rag(now, last_year) is rag


@pytest.mark.parametrize(
    ("value", "target", "higher", "tolerance", "rag"),
    [
        (50, 48, True, 0, Rag.GREEN),
        (48, 48, True, 0, Rag.GREEN),  # met exactly
        (47, 48, True, 0, Rag.RED),
        (46, 48, True, 2, Rag.AMBER),  # exactly the tolerance short
        (45, 48, True, 2, Rag.RED),
        (23.9, 24, True, 0.1, Rag.AMBER),  # 24 - 23.9 is 0.1000...01 in floats
        (10, 12, False, 0, Rag.GREEN),  # lower is better
        (13, 12, False, 1, Rag.AMBER),
        (14, 12, False, 1, Rag.RED),
        (None, 12, False, 1, Rag.GREY),
    ],
)
def test_target_rag(value, target, higher, tolerance, rag) -> None:
    assert target_rag(value, target, higher_is_better=higher, tolerance=tolerance) is rag


def test_pro_rata_target() -> None:
    assert pro_rata_target(72, 2, 3) == 48  # 72 by Q3 = 24 a quarter
    assert pro_rata_target(72, 3, 3) == 72
    assert pro_rata_target(100, 1, 4) == 25
    assert pro_rata_target(10, 1, 3) == pytest.approx(10 / 3)
    assert pro_rata_target(0.1, 3, 4) == 0.075  # 0.1 * 3 / 4 and 0.1 / 4 * 3 both miss
    # a value exactly on the pro-rata target has met it
    assert target_rag(0.075, pro_rata_target(0.1, 3, 4), higher_is_better=True) is Rag.GREEN
    with pytest.raises(ValueError):
        pro_rata_target(72, 4, 3)
