"""Readers on the real shared files and on byte-level variants of them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest
from conftest import BOROUGH, BOROUGH_FILES, POPULATION, naive_read, naive_vintage

from cspkit.sources import read_file
from cspkit.sources.datasets import CensusTable, MonthlyCrimeCounts, PopulationSeries

EXPECTED = {
    # folder: (layout, release, first month, last month, rows) - from PROVENANCE.md and wc -l
    "vintage-2022-01": (
        "MPS borough layout A",
        "historical",
        date(2010, 4, 1),
        date(2022, 1, 1),
        1730,
    ),
    "vintage-2023-02": (
        "MPS borough layout B",
        "historical",
        date(2010, 4, 1),
        date(2023, 2, 1),
        931,
    ),
    "vintage-2024-01": (
        "MPS borough layout A",
        "most recent 24 months",
        date(2022, 2, 1),
        date(2024, 1, 1),
        1574,
    ),
    "vintage-2025-02": (
        "MPS borough layout B",
        "most recent 24 months",
        date(2023, 3, 1),
        date(2025, 2, 1),
        1013,
    ),
}


@pytest.mark.parametrize("path", BOROUGH_FILES, ids=lambda p: p.parent.name)
def test_each_shared_borough_file_is_read_by_content(path: Path) -> None:
    data = read_file(path)
    layout, release, first, last, rows = EXPECTED[path.parent.name]
    assert isinstance(data, MonthlyCrimeCounts)
    assert data.provenance.layout == layout
    assert data.release == release
    assert (data.months[0], data.months[-1]) == (first, last)
    assert data.vintage == naive_vintage(path)
    assert len(data.majors) == rows
    # every cell equals the naive reader's value
    months, naive = naive_read(path)
    assert data.months == months
    expected = np.array([[r["counts"][m] for m in months] for r in naive])
    assert np.array_equal(data.counts, expected)
    assert data.area_names == [r["area"] for r in naive]


def test_file_name_does_not_decide_the_layout(tmp_path: Path) -> None:
    """A 24-month layout B file saved under the historical name is still 24-month layout B."""
    source = BOROUGH / "vintage-2025-02" / "MPS Borough Level Crime (most recent 24 months).csv"
    renamed = tmp_path / "MPS Borough Level Crime (Historical).csv"
    renamed.write_bytes(source.read_bytes())
    data = read_file(renamed)
    assert data.provenance.layout == "MPS borough layout B"
    assert data.release == "most recent 24 months"


def _variant(tmp_path: Path, name: str, text: str, *, bom: bool, crlf: bool) -> Path:
    body = text.replace("\n", "\r\n") if crlf else text
    data = body.encode("utf-8")
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


SMALL = (
    "MajorText,MinorText,LookUp_BoroughName,202310,202311,202312\n"
    "Burglary,Domestic Burglary,Barnet,150,173,165\n"
    "Burglary,Domestic Burglary,Brent,1234,,7\n"
)
SMALL_THOUSANDS = (
    "MajorText,MinorText,LookUp_BoroughName,202310,202311,202312\n"
    "Burglary,Domestic Burglary,Barnet,150,173,165\n"
    'Burglary,Domestic Burglary,Brent,"1,234",,7\n'
)


@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("crlf", [False, True])
@pytest.mark.parametrize("text", [SMALL, SMALL_THOUSANDS], ids=["plain", "thousands"])
def test_bom_crlf_blank_cells_and_thousands_give_the_same_rows(tmp_path, bom, crlf, text) -> None:
    data = read_file(_variant(tmp_path, "f.csv", text, bom=bom, crlf=crlf))
    assert data.counts.tolist() == [[150, 173, 165], [1234, 0, 7]]
    assert data.blank_cells == 1
    assert data.area_names == ["Barnet", "Brent"]
    assert data.months == [date(2023, 10, 1), date(2023, 11, 1), date(2023, 12, 1)]


def test_population_series_values() -> None:
    data = read_file(POPULATION / "borough_population_2011-2022.csv")
    assert isinstance(data, PopulationSeries)
    assert data.series == "borough_population"
    values = dict(zip(zip(data.names, data.years, strict=True), data.values, strict=True))
    assert values[("Barnet", 2021)] == 411275  # PROVENANCE.md
    assert values[("City of London", 2011)] == 7412  # first data row of the file
    assert len(set(data.codes)) == 33


def test_census_tables() -> None:
    age = read_file(POPULATION / "census2021" / "census2021-ts007a-ltla.csv")
    assert isinstance(age, CensusTable) and age.table == "TS007A"
    barnet = {
        c: n
        for g, c, n in zip(age.geography_codes, age.categories, age.counts, strict=True)
        if g == "E09000003"
    }
    assert barnet["Total"] == 389343  # PROVENANCE.md
    # ONS perturbs census cells to protect confidentiality, so bands need not add exactly
    assert abs(sum(n for c, n in barnet.items() if c != "Total") - 389343) <= 5
    eth = read_file(POPULATION / "census2021" / "TS021-2021-2.csv")
    assert eth.table == "TS021"
    barnet_eth = [
        n for g, n in zip(eth.geography_codes, eth.counts, strict=True) if g == "E09000003"
    ]
    assert abs(sum(barnet_eth) - 389343) <= 5  # the 20 groups add up, within perturbation


def test_ward_population_after_title_rows() -> None:
    data = read_file(POPULATION / "ward-mid-2020" / "Mid-2020 Persons-Table 1.csv")
    assert data.series == "ons_ward_mid_2020_persons"
    first = (data.codes[0], data.names[0], data.values[0])
    assert first == ("E05000026", "Abbey", 16149)  # line 6 of the file: "16,149"
    assert all(code[0] in "EW" for code in data.codes)  # the notes below the table are not rows
