"""Who may do what: every permission the app checks, defined here and nowhere else.

Roles (stored on :class:`~cspkit.web.plan.models.Person`):

* **administrator** - everything, in their partnership;
* **editor** - read everything in their partnership; change the actions their own
  organisation leads (any delivery row), and add progress updates to them;
* **viewer** - read everything in their partnership.

A Django superuser is an administrator. A signed-in user with no Person record (so no
organisation or partnership) may see nothing. Views call :func:`require` for one object and
the ``*_visible_to`` functions for lists, so a list never shows what the user may not open.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from cspkit.web.plan.models import Action, Partnership, Person, Role


@dataclass(frozen=True)
class Permission:
    name: str
    description: str
    roles: frozenset[str]
    own_organisation_only: bool = False


PERMISSIONS: dict[str, Permission] = {
    p.name: p
    for p in (
        Permission(
            "view_plan",
            "See the strategy, the action plan, actions and the board view",
            frozenset({Role.ADMIN, Role.EDITOR, Role.VIEWER}),
        ),
        Permission(
            "export_plan",
            "Download the action plan as the VRU spreadsheet",
            frozenset({Role.ADMIN, Role.EDITOR, Role.VIEWER}),
        ),
        Permission(
            "edit_action",
            "Change an action's stage, RAG, comment, links and rows",
            frozenset({Role.ADMIN, Role.EDITOR}),
            own_organisation_only=True,
        ),
        Permission(
            "add_update",
            "Add a dated progress update to an action",
            frozenset({Role.ADMIN, Role.EDITOR}),
            own_organisation_only=True,
        ),
        Permission(
            "import_plan", "Import the action plan from a VRU spreadsheet", frozenset({Role.ADMIN})
        ),
        Permission("view_audit", "See the audit log of every change", frozenset({Role.ADMIN})),
        Permission(
            "view_kpis",
            "See partner indicators, their returns and the meetings' forward plan",
            frozenset({Role.ADMIN, Role.EDITOR, Role.VIEWER}),
        ),
        Permission(
            "enter_return",
            "Enter or upload a quarterly return for an indicator",
            frozenset({Role.ADMIN, Role.EDITOR}),
            own_organisation_only=True,
        ),
        Permission(
            "manage_indicators",
            "Define partner indicators and their targets",
            frozenset({Role.ADMIN}),
        ),
        Permission(
            "build_pack",
            "Build a board meeting's pack",
            frozenset({Role.ADMIN}),
        ),
        Permission(
            "manage_records",
            "Manage organisations, people, accounts, the strategy "
            "and board meetings (administration pages)",
            frozenset({Role.ADMIN}),
        ),
    )
}


def person_of(user) -> Person | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.person
    except Person.DoesNotExist:
        return None


def role_of(user) -> str | None:
    """The user's role, or None if they have no place in a partnership."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return Role.ADMIN
    person = person_of(user)
    return person.role if person else None


def partnership_of(user) -> Partnership | None:
    person = person_of(user)
    if person is not None:
        return person.organisation.partnership
    if getattr(user, "is_superuser", False):
        return Partnership.objects.order_by("pk").first()
    return None


def leads(user, action: Action) -> bool:
    """Does the user's organisation lead any delivery row of the action?"""
    person = person_of(user)
    if person is None:
        return False
    return action.rows.filter(lead_organisations=person.organisation_id).exists()


def _partnership_id(obj) -> int | None:
    """The partnership a record belongs to (an action through its plan; others directly)."""
    if isinstance(obj, Action):
        return obj.plan.partnership_id
    return getattr(obj, "partnership_id", None)


def owns(user, obj) -> bool:
    """Is ``obj`` the user's organisation's: an action it leads, or a record it owns (``owner``)?"""
    if isinstance(obj, Action):
        return leads(user, obj)
    person = person_of(user)
    return person is not None and getattr(obj, "owner_id", None) == person.organisation_id


def can(user, permission: str, obj=None) -> bool:
    """May ``user`` do ``permission`` (on ``obj``: an action, an indicator, when per record)?"""
    rule = PERMISSIONS[permission]  # KeyError on a misspelt permission is a bug: fail loudly
    role = role_of(user)
    if role is None or role not in rule.roles:
        return False
    if obj is not None:
        partnership = partnership_of(user)
        if partnership is None or _partnership_id(obj) != partnership.pk:
            return False
    if rule.own_organisation_only and role != Role.ADMIN:
        return obj is not None and owns(user, obj)
    return True


def require(user, permission: str, obj=None) -> None:
    if not can(user, permission, obj):
        raise PermissionDenied(PERMISSIONS[permission].description)


def actions_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """The actions the user may see: their partnership's, or none."""
    queryset = Action.objects.all() if queryset is None else queryset
    partnership = partnership_of(user)
    if partnership is None or not can(user, "view_plan"):
        return queryset.none()
    return queryset.filter(plan__partnership=partnership)


def actions_editable_by(user, queryset: QuerySet | None = None) -> QuerySet:
    """The actions the user may change: all their partnership's (admin) or their organisation's."""
    visible = actions_visible_to(user, queryset)
    role = role_of(user)
    if role == Role.ADMIN:
        return visible
    if role != Role.EDITOR:
        return visible.none()
    return visible.filter(rows__lead_organisations=person_of(user).organisation_id).distinct()
