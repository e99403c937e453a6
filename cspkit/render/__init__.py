"""Renderers: a report model in, a file out. They know how it looks, and nothing else.

``render_dashboard(report, "pdf", Path("barnet.pdf"))`` writes the Performance Dashboard
in one of :data:`FORMATS`; every format is drawn from the same report model.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cspkit.errors import CspkitError
from cspkit.products.models import DashboardReport, IndicatorReport

FORMATS: tuple[str, ...] = ("pdf", "html", "xlsx", "json")


def missing_figures(indicator: IndicatorReport) -> tuple[str, str]:
    """For an indicator without figures: a title ("No data loaded") and why, as a sentence.

    "No data loaded" when there is no monthly series at all, "Incomplete data" when some
    months are there but not enough for the period. Shared so every format says the same.
    """
    title = "No data loaded" if indicator.status == "no data" else "Incomplete data"
    reason = indicator.unavailable_reason or "the figures could not be computed"
    return title, reason[:1].upper() + reason[1:].rstrip(".") + "."


def _writer(fmt: str) -> Callable[[DashboardReport, Path], Path]:
    # Imported on demand: WeasyPrint and vl-convert are slow to import, JSON needs neither.
    if fmt == "json":
        from cspkit.render.jsonout import write_json

        return write_json
    if fmt == "html":
        from cspkit.render.html import write_html

        return write_html
    if fmt == "pdf":
        from cspkit.render.pdf import write_pdf

        return write_pdf
    from cspkit.render.xlsx import write_xlsx

    return write_xlsx


def render_dashboard(report: DashboardReport, fmt: str, out: Path) -> Path:
    """Write ``report`` as ``fmt`` (one of :data:`FORMATS`) to ``out``; return the path.

    An unknown format, or a folder that does not exist, raises :class:`CspkitError` with
    the fix in the message, before anything is drawn or written.
    """
    key = fmt.lower().lstrip(".")
    if key not in FORMATS:
        raise CspkitError(f"unknown format '{fmt}': choose one of {', '.join(FORMATS)}")
    out = Path(out)
    if not out.parent.is_dir():
        raise CspkitError(
            f"cannot write {out}: the folder {out.parent} does not exist - create it first"
        )
    return _writer(key)(report, out)
