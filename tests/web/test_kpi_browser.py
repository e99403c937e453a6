"""A partner's return in a real browser (Debian's Chromium through Playwright, live server):
the Police editor downloads the return template, uploads it with a mistake (sees every
problem, nothing is saved), fixes it, uploads it again and finds the figures on the
indicator page. Fixtures follow tests/web/test_browser.py.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from cspkit.web.kpis.models import Return
from cspkit.web.plan.models import AuditEntry

from .browsing import screenshot_dir

pytestmark = pytest.mark.browser

POLICE_PASSWORD = "demo-police-2024"


@pytest.fixture
def page(browser, live_server, demo) -> Page:
    # The demo accounts were hashed before the tests' fast hasher was set (test_browser.py).
    demo.police_editor.set_password(POLICE_PASSWORD)
    demo.police_editor.save(update_fields=["password"])
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1280, "height": 900},
        locale="en-GB",
        accept_downloads=True,
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def snap(page: Page, name: str) -> None:
    folder = screenshot_dir()
    page.screenshot(path=folder / f"{name}.png", full_page=True)


def xlsx_bytes(workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(page: Page, name: str, body: bytes) -> None:
    page.get_by_label("Upload a return file").set_input_files(
        {
            "name": name,
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": body,
        }
    )
    page.get_by_role("button", name="Check and upload").click()


def test_police_editor_uploads_a_return_with_an_error_then_without(page, demo):
    page.goto("/sign-in/")
    page.get_by_label("Username").fill("police.editor")
    page.get_by_label("Password").fill(POLICE_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.get_by_role("link", name="Indicators").click()
    page.get_by_role("link", name="Enter or upload returns").click()
    expect(page.get_by_role("heading", name="Returns for Police")).to_be_visible()
    page.get_by_label("Return round (quarter)").select_option("2023/24 Q3")
    page.get_by_role("button", name="Choose round").click()
    expect(page.get_by_text("has 2 rows")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the template (Excel, XLSX)").click()
    assert download.value.suggested_filename == "returns-police-2023-24-q3.xlsx"
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    sheet = workbook["Return"]
    assert [sheet[f"A{r}"].value for r in (2, 3)] == [
        "victim_satisfaction_nw_london",
        "victim_satisfaction_barnet",
    ]
    assert [sheet[f"D{r}"].value for r in (2, 3)] == ["2023/24 Q3", "2023/24 Q3"]

    # First try: Barnet's rate typed as 720 instead of 72.
    sheet["E2"], sheet["E3"], sheet["F3"] = 64, 720, "Q3 from the MOPAC dashboard"
    before = (Return.objects.count(), AuditEntry.objects.count())
    upload(page, "returns-police-2023-24-q3.xlsx", xlsx_bytes(workbook))
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("There is a problem with the file")
    expect(summary).to_contain_text("Nothing has been saved.")
    expect(summary).to_be_focused()
    problems = page.get_by_role("table", name="Problems in returns-police-2023-24-q3.xlsx")
    expect(problems.locator("tbody tr")).to_have_count(1)
    expect(problems.locator("tbody tr").first).to_have_text(
        "3value720is more than 100: a percentage must be from 0 to 100"
    )
    snap(page, "kpi-upload-error")
    assert (Return.objects.count(), AuditEntry.objects.count()) == before

    # Fixed and uploaded again, from the same page.
    sheet["E3"] = 72
    upload(page, "returns-police-2023-24-q3.xlsx", xlsx_bytes(workbook))
    expect(page.get_by_role("heading", name="Return uploaded")).to_be_visible()
    expect(page.get_by_text("2 new returns, 0 changed, 0 unchanged")).to_be_visible()
    snap(page, "kpi-upload-done")

    page.get_by_role("link", name="Victim satisfaction rate, Barnet").click()
    expect(page.get_by_role("heading", name="Victim satisfaction rate, Barnet")).to_be_visible()
    returns = page.locator("#returns + .table-wrap table")
    row = returns.locator("tbody tr").filter(has=page.get_by_role("rowheader", name="2023/24 Q3"))
    expect(row).to_contain_text("72")
    expect(row).to_contain_text("Demo Police Editor")
    expect(row).to_contain_text("Q3 from the MOPAC dashboard")
    expect(row).to_contain_text("Received")
    snap(page, "kpi-indicator")
    saved = Return.objects.get(indicator__code="victim_satisfaction_barnet", period="2023/24 Q3")
    assert saved.entered_by == demo.police_editor and saved.value == 72


KPI_PAGES = {
    "kpi-list": "/kpis/",
    "kpi-list-as-at": "/kpis/?as_of=2024-03-01",
    "kpi-indicator": "/kpis/victim_hub_referrals/",
    "kpi-indicator-own": "/kpis/victim_satisfaction_nw_london/",
    "kpi-returns": "/kpis/returns/",
    "kpi-late": "/kpis/late/",
    "kpi-upload": "/kpis/returns/upload/",
}


@pytest.mark.parametrize("name", list(KPI_PAGES))
def test_kpi_pages_have_accessible_structure(page, name):
    from .test_browser import A11Y_JS

    page.goto("/sign-in/")
    page.get_by_label("Username").fill("police.editor")
    page.get_by_label("Password").fill(POLICE_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()  # signed in first
    response = page.goto(KPI_PAGES[name])
    assert response.status == 200 and response.url.endswith(KPI_PAGES[name])
    assert page.evaluate(A11Y_JS) == []
    snap(page, name)
