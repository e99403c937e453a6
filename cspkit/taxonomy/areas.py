"""Areas keyed by GSS code, and matching of the names police files use.

Police files name boroughs ("Barnet", "Kingston upon Thames", sometimes
"Hammersmith & Fulham"); population and boundary files use GSS codes. Every name is
matched to a code here, tolerating case, "&" for "and", spacing and known variants
listed in ``areas.csv``. A name that matches nothing is an error that names it: a
silently dropped borough would make every London ranking wrong.

The police publish two areas that are not local authorities and have no GSS code
("London Heathrow and London City Airports" and "Unknown"); they get cspkit codes
starting ``MPS-`` and the kind ``police_pseudo_area``, so they are kept but never
ranked among boroughs.
"""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from cspkit.errors import UnknownArea
from cspkit.taxonomy.offences import normalise_name

LONDON_BOROUGH = "london_borough"


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    kind: str  # london_borough | city | police_pseudo_area


@dataclass(frozen=True)
class AreaDirectory:
    areas: tuple[Area, ...]
    _by_name: dict[str, Area]

    def match(self, name: str, *, context: str = "") -> Area:
        """The area a name (or GSS code) refers to; :class:`UnknownArea` if none."""
        area = self.find(name)
        if area is None:
            close = difflib.get_close_matches(name, [a.name for a in self.areas], n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            where = f"{context}: " if context else ""
            raise UnknownArea(
                f"{where}area '{name}' matches no known area (GSS code, name or known "
                f"variant).{hint} Run `cspkit areas --all` for the list."
            )
        return area

    def find(self, name: str) -> Area | None:
        return self._by_name.get(normalise_name(name))

    def by_code(self, code: str) -> Area | None:
        return self._by_name.get(normalise_name(code))


@cache
def area_directory() -> AreaDirectory:
    """The built-in directory of London areas (33 local authorities + police pseudo-areas)."""
    text = resources.files("cspkit.taxonomy").joinpath("areas.csv").read_text(encoding="utf-8")
    areas = []
    by_name: dict[str, Area] = {}
    for rec in csv.DictReader(text.splitlines()):
        area = Area(rec["code"], rec["name"], rec["kind"])
        areas.append(area)
        variants = [area.code, area.name, *filter(None, rec["aliases"].split(";"))]
        for variant in variants:
            by_name[normalise_name(variant)] = area
    return AreaDirectory(tuple(areas), by_name)
