"""Placing data.police.uk records in areas, and counting what cannot be placed.

**Crimes** carry an LSOA code (data.police.uk places each snap point in an LSOA), so they
are placed through the ONS best-fit lookup of LSOA 2021 to ward (2025 codes) and local
authority (``lsoa_ward_lookup``, loaded with ``cspkit ingest ../shared/data/lookups``). A
crime with no LSOA (no location), or with an LSOA the lookup does not have (an LSOA
2011 code that changed in 2021, say), cannot be placed, at any level: it is counted, never
dropped. Anti-social behaviour is not crime: it is left out of every crime count and
counted on its own.

**Outcomes** are joined to crimes by Crime ID. A crime's latest outcome is its outcome
row of the latest month (of two in one month, the later row); a crime with no outcome
row keeps its street file's "Last outcome category".

**Searches** carry only coordinates (WGS84 snap points), so they are placed in the areas
of a boundary file (:func:`cspkit.sources.boundaries.read_boundaries`) with shapely: one
vectorised STRtree query of every point against every (prepared) polygon. A point on the
edge shared by two areas goes to the first of them in file order. Boundaries in the
British National Grid (EPSG:27700) are supported by converting the points to the Grid
(OSGB36 by the Ordnance Survey's 7-parameter Helmert transformation, then the National
Grid's Transverse Mercator projection: within about 5 metres, well inside the
anonymisation of the snap points).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

import duckdb
import numpy as np
import shapely

from cspkit.errors import CspkitError
from cspkit.measures.national_grid import wgs84_to_bng
from cspkit.measures.periods import parse_month
from cspkit.sources.boundaries import BNG, WGS84, Boundaries

LEVELS = {
    "lsoa": ("lsoa_code", "lsoa_name"),
    "ward": ("ward_code", "ward_name"),
    "authority": ("lad_code", "lad_name"),
}
NO_SUSPECT = "Investigation complete; no suspect identified"


def _month(value: date | str) -> date:
    return parse_month(value) if isinstance(value, str) else value


def _lookup_file(con: duckdb.DuckDBPyConnection) -> tuple[int, str]:
    row = con.execute(
        """SELECT f.file_id, f.path FROM files f
           WHERE f.file_id = (SELECT max(file_id) FROM lsoa_ward_lookup)"""
    ).fetchone()
    if row is None:
        raise CspkitError(
            "no LSOA to ward lookup has been loaded, so crimes cannot be placed in LSOAs, "
            "wards or authorities. Load it: `cspkit ingest ../shared/data/lookups`"
        )
    return row


# --- crimes by area -------------------------------------------------------------------------


class CrimeCount(NamedTuple):
    code: str
    name: str
    crime_type: str
    month: date
    count: int


@dataclass
class CrimeCounts:
    """Street-level crimes by area, crime type and month, and what could not be placed."""

    level: str  # lsoa | ward | authority
    first: date
    last: date
    force: str | None
    rows: list[CrimeCount]
    crimes: int  # crime records in the period (anti-social behaviour excluded)
    no_lsoa: int  # crimes with no LSOA (no location): not placed
    lsoa_not_in_lookup: int  # crimes whose LSOA the lookup does not have: not placed
    asb: int  # anti-social behaviour records in the period, counted apart
    lookup: str  # the lookup file used

    @property
    def unplaced(self) -> int:
        return self.no_lsoa + self.lsoa_not_in_lookup

    @property
    def placed(self) -> int:
        return self.crimes - self.unplaced


def crime_counts_by(
    con: duckdb.DuckDBPyConnection,
    level: str,
    *,
    force: str | None = None,
    first: date | str,
    last: date | str,
) -> CrimeCounts:
    """Crimes (not anti-social behaviour) by LSOA, ward or authority, crime type and month.

    ``first``..``last`` are months (inclusive); ``force`` a data.police.uk slug (all
    forces when None). ``rows`` sum to ``placed``; ``placed + unplaced == crimes`` at
    every level, since all levels place through the same lookup.
    """
    if level not in LEVELS:
        raise CspkitError(f"level '{level}': expected one of {', '.join(LEVELS)}")
    lookup_id, lookup_path = _lookup_file(con)
    code, name = LEVELS[level]
    params = {"first": _month(first), "last": _month(last), "force": force, "lookup": lookup_id}
    scope = """
        WITH lk AS (SELECT * FROM lsoa_ward_lookup WHERE file_id = $lookup),
        c AS (SELECT lsoa_code, crime_type, month, is_asb FROM street_crimes
              WHERE month BETWEEN $first AND $last AND ($force IS NULL OR force = $force))
    """
    rows = con.execute(
        f"""{scope}
        SELECT l.{code}, l.{name}, c.crime_type, c.month, count(*)::BIGINT
        FROM c JOIN lk l ON l.lsoa_code = c.lsoa_code
        WHERE NOT c.is_asb
        GROUP BY ALL ORDER BY 1, 3, 4""",
        params,
    ).fetchall()
    crimes, no_lsoa, unknown, asb = con.execute(
        f"""{scope}
        SELECT count(*) FILTER (NOT c.is_asb),
               count(*) FILTER (NOT c.is_asb AND c.lsoa_code IS NULL),
               count(*) FILTER (NOT c.is_asb AND c.lsoa_code IS NOT NULL AND l.lsoa_code IS NULL),
               count(*) FILTER (c.is_asb)
        FROM c LEFT JOIN lk l ON l.lsoa_code = c.lsoa_code""",
        params,
    ).fetchone()
    return CrimeCounts(
        level=level,
        first=params["first"],
        last=params["last"],
        force=force,
        rows=[CrimeCount(*r) for r in rows],
        crimes=crimes,
        no_lsoa=no_lsoa,
        lsoa_not_in_lookup=unknown,
        asb=asb,
        lookup=lookup_path,
    )


# --- outcomes ---------------------------------------------------------------------------------

_LATEST = """
    WITH crimes AS (
        SELECT crime_id, last_outcome FROM street_crimes
        WHERE NOT is_asb AND crime_id IS NOT NULL
          AND month BETWEEN $first AND $last AND ($force IS NULL OR force = $force)
        QUALIFY row_number() OVER (
            PARTITION BY crime_id ORDER BY month DESC, file_id DESC, line DESC) = 1),
    latest AS (
        SELECT crime_id, outcome_type, month FROM crime_outcomes
        WHERE crime_id IN (SELECT crime_id FROM crimes)
        QUALIFY row_number() OVER (
            PARTITION BY crime_id ORDER BY month DESC, file_id DESC, line DESC) = 1),
    joined AS (
        SELECT c.crime_id, coalesce(l.outcome_type, c.last_outcome) AS outcome,
               l.month AS outcome_month,
               CASE WHEN l.outcome_type IS NOT NULL THEN 'outcomes'
                    WHEN c.last_outcome IS NOT NULL THEN 'street' END AS source
        FROM crimes c LEFT JOIN latest l USING (crime_id))
"""


def latest_outcomes(
    con: duckdb.DuckDBPyConnection,
    *,
    force: str | None = None,
    first: date | str,
    last: date | str,
) -> dict[str, tuple[str | None, date | None, str | None]]:
    """Crime ID -> (latest outcome, its month, 'outcomes' | 'street' | None) per crime.

    The latest outcome row by month, then by row order (file, line); a crime with no
    outcome row has its street file's "Last outcome category" (month None).
    """
    params = {"first": _month(first), "last": _month(last), "force": force}
    rows = con.execute(
        _LATEST + "SELECT crime_id, outcome, outcome_month, source FROM joined", params
    ).fetchall()
    return {crime: (outcome, month, source) for crime, outcome, month, source in rows}


@dataclass
class OutcomeSummary:
    """The latest outcome of each crime of a period, and the share with no suspect."""

    first: date
    last: date
    force: str | None
    crimes: int  # distinct Crime IDs (a crime can have several rows)
    from_outcomes: int  # latest outcome from an outcomes file
    from_street: int  # no outcome row: the street file's last outcome category
    no_outcome: int  # neither
    by_outcome: dict[str, int] = field(default_factory=dict)

    @property
    def no_suspect(self) -> int:
        return self.by_outcome.get(NO_SUSPECT, 0)

    @property
    def no_suspect_share(self) -> float | None:
        """Crimes whose latest outcome is "no suspect identified", of those with an outcome."""
        known = self.crimes - self.no_outcome
        return self.no_suspect / known if known else None


def outcome_summary(
    con: duckdb.DuckDBPyConnection,
    *,
    force: str | None = None,
    first: date | str,
    last: date | str,
) -> OutcomeSummary:
    params = {"first": _month(first), "last": _month(last), "force": force}
    by_source = dict(
        con.execute(_LATEST + "SELECT source, count(*) FROM joined GROUP BY 1", params).fetchall()
    )
    by_outcome = con.execute(
        _LATEST + "SELECT outcome, count(*) FROM joined WHERE outcome IS NOT NULL "
        "GROUP BY 1 ORDER BY 2 DESC, 1",
        params,
    ).fetchall()
    return OutcomeSummary(
        first=params["first"],
        last=params["last"],
        force=force,
        crimes=sum(by_source.values()),
        from_outcomes=by_source.get("outcomes", 0),
        from_street=by_source.get("street", 0),
        no_outcome=by_source.get(None, 0),
        by_outcome=dict(by_outcome),
    )


# --- searches by coordinates ---------------------------------------------------------------------


@dataclass
class PlacedSearches:
    """Each search of a period with the area it falls in (None: not placed)."""

    boundaries: str  # the boundary file
    first: date
    last: date
    force: str | None
    source_kind: str | None
    rowids: np.ndarray  # stop_searches rowid of each search
    file_ids: np.ndarray
    lines: np.ndarray
    codes: list[str | None]  # area code per search, None when not placed
    no_coordinates: int  # searches without a location
    outside: int  # searches with a location in no area of the file

    @property
    def total(self) -> int:
        return len(self.codes)

    @property
    def placed(self) -> int:
        return self.total - self.no_coordinates - self.outside

    @property
    def unplaced(self) -> int:
        return self.no_coordinates + self.outside

    def rowids_in(self, code: str) -> list[int]:
        """The rowids of the searches placed in one area (for :func:`search_records`)."""
        return [int(r) for r, c in zip(self.rowids, self.codes, strict=True) if c == code]

    def by_area(self) -> dict[str, int]:
        """Searches placed in each area, in the boundary file's order of first appearance."""
        out: dict[str, int] = {}
        for code in self.codes:
            if code is not None:
                out[code] = out.get(code, 0) + 1
        return out


def place_searches(
    con: duckdb.DuckDBPyConnection,
    boundaries: Boundaries,
    *,
    force: str | None = None,
    first: date | str,
    last: date | str,
    source_kind: str | None = None,
) -> PlacedSearches:
    """Place every stop and search of first..last (a force's, or all) in the boundaries.

    ``source_kind`` ('csv' or 'api') limits the searches to one source; both by default.
    """
    if boundaries.crs not in (WGS84, BNG):  # pragma: no cover - read_boundaries refuses others
        raise CspkitError(f"{boundaries.path}: boundaries in {boundaries.crs} cannot be used")
    params = {
        "first": _month(first),
        "last": _month(last),
        "force": force,
        "kind": source_kind,
    }
    found = con.execute(
        """SELECT rowid, file_id, line, coalesce(longitude, 'NaN'::DOUBLE) AS x,
                  coalesce(latitude, 'NaN'::DOUBLE) AS y
           FROM stop_searches
           WHERE month BETWEEN $first AND $last AND ($force IS NULL OR force = $force)
             AND ($kind IS NULL OR source_kind = $kind)
           ORDER BY file_id, line""",
        params,
    ).fetchnumpy()
    x, y = found["x"].astype(np.float64), found["y"].astype(np.float64)
    located = ~(np.isnan(x) | np.isnan(y))
    if boundaries.crs == BNG:
        x, y = x.copy(), y.copy()
        x[located], y[located] = wgs84_to_bng(x[located], y[located])
    area = _areas_of(boundaries, x[located], y[located])
    codes_of_areas = [a.code for a in boundaries.areas]
    codes: list[str | None] = [None] * len(x)
    for index, a in zip(np.flatnonzero(located), area, strict=True):
        if a >= 0:
            codes[index] = codes_of_areas[a]
    no_coordinates = int((~located).sum())
    return PlacedSearches(
        boundaries=boundaries.path,
        first=params["first"],
        last=params["last"],
        force=force,
        source_kind=source_kind,
        rowids=found["rowid"],
        file_ids=found["file_id"],
        lines=found["line"],
        codes=codes,
        no_coordinates=no_coordinates,
        outside=int((area < 0).sum()),
    )


SEARCH_COLUMNS = (
    "month",
    "source_kind",
    "type",
    "datetime",
    "gender",
    "age_range",
    "self_defined_ethnicity",
    "officer_defined_ethnicity",
    "legislation",
    "object_of_search",
    "outcome",
    "outcome_linked_to_object",
    "removal_of_more_than_outer_clothing",
)


def search_records(con: duckdb.DuckDBPyConnection, rowids: list[int]) -> dict[str, list]:
    """The searches with these rowids, as columns (file and line order), and ``paths``:
    the files they came from."""
    rows = con.execute(
        f"""SELECT {", ".join("s." + c for c in SEARCH_COLUMNS)}, f.path
            FROM stop_searches s JOIN files f USING (file_id)
            WHERE s.rowid IN (SELECT unnest($ids))
            ORDER BY s.file_id, s.line""",
        {"ids": [int(r) for r in rowids]},
    ).fetchall()
    out: dict[str, list] = {c: [r[i] for r in rows] for i, c in enumerate(SEARCH_COLUMNS)}
    out["paths"] = list(dict.fromkeys(r[-1] for r in rows))
    return out


def _areas_of(boundaries: Boundaries, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Index (in file order) of the first area holding each point; -1 for none."""
    polygons, owners = [], []
    for index, area in enumerate(boundaries.areas):
        for polygon in area.polygons:
            polygons.append(shapely.Polygon(polygon[0], polygon[1:]))
            owners.append(index)
    best = np.full(len(x), -1, dtype=np.int64)
    if not len(x) or not polygons:
        return best
    # a tree of the points, queried with each polygon: shapely prepares the polygon, so
    # each is tested against the points in its bounding box in one vectorised call
    tree = shapely.STRtree(shapely.points(x, y))
    hits, points = tree.query(polygons, predicate="intersects")
    owner = np.asarray(owners, dtype=np.int64)[hits]
    order = np.lexsort((owner, points))  # per point, its areas in file order
    points, owner = points[order], owner[order]
    first = np.ones(len(points), dtype=bool)
    first[1:] = points[1:] != points[:-1]
    best[points[first]] = owner[first]
    return best
