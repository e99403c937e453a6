"""Template helpers for indicators: RAG against target and return states, as word, symbol and
colour (never colour alone), and the late-return count for the board view."""

from django import template
from django.utils import timezone
from django.utils.html import format_html

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


@register.simple_tag
def kpi_rag(rag, has_target: bool = True) -> str:
    """A KPI status tag: "✔ Green", "● Amber", "✖ Red", "– No data" or "– No target"."""
    rag = Rag(rag or "grey")
    word, meaning = rag.word, _MEANING[rag]
    if not has_target:
        word, meaning = "No target", "No target is set for this period"
    return format_html(
        '<strong class="tag rag-{}" title="{}"><span aria-hidden="true">{}</span> {}</strong>',
        _CLASS[rag] if has_target else "none",
        meaning,
        rag.symbol,
        word,
    )


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
def has_target(report) -> bool:
    return getattr(report, "target_display", "No target") != "No target"


@register.filter
def kpi_notes(reports) -> list[str]:
    """The footnotes of a set of reports (small numbers, hidden figures), each once."""
    notes: list[str] = []
    for report in reports or ():
        notes.extend(n for n in report.notes if n not in notes)
    return notes
