"""Template helpers: RAG and stage shown as word, symbol and colour (never colour alone)."""

from django import template
from django.utils.html import format_html

from cspkit.measures.rag import Rag
from cspkit.web.plan.models import RAG_MEANING, Stage

register = template.Library()

@register.simple_tag
def rag_tag(value: str) -> str:
    # Words and symbols are the measures' (cspkit.measures.rag); an action not yet rated is
    # grey but "Not rated", not "No data".
    rag = Rag(value) if value in ("green", "amber", "red") else Rag.GREY
    word, symbol = (rag.word if rag is not Rag.GREY else "Not rated"), rag.symbol
    return format_html(
        '<strong class="tag rag-{}" title="{}"><span aria-hidden="true">{}</span> {}</strong>',
        value or "none",
        RAG_MEANING.get(value or "", ""),
        symbol,
        word,
    )


@register.simple_tag
def stage_tag(value: str) -> str:
    label = Stage(value).label if value else "Not recorded"
    return format_html('<strong class="tag stage stage-{}">{}</strong>', value or "none", label)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def who(user) -> str:
    """A person's name for history lines: their Person name, else username, else 'system'."""
    if user is None:
        return "system"
    person = getattr(user, "person", None) if hasattr(user, "person") else None
    return person.name if person is not None else user.get_username()
