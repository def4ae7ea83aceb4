"""Following another person's open appeal instead of sending a second one about the same problem
(domain/following.py). Only citizens follow; an appeal of one's own, a closed one, imported history
or an id that names nothing are refused with a Russian message, and nothing is written."""

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from ..domain.enums import OPEN_STATUSES, Role, Status
from ..domain.following import FOLLOW_MAX, AppealFollower
from ..domain.limits import is_valid_id
from ..domain.models import Appeal
from ..domain.types import utcnow
from .actors import Actor
from .errors import NotFound, PermissionDenied, ValidationFailed

NOT_FOUND = "Обращение не найдено"


def _citizen(actor: Actor) -> int:
    if actor is None or actor.role != Role.CITIZEN or actor.user_id is None:
        raise PermissionDenied("Следить за обращениями могут только граждане, вошедшие в систему")
    return actor.user_id


def _appeal_id(appeal_id: object) -> int:
    if not isinstance(appeal_id, int) or isinstance(appeal_id, bool) or not is_valid_id(appeal_id):
        raise NotFound(NOT_FOUND)
    return appeal_id


def follow(session: Session, *, actor: Actor, appeal_id: object, now: datetime | None = None) -> None:
    """Follow an open appeal of somebody else; following it again changes nothing. Commits."""
    user_id, appeal_id = _citizen(actor), _appeal_id(appeal_id)
    appeal = session.get(Appeal, appeal_id)
    if appeal is None or appeal.source_history:
        raise NotFound(NOT_FOUND)
    if appeal.citizen_id == user_id:
        raise ValidationFailed("Это ваше обращение: оно уже в «Моих обращениях»")
    if Status(appeal.status) not in OPEN_STATUSES:
        raise ValidationFailed("Обращение уже закрыто: следить можно только за открытыми")
    count = session.execute(select(func.count()).select_from(AppealFollower)
                            .where(AppealFollower.user_id == user_id)).scalar_one()
    if count >= FOLLOW_MAX:
        raise ValidationFailed(f"Можно следить не более чем за {FOLLOW_MAX} обращениями: "
                               "перестаньте следить за закрытыми")
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(AppealFollower.__table__).values(
        appeal_id=appeal_id, user_id=user_id, created_at=now or utcnow()).on_conflict_do_nothing())
    session.commit()


def unfollow(session: Session, *, actor: Actor, appeal_id: object) -> None:
    """Stop following (also a closed appeal); not following it already is not an error. Commits."""
    user_id, appeal_id = _citizen(actor), _appeal_id(appeal_id)
    session.execute(delete(AppealFollower).where(AppealFollower.user_id == user_id,
                                                 AppealFollower.appeal_id == appeal_id))
    session.commit()


def followers_of(session: Session, appeal_id: int) -> list[int]:
    return list(session.execute(select(AppealFollower.user_id).where(AppealFollower.appeal_id == appeal_id)
                                .order_by(AppealFollower.user_id)).scalars())


def followed_among(session: Session, user_id: int | None, appeal_ids: list[int]) -> set[int]:
    if user_id is None or not appeal_ids:
        return set()
    return set(session.execute(select(AppealFollower.appeal_id).where(
        AppealFollower.user_id == user_id, AppealFollower.appeal_id.in_(appeal_ids))).scalars())
