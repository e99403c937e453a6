"""Returns pages: what an organisation owes (with a form for each missing return), the
return template for an organisation and round (CSV or XLSX), and the upload of a filled-in
template. Editors see and return only their own organisation's indicators; administrators
pick any organisation of their partnership.

A "round" is a financial quarter: the template for 2023/24 Q3 holds the organisation's
quarterly indicators for that quarter, its monthly ones for October to December 2023 and,
in a Q4 round, its annual ones for the year.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cspkit.measures.reporting_periods import PeriodError, last_complete, parse_period
from cspkit.web.kpis import returns_file
from cspkit.web.kpis.forms import UploadForm
from cspkit.web.kpis.models import Indicator
from cspkit.web.kpis.schedule import schedule
from cspkit.web.kpis.services import save_all
from cspkit.web.kpis.views import OrganisationReturns, partnership_or_403
from cspkit.web.plan import permissions
from cspkit.web.plan.models import Organisation, Role

ROUNDS_SHOWN = 12


def _organisations(request: HttpRequest, partnership) -> list[Organisation]:
    """The organisations whose returns the user may enter (admins: all that own indicators)."""
    owners = Organisation.objects.filter(
        partnership=partnership, indicators__isnull=False
    ).distinct()
    return sorted(
        (
            org
            for org in owners
            if permissions.can(request.user, "enter_return", OrganisationReturns.of(org))
        ),
        key=lambda org: org.short_name.casefold(),
    )


def _chosen_organisation(request: HttpRequest, partnership, choices: list[Organisation]):
    wanted = request.GET.get("organisation", "").strip()
    if wanted:
        org = None
        if wanted.isdigit():
            org = Organisation.objects.filter(partnership=partnership, pk=wanted).first()
        if org is None:
            raise Http404("No such organisation in your partnership.")
        permissions.require(request.user, "enter_return", OrganisationReturns.of(org))
        return org
    person = permissions.person_of(request.user)
    if person is not None and person.organisation in choices:
        return person.organisation
    if choices:
        return choices[0]
    if person is not None:
        return person.organisation  # a partnership or organisation with no indicators yet
    raise Http404("Your partnership has no indicators yet.")


def _require_enterer(request: HttpRequest):
    partnership = partnership_or_403(request)
    if not permissions.can(request.user, "enter_return", OrganisationReturns.of_user(request.user)):
        raise PermissionDenied("Only editors and administrators enter returns.")
    return partnership


def _round(request: HttpRequest, today):
    default = last_complete("quarterly", today)
    label = request.GET.get("round", "").strip()
    if not label:
        return default
    try:
        chosen = parse_period(label, "quarterly")
    except PeriodError:
        messages.error(request, f"'{label}' is not a quarter; showing {default.label}.")
        return default
    return chosen if chosen <= default else default


@login_required
def returns_due(request: HttpRequest) -> HttpResponse:
    partnership = _require_enterer(request)
    today = timezone.localdate()
    choices = _organisations(request, partnership)
    organisation = _chosen_organisation(request, partnership, choices)
    chosen_round = _round(request, today)
    rounds = [last_complete("quarterly", today)]
    while len(rounds) < ROUNDS_SHOWN:
        rounds.append(rounds[-1].previous())
    if chosen_round not in rounds:
        rounds.append(chosen_round)
    indicators = []
    for indicator in (
        Indicator.objects.filter(owner=organisation, active=True)
        .prefetch_related("returns__entered_by__person")
        .order_by("name")
    ):
        rows = list(reversed(schedule(indicator, indicator.returns.all(), today)))
        indicators.append((indicator, rows, sum(r.state == "late" for r in rows)))
    return render(
        request,
        "kpis/returns.html",
        {
            "organisation": organisation,
            "choices": choices,
            "round": chosen_round,
            "rounds": rounds,
            "indicators": indicators,
            "upload_form": UploadForm(),
            "template_rows": returns_file.template_rows(organisation, chosen_round),
            "is_admin": permissions.role_of(request.user) == Role.ADMIN,
        },
    )


@login_required
def return_template(request: HttpRequest, fmt: str) -> HttpResponse:
    partnership = _require_enterer(request)
    today = timezone.localdate()
    organisation = _chosen_organisation(request, partnership, _organisations(request, partnership))
    chosen_round = _round(request, today)
    if fmt == "xlsx":
        body = returns_file.template_xlsx(organisation, chosen_round)
        content_type = returns_file.XLSX_CONTENT_TYPE
    else:
        body = returns_file.template_csv(organisation, chosen_round)
        content_type = returns_file.CSV_CONTENT_TYPE
    response = HttpResponse(body, content_type=content_type)
    name = returns_file.template_filename(organisation, chosen_round, fmt)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    partnership = _require_enterer(request)
    today = timezone.localdate()
    context: dict = {"problems": None, "saved": None, "skipped": [], "source_name": ""}
    status = 200
    form = UploadForm()
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload_file = form.cleaned_data["file"]
            context["source_name"] = upload_file.name
            try:
                rows = returns_file.read_upload(upload_file.read(), upload_file.name)
            except returns_file.FileProblems as exc:
                context["problems"] = exc.problems
            else:
                checked = returns_file.check_rows(request.user, partnership, rows, today)
                if checked.problems:
                    context["problems"] = checked.problems
                elif not checked.rows:
                    form.add_error(
                        "file", "The file has no values to save: fill in the value column"
                    )
                else:
                    context["saved"] = save_all(request.user, checked.rows)
                    context["skipped"] = checked.skipped
                    form = UploadForm()
            if context["problems"]:
                status = 400
        if form.errors:
            status = 400
    context["form"] = form
    context["counts"] = _counts(context["saved"] or [])
    return render(request, "kpis/upload.html", context, status=status)


def _counts(saved) -> dict:
    counts = {"created": 0, "changed": 0, "unchanged": 0}
    for item in saved:
        counts[item.outcome] += 1
    return counts
