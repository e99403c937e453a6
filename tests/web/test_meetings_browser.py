"""Board meetings in a real browser (Debian's Chromium through Playwright, live server): the
administrator reads the forward plan, opens the 1 March 2024 meeting, builds its pack with the
button and downloads it; a viewer sees no button. The pages pass the accessibility checks of
tests/web/test_browser.py. Fixtures follow that file.
"""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from cspkit.web.meetings import services
from cspkit.web.meetings.models import MeetingPack
from cspkit.web.plan.models import BoardMeeting

from .browsing import screenshot_dir

pytestmark = pytest.mark.browser

PASSWORDS = {"admin": "demo-admin-2024", "viewer": "demo-viewer-2024"}


@pytest.fixture
def open_as(browser, live_server, demo, monkeypatch):
    """``open_as("admin")``: a signed-in page; "today" is 15 January 2024 for the app."""
    monkeypatch.setattr(services, "today", lambda: date(2024, 1, 15))
    contexts = []

    def sign_in(username: str) -> Page:
        # the demo accounts were hashed before the tests' fast hasher was set (test_browser.py)
        user = {"admin": demo.admin, "viewer": demo.viewer}[username]
        user.set_password(PASSWORDS[username])
        user.save(update_fields=["password"])
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": 1280, "height": 900},
            locale="en-GB",
            accept_downloads=True,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/sign-in/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORDS[username])
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        return page

    yield sign_in
    for context in contexts:
        context.close()


def snap(page: Page, name: str) -> None:
    folder = screenshot_dir()
    page.screenshot(path=folder / f"{name}.png", full_page=True)


def accessible(page: Page) -> None:
    from .test_browser import A11Y_JS

    assert page.evaluate(A11Y_JS) == []


def test_administrator_builds_and_downloads_the_pack(open_as, demo, tmp_path):
    page = open_as("admin")
    page.get_by_role("link", name="Meetings").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Board meetings")
    coming = page.locator("section", has=page.get_by_role("heading", name="Friday 1 March 2024"))
    expect(coming).to_contain_text("Serious Violence Strategy")
    accessible(page)
    snap(page, "meetings-forward-plan")

    page.get_by_role("link", name="Friday 1 March 2024").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Friday 1 March 2024")
    expect(page.get_by_text("No pack has been built for this meeting yet.")).to_be_visible()
    accessible(page)
    # no police data is loaded in the tests' data folder: the pack says so and is quicker
    page.get_by_role("button", name="Build the pack").click(timeout=120_000)
    expect(page.get_by_role("status")).to_contain_text(
        "The pack for 1 March 2024 has been built", timeout=120_000
    )
    expect(page.get_by_text("Just built")).to_be_visible()
    accessible(page)
    snap(page, "meeting-built")

    pack = MeetingPack.objects.get()
    assert pack.built_by == demo.admin and pack.pages > 3
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the pack").click()
    saved = tmp_path / "pack.pdf"
    download.value.save_as(saved)
    assert download.value.suggested_filename == pack.filename
    assert saved.read_bytes() == bytes(pack.pdf)


def test_viewer_sees_the_packs_but_no_build_button(open_as, demo):
    march = BoardMeeting.objects.get(partnership=demo.partnership, date=date(2024, 3, 1))
    page = open_as("viewer")
    page.goto(f"/meetings/{march.pk}/")
    expect(page.get_by_role("heading", name="Agenda")).to_be_visible()
    expect(page.get_by_role("button", name="Build the pack")).to_have_count(0)
    accessible(page)
    snap(page, "meeting-viewer")
