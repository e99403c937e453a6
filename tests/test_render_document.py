"""The generic document renderer: HTML, PDF, XLSX and JSON from one hand-built Document.

The Document has what the evidence packs use: two sections, a table with a column of each
CellFormat, a highlighted row and a missing cell, a Vega-Lite bar chart made with Altair
(inline data), a ready-made SVG chart, notes and sources. Expected cell texts are written
out by hand, not produced by the code under test.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from html.parser import HTMLParser

import altair as alt
import openpyxl
import pypdf
import pytest

import cspkit.render.document as document_module
from cspkit.errors import CspkitError
from cspkit.products.document import Chart, Document, Section, Table
from cspkit.products.models import SourceRef
from cspkit.render.document import (
    FORMATS,
    format_cell,
    print_parts,
    render_document,
    render_html,
)
from cspkit.render.html import contrast

BOROUGHS = [
    # area, offences, rate per 1,000, change %, p-value, latest month
    ["Barnet", 1234, 12.3456, 12.34, 0.04213, date(2023, 1, 1)],
    ["Brent", 987654, 7.0, -4.0, 0.0004, date(2023, 2, 1)],
    ["Camden", None, None, None, None, None],
]
SVG_MAP = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="120" viewBox="0 0 200 120">'
    '<rect x="10" y="10" width="80" height="100" fill="#1d4f91"/>'
    '<rect x="110" y="40" width="80" height="70" fill="#c5d7ee"/></svg>'
)


def _bar_chart() -> Chart:
    values = [{"area": "Barnet", "rate": 12.35}, {"area": "Brent", "rate": 7.0}]
    spec = (
        alt.Chart(alt.Data(values=values))
        .mark_bar()
        .encode(x=alt.X("area:N", title=None), y=alt.Y("rate:Q", title="Rate per 1,000"))
        .properties(width=300, height=160)
        .to_dict()
    )
    data = Table(
        "Knife crime rate by borough",
        ["Area", "Rate per 1,000"],
        [["Barnet", 12.35], ["Brent", 7.0]],
        formats=["text", "rate"],
        highlight=[0],
    )
    return Chart(
        "Knife crime rate, Barnet and Brent",
        "A bar chart: Barnet's rate, 12.35 per 1,000, is higher than Brent's, 7.00.",
        data,
        vega_lite=spec,
    )


def _map_chart() -> Chart:
    data = Table("Wards", ["Ward", "Offences"], [["East", 40], ["West", 12]], ["text", "int"])
    return Chart(
        "Offences by ward",
        "A map: East ward has the most offences (40), West the fewest (12).",
        data,
        svg=SVG_MAP,
    )


def make_document() -> Document:
    table = Table(
        "Offences and rates by borough",
        ["Area", "Offences", "Rate per 1,000", "Change", "p-value", "Latest month"],
        [list(r) for r in BOROUGHS],
        formats=["text", "int", "rate", "pct", "p", "month"],
        highlight=[0],
        caption="Offences in the 12 months to January 2023, with the change on a year before.",
    )
    return Document(
        title="Serious Violence Strategic Needs Assessment: data pack",
        subtitle="Evidence for the partnership board",
        area="Barnet",
        area_code="E09000003",
        period_label="January 2022 to January 2023",
        vintage=date(2024, 1, 1),
        sections=[
            Section(
                "overview",
                "Overview of violence",
                paragraphs=["Violence rose in Barnet.", "It fell in Brent."],
                tables=[table],
                charts=[_bar_chart()],
                notes=["Camden's figures were not loaded."],
            ),
            Section(
                "wards & places",
                "Where it happens",
                paragraphs=["East ward has most offences."],
                charts=[_map_chart()],
            ),
        ],
        sources=[
            SourceRef("mps/borough/vintage-2024-01/MPS Borough Level Crime.csv", date(2024, 1, 1)),
            SourceRef("population/mid-2022.csv", None, "ONS mid-year estimates"),
        ],
        notes=["Figures are police recorded crime."],
        generated_at=datetime(2024, 2, 1, 9, 30),
    )


CONTRACT = {
    "schema": "cspkit/needs-assessment/1",
    "area": {"name": "Barnet", "code": "E09000003"},
    "vintage": date(2024, 1, 1),
    "generated_at": datetime(2024, 2, 1, 9, 30),
    "rate": float("nan"),
    "tables": [{"month": date(2023, 1, 1), "count": None}],
}


@pytest.fixture(scope="module")
def document() -> Document:
    return make_document()


@pytest.fixture(scope="module")
def outputs(document, tmp_path_factory):
    folder = tmp_path_factory.mktemp("document")
    return {
        fmt: render_document(document, fmt, folder / f"sna.{fmt}", contract=CONTRACT)
        for fmt in FORMATS
    }


class _Page(HTMLParser):
    """Collects ids, links, src attributes and visible text (not inside <style>)."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.srcs: list[str] = []
        self.text: list[str] = []
        self._style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            assert attrs["id"] not in self.ids, f"duplicate id {attrs['id']}"
            self.ids.add(attrs["id"])
        if "href" in attrs:
            self.hrefs.append(attrs["href"])
        for name in ("src", "xlink:href"):
            if name in attrs:
                self.srcs.append(attrs[name])
        self._style = tag == "style"

    def handle_endtag(self, tag):
        self._style = False

    def handle_data(self, data):
        if not self._style:
            self.text.append(data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


# -- formatting -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        (987654, "int", "987,654"),
        (1234.0, "int", "1,234"),
        (12.3456, "rate", "12.35"),
        (1234.5, "rate", "1,234.50"),
        (12.34, "pct", "+12.3%"),
        (-4.0, "pct", "-4.0%"),
        (-0.04, "pct", "0.0%"),
        (0.04213, "p", "0.042"),
        (0.0004, "p", "<0.001"),
        (date(2023, 1, 1), "month", "Jan 2023"),
        ("2023-11", "month", "Nov 2023"),
        ("<5", "int", "<5"),
        (None, "int", "–"),
        (float("nan"), "rate", "–"),
        (None, "text", "–"),
        ("Barnet", "text", "Barnet"),
    ],
)
def test_cells_are_formatted_by_their_column_format(value, fmt, expected):
    assert format_cell(value, fmt) == expected


# -- HTML -----------------------------------------------------------------------------------


def test_html_has_the_title_page_contents_and_every_section(document, outputs):
    html = outputs["html"].read_text("utf-8")
    page = _parse(html)
    text = " ".join(" ".join(page.text).split())
    for words in (
        document.title,
        document.subtitle,
        "Barnet (E09000003)",
        "January 2022 to January 2023",
        "As the data stood at",
        "January 2024",
        "01 February 2024, 09:30",
        "Contents",
        "Data sources",
    ):
        assert words in text, words
    for section in document.sections:
        assert section.title in text
        for paragraph in section.paragraphs:
            assert paragraph in text
    assert "Camden's figures were not loaded." in text
    links = [h for h in page.hrefs if h.startswith("#")]
    assert len(links) >= len(document.sections) + 1
    for link in links:
        assert link[1:] in page.ids, f"{link} points nowhere"
    assert "#data-sources" in links


def test_html_is_self_contained(outputs):
    html = outputs["html"].read_text("utf-8")
    page = _parse(html)
    for url in page.hrefs + page.srcs:
        assert not re.match(r"\s*(https?:)?//", url), url
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html)
    assert "<link" not in html and "<script" not in html


def test_table_cells_and_missing_values_in_html(outputs):
    html = outputs["html"].read_text("utf-8")
    table = html[html.index('id="s-overview-table-1"') :]
    table = table[: table.index("</table>")]
    for cell in ("1,234", "12.35", "+12.3%", "0.042", "Jan 2023", "987,654", "-4.0%", "<0.001"):
        assert f">{cell}<" in table.replace("&lt;", "<"), cell
    camden = table[table.index("Camden") : table.index("</tr>", table.index("Camden"))]
    assert camden.count('<span aria-hidden="true">–</span>') == 5
    assert camden.count('<span class="visually-hidden">no data</span>') == 5
    assert '<th scope="col"' in table and '<th scope="row"' in table


def test_highlighted_rows_are_bold_and_marked_not_just_coloured(outputs):
    html = outputs["html"].read_text("utf-8")
    row = re.search(r'<tr class="highlight">(.*?)</tr>', html, re.S).group(1)
    assert "▶" in row and "(this area)" in row and "Barnet" in row
    assert "Rows in bold marked ▶ are Barnet." in html
    css = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    assert re.search(r"tr\.highlight th, tr\.highlight td \{ font-weight: bold;", css)
    assert contrast("#0b0c0c", "#e8f0fa") >= 7


def test_each_chart_has_its_svg_text_alternative_and_data_table(document, outputs):
    html = outputs["html"].read_text("utf-8")
    assert html.count("<details") == 2
    for n, chart in enumerate([c for s in document.sections for c in s.charts], start=1):
        block = html[html.index(f'id="chart-{n}-block"') :]
        block = block[: block.index("</details>")]
        assert chart.title in block
        assert f'<figcaption id="chart-{n}-desc">{chart.text_alternative}' in block.replace(
            "&#39;", "'"
        )
        assert f'aria-describedby="chart-{n}-desc"' in block
        assert "<svg" in block and "<summary>" in block
        for row in chart.data.rows:
            assert f">{row[0]}<" in block
    bar = html[html.index('id="chart-1-block"') : html.index('id="chart-2-block"')]
    assert 'role="img"' in bar and '<title id="chart-1-title">' in bar and "12.35" in bar
    map_block = html[html.index('id="chart-2-block"') :]
    assert SVG_MAP in map_block  # a ready-made SVG goes in as it is
    assert ">40<" in map_block


def test_print_html_moves_chart_data_to_an_appendix_with_images():
    html = render_html(make_document(), for_print=True)
    page = _parse(html)
    assert "<details" not in html and "<svg" not in html.split("</style>", 1)[1]
    assert all(s.startswith("data:image/svg+xml;base64,") for s in page.srcs)
    assert len(page.srcs) == 2
    assert 'href="#chart-data"' in html and 'href="#chart-1-data"' in html
    for link in page.hrefs:
        assert link[1:] in page.ids


# -- PDF ------------------------------------------------------------------------------------


def test_pdf_has_every_section_on_its_own_pages(document, outputs):
    reader = pypdf.PdfReader(outputs["pdf"])
    pages = [" ".join(p.extract_text().split()) for p in reader.pages]
    assert document.title in pages[0] and "Contents" in pages[0]
    starts = []
    for title in [s.title for s in document.sections] + ["Chart data", "Data sources"]:
        found = [i for i, text in enumerate(pages) if i and text.startswith(title)]
        assert found, f"no page starts with {title!r}"
        starts.append(found[0])
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert "Page 2 of" in pages[1]
    assert "+12.3%" in pages[starts[0]] and "987,654" in pages[starts[0]]
    assert "mid-2022.csv" in pages[starts[-1]]


def _rates_table(title: str, columns: int) -> Table:
    return Table(
        title,
        ["Area", *(f"Indicator {i}" for i in range(1, columns))],
        [["Kensington and Chelsea", *(123456.789 * i for i in range(1, columns))]],
        formats=["text"] + ["rate"] * (columns - 1),
        highlight=[0],
    )


def _overflows(document: Document) -> list[tuple[int, str, float]]:
    """Every laid-out box that reaches past the right margin: (page, box, by how much)."""
    from weasyprint import HTML

    html = render_html(document, for_print=True)
    found = []
    for number, page in enumerate(HTML(string=html, media_type="print").render().pages, 1):
        box = page._page_box  # WeasyPrint's layout (pinned version): the page and its boxes
        limit = box.content_box_x() + box.width
        for child in box.children[0].descendants():
            over = child.position_x + child.margin_width() - limit
            if over > 0.5:
                found.append((number, type(child).__name__, round(over, 1)))
    return found


def test_print_parts_keep_small_tables_whole():
    headers = [("Area", False), ("Offences", True), ("Rate", True)]
    assert print_parts(headers, [["Barnet", "1,234", "12.35"]]) == [([0, 1, 2], "")]
    nine = [("Area", False)] + [(f"Year {y}", True) for y in range(8)]
    assert print_parts(nine, [["Barnet"] + ["1,234"] * 8]) == [(list(range(9)), "wide")]


def test_pdf_puts_a_too_wide_table_on_a_landscape_page_without_overflow(tmp_path):
    doc = make_document()
    narrow = Table("Back to portrait", ["Area", "Offences"], [["Barnet", 1]], ["text", "int"])
    doc.sections[1].tables += [_rates_table("Everything at once", 13), narrow]
    assert _overflows(doc) == []
    reader = pypdf.PdfReader(render_document(doc, "pdf", tmp_path / "wide.pdf"))
    landscape = [p for p in reader.pages if p.mediabox.width > p.mediabox.height]
    assert len(landscape) == 1
    text = landscape[0].extract_text()
    assert "Everything at once" in text and "1,481,481.47" in text  # its last column
    after = reader.pages[reader.pages.index(landscape[0]) + 1]
    assert after.mediabox.width < after.mediabox.height
    assert "Back to portrait" in after.extract_text()


def test_pdf_prints_a_table_too_wide_for_any_page_in_parts(tmp_path, monkeypatch):
    doc = make_document()
    doc.sections[1].tables.append(_rates_table("Thirty columns", 30))
    assert _overflows(doc) == []
    with monkeypatch.context() as m:  # the check does see a table that runs off the page
        m.setattr(document_module, "print_parts", lambda h, r: [(list(range(len(h))), "")])
        assert _overflows(doc)
    reader = pypdf.PdfReader(render_document(doc, "pdf", tmp_path / "parts.pdf"))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    parts = re.findall(r"Thirty columns \(part (\d) of (\d)\)", text)
    assert len(parts) >= 2 and all(total == str(len(parts)) for _, total in parts)
    for i in range(1, 30):  # every column printed once, each part starting with the area
        assert text.count(f"Indicator {i} ") + text.endswith(f"Indicator {i}") >= 1
    assert text.count("▶ Kensington and Chelsea") == len(parts)


# -- XLSX -----------------------------------------------------------------------------------


def test_xlsx_sheets_are_valid_unique_and_listed(outputs):
    wb = openpyxl.load_workbook(outputs["xlsx"])
    names = wb.sheetnames
    assert names[0] == "Contents" and names[-1] == "Sources"
    assert len(names) == 5  # one table, two chart data tables
    assert len({n.lower() for n in names}) == len(names)
    for name in names:
        assert len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name)
    contents = wb["Contents"]
    listed = [c.value for c in contents["A"] if c.hyperlink is not None]
    assert listed == names[1:]
    values = [c.value for row in contents.iter_rows() for c in row if c.value]
    for fact in ("Barnet (E09000003)", "January 2022 to January 2023", "January 2024"):
        assert fact in values


def test_xlsx_numbers_are_numbers_with_formats(outputs):
    wb = openpyxl.load_workbook(outputs["xlsx"])
    ws = wb["Offences and rates by borough"]
    header = [c.value for c in ws[4]]
    assert header[:6] == ["Area", "Offences", "Rate per 1,000", "Change", "p-value", "Latest month"]
    assert header[6] == "This area"
    barnet, brent, camden = ([c for c in ws[r]] for r in (5, 6, 7))
    assert [c.value for c in barnet[:5]] == [
        "Barnet",
        1234,
        12.3456,
        pytest.approx(0.1234),
        0.04213,
    ]
    assert barnet[5].value == datetime(2023, 1, 1)
    assert [c.number_format for c in barnet[1:6]] == [
        "#,##0",
        "#,##0.00",
        "+0.0%;-0.0%;0.0%",
        "0.000",
        "mmm yyyy",
    ]
    assert barnet[0].font.bold and barnet[6].value == "Yes"
    assert not brent[0].font.bold and brent[6].value is None
    assert brent[3].value == pytest.approx(-0.04)
    assert all(c.value is None for c in camden[1:6])  # missing is empty, never 0
    assert ws.freeze_panes == "A5"
    chart = wb["Knife crime rate by borough"]
    assert chart["B5"].value == 12.35 and chart["B5"].number_format == "#,##0.00"
    sources = wb["Sources"]
    assert sources["A2"].value.endswith("MPS Borough Level Crime.csv")
    assert sources["B2"].value == datetime(2024, 1, 1) and sources["B3"].value is None
    assert "Figures are police recorded crime." in [c.value for c in sources["A"]]


def test_xlsx_sheet_names_from_long_or_clashing_titles(tmp_path):
    doc = make_document()
    long = "Violence against the person: rates/counts [2023]? *all*"
    doc.sections[1].tables = [
        Table(long, ["A"], [["=1+1"]]),
        Table(long, ["A"], [["x"]]),
        Table("Sources", ["A"], [["y"]]),
    ]
    wb = openpyxl.load_workbook(render_document(doc, "xlsx", tmp_path / "names.xlsx"))
    names = wb.sheetnames
    assert len({n.lower() for n in names}) == len(names) == 8
    for name in names:
        assert len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name)
    first = wb[next(n for n in names if n.startswith("Violence"))]
    assert first["A5"].value == "=1+1" and first["A5"].data_type == "s"  # text, not a formula


# -- JSON and errors ------------------------------------------------------------------------


def test_json_writes_the_contract(outputs):
    data = json.loads(outputs["json"].read_text("utf-8"))
    assert data == {
        "schema": "cspkit/needs-assessment/1",
        "area": {"name": "Barnet", "code": "E09000003"},
        "vintage": "2024-01",
        "generated_at": "2024-02-01T09:30:00",
        "rate": None,
        "tables": [{"month": "2023-01", "count": None}],
    }


def test_json_without_a_contract_is_refused(document, tmp_path):
    with pytest.raises(CspkitError, match=r"pass contract="):
        render_document(document, "json", tmp_path / "sna.json")
    assert not (tmp_path / "sna.json").exists()


def test_unknown_format_and_missing_folder_are_refused(document, tmp_path):
    with pytest.raises(CspkitError, match=r"unknown format 'docx': choose one of pdf, html"):
        render_document(document, "docx", tmp_path / "sna.docx")
    with pytest.raises(CspkitError, match=r"the folder .*nowhere does not exist - create it"):
        render_document(document, "html", tmp_path / "nowhere" / "sna.html")
