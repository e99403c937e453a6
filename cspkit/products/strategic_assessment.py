"""The annual Strategic Assessment's evidence section (Crime and Disorder Act 1998, s5-7).

For a financial year (April to March): crime rates against London, the MOPAC7
long-term table (five years back, last year, this year) and how the borough's change
ranks among the 32. Pure computation over loaded matrices, like the other products.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from cspkit.errors import CspkitError
from cspkit.measures.change import pct_change, round_half_away
from cspkit.measures.ranking import ordinal, rank_ascending, rank_words
from cspkit.measures.rates import rate
from cspkit.products.models import SourceRef
from cspkit.warehouse.matrix import MonthlyMatrix

PER = 1000
RATE_ROWS = (
    ("total", "Total crime"),
    ("violence_with_injury", "Violence with injury"),
    ("burglary", "Burglary"),
)
# MOPAC7 as the assessment tabulates it: (id, name, plural noun for sentences)
LONG_TERM_ROWS = (
    ("burglary", "Burglary", "burglaries"),
    ("criminal_damage", "Criminal damage (with arson)", "criminal damage and arson offences"),
    ("robbery", "Robbery", "robberies"),
    ("theft_from_motor_vehicle", "Theft from a motor vehicle", "thefts from motor vehicles"),
    (
        "theft_of_motor_vehicle",
        "Theft or taking of a motor vehicle",
        "thefts or takings of motor vehicles",
    ),
    ("theft_from_person", "Theft from the person", "thefts from the person"),
    ("violence_with_injury", "Violence with injury", "violence with injury offences"),
)
BASKET = ("mopac7_basket", "MOPAC7 (all seven)", "MOPAC7 offences")
_FY = re.compile(r"^(\d{4})/(\d{2})$")


def parse_financial_year(text: str) -> int:
    """'2022/23' -> 2022 (the year in which it starts); metrics.md: April to March."""
    match = _FY.match(text.strip())
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise CspkitError(f"'{text}' is not a financial year: write it as YYYY/YY, e.g. 2022/23")
    return int(match.group(1))


def fy_label(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def fy_months(start_year: int) -> tuple[date, date]:
    return date(start_year, 4, 1), date(start_year + 1, 3, 1)


@dataclass
class AssessmentInputs:
    start_year: int
    matrices: dict[str, MonthlyMatrix]  # RATE_ROWS / LONG_TERM_ROWS ids -> matrix
    populations: dict[tuple[str, int], int]
    population_series: str
    population_files: list[str]
    london: dict[str, str]
    home_code: str
    home_name: str
    as_of: date | None


@dataclass
class StrategicAssessment:
    area: dict
    financial_year: str
    vintage: date | None
    population_series: str
    rates: list[dict]
    long_term_trend: list[dict]
    change_ranks: list[dict]
    sentences: list[str]
    sources: list[SourceRef] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def over_phrase(n: int) -> str:
    """'over 1,500' for 1,561; '150' for 150: rounded down so the claim stays true."""
    unit = 100 if n >= 1000 else 10 if n >= 100 else 1
    floored = n - n % unit
    return f"{floored:,}" if floored == n else f"over {floored:,}"


def _pop(inputs: AssessmentInputs, code: str, year: int) -> int | None:
    if (code, year) in inputs.populations:
        return inputs.populations[(code, year)]
    earlier = [y for (c, y) in inputs.populations if c == code and y < year]
    return inputs.populations[(code, max(earlier))] if earlier else None


def _fy_total(matrix: MonthlyMatrix, code: str, start_year: int) -> int | None:
    return matrix.total(code, *fy_months(start_year))


def strategic_assessment(inputs: AssessmentInputs) -> StrategicAssessment:
    year = inputs.start_year
    label = fy_label(year)
    pop_year = year + 1  # the period ends in March of this year (metrics.md)
    home, home_name = inputs.home_code, inputs.home_name
    sentences: list[str] = []

    rates_out = []
    for rid, name in RATE_ROWS:
        matrix = inputs.matrices[rid]
        counts = {c: _fy_total(matrix, c, year) for c in inputs.london}
        pops = {c: _pop(inputs, c, pop_year) for c in inputs.london}
        rates = {c: rate(n, pops[c], PER) if n is not None else None for c, n in counts.items()}
        ranks = rank_ascending(rates)
        complete = [c for c in inputs.london if counts[c] is not None and pops[c]]
        average = (
            sum(counts[c] for c in complete) / sum(pops[c] for c in complete) * PER
            if complete
            else None
        )
        own = rates.get(home)
        vs = round_half_away(pct_change(own, average), 1) if own is not None and average else None
        rank = ranks.get(home)
        of = sum(1 for r in ranks.values() if r is not None)
        rates_out.append(
            {
                "id": rid,
                "name": name,
                "count": counts.get(home),
                "rate_per_1000": own,
                "london_rank": rank,
                "london_rank_of": of,
                "london_rank_words": rank_words(rank, of) if rank else "",
                "london_average_rate": average,
                "pct_vs_london_average": vs,
            }
        )
        if own is not None and average is not None and vs is not None:
            side = (
                f"{abs(vs):.1f}% lower than the London average"
                if vs < 0
                else f"{vs:.1f}% above the London average"
                if vs > 0
                else "the same as the London average"
            )
            sentences.append(
                f"{name} in {home_name} in {label} was {own:.1f} per 1,000 residents, "
                f"{rank_words(rank, of)} London boroughs and {side} ({average:.1f})."
            )

    years = (year - 5, year - 1, year)
    labels = [fy_label(y) for y in years]
    long_term = []
    all_changes: dict[str, dict[str, float | None]] = {}
    basket: dict[str, list[int | None]] = {c: [0, 0, 0] for c in inputs.london}
    for rid, name, noun in LONG_TERM_ROWS:
        matrix = inputs.matrices[rid]
        per_area = {c: [_fy_total(matrix, c, y) for y in years] for c in inputs.london}
        for c, values in per_area.items():
            basket[c] = [
                None if b is None or v is None else b + v
                for b, v in zip(basket[c], values, strict=True)
            ]
        long_term.append(_long_term_row(rid, name, per_area.get(home), labels))
        all_changes[rid] = {c: _change(v[0], v[2]) for c, v in per_area.items()}
        sentences += _long_term_sentence(home_name, noun, per_area.get(home), labels)
    long_term.append(_long_term_row(BASKET[0], BASKET[1], basket.get(home), labels))
    all_changes[BASKET[0]] = {c: _change(v[0], v[2]) for c, v in basket.items()}
    sentences += _long_term_sentence(home_name, BASKET[2], basket.get(home), labels)

    change_ranks = []
    for rid, changes in all_changes.items():
        ranks = rank_ascending(changes)  # 1 = the largest fall
        rank, of = ranks.get(home), sum(1 for r in ranks.values() if r is not None)
        own = changes.get(home)
        change_ranks.append(
            {
                "id": rid,
                "change_5y_pct": None if own is None else round_half_away(own, 1),
                "rank": rank,
                "of": of,
                "words": _change_rank_words(rank, of, own),
            }
        )
    basket_rank = change_ranks[-1]
    if basket_rank["rank"]:
        sentences.append(
            f"Over five years the MOPAC7 offences in {home_name} changed by "
            f"{basket_rank['change_5y_pct']:+.1f}%: {basket_rank['words']}."
        )
    if not any(m.sources for m in inputs.matrices.values()):
        at = f" at vintage {inputs.as_of:%Y-%m}" if inputs.as_of else ""
        sentences.insert(
            0,
            f"No figures: no MPS borough file covering {label} or the five years before it"
            f"{at} has been loaded.",
        )
    sources: dict[str, SourceRef] = {}
    for matrix in inputs.matrices.values():
        for src in matrix.sources.values():
            sources.setdefault(src.path, SourceRef(src.path, src.vintage))
    for path in inputs.population_files:
        sources.setdefault(path, SourceRef(path, None, f"population: {inputs.population_series}"))
    return StrategicAssessment(
        area={"name": home_name, "code": home},
        financial_year=label,
        vintage=inputs.as_of,
        population_series=inputs.population_series,
        rates=rates_out,
        long_term_trend=long_term,
        change_ranks=change_ranks,
        sentences=sentences,
        sources=list(sources.values()),
        notes=[
            f"A financial year runs from April to March; {label} is "
            f"{fy_months(year)[0]:%B %Y} to {fy_months(year)[1]:%B %Y}.",
            f"Rates are per 1,000 residents, using the '{inputs.population_series}' series for "
            f"{pop_year}, the year in which the financial year ends. The London average is all "
            "32 boroughs' offences divided by their residents.",
            "London ranks: 1st is the lowest rate (or the largest reduction) of the 32 "
            "boroughs; City of London and the airports are left out.",
            "Criminal damage includes arson here, as the assessment's MOPAC7 table does.",
        ],
    )


def _change(before: int | None, after: int | None) -> float | None:
    if before is None or after is None:
        return None
    return pct_change(after, before)


def _long_term_row(rid: str, name: str, values, labels) -> dict:
    values = values or [None, None, None]
    five, one = _change(values[0], values[2]), _change(values[1], values[2])
    return {
        "id": rid,
        "name": name,
        "counts": dict(zip(labels, values, strict=True)),
        "change_1y_pct": None if one is None else round_half_away(one, 1),
        "change_5y_pct": None if five is None else round_half_away(five, 1),
    }


def _long_term_sentence(area: str, noun: str, values, labels) -> list[str]:
    if not values or values[0] is None or values[2] is None or values[0] == values[2]:
        return []
    diff = values[2] - values[0]
    direction = "fewer" if diff < 0 else "more"
    return [
        f"{area} recorded {over_phrase(abs(diff))} {direction} {noun} in {labels[2]} than "
        f"five years earlier ({labels[0]}: {values[0]:,}; {labels[2]}: {values[2]:,})."
    ]


def _change_rank_words(rank: int | None, of: int, change: float | None) -> str:
    if rank is None or change is None:
        return "no ranking (figures missing)"
    if change < 0:
        return (
            "the largest reduction in London"
            if rank == 1
            else f"the {ordinal(rank)} largest reduction in London"
        )
    from_top = of - rank + 1
    return (
        "the largest increase in London"
        if from_top == 1
        else f"the {ordinal(from_top)} largest increase in London"
    )
