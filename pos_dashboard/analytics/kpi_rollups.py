"""`compute_kpis(exact=False)`: the table of sums read from the rollups (`domain.kpi_measures`)
instead of the appeals, so a page's numbers cost the same at 5 million appeals as at 50 thousand.

The rollups answer when the question fits their grain: period bounds at midnight in the region's
time zone (whole local days), and territories / categories of the selection at the top level of
their trees (the rollups carry top-level keys). Anything finer returns None and `compute_kpis`
scans instead. Whole months of the period are read from the monthly rows, the days at its edges
from the daily ones. Counts are exact; the two percentiles come from log-scale histograms (within
0.4 %, `kpi_measures.GAMMA`); "overdue / at risk now" are counted from the open appeals' deadlines
in `kpi_fact` (indexed), since they depend on the moment asked about.
"""

from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import and_, case, func, literal, or_, select

from ..domain.deadlines import AT_RISK_HORIZON
from ..domain.kpi_measures import (GAMMA, MEASURES, NONE_KEY, SUM_COLUMNS, bucket_hours, kpi_cell, kpi_fact,
                                   kpi_hours_cell, kpi_hours_region)
from ..domain.models import Organization
from ..services.kpi_facts import fetch_frame, tree_roots
from ..settings import region_tz

KEY_OF = {"organisation": "organization_id", "territory": "territory_id", "category": "category_id"}


def local_day(moment: datetime | None) -> date | None | bool:
    """The region-local date of a midnight bound, None for no bound, False when not at midnight."""
    if moment is None:
        return None
    local = moment.astimezone(region_tz())
    return local.date() if local.time() == time(0) else False


def rollup_sums(conn, group_by, since, until, now, selection):
    """(sums per group or None, total sums) like the exact path, or None when not answerable."""
    lo, hi = local_day(since), local_day(until)
    if lo is False or hi is False:
        return None
    keys = _selection_keys(conn, selection)
    if keys is None:
        return None
    ranges = _ranges(lo, hi)
    key = KEY_OF.get(group_by)
    counts = _cell_sums(conn, key, ranges, keys)
    counts = counts.join(_open_counts(conn, key, lo, hi, keys, now), how="left").fillna(0).astype("int64")
    hours = _histogram(conn, key, ranges, lo, hi, keys)
    groups = counts[counts.received > 0].join(_quantiles(hours), how="left")
    groups = groups.reindex(columns=[*MEASURES, "overdue_now", "at_risk_now",
                                     *(c for c in SUM_COLUMNS if c not in MEASURES), "median_hours", "p90_hours"])
    if key is None:
        return None, groups
    total = groups.drop(columns=["median_hours", "p90_hours"]).sum().to_frame().T.astype("int64")
    total.index = [0]
    total_hours = hours.groupby("bucket", as_index=False).n.sum().assign(group=0) if keys \
        else _histogram(conn, None, ranges, lo, hi, keys)
    total = total.join(_quantiles(total_hours), how="left")
    return groups, total[groups.columns]


def _selection_keys(conn, selection) -> dict | None:
    """Conditions of the selection on the rollup keys, or None when it is finer than the keys."""
    if selection is None:
        return {}
    keys = {}
    for name, ids, tree in (("territory_id", selection.territory_ids, "territory"),
                            ("category_id", selection.category_ids, "category")):
        if ids:
            roots = tree_roots(conn, tree)
            if any(roots.get(int(node)) != int(node) for node in ids):
                return None
            keys[name] = sorted({int(node) for node in ids})
    organisations = set(int(node) for node in selection.organization_ids)
    if selection.organization_type is not None:
        o = Organization.__table__
        of_type = set(conn.execute(select(o.c.id).where(o.c.org_type == selection.organization_type)).scalars())
        organisations = organisations & of_type if selection.organization_ids else of_type
        organisations = organisations or {-1}  # nothing matches
    if organisations:
        keys["organization_id"] = sorted(organisations)
    return keys


def _ranges(lo: date | None, hi: date | None) -> list[tuple[str, date | None, date | None]]:
    """(grain, first period, end period) pieces covering [lo, hi): whole months from the monthly rows."""
    month_lo = None if lo is None else (lo if lo.day == 1 else _next_month(lo))
    month_hi = None if hi is None else hi.replace(day=1)
    if month_lo is not None and month_hi is not None and month_lo >= month_hi:
        return [("D", lo, hi)] if lo < hi else []
    pieces = [("M", month_lo, month_hi)]
    if lo is not None and lo < month_lo:
        pieces.append(("D", lo, month_lo))
    if hi is not None and month_hi < hi:
        pieces.append(("D", month_hi, hi))
    return pieces


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _in_ranges(table, ranges) -> list:
    pieces = [and_(table.c.grain == grain, *([table.c.period >= lo] if lo else []),
                   *([table.c.period < hi] if hi else [])) for grain, lo, hi in ranges]
    return [or_(*pieces)] if pieces else [literal(False)]


def _where_keys(table, keys: dict) -> list:
    return [table.c[name].in_(ids) for name, ids in keys.items()]


def _group_column(table, key):
    return (table.c[key] if key else literal(0)).label("group")


def _to_groups(frame: pd.DataFrame, key) -> pd.DataFrame:
    """Group ids as `compute_kpis` has them: NO_GROUP for the rollups' 0 key, 0 for the whole selection."""
    frame["group"] = frame["group"].astype("int64").replace(NONE_KEY, -1) if key else 0
    return frame


def _cell_sums(conn, key, ranges, keys) -> pd.DataFrame:
    c = kpi_cell
    group = _group_column(c, key)
    stmt = (select(group, *(func.sum(c.c[name]).label(name) for name in SUM_COLUMNS))
            .where(*_in_ranges(c, ranges), *_where_keys(c, keys)).group_by(group))
    frame = _to_groups(fetch_frame(conn, stmt, ["group", *SUM_COLUMNS]), key)
    return frame.set_index("group").fillna(0).astype("int64")


def _day_bounds(table, lo, hi) -> list:
    return [*([table.c.day >= lo] if lo else []), *([table.c.day < hi] if hi else [])]


def _open_counts(conn, key, lo, hi, keys, now: datetime) -> pd.DataFrame:
    if now.tzinfo is None:
        raise ValueError(f"naive datetime refused: {now!r}")
    f = kpi_fact
    group = _group_column(f, key)
    deadline = f.c.open_deadline
    stmt = (select(group, func.sum(case((deadline < now, 1), else_=0)).label("overdue_now"),
                   func.sum(case((deadline >= now, 1), else_=0)).label("at_risk_now"))
            .where(deadline.is_not(None), deadline <= now + AT_RISK_HORIZON, *_day_bounds(f, lo, hi),
                   *_where_keys(f, keys)).group_by(group))
    return _to_groups(fetch_frame(conn, stmt, ["group", "overdue_now", "at_risk_now"]), key).set_index("group")


def _histogram(conn, key, ranges, lo, hi, keys) -> pd.DataFrame:
    """(group, bucket, n) of the time to first answer over the period."""
    if key is None and not keys:
        r = kpi_hours_region
        stmts = [select(literal(0).label("group"), r.c.bucket, func.sum(r.c.n).label("n"))
                 .where(*_in_ranges(r, ranges)).group_by(r.c.bucket)]
    else:
        h, f = kpi_hours_cell, kpi_fact
        months = [piece for piece in ranges if piece[0] == "M"]
        days = [piece for piece in ranges if piece[0] == "D"]
        stmts = []
        if months:
            group = _group_column(h, key)
            stmts.append(select(group, h.c.bucket, func.sum(h.c.n).label("n"))
                         .where(*_in_ranges(h, months), *_where_keys(h, keys)).group_by(group, h.c.bucket))
        group = _group_column(f, key)
        for _grain, day_lo, day_hi in days:
            stmts.append(select(group, f.c.bucket, func.count().label("n"))
                         .where(f.c.bucket.is_not(None), *_day_bounds(f, day_lo, day_hi), *_where_keys(f, keys))
                         .group_by(group, f.c.bucket))
    parts = [fetch_frame(conn, stmt, ["group", "bucket", "n"]) for stmt in stmts]
    frame = _to_groups(pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0], key)
    if len(parts) == 1:
        return frame.astype({"bucket": "int64", "n": "int64"})
    return frame.groupby(["group", "bucket"], as_index=False).n.sum()


def _quantiles(hours: pd.DataFrame) -> pd.DataFrame:
    """Median and p90 per group from (group, bucket, n), interpolating linearly between ranks; all
    groups at once: one cumulative count over the rows sorted by group and bucket, and each rank
    found by a binary search in it (a group's ranks lie between the counts before and after it)."""
    hours = hours[hours.n > 0].sort_values(["group", "bucket"])
    if hours.empty:
        return pd.DataFrame(columns=["median_hours", "p90_hours"], dtype="float64")
    groups = hours["group"].to_numpy(dtype="int64")
    values = bucket_hours(hours.bucket.to_numpy(dtype="int64"))
    cumulative = np.cumsum(hours.n.to_numpy(dtype="int64"))
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    ends = np.r_[starts[1:], len(groups)] - 1
    before = np.r_[0, cumulative[ends[:-1]]]
    total = cumulative[ends] - before
    columns = {}
    for name, q in (("median_hours", 0.5), ("p90_hours", 0.9)):
        position = q * (total - 1)
        low, high = np.floor(position), np.ceil(position)
        at_low = values[np.searchsorted(cumulative, before + low, side="right")]
        at_high = values[np.searchsorted(cumulative, before + high, side="right")]
        columns[name] = at_low + (position - low) * (at_high - at_low)
    return pd.DataFrame(columns, index=groups[starts], dtype="float64")


# --- series for the charts: the same sums per consecutive period, and the period's distributions ---

def series_sums(conn, edges: list[datetime], now: datetime, selection, months: bool = False) -> pd.DataFrame | None:
    """The count sums (no percentiles) of each period edges[i] ≤ created_at < edges[i+1], one row per
    period (index 0…n-1), with "overdue / at risk now"; None when the rollups cannot answer (an edge
    not at local midnight, a selection finer than the keys). `months`: the edges are month starts, so
    whole months come from the monthly rows."""
    days = [local_day(edge) for edge in edges]
    if len(days) < 2 or any(day is None or day is False for day in days):
        return None
    keys = _selection_keys(conn, selection)
    if keys is None:
        return None
    lo, hi = days[0], days[-1]
    ranges = _ranges(lo, hi) if months else ([("D", lo, hi)] if lo < hi else [])
    c, f = kpi_cell, kpi_fact
    cells = conn.execute(select(c.c.period, *(func.sum(c.c[name]).label(name) for name in SUM_COLUMNS))
                         .where(*_in_ranges(c, ranges), *_where_keys(c, keys)).group_by(c.c.grain, c.c.period))
    deadline = f.c.open_deadline
    open_rows = conn.execute(
        select(f.c.day, func.sum(case((deadline < now, 1), else_=0)).label("overdue_now"),
               func.sum(case((deadline >= now, 1), else_=0)).label("at_risk_now"))
        .where(deadline.is_not(None), deadline <= now + AT_RISK_HORIZON, *_day_bounds(f, lo, hi),
               *_where_keys(f, keys)).group_by(f.c.day))
    periods = np.array(days[:-1], dtype="datetime64[D]")

    def by_period(rows, columns) -> pd.DataFrame:
        frame = pd.DataFrame(rows, columns=["day", *columns])
        if frame.empty:
            return pd.DataFrame(columns=columns, dtype="int64")
        index = np.searchsorted(periods, pd.to_datetime(frame.pop("day")).to_numpy(dtype="datetime64[D]"),
                                side="right") - 1
        return frame.fillna(0).astype("int64").groupby(index).sum()

    sums = by_period(cells.all(), list(SUM_COLUMNS)).join(
        by_period(open_rows.all(), ["overdue_now", "at_risk_now"]), how="outer")
    sums = sums.reindex(range(len(periods))).fillna(0).astype("int64")
    return sums.assign(median_hours=float("nan"), p90_hours=float("nan"))


def rating_counts(conn, since: datetime, until: datetime, selection) -> dict[int, int] | None:
    """Rated appeals created in [since, until) per score 1–5 (exact, from `kpi_fact`), or None."""
    lo, hi, keys = local_day(since), local_day(until), _selection_keys(conn, selection)
    if lo is False or hi is False or keys is None:
        return None
    f = kpi_fact
    rows = conn.execute(select(f.c.rating, func.count()).where(f.c.rating.is_not(None), *_day_bounds(f, lo, hi),
                                                                 *_where_keys(f, keys)).group_by(f.c.rating))
    return {int(score): int(n) for score, n in rows.all()}


def hours_values(conn, since: datetime, until: datetime, selection) -> pd.Series | None:
    """The time to first answer of the appeals created in [since, until) as a histogram: the upper
    bound of each bucket (hours; within 0.8 % of each value in it, and equal to a whole number of
    hours that falls in it) → how many; or None. Binned into intervals closed on the left, a value
    lands in the right bar unless it lies within 0.8 % below an interval's bound."""
    lo, hi, keys = local_day(since), local_day(until), _selection_keys(conn, selection)
    if lo is False or hi is False or keys is None:
        return None
    hours = _histogram(conn, None, _ranges(lo, hi), lo, hi, keys)
    hours = hours.groupby("bucket").n.sum()
    buckets = hours.index.to_numpy()
    upper = np.where(buckets > 0, bucket_hours(buckets) * (GAMMA + 1) / 2, bucket_hours(buckets))
    return pd.Series(hours.to_numpy(dtype="int64"), index=upper)
