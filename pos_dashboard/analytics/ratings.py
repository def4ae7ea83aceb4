"""Organisation ratings (issue 8, item 2): one index per organisation, ranked among the
organisations of the same type.

The formula is defined here once — `COMPONENTS`, `MIN_APPEALS`, `INDEX_SCALE` — and the page draws
its formula block from the same objects. Every input is a registered KPI (`kpi.KPI_DEFINITIONS`)
computed by `kpi.compute_kpis(group_by="organisation", exact=False, …)` from the rollups; the
region's value is its total row. (An organisation's monthly trend reads compute_kpis per month; its
categories, finer than the rollups, apply `kpi.kpi_row` to the organisation's own appeals: see
`rating_views`.)

Access: coordinators, officials and admins see everything; organisation staff see the ranking of
their own type, reduced to name, index and rank for the other organisations; citizens nothing.
"""

import math
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TypedDict

from sqlmodel import Session, select

from ..domain.enums import ORG_TYPE_LABELS, OrgType, Role
from ..domain.models import Organization
from ..services.actors import Actor
from ..services.errors import PermissionDenied, ValidationFailed
from ..settings import region_tz
from . import kpi
from .queue import queue_version

HIGHER, LOWER = "higher", "lower"
INDEX_SCALE = 100
MIN_APPEALS = 10  # appeals received in the period; fewer → «недостаточно данных», not ranked
SPEED_CAP = 1.0  # answering faster than the region earns no more than the full score
INSUFFICIENT = "недостаточно данных"
ALL_TYPES = "all"
PERIODS = {"30": "30 дней", "90": "90 дней", "365": "365 дней"}
DEFAULT_PERIOD = "90"
SORTS = ("rank", "name", "received")
PAGE_SIZE_MAX = 50
FULL_VIEW_ROLES = frozenset({Role.COORDINATOR, Role.OFFICIAL, Role.ADMIN})


@dataclass(frozen=True)
class Component:
    key: str
    label_ru: str
    weight: float
    better: str  # HIGHER or LOWER: which raw value is better
    kpi: str  # the registered KPI it reads
    score_ru: str  # how the raw value becomes a score from 0 to 1
    against_region: bool = False

    @property
    def kpi_label(self) -> str:
        return kpi.KPI_DEFINITIONS[self.kpi].label_ru

    def score(self, value, region_value) -> float | None:
        if _missing(value):
            return None
        if self.against_region:  # a time: lower is better, measured against the region's
            if _missing(region_value):
                return None
            return SPEED_CAP if value <= 0 else min(SPEED_CAP, region_value / value)
        return float(value) if self.better == HIGHER else 1.0 - float(value)


COMPONENTS: tuple[Component, ...] = (
    Component("on_time", "Ответы в срок", 0.30, HIGHER, "on_time_share", "балл = доля"),
    Component("speed", "Скорость первого ответа", 0.20, LOWER, "median_hours_to_first_answer",
              "балл = медиана региона / медиана организации, не больше 1", against_region=True),
    Component("satisfaction", "Удовлетворённость", 0.25, HIGHER, "satisfaction_share", "балл = доля"),
    Component("rework", "Возвраты на доработку", 0.15, LOWER, "rework_share", "балл = 1 − доля"),
    Component("overdue", "Просрочка", 0.10, LOWER, "overdue_share", "балл = 1 − доля"),
)
FORMULA_RU = (f"Индекс = {INDEX_SCALE} × Σ (вес × балл) / Σ весов определённых показателей. "
              "Если показатель не определён (например, нет ни одной оценки), его вес делится между остальными. "
              f"В рейтинг входят организации, получившие за период не меньше {MIN_APPEALS} обращений; "
              "место — среди организаций того же типа.")


def index_of(row: Mapping, region: Mapping) -> tuple[float | None, dict[str, float | None]]:
    """The index (0–100) and the component scores of one KPI row against the region's row."""
    scores = {c.key: c.score(row[c.kpi], region[c.kpi]) for c in COMPONENTS}
    weights = sum(c.weight for c in COMPONENTS if scores[c.key] is not None)
    if not weights:
        return None, scores
    return INDEX_SCALE * sum(c.weight * scores[c.key] for c in COMPONENTS if scores[c.key] is not None) / weights, \
        scores


@dataclass
class Scored:
    organization_id: int
    name: str
    org_type: str
    kpis: dict  # the raw KPI values the components read, plus "received"
    scores: dict
    index: float | None  # None: too few appeals, or nothing to score
    rank: int | None = None
    peers: int = 0  # ranked organisations of the same type


# The last few rankings, keyed by everything they depend on (the database, the period, the moment and
# the appeals' change fingerprint): paging and sorting the ranking then cost no KPI scan.
_RECENT: OrderedDict = OrderedDict()
_RECENT_MAX = 8


def score_organizations(session: Session, *, since: datetime, until: datetime,
                        now: datetime) -> tuple[list[Scored], dict]:
    """Every organisation (with or without appeals in the period), scored and ranked within its type,
    and the region's KPI row. Callers must not change what they get (it may be shared)."""
    key = (str(session.get_bind().url), since, until, now, queue_version(session))
    if key in _RECENT:
        _RECENT.move_to_end(key)
        return _RECENT[key]
    result = _score(session, since, until, now)
    _RECENT[key] = result
    while len(_RECENT) > _RECENT_MAX:
        _RECENT.popitem(last=False)
    return result


def rating_moment(now: datetime) -> datetime:
    """Pages rate as of the start of the current minute, so that clicks within it share one computation."""
    return now.replace(second=0, microsecond=0)


def _score(session: Session, since: datetime, until: datetime, now: datetime) -> tuple[list[Scored], dict]:
    table = kpi.compute_kpis(session, group_by="organisation", since=since, until=until, now=now, exact=False)
    region = table.iloc[-1].to_dict()
    by_id = {int(r["group_id"]): r for r in table.iloc[:-1].to_dict("records") if not _missing(r["group_id"])}
    organizations = session.exec(select(Organization.id, Organization.name, Organization.org_type)).all()
    scored = []
    for org_id, name, org_type in organizations:
        row = by_id.get(org_id) or {"received": 0} | {c.kpi: math.nan for c in COMPONENTS}
        index, scores = index_of(row, region)
        received = int(row["received"])
        raw = {"received": received} | {c.kpi: row[c.kpi] for c in COMPONENTS}
        scored.append(Scored(org_id, name, str(org_type), raw, scores, index if received >= MIN_APPEALS else None))
    _rank(scored)
    return scored, region


def _rank(scored: list[Scored]) -> None:
    """Competition ranking (1, 2, 2, 4) on the index as shown (one decimal), within each type."""
    by_type: dict[str, list[Scored]] = {}
    for s in scored:
        if s.index is not None:
            by_type.setdefault(s.org_type, []).append(s)
    for peers in by_type.values():
        peers.sort(key=lambda s: -round(s.index, 1))
        for position, s in enumerate(peers):
            same = position and round(peers[position - 1].index, 1) == round(s.index, 1)
            s.rank, s.peers = peers[position - 1].rank if same else position + 1, len(peers)


# --- who may see what ---

def navigation(actor: Actor | None) -> tuple[str, int | None]:
    """The navigation link to the ratings: (label, organisation id of the page or None for the list)."""
    if actor is None:
        return "", None
    if actor.role in FULL_VIEW_ROLES:
        return "Рейтинг организаций", None
    if actor.role == Role.ORG_STAFF and actor.organization_id is not None:
        return "Рейтинг моей организации", actor.organization_id
    return "", None


def check_viewer(actor: Actor | None) -> None:
    if actor is None or not (actor.role in FULL_VIEW_ROLES or
                             (actor.role == Role.ORG_STAFF and actor.organization_id is not None)):
        raise PermissionDenied("Рейтинг организаций доступен сотрудникам ЦУР, министерства и организаций")


def check_detail(actor: Actor | None, organization_id: int) -> None:
    check_viewer(actor)
    if actor.role not in FULL_VIEW_ROLES and actor.organization_id != organization_id:
        raise PermissionDenied("Подробный рейтинг другой организации недоступен: "
                               "сотрудник организации видит только страницу своей организации")


def period_bounds(days: str, now: datetime) -> tuple[datetime, datetime]:
    """The last `days` whole local days including today: [since, until)."""
    if days not in PERIODS:
        raise ValidationFailed("Выберите период из списка")
    tz = region_tz()
    until = datetime.combine(now.astimezone(tz).date() + timedelta(days=1), time(), tzinfo=tz)
    return until - timedelta(days=int(days)), until


# --- display ---

def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value, digits: int = 1) -> str:
    return "—" if _missing(value) else f"{value:.{digits}f}".replace(".", ",")


def percent(share) -> str:
    return "—" if _missing(share) else f"{number(100 * share)}\u00a0%"


def component_value(component: Component, value) -> str:
    if _missing(value):
        return "—"
    return f"{number(value)}\u00a0ч" if component.against_region else percent(value)


def index_text(index: float | None) -> str:
    return INSUFFICIENT if index is None else number(index)


def rank_text(s: Scored) -> str:
    return f"{s.rank} из {s.peers}" if s.rank is not None else "—"


def type_label(org_type: str) -> str:
    return ORG_TYPE_LABELS.get(OrgType(org_type), org_type) if org_type in OrgType._value2member_map_ else org_type


def type_options() -> list[dict]:
    return [{"value": t.value, "label": label} for t, label in ORG_TYPE_LABELS.items()]


class RatingRow(TypedDict):
    organization_id: int
    name: str
    org_type: str
    received: str  # "" where the viewer may not see it
    index: str
    rank: str
    values: list[str]  # the components' raw values, in the order of COMPONENTS
    own: bool
    can_open: bool
