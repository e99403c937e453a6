"""The partnership profile: home area, comparator group, indicator set, population series.

Profiles are data (YAML). The built-in one is Barnet's (the reference papers); a
partnership passes its own with ``--profile`` or ``CSPKIT_PROFILE``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

import yaml

from cspkit.errors import CspkitError
from cspkit.taxonomy.areas import Area, area_directory


@dataclass(frozen=True)
class Indicator:
    """A dashboard indicator: where its counts come from and its rate multiplier."""

    id: str
    name: str  # as the board's sentences say it
    heading: str  # as the slide's title says it
    source: str  # mps_borough | mps_dashboard
    per: int
    offence: str | None = None  # mps_borough: canonical offence or group id
    subgroup: str | None = None  # mps_dashboard: Offence Subgroup
    measure: str | None = None  # mps_dashboard: Measure


@dataclass(frozen=True)
class Profile:
    partnership: str
    home: Area
    comparator_name: str
    comparators: tuple[Area, ...]
    population_series: str
    indicators: tuple[Indicator, ...]
    source: str  # where the profile came from, for the report's notes

    def with_area(self, name: str | None) -> Profile:
        if not name:
            return self
        home = area_directory().match(name)
        partnership = (
            self.partnership if home == self.home else f"{home.name} Community Safety Partnership"
        )
        return replace(self, home=home, partnership=partnership)

    def with_comparators(self, names: list[str] | None, label: str | None = None) -> Profile:
        if not names:
            return self
        areas = tuple(area_directory().match(n) for n in names)
        return replace(self, comparators=areas, comparator_name=label or "comparator group")


def indicator_definitions() -> dict[str, Indicator]:
    text = resources.files("cspkit.taxonomy").joinpath("indicators.yaml").read_text("utf-8")
    spec = yaml.safe_load(text)["indicators"]
    return {iid: Indicator(id=iid, **attrs) for iid, attrs in spec.items()}


def load_profile(path: str | os.PathLike | None = None) -> Profile:
    """``path``, else ``CSPKIT_PROFILE``, else the built-in (Barnet) profile."""
    path = path or os.environ.get("CSPKIT_PROFILE")
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CspkitError(f"cannot read profile {path}: {exc.strerror}") from exc
        origin = str(path)
    else:
        text = resources.files("cspkit.taxonomy").joinpath("profile.yaml").read_text("utf-8")
        origin = "built-in profile (Barnet)"
    spec = yaml.safe_load(text) or {}
    definitions = indicator_definitions()
    missing = [i for i in spec.get("indicators", []) if i not in definitions]
    if missing:
        raise CspkitError(
            f"{origin}: unknown indicator(s) {', '.join(missing)}; known: {', '.join(definitions)}"
        )
    directory = area_directory()
    group = spec.get("comparator_group") or {}
    return Profile(
        partnership=spec.get("partnership", "Community Safety Partnership"),
        home=directory.match(spec.get("home_area", "Barnet"), context=origin),
        comparator_name=group.get("name", "comparator group"),
        comparators=tuple(directory.match(a, context=origin) for a in group.get("areas", [])),
        population_series=spec.get("population_series", "borough_population"),
        indicators=tuple(definitions[i] for i in spec.get("indicators", definitions)),
        source=origin,
    )
