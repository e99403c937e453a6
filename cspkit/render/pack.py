"""The meeting pack as one PDF: cover, contents, agenda, dashboard, action plan, partner KPIs.

Each part is its own WeasyPrint document - the Performance Dashboard is exactly the PDF
:mod:`cspkit.render.pdf` prints, the other parts come from the ``pack_*.html`` templates -
and the pages are joined with ``Document.copy``. So that the contents and the footers are
right, the parts are laid out first and their pages counted; then every part is drawn with
its own first page number and the pack's total ("Page 12 of 31" runs through the whole
pack; the cover has no footer), and the contents page is drawn last with each part's first
page. Page counts are checked after drawing and the layout is redone if any part's count
changed (which only a footer could do, and does not).

Nothing is fetched: every document is self-contained and the URL fetcher allows only
inline ``data:`` URLs, as in :mod:`cspkit.render.pdf`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from cspkit.measures.rag import Rag
from cspkit.products.meeting_pack import (
    RAG_KEYS,
    RAG_MEANING,
    RAG_WORDS,
    STAGE_KEYS,
    STAGE_WORDS,
    MeetingPack,
)
from cspkit.render import html as dashboard_html
from cspkit.render.html import Pill, partner_anchor, target_legend, target_pill, text_on

_ACTION_RAG = {"red": Rag.RED, "amber": Rag.AMBER, "green": Rag.GREEN, "": Rag.GREY}
_MAX_PASSES = 4


@dataclass(frozen=True)
class ContentsLine:
    """A line of the contents page: a part (level 1) or a page within one (level 2)."""

    title: str
    page: int
    level: int = 1
    number: int | None = None  # the part's number (level 1)
    note: str = ""


class PackLayoutError(RuntimeError):
    """The pack's page numbers did not settle: a part's page count kept changing."""


# -- formatting -----------------------------------------------------------------------------


def day_long(value: date) -> str:
    """ "Friday 1 March 2024"."""
    return f"{value:%A} {value.day} {value:%B %Y}"


def fmt_day(value: date | None) -> str:
    """ "1 Mar 2024"; "Not set" for no date."""
    return "Not set" if value is None else f"{value.day} {value:%b %Y}"


def fmt_when(value: date) -> str:
    """A change's date, with the time when it is known: "12 Feb 2024, 14:05"."""
    if isinstance(value, datetime):
        return f"{value.day} {value:%b %Y, %H:%M}"
    return fmt_day(value)


def code_spans(text: str) -> Markup:
    """Plain text with `backticked` commands shown as code."""
    parts = re.split(r"`([^`]+)`", str(text))
    out = [
        escape(part) if i % 2 == 0 else Markup("<code>%s</code>") % part
        for i, part in enumerate(parts)
    ]
    return Markup("").join(out)


def action_pill(rag: str) -> Pill:
    """An action's Risk RAG as colour + symbol + word ("Not rated" when it has none)."""
    status = _ACTION_RAG[rag]
    return Pill(
        RAG_WORDS[rag], status.symbol, RAG_MEANING[rag], status.colour, text_on(status.colour)
    )


def _css_string(text: str) -> str:
    """A CSS string literal (for a footer's ``content``)."""
    clean = " ".join(str(text).split())
    return '"' + clean.replace("\\", "\\\\").replace('"', '\\"') + '"'


def page_css(left: str, start: int, total: int, *, important: bool = False) -> str:
    """Footer rules for one part: its name on the left, "Page n of N" on the right.

    The part's first page is page ``start``; ``important`` makes the rules win over a
    document's own (the dashboard's stylesheet sets its own footer and none on page one).
    """
    imp = " !important" if important else ""
    right = f'"Page " counter(page) " of {total}"'
    boxes = (
        f"@bottom-left {{ content: {_css_string(left)}{imp}; }} "
        f"@bottom-right {{ content: {right}{imp}; }}"
    )
    return f"@page {{ {boxes} }}\n@page :first {{ counter-reset: page {start}; {boxes} }}\n"


# -- drawing --------------------------------------------------------------------------------


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("cspkit.render", "templates"),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(day=fmt_day, when=fmt_when, code_spans=code_spans)
    env.globals.update(action_pill=action_pill)
    return env


def _fetcher():
    from weasyprint.urls import URLFetcher

    # inline data: URLs only, and anything else stops the render rather than being skipped
    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


def _draw(html: str, user_css: str = ""):
    """Lay out one HTML document (a WeasyPrint Document)."""
    # imported late: WeasyPrint is slow to import
    from weasyprint import CSS, HTML

    fetcher = _fetcher()
    stylesheets = [CSS(string=user_css, url_fetcher=fetcher)] if user_css else None
    document = HTML(string=html, url_fetcher=fetcher, media_type="print")
    return document.render(stylesheets=stylesheets)


@dataclass
class _Part:
    key: str
    title: str  # in the contents and the footer
    draw: Callable[[int, int, dict[str, int]], object]  # (start, total, anchor pages) -> Doc
    estimate: int | None = None  # pages, when known without drawing


class _Pack:
    """The pack's parts and how to draw each, for one :class:`MeetingPack`."""

    def __init__(self, pack: MeetingPack) -> None:
        self.pack = pack
        self.env = _environment()
        self.css = (
            resources.files("cspkit.render").joinpath("templates", "pack.css").read_text("utf-8")
        )
        self.footer_left = f"{pack.partnership} · {pack.title}, {fmt_day(pack.meeting_date)}"

    def _common(self) -> dict:
        pack = self.pack
        return {
            "pack": pack,
            "css": self.css,
            "meeting_date": fmt_day(pack.meeting_date),
            "meeting_date_long": day_long(pack.meeting_date),
            "generated": pack.generated_at.strftime("%d %B %Y, %H:%M"),
        }

    def parts(self) -> list[_Part]:
        pack = self.pack
        parts = [_Part("agenda", "Agenda", self._template_part("pack_agenda.html", "Agenda"))]
        if pack.dashboard is not None:
            # The dashboard as pdf.py prints it; the footer rules override its own.
            html = dashboard_html.render_html(pack.dashboard, for_print=True)
            left = f"{self.footer_left} · Performance Dashboard"

            def draw_dashboard(start: int, total: int, anchors: dict[str, int]):
                return _draw(html, page_css(left, start, total, important=True))

            sections = len(re.findall(r'<section class="page[ "]', html))
            parts.append(
                _Part("dashboard", "Performance Dashboard", draw_dashboard, estimate=sections)
            )
        else:
            parts.append(
                _Part(
                    "dashboard",
                    "Performance Dashboard",
                    self._template_part("pack_note.html", "Performance Dashboard"),
                )
            )
        title = "Action plan progress"
        parts.append(_Part("plan", title, self._template_part("pack_plan.html", title)))
        title = "Partner indicators"
        parts.append(_Part("kpis", title, self._template_part("pack_kpis.html", title)))
        return parts

    def _template_part(self, template: str, title: str) -> Callable:
        def draw(start: int, total: int, anchors: dict[str, int]):
            css = page_css(f"{self.footer_left} · {title}", start, total)
            html = self.env.get_template(template).render(
                **self._common(), page_css=css, **self._extra(template, anchors)
            )
            return _draw(html)

        return draw

    def _extra(self, template: str, anchors: dict[str, int]) -> dict:
        pack = self.pack
        if template == "pack_plan.html":
            as_of = pack.plan.as_of if pack.plan else pack.meeting_date
            return {
                "rag_keys": RAG_KEYS,
                "stage_keys": STAGE_KEYS,
                "rag_meaning": RAG_MEANING,
                "stage_words": STAGE_WORDS,
                "quarter_start": date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1),
            }
        if template == "pack_kpis.html":
            views = [
                {"p": p, "anchor": partner_anchor(p), "pill": target_pill(p)} for p in pack.kpis
            ]
            pages = {v["anchor"]: anchors[v["anchor"]] for v in views if v["anchor"] in anchors}
            return {"views": views, "legend": target_legend(), "pages": pages}
        return {}

    def front(self, contents: list[ContentsLine], total: int):
        css = page_css(f"{self.footer_left} · Contents", 1, total)
        css += "@page :first { @bottom-left { content: none; } @bottom-right { content: none; } }\n"
        html = self.env.get_template("pack_front.html").render(
            **self._common(), page_css=css, contents=contents, total=total
        )
        return _draw(html)


def _anchor_pages(document, start: int) -> dict[str, int]:
    """Each element id in a drawn part -> the pack page it is on."""
    found: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            found.setdefault(name, start + index)
    return found


def _contents(parts: list[_Part], starts: list[int], anchors: dict[str, int]) -> list:
    lines = []
    for number, (part, start) in enumerate(zip(parts, starts, strict=True), start=1):
        lines.append(ContentsLine(part.title, start, 1, number))
        if part.key == "dashboard" and "partner-indicators" in anchors:
            lines.append(ContentsLine("Partner indicators", anchors["partner-indicators"], 2))
        if part.key == "dashboard" and "sources-title" in anchors:
            lines.append(ContentsLine("Data sources", anchors["sources-title"], 2))
    return lines


def pack_document(pack: MeetingPack):
    """The whole pack laid out (a WeasyPrint Document) and its contents lines."""
    builder = _Pack(pack)
    parts = builder.parts()
    placeholder = [ContentsLine(p.title, 888, 1, i) for i, p in enumerate(parts, 1)]
    front_pages = len(builder.front(placeholder, 888).pages)
    counts = [
        p.estimate if p.estimate is not None else len(p.draw(1, 888, {}).pages) for p in parts
    ]
    for _ in range(_MAX_PASSES):
        starts, page = [], front_pages + 1
        for count in counts:
            starts.append(page)
            page += count
        total = page - 1
        drawn, anchors = [], {}
        for part, start in zip(parts, starts, strict=True):
            document = part.draw(start, total, anchors)
            drawn.append(document)
            anchors.update(_anchor_pages(document, start))
        contents = _contents(parts, starts, anchors)
        front = builder.front(contents, total)
        new_counts = [len(d.pages) for d in drawn]
        if new_counts == counts and len(front.pages) == front_pages:
            pages = [*front.pages, *(p for d in drawn for p in d.pages)]
            return front.copy(pages), contents
        counts, front_pages = new_counts, len(front.pages)
    raise PackLayoutError(
        f"the pack's page numbers did not settle after {_MAX_PASSES} layouts; part page "
        f"counts {counts}: report this with the meeting's data"
    )


def pack_pdf(pack: MeetingPack) -> bytes:
    """The meeting pack as one PDF (bytes)."""
    document, _ = pack_document(pack)
    return document.write_pdf()


def write_pack(pack: MeetingPack, path: Path) -> Path:
    path = Path(path)
    path.write_bytes(pack_pdf(pack))
    return path
