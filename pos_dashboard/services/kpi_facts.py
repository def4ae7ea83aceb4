"""What each appeal contributes to the KPIs of DESIGN.md §4, read in bulk: one row per appeal with
its group keys, its time stamps and its additive measures (received, answered, on time, flags,
rating, final outcome). The exact KPI path sums these per group; the rollups (`kpi_rollups`) keep
the same sums per day and month, so both paths share one definition of every measure.

Speed at national size (1M appeals, 6.5M events): three plain scans, each one pass without joins
or GROUP BY, merged on the appeal id in numpy (a join of grouped sub-queries ran about 5x slower on
SQLite): the appeals through their covering index `ix_appeal_kpi` (never the rows with their texts),
the events that set a flag or close the appeal through the partial index `ix_event_kpi` in (appeal,
time, id) order, and the interim answers. The driver makes a Python object of every value, so the
database hands over as few as it can: statuses and event kinds as small codes (`CASE`), one packed
code per event, NULL ids as -1; integer columns go into numpy with `np.fromiter`, and time stamps
travel as SQLite's text (parsed by pandas in one vectorised step, faster than SQLite's own date
functions) or PostgreSQL's integer microseconds.
"""

from datetime import datetime
from itertools import chain

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, String, case, cast, func, select, text, type_coerce

from ..domain.enums import OPEN_STATUSES, AnswerKind, EventKind, Status
from ..domain.kpi_measures import (CLOSING_OUTCOMES, DISPUTE_ACTION, KPI_EVENTS_WHERE, MEASURES,  # noqa: F401
                                   OUTCOME_LABELS, OUTCOMES, RE_REVIEW_ACTIONS, REWORK_ACTION, SATISFIED_MIN_RATING)
from ..domain.models import Answer, Appeal, AppealEvent, Category, Territory

OPEN_CODES = tuple(sorted(status.value for status in OPEN_STATUSES))
_SQLITE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime in SQLite
_TIMES = ("created_at", "first_answer_at", "deadline_at")
_STATUSES = tuple(status.value for status in Status)
# the event flags, one bit each, in the order of the frame's has_* columns
_FLAG_COLUMNS = ("has_redirect", "has_category_change", "has_re_review", "has_rework", "has_dispute")
# how a closing event closes: its code is the index in _CLOSED_HOW (the last one: any other action)
_CLOSED_HOW = (*dict.fromkeys(CLOSING_OUTCOMES.values()), "closed_other")


def final_outcome(status: str, closing_action: str | None) -> str:
    """The appeal's place in the completion mix: its status, and for a closed one how it was closed."""
    if status == Status.CLOSED.value:
        return CLOSING_OUTCOMES.get(closing_action or "", "closed_other")
    return status


def _code(column, values) -> object:
    """The index of the column's value in `values` (-1 for any other)."""
    return case({value: index for index, value in enumerate(values)}, value=column, else_=-1)


def load_frame(conn, conditions=(), order: bool = True) -> pd.DataFrame:
    """One row per appeal matching `conditions` (SQL conditions on the appeal table): ids, keys,
    status, time stamps (UTC), rating, the event flags and the measures (see the module's note)."""
    a, e, ans = Appeal.__table__, AppealEvent.__table__, Answer.__table__
    conditions = list(conditions)
    ids = select(a.c.id).where(*conditions) if conditions else None
    sqlite = conn.dialect.name == "sqlite"

    def raw_time(column):
        if sqlite:
            return type_coerce(column, String)
        return cast(func.extract("epoch", column) * 1_000_000, BigInteger)

    result = conn.execute(select(a.c.id, *(func.coalesce(a.c[name], -1) for name in
                                           ("territory_id", "organization_id", "category_id", "rating")),
                                 _code(a.c.status, _STATUSES), *(raw_time(a.c[name]) for name in _TIMES))
                          .where(*conditions))
    try:
        # One object matrix in C (a third of the time of zip(*rows)), then columns of it.
        table = np.array(result.cursor.fetchall(), dtype=object).reshape(-1, 9)
    finally:
        result.close()
    ints = table[:, :6].astype("int64").T
    columns = table.T
    order_of = np.argsort(ints[0], kind="stable")
    if order:
        ints = ints[:, order_of]
        order_of = np.arange(len(order_of))
    appeal_ids, territory, organisation, category, rating, status_code = ints
    times = {name: _to_utc(columns[6 + index], sqlite, order_of if order else None)
             for index, name in enumerate(_TIMES)}

    def position(values: np.ndarray) -> np.ndarray:
        """The row of each appeal id (every id given is one of the frame's)."""
        return order_of[np.searchsorted(appeal_ids[order_of], values)]

    # one row per event, ordered by (appeal, time, id): the appeal and bits 0-4 the flags, above them
    # 1 + how the event closes the appeal (0 when it does not)
    flag_bits = sum(case((condition, 1 << bit), else_=0) for bit, condition in enumerate((
        e.c.kind == EventKind.REDIRECT.value, e.c.kind == EventKind.CATEGORY_CHANGE.value,
        e.c.action.in_(RE_REVIEW_ACTIONS), e.c.action == REWORK_ACTION, e.c.action == DISPUTE_ACTION)))
    closing = case((e.c.to_status == Status.CLOSED.value, 1 + case(
        {action: _CLOSED_HOW.index(how) for action, how in CLOSING_OUTCOMES.items()},
        value=e.c.action, else_=len(_CLOSED_HOW) - 1)), else_=0)
    events = fetch_ints(conn, select(e.c.appeal_id, flag_bits + closing * 32).where(
        text(f"({KPI_EVENTS_WHERE})"), *([e.c.appeal_id.in_(ids)] if ids is not None else []))
        .order_by(e.c.appeal_id, e.c.at, e.c.id), 2)
    rows = position(events[:, 0])
    flags = np.zeros(len(appeal_ids), "int64")
    np.bitwise_or.at(flags, rows, events[:, 1] & 31)
    shut = events[:, 1] >= 32
    last = shut.copy()
    last[np.flatnonzero(shut)[:-1]] = rows[shut][1:] != rows[shut][:-1]  # the last closing event of each
    closed_how = np.full(len(appeal_ids), len(_CLOSED_HOW) - 1)
    closed_how[rows[last]] = (events[last, 1] >> 5) - 1
    interim = fetch_ints(conn, select(ans.c.appeal_id).where(
        ans.c.kind == AnswerKind.INTERIM.value, *([ans.c.appeal_id.in_(ids)] if ids is not None else [])), 1)

    status = np.array([*_STATUSES, None], dtype=object)[status_code]
    frame = pd.DataFrame({
        "appeal_id": appeal_ids, "territory_id": _nullable(territory), "organization_id": _nullable(organisation),
        "category_id": category, "status": pd.Series(status, dtype=object), **times, "rating": _nullable(rating),
        **{name: (flags >> bit) & 1 == 1 for bit, name in enumerate(_FLAG_COLUMNS)},
        "has_interim": np.isin(appeal_ids, interim[:, 0]),
    })
    frame["hours_to_first_answer"] = (frame.first_answer_at - frame.created_at).dt.total_seconds() / 3600
    is_closed = status_code == _STATUSES.index(Status.CLOSED.value)
    frame["outcome"] = np.where(is_closed, np.array(_CLOSED_HOW, dtype=object)[closed_how], status)
    _add_measures(frame)
    return frame


def _to_utc(values: tuple, sqlite: bool, order: np.ndarray | None) -> pd.Series:
    """Raw time stamps (SQLite's text, PostgreSQL's integer microseconds; None for NULL) as UTC."""
    values = np.array(values, dtype=object)
    if order is not None:
        values = values[order]
    if sqlite:
        try:
            return pd.to_datetime(values, format=_SQLITE_TIME_FORMAT, utc=True)
        except ValueError:  # a value written by another tool, without microseconds
            return pd.to_datetime(values, format="ISO8601", utc=True)
    micros = pd.array(values, dtype="Int64").to_numpy(dtype="float64", na_value=np.nan)
    return pd.to_datetime(micros, unit="us", utc=True).as_unit("us")


def _nullable(values: np.ndarray) -> np.ndarray:
    """Ids and ratings (never negative) with NaN for NULL, as pandas reads nullable integers."""
    return np.where(values < 0, np.nan, values.astype("float64"))


def fetch_ints(conn, stmt, width: int) -> np.ndarray:
    """The rows of a statement selecting `width` integer columns (no NULL) as one int64 array,
    read from the driver's cursor without a Python object per row beyond the driver's tuples."""
    result = conn.execute(stmt)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    return np.fromiter(chain.from_iterable(rows), dtype="int64", count=len(rows) * width).reshape(-1, width)


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
