"""Building a board meeting's pack: the records gathered, the PDF made, the build kept.

A pack has, for one meeting (:class:`cspkit.web.plan.models.BoardMeeting`):

* the agenda (the forward plan's items for that meeting);
* the **Performance Dashboard** for the latest complete calendar quarter before the
  meeting (1 March 2024 -> October-December 2023), for the partnership's area, using the
  police data *as it stood before the meeting*: the newest release not after the month
  before the meeting (1 March 2024 -> vintage limit 2024-02, so the 2024-01 release when
  that is the newest one up to February). A rebuild later gives the same figures even after
  newer releases are loaded. No police data loaded -> the pack says so instead;
* the **action plan's progress** as the board view computes it
  (:func:`cspkit.web.plan.board.board_summary`) on the meeting's date: RAG and stage by
  theme, overdue actions, actions not updated this quarter, and the changes and progress
  updates between the previous meeting and the end of this meeting's day. Stages and RAG
  ratings are the ones recorded when the pack is built (the app keeps their history in
  the audit log, not as a dated series);
* the **partner KPIs** at the end of that quarter.

The warehouse is only ever opened read-only through :mod:`cspkit.api` (a load swaps its
file atomically, so a build never waits for a load nor blocks one). The PDF is rendered
before anything is written to the app's database, so a build holds no database lock while
it renders.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from cspkit.web.meetings.models import MeetingPack
from cspkit.web.plan import permissions
from cspkit.web.plan.audit import record
from cspkit.web.plan.board import board_summary
from cspkit.web.plan.models import (
    RAG_MEANING,
    Action,
    ActionPlan,
    AuditEntry,
    BoardMeeting,
    ProgressUpdate,
    Rag,
    Stage,
)

FIELD_WORDS = {
    "rag": "Risk RAG status",
    "progress": "Progress stage",
    "comment": "Comment",
    "document_refs": "Document reference(s)",
    "text": "Action text",
    "number": "Action No",
    "ref": "Ref",
    "theme": "Theme",
    "objectives": "Objectives",
    "recommendations": "Needs assessment recommendations",
    "vru_outcomes": "VRU outcomes",
    "rows": "Delivery rows",
}


def today() -> date:
    """Today's date where the app runs (tests replace this function to fix the day)."""
    return timezone.localdate()


def previous_meeting(meeting: BoardMeeting) -> BoardMeeting | None:
    return (
        BoardMeeting.objects.filter(partnership_id=meeting.partnership_id, date__lt=meeting.date)
        .order_by("-date", "-pk")
        .first()
    )


def vintage_limit(meeting_date: date) -> str:
    """The police data as it stood before the meeting: releases up to the month before it."""
    first = meeting_date.replace(day=1) - timedelta(days=1)
    return f"{first:%Y-%m}"


def rag_words(value: str) -> str:
    return Rag(value).label if value else "Not rated"


def stage_words(value: str) -> str:
    return Stage(value).label if value else "Not recorded"


def _who(user) -> str:
    if user is None:
        return "system"
    person = permissions.person_of(user)
    return person.name if person is not None else user.get_username()


def _theme_name(theme) -> str:
    return str(theme)


def _value_words(name: str, value) -> str:
    if name == "rag":
        return rag_words(value or "")
    if name == "progress":
        return stage_words(value or "")
    return ""


def change_words(entry: AuditEntry) -> str:
    """An audit entry as a line for the board: 'Risk RAG status Amber -> Red; Comment changed'."""
    parts = []
    for name, old, new in entry.changed_fields():
        label = FIELD_WORDS.get(name, name.replace("_", " ").capitalize())
        if name in ("rag", "progress"):
            parts.append(f"{label} {_value_words(name, old)} → {_value_words(name, new)}")
        else:
            parts.append(f"{label} changed")
    words = "; ".join(parts) or entry.verb
    return f"{words} (spreadsheet import)" if entry.verb == "import" else words


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def plan_progress(meeting: BoardMeeting, previous: BoardMeeting | None):
    """The action plan's progress for the pack (None when the partnership has no plan)."""
    from cspkit.products.meeting_pack import ActionLine, ChangeLine, PlanProgress, ThemeProgress

    plan = (
        ActionPlan.objects.filter(partnership_id=meeting.partnership_id)
        .order_by("-year", "-pk")
        .first()
    )
    if plan is None:
        return None
    since = previous.date if previous else None
    summary = board_summary(
        Action.objects.filter(plan=plan), meeting.partnership, today=meeting.date, since=since
    )
    until = _end_of(meeting.date)

    def line(action) -> ActionLine:
        return ActionLine(
            label=action.label,
            text=" ".join(action.text.split()),
            theme=_theme_name(action.theme),
            end=action.end_date(),
            stage=stage_words(action.progress),
            rag=action.rag or "",
        )

    themes = [
        ThemeProgress(
            name=_theme_name(t.theme),
            total=t.total,
            rag=dict(t.rag),
            stage=dict(t.stage),
            overdue=t.overdue,
        )
        for t in summary.themes
    ]
    changes: list[tuple[datetime, int, ChangeLine]] = []
    if previous is not None:
        for entry in summary.changes:
            if entry.when < until:
                changes.append(
                    (
                        entry.when,
                        0,
                        ChangeLine(
                            label=entry.action.label,
                            when=timezone.localtime(entry.when),
                            who=_who(entry.user),
                            what=change_words(entry),
                        ),
                    )
                )
        for update in summary.updates_since:
            if update.created_at < until:
                changes.append((update.created_at, 1, _update_line(update, ChangeLine)))
    changes.sort(key=lambda item: (item[0], item[1]))
    return PlanProgress(
        plan_title=f"{plan.title} {plan.year}",
        as_of=meeting.date,
        since=since,
        themes=themes,
        overdue=[line(a) for a in summary.overdue],
        not_updated=[line(a) for a in summary.not_updated],
        changes=[c for _, _, c in changes],
    )


def _update_line(update: ProgressUpdate, ChangeLine):
    what = "Progress update"
    extras = []
    if update.progress:
        extras.append(f"stage {stage_words(update.progress)}")
    if update.rag:
        extras.append(f"RAG {rag_words(update.rag)} ({RAG_MEANING[update.rag].lower()})")
    if extras:
        what += " (" + ", ".join(extras) + ")"
    text = " ".join(update.text.split())
    return ChangeLine(
        label=update.action.label,
        when=timezone.localtime(update.created_at),
        who=_who(update.author),
        what=f"{what}: {text}",
    )


def agenda_lines(meeting: BoardMeeting):
    from cspkit.products.meeting_pack import AgendaLine

    return [
        AgendaLine(title=i.title, theme=i.theme, owner=i.owner, decision=i.decision)
        for i in meeting.agenda.all().order_by("position", "pk")
    ]


def dashboard_for(partnership, first: date, last: date, limit: str, warehouse=None):
    """(report or None, note): the Performance Dashboard, or why the pack has none."""
    from cspkit import api
    from cspkit.errors import CspkitError, EmptyWarehouse

    try:
        report = api.dashboard(
            f"{first:%Y-%m}",
            f"{last:%Y-%m}",
            area=partnership.area,
            vintage=limit,
            warehouse=warehouse,
        )
    except EmptyWarehouse:
        from cspkit.products.meeting_pack import NO_DASHBOARD_NOTE

        return None, NO_DASHBOARD_NOTE
    except CspkitError as exc:
        return None, f"The Performance Dashboard could not be made: {exc}"
    if not any(i.available for i in report.indicators):
        return None, (
            f"No police data for {first:%B %Y} to {last:%B %Y} released by {limit} has been "
            "loaded, so this pack has no Performance Dashboard."
        )
    return report, ""


def kpis_for(partnership, quarter_end: date) -> list:
    from cspkit.web.kpis.report import kpi_reports

    return list(kpi_reports(partnership, quarter_end))


def pack_report(meeting: BoardMeeting, warehouse=None, generated_at: datetime | None = None):
    """The pack's report model (:class:`cspkit.products.meeting_pack.MeetingPack`)."""
    from cspkit.products.meeting_pack import latest_complete_quarter, meeting_pack

    partnership = meeting.partnership
    first, last = latest_complete_quarter(meeting.date)
    limit = vintage_limit(meeting.date)
    dashboard, note = dashboard_for(partnership, first, last, limit, warehouse)
    return meeting_pack(
        partnership=partnership.name,
        title=meeting.title,
        meeting_date=meeting.date,
        venue=meeting.venue,
        agenda=agenda_lines(meeting),
        dashboard=dashboard,
        dashboard_note=note,
        plan=plan_progress(meeting, previous_meeting(meeting)),
        kpis=kpis_for(partnership, last),
        generated_at=generated_at or timezone.localtime(),
    )


def make_pack(meeting: BoardMeeting, user=None, warehouse=None) -> MeetingPack:
    """Build and keep a pack (no permission check: the command line and build_pack use it)."""
    from cspkit.products.meeting_pack import latest_complete_quarter
    from cspkit.render import pack as render_pack

    report = pack_report(meeting, warehouse=warehouse)
    document, _ = render_pack.pack_document(report)  # as pack_pdf, keeping the page count
    pdf = document.write_pdf()
    first, last = latest_complete_quarter(meeting.date)
    used = (
        ", ".join(f"{v:%Y-%m}" for v in report.dashboard.vintages_used) if report.dashboard else ""
    )
    with transaction.atomic():
        pack = MeetingPack.objects.create(
            meeting=meeting,
            built_by=user if user is not None and user.is_authenticated else None,
            pdf=pdf,
            pages=len(document.pages),
            period_first=first,
            period_last=last,
            vintage_limit=vintage_limit(meeting.date),
            vintages_used=used,
            dashboard_note=report.dashboard_note,
            kpi_count=len(report.kpis),
        )
        record(
            user,
            "build pack",
            pack,
            {},
            {
                "meeting": meeting.date.isoformat(),
                "pages": pack.pages,
                "period": f"{first.isoformat()} to {last.isoformat()}",
                "vintage_limit": pack.vintage_limit,
                "vintages_used": used,
                "dashboard_note": pack.dashboard_note,
            },
            partnership=meeting.partnership,
        )
    return pack


def build_pack(user, meeting: BoardMeeting, warehouse=None) -> MeetingPack:
    """Build the meeting's pack as ``user`` (permission ``build_pack``) and keep it."""
    permissions.require(user, "build_pack", meeting)
    return make_pack(meeting, user=user, warehouse=warehouse)


def write_pack(pack: MeetingPack, out: Path) -> Path:
    out = Path(out)
    out.write_bytes(bytes(pack.pdf))
    return out
