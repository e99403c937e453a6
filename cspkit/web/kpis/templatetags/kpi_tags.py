"""Template helpers for indicators: RAG against target and return states, as word, symbol and
colour (never colour alone), and the late-return count for the board view."""

from django import template
from django.utils import timezone
from django.utils.html import format_html

from cspkit.measures.disclosure import PRIMARY_MARK, SECONDARY_MARK
from cspkit.measures.rag import Rag
from cspkit.web.kpis.models import plain_number
from cspkit.web.kpis.schedule import LATE, RECEIVED, RECEIVED_LATE, STATE_WORDS

register = template.Library()

_MEANING = {
    Rag.GREEN: "Target met",
    Rag.AMBER: "Within tolerance of the target",
    Rag.RED: "Target missed",
    Rag.GREY: "No return for the period",
}
_CLASS = {Rag.GREEN: "green", Rag.AMBER: "amber", Rag.RED: "red", Rag.GREY: "none"}


def _tag(css: str, meaning: str, symbol: str, word: str) -> str:
    return format_html(
        '<strong class="tag rag-{}" title="{}"><span aria-hidden="true">{}</span> {}</strong>',
        css,
        meaning,
        symbol,
        word,
    )


@register.simple_tag
def kpi_rag(rag) -> str:
    """A KPI status tag: "✔ Green", "● Amber", "✖ Red" or "– No data"."""
    rag = Rag(rag or "grey")
    return _tag(_CLASS[rag], _MEANING[rag], rag.symbol, rag.word)


@register.simple_tag
def report_rag(report) -> str:
    """A report's status: its RAG, or why there is none (no target, not published, no data)."""
    if not report.has_target:
        return _tag("none", "No target is set for this period", Rag.GREY.symbol, "No target")
    if getattr(report, "rag_reason", "") == "year in progress":
        return _tag(
            "none",
            "The year is not over, so the figure so far is not judged against its target",
            Rag.GREY.symbol,
            "Year in progress",
        )
    shown = (report.value_display, report.year_to_date_display)
    hidden = any(t in (PRIMARY_MARK, SECONDARY_MARK) or "not published" in t for t in shown)
    if report.rag == Rag.GREY and report.status == "ok" and hidden:
        return _tag(
            "none",
            "Not published: the figure is under 5 or would reveal a number under 5",
            Rag.GREY.symbol,
            "Not published",
        )
    return kpi_rag(report.rag)


@register.simple_tag
def return_state(state: str) -> str:
    """A return's state: received, received late, late (missing past due) or not yet due."""
    css = {RECEIVED: "rag-green", RECEIVED_LATE: "rag-amber", LATE: "tag-overdue"}.get(
        state, "rag-none"
    )
    return format_html('<strong class="tag {}">{}</strong>', css, STATE_WORDS[state])


@register.simple_tag(takes_context=True)
def late_return_counts(context):
    """The signed-in user's partnership's late returns (for the board view's KPI section)."""
    from cspkit.web.kpis.report import indicators_of
    from cspkit.web.kpis.schedule import late_returns
    from cspkit.web.plan import permissions

    request = context.get("request")
    partnership = permissions.partnership_of(request.user) if request else None
    if partnership is None:
        return None
    return late_returns(indicators_of(partnership), timezone.localdate())


@register.filter
def plain(value) -> str:
    """A stored figure as typed: 20, not 20.0000 or 2E+1."""
    return plain_number(value)


@register.filter
def kpi_notes(reports) -> list[str]:
    """The footnotes of a set of reports (small numbers, hidden figures), each once."""
    notes: list[str] = []
    for report in reports or ():
        notes.extend(n for n in report.notes if n not in notes)
    return notes
