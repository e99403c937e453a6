"""The dashboard as one self-contained HTML file: inline CSS, inline SVG charts, no URLs.

The same HTML is the web page and, through :mod:`cspkit.render.pdf`, the board's PDF, so
the two can never disagree. Figures are formatted here and nowhere else in the template.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

import jinja2

from cspkit.measures.change import format_pct
from cspkit.measures.rag import Rag
from cspkit.products.models import DashboardReport, IndicatorReport
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
