"""`cspkit sna` and `cspkit assess` as a user runs them: every format, the JSON contract."""

from __future__ import annotations

import json
import re

import openpyxl
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from cspkit.cli import app

runner = CliRunner()
SNA_KEYS = {"league_table", "year_end_comparison", "headline", "trends", "wards"}
YEAR_END_IDS = [
    "homicide",
    "violence_with_injury",
    "violence_without_injury",
    "sexual_offences",
    "robbery",
    "theft",
    "burglary",
    "criminal_damage_and_arson",
    "drug_offences",
    "possession_of_weapons",
    "total",
]


@pytest.fixture(scope="module")
def packs(loaded_warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("packs")
    for fmt in ("json", "html", "pdf", "xlsx"):
        for verb, args in (
            ("sna", ["--from", "2022-01", "--to", "2023-10", "--vintage", "2024-01"]),
            ("assess", ["--year", "2022/23"]),
        ):
            result = runner.invoke(
                app,
                [
                    verb,
                    "--area",
                    "Barnet",
                    *args,
                    "--format",
                    fmt,
                    "--out",
                    str(out / f"{verb}.{fmt}"),
                    "--warehouse",
                    str(loaded_warehouse),
                ],
                env={"COLUMNS": "200"},
            )
            assert result.exit_code == 0, result.output
    return out


def test_sna_json_contract(packs) -> None:
    data = json.loads((packs / "sna.json").read_text())
    assert set(data) >= SNA_KEYS
    row = data["league_table"][0]
    assert {"area", "code", "count", "rate_per_1000", "rank_by_count", "rank_by_rate"} <= set(row)
    assert [r["id"] for r in data["year_end_comparison"]] == YEAR_END_IDS
    for r in data["year_end_comparison"]:
        assert {"name", "previous", "current", "change_pct", "significance"} <= set(r)
    barnet = next(r for r in data["league_table"] if r["code"] == "E09000003")
    assert (barnet["count"], barnet["rank_by_count"]) == (52402, 16)
    assert data["wards"]["available"] is False  # no ward files in this warehouse
    assert "chart" not in data["trends"][0]


def test_assess_json_contract(packs) -> None:
    data = json.loads((packs / "assess.json").read_text())
    assert {"long_term_trend", "rates", "change_ranks"} <= set(data)
    ids = [r["id"] for r in data["long_term_trend"]]
    assert ids[:7] == [
        "burglary",
        "criminal_damage",
        "robbery",
        "theft_from_motor_vehicle",
        "theft_of_motor_vehicle",
        "theft_from_person",
        "violence_with_injury",
    ]
    burglary = data["long_term_trend"][0]
    assert set(burglary["counts"]) == {"2017/18", "2021/22", "2022/23"}
    assert {"rate_per_1000", "london_rank", "london_average_rate", "pct_vs_london_average"} <= set(
        data["rates"][0]
    )


def test_pdf_html_xlsx_have_the_sections_and_sources(packs) -> None:
    text = "".join(page.extract_text() for page in PdfReader(packs / "sna.pdf").pages)
    for title in (
        "Borough league table",
        "Year-end comparison",
        "Headline indicators",
        "Trends and spikes",
        "Serious violence",
        "Data sources",
    ):
        assert title in text
    html = (packs / "assess.html").read_text()
    assert "MOPAC7 long-term trend" in html and "Data sources" in html
    assert not re.search(r"""(src|href)=["']https?:""", html)  # readable offline
    book = openpyxl.load_workbook(packs / "sna.xlsx")
    assert "Sources" in book.sheetnames and len(book.sheetnames) > 5
