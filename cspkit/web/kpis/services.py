"""Entering returns: permission-checked, validated, optimistic-locked, audited.

The entry form, the returns page and the file upload all save through :func:`save_return`,
so who may, what is valid and what is recorded are written once. A return is never deleted;
a change keeps the first author and date (``entered_by``/``entered_at``, which decide
lateness), bumps ``version`` and is audited with the values before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cspkit.web.kpis.models import Indicator, Return, plain_number
from cspkit.web.kpis.validation import CheckedReturn, ReturnInvalid, check_return
from cspkit.web.plan import permissions
from cspkit.web.plan.audit import record

CREATED, CHANGED, UNCHANGED = "created", "changed", "unchanged"


class ReturnConflict(Exception):
    """The return changed (or was first entered) after this edit began; nothing was saved."""

    def __init__(self, current: Return | None):
        super().__init__(
            "This return was entered or changed by someone else while you were editing it."
        )
        self.current = current


@dataclass(frozen=True)
class Saved:
    ret: Return
    outcome: str  # created | changed | unchanged


def return_snapshot(ret: Return) -> dict:
    return {
        "indicator": ret.indicator.code,
        "period": ret.period,
        "value": plain_number(ret.value),
        "note": ret.note,
    }


def save_return(
    user,
    indicator: Indicator,
    period,
    value,
    note: str = "",
    expected_version: int | None = None,
    *,
    today: date | None = None,
) -> Saved:
    """Enter or change ``indicator``'s return for ``period``.

    ``expected_version`` is the version the person started from (0 = there was no return
    yet); if the return is at another version now, :class:`ReturnConflict` is raised and
    nothing is saved. None skips the check (an upload, whose rows show the values they
    replace). Raises PermissionDenied, or :class:`ReturnInvalid` with every problem.
    """
    permissions.require(user, "enter_return", indicator)
    today = today or timezone.localdate()
    checked, problems = check_return(indicator, period, value, note, today)
    if problems:
        raise ReturnInvalid(problems)
    return save_checked(user, checked, expected_version)


def save_checked(user, checked: CheckedReturn, expected_version: int | None = None) -> Saved:
    """Save a return that :func:`check_return` has passed (permission checked again)."""
    indicator = checked.indicator
    permissions.require(user, "enter_return", indicator)
    period = checked.period
    with transaction.atomic():
        current = (
            Return.objects.select_for_update()
            .filter(indicator=indicator, period_start=period.start)
            .first()
        )
        at = current.version if current else 0
        if expected_version is not None and expected_version != at:
            raise ReturnConflict(current)
        if current is None:
            try:
                with transaction.atomic():
                    ret = Return.objects.create(
                        indicator=indicator,
                        period=period.label,
                        period_start=period.start,
                        period_end=period.end,
                        value=checked.value,
                        note=checked.note,
                        entered_by=user,
                        updated_by=user,
                    )
            except IntegrityError:  # entered by someone else a moment ago
                raise ReturnConflict(
                    Return.objects.filter(indicator=indicator, period_start=period.start).first()
                ) from None
            record(user, "create", ret, {}, return_snapshot(ret), partnership=indicator.partnership)
            return Saved(ret, CREATED)
        if current.value == checked.value and current.note == checked.note:
            return Saved(current, UNCHANGED)
        before = return_snapshot(current)
        updated = Return.objects.filter(pk=current.pk, version=current.version).update(
            value=checked.value,
            note=checked.note,
            updated_by=user,
            updated_at=timezone.now(),
            version=F("version") + 1,
        )
        if updated == 0:
            raise ReturnConflict(Return.objects.get(pk=current.pk))
        current.refresh_from_db()
        record(
            user,
            "update",
            current,
            before,
            return_snapshot(current),
            partnership=indicator.partnership,
        )
        return Saved(current, CHANGED)


def save_all(user, rows: list[CheckedReturn]) -> list[Saved]:
    """Save every checked row in one transaction: all of them, or (on any error) none."""
    with transaction.atomic():
        return [save_checked(user, row) for row in rows]
