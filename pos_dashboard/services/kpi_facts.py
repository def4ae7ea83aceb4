"""What each appeal contributes to the KPIs of DESIGN.md §4, read in bulk: one row per appeal with
its group keys, its time stamps and its additive measures (received, answered, on time, flags,
rating, final outcome). The exact KPI path sums these per group; the rollups (`kpi_rollups`) keep
the same sums per day and month, so both paths share one definition of every measure.

Speed at national size (1M appeals, 6.5M events): three plain scans, each one pass without joins
or GROUP BY, merged on the appeal id in numpy (a join of grouped sub-queries ran about 5x slower on
SQLite): the appeals through their covering index `ix_appeal_kpi` (never the rows with their texts),
the events that set a flag or close the appeal through the partial index `ix_event_kpi` in (appeal,
time, id) order, and the interim answers. The database hands over as little as it can: statuses
and event kinds as small codes (`CASE`), one packed code per event, NULL ids as -1, times as
integers; `bulk_ints` moves the rows into numpy (PostgreSQL without any Python object per row).
Given an engine, the scans run on two connections at once: on PostgreSQL in ranges of the appeal
ids (two server processes), on SQLite the appeals beside the events.
"""

import re
from contextlib import contextmanager
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, and_, case, cast, func, select, text

from ..db import shared_database
from ..domain.enums import OPEN_STATUSES, EventKind, Status
from ..domain.kpi_measures import (CLOSING_OUTCOMES, DISPUTE_ACTION, INTERIM_ANSWERS_WHERE,  # noqa: F401
                                   KPI_EVENTS_WHERE, MEASURES,
                                   OUTCOME_LABELS, OUTCOMES, RE_REVIEW_ACTIONS, REWORK_ACTION, SATISFIED_MIN_RATING)
from ..domain.models import Answer, Appeal, AppealEvent, Category, Territory
from .bulk_ints import fetch_columns, in_parallel

RANGE_IDS = 1_000_000
_SNAPSHOT_ID = re.compile(r"[0-9A-F]+-[0-9A-F]+(-[0-9]+)?")  # what pg_export_snapshot returns
OPEN_CODES = tuple(sorted(status.value for status in OPEN_STATUSES))
_TIMES = ("created_at", "first_answer_at", "deadline_at")
_STATUSES = tuple(status.value for status in Status)
# the event flags, one bit each, in the order of the frame's has_* columns
_FLAG_COLUMNS = ("has_redirect", "has_category_change", "has_re_review", "has_rework", "has_dispute")
# how a closing event closes: its code is the index in _CLOSED_HOW (the last one: any other action)
_CLOSED_HOW = (*dict.fromkeys(CLOSING_OUTCOMES.values()), "closed_other")
# The appeal's small keys travel packed into one integer, each as value + 1 in its bits (NULL's -1
# is 0): on SQLite the driver makes one Python object per value, most of the scan's time.
_KEY_BITS = {"territory_id": 20, "organization_id": 20, "category_id": 16, "rating": 3, "status": 4}
_EVENT_CODE_BITS = 10  # an event travels as appeal id << 10 | its code (flags and closing kind)
assert len(_STATUSES) < 15 and 32 * (len(_CLOSED_HOW) + 1) < 1 << _EVENT_CODE_BITS


def final_outcome(status: str, closing_action: str | None) -> str:
    """The appeal's place in the completion mix: its status, and for a closed one how it was closed."""
    if status == Status.CLOSED.value:
        return CLOSING_OUTCOMES.get(closing_action or "", "closed_other")
    return status


def _code(column, values, likeliest=None) -> object:
    """The index of the column's value in `values` (-1 for any other); the likeliest value is
    tested first (SQLite tries the WHENs in order: closed first saves a tenth of the appeal scan)."""
    codes = {value: index for index, value in enumerate(values)}
    first = {likeliest: codes[likeliest]} if likeliest is not None else {}
    return case(first | codes, value=column, else_=-1)


def load_frame(conn, conditions=(), order: bool = True, engine=None) -> pd.DataFrame:
    """One row per appeal matching `conditions` (SQL conditions on the appeal table): ids, keys,
    status, time stamps (UTC), rating, the event flags and the measures (see the module's note).
    With `engine` (never a connection inside a transaction: it would not see that transaction's
    writes) the scans run on two new connections at once, on PostgreSQL in ranges of the appeal ids."""
    a, e, ans = Appeal.__table__, AppealEvent.__table__, Answer.__table__
    conditions = list(conditions)
    in_selection = [e.c.appeal_id.in_(select(a.c.id).where(*conditions))] if conditions else []
    # one row per event, ordered by (appeal, time, id): the appeal and bits 0-4 the flags, above them
    # 1 + how the event closes the appeal (0 when it does not)
    flag_bits = sum(case((condition, 1 << bit), else_=0) for bit, condition in enumerate((
        e.c.kind == EventKind.REDIRECT.value, e.c.kind == EventKind.CATEGORY_CHANGE.value,
        e.c.action.in_(RE_REVIEW_ACTIONS), e.c.action == REWORK_ACTION, e.c.action == DISPUTE_ACTION)))
    closing = case((e.c.to_status == Status.CLOSED.value, 1 + case(
        {action: _CLOSED_HOW.index(how) for action, how in CLOSING_OUTCOMES.items()},
        value=e.c.action, else_=len(_CLOSED_HOW) - 1)), else_=0)
    keys = [*(func.coalesce(a.c[name], -1) for name in list(_KEY_BITS)[:-1]),
            _code(a.c.status, _STATUSES, likeliest=Status.CLOSED.value)]
    time_columns = [a.c[name] for name in _TIMES]

    def appeals(low, high):
        def read(c):
            where = [*conditions, *_in_range(a.c.id, low, high)]
            table = fetch_columns(c, [a.c.id, _packed(keys), *time_columns], "iittt", where)
            if (table[:, 1] < 0).any():  # a key too large for its bits: read the keys one by one
                return fetch_columns(c, [a.c.id, *keys, *time_columns], "iiiiiittt", where)
            return np.column_stack([table[:, 0], *_unpacked(table[:, 1]), table[:, 2:]])
        return read

    def events(low, high):
        code = cast(e.c.appeal_id, BigInteger) * (1 << _EVENT_CODE_BITS) + flag_bits + closing * 32
        return lambda c: fetch_columns(c, [code], "i", [text(f"({KPI_EVENTS_WHERE})"), *in_selection,
                                                        *_in_range(e.c.appeal_id, low, high)],
                                       (e.c.appeal_id, e.c.at, e.c.id))

    def interim_rows(c):
        return fetch_columns(c, [ans.c.appeal_id], "i", [text(f"({INTERIM_ANSWERS_WHERE})"), *(
            [ans.c.appeal_id.in_(select(a.c.id).where(*conditions))] if conditions else [])])

    # PostgreSQL works the ranges in two server processes. SQLite reads the appeals and the events on
    # two connections at once too: the appeals' scan is one statement that runs in SQLite's C code
    # without the GIL (group_concat texts, see bulk_ints) while this process turns the events' rows
    # into numpy (the exact `kpi` command at 1M: 4.1–4.3 s on one connection, 3.0–3.9 s on two).
    parallel = engine is not None and shared_database(engine)
    ranges = _id_ranges(conn, conditions) if parallel and conn.dialect.name == "postgresql" else [(None, None)]
    tasks = [*(appeals(*bounds) for bounds in ranges), *(events(*bounds) for bounds in ranges), interim_rows]
    if not parallel:
        results = [task(conn) for task in tasks]
    else:
        with _connections_of_one_snapshot(engine) as run:
            results = in_parallel([lambda task=task: run(task) for task in tasks])
    table = np.concatenate(results[:len(ranges)])
    events_table = np.concatenate(results[len(ranges):2 * len(ranges)])
    interim = results[-1]

    ints = table[:, :6].T
    order_of = np.argsort(ints[0], kind="stable")
    if order:
        table = table[order_of]
        ints = table[:, :6].T
        order_of = np.arange(len(order_of))
    appeal_ids, territory, organisation, category, rating, status_code = ints
    times = {name: pd.to_datetime(table[:, 6 + index].view("M8[us]"), utc=True) for index, name in enumerate(_TIMES)}

    # The scans on separate connections may see the database a moment apart: an event of an appeal
    # the appeals' scan did not see (one added since) is left out.
    sorted_ids, event_appeals = appeal_ids[order_of], events_table[:, 0] >> _EVENT_CODE_BITS
    at = np.minimum(np.searchsorted(sorted_ids, event_appeals), max(len(sorted_ids) - 1, 0))
    seen = sorted_ids[at] == event_appeals if len(sorted_ids) else np.zeros(len(event_appeals), bool)
    rows = order_of[at[seen]]
    codes = events_table[seen, 0] & ((1 << _EVENT_CODE_BITS) - 1)
    flags = np.zeros(len(appeal_ids), "int64")
    np.bitwise_or.at(flags, rows, codes & 31)
    shut = codes >= 32
    last = shut.copy()
    last[np.flatnonzero(shut)[:-1]] = rows[shut][1:] != rows[shut][:-1]  # the last closing event of each
    closed_how = np.full(len(appeal_ids), len(_CLOSED_HOW) - 1)
    closed_how[rows[last]] = (codes[last] >> 5) - 1

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


def _packed(keys: list) -> object:
    """The keys (in _KEY_BITS' order) packed into one integer; -1 when one does not fit its bits."""
    packed, fits = cast(0, BigInteger), []
    for key, bits in zip(keys, _KEY_BITS.values()):
        packed = packed * (1 << bits) + (key + 1)
        fits.append(key.between(-1, (1 << bits) - 2))
    return case((and_(*fits), packed), else_=-1)


def _unpacked(packed: np.ndarray) -> list[np.ndarray]:
    shifts = np.cumsum([0, *list(_KEY_BITS.values())[::-1]])[:-1][::-1]
    return [((packed >> shift) & ((1 << bits) - 1)) - 1 for shift, bits in zip(shifts, _KEY_BITS.values())]


def _id_ranges(conn, conditions) -> list[tuple[int | None, int | None]]:
    """[low, high) ranges of the appeal ids matching `conditions`: at least two (one per reading
    connection) and each at most RANGE_IDS wide (a range's packed rows stay far below PostgreSQL's
    1 GB limit of one value)."""
    a = Appeal.__table__
    low, high = conn.execute(select(func.min(a.c.id), func.max(a.c.id)).where(*conditions)).one()
    if low is None or high - low < 2:
        return [(None, None)]
    count = max(2, -(-(high - low + 1) // RANGE_IDS))
    bounds = [low + (high - low + 1) * k // count for k in range(1, count)]
    return list(zip([None, *bounds], [*bounds, None]))


def _in_range(column, low, high) -> list:
    return [*([column >= low] if low is not None else []), *([column < high] if high is not None else [])]


@contextmanager
def _connections_of_one_snapshot(engine):
    """Runs a task on a new connection. On PostgreSQL every such connection reads the snapshot of
    one REPEATABLE READ transaction, exported while the tasks run (`pg_export_snapshot`), so the
    scans of the appeals and of their events see the same moment. SQLite's connections cannot
    share one: each scan sees the moment it starts."""
    if engine.dialect.name != "postgresql":
        def on_new_connection(task):
            with engine.connect() as conn:
                return task(conn)
        yield on_new_connection
        return
    with engine.connect() as lead:
        lead.execution_options(isolation_level="REPEATABLE READ")
        with lead.begin():
            snapshot = lead.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            if not _SNAPSHOT_ID.fullmatch(snapshot):
                raise ValueError(f"unexpected snapshot id {snapshot!r}")

            def in_snapshot(task):
                with engine.connect() as conn:
                    conn.execution_options(isolation_level="REPEATABLE READ")
                    with conn.begin():
                        conn.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
                        return task(conn)
            yield in_snapshot


def _nullable(values: np.ndarray) -> np.ndarray:
    """Ids and ratings (never negative) with NaN for NULL, as pandas reads nullable integers."""
    return np.where(values < 0, np.nan, values.astype("float64"))


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
