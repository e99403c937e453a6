"""Shared fixtures: the real data files in ../shared/data and warehouses built from them."""

from __future__ import annotations

import csv
import hashlib
import os
from datetime import date
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("CSPKIT_SHARED_DATA", REPO.parent / "shared" / "data"))
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
