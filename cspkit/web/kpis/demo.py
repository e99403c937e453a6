"""Demo records of this app, loaded by `cspkit web demo` after the plan: Barnet's partner
indicators and their returns from ``cspkit/web/demo_data/barnet_kpis_2023_24.yaml``
(transcribed from the board papers; its ``meetings`` are loaded by the meetings app).

Idempotent: organisations by short name, indicators by code, returns by (indicator, period);
running it twice changes nothing. The papers do not say when each figure reached the
partnership, so a demo return is recorded as entered on its due date (on time); returns are
expected from each indicator's first return in the papers (``reporting_from``). A return
created or changed by the demo is audited as an import by the demo administrator.
"""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from importlib import resources

import yaml
from django.db import transaction
from django.utils import timezone

from cspkit.measures.reporting_periods import parse_period
from cspkit.web.kpis.models import Indicator, Return
from cspkit.web.kpis.services import return_snapshot
from cspkit.web.plan.audit import record
from cspkit.web.plan.models import Action, Objective, Organisation

DEMO_FILE = "barnet_kpis_2023_24.yaml"
DUE_DAYS = 20


def demo_kpi_data() -> dict:
    text = resources.files("cspkit.web").joinpath("demo_data", DEMO_FILE).read_text("utf-8")
    return yaml.safe_load(text)


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _text(value) -> str:
    return " ".join(str(value or "").split())


def load_demo(partnership, admin_user=None, data: dict | None = None) -> None:
    """Load this app's demo records for ``partnership`` (idempotent)."""
    data = data or demo_kpi_data()
    with transaction.atomic():
        for org in data.get("organisations", []):
            Organisation.objects.update_or_create(
                partnership=partnership,
                short_name=org["short"],
                defaults={"name": org["name"], "kind": org.get("kind", "other")},
            )
        owners = {o.short_name: o for o in Organisation.objects.filter(partnership=partnership)}
        for item in data["indicators"]:
            _load_indicator(partnership, owners, item, admin_user)


def _target_fields(item: dict) -> dict:
    target = item.get("target") or {}
    year = target.get("year")
    kind = target.get("kind", "")
    return {
        "target_value": _decimal(target.get("value")),
        "target_kind": kind or "",
        "target_periods": None if kind == "per_period" else target.get("periods"),
        "target_year": parse_period(year, "annual").year if year else None,
        "target_text": _text(target.get("text")),
    }


def _load_indicator(partnership, owners: dict, item: dict, admin_user) -> Indicator:
    frequency = item["frequency"]
    returns = item.get("returns") or []
    periods = [parse_period(r["period"], frequency) for r in returns]
    baseline = item.get("baseline") or {}
    indicator, _ = Indicator.objects.update_or_create(
        partnership=partnership,
        code=item["code"],
        defaults={
            "name": _text(item["name"]),
            "owner": owners[item["owner"]],
            "unit": item["unit"],
            "measure": item["measure"],
            "polarity": item["polarity"],
            "frequency": frequency,
            "sensitive": bool(item.get("sensitive")),
            "baseline_value": _decimal(baseline.get("value")),
            "baseline_period": baseline.get("period") or "",
            "baseline_text": _text(baseline.get("text")),
            "tolerance_percent": _decimal(item.get("tolerance_percent")),
            "definition": _text(item.get("definition")),
            "source": _text(item.get("source")),
            "reporting_from": min(periods).label if periods else "",
            "returns_due_days": DUE_DAYS,
            "active": True,
            **_target_fields(item),
        },
    )
    numbers = item.get("objectives") or []
    indicator.objectives.set(
        Objective.objects.filter(strategy__partnership=partnership, number__in=numbers)
    )
    indicator.actions.set(
        Action.objects.filter(plan__partnership=partnership, pk__in=item.get("actions") or [])
    )
    for period, entry in zip(periods, returns, strict=True):
        _load_return(indicator, period, entry, admin_user)
    return indicator


def _load_return(indicator: Indicator, period, entry: dict, admin_user) -> None:
    value = _decimal(entry["value"])
    note = _text(entry.get("note"))
    current = Return.objects.filter(indicator=indicator, period_start=period.start).first()
    if current is not None and current.value == value and current.note == note:
        return
    due = timezone.make_aware(datetime.combine(period.due(indicator.returns_due_days), time(12)))
    before = return_snapshot(current) if current else {}
    if current is None:
        current = Return.objects.create(
            indicator=indicator,
            period=period.label,
            period_start=period.start,
            period_end=period.end,
            value=value,
            note=note,
            entered_by=admin_user,
            entered_at=due,
            updated_by=admin_user,
        )
    else:
        current.value, current.note, current.version = value, note, current.version + 1
        current.updated_by = admin_user
        current.save()
    record(
        admin_user,
        "import",
        current,
        before,
        return_snapshot(current),
        partnership=indicator.partnership,
    )
