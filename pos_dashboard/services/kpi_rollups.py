"""Keeping the KPI rollups (`domain.kpi_measures`): every change of an appeal is noted by
`appeals._log` (`appeal_changed`); just before the transaction commits, the appeal's old
contribution is taken back and its new one added (`refresh_appeal`: the appeal's `kpi_fact` row and
the few `kpi_block` rows of its day and organisation, locked, merged and written back); `rebuild`
recomputes every rollup from the appeals and events (the command `python -m pos_dashboard rollups
--rebuild`, the demo loader and the importer).

Both compute an appeal's contribution from the measures of `kpi_facts.load_frame`, the loader of the
exact KPI path, so the rollups cannot drift from the exact definitions; both write the blocks in the
canonical form of `kpi_measures.canonical`, so a rebuild reproduces what the services kept byte for byte.
"""

from collections import defaultdict

import numpy as np
import pandas as pd
from sqlalchemy import bindparam, delete, event, func, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..domain.enums import AnswerKind, EventKind, Status
from ..domain.kpi_measures import (BLOB_KEYS, BLOBS, BLOCK_BASE, BLOCK_LEVELS, FLAGS, NONE_KEY, OUTCOMES,
                                   RATING_COUNTS, ROLLUP_TABLES, SUM_COLUMNS, blocks_of, canonical, day_number,
                                   hours_bucket, kpi_block, kpi_fact, pack, unpack)
from ..domain.models import Answer, Appeal, AppealEvent
from ..settings import region_tz
from .kpi_facts import (DISPUTE_ACTION, OPEN_CODES, RE_REVIEW_ACTIONS, REWORK_ACTION, SATISFIED_MIN_RATING,
                        final_outcome, load_frame, tree_roots)

INSERT_BATCH = 20_000


def fact_frame(conn, frame: pd.DataFrame) -> pd.DataFrame:
    """The `kpi_fact` rows of a frame of appeals (`kpi_facts.load_frame`)."""
    local = frame.created_at.dt.tz_convert(region_tz()).dt.tz_localize(None)
    flags = sum(frame[name].to_numpy(dtype="int64") << bit for bit, name in enumerate(FLAGS))
    hours = frame.hours_to_first_answer.to_numpy()
    deadline = frame.deadline_at.where(frame.is_open)
    open_deadline = np.full(len(frame), None, dtype=object)
    has = deadline.notna().to_numpy()
    open_deadline[has] = [moment.to_pydatetime() for moment in deadline[has]]
    return pd.DataFrame({
        "appeal_id": frame.appeal_id.to_numpy(dtype="int64"),
        "day": local.dt.normalize().to_numpy(dtype="datetime64[D]") if len(frame) else np.array([], "datetime64[D]"),
        "organization_id": frame.organization_id.fillna(NONE_KEY).to_numpy(dtype="int64"),
        "territory_id": frame.territory_id.map(tree_roots(conn, "territory")).fillna(NONE_KEY).to_numpy(dtype="int64"),
        "category_id": frame.category_id.map(tree_roots(conn, "category")).fillna(NONE_KEY).to_numpy(dtype="int64"),
        "flags": np.asarray(flags, dtype="int64") if len(frame) else np.array([], "int64"),
        "rating": frame.rating.astype("Int64").to_numpy(dtype=object, na_value=None),
        "outcome": frame.outcome.to_numpy(dtype=object),
        "bucket": pd.Series(hours_bucket(hours)).astype("Int64").to_numpy(dtype=object, na_value=None),
        "open_deadline": open_deadline,
    })


_PENDING = "kpi_rollups.pending"


def appeal_changed(session, appeal_id: int) -> None:
    """Note that the appeal changed: its rollups are refreshed just before the transaction commits
    (after every effect of the service, whatever their order)."""
    session.info.setdefault(_PENDING, set()).add(appeal_id)


@event.listens_for(Session, "before_commit")
def _refresh_pending(session) -> None:
    for appeal_id in sorted(session.info.pop(_PENDING, ())):
        refresh_appeal(session, appeal_id)


@event.listens_for(Session, "after_soft_rollback")
def _forget_pending(session, previous_transaction) -> None:
    session.info.pop(_PENDING, None)


def refresh_appeal(session, appeal_id: int) -> None:
    """Replace the appeal's contribution to the rollups by what it contributes now."""
    session.flush()  # the change and its event must be visible to the queries below
    conn = session.connection()
    new = appeal_fact(conn, appeal_id)
    old = conn.execute(select(kpi_fact).where(kpi_fact.c.appeal_id == appeal_id)).mappings().first()
    old = dict(old) if old is not None else None
    if new == old:
        return
    deltas: dict = defaultdict(lambda: {name: [] for name in BLOBS})
    for fact, sign in ((old, -1), (new, 1)):
        if fact is not None:
            rows = _fact_rows(fact)
            for level, first_day in blocks_of(day_number(fact["day"])):
                for name, row in rows.items():
                    if row is not None:
                        deltas[(level, first_day, fact["organization_id"])][name].append(
                            row * np.r_[np.ones(BLOB_KEYS[name], "int64"), np.full(len(row) - BLOB_KEYS[name], sign)])
    _apply(conn, deltas)
    if old is not None:
        conn.execute(delete(kpi_fact).where(kpi_fact.c.appeal_id == appeal_id))
    if new is not None:
        conn.execute(insert(kpi_fact), [new])


def appeal_fact(conn, appeal_id: int) -> dict | None:
    """The `kpi_fact` row of one appeal: the measures of `kpi_facts` for a single appeal, read through
    its indexes (a service call must not pay for the bulk loader); the property tests check that both
    give the same rollups."""
    a, e, ans = Appeal.__table__, AppealEvent.__table__, Answer.__table__
    appeal = conn.execute(select(a).where(a.c.id == appeal_id)).mappings().first()
    if appeal is None:
        return None
    events = conn.execute(select(e.c.kind, e.c.action, e.c.to_status).where(e.c.appeal_id == appeal_id)
                          .order_by(e.c.at, e.c.id)).all()
    interim = conn.execute(select(ans.c.id).where(ans.c.appeal_id == appeal_id,
                                                  ans.c.kind == AnswerKind.INTERIM.value).limit(1)).first()
    first, deadline, rating = appeal["first_answer_at"], appeal["deadline_at"], appeal["rating"]
    closing = [event.action for event in events if event.to_status == Status.CLOSED.value]
    flags = {"answered": first is not None, "answered_with_deadline": first is not None and deadline is not None,
             "answered_on_time": first is not None and deadline is not None and first <= deadline,
             "with_interim": interim is not None,
             "redirected": any(event.kind == EventKind.REDIRECT.value for event in events),
             "category_changed": any(event.kind == EventKind.CATEGORY_CHANGE.value for event in events),
             "re_reviewed": any(event.action in RE_REVIEW_ACTIONS for event in events),
             "returned_for_rework": any(event.action == REWORK_ACTION for event in events),
             "disputed": any(event.action == DISPUTE_ACTION for event in events),
             "rated": rating is not None, "satisfied": rating is not None and rating >= SATISFIED_MIN_RATING}
    hours = (first - appeal["created_at"]).total_seconds() / 3600 if first is not None else None
    is_open = appeal["status"] in OPEN_CODES
    territory = appeal["territory_id"]
    return {
        "appeal_id": appeal_id, "day": appeal["created_at"].astimezone(region_tz()).date(),
        "organization_id": appeal["organization_id"] or NONE_KEY,
        "territory_id": tree_roots(conn, "territory")[territory] if territory is not None else NONE_KEY,
        "category_id": tree_roots(conn, "category")[appeal["category_id"]],
        "flags": sum(int(flags[name]) << bit for bit, name in enumerate(FLAGS)), "rating": rating,
        "outcome": final_outcome(appeal["status"], closing[-1] if closing else None),
        "bucket": int(hours_bucket([hours])[0]) if hours is not None else None,
        "open_deadline": deadline if is_open else None,
    }


def _fact_rows(fact: dict) -> dict[str, np.ndarray | None]:
    """The row a `kpi_fact` row adds to each matrix of its blocks (None: it adds nothing there)."""
    flags = [(fact["flags"] >> bit) & 1 for bit in range(len(FLAGS))]
    outcomes = [int(fact["outcome"] == name) for name in OUTCOMES]
    ratings = [int(fact["rating"] == score) for score in range(1, len(RATING_COUNTS) + 1)]
    keys = [fact["territory_id"], fact["category_id"]]
    deadline = fact["open_deadline"]
    return {"cells": np.array([*keys, 1, *flags, fact["rating"] or 0, *outcomes, *ratings], dtype="int64"),
            "hours": None if fact["bucket"] is None else np.array([*keys, fact["bucket"], 1], dtype="int64"),
            "opens": None if deadline is None else np.array([*keys, int(deadline.timestamp() // 3600), 1], "int64")}


def _apply(conn, deltas: dict) -> None:
    """Add the rows of `deltas` ((level, first day, organisation) → matrix → rows) to those blocks:
    the rows are created if absent, locked (PostgreSQL) in key order, merged and written back."""
    if not deltas:
        return
    t = kpi_block
    names = [c.name for c in t.primary_key.columns]
    keys = sorted(deltas)
    empty = {name: b"" for name in BLOBS}
    insert_ = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(t).on_conflict_do_nothing(
        index_elements=names)
    conn.execute(insert_, [{**dict(zip(names, key)), **empty} for key in keys])
    rows = conn.execute(select(t).where(tuple_(*t.primary_key.columns).in_(keys))
                        .order_by(*t.primary_key.columns).with_for_update()).mappings().all()
    updates, gone = [], []
    for row in rows:
        key = tuple(row[name] for name in names)
        blobs = {}
        for name, columns in BLOBS.items():
            added = deltas[key][name]
            blobs[name] = pack(canonical(np.vstack([unpack(row[name], len(columns)).astype("int64"), *added]),
                                         BLOB_KEYS[name])) if added else bytes(row[name])
        if any(blobs.values()):
            updates.append({**{f"k_{name}": value for name, value in zip(names, key)}, **blobs})
        else:
            gone.append(key)
    if updates:
        conn.execute(update(t).where(*(t.c[name] == bindparam(f"k_{name}") for name in names))
                     .values({name: bindparam(name) for name in BLOBS}), updates)
    if gone:
        conn.execute(delete(t).where(tuple_(*t.primary_key.columns).in_(gone)))


def rebuild(conn) -> dict[str, int]:
    """Recompute every rollup from the appeals and events; returns the row count of each table."""
    facts = fact_frame(conn, load_frame(conn, order=False))
    for table in ROLLUP_TABLES:
        conn.execute(delete(table))
    _insert_frame(conn, kpi_fact, facts)
    rows = block_rows(facts)
    for start in range(0, len(rows), INSERT_BATCH // 10):
        conn.execute(insert(kpi_block), rows[start:start + INSERT_BATCH // 10])
    return {table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in ROLLUP_TABLES}


def block_rows(facts: pd.DataFrame) -> list[dict]:
    """The `kpi_block` rows of a frame of `kpi_fact` rows: per matrix, the day-level sums grouped by
    (day, organisation, keys), then each level summed from the one below (4 times fewer blocks)."""
    n = len(facts)
    day = (pd.to_datetime(facts.day).to_numpy(dtype="datetime64[D]").astype("int64") if n
           else np.zeros(0, "int64"))
    head = np.column_stack([day, facts.organization_id.to_numpy(dtype="int64"),
                            facts.territory_id.to_numpy(dtype="int64"), facts.category_id.to_numpy(dtype="int64")])
    flags = facts["flags"].to_numpy(dtype="int64")
    rating = facts.rating.astype("float64").to_numpy()
    outcome = pd.Categorical(facts.outcome, categories=OUTCOMES).codes
    cells = np.column_stack([np.ones(n, "int64"), *((flags >> bit) & 1 for bit in range(len(FLAGS))),
                             np.nan_to_num(rating).astype("int64"), *((outcome == code) for code in range(len(OUTCOMES))),
                             *((rating == score) for score in range(1, len(RATING_COUNTS) + 1))]).astype("int64")
    bucket = facts.bucket.astype("float64").to_numpy()
    answered = ~np.isnan(bucket)
    deadline = pd.to_datetime(facts.open_deadline, utc=True)
    is_open = deadline.notna().to_numpy()
    hour = ((deadline[is_open] - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(hours=1)).to_numpy(dtype="int64")
    ones = np.ones((n, 1), "int64")
    matrices = {"cells": (np.hstack([head, cells]), 4),
                "hours": (np.hstack([head[answered], bucket[answered, None].astype("int64"), ones[answered]]), 5),
                "opens": (np.hstack([head[is_open], hour[:, None].astype("int64"), ones[is_open]]), 5)}
    rows: dict = defaultdict(lambda: {name: b"" for name in BLOBS})
    for name, (matrix, keys) in matrices.items():
        for level in range(BLOCK_LEVELS):
            matrix = matrix.copy()
            matrix[:, 0] -= matrix[:, 0] % BLOCK_BASE ** level
            matrix = canonical(matrix, keys)
            starts = np.flatnonzero(np.r_[True, (matrix[1:, :2] != matrix[:-1, :2]).any(axis=1)]) if len(matrix) \
                else np.zeros(0, "int64")
            for begin, end in zip(starts, np.r_[starts[1:], len(matrix)]):
                rows[(level, int(matrix[begin, 0]), int(matrix[begin, 1]))][name] = pack(matrix[begin:end, 2:])
    return [{"level": level, "first_day": first_day, "organization_id": organisation, **blobs}
            for (level, first_day, organisation), blobs in sorted(rows.items())]


def _insert_frame(conn, table, frame: pd.DataFrame) -> None:
    for name in ("day", "period"):
        if name in frame:
            frame = frame.assign(**{name: pd.to_datetime(frame[name]).dt.date})
    frame = frame[[c.name for c in table.columns]]
    for start in range(0, len(frame), INSERT_BATCH):  # a slice at a time: dicts of 5M rows would not fit
        part = frame.iloc[start:start + INSERT_BATCH]
        conn.execute(insert(table), part.astype(object).where(part.notna(), None).to_dict("records"))
