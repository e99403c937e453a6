"""The offence taxonomy: complete for the shared files, user mappings, unmapped never dropped."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import BOROUGH_FILES, file_digest, naive_read

import cspkit
from cspkit.errors import TaxonomyError, UnknownOffence
from cspkit.taxonomy import load_taxonomy

HEADER = "MajorText,MinorText,BoroughName,202402,202403,202404\n"


def test_every_shared_source_category_maps_to_exactly_one_offence() -> None:
    taxonomy = load_taxonomy([])
    for path in BOROUGH_FILES:
        months, rows = naive_read(path)
        for row in rows:
            for month in (months[0], months[-1]):
                offence = taxonomy.resolve("mps_borough", row["major"], row["minor"], month)
                assert offence in taxonomy.offences, (path.parent.name, row["major"], row["minor"])


def test_known_mappings_across_layouts() -> None:
    t = load_taxonomy([])
    m = date(2023, 1, 1)
    assert t.resolve("mps_borough", "Burglary", "Domestic Burglary", m) == "residential_burglary"
    assert (
        t.resolve("mps_borough", "BURGLARY", "BURGLARY IN A DWELLING", m) == "residential_burglary"
    )
    assert (
        t.resolve("mps_borough", "BURGLARY", "BURGLARY - RESIDENTIAL", m) == "residential_burglary"
    )
    assert t.resolve("mps_borough", "Vehicle Offences", "Theft from a Motor Vehicle", m) == (
        "theft_from_motor_vehicle"
    )
    assert t.resolve("mps_borough", "VEHICLE OFFENCES", "THEFT FROM A VEHICLE", m) == (
        "theft_from_motor_vehicle"
    )
    assert t.resolve("mps_borough", "Drug Offences", "Drug Trafficking", m) == "drug_trafficking"
    assert (
        t.resolve("mps_borough", "DRUG OFFENCES", "TRAFFICKING OF DRUGS", m) == "drug_trafficking"
    )
    assert t.resolve("mps_borough", "Possession of Weapons", "Other Knife Offences", m) == (
        "possession_of_weapons"
    )
    assert t.resolve("mps_borough", "Arson & Criminal Damage", "ARSON", m) == "arson"


def test_groups() -> None:
    t = load_taxonomy([])
    assert set(t.expand("burglary")) == {"residential_burglary", "non_residential_burglary"}
    assert set(t.expand("robbery")) == {"personal_robbery", "business_robbery"}
    assert set(t.expand("sexual_offences")) == {"rape", "other_sexual_offences"}
    assert "arson" not in t.expand("mopac7") and "criminal_damage" in t.expand("mopac7")
    assert set(t.expand("total")) == set(t.offences)
    assert t.expand("homicide") == ("homicide",)
    with pytest.raises(UnknownOffence, match="Did you mean residential_burglary"):
        t.expand("residental_burglary")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_user_mapping_limited_to_months_overrides_builtin(tmp_path) -> None:
    user = _write(
        tmp_path / "mine.csv",
        "source,major,minor,offence,from,to,note\n"
        "mps_borough,BURGLARY,BURGLARY NON-DWELLING,residential_burglary,2024-03,,"
        "our reading of the 2024 change\n",
    )
    t = load_taxonomy([user])
    key = ("mps_borough", "BURGLARY", "BURGLARY NON-DWELLING")
    assert t.resolve(*key, date(2024, 2, 1)) == "non_residential_burglary"  # built-in
    assert t.resolve(*key, date(2024, 3, 1)) == "residential_burglary"  # user, from 2024-03


def test_overlapping_user_mappings_are_refused(tmp_path) -> None:
    user = _write(
        tmp_path / "mine.csv",
        "major,minor,offence,from,to\n"
        "Theft,Other Theft,other_theft,,2023-12\n"
        "Theft,OTHER THEFT,shoplifting,2023-06,\n",
    )
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy([user])
    assert str(info.value) == (
        "'Theft / OTHER THEFT' is mapped twice for months from 2023-06 to the end: to "
        f"'other_theft' ({user}:2) and to 'shoplifting' ({user}:3); limit one with from/to months"
    )


def test_user_mapping_to_unknown_offence_names_file_and_line(tmp_path) -> None:
    user = _write(tmp_path / "mine.csv", "major,minor,offence\nTheft,Other Theft,shoplifitng\n")
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy([user])
    assert str(info.value).startswith(
        f"{user}, line 2: unknown offence 'shoplifitng' (did you mean 'shoplifting'?)"
    )


def test_unmapped_category_is_kept_reported_and_can_be_mapped_later(tmp_path) -> None:
    data = _write(
        tmp_path / "new-release.csv",
        HEADER
        + "BURGLARY,BURGLARY - RESIDENTIAL,Barnet,10,20,30\n"
        + "CYBER CRIME,COMPUTER MISUSE,Barnet,0,4,5\n"
        + "CYBER CRIME,COMPUTER MISUSE,Brent,1,0,2\n",
    )
    wh = tmp_path / "wh.duckdb"
    report = cspkit.ingest([data], warehouse=wh, taxonomy_files=[])
    [item] = report.unmapped
    assert (item.major, item.minor, item.path) == ("CYBER CRIME", "COMPUTER MISUSE", str(data))
    assert (item.first_month, item.last_month, item.total) == (
        date(2024, 2, 1),
        date(2024, 4, 1),
        12,  # 0+4+5 + 1+0+2
    )
    assert cspkit.unmapped(warehouse=wh) == [item]
    total = cspkit.series("Barnet", "total", "2024-02", "2024-04", warehouse=wh, taxonomy_files=[])
    assert total.total == 60  # the unmapped 9 are not in any offence, but they are kept

    mine = _write(
        tmp_path / "mine.csv",
        "major,minor,offence\nCyber Crime,Computer Misuse,misc_crimes_against_society\n",
    )
    changed, still, used = cspkit.remap(warehouse=wh, taxonomy_files=[mine])
    assert changed == 6 and still == [] and used == (str(mine),)
    misc = cspkit.series(
        "Barnet",
        "misc_crimes_against_society",
        "2024-02",
        "2024-04",
        warehouse=wh,
        taxonomy_files=[mine],
    )
    assert [v.count for v in misc.values] == [0, 4, 5]


def test_reingesting_the_same_file_changes_nothing(tmp_path) -> None:
    wh = tmp_path / "wh.duckdb"
    path = BOROUGH_FILES[-1]
    cspkit.ingest([path], warehouse=wh, taxonomy_files=[])
    before = file_digest(wh)
    copy = tmp_path / "copy.csv"
    copy.write_bytes(path.read_bytes())
    report = cspkit.ingest([path, copy], warehouse=wh, taxonomy_files=[])
    assert [f.status for f in report.files] == ["already loaded", "already loaded"]
    assert file_digest(wh) == before
