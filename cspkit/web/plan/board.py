"""The board view's arithmetic: RAG and stage counts by theme, late and quiet actions, changes.

Kept apart from the views so the numbers can be tested (and reused by the meeting pack)
without a request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from cspkit.web.plan.models import Action, AuditEntry, BoardMeeting, ProgressUpdate, Rag, Stage

RAG_ORDER = ("red", "amber", "green", "")
STAGE_ORDER = ("not_started", "planning", "delivery", "complete", "")


def quarter_start(day: date) -> date:
    """First day of the quarter containing ``day`` (Jan/Apr/Jul/Oct: calendar and financial)."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def financial_quarter_label(day: date) -> str:
    start_year = day.year if day.month >= 4 else day.year - 1
    quarter = ((day.month - 4) % 12) // 3 + 1
    return f"Q{quarter} {start_year}/{(start_year + 1) % 100:02d}"


@dataclass
class ThemeCounts:
    theme: object
    total: int = 0
    rag: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RAG_ORDER, 0))
    stage: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STAGE_ORDER, 0))
    overdue: int = 0


@dataclass
class BoardSummary:
    today: date
    quarter_start: date
    quarter_label: str
    since: date | None
    last_meeting: BoardMeeting | None
    themes: list[ThemeCounts]
    totals: ThemeCounts
    overdue: list[Action]
    not_updated: list[Action]
    changes: list[AuditEntry]
    updates_since: list[ProgressUpdate]


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def board_summary(
    actions: QuerySet, partnership, today: date | None = None, since: date | None = None
) -> BoardSummary:
    """Everything the board view shows, for the actions the viewer may see."""
    today = today or timezone.localdate()
    meeting = (
        BoardMeeting.objects.filter(partnership=partnership, date__lte=today)
        .order_by("-date")
        .first()
    )
    since = since or (meeting.date if meeting else None)
    actions = list(
        actions.select_related("theme")
        .prefetch_related("rows")
        # Updates written after ``today`` don't count, so a past meeting's pack rebuilt later
        # lists the same quiet actions.
        .annotate(
            last_update=Max(
                "updates__created_at",
                filter=Q(updates__created_at__lt=_aware(today + timedelta(days=1))),
            )
        )
        .order_by("theme__number", "position")
    )
    qstart = quarter_start(today)
    by_theme: dict[int, ThemeCounts] = {}
    totals = ThemeCounts(theme=None)
    overdue, quiet = [], []
    for action in actions:
        counts = by_theme.setdefault(action.theme.number, ThemeCounts(theme=action.theme))
        late = action.is_overdue(today)
        for bucket in (counts, totals):
            bucket.total += 1
            bucket.rag[action.rag or ""] += 1
            bucket.stage[action.progress or ""] += 1
            bucket.overdue += late
        if late:
            overdue.append(action)
        if action.progress != Stage.COMPLETE and (
            action.last_update is None or timezone.localdate(action.last_update) < qstart
        ):
            quiet.append(action)
    ids = [a.pk for a in actions]
    changes, updates = [], []
    if since is not None:
        changes = list(
            AuditEntry.objects.filter(action_id__in=ids, when__gte=_aware(since))
            .exclude(verb__in=("add update", "update with note"))
            .select_related("user", "user__person", "action", "action__theme")[:300]
        )
        # The first load of an action (demo or spreadsheet import) is not a change to report.
        changes = [c for c in changes if c.before or c.verb != "import"][:200]
        updates = list(
            ProgressUpdate.objects.filter(
                action_id__in=ids, created_at__gte=_aware(since)
            ).select_related("author", "author__person", "action", "action__theme")[:200]
        )
    return BoardSummary(
        today=today,
        quarter_start=qstart,
        quarter_label=financial_quarter_label(today),
        since=since,
        last_meeting=meeting,
        themes=list(by_theme.values()),
        totals=totals,
        overdue=overdue,
        not_updated=quiet,
        changes=changes,
        updates_since=updates,
    )


__all__ = ["board_summary", "quarter_start", "financial_quarter_label", "Rag"]
