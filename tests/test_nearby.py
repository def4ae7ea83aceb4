"""«Уже сообщили»: open appeals of the same category within 250 m, measured by haversine after a
bounding box; and the territory of a point from the appeals already on the map."""

import math

from pos_dashboard.analytics.nearby import haversine_m, open_nearby, territory_near
from pos_dashboard.services import appeals

from .factories import T0, build_region, hours, submit

LAT, LON = 53.0241, 158.6435  # Petropavlovsk-Kamchatsky


def north(metres: float) -> float:
    return LAT + metres / 111_194.9  # one degree of latitude on the 6371.0088 km sphere


def east(metres: float) -> float:
    return LON + metres / (111_194.9 * math.cos(math.radians(LAT)))


def test_haversine_against_hand_numbers():
    assert round(haversine_m(LAT, LON, north(200), LON)) == 200
    assert round(haversine_m(LAT, LON, LAT, east(300))) == 300
    assert round(haversine_m(0, 0, 0, 1)) == 111_195  # 2πR / 360


def test_open_appeals_of_the_category_within_250_m_are_offered(session):
    r = build_region(session)
    at_200 = submit(session, r, latitude=north(200), longitude=LON)
    at_300 = submit(session, r, latitude=LAT, longitude=east(300))
    diagonal_240 = submit(session, r, latitude=north(240 / math.sqrt(2)), longitude=east(240 / math.sqrt(2)),
                          actor=r.citizen2)
    other_category = submit(session, r, category_id=r.c_heating, latitude=north(50), longitude=LON)
    withdrawn = submit(session, r, latitude=north(10), longitude=LON)
    appeals.perform(session, actor=r.citizen, appeal_id=withdrawn, action="withdraw", now=T0 + hours(1))
    found = open_nearby(session, actor=r.citizen, category_id=r.c_yard, lat=LAT, lon=LON)
    assert [(a["id"], a["distance_m"], a["mine"]) for a in found] == [(at_200, 200, True), (diagonal_240, 240, False)]
    assert at_300 not in [a["id"] for a in found] and other_category not in [a["id"] for a in found]
    assert found[0]["status"] == "Модерация" and found[0]["distance"] == "200 м"
    assert open_nearby(session, actor=r.staff[r.o_uk], category_id=r.c_yard, lat=LAT, lon=LON) == []
    assert open_nearby(session, actor=r.citizen, category_id=r.c_yard, lat=float("nan"), lon=LON) == []


def test_the_territory_of_a_point_comes_from_the_nearest_placed_appeal(session):
    r = build_region(session)
    submit(session, r, territory_id=r.t_district, latitude=north(400), longitude=LON)
    submit(session, r, territory_id=r.t_rural, latitude=north(-1500), longitude=LON)
    city = territory_near(session, north(300), LON)  # a district's appeal: its top-level territory
    assert city == (r.t_city, "Городской округ Северный")
    assert territory_near(session, north(-1400), LON)[0] == r.t_rural
    assert territory_near(session, north(14_000), LON)[0] == r.t_city  # found by the widest box
    assert territory_near(session, north(20_000), LON) is None
