"""Changes, history, concurrency and the board view's figures, checked against hand counts
and an independent reading of the demo YAML."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from importlib import resources

import pytest
import yaml
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from cspkit.web.plan.board import board_summary, financial_quarter_label, quarter_start
from cspkit.web.plan.models import Action, AuditEntry, BoardMeeting, ProgressUpdate
from cspkit.web.plan.services import ActionChange, EditConflict, add_update, save_action

pytestmark = pytest.mark.django_db


def _yaml() -> dict:
    text = resources.files("cspkit.web").joinpath("demo_data", "barnet_2023_24.yaml").read_text()
    return yaml.safe_load(text)


def _last_day(month: str) -> date:
    year, mon = map(int, month.split("-"))
    return date(year, mon, calendar.monthrange(year, mon)[1])


def test_demo_counts_match_the_yaml(demo):
    data = _yaml()
    plan = data["plan"]
    assert Action.objects.count() == len(plan["actions"])
    assert demo.partnership.strategy_set.get().objectives.count() == 7
    assert demo.partnership.strategy_set.get().recommendations.count() == 11
    per_theme: dict[int, int] = {}
    for spec in plan["actions"]:
        per_theme[spec["theme"]] = per_theme.get(spec["theme"], 0) + 1
    for theme_number, count in per_theme.items():
        assert Action.objects.filter(theme__number=theme_number).count() == count


@pytest.mark.parametrize("today", [date(2024, 6, 1), date(2025, 2, 15), date(2026, 11, 21)])
def test_overdue_counts_equal_an_independent_count_from_the_yaml(demo, today):
    """Overdue = latest end month of the action's rows is over, and not complete."""
    expected: dict[int, int] = {}
    for spec in _yaml()["plan"]["actions"]:
        ends = [_last_day(r["end"]) for r in spec["rows"] if r.get("end")]
        if ends and max(ends) < today:
            expected[spec["theme"]] = expected.get(spec["theme"], 0) + 1
    summary = board_summary(Action.objects.all(), demo.partnership, today=today)
    got = {t.theme.number: t.overdue for t in summary.themes if t.overdue}
    assert got == expected
    assert summary.totals.overdue == sum(expected.values()) == len(summary.overdue)


def test_board_counts_after_updates(demo):
    """Hand-made scenario: three actions rated; counts move exactly as a person would count."""
    actions = list(Action.objects.order_by("theme__number", "position")[:3])
    theme_of = [a.theme.number for a in actions]
    before = board_summary(Action.objects.all(), demo.partnership, today=date(2024, 6, 1))
    for action, (stage, rag) in zip(
        actions, [("delivery", "amber"), ("planning", "red"), ("complete", "green")], strict=True
    ):
        add_update(demo.admin, action.pk, f"Update on {action.label}", stage, rag)
    after = board_summary(Action.objects.all(), demo.partnership, today=date(2024, 6, 1))
    totals = after.totals
    assert (totals.rag["amber"], totals.rag["red"], totals.rag["green"]) == (1, 1, 1)
    assert totals.rag[""] == before.totals.rag[""] - 3
    assert (totals.stage["delivery"], totals.stage["planning"], totals.stage["complete"]) == (
        1,
        1,
        1,
    )
    by_theme = {t.theme.number: t for t in after.themes}
    assert (
        sum(
            by_theme[n].rag["amber"] + by_theme[n].rag["red"] + by_theme[n].rag["green"]
            for n in set(theme_of)
        )
        == 3
    )
    assert sum(t.total for t in after.themes) == Action.objects.count()


def test_not_updated_this_quarter_and_changes_since_the_last_board(demo):
    today = timezone.localdate()
    action = demo.police_action
    summary = board_summary(Action.objects.all(), demo.partnership, today=today)
    assert action in summary.not_updated  # nobody has written an update yet
    assert len(summary.not_updated) == Action.objects.exclude(progress="complete").count()
    meeting = BoardMeeting.objects.create(
        partnership=demo.partnership, date=today - timedelta(days=1)
    )
    add_update(demo.police_editor, action.pk, "Weekly patrol plan agreed.", "delivery", "amber")
    summary = board_summary(Action.objects.all(), demo.partnership, today=today)
    assert summary.last_meeting == meeting and summary.since == meeting.date
    assert action not in summary.not_updated
    assert [u.text for u in summary.updates_since] == ["Weekly patrol plan agreed."]
    # The stage/RAG change made with the note is listed once, with the note, not twice.
    assert [c for c in summary.changes if c.action_id == action.pk] == []
    action.refresh_from_db()
    save_action(demo.police_editor, action.pk, action.version, _change(action, rag="red"))
    summary = board_summary(Action.objects.all(), demo.partnership, today=today)
    changed = [c for c in summary.changes if c.action_id == action.pk]
    assert len(changed) == 1
    assert dict((k, (a, b)) for k, a, b in changed[0].changed_fields())["rag"] == ("amber", "red")
    # The demo's own load is not reported as a change.
    assert all(c.verb != "import" or c.before for c in summary.changes)


def test_quarters():
    assert quarter_start(date(2026, 11, 21)) == date(2026, 10, 1)
    assert quarter_start(date(2024, 3, 31)) == date(2024, 1, 1)
    assert financial_quarter_label(date(2026, 11, 21)) == "Q3 2026/27"
    assert financial_quarter_label(date(2024, 3, 31)) == "Q4 2023/24"
    assert financial_quarter_label(date(2023, 4, 1)) == "Q1 2023/24"


def _change(action: Action, **fields) -> ActionChange:
    base = {
        "progress": action.progress,
        "rag": action.rag,
        "comment": action.comment,
        "document_refs": action.document_refs,
    }
    return ActionChange(fields={**base, **fields})


def test_second_save_from_a_stale_version_is_refused(demo):
    action = demo.police_action
    version = action.version
    save_action(demo.admin, action.pk, version, _change(action, comment="Admin's comment"))
    with pytest.raises(EditConflict) as conflict:
        save_action(
            demo.police_editor, action.pk, version, _change(action, comment="Editor's comment")
        )
    action.refresh_from_db()
    assert action.comment == "Admin's comment" and action.version == version + 1
    assert conflict.value.theirs.user == demo.admin  # the other person's change is at hand
    assert conflict.value.theirs.after["comment"] == "Admin's comment"


def test_conflict_page_shows_their_change_and_keeps_what_you_typed(client, demo):
    action = demo.police_action
    client.force_login(demo.police_editor)
    page = client.get(reverse("action_edit", args=[action.pk]))
    assert page.status_code == 200
    stale = action.version
    save_action(demo.admin, action.pk, stale, _change(action, comment="Saved first by admin"))
    data = {
        "version": stale,
        "progress": "planning",
        "rag": "red",
        "comment": "Typed by the editor",
        "document_refs": "",
        "rows-TOTAL_FORMS": "0",
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "1000",
    }
    response = client.post(reverse("action_edit", args=[action.pk]), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this action while you were editing it" in html
    assert "Saved first by admin" in html and "Typed by the editor" in html
    assert "Demo Administrator" in html
    action.refresh_from_db()
    assert action.comment == "Saved first by admin" and action.rows.count() > 0
    # Saving again now is a deliberate overwrite: the form carries the new version.
    assert response.context["form"]["version"].value() == str(action.version)
    data["version"] = action.version
    assert client.post(reverse("action_edit", args=[action.pk]), data).status_code == 302


def test_edit_form_error_keeps_what_was_typed(client, demo):
    action = demo.police_action
    client.force_login(demo.police_editor)
    data = {
        "version": action.version,
        "progress": "planning",
        "rag": "amber",
        "comment": "Half-written note",
        "document_refs": "",
        "rows-TOTAL_FORMS": "1",
        "rows-INITIAL_FORMS": "1",
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "1000",
        "rows-0-named_lead": "Supt A",
        "rows-0-lead_organisation_text": "Police",
        "rows-0-start": "2025-03-01",
        "rows-0-end": "2024-01-31",
    }
    response = client.post(reverse("action_edit", args=[action.pk]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "The end date must be the same as or after the start date." in html
    assert "Half-written note" in html and 'value="Supt A"' in html
    action.refresh_from_db()
    assert action.comment == "" and action.progress == ""


def test_every_change_is_audited_with_before_and_after(demo):
    action = demo.police_action
    rows_before = list(action.rows.values_list("named_lead", flat=True))
    count = AuditEntry.objects.count()
    save_action(
        demo.police_editor,
        action.pk,
        action.version,
        _change(action, progress="delivery", rag="green", comment="On track"),
    )
    entry = AuditEntry.objects.order_by("-pk").first()
    assert AuditEntry.objects.count() == count + 1
    assert entry.user == demo.police_editor and entry.verb == "update"
    assert entry.action == action and entry.when <= timezone.now()
    changed = {k: (a, b) for k, a, b in entry.changed_fields()}
    assert changed == {
        "progress": ("", "delivery"),
        "rag": ("", "green"),
        "comment": ("", "On track"),
    }
    assert [r["named_lead"] for r in entry.before["rows"]] == rows_before


def test_progress_updates_are_kept_forever(demo):
    update = add_update(demo.police_editor, demo.police_action.pk, "First note")
    assert update.author == demo.police_editor and update.created_at is not None
    with pytest.raises(ProtectedError):
        demo.police_action.delete()
    assert ProgressUpdate.objects.filter(pk=update.pk).exists()


def test_progress_updates_and_audit_are_read_only_in_the_admin(client, demo):
    update = add_update(demo.police_editor, demo.police_action.pk, "Note")
    client.force_login(demo.admin)
    assert client.get(reverse("admin:plan_progressupdate_changelist")).status_code == 200
    url = reverse("admin:plan_progressupdate_delete", args=[update.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    entry = AuditEntry.objects.first()
    assert (
        client.post(
            reverse("admin:plan_auditentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert ProgressUpdate.objects.filter(pk=update.pk).exists()


def test_admin_changes_are_audited(client, demo):
    from cspkit.web.plan.models import Organisation

    org = Organisation.objects.get(short_name="CGL")
    client.force_login(demo.admin)
    url = reverse("admin:plan_organisation_change", args=[org.pk])
    response = client.post(
        url,
        {
            "partnership": demo.partnership.pk,
            "short_name": "CGL",
            "name": "Change Grow Live (renamed)",
            "kind": "voluntary",
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(model="plan.Organisation").latest("pk")
    assert entry.user == demo.admin
    assert entry.after["name"] == "Change Grow Live (renamed)"
    assert entry.before["name"] == org.name != entry.after["name"]


@pytest.mark.parametrize(
    "query, check",
    [
        ("rag=none", lambda a: a.rag == ""),
        ("stage=none", lambda a: a.progress == ""),
        ("objective=7", lambda a: 7 in [o.number for o in a.objectives.all()]),
    ],
)
def test_plan_filters(client, demo, query, check):
    client.force_login(demo.viewer)
    response = client.get(reverse("plan") + "?" + query)
    shown = [a for g in response.context["groups"] for a in g["actions"]]
    expected = [a for a in Action.objects.all() if check(a)]
    assert {a.pk for a in shown} == {a.pk for a in expected}
    assert response.context["count"] == len(expected)


def test_plan_filter_by_organisation_and_lead_and_overdue(client, demo):
    from cspkit.web.plan.models import Organisation

    police = Organisation.objects.get(short_name="Police")
    client.force_login(demo.viewer)
    shown = client.get(reverse("plan") + f"?organisation={police.pk}").context["count"]
    assert shown == Action.objects.filter(rows__lead_organisations=police).distinct().count()
    row = demo.police_action.rows.first()
    response = client.get(reverse("plan"), {"lead": row.named_lead})
    expected = Action.objects.filter(rows__named_lead=row.named_lead).distinct().count()
    assert response.context["count"] == expected > 0
    today = timezone.localdate()
    response = client.get(reverse("plan"), {"overdue": "on"})
    assert response.context["count"] == sum(a.is_overdue(today) for a in Action.objects.all())


def test_group_by_objective_lists_each_linked_action_under_each_objective(client, demo):
    client.force_login(demo.viewer)
    groups = client.get(reverse("plan"), {"group": "objective"}).context["groups"]
    by_title = {g["title"]: {a.pk for a in g["actions"]} for g in groups}
    for number in range(1, 8):
        expected = set(
            Action.objects.filter(objectives__number=number).values_list("pk", flat=True)
        )
        assert by_title[f"Objective {number}"] == expected


def test_my_actions_lists_the_organisations_actions(client, demo):
    client.force_login(demo.police_editor)
    shown = {a.pk for a in client.get(reverse("my_actions")).context["actions"]}
    expected = set(
        Action.objects.filter(rows__lead_organisations__short_name="Police").values_list(
            "pk", flat=True
        )
    )
    assert shown == expected and demo.police_action.pk in shown


def test_rag_is_shown_as_word_and_symbol(client, demo):
    add_update(demo.admin, demo.police_action.pk, "Barrier: staffing.", "delivery", "red")
    client.force_login(demo.viewer)
    html = client.get(reverse("action", args=[demo.police_action.pk])).content.decode()
    assert 'class="tag rag-red"' in html and "✖</span> Red" in html
    assert "Implementation/delivery" in html


def test_editor_links_an_action_to_objectives_and_recommendations(client, demo):
    action = demo.police_action
    strategy = action.plan.strategy
    client.force_login(demo.police_editor)
    data = {
        "version": action.version,
        "progress": "",
        "rag": "",
        "comment": "",
        "document_refs": "",
        "objectives": [strategy.objectives.get(number=7).pk],
        "recommendations": [strategy.recommendations.get(number=n).pk for n in (3, 10)],
        "rows-TOTAL_FORMS": "0",
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "1000",
    }
    assert client.post(reverse("action_edit", args=[action.pk]), data).status_code == 302
    assert [o.number for o in action.objectives.all()] == [7]
    assert sorted(r.number for r in action.recommendations.all()) == [3, 10]
    entry = AuditEntry.objects.latest("pk")
    assert entry.after["recommendations"] == [3, 10] and entry.before["recommendations"] == []
    html = client.get(reverse("strategy")).content.decode()
    assert f'href="/plan/actions/{action.pk}/"' in html.split('id="recommendation-3"')[1]


def test_removing_a_row_keeps_the_other_rows_own_columns(client, demo):
    """Hidden template columns (a continuation row's own RAG) stay with their row."""
    action = next(a for a in Action.objects.all() if a.rows.count() >= 2)
    rows = list(action.rows.all())
    rows[1].rag, rows[1].comment = "red", "Row two's own note"
    rows[1].save()
    client.force_login(demo.admin)
    data = {
        "version": action.version,
        "progress": "",
        "rag": "",
        "comment": "",
        "document_refs": "",
        "rows-TOTAL_FORMS": str(len(rows)),
        "rows-INITIAL_FORMS": str(len(rows)),
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "1000",
        "objectives": [o.pk for o in action.objectives.all()],
    }
    for i, row in enumerate(rows):
        data.update(
            {
                f"rows-{i}-named_lead": row.named_lead,
                f"rows-{i}-lead_organisation_text": row.lead_organisation_text,
                f"rows-{i}-supporting": row.supporting,
                f"rows-{i}-local_outcomes": row.local_outcomes,
            }
        )
    data["rows-0-DELETE"] = "on"
    assert client.post(reverse("action_edit", args=[action.pk]), data).status_code == 302
    remaining = list(action.rows.all())
    assert len(remaining) == len(rows) - 1
    assert remaining[0].named_lead == rows[1].named_lead
    assert (remaining[0].rag, remaining[0].comment) == ("red", "Row two's own note")


def test_plan_data_without_a_part_leaves_that_part_alone(demo):
    from cspkit.web.plan.plan_io import apply_plan_data, plan_data

    action = demo.police_action
    action.recommendations.set(action.plan.strategy.recommendations.filter(number=3))
    data = plan_data(action.plan)
    for key in ("leadership", "emerging_themes", "optional_actions", "key_documents"):
        del data["plan"][key]
    for spec in data["plan"]["actions"]:
        del spec["objectives"], spec["recommendations"]
    counts = (
        action.plan.leadership.count(),
        action.plan.emerging_themes.count(),
        action.plan.optional_actions.count(),
        action.objectives.count(),
    )
    result = apply_plan_data(data)
    assert result.updated == [] and len(result.unchanged) == Action.objects.count()
    assert counts == (
        action.plan.leadership.count(),
        action.plan.emerging_themes.count(),
        action.plan.optional_actions.count(),
        action.objectives.count(),
    )
    assert [r.number for r in action.recommendations.all()] == [3]


def test_plan_tables_cache_is_refreshed_by_a_change(client, demo, settings):
    from django.core.cache import cache

    settings.CSPKIT_PAGE_CACHE_SECONDS = 300
    cache.clear()
    client.force_login(demo.viewer)
    first = client.get(reverse("plan"))
    assert first.context["groups"] and first.context["count"] == Action.objects.count()
    second = client.get(reverse("plan"))
    assert second.context["groups"] == []  # served from the cache ...

    def tables(response) -> str:  # the page below the filters (the header's CSRF token varies)
        return response.content.decode().split('class="result-count"')[1]

    assert tables(second) == tables(first)  # ... identical
    action = demo.police_action
    save_action(demo.admin, action.pk, action.version, _change(action, rag="red"))
    third = client.get(reverse("plan"))
    assert third.context["groups"]  # recomputed after the change
    row = third.content.decode().split(f'href="/plan/actions/{action.pk}/"')[1].split("</tr>")[0]
    assert "rag-red" in row
    # Another user with other rights gets their own tables (an editor's "Update" links).
    client.force_login(demo.police_editor)
    assert b"Update<span" in client.get(reverse("plan")).content
    cache.clear()


def test_board_shows_partner_indicators_as_they_stood_on_a_meeting_date(client, demo):
    client.force_login(demo.viewer)
    response = client.get(reverse("board"), {"kpis_at": "2024-03-01"})
    assert response.status_code == 200
    hub = next(k for k in response.context["kpis"] if k.code == "victim_hub_referrals")
    # 18 + 21 + 25 referrals by Q3 2023/24 against 72 (the Victim Care Hub report).
    assert hub.period == "2023/24 Q3" and hub.year_to_date_display == "64"
    assert "64 referrals by Q3 against a target of 72" in response.content.decode()
