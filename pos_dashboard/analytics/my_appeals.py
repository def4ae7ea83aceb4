"""«Мои обращения»: one page of the citizen's own appeals, newest first. The read model narrows by
itself: it takes the acting user and returns only that citizen's appeals (nothing to staff)."""

from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from ..domain import deadlines
from ..domain.enums import OPEN_STATUSES, STATUS_LABELS, DeadlineKind, Role, Status
from ..domain.models import Appeal, Category
from ..services.actors import Actor
from ..services.appeal_effects import calendar
from .formatting import category_path, local_time, time_left

PAGE_SIZE_MAX = 20
SHORT_TEXT = 140


class MyAppealRow(TypedDict):
    id: int
    category: str
    status: str  # the code, for the badge colour
    status_label: str
    created: str
    deadline: str  # the answer deadline; before routing, the one the category's rule will give
    deadline_state: str  # ok | at_risk | overdue | done
    left: str  # time left (or overdue by), empty once the appeal is no longer open
    text: str


@dataclass
class MyAppealsPage:
    rows: list[MyAppealRow]
    total: int


def fetch_my_appeals(session: Session, *, actor: Actor, page: int = 0, page_size: int = PAGE_SIZE_MAX,
                     now: datetime) -> MyAppealsPage:
    if actor.role != Role.CITIZEN or actor.user_id is None:
        return MyAppealsPage(rows=[], total=0)
    page_size = max(1, min(page_size, PAGE_SIZE_MAX))
    mine = Appeal.citizen_id == actor.user_id
    total = session.execute(select(func.count()).select_from(Appeal).where(mine)).scalar_one()
    parent = aliased(Category)
    stmt = (select(Appeal.id, Appeal.status, Appeal.created_at, Appeal.deadline_at, Appeal.text,
                   Category.name, parent.name, Category.deadline_days, Category.deadline_kind)
            .join(Category, Category.id == Appeal.category_id)
            .outerjoin(parent, parent.id == Category.parent_id)
            .where(mine).order_by(Appeal.created_at.desc(), Appeal.id.desc())
            .offset(max(0, page) * page_size).limit(page_size))
    return MyAppealsPage(rows=[_row(r, now) for r in session.execute(stmt).all()], total=total)


def _row(r, now: datetime) -> MyAppealRow:
    appeal_id, status, created_at, deadline_at, text, category, parent, days, kind = r
    is_open = Status(status) in OPEN_STATUSES
    if deadline_at is None and is_open:  # not routed yet: routing will set exactly this deadline
        deadline_at = deadlines.execution_deadline(calendar(), created_at, days, DeadlineKind(kind))
    state = "done"
    if is_open and deadline_at is not None:
        state = "overdue" if deadlines.is_overdue(deadline_at, now) else \
            "at_risk" if deadlines.is_at_risk(deadline_at, now) else "ok"
    return MyAppealRow(
        id=appeal_id,
        category=category_path(category, parent),
        status=str(status),
        status_label=STATUS_LABELS[Status(status)],
        created=local_time(created_at),
        deadline=local_time(deadline_at) if deadline_at else "—",
        deadline_state=state,
        left=time_left(deadline_at, now) if state != "done" else "",
        text=text if len(text) <= SHORT_TEXT else text[:SHORT_TEXT - 1] + "…",
    )
