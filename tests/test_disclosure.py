"""Small-number suppression (metrics.md, "Small numbers"): hand-worked tables, brute-forced.

The brute force here is deliberately naive and independent of the module: it plays the
reader, who sees the published table (through :func:`display`), knows "<5" is 1 to 4 and
"*" is 5 or more, and tries every whole-number value for the hidden cells against every
published total. A hidden cell is safe when more than one value fits.
"""

from __future__ import annotations

import random

import pytest

from cspkit.measures.disclosure import (
    PRIMARY_MARK,
    SECONDARY_FOOTNOTE,
    SECONDARY_MARK,
    SUPPRESSION_THRESHOLD,
    CannotProtect,
    Total,
    derived_suppressed,
    display,
    recoverable_cells,
    suppress,
    verify_no_recovery,
)


def reader_can_see(cells, totals, hidden):
    """Every value each hidden cell could take, given what is published (naive search).

    Hidden values are tried from the range their mark allows up to a bound above every
    true value (5 more than the largest cell), so the true table is among the solutions.
    """
    shown = {k: display(v, hidden[k]) for k, v in cells.items()}
    bound = max(cells.values()) + 5
    unknown: list = []  # in an order that completes small constraints first, to prune early
    for total in sorted(totals, key=lambda t: sum(hidden[m] for m in t.members)):
        unknown += [m for m in total.members if hidden[m] and m not in unknown]
    unknown += [k for k in cells if hidden[k] and k not in unknown]
    ranges = {
        k: range(1, SUPPRESSION_THRESHOLD) if shown[k] == PRIMARY_MARK else range(5, bound + 1)
        for k in unknown
    }
    known = {k: cells[k] for k in cells if not hidden[k]}
    seen: dict = {k: set() for k in unknown}
    found_truth = False

    def consistent(values) -> bool:
        for total in totals:
            whole = values.get(total.key)
            parts = [values.get(p) for p in total.parts]
            so_far = sum(p for p in parts if p is not None)
            if whole is not None and (
                so_far > whole or (None not in parts and so_far != whole)
            ):  # counts are never negative, so parts can't pass their total
                return False
        return True

    def search(i: int, values: dict) -> None:
        nonlocal found_truth
        if i == len(unknown):
            for k in unknown:
                seen[k].add(values[k])
            found_truth |= all(values[k] == cells[k] for k in unknown)
            return
        for v in ranges[unknown[i]]:
            values[unknown[i]] = v
            if consistent(values):
                search(i + 1, values)
            del values[unknown[i]]

    search(0, dict(known))
    assert found_truth, "the brute force must find the true table"
    return seen


def assert_safe(cells, totals, hidden) -> dict:
    seen = reader_can_see(cells, totals, hidden)
    for key, values in seen.items():
        assert len(values) > 1, f"{key!r} can be worked out: it can only be {values}"
    assert verify_no_recovery(cells, totals, hidden) == []
    return seen


def hidden_keys(hidden) -> set:
    return {k for k, h in hidden.items() if h}


# -- one series and its total ------------------------------------------------------------


def test_one_small_quarter_takes_the_next_smallest_with_it() -> None:
    cells = {"Q1": 3, "Q2": 7, "Q3": 12, "Q4": 9, "Year": 31}
    totals = [Total("Year", ("Q1", "Q2", "Q3", "Q4"))]
    hidden = suppress(cells, totals)
    # 3 is under 5; with only it hidden, 31 - 7 - 12 - 9 = 3 gives it back, so the smallest
    # other non-zero part (7) goes too. The total stays.
    assert hidden_keys(hidden) == {"Q1", "Q2"}
    assert [display(v, hidden[k]) for k, v in cells.items()] == ["<5", "*", "12", "9", "31"]
    seen = assert_safe(cells, totals, hidden)
    # A reader knows Q1 + Q2 = 31 - 12 - 9 = 10, Q1 is 1-4, Q2 is 5+: Q1 1..4, Q2 9..6.
    assert seen == {"Q1": {1, 2, 3, 4}, "Q2": {6, 7, 8, 9}}


def test_with_only_the_small_one_hidden_it_can_be_worked_out() -> None:
    cells = {"Q1": 3, "Q2": 7, "Q3": 12, "Q4": 9, "Year": 31}
    totals = [Total("Year", ("Q1", "Q2", "Q3", "Q4"))]
    naive = {k: k == "Q1" for k in cells}
    assert reader_can_see(cells, totals, naive) == {"Q1": {3}}
    assert verify_no_recovery(cells, totals, naive) == [
        "'Q1' is hidden but is the only hidden figure in 'Year' = 'Q1' + 'Q2' + 'Q3' + 'Q4',"
        " so it can be worked out"
    ]


def test_a_zero_is_shown_and_never_hidden_to_protect_another() -> None:
    cells = {"Q1": 3, "Q2": 0, "Q3": 12, "Total": 15}
    totals = [Total("Total", ("Q1", "Q2", "Q3"))]
    hidden = suppress(cells, totals)
    # 3 hidden; 0 not eligible (it would say nothing: a reader knows hidden means not 0);
    # so 12 goes.
    assert hidden_keys(hidden) == {"Q1", "Q3"}
    assert [display(v, hidden[k]) for k, v in cells.items()] == ["<5", "0", "*", "15"]
    # Q1 + Q3 = 15, Q1 1-4: Q3 11..14
    assert assert_safe(cells, totals, hidden) == {"Q1": {1, 2, 3, 4}, "Q3": {11, 12, 13, 14}}


def test_when_every_other_part_is_zero_the_total_goes() -> None:
    # a (2) is small; R = a + s gives it back, so s (5) goes; then C = s + z gives s back,
    # and z is 0, which hiding would not help: so the total C goes.
    cells = {"a": 2, "s": 5, "z": 0, "R": 7, "C": 5}
    totals = [Total("R", ("a", "s")), Total("C", ("s", "z"))]
    hidden = suppress(cells, totals)
    assert hidden_keys(hidden) == {"a", "s", "C"}
    # a + s = 7 with a 1-4 and s 5+: a 1 or 2, s = C 6 or 5.
    assert assert_safe(cells, totals, hidden) == {"a": {1, 2}, "s": {5, 6}, "C": {5, 6}}


def test_two_small_parts_protect_each_other() -> None:
    cells = {"a": 2, "b": 0, "c": 4, "all": 6}
    totals = [Total("all", ("a", "b", "c"))]
    hidden = suppress(cells, totals)
    assert hidden_keys(hidden) == {"a", "c"}
    # a + c = 6, both 1-4: (2, 4), (3, 3), (4, 2)
    assert assert_safe(cells, totals, hidden) == {"a": {2, 3, 4}, "c": {2, 3, 4}}


def test_what_the_marks_reveal_is_taken_into_account() -> None:
    # 1 and 5 under a published 6: "<5" is 1-4 and "*" is 5+, so 1 + 5 is the only way to
    # make 6 - the ranges pin both although two members are hidden. The total must go.
    cells = {"girls": 1, "boys": 5, "all": 6}
    totals = [Total("all", ("girls", "boys"))]
    pair = {"girls": True, "boys": True, "all": False}
    assert reader_can_see(cells, totals, pair) == {"girls": {1}, "boys": {5}}
    assert verify_no_recovery(cells, totals, pair) == [
        "'girls' is hidden but can be worked out by combining the published figures",
        "'boys' is hidden but can be worked out by combining the published figures",
    ]
    hidden = suppress(cells, totals)
    assert hidden_keys(hidden) == {"girls", "boys", "all"}
    assert_safe(cells, totals, hidden)


def test_nothing_small_nothing_hidden_and_no_totals_only_primary() -> None:
    cells = {"Q1": 5, "Q2": 0, "Q3": 12, "Year": 17}
    assert hidden_keys(suppress(cells, [Total("Year", ("Q1", "Q2", "Q3"))])) == set()
    assert hidden_keys(suppress({"a": 4, "b": 9, "c": 1})) == {"a", "c"}


# -- two-way tables ------------------------------------------------------------------------


def two_way(a1: int, a2: int, b1: int, b2: int):
    cells = {
        ("A", "Q1"): a1, ("A", "Q2"): a2, ("A", "all"): a1 + a2,
        ("B", "Q1"): b1, ("B", "Q2"): b2, ("B", "all"): b1 + b2,
        ("all", "Q1"): a1 + b1, ("all", "Q2"): a2 + b2, ("all", "all"): a1 + a2 + b1 + b2,
    }  # fmt: skip
    totals = [
        Total(("A", "all"), (("A", "Q1"), ("A", "Q2"))),
        Total(("B", "all"), (("B", "Q1"), ("B", "Q2"))),
        Total(("all", "Q1"), (("A", "Q1"), ("B", "Q1"))),
        Total(("all", "Q2"), (("A", "Q2"), ("B", "Q2"))),
        Total(("all", "all"), (("A", "all"), ("B", "all"))),
        Total(("all", "all"), (("all", "Q1"), ("all", "Q2"))),
    ]
    return cells, totals


def test_a_single_small_cell_takes_a_rectangle_of_four() -> None:
    # A: 2, 8 (10); B: 6, 9 (15); quarters 8, 17; all 25.
    cells, totals = two_way(2, 8, 6, 9)
    hidden = suppress(cells, totals)
    # 2 hidden -> row A gives it back -> hide 8; column Q1 gives it back -> hide 6;
    # row B then gives 6 back -> hide 9. Every margin stays published.
    assert hidden_keys(hidden) == {("A", "Q1"), ("A", "Q2"), ("B", "Q1"), ("B", "Q2")}
    # Gaussian elimination: 4 unknowns, rank 3 (rows and columns both add up to 25).
    assert recoverable_cells(cells, totals, hidden) == []
    seen = assert_safe(cells, totals, hidden)
    # A1 = t, A2 = 10 - t, B1 = 8 - t, B2 = 7 + t with t 1-4 and the others 5+:
    # B1 >= 5 gives t <= 3, so t is 1, 2 or 3.
    assert seen == {
        ("A", "Q1"): {1, 2, 3},
        ("A", "Q2"): {7, 8, 9},
        ("B", "Q1"): {5, 6, 7},
        ("B", "Q2"): {8, 9, 10},
    }


def test_three_corners_of_the_rectangle_are_not_enough() -> None:
    cells, totals = two_way(2, 8, 6, 9)
    three = {k: k in {("A", "Q1"), ("A", "Q2"), ("B", "Q1")} for k in cells}
    problems = verify_no_recovery(cells, totals, three)
    assert problems == [
        "('B', 'Q1') is hidden but is the only hidden figure in ('B', 'all') ="
        " ('B', 'Q1') + ('B', 'Q2'), so it can be worked out",
        "('A', 'Q2') is hidden but is the only hidden figure in ('all', 'Q2') ="
        " ('A', 'Q2') + ('B', 'Q2'), so it can be worked out",
        "('A', 'Q1') is hidden but can be worked out by combining the published figures",
    ]
    assert reader_can_see(cells, totals, three)[("A", "Q1")] == {2}


# -- year to date ----------------------------------------------------------------------------


def test_cumulative_series_hides_enough_of_the_year_to_date() -> None:
    # Quarters 2, 10, 11; published year-to-date 2, 12, 23.
    cells = {"q1": 2, "q2": 10, "q3": 11, "ytd1": 2, "ytd2": 12, "ytd3": 23}
    totals = [
        Total("ytd1", ("q1",)),
        Total("ytd2", ("ytd1", "q2")),
        Total("ytd3", ("ytd2", "q3")),
        Total("ytd2", ("q1", "q2")),
        Total("ytd3", ("q1", "q2", "q3")),
    ]
    hidden = suppress(cells, totals)
    # q1 = ytd1 = 2 both small; ytd2 = ytd1 + q2 would give ytd1 back, so q2 (10) goes.
    assert hidden_keys(hidden) == {"q1", "ytd1", "q2"}
    assert [display(v, hidden[k]) for k, v in cells.items()] == ["<5", "*", "11", "<5", "12", "23"]
    # q1 + q2 = 12 with q1 1-4: q2 8..11
    assert assert_safe(cells, totals, hidden) == {
        "q1": {1, 2, 3, 4},
        "q2": {8, 9, 10, 11},
        "ytd1": {1, 2, 3, 4},
    }


def test_a_cell_given_away_through_a_neighbouring_total() -> None:
    # Quarters 3, 1, 12; year to date 3, 4, 16, each year-to-date a sum of quarters.
    cells = {"q0": 3, "q1": 1, "q2": 12, "ytd0": 3, "ytd1": 4, "ytd2": 16}
    totals = [
        Total("ytd0", ("q0",)),
        Total("ytd1", ("q0", "q1")),
        Total("ytd2", ("q0", "q1", "q2")),
    ]
    primary = {k: k != "q2" and k != "ytd2" for k in cells}
    # No total has exactly one hidden member, but 16 - 12 gives ytd1 = q0 + q1 = 4.
    assert recoverable_cells(cells, totals, primary) == ["ytd1"]
    assert reader_can_see(cells, totals, primary)["ytd1"] == {4}
    hidden = suppress(cells, totals)
    # ytd1's own total has nothing left to hide, so the next one out (ytd2 = q0 + q1 + q2)
    # gives up its smallest shown part, 12.
    assert hidden_keys(hidden) == {"q0", "q1", "q2", "ytd0", "ytd1"}
    # q0 + q1 = ytd1 is 2 to 4 (each part 1+, the total under 5), so q2 = 16 - ytd1 is 12-14.
    assert assert_safe(cells, totals, hidden) == {
        "q0": {1, 2, 3},
        "q1": {1, 2, 3},
        "q2": {12, 13, 14},
        "ytd0": {1, 2, 3},
        "ytd1": {2, 3, 4},
    }


def test_a_table_that_cannot_be_protected_is_refused() -> None:
    # 1, 1, 1, 1 and 4 all show "<5"; four counts of 1+ adding to at most 4 are 1 each.
    cells = {"Q1": 1, "Q2": 1, "Q3": 1, "Q4": 1, "Year": 4}
    totals = [Total("Year", ("Q1", "Q2", "Q3", "Q4"))]
    everything = dict.fromkeys(cells, True)
    assert reader_can_see(cells, totals, everything) == {k: {cells[k]} for k in cells}
    with pytest.raises(CannotProtect, match=r"'Q1' can be worked out.*without its totals"):
        suppress(cells, totals)
    # Without the total, four "<5" quarters give nothing away.
    quarters = {k: v for k, v in cells.items() if k != "Year"}
    assert hidden_keys(suppress(quarters)) == set(quarters)


# -- overlapping totals: one-at-a-time checking is not enough ----------------------------------


def test_overlapping_totals_found_by_elimination() -> None:
    # a, b, c = 3, 7, 5 with published a+b = 10, b+c = 12, a+c = 8 (e.g. overlapping age bands)
    cells = {"a": 3, "b": 7, "c": 5, "ab": 10, "bc": 12, "ac": 8}
    totals = [Total("ab", ("a", "b")), Total("bc", ("b", "c")), Total("ac", ("a", "c"))]
    abc = {k: k in {"a", "b", "c"} for k in cells}
    # Each total has two hidden members, yet three equations in three unknowns solve:
    # a = (10 - 12 + 8) / 2 = 3.
    assert all(sum(abc[m] for m in t.members) == 2 for t in totals)
    assert reader_can_see(cells, totals, abc) == {"a": {3}, "b": {7}, "c": {5}}
    assert recoverable_cells(cells, totals, abc) == ["a", "b", "c"]
    hidden = suppress(cells, totals)
    # suppress goes on to hide the smaller total touching a: ac (8) rather than ab (10).
    assert hidden_keys(hidden) == {"a", "b", "c", "ac"}
    # b = 10 - a, c = 12 - b = 2 + a >= 5, so a is 3 or 4.
    assert assert_safe(cells, totals, hidden) == {
        "a": {3, 4},
        "b": {6, 7},
        "c": {5, 6},
        "ac": {8, 10},
    }


# -- every table suppress produces is safe: random small tables, brute-forced ---------------


def random_table(rng: random.Random):
    shape = rng.choice(["series", "two_way", "ytd"])
    value = lambda: rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 9, 12])  # noqa: E731
    if shape == "series":
        parts = {f"p{i}": value() for i in range(rng.randint(2, 5))}
        return {**parts, "all": sum(parts.values())}, [Total("all", tuple(parts))]
    if shape == "two_way":
        rows, cols = rng.randint(2, 3), rng.randint(2, 3)
        cells = {(r, c): value() for r in range(rows) for c in range(cols)}
        totals = []
        for r in range(rows):
            cells[(r, "all")] = sum(cells[(r, c)] for c in range(cols))
            totals.append(Total((r, "all"), tuple((r, c) for c in range(cols))))
        for c in range(cols):
            cells[("all", c)] = sum(cells[(r, c)] for r in range(rows))
            totals.append(Total(("all", c), tuple((r, c) for r in range(rows))))
        cells[("all", "all")] = sum(cells[(r, "all")] for r in range(rows))
        totals.append(Total(("all", "all"), tuple((r, "all") for r in range(rows))))
        totals.append(Total(("all", "all"), tuple(("all", c) for c in range(cols))))
        return cells, totals
    quarters = [value() for _ in range(rng.randint(2, 4))]
    cells = {f"q{i}": v for i, v in enumerate(quarters)}
    totals = []
    for i in range(len(quarters)):
        cells[f"ytd{i}"] = sum(quarters[: i + 1])
        totals.append(Total(f"ytd{i}", tuple(f"q{j}" for j in range(i + 1))))
    return cells, totals


@pytest.mark.parametrize("seed", range(120))
def test_suppress_leaves_nothing_recoverable(seed: int) -> None:
    cells, totals = random_table(random.Random(seed))
    try:
        hidden = suppress(cells, totals)
    except CannotProtect:  # then hiding everything non-zero must indeed give one away
        everything = {k: v > 0 for k, v in cells.items()}
        assert any(len(v) == 1 for v in reader_can_see(cells, totals, everything).values())
        return
    for key, count in cells.items():
        assert hidden[key] == (1 <= count <= 4) or (hidden[key] and count >= 5)
    assert_safe(cells, totals, hidden)


# -- derived figures, display, and refusals --------------------------------------------------


def test_derived_figures_from_a_hidden_count_are_hidden() -> None:
    cells = {"Q1": 3, "Q2": 7, "Q3": 12, "Q4": 9, "Year": 31}
    hidden = suppress(cells, [Total("Year", ("Q1", "Q2", "Q3", "Q4"))])
    assert derived_suppressed(["Q1", "Year"], hidden)  # 3 of 31 = 9.7% gives 3 back
    assert derived_suppressed(["Q2", "Year"], hidden)
    assert not derived_suppressed(["Q3", "Year"], hidden)  # 12 of 31 = 38.7%: both shown
    assert not derived_suppressed(["Q4", "Q3"], hidden)  # change 12 -> 9
    with pytest.raises(KeyError):
        derived_suppressed(["Q5"], hidden)


def test_display() -> None:
    assert display(0, False) == "0"
    assert display(1234, False) == "1,234"
    assert display(3, True) == PRIMARY_MARK == "<5"
    assert display(1, True) == "<5"
    assert display(4, True) == "<5"
    assert display(5, True) == SECONDARY_MARK == "*"
    assert display(1234, True) == "*"
    assert SECONDARY_FOOTNOTE.startswith("* ")
    with pytest.raises(ValueError, match="a zero is never hidden"):
        display(0, True)
    with pytest.raises(ValueError, match="not a count"):
        display(-1, False)
    with pytest.raises(ValueError, match="not a count"):
        display(2.0, False)  # type: ignore[arg-type]


def test_bad_tables_are_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="'Year' is 30 but its parts add up to 31"):
        suppress({"Q1": 3, "Q2": 28, "Year": 30}, [Total("Year", ("Q1", "Q2"))])
    with pytest.raises(ValueError, match=r"names cells the table lacks: \['Q3'\]"):
        suppress({"Q1": 3, "Year": 3}, [Total("Year", ("Q1", "Q3"))])
    with pytest.raises(ValueError, match="cell 'Q1' is -3"):
        suppress({"Q1": -3})
    with pytest.raises(ValueError, match="cell 'Q1' is 2.5"):
        suppress({"Q1": 2.5})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="must have parts"):
        suppress({"Year": 3}, [Total("Year", ())])


def test_verify_names_a_small_count_shown_and_a_zero_hidden() -> None:
    cells = {"a": 3, "b": 0, "c": 9, "all": 12}
    totals = [Total("all", ("a", "b", "c"))]
    shown = dict.fromkeys(cells, False)
    assert verify_no_recovery(cells, totals, shown) == ["'a' is 3, under 5, and is shown"]
    zero_hidden = {"a": True, "b": True, "c": False, "all": False}
    assert verify_no_recovery(cells, totals, zero_hidden) == [
        "'b' is 0 and hidden: zeros are shown, and * means 5 or more"
    ]
    with pytest.raises(ValueError, match="a zero is hidden"):
        recoverable_cells(cells, totals, zero_hidden)
