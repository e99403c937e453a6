"""The dashboard as a PDF: WeasyPrint prints the HTML the web page shows.

The stylesheet's print rules lay it out on A4 landscape, one page per section (cover,
notes, each indicator, data sources). The HTML is rendered ``for_print`` (see
:func:`cspkit.render.html.render_html`: no collapsed data tables, charts as SVG images).
Nothing is fetched: the HTML is self-contained and the URL fetcher refuses anything that
is not inline data.
"""

from __future__ import annotations

from pathlib import Path

from cspkit.products.models import DashboardReport
from cspkit.render.html import render_html


def pdf_bytes(report: DashboardReport) -> bytes:
    """The PDF as bytes."""
    # imported late: WeasyPrint is slow to import and the other formats do not need it
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # inline data: URLs only, and anything else stops the render rather than being skipped
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    html = render_html(report, for_print=True)
    document = HTML(string=html, url_fetcher=fetcher, media_type="print")
    return document.write_pdf()


def write_pdf(report: DashboardReport, out: Path) -> Path:
    out = Path(out)
    out.write_bytes(pdf_bytes(report))
    return out
