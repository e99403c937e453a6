"""Changes to actions: permission-checked, optimistic-locked, audited. Every door calls these.

The web forms, the spreadsheet import and the admin all change actions through here, so a
rule (who may, what is recorded, how a lost update is refused) is written once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cspkit.web.plan import permissions
from cspkit.web.plan.audit import action_snapshot, record
from cspkit.web.plan.models import Action, AuditEntry, DeliveryRow, ProgressUpdate

ACTION_FIELDS = ("progress", "rag", "comment", "document_refs", "text", "ref")


class EditConflict(Exception):
    """Someone else saved the action after this edit began; nothing was saved."""

    def __init__(self, current: Action, theirs: AuditEntry | None):
        super().__init__("This action was changed by someone else while you were editing it.")
        self.current = current
        self.theirs = theirs


@dataclass
class ActionChange:
    """The new state of an action, as submitted by a form (only what the form edits)."""

    fields: dict[str, str]
    objectives: list | None = None
    recommendations: list | None = None
    vru_outcomes: list | None = None
    rows: list[dict] | None = None  # DeliveryRow field values, in order; None = unchanged
    lead_resolver: object = field(default=None, repr=False)


def save_action(user, action_id: int, expected_version: int, change: ActionChange) -> Action:
    """Apply ``change`` if the action is still at ``expected_version``; else raise EditConflict."""
    with transaction.atomic():
        action = Action.objects.select_related("plan", "theme").get(pk=action_id)
        permissions.require(user, "edit_action", action)
        before = action_snapshot(action)
        updated = Action.objects.filter(pk=action_id, version=expected_version).update(
            version=F("version") + 1,
            updated_by=user,
            updated_at=timezone.now(),
            **{k: v for k, v in change.fields.items() if k in ACTION_FIELDS},
        )
        if updated == 0:
            raise EditConflict(action, action.audit.order_by("-when", "-pk").first())
        action.refresh_from_db()
        if change.objectives is not None:
            action.objectives.set(change.objectives)
        if change.recommendations is not None:
            action.recommendations.set(change.recommendations)
        if change.vru_outcomes is not None:
            action.vru_outcomes.set(change.vru_outcomes)
        if change.rows is not None:
            replace_rows(action, change.rows, change.lead_resolver)
        after = action_snapshot(action)
        if after != before:
            record(
                user,
                "update",
                action,
                before,
                after,
                partnership=action.plan.partnership,
                action=action,
            )
        return action


def replace_rows(action: Action, rows: list[dict], resolve_leads) -> None:
    """Replace the action's delivery rows (rows have no identity of their own in the template)."""
    action.rows.all().delete()
    for position, values in enumerate(rows):
        values = dict(values)
        values.pop("lead_organisations", None)
        row = DeliveryRow.objects.create(action=action, position=position, **values)
        if resolve_leads is not None:
            row.lead_organisations.set(resolve_leads(row.lead_organisation_text))


def add_update(
    user, action_id: int, text: str, progress: str = "", rag: str = ""
) -> ProgressUpdate:
    """Add a dated progress update; a stage or RAG given with it also changes the action."""
    with transaction.atomic():
        action = Action.objects.select_related("plan", "theme").get(pk=action_id)
        permissions.require(user, "add_update", action)
        update = ProgressUpdate.objects.create(
            action=action, author=user, text=text, progress=progress, rag=rag
        )
        new = {k: v for k, v in (("progress", progress), ("rag", rag)) if v}
        before = action_snapshot(action)
        Action.objects.filter(pk=action.pk).update(
            version=F("version") + 1, updated_by=user, updated_at=timezone.now(), **new
        )
        action.refresh_from_db()
        record(
            user,
            "add update",
            action,
            {},
            {"update": text, **new},
            partnership=action.plan.partnership,
            action=action,
        )
        after = action_snapshot(action)
        if after != before:
            record(
                user,
                "update with note",  # listed with the note on the board, not twice
                action,
                before,
                after,
                partnership=action.plan.partnership,
                action=action,
            )
        return update
