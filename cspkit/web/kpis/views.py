"""Indicator pages: the list by owner, one indicator with its returns and entry form, and the
late returns. Each view checks a permission from :mod:`cspkit.web.plan.permissions` and shows
only the user's partnership. Figures here are the returns as entered (for the partnership's
own members); the board view and the meeting pack show them published (small numbers hidden).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from cspkit.measures.reporting_periods import PeriodError, containing, last_complete
from cspkit.web.kpis.forms import ReturnForm
from cspkit.web.kpis.models import Indicator, Return, plain_number
from cspkit.web.kpis.report import indicator_report, indicators_of, latest_return
from cspkit.web.kpis.schedule import DUE, LATE, RECEIVED_LATE, late_returns, schedule
from cspkit.web.kpis.services import ReturnConflict, save_return
from cspkit.web.kpis.validation import ReturnInvalid, long_date
from cspkit.web.plan import permissions
from cspkit.web.plan.models import AuditEntry


def partnership_or_403(request: HttpRequest):
    permissions.require(request.user, "view_kpis")
    partnership = permissions.partnership_of(request.user)
    if partnership is None:
        raise PermissionDenied("Your account is not part of a partnership.")
    return partnership


def visible_indicator(request: HttpRequest, code: str) -> Indicator:
    partnership = partnership_or_403(request)
    indicator = (
        Indicator.objects.filter(partnership=partnership, code=code)
        .select_related("owner", "partnership")
        .prefetch_related("returns__entered_by__person", "objectives", "actions__theme")
        .first()
    )
    if indicator is None:
        raise Http404("No such indicator in your partnership.")
    return indicator


def _as_of(request: HttpRequest) -> date | None:
    text = request.GET.get("as_of", "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        messages.error(request, "The 'as at' date must look like 2024-03-01.")
        return None


@dataclass
class ListRow:
    indicator: Indicator
    report: object
    latest: Return | None
    late: int
    received_late: int
    due: int


@login_required
def index(request: HttpRequest) -> HttpResponse:
    partnership = partnership_or_403(request)
    today = timezone.localdate()
    as_of = _as_of(request)
    rows = []
    for indicator in indicators_of(partnership):
        latest = latest_return(indicator)
        when = as_of or (latest.period_end if latest else today)
        states = [e.state for e in schedule(indicator, indicator.returns.all(), today)]
        rows.append(
            ListRow(
                indicator,
                indicator_report(indicator, when),
                latest,
                states.count(LATE),
                states.count(RECEIVED_LATE),
                states.count(DUE),
            )
        )
    rows.sort(key=lambda r: (r.indicator.owner.short_name.casefold(), r.indicator.name.casefold()))
    groups = [
        (owner, list(items))
        for owner, items in groupby(rows, key=lambda r: r.indicator.owner.short_name)
    ]
    return render(
        request,
        "kpis/index.html",
        {
            "groups": groups,
            "as_of": as_of,
            "today": today,
            "late_total": sum(r.late for r in rows),
            "indicator_count": len(rows),
            "may_enter": may_enter_returns(request.user),
        },
    )


def may_enter_returns(user) -> bool:
    """May the user enter returns at all (an editor for their organisation, or an admin)?"""
    return permissions.can(user, "enter_return", OrganisationReturns.of_user(user))


@dataclass(frozen=True)
class OrganisationReturns:
    """Stands for "the returns of an organisation" in a permission check (``enter_return``)."""

    owner_id: int | None
    partnership_id: int | None

    @classmethod
    def of(cls, organisation) -> OrganisationReturns:
        return cls(organisation.pk, organisation.partnership_id)

    @classmethod
    def of_user(cls, user) -> OrganisationReturns:
        person = permissions.person_of(user)
        partnership = permissions.partnership_of(user)
        return cls(
            person.organisation_id if person else None, partnership.pk if partnership else None
        )


@dataclass
class PeriodRow:
    expected: object
    report: object


def _period_rows(indicator: Indicator, today: date) -> list[PeriodRow]:
    rows = []
    for expected in reversed(schedule(indicator, indicator.returns.all(), today)):
        report = indicator_report(indicator, expected.period.end) if expected.ret else None
        rows.append(PeriodRow(expected, report))
    return rows


def _form_period(request: HttpRequest, indicator: Indicator, rows: list[PeriodRow], today):
    """The period the entry form is for: ?period=, else the newest one still missing."""
    label = request.GET.get("period", "").strip()
    if label:
        try:
            return indicator.period(label)
        except PeriodError:
            messages.error(request, f"'{label}' is not a period of this indicator.")
    for row in rows:
        if row.expected.ret is None:
            return row.expected.period
    return last_complete(indicator.frequency, today)


def _choosable(indicator: Indicator, rows: list[PeriodRow], today: date) -> list:
    """The periods the form offers: every expected one, and a year in progress (its figure
    so far) for an annual indicator."""
    periods = [r.expected.period for r in rows]
    if indicator.frequency == "annual":
        current = containing(indicator.frequency, today)
        if current not in periods:
            periods.insert(0, current)
    return periods


def _initial(indicator: Indicator, period) -> dict:
    ret = indicator.returns.filter(period_start=period.start).first()
    return {
        "period": period.label,
        "version": ret.version if ret else 0,
        "value": plain_number(ret.value) if ret else "",
        "note": ret.note if ret else "",
    }


@login_required
def indicator_detail(request: HttpRequest, code: str) -> HttpResponse:
    indicator = visible_indicator(request, code)
    today = timezone.localdate()
    may_enter = permissions.can(request.user, "enter_return", indicator)
    conflict = None
    status = 200
    if request.method == "POST":
        permissions.require(request.user, "enter_return", indicator)
        form = ReturnForm(request.POST, indicator=indicator)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = save_return(
                    request.user,
                    indicator,
                    data["period"],
                    data["value"],
                    data["note"],
                    expected_version=data["version"],
                    today=today,
                )
            except ReturnInvalid as exc:
                for problem in exc.problems:
                    field = problem.field if problem.field in form.fields else "value"
                    form.add_error(field, _sentence(problem))
            except ReturnConflict as exc:
                conflict = exc.current
                data = request.POST.copy()
                data["version"] = str(conflict.version if conflict else 0)
                form = ReturnForm(data, indicator=indicator)
                form.is_valid()
                status = 409
            else:
                words = {"created": "saved", "changed": "changed", "unchanged": "unchanged"}
                messages.success(
                    request,
                    f"The return for {saved.ret.period} is {words[saved.outcome]}: "
                    f"{plain_number(saved.ret.value)} {indicator.unit}.",
                )
                if request.POST.get("next") == "returns":
                    return redirect(reverse("kpi_returns") + f"?organisation={indicator.owner_id}")
                return redirect("kpi_detail", code=indicator.code)
        if status == 200:
            status = 400
        period_label = request.POST.get("period", "")
    rows = _period_rows(indicator, today)
    if request.method != "POST":
        period = _form_period(request, indicator, rows, today)
        form = ReturnForm(initial=_initial(indicator, period), indicator=indicator)
        period_label = period.label
    try:
        form_period = indicator.period(period_label)
    except PeriodError:
        form_period = None
    latest = latest_return(indicator)
    current = indicator_report(indicator, latest.period_end if latest else today)
    return render(
        request,
        "kpis/indicator.html",
        {
            "indicator": indicator,
            "rows": rows,
            "report": current,
            "form": form,
            "form_period": form_period,
            "form_period_label": period_label,
            "form_period_due": form_period.due(indicator.returns_due_days) if form_period else None,
            "conflict": conflict,
            "may_enter": may_enter,
            "periods": _choosable(indicator, rows, today),
            "history": _history(indicator),
            "today": today,
            "target_words": target_words(indicator),
        },
        status=status,
    )


def _sentence(problem) -> str:
    """A problem as a sentence for the form: "Value "abc" is not a number: ..."."""
    name = {"period": "The period", "value": "The value", "note": "The note"}.get(
        problem.field, "The indicator"
    )
    if not problem.value:
        return problem.problem
    return f"{name} {problem.value!s} {problem.problem}"


def _history(indicator: Indicator) -> list[AuditEntry]:
    ids = [str(r.pk) for r in indicator.returns.all()]
    return list(
        AuditEntry.objects.filter(model="kpis.Return", object_id__in=ids).select_related(
            "user", "user__person"
        )[:50]
    )


def target_words(indicator: Indicator) -> str:
    """The target and tolerance in words, for the indicator page."""
    target = indicator.target()
    if target is None:
        return indicator.target_text or "No target is set."
    value = plain_number(indicator.target_value)
    better = "or more" if indicator.polarity == "higher" else "or fewer"
    if indicator.target_kind == "per_period":
        text = f"{value} {indicator.unit} {better} every {_period_word(indicator)}."
    elif indicator.target_kind == "cumulative":
        text = (
            f"{value} {indicator.unit} {better} by period {indicator.target_periods} of the "
            f"year, counted from April: compared pro-rata with the year-to-date total "
            f"({_share(indicator)} a {_period_word(indicator)})."
        )
    elif indicator.frequency == "annual":
        text = f"{value} {indicator.unit} {better} in the year."
    else:
        text = (
            f"{value} {indicator.unit} {better} in the year: compared pro-rata with the "
            f"year-to-date total ({_share(indicator)} a {_period_word(indicator)})."
        )
    if indicator.target_year is not None:
        text += f" For {indicator.target_year}/{(indicator.target_year + 1) % 100:02d} only."
    if indicator.tolerance_percent is None:
        text += " No tolerance: the target is either met (green) or missed (red)."
    else:
        text += (
            f" Amber within {plain_number(indicator.tolerance_percent)}% of the target; "
            "red beyond that."
        )
    return text


def _period_word(indicator: Indicator) -> str:
    return {"monthly": "month", "quarterly": "quarter", "annual": "year"}[indicator.frequency]


def _share(indicator: Indicator) -> str:
    from cspkit.measures.targets import format_figure, pro_rata_target

    return format_figure(pro_rata_target(indicator.target(), 1))


@login_required
def late(request: HttpRequest) -> HttpResponse:
    partnership = partnership_or_403(request)
    today = timezone.localdate()
    summary = late_returns(indicators_of(partnership), today)
    rows = sorted(
        summary.missing + summary.received_late,
        key=lambda e: (e.indicator.owner.short_name, e.indicator.name, e.period.start),
    )
    groups = [
        (owner, list(items)) for owner, items in groupby(rows, key=lambda e: e.indicator.owner)
    ]
    return render(
        request,
        "kpis/late.html",
        {"summary": summary, "groups": groups, "today": today, "long_date": long_date},
    )
