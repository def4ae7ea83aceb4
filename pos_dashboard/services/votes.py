"""Public votes: building them, casting ballots, closing early. One person, one ballot: the database's
unique (vote, voter) constraint decides, and a retry of the same submission (same client token)
gets the same answer as the first try."""

import json
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ..domain.enums import Role
from ..domain.models import Territory, User
from ..domain.participation import (Ballot, Eligibility, ResultsVisibility, Vote, VoteOption, age_on,
                                    eligibility_refusal)
from ..domain.types import utcnow
from ..settings import region_tz
from .actors import Actor
from .errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed

BUILDER_ROLES = frozenset({Role.COORDINATOR, Role.OFFICIAL, Role.ADMIN})
TITLE_MAX = 200
DESCRIPTION_MAX = 4000
OPTIONS_MIN, OPTIONS_MAX = 2, 50
CLIENT_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,64}")


@dataclass(frozen=True)
class OptionInput:
    title: str
    description: str = ""
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class BallotReceipt:
    ballot_id: int
    vote_id: int
    option_ids: tuple[int, ...]
    cast_at: datetime
    repeated: bool  # True when this answers a retry of a submission already recorded


def territory_path(session: Session, territory_id: int | None) -> list[int]:
    """The territory and its ancestors (trees here are two or three levels deep)."""
    path, seen = [], set()
    while territory_id is not None and territory_id not in seen:
        seen.add(territory_id)
        path.append(territory_id)
        territory = session.get(Territory, territory_id)
        territory_id = territory.parent_id if territory else None
    return path


def participation_refusal(session: Session, actor: Actor, vote: Vote, now: datetime) -> str | None:
    """Why this user may not cast a ballot in this vote now, or None. The same rule decides what the
    page offers and what `cast_ballot` accepts."""
    if actor.role != Role.CITIZEN or actor.user_id is None:
        return "Голосуют жители, вошедшие как заявители"
    if now < vote.starts_at:
        return "Голосование ещё не началось"
    if now >= vote.closes_at():
        return "Голосование завершено"
    user = session.get(User, actor.user_id)
    if user is None or not user.is_active:
        return "Учётная запись не найдена"
    return eligibility_refusal(vote=vote, birth_date=user.birth_date,
                               territory_path=territory_path(session, user.territory_id),
                               closing_day=_closing_day(vote))


def cast_ballot(session: Session, *, actor: Actor, vote_id: int, option_ids: list[int], client_token: str,
                client_address: str | None = None, now: datetime | None = None) -> BallotReceipt:
    now = now or utcnow()
    if not isinstance(client_token, str) or not CLIENT_TOKEN.fullmatch(client_token):
        raise ValidationFailed("Обновите страницу и проголосуйте ещё раз")
    vote = session.get(Vote, vote_id)
    if vote is None:
        raise NotFound("Голосование не найдено")
    existing = _ballot_of(session, vote_id, actor.user_id)
    if existing is not None:
        return _answer_for_existing(existing, client_token)
    if refusal := participation_refusal(session, actor, vote, now):
        raise PermissionDenied(refusal)
    chosen = _checked_choice(session, vote, option_ids)
    user = session.get(User, actor.user_id)
    ballot = Ballot(vote_id=vote.id, voter_id=actor.user_id, option_ids=json.dumps(list(chosen)), cast_at=now,
                    client_token=client_token, voter_age=age_on(user.birth_date, _closing_day(vote)),
                    voter_territory_id=user.territory_id, client_address=(client_address or "")[:64] or None)
    session.add(ballot)
    try:
        session.commit()
    except IntegrityError:  # a concurrent submission of the same voter won the race
        session.rollback()
        existing = _ballot_of(session, vote_id, actor.user_id)
        if existing is None:
            raise
        return _answer_for_existing(existing, client_token)
    return BallotReceipt(ballot.id, vote.id, chosen, now, repeated=False)


def create_vote(session: Session, *, actor: Actor, title: str, description: str, territory_id: int | None,
                starts_at: datetime, ends_at: datetime, max_choices: int, options: list[OptionInput],
                eligibility: str = Eligibility.RESIDENTS, min_age: int = 14,
                results_visibility: str = ResultsVisibility.AFTER_CLOSE) -> Vote:
    if actor.role not in BUILDER_ROLES:
        raise PermissionDenied("Создавать голосования могут координаторы ЦУР и сотрудники министерства")
    title, description = (title or "").strip(), (description or "").strip()
    if not 3 <= len(title) <= TITLE_MAX:
        raise ValidationFailed(f"Название: от 3 до {TITLE_MAX} символов")
    if len(description) > DESCRIPTION_MAX:
        raise ValidationFailed(f"Описание: не длиннее {DESCRIPTION_MAX} символов")
    if starts_at.tzinfo is None or ends_at.tzinfo is None or ends_at <= starts_at:
        raise ValidationFailed("Дата окончания должна быть позже даты начала")
    if territory_id is not None and session.get(Territory, territory_id) is None:
        raise ValidationFailed("Выберите территорию из списка")
    if eligibility not in set(Eligibility) or results_visibility not in set(ResultsVisibility):
        raise ValidationFailed("Неизвестное правило участия или показа результатов")
    if not 0 <= min_age <= 120:
        raise ValidationFailed("Минимальный возраст — от 0 до 120 лет")
    titles = [(option.title or "").strip() for option in options]
    if not OPTIONS_MIN <= len(titles) <= OPTIONS_MAX or any(not 2 <= len(t) <= TITLE_MAX for t in titles):
        raise ValidationFailed(f"Нужно от {OPTIONS_MIN} до {OPTIONS_MAX} вариантов, у каждого — название")
    if len(set(titles)) != len(titles):
        raise ValidationFailed("Названия вариантов не должны повторяться")
    if not 1 <= max_choices <= len(titles):
        raise ValidationFailed("Число выбираемых вариантов — от 1 до числа вариантов")
    vote = Vote(title=title, description=description or None, territory_id=territory_id, starts_at=starts_at,
                ends_at=ends_at, max_choices=max_choices, eligibility=str(eligibility), min_age=min_age,
                results_visibility=str(results_visibility), created_by=actor.user_id, created_at=utcnow())
    session.add(vote)
    session.flush()
    for option, option_title in zip(options, titles, strict=True):
        session.add(VoteOption(vote_id=vote.id, title=option_title,
                               description=(option.description or "").strip()[:DESCRIPTION_MAX] or None,
                               latitude=option.latitude, longitude=option.longitude))
    session.commit()
    return vote


def close_early(session: Session, *, actor: Actor, vote_id: int, now: datetime | None = None) -> Vote:
    if actor.role not in BUILDER_ROLES:
        raise PermissionDenied("Завершить голосование могут координаторы ЦУР и сотрудники министерства")
    vote = session.get(Vote, vote_id)
    if vote is None:
        raise NotFound("Голосование не найдено")
    now = now or utcnow()
    if now >= vote.closes_at():
        raise IllegalTransition("Голосование уже завершено")
    vote.closed_early_at = now
    session.commit()
    return vote


def delete_vote(session: Session, *, actor: Actor, vote_id: int) -> None:
    """Only a vote nobody has voted in can be deleted; one with ballots can only be closed."""
    if actor.role not in BUILDER_ROLES:
        raise PermissionDenied("Удалять голосования могут координаторы ЦУР и сотрудники министерства")
    vote = session.get(Vote, vote_id)
    if vote is None:
        raise NotFound("Голосование не найдено")
    if session.exec(select(Ballot.id).where(Ballot.vote_id == vote_id).limit(1)).first() is not None:
        raise IllegalTransition("В голосовании уже есть голоса: его можно только завершить досрочно")
    for option in session.exec(select(VoteOption).where(VoteOption.vote_id == vote_id)).all():
        session.delete(option)
    session.flush()
    session.delete(vote)
    session.commit()


def _closing_day(vote: Vote):
    return vote.ends_at.astimezone(region_tz()).date()


def _ballot_of(session: Session, vote_id: int, voter_id: int | None) -> Ballot | None:
    if voter_id is None:
        return None
    return session.exec(select(Ballot).where(Ballot.vote_id == vote_id, Ballot.voter_id == voter_id)).first()


def _answer_for_existing(ballot: Ballot, client_token: str) -> BallotReceipt:
    if ballot.client_token != client_token:
        raise IllegalTransition("Вы уже проголосовали: изменить голос нельзя")
    return BallotReceipt(ballot.id, ballot.vote_id, tuple(json.loads(ballot.option_ids)), ballot.cast_at,
                         repeated=True)


def _checked_choice(session: Session, vote: Vote, option_ids) -> tuple[int, ...]:
    if not isinstance(option_ids, (list, tuple)) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in option_ids):
        raise ValidationFailed("Выберите вариант из списка")
    chosen = tuple(sorted(set(option_ids)))
    if not chosen:
        raise ValidationFailed("Выберите хотя бы один вариант")
    if len(chosen) > vote.max_choices:
        raise ValidationFailed(f"Можно выбрать не больше {vote.max_choices} вариантов")
    valid = set(session.exec(select(VoteOption.id).where(VoteOption.vote_id == vote.id)).all())
    if not set(chosen) <= valid:
        raise ValidationFailed("Выберите вариант из списка этого голосования")
    return chosen
