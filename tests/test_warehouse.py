"""The warehouse file: where it lives, and that loads never block or corrupt readers."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import duckdb
from conftest import BOROUGH_FILES, file_digest

import cspkit
from cspkit.warehouse import Warehouse, resolve_warehouse_path


def test_path_from_flag_then_env_then_user_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_warehouse_path() == tmp_path / "xdg" / "cspkit" / "warehouse.duckdb"
    monkeypatch.setenv("CSPKIT_WAREHOUSE", str(tmp_path / "env.duckdb"))
    assert resolve_warehouse_path() == tmp_path / "env.duckdb"
    assert resolve_warehouse_path(tmp_path / "flag.duckdb") == tmp_path / "flag.duckdb"


def test_default_location_is_used_by_ingest(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    cspkit.ingest([BOROUGH_FILES[-1]], taxonomy_files=[])
    assert (tmp_path / "xdg" / "cspkit" / "warehouse.duckdb").exists()


def test_files_are_recorded_with_provenance(loaded_warehouse) -> None:
    rows = {
        r["last_month"].strftime("%Y-%m"): r
        for r in cspkit.vintages(warehouse=loaded_warehouse)
        if r["vintage"]
    }
    # keyed by last month covered (the shared folders' names); historical files belong
    # to the release 24 months on, which they complete
    assert {k: r["vintage"].strftime("%Y-%m") for k, r in rows.items()} == {
        "2022-01": "2024-01",
        "2023-02": "2025-02",
        "2024-01": "2024-01",
        "2025-02": "2025-02",
    }
    r = rows["2024-01"]
    assert r["layout"] == "MPS borough layout A" and r["release"] == "most recent 24 months"
    assert r["first_month"].strftime("%Y-%m") == "2022-02" and r["n_rows"] == 1574
    expected = next(p for p in BOROUGH_FILES if p.parent.name == "vintage-2024-01")
    assert r["sha256"] == file_digest(expected) and r["path"] == str(expected.resolve())
    assert r["ingested_at"] is not None


def test_counts_are_stored_by_area_offence_category_month_and_vintage(loaded_warehouse) -> None:
    with duckdb.connect(str(loaded_warehouse), read_only=True) as con:
        row = con.execute(
            """SELECT area_code, area_name, offence_id, major_text, minor_text, vintage, count
               FROM crime_monthly WHERE area_name = 'Barnet' AND month = DATE '2023-10-01'
                 AND minor_text = 'Domestic Burglary'"""
        ).fetchall()
    assert row == [
        (
            "E09000003",
            "Barnet",
            "residential_burglary",
            "Burglary",
            "Domestic Burglary",
            __import__("datetime").date(2024, 1, 1),
            150,
        )
    ]


def test_readers_are_not_blocked_by_a_load(tmp_path) -> None:
    wh = tmp_path / "wh.duckdb"
    cspkit.ingest([BOROUGH_FILES[2]], warehouse=wh, taxonomy_files=[])  # vintage 2024-01
    loading = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def hold() -> None:  # runs inside the load, after its data is written, before the swap
        loading.set()
        assert release.wait(30)

    def load() -> None:
        try:
            cspkit.ingest([BOROUGH_FILES[3]], warehouse=wh, taxonomy_files=[], before_commit=hold)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    writer = threading.Thread(target=load)
    writer.start()
    try:
        assert loading.wait(30)
        # while the load is in progress: another process and this one can both read
        code = (
            "import cspkit,sys;"
            f"s=cspkit.series('Barnet','residential_burglary','2023-10','2023-12',warehouse={str(wh)!r},taxonomy_files=[]);"
            "print(s.total)"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "488"  # the old data: the load is not visible yet
        assert len(cspkit.vintages(warehouse=wh)) == 1
    finally:
        release.set()
        writer.join(60)
    assert not errors
    after = cspkit.series(
        "Barnet", "residential_burglary", "2023-10", "2023-12", warehouse=wh, taxonomy_files=[]
    )
    assert after.total == 463  # the load landed whole


def test_a_reader_holding_the_file_open_keeps_a_consistent_view(tmp_path) -> None:
    wh = tmp_path / "wh.duckdb"
    cspkit.ingest([BOROUGH_FILES[2]], warehouse=wh, taxonomy_files=[])
    with Warehouse(wh).reading() as con:
        before = con.execute("SELECT count(*) FROM crime_counts").fetchone()[0]
        cspkit.ingest([BOROUGH_FILES[3]], warehouse=wh, taxonomy_files=[])
        assert con.execute("SELECT count(*) FROM crime_counts").fetchone()[0] == before
    with Warehouse(wh).reading() as con:
        assert con.execute("SELECT count(*) FROM crime_counts").fetchone()[0] > before


def test_population_is_stored_by_gss_code(loaded_warehouse) -> None:
    pop = cspkit.population("barnet", warehouse=loaded_warehouse)
    assert pop.area.code == "E09000003"
    assert pop.series["borough_population"][2021] == 411275
    assert pop.series["borough_population"][2024] == 420924  # from the second file
    assert pop.census_age["Total"] == 389343
    assert pop.census_ethnicity["White: Irish"] == 7644


def test_areas_lists_boroughs_and_pseudo_areas(loaded_warehouse) -> None:
    rows = {r["code"]: r for r in cspkit.areas(warehouse=loaded_warehouse)}
    boroughs = [r for r in rows.values() if r["kind"] == "london_borough"]
    assert len(boroughs) == 32
    assert rows["MPS-AIRPORTS"]["name"] == "London Heathrow and London City Airports"
    assert rows["MPS-UNKNOWN"]["kind"] == "police_pseudo_area"
    assert rows["E09000001"]["first_month"] is None  # City of London: population only


def test_two_ingests_of_the_same_new_file_at_once(tmp_path) -> None:
    """Loads queue on the lock; the second sees the first's file and skips it."""
    wh = tmp_path / "wh.duckdb"
    cspkit.ingest([BOROUGH_FILES[2]], warehouse=wh, taxonomy_files=[])
    first_inside = threading.Event()
    results: list = []

    def hold() -> None:
        first_inside.set()
        time.sleep(0.5)  # give the second ingest time to read the file and reach the lock

    def run(before_commit=None) -> None:
        report = cspkit.ingest(
            [BOROUGH_FILES[3]], warehouse=wh, taxonomy_files=[], before_commit=before_commit
        )
        results.append(report.files[0].status)

    first = threading.Thread(target=run, args=(hold,))
    second = threading.Thread(target=run)
    first.start()
    assert first_inside.wait(30)
    second.start()
    first.join(60)
    second.join(60)
    assert sorted(results) == ["already loaded", "loaded"]
    assert len(cspkit.vintages(warehouse=wh)) == 2


def test_an_old_warehouse_gets_the_rebuild_message_from_every_command(tmp_path) -> None:
    import duckdb as db

    from cspkit.errors import CspkitError

    old = tmp_path / "old.duckdb"
    with db.connect(str(old)) as con:
        con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
        con.execute("CREATE TABLE crime_counts (file_id INTEGER, area_code VARCHAR)")
    before = file_digest(old)
    for call in (
        lambda: cspkit.remap(warehouse=old, taxonomy_files=[]),
        lambda: cspkit.ingest([BOROUGH_FILES[3]], warehouse=old, taxonomy_files=[]),
        lambda: cspkit.vintages(warehouse=old),
    ):
        try:
            call()
        except CspkitError as exc:
            assert "has schema version 1" in str(exc) and "delete it" in str(exc)
        else:  # pragma: no cover
            raise AssertionError("an old warehouse was accepted")
    assert file_digest(old) == before


def test_a_short_extract_is_its_own_vintage(tmp_path) -> None:
    path = tmp_path / "extract.csv"
    path.write_text(
        "MajorText,MinorText,BoroughName,202501,202502,202503\n"
        "BURGLARY,BURGLARY - RESIDENTIAL,Barnet,1,2,3\n",
        encoding="utf-8",
    )
    report = cspkit.ingest([path], warehouse=tmp_path / "wh.duckdb", taxonomy_files=[])
    assert report.files[0].release == "extract"
    assert report.files[0].vintage.strftime("%Y-%m") == "2025-03"
