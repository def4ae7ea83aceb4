"""Near a point on the map: open appeals of the same category already reported within 250 m
(«уже сообщили»), and the territory a point most likely belongs to.

Both read a bounding box first (latitude ± r, longitude ± r / cos φ, on `ix_appeal_lat_lon`), then
measure the exact great-circle distance (haversine) in Python on the few rows inside. A citizen is
told only the number, status, category and distance of another person's appeal: never its text,
address or author."""

import math
from typing import TypedDict

from sqlmodel import Session, select

from ..domain.enums import OPEN_STATUSES, STATUS_LABELS, Role, Status
from ..domain.models import Appeal, Territory
from ..services.actors import Actor
from ..services.following import followed_among

EARTH_RADIUS_M = 6_371_008.8
NEAR_M = 250
TERRITORY_SEARCH_M = (500, 3_000, 15_000)
_ROW_CAP = 500  # rows read from one box: a dense box is cut, not scanned


class NearbyAppeal(TypedDict):
    id: int
    status: str
    distance: str
    distance_m: int
    mine: bool
    followed: bool  # the citizen already follows it (services/following.py)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _box(lat: float, lon: float, radius_m: float):
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    return (Appeal.latitude.between(lat - dlat, lat + dlat), Appeal.longitude.between(lon - dlon, lon + dlon))


def valid_point(lat, lon) -> bool:
    return (isinstance(lat, (int, float)) and isinstance(lon, (int, float)) and not isinstance(lat, bool)
            and math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180)


def open_nearby(session: Session, *, actor: Actor, category_id: int, lat: float, lon: float,
                radius_m: float = NEAR_M, limit: int = 5) -> list[NearbyAppeal]:
    """Open appeals of this category within `radius_m`, nearest first. For citizens (who send
    appeals) and coordinators; nobody else is offered anything."""
    if actor.role not in (Role.CITIZEN, Role.COORDINATOR) or not valid_point(lat, lon):
        return []
    rows = session.exec(select(Appeal.id, Appeal.latitude, Appeal.longitude, Appeal.status, Appeal.citizen_id)
                        .where(*_box(lat, lon, radius_m), Appeal.category_id == category_id,
                               Appeal.status.in_([s.value for s in OPEN_STATUSES]),
                               Appeal.source_history.is_(False))
                        .limit(_ROW_CAP)).all()
    found = sorted((d, a_id, status, citizen) for a_id, a_lat, a_lon, status, citizen in rows
                   if (d := haversine_m(lat, lon, a_lat, a_lon)) <= radius_m)[:limit]
    followed = followed_among(session, actor.user_id, [a_id for _, a_id, _, _ in found])
    return [NearbyAppeal(id=a_id, status=STATUS_LABELS[Status(status)], distance=f"{round(d)} м",
                         distance_m=round(d), mine=citizen is not None and citizen == actor.user_id,
                         followed=a_id in followed)
            for d, a_id, status, citizen in found]


def territory_near(session: Session, lat: float, lon: float,
                   radii_m: tuple[float, ...] = TERRITORY_SEARCH_M) -> tuple[int, str] | None:
    """The top-level territory of the nearest appeal with a point (territories carry no outline or
    centre of their own: the appeals already placed on the map are the evidence). The box grows
    from 500 m to 15 km, so a dense city reads a small box and a village a wide one."""
    if not valid_point(lat, lon):
        return None
    best = None
    for radius_m in radii_m:
        rows = session.exec(select(Appeal.latitude, Appeal.longitude, Appeal.territory_id)
                            .where(*_box(lat, lon, radius_m), Appeal.territory_id.is_not(None))
                            .limit(_ROW_CAP)).all()
        best = min(((haversine_m(lat, lon, a_lat, a_lon), t) for a_lat, a_lon, t in rows), default=None)
        if best is not None and best[0] <= radius_m:
            break
        best = None
    if best is None:
        return None
    territory = session.get(Territory, best[1])
    while territory is not None and territory.parent_id is not None:  # the form picks top-level territories
        territory = session.get(Territory, territory.parent_id)
    return (territory.id, territory.name) if territory else None


def parse_point(lat: object, lon: object) -> tuple[float, float] | None:
    """The form's two fields as a point («53,02» or «53.02»); None when empty or not a point."""
    try:
        point = float(str(lat).strip().replace(",", ".")), float(str(lon).strip().replace(",", "."))
    except ValueError:
        return None
    return point if valid_point(*point) else None


def point_facts(session: Session, *, actor: Actor, category_id: str, lat: object, lon: object) -> dict:
    """What the form shows for a point: the territory found and the open appeals nearby."""
    point = parse_point(lat, lon)
    if point is None:
        return {"territory": None, "nearby": []}
    nearby = open_nearby(session, actor=actor, category_id=int(category_id), lat=point[0], lon=point[1]) \
        if category_id.isdecimal() else []
    return {"territory": territory_near(session, *point), "nearby": nearby}
