"""Indicator and return records as the partner-KPI product's inputs, and its reports.

The board view, the indicator pages and the meeting pack all call
:func:`cspkit.products.partner_kpis.partner_indicators` through here, so the latest period,
year to date, RAG, sentence and small-number suppression are decided in one place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from cspkit.measures.reporting_periods import parse_period
from cspkit.products.partner_kpis import (
    KpiDefinition,
    KpiReturn,
    PartnerIndicatorReport,
    partner_indicators,
)
from cspkit.web.kpis.models import Indicator, Return


def author_name(user) -> str:
    if user is None:
        return ""
    person = getattr(user, "person", None) if hasattr(user, "person") else None
    return person.name if person is not None else user.get_username()


def short_period(label: str) -> str:
    """A baseline period for a sentence: 2023-01 -> "January 2023"; others as written."""
    if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", label or ""):
        return f"{date(int(label[:4]), int(label[5:]), 1):%B %Y}"
    return label or ""


def to_definition(indicator: Indicator) -> KpiDefinition:
    return KpiDefinition(
        code=indicator.code,
        name=indicator.name,
        owner=indicator.owner.short_name,
        unit=indicator.unit,
        measure=indicator.measure,
        polarity=indicator.polarity,
        frequency=indicator.frequency,
        sensitive=indicator.sensitive,
        target=indicator.target(),
        target_year=indicator.target_year,
        target_text=indicator.target_text,
        tolerance_percent=indicator.tolerance_percent,
        baseline_value=indicator.baseline_value,
        baseline_text=indicator.baseline_text,
        baseline_period=short_period(indicator.baseline_period),
        definition=indicator.definition,
        source=indicator.source,
    )


def to_return(ret: Return, indicator: Indicator | None = None) -> KpiReturn:
    indicator = indicator or ret.indicator
    return KpiReturn(
        code=indicator.code,
        period=parse_period(ret.period, indicator.frequency),
        value=ret.value,
        note=ret.note,
        entered_by=author_name(ret.entered_by),
        entered_at=ret.entered_at,
    )


def indicators_of(partnership, *, active_only: bool = True):
    """The partnership's indicators with what the reports need, by owner then name."""
    queryset = Indicator.objects.filter(partnership=partnership)
    if active_only:
        queryset = queryset.filter(active=True)
    return queryset.select_related("owner").prefetch_related("returns__entered_by__person")


def inputs_for(indicators: Iterable[Indicator]) -> tuple[list[KpiDefinition], list[KpiReturn]]:
    """Definitions and returns of ``indicators`` (prefetch ``returns`` for speed)."""
    definitions, returns = [], []
    for indicator in indicators:
        definitions.append(to_definition(indicator))
        returns.extend(to_return(r, indicator) for r in indicator.returns.all())
    return definitions, returns


def product_inputs(partnership) -> tuple[list[KpiDefinition], list[KpiReturn]]:
    """The partnership's active indicators and all their returns, as the product's inputs."""
    return inputs_for(indicators_of(partnership))


def kpi_reports(partnership, as_of: date, publish: bool = True) -> list[PartnerIndicatorReport]:
    """Each active indicator at its latest period ended by ``as_of`` (published by default)."""
    definitions, returns = product_inputs(partnership)
    reports = partner_indicators(definitions, returns, as_of, publish=publish)
    # By owner then name, ignoring case (the database's order puts "BSAB" before "Barnet").
    return sorted(reports, key=lambda k: (k.owner.casefold(), k.name.casefold()))


def indicator_report(
    indicator: Indicator, as_of: date, publish: bool = False
) -> PartnerIndicatorReport:
    """One indicator at the latest period ended by ``as_of``."""
    definitions, returns = inputs_for([indicator])
    return partner_indicators(definitions, returns, as_of, publish=publish)[0]


def latest_return(indicator: Indicator) -> Return | None:
    returns = list(indicator.returns.all())
    return max(returns, key=lambda r: r.period_start) if returns else None
