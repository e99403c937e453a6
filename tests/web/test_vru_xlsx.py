"""The VRU spreadsheet: export, import, the round trip, a real-template layout, problems,
the two pages and the two commands.

Expected values come from the demo YAML read here with yaml.safe_load, or are written out by
hand; the template's headings are typed from the published template, not imported.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from cspkit.web.plan.audit import action_snapshot
from cspkit.web.plan.demo import load_demo
from cspkit.web.plan.models import (
    Action,
    ActionPlan,
    AuditEntry,
    BoardMeeting,
    DeliveryRow,
    LeadershipRole,
    Objective,
    OptionalAction,
    Organisation,
    Partnership,
    Person,
    ProgressUpdate,
    Recommendation,
    Role,
    Strategy,
    Theme,
    VruOutcome,
)
from cspkit.web.plan.plan_io import plan_data
from cspkit.web.plan.vru_xlsx import (
    WorkbookErrors,
    import_workbook,
    read_workbook,
    write_workbook,
)

REPO = Path(__file__).resolve().parents[2]
DEMO_FILE = REPO / "cspkit" / "web" / "demo_data" / "barnet_2023_24.yaml"
PARTNERSHIP = "Barnet Safer Communities Partnership"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PLAN_SHEET = "VVR ACTION PLAN"
# The action table's headings as published in the VRU template (001_..., line 2914).
TEMPLATE_HEADINGS = [
    "Ref",
    "Theme",
    "Action No",
    "Actions",
    "Local Outcomes",
    "VRU Outcomes",
    "Named CSP Lead",
    "Lead organisation",
    "Start date",
    "End date",
    "Supporting organisation(s)",
    "Progress",
    "Comment",
    "Document Reference(s)",
    "Risk RAG status",
]


# ---------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture
def plan(db) -> ActionPlan:
    if not ActionPlan.objects.filter(partnership__name=PARTNERSHIP, year="2023/24").exists():
        load_demo(accounts=False)
    return ActionPlan.objects.get(partnership__name=PARTNERSHIP, year="2023/24")


@pytest.fixture
def users(plan):
    def make(username, short, role):
        org = Organisation.objects.get(partnership=plan.partnership, short_name=short)
        user = get_user_model().objects.create_user(username=username, password="x-pw-2468")
        Person.objects.create(user=user, organisation=org, role=role, name=username.title())
        return user

    return {
        "admin": make("xlsx.admin", "CST", Role.ADMIN),
        "editor": make("xlsx.editor", "Police", Role.EDITOR),
        "viewer": make("xlsx.viewer", "CSPB", Role.VIEWER),
    }


@pytest.fixture(scope="module")
def demo_yaml() -> dict:
    return yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))


def _export(plan: ActionPlan, path: Path) -> Path:
    write_workbook(plan_data(plan)).save(path)
    return path


def _header_row(ws) -> int:
    for row in ws.iter_rows(min_row=1, max_row=60, max_col=1):
        if row[0].value == "Ref":
            return row[0].row
    raise AssertionError("no header row")


def _counts() -> dict:
    return {
        m.__name__: m.objects.count()
        for m in (Action, DeliveryRow, AuditEntry, Theme, OptionalAction, LeadershipRole)
    }


def _empty_database() -> None:
    """Every record gone, as in a fresh database (the test's transaction rolls it back)."""
    from django.apps import apps

    for label in ("meetings", "kpis"):  # records that point at the plan's, newest app first
        for model in reversed(list(apps.get_app_config(label).get_models())):
            model.objects.all().delete()
    AuditEntry.objects.all().delete()
    ProgressUpdate.objects.all().delete()
    BoardMeeting.objects.all().delete()
    Person.objects.all().delete()
    get_user_model().objects.all().delete()
    OptionalAction.objects.all().delete()
    Action.objects.all().delete()
    ActionPlan.objects.all().delete()
    Objective.objects.all().delete()
    Recommendation.objects.all().delete()
    Strategy.objects.all().delete()
    Organisation.objects.all().delete()
    Partnership.objects.all().delete()
    VruOutcome.objects.all().delete()


# ---------------------------------------------------------------------------------------------
# Round trip


@pytest.mark.django_db
def test_round_trip_gives_back_the_plan_data_and_reimport_changes_nothing(plan, tmp_path):
    data = plan_data(plan)
    path = _export(plan, tmp_path / "plan.xlsx")

    back = read_workbook(path, source_name="plan.xlsx")

    assert back["plan"] == data["plan"]
    assert back["strategy"] == data["strategy"]
    assert back["vru_outcomes"] == data["vru_outcomes"]
    assert back["organisations"] == data["organisations"]
    assert back["partnership"] == data["partnership"]
    assert back == data
    assert len(back["plan"]["actions"]) == 53

    audit_before = AuditEntry.objects.count()
    result = import_workbook(path, source_name="plan.xlsx", partnership=plan.partnership)
    assert result.created == [] and result.updated == [] and result.not_in_file == []
    assert len(result.unchanged) == 53
    assert result.new_organisations == []
    assert AuditEntry.objects.count() == audit_before
    assert plan_data(plan) == data


@pytest.mark.django_db
def test_changes_made_in_the_app_arrive_in_a_fresh_database(plan, tmp_path):
    first = Action.objects.filter(plan=plan).order_by("position").first()
    first.progress, first.rag, first.comment = "delivery", "amber", "Board paper agreed."
    first.document_refs = "CSPB minutes 24/11/2023"
    first.save()
    multi = next(a for a in Action.objects.filter(plan=plan).order_by("position")
                 if a.rows.count() >= 3)  # fmt: skip
    second = multi.rows.order_by("position")[1]
    second.progress, second.rag, second.comment = "planning", "red", "Waiting for funding"
    second.vru_outcomes_text = "Partner note: outcomes to follow"
    second.end = date(2024, 10, 15)  # a day, not a month
    second.named_lead = "A. N. Other"
    second.save()
    data = plan_data(plan)
    path = _export(plan, tmp_path / "changed.xlsx")
    multi_key = {"theme__number": multi.theme.number, "number": multi.number}

    _empty_database()
    assert Action.objects.count() == 0
    result = import_workbook(path, source_name="changed.xlsx")

    assert len(result.created) == 53
    new_plan = ActionPlan.objects.get()
    assert new_plan.partnership.name == PARTNERSHIP
    assert plan_data(new_plan) == data
    arrived = Action.objects.get(plan=new_plan, theme__number=1, number=first.number)
    assert (arrived.progress, arrived.rag, arrived.comment, arrived.document_refs) == (
        "delivery",
        "amber",
        "Board paper agreed.",
        "CSPB minutes 24/11/2023",
    )
    row = Action.objects.get(plan=new_plan, **multi_key).rows.order_by("position")[1]
    assert (row.progress, row.rag, row.comment, row.vru_outcomes_text) == (
        "planning",
        "red",
        "Waiting for funding",
        "Partner note: outcomes to follow",
    )
    assert row.end == date(2024, 10, 15)
    assert row.named_lead == "A. N. Other"
    assert AuditEntry.objects.filter(verb="import").count() == 53


# ---------------------------------------------------------------------------------------------
# The exported cells


@pytest.mark.django_db
def test_exported_sheet_has_the_template_headings_and_the_demo_values(plan, demo_yaml, tmp_path):
    wb = load_workbook(_export(plan, tmp_path / "plan.xlsx"))
    assert wb.sheetnames[:3] == [PLAN_SHEET, "MENU OF OPTIONAL ACTIONS", "EMERGING THEMES"]
    ws = wb[PLAN_SHEET]
    header = _header_row(ws)
    headings = [c.value for c in ws[header]]
    assert headings[:15] == TEMPLATE_HEADINGS
    assert headings[15:17] == ["Objectives (cspkit)", "SNA recommendations (cspkit)"]
    assert "cspkit" in ws.cell(header, 16).comment.text
    assert ws.freeze_panes == f"A{header + 1}"

    y_plan = demo_yaml["plan"]
    assert ws["A1"].value == y_plan["title"]
    assert ws["A2"].value == y_plan["year"]
    assert [ws.cell(3 + i, c).value or "" for i in range(2) for c in (2, 3, 4)] == [
        v for item in y_plan["leadership"][:2] for v in (item["name"], item["organisation"],
                                                        item["role"])
    ]  # fmt: skip

    action = y_plan["actions"][0]
    theme = next(t for t in y_plan["themes"] if t["number"] == action["theme"])
    row = action["rows"][0]
    r = header + 1
    cells = {h: ws.cell(r, i + 1) for i, h in enumerate(TEMPLATE_HEADINGS)}
    assert cells["Ref"].value is None
    assert cells["Theme"].value == f"{theme['number']}. {theme['name']}" == "1. GOVERNANCE"
    assert str(cells["Action No"].value) == action["number"] == "1"
    assert cells["Actions"].value == action["text"]
    assert cells["VRU Outcomes"].value == "\n".join(action["vru_outcomes"])
    assert cells["Local Outcomes"].value == row["local_outcomes"]
    assert cells["Named CSP Lead"].value == row["named_lead"] == "Cllr Lead for Community Safety"
    assert cells["Lead organisation"].value == row["lead_organisation"] == "CSPB"
    assert cells["Supporting organisation(s)"].value == row["supporting"]
    for name in ("Progress", "Comment", "Document Reference(s)", "Risk RAG status"):
        assert cells[name].value is None  # blank in the demo
    assert row["start"] == "2024-01" and row["end"] == "2027-03"
    assert cells["Start date"].is_date and cells["End date"].is_date
    assert cells["Start date"].value == datetime(2024, 1, 1)
    assert cells["End date"].value == datetime(2027, 3, 31)
    assert cells["Start date"].number_format == cells["End date"].number_format == "mmm-yy"
    assert ws.cell(r, 16).value == ", ".join(str(n) for n in action["objectives"])

    # The second action's continuation rows: Ref/Theme/Action No/Actions blank, own values.
    action2 = y_plan["actions"][1]
    assert len(action2["rows"]) == 3
    for offset, spec in enumerate(action2["rows"][1:], start=2):
        values = [ws.cell(r + offset, c).value for c in range(1, 5)]
        assert values == [None, None, None, None]
        assert ws.cell(r + offset, 7).value == (spec["named_lead"] or None)
        assert ws.cell(r + offset, 8).value == spec["lead_organisation"]
        start = datetime.strptime(spec["start"], "%Y-%m")
        assert ws.cell(r + offset, 9).value == start
    assert str(ws.cell(r + 4, 3).value) == y_plan["actions"][2]["number"]

    outcomes = [c.value for (c,) in wb["VRU OUTCOMES"].iter_rows(min_row=2, max_col=1)]
    assert outcomes == demo_yaml["vru_outcomes"]


@pytest.mark.django_db
def test_progress_and_rag_are_written_as_the_template_words(plan, tmp_path):
    action = Action.objects.filter(plan=plan).order_by("position").first()
    action.progress, action.rag = "delivery", "red"
    action.save()
    ws = load_workbook(_export(plan, tmp_path / "p.xlsx"))[PLAN_SHEET]
    r = _header_row(ws) + 1
    assert ws.cell(r, 12).value == "Implementation/delivery"
    assert ws.cell(r, 15).value == "Red"
    lists = {str(dv.sqref)[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert str(next(dv for dv in ws.data_validations.dataValidation if dv.formula1 == lists["L"])
               .sqref).startswith(f"L{r}:L")  # fmt: skip
    assert lists["L"] == '"Not started,Planning,Implementation/delivery,Complete"'
    assert lists["O"] == '"Green,Amber,Red"'


@pytest.mark.django_db
def test_text_starting_with_equals_is_written_as_text_not_a_formula(plan, tmp_path):
    action = Action.objects.filter(plan=plan).order_by("position").first()
    action.comment = '=HYPERLINK("http://example.invalid")'
    action.save()
    path = _export(plan, tmp_path / "f.xlsx")
    ws = load_workbook(path)[PLAN_SHEET]
    cell = ws.cell(_header_row(ws) + 1, 13)
    assert cell.data_type == "s" and cell.value == action.comment
    back = read_workbook(path, source_name="f.xlsx")
    assert back["plan"]["actions"][0]["comment"] == action.comment


# ---------------------------------------------------------------------------------------------
# A workbook laid out like the real template


def _template_like() -> Workbook:
    """By hand, as a borough's copy of the template: one sheet, theme on a theme's first row
    only, month text, continuation rows, outcomes in the database's list."""
    wb = Workbook()
    ws = wb.active
    ws.title = PLAN_SHEET
    ws["A1"] = (
        "NAME OF BOROUGH - Community Safety Partnership Local Violence and Vulnerability "
        "Reduction Action Plan"
    )
    ws["A2"], ws["B2"], ws["C2"], ws["D2"] = "2024/25", "Name", "Organisation", "Role"
    ws["E2"] = "Key Local Strategic Documents that support violence reduction"
    ws["A3"], ws["C3"], ws["D3"] = "ACTION PLAN", "Local Authority", "CSP Chair"
    ws["E3"] = "Serious Violence Strategy 2024-2027\nVAWG Strategy 2022-25"
    ws["A4"], ws["B4"], ws["C4"], ws["D4"] = "SENIOR LEADERSHIP", "A Person", "MPS", "BCU Commander"
    ws.append([])
    ws.append(TEMPLATE_HEADINGS)  # row 6
    month = "mmm-yy"
    rows = [
        # 7: first action of theme 1, its first row; an Excel month cell typed as "Mar-27"
        ["", "1. GOVERNANCE", 1, "Set out the local co-ordination arrangements.",
         "Local text", "Improved systems-level thinking", "Cllr Lead", "CSPB", "Jan-24",
         datetime(2027, 3, 1), "CYPS, CST", "Implementation / delivery", "Under way", "",
         "amber"],
        # 8: continuation row with its own values
        ["", "", "", "", "", "", "Tina McElligott", "CYPS, VCS", "Aug - 24", "Oct-24", "Police",
         "", "Second row note", "", "GREEN"],
        # 9: the theme's second action: theme cell blank (merged in the real file)
        ["", "", 2, "CSP Meeting agendas to include violence performance.", "",
         "Improved systems-level thinking;\nImproved information sharing between agencies on "
         "CYP at risk.", "Cllr Lead", "CSPB", "Jan - 25", "January 2027", "", "planning", "",
         "Doc 1", ""],
        [],  # 10: an empty row
        # 11: theme 2, a date cell showing a day, a UK date text
        ["", "2. ANALYSIS & ENFORCEMENT", 1, "Analysis to support a public health approach.",
         "", "increased feelings of safety in neighbourhood", "Tina McElligott", "CYPS",
         datetime(2024, 4, 15), "31/03/2025", "ALL", "NOT STARTED", "", "", "g"],
        # 12: a new theme with its description on the next line of the cell
        ["", "NEW SECTION: 9. WORKING WITH BUSINESSES\nReaching the night-time economy", 1,
         "Business watch scheme.", "", "", "", "Licensing", "", "", "", "", "", "", ""],
    ]  # fmt: skip
    for values in rows:
        ws.append(values)
    ws["J7"].number_format = month
    ws["I11"].number_format = "dd/mm/yyyy"
    return wb


@pytest.mark.django_db
def test_a_workbook_laid_out_like_the_real_template_imports_to_the_expected_rows(plan):
    buffer = io.BytesIO()
    _template_like().save(buffer)
    buffer.seek(0)
    data = read_workbook(buffer, source_name="barnet.xlsx", partnership=plan.partnership)

    spec = data["plan"]
    assert spec["year"] == "2024/25"
    assert spec["title"].startswith("Barnet - Community Safety Partnership Local Violence")
    assert spec["leadership"] == [
        {"organisation": "Local Authority", "role": "CSP Chair", "name": ""},
        {"organisation": "MPS", "role": "BCU Commander", "name": "A Person"},
    ]
    assert spec["key_documents"] == ["Serious Violence Strategy 2024-2027", "VAWG Strategy 2022-25"]
    assert "objectives" not in spec["actions"][0]  # no cspkit columns: links left alone
    blank = {k: "" for k in ("vru_outcomes_text", "progress", "comment", "document_refs", "rag")}
    first, second, third, fourth = spec["actions"]
    assert (first["theme"], first["number"], first["progress"], first["rag"]) == (
        1, "1", "delivery", "amber"
    )  # fmt: skip
    assert first["comment"] == "Under way"
    assert first["vru_outcomes"] == ["Improved systems-level thinking"]
    assert first["rows"] == [
        {"local_outcomes": "Local text", "named_lead": "Cllr Lead", "lead_organisation": "CSPB",
         "start": "2024-01", "end": "2027-03", "supporting": "CYPS, CST", **blank},
        {"local_outcomes": "", "named_lead": "Tina McElligott", "lead_organisation": "CYPS, VCS",
         "start": "2024-08", "end": "2024-10", "supporting": "Police",
         **blank, "comment": "Second row note", "rag": "green"},
    ]  # fmt: skip
    assert (second["theme"], second["number"], second["progress"]) == (1, "2", "planning")
    assert second["vru_outcomes"] == [
        "Improved systems-level thinking",
        "Improved information sharing between agencies on CYP at risk",
    ]
    assert second["document_refs"] == "Doc 1"
    assert (second["rows"][0]["start"], second["rows"][0]["end"]) == ("2025-01", "2027-01")
    assert (third["theme"], third["progress"], third["rag"]) == (2, "not_started", "green")
    assert third["vru_outcomes"] == ["Increased feelings of safety in neighbourhood"]
    assert (third["rows"][0]["start"], third["rows"][0]["end"]) == ("2024-04-15", "2025-03")
    assert fourth["theme"] == 9
    theme9 = next(t for t in spec["themes"] if t["number"] == 9)
    assert theme9 == {
        "number": 9,
        "name": "WORKING WITH BUSINESSES",
        "description": "Reaching the night-time economy",
    }
    assert next(t for t in spec["themes"] if t["number"] == 1)["name"] == "GOVERNANCE"

    buffer.seek(0)
    result = import_workbook(
        buffer, source_name="barnet.xlsx", partnership=plan.partnership, user=None
    )
    assert len(result.created) == 4
    assert result.new_organisations == ["Licensing"]
    new_plan = ActionPlan.objects.get(partnership=plan.partnership, year="2024/25")
    first_row = new_plan.actions.get(theme__number=1, number="1").rows.order_by("position")
    assert [(r.start, r.end) for r in first_row] == [
        (date(2024, 1, 1), date(2027, 3, 31)),
        (date(2024, 8, 1), date(2024, 10, 31)),
    ]
    assert new_plan.themes.get(number=9).description == "Reaching the night-time economy"
    assert new_plan.leadership.count() == 2
    assert plan.actions.count() == 53  # the 2023/24 plan is another year's: untouched


@pytest.mark.django_db
def test_what_a_workbook_lacks_is_left_as_it_is(plan, tmp_path):
    """No cspkit columns, no MENU / EMERGING THEMES / STRATEGY / ORGANISATIONS sheets: the
    objective links, optional actions, emerging themes and strategy stay as they were."""
    data = plan_data(plan)
    path = _export(plan, tmp_path / "vru-only.xlsx")
    wb = load_workbook(path)
    ws = wb[PLAN_SHEET]
    ws.delete_cols(16, 2)
    for name in ("MENU OF OPTIONAL ACTIONS", "EMERGING THEMES", "STRATEGY", "ORGANISATIONS"):
        del wb[name]
    wb.save(path)

    back = read_workbook(path, source_name="vru-only.xlsx", partnership=plan.partnership)
    assert "objectives" not in back["plan"]["actions"][0]
    assert "optional_actions" not in back["plan"] and "strategy" not in back
    audit_before = AuditEntry.objects.count()
    result = import_workbook(path, source_name="vru-only.xlsx", partnership=plan.partnership)
    assert len(result.unchanged) == 53 and not result.updated
    assert AuditEntry.objects.count() == audit_before
    assert plan_data(plan) == data


def _sheet_bytes(rows: list[list], header_at: int = 3) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.title = PLAN_SHEET
    ws["A1"], ws["A2"] = "Barnet - Community Safety Partnership Action Plan", "2024/25"
    for _ in range(header_at - 3):
        ws.append([])
    ws.append(TEMPLATE_HEADINGS)
    for values in rows:
        ws.append(values)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


@pytest.mark.django_db
def test_template_style_structure_problems(plan):
    blank = [""] * 11
    buffer = _sheet_bytes(
        [
            ["", "", "", "", "Orphan local outcome", *blank[:10]],  # 4: before any action
            ["", "", 1, "An action with no theme", *blank],  # 5
            ["", "SOMETHING ELSE", 2, "Another action", *blank],  # 6: unknown theme
            ["", "1. GOVERNANCE", "", "", "", "", "Lead", *[""] * 8],  # 7: theme, no action
        ]
    )
    with pytest.raises(WorkbookErrors) as caught:
        read_workbook(buffer, source_name="t.xlsx", partnership=plan.partnership)
    found = {(p.row, p.column, p.value): p.problem for p in caught.value.problems}
    assert set(found) == {(4, "D", ""), (5, "B", ""), (6, "B", "SOMETHING ELSE"), (7, "C", "")}
    assert "no action above it" in found[(4, "D", "")]
    assert found[(5, "B", "")].startswith("no theme: the first action needs a theme")
    assert "a new theme is written like '9. THEME NAME'" in found[(6, "B", "SOMETHING ELSE")]
    assert "has no Action No or Actions" in found[(7, "C", "")]


# ---------------------------------------------------------------------------------------------
# Problems


def _faulty_workbook(plan, path: Path) -> tuple[Path, int, dict]:
    """Our export with faults put in by hand; returns the path, header row and rows used."""
    _export(plan, path)
    wb = load_workbook(path)
    ws = wb[PLAN_SHEET]
    header = _header_row(ws)
    r1 = header + 1  # action 1.1 (one row)
    r2 = header + 2  # action 1.2, first of its three rows
    ws.cell(r1, 6).value = "Improved systems-level thinking\nImproved sytems thinking"
    ws.cell(r1, 9).value = datetime(2025, 1, 1)
    ws.cell(r1, 9).number_format = "mmm-yy"
    ws.cell(r1, 10).value = datetime(2024, 3, 1)
    ws.cell(r1, 10).number_format = "mmm-yy"
    ws.cell(r2 + 1, 9).value = "Jam-24"
    ws.cell(r2 + 1, 12).value = "Half done"
    ws.cell(r2 + 2, 15).value = "Purple"
    ws.cell(header, 15).value = None  # the Risk RAG status heading is missing
    ws.cell(r2 + 3, 4).value = None  # action 1.3 keeps its Action No but loses its text
    ws.cell(r2 + 4, 2).value = "12. NOT A THEME"  # action 1.4's theme
    wb.save(path)
    return path, header, {"r1": r1, "r2": r2}


@pytest.mark.django_db
def test_every_problem_is_reported_where_it_is_and_nothing_is_imported(plan, tmp_path):
    path, header, rows = _faulty_workbook(plan, tmp_path / "faulty.xlsx")
    r1, r2 = rows["r1"], rows["r2"]
    before = _counts()
    action = Action.objects.filter(plan=plan).order_by("position").first()
    snapshot = action_snapshot(action)

    with pytest.raises(WorkbookErrors) as caught:
        import_workbook(path, source_name="faulty.xlsx", partnership=plan.partnership)

    problems = caught.value.problems
    found = {(p.sheet, p.row, p.column, p.value) for p in problems}
    assert found == {
        (PLAN_SHEET, r1, "F", "Improved sytems thinking"),
        (PLAN_SHEET, r1, "J", "Mar-24"),
        (PLAN_SHEET, r2 + 1, "I", "Jam-24"),
        (PLAN_SHEET, r2 + 1, "L", "Half done"),
        (PLAN_SHEET, r2 + 2, "O", "Purple"),
        (PLAN_SHEET, header, "O", ""),
        (PLAN_SHEET, r2 + 3, "D", ""),
        (PLAN_SHEET, r2 + 4, "B", "12. NOT A THEME"),
    }
    assert len(problems) == 8
    text = {(p.row, p.column): p.problem for p in problems}
    assert "closest is 'Improved systems-level thinking'" in text[(r1, "F")]
    assert text[(r1, "J")] == "ends before it starts (Jan-25)"
    assert "did you mean Jan-24?" in text[(r2 + 1, "I")]
    assert "Implementation/delivery" in text[(r2 + 1, "L")]
    assert text[(header, "O")] == "expected the heading 'Risk RAG status' here"
    assert "is not one of the THEMES sheet" in text[(r2 + 4, "B")]

    assert _counts() == before
    action.refresh_from_db()
    assert action_snapshot(action) == snapshot
    assert plan_data(plan)["plan"]["actions"][0]["rows"][0]["start"] == "2024-01"


@pytest.mark.django_db
def test_a_heading_in_the_wrong_column_says_where_it_is(plan, tmp_path):
    path = _export(plan, tmp_path / "swap.xlsx")
    wb = load_workbook(path)
    ws = wb[PLAN_SHEET]
    header = _header_row(ws)
    ws.cell(header, 5).value, ws.cell(header, 6).value = "VRU Outcomes", "Local Outcomes"
    wb.save(path)
    with pytest.raises(WorkbookErrors) as caught:
        read_workbook(path, source_name="swap.xlsx")
    headings = [p for p in caught.value.problems if p.row == header]
    assert [(p.column, p.value) for p in headings] == [
        ("E", "VRU Outcomes"),
        ("F", "Local Outcomes"),
    ]
    assert headings[0].problem == (
        "expected the heading 'Local Outcomes' here; it is in column F - the columns must be "
        "in the template's order"
    )


@pytest.mark.django_db
def test_files_that_are_not_workbooks_get_a_clear_message(tmp_path):
    csv = tmp_path / "plan.csv"
    csv.write_text("Ref,Theme,Action No\n,1. GOVERNANCE,1\n")
    with pytest.raises(WorkbookErrors) as caught:
        read_workbook(csv, source_name="plan.csv")
    (problem,) = caught.value.problems
    assert problem.value == "plan.csv"
    assert problem.problem.startswith("is not an Excel workbook (.xlsx) - it looks like text")

    xls = io.BytesIO(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(WorkbookErrors) as caught:
        read_workbook(xls, source_name="old.xls")
    assert "old-style Excel 97-2003 file (.xls)" in caught.value.problems[0].problem

    broken = io.BytesIO(b"PK\x03\x04 not really a zip")
    with pytest.raises(WorkbookErrors) as caught:
        read_workbook(broken, source_name="broken.xlsx")
    assert "could not be opened as an Excel workbook" in caught.value.problems[0].problem


@pytest.mark.django_db
def test_a_workbook_without_the_action_table_is_one_problem(db):
    wb = Workbook()
    wb.active["A1"] = "Just some notes"
    buffer = io.BytesIO()
    wb.save(buffer)
    with pytest.raises(WorkbookErrors) as caught:
        read_workbook(buffer, source_name="notes.xlsx")
    (problem,) = caught.value.problems
    assert problem.problem.startswith("no action table found: expected a header row reading Ref")


# ---------------------------------------------------------------------------------------------
# The pages


@pytest.mark.django_db
def test_viewer_downloads_the_plan_as_xlsx(client, users, plan):
    client.force_login(users["viewer"])
    response = client.get(reverse("plan_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="barnet-vvr-action-plan-2023-24.xlsx"'
    )
    wb = load_workbook(io.BytesIO(response.content))
    assert wb[PLAN_SHEET]["A2"].value == "2023/24"
    page = client.get(reverse("plan"))
    assert reverse("plan_export") in page.content.decode()
    assert reverse("plan_import") not in page.content.decode()


@pytest.mark.django_db
def test_signed_out_export_goes_to_sign_in(client, plan):
    response = client.get(reverse("plan_export"))
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "status"), [("viewer", 403), ("editor", 403), ("admin", 200)])
def test_only_administrators_may_open_the_import_page(client, users, who, status):
    client.force_login(users[who])
    assert client.get(reverse("plan_import")).status_code == status
    if who != "admin":
        upload = io.BytesIO(b"x")
        upload.name = "x.xlsx"
        assert client.post(reverse("plan_import"), {"file": upload}).status_code == 403


@pytest.mark.django_db
def test_posting_a_faulty_file_shows_the_problems_and_saves_nothing(client, users, plan, tmp_path):
    path, header, rows = _faulty_workbook(plan, tmp_path / "faulty.xlsx")
    before = _counts()
    client.force_login(users["admin"])
    with path.open("rb") as upload:
        response = client.post(reverse("plan_import"), {"file": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing has been imported" in page
    assert '<th scope="col">Sheet</th><th scope="col">Row</th>' in page
    assert (
        f"<td>{PLAN_SHEET}</td><td>{rows['r2'] + 2}</td><td>O</td><td>Purple</td>"
        "<td>is not a Risk RAG status: use Green, Amber or Red (or leave it blank)</td>"
    ) in page
    assert "Jam-24" in page and "Improved sytems thinking" in page
    assert _counts() == before


@pytest.mark.django_db
def test_posting_a_good_file_imports_it_and_shows_a_summary(client, users, plan, tmp_path):
    path = _export(plan, tmp_path / "good.xlsx")
    wb = load_workbook(path)
    ws = wb[PLAN_SHEET]
    r = _header_row(ws) + 1
    ws.cell(r, 12).value = "Complete"
    ws.cell(r, 13).value = "Structure chart sent to the VRU."
    wb.save(path)
    client.force_login(users["admin"])
    with path.open("rb") as upload:
        response = client.post(reverse("plan_import"), {"file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Action plan imported" in page
    assert "<dt>Changed actions</dt><dd>1.1</dd>" in page
    assert reverse("plan") in page
    action = Action.objects.get(plan=plan, theme__number=1, number="1")
    assert (action.progress, action.comment) == ("complete", "Structure chart sent to the VRU.")
    entry = AuditEntry.objects.filter(action=action).order_by("-pk").first()
    assert (entry.verb, entry.user) == ("import", users["admin"])


@pytest.mark.django_db
def test_posting_without_a_file_or_with_a_csv_is_an_error(client, users, plan):
    client.force_login(users["admin"])
    response = client.post(reverse("plan_import"), {})
    assert response.status_code == 400
    assert "Select the spreadsheet (.xlsx) to import" in response.content.decode()
    upload = io.BytesIO(b"Ref,Theme\n")
    upload.name = "plan.csv"
    response = client.post(reverse("plan_import"), {"file": upload})
    assert response.status_code == 400
    assert "is not an Excel workbook (.xlsx)" in response.content.decode()


# ---------------------------------------------------------------------------------------------
# The commands


def _cspkit(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CSPKIT_DATABASE_URL"}
    env["COLUMNS"] = "200"
    cli = Path(sys.executable).with_name("cspkit")
    command = [str(cli)] if cli.exists() else [sys.executable, "-m", "cspkit"]
    return subprocess.run(
        [*command, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_export_plan_and_import_plan_commands(tmp_path):
    db = "tmp/web.sqlite3"
    (tmp_path / "tmp").mkdir()
    demo = _cspkit("web", "demo", "--no-accounts", "--database", db, cwd=tmp_path)
    assert demo.returncode == 0, demo.stdout + demo.stderr

    export = _cspkit("web", "export-plan", "plan.xlsx", "--year", "2023/24", "--database", db,
                     cwd=tmp_path)  # fmt: skip
    assert export.returncode == 0, export.stdout + export.stderr
    assert "(53 actions)" in export.stdout
    assert load_workbook(tmp_path / "plan.xlsx")[PLAN_SHEET]["A2"].value == "2023/24"

    again = _cspkit("web", "import-plan", "plan.xlsx", "--database", db, cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "0 new, 0 changed and 53 unchanged actions" in again.stdout

    wb = load_workbook(tmp_path / "plan.xlsx")
    ws = wb[PLAN_SHEET]
    row = _header_row(ws) + 1
    ws.cell(row, 15).value = "Purple"
    wb.save(tmp_path / "faulty.xlsx")
    faulty = _cspkit("web", "import-plan", "faulty.xlsx", "--database", db, cwd=tmp_path)
    assert faulty.returncode == 2, faulty.stdout + faulty.stderr
    assert "1 problem in faulty.xlsx - nothing was imported" in faulty.stdout
    assert "Purple" in faulty.stdout and "is not a Risk RAG status" in faulty.stdout
    assert f"VVR ACTION PLAN │ {row}" in faulty.stdout

    missing = _cspkit("web", "export-plan", "x.xlsx", "--year", "1999/00", "--database", db,
                      cwd=tmp_path)  # fmt: skip
    assert missing.returncode == 2 and "No action plan for 1999/00" in missing.stdout
