"""Snapshots of records and the audit log entries built from them.

An audit entry stores the whole record before and after a change as plain JSON (labels,
not database ids), so the history reads the same after organisations or outcomes are
renamed and can be shown to a person without joins.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from cspkit.web.plan.models import Action, AuditEntry


def _date(value) -> str:
    return value.isoformat() if value else ""


def action_snapshot(action: Action) -> dict:
    """Everything a person can change about an action, as JSON-able labels."""
    return {
        "theme": action.theme.number,
        "ref": action.ref,
        "number": action.number,
        "text": action.text,
        "vru_outcomes": sorted(o.name for o in action.vru_outcomes.all()),
        "objectives": sorted(o.number for o in action.objectives.all()),
        "recommendations": sorted(r.number for r in action.recommendations.all()),
        "progress": action.progress,
        "rag": action.rag,
        "comment": action.comment,
        "document_refs": action.document_refs,
        "rows": [
            {
                "local_outcomes": r.local_outcomes,
                "named_lead": r.named_lead,
                "lead_organisation": r.lead_organisation_text,
                "start": _date(r.start),
                "end": _date(r.end),
                "supporting": r.supporting,
                "vru_outcomes_text": r.vru_outcomes_text,
                "progress": r.progress,
                "comment": r.comment,
                "document_refs": r.document_refs,
                "rag": r.rag,
            }
            for r in action.rows.all().order_by("position")
        ],
    }


def record(
    user: AbstractBaseUser | None,
    verb: str,
    obj,
    before: dict,
    after: dict,
    *,
    partnership=None,
    action: Action | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        partnership=partnership,
        verb=verb,
        model=obj._meta.label,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        before=before,
        after=after,
        action=action,
    )
