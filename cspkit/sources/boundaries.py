"""Area boundaries supplied by the user: ESRI shapefiles and GeoJSON FeatureCollections.

No ward boundaries for every vintage ship with cspkit (London's wards changed in 2022), so a
map is drawn from whatever boundary file the analyst has. This reader knows the two formats
and nothing else: it returns each area's code, name, parent code (the borough of a ward,
when the file says) and its polygons **in the file's own coordinates**, unchanged, so that
later work can place points (stop-and-search coordinates) in areas. Projection for display
is the renderer's business (:mod:`cspkit.render.choropleth`).

Coordinate reference systems: British National Grid (``EPSG:27700``, metres) and WGS84
(``EPSG:4326``, longitude/latitude degrees). A shapefile's ``.prj`` or a GeoJSON ``crs``
member says which; a file without one is judged by its coordinates (degrees or the
National Grid's range) and :attr:`Boundaries.crs_stated` is False. Any other CRS is refused
with a message saying what to convert to.

A polygon is a tuple of rings, each a tuple of ``(x, y)``: the first ring is the exterior,
the rest are holes (an island ward inside another keeps its hole). A shapefile does not say
which hole belongs to which exterior, so rings are grouped by orientation and containment
(pyshp's ``organize_polygon_rings``), as GeoJSON export tools do.
"""

from __future__ import annotations

import codecs
import io
import json
import math
import re
import struct
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import shapefile

from cspkit.errors import SourceFormatError, UnknownArea

BNG = "EPSG:27700"
WGS84 = "EPSG:4326"
CRS_NAMES = {BNG: "British National Grid (EPSG:27700)", WGS84: "WGS84 longitude/latitude"}

Point = tuple[float, float]
Ring = tuple[Point, ...]
Polygon = tuple[Ring, ...]  # exterior first, then holes

# Field names tried in order when the caller names none (compared case-insensitively).
# ONS boundary files use WD22CD / WD22NM / LAD22CD; the London Datastore uses GSS_CODE /
# NAME / LAGSSCODE.
_CODE_FIELDS = ("GSS_CODE", "GSSCODE", "CODE", "AREA_CODE", "AREACODE", "GEOGRAPHY_CODE")
_NAME_FIELDS = ("NAME", "AREA_NAME", "AREANAME", "WARD_NAME", "GEOGRAPHY_NAME", "NAME_EN")
_PARENT_FIELDS = (
    "LAGSSCODE",
    "LA_GSS_CODE",
    "LA_CODE",
    "LACODE",
    "LAD_CODE",
    "BOROUGH_CODE",
    "PARENT_CODE",
)
_ONS_CODE = re.compile(r"^[A-Z]+\d{2}CD$")  # WD22CD, LSOA21CD, LAD23CD
_ONS_NAME = re.compile(r"^[A-Z]+\d{2}NM$")
_ONS_PARENT = re.compile(r"^(LAD|LTLA|UTLA|CTY|LA)\d{2}CD$")
_BNG_PRJ = re.compile(
    r"british[_ ]national[_ ]grid|osgb[_ ]?1936[_ ]british|osgb36 / british|"
    r'authority\["epsg",\s*"?27700',
    re.IGNORECASE,
)
_GEOGCS_WGS84 = re.compile(r"wgs[_ ]?(19)?84", re.IGNORECASE)
_SHAPE_TYPES = {
    shapefile.POLYGON: "Polygon",
    shapefile.POLYGONZ: "PolygonZ",
    shapefile.POLYGONM: "PolygonM",
}


@dataclass(frozen=True)
class Area:
    """One area of a boundary file. ``polygons`` are in the file's coordinates."""

    code: str
    name: str
    parent_code: str | None
    polygons: tuple[Polygon, ...]

    @property
    def rings(self) -> tuple[Ring, ...]:
        """Every ring of every polygon (exteriors and holes), in file order."""
        return tuple(ring for polygon in self.polygons for ring in polygon)

    @cached_property
    def bbox(self) -> tuple[float, float, float, float]:
        """(min x, min y, max x, max y) of the exterior rings."""
        xs = [x for polygon in self.polygons for x, _ in polygon[0]]
        ys = [y for polygon in self.polygons for _, y in polygon[0]]
        return min(xs), min(ys), max(xs), max(ys)

    def contains(self, x: float, y: float) -> bool:
        """Whether (x, y) lies inside the area (inside an exterior and in none of its holes)."""
        x0, y0, x1, y1 = self.bbox
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            return False
        for polygon in self.polygons:
            if _in_ring(x, y, polygon[0]) and not any(_in_ring(x, y, h) for h in polygon[1:]):
                return True
        return False


@dataclass(frozen=True)
class Boundaries:
    """The areas of one boundary file, in file order, with where they came from.

    ``without_geometry`` holds the records that had no shape (a null shape or an empty
    geometry) as areas with no polygons: they cannot be drawn, so they are not in
    ``areas``, and a caller listing "areas without a boundary" will list them.
    """

    path: str
    crs: str  # BNG or WGS84
    crs_stated: bool  # False: judged from the coordinates (no .prj / no crs member)
    areas: tuple[Area, ...]
    code_field: str
    name_field: str
    parent_field: str | None
    fields: tuple[str, ...]  # every attribute field the file has, for messages
    without_geometry: tuple[Area, ...] = ()

    def __len__(self) -> int:
        return len(self.areas)

    def __iter__(self) -> Iterator[Area]:
        return iter(self.areas)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    @property
    def features(self) -> tuple[Area, ...]:
        """The same as ``areas`` (GeoJSON's word)."""
        return self.areas

    @property
    def codes(self) -> list[str]:
        return [a.code for a in self.areas]

    @cached_property
    def _by_code(self) -> dict[str, Area]:
        return {a.code: a for a in self.areas}

    def get(self, code: str) -> Area | None:
        return self._by_code.get(code)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        boxes = [a.bbox for a in self.areas]
        if not boxes:
            raise ValueError(f"{self.path}: no areas, so no extent")
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )

    def _filter(self, keep: Callable[[Area], bool]) -> Boundaries:
        return Boundaries(
            path=self.path,
            crs=self.crs,
            crs_stated=self.crs_stated,
            areas=tuple(a for a in self.areas if keep(a)),
            code_field=self.code_field,
            name_field=self.name_field,
            parent_field=self.parent_field,
            fields=self.fields,
            without_geometry=tuple(a for a in self.without_geometry if keep(a)),
        )

    def subset(self, codes: Iterable[str]) -> Boundaries:
        """The areas whose codes are given, in file order. Codes not in the file are ignored:
        use :func:`cspkit.render.choropleth.unmatched` to list them."""
        wanted = set(codes)
        return self._filter(lambda a: a.code in wanted)

    def for_parent(self, parent_code: str) -> Boundaries:
        """The areas inside one parent (e.g. Barnet's wards: ``for_parent("E09000003")``).

        Raises :class:`UnknownArea` if the file has no parent field or no area has that
        parent, naming the parent codes the file does have.
        """
        if self.parent_field is None:
            raise UnknownArea(
                f"{self.path}: the file has no parent (borough) code field, so areas cannot "
                f"be chosen by parent; its fields are {', '.join(self.fields)}. Choose areas "
                "by code with subset(), or name the field: read_boundaries(path, "
                "parent_field=...)."
            )
        if not any(a.parent_code == parent_code for a in self.areas):
            parents = sorted({a.parent_code for a in self.areas if a.parent_code})
            shown = ", ".join(parents[:40]) + (" ..." if len(parents) > 40 else "")
            raise UnknownArea(
                f"{self.path}: no area has {self.parent_field} = {parent_code!r}; "
                f"the parent codes in the file are {shown}"
            )
        return self._filter(lambda a: a.parent_code == parent_code)

    def point_in_area(self, x: float, y: float) -> str | None:
        """The code of the area containing (x, y), or None if no area does.

        (x, y) must be in the file's coordinates (``crs``): easting/northing for the
        National Grid, longitude/latitude for WGS84 - a lon/lat point tested against BNG
        boundaries is in no area. Ray casting (pure Python) with holes excluded. A point
        exactly on an edge shared by two areas goes to one of them (the first in file order
        that the half-open crossing rule places it in), never to both.
        """
        for area in self.areas:
            if area.contains(x, y):
                return area.code
        return None


def _in_ring(x: float, y: float, ring: Ring) -> bool:
    """Crossing-number (even-odd) test, half-open on y so shared edges are counted once."""
    inside = False
    n = len(ring)
    if n < 3:
        return False
    px, py = ring[-1]
    for qx, qy in ring:
        if (qy > y) != (py > y):
            cross = px + (y - py) * (qx - px) / (qy - py)
            if x < cross:
                inside = not inside
        px, py = qx, qy
    return inside


# --- reading -------------------------------------------------------------------------------


def read_boundaries(
    path: str | Path,
    *,
    code_field: str | None = None,
    name_field: str | None = None,
    parent_field: str | None = None,
) -> Boundaries:
    """Read area boundaries from a shapefile (``.shp`` with its ``.dbf``) or GeoJSON file.

    ``path`` is the ``.shp``, a ``.geojson``/``.json`` file, or a folder holding exactly one
    of them. Fields are found by name unless given: the code from ``GSS_CODE``, ``CODE``
    or an ONS-style ``WD22CD``; the name from ``NAME`` or ``WD22NM``; the parent from
    ``LAGSSCODE`` or ``LAD22CD``. Several areas with one code (a multi-part area stored as
    several records) are merged into one area. Raises :class:`SourceFormatError` naming
    the file and what was expected.
    """
    p = Path(path)
    if p.is_dir():
        p = _single_file_in(p)
    if not p.exists():
        raise SourceFormatError("no such file", path=str(p))
    suffix = p.suffix.lower()
    if suffix == ".shp":
        return _read_shapefile(p, code_field, name_field, parent_field)
    if suffix in (".geojson", ".json"):
        return _read_geojson(p, code_field, name_field, parent_field)
    raise SourceFormatError(
        "not a boundary file cspkit can read: expected an ESRI shapefile (.shp, with its "
        ".dbf, .shx and .prj alongside) or a GeoJSON FeatureCollection (.geojson or .json)",
        path=str(p),
    )


def _single_file_in(folder: Path) -> Path:
    found = sorted(f for f in folder.iterdir() if f.suffix.lower() in (".shp", ".geojson", ".json"))
    if len(found) == 1:
        return found[0]
    if not found:
        raise SourceFormatError(
            "the folder holds no boundary file (.shp, .geojson or .json)", path=str(folder)
        )
    names = ", ".join(f.name for f in found)
    raise SourceFormatError(
        f"the folder holds {len(found)} boundary files ({names}); name the one to use",
        path=str(folder),
    )


def _sibling(shp: Path, ext: str) -> Path | None:
    """The file next to ``shp`` with extension ``ext``, matched case-insensitively."""
    exact = shp.with_suffix(ext)
    if exact.exists():
        return exact
    for other in shp.parent.glob(shp.stem + ".*"):
        if other.suffix.lower() == ext:
            return other
    return None


def _encoding(cpg: Path | None) -> str:
    if cpg is None:
        return "utf-8"
    text = cpg.read_text(encoding="ascii", errors="replace").strip().lower()
    known = {"65001": "utf-8", "utf8": "utf-8", "88591": "latin-1", "ansi 1252": "cp1252"}
    name = known.get(text.replace("-", "").replace("_", ""), text)
    if name.isdigit():
        name = "cp" + name
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"


def _read_shapefile(
    shp: Path, code_field: str | None, name_field: str | None, parent_field: str | None
) -> Boundaries:
    where = str(shp)
    dbf = _sibling(shp, ".dbf")
    if dbf is None:
        raise SourceFormatError(
            f"the shapefile's attribute table {shp.stem}.dbf is missing: a shapefile is "
            f"several files ({shp.stem}.shp, .dbf, .shx, .prj) that must sit together; "
            "copy the .dbf next to the .shp",
            path=where,
        )
    shx, prj, cpg = _sibling(shp, ".shx"), _sibling(shp, ".prj"), _sibling(shp, ".cpg")
    encoding = _encoding(cpg)
    shapes_and_records = None
    # old files without a .cpg are often Windows-1252; latin-1 decodes any byte
    tried = list(dict.fromkeys([encoding, "cp1252", "latin-1"]))
    for enc in tried:
        try:
            shapes_and_records = _shapes_and_records(shp, shx, dbf, enc)
            break
        except UnicodeDecodeError:
            continue
        except shapefile.ShapefileException as exc:
            if "decode" in str(exc).lower():
                continue
            raise SourceFormatError(f"not a readable shapefile: {exc}", path=where) from exc
        except (struct.error, EOFError, ValueError, IndexError) as exc:
            raise SourceFormatError(
                f"not a readable shapefile (truncated or damaged?): {exc}", path=where
            ) from exc
    if shapes_and_records is None:
        raise SourceFormatError(
            f"the .dbf text could not be decoded as {', '.join(tried)}; add a .cpg file "
            "naming its encoding",
            path=str(dbf),
        )
    fields, rows = shapes_and_records
    code_f, name_f, parent_f = _choose_fields(
        where, fields, [attrs for attrs, _ in rows], code_field, name_field, parent_field
    )
    records = rows
    coords = [pt for _, polys in records for poly in polys for pt in poly[0]]
    if prj is not None:
        crs, stated = _crs_from_prj(prj), True
    else:
        crs, stated = _guess_crs(where, coords), False
    return _assemble(where, crs, stated, fields, records, code_f, name_f, parent_f)


def _shapes_and_records(
    shp: Path, shx: Path | None, dbf: Path, encoding: str
) -> tuple[list[str], list[tuple[dict, list[Polygon]]]]:
    with (
        shp.open("rb") as shp_f,
        dbf.open("rb") as dbf_f,
        shx.open("rb") if shx else io.BytesIO() as shx_f,
    ):
        reader = shapefile.Reader(
            shp=shp_f, dbf=dbf_f, shx=shx_f if shx else None, encoding=encoding
        )
        try:
            kind = reader.shapeType
            if kind not in _SHAPE_TYPES and kind != shapefile.NULL:
                raise SourceFormatError(
                    f"the shapefile holds {shapefile.SHAPETYPE_LOOKUP.get(kind, kind)} shapes; "
                    "area boundaries must be polygons (Polygon, PolygonZ or PolygonM)",
                    path=str(shp),
                )
            fields = [f.name for f in reader.fields[1:]]
            rows = []
            for sr in reader.iterShapeRecords():
                attrs = sr.record.as_dict()
                rows.append((attrs, _shape_polygons(sr.shape)))
            return fields, rows
        finally:
            reader.close()


def _shape_polygons(shape: shapefile.Shape) -> list[Polygon]:
    if shape.shapeType == shapefile.NULL or not shape.parts:
        return []
    bounds = [*shape.parts, len(shape.points)]
    rings = [
        [(float(pt[0]), float(pt[1])) for pt in shape.points[bounds[i] : bounds[i + 1]]]
        for i in range(len(shape.parts))
    ]
    rings = [r for r in rings if len(r) >= 3]
    if not rings:
        return []
    return [
        tuple(tuple(ring) for ring in polygon)
        for polygon in shapefile.organize_polygon_rings(rings)
    ]


def _crs_from_prj(prj: Path) -> str:
    text = prj.read_text(encoding="latin-1").strip()
    head = text.lstrip().upper()
    if _BNG_PRJ.search(text) or (
        head.startswith("PROJCS") and "OSGB" in head and "TRANSVERSE_MERCATOR" in head
    ):
        return BNG
    if head.startswith("GEOGCS") and _GEOGCS_WGS84.search(text):
        return WGS84
    name = re.match(r'\s*\w+\["([^"]*)"', text)
    raise SourceFormatError(
        f"the coordinate system in {prj.name} ({name.group(1) if name else text[:60]!r}) is "
        "not one cspkit can use: boundaries must be in British National Grid (EPSG:27700) "
        "or WGS84 longitude/latitude (EPSG:4326); convert the file (e.g. with QGIS or "
        "ogr2ogr -t_srs EPSG:27700)",
        path=str(prj),
    )


def _guess_crs(where: str, coords: Sequence[Point]) -> str:
    """No stated CRS: degrees if every coordinate fits lon/lat, else the National Grid."""
    if not coords:
        return WGS84
    xs = [x for x, _ in coords]
    ys = [y for _, y in coords]
    if -180 <= min(xs) <= max(xs) <= 180 and -90 <= min(ys) <= max(ys) <= 90:
        return WGS84
    if 0 <= min(xs) <= max(xs) <= 700_000 and 0 <= min(ys) <= max(ys) <= 1_300_000:
        return BNG
    raise SourceFormatError(
        "the file states no coordinate system and its coordinates are neither lon/lat "
        f"degrees nor British National Grid metres (x {min(xs):.0f} to {max(xs):.0f}, "
        f"y {min(ys):.0f} to {max(ys):.0f}); supply the .prj or convert to EPSG:27700",
        path=where,
    )


def _read_geojson(
    path: Path, code_field: str | None, name_field: str | None, parent_field: str | None
) -> Boundaries:
    where = str(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceFormatError(
            f"not valid JSON ({exc}); expected a GeoJSON FeatureCollection", path=where
        ) from exc
    kind = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
    if kind != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise SourceFormatError(
            f"not a GeoJSON FeatureCollection (its type is {kind!r}); expected "
            '{"type": "FeatureCollection", "features": [...]} with one Polygon or '
            "MultiPolygon feature per area",
            path=where,
        )
    records = []
    fields: dict[str, None] = {}
    for i, feature in enumerate(doc["features"], start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise SourceFormatError(f"feature {i} is not a GeoJSON Feature", path=where)
        props = feature.get("properties") or {}
        fields.update(dict.fromkeys(props))
        records.append((props, _geojson_polygons(where, i, feature.get("geometry"))))
    coords = [pt for _, polys in records for poly in polys for pt in poly[0]]
    stated_crs = _geojson_crs(where, doc.get("crs"))
    if stated_crs is not None:
        crs, stated = stated_crs, True
    else:
        # RFC 7946: GeoJSON is WGS84; but exports in the National Grid without a crs
        # member exist, and would otherwise place every point nowhere
        crs = _guess_crs(where, coords)
        stated = crs == WGS84  # the standard's default, so stated in effect
    field_list = list(fields)
    code_f, name_f, parent_f = _choose_fields(
        where, field_list, [p for p, _ in records], code_field, name_field, parent_field
    )
    return _assemble(where, crs, stated, field_list, records, code_f, name_f, parent_f)


def _geojson_crs(where: str, crs: object) -> str | None:
    if crs is None:
        return None
    name = ""
    if isinstance(crs, dict):
        name = str((crs.get("properties") or {}).get("name", ""))
    if re.search(r"27700", name):
        return BNG
    if re.search(r"CRS84|EPSG:{1,2}4326$|EPSG::4326", name, re.IGNORECASE):
        return WGS84
    raise SourceFormatError(
        f"the GeoJSON crs {name or crs!r} is not one cspkit can use: boundaries must be "
        "WGS84 (EPSG:4326, the GeoJSON default) or British National Grid (EPSG:27700)",
        path=where,
    )


def _geojson_polygons(where: str, index: int, geometry: object) -> list[Polygon]:
    if geometry is None:
        return []
    if not isinstance(geometry, dict):
        raise SourceFormatError(f"feature {index} has a geometry that is not an object", path=where)
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind == "Polygon":
        polys = [coords or []]
    elif kind == "MultiPolygon":
        polys = coords or []
    else:
        raise SourceFormatError(
            f"feature {index} is a {kind}; area boundaries must be Polygon or MultiPolygon",
            path=where,
        )
    try:
        out = [
            tuple(tuple((float(pt[0]), float(pt[1])) for pt in ring) for ring in poly)
            for poly in polys
            if poly
        ]
    except (TypeError, ValueError, IndexError) as exc:
        raise SourceFormatError(
            f"feature {index} has malformed {kind} coordinates ({exc})", path=where
        ) from exc
    return [p for p in out if len(p[0]) >= 3]


def _find(fields: Sequence[str], names: Sequence[str]) -> str | None:
    upper = {f.upper(): f for f in fields}
    for name in names:
        if name in upper:
            return upper[name]
    return None


def _given(where: str, fields: Sequence[str], name: str, what: str) -> str:
    found = _find(fields, [name.upper()])
    if found is None:
        raise SourceFormatError(
            f"there is no {what} field {name!r}; the fields are {', '.join(fields)}", where
        )
    return found


def _choose_fields(
    where: str,
    fields: Sequence[str],
    rows: Sequence[dict],
    code_field: str | None,
    name_field: str | None,
    parent_field: str | None,
) -> tuple[str, str, str | None]:
    listed = ", ".join(fields) if fields else "none"
    if code_field is not None:
        code = _given(where, fields, code_field, "code")
    else:
        code = _find(fields, _CODE_FIELDS)
        if code is None:
            ons = [f for f in fields if _ONS_CODE.match(f.upper())]
            # of several (WD22CD and LAD22CD), the area's own code is the one that is unique
            unique = [f for f in ons if len({str(r.get(f)) for r in rows}) == len(rows)]
            code = (unique or ons or [None])[0]
        if code is None:
            raise SourceFormatError(
                f"no area code field found (looked for GSS_CODE, CODE or an ONS-style "
                f"field such as WD22CD); the fields are {listed}. Name it: "
                "read_boundaries(path, code_field=...)",
                path=where,
            )
    if name_field is not None:
        name = _given(where, fields, name_field, "name")
    else:
        name = _find(fields, _NAME_FIELDS)
        if name is None:
            stem = code.upper()[:-2] if code.upper().endswith("CD") else None
            ons_names = [f for f in fields if _ONS_NAME.match(f.upper())]
            same = [f for f in ons_names if stem and f.upper() == stem + "NM"]
            name = (same or ons_names or [None])[0]
        if name is None:
            raise SourceFormatError(
                f"no area name field found (looked for NAME or an ONS-style field such as "
                f"WD22NM); the fields are {listed}. Name it: "
                "read_boundaries(path, name_field=...)",
                path=where,
            )
    if parent_field is not None:
        parent = _given(where, fields, parent_field, "parent")
    else:
        parent = _find(fields, _PARENT_FIELDS)
        if parent is None:
            candidates = [f for f in fields if _ONS_PARENT.match(f.upper()) and f != code]
            parent = candidates[0] if candidates else None
    return code, name, parent


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _assemble(
    where: str,
    crs: str,
    stated: bool,
    fields: Sequence[str],
    records: Sequence[tuple[dict, list[Polygon]]],
    code_f: str,
    name_f: str,
    parent_f: str | None,
) -> Boundaries:
    merged: dict[str, tuple[str, str | None, list[Polygon]]] = {}
    for number, (attrs, polygons) in enumerate(records, start=1):
        code = _text(attrs.get(code_f))
        if not code:
            raise SourceFormatError(f"record {number} has no {code_f} (area code)", path=where)
        for polygon in polygons:
            for ring in polygon:
                if not all(math.isfinite(c) for pt in ring for c in pt):
                    raise SourceFormatError(
                        f"record {number} ({code}) has a coordinate that is not a number",
                        path=where,
                    )
        parent = (_text(attrs.get(parent_f)) or None) if parent_f else None
        if code in merged:
            name, first_parent, polys = merged[code]
            polys.extend(polygons)
        else:
            merged[code] = (_text(attrs.get(name_f)) or code, parent, list(polygons))
    every = [
        Area(code=code, name=name, parent_code=parent, polygons=tuple(polys))
        for code, (name, parent, polys) in merged.items()
    ]
    areas = tuple(a for a in every if a.polygons)
    empty = tuple(a for a in every if not a.polygons)
    return Boundaries(
        path=where,
        crs=crs,
        crs_stated=stated,
        areas=areas,
        code_field=code_f,
        name_field=name_f,
        parent_field=parent_f,
        fields=tuple(fields),
        without_geometry=empty,
    )
