"""WGS84 longitude/latitude to the British National Grid (EPSG:27700), without pyproj.

Points of data.police.uk (WGS84 degrees) must be placed in boundary files that are often
in the National Grid (metres). The conversion follows the Ordnance Survey's "A guide to
coordinate systems in Great Britain": WGS84 is taken as ETRS89 (they agree to within a
metre), moved to OSGB36 by the OS's 7-parameter Helmert transformation (accurate to
about 5 metres; OSTN15, the exact transformation, needs a grid file), then projected by
the National Grid's Transverse Mercator on the Airy 1830 ellipsoid. Vectorised with
NumPy.
"""

from __future__ import annotations

import numpy as np

_GRS80 = (6378137.000, 6356752.314140)
_AIRY = (6377563.396, 6356256.909)
# ETRS89 (= WGS84 to within a metre) -> OSGB36: Ordnance Survey, "A guide to coordinate
# systems in Great Britain", section 6.6 (accuracy about 5 m)
_HELMERT = {
    "tx": -446.448,
    "ty": 125.157,
    "tz": -542.060,
    "s": 20.4894e-6,
    "rx": np.radians(-0.1502 / 3600),
    "ry": np.radians(-0.2470 / 3600),
    "rz": np.radians(-0.8421 / 3600),
}
_F0, _LAT0, _LON0, _E0, _N0 = 0.9996012717, np.radians(49.0), np.radians(-2.0), 400000.0, -100000.0


def wgs84_to_bng(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Easting and northing (metres) of WGS84 longitudes and latitudes (degrees)."""
    phi, lam = np.radians(np.asarray(lat, dtype=float)), np.radians(np.asarray(lon, dtype=float))
    a, b = _GRS80
    e2 = 1 - (b * b) / (a * a)
    nu = a / np.sqrt(1 - e2 * np.sin(phi) ** 2)
    x = nu * np.cos(phi) * np.cos(lam)
    y = nu * np.cos(phi) * np.sin(lam)
    z = (1 - e2) * nu * np.sin(phi)
    h = _HELMERT
    s1 = 1 + h["s"]
    x2 = h["tx"] + s1 * x - h["rz"] * y + h["ry"] * z
    y2 = h["ty"] + h["rz"] * x + s1 * y - h["rx"] * z
    z2 = h["tz"] - h["ry"] * x + h["rx"] * y + s1 * z
    a, b = _AIRY
    e2 = 1 - (b * b) / (a * a)
    p = np.hypot(x2, y2)
    phi = np.arctan2(z2, p * (1 - e2))
    for _ in range(10):
        nu = a / np.sqrt(1 - e2 * np.sin(phi) ** 2)
        phi = np.arctan2(z2 + e2 * nu * np.sin(phi), p)
    lam = np.arctan2(y2, x2)
    return osgb36_to_grid(lam, phi)


def osgb36_to_grid(lam: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The National Grid's Transverse Mercator projection of OSGB36 lon/lat (radians)."""
    a, b = _AIRY
    e2 = 1 - (b * b) / (a * a)
    n = (a - b) / (a + b)
    sin, cos, tan = np.sin(phi), np.cos(phi), np.tan(phi)
    nu = a * _F0 / np.sqrt(1 - e2 * sin**2)
    rho = a * _F0 * (1 - e2) / (1 - e2 * sin**2) ** 1.5
    eta2 = nu / rho - 1
    d, s = phi - _LAT0, phi + _LAT0
    m = (
        b
        * _F0
        * (
            (1 + n + 1.25 * n**2 + 1.25 * n**3) * d
            - (3 * n + 3 * n**2 + 21 / 8 * n**3) * np.sin(d) * np.cos(s)
            + (15 / 8 * n**2 + 15 / 8 * n**3) * np.sin(2 * d) * np.cos(2 * s)
            - 35 / 24 * n**3 * np.sin(3 * d) * np.cos(3 * s)
        )
    )
    i = m + _N0
    ii = nu / 2 * sin * cos
    iii = nu / 24 * sin * cos**3 * (5 - tan**2 + 9 * eta2)
    iiia = nu / 720 * sin * cos**5 * (61 - 58 * tan**2 + tan**4)
    iv = nu * cos
    v = nu / 6 * cos**3 * (nu / rho - tan**2)
    vi = nu / 120 * cos**5 * (5 - 18 * tan**2 + tan**4 + 14 * eta2 - 58 * tan**2 * eta2)
    dl = lam - _LON0
    north = i + ii * dl**2 + iii * dl**4 + iiia * dl**6
    east = _E0 + iv * dl + v * dl**3 + vi * dl**5
    return east, north
