"""Board meetings: the forward plan from the demo papers, the meeting page, who may build and
download a pack, the pack built on the demo with real police data (its text and its pages as
images), and ``cspkit web meeting-pack``.

"Today" is fixed by replacing :func:`cspkit.web.meetings.services.today` (the demo's
meetings are in 2023-2024).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date, datetime, time
from io import BytesIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from cspkit.web.meetings import services
from cspkit.web.meetings.demo import demo_meetings, load_demo
from cspkit.web.meetings.models import AgendaItem, MeetingPack
from cspkit.web.plan.models import (
    Action,
    AuditEntry,
    BoardMeeting,
    Organisation,
    Partnership,
    Person,
    Role,
)

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
MARCH = date(2024, 3, 1)
FAKE_PDF = b"%PDF-1.4\n% a stand-in pack for the permission tests\n%%EOF\n"


@pytest.fixture
def on_day(monkeypatch):
    """Fix "today" for the meetings app: ``on_day(date(2024, 1, 15))``."""

    def fix(day: date) -> date:
        monkeypatch.setattr(services, "today", lambda: day)
        return day

    return fix


def meeting(partnership, day: date = MARCH) -> BoardMeeting:
    return BoardMeeting.objects.get(partnership=partnership, date=day)


def _text(response) -> str:
    return response.content.decode()


# --- the demo forward plan --------------------------------------------------------------


def test_demo_meetings_and_agendas(demo):
    meetings = {m.date: m for m in BoardMeeting.objects.filter(partnership=demo.partnership)}
    assert sorted(meetings) == [
        date(2023, 1, 20),
        date(2023, 7, 21),
        date(2023, 11, 24),
        date(2024, 3, 1),
        date(2024, 6, 7),
        date(2024, 9, 6),
    ]
    march = meetings[MARCH]
    assert march.venue == "Hendon Town Hall, The Burroughs, London NW4 4BQ"
    items = list(march.agenda.order_by("position"))
    assert len(items) == 8
    assert [i.position for i in items] == list(range(1, 9))
    assert items[0].title == "Performance Update"
    assert items[0].owner == "Matt Leng, Community Safety Team, LBB"
    serious = [i for i in items if i.title == "Serious Violence Strategy"]
    assert len(serious) == 1
    # the owner was folded over two lines in the YAML; it is one line here
    assert serious[0].owner == (
        "Christopher Kelly, Strategic Lead for Tackling Violence and Exploitation. "
        "Safeguarding Division, Children's Service"
    )
    assert items[-1].title == "Barnet Safeguarding Adults Board – Annual update"
    assert meetings[date(2023, 1, 20)].agenda.count() == 0
    july = list(meetings[date(2023, 7, 21)].agenda.order_by("position"))
    assert [i.decision for i in july] == ["Non-Key"] * 5 + [""]
    # every item of the YAML is loaded, in order
    for entry in demo_meetings():
        loaded = meetings[entry["date"]].agenda.order_by("position")
        assert [i.title for i in loaded] == [" ".join(x["title"].split()) for x in entry["items"]]


def test_demo_load_is_idempotent_and_replaces_the_agenda(demo):
    march = meeting(demo.partnership)
    AgendaItem.objects.create(meeting=march, position=99, title="Added by hand")
    march.venue = "Somewhere else"
    march.save()
    count = AgendaItem.objects.count()
    load_demo(demo.partnership, demo.admin)
    load_demo(demo.partnership, demo.admin)
    march.refresh_from_db()
    assert march.venue == "Hendon Town Hall, The Burroughs, London NW4 4BQ"
    assert march.agenda.count() == 8
    assert AgendaItem.objects.count() == count - 1
    assert BoardMeeting.objects.filter(partnership=demo.partnership, date=MARCH).count() == 1


def test_demo_rejects_an_unknown_issue_type(demo, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "meetings:\n  - date: 2025-01-10\n    title: Board\n    venue: ''\n    items:\n"
        "      - {title: X, theme: '', owner: '', decision: Maybe}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="Maybe"):
        load_demo(demo.partnership, path=bad)
    assert not BoardMeeting.objects.filter(date=date(2025, 1, 10)).exists()


# --- pages ------------------------------------------------------------------------------


def test_forward_plan_lists_only_future_meetings_as_coming_up(client, demo, on_day):
    on_day(date(2024, 1, 15))
    client.force_login(demo.viewer)
    page = _text(client.get(reverse("meeting_list")))
    coming, past = page.split('id="past"')
    for day in ("Friday 1 March 2024", "Friday 7 June 2024", "Friday 6 September 2024"):
        assert day in coming
    assert "Serious Violence Strategy" in coming  # the agendas of meetings to come
    assert "Probation Service – Annual Report" in coming
    for day in ("24 November 2023", "21 July 2023", "20 January 2023"):
        assert day not in coming
        assert day in past
    assert "1 March 2024" not in past
    # past meetings link to their page, without their agendas
    assert reverse("meeting", args=[meeting(demo.partnership, date(2023, 11, 24)).pk]) in past
    assert "Combating Drugs Partnership Update" not in page


def test_forward_plan_on_the_meeting_day_and_after_the_last(client, demo, on_day):
    client.force_login(demo.viewer)
    on_day(MARCH)
    coming = _text(client.get(reverse("meeting_list"))).split('id="past"')[0]
    assert "Friday 1 March 2024</a> (today)" in coming
    on_day(date(2025, 1, 1))
    page = _text(client.get(reverse("meeting_list")))
    assert "No meetings are planned after 1 January 2025." in page


def test_meeting_page(client, demo, on_day):
    on_day(date(2024, 2, 1))
    march = meeting(demo.partnership)
    client.force_login(demo.viewer)
    page = _text(client.get(reverse("meeting", args=[march.pk])))
    assert "Friday 1 March 2024" in page
    assert "Hendon Town Hall, The Burroughs, London NW4 4BQ" in page
    assert page.count("<tr><td>") == 8  # the agenda's rows
    assert "Serious Violence Strategy" in page
    assert reverse("board") + "?since=2023-11-24#changes" in page
    assert "No pack has been built for this meeting yet." in page
    assert "Build the pack" not in page  # viewers do not build
    client.force_login(demo.admin)
    page = _text(client.get(reverse("meeting", args=[march.pk])))
    assert "Build the pack" in page and "csrfmiddlewaretoken" in page
    assert "Building takes about half a minute" in page
    assert "released up to 2024-02" in page


def test_key_decisions_are_shown(client, demo):
    march = meeting(demo.partnership)
    AgendaItem.objects.create(meeting=march, position=9, title="Budget", decision="Key")
    client.force_login(demo.viewer)
    page = _text(client.get(reverse("meeting", args=[march.pk])))
    assert '<strong class="tag rag-amber">Key</strong>' in page
    assert "Not stated" in page


# --- who may do what --------------------------------------------------------------------

ROLES = ("anonymous", "admin", "police_editor", "viewer", "no_person", "outsider")


@pytest.fixture
def users(demo):
    User = get_user_model()
    other = Partnership.objects.create(name="Elsewhere Partnership", area="Elsewhere")
    org = Organisation.objects.create(partnership=other, short_name="Police", name="Other police")
    outsider = User.objects.create_user("outsider", password="x-pw-123456")
    Person.objects.create(user=outsider, organisation=org, role=Role.ADMIN, name="Outsider")
    return {
        "anonymous": None,
        "admin": demo.admin,
        "police_editor": demo.police_editor,
        "viewer": demo.viewer,
        "no_person": User.objects.create_user("loner", password="x-pw-123456"),
        "outsider": outsider,
    }


@pytest.fixture
def stored_pack(demo) -> MeetingPack:
    return MeetingPack.objects.create(
        meeting=meeting(demo.partnership),
        built_by=demo.admin,
        pdf=FAKE_PDF,
        pages=1,
        period_first=date(2023, 10, 1),
        period_last=date(2023, 12, 31),
        vintage_limit="2024-02",
    )


@pytest.fixture
def quick_build(monkeypatch):
    """The permission tests check who may build, not the pack: a stand-in build."""

    def make_pack(meeting, user=None, warehouse=None):
        return MeetingPack.objects.create(
            meeting=meeting,
            built_by=user,
            pdf=FAKE_PDF,
            pages=1,
            period_first=date(2023, 10, 1),
            period_last=date(2023, 12, 31),
        )

    monkeypatch.setattr(services, "make_pack", make_pack)


# (page, method) -> expected status per role; 302 = sent to sign in
MATRIX = {
    ("meeting_list", "GET"): {
        "anonymous": 302,
        "admin": 200,
        "police_editor": 200,
        "viewer": 200,
        "no_person": 403,
        "outsider": 200,  # their own partnership's (empty) forward plan
    },
    ("meeting", "GET"): {
        "anonymous": 302,
        "admin": 200,
        "police_editor": 200,
        "viewer": 200,
        "no_person": 403,
        "outsider": 404,
    },
    ("meeting_build", "POST"): {
        "anonymous": 302,
        "admin": 302,  # built, then back to the meeting page
        "police_editor": 403,
        "viewer": 403,
        "no_person": 403,
        "outsider": 404,
    },
    ("meeting_build", "GET"): dict.fromkeys(ROLES, 405) | {"anonymous": 302},
    ("meeting_pack", "GET"): {
        "anonymous": 302,
        "admin": 200,
        "police_editor": 200,
        "viewer": 200,
        "no_person": 403,
        "outsider": 404,
    },
}


@pytest.mark.parametrize("page, method", list(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, users, demo, stored_pack, quick_build, page, method, role):
    user = users[role]
    if user is not None:
        client.force_login(user)
    march = meeting(demo.partnership)
    args = {
        "meeting_list": [],
        "meeting": [march.pk],
        "meeting_build": [march.pk],
        "meeting_pack": [march.pk, stored_pack.pk],
    }[page]
    before = MeetingPack.objects.count()
    url = reverse(page, args=args)
    response = client.post(url) if method == "POST" else client.get(url)
    expected = MATRIX[(page, method)][role]
    assert response.status_code == expected, (page, method, role)
    if expected == 302 and role == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    built = MeetingPack.objects.count() - before
    assert built == (1 if (page, method, role) == ("meeting_build", "POST", "admin") else 0)
    if page == "meeting_pack" and expected == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response.content == FAKE_PDF
        assert "attachment" in response["Content-Disposition"]


def test_build_needs_the_csrf_token(demo, quick_build):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(demo.admin)
    response = client.post(reverse("meeting_build", args=[meeting(demo.partnership).pk]))
    assert response.status_code == 403
    assert not MeetingPack.objects.exists()


def test_build_shows_the_new_pack(client, demo, quick_build):
    march = meeting(demo.partnership)
    client.force_login(demo.admin)
    response = client.post(reverse("meeting_build", args=[march.pk]), follow=True)
    pack = MeetingPack.objects.get()
    assert response.redirect_chain[-1][0] == reverse("meeting", args=[march.pk]) + (
        f"?built={pack.pk}#packs"
    )
    page = _text(response)
    assert "has been built: 1 pages" in page
    assert "Just built" in page
    assert f"(PDF, {len(FAKE_PDF)}\xa0bytes)" in page  # the size, read without the PDF
    assert reverse("meeting_pack", args=[march.pk, pack.pk]) in page
    assert "Demo Administrator" in page


def test_another_partnerships_pack_is_not_found_through_this_meeting(client, demo, stored_pack):
    other_meeting = meeting(demo.partnership, date(2023, 11, 24))
    client.force_login(demo.viewer)
    url = reverse("meeting_pack", args=[other_meeting.pk, stored_pack.pk])
    assert client.get(url).status_code == 404


def test_build_pack_service_checks_the_permission(demo):
    march = meeting(demo.partnership)
    for user in (demo.viewer, demo.police_editor):
        with pytest.raises(PermissionDenied):
            services.build_pack(user, march)
    assert not MeetingPack.objects.exists()


def test_vintage_limit_is_the_month_before_the_meeting():
    assert services.vintage_limit(MARCH) == "2024-02"
    assert services.vintage_limit(date(2024, 1, 31)) == "2023-12"
    assert services.vintage_limit(date(2023, 11, 24)) == "2023-10"


# --- the pack itself --------------------------------------------------------------------


def _pdf_text(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(BytesIO(pdf)).pages]


def _a_change_and_an_update(demo):
    """A RAG change and a progress update on 10 January 2024, between two meetings."""
    from cspkit.web.plan.services import ActionChange, add_update, save_action

    action = Action.objects.get(pk=demo.police_action.pk)
    save_action(
        demo.police_editor,
        action.pk,
        action.version,
        ActionChange(fields={"rag": "red", "progress": "delivery"}),
    )
    add_update(demo.police_editor, action.pk, "Knife crime surge in Burnt Oak: patrols doubled.")
    when = timezone.make_aware(datetime.combine(date(2024, 1, 10), time(10)))
    AuditEntry.objects.filter(action=action).update(when=when)
    action.updates.update(created_at=when)
    return action


_BUILT: dict[str, bytes] = {}  # the 1 March pack's PDF, drawn once (about half a minute)


@pytest.fixture
def march_pack(demo, loaded_warehouse):
    """The 1 March 2024 pack, built by the administrator with every shared borough file."""
    pack = services.build_pack(demo.admin, meeting(demo.partnership), warehouse=loaded_warehouse)
    _BUILT["march"] = bytes(pack.pdf)
    return pack


@pytest.fixture
def march_pdf(request) -> bytes:
    if "march" not in _BUILT:
        request.getfixturevalue("march_pack")
    return _BUILT["march"]


@pytest.fixture
def quick_render(monkeypatch):
    """Tests of the records around a pack do not need it drawn: a one-page stand-in."""
    from weasyprint import HTML

    import cspkit.render.pack

    def pack_document(report):
        return HTML(string="<p>A stand-in pack</p>").render(), []

    monkeypatch.setattr(cspkit.render.pack, "pack_document", pack_document)


def test_build_pack_on_the_demo(demo, march_pack):
    pack = march_pack
    assert pack.meeting.date == MARCH
    assert pack.built_by == demo.admin
    assert (pack.period_first, pack.period_last) == (date(2023, 10, 1), date(2023, 12, 31))
    assert pack.vintage_limit == "2024-02"
    assert pack.vintages_used == "2024-01"  # the newest release not after February 2024
    assert pack.dashboard_note == ""
    assert bytes(pack.pdf).startswith(b"%PDF")
    pages = _pdf_text(bytes(pack.pdf))
    assert pack.pages == len(pages) > 3
    text = " ".join(pages)
    contents = [i for i, p in enumerate(pages) if "Contents" in p]
    assert contents and contents[0] <= 1, "a contents page near the front"
    contents_page = pages[contents[0]]
    for part in ("Agenda", "Performance Dashboard", "action plan", "indicators"):
        assert part.lower() in contents_page.lower(), part
    assert "October" in text and "December 2023" in text
    assert "Victim Care Hub" in text
    assert "Serious Violence Strategy" in text  # the agenda
    assert "Hendon Town Hall" in text
    assert AuditEntry.objects.filter(verb="build pack", model="meetings.MeetingPack").exists()


def test_the_packs_pages_as_images(march_pdf, tmp_path):
    """Every page drawn (pdftoppm) has ink on it; the pages are kept for a person to look at.

    They are drawn and checked in the test's own folder, then copied to
    test-artifacts/meeting-pack/ (or $CSPKIT_PACK_PAGES), so runs side by side do not mix.
    """
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    from PIL import Image, ImageChops

    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(march_pdf)
    drawn = tmp_path / "pages"
    drawn.mkdir()
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(drawn / "page")], check=True)
    images = sorted(drawn.glob("page-*.png"))
    assert len(images) == len(_pdf_text(march_pdf))
    for path in images:
        with Image.open(path) as image:
            grey = image.convert("L")
            white = Image.new("L", grey.size, 255)
            box = ImageChops.difference(grey, white).getbbox()
            assert box is not None, f"{path.name} is blank"
            inked = sum(grey.histogram()[:200]) / (grey.size[0] * grey.size[1])
            assert inked > 0.002, f"{path.name} is nearly blank ({inked:.4f})"
    folder = Path(os.environ.get("CSPKIT_PACK_PAGES") or REPO / "test-artifacts" / "meeting-pack")
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(drawn, folder, dirs_exist_ok=True)


def test_pack_lists_changes_since_the_previous_meeting(demo, loaded_warehouse):
    _a_change_and_an_update(demo)
    report = services.pack_report(meeting(demo.partnership), warehouse=loaded_warehouse)
    plan = report.plan
    assert plan.since == date(2023, 11, 24)
    assert plan.as_of == MARCH
    whats = [c.what for c in plan.changes]
    assert any("Risk RAG status" in w and "Red" in w for w in whats), whats
    assert any("Knife crime surge in Burnt Oak" in w for w in whats), whats
    assert all(c.who == "Demo Police Editor" for c in plan.changes)
    assert sum(t.total for t in plan.themes) == Action.objects.count()
    assert all(set(t.rag) == {"red", "amber", "green", ""} for t in plan.themes)
    # the November pack stops at the end of its own day: January's change is not in it
    november = services.pack_report(
        meeting(demo.partnership, date(2023, 11, 24)), warehouse=loaded_warehouse
    )
    assert november.plan.since == date(2023, 7, 21)
    assert not november.plan.changes


def test_rebuilding_keeps_the_history(demo, loaded_warehouse, quick_render, client):
    march = meeting(demo.partnership)
    first = services.build_pack(demo.admin, march, warehouse=loaded_warehouse)
    again = services.build_pack(demo.admin, march, warehouse=loaded_warehouse)
    assert MeetingPack.objects.filter(meeting=march).count() == 2
    assert first.pk != again.pk and first.pages == again.pages == 1
    client.force_login(demo.viewer)
    for pack in (first, again):
        response = client.get(reverse("meeting_pack", args=[march.pk, pack.pk]))
        assert response.status_code == 200
        assert response.content == bytes(pack.pdf)
    page = _text(client.get(reverse("meeting", args=[march.pk])))
    assert page.count("Download the pack") == 2
    assert "October to December 2023" in page
    assert "Release 2024-01" in page


def test_pack_without_police_data_says_so(demo, tmp_path, quick_render):
    empty = tmp_path / "empty.duckdb"
    report = services.pack_report(meeting(demo.partnership), warehouse=empty)
    assert report.dashboard is None
    assert "No police data has been loaded" in report.dashboard_note
    assert len(report.agenda) == 8 and report.plan is not None and report.kpis
    pack = services.build_pack(demo.admin, meeting(demo.partnership), warehouse=empty)
    assert pack.vintages_used == ""
    assert "No police data has been loaded" in pack.dashboard_note
    assert not empty.exists()  # the warehouse is only read, never made


# --- the command line -------------------------------------------------------------------


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CSPKIT_DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "cspkit", "web", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


def test_meeting_pack_command(tmp_path):
    """The command in a subprocess; without police data, so the pack says so (and is quicker)."""
    db = tmp_path / "web.sqlite3"
    loaded = _cli("demo", "--database", str(db), "--no-accounts", cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    out = tmp_path / "pack.pdf"
    done = _cli(
        "meeting-pack",
        "--date",
        "2024-03-01",
        "--out",
        str(out),
        "--warehouse",
        str(tmp_path / "no-warehouse.duckdb"),
        "--database",
        str(db),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    said = " ".join(done.stdout.split())
    assert "Wrote the pack for Safer Communities Partnership Board, 01 March 2024" in said
    assert "October to December 2023 (no dashboard: No police data has been loaded" in said
    assert "21 partner indicators. Kept in the app as pack 1." in said
    pages = _pdf_text(out.read_bytes())
    assert "Contents" in pages[1]
    text = " ".join(pages)
    assert "No police data has been loaded" in text
    assert "Serious Violence Strategy" in text and "Victim Care Hub" in text

    missing = _cli(
        "meeting-pack",
        "--date",
        "2024-03-02",
        "--out",
        str(tmp_path / "x.pdf"),
        "--database",
        str(db),
        cwd=tmp_path,
    )
    assert missing.returncode == 2
    said = " ".join(missing.stdout.split())
    assert "No board meeting on 2024-03-02" in said
    assert "2023-11-24, 2024-03-01, 2024-06-07" in said
    assert not (tmp_path / "x.pdf").exists()

    bad = _cli("meeting-pack", "--date", "1 March", "--out", "x.pdf", cwd=tmp_path)
    assert bad.returncode == 2
    assert "2024-03-01" in bad.stdout
