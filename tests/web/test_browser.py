"""The web app in a real browser: Debian's Chromium driven by Playwright's sync API.

Each test gets the Barnet demo plan in a fresh database (``live_server`` makes the ``db``
behind the ``demo`` fixture transactional, so the server thread sees it) and a fresh
browser context; the browser itself is started once per module. Playwright's own browser
download is never used: ``scripts/ensure-chromium`` installs ``/usr/bin/chromium``.

The screenshot test writes full-page PNGs of every page to ``$CSPKIT_SCREENSHOTS`` (default
``test-artifacts/screenshots/``, git-ignored); ``docs/screenshots/`` holds a curated copy.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import BrowserContext, Page, expect

from cspkit.web.plan.models import Action, Stage

from .browsing import screenshot_dir

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}

PASSWORDS = {
    "admin": "demo-admin-2024",
    "police.editor": "demo-police-2024",
    "viewer": "demo-viewer-2024",
}


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture
def new_context(browser, live_server):
    """Make browser contexts (separate cookie jars) pointed at the live server."""
    made: list[BrowserContext] = []

    def make(viewport: dict | None = None) -> BrowserContext:
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport or DESKTOP, locale="en-GB"
        )
        context.set_default_timeout(10_000)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def demo(demo):
    """conftest's demo, with the demo accounts' passwords hashed by this test's hasher.

    The first transactional test sees the demo loaded once per session, before the fast
    test hasher was configured, so its PBKDF2 hashes would not verify; later ones reload it.
    """
    for user in (demo.admin, demo.police_editor, demo.viewer):
        user.set_password(PASSWORDS[user.username])
        user.save(update_fields=["password"])
    return demo


@pytest.fixture
def page(new_context) -> Page:
    return new_context().new_page()


def sign_in(page: Page, username: str, password: str | None = None) -> Page:
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password or PASSWORDS[username])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return page


def signed_in(new_context, username: str, viewport: dict | None = None) -> Page:
    return sign_in(new_context(viewport).new_page(), username)


def action_url(action: Action, edit: bool = False) -> str:
    return reverse("action_edit" if edit else "action", args=[action.pk])


def summary_value(page: Page, term: str):
    """The <dd> beside a <dt> in the action page's summary list."""
    return (
        page.locator(".summary-list > div")
        .filter(has=page.locator("dt", has_text=re.compile(f"^{re.escape(term)}$")))
        .locator("dd")
    )


BOARD_CELL_JS = """([caption, rowName, column]) => {
  const table = [...document.querySelectorAll('table')]
    .find(t => t.caption && t.caption.textContent.trim() === caption);
  if (!table) return 'no table';
  const heads = [...table.tHead.rows[0].cells].map(c => c.textContent.trim());
  const col = heads.findIndex(h => h.includes(column));
  const row = [...table.tBodies[0].rows].find(r => r.cells[0].textContent.trim() === rowName);
  if (col < 0 || !row) return 'no cell';
  return row.cells[col].textContent.trim();
}"""


def board_rag_count(page: Page, theme: str, rag_word: str) -> str:
    return page.evaluate(
        BOARD_CELL_JS, ["Number of actions by theme and Risk RAG status", theme, rag_word]
    )


# The curated set in docs/screenshots/ (the user guide's pictures): name -> pixels from the
# top to keep (None: the whole page). Each shot is also written to <screenshots>/docs/;
# refresh the guide's copies with `cp test-artifacts/screenshots/docs/*.png docs/screenshots/`.
DOCS_SHOTS = {
    "sign-in": 590,
    "home": None,
    "plan": 1500,
    "action": None,
    "action-edit-conflict": 1300,
    "board": 2250,
    "my-actions": None,
    "mobile-plan": 2000,
}


def snap(page: Page, name: str, height: int = 0) -> None:
    """Save a full-page PNG (or its top ``height`` pixels), and the docs copy if curated."""
    out = screenshot_dir()
    width = page.viewport_size["width"]
    clip = {"x": 0, "y": 0, "width": width, "height": height} if height else None
    page.screenshot(path=out / f"{name}.png", full_page=True, clip=clip)
    if name in DOCS_SHOTS:
        (out / "docs").mkdir(exist_ok=True)
        top = DOCS_SHOTS[name]
        page_height = page.evaluate("() => document.documentElement.scrollHeight")
        clip = {"x": 0, "y": 0, "width": width, "height": min(top, page_height)} if top else None
        page.screenshot(path=out / "docs" / f"{name}.png", full_page=True, clip=clip)


# --- an editor's journey ----------------------------------------------------------------


def test_editor_changes_stage_and_rag_adds_update_and_board_shows_it(new_context, demo):
    action = demo.police_action
    theme = str(action.theme)
    assert action.rag == "" and action.progress != Stage.DELIVERY
    dates = [(r.start, r.end) for r in action.rows.all()]
    assert any(end for _, end in dates)
    page = signed_in(new_context, "police.editor")

    # The board before: nothing amber in this action's theme (the demo rates no action).
    amber_before = Action.objects.filter(theme=action.theme, rag="amber").count()
    assert amber_before == 0
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Board view").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Board view")
    assert board_rag_count(page, theme, "Amber") == "0"

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My actions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My actions")
    page.get_by_role("link", name=action.label, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Action {action.label}")

    page.get_by_role("link", name="Change stage, RAG and details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Change action {action.label}")
    page.get_by_label("Progress stage", exact=True).select_option(label="Implementation/delivery")
    page.get_by_role("group", name="Risk RAG status").get_by_label(re.compile("^Amber")).check()
    page.get_by_role("button", name="Save changes").click()

    expect(page.get_by_role("status").filter(has_text="has been saved")).to_have_text(
        f"Action {action.label} has been saved."
    )
    expect(summary_value(page, "Progress stage")).to_have_text("Implementation/delivery")
    # The RAG is a word and a symbol, not only a colour.
    expect(summary_value(page, "Risk RAG status")).to_have_text("● Amber")

    update_text = "Violence assessment meeting held on 3 June; terms of reference agreed."
    page.get_by_label("What has happened since the last update?").fill(update_text)
    page.get_by_role("button", name="Add update").click()
    expect(page.get_by_role("status")).to_have_text("Your update has been added.")
    updates = page.locator("#updates + form + ol.timeline, #updates + ol.timeline")
    expect(updates.locator("li").first).to_contain_text(update_text)
    expect(updates.locator("li").first).to_contain_text("Demo Police Editor")

    # The change history says who changed what, in words.
    history = page.get_by_role("table", name=re.compile("Every change to this action"))
    change = (
        history.locator("tbody tr").filter(has_text="Changed").filter(has_text="Risk RAG status")
    )
    expect(change).to_have_count(1)
    expect(change).to_contain_text("Demo Police Editor")
    expect(change).to_contain_text("Progress stage: Not recorded → Implementation/delivery")
    expect(change).to_contain_text("Risk RAG status: – Not rated → ● Amber")
    added = history.locator("tbody tr").filter(has_text="Progress update")
    expect(added).to_contain_text(update_text)

    # The board after: the update is among the changes since the last board meeting, and
    # the theme now has one amber action.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Board view").click()
    expect(page.get_by_role("heading", name=re.compile("^Changes since"))).to_be_visible()
    updates_since = page.locator("h3", has_text="Progress updates").locator("+ ul")
    item = updates_since.locator("li").filter(has_text=f"Action {action.label}")
    expect(item).to_contain_text(update_text)
    expect(item).to_contain_text("Demo Police Editor")
    assert board_rag_count(page, theme, "Amber") == "1"

    action.refresh_from_db()
    assert (action.progress, action.rag) == (Stage.DELIVERY, "amber")
    # Saving the edit form kept the delivery rows' dates (a date input takes only ISO dates).
    assert [(r.start, r.end) for r in action.rows.all()] == dates


# --- who may change what ----------------------------------------------------------------


def test_viewer_sees_no_change_controls_and_edit_url_is_refused(new_context, demo):
    page = signed_in(new_context, "viewer")
    page.goto(action_url(demo.police_action))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Action {demo.police_action.label}")
    expect(page.get_by_role("link", name=re.compile("^Change"))).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Change"))).to_have_count(0)
    expect(page.get_by_role("button", name="Add update")).to_have_count(0)
    expect(page.get_by_label("What has happened since the last update?")).to_have_count(0)

    response = page.goto(action_url(demo.police_action, edit=True))
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "You do not have permission to do that"
    )

    page.goto(reverse("plan"))
    expect(page.locator(".result-count")).to_contain_text("actions shown")
    expect(page.get_by_role("link", name=re.compile("^Update"))).to_have_count(0)

    # A viewer may still download the plan as the VRU spreadsheet.
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("^Download the whole plan")).click()
    assert download.value.suggested_filename.endswith(".xlsx")


def test_editor_cannot_change_another_organisations_action(new_context, demo):
    page = signed_in(new_context, "police.editor")
    page.goto(action_url(demo.other_action))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Action {demo.other_action.label}")
    expect(page.get_by_role("link", name="Change stage, RAG and details")).to_have_count(0)
    expect(page.get_by_role("button", name="Add update")).to_have_count(0)

    response = page.goto(action_url(demo.other_action, edit=True))
    assert response.status == 403
    expect(page.get_by_text("You do not have permission")).to_be_visible()

    # The plan offers "Update" only on the editor's own organisation's actions.
    page.goto(reverse("plan"))
    expect(
        page.get_by_role("link", name=f"Update action {demo.police_action.label}")
    ).to_be_visible()
    expect(page.get_by_role("link", name=f"Update action {demo.other_action.label}")).to_have_count(
        0
    )


# --- two people editing at once ---------------------------------------------------------


def test_concurrent_edit_is_refused_and_keeps_what_the_second_person_typed(new_context, demo):
    action = demo.police_action
    admin = signed_in(new_context, "admin")
    editor = signed_in(new_context, "police.editor")
    admin.goto(action_url(action, edit=True))
    editor.goto(action_url(action, edit=True))

    theirs = "Admin: meeting moved to the new partnership hub."
    admin.get_by_label("Comment", exact=True).fill(theirs)
    admin.get_by_role("button", name="Save changes").click()
    expect(admin.get_by_role("status")).to_have_text(f"Action {action.label} has been saved.")

    yours = "Police: first assessment meeting booked for July."
    editor.get_by_label("Comment", exact=True).fill(yours)
    editor.get_by_role("button", name="Save changes").click()
    conflict = editor.get_by_role("alert")
    expect(conflict).to_contain_text("Someone else changed this action while you were editing it")
    expect(conflict).to_contain_text("Demo Administrator saved it")
    differences = editor.get_by_role("table", name="How their saved version differs from yours")
    row = differences.locator("tbody tr").filter(
        has=editor.get_by_role("rowheader", name="Comment")
    )
    expect(row.locator("td").nth(0)).to_have_text(theirs)
    expect(row.locator("td").nth(1)).to_have_text(yours)
    expect(editor.get_by_label("Comment", exact=True)).to_have_value(yours)

    action.refresh_from_db()
    assert action.comment == theirs
    snap(editor, "action-edit-conflict")


# --- errors keep what was typed ---------------------------------------------------------


def test_update_form_error_keeps_the_chosen_rag(new_context, demo):
    page = signed_in(new_context, "police.editor")
    page.goto(action_url(demo.police_action))
    page.get_by_label("Risk RAG status now").select_option("red")
    page.get_by_role("button", name="Add update").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link", name="Enter the progress update.")).to_be_visible()
    expect(summary).to_be_focused()
    expect(page.get_by_label("Risk RAG status now")).to_have_value("red")
    assert page.title().startswith("Error: Action")
    # Nothing was saved.
    assert not demo.police_action.updates.exists()
    snap(page, "action-update-error")


# --- sign-in throttling -----------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_from_this_address(page, demo):
    page.goto("/sign-in/")
    for attempt in range(5):
        page.get_by_label("Username").fill("viewer")
        page.get_by_label("Password").fill(f"wrong-{attempt}")
        page.get_by_role("button", name="Sign in").click()
        if attempt < 4:
            expect(page.get_by_role("alert")).to_contain_text(
                "The username or password is not right"
            )
        else:
            expect(page.get_by_role("heading", level=1)).to_have_text("Too many sign-in attempts")
            page.goto("/sign-in/")
    page.get_by_label("Username").fill("viewer")
    page.get_by_label("Password").fill(PASSWORDS["viewer"])
    with page.expect_response(
        lambda r: r.url.endswith("/sign-in/") and r.request.method == "POST"
    ) as info:
        page.get_by_role("button", name="Sign in").click()
    assert info.value.status == 429
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many sign-in attempts")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    snap(page, "locked-out")


# --- accessibility basics on every page -------------------------------------------------

A11Y_JS = r"""() => {
  const problems = [];
  const h1s = document.querySelectorAll('h1');
  if (h1s.length !== 1) problems.push(`${h1s.length} h1 elements`);
  const mains = document.querySelectorAll('main, [role=main]');
  if (mains.length !== 1) problems.push(`${mains.length} main landmarks`);
  if (!document.documentElement.lang) problems.push('no lang on <html>');
  if (!document.title.trim()) problems.push('empty <title>');
  for (const el of document.querySelectorAll('input:not([type=hidden]),select,textarea')) {
    const named = el.labels.length > 0 || el.getAttribute('aria-label')
      || el.getAttribute('aria-labelledby');
    if (!named) problems.push(`unlabelled ${el.tagName.toLowerCase()} name=${el.name}`);
  }
  for (const table of document.querySelectorAll('table')) {
    const ths = table.querySelectorAll('th');
    const name = (table.caption && table.caption.textContent.trim()) || table.id || '?';
    if (!ths.length) problems.push(`table "${name}" has no th`);
    if (!table.caption && !table.getAttribute('aria-label'))
      problems.push(`table "${name}" has no caption`);
    for (const th of ths) {
      if (!['col', 'row', 'colgroup', 'rowgroup'].includes(th.getAttribute('scope')))
        problems.push(`th "${th.textContent.trim()}" in "${name}" has no scope`);
    }
  }
  const ids = {};
  for (const el of document.querySelectorAll('[id]')) ids[el.id] = (ids[el.id] || 0) + 1;
  for (const [id, n] of Object.entries(ids)) if (n > 1) problems.push(`id "${id}" used ${n} times`);
  for (const el of document.querySelectorAll('[aria-describedby],[aria-labelledby]')) {
    for (const attr of ['aria-describedby', 'aria-labelledby']) {
      for (const id of (el.getAttribute(attr) || '').split(/\s+/).filter(Boolean))
        if (!document.getElementById(id)) problems.push(`${attr} names missing #${id}`);
    }
  }
  for (const a of document.querySelectorAll('a[href^="#"]')) {
    const target = decodeURIComponent(a.getAttribute('href').slice(1));
    if (target && !document.getElementById(target)) problems.push(`link to missing #${target}`);
  }
  return problems;
}"""

PAGES = {
    "sign-in": (None, lambda demo: reverse("login")),
    "home": ("admin", lambda demo: reverse("home")),
    "plan": ("admin", lambda demo: reverse("plan")),
    "plan-filtered": ("admin", lambda demo: reverse("plan") + "?overdue=on&group=objective"),
    "action": ("admin", lambda demo: action_url(demo.police_action)),
    "action-edit": ("admin", lambda demo: action_url(demo.police_action, edit=True)),
    "my-actions": ("admin", lambda demo: reverse("my_actions")),
    "board": ("admin", lambda demo: reverse("board")),
    "strategy": ("admin", lambda demo: reverse("strategy")),
    "audit": ("admin", lambda demo: reverse("audit")),
    "plan-import": ("admin", lambda demo: reverse("plan_import")),
    "403": ("viewer", lambda demo: action_url(demo.police_action, edit=True)),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_accessible_structure(new_context, demo, name):
    username, url = PAGES[name]
    page = signed_in(new_context, username) if username else new_context().new_page()
    response = page.goto(url(demo))
    assert response.status == (403 if name == "403" else 200)
    assert page.evaluate(A11Y_JS) == []

    # The skip link is the first thing Tab reaches, and it moves focus to <main>.
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => [document.activeElement.className, document.activeElement.textContent.trim()]"
    )
    assert focused == ["skip-link", "Skip to main content"]
    expect(page.locator(".skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.tagName") == "MAIN"


# --- screenshots ------------------------------------------------------------------------


def _prepare_screenshot_data(demo) -> None:
    """Give the plan a realistic mix of stages, RAGs, updates and changes to show."""
    from cspkit.web.plan.services import add_update

    police = demo.police_action
    add_update(
        demo.police_editor,
        police.pk,
        text="Violence assessment meeting held on 3 June; terms of reference agreed "
        "with CYPS and the VCS. Next meeting booked for September.",
        progress=Stage.DELIVERY,
        rag="amber",
    )
    mix = [("complete", "green"), ("delivery", "green"), ("planning", "red"), ("delivery", "")]
    others = Action.objects.exclude(pk=police.pk).order_by("theme__number", "position")[:12]
    for i, action in enumerate(others):
        progress, rag = mix[i % len(mix)]
        add_update(
            demo.admin,
            action.pk,
            text=f"Quarterly position recorded by the CST for action {action.label}.",
            progress=progress,
            rag=rag,
        )


def test_screenshots_of_every_page(new_context, demo):
    """Full-page PNGs at 1280 px (and 390 px for the plan and an action) for review."""
    _prepare_screenshot_data(demo)
    action = demo.police_action

    def shoot(page: Page, name: str, url: str, status: int = 200, height: int = 0) -> None:
        """A full-page PNG, or only its top ``height`` pixels (the whole plan on a phone is
        over 20,000 px tall)."""
        response = page.goto(url)
        assert response.status == status, f"{url}: {response.status}"
        expect(page.locator("h1")).to_have_count(1)
        snap(page, name, height)

    anonymous = new_context().new_page()
    shoot(anonymous, "sign-in", reverse("login"))

    admin = signed_in(new_context, "admin")
    shoot(admin, "home", reverse("home"))
    shoot(admin, "plan", reverse("plan"))
    shoot(admin, "plan-overdue-by-objective", reverse("plan") + "?overdue=on&group=objective")
    shoot(admin, "action", action_url(action))
    shoot(admin, "action-edit", action_url(action, edit=True))
    shoot(admin, "board", reverse("board"))
    shoot(admin, "strategy", reverse("strategy"))
    shoot(admin, "audit", reverse("audit"))
    shoot(admin, "admin", "/admin/")
    shoot(admin, "plan-import", reverse("plan_import"))

    editor = signed_in(new_context, "police.editor")
    shoot(editor, "my-actions", reverse("my_actions"))

    viewer = signed_in(new_context, "viewer")
    shoot(viewer, "403", action_url(demo.other_action, edit=True), status=403)

    mobile = signed_in(new_context, "police.editor", viewport=MOBILE)
    # Nothing may be wider than the phone's screen.
    for name, url in (("mobile-plan", reverse("plan")), ("mobile-action", action_url(action))):
        shoot(mobile, name, url, height=5000 if name == "mobile-plan" else 0)
        assert mobile.evaluate("() => document.documentElement.scrollWidth") <= MOBILE["width"]
