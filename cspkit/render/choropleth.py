"""Choropleth maps: areas shaded by band, drawn to a standalone, accessible SVG string.

The map is drawn here in plain SVG (not Vega-Lite), because its shapes come from the
user's boundary file in that file's own coordinates, and a pure-Python drawing keeps the
map the same offline, in a page and in a PDF (WeasyPrint draws the SVG).

Reading the map never depends on colour alone:

* the legend gives every band's text next to its swatch, with the number of areas in it;
* each area's ``<title>`` (shown on hover) gives its name, value and band in words;
* areas with no figure are hatched, not just pale;
* :func:`map_text_alternative` says in a sentence what the map shows, and
  :func:`map_rows` gives the data table to print beside it. Areas that have a figure but
  no boundary (:func:`unmatched`) are not on the map, and the caller must list them.

Bands: ``(low, high, label)``; a value ``v`` is in the band with ``low <= v < high``, so a
boundary value belongs to the band above it: 1.5 is in "1.5 to 2", 5 is in "over 5".
``None`` for ``low`` or ``high`` means open-ended. Values are compared after rounding to 9
decimal places, so a rate that is 1.5 up to floating-point error counts as 1.5.

Colours: viridis (colour-blind safe, perceptually even, light to dark), sampled at as many
steps as there are bands; each step differs from the next by a contrast ratio of about 1.5
or more for six bands.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

from cspkit.sources.boundaries import WGS84, Boundaries

Band = tuple[float | None, float | None, str]

SNA_BANDS: list[Band] = [
    (None, 1, "under 1"),
    (1, 1.5, "1 to 1.5"),
    (1.5, 2, "1.5 to 2"),
    (2, 3, "2 to 3"),
    (3, 5, "3 to 5"),
    (5, None, "over 5"),
]
"""The Serious Violence needs assessment's bands, per 1,000 residents (lower bound in)."""

NO_DATA = "no data"

FONT = "DejaVu Sans, Arial, sans-serif"
TEXT = "#0b0c0c"
SECONDARY_TEXT = "#505a5f"
# Borders between areas: white on the darker steps, dark grey on the light ones (an edge
# between two areas of one colour must show against that colour; no single grey does).
BORDER_ON_DARK = "#ffffff"
BORDER_ON_LIGHT = "#505a5f"
OUTLINE = "#0b0c0c"  # highlighted areas
NO_DATA_FILL = "#f3f2f1"
NO_DATA_HATCH = "#6f777b"

# viridis at ten evenly spaced points, dark (0) to light (1); sampled in reverse so that
# the lowest band is lightest
_VIRIDIS = (
    "#440154",
    "#482878",
    "#3e4989",
    "#31688e",
    "#26828e",
    "#1f9e89",
    "#35b779",
    "#6ece58",
    "#b5de2b",
    "#fde725",
)
_VIRIDIS_6 = ("#fde725", "#7ad151", "#22a884", "#2a788e", "#414487", "#440154")

# layout, in SVG user units (pixels at 100%)
MAP_SIZE = 520  # the map fits in a square this size, keeping its aspect ratio
MARGIN = 16
LEGEND_WIDTH = 230
LEGEND_ROW = 24
TITLE_SIZE = 16
TEXT_SIZE = 12


def palette(n: int) -> list[str]:
    """``n`` colours from light to dark (viridis, reversed)."""
    if n < 1:
        raise ValueError("a palette needs at least one colour")
    if n == 6:
        return list(_VIRIDIS_6)
    if n == 1:
        return [_VIRIDIS[4]]
    stops = [_hex_to_rgb(c) for c in reversed(_VIRIDIS)]
    out = []
    for i in range(n):
        t = i / (n - 1) * (len(stops) - 1)
        k = min(int(t), len(stops) - 2)
        f = t - k
        rgb = tuple(round(a + (b - a) * f) for a, b in zip(stops[k], stops[k + 1], strict=True))
        out.append("#{:02x}{:02x}{:02x}".format(*rgb))
    return out


def _hex_to_rgb(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def _luminance(colour: str) -> float:
    """WCAG relative luminance of a hex colour (0 black .. 1 white)."""
    channels = [c / 255 for c in _hex_to_rgb(colour)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _border(fill: str) -> str:
    return BORDER_ON_LIGHT if _luminance(fill) > 0.4 else BORDER_ON_DARK


def check_bands(bands: Sequence[Band]) -> None:
    """Raise ValueError unless the bands ascend and meet (each high is the next low)."""
    if not bands:
        raise ValueError("at least one band is needed")
    for i, (low, high, label) in enumerate(bands):
        if not label:
            raise ValueError(f"band {i + 1} has no label")
        if low is not None and high is not None and not low < high:
            raise ValueError(f"band {label!r}: its lower bound {low} is not below {high}")
        if i and low != bands[i - 1][1]:
            raise ValueError(
                f"band {label!r} starts at {low} but the band before ends at {bands[i - 1][1]}:"
                " bands must meet"
            )
        if low is None and i:
            raise ValueError(f"band {label!r}: only the first band may be open below")
        if high is None and i != len(bands) - 1:
            raise ValueError(f"band {label!r}: only the last band may be open above")


def _band_index(value: float | None, bands: Sequence[Band]) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    v = round(float(value), 9)
    for i, (low, high, _) in enumerate(bands):
        if (low is None or v >= low) and (high is None or v < high):
            return i
    raise ValueError(f"{value} is outside every band ({bands[0][2]} .. {bands[-1][2]})")


def band_of(value: float | None, bands: Sequence[Band] = SNA_BANDS) -> str:
    """The label of the band ``value`` falls in (lower bound in, upper out); "no data"
    for None or NaN. ``band_of(1.5, SNA_BANDS) == "1.5 to 2"``."""
    i = _band_index(value, bands)
    return NO_DATA if i is None else bands[i][2]


def unmatched(values: Mapping[str, float | None], boundaries: Boundaries) -> list[str]:
    """Codes in ``values`` that have no drawable boundary, in the order of ``values``.

    Every key counts, whether its value is a number or None: the caller lists these areas
    (with their figures) under the map, because they are not on it.
    """
    return [code for code in values if code not in boundaries]


def fmt_value(value: float) -> str:
    """A value as written in titles and sentences: 2 decimals below 10, else 1."""
    return f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}"


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"1 {_singular(word)}"
    return f"{n:,} {word}"


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _names(areas: list[tuple[str, float]]) -> str:
    names = [name for name, _ in areas]
    if len(names) > 3:
        return f"{', '.join(names[:3])} and {len(names) - 3} more"
    if len(names) > 1:
        return f"{', '.join(names[:-1])} and {names[-1]}"
    return names[0]


def map_text_alternative(
    boundaries: Boundaries,
    values: Mapping[str, float | None],
    bands: Sequence[Band] = SNA_BANDS,
    area_label: str = "areas",
    *,
    value_label: str | None = None,
) -> str:
    """What the map shows, in words: areas per band, the highest and lowest, the gaps.

    ``area_label`` is the plural noun ("wards"); ``value_label`` (e.g. "serious violence
    per 1,000 residents") says what the figures are. Only areas on the map are counted;
    areas with a figure but no boundary are mentioned by number. For example: "Map of 21
    wards, serious violence per 1,000 residents. Wards in each band: under 1: 3; 1 to
    1.5: 2; ...; no data: 2. Highest: Oakleigh, 6.38. Lowest: High Barnet, 0.42."
    """
    check_bands(bands)
    counts = [0] * len(bands)
    no_data = 0
    known: list[tuple[str, float]] = []
    for area in boundaries:
        value = values.get(area.code)
        i = _band_index(value, bands)
        if i is None:
            no_data += 1
        else:
            counts[i] += 1
            known.append((area.name, float(value)))
    total = len(boundaries)
    parts = [f"{label}: {n:,}" for n, (_, _, label) in zip(counts, bands, strict=True) if n]
    text = f"Map of {_plural(total, area_label)}"
    if value_label:
        text += f", {value_label}"
    if parts:
        if no_data:
            parts.append(f"no data: {no_data:,}")
        text += f". {area_label.capitalize()} in each band: " + "; ".join(parts) + "."
    elif total:
        text += ". None has a figure."
    else:
        text += "."
    if known:
        top = max(v for _, v in known)
        low = min(v for _, v in known)
        highest = [(n, v) for n, v in known if v == top]
        lowest = [(n, v) for n, v in known if v == low]
        if len(known) == 1:
            text += f" The only figure is {_names(highest)}, {fmt_value(top)}."
        else:
            text += (
                f" Highest: {_names(highest)}, {fmt_value(top)}. "
                f"Lowest: {_names(lowest)}, {fmt_value(low)}."
            )
    missing = unmatched(values, boundaries)
    if missing:
        text += (
            f" {_plural(len(missing), area_label).capitalize()} "
            f"{'has' if len(missing) == 1 else 'have'} a figure but no boundary, so "
            f"{'is' if len(missing) == 1 else 'are'} not on the map."
        )
    return text


def map_rows(
    boundaries: Boundaries,
    values: Mapping[str, float | None],
    bands: Sequence[Band] = SNA_BANDS,
) -> list[dict]:
    """The map's data table: one row per area on the map, then each area with a figure but
    no boundary; highest value first. Keys: code, name, value, band, on_map."""
    rows = [
        {
            "code": a.code,
            "name": a.name,
            "value": values.get(a.code),
            "band": band_of(values.get(a.code), bands),
            "on_map": True,
        }
        for a in boundaries
    ]
    rows += [
        {
            "code": code,
            "name": code,
            "value": values[code],
            "band": band_of(values[code], bands),
            "on_map": False,
        }
        for code in unmatched(values, boundaries)
    ]
    return sorted(
        rows, key=lambda r: (not r["on_map"], r["value"] is None, -(r["value"] or 0), r["name"])
    )


# --- drawing -------------------------------------------------------------------------------


def _projector(boundaries: Boundaries):
    """A function (x, y) -> (X, Y) in display units before fitting: north up, equal scale."""
    x0, y0, x1, y1 = boundaries.bbox
    if boundaries.crs == WGS84:
        k = math.cos(math.radians((y0 + y1) / 2))
        return lambda x, y: (x * k, -y)
    return lambda x, y: (x, -y)  # National Grid metres: already equal-area enough


def _wrap(text: str, width: int) -> list[str]:
    """Split text into lines of at most ``width`` characters, at spaces."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return lines


def _text_lines(lines: list[str], x: float, y: float, size: int, **attrs: str) -> str:
    extra = "".join(f" {k.replace('_', '-')}={quoteattr(v)}" for k, v in attrs.items())
    out = []
    for i, line in enumerate(lines):
        out.append(
            f'<text x="{x:g}" y="{y + i * size * 1.3:.1f}" font-size="{size}"{extra}>'
            f"{escape(line)}</text>"
        )
    return "".join(out)


def _path_data(polygons, project, scale: float, dx: float, dy: float) -> str:
    parts = []
    for polygon in polygons:
        for ring in polygon:
            points = []
            last = None
            for x, y in ring:
                px, py = project(x, y)
                pt = (round(px * scale + dx, 1), round(py * scale + dy, 1))
                if pt != last:  # drop points that land on the same tenth of a pixel
                    points.append(pt)
                    last = pt
            if len(points) > 1 and points[0] == points[-1]:
                points.pop()
            if len(points) < 3:
                continue
            parts.append("M" + "L".join(f"{x:g} {y:g}" for x, y in points) + "Z")
    return "".join(parts)


def _codes(highlight: str | Iterable[str] | None) -> set[str]:
    if highlight is None:
        return set()
    if isinstance(highlight, str):
        return {highlight}
    return set(highlight)


def choropleth_svg(
    boundaries: Boundaries,
    values: Mapping[str, float | None],
    *,
    bands: Sequence[Band] = SNA_BANDS,
    title: str,
    value_label: str,
    highlight: str | Iterable[str] | None = None,
    area_label: str = "areas",
    description: str | None = None,
    chart_id: str = "map",
) -> str:
    """Draw every area of ``boundaries`` shaded by the band of its value.

    ``values`` maps area code to value (None, or a code not in ``values``, is "no data",
    hatched). ``value_label`` names what is shaded ("Serious violence per 1,000
    residents"): it heads the legend and is in every area's title. ``highlight``: area
    code(s) drawn with a heavy outline (and named in the legend). ``description`` is the
    long text in ``<desc>``; by default :func:`map_text_alternative`. ``chart_id`` prefixes
    the SVG's ids, so several maps can share a page.

    Draw only the areas wanted (``boundaries.for_parent(...)`` or ``.subset(...)``), and
    list :func:`unmatched` codes beside the map.
    """
    check_bands(bands)
    if not len(boundaries):
        raise ValueError(f"{boundaries.path}: no areas to draw")
    colours = palette(len(bands))
    marked = _codes(highlight)
    project = _projector(boundaries)

    # fit the projected extent into MAP_SIZE x MAP_SIZE, keeping the aspect ratio
    corners = [project(x, y) for x, y in _bbox_corners(boundaries.bbox)]
    px0 = min(c[0] for c in corners)
    px1 = max(c[0] for c in corners)
    py0 = min(c[1] for c in corners)
    py1 = max(c[1] for c in corners)
    span_x, span_y = max(px1 - px0, 1e-9), max(py1 - py0, 1e-9)
    scale = MAP_SIZE / max(span_x, span_y)
    map_w, map_h = span_x * scale, span_y * scale

    title_lines = _wrap(title, 70)
    title_h = len(title_lines) * TITLE_SIZE * 1.3 + 8 if title_lines else 0
    top = MARGIN + title_h
    dx, dy = MARGIN - px0 * scale, top - py0 * scale

    # legend rows
    counts = [0] * len(bands)
    no_data = 0
    for area in boundaries:
        i = _band_index(values.get(area.code), bands)
        if i is None:
            no_data += 1
        else:
            counts[i] += 1
    legend_x = MARGIN + map_w + 24
    # room for the longest band label (about 7 px a character at 12 px) and the count
    longest = max(len(label) for _, _, label in bands)
    legend_w = max(LEGEND_WIDTH, 36 + 7 * longest + 48)
    heading = _wrap(value_label, 30)
    legend_rows = [(colours[i], label, counts[i]) for i, (_, _, label) in enumerate(bands)]
    legend_rows.append((f"url(#{chart_id}-nodata)", "No data", no_data))
    legend_h = len(heading) * TEXT_SIZE * 1.3 + 8 + LEGEND_ROW * (len(legend_rows) + 1)
    named = [a.name for a in boundaries if a.code in marked]
    if len(named) > 4:
        named = [_plural(len(named), area_label)]
    outlined = _wrap("Outlined: " + ", ".join(named), 26) if named else []
    if outlined:
        legend_h += 4 + TEXT_SIZE * 1.3 * len(outlined) + 8

    width = legend_x + legend_w + MARGIN
    height = top + max(map_h, legend_h) + MARGIN
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    if description is None:
        description = map_text_alternative(
            boundaries, values, bands, area_label, value_label=value_label
        )

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id={quoteattr(chart_id)} role="img" '
        f'aria-labelledby="{title_id} {desc_id}" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family={quoteattr(FONT)}>',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(description)}</desc>',
        "<defs>",
        f'<pattern id="{chart_id}-nodata" patternUnits="userSpaceOnUse" width="6" height="6" '
        'patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="{NO_DATA_FILL}"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{NO_DATA_HATCH}" stroke-width="1.5"/>'
        "</pattern>",
        "</defs>",
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
    ]
    if title_lines:
        out.append(
            _text_lines(
                title_lines, MARGIN, MARGIN + TITLE_SIZE, TITLE_SIZE, fill=TEXT, font_weight="bold"
            )
        )

    # thinner borders when areas are many (all London's wards), so small ones still show
    border_width = 0.8 if len(boundaries) <= 150 else 0.4
    out.append(f'<g class="areas" stroke-width="{border_width}" stroke-linejoin="round">')
    outlines = []
    for area in boundaries:
        value = values.get(area.code)
        i = _band_index(value, bands)
        fill = f"url(#{chart_id}-nodata)" if i is None else colours[i]
        stroke = _border(NO_DATA_FILL if i is None else colours[i])
        band = NO_DATA if i is None else bands[i][2]
        d = _path_data(area.polygons, project, scale, dx, dy)
        if value is None or i is None:
            tip = f"{area.name} ({area.code}): no data"
        else:
            tip = f"{area.name} ({area.code}). {value_label}: {fmt_value(value)}, band {band}"
        out.append(
            f"<path d={quoteattr(d)} fill={quoteattr(fill)} stroke={quoteattr(stroke)} "
            'fill-rule="evenodd" '
            f"data-code={quoteattr(area.code)} data-band={quoteattr(band)}>"
            f"<title>{escape(tip)}</title></path>"
        )
        if area.code in marked:
            outlines.append(d)
    out.append("</g>")
    if outlines:
        out.append(
            f'<g class="highlight" fill="none" stroke="{OUTLINE}" stroke-width="2.5" '
            'stroke-linejoin="round" aria-hidden="true">'
            + "".join(f"<path d={quoteattr(d)}/>" for d in outlines)
            + "</g>"
        )

    # legend
    y = top
    out.append('<g class="legend">')
    out.append(
        _text_lines(heading, legend_x, y + TEXT_SIZE, TEXT_SIZE, fill=TEXT, font_weight="bold")
    )
    y += len(heading) * TEXT_SIZE * 1.3 + 8
    count_x = legend_x + legend_w - 8
    out.append(
        f'<text x="{count_x:.1f}" y="{y + TEXT_SIZE:.1f}" font-size="{TEXT_SIZE - 1}" '
        f'fill="{SECONDARY_TEXT}" text-anchor="end">{escape(area_label.capitalize())}</text>'
    )
    y += LEGEND_ROW
    for fill, label, n in legend_rows:
        out.append(
            f'<rect x="{legend_x:.1f}" y="{y:.1f}" width="28" height="16" fill={quoteattr(fill)} '
            f'stroke="{SECONDARY_TEXT}" stroke-width="0.75"/>'
            f'<text x="{legend_x + 36:.1f}" y="{y + 12.5:.1f}" font-size="{TEXT_SIZE}" '
            f'fill="{TEXT}">{escape(label)}</text>'
            f'<text x="{count_x:.1f}" y="{y + 12.5:.1f}" font-size="{TEXT_SIZE}" '
            f'fill="{TEXT}" text-anchor="end">{n:,}</text>'
        )
        y += LEGEND_ROW
    if outlined:
        y += 4
        out.append(
            f'<rect x="{legend_x + 1:.1f}" y="{y + 1:.1f}" width="26" height="14" fill="none" '
            f'stroke="{OUTLINE}" stroke-width="2.5"/>'
        )
        out.append(_text_lines(outlined, legend_x + 36, y + 12.5, TEXT_SIZE, fill=TEXT))
    out.append("</g>")
    out.append("</svg>")
    return "".join(out)


def _bbox_corners(bbox: tuple[float, float, float, float]) -> list[tuple[float, float]]:
    x0, y0, x1, y1 = bbox
    return [(x0, y0), (x0, y1), (x1, y0), (x1, y1)]
