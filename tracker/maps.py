"""World maps drawn on the server as SVG: one shape per state, in the Equal Earth projection.

The boundaries are Natural Earth's, as the npm package ``world-atlas`` ships them (TopoJSON,
states keyed by their ISO 3166-1 numeric code; ``make run`` and ``make test`` install it beside
axe-core, ``settings.WORLD_ATLAS`` names its folder): shapes at 1:110 million, and the states
too small for that scale as dots where the 1:50 million map has them. pycountry turns the
numeric codes into the tracker's alpha-3 codes. The shapes are computed once per process; a
page only colours them.

Without the file, ``shapes()`` is empty and pages say that the map is not available: the table
beside every map holds the same facts.
"""

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import pycountry
from django.conf import settings

# The drawing's width in SVG units; its height follows from the projection's bounds.
WIDTH = 1000.0
# Antarctica (numeric 010) is no state: left out, and the map ends at the southern tip of the
# inhabited continents.
LEFT_OUT = {"010"}
# A state whose shape spans fewer units than this is drawn as a dot too, so that it can be seen.
DOT_BELOW = 4.0

# Equal Earth (Šavrič, Patterson and Jenny, 2018): the published polynomial coefficients.
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2


def _equal_earth(lon: float, lat: float) -> tuple[float, float]:
    """Longitude and latitude in degrees to the projection's plane (y grows northwards)."""
    lam, phi = math.radians(lon), math.radians(lat)
    theta = math.asin(_M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


@dataclass(frozen=True)
class Shape:
    """One state as drawn: its SVG path, and a dot where the shape is too small to see."""

    path: str
    dot: tuple[float, float] | None


@dataclass(frozen=True)
class World:
    width: float
    height: float
    shapes: dict[str, Shape]  # by alpha-3 code


def _decoded_arc(topology: dict, index: int) -> list[tuple[float, float]]:
    """One of TopoJSON's quantised, delta-encoded arcs as longitudes and latitudes."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    x = y = 0
    points = []
    for dx, dy in topology["arcs"][index]:
        x += dx
        y += dy
        points.append((x * sx + tx, y * sy + ty))
    return points


class _Arcs:
    """The arcs a topology's states use, decoded when first needed."""

    def __init__(self, topology: dict):
        self.topology, self.decoded = topology, {}

    def __getitem__(self, index: int) -> list[tuple[float, float]]:
        if index not in self.decoded:
            self.decoded[index] = _decoded_arc(self.topology, index)
        return self.decoded[index]


def _ring(indices: list[int], arcs) -> list[tuple[float, float]]:
    """A closed ring from its arcs (a negative index is the arc ``~i`` reversed)."""
    points: list[tuple[float, float]] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def _unwrapped(ring) -> list[list[tuple[float, float]]]:
    """A ring that crosses the antimeridian, made continuous and drawn on both edges (the
    drawing's edges clip what lies beyond them)."""
    out, shift, last = [], 0.0, None
    for lon, lat in ring:
        if last is not None:
            if lon + shift - last > 180:
                shift -= 360
            elif lon + shift - last < -180:
                shift += 360
        last = lon + shift
        out.append((last, lat))
    lons = [lon for lon, _lat in out]
    copies = [out]
    if max(lons) > 180:
        copies.append([(lon - 360, lat) for lon, lat in out])
    if min(lons) < -180:
        copies.append([(lon + 360, lat) for lon, lat in out])
    return copies


def _polygons(geometry: dict) -> list[list[list[int]]]:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


def _alpha3(numeric: str | None) -> str | None:
    country = pycountry.countries.get(numeric=numeric) if numeric else None
    return country.alpha_3 if country else None


def _projected_states(topology: dict, only=None) -> dict[str, list[list[tuple[float, float]]]]:
    """Each state's rings in the projection's plane (``only``: these alpha-3 codes)."""
    arcs = _Arcs(topology)
    rings: dict[str, list[list[tuple[float, float]]]] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        code = _alpha3(geometry.get("id"))
        if code is None or geometry.get("id") in LEFT_OUT or (only and code not in only):
            continue
        for polygon in _polygons(geometry):
            for indices in polygon:
                for ring in _unwrapped(_ring(indices, arcs)):
                    projected = [_equal_earth(lon, lat) for lon, lat in ring]
                    rings.setdefault(code, []).append(projected)
    return rings


def world_from(topology: dict, detailed: dict | None = None) -> World:
    """Every state's shape, projected and scaled to ``WIDTH``; states too small for
    ``topology``'s scale are taken from ``detailed`` (the same map at a larger scale) as dots."""
    rings = _projected_states(topology)
    # The drawing spans the projected world from -180 to 180 degrees, and the states' latitudes.
    half = _equal_earth(180, 0)[0]
    ys = [y for state in rings.values() for ring in state for _x, y in ring]
    top, bottom = max(ys), min(ys)
    scale = WIDTH / (2 * half)
    height = round((top - bottom) * scale, 1)

    def at(x: float, y: float) -> tuple[float, float]:
        return round((x + half) * scale, 1), round((top - y) * scale, 1)

    shapes = {}
    for code, state in rings.items():
        parts, xs, ys = [], [], []
        for ring in state:
            points, previous = [], None
            for x, y in ring:
                point = at(x, y)
                if point != previous:  # the same point at this scale: drawn once
                    points.append(point)
                    previous = point
            if len(points) < 3:
                continue
            xs += [p[0] for p in points]
            ys += [p[1] for p in points]
            head, *rest = points
            parts.append(f"M{head[0]:g} {head[1]:g}L" + " ".join(f"{x:g} {y:g}" for x, y in rest))
        if not parts:
            continue
        small = max(xs) - min(xs) < DOT_BELOW and max(ys) - min(ys) < DOT_BELOW
        dot = (round(sum(xs) / len(xs), 1), round(sum(ys) / len(ys), 1)) if small else None
        shapes[code] = Shape(path="Z".join(parts) + "Z", dot=dot)
    if detailed:
        missing = {
            code
            for code in map(
                _alpha3, (g.get("id") for g in detailed["objects"]["countries"]["geometries"])
            )
            if code and code not in shapes
        }
        for code, state in _projected_states(detailed, only=missing).items():
            points = [at(x, y) for ring in state for x, y in ring]
            middle = (
                round(sum(p[0] for p in points) / len(points), 1),
                round(sum(p[1] for p in points) / len(points), 1),
            )
            shapes[code] = Shape(path="", dot=middle)
    return World(width=WIDTH, height=height, shapes=shapes)


@functools.cache
def _world(folder: str) -> World | None:
    try:
        small, detailed = (
            json.loads((Path(folder) / name).read_text(encoding="utf-8"))
            for name in ("countries-110m.json", "countries-50m.json")
        )
    except (OSError, ValueError):
        return None
    return world_from(small, detailed)


def world() -> World | None:
    """The map's shapes, or None when the boundaries are not installed or unreadable."""
    return _world(str(settings.WORLD_ATLAS))


def status_map(rows) -> dict | None:
    """What the map template draws: ``rows`` are ``(country, status)`` pairs, in the order of
    the table beside the map. None without the boundaries file."""
    drawn = world()
    if drawn is None:
        return None
    states = [(country, status, drawn.shapes.get(country.code)) for country, status in rows]
    return {
        "width": drawn.width,
        "height": drawn.height,
        "states": [(c, status, shape) for c, status, shape in states if shape],
        "not_drawn": [c for c, _status, shape in states if shape is None],
    }
