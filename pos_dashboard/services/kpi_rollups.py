"""Keeping the KPI rollups (`domain.kpi_measures`): every change of an appeal is noted by
`appeals._log` (`appeal_changed`); just before the transaction commits, the appeal's old
contribution is taken back and its new one added (`refresh_appeal`); `rebuild` recomputes every rollup from the appeals and events (the command
`python -m pos_dashboard rollups --rebuild`, the demo loader and the importer).

Both compute an appeal's contribution with `kpi_facts.load_frame`, the loader of the exact KPI
path, so the rollups cannot drift from the exact definitions.
"""

from collections import defaultdict
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import delete, event, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..domain.kpi_measures import (FLAGS, KEYS, MEASURES, NONE_KEY, OUTCOMES, ROLLUP_TABLES, SUM_COLUMNS,
                                   hours_bucket, kpi_cell, kpi_fact, kpi_hours_cell, kpi_hours_region)
from ..domain.enums import AnswerKind, EventKind, Status
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
    deltas: dict = defaultdict(lambda: defaultdict(int))
    for fact, sign in ((old, -1), (new, 1)):
        if fact is not None:
            for table, key, values in _contributions(fact):
                for column, value in values.items():
                    deltas[(table, key)][column] += sign * value
    for (table, key), values in sorted(deltas.items(), key=lambda item: (item[0][0].name, item[0][1])):
        if any(values.values()):
            _add(conn, table, dict(zip(_key_columns(table), key, strict=True)), dict(values))
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


def _records(facts: pd.DataFrame) -> list[dict]:
    records = facts.to_dict("records")
    for record in records:
        for name in ("appeal_id", "organization_id", "territory_id", "category_id", "flags"):
            record[name] = int(record[name])
        record["day"] = pd.Timestamp(record["day"]).date()
    return records


def _contributions(fact: dict):
    """(table, key, {column: amount}) of one fact row: the rows it adds to."""
    day: date = fact["day"]
    keys = tuple(fact[name] for name in KEYS)
    measures = {"received": 1, **{name: (fact["flags"] >> bit) & 1 for bit, name in enumerate(FLAGS)},
                "rating_sum": fact["rating"] or 0, f"final_{fact['outcome']}": 1}
    periods = (("D", day), ("M", day.replace(day=1)))
    for grain, period in periods:
        yield kpi_cell, (grain, period, *keys), measures
    if fact["bucket"] is not None:
        yield kpi_hours_cell, ("M", day.replace(day=1), *keys, fact["bucket"]), {"n": 1}
        for grain, period in periods:
            yield kpi_hours_region, (grain, period, fact["bucket"]), {"n": 1}


def _key_columns(table) -> list[str]:
    return [column.name for column in table.primary_key.columns]


def _add(conn, table, key: dict, values: dict) -> None:
    """Add `values` to the row `key`, creating it (zeros elsewhere) if absent."""
    row = {**{c.name: 0 for c in table.columns if c.name not in key}, **key, **values}
    stmt = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table).values(**row)
    stmt = stmt.on_conflict_do_update(index_elements=list(key),
                                      set_={name: table.c[name] + stmt.excluded[name] for name in values})
    conn.execute(stmt)


def rebuild(conn) -> dict[str, int]:
    """Recompute every rollup from the appeals and events; returns the row count of each table."""
    facts = fact_frame(conn, load_frame(conn, order=False))
    for table in ROLLUP_TABLES:
        conn.execute(delete(table))
    _insert_frame(conn, kpi_fact, facts)
    frame = _measure_frame(facts)
    month = facts.day.to_numpy(dtype="datetime64[M]").astype("datetime64[D]")
    answered = frame.bucket.notna()
    for grain, period in (("D", facts.day.to_numpy(dtype="datetime64[D]")), ("M", month)):
        cells = frame.assign(grain=grain, period=period).groupby(["grain", "period", *KEYS], sort=False)
        _insert_frame(conn, kpi_cell, cells[list(SUM_COLUMNS)].sum().reset_index())
        region = frame[answered].assign(grain=grain, period=period[answered])
        _insert_frame(conn, kpi_hours_region, region.groupby(["grain", "period", "bucket"], sort=False)
                      .size().rename("n").reset_index())
    monthly = frame[answered].assign(grain="M", period=month[answered])
    _insert_frame(conn, kpi_hours_cell, monthly.groupby(["grain", "period", *KEYS, "bucket"], sort=False)
                  .size().rename("n").reset_index())
    return {table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in ROLLUP_TABLES}


def _measure_frame(facts: pd.DataFrame) -> pd.DataFrame:
    flags = facts["flags"].to_numpy(dtype="int64")
    columns = {"received": np.ones(len(facts), dtype="int64")}
    columns |= {name: (flags >> bit) & 1 for bit, name in enumerate(FLAGS)}
    columns["rating_sum"] = facts.rating.fillna(0).to_numpy(dtype="int64")
    outcome = pd.Categorical(facts.outcome, categories=OUTCOMES).codes
    columns |= {f"final_{name}": (outcome == code).astype("int64") for code, name in enumerate(OUTCOMES)}
    assert tuple(columns) == SUM_COLUMNS and set(MEASURES) <= set(columns)
    return pd.DataFrame({**{name: facts[name].to_numpy() for name in KEYS}, **columns,
                         "bucket": pd.to_numeric(facts.bucket).astype("Int64")})


def _insert_frame(conn, table, frame: pd.DataFrame) -> None:
    for name in ("day", "period"):
        if name in frame:
            frame = frame.assign(**{name: pd.to_datetime(frame[name]).dt.date})
    records = frame[[c.name for c in table.columns]].astype(object).where(frame.notna(), None).to_dict("records")
    for start in range(0, len(records), INSERT_BATCH):
        conn.execute(insert(table), records[start:start + INSERT_BATCH])
