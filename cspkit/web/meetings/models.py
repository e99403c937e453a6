"""Board meetings' agenda items (the forward plan) and the packs built for them.

The meeting itself is :class:`cspkit.web.plan.models.BoardMeeting` (date, title, venue):
the board view counts "changes since the last board" from it. A built pack is kept as a
record with its PDF in the database (so an ordinary database backup holds it), and
building again adds a new record: the packs sent to the board stay downloadable.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from cspkit.web.plan.models import BoardMeeting


class Decision(models.TextChoices):
    """The forward plan's Issue Type column."""

    KEY = "Key", "Key"
    NON_KEY = "Non-Key", "Non-Key"
    URGENT = "Urgent", "Urgent"


class AgendaItem(models.Model):
    """A row of the forward plan: a report due at a meeting."""

    meeting = models.ForeignKey(BoardMeeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField(default=0, help_text="Order on the agenda.")
    title = models.CharField(max_length=400)
    theme = models.CharField(
        "Theme or priority",
        max_length=300,
        blank=True,
        help_text="The strategy priorities the report serves, as written.",
    )
    owner = models.CharField("Report owner", max_length=300, blank=True)
    decision = models.CharField("Issue type", max_length=10, choices=Decision.choices, blank=True)

    class Meta:
        ordering = ["meeting", "position", "pk"]
        verbose_name = "agenda item"

    def __str__(self) -> str:
        return self.title

    @property
    def partnership_id(self) -> int:
        return self.meeting.partnership_id


class MeetingPack(models.Model):
    """One build of a meeting's pack (dashboard, action plan progress, KPIs) as a PDF."""

    meeting = models.ForeignKey(BoardMeeting, on_delete=models.PROTECT, related_name="packs")
    built_at = models.DateTimeField(auto_now_add=True, db_index=True)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pdf = models.BinaryField(editable=False)
    pages = models.PositiveSmallIntegerField(default=0)
    period_first = models.DateField(help_text="First day of the quarter the dashboard covers.")
    period_last = models.DateField(help_text="Last day of that quarter.")
    vintage_limit = models.CharField(
        max_length=7,
        blank=True,
        help_text="Police data: the newest release not after this month.",
    )
    vintages_used = models.CharField(
        max_length=100, blank=True, help_text="The police data releases the dashboard used."
    )
    dashboard_note = models.TextField(
        blank=True, help_text="Why the pack has no dashboard, when it has none."
    )
    kpi_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-built_at", "-pk"]
        verbose_name = "meeting pack"

    def __str__(self) -> str:
        return f"Pack for {self.meeting} built {self.built_at:%d %B %Y %H:%M}"

    @property
    def partnership_id(self) -> int:
        return self.meeting.partnership_id

    @property
    def size(self) -> int:
        return len(self.pdf or b"")

    @property
    def filename(self) -> str:
        return f"board-pack-{self.meeting.date:%Y-%m-%d}-{self.pk}.pdf"
