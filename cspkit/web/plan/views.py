"""The plan pages. Each view checks one permission from :mod:`permissions` and lists only what
the user may see; the arithmetic lives in :mod:`board`, the changes in :mod:`services`."""

from __future__ import annotations

import hashlib
from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from cspkit.web.plan import permissions
from cspkit.web.plan.board import board_summary
from cspkit.web.plan.forms import (
    ActionEditForm,
    DeliveryRowFormSet,
    PlanFilterForm,
    UpdateForm,
)
from cspkit.web.plan.models import (
    Action,
    ActionPlan,
    AuditEntry,
    BoardMeeting,
    DeliveryRow,
    Organisation,
    Stage,
    Strategy,
)
from cspkit.web.plan.plan_io import LeadResolver
from cspkit.web.plan.services import ActionChange, EditConflict, add_update, save_action


def _partnership_or_403(request):
    permissions.require(request.user, "view_plan")
    partnership = permissions.partnership_of(request.user)
    if partnership is None:
        raise PermissionDenied("Your account is not part of a partnership.")
    return partnership


def _current_plan(partnership) -> ActionPlan | None:
    return ActionPlan.objects.filter(partnership=partnership).order_by("-year", "-pk").first()


def _visible_action(request, pk: int) -> Action:
    action = (
        permissions.actions_visible_to(request.user)
        .select_related(
            "plan",
            "plan__partnership",
            "plan__strategy",
            "theme",
            "updated_by",
            "updated_by__person",
        )
        .prefetch_related("rows__lead_organisations")
        .filter(pk=pk)
        .first()
    )
    if action is None:
        raise Http404("No such action in your partnership's plan.")
    return action


def _with_rows(queryset):
    # The tables show each row's lead organisation as written, so the links aren't loaded.
    return queryset.select_related("theme").prefetch_related(
        Prefetch("rows", queryset=DeliveryRow.objects.order_by("position")), "objectives"
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    partnership = _partnership_or_403(request)
    plan = _current_plan(partnership)
    strategy = Strategy.objects.filter(partnership=partnership).order_by("-pk").first()
    summary = None
    if plan is not None:
        summary = board_summary(
            permissions.actions_visible_to(request.user).filter(plan=plan), partnership
        )
    mine = (
        permissions.actions_editable_by(request.user).count()
        if permissions.role_of(request.user) == "editor"
        else None
    )
    return render(
        request,
        "plan/home.html",
        {
            "partnership": partnership,
            "plan": plan,
            "strategy": strategy,
            "summary": summary,
            "my_count": mine,
        },
    )


def _filtered(request, actions, form: PlanFilterForm, today: date):
    if not form.is_valid():
        return actions, False
    data = form.cleaned_data
    if data.get("organisation"):
        actions = actions.filter(rows__lead_organisations=data["organisation"])
    if data.get("lead"):
        actions = actions.filter(rows__named_lead=data["lead"])
    if data.get("rag"):
        actions = actions.filter(rag="" if data["rag"] == "none" else data["rag"])
    if data.get("stage"):
        actions = actions.filter(progress="" if data["stage"] == "none" else data["stage"])
    if data.get("objective"):
        actions = actions.filter(objectives__number=data["objective"])
    actions = actions.distinct()
    return actions, bool(data.get("overdue"))


@login_required
def plan(request: HttpRequest) -> HttpResponse:
    partnership = _partnership_or_403(request)
    current = _current_plan(partnership)
    today = timezone.localdate()
    strategy = current.strategy if current else None
    objectives = list(strategy.objectives.all()) if strategy else []
    leads = (
        DeliveryRow.objects.filter(action__plan=current)
        .exclude(named_lead="")
        .values_list("named_lead", flat=True)
        .distinct()
        .order_by("named_lead")
    )
    form = PlanFilterForm(
        request.GET or None,
        organisations=Organisation.objects.filter(
            partnership=partnership, lead_rows__isnull=False
        ).distinct(),
        leads=list(leads),
        objectives=objectives,
    )
    group = (form.cleaned_data.get("group") if form.is_bound and form.is_valid() else "") or "theme"
    filtered = bool(request.GET and any(v for k, v in request.GET.items() if k != "group"))
    editable = set(
        permissions.actions_editable_by(request.user)
        .filter(plan=current)
        .values_list("pk", flat=True)
    )
    # The action tables are most of the page's cost; they change only when an action does.
    cache_key = _tables_cache_key(request, current, editable, today)
    tables = cache.get(cache_key) if cache_key else None
    groups, count = [], None
    if tables is None:
        actions = permissions.actions_visible_to(request.user).filter(plan=current)
        actions, only_overdue = _filtered(request, actions, form, today)
        actions = list(_with_rows(actions).order_by("theme__number", "position"))
        if only_overdue:
            actions = [a for a in actions if a.is_overdue(today)]
        for action in actions:
            action.overdue = action.is_overdue(today)
        groups = _group(actions, group, current, objectives)
        count = len(actions)
        if cache_key:
            tables = mark_safe(  # noqa: S308 - our own template's output
                render_to_string(
                    "plan/_groups.html",
                    {"groups": groups, "editable": editable, "filtered": filtered},
                    request,
                )
            )
            cache.set(cache_key, (str(tables), count), settings.CSPKIT_PAGE_CACHE_SECONDS)
    else:
        tables, count = mark_safe(tables[0]), tables[1]  # noqa: S308
    return render(
        request,
        "plan/plan.html",
        {
            "plan": current,
            "form": form,
            "groups": groups,
            "count": count,
            "tables": tables,
            "tables_cache_key": cache_key,
            "group": group,
            "editable": editable,
            "today": today,
            "filtered": filtered,
        },
    )


def _tables_cache_key(request, current, editable: set, today: date) -> str | None:
    """A key that changes whenever anything the plan tables show could change, or None."""
    seconds = getattr(settings, "CSPKIT_PAGE_CACHE_SECONDS", 0)
    if not seconds or current is None:
        return None
    stamp = Action.objects.filter(plan=current).aggregate(
        last=Max("updated_at"), n=Count("pk"), rows=Count("rows")
    )
    parts = (
        current.pk,
        stamp["last"],
        stamp["n"],
        stamp["rows"],
        today,
        sorted(request.GET.lists()),
        sorted(editable),
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"plan-tables:{digest}"


def _group(actions, group: str, current, objectives):
    if group == "objective":
        groups = []
        for objective in objectives:
            members = [a for a in actions if objective in a.objectives.all()]
            groups.append(
                {
                    "title": f"Objective {objective.number}",
                    "text": objective.text,
                    "actions": members,
                }
            )
        unlinked = [a for a in actions if not a.objectives.all()]
        if unlinked:
            groups.append({"title": "Not linked to an objective", "text": "", "actions": unlinked})
        return groups
    themes = list(current.themes.all()) if current else []
    return [
        {
            "title": str(t),
            "text": t.description,
            "actions": [a for a in actions if a.theme_id == t.pk],
        }
        for t in themes
    ]


@login_required
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = _visible_action(request, pk)
    may_update = permissions.can(request.user, "add_update", action)
    form = UpdateForm()
    if request.method == "POST":
        permissions.require(request.user, "add_update", action)
        form = UpdateForm(request.POST)
        if form.is_valid():
            add_update(request.user, action.pk, **form.cleaned_data)
            messages.success(request, "Your update has been added.")
            return redirect("action", pk=action.pk)
    today = timezone.localdate()
    return render(
        request,
        "plan/action.html",
        {
            "action": action,
            "rows": action.rows.all(),
            "updates": action.updates.select_related("author", "author__person"),
            "history": action.audit.select_related("user", "user__person")[:100],
            "form": form,
            "may_update": may_update,
            "may_edit": permissions.can(request.user, "edit_action", action),
            "overdue": action.is_overdue(today),
            "end": action.end_date(),
        },
        status=400 if form.errors else 200,
    )


def _edit_initial(action: Action) -> dict:
    return {
        "version": action.version,
        "progress": action.progress,
        "rag": action.rag,
        "comment": action.comment,
        "document_refs": action.document_refs,
        "objectives": list(action.objectives.all()),
        "recommendations": list(action.recommendations.all()),
    }


def _rows_initial(action: Action) -> list[dict]:
    return [
        {
            "named_lead": r.named_lead,
            "lead_organisation_text": r.lead_organisation_text,
            "start": r.start,
            "end": r.end,
            "supporting": r.supporting,
            "local_outcomes": r.local_outcomes,
        }
        for r in action.rows.all()
    ]


@login_required
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    action = _visible_action(request, pk)
    permissions.require(request.user, "edit_action", action)
    strategy = action.plan.strategy
    conflict = None
    if request.method == "POST":
        form = ActionEditForm(request.POST, strategy=strategy)
        rows = DeliveryRowFormSet(request.POST, prefix="rows")
        if form.is_valid() and rows.is_valid():
            try:
                save_action(
                    request.user,
                    action.pk,
                    form.cleaned_data["version"],
                    _change(action, form, rows),
                )
            except EditConflict as exc:
                conflict = _conflict(exc, form, rows)
                # Re-submitting now overwrites deliberately: the form carries the new version.
                data = request.POST.copy()
                data["version"] = str(exc.current.version)
                form = ActionEditForm(data, strategy=strategy)
                rows = DeliveryRowFormSet(data, prefix="rows")
                form.is_valid()
                rows.is_valid()
            else:
                messages.success(request, f"Action {action.label} has been saved.")
                return redirect("action", pk=action.pk)
    else:
        form = ActionEditForm(initial=_edit_initial(action), strategy=strategy)
        rows = DeliveryRowFormSet(initial=_rows_initial(action), prefix="rows")
    invalid = request.method == "POST" and (conflict or form.errors or rows.total_error_count())
    return render(
        request,
        "plan/action_edit.html",
        {
            "action": action,
            "form": form,
            "rows": rows,
            "conflict": conflict,
        },
        status=409 if conflict else (400 if invalid else 200),
    )


def _change(action: Action, form: ActionEditForm, rows) -> ActionChange:
    data = form.cleaned_data
    shown = ("named_lead", "lead_organisation_text", "start", "end", "supporting", "local_outcomes")
    hidden = ("vru_outcomes_text", "progress", "comment", "document_refs", "rag")
    old = list(action.rows.all())
    kept = []
    # Form i shows old row i (forms beyond the old rows are new), so a row's hidden template
    # columns stay with that row even when a row above it is removed.
    for index, r in enumerate(rows.cleaned_data):
        if not r or r.get("DELETE"):
            continue
        row = {k: (r.get(k) or (None if k in ("start", "end") else "")) for k in shown}
        source = old[index] if index < len(old) else None
        row.update({k: getattr(source, k) if source else "" for k in hidden})
        kept.append(row)
    return ActionChange(
        fields={k: data[k] for k in ("progress", "rag", "comment", "document_refs")},
        objectives=list(data["objectives"]),
        recommendations=list(data["recommendations"]),
        rows=kept,
        lead_resolver=LeadResolver(action.plan.partnership),
    )


def _conflict(exc: EditConflict, form: ActionEditForm, rows) -> dict:
    current = exc.current
    current.refresh_from_db()
    yours = form.cleaned_data
    labels = {
        "progress": "Progress stage",
        "rag": "Risk RAG status",
        "comment": "Comment",
        "document_refs": "Document reference(s)",
    }
    differences = [
        {
            "label": label,
            "theirs": getattr(current, name),
            "yours": yours.get(name, ""),
            "field": name,
        }
        for name, label in labels.items()
        if getattr(current, name) != yours.get(name, "")
    ]
    theirs_objectives = sorted(o.number for o in current.objectives.all())
    your_objectives = sorted(o.number for o in yours.get("objectives", []))
    if theirs_objectives != your_objectives:
        differences.append(
            {
                "label": "Objectives",
                "field": "objectives",
                "theirs": ", ".join(map(str, theirs_objectives)) or "none",
                "yours": ", ".join(map(str, your_objectives)) or "none",
            }
        )
    return {"entry": exc.theirs, "differences": differences, "current": current}


@login_required
def my_actions(request: HttpRequest) -> HttpResponse:
    _partnership_or_403(request)
    person = permissions.person_of(request.user)
    today = timezone.localdate()
    actions = []
    if person is not None:
        actions = list(
            _with_rows(
                permissions.actions_visible_to(request.user)
                .filter(
                    Q(rows__lead_organisations=person.organisation_id)
                    | Q(rows__named_lead__iexact=person.name)
                )
                .distinct()
            ).order_by("theme__number", "position")
        )
    for action in actions:
        action.overdue = action.is_overdue(today)
    editable = set(permissions.actions_editable_by(request.user).values_list("pk", flat=True))
    return render(
        request,
        "plan/my_actions.html",
        {
            "actions": actions,
            "person": person,
            "editable": editable,
        },
    )


@login_required
def board(request: HttpRequest) -> HttpResponse:
    partnership = _partnership_or_403(request)
    current = _current_plan(partnership)
    meetings = list(BoardMeeting.objects.filter(partnership=partnership).order_by("-date"))
    since = None
    if request.GET.get("since"):
        try:
            since = date.fromisoformat(request.GET["since"])
        except ValueError:
            messages.error(request, "The 'since' date must look like 2024-03-01.")
    summary = board_summary(
        permissions.actions_visible_to(request.user).filter(plan=current),
        partnership,
        since=since,
    )
    from cspkit.web.kpis.report import kpi_reports  # the partner indicators' section

    # Partner indicators as they stood on a chosen meeting's date (default: today), so a
    # board can look back at the figures it was given.
    kpis_at = summary.today
    if request.GET.get("kpis_at"):
        try:
            kpis_at = min(date.fromisoformat(request.GET["kpis_at"]), summary.today)
        except ValueError:
            messages.error(request, "The partner indicators' date must look like 2024-03-01.")
    return render(
        request,
        "plan/board.html",
        {
            "plan": current,
            "summary": summary,
            "meetings": meetings,
            "kpis": kpi_reports(partnership, kpis_at),
            "kpis_at": kpis_at,
        },
    )


@login_required
def strategy(request: HttpRequest) -> HttpResponse:
    partnership = _partnership_or_403(request)
    current = Strategy.objects.filter(partnership=partnership).order_by("-pk").first()
    visible = permissions.actions_visible_to(request.user).select_related("theme")
    objectives = []
    if current:
        for objective in current.objectives.all():
            objectives.append(
                (
                    objective,
                    visible.filter(objectives=objective).order_by("theme__number", "position"),
                )
            )
    return render(
        request,
        "plan/strategy.html",
        {
            "strategy": current,
            "objectives": objectives,
            "recommendations": current.recommendations.all() if current else [],
        },
    )


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    permissions.require(request.user, "view_audit")
    partnership = permissions.partnership_of(request.user)
    entries = AuditEntry.objects.filter(partnership=partnership).select_related(
        "user", "user__person"
    )[:500]
    return render(request, "plan/audit.html", {"entries": entries})


def stage_label(value: str) -> str:
    return Stage(value).label if value else "Not recorded"
