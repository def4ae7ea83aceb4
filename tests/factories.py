"""Builders for a small region used by the domain and service tests.

The region (territory tree, category tree, organisations, users of every role, routing rules) is
built once per test through `build_region(session)`. Everything a test needs is kept as plain ids
and `Actor`s, never as ORM instances: a refused service call may roll the session back, which
expires every loaded instance.

`EXPECTED_ROUTE` is the routing oracle written by hand from the rules below (it is NOT computed by
`services.routing`): the organisation each (category, territory) pair must reach, or None for the
coordinator's triage queue.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, select

from pos_dashboard.domain.enums import DeadlineKind, OrgType, Role
from pos_dashboard.domain.models import (Answer, Appeal, AppealEvent, Category, Dispute, Organization, Rating,
                                         RoutingRule, Territory, User)
from pos_dashboard.services import appeals
from pos_dashboard.services.actors import SYSTEM, Actor

MSK = ZoneInfo("Europe/Moscow")
KAMCHATKA = ZoneInfo("Asia/Kamchatka")

# Monday 3 March 2025, 09:00 Moscow time: an ordinary working week, no holidays near.
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=MSK).astimezone(timezone.utc)

GOOD_TEXT = "Во дворе дома 5 по улице Ленина третью неделю не вывозят мусор."
ANSWER_TEXT = "Мусор вывезен, график вывоза восстановлен, подрядчику выставлена претензия."
INTERIM_TEXT = "Работы запланированы, подрядчик приступит после согласования сметы."


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


@dataclass
class Region:
    # territories: city ⊃ district ⊃ micro-district; a separate rural municipality
    t_city: int = 0
    t_district: int = 0
    t_micro: int = 0
    t_rural: int = 0
    # categories: housing ⊃ {yard, heating, elevator}; roads ⊃ {potholes, lighting}; other ⊃ {misc}
    c_housing: int = 0
    c_yard: int = 0  # 30 working days
    c_heating: int = 0  # expedited: 10 working days
    c_elevator: int = 0  # no rule of its own
    c_roads: int = 0
    c_potholes: int = 0  # no rule of its own
    c_lighting: int = 0  # 20 calendar days
    c_other: int = 0
    c_misc: int = 0  # no rule anywhere in its lineage: always triage
    # organisations
    o_uk: int = 0
    o_city_admin: int = 0
    o_district_uk: int = 0
    o_rural_admin: int = 0
    o_heat: int = 0
    o_roads: int = 0
    o_ministry: int = 0
    # people
    citizen: Actor = None
    citizen2: Actor = None
    coordinator: Actor = None
    admin: Actor = None
    official: Actor = None
    system: Actor = SYSTEM
    staff: dict[int, Actor] = field(default_factory=dict)  # organisation id → one staff member

    @property
    def territories(self) -> list[int | None]:
        return [self.t_city, self.t_district, self.t_micro, self.t_rural, None]

    @property
    def leaf_categories(self) -> list[int]:
        return [self.c_yard, self.c_heating, self.c_elevator, self.c_potholes, self.c_lighting, self.c_misc]

    @property
    def organizations(self) -> list[int]:
        return list(self.staff)

    def expected_route(self, category_id: int, territory_id: int | None) -> int | None:
        """Routing oracle, written by hand (see the rules in `build_region`)."""
        c, t = category_id, territory_id
        under_city = t in (self.t_city, self.t_district, self.t_micro)
        under_district = t in (self.t_district, self.t_micro)
        if c == self.c_yard:
            if under_district:
                return self.o_district_uk
            if t == self.t_city:
                return self.o_uk
            return self.o_ministry  # the leaf's region-wide rule beats the parent's rural rule
        if c == self.c_heating:
            return self.o_heat
        if c == self.c_elevator:
            return self.o_rural_admin if t == self.t_rural else None
        if c == self.c_potholes:
            return self.o_roads
        if c == self.c_lighting:
            return self.o_city_admin if under_city else self.o_roads
        return None


def _add(session: Session, obj):
    session.add(obj)
    session.flush()
    return obj.id


def build_region(session: Session) -> Region:
    r = Region()
    r.t_city = _add(session, Territory(name="Городской округ Северный", kind="municipality"))
    r.t_district = _add(session, Territory(name="Центральный район", kind="district", parent_id=r.t_city))
    r.t_micro = _add(session, Territory(name="Микрорайон Солнечный", kind="okrug", parent_id=r.t_district))
    r.t_rural = _add(session, Territory(name="Заречный муниципальный район", kind="municipality"))

    r.c_housing = _add(session, Category(name="ЖКХ"))
    r.c_yard = _add(session, Category(name="Уборка придомовой территории", parent_id=r.c_housing,
                                      deadline_days=30))
    r.c_heating = _add(session, Category(name="Отопление", parent_id=r.c_housing, deadline_days=10,
                                         expedited=True))
    r.c_elevator = _add(session, Category(name="Лифты", parent_id=r.c_housing))
    r.c_roads = _add(session, Category(name="Дороги"))
    r.c_potholes = _add(session, Category(name="Ямы на дорогах", parent_id=r.c_roads))
    r.c_lighting = _add(session, Category(name="Уличное освещение", parent_id=r.c_roads, deadline_days=20,
                                          deadline_kind=DeadlineKind.CALENDAR))
    r.c_other = _add(session, Category(name="Прочее"))
    r.c_misc = _add(session, Category(name="Иное", parent_id=r.c_other))

    def org(name, org_type, territory_id=None):
        return _add(session, Organization(name=name, org_type=org_type, territory_id=territory_id))

    r.o_uk = org("УК «Северный дом»", OrgType.MANAGEMENT_COMPANY, r.t_city)
    r.o_city_admin = org("Администрация городского округа Северный", OrgType.MUNICIPAL_ADMIN, r.t_city)
    r.o_district_uk = org("УК Центрального района", OrgType.MANAGEMENT_COMPANY, r.t_district)
    r.o_rural_admin = org("Администрация Заречного района", OrgType.MUNICIPAL_ADMIN, r.t_rural)
    r.o_heat = org("АО «Теплосеть»", OrgType.UTILITY)
    r.o_roads = org("Дорожное агентство", OrgType.ROAD_SERVICE)
    r.o_ministry = org("Министерство ЖКХ", OrgType.MINISTRY)

    for category_id, territory_id, organization_id in [
        (r.c_yard, r.t_city, r.o_uk),
        (r.c_yard, r.t_district, r.o_district_uk),
        (r.c_yard, None, r.o_ministry),
        (r.c_housing, r.t_rural, r.o_rural_admin),
        (r.c_heating, None, r.o_heat),
        (r.c_roads, None, r.o_roads),
        (r.c_lighting, r.t_city, r.o_city_admin),
    ]:
        _add(session, RoutingRule(category_id=category_id, territory_id=territory_id,
                                  organization_id=organization_id))

    def user(login, role, organization_id=None) -> Actor:
        u = User(login=login, full_name=login.replace("_", " ").title(), role=role,
                 organization_id=organization_id)
        session.add(u)
        session.flush()
        return Actor.of(u)

    r.citizen = user("ivanov", Role.CITIZEN)
    r.citizen2 = user("petrova", Role.CITIZEN)
    r.coordinator = user("cur_sidorov", Role.COORDINATOR)
    r.admin = user("admin", Role.ADMIN)
    r.official = user("minister_smirnov", Role.OFFICIAL)
    for org_id in [r.o_uk, r.o_city_admin, r.o_district_uk, r.o_rural_admin, r.o_heat, r.o_roads, r.o_ministry]:
        r.staff[org_id] = user(f"staff_{org_id}", Role.ORG_STAFF, org_id)
    session.commit()
    return r


def submit(session: Session, region: Region, *, category_id: int | None = None,
           territory_id: int | None = -1, actor: Actor | None = None, now: datetime = T0, **kw) -> int:
    """Submit an appeal (by default: yard cleaning in the city, by `region.citizen`); returns its id."""
    appeal = appeals.submit_appeal(
        session, actor=actor or region.citizen, category_id=category_id or region.c_yard,
        territory_id=region.t_city if territory_id == -1 else territory_id,
        text=kw.pop("text", GOOD_TEXT), now=now, **kw)
    return appeal.id


# --- reading back what is in the database ---

def fresh_appeal(session: Session, appeal_id: int) -> Appeal:
    session.expire_all()
    return session.get(Appeal, appeal_id)


def row(session: Session, appeal_id: int) -> dict:
    """Every column of the appeal as stored (read back from the database)."""
    appeal = fresh_appeal(session, appeal_id)
    return {column.name: getattr(appeal, column.name) for column in Appeal.__table__.columns}


def count(session: Session, table, appeal_id: int) -> int:
    return session.exec(select(func.count()).select_from(table).where(table.appeal_id == appeal_id)).one()


def snapshot(session: Session, appeal_id: int, with_timeline: bool = False):
    """Everything a service call on this appeal could change, read back from the database
    (optionally with the timeline's event rows)."""
    appeal = row(session, appeal_id)
    timeline = appeals.timeline(session, appeal_id)
    answers = session.exec(select(Answer.id, Answer.review_state).where(Answer.appeal_id == appeal_id)
                           .order_by(Answer.id)).all()
    disputes = session.exec(select(Dispute.id, Dispute.resolved_at, Dispute.outcome)
                            .where(Dispute.appeal_id == appeal_id).order_by(Dispute.id)).all()
    ratings = session.exec(select(Rating.id, Rating.score, Rating.comment, Rating.created_at)
                           .where(Rating.appeal_id == appeal_id).order_by(Rating.id)).all()
    snap = {
        "appeal": appeal,
        "events": [e.id for e in timeline],
        "answers": len(answers),
        "ratings": len(ratings),
        "disputes": len(disputes),
        "answer_states": [tuple(a) for a in answers],
        "dispute_states": [tuple(d) for d in disputes],
        "rating_rows": [tuple(r) for r in ratings],
    }
    return (snap, timeline) if with_timeline else snap


def assert_no_pending_changes(session: Session) -> None:
    """A refused call must leave nothing behind in the session that a later commit would write."""
    assert not session.new, f"refused call left new rows in the session: {session.new}"
    modified = [o for o in session.dirty if session.is_modified(o)]
    assert not modified, f"refused call left modified rows in the session: {modified}"


def assert_unchanged_after_refusal(session: Session, appeal_id: int, before: dict) -> None:
    assert_no_pending_changes(session)
    session.commit()  # anything a refused call had slipped into the session would be written now
    after = snapshot(session, appeal_id)
    assert after == before


def assert_consistent(session: Session, appeal_id: int) -> None:
    """The stored status is the one the event log implies."""
    appeal = fresh_appeal(session, appeal_id)
    assert appeal.status == appeals.status_from_events(appeals.timeline(session, appeal_id))


def events(session: Session, appeal_id: int) -> list[AppealEvent]:
    session.expire_all()
    return appeals.timeline(session, appeal_id)


def local_today(moment: datetime, tz=MSK) -> date:
    return moment.astimezone(tz).date()


def is_russian(message: str) -> bool:
    """The message speaks Russian: it has Cyrillic letters and no leftover Python repr."""
    cyrillic = sum(1 for ch in message if "а" <= ch.lower() <= "я" or ch.lower() == "ё")
    latin_words = [w for w in message.replace("«", " ").replace("»", " ").split() if w.isascii() and w.isalpha()]
    return cyrillic >= 5 and len(latin_words) <= 1


def assert_hours_close(shown: str, expected: float) -> None:
    """A percentile as the page shows it («16,9 ч»): within the rollups' 0.5 % and the display's rounding."""
    value = float(shown.removesuffix(" ч").replace(",", "."))
    assert abs(value - expected) <= 0.005 * expected + 0.05, (shown, expected)
