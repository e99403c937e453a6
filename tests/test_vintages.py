"""Series figures against an independent computation from the raw CSV files."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import BOROUGH_FILES, independent_series, naive_read

import cspkit


def test_done_when_figures(loaded_warehouse) -> None:
    """The issue's acceptance figures: 488 at vintage 2024-01, 463 at the latest vintage."""
    then = cspkit.series(
        "Barnet",
        "residential_burglary",
        "2023-10",
        "2023-12",
        vintage="2024-01",
        warehouse=loaded_warehouse,
        taxonomy_files=[],
    )
    now = cspkit.series(
        "Barnet",
        "residential_burglary",
        "2023-10",
        "2023-12",
        warehouse=loaded_warehouse,
        taxonomy_files=[],
    )
    assert then.total == 488 and now.total == 463
    assert {v.vintage for v in then.values} == {date(2024, 1, 1)}
    assert {v.vintage for v in now.values} == {date(2025, 2, 1)}


CASES = [
    ("Barnet", "residential_burglary", "2021-01", "2025-02", None),
    ("Barnet", "residential_burglary", "2021-01", "2024-01", "2024-01"),
    ("Brent", "personal_robbery", "2010-04", "2025-02", None),
    ("Harrow", "violence_with_injury", "2019-01", "2023-12", "2024-06"),
    ("Westminster", "possession_of_weapons", "2015-01", "2025-02", None),
    ("Westminster", "possession_of_weapons", "2015-01", "2022-12", "2024-01"),
    ("Kingston upon Thames", "residential_burglary", "2024-01", "2024-06", None),
]


@pytest.mark.parametrize("area,offence,start,end,vintage", CASES)
def test_series_matches_independent_computation(
    loaded_warehouse, area, offence, start, end, vintage
):
    s = cspkit.series(
        area, offence, start, end, vintage=vintage, warehouse=loaded_warehouse, taxonomy_files=[]
    )
    as_of = date(int(vintage[:4]), int(vintage[5:]), 1) if vintage else None
    first = date(int(start[:4]), int(start[5:]), 1)
    last = date(int(end[:4]), int(end[5:]), 1)
    expected = independent_series(area, offence, first, last, as_of)
    assert {v.month: v.count for v in s.values} == expected


def test_vintage_before_any_file_covers_the_month(loaded_warehouse) -> None:
    s = cspkit.series(
        "Barnet",
        "residential_burglary",
        "2023-12",
        "2024-03",
        vintage="2024-01",
        warehouse=loaded_warehouse,
        taxonomy_files=[],
    )
    assert [v.count is None for v in s.values] == [False, False, True, True]
    assert not s.complete and s.total is None
    assert s.missing[0].reason == "no loaded file covers this month at vintage 2024-01"


def test_historical_files_belong_to_the_release_they_complete(loaded_warehouse) -> None:
    """Issue 3's figure: at vintage 2024-01 the 12 months before 2023 are 1,907.

    January 2022 comes from the historical file published with the 2024-01 release
    (172), not from the later historical file that ends 2023-02 (165): that one was
    published with the 2025-02 release.
    """
    kw = dict(warehouse=loaded_warehouse, taxonomy_files=[])
    then = cspkit.series(
        "Barnet", "residential_burglary", "2022-01", "2022-12", vintage="2024-01", **kw
    )
    assert then.total == 1907 and then.values[0].count == 172
    assert then.values[0].vintage == date(2024, 1, 1)
    now = cspkit.series("Barnet", "residential_burglary", "2022-01", "2022-12", **kw)
    assert now.values[0].count == 165 and now.values[0].vintage == date(2025, 2, 1)


def test_group_is_the_sum_of_its_offences(loaded_warehouse) -> None:
    kw = dict(warehouse=loaded_warehouse, taxonomy_files=[])
    burglary = cspkit.series("Barnet", "burglary", "2023-01", "2023-12", **kw)
    res = cspkit.series("Barnet", "residential_burglary", "2023-01", "2023-12", **kw)
    non = cspkit.series("Barnet", "non_residential_burglary", "2023-01", "2023-12", **kw)
    assert burglary.total == res.total + non.total


def test_total_matches_every_row_of_the_file(loaded_warehouse) -> None:
    """'total' is every canonical offence: nothing in the latest file is left out."""
    path = next(p for p in BOROUGH_FILES if p.parent.name == "vintage-2025-02")
    months, rows = naive_read(path)
    expected = sum(r["counts"][months[-1]] for r in rows if r["area"] == "Camden")
    s = cspkit.series(
        "Camden", "total", "2025-02", "2025-02", warehouse=loaded_warehouse, taxonomy_files=[]
    )
    assert s.total == expected


def test_area_name_variants(loaded_warehouse) -> None:
    kw = dict(warehouse=loaded_warehouse, taxonomy_files=[])
    base = cspkit.series("Hammersmith and Fulham", "burglary", "2023-01", "2023-03", **kw).total
    for name in (
        "hammersmith & fulham",
        "HAMMERSMITH AND FULHAM",
        "E09000013",
        " Hammersmith  &  Fulham ",
    ):
        assert cspkit.series(name, "burglary", "2023-01", "2023-03", **kw).total == base
