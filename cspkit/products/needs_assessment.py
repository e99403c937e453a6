"""The Serious Violence Strategic Needs Assessment data pack (issue 4).

Pure computation: :func:`needs_assessment` takes already-loaded monthly matrices
(:class:`NeedsInputs`) and returns a :class:`NeedsAssessment`, the JSON contract,
whose :meth:`NeedsAssessment.document` is what the HTML, PDF and XLSX show.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from cspkit.measures import spc
from cspkit.measures.change import change_words, pct_change, round_half_away
from cspkit.measures.periods import add_months, months_between
from cspkit.measures.ranking import ordinal
from cspkit.measures.rates import rate
from cspkit.measures.significance import rate_ratio_test
from cspkit.products.document import Chart, Table
from cspkit.products.models import SourceRef
from cspkit.warehouse.matrix import MonthlyMatrix
from cspkit.warehouse.wards import WardTotals

PER = 1000
SMALL_COUNTS = 5  # below this monthly average, runs and trends are not reported

# The year-end comparison's rows, in the SNA's order: (id, name, offences or group).
YEAR_END_ROWS = (
    ("homicide", "Homicide"),
    ("violence_with_injury", "Violence with injury"),
    ("violence_without_injury", "Violence without injury"),
    ("sexual_offences", "Sexual offences"),
    ("robbery", "Robbery"),
    ("theft", "Theft"),
    ("burglary", "Burglary"),
    ("criminal_damage_and_arson", "Criminal damage and arson"),
    ("drug_offences", "Drug offences"),
    ("possession_of_weapons", "Possession of weapons"),
    ("total", "Total"),
)
# The SNA's headline measures that the borough files cannot give: they need the MPS
# Monthly Crime Dashboard data (subgroup, measure).
DASHBOARD_HEADLINES = (
    ("knife_crime_with_injury", "Knife crime with injury", "Knife Crime with Injury"),
    (
        "gun_crime_lethal_barrelled_discharge",
        "Gun crime (lethal barrel discharge)",
        "Lethal Barrel Discharge",
    ),
    (
        "domestic_abuse_violence_with_injury",
        "Domestic abuse violence with injury",
        "Domestic Abuse Violence with Injury",
    ),
)
SERIOUS_VIOLENCE_NOT_MEASURED = (
    "the victim's or suspect's age (the MOPAC definition centres on people under 25)",
    "whether an offence was domestic abuse (needs the MPS Monthly Crime Dashboard data)",
    "GBH and ABH apart from other violence with injury",
    "sexual assault and assault by penetration apart from other sexual offences",
    "threats to kill, and violence against property during one of these offences",
    "exploitation (county lines, child criminal and sexual exploitation)",
)


@dataclass
class NeedsInputs:
    """Everything the product needs, loaded by the caller."""

    first: date
    last: date
    matrices: dict[str, MonthlyMatrix]  # year-end row id (or "serious_violence") -> matrix
    dashboard: dict[str, MonthlyMatrix | None]  # DASHBOARD_HEADLINES id -> matrix or None
    populations: dict[tuple[str, int], int]
    population_series: str
    population_files: list[str]
    london: dict[str, str]  # code -> name
    home_code: str
    home_name: str
    as_of: date | None


@dataclass
class LeagueRow:
    area: str
    code: str
    count: int | None
    rate_per_1000: float | None
    rank_by_count: int | None  # 1 = the most offences (as the SNA's table)
    rank_by_rate: int | None  # 1 = the highest rate
    is_home: bool


@dataclass
class YearEndRow:
    id: str
    name: str
    previous: int | None
    current: int | None
    change_pct: float | None
    change_words: str
    significance: dict


@dataclass
class Headline:
    id: str
    name: str
    available: bool
    count: int | None = None  # the 12 months to the end of the period
    rate_per_1000: float | None = None
    rolling_12m_change_pct: float | None = None
    previous_12m: int | None = None
    reason: str = ""


@dataclass
class NeedsAssessment:
    area: dict
    period: dict
    vintage: date | None
    population_series: str
    league_table: list[LeagueRow]
    league_sentence: str
    year_end_comparison: list[YearEndRow]
    year_end_label: tuple[str, str]  # ("Year ending October 2022", "Year ending October 2023")
    headline: list[Headline]
    trends: list[dict] = field(default_factory=list)
    wards: dict = field(default_factory=dict)
    serious_violence: dict = field(default_factory=dict)
    street_crime: dict = field(default_factory=dict)  # data.police.uk crimes by ward
    stop_search: dict = field(default_factory=dict)  # the stop-and-search profile
    sources: list[SourceRef] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def needs_contract(r: NeedsAssessment) -> dict:
    """The JSON contract: the model's fields, trends without their drawn charts."""
    trends = [{k: v for k, v in t.items() if k != "chart"} for t in r.trends]
    wards = {k: v for k, v in r.wards.items() if k != "map"}
    return {
        "area": r.area,
        "period": r.period,
        "vintage": r.vintage,
        "population_series": r.population_series,
        "league_table": r.league_table,
        "year_end_comparison": r.year_end_comparison,
        "headline": r.headline,
        "trends": trends,
        "wards": wards,
        "serious_violence": r.serious_violence,
        "street_crime": r.street_crime,
        "stop_search": r.stop_search.get("profile") or r.stop_search,
        "sources": r.sources,
        "notes": r.notes,
    }


def descending_ranks(values: dict[str, float | None]) -> dict[str, int | None]:
    """1 = the largest value; ties share the better (lower) rank; None is not ranked."""
    return {
        key: (None if v is None else 1 + sum(1 for o in values.values() if o is not None and o > v))
        for key, v in values.items()
    }


def _pop(inputs: NeedsInputs, code: str, year: int) -> int | None:
    if (code, year) in inputs.populations:
        return inputs.populations[(code, year)]
    earlier = [y for (c, y) in inputs.populations if c == code and y < year]
    return inputs.populations[(code, max(earlier))] if earlier else None


def league_table(inputs: NeedsInputs) -> tuple[list[LeagueRow], str]:
    matrix = inputs.matrices["total"]
    counts = {c: matrix.total(c, inputs.first, inputs.last) for c in inputs.london}
    rates = {
        c: rate(n, _pop(inputs, c, inputs.last.year), PER) if n is not None else None
        for c, n in counts.items()
    }
    by_count, by_rate = descending_ranks(counts), descending_ranks(rates)
    rows = [
        LeagueRow(
            inputs.london[c], c, counts[c], rates[c], by_count[c], by_rate[c], c == inputs.home_code
        )
        for c in inputs.london
    ]
    rows.sort(key=lambda r: (r.rank_by_count is None, r.rank_by_count or 0, r.area))
    home = next((r for r in rows if r.is_home), None)
    if not matrix.sources:
        at = f" at vintage {inputs.as_of:%Y-%m}" if inputs.as_of else ""
        return rows, (
            f"No borough figures: no MPS borough file covering {inputs.first:%B %Y} to "
            f"{inputs.last:%B %Y}{at} has been loaded, so the borough tables are empty."
        )
    sentence = ""
    if home and home.rank_by_count:
        sentence = (
            f"In the ranking of London boroughs, {home.area} holds the "
            f"{ordinal(home.rank_by_count)} position for the number of offences recorded "
            f"from {inputs.first:%B %Y} to {inputs.last:%B %Y} ({home.count:,}), and the "
            f"{ordinal(home.rank_by_rate)} for offences per 1,000 residents "
            f"({home.rate_per_1000:.1f}); 1st is the highest of 32."
        )
    return rows, sentence


def year_end_comparison(inputs: NeedsInputs) -> list[YearEndRow]:
    last = inputs.last
    cur = (add_months(last, -11), last)
    prev = (add_months(last, -23), add_months(last, -12))
    rows = []
    for row_id, name in YEAR_END_ROWS:
        matrix = inputs.matrices[row_id]
        current = matrix.total(inputs.home_code, *cur)
        previous = matrix.total(inputs.home_code, *prev)
        change = pct_change(current, previous) if None not in (current, previous) else None
        sig = {"p_value": None, "significant": None, "rate_ratio_ci": [None, None]}
        if current is not None and previous is not None and current + previous > 0:
            test = rate_ratio_test(current, previous)
            sig = {
                "p_value": test.p_value,
                "significant": test.significant,
                "rate_ratio_ci": [test.ci_low, test.ci_high],
            }
        rows.append(
            YearEndRow(
                row_id,
                name,
                previous,
                current,
                None if change is None else round_half_away(change, 1),
                change_words(current, previous) if None not in (current, previous) else "",
                sig,
            )
        )
    return rows


def headlines(inputs: NeedsInputs) -> list[Headline]:
    last = inputs.last
    r12 = (add_months(last, -11), last)
    p12 = (add_months(last, -23), add_months(last, -12))
    out = []
    at = f" at vintage {inputs.as_of:%Y-%m}" if inputs.as_of else ""
    no_borough = f"no MPS borough file covering the 12 months to {last:%B %Y}{at} has been loaded"
    no_dashboard = (
        "needs the MPS Monthly Crime Dashboard data, which has not been loaded (see "
        "docs/ingest.md); the open borough files do not carry it"
    )
    sources = [(rid, name, inputs.matrices[rid], no_borough) for rid, name in YEAR_END_ROWS]
    sources += [
        (hid, name, inputs.dashboard.get(hid), no_dashboard) for hid, name, _ in DASHBOARD_HEADLINES
    ]
    for hid, name, matrix, why in sources:
        if matrix is None or not matrix.sources:
            out.append(Headline(hid, name, False, reason=why))
            continue
        count = matrix.total(inputs.home_code, *r12)
        previous = matrix.total(inputs.home_code, *p12)
        if count is None:
            out.append(Headline(hid, name, False, reason="the 12 months are not all loaded"))
            continue
        change = pct_change(count, previous) if previous is not None else None
        out.append(
            Headline(
                hid,
                name,
                True,
                count,
                rate(count, _pop(inputs, inputs.home_code, last.year), PER),
                None if change is None else round_half_away(change, 1),
                previous,
            )
        )
    return out


def serious_violence(inputs: NeedsInputs) -> dict:
    matrix = inputs.matrices["serious_violence"]
    last = inputs.last
    current = matrix.total(inputs.home_code, add_months(last, -11), last)
    previous = matrix.total(inputs.home_code, add_months(last, -23), add_months(last, -12))
    return {
        "measured_offences": ["homicide", "violence_with_injury", "rape", "personal_robbery"],
        "current_12m": current,
        "previous_12m": previous,
        "change_pct": (
            round_half_away(pct_change(current, previous), 1)
            if current is not None and previous
            else None
        ),
        "change_words": change_words(current, previous) if None not in (current, previous) else "",
        "not_measured": list(SERIOUS_VIOLENCE_NOT_MEASURED),
        "statement": (
            "The open borough files measure only part of the MOPAC definition of serious "
            "violence: homicide, violence with injury (which includes GBH and ABH), rape and "
            "personal robbery, for victims of any age. They cannot show: "
            + "; ".join(SERIOUS_VIOLENCE_NOT_MEASURED)
            + "."
        ),
    }


def trends(inputs: NeedsInputs) -> list[dict]:
    """Monthly series per offence group with expected ranges and signal sentences.

    The limits are Poisson when the baseline varies about as Poisson counts do, and
    the NHS Making Data Count XmR limits when it varies much more (variance over twice
    the mean): borough series are often over-dispersed, and Poisson limits would then
    flag ordinary months. Sentences are written only for signals.
    """
    first = min(inputs.first, add_months(inputs.last, -23))
    out = []
    for row_id, name in YEAR_END_ROWS:
        matrix = inputs.matrices[row_id]
        series = matrix.counts.get(inputs.home_code)
        if series is None:
            continue
        pairs = [(m, v) for m, v in zip(matrix.months, series, strict=True) if m >= first]
        months = [m for m, _ in pairs]
        values = [v for _, v in pairs]
        known = [v for v in values if v is not None]
        if len(known) < 12:
            continue
        baseline = known[:-12] if len(known) >= 24 else known
        mean = sum(baseline) / len(baseline)
        variance = sum((v - mean) ** 2 for v in baseline) / max(len(baseline) - 1, 1)
        method = "xmr" if mean > 0 and variance > 2 * mean else "poisson"
        assessment = spc.assess_series(months, values, method=method)
        rng = assessment.expected_range
        if rng.centre < SMALL_COUNTS:
            # a handful a month: months of 0 sit "below average" by nature, so only
            # points outside the range are worth a sentence
            assessment = replace(
                assessment,
                signals=tuple(x for x in assessment.signals if x.kind.startswith("outside")),
                flags=tuple(
                    frozenset(k for k in f if k.startswith("outside")) for f in assessment.flags
                ),
            )
        sentences = spc.signal_sentences(name, months, values, assessment)
        out.append(
            {
                "id": row_id,
                "name": name,
                "method": method,
                "expected_range": {
                    "centre": rng.centre,
                    "lower": rng.lowest_expected,
                    "upper": rng.highest_expected,
                    "baseline_months": assessment.baseline_months,
                },
                "monthly": [
                    {"month": m, "count": v, "signals": sorted(f)}
                    for m, v, f in zip(months, values, assessment.flags, strict=True)
                ],
                "signals": [
                    {"kind": sig.kind, "from": months[sig.start_index], "to": months[sig.end_index]}
                    for sig in assessment.signals
                ],
                "sentences": sentences,
                "chart": trend_chart(name, inputs.home_name, months, values, assessment),
                "method_note": (
                    "Expected ranges: the centre line is the average of the months before the "
                    "last 12; limits are Poisson (99.8%) where months vary as counts of chance "
                    "events do, and XmR (Making Data Count) where they vary more. A month is "
                    "flagged when it is outside the range, when 7 months in a row sit on one "
                    "side of the average, or when 5 months in a row each rise "
                    "(or fall). A trend of 5 also occurs by chance in about one flat series in "
                    "four, so read a trend alone as worth a look, not as proof of change."
                ),
            }
        )
    return out


def trend_chart(name, area, months, values, assessment) -> Chart:
    rng = assessment.expected_range
    flagged = {i for i, f in enumerate(assessment.flags) if f}
    data = [
        {
            "month": f"{m:%Y-%m}",
            "count": v,
            "flag": "signal" if i in flagged else "within range",
            "centre": round(rng.centre, 2),
            "lower": rng.lowest_expected,
            "upper": rng.highest_expected,
        }
        for i, (m, v) in enumerate(zip(months, values, strict=True))
        if v is not None
    ]
    x = {"field": "month", "type": "temporal", "title": None, "timeUnit": "yearmonth"}
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": data},
        "width": 520,
        "height": 160,
        "layer": [
            {
                "mark": {"type": "area", "opacity": 0.15, "color": "#56B4E9"},
                "encoding": {
                    "x": x,
                    "y": {"field": "lower", "type": "quantitative"},
                    "y2": {"field": "upper"},
                },
            },
            {
                "mark": {"type": "line", "strokeDash": [4, 3], "color": "#555555"},
                "encoding": {"x": x, "y": {"field": "centre", "type": "quantitative"}},
            },
            {
                "mark": {"type": "line", "color": "#0072B2"},
                "encoding": {
                    "x": x,
                    "y": {"field": "count", "type": "quantitative", "title": "Offences a month"},
                },
            },
            {
                "mark": {"type": "point", "filled": True, "size": 45},
                "encoding": {
                    "x": x,
                    "y": {"field": "count", "type": "quantitative"},
                    "shape": {
                        "field": "flag",
                        "type": "nominal",
                        "scale": {
                            "domain": ["within range", "signal"],
                            "range": ["circle", "triangle-up"],
                        },
                        "title": None,
                    },
                    "color": {
                        "field": "flag",
                        "type": "nominal",
                        "scale": {
                            "domain": ["within range", "signal"],
                            "range": ["#0072B2", "#D55E00"],
                        },
                        "title": None,
                    },
                },
            },
        ],
    }
    known = [(m, v) for m, v in zip(months, values, strict=True) if v is not None]
    low = min(known, key=lambda p: p[1])
    high = max(known, key=lambda p: p[1])
    text = (
        f"Monthly {name.lower()} in {area} from {known[0][0]:%B %Y} to {known[-1][0]:%B %Y}: "
        f"lowest {low[1]} ({low[0]:%B %Y}), highest {high[1]} ({high[0]:%B %Y}); expected "
        f"range {rng.lowest_expected} to {rng.highest_expected} around an average of "
        f"{rng.centre:.1f}. {len(flagged)} month(s) flagged (triangles)."
    )
    table = Table(
        title=f"{name}: monthly counts",
        columns=["Month", "Offences", "Flag"],
        rows=[
            [m, v, ", ".join(sorted(f)) or ""]
            for m, v, f in zip(months, values, assessment.flags, strict=True)
        ],
        formats=["month", "int", "text"],
    )
    return Chart(f"{name} in {area}, month by month", text, table, vega_lite=spec)


WARD_BANDS = (  # the SNA's ward map bands, per 1,000 residents (lower bound included)
    (None, 1.0, "under 1"),
    (1.0, 1.5, "1 to 1.5"),
    (1.5, 2.0, "1.5 to 2"),
    (2.0, 3.0, "2 to 3"),
    (3.0, 5.0, "3 to 5"),
    (5.0, None, "over 5"),
)


def ward_band(value: float | None) -> str:
    if value is None:
        return "no data"
    for low, high, label in WARD_BANDS:
        if (low is None or value >= low) and (high is None or value < high):
            return label
    return "no data"  # pragma: no cover - the bands cover every number


def ward_section(
    area: str,
    total: WardTotals | None,
    mapped: WardTotals | None,
    mapped_name: str,
    populations: dict[str, tuple[int | None, str]],
) -> dict:
    """Ward counts and rates per 1,000 for the home borough, and the mapped offence's bands.

    ``total`` is every offence; ``mapped`` the offence the map shows (the SNA maps drug
    offences). Ward figures come only from the ward files and never feed borough totals.
    """
    if total is None or not total.wards:
        reason = (total.reason if total else "") or "no MPS ward file has been loaded"
        return {"available": False, "reason": f"No ward figures: {reason}."}
    mapped_by_code = {w.ward_code: w for w in (mapped.wards if mapped else [])}
    rows = []
    for w in total.wards:
        population, pop_source = populations.get(w.ward_code, (None, "no population"))
        m = mapped_by_code.get(w.ward_code)
        m_count = m.total if m else None
        rows.append(
            {
                "ward": w.ward_name,
                "code": w.ward_code,
                "count": w.total,
                "population": population,
                "population_source": pop_source,
                "rate_per_1000": rate(w.total, population, PER) if w.total is not None else None,
                "mapped_count": m_count,
                "mapped_rate_per_1000": (
                    rate(m_count, population, PER) if m_count is not None else None
                ),
                "reason": w.reason,
            }
        )
    for row in rows:
        row["band"] = ward_band(row["mapped_rate_per_1000"])
    ranked = descending_ranks({r["code"]: r["rate_per_1000"] for r in rows})
    for row in rows:
        row["rank"] = ranked[row["code"]]
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["ward"]))
    top = [r for r in rows if r["rank"] is not None][:5]
    no_pop = [r["ward"] for r in rows if r["population"] is None]
    sentences = []
    if top:
        sentences.append(
            f"The wards of {area} with the highest rates of recorded crime from "
            f"{total.first:%B %Y} to {total.last:%B %Y} were "
            + ", ".join(f"{r['ward']} ({r['rate_per_1000']:.1f} per 1,000)" for r in top[:3])
            + "."
        )
    notes = [
        "Ward counts come from the MPS ward files and do not add up to the borough's: not "
        "every crime can be placed in a ward. They never feed the borough figures.",
        f"The map shows {mapped_name} per 1,000 residents in the SNA's bands.",
    ]
    if no_pop:
        notes.append("No population for: " + ", ".join(no_pop) + "; no rate is shown for them.")
    files = ", ".join(f"{f.path} ({f.codes.label})" for f in total.files)
    return {
        "available": True,
        "period": {"start": total.first, "end": total.last},
        "code_sets": total.code_sets,
        "files": files,
        "sources": [
            SourceRef(f.path, f.vintage, f"ward file ({f.codes.label})") for f in total.files
        ]
        + [
            SourceRef(label, None, "ward population")
            for label in sorted({r["population_source"] for r in rows if r["population"]})
        ],
        "rows": rows,
        "top": top,
        "sentences": sentences,
        "notes": notes,
        "mapped_offence": mapped_name,
        "caption": f"All offences, {total.first:%B %Y} to {total.last:%B %Y}; rank 1 = the "
        f"highest rate; band = {mapped_name} per 1,000.",
    }


def period_text(first: date, last: date) -> str:
    return f"{first:%B %Y} to {last:%B %Y}"


def needs_assessment(inputs: NeedsInputs) -> NeedsAssessment:
    """The pack's figures; trends and wards are added by :func:`with_trends`/wards helpers."""
    league, league_sentence = league_table(inputs)
    last = inputs.last
    sources: dict[str, SourceRef] = {}
    for matrix in inputs.matrices.values():
        for src in matrix.sources.values():
            sources.setdefault(src.path, SourceRef(src.path, src.vintage))
    for path in inputs.population_files:
        sources.setdefault(path, SourceRef(path, None, f"population: {inputs.population_series}"))
    return NeedsAssessment(
        area={"name": inputs.home_name, "code": inputs.home_code},
        period={
            "start": inputs.first,
            "end": last,
            "months": months_between(inputs.first, last),
            "label": period_text(inputs.first, last),
        },
        vintage=inputs.as_of,
        population_series=inputs.population_series,
        league_table=league,
        league_sentence=league_sentence,
        year_end_comparison=year_end_comparison(inputs),
        year_end_label=(
            f"Year ending {add_months(last, -12):%B %Y}",
            f"Year ending {last:%B %Y}",
        ),
        headline=headlines(inputs),
        trends=trends(inputs),
        serious_violence=serious_violence(inputs),
        sources=list(sources.values()),
        notes=[
            f"Rates are per 1,000 residents, using the '{inputs.population_series}' series "
            f"for {last.year}.",
            "League table ranks: 1st is the most offences (or the highest rate) of the 32 "
            "boroughs, as in the SNA's table; City of London and the airports are left out.",
            "The published SNA's tables came from another MPS source: its borough table runs "
            "about 5-17% above the open borough files and its year-end table 15-19% below "
            "(its Total is the sum of the ten groups shown). This pack reproduces the method "
            "on the open borough files, not those digits.",
            "A change is called significant when an exact test of the two counts gives p < 0.05.",
        ],
    )
