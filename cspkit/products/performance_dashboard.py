"""The quarterly Performance Dashboard (the board's slides), as a report model.

Pure computation: :func:`performance_dashboard` takes the partnership profile, the
period and the already-loaded monthly counts (:class:`DashboardInputs`) and returns a
:class:`DashboardReport`. Every sentence is generated from the figures it states.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from cspkit.measures.change import change_words, pct_change, round_half_away
from cspkit.measures.periods import add_months, format_month, month_range, months_between
from cspkit.measures.rag import Rag, rank_change_rag
from cspkit.measures.ranking import rank_ascending, rank_words
from cspkit.measures.rates import per_label, rate
from cspkit.measures.significance import plain_sentence, rate_ratio_test
from cspkit.products.models import (
    AreaRef,
    Comparison,
    DashboardReport,
    IndicatorReport,
    MonthlyPoint,
    RankRow,
    SignificanceInfo,
    SourceRef,
)
from cspkit.profile import Indicator, Profile
from cspkit.warehouse.matrix import MonthlyMatrix

TREND_MONTHS = 24


@dataclass
class IndicatorData:
    """An indicator's counts for every area over the dashboard's window."""

    indicator: Indicator
    matrix: MonthlyMatrix | None
    unavailable_reason: str | None = None


@dataclass
class DashboardInputs:
    """Everything the product needs, loaded by the caller (the product does no I/O)."""

    window_first: date
    window_last: date
    indicators: list[IndicatorData]
    populations: dict[tuple[str, int], int]
    population_series: str
    population_files: list[str]
    london: dict[str, str]  # GSS code -> name, the 32 boroughs ranked


def data_window(first: date, last: date) -> tuple[date, date]:
    """Months a dashboard needs: the same period last year, 24 months of trend."""
    return min(add_months(first, -12), add_months(last, -(TREND_MONTHS - 1))), last


def month_name(month: date) -> str:
    return month.strftime("%B %Y")


def period_phrase(first: date, last: date) -> str:
    """'the 3 months of October 2023 to December 2023' (metrics.md sentence shape)."""
    n = months_between(first, last)
    if n == 1:
        return f"the month of {month_name(first)}"
    return f"the {n} months of {month_name(first)} to {month_name(last)}"


def period_label(first: date, last: date) -> str:
    """The slides' title: '3 months from October up to and including December 2023'."""
    n = months_between(first, last)
    start = first.strftime("%B") if first.year == last.year else month_name(first)
    unit = "month" if n == 1 else "months"
    return f"{n} {unit} from {start} up to and including {month_name(last)}"


class _Populations:
    """Population look-up with the metrics.md rule and a record of any fallback."""

    def __init__(self, values: dict[tuple[str, int], int]) -> None:
        self.values = values
        self.fallbacks: set[tuple[int, int]] = set()

    def get(self, code: str, year: int) -> int | None:
        if (code, year) in self.values:
            return self.values[(code, year)]
        earlier = [y for (c, y) in self.values if c == code and y < year]
        if not earlier:
            return None
        used = max(earlier)
        self.fallbacks.add((year, used))
        return self.values[(code, used)]


def performance_dashboard(
    profile: Profile,
    first: date,
    last: date,
    inputs: DashboardInputs,
    *,
    as_of: date | None = None,
    generated_at: datetime | None = None,
) -> DashboardReport:
    """The dashboard for the profile's home area over first..last."""
    pops = _Populations(inputs.populations)
    reports = [_indicator(profile, first, last, data, pops, inputs) for data in inputs.indicators]
    used = sorted(
        {
            s.vintage
            for d in inputs.indicators
            if d.matrix
            for s in d.matrix.sources.values()
            if min(add_months(first, -12), add_months(last, -23)) <= s.month <= last
        }
    )
    notes = _notes(profile, last, inputs, pops, as_of)
    return DashboardReport(
        title="Performance Dashboard",
        partnership=profile.partnership,
        area=AreaRef(profile.home.name, profile.home.code),
        period_start=first,
        period_end=last,
        months=months_between(first, last),
        period_label=period_label(first, last),
        vintage=as_of,
        vintages_used=used,
        population_series=inputs.population_series,
        population_year=last.year,
        population_note=_population_note(inputs, pops, last),
        comparator_name=profile.comparator_name,
        comparators=[AreaRef(a.name, a.code) for a in profile.comparators],
        indicators=reports,
        notes=notes,
        sources=_sources(inputs),
        generated_at=generated_at or datetime.now().replace(microsecond=0),
    )


def _indicator(
    profile: Profile,
    first: date,
    last: date,
    data: IndicatorData,
    pops: _Populations,
    inputs: DashboardInputs,
) -> IndicatorReport:
    ind = data.indicator
    home = profile.home
    report = IndicatorReport(
        id=ind.id,
        name=ind.name,
        heading=ind.heading,
        available=False,
        unavailable_reason=data.unavailable_reason,
        rate_per=ind.per,
        rate_per_label=per_label(ind.per),
    )
    matrix = data.matrix
    if matrix is None:
        return report
    ly_first, ly_last = add_months(first, -12), add_months(last, -12)
    r12_first, p12_first, p12_last = add_months(last, -11), add_months(last, -23), ly_last

    count = matrix.total(home.code, first, last)
    if count is None:
        values = dict(zip(matrix.months, matrix.counts.get(home.code, []), strict=False))
        gaps = [m for m in month_range(first, last) if values.get(m) is None]
        listed = ", ".join(format_month(m) for m in gaps)
        if gaps and all(m not in matrix.sources for m in gaps):
            reason = f"no loaded file covers {listed}"
        else:
            reason = f"no figures for {listed or 'this area'}"
        report.unavailable_reason = f"{reason} for {home.name}"
        report.monthly = _monthly(matrix, home.code, ind.per, pops, inputs)
        return report
    comparison = matrix.total(home.code, ly_first, ly_last)
    r12 = matrix.total(home.code, r12_first, last)
    p12 = matrix.total(home.code, p12_first, p12_last)

    report.available = True
    report.unavailable_reason = None
    report.count = count
    report.comparison_count = comparison
    report.change_pct = _rounded_change(count, comparison)
    report.change_words = change_words(count, comparison) if comparison is not None else ""
    report.rolling_12m = Comparison(
        r12,
        p12,
        _rounded_change(r12, p12),
        change_words(r12, p12) if r12 is not None and p12 is not None else "",
    )

    london_now = _rates(matrix, inputs.london, first, last, ind.per, pops, last.year)
    london_ly = _rates(matrix, inputs.london, ly_first, ly_last, ind.per, pops, ly_last.year)
    ranks_now = rank_ascending({c: r for c, (_, _, r) in london_now.items()})
    ranks_ly = rank_ascending({c: r for c, (_, _, r) in london_ly.items()})
    comp_codes = {a.code: a.name for a in profile.comparators}
    comp_now = _rates(matrix, comp_codes, first, last, ind.per, pops, last.year)
    comp_ly = _rates(matrix, comp_codes, ly_first, ly_last, ind.per, pops, ly_last.year)
    comp_ranks_now = rank_ascending({c: r for c, (_, _, r) in comp_now.items()})
    comp_ranks_ly = rank_ascending({c: r for c, (_, _, r) in comp_ly.items()})

    home_pop = pops.get(home.code, last.year)
    report.rate = rate(count, home_pop, ind.per)
    report.rate_last_year = (
        rate(comparison, pops.get(home.code, ly_last.year), ind.per)
        if comparison is not None
        else None
    )
    report.london_rank = ranks_now.get(home.code)
    report.london_rank_of = sum(1 for r in ranks_now.values() if r is not None)
    report.london_rank_last_year = ranks_ly.get(home.code)
    report.london_rag = rank_change_rag(report.london_rank, report.london_rank_last_year)
    if report.london_rank is not None:
        report.london_rank_words = rank_words(report.london_rank, report.london_rank_of)
    report.comparator_rank = comp_ranks_now.get(home.code)
    report.comparator_rank_of = sum(1 for r in comp_ranks_now.values() if r is not None)
    report.comparator_rank_last_year = comp_ranks_ly.get(home.code)
    report.comparator_rag = rank_change_rag(
        report.comparator_rank, report.comparator_rank_last_year
    )
    report.london_table = _table(london_now, ranks_now, ranks_ly, inputs.london, home.code)
    report.comparator_table = _table(comp_now, comp_ranks_now, comp_ranks_ly, comp_codes, home.code)

    if comparison is not None:
        ly_pop = pops.get(home.code, ly_last.year)
        # populations as exposures (metrics.md); equal exposures if either is unknown
        e1, e0 = (float(home_pop), float(ly_pop)) if home_pop and ly_pop else (1.0, 1.0)
        test = rate_ratio_test(count, comparison, e1, e0)
        report.significance = SignificanceInfo(
            p_value=test.p_value,
            significant=test.significant,
            rate_ratio=test.rate_ratio,
            rate_ratio_ci=(test.ci_low, test.ci_high),
            method=test.method,
            sentence=plain_sentence(test, count, comparison),
        )
    report.monthly = _monthly(matrix, home.code, ind.per, pops, inputs)
    report.sentences = _sentences(report, home.name, first, last)
    report.sources = [
        SourceRef(s.path, s.vintage)
        for s in _unique_sources(matrix, min(ly_first, p12_first), last)
    ]
    return report


def _rounded_change(current: int | None, comparison: int | None) -> float | None:
    if current is None or comparison is None:
        return None
    change = pct_change(current, comparison)
    return None if change is None else round_half_away(change, 1)


def _rates(
    matrix: MonthlyMatrix,
    areas: dict[str, str],
    first: date,
    last: date,
    per: int,
    pops: _Populations,
    year: int,
) -> dict[str, tuple[int | None, int | None, float | None]]:
    """code -> (count, population, rate) for the areas over first..last."""
    out = {}
    for code in areas:
        count = matrix.total(code, first, last)
        population = pops.get(code, year)
        out[code] = (count, population, rate(count, population, per) if count is not None else None)
    return out


def _table(now, ranks_now, ranks_ly, names, home_code) -> list[RankRow]:
    rows = [
        RankRow(
            area=names[code],
            code=code,
            count=count,
            population=population,
            rate=value,
            rank=ranks_now.get(code),
            rank_last_year=ranks_ly.get(code),
            is_home=code == home_code,
        )
        for code, (count, population, value) in now.items()
    ]
    return sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.area))


def _monthly(matrix, code, per, pops: _Populations, inputs: DashboardInputs) -> list[MonthlyPoint]:
    values = matrix.counts.get(code, [None] * len(matrix.months))
    return [
        MonthlyPoint(m, v, rate(v, pops.get(code, m.year), per) if v is not None else None)
        for m, v in zip(matrix.months, values, strict=True)
    ]


def _unique_sources(matrix: MonthlyMatrix, first: date, last: date):
    seen = {}
    for month in month_range(first, last):
        src = matrix.sources.get(month)
        if src is not None:
            seen.setdefault(src.path, src)
    return list(seen.values())


def _sentences(r: IndicatorReport, area: str, first: date, last: date) -> list[str]:
    phrase = period_phrase(first, last)
    out = [f"In {phrase} there were {r.count} cases of {r.name} in {area}."]
    if r.comparison_count is not None:
        out.append(
            f"There were {r.count} cases of {r.name} in {phrase}. In the same period 12 "
            f"months prior there were {r.comparison_count}. This is {r.change_words}."
        )
    rolling = r.rolling_12m
    if rolling and rolling.count is not None and rolling.comparison_count is not None:
        out.append(
            f"There were {rolling.count} cases of {r.name} in {area} in the 12 months up to "
            f"{month_name(last)}. In the 12 months prior there were "
            f"{rolling.comparison_count}. This is {rolling.change_words}."
        )
    if r.significance and r.significance.sentence:
        out.append(r.significance.sentence)
    if r.london_rank is not None:
        last_year = (
            f", compared with {r.london_rank_last_year}/{r.london_rank_of} in the same period "
            "last year"
            if r.london_rank_last_year is not None
            else ""
        )
        out.append(
            f"{area} had {r.london_rank_words} in London ({r.london_rank}/{r.london_rank_of})"
            f"{last_year}."
        )
    return out


def _population_note(inputs: DashboardInputs, pops: _Populations, last: date) -> str:
    note = (
        f"Rates use the '{inputs.population_series}' population series for {last.year} "
        f"(the year in which the period ends) and, for the same period last year, "
        f"{last.year - 1}."
    )
    for wanted, used in sorted(pops.fallbacks):
        note += f" The series has no {wanted} figures, so {used} was used instead."
    return note


def _notes(
    profile: Profile, last: date, inputs: DashboardInputs, pops: _Populations, as_of: date | None
) -> list[str]:
    n_comp = len(profile.comparators)
    vintage = (
        f"Police figures are as the data stood at vintage {format_month(as_of)}: for each "
        "month, the latest release not after that month."
        if as_of
        else "Police figures use, for each month, the latest release loaded."
    )
    notes = [
        f"The lower the ranking, the better {profile.home.name} is doing compared with other "
        f"boroughs across London" + (f" or in the {profile.comparator_name}." if n_comp else "."),
        f"In the London comparison 1/{len(inputs.london)} is the best (the lowest rate) and "
        f"{len(inputs.london)}/{len(inputs.london)} the worst. Rankings use rates per "
        "population, not counts; City of London and the airports are left out.",
    ]
    if n_comp:
        notes.append(
            f"In the {profile.comparator_name} comparison 1/{n_comp} is the best and "
            f"{n_comp}/{n_comp} the worst."
            + (
                ""
                if profile.home in profile.comparators
                else f" {profile.home.name} is not in this group, so it has no rank in it."
            )
        )
    notes.append(
        f"Change in ranking from the same period last year is shown by a marker and a word: "
        f"{Rag.GREEN.symbol} {Rag.GREEN.word} = ranking improved, {Rag.AMBER.symbol} "
        f"{Rag.AMBER.word} = unchanged, {Rag.RED.symbol} {Rag.RED.word} = worsened."
    )
    if any(i.id == "knife_crime_with_injury" for i in profile.indicators):
        notes.append(
            "Knife crime counts all knife crime with injury, of any age and including domestic "
            "abuse, so it is higher than reports limited to under-25s and non-domestic offences."
        )
    notes += [
        "A change is called significant when an exact test of the two counts gives p < 0.05; "
        "where it does not, the page says so in a plain sentence.",
        vintage,
        "Police data are revised back in time: the same month can have different counts in "
        "two releases, so figures can differ by a few cases from reports built on an earlier "
        "release.",
        _population_note(inputs, pops, last),
    ]
    return notes


def _sources(inputs: DashboardInputs) -> list[SourceRef]:
    out: dict[str, SourceRef] = {}
    for data in inputs.indicators:
        if data.matrix is None:
            continue
        for src in data.matrix.sources.values():
            out.setdefault(src.path, SourceRef(src.path, src.vintage))
    for path in inputs.population_files:
        out.setdefault(path, SourceRef(path, None, f"population: {inputs.population_series}"))
    return list(out.values())
