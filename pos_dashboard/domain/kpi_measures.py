"""What the KPIs of DESIGN.md §4 add up, and the rollup tables that keep those sums.

Rollups are kept by the services in the same transaction as the change (`services.kpi_rollups`)
and rebuilt from the appeals and events by `python -m pos_dashboard rollups --rebuild`. Group keys:
the responsible organisation, the top-level territory and the top-level category of the appeal as it
is now (0 = no organisation / no territory), and the region-local day of its creation.
- `kpi_fact`: what each appeal contributes now, so that a change can take the old contribution
  back; through its indexes it also answers partial-month percentiles and "overdue / at risk now";
- `kpi_block`: the sums, histograms and open deadlines per block of days × organisation (below).
They are plain tables (not ORM classes): nothing but those two modules touches them.
"""

from datetime import date

import numpy as np
from sqlalchemy import Column, Date, Index, Integer, LargeBinary, String, Table
from sqlmodel import SQLModel

from .enums import STATUS_LABELS, Status
from .types import UTCDateTime

# Events that start a re-review: ours after control, the portal's repeat message of a dissatisfied citizen.
RE_REVIEW_ACTIONS = ("re_review", "import:repeat_petition")
REWORK_ACTION, DISPUTE_ACTION = "return_for_rework", "dispute"
SATISFIED_MIN_RATING = 4
# The events the KPIs read (a flag or a closing), as literal SQL: the partial index `ix_event_kpi` is
# defined by it, and a query uses that index only when its condition is this very text (SQLite).
KPI_EVENTS_WHERE = ("kind IN ('redirect', 'category_change') OR action IN ('re_review', 'import:repeat_petition', "
                    "'return_for_rework', 'dispute') OR to_status = 'closed'")
# The interim answers (the «with an interim answer» KPI), as literal SQL for the same reason: the
# partial index `ix_answer_interim` holds their appeal ids, so the scan never reads the answers' texts.
INTERIM_ANSWERS_WHERE = "kind = 'interim'"
# How a closed appeal was closed, from the action of its closing event.
CLOSING_OUTCOMES = {
    "rate_good": "closed_by_citizen", "import:close_satisfied": "closed_by_citizen",
    "auto_close": "closed_auto", "import:auto_close": "closed_auto",
    "confirm_closure": "closed_confirmed", "import:close_confirmed": "closed_confirmed",
}
OUTCOME_LABELS = {status.value: STATUS_LABELS[status] for status in Status if status != Status.CLOSED} | {
    "closed_by_citizen": "Завершено: заявитель принял ответ", "closed_auto": "Завершено автоматически",
    "closed_confirmed": "Завершено: решение подтверждено после контроля", "closed_other": "Завершено (иначе)",
}
OUTCOMES = tuple(OUTCOME_LABELS)
# 0/1 measures of one appeal; they travel as bits of `kpi_fact.flags`.
FLAGS = ("answered", "answered_with_deadline", "answered_on_time", "with_interim", "redirected",
         "category_changed", "re_reviewed", "rated", "satisfied", "returned_for_rework", "disputed")
# Additive measures per appeal, in a fixed order: 1, the flags, and the rating (for the average).
MEASURES = ("received", *FLAGS, "rating_sum")
SUM_COLUMNS = (*MEASURES, *(f"final_{name}" for name in OUTCOMES))
KEYS = ("organization_id", "territory_id", "category_id")
NONE_KEY = 0  # no organisation / no territory


# Histogram of the time to first answer: bucket i > 0 holds hours in (γ^(i-OFFSET-1), γ^(i-OFFSET)], shown
# as 2γ^(i-OFFSET)/(γ+1), within (γ-1)/(γ+1) = 0.4 % of every value in it; a linearly interpolated
# percentile of such values is then within 0.4 % of the exact one. 0 holds exactly zero, negative
# buckets mirror the positive ones (an imported answer dated before the appeal).
GAMMA = 1.008
BUCKET_OFFSET = 10_000
_LOG_GAMMA = float(np.log(GAMMA))


def hours_bucket(hours) -> np.ndarray:
    """The bucket of each time to first answer (hours; NaN → NaN)."""
    hours = np.asarray(hours, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        index = np.ceil(np.log(np.abs(hours)) / _LOG_GAMMA)
    index = np.clip(index, 1 - BUCKET_OFFSET, BUCKET_OFFSET - 1) + BUCKET_OFFSET
    return np.where(hours == 0, 0, np.sign(hours) * index)


def bucket_hours(bucket) -> np.ndarray:
    """The value a bucket stands for (hours)."""
    bucket = np.asarray(bucket, dtype="float64")
    magnitude = 2 * np.exp((np.abs(bucket) - BUCKET_OFFSET) * _LOG_GAMMA) / (GAMMA + 1)
    return np.where(bucket == 0, 0.0, np.sign(bucket) * magnitude)


def _keys() -> list[Column]:
    return [Column(name, Integer, primary_key=True, autoincrement=False) for name in KEYS]


kpi_fact = Table(
    "kpi_fact", SQLModel.metadata,
    Column("appeal_id", Integer, primary_key=True, autoincrement=False),
    Column("day", Date, nullable=False),
    *(Column(name, Integer, nullable=False) for name in KEYS),
    Column("flags", Integer, nullable=False),
    Column("rating", Integer),
    Column("outcome", String(32), nullable=False),
    Column("bucket", Integer),  # of the time to first answer; NULL before the first answer
    Column("open_deadline", UTCDateTime),  # the deadline while the appeal is open, else NULL
    Index("ix_kpi_fact_day", "day"),
    Index("ix_kpi_fact_open_deadline", "open_deadline"),
)

# Compact rollups: one row per block of days × organisation, whatever the number of appeals. Blocks are
# aligned runs of BLOCK_BASE**level days (1, 4, 16, 64, 256, 1024) counted from 1970-01-01; any period of
# whole days is the union of at most ~2·3·5 of them (`cover`), and an appeal adds to one block per level.
# A row holds three packed little-endian int32 matrices (`pack` / `unpack`), each sorted by its key
# columns with zero rows dropped, so the services' updates and a rebuild give the same bytes:
# - cells: territory, category, the SUM_COLUMNS and the count of each rating 1–5;
# - hours: territory, category, bucket of the time to first answer, count (a sparse histogram);
# - opens: territory, category, UTC hour of the deadline, count — of the appeals still open (their
#   exact deadlines stay in `kpi_fact` for the hour around "now" and "now + 24 h").
BLOCK_BASE, BLOCK_LEVELS = 4, 6
EPOCH_DAY = date(1970, 1, 1)
RATING_COUNTS = tuple(f"rating_{score}" for score in range(1, 6))
CELL_COLUMNS = ("territory_id", "category_id", *SUM_COLUMNS, *RATING_COUNTS)
HOURS_COLUMNS = ("territory_id", "category_id", "bucket", "n")
OPEN_COLUMNS = ("territory_id", "category_id", "deadline_hour", "n")
BLOBS = {"cells": CELL_COLUMNS, "hours": HOURS_COLUMNS, "opens": OPEN_COLUMNS}
BLOB_KEYS = {"cells": 2, "hours": 3, "opens": 3}  # leading key columns of each matrix

kpi_block = Table(
    "kpi_block", SQLModel.metadata,
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("first_day", Integer, primary_key=True, autoincrement=False),  # days since 1970-01-01
    Column("organization_id", Integer, primary_key=True, autoincrement=False),
    *(Column(name, LargeBinary, nullable=False) for name in BLOBS),
)

ROLLUP_TABLES = (kpi_fact, kpi_block)


def day_number(day: date) -> int:
    return (day - EPOCH_DAY).days


def blocks_of(day: int) -> list[tuple[int, int]]:
    """(level, first day) of the blocks holding a day (a day number)."""
    return [(level, day - day % BLOCK_BASE ** level) for level in range(BLOCK_LEVELS)]


def cover(lo: int, hi: int) -> list[tuple[int, int]]:
    """Disjoint blocks whose union is the days lo ≤ d < hi, largest first where aligned."""
    pieces = []
    while lo < hi:
        level = BLOCK_LEVELS - 1
        while level and (lo % BLOCK_BASE ** level or lo + BLOCK_BASE ** level > hi):
            level -= 1
        pieces.append((level, lo))
        lo += BLOCK_BASE ** level
    return pieces


def pack(matrix: np.ndarray) -> bytes:
    return np.ascontiguousarray(matrix, dtype="<i4").tobytes()


def unpack(blob, width: int) -> np.ndarray:
    return np.frombuffer(blob, dtype="<i4").reshape(-1, width)


def canonical(matrix: np.ndarray, keys: int) -> np.ndarray:
    """Rows with equal keys summed, zero rows dropped, sorted by the key columns."""
    if not len(matrix):
        return matrix.reshape(0, matrix.shape[1])
    order = np.lexsort(matrix[:, keys - 1::-1].T)
    matrix = matrix[order].astype("int64")
    head = matrix[:, :keys]
    starts = np.flatnonzero(np.r_[True, (head[1:] != head[:-1]).any(axis=1)])
    sums = np.add.reduceat(matrix[:, keys:], starts, axis=0)
    merged = np.hstack([head[starts], sums])
    return merged[(sums != 0).any(axis=1)]
