"""KPIs of DESIGN.md §4: one definition each, used by the pages, the command line and the tests.

Every KPI is a small function of a frame of appeals (one row per appeal, the columns loaded by
`appeal_frame`) and of the moment `now`; it is registered with its Russian label and its definition,
which the UI shows as a tooltip (`KPI_DEFINITIONS`). `compute_kpis` applies all of them per group
(top-level territory, organisation or top-level category) and to the whole selection.

Conventions:
- the period bounds the creation time: since ≤ created_at < until;
- a share is a fraction in [0, 1], and NaN when its denominator is zero;
- percentiles use linear interpolation between the closest ranks (numpy's and pandas' default);
- "overdue" and "at risk" are exactly `domain.deadlines.is_overdue` / `is_at_risk`, for appeals in an
  open status (`domain.enums.OPEN_STATUSES`).
"""

from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime
from typing import NamedTuple

import pandas as pd
from sqlalchemy import exists, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from ..domain import deadlines
from ..domain.enums import OPEN_STATUSES, STATUS_LABELS, AnswerKind, EventKind, Status
from ..domain.models import Answer, Appeal, AppealEvent, Category, Organization, Territory
from ..domain.types import utcnow


class KpiDefinition(NamedTuple):
    label_ru: str
    definition_ru: str


KPI_DEFINITIONS: dict[str, KpiDefinition] = {}
_KPI_FUNCTIONS: dict[str, Callable[[pd.DataFrame, datetime], float]] = {}
GROUPINGS = ("territory", "organisation", "category")
TOTAL_LABEL = "Итого"
NO_GROUP_LABEL = {"territory": "(без территории)", "organisation": "(не назначена)", "category": "(без категории)"}

# Events that start a re-review: ours after control, the portal's repeat message of a dissatisfied citizen.
RE_REVIEW_ACTIONS = ("re_review", "import:repeat_petition")
REWORK_ACTION = "return_for_rework"  # the coordinator returns an organisation's answer
SATISFIED_MIN_RATING = 4
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


def kpi(name: str, label_ru: str, definition_ru: str):
    """Register a KPI function under `name` with its label and definition."""
    def register(function):
        KPI_DEFINITIONS[name] = KpiDefinition(label_ru, definition_ru)
        _KPI_FUNCTIONS[name] = function
        return function
    return register


def _share(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


def _quantile(values: pd.Series, q: float) -> float:
    values = values.dropna()
    return float(values.quantile(q, interpolation="linear")) if len(values) else float("nan")


@kpi("received", "Поступило", "Число обращений, созданных в выбранном периоде.")
def received(f, now):
    return len(f)


@kpi("answered", "Дан ответ", "Обращения, на которые дан первый ответ организации (промежуточный или окончательный).")
def answered(f, now):
    return int(f.first_answer_at.notna().sum())


@kpi("answered_share", "Доля с ответом", "Дан ответ / Поступило.")
def answered_share(f, now):
    return _share(answered(f, now), received(f, now))


@kpi("median_hours_to_first_answer", "Медиана времени до первого ответа, ч",
     "Медиана (время первого ответа − время создания) в часах по обращениям с ответом; "
     "процентили — линейная интерполяция между соседними значениями.")
def median_hours_to_first_answer(f, now):
    return _quantile(f.hours_to_first_answer, 0.5)


@kpi("p90_hours_to_first_answer", "90-й процентиль времени до первого ответа, ч",
     "90-й процентиль (время первого ответа − время создания) в часах по обращениям с ответом; "
     "линейная интерполяция.")
def p90_hours_to_first_answer(f, now):
    return _quantile(f.hours_to_first_answer, 0.9)


@kpi("answered_with_deadline", "Ответов с известным сроком",
     "Обращения с первым ответом и установленным сроком исполнения.")
def answered_with_deadline(f, now):
    return int((f.first_answer_at.notna() & f.deadline_at.notna()).sum())


@kpi("answered_on_time", "Ответов в срок", "Обращения, первый ответ на которые дан не позже срока исполнения.")
def answered_on_time(f, now):
    return int((f.first_answer_at.notna() & f.deadline_at.notna() & (f.first_answer_at <= f.deadline_at)).sum())


@kpi("on_time_share", "Доля ответов в срок", "Ответов в срок / Ответов с известным сроком.")
def on_time_share(f, now):
    return _share(answered_on_time(f, now), answered_with_deadline(f, now))


def _open_deadlines(f):
    return [None if pd.isna(d) else d for d in f.deadline_at[f.status.isin([s.value for s in OPEN_STATUSES])]]


@kpi("overdue_now", "Просрочено сейчас", "Обращения в незавершённом статусе, срок исполнения которых уже прошёл.")
def overdue_now(f, now):
    return sum(deadlines.is_overdue(d, now) for d in _open_deadlines(f))


@kpi("overdue_share", "Доля просроченных сейчас", "Просрочено сейчас / Поступило.")
def overdue_share(f, now):
    return _share(overdue_now(f, now), len(f))


@kpi("at_risk_now", "Под угрозой просрочки",
     "Обращения в незавершённом статусе, срок которых истекает в ближайшие 24 часа.")
def at_risk_now(f, now):
    return sum(deadlines.is_at_risk(d, now) for d in _open_deadlines(f))


def _flag_kpis(flag: str, count_name: str, count_label: str, share_name: str, share_label: str, what: str):
    kpi(count_name, count_label, f"Обращения, в которых {what}.")(lambda f, now: int(f[flag].sum()))
    kpi(share_name, share_label, f"{count_label} / Поступило.")(lambda f, now: _share(int(f[flag].sum()), len(f)))


_flag_kpis("has_interim", "with_interim_answer", "С промежуточным ответом", "interim_answer_share",
           "Доля промежуточных ответов", "дан хотя бы один промежуточный ответ")
_flag_kpis("has_redirect", "redirected", "Переадресовано", "redirect_share", "Доля переадресаций",
           "была хотя бы одна переадресация «по принадлежности» (ошибка маршрутизации)")
_flag_kpis("has_category_change", "category_changed", "Со сменой категории", "category_change_share",
           "Доля смены категории", "категория менялась хотя бы раз")
_flag_kpis("has_re_review", "re_reviewed", "Повторно рассмотрено", "re_review_share", "Доля повторного рассмотрения",
           "было повторное рассмотрение (после контроля или повторного сообщения недовольного заявителя)")
_flag_kpis("has_rework", "returned_for_rework", "Возвращено на доработку", "rework_share", "Доля доработок",
           "координатор хотя бы раз вернул ответ организации на доработку")


@kpi("rejected", "Отклонено на модерации", "Обращения в статусе «Отклонено».")
def rejected(f, now):
    return int((f.status == Status.REJECTED.value).sum())


@kpi("rejection_share", "Доля отклонённых", "Отклонено / Поступило.")
def rejection_share(f, now):
    return _share(rejected(f, now), len(f))


@kpi("rated", "Оценено", "Обращения, ответ на которые заявитель оценил (1–5).")
def rated(f, now):
    return int(f.rating.notna().sum())


@kpi("satisfaction_share", "Удовлетворённость", "Доля оценок 4–5 среди оценённых обращений.")
def satisfaction_share(f, now):
    return _share(int((f.rating >= SATISFIED_MIN_RATING).sum()), rated(f, now))


@kpi("average_rating", "Средняя оценка", "Среднее арифметическое оценок 1–5 по оценённым обращениям.")
def average_rating(f, now):
    return float(f.rating.mean()) if rated(f, now) else float("nan")


for _outcome, _label in OUTCOME_LABELS.items():
    kpi(f"final_{_outcome}", f"Итог: {_label}",
        f"Число обращений, текущий итоговый статус которых — «{_label}».")(
        lambda f, now, outcome=_outcome: int((f.outcome == outcome).sum()))


def final_outcome(status: str, closing_action: str | None) -> str:
    """The appeal's place in the completion mix: its status, and for a closed one how it was closed."""
    if status == Status.CLOSED.value:
        return CLOSING_OUTCOMES.get(closing_action or "", "closed_other")
    return status


def appeal_frame(bind, since: datetime | None = None, until: datetime | None = None) -> pd.DataFrame:
    """One row per appeal created in [since, until) with the columns the KPIs read."""
    a, e, ans = Appeal.__table__, AppealEvent.__table__, Answer.__table__

    def has_event(*conditions):
        return exists().where(e.c.appeal_id == a.c.id, *conditions)

    closing_action = (select(e.c.action).where(e.c.appeal_id == a.c.id, e.c.to_status == a.c.status)
                      .order_by(e.c.at.desc(), e.c.id.desc()).limit(1).scalar_subquery())
    stmt = select(
        a.c.id.label("appeal_id"), a.c.territory_id, a.c.organization_id, a.c.category_id, a.c.status,
        a.c.created_at, a.c.first_answer_at, a.c.deadline_at, a.c.rating,
        exists().where(ans.c.appeal_id == a.c.id, ans.c.kind == AnswerKind.INTERIM.value).label("has_interim"),
        has_event(e.c.kind == EventKind.REDIRECT.value).label("has_redirect"),
        has_event(e.c.kind == EventKind.CATEGORY_CHANGE.value).label("has_category_change"),
        has_event(e.c.action.in_(RE_REVIEW_ACTIONS)).label("has_re_review"),
        has_event(e.c.action == REWORK_ACTION).label("has_rework"),
        closing_action.label("closing_action"))
    if since is not None:
        stmt = stmt.where(a.c.created_at >= since)
    if until is not None:
        stmt = stmt.where(a.c.created_at < until)
    with _connection(bind) as conn:
        result = conn.execute(stmt.order_by(a.c.id))
        keys, rows = list(result.keys()), result.all()
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(keys)  # column-wise: faster than rows
    frame = pd.DataFrame({key: pd.Series(values, dtype=object) for key, values in zip(keys, columns, strict=True)})
    for column in ("created_at", "first_answer_at", "deadline_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    for column in ("has_interim", "has_redirect", "has_category_change", "has_re_review", "has_rework"):
        frame[column] = frame[column].astype(bool)
    frame["rating"] = pd.to_numeric(frame["rating"], errors="coerce")
    frame["hours_to_first_answer"] = (frame.first_answer_at - frame.created_at).dt.total_seconds() / 3600
    frame["outcome"] = [final_outcome(s, c) for s, c in zip(frame.status, frame.closing_action, strict=True)]
    return frame


def kpi_row(frame: pd.DataFrame, now: datetime) -> dict[str, float]:
    """Every registered KPI of one selection of appeals."""
    return {name: function(frame, now) for name, function in _KPI_FUNCTIONS.items()}


def compute_kpis(bind, group_by: str | None = None, since: datetime | None = None,
                 until: datetime | None = None, now: datetime | None = None) -> pd.DataFrame:
    """KPIs per group (rows sorted by group name) followed by the total row (group_id None, group
    «Итого»). `group_by`: None, "territory" (top-level territories: a sub-territory rolls up to
    its root), "organisation" (the responsible organisation) or "category" (top-level categories)."""
    if group_by is not None and group_by not in GROUPINGS:
        raise ValueError(f"group_by must be one of {GROUPINGS}, not {group_by!r}")
    now = now or utcnow()
    frame = appeal_frame(bind, since, until)
    rows = []
    if group_by is not None:
        keys, names = _group_keys(bind, frame, group_by)
        for key, group in frame.groupby(keys.fillna(-1).astype(int), sort=False):
            group_id = None if key == -1 else int(key)
            rows.append({"group_id": group_id, "group": names.get(group_id, NO_GROUP_LABEL[group_by]),
                         **kpi_row(group, now)})
        rows.sort(key=lambda row: (row["group_id"] is None, row["group"]))
    rows.append({"group_id": None, "group": TOTAL_LABEL, **kpi_row(frame, now)})
    table = pd.DataFrame(rows, columns=["group_id", "group", *_KPI_FUNCTIONS])
    table["group_id"] = table["group_id"].astype("Int64")
    return table


def _group_keys(bind, frame: pd.DataFrame, group_by: str) -> tuple[pd.Series, dict[int, str]]:
    """The group id of every appeal and the groups' names."""
    model, column = {"territory": (Territory, "territory_id"), "organisation": (Organization, "organization_id"),
                     "category": (Category, "category_id")}[group_by]
    table = model.__table__
    columns = [table.c.id, table.c.name] + ([table.c.parent_id] if "parent_id" in table.c else [])
    with _connection(bind) as conn:
        nodes = conn.execute(select(*columns)).all()
    names = {node.id: node.name for node in nodes}
    if group_by == "organisation":
        return frame[column], names
    parents = {node.id: node.parent_id for node in nodes}
    return frame[column].map(lambda node_id: _root(parents, node_id)), names


def _root(parents: dict[int, int | None], node_id) -> int | None:
    """The top-level ancestor of a tree node (itself when it has no parent)."""
    if pd.isna(node_id):
        return None
    node_id, seen = int(node_id), set()
    while parents.get(node_id) is not None and node_id not in seen:
        seen.add(node_id)
        node_id = parents[node_id]
    return node_id


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
