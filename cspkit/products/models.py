"""Report models: the plain, typed result of a product, shared by every renderer.

The JSON renderer writes these field names as they are, so the names below are the
machine-readable contract (issue 3) - rename nothing without a version note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from cspkit.measures.rag import Rag


@dataclass(frozen=True)
class AreaRef:
    name: str
    code: str


@dataclass(frozen=True)
class Comparison:
    """A count against its comparison (same period last year, or previous 12 months)."""

    count: int | None
    comparison_count: int | None
    change_pct: float | None  # rounded to 1 dp, half away from zero (metrics.md)
    change_words: str  # "a decrease of 13.5%", "no change", "up from 0", ""


@dataclass(frozen=True)
class SignificanceInfo:
    p_value: float | None
    significant: bool | None
    rate_ratio: float | None
    rate_ratio_ci: tuple[float | None, float | None]
    method: str
    sentence: str | None  # a plain sentence when the change is not significant


@dataclass(frozen=True)
class RankRow:
    """One area in a ranking table (London or comparator group)."""

    area: str
    code: str
    count: int | None
    population: int | None
    rate: float | None
    rank: int | None
    rank_last_year: int | None
    is_home: bool


@dataclass(frozen=True)
class MonthlyPoint:
    month: date
    count: int | None
    rate: float | None  # per the indicator's multiplier, with that year's population


@dataclass(frozen=True)
class SourceRef:
    path: str
    vintage: date | None
    note: str = ""


@dataclass
class IndicatorReport:
    id: str
    name: str
    heading: str
    available: bool
    unavailable_reason: str | None  # plain reason, e.g. "no ... has been ingested"
    rate_per: int
    rate_per_label: str  # "per 10,000"
    count: int | None = None
    comparison_count: int | None = None
    change_pct: float | None = None
    change_words: str = ""
    rolling_12m: Comparison | None = None
    rate: float | None = None
    rate_last_year: float | None = None
    london_rank: int | None = None
    london_rank_of: int | None = None
    london_rank_last_year: int | None = None
    london_rag: Rag = Rag.GREY
    london_rank_words: str = ""
    comparator_rank: int | None = None
    comparator_rank_of: int | None = None
    comparator_rank_last_year: int | None = None
    comparator_rag: Rag = Rag.GREY
    significance: SignificanceInfo | None = None
    london_table: list[RankRow] = field(default_factory=list)
    comparator_table: list[RankRow] = field(default_factory=list)
    monthly: list[MonthlyPoint] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)

    @property
    def status(self) -> str:
        """ "ok", "no data" (nothing loaded for it) or "incomplete" (months missing)."""
        if self.available:
            return "ok"
        return "incomplete" if self.monthly else "no data"


@dataclass
class DashboardReport:
    """Everything on the board's Performance Dashboard for one area and period."""

    title: str
    partnership: str
    area: AreaRef
    period_start: date
    period_end: date
    months: int
    period_label: str  # "3 months from October up to and including December 2023"
    vintage: date | None  # as requested; None = latest
    vintages_used: list[date]
    population_series: str
    population_year: int
    population_note: str
    comparator_name: str
    comparators: list[AreaRef]
    indicators: list[IndicatorReport]
    notes: list[str]
    sources: list[SourceRef]
    generated_at: datetime
    # Partner indicators (ASB, CCTV, Prevent ...) come from the KPI records (issue 7);
    # they will be rendered after the police indicators, through this same model.
    partner_indicators: list = field(default_factory=list)
