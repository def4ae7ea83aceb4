"""What each appeal contributes to the KPIs of DESIGN.md §4, read in bulk: one row per appeal with
its group keys, its time stamps and its additive measures (received, answered, on time, flags,
rating, final outcome). The exact KPI path sums these per group; the rollups (`kpi_rollups`) keep
the same sums per day and month, so both paths share one definition of every measure.

Speed at national size: three plain scans (appeals; the few events that set a flag or close the
appeal; interim answers), each one pass without joins or GROUP BY, merged on the appeal id in
numpy (a join of grouped sub-queries ran about 5x slower on SQLite at 1M appeals); rows come as
plain tuples from the driver's cursor, and time stamps travel as raw text (SQLite) or integer
microseconds (PostgreSQL), converted by pandas in one vectorised step instead of one per value.
"""

from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, String, cast, func, select, type_coerce

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
    status, time stamps (UTC), rating, the event flags, the closing action and the measures.

    Three plain scans instead of one join of grouped sub-queries (which SQLite ran per appeal):
    the appeals, the few events that set a flag or close the appeal, and the interim answers; they
    are merged on the appeal id with numpy. Rows come from the driver's cursor as tuples (no
    per-value conversion); time stamps stay raw and are converted by pandas in one step."""
    a, e, ans = Appeal.__table__, AppealEvent.__table__, Answer.__table__
    conditions = list(conditions)
    ids = select(a.c.id).where(*conditions) if conditions else None

    def mine(column) -> list:
        return [] if ids is None else [column.in_(ids)]

    sqlite = conn.dialect.name == "sqlite"

    def raw_time(column):
        if sqlite:
            return type_coerce(column, String).label(column.name)
        return cast(func.extract("epoch", column) * 1_000_000, BigInteger).label(column.name)

    columns = ["appeal_id", "territory_id", "organization_id", "category_id", "status", *_TIMES, "rating"]
    frame = fetch_frame(conn, select(a.c.id, a.c.territory_id, a.c.organization_id, a.c.category_id, a.c.status,
                                *(raw_time(a.c[name]) for name in _TIMES), a.c.rating).where(*conditions), columns)
    if order:
        frame = frame.sort_values("appeal_id", kind="stable", ignore_index=True)
    appeal_ids = frame.appeal_id.to_numpy(dtype="int64")
    closing_status = e.c.to_status == Status.CLOSED.value
    events = fetch_frame(conn, select(e.c.appeal_id, e.c.kind, e.c.action, closing_status.label("closes"),
                                      raw_time(e.c.at), e.c.id).where(
        e.c.kind.in_([EventKind.REDIRECT.value, EventKind.CATEGORY_CHANGE.value])
        | e.c.action.in_([*RE_REVIEW_ACTIONS, REWORK_ACTION, DISPUTE_ACTION]) | closing_status,
        *mine(e.c.appeal_id)), ["appeal_id", "kind", "action", "closes", "at", "id"])
    for name, marks in (("has_redirect", events.kind == EventKind.REDIRECT.value),
                        ("has_category_change", events.kind == EventKind.CATEGORY_CHANGE.value),
                        ("has_re_review", events.action.isin(RE_REVIEW_ACTIONS)),
                        ("has_rework", events.action == REWORK_ACTION),
                        ("has_dispute", events.action == DISPUTE_ACTION)):
        frame[name] = np.isin(appeal_ids, events.appeal_id.to_numpy(dtype="int64")[marks.to_numpy(dtype=bool)])
    interim = fetch_frame(conn, select(ans.c.appeal_id).where(ans.c.kind == AnswerKind.INTERIM.value,
                                                         *mine(ans.c.appeal_id)), ["appeal_id"])
    frame["has_interim"] = np.isin(appeal_ids, interim.appeal_id.to_numpy(dtype="int64"))
    closing = events[events.closes.fillna(False).astype(bool)]
    if sqlite:  # raw text may mix precisions: compare as instants
        closing = closing.assign(at=_to_utc(closing["at"], sqlite))
    last = closing.sort_values(["appeal_id", "at", "id"]).drop_duplicates("appeal_id", keep="last")
    action = pd.Series(last.action.to_numpy(dtype=object), index=last.appeal_id.to_numpy(dtype="int64"))
    frame["closing_action"] = frame.appeal_id.map(action).where(frame.status == Status.CLOSED.value, None)
    for name in _TIMES:
        frame[name] = _to_utc(frame[name], sqlite)
    for name in ("appeal_id", "category_id"):
        frame[name] = frame[name].astype("int64")
    for name in ("territory_id", "organization_id", "rating"):
        frame[name] = frame[name].astype("float64")  # NaN for missing, as pandas reads nullable ints
    frame["status"] = frame["status"].astype(object)
    frame = frame[_COLUMNS].copy()
    frame["hours_to_first_answer"] = (frame.first_answer_at - frame.created_at).dt.total_seconds() / 3600
    closed_how = frame.closing_action.map(CLOSING_OUTCOMES).fillna("closed_other")
    frame["outcome"] = frame.status.where(frame.status != Status.CLOSED.value, closed_how)
    _add_measures(frame)
    return frame


_COLUMNS = ["appeal_id", "territory_id", "organization_id", "category_id", "status", *_TIMES, "rating",
            "has_redirect", "has_category_change", "has_re_review", "has_rework", "has_dispute", "has_interim",
            "closing_action"]


def fetch_frame(conn, stmt, columns: list[str]) -> pd.DataFrame:
    """The rows of a statement as a frame, read as plain tuples from the driver's cursor (the values
    the statements above select need no conversion by SQLAlchemy)."""
    result = conn.execute(stmt)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    if not rows:
        return pd.DataFrame({name: pd.Series(dtype=object) for name in columns})
    return pd.DataFrame.from_records(rows, columns=columns, coerce_float=False)


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
