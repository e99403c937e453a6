"""Partner indicators and their returns: RAG and cumulative targets computed by hand, late
returns on fixed dates, the one validator, audited optimistic-locked saves, the permission
matrix for returns, the upload (every problem listed, nothing saved), the return template,
the board view's published figures and the demo.

Expected figures and statuses are worked out by hand in the comments, not by calling the
code under test.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cspkit.measures.reporting_periods import last_complete, parse_period
from cspkit.web.kpis.models import Indicator, Return
from cspkit.web.kpis.report import kpi_reports
from cspkit.web.kpis.schedule import DUE, LATE, RECEIVED, RECEIVED_LATE, round_periods, schedule
from cspkit.web.kpis.services import CHANGED, CREATED, UNCHANGED, ReturnConflict, save_return
from cspkit.web.kpis.validation import ReturnInvalid, check_return
from cspkit.web.plan.models import AuditEntry, Organisation, Partnership, Person, Role

pytestmark = pytest.mark.django_db

POLICE_KPI = "victim_satisfaction_nw_london"  # owned by Police, quarterly percentage
POLICE_KPI_2 = "victim_satisfaction_barnet"
CYPS_KPI = "victim_hub_referrals"  # owned by CYPS, quarterly count, 72 by Q3


def kpi(code: str) -> Indicator:
    return Indicator.objects.get(code=code)


def counts() -> tuple[int, int]:
    return Return.objects.count(), AuditEntry.objects.count()


def aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


def status_cell(html: str, period: str) -> str:
    """The text of the period's row in the indicator page's table of returns."""
    start = html.index(f'<th scope="row" data-label="Period">{period}</th>')
    return html[start : html.index("</tr>", start)]


# --- RAG against the target, through the pages ------------------------------------------


def test_victim_care_hub_cumulative_target_is_red_at_each_quarter(client, demo):
    """72 referrals by Q3 is 24 a quarter (metrics.md: pro-rata). Returns 18, 21, 25:
    Q1 18 v 24 (75%), Q2 18+21 = 39 v 48 (81.25% -> 81%), Q3 39+25 = 64 v 72 (88.9% -> 89%).
    No tolerance is set, so each shortfall is red, never amber."""
    client.force_login(demo.viewer)
    html = client.get(reverse("kpi_detail", args=[CYPS_KPI])).content.decode()
    expected = {
        "2023/24 Q1": "18 referrals by Q1 against a target of 24 (75% of target): red.",
        "2023/24 Q2": "39 referrals by Q2 against a target of 48 (81% of target): red.",
        "2023/24 Q3": "64 referrals by Q3 against a target of 72 (89% of target): red.",
    }
    for period, sentence in expected.items():
        row = status_cell(html, period)
        assert sentence in row and "Red" in row and "✖" in row
    # The list, as at 1 March 2024 (the board of that day): Q3 is the latest complete quarter.
    response = client.get(reverse("kpi_list"), {"as_of": "2024-03-01"})
    row = next(r for g in response.context["groups"] for r in g[1] if r.indicator.code == CYPS_KPI)
    assert (row.report.period, row.report.rag, row.report.value_display) == (
        "2023/24 Q3",
        "red",
        "25",
    )
    assert row.report.year_to_date_display == "64"


def test_barnet_homes_lower_is_better_is_green(client, demo):
    """ASB cases per 1,000 tenancies: 4.5 against a ceiling of 5 (lower is better): green."""
    client.force_login(demo.viewer)
    html = client.get(reverse("kpi_detail", args=["barnet_homes_asb_cases_per_1000"])).content
    row = status_cell(html.decode(), "2023/24")
    assert "4.5 cases per 1,000 tenancies in 2023/24 against a target of 5 or fewer: green." in row
    assert "✔" in row and "Green" in row


@pytest.mark.parametrize(
    ("tolerance", "expected"),
    [
        # 10% of 72 is 7.2: amber down to 64.8, so 64 is still red.
        (Decimal("10"), "red"),
        # 12% of 72 is 8.64: amber down to 63.36, so 64 is amber.
        (Decimal("12"), "amber"),
        # 64 is exactly 72 - 8 = 72 - 11.1111...%: a round 11.2% (8.064) takes it in.
        (Decimal("11.2"), "amber"),
    ],
)
def test_tolerance_makes_amber_at_the_hand_computed_edge(client, demo, tolerance, expected):
    Indicator.objects.filter(code=CYPS_KPI).update(tolerance_percent=tolerance)
    client.force_login(demo.viewer)
    response = client.get(reverse("kpi_list"), {"as_of": "2024-03-01"})
    row = next(r for g in response.context["groups"] for r in g[1] if r.indicator.code == CYPS_KPI)
    assert row.report.rag == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    # Lower is better, target 5, tolerance 10% (0.5): green to 5, amber to 5.5, then red.
    [("5", "green"), ("5.5", "amber"), ("5.51", "red")],
)
def test_lower_is_better_tolerance_edges(client, demo, value, expected):
    indicator = kpi("barnet_homes_asb_cases_per_1000")
    Indicator.objects.filter(pk=indicator.pk).update(tolerance_percent=10)
    Return.objects.filter(indicator=indicator, period="2023/24").update(value=Decimal(value))
    client.force_login(demo.viewer)
    response = client.get(reverse("kpi_list"), {"as_of": "2024-06-01"})
    row = next(r for g in response.context["groups"] for r in g[1] if r.indicator == indicator)
    assert (row.report.period, row.report.rag) == ("2023/24", expected)


def test_annual_target_on_a_quarterly_indicator_is_compared_pro_rata(demo):
    """100 a year, quarterly: 25 by Q1, 50 by Q2. Returns 30 and 20: 50 by Q2, exactly on
    the pro-rata target, is green; 19 in Q2 (49) is red (no tolerance)."""
    cst = Organisation.objects.get(partnership=demo.partnership, short_name="CST")
    indicator = Indicator.objects.create(
        partnership=demo.partnership,
        code="asb_reports",
        name="ASB reports",
        owner=cst,
        unit="reports",
        frequency="quarterly",
        target_value=100,
        target_kind="annual",
        target_periods=4,
        reporting_from="2023/24 Q1",
    )
    save_return(demo.admin, indicator, "2023/24 Q1", "30")
    save_return(demo.admin, indicator, "2023/24 Q2", "20")
    report = next(
        r for r in kpi_reports(demo.partnership, date(2023, 10, 5)) if r.code == "asb_reports"
    )
    assert (report.period, report.rag, report.year_to_date_display) == ("2023/24 Q2", "green", "50")
    assert report.sentence == "50 reports by Q2 against a target of 50 (100% of target): green."
    save_return(demo.admin, indicator, "2023/24 Q2", "19")
    report = next(
        r for r in kpi_reports(demo.partnership, date(2023, 10, 5)) if r.code == "asb_reports"
    )
    assert (report.rag, report.year_to_date_display) == ("red", "49")


def test_target_in_words(client, demo):
    client.force_login(demo.viewer)
    context = client.get(reverse("kpi_detail", args=[CYPS_KPI])).context
    assert context["target_words"] == (
        "72 referrals or more by period 3 of the year, counted from April: compared pro-rata "
        "with the year-to-date total (24 a quarter). For 2023/24 only. No tolerance: the "
        "target is either met (green) or missed (red)."
    )


# --- late returns on fixed dates --------------------------------------------------------


@pytest.fixture
def quarterly(demo) -> Indicator:
    cst = Organisation.objects.get(partnership=demo.partnership, short_name="CST")
    return Indicator.objects.create(
        partnership=demo.partnership,
        code="cctv_incidents",
        name="CCTV incidents",
        owner=cst,
        unit="incidents",
        frequency="quarterly",
        reporting_from="2023/24 Q1",
        returns_due_days=20,
    )


def _return(indicator: Indicator, label: str, value: int, entered: date) -> Return:
    period = parse_period(label, indicator.frequency)
    return Return.objects.create(
        indicator=indicator,
        period=period.label,
        period_start=period.start,
        period_end=period.end,
        value=value,
        entered_at=aware(entered),
    )


def test_late_returns_on_fixed_dates(quarterly):
    """Q1 ends 30 June 2023, due 20 July; Q2 ends 30 September, due 20 October; Q3 ends
    31 December, due 20 January 2024. Q1 entered on its due date is on time; Q2 entered on
    21 October is received late; Q3 is missing: not yet due on 20 January, late on 21."""
    _return(quarterly, "2023/24 Q1", 10, date(2023, 7, 20))
    _return(quarterly, "2023/24 Q2", 12, date(2023, 10, 21))
    returns = list(quarterly.returns.all())

    def states(today):
        return [(e.period.label, e.due, e.state) for e in schedule(quarterly, returns, today)]

    assert states(date(2024, 1, 20)) == [
        ("2023/24 Q1", date(2023, 7, 20), RECEIVED),
        ("2023/24 Q2", date(2023, 10, 20), RECEIVED_LATE),
        ("2023/24 Q3", date(2024, 1, 20), DUE),
    ]
    assert states(date(2024, 1, 21))[-1] == ("2023/24 Q3", date(2024, 1, 20), LATE)
    # Q4 ends on 31 March 2024: expected only from 1 April, when it ends before "today".
    assert len(states(date(2024, 3, 31))) == 3
    assert states(date(2024, 4, 1))[-1] == ("2023/24 Q4", date(2024, 4, 20), DUE)
    # Before its first quarter has ended nothing is expected.
    assert schedule(quarterly, [], date(2023, 6, 30)) == []


def test_inactive_indicator_expects_nothing_but_keeps_its_returns(quarterly):
    _return(quarterly, "2023/24 Q1", 10, date(2023, 7, 1))
    quarterly.active = False
    rows = schedule(quarterly, quarterly.returns.all(), date(2024, 6, 1))
    assert [(e.period.label, e.state, e.expected) for e in rows] == [
        ("2023/24 Q1", RECEIVED, False)
    ]


def test_round_periods_by_frequency(demo):
    cst = Organisation.objects.get(partnership=demo.partnership, short_name="CST")
    make = lambda code, frequency: Indicator.objects.create(  # noqa: E731
        partnership=demo.partnership, code=code, name=code, owner=cst, unit="x", frequency=frequency
    )
    monthly, annual = make("m", "monthly"), make("a", "annual")
    q3, q4 = parse_period("2023/24 Q3", "quarterly"), parse_period("2023/24 Q4", "quarterly")
    assert [p.label for p in round_periods(monthly, q3)] == ["2023-10", "2023-11", "2023-12"]
    assert round_periods(annual, q3) == []
    assert [p.label for p in round_periods(annual, q4)] == ["2023/24"]


def test_late_page_lists_missing_and_late_returns(client, demo, quarterly):
    _return(quarterly, "2023/24 Q1", 10, date(2023, 8, 1))  # due 20 July: received late
    client.force_login(demo.viewer)
    response = client.get(reverse("kpi_late"))
    summary = response.context["summary"]
    mine = [
        (e.period.label, e.state)
        for e in summary.missing + summary.received_late
        if e.indicator == quarterly
    ]
    today = timezone.localdate()
    # every quarter from Q2 2023/24 to the last complete one whose due date has passed
    last = last_complete("quarterly", today)
    expected_missing = []
    period = parse_period("2023/24 Q2", "quarterly")
    while period <= last:
        if today > period.due(20):
            expected_missing.append((period.label, LATE))
        period = period.next()
    assert sorted(mine) == sorted([("2023/24 Q1", RECEIVED_LATE), *expected_missing])
    html = response.content.decode()
    assert "CCTV incidents" in html and "Received late" in html and "Late: not received" in html


# --- the validator, shared by the form and the upload ----------------------------------


TODAY = date(2024, 3, 1)
NOT_NUMBER = "is not a number: write the figure in digits, like 18 or 4.5"
NOT_QUARTER = "is not a quarterly period: write it like 2023/24 Q3"
TOO_EARLY = "is before 2023/24 Q1, the first period returns are collected for"
Q3, Q4 = "2023/24 Q3", "2023/24 Q4"


@pytest.mark.parametrize(
    ("code", "period", "value", "problems"),
    [
        (CYPS_KPI, Q3, "25", []),
        (CYPS_KPI, Q3, "1,234", []),
        (CYPS_KPI, Q3, "", [("value", "", "Enter a value")]),
        (
            CYPS_KPI, Q3, "12.5",
            [("value", "12.5", "is not a whole number: referrals are counted in whole numbers")],
        ),
        (CYPS_KPI, Q3, "-1", [("value", "-1", "must be 0 or more")]),
        (CYPS_KPI, Q3, "twelve", [("value", "twelve", NOT_NUMBER)]),
        (CYPS_KPI, Q3, "NaN", [("value", "NaN", NOT_NUMBER)]),
        (CYPS_KPI, "2023 Q3", "25", [("period", "2023 Q3", NOT_QUARTER)]),
        (CYPS_KPI, Q4, "25", [("period", Q4, "has not ended yet: it ends on 31 March 2024")]),
        (CYPS_KPI, "2022/23 Q4", "25", [("period", "2022/23 Q4", TOO_EARLY)]),
        (
            CYPS_KPI, "", "x",
            [("period", "", "Enter the period, like 2023/24 Q3"), ("value", "x", NOT_NUMBER)],
        ),
        (POLICE_KPI, Q3, "66%", []),
        (
            POLICE_KPI, Q3, "100.5",
            [("value", "100.5", "is more than 100: a percentage must be from 0 to 100")],
        ),
        (POLICE_KPI, Q3, "66.12345", [("value", "66.12345", "has more than 4 decimal places")]),
        (
            "barnet_homes_asb_cases_per_1000", Q4, "4.5",
            [("period", Q4, "is not an annual period: write it like 2023/24")],
        ),
        # A year in progress takes its figure so far; a year not begun does not.
        ("barnet_homes_asb_cases_per_1000", "2023/24", "4.5", []),
        (
            "barnet_homes_asb_cases_per_1000", "2024/25", "4.5",
            [("period", "2024/25", "is in the future: it starts on 1 April 2024")],
        ),
        (
            CYPS_KPI, "2024/25 Q1", "25",
            [("period", "2024/25 Q1", "is in the future: it starts on 1 April 2024")],
        ),
    ],
)  # fmt: skip
def test_validator(demo, code, period, value, problems):
    checked, found = check_return(kpi(code), period, value, "", TODAY)
    assert [(p.field, p.value, p.problem) for p in found] == problems
    assert (checked is None) == bool(problems)


def test_validator_reads_spreadsheet_months(demo):
    cst = Organisation.objects.get(partnership=demo.partnership, short_name="CST")
    monthly = Indicator.objects.create(
        partnership=demo.partnership, code="m", name="m", owner=cst, unit="x", frequency="monthly"
    )
    for raw in ("2023-10", "Oct-23", "October 2023", datetime(2023, 10, 1)):
        checked, problems = check_return(monthly, raw, 3, "", TODAY)
        assert problems == [] and checked.period.label == "2023-10"


# --- saving: permission, audit, optimistic locking -------------------------------------


def test_save_return_audits_and_refuses_a_stale_version(demo):
    indicator = kpi(POLICE_KPI)
    editor = demo.police_editor
    saved = save_return(editor, indicator, "2023/24 Q3", "64", "first", expected_version=0)
    assert saved.outcome == CREATED and saved.ret.entered_by == editor and saved.ret.version == 1
    entry = AuditEntry.objects.filter(model="kpis.Return", object_id=str(saved.ret.pk)).get()
    assert (entry.verb, entry.user, entry.before) == ("create", editor, {})
    assert entry.after == {
        "indicator": POLICE_KPI,
        "period": "2023/24 Q3",
        "value": "64",
        "note": "first",
    }
    # A second person who opened the form before it was entered (version 0) is refused.
    with pytest.raises(ReturnConflict) as refused:
        save_return(demo.admin, indicator, "2023/24 Q3", "70", expected_version=0)
    assert refused.value.current.value == 64
    changed = save_return(demo.admin, indicator, "2023/24 Q3", "65.5", "first", expected_version=1)
    assert changed.outcome == CHANGED and changed.ret.version == 2
    assert changed.ret.entered_by == editor  # the first author and date stay
    entry = AuditEntry.objects.filter(model="kpis.Return", verb="update").get()
    assert (entry.user, entry.before["value"], entry.after["value"]) == (demo.admin, "64", "65.5")
    # The same figures again change nothing and record nothing.
    before = counts()
    assert save_return(demo.admin, indicator, "2023/24 Q3", "65.50", "first").outcome == UNCHANGED
    assert counts() == before


def test_save_return_checks_permission_and_figures(demo):
    from django.core.exceptions import PermissionDenied

    before = counts()
    with pytest.raises(PermissionDenied):
        save_return(demo.cyps_editor, kpi(POLICE_KPI), "2023/24 Q3", "64")
    with pytest.raises(PermissionDenied):
        save_return(demo.viewer, kpi(POLICE_KPI), "2023/24 Q3", "64")
    with pytest.raises(ReturnInvalid) as invalid:
        save_return(demo.police_editor, kpi(POLICE_KPI), "2023/24 Q3", "120")
    assert [p.field for p in invalid.value.problems] == ["value"]
    assert counts() == before


def test_entry_form(client, demo):
    url = reverse("kpi_detail", args=[POLICE_KPI])
    client.force_login(demo.police_editor)
    page = client.get(url)
    # The form opens on the newest quarter still missing a return.
    last = last_complete("quarterly", timezone.localdate())
    assert page.context["form"].initial["period"] == last.label
    response = client.get(url, {"period": "2023/24 Q3"})
    assert response.context["form"].initial == {
        "period": "2023/24 Q3",
        "version": 0,
        "value": "",
        "note": "",
    }
    before = counts()
    bad = client.post(url, {"period": "2023/24 Q3", "version": 0, "value": "lots", "note": "x"})
    assert bad.status_code == 400 and counts() == before
    assert "The value lots is not a number: write the figure in digits" in bad.content.decode()
    assert bad.context["form"]["note"].value() == "x"  # what was typed is kept
    ok = client.post(url, {"period": "2023/24 Q3", "version": 0, "value": "64", "note": "Q3 data"})
    assert ok.status_code == 302 and ok["Location"] == url
    ret = Return.objects.get(indicator__code=POLICE_KPI, period="2023/24 Q3")
    assert (ret.value, ret.note, ret.entered_by) == (64, "Q3 data", demo.police_editor)
    # The same form submitted again from version 0 is a conflict: nothing changes.
    stale = client.post(url, {"period": "2023/24 Q3", "version": 0, "value": "70", "note": ""})
    assert stale.status_code == 409
    assert "Someone else entered this return" in stale.content.decode()
    ret.refresh_from_db()
    assert ret.value == 64 and stale.context["form"]["version"].value() == "1"
    page = client.get(url).content.decode()
    assert "Demo Police Editor" in status_cell(page, "2023/24 Q3")


# --- the permission matrix for returns --------------------------------------------------

ROLES = ("anonymous", "admin", "police_editor", "cyps_editor", "viewer", "no_person", "outsider")


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
        "cyps_editor": demo.cyps_editor,
        "viewer": demo.viewer,
        "no_person": User.objects.create_user("loner", password="x-pw-123456"),
        "outsider": outsider,
    }


def _row(*statuses: int) -> dict[str, int]:
    return dict(zip(ROLES, statuses, strict=True))


# Written out by hand from the rules: everyone in the partnership reads; administrators enter
# any organisation's returns; editors only their own organisation's; viewers none. 302 for
# anonymous = sent to sign in; 302 after a POST = saved; 404 = not in your partnership.
#          anonymous admin police cyps viewer no_person outsider
MATRIX = {
    "kpi list": _row(302, 200, 200, 200, 200, 403, 200),
    "indicator page": _row(302, 200, 200, 200, 200, 403, 404),
    "late page": _row(302, 200, 200, 200, 200, 403, 200),
    "enter Police's return": _row(302, 302, 302, 403, 403, 403, 404),
    "enter CYPS's return": _row(302, 302, 403, 302, 403, 403, 404),
    "returns page": _row(302, 200, 200, 200, 403, 403, 200),
    "returns page for Police": _row(302, 200, 200, 403, 403, 403, 404),
    "template for Police": _row(302, 200, 200, 403, 403, 403, 404),
    "template (own organisation)": _row(302, 200, 200, 200, 403, 403, 200),
    "upload page": _row(302, 200, 200, 200, 403, 403, 200),
    "upload a Police row": _row(302, 200, 200, 400, 403, 403, 400),
}


def _request(client, demo, case: str):
    police = Organisation.objects.get(partnership=demo.partnership, short_name="Police")
    if case == "kpi list":
        return client.get(reverse("kpi_list"))
    if case == "indicator page":
        return client.get(reverse("kpi_detail", args=[POLICE_KPI]))
    if case == "late page":
        return client.get(reverse("kpi_late"))
    if case.startswith("enter"):
        code, period = (POLICE_KPI, "2023/24 Q3") if "Police" in case else (CYPS_KPI, "2023/24 Q4")
        return client.post(
            reverse("kpi_detail", args=[code]),
            {"period": period, "version": 0, "value": "50", "note": ""},
        )
    if case == "returns page":
        return client.get(reverse("kpi_returns"))
    if case == "returns page for Police":
        return client.get(reverse("kpi_returns"), {"organisation": police.pk})
    if case == "template for Police":
        return client.get(reverse("kpi_template_csv"), {"organisation": police.pk})
    if case == "template (own organisation)":
        return client.get(reverse("kpi_template_xlsx"))
    if case == "upload page":
        return client.get(reverse("kpi_upload"))
    body = f"{HEADER}\r\n{POLICE_KPI},,,2023/24 Q3,50,\r\n".encode()
    return client.post(reverse("kpi_upload"), {"file": SimpleUploadedFile("r.csv", body)})


@pytest.mark.parametrize("case", list(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_return_permission_matrix(client, demo, users, case, role):
    if users[role] is not None:
        client.force_login(users[role])
    before = Return.objects.count()
    response = _request(client, demo, case)
    expected = MATRIX[case][role]
    assert response.status_code == expected, response.content[:400]
    if response.status_code == 302 and users[role] is None:
        assert response["Location"].startswith(reverse("login"))
    saved = case.startswith(("enter", "upload a")) and expected in (200, 302) and users[role]
    assert Return.objects.count() == before + (1 if saved else 0)


def test_lists_show_only_the_users_partnership(client, demo, users):
    client.force_login(users["outsider"])
    assert client.get(reverse("kpi_list")).context["groups"] == []
    assert client.get(reverse("kpi_late")).context["summary"].count == 0
    client.force_login(demo.viewer)
    groups = client.get(reverse("kpi_list")).context["groups"]
    assert sum(len(rows) for _, rows in groups) == 21


def test_editor_sees_only_own_organisation_on_returns_page(client, demo):
    client.force_login(demo.police_editor)
    context = client.get(reverse("kpi_returns")).context
    assert context["organisation"].short_name == "Police"
    assert [o.short_name for o in context["choices"]] == ["Police"]
    assert [i.code for i, _, _ in context["indicators"]] == [POLICE_KPI, POLICE_KPI_2]
    client.force_login(demo.admin)
    choices = client.get(reverse("kpi_returns")).context["choices"]
    assert [o.short_name for o in choices] == [
        "Barnet Homes", "BSAB", "CST", "CYPS", "Police", "Victims Support"
    ]  # fmt: skip


# --- upload -----------------------------------------------------------------------------

HEADER = "indicator_code,indicator_name,unit,period,value,note"


def _upload(client, name: str, body: bytes):
    return client.post(reverse("kpi_upload"), {"file": SimpleUploadedFile(name, body)})


def test_upload_with_several_faults_lists_each_and_saves_nothing(client, demo):
    future = last_complete("quarterly", timezone.localdate()).next()
    lines = [
        HEADER,
        f"{POLICE_KPI},Overall victim satisfaction,% of victims,2023/24 Q3,64,fine",  # 2: fine
        f"{POLICE_KPI_2},,,2023/24 Q3,120,",  # 3
        f"{CYPS_KPI},,,2023/24 Q4,10,",  # 4: CYPS's
        "no_such_code,,,2023/24 Q1,5,",  # 5
        f"{POLICE_KPI_2},,,2023 Q4,50,",  # 6
        f"{POLICE_KPI_2},,,2023/24 Q4,abc,",  # 7
        f"{POLICE_KPI},,,2023/24 Q3,65,",  # 8: row 2 again
        f"{POLICE_KPI},,,2022/23 Q4,60,",  # 9: before reporting_from
        f"{POLICE_KPI},,,{future.label},60,",  # 10: not ended
        ",,,,,",  # 11: blank, skipped
        f"{POLICE_KPI_2},,,2024/25 Q1,,a note",  # 12: note without a value
        ",,,2024/25 Q1,7,",  # 13: no code
    ]
    client.force_login(demo.police_editor)
    before = counts()
    response = _upload(client, "police-return.csv", "\r\n".join(lines).encode())
    assert response.status_code == 400
    problems = [(p.row, p.field, p.value, p.problem) for p in response.context["problems"]]
    not_ended = f"has not ended yet: it ends on {future.end.day} {future.end:%B %Y}"
    assert problems == [
        (3, "value", "120", "is more than 100: a percentage must be from 0 to 100"),
        (
            4, "indicator_code", CYPS_KPI,
            "is CYPS's indicator: you can only return Police's figures",
        ),
        (
            5, "indicator_code", "no_such_code",
            "is not an indicator of this partnership: copy the code from the template",
        ),
        (6, "period", "2023 Q4", NOT_QUARTER),
        (7, "value", "abc", NOT_NUMBER),
        (8, "period", Q3, "is in the file twice for this indicator (rows 2 and 8)"),
        (9, "period", "2022/23 Q4", TOO_EARLY),
        (10, "period", future.label, not_ended),
        (12, "value", "", "Enter a value, or clear the note: a note is saved only with a value"),
        (13, "indicator_code", "", "Enter the indicator code"),
    ]  # fmt: skip
    assert counts() == before  # nothing saved, nothing audited
    html = response.content.decode()
    assert "Nothing has been saved." in html
    assert "<td>4</td><td>indicator_code</td><td>victim_hub_referrals</td>" in html


def test_upload_header_must_be_the_templates(client, demo):
    client.force_login(demo.police_editor)
    response = _upload(client, "r.csv", b"code,period,value\r\nx,2023/24 Q3,1\r\n")
    problems = [(p.row, p.field, p.problem.split(".")[0]) for p in response.context["problems"]]
    assert problems == [
        (1, "indicator_code", "column is missing"),
        (1, "indicator_name", "column is missing"),
        (1, "unit", "column is missing"),
        (1, "period", "column is out of place"),
        (1, "value", "column is out of place"),
        (1, "note", "column is missing"),
        (1, "code", "is not a template column"),
    ]
    for name, body, words in [
        ("r.xls", b"\xd0\xcf\x11\xe0rest", "old-style Excel file"),
        ("r.xlsx", b"PK\x03\x04broken", "could not be opened as an Excel workbook"),
        ("r.xlsx", b"hello", "is not an Excel workbook"),
    ]:
        response = _upload(client, name, body)
        assert response.status_code == 400 and words in response.context["problems"][0].problem


def test_valid_csv_upload_saves_every_row_with_its_author(client, demo):
    nw = Return.objects.get(indicator__code=POLICE_KPI, period="2023/24 Q2")
    barnet_q2 = Return.objects.get(indicator__code=POLICE_KPI_2, period="2023/24 Q2")
    body = "\r\n".join(
        [
            HEADER,
            f'{POLICE_KPI},,,2023/24 Q3,64,"Q3, from the MOPAC dashboard"',  # new
            f"{POLICE_KPI},,,2023/24 Q2,62,{nw.note}",  # changed 63 -> 62
            f'{POLICE_KPI_2},,,2023/24 Q2,75,"{barnet_q2.note}"',  # the same: unchanged
            f"{POLICE_KPI_2},,,2023/24 Q3,,",  # no value: skipped
        ]
    )
    client.force_login(demo.police_editor)
    audits = AuditEntry.objects.count()
    response = _upload(client, "police.csv", ("\ufeff" + body).encode("utf-8"))
    assert response.status_code == 200, response.context["problems"]
    assert response.context["counts"] == {"created": 1, "changed": 1, "unchanged": 1}
    assert len(response.context["skipped"]) == 1
    new = Return.objects.get(indicator__code=POLICE_KPI, period="2023/24 Q3")
    assert (new.value, new.note, new.entered_by) == (
        64,
        "Q3, from the MOPAC dashboard",
        demo.police_editor,
    )
    nw.refresh_from_db()
    assert (nw.value, nw.version, nw.updated_by) == (62, 2, demo.police_editor)
    assert AuditEntry.objects.count() == audits + 2
    assert not Return.objects.filter(indicator__code=POLICE_KPI_2, period="2023/24 Q3").exists()


def test_admin_may_upload_any_organisations_rows(client, demo):
    body = f"{HEADER}\r\n{POLICE_KPI},,,2023/24 Q3,64,\r\n{CYPS_KPI},,,2023/24 Q4,20,\r\n"
    client.force_login(demo.admin)
    response = _upload(client, "all.csv", body.encode())
    assert response.status_code == 200 and response.context["counts"]["created"] == 2
    assert (
        Return.objects.get(indicator__code=CYPS_KPI, period="2023/24 Q4").entered_by == demo.admin
    )


# --- the return template ----------------------------------------------------------------


def test_csv_template_is_prefilled_for_the_organisation_and_round(client, demo):
    client.force_login(demo.police_editor)
    response = client.get(reverse("kpi_template_csv"), {"round": "2023/24 Q2"})
    assert response["Content-Disposition"] == 'attachment; filename="returns-police-2023-24-q2.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == HEADER.split(",")
    assert [(r[0], r[3], r[4]) for r in rows[1:]] == [
        (POLICE_KPI, "2023/24 Q2", "63"),
        (POLICE_KPI_2, "2023/24 Q2", "75"),
    ]
    assert rows[1][1:3] == ["Overall victim satisfaction, NW London", "% of victims"]


def test_xlsx_template_round_trip(client, demo):
    client.force_login(demo.police_editor)
    response = client.get(reverse("kpi_template_xlsx"), {"round": "2023/24 Q3"})
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Return", "Instructions"]
    ws = wb["Return"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0] == HEADER.split(",")
    assert [(r[0], r[3], r[4]) for r in rows[1:]] == [
        (POLICE_KPI, "2023/24 Q3", None),
        (POLICE_KPI_2, "2023/24 Q3", None),
    ]
    assert wb["Instructions"]["A2"].value.startswith("Return for ")
    assert "(Police), round 2023/24 Q3 (October to December 2023)" in wb["Instructions"]["A2"].value
    ws["E2"], ws["E3"], ws["F3"] = 64, 71.5, "Barnet, Q3"
    out = io.BytesIO()
    wb.save(out)
    saved = _upload(client, "returns-police-2023-24-q3.xlsx", out.getvalue())
    assert saved.status_code == 200 and saved.context["counts"]["created"] == 2
    barnet = Return.objects.get(indicator__code=POLICE_KPI_2, period="2023/24 Q3")
    assert (barnet.value, barnet.note) == (Decimal("71.5"), "Barnet, Q3")


def test_annual_indicators_are_in_the_q4_round(client, demo):
    client.force_login(demo.admin)
    homes = Organisation.objects.get(partnership=demo.partnership, short_name="Barnet Homes")
    q3 = client.get(reverse("kpi_template_csv"), {"organisation": homes.pk, "round": "2023/24 Q3"})
    assert q3.content.decode("utf-8-sig").strip() == HEADER
    q4 = client.get(reverse("kpi_template_csv"), {"organisation": homes.pk, "round": "2023/24 Q4"})
    rows = list(csv.reader(io.StringIO(q4.content.decode("utf-8-sig"))))[1:]
    assert ("barnet_homes_asb_cases_per_1000", "2023/24", "4.5") in [
        (r[0], r[3], r[4]) for r in rows
    ]


# --- the board view: published figures --------------------------------------------------


def test_board_shows_partner_indicators_with_small_counts_suppressed(client, demo):
    """Prevent referrals (sensitive count, no target): 3 in the last complete quarter is
    published as "<5" and nothing on the page gives the 3 away."""
    today = timezone.localdate()
    last = last_complete("quarterly", today)
    prevent = kpi("prevent_referrals")
    save_return(demo.admin, prevent, last.label, "3", "three referrals")
    client.force_login(demo.viewer)
    html = client.get(reverse("board")).content.decode()
    assert '<h2 id="kpis">Partner indicators</h2>' in html
    start = html.index(reverse("kpi_detail", args=["prevent_referrals"]))
    row = html[start : html.index("</tr>", start)]
    assert f'<td data-label="Period">{last.label}</td>' in row
    assert "&lt;5" in row and f"&lt;5 referrals in Q{last.index}." in row
    assert "3 referrals" not in html and "three referrals" not in html
    assert ">3<" not in row
    assert "a count from 1 to 4 about people, not published" in html
    # The indicator page (for the partnership's members) shows the figure as entered.
    page = client.get(reverse("kpi_detail", args=["prevent_referrals"])).content.decode()
    assert ">3<" in status_cell(page, last.label).replace('<td data-label="Value">', ">")


def test_a_year_to_date_total_that_would_give_a_small_count_away_is_hidden(client, demo):
    """Victim Care Hub referrals (sensitive, cumulative): 20 a quarter so far this year and
    3 in the last complete quarter. The 3 shows as "<5"; the year-to-date total (20 x n + 3)
    would give it away by subtraction from the earlier quarters already published, so it is
    hidden too, and so is the status against the target."""
    today = timezone.localdate()
    last = last_complete("quarterly", today)
    Indicator.objects.filter(code=CYPS_KPI).update(target_year=None)
    hub = kpi(CYPS_KPI)
    for period in last.year_to_date():
        save_return(demo.admin, hub, period.label, "3" if period == last else "20")
    total = 20 * (last.index - 1) + 3
    report = next(r for r in kpi_reports(demo.partnership, today) if r.code == CYPS_KPI)
    assert (report.period, report.value, report.value_display) == (last.label, None, "<5")
    assert report.year_to_date_display in ("<5", "*", "not published")
    assert report.rag == "grey" and str(total) not in report.sentence
    client.force_login(demo.viewer)
    html = client.get(reverse("board")).content.decode()
    start = html.index(reverse("kpi_detail", args=[CYPS_KPI]))
    row = html[start : html.index("</tr>", start)]
    assert "Not published" in row and "&lt;5" in row
    assert f">{total}<" not in row and f" {total} " not in row and "3 referrals" not in row


def test_board_late_returns_count_links_to_the_late_page(client, demo):
    client.force_login(demo.viewer)
    html = client.get(reverse("board")).content.decode()
    late = client.get(reverse("kpi_late")).context["summary"]
    assert f'<a href="{reverse("kpi_late")}">{len(late.missing)} late returns</a>' in html


# --- demo -------------------------------------------------------------------------------


def test_demo_indicators_and_returns(demo):
    assert Indicator.objects.filter(partnership=demo.partnership).count() == 21
    assert Return.objects.filter(indicator__partnership=demo.partnership).count() == 35
    hub = kpi(CYPS_KPI)
    assert (hub.owner.short_name, hub.target_value, hub.target_kind, hub.target_periods) == (
        "CYPS",
        72,
        "cumulative",
        3,
    )
    assert (hub.target_year, hub.reporting_from, hub.sensitive) == (2023, "2023/24 Q1", True)
    assert [o.number for o in hub.objectives.all()] == [6]
    assert kpi("adult_safeguarding_concerns").owner.name == "Barnet Safeguarding Adults Board"
    vcop = kpi("victim_hub_vcop_information")
    assert vcop.target() is None and vcop.target_text == "An increase of 10-15%"
    q1 = Return.objects.get(indicator=hub, period="2023/24 Q1")
    assert q1.entered_by == demo.admin and timezone.localdate(q1.entered_at) == date(2023, 7, 20)


def test_demo_load_is_idempotent(demo):
    from cspkit.web.kpis.demo import load_demo

    snapshot = list(Return.objects.values_list("pk", "value", "version", "note"))
    before = counts()
    load_demo(demo.partnership, demo.admin)
    assert counts() == before
    assert list(Return.objects.values_list("pk", "value", "version", "note")) == snapshot


def test_returns_are_read_only_in_the_admin(client, demo):
    client.force_login(demo.admin)
    ret = Return.objects.filter(indicator__code=CYPS_KPI).first()
    assert client.get(reverse("admin:kpis_return_changelist")).status_code == 200
    assert (
        client.post(reverse("admin:kpis_return_delete", args=[ret.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert (
        client.get(reverse("admin:kpis_indicator_change", args=[kpi(CYPS_KPI).pk])).status_code
        == 200
    )
    client.force_login(demo.police_editor)
    assert client.get(reverse("admin:kpis_indicator_changelist")).status_code == 302


def test_returns_are_kept_on_indicator_delete(demo):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        kpi(CYPS_KPI).delete()


def test_due_dates_default_to_twenty_days(demo):
    assert kpi(CYPS_KPI).returns_due_days == 20
    assert parse_period("2023/24 Q3", "quarterly").due(20) == date(2023, 12, 31) + timedelta(
        days=20
    )


def test_template_never_carries_a_formula(client, demo):
    """A note starting "=" is written as text (CSV: a leading apostrophe; XLSX: a text cell)
    and reads back as typed, so uploading the template unchanged changes nothing."""
    note = '=HYPERLINK("http://example.invalid","click")'
    save_return(demo.admin, kpi(POLICE_KPI), "2023/24 Q2", "63", note)
    client.force_login(demo.police_editor)
    body = client.get(reverse("kpi_template_csv"), {"round": "2023/24 Q2"}).content
    assert "'=HYPERLINK" in body.decode("utf-8")
    response = _upload(client, "again.csv", body)
    assert response.context["counts"] == {"created": 0, "changed": 0, "unchanged": 2}
    body = client.get(reverse("kpi_template_xlsx"), {"round": "2023/24 Q2"}).content
    cell = load_workbook(io.BytesIO(body))["Return"]["F2"]
    assert (cell.value, cell.data_type) == (note, "s")
    response = _upload(client, "again.xlsx", body)
    assert response.context["counts"] == {"created": 0, "changed": 0, "unchanged": 2}
