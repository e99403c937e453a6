"""Records of the partnership, its strategy and its VRU action plan.

The action plan mirrors the London VRU template so that a spreadsheet round trip loses
nothing: an :class:`Action` holds the columns of its first row (Ref, Theme, Action No,
Actions, VRU Outcomes, Progress, Comment, Document Reference(s), Risk RAG status) and its
:class:`DeliveryRow` s hold the per-row columns (Local Outcomes, Named CSP Lead, Lead
organisation, dates, Supporting organisation(s), and any Progress/Comment/RAG a partner
typed on a continuation row). Progress updates and audit entries are never deleted.
"""

from __future__ import annotations

import calendar
from datetime import date

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Administrator"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


class Stage(models.TextChoices):
    """The template's Progress column (its 'Stage' list)."""

    NOT_STARTED = "not_started", "Not started"
    PLANNING = "planning", "Planning"
    DELIVERY = "delivery", "Implementation/delivery"
    COMPLETE = "complete", "Complete"


class Rag(models.TextChoices):
    """The template's Risk RAG status, with its meaning."""

    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"


RAG_MEANING = {
    "green": "Progressing well",
    "amber": "Some minor barriers",
    "red": "Serious barriers to progress",
    "": "Not rated",
}


class Partnership(models.Model):
    name = models.CharField(max_length=200, unique=True)
    area = models.CharField(max_length=100, help_text="Local authority the partnership covers.")

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    class Kind(models.TextChoices):
        POLICE = "police", "Police"
        COUNCIL = "council", "Council service"
        PROBATION = "probation", "Probation"
        HEALTH = "health", "Health"
        HOUSING = "housing", "Housing"
        FIRE = "fire", "Fire and rescue"
        VOLUNTARY = "voluntary", "Voluntary and community sector"
        EDUCATION = "education", "Education"
        PARTNERSHIP = "partnership", "Partnership body"
        OTHER = "other", "Other"

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT)
    short_name = models.CharField(
        max_length=60, help_text="As written in the action plan's cells, e.g. Police, CYPS."
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)

    class Meta:
        ordering = ["short_name"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "short_name"], name="org_short_unique")
        ]

    def __str__(self) -> str:
        return self.short_name


class Person(models.Model):
    """Someone in a partner organisation; with a user account they can sign in in a role."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="people")
    name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation.short_name})"


class Strategy(models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT)
    title = models.CharField(max_length=200)
    starts = models.DateField(null=True, blank=True)
    ends = models.DateField(null=True, blank=True)
    review_due = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "strategies"

    def __str__(self) -> str:
        return self.title


class Objective(models.Model):
    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="objectives")
    number = models.PositiveSmallIntegerField()
    text = models.TextField()

    class Meta:
        ordering = ["strategy", "number"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "number"], name="objective_number_unique")
        ]

    def __str__(self) -> str:
        return f"Objective {self.number}"


class Recommendation(models.Model):
    """One of the Strategic Needs Assessment's recommendations the strategy answers."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="recommendations")
    number = models.PositiveSmallIntegerField()
    text = models.TextField()

    class Meta:
        ordering = ["strategy", "number"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "number"], name="rec_number_unique")
        ]

    def __str__(self) -> str:
        return f"Recommendation {self.number}"


class VruOutcome(models.Model):
    """An entry of the VRU's controlled list of outcomes (the template's column F)."""

    name = models.CharField(max_length=300, unique=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = "VRU outcome"

    def __str__(self) -> str:
        return self.name


class ActionPlan(models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT)
    strategy = models.ForeignKey(Strategy, null=True, blank=True, on_delete=models.SET_NULL)
    title = models.CharField(max_length=300)
    year = models.CharField(max_length=20, help_text="As on the template, e.g. 2023/24.")
    key_documents = models.TextField(
        blank=True, help_text="Key local strategic documents that support violence reduction."
    )

    def __str__(self) -> str:
        return f"{self.title} {self.year}"


class LeadershipRole(models.Model):
    """A row of the template's SENIOR LEADERSHIP table."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="leadership")
    position = models.PositiveSmallIntegerField()
    organisation = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=200, blank=True)
    name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["plan", "position"]


class Theme(models.Model):
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="themes")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="theme_number_unique")
        ]

    def __str__(self) -> str:
        # The template writes theme names in capitals; pages read better in sentence case.
        name = self.name.capitalize() if self.name.isupper() else self.name
        return f"{self.number}. {name}"


class EmergingTheme(models.Model):
    """A row of the template's EMERGING THEMES tab."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="emerging_themes")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=300)
    update = models.TextField(blank=True)

    class Meta:
        ordering = ["plan", "position"]


class OptionalAction(models.Model):
    """A row of the template's MENU OF OPTIONAL ACTIONS tab."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="optional_actions")
    position = models.PositiveSmallIntegerField()
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT)
    number = models.CharField(max_length=20, blank=True)
    text = models.TextField()
    vru_outcomes = models.ManyToManyField(VruOutcome, blank=True)

    class Meta:
        ordering = ["plan", "position"]


class Action(models.Model):
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="actions")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="actions")
    position = models.PositiveIntegerField(default=0, help_text="Order in the spreadsheet.")
    ref = models.CharField("Ref", max_length=50, blank=True)
    number = models.CharField("Action No", max_length=20, blank=True)
    text = models.TextField("Action")
    vru_outcomes = models.ManyToManyField(VruOutcome, blank=True, verbose_name="VRU outcomes")
    objectives = models.ManyToManyField(Objective, blank=True, related_name="actions")
    recommendations = models.ManyToManyField(Recommendation, blank=True, related_name="actions")
    progress = models.CharField("Progress stage", max_length=20, choices=Stage.choices, blank=True)
    rag = models.CharField("Risk RAG status", max_length=10, choices=Rag.choices, blank=True)
    comment = models.TextField(blank=True)
    document_refs = models.TextField("Document reference(s)", blank=True)
    # Optimistic locking: a save names the version it started from (see services.save_action).
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["plan", "theme__number", "position"]

    def __str__(self) -> str:
        return f"{self.theme.number}.{self.number}" if self.number else f"Action {self.pk}"

    @property
    def label(self) -> str:
        return f"{self.theme.number}.{self.number}" if self.number else f"{self.theme.number}.-"

    def end_date(self) -> date | None:
        ends = [r.end for r in self.rows.all() if r.end]
        return max(ends) if ends else None

    def is_overdue(self, today: date) -> bool:
        end = self.end_date()
        return bool(end and end < today and self.progress != Stage.COMPLETE)


class DeliveryRow(models.Model):
    """One row of an action in the template: its own lead, organisation and dates."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveSmallIntegerField(default=0)
    local_outcomes = models.TextField(blank=True)
    named_lead = models.CharField("Named CSP lead", max_length=200, blank=True)
    lead_organisation_text = models.CharField(
        "Lead organisation",
        max_length=200,
        blank=True,
        help_text="As written, e.g. 'CYPS, VCS'; resolved into lead organisations.",
    )
    lead_organisations = models.ManyToManyField(Organisation, blank=True, related_name="lead_rows")
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    supporting = models.TextField("Supporting organisation(s)", blank=True)
    # Only for a continuation row where a partner filled these in; the first row's live on Action.
    vru_outcomes_text = models.TextField(blank=True)
    progress = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    comment = models.TextField(blank=True)
    document_refs = models.TextField(blank=True)
    rag = models.CharField(max_length=10, choices=Rag.choices, blank=True)

    class Meta:
        ordering = ["action", "position"]


class ProgressUpdate(models.Model):
    """A dated progress note with its author; never edited or deleted."""

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    text = models.TextField()
    progress = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    rag = models.CharField(max_length=10, choices=Rag.choices, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]


class BoardMeeting(models.Model):
    """A meeting of the partnership board ("changes since the last board" count from it)."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT)
    date = models.DateField()
    title = models.CharField(max_length=200, default="Safer Communities Partnership Board")
    venue = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.title}, {self.date:%d %B %Y}"


class AuditEntry(models.Model):
    """Who changed what, when, with the values before and after; never edited or deleted."""

    when = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    partnership = models.ForeignKey(Partnership, null=True, on_delete=models.PROTECT)
    verb = models.CharField(max_length=20)  # create, update, delete, import
    model = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    object_repr = models.CharField(max_length=300)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    action = models.ForeignKey(
        Action, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit"
    )

    class Meta:
        ordering = ["-when", "-pk"]
        verbose_name_plural = "audit entries"

    def changed_fields(self) -> list[tuple[str, object, object]]:
        keys = sorted(set(self.before) | set(self.after))
        return [
            (k, self.before.get(k), self.after.get(k))
            for k in keys
            if self.before.get(k) != self.after.get(k)
        ]


def month_start(year: int, month: int) -> date:
    return date(year, month, 1)


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])
