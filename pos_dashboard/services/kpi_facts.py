"""What each appeal contributes to the KPIs of DESIGN.md §4, read in bulk: one row per appeal with
its group keys, its time stamps and its additive measures (received, answered, on time, flags,
rating, final outcome). The exact KPI path sums these per group; the rollups (`kpi_rollups`) keep
the same sums per day and month, so both paths share one definition of every measure.

Speed at national size: the event flags come from grouped aggregates joined once (not EXISTS per
appeal), and time stamps travel as raw text (SQLite) or integer microseconds (PostgreSQL) and are
converted by pandas in one vectorised step instead of one datetime object per value.
"""

from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, String, and_, case, cast, func, select, type_coerce

from ..domain.enums import OPEN_STATUSES, AnswerKind, EventKind, Status
from ..domain.kpi_measures import (CLOSING_OUTCOMES, DISPUTE_ACTION, MEASURES, OUTCOME_LABELS,  # noqa: F401
                                   OUTCOMES, RE_REVIEW_ACTIONS, REWORK_ACTION, SATISFIED_MIN_RATING)
from ..domain.models import Answer, Appeal, AppealEvent, Category, Territory

OPEN_CODES = tuple(sorted(status.value for status in OPEN_STATUSES))
_SQLITE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime in SQLite
_TIMES = ("created_at", "first_answer_at", "deadline_at")


def final_outcome(status: str, closing_action: str | None) -> str:
    """The appeal's place in the completion mix: its status, and for a closed one how it was closed."""
    if status == Status.CLOSED.value:
        return CLOSING_OUTCOMES.get(closing_action or "", "closed_other")
    return status


def load_frame(conn, conditions=(), order: bool = True) -> pd.DataFrame:
    """One row per appeal matching `conditions` (SQL conditions on the appeal table): ids, keys,
    status, time stamps (UTC), rating, the event flags, the closing action and the measures."""
    a, e, ans = Appeal.__table__, AppealEvent.__table__, Answer.__table__
    conditions = list(conditions)
    # Without conditions every appeal is read; with them, the event aggregates are narrowed to the
    # same appeals (the planner does not push a join predicate into a grouped sub-query).
    ids = select(a.c.id).where(*conditions) if conditions else None

    def mine(column) -> list:
        return [] if ids is None else [column.in_(ids)]

    flagged = (select(e.c.appeal_id,
                      func.max(case((e.c.kind == EventKind.REDIRECT.value, 1), else_=0)).label("has_redirect"),
                      func.max(case((e.c.kind == EventKind.CATEGORY_CHANGE.value, 1), else_=0))
                      .label("has_category_change"),
                      func.max(case((e.c.action.in_(RE_REVIEW_ACTIONS), 1), else_=0)).label("has_re_review"),
                      func.max(case((e.c.action == REWORK_ACTION, 1), else_=0)).label("has_rework"),
                      func.max(case((e.c.action == DISPUTE_ACTION, 1), else_=0)).label("has_dispute"))
               .where((e.c.kind.in_([EventKind.REDIRECT.value, EventKind.CATEGORY_CHANGE.value]))
                      | e.c.action.in_([*RE_REVIEW_ACTIONS, REWORK_ACTION, DISPUTE_ACTION]), *mine(e.c.appeal_id))
               .group_by(e.c.appeal_id).subquery("flagged"))
    interim = (select(ans.c.appeal_id).where(ans.c.kind == AnswerKind.INTERIM.value, *mine(ans.c.appeal_id))
               .group_by(ans.c.appeal_id).subquery("interim"))
    ranked = (select(e.c.appeal_id, e.c.action, func.row_number().over(
        partition_by=e.c.appeal_id, order_by=(e.c.at.desc(), e.c.id.desc())).label("rank"))
        .where(e.c.to_status == Status.CLOSED.value, *mine(e.c.appeal_id)).subquery("ranked"))
    closing = select(ranked.c.appeal_id, ranked.c.action).where(ranked.c.rank == 1).subquery("closing")
    sqlite = conn.dialect.name == "sqlite"

    def raw_time(column):
        if sqlite:
            return type_coerce(column, String).label(column.name)
        return cast(func.extract("epoch", column) * 1_000_000, BigInteger).label(column.name)

    stmt = (select(a.c.id.label("appeal_id"), a.c.territory_id, a.c.organization_id, a.c.category_id, a.c.status,
                   *(raw_time(a.c[name]) for name in _TIMES), a.c.rating,
                   func.coalesce(flagged.c.has_redirect, 0).label("has_redirect"),
                   func.coalesce(flagged.c.has_category_change, 0).label("has_category_change"),
                   func.coalesce(flagged.c.has_re_review, 0).label("has_re_review"),
                   func.coalesce(flagged.c.has_rework, 0).label("has_rework"),
                   func.coalesce(flagged.c.has_dispute, 0).label("has_dispute"),
                   case((interim.c.appeal_id.is_(None), 0), else_=1).label("has_interim"),
                   closing.c.action.label("closing_action"))
            .select_from(a.outerjoin(flagged, flagged.c.appeal_id == a.c.id)
                         .outerjoin(interim, interim.c.appeal_id == a.c.id)
                         .outerjoin(closing, and_(closing.c.appeal_id == a.c.id, a.c.status == Status.CLOSED.value)))
            .where(*conditions))
    if order:
        stmt = stmt.order_by(a.c.id)
    result = conn.execute(stmt)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    for name in _TIMES:
        frame[name] = _to_utc(frame[name], sqlite)
    for name in ("appeal_id", "category_id"):
        frame[name] = frame[name].astype("int64")
    for name in ("territory_id", "organization_id", "rating"):
        frame[name] = frame[name].astype("float64")  # NaN for missing, as pandas reads nullable ints
    for name in ("has_interim", "has_redirect", "has_category_change", "has_re_review", "has_rework", "has_dispute"):
        frame[name] = frame[name].astype(bool)
    frame["status"] = frame["status"].astype(object)
    frame["hours_to_first_answer"] = (frame.first_answer_at - frame.created_at).dt.total_seconds() / 3600
    closed_how = frame.closing_action.map(CLOSING_OUTCOMES).fillna("closed_other")
    frame["outcome"] = frame.status.where(frame.status != Status.CLOSED.value, closed_how)
    _add_measures(frame)
    return frame


def _to_utc(values: pd.Series, sqlite: bool) -> pd.Series:
    if sqlite:
        try:
            return pd.to_datetime(values, format=_SQLITE_TIME_FORMAT, utc=True)
        except ValueError:  # a value written by another tool, without microseconds
            return pd.to_datetime(values, format="ISO8601", utc=True)
    return pd.to_datetime(values.astype("float64"), unit="us", utc=True).dt.as_unit("us") if len(values) else \
        pd.to_datetime(values, utc=True)


def _add_measures(f: pd.DataFrame) -> None:
    answered = f.first_answer_at.notna()
    with_deadline = answered & f.deadline_at.notna()
    f["received"] = 1
    f["answered"] = answered.astype("int64")
    f["answered_with_deadline"] = with_deadline.astype("int64")
    f["answered_on_time"] = (with_deadline & (f.first_answer_at <= f.deadline_at)).astype("int64")
    f["with_interim"] = f.has_interim.astype("int64")
    f["redirected"] = f.has_redirect.astype("int64")
    f["category_changed"] = f.has_category_change.astype("int64")
    f["re_reviewed"] = f.has_re_review.astype("int64")
    f["returned_for_rework"] = f.has_rework.astype("int64")
    f["disputed"] = f.has_dispute.astype("int64")
    f["rated"] = f.rating.notna().astype("int64")
    f["satisfied"] = (f.rating >= SATISFIED_MIN_RATING).astype("int64")
    f["rating_sum"] = f.rating.fillna(0).astype("int64")
    f["is_open"] = f.status.isin(OPEN_CODES)


def outcome_counts(frame: pd.DataFrame, keys) -> pd.DataFrame:
    """final_<outcome> counts per group of `keys` (a column name, list of names or a Series)."""
    codes = pd.Categorical(frame.outcome, categories=OUTCOMES)
    table = pd.crosstab(keys if isinstance(keys, pd.Series) else [frame[k] for k in np.atleast_1d(keys)],
                        codes, dropna=False) if len(frame) else None
    columns = [f"final_{name}" for name in OUTCOMES]
    if table is None:
        return pd.DataFrame(columns=columns, dtype="int64")
    table = table.reindex(columns=list(OUTCOMES), fill_value=0)
    table.columns = columns
    return table.astype("int64")


def tree_roots(conn, model) -> dict[int, int]:
    """Every node of the territory or category tree → its top-level ancestor."""
    table = (Territory if model == "territory" else Category).__table__
    parents = dict(conn.execute(select(table.c.id, table.c.parent_id)).all())
    roots = {}
    for node in parents:
        root, seen = node, set()
        while parents.get(root) is not None and root not in seen:
            seen.add(root)
            root = parents[root]
        roots[node] = root
    return roots


def open_now(frame: pd.DataFrame, now: datetime) -> tuple[pd.Series, pd.Series]:
    """Per appeal: overdue now, at risk now (exactly `domain.deadlines.is_overdue` / `is_at_risk`)."""
    from ..domain.deadlines import AT_RISK_HORIZON
    if now.tzinfo is None:
        raise ValueError(f"naive datetime refused: {now!r}")
    moment = pd.Timestamp(now).tz_convert("UTC")
    deadline = frame.deadline_at
    has = frame.is_open & deadline.notna()
    return has & (deadline < moment), has & (deadline >= moment) & (deadline <= moment + AT_RISK_HORIZON)
