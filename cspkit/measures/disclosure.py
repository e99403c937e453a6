"""Small-number suppression for published tables about people (metrics.md, "Small numbers").

Partner returns about young people, victims and children can identify someone: in a
borough, "2 girls aged 12 referred in Q1" may be a family the reader knows. So in
anything published from a sensitive data set (which ones are sensitive is part of the
data set's definition, not a report option; police recorded crime is already public and
is never suppressed):

- **Primary suppression**: a count from 1 to 4 is shown as ``<5``.
- **Secondary suppression**: any figure from which a hidden count could be worked out -
  a total, a year-to-date figure, a complementary cell - is hidden too, shown as ``*``
  with the footnote :data:`SECONDARY_FOOTNOTE`.
- **Derived figures** (a percentage, a change) made from a hidden count are hidden too
  (:func:`derived_suppressed`).

Zero is shown. metrics.md hides "counts from 1 to 4", as ONS and NHS statistics commonly
do: an empty cell contains nobody, so it cannot identify anybody. (A zero can say
something about a group - "none of the 3 referred were girls" says all 3 were boys - but
those 3s are under 5 and so hidden themselves.)

A table is modelled as cells (any hashable key -> count) plus linear constraints
:class:`Total` - ``cells[key] == sum(cells[parts])`` - covering row and column totals,
year-to-date figures (the sum of the periods so far) and complements. With the marks'
meaning - "<5" is 1 to 4, and "*" is 5 or more, since a zero is never hidden and a small
count always shows "<5" - that is everything a reader can use to work a hidden figure
out, and everything :func:`suppress` and :func:`recoverable_cells` reason about.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Generic, TypeVar

from cspkit.errors import CspkitError

K = TypeVar("K", bound=Hashable)


class CannotProtect(CspkitError, ValueError):
    """A table gives a small count away whatever is hidden: drop its totals or merge rows."""


SUPPRESSION_THRESHOLD = 5
"""Counts from 1 to ``SUPPRESSION_THRESHOLD - 1`` (1 to 4) are hidden; 0 is shown."""

PRIMARY_MARK = "<5"
"""Shown for a hidden count from 1 to 4 (metrics.md)."""

SECONDARY_MARK = "*"
"""Shown for a figure hidden only so that a count under 5 can't be worked out from it."""

SECONDARY_FOOTNOTE = "* Hidden so that a number under 5 cannot be worked out from the others."
"""The footnote a renderer prints under any table (or text) that shows :data:`SECONDARY_MARK`."""

_PASSES = 200  # bound on interval tightening; each pass narrows some bound by at least 1


@dataclass(frozen=True)
class Total(Generic[K]):
    """A published identity ``cells[key] == sum(cells[p] for p in parts)``.

    A row or column total, a year-to-date figure (Q1..Q3 = Q1 + Q2 + Q3, or cum Q2 + Q3),
    or a complement (girls = all - boys is ``Total("all", ("girls", "boys"))``).
    """

    key: K
    parts: tuple[K, ...]

    @property
    def members(self) -> tuple[K, ...]:
        return (self.key, *self.parts)


def is_small(count: int) -> bool:
    """True for a count that is hidden in its own right: 1 to 4."""
    return 1 <= count < SUPPRESSION_THRESHOLD


def _validate(cells: Mapping[K, int], totals: Iterable[Total[K]]) -> list[Total[K]]:
    for key, count in cells.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(
                f"cell {key!r} is {count!r}: a count must be a whole number, 0 or more"
            )
    checked = list(totals)
    for total in checked:
        missing = [m for m in total.members if m not in cells]
        if missing:
            raise ValueError(f"total {total.key!r} names cells the table lacks: {missing!r}")
        if not total.parts or total.key in total.parts or len(set(total.parts)) < len(total.parts):
            raise ValueError(
                f"total {total.key!r} must have parts, each once, and not include itself"
            )
        sum_parts = sum(cells[p] for p in total.parts)
        if cells[total.key] != sum_parts:
            raise ValueError(
                f"total {total.key!r} is {cells[total.key]} but its parts add up to {sum_parts}:"
                " a table that doesn't add up can't be checked for disclosure - fix the data"
            )
    return checked


# -- what a reader can work out ----------------------------------------------------------


def _system(
    cells: Mapping[K, int], totals: list[Total[K]], hidden: Mapping[K, bool]
) -> tuple[list[K], list[list[Fraction]]]:
    """The hidden cells and the constraints as rows ``[coefficients..., right-hand side]``.

    ``key - sum(parts) = 0``, with every published figure moved to the right-hand side:
    exactly the equations a reader can write down from the table.
    """
    unknowns = [k for k in cells if hidden[k]]
    column = {k: i for i, k in enumerate(unknowns)}
    rows = []
    for total in totals:
        row = [Fraction(0)] * (len(unknowns) + 1)
        for member, sign in [(total.key, 1), *((p, -1) for p in total.parts)]:
            if member in column:
                row[column[member]] += sign
            else:
                row[-1] -= sign * cells[member]
        if any(row[:-1]):
            rows.append(row)
    return unknowns, rows


def _rref(rows: list[list[Fraction]], n: int) -> list[list[Fraction]]:
    """Reduced row echelon form over the rationals (Gauss-Jordan, exact), zero rows dropped."""
    m = [row[:] for row in rows]
    pivot_row = 0
    for col in range(n):
        found = next((r for r in range(pivot_row, len(m)) if m[r][col] != 0), None)
        if found is None:
            continue
        m[pivot_row], m[found] = m[found], m[pivot_row]
        lead = m[pivot_row][col]
        m[pivot_row] = [x / lead for x in m[pivot_row]]
        for r in range(len(m)):
            if r != pivot_row and m[r][col] != 0:
                factor = m[r][col]
                m[r] = [a - factor * b for a, b in zip(m[r], m[pivot_row], strict=True)]
        pivot_row += 1
        if pivot_row == len(m):
            break
    return [row for row in m if any(row[:-1])]


def _tighten(rows: list[list[Fraction]], lo: list[Fraction], hi: list[Fraction | None]) -> None:
    """Narrow each hidden cell's range [lo, hi] (None = no upper limit) using every row.

    For ``sum(c_j x_j) = r``, each ``x_j`` lies within what ``r`` minus the range of the
    other terms allows; cells are whole numbers, so the limits round inwards.
    """
    for _ in range(_PASSES):
        changed = False
        for row in rows:
            coeffs, rhs = row[:-1], row[-1]
            for j, cj in enumerate(coeffs):
                if cj == 0:
                    continue
                low_rest: Fraction | None = Fraction(0)  # None = minus infinity
                high_rest: Fraction | None = Fraction(0)  # None = plus infinity
                for i, ci in enumerate(coeffs):
                    if i == j or ci == 0:
                        continue
                    small, large = (lo[i], hi[i]) if ci > 0 else (hi[i], lo[i])
                    low_rest = None if low_rest is None or small is None else low_rest + ci * small
                    high_rest = (
                        None if high_rest is None or large is None else high_rest + ci * large
                    )
                # cj * x_j lies in [rhs - high_rest, rhs - low_rest]
                bound_a = None if high_rest is None else (rhs - high_rest) / cj
                bound_b = None if low_rest is None else (rhs - low_rest) / cj
                new_lo, new_hi = (bound_a, bound_b) if cj > 0 else (bound_b, bound_a)
                if new_lo is not None and math.ceil(new_lo) > lo[j]:
                    lo[j] = Fraction(math.ceil(new_lo))
                    changed = True
                if new_hi is not None and (hi[j] is None or math.floor(new_hi) < hi[j]):
                    hi[j] = Fraction(math.floor(new_hi))
                    changed = True
        if not changed:
            return


def recoverable_cells(
    cells: Mapping[K, int], totals: Iterable[Total[K]], suppressed: Mapping[K, bool]
) -> list[K]:
    """Hidden cells a reader can pin to one value from what is published, in table order.

    The reader knows every published figure, every :class:`Total`, that counts are whole
    numbers, and what the marks mean: "<5" is 1 to 4 and "*" is 5 or more (by the rules a
    hidden figure is never 0, and a small one always shows "<5"). Three tests, each sound
    (a cell they name really can be worked out), from cheap to thorough:

    1. Elimination: Gauss-Jordan over the rationals, exact; a hidden cell is determined
       when a reduced row names it alone. This catches what combining overlapping totals
       gives away (a+b, b+c and a+c published give a, b and c), which a look at one
       total at a time misses.
    2. Ranges, one equation at a time: the marks' ranges narrowed through each constraint
       and each reduced row, rounded to whole numbers. Hidden "<5" and "*" under a
       published 6 must be 1 and 5.
    3. Ranges, all equations at once: the least and most each cell can be (a linear
       programme), when 1 and 2 find nothing.

    Still not a complete search - a whole-number puzzle can be subtler than its linear
    relaxation - which is why the tests brute-force thousands of small random tables
    against it. The tables here are a few periods and organisations.
    """
    checked = _validate(cells, totals)
    hidden = suppressed
    if any(hidden[k] and count == 0 for k, count in cells.items()):
        raise ValueError("a zero is hidden: zeros are shown, and a hidden figure means 1 or more")
    unknowns, rows = _system(cells, checked, hidden)
    if not unknowns:
        return []
    reduced = _rref(rows, len(unknowns))
    pinned = set()
    for row in reduced:
        nonzero = [j for j, c in enumerate(row[:-1]) if c != 0]
        if len(nonzero) == 1:
            pinned.add(nonzero[0])
    lo: list[Fraction] = []
    hi: list[Fraction | None] = []
    for key in unknowns:
        small = is_small(cells[key])
        lo.append(Fraction(1 if small else SUPPRESSION_THRESHOLD))
        hi.append(Fraction(SUPPRESSION_THRESHOLD - 1) if small else None)
    _tighten(rows + reduced, lo, hi)
    pinned.update(j for j in range(len(unknowns)) if lo[j] == hi[j])
    if not pinned:
        pinned.update(_lp_pinned(rows, lo, hi))
    return [unknowns[j] for j in sorted(pinned)]


def _lp_pinned(
    rows: list[list[Fraction]], lo: list[Fraction], hi: list[Fraction | None]
) -> list[int]:
    """Cells whose smallest and largest value under all the equations at once is one number.

    Interval tightening takes one equation at a time; a reader can combine them (row 1 plus
    column 2 minus the grand total ...). The least and most each hidden cell can be, subject
    to every equation and range together, is a linear programme; rounded inwards to whole
    numbers, a range of one value means the cell is given away. Solved in floating point
    (HiGHS, through scipy) with a margin of 1e-7 before rounding: the tables are small whole
    numbers, so the true optimum is a simple fraction far from that margin.
    """
    from scipy.optimize import linprog

    n = len(lo)
    a_eq = [[float(c) for c in row[:-1]] for row in rows]
    b_eq = [float(row[-1]) for row in rows]
    bounds = [(float(lo[j]), None if hi[j] is None else float(hi[j])) for j in range(n)]
    pinned = []
    for j in range(n):
        ends = []
        for sign in (1.0, -1.0):
            objective = [0.0] * n
            objective[j] = sign
            result = linprog(objective, A_eq=a_eq or None, b_eq=b_eq or None, bounds=bounds)
            ends.append(None if result.status != 0 else sign * result.fun)
        low, high = ends
        if (
            low is not None
            and high is not None
            and math.ceil(low - 1e-7) == math.floor(high + 1e-7)
        ):
            pinned.append(j)
    return pinned


# -- choosing what to hide ---------------------------------------------------------------


def _candidate(cells: Mapping[K, int], total: Total[K], hidden: Mapping[K, bool]) -> K | None:
    """The figure to hide next in ``total``: its smallest shown non-zero part, else the total.

    Smallest, because hiding it loses the least information (and a small part is the
    likeliest to be near the threshold anyway); ties go to the first part, so the result
    is the same every run. Parts before the total, because the total is usually the
    figure a board most wants to see. Never a zero: zeros are always shown, so a reader
    knows a hidden figure is not 0 (and that "*" is 5 or more); a hidden zero would make
    the marks lie, and would still leave "small count + 0 = the rest of the total".
    """
    parts = [p for p in total.parts if not hidden[p] and cells[p] > 0]
    if parts:
        return min(parts, key=lambda p: cells[p])
    if not hidden[total.key] and cells[total.key] > 0:
        return total.key
    return None


def _next_to_hide(
    cells: Mapping[K, int], totals: list[Total[K]], hidden: Mapping[K, bool]
) -> K | None:
    # 1. A constraint with exactly one hidden member gives it away by subtraction.
    for total in totals:
        if sum(hidden[m] for m in total.members) == 1:
            choice = _candidate(cells, total, hidden)
            if choice is not None:
                return choice
    # 2. The stronger checks: combinations of constraints, and the ranges the marks tell.
    pinned = recoverable_cells(cells, totals, hidden)
    if not pinned:
        return None
    # Hide the smallest candidate in a constraint the cell is in; if those are all hidden
    # or zero already, in the constraints next to those (sharing a hidden cell), and so on.
    order = {k: i for i, k in enumerate(cells)}
    ring = [i for i, t in enumerate(totals) if pinned[0] in t.members]
    visited = set(ring)
    while ring:
        choices = [c for i in ring if (c := _candidate(cells, totals[i], hidden)) is not None]
        if choices:
            return min(choices, key=lambda c: (cells[c], order[c]))
        reach = {m for i in ring for m in totals[i].members if hidden[m]}
        ring = [
            i
            for i, t in enumerate(totals)
            if i not in visited and any(m in reach for m in t.members)
        ]
        visited.update(ring)
    raise CannotProtect(
        f"{pinned[0]!r} can be worked out even with every other non-zero figure hidden"
        " (four '<5' parts under a '<5' total, say, must each be 1): publish the table"
        " without its totals, or merge categories so the counts are larger"
    )


def suppress(cells: Mapping[K, int], totals: Iterable[Total[K]] = ()) -> dict[K, bool]:
    """Which cells to hide (True) in a published table from a sensitive data set.

    1. Primary: every count from 1 to 4.
    2. Secondary, one cell at a time until nothing is left to fix: where a constraint
       has exactly one hidden member, hide its smallest shown non-zero part (ties: the
       first), or if it has none, the total; then, where combining constraints or the
       ranges the marks reveal still pin a hidden cell (see :func:`recoverable_cells`), hide
       the smallest candidate (same rule) among the constraints that cell is in, or if
       they have none, among their neighbours sharing a hidden cell, and so on outwards.

    Raises ValueError on a table that doesn't add up (a total unequal to its parts):
    the checks assume the published figures are consistent. Raises
    :class:`CannotProtect` when even hiding every non-zero figure leaves a count that
    can be worked out - 1, 1, 1, 1 and their total 4 all show "<5", and four counts of
    at least 1 that add up to at most 4 can only be 1 each.
    """
    checked = _validate(cells, totals)
    hidden = {key: is_small(count) for key, count in cells.items()}
    while (extra := _next_to_hide(cells, checked, hidden)) is not None:
        hidden[extra] = True
    return hidden


def verify_no_recovery(
    cells: Mapping[K, int], totals: Iterable[Total[K]], suppressed: Mapping[K, bool]
) -> list[str]:
    """The problems with a suppression pattern, in words; an empty list means none found.

    Checks that every count from 1 to 4 is hidden and no zero is (a hidden zero would show
    "*", which a reader takes for 5 or more); that no constraint has exactly one hidden
    member; and that no hidden figure can be worked out by combining constraints or from
    the ranges the marks reveal. Use it on a pattern from anywhere, not only :func:`suppress`.
    """
    checked = _validate(cells, totals)
    problems = []
    for key, count in cells.items():
        if is_small(count) and not suppressed[key]:
            problems.append(f"{key!r} is {count}, under {SUPPRESSION_THRESHOLD}, and is shown")
        if count == 0 and suppressed[key]:
            problems.append(f"{key!r} is 0 and hidden: zeros are shown, and * means 5 or more")
    if problems:
        return problems  # the ranges below assume the marks mean what they say
    named = set()
    for total in checked:
        hidden_members = [m for m in total.members if suppressed[m]]
        if len(hidden_members) == 1:
            (key,) = hidden_members
            named.add(key)
            problems.append(
                f"{key!r} is hidden but is the only hidden figure in {total.key!r} ="
                f" {' + '.join(repr(p) for p in total.parts)}, so it can be worked out"
            )
    for key in recoverable_cells(cells, checked, suppressed):
        if key not in named:
            problems.append(
                f"{key!r} is hidden but can be worked out by combining the published figures"
            )
    return problems


def derived_suppressed(sources: Iterable[K], suppressed: Mapping[K, bool]) -> bool:
    """Whether a figure made from ``sources`` (a percentage, a change) must be hidden too.

    True if any source is hidden: 3 of 31 is 9.7%, and 9.7% of a published 31 gives the 3
    back. A source missing from ``suppressed`` is a KeyError, never a quiet "shown".
    """
    return any(suppressed[key] for key in sources)


def display(value: int, suppressed: bool) -> str:
    """The text for a count in a published table: "1,234", "0", "<5" or "*".

    Hidden 1 to 4 shows :data:`PRIMARY_MARK`; a hidden figure of 5 or more (hidden only so
    a small one can't be worked out) shows :data:`SECONDARY_MARK`, explained by
    :data:`SECONDARY_FOOTNOTE`.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{value!r} is not a count (a whole number, 0 or more)")
    if not suppressed:
        return f"{value:,}"
    if value == 0:
        raise ValueError("a zero is never hidden: it identifies nobody, and * would mean 5+")
    return PRIMARY_MARK if is_small(value) else SECONDARY_MARK
