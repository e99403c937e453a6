"""The dashboard renderers: JSON, HTML, PDF and XLSX drawn from one real report model.

The model is Barnet, October to December 2023, as the data stood at January 2024, built
from the shared borough files; it has no MPS Monthly Crime Dashboard data, so three of its
seven indicators must say "No data loaded" in every format, never show a zero.
"""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser

import openpyxl
import pypdf
import pytest

import cspkit.api as api
from cspkit.errors import CspkitError
from cspkit.measures.rag import Rag
from cspkit.render import FORMATS, missing_figures, render_dashboard
from cspkit.render.charts import describe_trend
from cspkit.render.html import contrast, text_on

CONTRACT_INDICATOR_KEYS = {
    "id",
    "name",
    "available",
    "count",
    "comparison_count",
    "change_pct",
    "rolling_12m",
    "rate",
    "rate_per",
    "london_rank",
    "london_rank_last_year",
    "london_rag",
    "comparator_rank",
    "comparator_rank_last_year",
    "comparator_rag",
    "significance",
    "monthly",
    "sentences",
    "unavailable_reason",
    "rate_per_label",
    "london_table",
    "comparator_table",
}
MONTH = re.compile(r"^\d{4}-\d{2}$")


@pytest.fixture(scope="session")
def report(loaded_warehouse):
    """The Barnet model (loaded_warehouse: every shared borough file plus population)."""
    return api.dashboard(
        "2023-10",
        "2023-12",
        area="Barnet",
        vintage="2024-01",
        warehouse=loaded_warehouse,
        taxonomy_files=[],
    )


@pytest.fixture(scope="session")
def outputs(report, tmp_path_factory):
    folder = tmp_path_factory.mktemp("dashboard")
    return {fmt: render_dashboard(report, fmt, folder / f"barnet.{fmt}") for fmt in FORMATS}


def _by_id(report, indicator_id):
    return next(i for i in report.indicators if i.id == indicator_id)


def test_the_model_has_the_cases_these_tests_rely_on(report):
    assert len(report.indicators) == 7
    unavailable = [i for i in report.indicators if not i.available]
    assert len(unavailable) == 3
    assert all(i.unavailable_reason and not i.monthly for i in unavailable)


# -- JSON -----------------------------------------------------------------------------------


def test_json_contract_top_level(outputs, report):
    data = json.loads(outputs["json"].read_text(encoding="utf-8"))
    assert data["area"] == {"name": "Barnet", "code": "E09000003"}
    assert data["period"]["start"] == "2023-10" and data["period"]["end"] == "2023-12"
    assert data["vintage"] == "2024-01"
    assert data["population_series"] == report.population_series
    assert [i["id"] for i in data["indicators"]] == [i.id for i in report.indicators]
    for key in ("notes", "sources", "vintages_used", "partner_indicators", "comparator_name"):
        assert key in data
    assert data["vintages_used"] == ["2024-01"]
    assert data["generated_at"] == report.generated_at.isoformat()
    assert all(set(i) >= CONTRACT_INDICATOR_KEYS for i in data["indicators"])


def test_json_figures_equal_the_model(outputs, report):
    data = json.loads(outputs["json"].read_text(encoding="utf-8"))
    burglary = next(i for i in data["indicators"] if i["id"] == "residential_burglary")
    assert (burglary["count"], burglary["comparison_count"], burglary["change_pct"]) == (
        488,
        564,
        -13.5,
    )
    assert burglary["rolling_12m"]["count"] == 1861
    assert burglary["rolling_12m"]["comparison_count"] == 1907
    assert burglary["rate_per"] == 10000 and burglary["rate_per_label"] == "per 10,000"
    for item, model in zip(data["indicators"], report.indicators, strict=True):
        for key in ("count", "comparison_count", "change_pct", "rate", "london_rank"):
            assert item[key] == getattr(model, key), (model.id, key)
        assert item["london_rag"] == model.london_rag.value
        assert item["comparator_rag"] in {"green", "amber", "red", "grey"}
        assert item["sentences"] == model.sentences
        assert [m["count"] for m in item["monthly"]] == [p.count for p in model.monthly]
        assert all(MONTH.match(m["month"]) for m in item["monthly"])
        if model.significance:
            low, high = model.significance.rate_ratio_ci
            assert item["significance"]["rate_ratio_ci"] == [low, high]
            assert item["significance"]["p_value"] == model.significance.p_value
    assert len(burglary["monthly"]) >= 24
    assert burglary["monthly"][-1]["month"] == "2023-12"


def test_json_unavailable_indicators_are_null_not_zero(outputs):
    data = json.loads(outputs["json"].read_text(encoding="utf-8"))
    missing = [i for i in data["indicators"] if not i["available"]]
    assert len(missing) == 3
    for item in missing:
        assert item["available"] is False
        assert item["count"] is None and item["comparison_count"] is None
        assert item["rate"] is None and item["london_rank"] is None
        assert item["london_rag"] == "grey"
        assert item["status"] == "no data"
        assert "has been ingested" in item["unavailable_reason"]


# -- HTML -----------------------------------------------------------------------------------


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


def test_html_has_every_indicator_and_says_no_data_loaded(outputs, report):
    html = unescape(outputs["html"].read_text(encoding="utf-8"))
    for ind in report.indicators:
        assert ind.heading in html
    sections = re.split(r'<section class="page indicator"', html)[1:]
    assert len(sections) == 7
    for ind, section in zip(report.indicators, sections, strict=True):
        assert ind.heading in section
        if ind.available:
            assert "No data loaded" not in section
            assert f"{ind.count:,}" in section
        else:
            assert "No data loaded" in section
            assert missing_figures(ind)[1] in section  # and why
            assert "<svg" not in section


def test_html_is_self_contained(outputs):
    html = outputs["html"].read_text(encoding="utf-8")
    for tag, attrs in _tags(html):
        for name in ("src", "href"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("http:", "https:", "//")), (tag, attrs)
    assert "<link" not in html and "@import" not in html and "@font-face" not in html
    assert "<script" not in html


def test_html_accessibility(outputs):
    html = outputs["html"].read_text(encoding="utf-8")
    tags = _tags(html)
    ids = {attrs["id"] for _, attrs in tags if "id" in attrs}
    # headings never skip a level
    levels = [int(tag[1]) for tag, _ in tags if re.fullmatch(r"h[1-6]", tag)]
    assert levels[0] == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))
    # every header cell says what it heads
    assert all(attrs.get("scope") in {"col", "row"} for tag, attrs in tags if tag == "th")
    # every chart: a name, a description that exists, and its data table after it
    svgs = [attrs for tag, attrs in tags if tag == "svg"]
    assert len(svgs) == 4
    for attrs in svgs:
        assert attrs.get("role") == "img"
        assert attrs["aria-labelledby"] in ids and attrs["aria-describedby"] in ids
        caption = re.search(rf'id="{attrs["aria-describedby"]}">([^<]+)<', html).group(1)
        assert caption.startswith("Monthly ") and "lowest" in caption and "highest" in caption
        after = html[html.index(f'id="{attrs["id"]}"') :]
        table = after.index('<table class="data">')
        assert table < after.index("<section") and "<details" in after[:table]
    # a RAG status is never colour alone: each pill carries a symbol and a word
    pills = re.findall(r'<span class="pill"[^>]*>(.*?)</span></span>', html, flags=re.S)
    assert pills
    words = {rag.word for rag in Rag}
    for pill in pills:
        text = unescape(re.sub(r"<[^>]+>", "", pill))
        assert any(rag.symbol in text for rag in Rag) and any(w in text for w in words)


@pytest.mark.parametrize("rag", list(Rag))
def test_rag_pill_text_contrast(rag):
    assert contrast(text_on(rag.colour), rag.colour) >= 4.5


# -- PDF ------------------------------------------------------------------------------------


def test_pdf_pages(outputs, report):
    pages = pypdf.PdfReader(outputs["pdf"]).pages
    # cover, notes, one page per indicator, the chart-data page, data sources:
    # no section overflows its page
    assert len(pages) == 1 + 1 + len(report.indicators) + 1 + 1 == 11
    texts = [page.extract_text() for page in pages]
    assert "Performance Dashboard" in texts[0] and report.period_label in texts[0]
    assert "Notes before we start" in texts[1]
    for ind, text in zip(report.indicators, texts[2:9], strict=True):
        assert ind.heading in text
        assert ("No data loaded" in text) is (not ind.available)
    assert "Residential Burglary" in texts[2] and "488" in texts[2]
    assert "Jan 2022" in texts[2] and "Count (bars)" in texts[2]  # the chart was drawn
    # the charts' data: one row per month, the counts of every charted indicator
    assert "Chart data" in texts[9]
    burglary = next(i for i in report.indicators if i.id == "residential_burglary")
    december = burglary.monthly[-1]
    assert f"{december.month:%B %Y} {december.count}" in texts[9]
    assert "Data sources" in texts[10]
    assert "borough_population_2023-2024.csv" in texts[10]


# -- XLSX -----------------------------------------------------------------------------------


def test_xlsx_summary_and_sheets(outputs, report):
    wb = openpyxl.load_workbook(outputs["xlsx"])
    assert wb.sheetnames[0] == "Summary" and "Sources" in wb.sheetnames
    assert len(wb.sheetnames) == 1 + len(report.indicators) + 2  # + Notes, Sources
    ws = wb["Summary"]
    header = [c.value for c in ws[1]]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in ws.iter_rows(2, values_only=True)}
    burglary = rows["residential_burglary"]
    assert (burglary["Count"], burglary["Same period last year"]) == (488, 564)
    assert burglary["Change"] == pytest.approx(-0.135)
    assert (burglary["Rolling 12 months"], burglary["Previous 12 months"]) == (1861, 1907)
    assert burglary["London RAG"] == report.indicators[0].london_rag.word
    change_cell = ws.cell(row=2, column=header.index("Change") + 1)
    assert "%" in change_cell.number_format
    assert ws.freeze_panes == "C2"
    for ind in report.indicators:
        row = rows[ind.id]
        if not ind.available:
            assert row["Count"] is None and row["Available"] == "No"
            assert row["Why not available"] == ind.unavailable_reason
    sheet = wb[wb.sheetnames[1]]
    months = [r for r in sheet.iter_rows(6, values_only=True) if r[0] is not None]
    assert len(months) == len(report.indicators[0].monthly) >= 24
    assert sum(r[1] for r in months[-3:]) == 488
    london = [r for r in sheet.iter_rows(6, values_only=True) if r[4] is not None]
    assert len(london) == 32 and sum(1 for r in london if r[11] == "Yes") == 1


# -- the dispatcher and the chart text ------------------------------------------------------


def test_render_dashboard_refuses_unknown_format(report, tmp_path):
    assert FORMATS == ("pdf", "html", "xlsx", "json")
    with pytest.raises(CspkitError, match="unknown format 'docx': choose one of pdf, html"):
        render_dashboard(report, "docx", tmp_path / "x.docx")
    with pytest.raises(CspkitError, match="does not exist"):
        render_dashboard(report, "json", tmp_path / "missing" / "x.json")
    assert not list(tmp_path.iterdir())


def test_chart_description_states_first_last_min_max(report):
    ind = _by_id(report, "residential_burglary")
    counts = {p.month.strftime("%b %Y"): p.count for p in ind.monthly}
    text = describe_trend(ind, "Barnet")
    first, last = next(iter(counts)), list(counts)[-1]
    low = min(counts, key=counts.get)
    high = max(counts, key=counts.get)
    assert f"{counts[first]} in {first}" in text and f"{counts[last]} in {last}" in text
    assert f"lowest month was {low} ({counts[low]})" in text
    assert f"highest month was {high} ({counts[high]})" in text


def test_print_html_draws_the_same_charts_as_images(report):
    from cspkit.render.html import render_html

    html = render_html(report, for_print=True)
    assert "<svg" not in html and "<details" not in html
    assert html.count('src="data:image/svg+xml;base64,') == 4
