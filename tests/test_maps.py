"""World maps: the projection, the TopoJSON decoding, and the map on the instrument page."""

import math
import re

import pytest
from django.conf import settings

from tests.test_instrument_page import build
from tracker import maps

ATLAS = settings.WORLD_ATLAS / "countries-110m.json"


def topology(geometries, arcs):
    """A TopoJSON whose quantisation is the identity: arcs in whole degrees, delta-encoded."""
    encoded = []
    for arc in arcs:
        previous, deltas = (0, 0), []
        for x, y in arc:
            deltas.append([x - previous[0], y - previous[1]])
            previous = (x, y)
        encoded.append(deltas)
    return {
        "type": "Topology",
        "transform": {"scale": [1, 1], "translate": [0, 0]},
        "arcs": encoded,
        "objects": {"countries": {"type": "GeometryCollection", "geometries": geometries}},
    }


def test_equal_earth_keeps_the_equator_and_the_poles_where_the_projection_puts_them():
    assert maps._equal_earth(0, 0) == (0, 0)
    # At 180 degrees on the equator: pi / (sqrt(3)/2 * A1), the projection's half width.
    assert maps._equal_earth(180, 0)[0] == pytest.approx(math.pi / (math.sqrt(3) / 2 * 1.340264))
    x, y = maps._equal_earth(0, 90)
    assert x == 0 and y == pytest.approx(1.3173, abs=1e-4)
    # Symmetric, and equal-area's hallmark: meridians bend inwards towards the poles.
    assert maps._equal_earth(-90, -45) == pytest.approx(
        tuple(-v for v in maps._equal_earth(90, 45))
    )
    assert maps._equal_earth(90, 60)[0] < maps._equal_earth(90, 0)[0]


def test_shapes_come_from_the_arcs_keyed_by_alpha_3_and_antarctica_is_left_out():
    square = [(10, 10), (30, 10), (30, 30), (10, 30), (10, 10)]
    # Kazakhstan (398) uses the arc; Antarctica (010) and a shape with no id are left out; a
    # reversed arc (~0) draws the same ring.
    world = maps.world_from(
        topology(
            [
                {"type": "Polygon", "id": "398", "arcs": [[0]]},
                {"type": "MultiPolygon", "id": "417", "arcs": [[[~0]]]},
                {"type": "Polygon", "id": "010", "arcs": [[0]]},
                {"type": "Polygon", "arcs": [[0]]},
            ],
            [square],
        )
    )
    assert set(world.shapes) == {"KAZ", "KGZ"}
    assert world.width == maps.WIDTH
    kaz = world.shapes["KAZ"]
    assert kaz.path.startswith("M") and kaz.path.endswith("Z") and kaz.dot is None
    points = re.findall(r"([\d.]+) ([\d.]+)", kaz.path)
    assert len(points) == 5
    # North is up: the ring's northern edge (30 degrees) has the smaller y.
    ys = sorted({float(y) for _x, y in points})
    assert ys[0] == 0 and world.height == pytest.approx(ys[-1], abs=0.1)


def test_a_ring_across_the_antimeridian_is_drawn_on_both_edges_without_a_line_across():
    ring = [(170, 60), (-170, 60), (-170, 70), (170, 70), (170, 60)]
    world = maps.world_from(topology([{"type": "Polygon", "id": "643", "arcs": [[0]]}], [ring]))
    path = world.shapes["RUS"].path
    assert path.count("M") == 2  # once near each edge
    for part in path.split("Z")[:-1]:
        xs = [float(x) for x, _y in re.findall(r"(-?[\d.]+) (-?[\d.]+)", part)]
        assert max(xs) - min(xs) < 100  # 20 degrees wide, never 340


def test_a_speck_is_a_dot_and_a_state_missing_at_this_scale_comes_from_the_detailed_map():
    big = [(0, 0), (60, 0), (60, 40), (0, 40), (0, 0)]
    tiny = [(100, 1), (100.2, 1), (100.2, 1.2), (100, 1), (100, 1)]
    small_scale = topology(
        [
            {"type": "Polygon", "id": "398", "arcs": [[0]]},
            {"type": "Polygon", "id": "442", "arcs": [[1]]},  # Luxembourg, a speck
        ],
        [big, tiny],
    )
    detailed = topology([{"type": "Polygon", "id": "702", "arcs": [[0]]}], [tiny])  # Singapore
    world = maps.world_from(small_scale, detailed)
    assert world.shapes["KAZ"].dot is None
    assert world.shapes["LUX"].dot is not None
    assert world.shapes["SGP"].path == "" and world.shapes["SGP"].dot is not None


@pytest.mark.skipif(not ATLAS.exists(), reason="world-atlas is not installed (make setup)")
def test_the_real_boundaries_draw_every_member_state_but_tuvalu():
    import csv

    world = maps.world()
    with open(settings.BASE_DIR / "seeds" / "countries.csv", encoding="utf-8") as handle:
        members = [row["code"] for row in csv.DictReader(handle)]
    assert len(members) == 193
    assert [code for code in members if code not in world.shapes] == ["TUV"]
    assert 400 < world.height < 460
    # The shapes drawn as lines weigh about 116 kB; the states missing at 1:110m are dots.
    assert sum(len(s.path) for s in world.shapes.values()) < 150_000
    assert world.shapes["SGP"].path == "" and world.shapes["SGP"].dot


@pytest.mark.django_db
@pytest.mark.skipif(not ATLAS.exists(), reason="world-atlas is not installed (make setup)")
def test_the_instrument_page_colours_each_state_as_its_table_says(
    client, django_assert_num_queries
):
    build()
    with django_assert_num_queries(6):  # the map adds no query
        html = client.get("/instruments/ICCPR/").content.decode()
    figure = html.split('<figure class="world-map"')[1].split("</figure>")[0]
    drawn = {
        name: status
        for status, name in re.findall(r'<g class="map-(\w+)"><title>([^<:]+):', figure)
    }
    assert drawn == {
        "Kazakhstan": "party",
        "Kyrgyzstan": "signatory",
        "Uzbekistan": "none",
        "Turkmenistan": "no_data",
    }
    # The key says every status with its count, in words; the SVG is one image with a caption.
    assert "party (1)" in figure and "no data (1)" in figure
    assert 'role="img" aria-labelledby="map-caption"' in figure
    assert re.search(r'<figcaption id="map-caption">Map: [^<]+, status of each state as of', figure)
    # As of another date the colours follow: nobody was party in 2005.
    past = client.get("/instruments/ICCPR/", {"as_of": "2005"}).content.decode()
    assert 'class="map-party"' not in past.split('<figure class="world-map"')[1].split("</svg>")[0]


@pytest.mark.django_db
def test_without_the_boundaries_the_page_says_so_and_keeps_the_table(client, settings, tmp_path):
    build()
    settings.WORLD_ATLAS = tmp_path / "missing"
    html = client.get("/instruments/ICCPR/").content.decode()
    assert "The map is not available on this server" in html
    assert '<figure class="world-map"' not in html
    assert '<th scope="row"><a href="/countries/KAZ/">Kazakhstan</a></th>' in html
