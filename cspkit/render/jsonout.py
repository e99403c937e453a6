"""The dashboard as JSON: the machine-readable contract, field names as in the report model.

Dates are months ("YYYY-MM"), datetimes ISO 8601, RAG statuses their string value
("green", "amber", "red", "grey"), tuples lists, and a missing figure is ``null`` - never 0.
``partner_indicators`` holds the partner KPIs as published: a figure hidden for disclosure
control is ``null`` beside its display text ("<5", "*"), because the report model never
carries it; decimals are JSON numbers (4.5, 18).
"""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from cspkit.products.models import DashboardReport

SCHEMA = "cspkit/performance-dashboard/1"


def plain(value: Any) -> Any:
    """A report-model value as plain JSON types."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return f"{value.year:04d}-{value.month:02d}" if value.day == 1 else value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Decimal):  # partner KPI figures
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def to_dict(report: DashboardReport) -> dict:
    """The contract: area, period, vintage, population_series, indicators, then the rest."""
    rest = plain(report)
    out = {
        "schema": SCHEMA,
        "area": rest.pop("area"),
        "period": {
            "start": rest.pop("period_start"),
            "end": rest.pop("period_end"),
            "months": rest.pop("months"),
            "label": rest.pop("period_label"),
        },
        "vintage": rest.pop("vintage"),
        "population_series": rest.pop("population_series"),
        "indicators": rest.pop("indicators"),
    }
    for item, indicator in zip(out["indicators"], report.indicators, strict=True):
        item["status"] = indicator.status  # a property, so not among the fields
    out.update(rest)
    return out


def to_json(report: DashboardReport) -> str:
    return json.dumps(to_dict(report), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def write_json(report: DashboardReport, out: Path) -> Path:
    out = Path(out)
    out.write_text(to_json(report), encoding="utf-8")
    return out
