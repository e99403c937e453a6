"""Shared fixtures: the real data files in ../shared/data and warehouses built from them."""

from __future__ import annotations

import csv
import functools
import hashlib
import os
from datetime import date
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("CSPKIT_SHARED_DATA", REPO.parent / "shared" / "data")).resolve()
BOROUGH = SHARED_DATA / "mps" / "borough"
BOROUGH_FILES = sorted(BOROUGH.glob("vintage-*/*.csv"))
POPULATION = SHARED_DATA / "population"

if not BOROUGH_FILES:  # pragma: no cover - a setup problem, not a test failure to hide
    raise RuntimeError(f"the shared data is missing: no borough files under {BOROUGH}")


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Never touch the developer's own warehouse or mapping files."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.delenv("CSPKIT_WAREHOUSE", raising=False)
    monkeypatch.delenv("CSPKIT_TAXONOMY", raising=False)


@pytest.fixture(scope="session")
def loaded_warehouse(tmp_path_factory) -> Path:
    """A warehouse with every shared borough file and the population tables (read-only use)."""
    import cspkit

    path = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    cspkit.ingest([BOROUGH, POPULATION], warehouse=path, taxonomy_files=[])
    return path


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@functools.cache
def naive_read(path: Path) -> tuple[list[date], list[dict]]:
    """A deliberately simple second reader, for checking figures independently.

    Returns the months and a list of rows {major, minor, area, counts: {month: n}}.
    """
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    months = [date(int(h[:4]), int(h[4:]), 1) for h in header[3:]]
    out = []
    for row in rows[1:]:
        if not row:
            continue
        counts = {m: int(v.replace(",", "") or 0) for m, v in zip(months, row[3:], strict=True)}
        out.append({"major": row[0], "minor": row[1], "area": row[2], "counts": counts})
    return months, out


def naive_vintage(path: Path) -> date:
    """The release a file belongs to, stated independently of the package.

    A 24-month file is its own release; a historical file ends 24 months before the
    release it is published with.
    """
    months = naive_read(path)[0]
    last = months[-1]
    if len(months) == 24:
        return last
    index = last.year * 12 + last.month - 1 + 24
    return date(index // 12, index % 12 + 1, 1)


# The source names of the borough-file offences the tests check, written out here
# independently of the package's mappings.csv (compared case-insensitively).
SOURCE_NAMES = {
    "residential_burglary": {
        ("burglary", "domestic burglary"),
        ("burglary", "burglary in a dwelling"),
        ("burglary", "burglary - residential"),
    },
    "non_residential_burglary": {
        ("burglary", "burglary business and community"),
        ("burglary", "burglary non-dwelling"),
    },
    "personal_robbery": {("robbery", "robbery of personal property")},
    "violence_with_injury": {("violence against the person", "violence with injury")},
    "possession_of_weapons": {
        ("possession of weapons", m)
        for m in (
            "possession of weapons",
            "possession of article with blade or point",
            "other knife offences",
            "possession of firearm with intent",
            "possession of firearms offences",
            "other firearm offences",
            "possession of other weapon",
        )
    },
}


def month_list(first: date, last: date) -> list[date]:
    out = [first]
    while out[-1] < last:
        y, m = out[-1].year, out[-1].month
        out.append(date(y + (m == 12), m % 12 + 1, 1))
    return out


def independent_series(
    area: str, offence: str, first: date, last: date, as_of: date | None
) -> dict[date, int | None]:
    """For each month, the file of the newest release not after as_of that covers it; sum."""
    files = [(naive_read(p), naive_vintage(p)) for p in BOROUGH_FILES]
    files = [(data, v) for data, v in files if as_of is None or v <= as_of]
    result: dict[date, int | None] = {}
    for month in month_list(first, last):
        covering = [(v, rows) for (months, rows), v in files if month in months]
        if not covering:
            result[month] = None
            continue
        _, rows = max(covering, key=lambda c: c[0])
        result[month] = sum(
            r["counts"][month]
            for r in rows
            if r["area"] == area
            and (r["major"].lower(), r["minor"].lower()) in SOURCE_NAMES[offence]
        )
    return result


@functools.cache
def naive_population() -> dict[tuple[str, int], int]:
    """(borough name, year) -> population from the shared series, read with csv."""
    out = {}
    for path in sorted(POPULATION.glob("borough_population_*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for rec in csv.DictReader(handle):
                for column, value in rec.items():
                    if column.endswith("_Population"):
                        out[(rec["Area name"], int(column[:4]))] = int(value)
    return out
