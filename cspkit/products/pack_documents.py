"""Document views of the evidence packs: what the HTML, PDF and XLSX show.

Kept apart from the computations so each product module stays about figures; these
functions only arrange the figures into sections, tables and charts.
"""

from __future__ import annotations

from cspkit.products.document import Chart, Document, Section, Table
from cspkit.products.needs_assessment import NeedsAssessment
from cspkit.products.strategic_assessment import StrategicAssessment


def _p(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def needs_document(r: NeedsAssessment) -> Document:
    area = r.area["name"]
    league = Table(
        title="Borough league table",
        columns=["Rank by count", "Borough", "Offences", "Per 1,000", "Rank by rate"],
        rows=[
            [x.rank_by_count, x.area, x.count, x.rate_per_1000, x.rank_by_rate]
            for x in r.league_table
        ],
        formats=["int", "text", "int", "rate", "int"],
        highlight=[i for i, x in enumerate(r.league_table) if x.is_home],
        caption=f"All offences, {r.period['label']}; 1 = the most of the 32 boroughs.",
    )
    before, after = r.year_end_label
    year_end = Table(
        title="Year-end comparison by offence group",
        columns=["Offence group", before, after, "% change", "p-value", "Significant"],
        rows=[
            [
                y.name,
                y.previous,
                y.current,
                y.change_pct,
                _p(y.significance.get("p_value")),
                _yes_no(y.significance.get("significant")),
            ]
            for y in r.year_end_comparison
        ],
        formats=["text", "int", "int", "pct", "p", "text"],
        caption="Significant: an exact test of the two counts gives p < 0.05.",
    )
    headline = Table(
        title="Headline indicators (12 months to the end of the period)",
        columns=["Measure", "Count", "Per 1,000", "Change on previous 12 months", "Note"],
        rows=[
            [
                h.name,
                h.count,
                h.rate_per_1000,
                h.rolling_12m_change_pct,
                "" if h.available else h.reason,
            ]
            for h in r.headline
        ],
        formats=["text", "int", "rate", "pct", "text"],
    )
    missing = [h.name for h in r.headline if not h.available]
    sections = [
        Section("league", "Borough league table", [r.league_sentence], [league]),
        Section("year_end", "Year-end comparison", _year_end_sentences(r), [year_end]),
        Section(
            "headline",
            "Headline indicators",
            [
                "Counts, rates per 1,000 residents and the change on the previous 12 months "
                "for each offence group the open data supports."
            ]
            + ([f"Not available from the data loaded: {', '.join(missing)}."] if missing else []),
            [headline],
        ),
    ]
    if r.trends:
        sections.append(_trends_section(r))
    if r.wards:
        sections.append(_wards_section(r))
    if r.street_crime:
        sections.append(_street_crime_section(r))
    if r.stop_search:
        sections.append(_stop_search_section(r))
    sv = r.serious_violence
    sections.append(
        Section(
            "serious_violence",
            "Serious violence: what the open data can measure",
            [sv["statement"]]
            + (
                [
                    f"Those offences together: {sv['current_12m']:,} in the 12 months to "
                    f"{r.period['end']:%B %Y} against {sv['previous_12m']:,} in the 12 months "
                    f"before, {sv['change_words']}."
                ]
                if sv.get("current_12m") is not None and sv.get("previous_12m") is not None
                else []
            ),
            notes=[f"Not measurable from the open data: {x}." for x in sv["not_measured"]],
        )
    )
    return Document(
        title="Serious Violence Strategic Needs Assessment: data pack",
        subtitle="Tables, charts and sentences for the needs assessment",
        area=area,
        area_code=r.area["code"],
        period_label=r.period["label"],
        vintage=r.vintage,
        sections=sections,
        sources=r.sources,
        notes=r.notes,
    )


def _street_crime_section(r: NeedsAssessment) -> Section:
    sc = r.street_crime
    if not sc.get("available"):
        return Section(
            "street_crime", "Street-level crime by ward", [f"Not shown: {sc['reason']}."]
        )
    table = Table(
        title="Street-level crimes by ward",
        columns=["Ward", "Code", "Crimes"],
        rows=[[x["ward"], x["code"], x["crimes"]] for x in sc["rows"]],
        formats=["text", "text", "int"],
        caption="data.police.uk street-level crimes, placed by LSOA.",
    )
    return Section("street_crime", "Street-level crime by ward", [], [table], notes=[sc["note"]])


def _stop_search_section(r: NeedsAssessment) -> Section:
    ss = r.stop_search
    if not ss.get("available"):
        return Section("stop_search", "Stop and search", [f"Not shown: {ss['reason']}."])
    p = ss["profile"]
    disp = Table(
        title="Stop and search per 1,000 residents",
        columns=["Group", "Searches", "Per 1,000", "Ratio to White", "95% low", "95% high"],
        rows=[
            [
                x["group"],
                x["searches"],
                x["rate_per_1000"],
                x["ratio_to_white"],
                x["ci_low"],
                x["ci_high"],
            ]
            for x in p.disproportionality
        ],
        formats=["text", "int", "rate", "rate", "rate", "rate"],
        caption="Self-defined ethnicity; Census 2021 residents; 'Not stated' left out.",
    )
    objects = Table(
        title="Stop and search by object of search",
        columns=["Object of search", "Searches"],
        rows=[[k, v] for k, v in p.by_object.items()],
        formats=["text", "int"],
    )
    return Section("stop_search", "Stop and search", p.sentences, [objects, disp], notes=p.notes)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"


def _year_end_sentences(r: NeedsAssessment) -> list[str]:
    out = []
    for y in r.year_end_comparison:
        if y.current is None or y.previous is None or not y.change_words:
            continue
        sig = y.significance.get("significant")
        tail = "" if sig else " (within what chance alone would produce)"
        out.append(f"{y.name}: {y.previous:,} to {y.current:,}, {y.change_words}{tail}.")
    return out


def _trends_section(r: NeedsAssessment) -> Section:
    charts, paragraphs = [], []
    for trend in r.trends:
        paragraphs += trend.get("sentences", [])
        charts.append(trend["chart"])
    if not paragraphs:
        paragraphs = ["No month stands out from the expected range in any offence group."]
    return Section(
        "trends",
        "Trends and spikes",
        paragraphs,
        charts=charts,
        notes=[r.trends[0].get("method_note", "")] if r.trends else [],
    )


def _wards_section(r: NeedsAssessment) -> Section:
    w = r.wards
    if not w.get("available"):
        return Section("wards", "Wards", [w.get("reason", "No ward data loaded.")])
    table = Table(
        title="Wards",
        columns=["Rank", "Ward", "Code", "Offences", "Residents", "Per 1,000", "Band"],
        rows=[
            [
                x["rank"],
                x["ward"],
                x["code"],
                x["count"],
                x["population"],
                x["rate_per_1000"],
                x["band"],
            ]
            for x in w["rows"]
        ],
        formats=["int", "text", "text", "int", "int", "rate", "text"],
        caption=w.get("caption", ""),
    )
    charts = [w["map"]] if w.get("map") else []
    return Section("wards", "Wards", w.get("sentences", []), [table], charts, w.get("notes", []))


def assessment_document(r: StrategicAssessment) -> Document:
    rates = Table(
        title="Rates against London",
        columns=[
            "Measure",
            "Offences",
            "Per 1,000",
            "London rank",
            "London average",
            "Against the average",
        ],
        rows=[
            [
                x["name"],
                x["count"],
                x["rate_per_1000"],
                f"{x['london_rank']}/{x['london_rank_of']}" if x["london_rank"] else None,
                x["london_average_rate"],
                x["pct_vs_london_average"],
            ]
            for x in r.rates
        ],
        formats=["text", "int", "rate", "text", "rate", "pct"],
        caption="London rank: 1 = the lowest rate of the 32 boroughs.",
    )
    labels = list(r.long_term_trend[0]["counts"]) if r.long_term_trend else []
    long_term = Table(
        title="MOPAC7 long-term trend",
        columns=["Offence", *labels, "1-year change", "5-year change"],
        rows=[
            [x["name"], *x["counts"].values(), x["change_1y_pct"], x["change_5y_pct"]]
            for x in r.long_term_trend
        ],
        formats=["text", *["int"] * len(labels), "pct", "pct"],
        highlight=[len(r.long_term_trend) - 1],
    )
    names = {x["id"]: x["name"] for x in r.long_term_trend}
    ranks = Table(
        title="Five-year change ranked among the 32 boroughs",
        columns=["Offence", "5-year change", "Rank", "In words"],
        rows=[
            [
                names.get(x["id"], x["id"]),
                x["change_5y_pct"],
                f"{x['rank']}/{x['of']}" if x["rank"] else None,
                x["words"],
            ]
            for x in r.change_ranks
        ],
        formats=["text", "pct", "text", "text"],
        caption="Rank 1 = the largest reduction in London.",
    )
    chart = _long_term_chart(r)
    return Document(
        title=f"Strategic Assessment {r.financial_year}: evidence",
        subtitle="Crime and disorder: rates, long-term trend and London comparison",
        area=r.area["name"],
        area_code=r.area["code"],
        period_label=f"Financial year {r.financial_year}",
        vintage=r.vintage,
        sections=[
            Section("summary", "Summary", r.sentences),
            Section("rates", "Crime rates against London", [], [rates]),
            Section(
                "long_term", "MOPAC7 long-term trend", [], [long_term], [chart] if chart else []
            ),
            Section("change_ranks", "How the change compares across London", [], [ranks]),
        ],
        sources=r.sources,
        notes=r.notes,
    )


def _long_term_chart(r: StrategicAssessment) -> Chart | None:
    rows = [x for x in r.long_term_trend if x["id"] != "mopac7_basket"]
    values = [
        {"offence": x["name"], "year": label, "count": count}
        for x in rows
        for label, count in x["counts"].items()
        if count is not None
    ]
    if not values:
        return None
    labels = list(rows[0]["counts"])
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": values},
        "mark": "bar",
        "encoding": {
            "y": {"field": "offence", "type": "nominal", "title": None},
            "x": {"field": "count", "type": "quantitative", "title": "Offences"},
            "yOffset": {"field": "year", "sort": labels},
            "color": {
                "field": "year",
                "type": "ordinal",
                "sort": labels,
                "scale": {"range": ["#BBBBBB", "#56B4E9", "#0072B2"]},
                "title": "Financial year",
            },
        },
        "width": 460,
        "height": {"step": 10},
    }
    biggest = max(rows, key=lambda x: abs(x["change_5y_pct"] or 0))
    text = (
        f"Bar chart of the seven MOPAC7 offences in {r.area['name']} for {', '.join(labels)}. "
        f"The largest five-year change is {biggest['name'].lower()} "
        f"({biggest['change_5y_pct']:+.1f}%)."
    )
    data = Table(
        title="MOPAC7 counts by financial year",
        columns=["Offence", *labels],
        rows=[[x["name"], *x["counts"].values()] for x in rows],
        formats=["text", *["int"] * len(labels)],
    )
    return Chart("MOPAC7 offences by financial year", text, data, vega_lite=spec)
