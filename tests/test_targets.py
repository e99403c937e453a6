"""KPIs against targets (metrics.md, "RAG against a target"): hand-computed known answers."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from cspkit.measures.change import change_words
from cspkit.measures.rag import Rag
from cspkit.measures.targets import (
    KpiStatus,
    Polarity,
    Target,
    TargetKind,
    compared_value,
    format_figure,
    kpi_status,
    pro_rata_exact,
    pro_rata_target,
    rag_against_target,
)

D = Decimal
HIGHER, LOWER = Polarity.HIGHER, Polarity.LOWER

# Victim Care Hub, 2023/24: 72 referrals by Q3 (quarterly); returns 18, 21, 25 in Q1-Q3.
VCH = Target(D(72), TargetKind.CUMULATIVE, periods=3)
VCH_RETURNS = [D(18), D(21), D(25)]
# Barnet Homes: ASB cases per 1,000 tenancies, 5 or fewer every quarter.
ASB = Target(D(5), TargetKind.PER_PERIOD)


# -- targets and pro-rata ---------------------------------------------------------------


def test_cumulative_pro_rata_is_24_a_quarter_and_carries_on_after_q3() -> None:
    # 72 / 3 = 24 a quarter: 24, 48, 72, then the same rate: 96 by Q4.
    assert [pro_rata_target(VCH, q) for q in (1, 2, 3, 4)] == [D(24), D(48), D(72), D(96)]


def test_per_period_target_is_the_same_every_period() -> None:
    assert [pro_rata_target(ASB, q) for q in (1, 2, 3, 4)] == [D(5)] * 4


def test_annual_target_pro_rata() -> None:
    quarterly = Target(D(100), TargetKind.ANNUAL, periods=4)
    assert [pro_rata_target(quarterly, q) for q in (1, 2, 3, 4)] == [D(25), D(50), D(75), D(100)]
    monthly = Target(D(100), TargetKind.ANNUAL, periods=12)
    assert pro_rata_exact(monthly, 1) == Fraction(25, 3)  # 100 / 12, exactly
    assert pro_rata_target(monthly, 1) == D("8.333333333333333333333333333")  # 28 digits
    assert pro_rata_target(monthly, 6) == D(50)
    with pytest.raises(ValueError, match="past the end of a year of 12 periods"):
        pro_rata_target(monthly, 13)


def test_pro_rata_is_exact() -> None:
    # In floats 0.1 * 3 is 0.30000000000000004, so a return of exactly 0.3 would miss.
    tenth = Target(D("0.1"), TargetKind.CUMULATIVE, periods=1)
    assert pro_rata_target(tenth, 3) == D("0.3")
    assert rag_against_target(D("0.3"), pro_rata_exact(tenth, 3), HIGHER, None) is Rag.GREEN


def test_target_checks_its_fields() -> None:
    assert Target(0.1, "annual", 4).value == D(
        "0.1"
    )  # a float as written, not 0.1000000000000000055
    assert Target(0.1, "annual", 4).kind is TargetKind.ANNUAL
    with pytest.raises(ValueError, match="takes no `periods`"):
        Target(D(5), TargetKind.PER_PERIOD, periods=4)
    with pytest.raises(ValueError, match=r"needs `periods`.*72 by Q3 -> 3"):
        Target(D(72), TargetKind.CUMULATIVE)
    with pytest.raises(ValueError, match="needs `periods`"):
        Target(D(72), TargetKind.ANNUAL, periods=0)
    with pytest.raises(ValueError, match="finite"):
        Target(D("NaN"), TargetKind.PER_PERIOD)
    with pytest.raises(ValueError, match="counts from 1"):
        pro_rata_target(VCH, 0)


# -- the value compared -----------------------------------------------------------------


def test_compared_value_is_year_to_date_for_cumulative() -> None:
    # 18; 18 + 21 = 39; 39 + 25 = 64
    assert compared_value(VCH_RETURNS[:1], TargetKind.CUMULATIVE) == D(18)
    assert compared_value(VCH_RETURNS[:2], TargetKind.CUMULATIVE) == D(39)
    assert compared_value(VCH_RETURNS, TargetKind.ANNUAL) == D(64)


def test_compared_value_for_per_period_is_the_periods_own() -> None:
    assert compared_value([D("5.6"), D("4.5")], TargetKind.PER_PERIOD) == D("4.5")
    assert compared_value([None, D("4.5")], TargetKind.PER_PERIOD) == D("4.5")
    assert compared_value([D("4.5"), None], TargetKind.PER_PERIOD) is None


def test_a_missing_period_makes_the_year_to_date_unavailable() -> None:
    assert compared_value([D(18), None, D(25)], TargetKind.CUMULATIVE) is None
    assert compared_value([D(18), D(21), None], TargetKind.CUMULATIVE) is None
    with pytest.raises(ValueError, match="at least this period's value"):
        compared_value([], TargetKind.CUMULATIVE)


# -- RAG ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "target", "tolerance", "rag"),
    [
        # Victim Care Hub, tolerance 10% of the pro-rata target:
        (D(18), D(24), D(10), Rag.RED),  # Q1: amber floor 24 - 2.4 = 21.6
        (D(39), D(48), D(10), Rag.RED),  # Q2: floor 48 - 4.8 = 43.2
        (D(64), D(72), D(10), Rag.RED),  # Q3: floor 72 - 7.2 = 64.8
        (D(64), D(72), D(15), Rag.AMBER),  # Q3 at 15%: floor 72 - 10.8 = 61.2
        # boundaries, exactly:
        (D(72), D(72), D(10), Rag.GREEN),  # on target
        (D("71.99"), D(72), D(10), Rag.AMBER),
        (D("64.8"), D(72), D(10), Rag.AMBER),  # exactly on the floor
        (D("64.79"), D(72), D(10), Rag.RED),
        (D("21.6"), D(24), D(10), Rag.AMBER),
        (D("61.2"), D(72), D(15), Rag.AMBER),
        (D("61.19"), D(72), D(15), Rag.RED),
        (D(80), D(72), D(10), Rag.GREEN),  # beyond target
        (None, D(72), D(10), Rag.GREY),
    ],
)
def test_higher_is_better(value, target, tolerance, rag) -> None:
    assert rag_against_target(value, target, HIGHER, tolerance) is rag


@pytest.mark.parametrize(
    ("value", "tolerance", "rag"),
    [
        # Barnet Homes ASB cases per 1,000 tenancies, 5 or fewer; 10% of 5 is 0.5 -> 5.5
        (D("4.5"), D(10), Rag.GREEN),
        (D(5), D(10), Rag.GREEN),  # on target
        (D("5.4"), D(10), Rag.AMBER),
        (D("5.5"), D(10), Rag.AMBER),  # exactly on the ceiling
        (D("5.51"), D(10), Rag.RED),
        (D("5.6"), D(10), Rag.RED),
        (None, D(10), Rag.GREY),
        (D("5.4"), None, Rag.RED),  # no tolerance: never amber
        (D("4.5"), None, Rag.GREEN),
        (D("5.01"), D(0), Rag.RED),
    ],
)
def test_lower_is_better(value, tolerance, rag) -> None:
    assert rag_against_target(value, D(5), LOWER, tolerance) is rag


def test_absolute_tolerance() -> None:
    # 2 referrals either side of 24, in the KPI's own units
    assert rag_against_target(D(22), D(24), HIGHER, D(2), tolerance_is_percent=False) is Rag.AMBER
    assert rag_against_target(D("21.99"), D(24), "higher", 2, False) is Rag.RED
    assert rag_against_target(D("5.4"), D(5), "lower", D("0.4"), False) is Rag.AMBER
    assert rag_against_target(D("5.41"), D(5), "lower", D("0.4"), False) is Rag.RED


def test_no_tolerance_is_met_or_missed() -> None:
    assert rag_against_target(D("71.999"), D(72), HIGHER, None) is Rag.RED
    assert rag_against_target(D(72), D(72), HIGHER, None) is Rag.GREEN


def test_exact_pro_rata_fraction_as_target() -> None:
    # 100 a year monthly: 8.333... due after month 1; 8.33 falls short by 1/300, 8.34 meets it.
    monthly = Target(D(100), TargetKind.ANNUAL, periods=12)
    due = pro_rata_exact(monthly, 1)
    assert rag_against_target(D("8.33"), due, HIGHER, None) is Rag.RED
    assert rag_against_target(D("8.34"), due, HIGHER, None) is Rag.GREEN
    # tolerance 1% of 25/3 = 1/12 = 0.08333...: floor 8.25 exactly
    assert rag_against_target(D("8.25"), due, HIGHER, D(1)) is Rag.AMBER
    assert rag_against_target(D("8.2499"), due, HIGHER, D(1)) is Rag.RED


def test_a_negative_tolerance_is_refused() -> None:
    with pytest.raises(ValueError, match="tolerance must be 0 or more, not -1"):
        rag_against_target(D(5), D(5), LOWER, D(-1))
    with pytest.raises(ValueError, match="tolerance must be 0 or more"):
        rag_against_target(None, D(5), LOWER, D(-1))  # checked even with no return


# -- the sentence and the status ---------------------------------------------------------


def test_victim_care_hub_quarter_by_quarter() -> None:
    got = [
        kpi_status(VCH_RETURNS[:q], VCH, HIGHER, unit="referrals", tolerance=D(10),
                   period_label=f"Q{q}")
        for q in (1, 2, 3)
    ]  # fmt: skip
    assert [s.value for s in got] == [D(18), D(39), D(64)]
    assert [s.target for s in got] == [D(24), D(48), D(72)]
    assert [s.rag for s in got] == [Rag.RED] * 3
    # 18 / 24 = 75%; 39 / 48 = 81.25% -> 81%; 64 / 72 = 88.9% -> 89%
    assert [s.sentence for s in got] == [
        "18 referrals by Q1 against a target of 24 (75% of target): red.",
        "39 referrals by Q2 against a target of 48 (81% of target): red.",
        "64 referrals by Q3 against a target of 72 (89% of target): red.",
    ]


def test_victim_care_hub_q3_at_15_percent_is_amber_and_q4_carries_on() -> None:
    q3 = kpi_status(VCH_RETURNS, VCH, HIGHER, unit="referrals", tolerance=D(15),
                    period_label="Q3")  # fmt: skip
    assert q3 == KpiStatus(
        value=D(64),
        target=D(72),
        rag=Rag.AMBER,
        sentence="64 referrals by Q3 against a target of 72 (89% of target): amber.",
    )
    # Q4 return 30: 94 against 96 (the 24-a-quarter rate goes on); floor 96 - 9.6 = 86.4
    q4 = kpi_status([*VCH_RETURNS, D(30)], VCH, HIGHER, unit="referrals", tolerance=D(10),
                    period_label="Q4")  # fmt: skip
    assert (q4.value, q4.target, q4.rag) == (D(94), D(96), Rag.AMBER)
    # 94 / 96 = 97.9% -> 98%
    assert q4.sentence == "94 referrals by Q4 against a target of 96 (98% of target): amber."


def test_barnet_homes_sentences() -> None:
    unit = "cases per 1,000 tenancies"
    status = kpi_status([D("4.5")], ASB, LOWER, unit=unit)
    assert (status.value, status.target, status.rag) == (D("4.5"), D(5), Rag.GREEN)
    assert status.sentence == "4.5 cases per 1,000 tenancies against a target of 5 or fewer: green."
    amber = kpi_status([D("4.5"), D("5.40")], ASB, LOWER, unit=unit, tolerance=D(10),
                       period_label="Q2")  # fmt: skip
    assert amber.sentence == (
        "5.4 cases per 1,000 tenancies in Q2 against a target of 5 or fewer: amber."
    )
    grey = kpi_status([D("4.5"), None], ASB, LOWER, unit=unit, period_label="Q2")
    assert (grey.value, grey.rag) == (None, Rag.GREY)
    assert grey.sentence == (
        "No return for Q2 against a target of 5 cases per 1,000 tenancies or fewer: no data."
    )
    assert kpi_status([None], ASB, LOWER, unit=unit).sentence.startswith("No return against")


def test_missing_quarter_sentence() -> None:
    status = kpi_status([D(18), None, D(25)], VCH, HIGHER, unit="referrals", period_label="Q3")
    assert (status.value, status.target, status.rag) == (None, D(72), Rag.GREY)
    assert status.sentence == (
        "No year-to-date total by Q3 (a return is missing) against a target of 72 referrals:"
        " no data."
    )
    none_at_all = kpi_status([None, None], VCH, HIGHER, unit="referrals", period_label="Q2")
    assert none_at_all.sentence == "No returns by Q2 against a target of 48 referrals: no data."


def test_sentence_never_shows_unequal_figures_as_equal() -> None:
    monthly = Target(D(100), TargetKind.ANNUAL, periods=12)
    status = kpi_status([D("8.33")], monthly, HIGHER, unit="referrals", period_label="April")
    # 8.33 vs 8.333...: two places would print both as 8.33; 8.33 / 8.333 = 99.96% -> not 100%
    assert status.sentence == (
        "8.33 referrals by April against a target of 8.333 (just under 100% of target): red."
    )
    assert status.target == D("8.333333333333333333333333333")
    met = kpi_status([D(72)], Target(D(72), "per_period"), HIGHER, unit="referrals")
    assert met.sentence == "72 referrals against a target of 72 (100% of target): green."
    big = kpi_status([D(12_480)], Target(D(10_000), "per_period"), HIGHER, unit="contacts")
    assert big.sentence == "12,480 contacts against a target of 10,000 (125% of target): green."


def test_zero_target_has_no_percentage() -> None:
    status = kpi_status([D(0)], Target(D(0), "per_period"), LOWER, unit="deaths")
    assert status.sentence == "0 deaths against a target of 0 or fewer: green."
    status = kpi_status([D(3)], Target(D(0), "per_period"), HIGHER, unit="closures")
    assert status.sentence == "3 closures against a target of 0: green."


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (D("1234.5"), "1,234.5"),
        (D("24.0"), "24"),  # no trailing ".0"
        (1_000_000, "1,000,000"),
        (Fraction(25, 3), "8.33"),
        (D("0.125"), "0.13"),  # half away from zero
        (D("2.675"), "2.68"),
        (D("-0.001"), "0"),  # never "-0"
        (D("-1.5"), "-1.5"),
        (D(0), "0"),
    ],
)
def test_format_figure(x, text) -> None:
    assert format_figure(x) == text


def test_a_baseline_is_a_change_not_a_target() -> None:
    # Prevent referrals 15 against 25 a year earlier is a comparison, already in change.py:
    # (15 - 25) / 25 = -40%. No target module function is needed for it.
    assert change_words(15, 25) == "a decrease of 40.0%"
