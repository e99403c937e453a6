"""Charts for the dashboard: Vega-Lite specifications (Altair) drawn to static SVG by vl-convert.

Every chart comes with a text alternative (:func:`describe_trend`) and the renderers print
its data table next to it, so no figure exists only as a picture. Data go into the spec as
inline values (``alt.Data(values=...)``), and vl-convert is told to fetch nothing, so a
chart draws the same offline as online.
"""

from __future__ import annotations

import re
from datetime import date

import altair as alt
import vl_convert

from cspkit.measures.periods import add_months
from cspkit.products.models import IndicatorReport

FONT = "DejaVu Sans, sans-serif"
TEXT = "#0b0c0c"
SECONDARY_TEXT = "#505a5f"
THIS_PERIOD, LAST_YEAR, OTHER = "This period", "Same period last year", "Other months"
BAR_COLOURS = {THIS_PERIOD: "#1d4f91", LAST_YEAR: "#6f9fd8", OTHER: "#c5d7ee"}
RATE_COLOUR = "#0b0c0c"
QUARTER_STARTS = ("Jan", "Apr", "Jul", "Oct")


def month_label(month: date) -> str:
    """'Jan 2022': the label a reader sees on an axis and in a data table."""
    return month.strftime("%b %Y")


def _part(month: date, first: date, last: date) -> str:
    if first <= month <= last:
        return THIS_PERIOD
    if add_months(first, -12) <= month <= add_months(last, -12):
        return LAST_YEAR
    return OTHER


def trend_values(indicator: IndicatorReport, first: date, last: date) -> list[dict]:
    """One row per month: label, count, rate and which part of the comparison it belongs to."""
    return [
        {
            "month": month_label(p.month),
            "count": p.count,
            "rate": None if p.rate is None else round(p.rate, 4),
            "part": _part(p.month, first, last),
        }
        for p in indicator.monthly
    ]


def trend_spec(indicator: IndicatorReport, first: date, last: date) -> dict:
    """The Vega-Lite spec: monthly counts as bars (left axis), the rate as a line (right)."""
    values = trend_values(indicator, first, last)
    order = [v["month"] for v in values]
    data = alt.Data(values=values)
    label_expr = (
        "indexof(" + repr(list(QUARTER_STARTS)) + ", slice(datum.value, 0, 3)) >= 0 "
        "? datum.value : ''"
    )
    x = alt.X(
        "month:O",
        sort=order,
        title=None,
        axis=alt.Axis(labelExpr=label_expr, labelAngle=0, labelPadding=8, ticks=False),
    )
    parts = list(BAR_COLOURS)
    top = max((v["count"] for v in values if v["count"] is not None), default=0)
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y(
                "count:Q",
                title="Count (bars)",
                # whole numbers only: a small count must not show ticks at 0.5
                axis=alt.Axis(format="d", tickCount=min(5, max(1, top)), titleColor=TEXT),
            ),
            color=alt.Color(
                "part:N",
                scale=alt.Scale(domain=parts, range=[BAR_COLOURS[p] for p in parts]),
                legend=alt.Legend(title=None, orient="top", direction="horizontal"),
            ),
        )
    )
    line = (
        alt.Chart(data)
        .mark_line(
            color=RATE_COLOUR,
            strokeWidth=2,
            strokeJoin="round",
            point=alt.OverlayMarkDef(size=18, color=RATE_COLOUR),
        )
        .encode(
            x=x,
            y=alt.Y(
                "rate:Q",
                title=f"Rate {indicator.rate_per_label} (line)",
                axis=alt.Axis(orient="right", titleColor=RATE_COLOUR, grid=False),
            ),
        )
    )
    chart = (
        alt.layer(bars, line)
        .resolve_scale(y="independent")
        .properties(width=560, height=240, background="white")
        .configure(font=FONT)
        .configure_axis(labelColor=TEXT, titleColor=TEXT, labelFontSize=10, titleFontSize=11)
        .configure_legend(labelFontSize=11, labelColor=TEXT, symbolType="square")
        .configure_view(stroke=None)
    )
    return chart.to_dict()


_ID = re.compile(r'\bid="([^"]+)"')


def _prefix_ids(svg: str, prefix: str) -> str:
    """Make the SVG's internal ids unique on a page that holds several charts."""
    for name in set(_ID.findall(svg)):
        new = f"{prefix}-{name}"
        svg = svg.replace(f'id="{name}"', f'id="{new}"')
        svg = svg.replace(f"url(#{name})", f"url(#{new})")
        svg = svg.replace(f'href="#{name}"', f'href="#{new}"')
    return svg


def spec_to_svg(spec: dict, *, chart_id: str, title: str) -> str:
    """Draw a spec to an SVG string that can be placed inline in HTML.

    The root element gets ``role="img"`` and a ``<title>``, so assistive technology
    announces one image with a name instead of hundreds of marks; the long description is
    the visible caption the template places next to it (``aria-describedby``).
    """
    svg = vl_convert.vegalite_to_svg(spec, allowed_base_urls=[])
    svg = _prefix_ids(svg, chart_id)
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    svg = svg.replace(
        "<svg ",
        f'<svg role="img" aria-labelledby="{title_id}" aria-describedby="{desc_id}" '
        f'id="{chart_id}" ',
        1,
    )
    head_end = svg.index(">") + 1
    return f'{svg[:head_end]}<title id="{title_id}">{_escape(title)}</title>{svg[head_end:]}'


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def trend_svg(indicator: IndicatorReport, first: date, last: date, *, chart_id: str) -> str:
    """The indicator's trend chart as inline SVG (empty string when there are no months)."""
    if not indicator.monthly:
        return ""
    title = f"{indicator.name}: monthly count and rate {indicator.rate_per_label}"
    return spec_to_svg(trend_spec(indicator, first, last), chart_id=chart_id, title=title)


def _fmt_rate(value: float) -> str:
    return f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}"


def _extreme(points: list, value: int, word: str) -> str:
    months = [p.month for p in points if p.count == value]
    if len(months) == 1:
        return f"the {word} month was {month_label(months[0])} ({value:,})"
    latest = month_label(months[-1])
    return f"the {word} count was {value:,}, in {len(months)} months (last in {latest})"


def describe_trend(indicator: IndicatorReport, area: str) -> str:
    """A sentence or two that say what the chart shows, for readers who cannot see it."""
    points = [p for p in indicator.monthly if p.count is not None]
    if not points:
        return (
            f"No monthly figures for {indicator.name} in {area} are loaded, so there is no chart."
        )
    first, last = points[0], points[-1]
    counts = [p.count for p in points]
    low, high = _extreme(points, min(counts), "lowest"), _extreme(points, max(counts), "highest")
    missing = len(indicator.monthly) - len(points)
    text = (
        f"Monthly {indicator.name} in {area}, {month_label(first.month)} to "
        f"{month_label(last.month)}: {first.count:,} in {month_label(first.month)} and "
        f"{last.count:,} in {month_label(last.month)}; {low} and {high}."
    )
    rates = [p.rate for p in points if p.rate is not None]
    if rates:
        text += (
            f" The monthly rate {indicator.rate_per_label} ranged from {_fmt_rate(min(rates))} "
            f"to {_fmt_rate(max(rates))}."
        )
    if missing:
        text += f" {missing} month{'s have' if missing > 1 else ' has'} no figure."
    return text
