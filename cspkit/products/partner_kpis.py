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

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from cspkit.measures.change import change_words, pp_change_words
from cspkit.measures.disclosure import (
    PRIMARY_MARK,
    SECONDARY_FOOTNOTE,
    SECONDARY_MARK,
    display,
    is_small,
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
    baseline_text: str = ""  # the papers' words about the baseline (shown with the definition)
    baseline_period: str = ""  # a short label for sentences: "2021/22 Q4", "January 2023"
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
    has_target: bool
    rag: Rag
    # Why the status is grey, for renderers: "" (it isn't, or no return), "no target",
    # "not published" (disclosure control) or "year in progress" (not judged yet).
    rag_reason: str
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
        current = containing(definition.frequency, as_of)
        values = by_code.get(definition.code, {})
        # For a yearly indicator, a return already made for the year in progress (a
        # partner's "current position", e.g. a housing provider's year so far) is the latest
        # figure; otherwise - and always for months and quarters - the last complete period,
        # whose return may be missing.
        # Not for a sensitive count when publishing: a current position revised between
        # two packs would give away how many people were added in between.
        revisable = not (publish and definition.sensitive and _is_count(definition))
        in_progress = definition.frequency == Frequency.ANNUAL and current in values and revisable
        latest = current if current.end <= as_of or in_progress else current.previous()
        reports.append(
            _report(definition, by_code.get(definition.code, {}), latest, publish, as_of)
        )
    return reports


def _unit_after(figure: str, unit: str) -> str:
    """ "32" + "% of referrals" -> "32% of referrals"; "18" + "referrals" -> "18 referrals"."""
    return f"{figure}{unit}" if unit.startswith("%") else f"{figure} {unit}"


def _report(
    definition: KpiDefinition,
    values: dict[Period, KpiReturn],
    period: Period,
    publish: bool,
    as_of: date | None = None,
) -> PartnerIndicatorReport:
    first = min(values) if values else period
    trend_periods = periods_between(first, period)[-TREND_PERIODS:] if first <= period else []
    year = period.year_to_date()
    raw = {p: values[p].value if p in values else None for p in {*trend_periods, *year}}
    target = definition.target
    is_count = _is_count(definition)
    # A year-to-date sum means something only for counts; a rate or percentage is compared
    # with its target period by period, whatever the target's kind.
    cumulative = target is not None and target.kind != "per_period" and is_count
    if target is not None and target.kind != "per_period" and not is_count:
        target = Target(target.value, "per_period")
    hidden = _hidden(definition, raw, year, cumulative) if publish else {}
    notes: list[str] = []
    if any(hidden.values()):
        notes.append(SMALL_NUMBERS_NOTE)
    key_value: dict[str, Decimal | None] = {}

    def shown(key) -> str:
        value = raw.get(key) if isinstance(key, Period) else key_value.get(key)
        if value is None:
            return "No return"
        if hidden.get(key):
            if key == "ytd":
                # Never "<5" for a total: with every part "<5" too, it would pin them all.
                return "not published"
            small = _as_int(value)
            return display(small, True) if small is not None and small < 5 else SECONDARY_MARK
        return format_figure(value)

    ytd_values = [raw[p] for p in year]
    key_value["ytd"] = sum(ytd_values) if cumulative and None not in ytd_values else None
    if any(hidden.get(k) and shown(k) == SECONDARY_MARK for k in hidden):
        notes.append(SECONDARY_FOOTNOTE)
    value = raw.get(period)
    status = "ok" if value is not None else "no return"
    target_display, rag, sentence, rag_reason = "No target", Rag.GREY, "", ""
    applies = target is not None and (
        definition.target_year is None or definition.target_year == period.year
    )
    if applies:
        result = kpi_status(
            ytd_values if cumulative else [*([None] * (period.index - 1)), value],
            target,
            definition.polarity,
            unit=definition.unit,
            tolerance=definition.tolerance_percent,
            period_label=period.short_label,
        )
        target_display = definition.target_text or format_figure(result.target)
        rag, sentence = result.rag, result.sentence
        if definition.measure == "percentage":
            # "(284% of target)" of a percentage reads as nonsense; the figures say enough.
            sentence = re.sub(r" \([^)]*of target\)", "", sentence).replace(" %", "%")
        or_fewer = " or fewer" if definition.polarity == "lower" else ""
        if hidden.get("ytd" if cumulative else period):
            # Neither the figure nor its status is published: "<5" and "green against 4"
            # would give the 4 away.
            rag, rag_reason = Rag.GREY, "not published"
            sentence = (
                f"The figure {'to' if cumulative else 'for'} {period.short_label} is not "
                f"published because it is under 5 or would reveal a number under 5; the "
                f"target is {format_figure(result.target)} {definition.unit}{or_fewer}."
            )
        elif cumulative and as_of is not None and period.end > as_of and result.value is not None:
            # A year still in progress is not judged against the whole year's target.
            rag, rag_reason = Rag.GREY, "year in progress"
            sentence = (
                f"{_unit_after(format_figure(result.value), definition.unit)} so far in "
                f"{period.short_label} (the year is not over); the target for the year is "
                f"{format_figure(result.target)}{or_fewer}."
            )
    elif value is not None:
        sentence = f"{_unit_after(shown(period), definition.unit)} in {period.short_label}."
    else:
        sentence = f"No return for {period.short_label}."
    baseline_sentence = ""
    if definition.baseline_value is not None and value is not None:
        base = format_figure(definition.baseline_value)
        when = f" in {definition.baseline_period}" if definition.baseline_period else ""
        if hidden.get(period):
            baseline_sentence = f"Baseline {base}{when}; the figure now is not published."
        else:
            change = (
                pp_change_words(value, definition.baseline_value)
                if definition.measure == "percentage"
                else change_words(value, definition.baseline_value)
            )
            baseline_sentence = (
                f"{_unit_after(format_figure(value), definition.unit)} against "
                f"{_unit_after(base, definition.unit)}{when}: {change}."
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
        has_target=applies,
        rag=rag,
        rag_reason=rag_reason if applies else "no target",
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
    """Which published figures to hide: only sensitive counts are ever hidden.

    Each period's count from 1 to 4 is hidden, and so is the year-to-date total whenever a
    period in it is hidden. Hiding the total - never an earlier period - matters because
    earlier packs already published the earlier periods: hiding Q1 now to protect Q2
    would not help a reader who kept last quarter's pack.
    """
    if not (definition.sensitive and _is_count(definition)):
        return {}
    counts = {p: _as_int(v) for p, v in raw.items() if v is not None}
    if any(v is None for v in counts.values()):
        return {}  # not whole counts: nothing to suppress as counts
    hidden = {p: bool(c) and is_small(c) for p, c in counts.items()}
    if cumulative:
        hidden["ytd"] = any(hidden.get(p) for p in year)
    return hidden
