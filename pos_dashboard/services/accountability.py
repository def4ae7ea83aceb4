"""Accountability of a finished vote: the winning places and the stages of their works, which
coordinators keep current (Decidim's «accountability»). Only the winners of a closed vote carry
stages; everything typed is bounded and checked here, with a Russian refusal and nothing written."""

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from ..domain import limits
from ..domain.accountability import PlaceProgressStage, StageStatus
from ..domain.enums import Role
from ..domain.limits import REASON_MAX
from ..domain.participation import Ballot, Vote, VoteOption
from ..domain.types import utcnow
from .actors import Actor
from .errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from .text_input import bounded_text

EDIT_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN})
STAGE_TITLE_MAX, CONTRACTOR_MAX = 200, 300
STAGES_PER_PLACE = 30


@dataclass(frozen=True)
class StageInput:
    title: str
    status: str = StageStatus.PLANNED.value
    planned_on: str = ""  # YYYY-MM-DD, as a date input gives it
    done_on: str = ""
    contractor: str = ""
    note: str = ""


def vote_tally(session: Session, vote_id: int) -> Counter:
    """Ballots per option id."""
    tally = Counter()
    for option_ids in session.exec(select(Ballot.option_ids).where(Ballot.vote_id == vote_id)):
        tally.update(json.loads(option_ids))
    return tally


def winners(session: Session, vote: Vote, tally: Counter | None = None) -> list[VoteOption]:
    """The places with the most ballots, as many as a voter could choose; a tie at the cut keeps
    every tied place (nobody decides a tie by list order). No ballots, no winners."""
    tally = vote_tally(session, vote.id) if tally is None else tally
    options = session.exec(select(VoteOption).where(VoteOption.vote_id == vote.id).order_by(VoteOption.id)).all()
    ranked = sorted((o for o in options if tally[o.id] > 0), key=lambda o: -tally[o.id])
    if len(ranked) <= vote.max_choices:
        return ranked
    cut = tally[ranked[vote.max_choices - 1].id]
    return [o for o in ranked if tally[o.id] >= cut]


def add_stage(session: Session, *, actor: Actor, option_id, stage: StageInput,
              now: datetime | None = None) -> PlaceProgressStage:
    _require_editor(actor)
    option = _winning_option(session, option_id, now or utcnow())
    count = len(session.exec(select(PlaceProgressStage.id).where(PlaceProgressStage.option_id == option.id)).all())
    if count >= STAGES_PER_PLACE:
        raise ValidationFailed(f"У места не больше {STAGES_PER_PLACE} этапов")
    row = PlaceProgressStage(option_id=option.id)
    _apply(row, stage, actor, now or utcnow())
    session.add(row)
    session.commit()
    return row


def update_stage(session: Session, *, actor: Actor, stage_id, stage: StageInput,
                 now: datetime | None = None) -> PlaceProgressStage:
    _require_editor(actor)
    row = session.get(PlaceProgressStage, stage_id) if isinstance(stage_id, int) and limits.is_valid_id(stage_id) else None
    if row is None:
        raise NotFound("Этап не найден")
    _winning_option(session, row.option_id, now or utcnow())
    _apply(row, stage, actor, now or utcnow())
    session.add(row)
    session.commit()
    return row


def _require_editor(actor: Actor) -> None:
    if actor is None or actor.role not in EDIT_ROLES:
        raise PermissionDenied("Ход работ ведут координаторы ЦУР")


def _winning_option(session: Session, option_id, now: datetime) -> VoteOption:
    option = session.get(VoteOption, option_id) if isinstance(option_id, int) and limits.is_valid_id(option_id) else None
    vote = session.get(Vote, option.vote_id) if option else None
    if option is None or vote is None:
        raise NotFound("Место не найдено")
    if vote.published_at is None or now < vote.closes_at():
        raise IllegalTransition("Ход работ ведётся после окончания голосования")
    if option.id not in {o.id for o in winners(session, vote)}:
        raise IllegalTransition("Ход работ ведётся только по местам-победителям голосования")
    return option


def _apply(row: PlaceProgressStage, stage: StageInput, actor: Actor, now: datetime) -> None:
    if not isinstance(stage, StageInput):
        raise ValidationFailed("Этап заполнен неверно")
    title = bounded_text(stage.title, limit=STAGE_TITLE_MAX, what="Этап", minimum=2)
    contractor = bounded_text(stage.contractor, limit=CONTRACTOR_MAX, what="Подрядчик")
    note = bounded_text(stage.note, limit=REASON_MAX, what="Комментарий")
    if stage.status not in set(StageStatus):
        raise ValidationFailed("Выберите состояние этапа из списка")
    planned_on, done_on = _date(stage.planned_on, "Плановая дата"), _date(stage.done_on, "Дата выполнения")
    if stage.status == StageStatus.DONE and done_on is None:
        raise ValidationFailed("Укажите дату выполнения этапа")
    if stage.status != StageStatus.DONE and done_on is not None:
        raise ValidationFailed("Дата выполнения указывается только у выполненного этапа")
    row.title, row.status, row.planned_on, row.done_on = title, stage.status, planned_on, done_on
    row.contractor, row.note, row.updated_by, row.updated_at = contractor or None, note or None, actor.user_id, now


def _date(value, what: str) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) != 10:
        raise ValidationFailed(f"{what}: укажите дату")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{what}: укажите дату") from None
