"""The dashboard as one self-contained HTML file: inline CSS, inline SVG charts, no URLs.

The same HTML is the web page and, through :mod:`cspkit.render.pdf`, the board's PDF, so
the two can never disagree. Figures are formatted here and nowhere else in the template.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

import altair as alt
import jinja2

from cspkit.measures.change import format_pct
from cspkit.measures.disclosure import PRIMARY_MARK, SECONDARY_MARK
from cspkit.measures.rag import Rag
from cspkit.products.models import DashboardReport, IndicatorReport
from cspkit.products.partner_kpis import PartnerIndicatorReport
from cspkit.render import charts, missing_figures

_RAG_MEANING = {
    Rag.GREEN: "ranking improved",
    Rag.AMBER: "ranking unchanged",
    Rag.RED: "ranking worsened",
    Rag.GREY: "no ranking",
}
DARK, LIGHT = "#0b0c0c", "#ffffff"


# -- formatting -----------------------------------------------------------------------------


def fmt_int(value: int | None, missing: str = "n/a") -> str:
    return missing if value is None else f"{value:,}"


def fmt_rate(value: float | None) -> str:
    """1 decimal place for rates of 10 or more, 2 below (so 1.39 per 1,000 is not 1.4)."""
    if value is None:
        return "n/a"
    return f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}"


def fmt_p(value: float | None) -> str:
    if value is None:
        return "n/a"
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


def fmt_ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def fmt_month(value: date | None) -> str:
    return "latest loaded" if value is None else value.strftime("%B %Y")


def fmt_rank(rank: int | None, of: int | None) -> str:
    return "n/a" if rank is None or not of else f"{rank}/{of}"


def _luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(fg: str, bg: str) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def text_on(background: str) -> str:
    """Near-black or white text, whichever reads better on the background."""
    return DARK if contrast(DARK, background) >= contrast(LIGHT, background) else LIGHT


# -- view model -----------------------------------------------------------------------------


@dataclass
class Pill:
    word: str
    symbol: str
    meaning: str
    background: str
    foreground: str


def pill(rag: Rag) -> Pill:
    return Pill(rag.word, rag.symbol, _RAG_MEANING[rag], rag.colour, text_on(rag.colour))


def _direction(now: int | None, last_year: int | None) -> str:
    if now is None or last_year is None:
        return ""
    if now < last_year:
        return f"up {last_year - now} place{'s' if last_year - now > 1 else ''} (better)"
    if now > last_year:
        return f"down {now - last_year} place{'s' if now - last_year > 1 else ''} (worse)"
    return "same place"


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _indicator_view(ind: IndicatorReport, report: DashboardReport, index: int) -> dict:
    chart_id = f"chart-{index + 1}"
    first, last = report.period_start, report.period_end
    svg = charts.trend_svg(ind, first, last, chart_id=chart_id)
    missing_title, reason = missing_figures(ind)
    sig = ind.significance
    return {
        "ind": ind,
        "anchor": f"ind-{ind.id.replace('_', '-')}",
        "lead": ind.sentences[0] if ind.sentences else "",
        # the lead is shown large, the significance sentence beside its test
        "more_sentences": [
            s for s in ind.sentences[1:] if not (sig and sig.sentence and s == sig.sentence)
        ],
        "missing_title": missing_title,
        "reason": reason,
        "chart_id": chart_id,
        "chart_svg": svg,
        "chart_uri": _data_uri(svg) if svg else "",
        "chart_text": charts.describe_trend(ind, report.area.name),
        "chart_rows": [
            (charts.month_label(p.month), fmt_int(p.count), fmt_rate(p.rate)) for p in ind.monthly
        ],
        "london_pill": pill(ind.london_rag),
        "comparator_pill": pill(ind.comparator_rag),
        "london_direction": _direction(ind.london_rank, ind.london_rank_last_year),
        "comparator_direction": _direction(ind.comparator_rank, ind.comparator_rank_last_year),
        "significance": sig,
        "ci": (
            f"{fmt_ratio(sig.rate_ratio_ci[0])} to {fmt_ratio(sig.rate_ratio_ci[1])}"
            if sig and sig.rate_ratio_ci[0] is not None and sig.rate_ratio_ci[1] is not None
            else "n/a"
        ),
    }


def _period_short(report: DashboardReport) -> str:
    first, last = report.period_start, report.period_end
    if first == last:
        return first.strftime("%b %Y")
    start = first.strftime("%b") if first.year == last.year else first.strftime("%b %Y")
    return f"{start} to {last.strftime('%b %Y')}"


def context(report: DashboardReport, *, for_print: bool = False) -> dict:
    """Everything the template needs, with every figure ready to print."""
    return {
        "r": report,
        "for_print": for_print,
        "css": _read_template("dashboard.css"),
        "period_short": _period_short(report),
        "rolling_label": f"12 months to {report.period_end.strftime('%b %Y')}",
        "vintage": fmt_month(report.vintage),
        "generated": report.generated_at.strftime("%d %B %Y, %H:%M"),
        "views": [_indicator_view(ind, report, i) for i, ind in enumerate(report.indicators)],
        "legend": [pill(r) for r in (Rag.GREEN, Rag.AMBER, Rag.RED, Rag.GREY)],
        "chart_data": _chart_data(report),
        "partner_views": [partner_view(p, i) for i, p in enumerate(report.partner_indicators)],
        "target_legend": target_legend(),
    }


def _chart_data(report: DashboardReport) -> dict:
    """Every trend chart's counts on one table: the PDF's chart-data page.

    The HTML shows each chart's data table beside it; a printed page cannot fold a
    table away, so the PDF gathers them in one month-by-indicator table instead.
    """
    charted = [ind for ind in report.indicators if any(p.count is not None for p in ind.monthly)]
    months = sorted({p.month for ind in charted for p in ind.monthly})
    columns = [(ind.name, {p.month: fmt_int(p.count) for p in ind.monthly}) for ind in charted]
    return {
        "months": [(fmt_month(m), m) for m in months],
        "columns": columns,
    }


# -- partner indicators ---------------------------------------------------------------------
#
# A partner KPI's page shows what the product published and nothing else: a figure hidden
# for disclosure control reaches the renderer only as its mark ("<5" or "*"), so the chart
# leaves it out and says so, and its data table prints the mark. A hidden year-to-date total
# is the words "not published" (never a mark: "<5" would pin its parts, "*" claims 5 or more).

_TARGET_MEANING = {
    Rag.GREEN: "target met",
    Rag.AMBER: "close to target (within tolerance)",
    Rag.RED: "target missed",
    Rag.GREY: "no figure to compare with the target",
}
NO_TARGET = "No target"  # the product's target_display when no target applies
_NO_TARGET_MEANING = "no target is set for this period"
NOT_PUBLISHED = "Not published"  # the status of a figure hidden for disclosure control
_NOT_PUBLISHED_MEANING = (
    "the figure is not published (it is under 5 or would reveal a number under 5), "
    "so neither is its status"
)
_LATEST, _EARLIER = "Latest period", "Earlier periods"
_PARTNER_BARS = {_LATEST: charts.BAR_COLOURS[charts.THIS_PERIOD], _EARLIER: "#9bbbe3"}
_HIDDEN = {PRIMARY_MARK: "a count from 1 to 4, not published", SECONDARY_MARK: "not published"}
_TOTAL_HIDDEN = "not published"  # the product's text for a hidden year-to-date total


def _compared_hidden(report: PartnerIndicatorReport) -> bool:
    """Whether the figure compared with the target (the year to date, if the KPI has one)
    was hidden for disclosure control - the product then publishes no RAG for it either."""
    compared = report.year_to_date_display or report.value_display
    return compared in (PRIMARY_MARK, SECONDARY_MARK, _TOTAL_HIDDEN)


def target_pill(report: PartnerIndicatorReport) -> Pill:
    """The KPI's status against its target: colour, symbol and word.

    "No target" if none applies, "Not published" when the figure compared with the target is
    hidden (a grey that is not "No data": the partner did make the return).
    """
    rag = report.rag
    if not report.has_target:
        word, meaning = NO_TARGET, _NO_TARGET_MEANING
    elif report.rag_reason == "year in progress":
        word = "Year in progress"
        meaning = "the year is not over, so the figure so far is not judged against its target"
    elif rag is Rag.GREY and _compared_hidden(report):
        word, meaning = NOT_PUBLISHED, _NOT_PUBLISHED_MEANING
    else:
        word, meaning = rag.word, _TARGET_MEANING[rag]
    return Pill(word, rag.symbol, meaning, rag.colour, text_on(rag.colour))


def target_legend() -> list[Pill]:
    """The key to the statuses: green, amber, red, no data - and no target and not published
    (also grey)."""
    grey = Rag.GREY.colour
    return [
        *(
            Pill(r.word, r.symbol, _TARGET_MEANING[r], r.colour, text_on(r.colour))
            for r in (Rag.GREEN, Rag.AMBER, Rag.RED, Rag.GREY)
        ),
        Pill(NO_TARGET, Rag.GREY.symbol, _NO_TARGET_MEANING, grey, text_on(grey)),
        Pill(NOT_PUBLISHED, Rag.GREY.symbol, _NOT_PUBLISHED_MEANING, grey, text_on(grey)),
    ]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "indicator"


_PER = {"monthly": "month", "quarterly": "quarter", "annual": "year"}


def _omitted(point) -> str:
    if point.display == "No return":
        return f"{point.period} (no return)"
    return f"{point.period} ({point.display}: {_HIDDEN.get(point.display, 'not published')})"


def describe_partner_trend(report: PartnerIndicatorReport) -> str:
    """The chart in words: every period's figure as published, and what the chart leaves out."""
    points = report.trend
    if not points:
        return f"No figures for {report.name} have been returned yet, so there is no chart."
    per = _PER.get(report.frequency, "period")
    unit = "" if report.unit.lower() in report.name.lower() else f" ({report.unit})"
    if len(points) == 1:
        text = f"{report.name}{unit} in {points[0].period}: {points[0].display}."
    else:
        listed = "; ".join(f"{p.period}: {p.display}" for p in points)
        text = f"{report.name}{unit} by {per}, {points[0].period} to {points[-1].period}. {listed}."
    drawn = [p for p in points if p.value is not None]
    if len(drawn) > 1:
        low = min(drawn, key=lambda p: p.value)
        high = max(drawn, key=lambda p: p.value)
        if low.value != high.value:
            text += (
                f" Lowest shown: {low.display} in {low.period}; "
                f"highest shown: {high.display} in {high.period}."
            )
    omitted = [p for p in points if p.value is None]
    if omitted:
        text += " The chart has no bar for " + ", ".join(_omitted(p) for p in omitted) + "."
    return text


def partner_trend_spec(report: PartnerIndicatorReport) -> dict:
    """Bars for the published figures; a hidden or missing figure is its mark, not a bar."""
    latest = report.trend[-1].period if report.trend else ""
    values = [
        {
            "period": p.period,
            "value": None if p.value is None else float(p.value),
            "shown": p.display,
            "mark": "" if p.value is not None else p.display,
            "part": _LATEST if p.period == latest else _EARLIER,
        }
        for p in report.trend
    ]
    order = [v["period"] for v in values]
    whole = all(p.value is None or p.value == p.value.to_integral_value() for p in report.trend)
    top = max((v["value"] for v in values if v["value"] is not None), default=0)
    data = alt.Data(values=values)
    x = alt.X(
        "period:O",
        sort=order,
        scale=alt.Scale(domain=order),
        title=None,
        axis=alt.Axis(labelAngle=0, labelExpr="split(datum.value, ' ')", ticks=False),
    )
    y_axis = alt.Axis(
        format="d" if whole else "~g", tickCount=min(4, max(1, int(top))), title=report.unit
    )
    base = alt.Chart(data)
    parts = [_LATEST, _EARLIER]
    bars = (
        base.transform_filter("datum.value != null")
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y("value:Q", axis=y_axis, scale=alt.Scale(domainMin=0)),
            color=alt.Color(
                "part:N",
                scale=alt.Scale(domain=parts, range=[_PARTNER_BARS[p] for p in parts]),
                legend=None,
            ),
        )
    )
    labels = (
        base.transform_filter("datum.value != null")
        .mark_text(dy=-6, fontSize=11, color=charts.TEXT)
        .encode(x=x, y=alt.Y("value:Q"), text="shown:N")
    )
    marks = (
        base.transform_filter("datum.value == null")
        .mark_text(dy=-8, fontSize=11, fontStyle="italic", color=charts.SECONDARY_TEXT)
        .encode(x=x, y=alt.datum(0), text="mark:N")
    )
    chart = (
        alt.layer(bars, labels, marks)
        .properties(width=alt.Step(64), height=200, background="white")
        .configure(font=charts.FONT)
        .configure_axis(
            labelColor=charts.TEXT, titleColor=charts.TEXT, labelFontSize=10, titleFontSize=10
        )
        .configure_view(stroke=None)
    )
    return chart.to_dict()


def partner_trend_svg(report: PartnerIndicatorReport, *, chart_id: str) -> str:
    """The KPI's trend as inline SVG (empty string when it has no periods)."""
    if not report.trend:
        return ""
    title = f"{report.name}: {report.unit} by {_PER.get(report.frequency, 'period')}"
    return charts.spec_to_svg(partner_trend_spec(report), chart_id=chart_id, title=title)


def partner_anchor(report: PartnerIndicatorReport) -> str:
    """The id of the indicator's page (the meeting pack looks its page number up by it)."""
    return f"partner-{_slug(report.code)}"


def partner_view(report: PartnerIndicatorReport, index: int) -> dict:
    """Everything a partner indicator's page (and summary row) needs, ready to print."""
    chart_id = f"partner-chart-{index + 1}"
    svg = partner_trend_svg(report, chart_id=chart_id)
    return {
        "p": report,
        "anchor": partner_anchor(report),
        "pill": target_pill(report),
        "chart_id": chart_id,
        "chart_svg": svg,
        "chart_uri": _data_uri(svg) if svg else "",
        "chart_text": describe_partner_trend(report),
        "chart_rows": [(p.period, p.display) for p in report.trend],
        "omitted": [p for p in report.trend if p.value is None],
    }


# -- rendering ------------------------------------------------------------------------------


def _read_template(name: str) -> str:
    return resources.files("cspkit.render").joinpath("templates", name).read_text("utf-8")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("cspkit.render", "templates"),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        int=fmt_int,
        rate=fmt_rate,
        pct=format_pct,
        p=fmt_p,
        ratio=fmt_ratio,
        month=fmt_month,
        rank=fmt_rank,
    )
    return env


def render_html(report: DashboardReport, *, for_print: bool = False) -> str:
    """The dashboard as an HTML document (a string).

    ``for_print`` is the same document for WeasyPrint: the collapsed ``<details>`` data
    tables (which print hides, and the XLSX holds) are left out and each chart's SVG is
    embedded as an image rather than inline, which halves WeasyPrint's work; what the
    reader sees is identical, and chart text stays text in the PDF.
    """
    template = _environment().get_template("dashboard.html")
    return template.render(**context(report, for_print=for_print))


def write_html(report: DashboardReport, out: Path) -> Path:
    out = Path(out)
    out.write_text(render_html(report), encoding="utf-8")
    return out
