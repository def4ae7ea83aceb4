"""Read models of the ratings pages: one page of the ranking, the ranking as an export table, and
an organisation's own page (components, monthly trend, weakest categories, low-rated answers).
Each takes the actor and refuses or narrows by itself (rules in `ratings`)."""

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TypedDict

from sqlalchemy import func
from sqlmodel import Session, select

from ..domain.enums import AnswerKind, OrgType, ReviewState
from ..domain.models import Answer, Appeal, Category, Rating
from ..domain.workflow import LOW_RATING_MAX
from ..services.actors import Actor
from ..services.errors import NotFound, ValidationFailed
from ..settings import region_tz
from . import kpi
from .formatting import category_path, local_time
from .queue import queue_version
from .ratings import (ALL_TYPES, COMPONENTS, DEFAULT_PERIOD, FULL_VIEW_ROLES, INSUFFICIENT, MIN_APPEALS,
                      PAGE_SIZE_MAX, SORTS, RatingRow, Scored, check_detail, check_viewer, component_value,
                      index_of, index_text, number, percent, period_bounds, rank_text, score_organizations, type_label)

MIN_CATEGORY_APPEALS = 5  # a category is judged only on this many appeals of the organisation
WEAKEST_SHOWN = 5
LOW_RATED_PAGE_SIZE = 20
ANSWER_SHOWN_CHARS = 600
_MONTHS_RU = ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")


@dataclass(frozen=True)
class RankingQuery:
    period: str = DEFAULT_PERIOD
    org_type: str = ALL_TYPES
    sort: str = "rank"  # rank | name | received
    page: int = 0


@dataclass
class RankingPage:
    rows: list[RatingRow]
    total: int
    ranked: int
    org_type: str  # the type shown (organisation staff: always their own)
    narrowed: bool  # other organisations reduced to name, index and rank


def _visible(session: Session, query: RankingQuery, actor: Actor, now: datetime):
    check_viewer(actor)
    since, until = period_bounds(query.period, now)
    scored, _ = score_organizations(session, since=since, until=until, now=now)
    narrowed = actor.role not in FULL_VIEW_ROLES
    org_type = query.org_type
    if narrowed:
        own = next((s for s in scored if s.organization_id == actor.organization_id), None)
        if own is None:
            raise NotFound("Организация не найдена")
        org_type = own.org_type
    if org_type != ALL_TYPES:
        if org_type not in OrgType._value2member_map_:
            raise ValidationFailed("Выберите тип организации из списка")
        scored = [s for s in scored if s.org_type == org_type]
    # Organisation staff cannot order by what they may not see.
    sort = query.sort if query.sort in SORTS and not (narrowed and query.sort == "received") else "rank"
    keys = {"rank": lambda s: (s.index is None, -round(s.index or 0, 1), -s.kpis["received"], s.name),
            "name": lambda s: (s.name, s.organization_id),
            "received": lambda s: (-s.kpis["received"], s.name)}
    return sorted(scored, key=keys[sort]), org_type, narrowed


def ranking_page(session: Session, query: RankingQuery, *, actor: Actor, now: datetime,
                 page_size: int = PAGE_SIZE_MAX) -> RankingPage:
    scored, org_type, narrowed = _visible(session, query, actor, now)
    page_size = max(1, min(page_size, PAGE_SIZE_MAX))
    start = max(0, query.page) * page_size
    rows = [_row(s, actor, narrowed) for s in scored[start:start + page_size]]
    return RankingPage(rows, len(scored), sum(s.rank is not None for s in scored), org_type, narrowed)


def _row(s: Scored, actor: Actor, narrowed: bool) -> RatingRow:
    own = s.organization_id == actor.organization_id
    shown = not narrowed or own
    return RatingRow(organization_id=s.organization_id, name=s.name, org_type=type_label(s.org_type),
                     received=str(s.kpis["received"]) if shown else "", index=index_text(s.index), rank=rank_text(s),
                     values=[component_value(c, s.kpis[c.kpi]) if shown else "" for c in COMPONENTS],
                     own=own, can_open=shown)


def ranking_table(session: Session, query: RankingQuery, *, actor: Actor,
                  now: datetime) -> tuple[list[str], list[list]]:
    """The whole ranking under the page's filters and order, as the page shows it, for export."""
    scored, _, narrowed = _visible(session, query, actor, now)
    header = ["Организация", "Тип", "Индекс", "Место среди организаций типа", "Организаций типа в рейтинге"]
    if not narrowed:
        header += ["Поступило обращений"] + [f"{c.kpi_label}" for c in COMPONENTS]
    rows = []
    for s in scored:
        row = [s.name, type_label(s.org_type), INSUFFICIENT if s.index is None else round(s.index, 1),
               s.rank or "", s.peers or ""]
        if not narrowed:
            row += [s.kpis["received"]] + [_export_value(c, s.kpis[c.kpi]) for c in COMPONENTS]
        rows.append(row)
    return header, rows


def _export_value(component, value):
    shown = component_value(component, value)
    return "" if shown == "—" else float(shown.split()[0].replace(",", "."))


# --- an organisation's page ---

class ComponentRow(TypedDict):
    label: str
    kpi_label: str
    weight: str
    rule: str
    value: str
    region: str
    score: str


class TrendRow(TypedDict):
    month: str
    received: int
    index: str
    values: list[str]


class CategoryRow(TypedDict):
    category: str
    received: int
    on_time: str
    satisfaction: str


class LowRatedRow(TypedDict):
    appeal_id: int
    rated: str
    score: int
    comment: str
    answer: str


@dataclass
class OrganizationRating:
    organization_id: int
    name: str
    org_type: str
    received: int
    index: str
    rank: str
    components: list[ComponentRow]
    trend: list[TrendRow]
    series: dict  # month labels, the index and each component's score per month (None: undefined)
    categories: list[CategoryRow]
    trend_values: list[list]  # the trend as plain numbers, for export


def trend_table(session: Session, organization_id: int, *, actor: Actor, period: str,
                now: datetime) -> tuple[list[str], list[list]]:
    """The organisation's monthly trend as the page shows it, for export."""
    rating = organization_rating(session, organization_id, actor=actor, period=period, now=now)
    return ["Месяц", "Поступило", "Индекс", *[c.kpi_label for c in COMPONENTS]], rating.trend_values


def organization_rating(session: Session, organization_id: int, *, actor: Actor, period: str,
                        now: datetime) -> OrganizationRating:
    check_detail(actor, organization_id)
    since, until = period_bounds(period, now)
    scored, region = score_organizations(session, since=since, until=until, now=now)
    me = next((s for s in scored if s.organization_id == organization_id), None)
    if me is None:
        raise NotFound(f"Организация №{organization_id} не найдена")
    components = [ComponentRow(label=c.label_ru, kpi_label=c.kpi_label, weight=f"{round(100 * c.weight)}\u00a0%",
                               rule=c.score_ru, value=component_value(c, me.kpis[c.kpi]),
                               region=component_value(c, region[c.kpi]), score=number(me.scores[c.key], 2))
                  for c in COMPONENTS]
    # The months from the rollups (compute_kpis per month, the organisation's and the region's rows); the
    # categories are finer than the rollups' top-level keys: the registry's functions (`kpi.kpi_row`) on
    # one load of the organisation's own appeals.
    trend, series, values = _trend(session, organization_id, since, until, now)
    frame = kpi.appeal_frame(session, since, until, kpi.KpiSelection(organization_ids=(organization_id,)))
    return OrganizationRating(me.organization_id, me.name, type_label(me.org_type), me.kpis["received"],
                              index_text(me.index), rank_text(me), components, trend, series,
                              _weakest_categories(session, frame, organization_id, now), values)


def _months(since: datetime, until: datetime):
    tz = region_tz()
    month = since.astimezone(tz).date().replace(day=1)
    while (start := datetime.combine(month, time(), tzinfo=tz)) < until:
        following = (month + timedelta(days=32)).replace(day=1)
        yield f"{_MONTHS_RU[month.month - 1]} {month.year}", max(since, start), \
            min(until, datetime.combine(following, time(), tzinfo=tz))
        month = following


def _trend(session: Session, organization_id: int, since: datetime, until: datetime, now: datetime):
    rows, values, series = [], [], {"months": [], "index": []} | {c.key: [] for c in COMPONENTS}
    own = kpi.KpiSelection(organization_ids=(organization_id,))
    for label, start, end in _months(since, until):
        region = _region_month(session, start, end, now)
        row = kpi.compute_kpis(session, since=start, until=end, now=now, selection=own, exact=False).iloc[-1]
        index, scores = index_of(row, region)  # shown for a month even below the minimum, and marked so
        few = index is not None and row["received"] < MIN_APPEALS
        rows.append(TrendRow(month=label, received=int(row["received"]),
                             index=index_text(index) + (f" (меньше {MIN_APPEALS} обращений)" if few else ""),
                             values=[component_value(c, row[c.kpi]) for c in COMPONENTS]))
        values.append([label, int(row["received"]), "" if index is None else round(index, 1),
                       *[_export_value(c, row[c.kpi]) for c in COMPONENTS]])
        series["months"].append(label)
        series["index"].append(None if index is None else round(index, 1))
        for c in COMPONENTS:
            series[c.key].append(None if scores[c.key] is None else round(100 * scores[c.key], 1))
    return rows, series, values


# The region's row of a month is the same for every organisation's page: the last few are kept, keyed
# by everything they depend on (the database, the month, the moment and the appeals' change fingerprint).
_REGION_MONTHS: OrderedDict = OrderedDict()
_REGION_MONTHS_MAX = 64


def _region_month(session: Session, start: datetime, end: datetime, now: datetime):
    key = (str(session.get_bind().url), start, end, now, queue_version(session))
    if key not in _REGION_MONTHS:
        _REGION_MONTHS[key] = kpi.compute_kpis(session, since=start, until=end, now=now, exact=False).iloc[-1]
        while len(_REGION_MONTHS) > _REGION_MONTHS_MAX:
            _REGION_MONTHS.popitem(last=False)
    _REGION_MONTHS.move_to_end(key)
    return _REGION_MONTHS[key]


def _weakest_categories(session: Session, frame, organization_id: int, now: datetime) -> list[CategoryRow]:
    """Categories of the organisation's appeals (with enough of them) by the lower of on-time share and
    satisfaction, weakest first."""
    frame = frame[frame.organization_id == organization_id]
    names = {cid: name for cid, name in session.exec(select(Category.id, Category.name)).all()}
    parents = dict(session.exec(select(Category.id, Category.parent_id)).all())
    counts = frame.category_id.value_counts()
    frame = frame[frame.category_id.isin(counts[counts >= MIN_CATEGORY_APPEALS].index)]
    if frame.empty:
        return []
    # one table of sums, a row per category: the registry's functions applied to each (as kpi_row would)
    values = kpi.kpi_values(kpi.frame_sums(frame, frame.category_id.astype("int64"), now))
    judged = []
    for category_id, row in values.iterrows():
        shares = [v for v in (row["on_time_share"], row["satisfaction_share"]) if v == v]  # NaN ≠ NaN
        if not shares:
            continue
        parent = parents.get(int(category_id))
        name = category_path(names[int(category_id)], names[parent] if parent else None)
        judged.append((min(shares), name, row))
    judged.sort(key=lambda item: (item[0], item[1]))
    return [CategoryRow(category=name, received=int(row["received"]),
                        on_time=percent(row["on_time_share"]), satisfaction=percent(row["satisfaction_share"]))
            for _, name, row in judged[:WEAKEST_SHOWN]]


def low_rated_answers(session: Session, organization_id: int, *, actor: Actor, period: str, now: datetime,
                      page: int = 0, page_size: int = LOW_RATED_PAGE_SIZE) -> tuple[list[LowRatedRow], int]:
    """The organisation's answers rated 1–2 on appeals received in the period, newest rating first."""
    check_detail(actor, organization_id)
    since, until = period_bounds(period, now)
    page_size = max(1, min(page_size, LOW_RATED_PAGE_SIZE))
    conditions = (Appeal.organization_id == organization_id, Rating.score <= LOW_RATING_MAX,
                  Appeal.created_at >= since, Appeal.created_at < until)
    total = session.exec(select(func.count()).select_from(Rating).join(Appeal, Appeal.id == Rating.appeal_id)
                         .where(*conditions)).one()
    answer = (select(Answer.text).where(Answer.appeal_id == Rating.appeal_id, Answer.kind == AnswerKind.FINAL.value,
                                        Answer.review_state == ReviewState.APPROVED.value,
                                        Answer.created_at <= Rating.created_at)
              .order_by(Answer.created_at.desc(), Answer.id.desc()).limit(1).scalar_subquery())
    rows = session.exec(select(Rating.appeal_id, Rating.score, Rating.comment, Rating.created_at, answer)
                        .join(Appeal, Appeal.id == Rating.appeal_id).where(*conditions)
                        .order_by(Rating.created_at.desc(), Rating.id.desc())
                        .offset(max(0, page) * page_size).limit(page_size)).all()
    return [LowRatedRow(appeal_id=appeal_id, score=score, comment=comment or "", rated=local_time(rated_at),
                        answer=_shorten(text or "")) for appeal_id, score, comment, rated_at, text in rows], total


def _shorten(text: str) -> str:
    return text if len(text) <= ANSWER_SHOWN_CHARS else text[:ANSWER_SHOWN_CHARS - 1] + "…"

