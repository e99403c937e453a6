"""The stop-and-search profile (issue 5): volume, who is searched, why, what follows.

Pure computation over search records already placed in the area by the caller
(:class:`SearchInputs`). Disproportionality compares searches per 1,000 residents of
each broad ethnic group (self-defined ethnicity; Census 2021 TS021 residents) with the
White group, with an exact 95% interval for the ratio of the two rates.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from cspkit.measures.change import round_half_away
from cspkit.measures.periods import month_range
from cspkit.measures.rates import rate
from cspkit.measures.significance import rate_ratio_test
from cspkit.products.document import Chart, Document, Section, Table
from cspkit.products.models import SourceRef

NO_FURTHER_ACTION = "A no further action disposal"
BROAD_GROUPS = ("White", "Asian", "Black", "Mixed", "Other")
NOT_STATED = "Not stated"
# self-defined ethnicity (police data) -> broad group, by the text before " - "
_POLICE_PREFIX = {
    "white": "White",
    "asian/asian british": "Asian",
    "black/african/caribbean/black british": "Black",
    "mixed/multiple ethnic groups": "Mixed",
    "other ethnic group": "Other",
}
# Census 2021 TS021 category -> broad group, by the text before ":"
_CENSUS_PREFIX = {
    "white": "White",
    "asian, asian british or asian welsh": "Asian",
    "black, black british, black welsh, caribbean or african": "Black",
    "mixed or multiple ethnic groups": "Mixed",
    "other ethnic group": "Other",
}


def police_group(self_defined: str | None) -> str:
    """Broad group of a self-defined ethnicity; 'Not stated' when blank or not stated."""
    text = (self_defined or "").strip()
    if not text or "not stated" in text.lower():
        return NOT_STATED
    return _POLICE_PREFIX.get(text.split(" - ")[0].strip().lower(), "Other")


def census_group(category: str) -> str | None:
    """Broad group of a TS021 category; None for 'Does not apply'."""
    prefix = category.split(":")[0].strip().lower()
    return _CENSUS_PREFIX.get(prefix)


@dataclass
class SearchInputs:
    area: str
    code: str
    force: str | None
    first: date
    last: date
    months: list[date]
    types: list[str | None]
    genders: list[str | None]
    age_ranges: list[str | None]
    self_defined: list[str | None]
    officer_defined: list[str | None]
    legislation: list[str | None]
    objects: list[str | None]
    outcomes: list[str | None]
    linked: list[bool | None]
    source_kinds: list[str]
    unplaced: dict  # {"no_coordinates": n, "outside_every_area": n}
    census_ethnicity: dict[str, int]  # TS021 category -> residents, for the area
    sources: list[SourceRef] = field(default_factory=list)


@dataclass
class StopSearchProfile:
    area: dict
    period: dict
    force: str | None
    searches: int
    unplaced: dict
    positive_outcome_pct: float | None
    find_rate_pct: float | None
    find_rate_note: str
    by_outcome: dict[str, int]
    by_object: dict[str, int]
    by_age: dict[str, int]
    by_sex: dict[str, int]
    by_type: dict[str, int]
    by_legislation: dict[str, int]
    by_ethnicity: dict[str, int]  # broad self-defined group (with "Not stated")
    by_self_defined_ethnicity: dict[str, int]
    by_officer_ethnicity: dict[str, int]
    age_groups: dict[str, int]  # the SNA's groups the published bands can give
    disproportionality: list[dict]
    monthly: list[dict]
    sources_used: dict[str, int]  # csv / api -> searches
    sentences: list[str]
    notes: list[str]
    sources: list[SourceRef] = field(default_factory=list)


def _count(values) -> dict[str, int]:
    counts = Counter((v if v not in (None, "") else "not recorded") for v in values)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _pct(part: int, whole: int) -> float | None:
    return round_half_away(part / whole * 100, 1) if whole else None


def stop_search_profile(inputs: SearchInputs) -> StopSearchProfile:
    n = len(inputs.months)
    recorded = [o for o in inputs.outcomes if o]
    positive = sum(1 for o in recorded if o != NO_FURTHER_ACTION)
    linked_known = [x for x in inputs.linked if x is not None]
    find = sum(1 for x in linked_known if x)
    groups = [police_group(e) for e in inputs.self_defined]
    by_group = Counter(groups)
    residents: Counter = Counter()
    for category, count in inputs.census_ethnicity.items():
        group = census_group(category)
        if group:
            residents[group] += count
    rows = []
    white_n, white_pop = by_group.get("White", 0), residents.get("White", 0)
    for group in BROAD_GROUPS:
        searches, pop = by_group.get(group, 0), residents.get(group, 0)
        row = {
            "group": group,
            "searches": searches,
            "residents": pop or None,
            "rate_per_1000": rate(searches, pop, 1000) if pop else None,
            "ratio_to_white": None,
            "ci_low": None,
            "ci_high": None,
        }
        if group != "White" and pop and white_pop and white_n:
            test = rate_ratio_test(searches, white_n, float(pop), float(white_pop))
            row.update(ratio_to_white=test.rate_ratio, ci_low=test.ci_low, ci_high=test.ci_high)
        elif group == "White" and white_pop:
            row.update(ratio_to_white=1.0, ci_low=1.0, ci_high=1.0)
        rows.append(row)
    monthly_counts = Counter(inputs.months)
    monthly = [
        {"month": m, "searches": monthly_counts.get(m, 0)}
        for m in month_range(inputs.first, inputs.last)
    ]
    by_age = _count(inputs.age_ranges)
    age_groups = {
        "10-17": by_age.get("10-17", 0),
        "18-24": by_age.get("18-24", 0),
    }
    not_stated = by_group.get(NOT_STATED, 0)
    positive_pct = _pct(positive, len(recorded))
    find_pct = _pct(find, len(linked_known)) if linked_known else None
    find_note = (
        "" if linked_known else "'Outcome linked to object of search' is blank in these records"
    )
    if len(linked_known) >= 100 and not find:
        # the API sets the flag false on every record: that says nothing about finds
        find_pct = None
        find_note = (
            "'Outcome linked to object of search' is false on every record (as the "
            "data.police.uk API publishes it), so no find rate can be given"
        )
    searched_months = sorted(set(inputs.months))
    coverage = ""
    if searched_months and (searched_months[0] > inputs.first or searched_months[-1] < inputs.last):
        coverage = (
            f" (records were found only from {searched_months[0]:%B %Y} to "
            f"{searched_months[-1]:%B %Y})"
        )
    sentences = []
    if n:
        sentences.append(
            f"There were {n:,} stop and search incidents placed in {inputs.area} from "
            f"{inputs.first:%B %Y} to {inputs.last:%B %Y}{coverage}."
        )
        top_object, top_n = next(iter(_count(inputs.objects).items()))
        sentences.append(
            f"{_pct(top_n, n):.1f}% were searches for {top_object.lower()} "
            f"(the most common object of search)."
        )
        if positive_pct is not None:
            sentences.append(
                f"{positive_pct:.1f}% had a positive outcome (any outcome other than no "
                "further action)."
            )
        sentences.append(
            f"{age_groups['10-17']:,} searches were of people aged 10 to 17 and "
            f"{age_groups['18-24']:,} of people aged 18 to 24."
        )
        for row in rows:
            significant = row["ci_low"] is not None and row["ci_low"] > 1
            if row["group"] != "White" and row["ratio_to_white"] and significant:
                sentences.append(
                    f"People who described themselves as {row['group']} were searched "
                    f"{row['ratio_to_white']:.1f} times as often per resident as White "
                    f"people (95% interval {row['ci_low']:.1f} to {row['ci_high']:.1f})."
                )
    notes = [
        "A positive outcome is any outcome other than 'A no further action disposal'; "
        "searches with no outcome recorded are left out of that percentage.",
        "Disproportionality uses self-defined ethnicity in five broad groups and Census 2021 "
        "residents (TS021) of the area; a rate per 1,000 residents counts searches of "
        "people who may not live in the area, so it is a ratio, not a share of residents. "
        f"'Not stated' ({not_stated:,} searches, {_pct(not_stated, n) or 0:.1f}%) cannot be "
        "given a group and is left out of the rates, which therefore understate every "
        "group's rate by up to that share.",
        "The published age bands are under 10, 10-17, 18-24, 25-34 and over 34: the SNA's "
        "14-17 group cannot be taken from them; 10-17 is the nearest.",
        "Searches are placed in the area by their coordinates; searches without coordinates "
        "or outside every area are counted, not dropped (see 'unplaced').",
    ]
    kinds = Counter(inputs.source_kinds)
    if kinds.get("api"):
        notes.append(
            "Some months come from the data.police.uk API, which returns fewer searches a "
            "month than the monthly archive CSV; each figure's source is in 'sources_used'."
        )
    return StopSearchProfile(
        area={"name": inputs.area, "code": inputs.code},
        period={"start": inputs.first, "end": inputs.last},
        force=inputs.force,
        searches=n,
        unplaced=inputs.unplaced,
        positive_outcome_pct=positive_pct,
        find_rate_pct=find_pct,
        find_rate_note=find_note,
        by_outcome=_count(inputs.outcomes),
        by_object=_count(inputs.objects),
        by_age=by_age,
        by_sex=_count(inputs.genders),
        by_type=_count(inputs.types),
        by_legislation=_count(inputs.legislation),
        by_ethnicity=dict(sorted(by_group.items(), key=lambda kv: (-kv[1], kv[0]))),
        by_self_defined_ethnicity=_count(inputs.self_defined),
        by_officer_ethnicity=_count(inputs.officer_defined),
        age_groups=age_groups,
        disproportionality=rows,
        monthly=monthly,
        sources_used=dict(kinds),
        sentences=sentences,
        notes=notes,
        sources=inputs.sources,
    )


def stop_search_contract(p: StopSearchProfile) -> dict:
    return dict(vars(p))


def stop_search_document(p: StopSearchProfile) -> Document:
    def breakdown(title: str, counts: dict[str, int]) -> Table:
        return Table(
            title=title,
            columns=["", "Searches", "% of searches"],
            rows=[[k, v, _pct(v, p.searches)] for k, v in counts.items()],
            formats=["text", "int", "rate"],
            caption="% of all searches placed in the area.",
        )

    disp = Table(
        title="Searches per 1,000 residents by ethnic group",
        columns=[
            "Group",
            "Searches",
            "Residents",
            "Per 1,000",
            "Ratio to White",
            "95% low",
            "95% high",
        ],
        rows=[
            [
                r["group"],
                r["searches"],
                r["residents"],
                r["rate_per_1000"],
                r["ratio_to_white"],
                r["ci_low"],
                r["ci_high"],
            ]
            for r in p.disproportionality
        ],
        formats=["text", "int", "int", "rate", "rate", "rate", "rate"],
        caption="Self-defined ethnicity; Census 2021 residents; 'Not stated' left out.",
    )
    monthly = Table(
        title="Searches by month",
        columns=["Month", "Searches"],
        rows=[[m["month"], m["searches"]] for m in p.monthly],
        formats=["month", "int"],
    )
    chart = Chart(
        f"Stop and search in {p.area['name']}, month by month",
        _trend_text(p),
        monthly,
        vega_lite={
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "data": {
                "values": [
                    {"month": f"{m['month']:%Y-%m}", "searches": m["searches"]} for m in p.monthly
                ]
            },
            "mark": {"type": "bar", "color": "#0072B2"},
            "encoding": {
                "x": {"field": "month", "type": "temporal", "timeUnit": "yearmonth", "title": None},
                "y": {"field": "searches", "type": "quantitative", "title": "Searches"},
            },
            "width": 480,
            "height": 160,
        },
    )
    unplaced = p.unplaced
    return Document(
        title="Stop and search profile",
        subtitle=f"Force: {p.force or 'all loaded'}",
        area=p.area["name"],
        area_code=p.area["code"],
        period_label=f"{p.period['start']:%B %Y} to {p.period['end']:%B %Y}",
        vintage=None,
        sections=[
            Section(
                "summary",
                "Summary",
                p.sentences
                + [
                    f"Not placed in any area: {unplaced.get('no_coordinates', 0):,} searches "
                    f"with no coordinates and {unplaced.get('outside_every_area', 0):,} outside "
                    "every area supplied."
                ],
                charts=[chart],
            ),
            Section(
                "who",
                "Who is searched",
                [],
                [
                    breakdown("By age range", p.by_age),
                    breakdown("By sex", p.by_sex),
                    breakdown("By self-defined ethnicity (broad group)", p.by_ethnicity),
                    breakdown("By officer-defined ethnicity", p.by_officer_ethnicity),
                ],
            ),
            Section(
                "why",
                "Why, and what follows",
                [],
                [
                    breakdown("By object of search", p.by_object),
                    breakdown("By legislation", p.by_legislation),
                    breakdown("By type", p.by_type),
                    breakdown("By outcome", p.by_outcome),
                ],
                notes=[p.find_rate_note] if p.find_rate_note else [],
            ),
            Section("disproportionality", "Disproportionality", [], [disp]),
        ],
        sources=p.sources,
        notes=p.notes,
    )


def _trend_text(p: StopSearchProfile) -> str:
    if not p.monthly:
        return "No months in the period."
    low = min(p.monthly, key=lambda m: m["searches"])
    high = max(p.monthly, key=lambda m: m["searches"])
    return (
        f"Bar chart of searches a month in {p.area['name']}: lowest {low['searches']:,} "
        f"({low['month']:%B %Y}), highest {high['searches']:,} ({high['month']:%B %Y})."
    )
