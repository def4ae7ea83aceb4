"""KPIs of DESIGN.md §4: one definition each, used by the pages, the command line and the tests.

Every KPI is a small function of a table of sums (one row per group: the additive measures of
`services.kpi_facts.MEASURES`, the final-outcome counts, overdue/at-risk counts and the two
percentiles of the time to first answer); it is registered with its Russian label and its
definition, which the UI shows as a tooltip (`KPI_DEFINITIONS`). `compute_kpis` gets the sums
either by scanning the appeals (`exact=True`) or from the rollups kept by the services
(`exact=False`, `analytics.kpi_rollups`), so both paths share every formula.

Conventions:
- the period bounds the creation time: since ≤ created_at < until;
- a share is a fraction in [0, 1], and NaN when its denominator is zero;
- percentiles use linear interpolation between the closest ranks (numpy's and pandas' default);
  from the rollups they are within 0.5 % of that (a log-scale histogram, `kpi_rollups`);
- "overdue" and "at risk" are exactly `domain.deadlines.is_overdue` / `is_at_risk`, for appeals in an
  open status (`domain.enums.OPEN_STATUSES`).
"""

from collections.abc import Callable, Iterable
from contextlib import contextmanager
from datetime import datetime
from typing import NamedTuple

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from ..domain.enums import Status
from ..domain.models import Category, Organization, Territory
from ..domain.types import utcnow
from ..services.kpi_facts import (CLOSING_OUTCOMES, DISPUTE_ACTION, MEASURES, OUTCOME_LABELS,  # noqa: F401
                                  OUTCOMES, RE_REVIEW_ACTIONS, REWORK_ACTION, SATISFIED_MIN_RATING, final_outcome,
                                  load_frame, open_now, outcome_counts, tree_roots)
from . import snapshot
from .kpi_drill import drill_condition, flag_conditions  # noqa: F401  (the dashboard reads them here)
from .kpi_selection import KpiSelection, appeal_conditions, selection_conditions  # noqa: F401  (read here too)


class KpiDefinition(NamedTuple):
    label_ru: str
    definition_ru: str


KPI_DEFINITIONS: dict[str, KpiDefinition] = {}
_KPI_FUNCTIONS: dict[str, Callable[[pd.DataFrame], pd.Series]] = {}
GROUPINGS = ("territory", "organisation", "category")
TOTAL_LABEL = "Итого"
NO_GROUP_LABEL = {"territory": "(без территории)", "organisation": "(не назначена)", "category": "(без категории)"}
NO_GROUP = -1  # the group id of appeals without a territory / organisation in the sums
# The columns of a table of sums, besides MEASURES and the final_<outcome> counts.
NOW_COUNTS = ("overdue_now", "at_risk_now")
PERCENTILES = {"median_hours": 0.5, "p90_hours": 0.9}


def kpi(name: str, label_ru: str, definition_ru: str):
    """Register a KPI (a function of the table of sums, one value per row) with its label and definition."""
    def register(function):
        KPI_DEFINITIONS[name] = KpiDefinition(label_ru, definition_ru)
        _KPI_FUNCTIONS[name] = function
        return function
    return register


def _share(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return numerator / np.where(denominator != 0, denominator, np.nan)


def _count(column: str):
    return lambda s: s[column].astype("int64")


class _Columns(dict):
    """A table of sums as numpy columns, read by the KPI functions as `s.name` or `s["name"]`."""
    __getattr__ = dict.__getitem__


kpi("received", "Поступило", "Число обращений, созданных в выбранном периоде.")(_count("received"))
kpi("answered", "Дан ответ",
    "Обращения, на которые дан первый ответ организации (промежуточный или окончательный).")(_count("answered"))
kpi("answered_share", "Доля с ответом", "Дан ответ / Поступило.")(lambda s: _share(s.answered, s.received))
kpi("median_hours_to_first_answer", "Медиана времени до первого ответа, ч",
    "Медиана (время первого ответа − время создания) в часах по обращениям с ответом; "
    "процентили — линейная интерполяция между соседними значениями.")(lambda s: s.median_hours.astype(float))
kpi("p90_hours_to_first_answer", "90-й процентиль времени до первого ответа, ч",
    "90-й процентиль (время первого ответа − время создания) в часах по обращениям с ответом; "
    "линейная интерполяция.")(lambda s: s.p90_hours.astype(float))
kpi("answered_with_deadline", "Ответов с известным сроком",
    "Обращения с первым ответом и установленным сроком исполнения.")(_count("answered_with_deadline"))
kpi("answered_on_time", "Ответов в срок",
    "Обращения, первый ответ на которые дан не позже срока исполнения.")(_count("answered_on_time"))
kpi("on_time_share", "Доля ответов в срок", "Ответов в срок / Ответов с известным сроком.")(
    lambda s: _share(s.answered_on_time, s.answered_with_deadline))
kpi("overdue_now", "Просрочено сейчас",
    "Обращения в незавершённом статусе, срок исполнения которых уже прошёл.")(_count("overdue_now"))
kpi("overdue_share", "Доля просроченных сейчас", "Просрочено сейчас / Поступило.")(
    lambda s: _share(s.overdue_now, s.received))
kpi("at_risk_now", "Под угрозой просрочки",
    "Обращения в незавершённом статусе, срок которых истекает в ближайшие 24 часа.")(_count("at_risk_now"))


def _flag_kpis(measure: str, count_name: str, count_label: str, share_name: str, share_label: str, what: str):
    kpi(count_name, count_label, f"Обращения, в которых {what}.")(_count(measure))
    kpi(share_name, share_label, f"{count_label} / Поступило.")(lambda s: _share(s[measure], s.received))


_flag_kpis("with_interim", "with_interim_answer", "С промежуточным ответом", "interim_answer_share",
           "Доля промежуточных ответов", "дан хотя бы один промежуточный ответ")
_flag_kpis("redirected", "redirected", "Переадресовано", "redirect_share", "Доля переадресаций",
           "была хотя бы одна переадресация «по принадлежности» (ошибка маршрутизации)")
_flag_kpis("category_changed", "category_changed", "Со сменой категории", "category_change_share",
           "Доля смены категории", "категория менялась хотя бы раз")
_flag_kpis("re_reviewed", "re_reviewed", "Повторно рассмотрено", "re_review_share", "Доля повторного рассмотрения",
           "было повторное рассмотрение (после контроля или повторного сообщения недовольного заявителя)")
_flag_kpis("returned_for_rework", "returned_for_rework", "Возвращено на доработку", "rework_share", "Доля доработок",
           "координатор хотя бы раз вернул ответ организации на доработку")
_flag_kpis("disputed", "disputed", "Обжаловано", "dispute_share", "Доля обжалований",
           "заявитель хотя бы раз обжаловал решение")
kpi("rejected", "Отклонено на модерации", "Обращения в статусе «Отклонено».")(_count(f"final_{Status.REJECTED.value}"))
kpi("rejection_share", "Доля отклонённых", "Отклонено / Поступило.")(
    lambda s: _share(s[f"final_{Status.REJECTED.value}"], s.received))
kpi("rated", "Оценено", "Обращения, ответ на которые заявитель оценил (1–5).")(_count("rated"))
kpi("satisfaction_share", "Удовлетворённость", "Доля оценок 4–5 среди оценённых обращений.")(
    lambda s: _share(s.satisfied, s.rated))
kpi("average_rating", "Средняя оценка", "Среднее арифметическое оценок 1–5 по оценённым обращениям.")(
    lambda s: _share(s.rating_sum, s.rated))

for _outcome, _label in OUTCOME_LABELS.items():
    kpi(f"final_{_outcome}", f"Итог: {_label}",
        f"Число обращений, текущий итоговый статус которых — «{_label}».")(_count(f"final_{_outcome}"))


def appeal_frame(bind, since: datetime | None = None, until: datetime | None = None,
                 selection: KpiSelection | None = None) -> pd.DataFrame:
    """One row per appeal created in [since, until) and in the selection, with the columns the KPIs read."""
    with _connection(bind) as conn:
        return load_frame(conn, appeal_conditions(conn, since, until, selection))


def frame_sums(frame: pd.DataFrame, keys: pd.Series, now: datetime) -> pd.DataFrame:
    """The table of sums of a frame of appeals, one row per value of `keys` (aligned with the frame),
    in numpy: the sums and the outcome counts by np.bincount, the percentiles from one sort of
    (group, hours) with numpy's and pandas' linear interpolation between the closest ranks."""
    ids, inverse = np.unique(np.asarray(keys, dtype="int64"), return_inverse=True)
    groups = len(ids)
    overdue, at_risk = open_now(frame, now)
    columns = {name: frame[name].to_numpy(dtype="int64") for name in MEASURES}
    columns |= {"overdue_now": overdue.to_numpy(dtype="int64"), "at_risk_now": at_risk.to_numpy(dtype="int64")}
    sums = {name: np.bincount(inverse, weights=values, minlength=groups).astype("int64")
            for name, values in columns.items()}
    codes = pd.Index(OUTCOMES).get_indexer(frame.outcome.to_numpy(dtype=object))
    known = codes >= 0
    outcomes = np.bincount(inverse[known] * len(OUTCOMES) + codes[known],
                           minlength=groups * len(OUTCOMES)).reshape(groups, len(OUTCOMES))
    sums |= {f"final_{name}": outcomes[:, code] for code, name in enumerate(OUTCOMES)}
    hours = frame.hours_to_first_answer.to_numpy(dtype="float64")
    answered = ~np.isnan(hours)
    group, hours = inverse[answered], hours[answered]
    ordered = hours[np.lexsort((hours, group))]
    count = np.bincount(group, minlength=groups)
    first = np.cumsum(count) - count
    for name, q in PERCENTILES.items():
        position = q * (count - 1)
        low = np.floor(position)
        with np.errstate(invalid="ignore"):
            at_low = ordered[np.clip(first + low.astype("int64"), 0, max(len(ordered) - 1, 0))] if len(ordered) \
                else np.zeros(groups)
            at_high = ordered[np.clip(first + np.ceil(position).astype("int64"), 0, max(len(ordered) - 1, 0))] \
                if len(ordered) else np.zeros(groups)
            sums[name] = np.where(count > 0, at_low + (at_high - at_low) * (position - low), np.nan)
    return pd.DataFrame(sums, index=pd.Index(ids, name=getattr(keys, "name", None)))


def kpi_values(sums: pd.DataFrame) -> pd.DataFrame:
    """Every registered KPI for each row of a table of sums."""
    columns = _Columns({name: sums[name].to_numpy() for name in sums.columns})
    return pd.DataFrame({name: np.asarray(function(columns)) for name, function in _KPI_FUNCTIONS.items()},
                        index=sums.index)


def kpi_row(frame: pd.DataFrame, now: datetime, names: Iterable[str] | None = None) -> dict[str, float]:
    """Every registered KPI (or those named) of one selection of appeals (a frame of `appeal_frame`)."""
    row = kpi_values(_with_total_row(frame_sums(frame, pd.Series(0, index=frame.index), now))).iloc[0]
    return {name: row[name] for name in (_KPI_FUNCTIONS if names is None else names)}


def compute_kpis(bind, group_by: str | None = None, since: datetime | None = None,
                 until: datetime | None = None, now: datetime | None = None,
                 selection: KpiSelection | None = None, exact: bool = True) -> pd.DataFrame:
    """KPIs per group (rows sorted by group name) followed by the total row (group_id None, group
    «Итого»). `group_by`: None, "territory" (top-level territories: a sub-territory rolls up to
    its root), "organisation" (the responsible organisation) or "category" (top-level categories).
    `selection` narrows the appeals (territories and categories with their sub-trees, organisations).
    `exact=False` answers from the rollups (same counts, percentiles within 0.5 %) when the question
    fits their grain (`analytics.kpi_rollups.answerable`); otherwise it scans like `exact=True`."""
    from .kpi_rollups import rollup_sums  # the rollups read this module's definitions
    if group_by is not None and group_by not in GROUPINGS:
        raise ValueError(f"group_by must be one of {GROUPINGS}, not {group_by!r}")
    now = now or utcnow()
    with _connection(bind) as conn:
        now = snapshot.clock(conn, now)  # a historical import reads as of its own date
        sums = None if exact else rollup_sums(conn, group_by, since, until, now, selection)
        if sums is None:
            sums = _scanned_sums(conn, group_by, since, until, now, selection,
                                 engine=bind if isinstance(bind, Engine) else None)
        names = _group_names(conn, group_by) if group_by else {}
    groups, total = sums
    total_row = kpi_values(_with_total_row(total))
    if group_by and len(groups):
        rows = kpi_values(groups)
        keys = rows.index.to_numpy(dtype="int64")
        labels = np.array([NO_GROUP_LABEL[group_by] if key == NO_GROUP else names.get(key, NO_GROUP_LABEL[group_by])
                           for key in keys.tolist()], dtype=object)
        order = np.lexsort((labels.astype(str), keys == NO_GROUP))  # by name, the group-less row last
        keys, labels, values = keys[order], labels[order], {name: rows[name].to_numpy()[order] for name in rows}
    else:
        keys, labels, values = np.zeros(0, "int64"), np.zeros(0, dtype=object), {name: [] for name in _KPI_FUNCTIONS}
    columns = {"group_id": pd.array([*(None if key == NO_GROUP else key for key in keys.tolist()), None],
                                    dtype="Int64"),
               "group": [*labels.tolist(), TOTAL_LABEL]}
    for name in _KPI_FUNCTIONS:
        column = np.concatenate([np.asarray(values[name]), total_row[name].to_numpy()[:1]])
        columns[name] = column.astype("int64" if name in _COUNT_KPIS else "float64")
    return pd.DataFrame(columns)


def _with_total_row(sums: pd.DataFrame) -> pd.DataFrame:
    """The sums of a selection as exactly one row (zero counts and NaN percentiles when empty)."""
    if len(sums):
        return sums
    row = pd.DataFrame({name: [0] for name in sums.columns if name not in PERCENTILES}, dtype="int64")
    return row.assign(**{name: [float("nan")] for name in PERCENTILES})


def _scanned_sums(conn, group_by, since, until, now, selection,
                  engine=None) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    frame = load_frame(conn, appeal_conditions(conn, since, until, selection), order=False, engine=engine)
    total = frame_sums(frame, pd.Series(0, index=frame.index), now)
    if group_by is None:
        return None, total
    return frame_sums(frame, group_keys(conn, frame, group_by), now), total


def group_keys(conn, frame: pd.DataFrame, group_by: str) -> pd.Series:
    """The group id of every appeal (NO_GROUP when it has no territory / organisation)."""
    if group_by == "organisation":
        keys = frame.organization_id
    else:
        column = "territory_id" if group_by == "territory" else "category_id"
        keys = frame[column].map(tree_roots(conn, group_by))
    return keys.fillna(NO_GROUP).astype("int64")


def _root(parents: dict[int, int | None], node_id) -> int | None:
    """The top-level ancestor of a tree node (itself when it has no parent)."""
    if pd.isna(node_id):
        return None
    node_id, seen = int(node_id), set()
    while parents.get(node_id) is not None and node_id not in seen:
        seen.add(node_id)
        node_id = parents[node_id]
    return node_id


def _group_names(conn, group_by: str) -> dict[int, str]:
    model = {"territory": Territory, "organisation": Organization, "category": Category}[group_by]
    table = model.__table__
    return dict(conn.execute(select(table.c.id, table.c.name)).all())


@contextmanager
def _connection(bind):
    if isinstance(bind, Session):
        yield bind.connection()
    elif isinstance(bind, Connection):
        yield bind
    elif isinstance(bind, Engine):
        with bind.connect() as conn:
            yield conn
    else:
        raise TypeError(f"expected an Engine, Connection or Session, got {type(bind).__name__}")


_COUNT_KPIS = {"received", "answered", "answered_with_deadline", "answered_on_time", "overdue_now", "at_risk_now",
               "with_interim_answer", "redirected", "category_changed", "re_reviewed", "returned_for_rework",
               "disputed", "rejected", "rated",
               *(f"final_{name}" for name in OUTCOME_LABELS)}
