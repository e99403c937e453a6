"""Bad files get a message naming file, line, column and what was expected - and load nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import file_digest

import cspkit
from cspkit.errors import SourceFormatError, UnknownArea, UnknownLayout

HEADER = "MajorText,MinorText,LookUp_BoroughName,202310,202311,202312\n"
GOOD = HEADER + "Burglary,Domestic Burglary,Barnet,150,173,165\n"


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """A warehouse already holding one small good file."""
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    path = tmp_path / "wh.duckdb"
    cspkit.ingest([good], warehouse=path, taxonomy_files=[])
    return path


def _bad(tmp_path: Path, content: bytes | str, name: str = "bad.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def _refused(tmp_path: Path, warehouse: Path, bad: Path, error=SourceFormatError):
    """Ingest a new good file together with the bad one; nothing may change."""
    other_good = _bad(
        tmp_path, HEADER + "Burglary,Domestic Burglary,Brent,1,2,3\n", "other-good.csv"
    )
    before = file_digest(warehouse)
    with pytest.raises(error) as info:
        cspkit.ingest([other_good, bad], warehouse=warehouse, taxonomy_files=[])
    assert file_digest(warehouse) == before, "a failed load changed the warehouse"
    assert sorted(p.name for p in warehouse.parent.iterdir() if "loading" in p.name) == []
    assert len(cspkit.vintages(warehouse=warehouse)) == 1  # still only the first good file
    return info.value


def test_truncated_row(tmp_path, warehouse) -> None:
    bad = _bad(tmp_path, GOOD + "Robbery,Robbery of Personal Property,Barnet,40\n")
    exc = _refused(tmp_path, warehouse, bad)
    assert (exc.path, exc.line) == (str(bad), 3)
    assert str(exc) == (
        f"{bad}, line 3, column 5: expected 6 fields (3 names and 3 months), found 4; "
        "the row may be truncated or have a stray comma"
    )


def test_text_in_a_count_cell(tmp_path, warehouse) -> None:
    bad = _bad(tmp_path, HEADER + "Burglary,Domestic Burglary,Barnet,150,n/a,165\n")
    exc = _refused(tmp_path, warehouse, bad)
    assert str(exc) == (
        f"{bad}, line 2, column 5: month 202311: expected a count of offences "
        "(a whole number such as 12 or 1,234), found 'n/a'"
    )


@pytest.mark.parametrize("cell", ["-3", "1.5", "12,34", "1 234"])
def test_numbers_that_are_not_counts(tmp_path, warehouse, cell) -> None:
    bad = _bad(tmp_path, HEADER + f'Burglary,Domestic Burglary,Barnet,"{cell}",1,2\n')
    exc = _refused(tmp_path, warehouse, bad)
    assert (exc.line, exc.column) == (2, 4)
    assert f"found '{cell}'" in str(exc)


def test_duplicated_rows(tmp_path, warehouse) -> None:
    bad = _bad(
        tmp_path,
        GOOD
        + "Robbery,Robbery of Personal Property,Barnet,1,2,3\n"
        + "BURGLARY,DOMESTIC BURGLARY,Barnet,150,173,165\n",
    )
    exc = _refused(tmp_path, warehouse, bad)
    assert str(exc) == (
        f"{bad}, line 4: duplicate row: 'BURGLARY / DOMESTIC BURGLARY' for 'Barnet' already "
        "appeared on line 2; each category and area must appear once"
    )


def test_wrong_header_names_the_header_and_the_known_layouts(tmp_path, warehouse) -> None:
    bad = _bad(tmp_path, "Major,Minor,Borough,202310\nBurglary,Domestic Burglary,Barnet,1\n")
    exc = _refused(tmp_path, warehouse, bad, UnknownLayout)
    message = str(exc)
    assert message.startswith(
        f"{bad}, line 1: unknown layout. The header is:\n  Major,Minor,Borough,202310\n"
    )
    assert "MPS borough layout A: MajorText,MinorText,LookUp_BoroughName,YYYYMM,..." in message
    assert "MPS borough layout B: MajorText,MinorText,BoroughName,YYYYMM,..." in message


def test_bad_month_in_header(tmp_path, warehouse) -> None:
    bad = _bad(tmp_path, "MajorText,MinorText,BoroughName,202310,Nov-23\nA,B,Barnet,1,2\n")
    exc = _refused(tmp_path, warehouse, bad)
    assert (
        str(exc)
        == f"{bad}, line 1, column 5: expected a month as YYYYMM in the header, found 'Nov-23'"
    )


def test_months_with_a_gap(tmp_path, warehouse) -> None:
    bad = _bad(tmp_path, "MajorText,MinorText,BoroughName,202310,202312\nA,B,Barnet,1,2\n")
    exc = _refused(tmp_path, warehouse, bad)
    assert "month columns must be consecutive: '202312' follows 2023-10" in str(exc)


def test_empty_file(tmp_path, warehouse) -> None:
    bad = _bad(tmp_path, b"")
    exc = _refused(tmp_path, warehouse, bad)
    assert str(exc) == (
        f"{bad}: the file is empty; expected a CSV file with a header line and data rows"
    )


def test_header_but_no_rows(tmp_path, warehouse) -> None:
    bad = _bad(tmp_path, HEADER + "\r\n\r\n")
    exc = _refused(tmp_path, warehouse, bad)
    assert str(exc) == f"{bad}, line 1: the file has a header but no data rows"


def test_wrong_encoding_windows_1252(tmp_path, warehouse) -> None:
    text = GOOD + "Theft,Other Theft,Barnet,1,2,3\n"
    content = text.replace("Other Theft", "Other Théft").encode("cp1252")
    bad = _bad(tmp_path, content)
    exc = _refused(tmp_path, warehouse, bad)
    assert exc.line == 3
    # "Theft,Other Th" is 14 characters: the é is the 15th
    assert "byte 0xE9 (character 15 of the line) is not valid UTF-8; expected UTF-8" in str(exc)
    assert "Save it again as 'CSV UTF-8 (Comma delimited)'" in str(exc)


def test_wrong_encoding_utf16(tmp_path, warehouse) -> None:
    bad = _bad(tmp_path, GOOD.encode("utf-16"))
    exc = _refused(tmp_path, warehouse, bad)
    assert "the file is UTF-16 text" in str(exc) and "expected UTF-8" in str(exc)


def test_unknown_area_name_is_named(tmp_path, warehouse) -> None:
    bad = _bad(tmp_path, GOOD + "Burglary,Domestic Burglary,Barnett Vale,1,2,3\n")
    exc = _refused(tmp_path, warehouse, bad, UnknownArea)
    assert str(exc).startswith(
        f"{bad}, line 3: area 'Barnett Vale' matches no known area (GSS code, name or known "
        "variant). Did you mean Barnet?"
    )


def test_blank_category(tmp_path, warehouse) -> None:
    bad = _bad(tmp_path, HEADER + "Burglary,,Barnet,1,2,3\n")
    exc = _refused(tmp_path, warehouse, bad)
    assert str(exc) == (
        f"{bad}, line 2, column 2: MinorText is blank; every row needs a category and an area"
    )


def test_failure_while_writing_leaves_the_warehouse_as_it_was(tmp_path, warehouse) -> None:
    new = _bad(tmp_path, HEADER + "Burglary,Domestic Burglary,Brent,1,2,3\n", "new.csv")
    before = file_digest(warehouse)

    def fail() -> None:
        raise OSError("disk full (simulated)")

    with pytest.raises(OSError, match="disk full"):
        cspkit.ingest([new], warehouse=warehouse, taxonomy_files=[], before_commit=fail)
    assert file_digest(warehouse) == before
    assert [p.name for p in tmp_path.iterdir() if "loading" in p.name] == []


def test_missing_path(tmp_path) -> None:
    with pytest.raises(cspkit.api.CspkitError, match="nope.csv: no such file or folder"):
        cspkit.ingest([tmp_path / "nope.csv"], warehouse=tmp_path / "w.duckdb", taxonomy_files=[])
    assert not (tmp_path / "w.duckdb").exists()
