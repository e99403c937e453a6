"""The Performance Dashboard's partner indicator pages in every format.

The dashboard is the real Barnet model (October to December 2023, vintage 2024-01, as in
test_render_dashboard.py); its partner indicators come from the demo KPI file through the
product, plus one made-up case: the Victim Care Hub's referrals with a 3 in 2023/24 Q2, so
that a hidden figure ("<5"), the year to date hidden with it (18 + 3 + 25 = 46, "not
published") and a status that is not published are on the page. Neither the 3 nor the 46
may appear in any format, and everything else must be the product's text as published.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser

import openpyxl
import pypdf
import pytest
from test_partner_kpis import demo_kpis, quarterly_returns

import cspkit.api as api
from cspkit.measures.rag import Rag
from cspkit.products.partner_kpis import partner_indicators
from cspkit.render import FORMATS, render_dashboard
from cspkit.render.html import (
    describe_partner_trend,
    partner_trend_spec,
    render_html,
    target_pill,
)

SMALL_CODE = "vch_small_numbers"
SMALL_VALUES = {
    "2022/23 Q3": 12,
    "2022/23 Q4": 9,
    "2023/24 Q1": 18,
    "2023/24 Q2": 3,  # hidden: "<5"
    "2023/24 Q3": 25,
}
SMALL_YEAR_TO_DATE = 18 + 3 + 25  # 46, hidden: "not published"


def partner_reports() -> list:
    """Five partner KPIs as the board would see them in the 1 March 2024 pack (and two more)."""
    defs, rets = demo_kpis(
        "victim_hub_referrals",
        "victim_hub_rj_follow_up",
        "barnet_homes_asb_cases_per_1000",
        "prevent_referrals",
    )
    hub, rj, asb, prevent = defs
    small = dataclasses.replace(
        hub, code=SMALL_CODE, name="Victim Care Hub referrals (small numbers)"
    )
    rets = [*rets, *quarterly_returns(SMALL_CODE, SMALL_VALUES)]
    at_q3 = partner_indicators([hub, small, rj], rets, date(2023, 12, 31))
    (asb_year,) = partner_indicators([asb], rets, date(2024, 3, 31))
    (prevent_q4,) = partner_indicators([prevent], rets, date(2023, 3, 31))
    return [*at_q3, asb_year, prevent_q4]


@pytest.fixture(scope="session")
def police_report(loaded_warehouse):
    return api.dashboard(
        "2023-10",
        "2023-12",
        area="Barnet",
        vintage="2024-01",
        warehouse=loaded_warehouse,
        taxonomy_files=[],
    )


@pytest.fixture(scope="session")
def report(police_report):
    return dataclasses.replace(police_report, partner_indicators=partner_reports())


@pytest.fixture(scope="session")
def outputs(report, tmp_path_factory):
    folder = tmp_path_factory.mktemp("partner")
    return {fmt: render_dashboard(report, fmt, folder / f"barnet.{fmt}") for fmt in FORMATS}


def _small(report):
    return next(p for p in report.partner_indicators if p.code == SMALL_CODE)


def test_the_partner_reports_have_the_cases_these_tests_rely_on(report):
    codes = [p.code for p in report.partner_indicators]
    assert codes == [
        "victim_hub_referrals",
        SMALL_CODE,
        "victim_hub_rj_follow_up",
        "barnet_homes_asb_cases_per_1000",
        "prevent_referrals",
    ]
    small = _small(report)
    # Q2's 3 is "<5"; Q1's 18 stays published (an earlier pack printed it), and the year to
    # date is hidden instead ("not published"), since 46 - 18 - 25 would give the 3; so is
    # its status.
    assert [p.display for p in small.trend] == ["12", "9", "18", "<5", "25"]
    assert [p.value for p in small.trend] == [
        Decimal(12),
        Decimal(9),
        Decimal(18),
        None,
        Decimal(25),
    ]
    assert (small.value_display, small.year_to_date_display) == ("25", "not published")
    rags = [p.rag for p in report.partner_indicators]
    assert rags == [Rag.RED, Rag.GREY, Rag.GREY, Rag.GREEN, Rag.GREY]
    assert [p.has_target for p in report.partner_indicators] == [True, True, True, True, False]
    # the status words: the hidden figure's status is not published, the missing return has
    # no data, Prevent has no target
    words = [target_pill(p).word for p in report.partner_indicators]
    assert words == ["Red", "Not published", "No data", "Green", "No target"]


# -- HTML -------------------------------------------------------------------------------------


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict]]:
    parser = _Collect()
    parser.feed(html)
    return parser.tags


def _text(html: str) -> str:
    html = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _partner_sections(html: str) -> list[str]:
    parts = re.split(r'(?=<section class="page )', html)
    return [p for p in parts if p.startswith('<section class="page partner"')]


def test_html_partner_pages_follow_the_police_indicators(outputs, report):
    html = outputs["html"].read_text(encoding="utf-8")
    order = re.findall(r'<section class="page ([a-z-]+)"', html)
    assert order == [
        "cover",
        "notes",
        *["indicator"] * len(report.indicators),
        "partner-summary",
        *["partner"] * len(report.partner_indicators),
        "sources",
    ]
    sections = _partner_sections(html)
    for p, section in zip(report.partner_indicators, sections, strict=True):
        text = _text(section)
        assert p.name in text and p.sentence in text and p.period in text
        assert p.period_long in text and p.value_display in text
        assert p.target_display in text
        if p.baseline_sentence:
            assert p.baseline_sentence in text
        if p.definition:
            assert p.definition in text and p.source in text
        # the status: colour, symbol and word (and its meaning for a screen reader)
        pill = target_pill(p)
        assert f"background-color: {p.rag.colour}" in section
        assert f"{pill.symbol} {pill.word}" in text
        for note in p.notes:
            assert note in text


def test_html_summary_table(outputs, report):
    html = outputs["html"].read_text(encoding="utf-8")
    summary = re.search(r'<section class="page partner-summary".*?</section>', html, re.S)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", summary.split("<tbody>")[1], flags=re.S)
    assert len(rows) == len(report.partner_indicators)
    for p, row in zip(report.partner_indicators, rows, strict=True):
        cells = [_text(c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        assert cells[:6] == [
            p.owner,
            p.name,
            p.period,
            p.value_display,
            p.year_to_date_display or "–",
            p.target_display,
        ]
        assert target_pill(p).word in cells[6]
    assert "No target" in _text(summary)  # Prevent has none: not "No data"
    assert "target met" in _text(summary)  # the key to the statuses
    # the small-numbers row: its year to date and its status are not published
    small = _text(rows[1])
    assert "25 not published the intended target of 72" in small and "Not published" in small
    assert "Red" not in small and "No data" not in small
    assert "– Not published : the figure is not published (it is under 5" in _text(summary)  # key


def test_html_charts_have_text_and_data_tables_as_published(outputs, report):
    html = outputs["html"].read_text(encoding="utf-8")
    tags = _tags(html)
    ids = [attrs["id"] for _, attrs in tags if "id" in attrs]
    assert len(ids) == len(set(ids))  # unique ids with several charts on the page
    for p, section in zip(report.partner_indicators, _partner_sections(html), strict=True):
        svg = re.search(r"<svg [^>]*>", section)[0]
        assert 'role="img"' in svg
        desc = re.search(r'aria-describedby="([^"]+)"', svg)[1]
        caption = re.search(rf'<figcaption id="{desc}">(.*?)</figcaption>', section, re.S)[1]
        assert unescape(caption) == describe_partner_trend(p)
        table = re.search(r'<table class="data compact partner-data">.*?</table>', section, re.S)
        cells = re.findall(r'<td class="num">([^<]*)</td>', table[0])
        assert [unescape(c) for c in cells] == [t.display for t in p.trend]
        heads = re.findall(r'<th scope="col" class="num">([^<]*)</th>', table[0])
        assert heads == [t.period for t in p.trend]


def test_html_small_numbers_page(outputs, report):
    html = outputs["html"].read_text(encoding="utf-8")
    section = _partner_sections(html)[1]
    text = _text(section)
    assert "Victim Care Hub referrals (small numbers)" in text
    # the hidden figure is its mark in the table, and the chart says it leaves it out
    assert "2023/24 Q1: 18; 2023/24 Q2: <5; 2023/24 Q3: 25." in text
    assert "The chart has no bar for 2023/24 Q2 (<5: a count from 1 to 4, not published)." in text
    # the year to date and its status are not published, and the sentences and footnote say why
    assert "Year to date not published referrals since the start of the financial year" in text
    assert "Against the target – Not published" in text
    assert "The figure is not published (it is under 5 or would reveal a number under 5)" in text
    assert "<5: a count from 1 to 4 about people" in text
    assert "*" not in text  # no "*" mark, so no footnote for one
    # no 3 and no 46 on their own anywhere: not in the text, the table or the chart's marks
    assert not re.search(r"(?<![\w/.,-])3(?![\w/%,.])", text)
    assert str(SMALL_YEAR_TO_DATE) not in text
    assert "Red" not in text and "red." not in text
    svg_texts = re.findall(r"<text[^>]*>([^<]*)</text>", section)
    assert "3" not in svg_texts and "&lt;5" in svg_texts and "*" not in svg_texts
    assert str(SMALL_YEAR_TO_DATE) not in svg_texts


def test_html_accessibility_with_partner_pages(outputs):
    html = outputs["html"].read_text(encoding="utf-8")
    tags = _tags(html)
    ids = {attrs["id"] for _, attrs in tags if "id" in attrs}
    levels = [int(tag[1]) for tag, _ in tags if re.fullmatch(r"h[1-6]", tag)]
    assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))
    assert all(attrs.get("scope") in {"col", "row"} for tag, attrs in tags if tag == "th")
    for tag, attrs in tags:
        if tag == "svg":
            assert attrs["aria-labelledby"] in ids and attrs["aria-describedby"] in ids
        if tag == "a" and attrs.get("href", "").startswith("#"):
            assert attrs["href"][1:] in ids
        if tag == "section" and "aria-labelledby" in attrs:
            assert attrs["aria-labelledby"] in ids
    pills = re.findall(r'<span class="pill"[^>]*>(.*?)</span></span>', html, flags=re.S)
    for pill in pills:
        text = unescape(re.sub(r"<[^>]+>", "", pill))
        assert any(rag.symbol in text for rag in Rag)


def test_chart_leaves_out_hidden_and_missing_figures(report):
    small = _small(report)
    spec = partner_trend_spec(small)
    (data,) = [d for d in _datasets(spec)]
    assert [(v["period"], v["value"], v["mark"]) for v in data] == [
        ("2022/23 Q3", 12.0, ""),
        ("2022/23 Q4", 9.0, ""),
        ("2023/24 Q1", 18.0, ""),
        ("2023/24 Q2", None, "<5"),
        ("2023/24 Q3", 25.0, ""),
    ]
    assert 3 not in [v["value"] for v in data]


def _datasets(spec: dict) -> list[list[dict]]:
    """The inline data of a spec (top level, or named datasets)."""
    if "datasets" in spec:
        return list(spec["datasets"].values())
    return [spec["data"]["values"]]


def test_print_html_embeds_partner_charts_as_images(report):
    html = render_html(report, for_print=True)
    assert "<svg" not in html
    # 4 police charts and one per partner indicator with a trend
    charted = sum(1 for p in report.partner_indicators if p.trend)
    assert html.count('src="data:image/svg+xml;base64,') == 4 + charted


def test_no_partner_indicators_no_partner_pages(police_report):
    assert police_report.partner_indicators == []
    body = render_html(police_report).split("<body>")[1]
    assert "partner" not in body.lower().replace("partnership", "")


# -- PDF --------------------------------------------------------------------------------------


def test_pdf_partner_pages(outputs, report):
    pages = [p.extract_text() for p in pypdf.PdfReader(outputs["pdf"]).pages]
    police = 1 + 1 + len(report.indicators)
    n = len(report.partner_indicators)
    # cover, notes, police pages, the partner summary, one page per partner KPI, chart data,
    # sources: every page fits
    assert len(pages) == police + 1 + n + 2
    assert "Partner indicators at a glance" in pages[police]
    for i, p in enumerate(report.partner_indicators):
        text = " ".join(pages[police + 1 + i].split())
        assert f"Partner indicator {i + 1} of {n}".upper() in text.upper()
        assert p.name in text and p.value_display in text
        assert p.sentence in text
        assert f"Page {police + 2 + i} of {len(pages)}" in text
    small = " ".join(pages[police + 2].split())
    assert "12 9 18 <5 25" in small  # the data table, as published
    assert "Year to date not published" in small  # the year to date is hidden
    assert "Not published" in small and "Red" not in small
    assert not re.search(r"(?<![\w/.,-])3(?![\w/%,.])", small)
    assert str(SMALL_YEAR_TO_DATE) not in small
    assert "Chart data" in pages[-2] and "Data sources" in pages[-1]


# -- XLSX -------------------------------------------------------------------------------------


def test_xlsx_partner_sheets(outputs, report):
    wb = openpyxl.load_workbook(outputs["xlsx"])
    assert wb.sheetnames[-4:] == ["Partner indicators", "Partner trends", "Notes", "Sources"]
    ws = wb["Partner indicators"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r, strict=True)) for r in ws.iter_rows(2, values_only=True)]
    assert [r["Code"] for r in rows] == [p.code for p in report.partner_indicators]
    hub, small, rj, asb, prevent = rows
    assert (hub["Value"], hub["Value as published"], hub["Year to date as published"]) == (
        25,
        "25",
        "64",
    )
    assert hub["RAG"] == "Red"
    assert hub["Sentence"] == "64 referrals by Q3 against a target of 72 (89% of target): red."
    assert (asb["Value"], asb["RAG"]) == (4.5, "Green")
    assert (rj["Value"], rj["Value as published"], rj["RAG"]) == (None, "No return", "No data")
    assert prevent["Baseline"] == (
        "15 referrals against 25 referrals in 2021/22 Q4: a decrease of 40.0%."
    )
    assert (small["Value"], small["Value as published"], small["Year to date as published"]) == (
        25,
        "25",
        "not published",
    )
    assert small["RAG"] == "No data"  # the RAG itself is grey; the sentence says why
    assert small["Sentence"] == (
        "The figure to Q3 is not published because it is under 5 or would reveal a number"
        " under 5; the target is 72 referrals."
    )
    assert small["Notes"] == (
        "<5: a count from 1 to 4 about people, not published so that nobody can be identified."
    )
    trends = wb["Partner trends"]
    t_header = [c.value for c in trends[1]]
    t_rows = [dict(zip(t_header, r, strict=True)) for r in trends.iter_rows(2, values_only=True)]
    mine = [(r["Period"], r["Value"], r["As published"]) for r in t_rows if r["Code"] == SMALL_CODE]
    assert mine == [
        ("2022/23 Q3", 12, "12"),
        ("2022/23 Q4", 9, "9"),
        ("2023/24 Q1", 18, "18"),
        ("2023/24 Q2", None, "<5"),
        ("2023/24 Q3", 25, "25"),
    ]
    assert len(t_rows) == sum(len(p.trend) for p in report.partner_indicators)
    for sheet in (ws, trends):
        for row in sheet.iter_rows(values_only=True):
            assert 3 not in row
            if SMALL_CODE in row:
                assert SMALL_YEAR_TO_DATE not in row
                assert not any(str(SMALL_YEAR_TO_DATE) in str(cell) for cell in row)


def test_xlsx_without_partner_indicators_has_no_partner_sheets(police_report, tmp_path):
    out = render_dashboard(police_report, "xlsx", tmp_path / "x.xlsx")
    names = openpyxl.load_workbook(out).sheetnames
    assert not [n for n in names if n.startswith("Partner")]


# -- JSON -------------------------------------------------------------------------------------


def test_json_partner_indicators_as_published(outputs, report):
    text = outputs["json"].read_text(encoding="utf-8")
    data = json.loads(text)
    items = data["partner_indicators"]
    assert [i["code"] for i in items] == [p.code for p in report.partner_indicators]
    hub = items[0]
    assert hub["value"] == 25 and hub["value_display"] == "25"
    assert hub["rag"] == "red" and hub["year_to_date_display"] == "64"
    assert hub["trend"] == [
        {"period": "2023/24 Q1", "value": 18, "display": "18"},
        {"period": "2023/24 Q2", "value": 21, "display": "21"},
        {"period": "2023/24 Q3", "value": 25, "display": "25"},
    ]
    assert hub["has_target"] is True
    asb = items[3]
    assert asb["value"] == 4.5 and asb["rag"] == "green"
    small = items[1]
    assert [t["value"] for t in small["trend"]] == [12, 9, 18, None, 25]
    assert [t["display"] for t in small["trend"]] == ["12", "9", "18", "<5", "25"]
    assert (small["value"], small["year_to_date_display"]) == (25, "not published")
    assert (small["rag"], small["has_target"]) == ("grey", True)
    assert all(not (isinstance(v, int) and v == 3) for t in small["trend"] for v in t.values())
    assert '"value": 3' not in text and '"value": 3.0' not in text
    assert str(SMALL_YEAR_TO_DATE) not in json.dumps(small)
    assert items[4]["has_target"] is False  # Prevent
    assert items[2]["value"] is None and items[2]["status"] == "no return"


def test_json_without_partner_indicators_is_an_empty_list(police_report, tmp_path):
    out = render_dashboard(police_report, "json", tmp_path / "x.json")
    assert json.loads(out.read_text(encoding="utf-8"))["partner_indicators"] == []
