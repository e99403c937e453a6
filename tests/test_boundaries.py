"""User-supplied boundaries (shapefile, GeoJSON) and the accessible SVG choropleth."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import shapefile
from conftest import SHARED_DATA

from cspkit.errors import SourceFormatError, UnknownArea
from cspkit.render.choropleth import (
    NO_DATA,
    SNA_BANDS,
    band_of,
    check_bands,
    choropleth_svg,
    map_rows,
    map_text_alternative,
    palette,
    unmatched,
)
from cspkit.sources.boundaries import BNG, WGS84, read_boundaries

BOUNDARIES = SHARED_DATA / "boundaries"
WARDS_2018 = BOUNDARIES / "london-wards-2018" / "London_Ward.shp"
BOROUGHS = BOUNDARIES / "london_boroughs.geojson"
BARNET = "E09000003"
SVG = "{http://www.w3.org/2000/svg}"

BNG_PRJ = (
    'PROJCS["British_National_Grid",GEOGCS["GCS_OSGB_1936",DATUM["D_OSGB_1936",'
    'SPHEROID["Airy_1830",6377563.396,299.3249646]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["False_Easting",400000.0],PARAMETER["False_Northing",-100000.0],'
    'PARAMETER["Central_Meridian",-2.0],PARAMETER["Scale_Factor",0.9996012717],'
    'PARAMETER["Latitude_Of_Origin",49.0],UNIT["Meter",1.0]]'
)


@pytest.fixture(scope="module")
def wards():
    return read_boundaries(WARDS_2018)


@pytest.fixture(scope="module")
def boroughs():
    return read_boundaries(BOROUGHS)


# --- the shared files ----------------------------------------------------------------------


def test_ward_shapefile_has_every_dbf_record(wards):
    with shapefile.Reader(str(WARDS_2018)) as independent:
        records = independent.records()
    assert len(wards) == len(records) == 657
    assert wards.crs == BNG and wards.crs_stated
    assert (wards.code_field, wards.name_field, wards.parent_field) == (
        "GSS_CODE",
        "NAME",
        "LAGSSCODE",
    )
    assert set(wards.codes) == {r["GSS_CODE"] for r in records}
    assert all(code.startswith("E05") for code in wards.codes)
    # real National Grid metres, not reprojected: London lies about 500-560 km east
    x0, y0, x1, y1 = wards.bbox
    assert 500_000 < x0 < x1 < 565_000 and 155_000 < y0 < y1 < 205_000


def test_barnet_wards_by_parent_code(wards):
    with shapefile.Reader(str(WARDS_2018)) as independent:
        expected = {r["GSS_CODE"] for r in independent.records() if r["LAGSSCODE"] == BARNET}
    barnet = wards.for_parent(BARNET)
    assert len(barnet) == len(expected) == 21  # Barnet's 21 wards before May 2022
    assert set(barnet.codes) == expected
    assert all(a.parent_code == BARNET for a in barnet)
    assert "Golders Green" in [a.name for a in barnet]
    assert barnet.path == wards.path and barnet.crs == BNG


def test_for_parent_unknown_code_names_the_codes_there_are(wards):
    with pytest.raises(UnknownArea, match="E09000003"):
        wards.for_parent("E09999999")


def test_borough_geojson(boroughs):
    assert len(boroughs) == 33
    assert boroughs.crs == WGS84
    assert sorted(boroughs.codes) == [f"E090000{n:02d}" for n in range(1, 34)]
    assert boroughs.get(BARNET).name == "Barnet"
    assert boroughs.parent_field is None
    with pytest.raises(UnknownArea, match="no parent"):
        boroughs.for_parent("E12000007")


def test_point_in_area_on_real_boundaries(boroughs, wards):
    assert boroughs.point_in_area(-0.1281, 51.5080) == "E09000033"  # Trafalgar Square
    assert boroughs.point_in_area(-1.2577, 51.7520) is None  # Oxford
    # a lon/lat point against National Grid boundaries is in no area
    assert wards.point_in_area(-0.1281, 51.5080) is None
    # Trafalgar Square in National Grid metres is in a Westminster ward
    code = wards.point_in_area(530_000, 180_500)
    assert code is not None and wards.get(code).parent_code == "E09000033"


def test_subset_keeps_file_order_and_ignores_unknown_codes(wards):
    barnet = wards.for_parent(BARNET)
    wanted = [barnet.codes[5], barnet.codes[2], "E05999999"]
    sub = barnet.subset(wanted)
    assert sub.codes == [barnet.codes[2], barnet.codes[5]]


# --- geometry: point in polygon with holes --------------------------------------------------


def _square(x0, y0, x1, y1, clockwise=False):
    ring = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    return list(reversed(ring)) if clockwise else ring


def _write_geojson(path: Path, features: list[dict], crs: str | None = None) -> Path:
    doc: dict = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc))
    return path


def _feature(code, name, geometry, **extra):
    return {
        "type": "Feature",
        "properties": {"GSS_CODE": code, "NAME": name, **extra},
        "geometry": geometry,
    }


@pytest.fixture
def doughnut(tmp_path):
    """A square ward with a square hole, and an island ward filling the hole (BNG metres)."""
    ring = {
        "type": "Polygon",
        "coordinates": [_square(0, 0, 1000, 1000), _square(400, 400, 600, 600)],
    }
    island = {"type": "Polygon", "coordinates": [_square(400, 400, 600, 600)]}
    return _write_geojson(
        tmp_path / "doughnut.geojson",
        [_feature("E05000001", "Ring", ring), _feature("E05000002", "Island", island)],
        crs="urn:ogc:def:crs:EPSG::27700",
    )


def test_point_in_area_with_a_hole(doughnut):
    b = read_boundaries(doughnut)
    assert b.crs == BNG and b.crs_stated
    ring = b.get("E05000001")
    assert len(ring.polygons) == 1 and len(ring.polygons[0]) == 2  # the hole is kept
    assert b.point_in_area(200, 200) == "E05000001"  # in the ring
    assert b.point_in_area(500, 500) == "E05000002"  # in the hole: the island, not the ring
    assert not ring.contains(500, 500)
    assert b.point_in_area(1500, 500) is None
    assert b.subset(["E05000001"]).point_in_area(500, 500) is None


def test_shapefile_rings_are_grouped_into_polygons_with_holes(tmp_path):
    path = tmp_path / "wards.shp"
    with shapefile.Writer(str(path), shapeType=shapefile.POLYGON) as w:
        w.field("WD18CD", "C", size=9)
        w.field("WD18NM", "C", size=40)
        w.field("LAD18CD", "C", size=9)
        # exterior clockwise, hole anticlockwise (the shapefile convention), plus an islet
        w.poly(
            [
                _square(0, 0, 1000, 1000, clockwise=True),
                _square(400, 400, 600, 600),
                _square(2000, 0, 2100, 100, clockwise=True),
            ]
        )
        w.record("E05000001", "Ring and islet", BARNET)
        w.null()
        w.record("E05000003", "No shape", BARNET)
    path.with_suffix(".prj").write_text(BNG_PRJ)
    b = read_boundaries(path)
    assert (b.code_field, b.name_field, b.parent_field) == ("WD18CD", "WD18NM", "LAD18CD")
    area = b.get("E05000001")
    assert sorted(len(p) for p in area.polygons) == [1, 2]
    assert b.point_in_area(500, 500) is None
    assert b.point_in_area(100, 100) == b.point_in_area(2050, 50) == "E05000001"
    # the null shape is kept aside, not dropped silently, and not drawable
    assert "E05000003" not in b
    assert [a.code for a in b.without_geometry] == ["E05000003"]
    assert [a.code for a in b.for_parent(BARNET).without_geometry] == ["E05000003"]


def test_code_and_name_fields_can_be_given(tmp_path):
    path = _write_geojson(
        tmp_path / "x.geojson",
        [
            {
                "type": "Feature",
                "properties": {"ward_id": "W1", "label": "First"},
                "geometry": {"type": "Polygon", "coordinates": [_square(0, 0, 1, 1)]},
            }
        ],
    )
    with pytest.raises(SourceFormatError, match=r"ward_id, label") as caught:
        read_boundaries(path)
    assert str(path) in str(caught.value) and "code_field" in str(caught.value)
    b = read_boundaries(path, code_field="ward_id", name_field="label")
    assert b.get("W1").name == "First"


# --- errors ---------------------------------------------------------------------------------


def test_geojson_that_is_not_a_feature_collection(tmp_path):
    path = tmp_path / "one.geojson"
    path.write_text(json.dumps(_feature("E05000001", "A", None)))
    with pytest.raises(SourceFormatError, match="not a GeoJSON FeatureCollection") as caught:
        read_boundaries(path)
    assert caught.value.path == str(path)
    assert "'Feature'" in str(caught.value)


def test_geojson_with_points_is_refused(tmp_path):
    path = _write_geojson(
        tmp_path / "pts.geojson",
        [_feature("E05000001", "A", {"type": "Point", "coordinates": [0.1, 51.5]})],
    )
    with pytest.raises(SourceFormatError, match="feature 1 is a Point.*Polygon or MultiPolygon"):
        read_boundaries(path)


def test_shapefile_without_its_dbf(tmp_path):
    for ext in (".shp", ".shx", ".prj"):
        shutil.copy(WARDS_2018.with_suffix(ext), tmp_path / f"London_Ward{ext}")
    with pytest.raises(SourceFormatError, match=r"London_Ward\.dbf is missing") as caught:
        read_boundaries(tmp_path / "London_Ward.shp")
    assert caught.value.path == str(tmp_path / "London_Ward.shp")


def test_a_folder_with_two_shapefiles_asks_which(tmp_path):
    with pytest.raises(SourceFormatError, match="London_Ward.shp, London_Ward_CityMerged.shp"):
        read_boundaries(WARDS_2018.parent)


def test_unsupported_coordinate_system(tmp_path):
    for ext in (".shp", ".shx", ".dbf"):
        shutil.copy(WARDS_2018.with_suffix(ext), tmp_path / f"w{ext}")
    (tmp_path / "w.prj").write_text(
        'PROJCS["WGS_1984_Web_Mercator_Auxiliary_Sphere",GEOGCS["GCS_WGS_1984"]]'
    )
    with pytest.raises(SourceFormatError, match="EPSG:27700"):
        read_boundaries(tmp_path / "w.shp")
    (tmp_path / "w.prj").unlink()  # no .prj: judged from the coordinates
    b = read_boundaries(tmp_path / "w.shp")
    assert b.crs == BNG and not b.crs_stated


# --- bands ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (0, "under 1"),
        (0.999, "under 1"),
        (1, "1 to 1.5"),
        (1.5, "1.5 to 2"),
        (3 * 0.5, "1.5 to 2"),
        (1.4999999999999998, "1.5 to 2"),  # 1.5 up to floating-point error
        (2.9999, "2 to 3"),
        (5, "over 5"),
        (12.0, "over 5"),
        (None, NO_DATA),
        (float("nan"), NO_DATA),
    ],
)
def test_band_of(value, band):
    assert band_of(value, SNA_BANDS) == band


def test_bands_must_meet():
    with pytest.raises(ValueError, match="must meet"):
        check_bands([(None, 1, "low"), (2, None, "high")])
    with pytest.raises(ValueError, match="outside every band"):
        band_of(7, [(0, 5, "0 to 5")])


def test_palette_steps_are_distinct_light_to_dark():
    colours = palette(6)
    assert len(set(colours)) == 6
    assert colours[0].lower() == "#fde725" and colours[-1].lower() == "#440154"
    assert len(set(palette(9))) == 9


# --- the map --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def barnet_map(wards):
    barnet = wards.for_parent(BARNET)
    values: dict[str, float | None] = {}
    for i, code in enumerate(barnet.codes):
        values[code] = [0.5, 1.2, 1.5, 2.4, 4.0, 7.5][i % 6]
    values[barnet.codes[-1]] = None  # a ward with no figure
    values["E05999999"] = 2.2  # a figure with no boundary
    svg = choropleth_svg(
        barnet,
        values,
        bands=SNA_BANDS,
        title="Serious violence in Barnet's wards",
        value_label="Serious violence per 1,000 residents",
        highlight=barnet.codes[0],
        area_label="wards",
    )
    return barnet, values, svg


def test_map_svg_is_xml_with_one_path_per_area(barnet_map):
    barnet, values, svg = barnet_map
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    paths = [p for p in root.iter(f"{SVG}path") if p.get("data-code")]
    assert sorted(p.get("data-code") for p in paths) == sorted(barnet.codes)
    with_data = [c for c in barnet.codes if values.get(c) is not None]
    for code in with_data:
        (path,) = [p for p in paths if p.get("data-code") == code]
        assert path.get("data-band") == band_of(values[code])
        assert path.get("d").startswith("M")
        tip = path.find(f"{SVG}title").text
        assert barnet.get(code).name in tip and band_of(values[code]) in tip
    (missing,) = [p for p in paths if p.get("data-code") == barnet.codes[-1]]
    assert missing.get("fill").startswith("url(#") and missing.get("data-band") == NO_DATA
    assert "no data" in missing.find(f"{SVG}title").text
    # the figure without a boundary is not drawn
    assert "E05999999" not in {p.get("data-code") for p in paths}


def test_map_svg_is_accessible(barnet_map):
    barnet, _, svg = barnet_map
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None and title.text == "Serious violence in Barnet's wards"
    assert desc is not None and "Map of 21 wards" in desc.text
    assert root.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]
    legend = root.find(f"{SVG}g[@class='legend']")
    texts = [t.text for t in legend.iter(f"{SVG}text")]
    for _, _, label in SNA_BANDS:
        assert label in texts
    assert "No data" in texts
    assert any(t.startswith("Outlined: " + barnet.get(barnet.codes[0]).name) for t in texts)
    # a viewBox with the map's aspect kept (Barnet is about as tall as wide)
    _, _, width, height = (float(v) for v in root.get("viewBox").split())
    assert width > height > 300


def test_map_of_wgs84_boroughs(boroughs):
    values = {code: 1.0 + i / 10 for i, code in enumerate(boroughs.codes)}
    svg = choropleth_svg(
        boroughs, values, title="Boroughs", value_label="Rate per 1,000", chart_id="b"
    )
    root = ET.fromstring(svg)
    assert len([p for p in root.iter(f"{SVG}path") if p.get("data-code")]) == 33
    assert root.get("id") == "b" and root.find(f"{SVG}title").get("id") == "b-title"


def test_text_alternative_and_unmatched(barnet_map):
    barnet, values, _ = barnet_map
    assert unmatched(values, barnet) == ["E05999999"]
    text = map_text_alternative(barnet, values, SNA_BANDS, "wards")
    assert text.startswith("Map of 21 wards. Wards in each band: under 1: 4; 1 to 1.5: 4;")
    assert "no data: 1." in text
    assert "Highest: " in text and "7.50" in text and "Lowest: " in text and "0.50" in text
    assert "1 ward has a figure but no boundary" in text
    rows = map_rows(barnet, values)
    assert rows[0]["value"] == 7.5 and rows[-1] == {
        "code": "E05999999",
        "name": "E05999999",
        "value": 2.2,
        "band": "2 to 3",
        "on_map": False,
    }


def test_shapefile_of_points_is_refused(tmp_path):
    path = tmp_path / "pts.shp"
    with shapefile.Writer(str(path), shapeType=shapefile.POINT) as w:
        w.field("GSS_CODE", "C", size=9)
        w.point(530_000, 180_000)
        w.record("E05000001")
    with pytest.raises(SourceFormatError, match="holds POINT shapes.*must be polygons"):
        read_boundaries(path)


def test_windows_1252_names_without_a_cpg_and_no_shx(tmp_path):
    path = tmp_path / "old.shp"
    with shapefile.Writer(str(path), shapeType=shapefile.POLYGON, encoding="cp1252") as w:
        w.field("GSS_CODE", "C", size=9)
        w.field("NAME", "C", size=40)
        w.poly([_square(530_000, 180_000, 531_000, 181_000, clockwise=True)])
        w.record("E05000001", "Café Quarter")
    for ext in (".cpg", ".shx"):
        path.with_suffix(ext).unlink(missing_ok=True)
    b = read_boundaries(path)
    assert b.get("E05000001").name == "Café Quarter"
    assert b.crs == BNG and not b.crs_stated  # no .prj: National Grid by its coordinates
