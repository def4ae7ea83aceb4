"""The appeals a citizen follows (domain/following.py), newest first: only what a follower may see
— number, category, territory, status, deadline and executor; never the text, address or author."""

from datetime import datetime
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from ..domain import deadlines
from ..domain.enums import OPEN_STATUSES, STATUS_LABELS, Role, Status
from ..domain.following import FOLLOW_MAX, AppealFollower
from ..domain.models import Appeal, Category, Organization, Territory
from ..services.actors import Actor
from .formatting import category_path, local_time, place_path, time_left


class FollowedRow(TypedDict):
    id: int
    category: str
    territory: str
    status: str
    status_label: str
    deadline: str
    deadline_state: str  # ok | at_risk | overdue | done
    left: str
    organization: str
    since: str


def fetch_followed(session: Session, *, actor: Actor, now: datetime) -> list[FollowedRow]:
    if actor is None or actor.role != Role.CITIZEN or actor.user_id is None:
        return []
    parent_category, parent_territory = aliased(Category), aliased(Territory)
    stmt = (select(Appeal.id, Appeal.status, Appeal.deadline_at, Category.name, parent_category.name,
                   Territory.name, parent_territory.name, Organization.name, AppealFollower.created_at)
            .join(Appeal, Appeal.id == AppealFollower.appeal_id)
            .join(Category, Category.id == Appeal.category_id)
            .outerjoin(parent_category, parent_category.id == Category.parent_id)
            .outerjoin(Territory, Territory.id == Appeal.territory_id)
            .outerjoin(parent_territory, parent_territory.id == Territory.parent_id)
            .outerjoin(Organization, Organization.id == Appeal.organization_id)
            .where(AppealFollower.user_id == actor.user_id)
            .order_by(AppealFollower.created_at.desc(), Appeal.id.desc()).limit(FOLLOW_MAX))
    return [_row(r, now) for r in session.execute(stmt).all()]


def _row(r, now: datetime) -> FollowedRow:
    appeal_id, status, deadline_at, category, parent, territory, parent_territory, organization, since = r
    is_open = Status(status) in OPEN_STATUSES
    state = "done"
    if is_open and deadline_at is not None:
        state = "overdue" if deadlines.is_overdue(deadline_at, now) else \
            "at_risk" if deadlines.is_at_risk(deadline_at, now) else "ok"
    return FollowedRow(
        id=appeal_id, category=category_path(category, parent),
        territory=place_path(territory, parent_territory) if territory else "",
        status=str(status), status_label=STATUS_LABELS[Status(status)],
        deadline=local_time(deadline_at) if deadline_at else "не назначен",
        deadline_state=state, left=time_left(deadline_at, now) if state != "done" else "",
        organization=organization or "ещё не назначен", since=local_time(since),
    )
