"""Partner KPIs for the board: each indicator's latest period, trend, RAG and sentence.

Pure computation: the web app turns its records into :class:`KpiDefinition` and
:class:`KpiReturn` and calls :func:`partner_indicators`; the board view, the Performance
Dashboard's partner pages and the meeting pack all render the result, so they can never
disagree. ``publish=True`` (the default) applies disclosure control (metrics.md): for a
sensitive count, 1-4 show as "<5", any figure that would let one be worked out (a
year-to-date total, a change against the baseline) is hidden too, and a hidden figure is
never carried in the model - only its display text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from cspkit.measures.change import change_words
from cspkit.measures.disclosure import (
    PRIMARY_MARK,
    SECONDARY_FOOTNOTE,
    Total,
    display,
    suppress,
)
from cspkit.measures.rag import Rag
from cspkit.measures.reporting_periods import Frequency, Period, containing, periods_between
from cspkit.measures.targets import Polarity, Target, format_figure, kpi_status

TREND_PERIODS = 8
SMALL_NUMBERS_NOTE = (
    f"{PRIMARY_MARK}: a count from 1 to 4 about people, not published so that nobody can be "
    "identified."
)


@dataclass(frozen=True)
class KpiDefinition:
    code: str
    name: str
    owner: str
    unit: str
    measure: str  # count | rate | percentage
    polarity: Polarity
    frequency: Frequency
    sensitive: bool
    target: Target | None = None
    target_year: int | None = None  # the financial year the target is for (None: every year)
    target_text: str = ""
    tolerance_percent: Decimal | None = None
    baseline_value: Decimal | None = None
    baseline_text: str = ""
    definition: str = ""
    source: str = ""


@dataclass(frozen=True)
class KpiReturn:
    code: str
    period: Period
    value: Decimal
    note: str = ""
    entered_by: str = ""
    entered_at: datetime | None = None


@dataclass(frozen=True)
class PartnerPoint:
    period: str
    value: Decimal | None  # None when not published (suppressed) or no return
    display: str


@dataclass
class PartnerIndicatorReport:
    code: str
    name: str
    owner: str
    unit: str
    frequency: str
    sensitive: bool
    period: str  # label of the period reported, e.g. "2023/24 Q3"
    period_long: str
    value: Decimal | None  # None if no return or not published
    value_display: str
    status: str  # "ok" | "no return"
    target_display: str
    rag: Rag
    sentence: str
    baseline_sentence: str
    year_to_date_display: str  # "" when the target is not cumulative
    trend: list[PartnerPoint] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    definition: str = ""
    source: str = ""


def _is_count(definition: KpiDefinition) -> bool:
    return definition.measure == "count"


def _as_int(value: Decimal) -> int | None:
    return int(value) if value == value.to_integral_value() and value >= 0 else None


def partner_indicators(
    definitions: Sequence[KpiDefinition],
    returns: Sequence[KpiReturn],
    as_of: date,
    *,
    publish: bool = True,
) -> list[PartnerIndicatorReport]:
    """Each indicator at its latest period that ended on or before ``as_of``."""
    by_code: dict[str, dict[Period, KpiReturn]] = {}
    for item in returns:
        by_code.setdefault(item.code, {})[item.period] = item
    reports = []
    for definition in definitions:
        latest = containing(definition.frequency, as_of)
        if latest.end > as_of:
            latest = latest.previous()
        reports.append(_report(definition, by_code.get(definition.code, {}), latest, publish))
    return reports


def _report(
    definition: KpiDefinition, values: dict[Period, KpiReturn], period: Period, publish: bool
) -> PartnerIndicatorReport:
    first = min(values) if values else period
    trend_periods = periods_between(first, period)[-TREND_PERIODS:] if first <= period else []
    year = period.year_to_date()
    raw = {p: values[p].value if p in values else None for p in {*trend_periods, *year}}
    cumulative = definition.target is not None and definition.target.kind != "per_period"
    hidden = _hidden(definition, raw, year, cumulative) if publish else {}
    notes: list[str] = []
    if any(hidden.values()):
        notes.append(SMALL_NUMBERS_NOTE)
        if any(
            v and raw.get(k) is not None and raw[k] >= 5
            for k, v in hidden.items()
            if isinstance(k, Period)
        ):
            notes.append(SECONDARY_FOOTNOTE)

    def shown(key) -> str:
        value = raw.get(key) if isinstance(key, Period) else key_value.get(key)
        if value is None:
            return "No return"
        if hidden.get(key):
            return display(_as_int(value) or 0, True) if _as_int(value) is not None else "*"
        return format_figure(value)

    key_value: dict[str, Decimal | None] = {}
    ytd_values = [raw[p] for p in year]
    ytd_total = sum(ytd_values) if cumulative and None not in ytd_values else None
    key_value["ytd"] = ytd_total
    value = raw.get(period)
    status = "ok" if value is not None else "no return"
    target_display, rag, sentence = "No target", Rag.GREY, ""
    applies = definition.target is not None and (
        definition.target_year is None or definition.target_year == period.year
    )
    if applies:
        result = kpi_status(
            ytd_values if cumulative else [*([None] * (period.index - 1)), value],
            definition.target,
            definition.polarity,
            unit=definition.unit,
            tolerance=definition.tolerance_percent,
            period_label=period.short_label,
        )
        target_display = definition.target_text or format_figure(result.target)
        rag, sentence = result.rag, result.sentence
        if hidden.get("ytd" if cumulative else period):
            # The sentence would print the hidden figure: say what can be said.
            sentence = (
                f"The figure {'to' if cumulative else 'for'} {period.short_label} is "
                f"not published (small numbers); against a target of "
                f"{format_figure(result.target)} {definition.unit} it is "
                f"{rag.word.lower()}."
            )
    elif value is not None:
        sentence = f"{shown(period)} {definition.unit} in {period.short_label}."
    else:
        sentence = f"No return for {period.short_label}."
    baseline_sentence = ""
    if definition.baseline_value is not None and value is not None:
        if hidden.get(period):
            baseline_sentence = (
                f"Against {format_figure(definition.baseline_value)} "
                f"({definition.baseline_text or 'baseline'}): not published."
            )
        else:
            baseline_sentence = (
                f"{format_figure(value)} against {format_figure(definition.baseline_value)} "
                f"{definition.baseline_text or '(baseline)'}: "
                f"{change_words(value, definition.baseline_value)}."
            )
    return PartnerIndicatorReport(
        code=definition.code,
        name=definition.name,
        owner=definition.owner,
        unit=definition.unit,
        frequency=str(definition.frequency),
        sensitive=definition.sensitive,
        period=period.label,
        period_long=period.long_label,
        value=None if value is None or hidden.get(period) else value,
        value_display=shown(period),
        status=status,
        target_display=target_display,
        rag=rag,
        sentence=sentence,
        baseline_sentence=baseline_sentence,
        year_to_date_display=shown("ytd") if cumulative else "",
        trend=[
            PartnerPoint(p.label, None if hidden.get(p) else raw[p], shown(p))
            for p in trend_periods
        ],
        notes=notes,
        definition=definition.definition,
        source=definition.source,
    )


def _hidden(definition: KpiDefinition, raw: dict, year: list[Period], cumulative: bool) -> dict:
    """Which published figures to hide: only sensitive counts are ever hidden."""
    if not (definition.sensitive and _is_count(definition)):
        return {}
    cells = {p: _as_int(v) for p, v in raw.items() if v is not None}
    if any(v is None for v in cells.values()):
        return {}  # not whole counts: nothing to suppress as counts
    totals = []
    ytd = [p for p in year if p in cells]
    if cumulative and len(ytd) == len(year) and len(year) > 1:
        cells["ytd"] = sum(cells[p] for p in ytd)
        totals.append(Total("ytd", tuple(ytd)))
    hidden = suppress(cells, totals)
    if cumulative and len(year) == 1 and year[0] in hidden:
        hidden["ytd"] = hidden[year[0]]  # the year to date is the period itself
    return hidden
