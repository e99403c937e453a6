"""The command line as a user runs it."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys

import pytest
from conftest import BOROUGH, BOROUGH_FILES, REPO
from typer.testing import CliRunner

from cspkit.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def cli_warehouse(tmp_path_factory):
    """The issue's own command: ingest every vintage file through the real CLI process."""
    wh = tmp_path_factory.mktemp("cli") / "wh.duckdb"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "cspkit",
            "ingest",
            *map(str, BOROUGH_FILES),
            "--warehouse",
            str(wh),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={"COLUMNS": "200", "PATH": ""},
    )
    assert out.returncode == 0, out.stderr
    assert "4 file(s) loaded, 0 unchanged." in out.stdout
    for vintage in ("2022-01", "2023-02", "2024-01", "2025-02"):
        assert vintage in out.stdout
    return wh


def _series_csv(wh, *extra: str) -> list[dict]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "cspkit",
            "series",
            "--area",
            "Barnet",
            "--offence",
            "residential_burglary",
            "--from",
            "2023-10",
            "--to",
            "2023-12",
            *extra,
            "--format",
            "csv",
            "--warehouse",
            str(wh),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "month,count"
    return list(csv.DictReader(io.StringIO(out.stdout)))


def test_done_when_series_csv_sums(cli_warehouse) -> None:
    then = _series_csv(cli_warehouse, "--vintage", "2024-01")
    assert sum(int(r["count"]) for r in then) == 488
    now = _series_csv(cli_warehouse)
    assert [r["month"] for r in now] == ["2023-10", "2023-11", "2023-12"]
    assert sum(int(r["count"]) for r in now) == 463


def test_series_json_carries_provenance(cli_warehouse) -> None:
    result = runner.invoke(
        app,
        [
            "series",
            "--area",
            "barnet",
            "--offence",
            "burglary",
            "--from",
            "2023-12",
            "--to",
            "2024-02",
            "--format",
            "json",
            "--warehouse",
            str(cli_warehouse),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["code"] == "E09000003" and data["complete"] is True
    assert data["total"] == sum(v["count"] for v in data["values"])
    assert {v["vintage"] for v in data["values"]} == {"2025-02"}
    assert all(v["source"].endswith("(most recent 24 months).csv") for v in data["values"])


def test_incomplete_period_warns_and_leaves_blanks(cli_warehouse) -> None:
    result = runner.invoke(
        app,
        [
            "series",
            "--area",
            "Barnet",
            "--offence",
            "homicide",
            "--from",
            "2025-01",
            "--to",
            "2025-03",
            "--format",
            "csv",
            "--warehouse",
            str(cli_warehouse),
        ],
    )
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "2025-03,"
    assert "the period is incomplete; no count for 2025-03 (no loaded file covers this month)" in (
        " ".join(result.stderr.split())
    )


@pytest.mark.parametrize(
    "args,message",
    [
        (["--area", "Barnett", "--offence", "burglary"], "area 'Barnett' matches no known area"),
        (
            ["--area", "Barnet", "--offence", "burglery"],
            "'burglery' is neither an offence nor a group",
        ),
    ],
)
def test_user_errors_exit_2_with_a_message(cli_warehouse, args, message) -> None:
    result = runner.invoke(
        app,
        [
            "series",
            *args,
            "--from",
            "2023-01",
            "--to",
            "2023-02",
            "--warehouse",
            str(cli_warehouse),
        ],
    )
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.output


def test_bad_month_and_reversed_period(cli_warehouse) -> None:
    result = runner.invoke(
        app,
        [
            "series",
            "--area",
            "Barnet",
            "--offence",
            "burglary",
            "--from",
            "2023/01",
            "--to",
            "2023-02",
            "--warehouse",
            str(cli_warehouse),
        ],
    )
    assert (
        result.exit_code == 2 and "'2023/01' is not a month: write it as YYYY-MM" in result.stderr
    )
    result = runner.invoke(
        app,
        [
            "series",
            "--area",
            "Barnet",
            "--offence",
            "burglary",
            "--from",
            "2023-05",
            "--to",
            "2023-02",
            "--warehouse",
            str(cli_warehouse),
        ],
    )
    assert result.exit_code == 2 and "--to 2023-02 is before --from 2023-05" in result.stderr


def test_empty_warehouse_message(tmp_path) -> None:
    result = runner.invoke(app, ["vintages", "--warehouse", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2
    assert "there is no warehouse at" in result.stderr and "cspkit ingest" in result.stderr


def test_listing_commands(cli_warehouse) -> None:
    env = {"COLUMNS": "250"}
    areas = runner.invoke(app, ["areas", "--warehouse", str(cli_warehouse)], env=env)
    assert areas.exit_code == 0 and "E09000003" in areas.stdout and "Barnet" in areas.stdout
    offences = runner.invoke(app, ["offences", "--warehouse", str(cli_warehouse)], env=env)
    assert offences.exit_code == 0
    assert "residential_burglary" in offences.stdout and "BURGLARY - RESIDENTIAL" in offences.stdout
    vintages = runner.invoke(app, ["vintages", "--warehouse", str(cli_warehouse)], env=env)
    assert vintages.exit_code == 0
    shown = re.findall(r"^│ (\d{4}-\d{2}) ", vintages.stdout, flags=re.MULTILINE)
    assert shown == ["2025-02", "2025-02", "2024-01", "2024-01"]
    unmapped = runner.invoke(app, ["unmapped", "--warehouse", str(cli_warehouse)])
    assert unmapped.stdout.strip() == "Every stored source category maps to a canonical offence."


def test_ingest_reports_already_loaded(cli_warehouse) -> None:
    result = runner.invoke(
        app, ["ingest", str(BOROUGH), "--warehouse", str(cli_warehouse)], env={"COLUMNS": "250"}
    )
    assert result.exit_code == 0
    assert "0 file(s) loaded, 4 unchanged." in result.stdout
    assert result.stdout.count("already loaded") == 4
