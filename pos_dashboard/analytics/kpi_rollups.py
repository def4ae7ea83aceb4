"""`compute_kpis(exact=False)`: the table of sums read from the rollups (`domain.kpi_measures`)
instead of the appeals, so a page's numbers cost the same at 5 million appeals as at 50 thousand.

The rollups answer when the question fits their grain: period bounds at midnight in the region's
time zone (whole local days), and territories / categories of the selection at the top level of
their trees (the rollups carry top-level keys). Anything finer returns None and `compute_kpis`
scans instead. A period of whole days is the union of at most ~30 aligned blocks (`cover`); one query
reads those blocks' rows (one per organisation that has appeals in it: their number does not grow
with the appeals) and numpy sums their packed matrices. Counts are exact; the two percentiles come
from log-scale histograms (within 0.4 %, `kpi_measures.GAMMA`); "overdue / at risk now" count the
open deadlines by hour, and read the exact deadlines of the two hours that hold "now" and "now + 24 h"
from `kpi_fact` (indexed), since they depend on the moment asked about.
"""

from datetime import date, datetime, time

import numpy as np
import pandas as pd
from sqlalchemy import and_, func, or_, select

from ..domain.deadlines import AT_RISK_HORIZON
from ..domain.kpi_measures import (BLOCK_BASE, BLOCK_LEVELS, CELL_COLUMNS, GAMMA, MEASURES, NONE_KEY, RATING_COUNTS,
                                   SUM_COLUMNS, bucket_hours, day_number, kpi_fact)
from ..domain.models import Organization
from ..services.kpi_facts import tree_roots
from ..settings import region_tz
from .kpi_blocks import Blocks, grouped

KEY_OF = {"organisation": "organization_id", "territory": "territory_id", "category": "category_id"}
_SUMS = slice(2, 2 + len(SUM_COLUMNS))
_RATINGS = slice(2 + len(SUM_COLUMNS), len(CELL_COLUMNS))
_HOUR = 3600


def local_day(moment: datetime | None) -> date | None | bool:
    """The region-local date of a midnight bound, None for no bound, False when not at midnight."""
    if moment is None:
        return None
    local = moment.astimezone(region_tz())
    return local.date() if local.time() == time(0) else False


def _group_index(key, groups: np.ndarray) -> np.ndarray:
    """Group ids as `compute_kpis` has them: NO_GROUP (-1) for the rollups' 0 key."""
    return np.where(groups == NONE_KEY, -1, groups) if key else groups


def rollup_sums(conn, group_by, since, until, now, selection):
    """(sums per group or None, total sums) like the exact path, or None when not answerable."""
    prepared = _prepare(conn, since, until, selection)
    if prepared is None:
        return None
    period, keys = prepared
    if now.tzinfo is None:
        raise ValueError(f"naive datetime refused: {now!r}")
    blocks = Blocks(conn, [period] if period else [], keys)
    boundary = _boundary_deadlines(conn, [period] if period else [], keys, now)
    groups, total = _sums_frames(blocks, KEY_OF.get(group_by), boundary, now)
    return (groups if group_by else None), total


def _prepare(conn, since, until, selection):
    """((first day, end day) as day numbers or None when there is no data, selection keys), or None
    when the rollups cannot answer."""
    lo, hi = local_day(since), local_day(until)
    if lo is False or hi is False:
        return None
    keys = _selection_keys(conn, selection)
    if keys is None:
        return None
    if lo is None or hi is None:
        f = kpi_fact
        first, last = conn.execute(select(select(func.min(f.c.day)).scalar_subquery(),
                                          select(func.max(f.c.day)).scalar_subquery())).one()
        if first is None:
            return None, keys
        first, last = (day_number(value if isinstance(value, date) else date.fromisoformat(str(value)))
                       for value in (first, last))
        top = BLOCK_BASE ** (BLOCK_LEVELS - 1)  # no appeal lies outside [first, last]: widen to whole top blocks
        lo = day_number(lo) if lo is not None else first - first % top
        hi = day_number(hi) if hi is not None else last + 1 + (-(last + 1)) % top
        return ((lo, hi) if lo < hi else None), keys
    lo, hi = day_number(lo), day_number(hi)
    return ((lo, hi) if lo < hi else None), keys


_COLUMNS = [*MEASURES, "overdue_now", "at_risk_now", *(c for c in SUM_COLUMNS if c not in MEASURES)]


def _sums_frames(blocks: Blocks, key, boundary, now) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the table of sums per group of `key` — one row, 0, for None —, the total row) in one pass
    over the blocks: the total is the column sums of the groups' counts and the percentiles of
    their summed histogram, so the matrices are reduced once whatever the grouping."""
    def groups_of(name):
        matrix, groups = blocks.group(name, key)
        return matrix, (_group_index(key, groups) if key else np.zeros(len(matrix), "int64"))

    matrix, groups = groups_of("cells")
    ids, sums = grouped(groups, matrix[:, _SUMS])
    opens, groups = groups_of("opens")
    edge = _group_index(key, boundary[key].to_numpy(dtype="int64")) if key else np.zeros(len(boundary), "int64")
    overdue, at_risk = _open_counts(opens, groups, boundary, edge, now, ids)
    hours, groups = groups_of("hours")
    percentiles = _quantiles(_positions(ids, groups), hours[:, 2], hours[:, 3], len(ids))
    table = np.column_stack([sums, overdue, at_risk]).astype("int64")
    kept = sums[:, 0] > 0  # received
    frames = []
    for rows, index, quantiles in ((table[kept], ids[kept], percentiles[:-1][kept]),
                                   (table.sum(axis=0, keepdims=True), np.zeros(1, "int64"), percentiles[-1:])):
        counts = dict(zip([*SUM_COLUMNS, "overdue_now", "at_risk_now"], rows.T))
        frames.append(pd.DataFrame({**{name: counts[name] for name in _COLUMNS},
                                    "median_hours": quantiles[:, 0], "p90_hours": quantiles[:, 1]},
                                   index=index))
    return frames[0], frames[1]


def _positions(ids: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """The index in `ids` (sorted) of each group id, -1 where it is absent."""
    position = np.searchsorted(ids, groups)
    found = position < len(ids)
    found[found] = ids[position[found]] == groups[found]
    return np.where(found, position, -1)


def _boundary_deadlines(conn, periods, keys, now: datetime) -> pd.DataFrame:
    """Open appeals of the periods whose deadline falls in the hour of "now" or of "now + 24 h":
    their exact deadline (seconds), organisation, keys and period index."""
    columns = ["deadline", "organization_id", "territory_id", "category_id", "day"]
    if not periods:
        return pd.DataFrame(columns=columns)
    f = kpi_fact
    hour = int(now.timestamp() // _HOUR) * _HOUR
    windows = [(datetime.fromtimestamp(start, now.tzinfo), datetime.fromtimestamp(start + _HOUR, now.tzinfo))
               for start in (hour, hour + int(AT_RISK_HORIZON.total_seconds()))]
    # through the deadline index only (a condition on the day lets SQLite pick the day index and scan
    # the period): the two hours hold few open appeals, their days are checked below
    rows = conn.execute(select(f.c.open_deadline, f.c.organization_id, f.c.territory_id, f.c.category_id, f.c.day)
                        .where(or_(*(and_(f.c.open_deadline >= a, f.c.open_deadline < b) for a, b in windows)),
                               *(f.c[name].in_(ids) for name, ids in keys.items()))).all()
    frame = pd.DataFrame([(row[0].timestamp(), *row[1:4], day_number(row[4])) for row in rows], columns=columns)
    starts = np.array([p[0] for p in periods])
    ends = np.array([p[1] for p in periods])
    index = np.searchsorted(starts, frame.day.to_numpy(dtype="int64"), side="right") - 1
    inside = (index >= 0) & (frame.day.to_numpy(dtype="int64") < ends[np.clip(index, 0, None)])
    return frame[inside].assign(period=index[inside])


def _open_counts(matrix: np.ndarray, groups: np.ndarray, boundary: pd.DataFrame, edge: np.ndarray,
                 now: datetime, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Overdue and at-risk counts of each group of `ids` (sorted; exactly `domain.deadlines` for open
    appeals): whole hours from the `opens` rows (their group in `groups`), the hours of "now" and
    "now + 24 h" from the boundary deadlines (their group in `edge`)."""
    hour = int(now.timestamp() // _HOUR)
    horizon = int(AT_RISK_HORIZON.total_seconds() // _HOUR)
    hours, n = matrix[:, 2].astype("int64"), matrix[:, 3].astype("int64")
    deadline = boundary.deadline.to_numpy(dtype="float64")
    moment, limit = now.timestamp(), (now + AT_RISK_HORIZON).timestamp()
    overdue = np.r_[n * (hours < hour), deadline < moment]
    at_risk = np.r_[n * ((hours > hour) & (hours < hour + horizon)), (deadline >= moment) & (deadline <= limit)]
    position = _positions(ids, np.r_[groups, edge].astype("int64"))
    found = position >= 0
    return tuple(np.bincount(position[found], weights=values[found], minlength=len(ids)).astype("int64")
                 for values in (overdue, at_risk))


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


def _dense(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct values sorted, the index of each value among them), like np.unique(return_inverse=True)
    but by a lookup table over the values' range when it is small (ids and buckets are), without a sort."""
    low, high = int(values.min()), int(values.max())
    if high - low > 4 * len(values) + 1_000_000:
        return np.unique(values, return_inverse=True)
    seen = np.zeros(high - low + 1, dtype=bool)
    seen[values - low] = True
    position = np.cumsum(seen) - 1
    return np.flatnonzero(seen) + low, position[values - low]


def _quantiles(index: np.ndarray, buckets: np.ndarray, counts: np.ndarray, groups: int) -> np.ndarray:
    """Median and p90 of each of `groups` groups from histogram rows (group index, bucket, n; rows
    with index -1 count for no group), then of all the rows: a (groups + 1) × 2 array, NaN for an
    empty group. Linear interpolation between ranks over one dense groups × buckets matrix (np.bincount),
    its cumulative counts, and the bucket of each rank found by counting the cumulative counts at or
    below it; the total is the matrix's column sums, so the rows are read once."""
    keep = (counts > 0) & (index >= 0)
    index, buckets, counts = index[keep], buckets[keep].astype("int64"), counts[keep].astype("int64")
    result = np.full((groups + 1, 2), np.nan)
    if not len(index):
        return result
    present, bucket_index = _dense(buckets)
    width = len(present)
    histogram = np.bincount(index * width + bucket_index, weights=counts,
                            minlength=groups * width).reshape(groups, width)
    histogram = np.vstack([histogram, histogram.sum(axis=0)])
    cumulative = np.cumsum(histogram, axis=1)
    total = cumulative[:, -1]
    values = bucket_hours(present)
    with np.errstate(invalid="ignore"):
        for column, q in enumerate((0.5, 0.9)):
            position = q * (total - 1)
            low, high = np.floor(position), np.ceil(position)
            at_low = values[np.minimum((cumulative <= low[:, None]).sum(axis=1), width - 1)]
            at_high = values[np.minimum((cumulative <= high[:, None]).sum(axis=1), width - 1)]
            result[:, column] = np.where(total > 0, at_low + (position - low) * (at_high - at_low), np.nan)
    return result


# --- series for the charts: the same sums per consecutive period, and the period's distributions ---

def series_sums(conn, edges: list[datetime], now: datetime, selection, months: bool = False) -> pd.DataFrame | None:
    """The count sums (no percentiles) of each period edges[i] ≤ created_at < edges[i+1], one row per
    period (index 0…n-1), with "overdue / at risk now"; None when the rollups cannot answer (an edge
    not at local midnight, a selection finer than the keys). `months` is kept for the callers: any
    edges are read through the blocks."""
    days = [local_day(edge) for edge in edges]
    if len(days) < 2 or any(day is None or day is False for day in days):
        return None
    keys = _selection_keys(conn, selection)
    if keys is None:
        return None
    numbers = [day_number(day) for day in days]
    periods = [(lo, hi) for lo, hi in zip(numbers[:-1], numbers[1:])]
    live = [period for period in periods if period[0] < period[1]]
    blocks = Blocks(conn, live, keys, names=("cells", "opens"))
    position = {period: index for index, period in enumerate(periods)}
    remap = np.array([position[period] for period in live] or [0], dtype="int64")
    matrix, index = blocks.group("cells", None)
    ids, sums = grouped(remap[index] if len(index) else index, matrix[:, _SUMS])
    frame = pd.DataFrame(sums, index=ids, columns=list(SUM_COLUMNS))
    boundary = _boundary_deadlines(conn, live, keys, now)
    opens, index = blocks.group("opens", None)
    edge = boundary.period.to_numpy(dtype="int64")
    frame = frame.reindex(range(len(periods))).fillna(0).astype("int64")
    frame["overdue_now"], frame["at_risk_now"] = _open_counts(
        opens, remap[index] if len(index) else index, boundary, remap[edge] if len(edge) else edge, now,
        np.arange(len(periods)))
    return frame.assign(median_hours=float("nan"), p90_hours=float("nan"))


def rating_counts(conn, since: datetime, until: datetime, selection) -> dict[int, int] | None:
    """Rated appeals created in [since, until) per score 1–5 (exact, from the blocks' rating counts), or None."""
    prepared = _prepare(conn, since, until, selection)
    if prepared is None:
        return None
    period, keys = prepared
    matrix, _ = Blocks(conn, [period] if period else [], keys, names=("cells",)).group("cells", None)
    totals = matrix[:, _RATINGS].astype("int64").sum(axis=0) if len(matrix) else np.zeros(len(RATING_COUNTS))
    return {score: int(n) for score, n in enumerate(totals, start=1) if n}


def hours_values(conn, since: datetime, until: datetime, selection) -> pd.Series | None:
    """The time to first answer of the appeals created in [since, until) as a histogram: the upper
    bound of each bucket (hours; within 0.8 % of each value in it, and equal to a whole number of
    hours that falls in it) → how many; or None. Binned into intervals closed on the left, a value
    lands in the right bar unless it lies within 0.8 % below an interval's bound."""
    prepared = _prepare(conn, since, until, selection)
    if prepared is None:
        return None
    period, keys = prepared
    matrix, _ = Blocks(conn, [period] if period else [], keys, names=("hours",)).group("hours", None)
    hours = pd.Series(matrix[:, 3].astype("int64")).groupby(matrix[:, 2].astype("int64")).sum()
    hours = hours[hours > 0]
    buckets = hours.index.to_numpy()
    upper = np.where(buckets > 0, bucket_hours(buckets) * (GAMMA + 1) / 2, bucket_hours(buckets))
    return pd.Series(hours.to_numpy(dtype="int64"), index=upper)
