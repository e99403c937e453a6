"""The forward plan, a meeting's page, building its pack and downloading a built pack.

Everyone in the partnership may see meetings and download their packs (``view_kpis``);
administrators build packs (``build_pack``) and manage meetings and agenda items in the
administration pages. Another partnership's meeting or pack is a 404, as for actions.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.db.models.functions import Length
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cspkit.web.meetings import services
from cspkit.web.meetings.models import AgendaItem, MeetingPack
from cspkit.web.plan import permissions
from cspkit.web.plan.models import BoardMeeting

log = logging.getLogger(__name__)


def _partnership(request: HttpRequest):
    permissions.require(request.user, "view_kpis")
    partnership = permissions.partnership_of(request.user)
    if partnership is None:
        raise PermissionDenied("Your account is not part of a partnership.")
    return partnership


def _meeting(request: HttpRequest, pk: int) -> BoardMeeting:
    partnership = _partnership(request)
    return get_object_or_404(
        BoardMeeting.objects.select_related("partnership"), pk=pk, partnership=partnership
    )


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The forward plan: meetings to come with their agendas, then past meetings."""
    partnership = _partnership(request)
    today = services.today()
    meetings = BoardMeeting.objects.filter(partnership=partnership).annotate(
        pack_count=Count("packs")
    )
    future = (
        meetings.filter(date__gte=today)
        .order_by("date", "pk")
        .prefetch_related(
            Prefetch("agenda", queryset=AgendaItem.objects.order_by("position", "pk"))
        )
    )
    past = (
        meetings.filter(date__lt=today)
        .order_by("-date", "-pk")
        .annotate(item_count=Count("agenda", distinct=True))
    )
    return render(
        request,
        "meetings/index.html",
        {"today": today, "future": list(future), "past": list(past)},
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    built = request.GET.get("built", "")
    return render(
        request,
        "meetings/meeting.html",
        {
            "meeting": meeting,
            "agenda": meeting.agenda.order_by("position", "pk"),
            "previous": services.previous_meeting(meeting),
            "next": BoardMeeting.objects.filter(
                partnership_id=meeting.partnership_id, date__gt=meeting.date
            )
            .order_by("date", "pk")
            .first(),
            # the PDFs stay in the database: only their sizes are read for the list
            "packs": meeting.packs.select_related("built_by", "built_by__person")
            .defer("pdf")
            .annotate(pdf_size=Length("pdf")),
            "built": int(built) if built.isdigit() else None,
            "is_future": meeting.date >= services.today(),
            "vintage_limit": services.vintage_limit(meeting.date),
            "can_build": permissions.can(request.user, "build_pack", meeting),
        },
    )


@login_required
@require_POST
def build(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    permissions.require(request.user, "build_pack", meeting)
    try:
        pack = services.build_pack(request.user, meeting)
    except Exception as exc:  # shown to the administrator; the details go to the log
        log.exception("building the pack for %s failed", meeting)
        messages.error(request, f"The pack could not be built: {exc}")
        return redirect("meeting", pk=meeting.pk)
    note = f" {pack.dashboard_note}" if pack.dashboard_note else ""
    messages.success(
        request,
        f"The pack for {meeting.date:%-d %B %Y} has been built: {pack.pages} pages.{note}",
    )
    return redirect(reverse("meeting", args=[meeting.pk]) + f"?built={pack.pk}#packs")


@login_required
def download(request: HttpRequest, pk: int, pack: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    record = get_object_or_404(MeetingPack, pk=pack, meeting=meeting)
    response = HttpResponse(bytes(record.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{record.filename}"'
    response["Content-Length"] = str(record.size)
    response["X-Content-Type-Options"] = "nosniff"
    return response
