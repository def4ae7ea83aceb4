"""Public votes: building them, casting ballots, closing early. One person, one ballot: the database's
unique (vote, voter) constraint decides, and a retry of the same submission (same client token)
gets the same answer as the first try."""

import json
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, false
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ..domain import limits
from ..domain.enums import Role
from ..domain.limits import ADDRESS_MAX
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
    address: str = ""
    territory_id: int | None = None  # the place's municipality


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
    if vote.published_at is None:
        return "Голосование ещё не опубликовано"
    if now < vote.starts_at:
        return "Голосование ещё не началось"
    if now >= vote.closes_at():
        return "Голосование завершено"
    user = session.get(User, actor.user_id)  # usually in the session already (the session check loaded it)
    if user is None or not user.is_active:
        return "Учётная запись не найдена"
    by_territory = vote.eligibility == Eligibility.RESIDENTS and vote.territory_id is not None
    return eligibility_refusal(vote=vote, birth_date=user.birth_date,
                               territory_path=territory_path(session, user.territory_id) if by_territory else [],
                               closing_day=_closing_day(vote))


def vote_with_ballot(session: Session, vote_id, voter_id: int | None
                     ) -> tuple[Vote | None, Ballot | None, list[VoteOption]]:
    """The vote, this voter's ballot in it (if any) and its options in id order, in one round trip
    (one row per option); (None, None, []) for an id that names no vote."""
    if not isinstance(vote_id, int) or isinstance(vote_id, bool) or not limits.is_valid_id(vote_id):
        return None, None, []
    ballot_join = and_(Ballot.vote_id == Vote.id, Ballot.voter_id == voter_id) if voter_id is not None else false()
    rows = session.exec(select(Vote, Ballot, VoteOption).outerjoin(Ballot, ballot_join)
                        .outerjoin(VoteOption, VoteOption.vote_id == Vote.id)
                        .where(Vote.id == vote_id).order_by(VoteOption.id)).all()
    if not rows:
        return None, None, []
    return rows[0][0], rows[0][1], [row[2] for row in rows if row[2] is not None]


def cast_ballot(session: Session, *, actor: Actor, vote_id: int, option_ids: list[int], client_token: str,
                client_address: str | None = None, now: datetime | None = None) -> BallotReceipt:
    now = now or utcnow()
    if not isinstance(client_token, str) or not CLIENT_TOKEN.fullmatch(client_token):
        raise ValidationFailed("Обновите страницу и проголосуйте ещё раз")
    vote, existing, options = vote_with_ballot(session, vote_id, actor.user_id)
    if vote is None:
        raise NotFound("Голосование не найдено")
    if existing is not None:
        return _answer_for_existing(existing, client_token)
    if refusal := participation_refusal(session, actor, vote, now):
        raise PermissionDenied(refusal)
    chosen = _checked_choice(vote, {option.id for option in options}, option_ids)
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
                results_visibility: str = ResultsVisibility.AFTER_CLOSE, publish: bool = True,
                now: datetime | None = None) -> Vote:
    """A new vote; the builder saves it as a draft (`publish=False`) and publishes it later."""
    _require_builder(actor, "Создавать голосования могут координаторы ЦУР и сотрудники министерства")
    now = now or utcnow()
    vote = Vote(created_by=actor.user_id, created_at=now, published_at=now if publish else None,
                starts_at=starts_at, ends_at=ends_at, title="")
    _apply(session, vote, title=title, description=description, territory_id=territory_id, starts_at=starts_at,
           ends_at=ends_at, max_choices=max_choices, options=options, eligibility=eligibility, min_age=min_age,
           results_visibility=results_visibility)
    session.add(vote)
    session.flush()
    _replace_options(session, vote, options)
    session.commit()
    return vote


def update_vote(session: Session, *, actor: Actor, vote_id: int, title: str, description: str,
                territory_id: int | None, starts_at: datetime, ends_at: datetime, max_choices: int,
                options: list[OptionInput], eligibility: str = Eligibility.RESIDENTS, min_age: int = 14,
                results_visibility: str = ResultsVisibility.AFTER_CLOSE, now: datetime | None = None) -> Vote:
    """Change a vote before anyone could vote in it: a draft, or a published vote not yet started
    (citizens cannot cast a ballot before `starts_at`, so no ballot can race the change)."""
    _require_builder(actor, "Изменять голосования могут координаторы ЦУР и сотрудники министерства")
    vote = _vote_for_builder(session, vote_id)
    now = now or utcnow()
    if _has_ballots(session, vote.id):
        raise IllegalTransition("В голосовании уже есть голоса: изменить его нельзя, можно только завершить досрочно")
    if vote.published_at is not None and now >= vote.starts_at:
        raise IllegalTransition("Голосование уже началось: изменить его нельзя, можно только завершить досрочно")
    if vote.published_at is not None and isinstance(starts_at, datetime) and starts_at.tzinfo and starts_at <= now:
        raise ValidationFailed("Опубликованное голосование должно начинаться позже текущего момента")
    _apply(session, vote, title=title, description=description, territory_id=territory_id, starts_at=starts_at,
           ends_at=ends_at, max_choices=max_choices, options=options, eligibility=eligibility, min_age=min_age,
           results_visibility=results_visibility)
    _replace_options(session, vote, options)
    session.commit()
    return vote


def publish_vote(session: Session, *, actor: Actor, vote_id: int, now: datetime | None = None) -> Vote:
    _require_builder(actor, "Публиковать голосования могут координаторы ЦУР и сотрудники министерства")
    vote = _vote_for_builder(session, vote_id)
    now = now or utcnow()
    if vote.published_at is not None:
        raise IllegalTransition("Голосование уже опубликовано")
    if now >= vote.ends_at:
        raise IllegalTransition("Срок голосования уже прошёл: измените даты и опубликуйте снова")
    vote.published_at = now
    session.commit()
    return vote


def close_early(session: Session, *, actor: Actor, vote_id: int, now: datetime | None = None) -> Vote:
    _require_builder(actor, "Завершить голосование могут координаторы ЦУР и сотрудники министерства")
    vote = _vote_for_builder(session, vote_id)
    now = now or utcnow()
    if now >= vote.closes_at():
        raise IllegalTransition("Голосование уже завершено")
    vote.closed_early_at = now
    session.commit()
    return vote


def delete_vote(session: Session, *, actor: Actor, vote_id: int) -> None:
    """Only a vote nobody has voted in can be deleted; one with ballots can only be closed."""
    _require_builder(actor, "Удалять голосования могут координаторы ЦУР и сотрудники министерства")
    vote = _vote_for_builder(session, vote_id)
    if _has_ballots(session, vote.id):
        raise IllegalTransition("В голосовании уже есть голоса: его можно только завершить досрочно")
    for option in session.exec(select(VoteOption).where(VoteOption.vote_id == vote_id)).all():
        session.delete(option)
    session.flush()
    session.delete(vote)
    session.commit()


def _require_builder(actor: Actor, message: str) -> None:
    if actor.role not in BUILDER_ROLES:
        raise PermissionDenied(message)


def _vote_for_builder(session: Session, vote_id) -> Vote:
    vote = session.get(Vote, vote_id) if isinstance(vote_id, int) and limits.is_valid_id(vote_id) else None
    if vote is None:
        raise NotFound("Голосование не найдено")
    return vote


def _has_ballots(session: Session, vote_id: int) -> bool:
    return session.exec(select(Ballot.id).where(Ballot.vote_id == vote_id).limit(1)).first() is not None


def _apply(session: Session, vote: Vote, *, title, description, territory_id, starts_at, ends_at, max_choices,
           options, eligibility, min_age, results_visibility) -> None:
    """Check the builder's fields (a Russian refusal, nothing written) and copy them onto `vote`."""
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
    for number, option in enumerate(options, start=1):
        if len((option.description or "").strip()) > DESCRIPTION_MAX:
            raise ValidationFailed(f"Вариант {number}: описание не длиннее {DESCRIPTION_MAX} символов")
        if len((option.address or "").strip()) > ADDRESS_MAX:
            raise ValidationFailed(f"Вариант {number}: адрес не длиннее {ADDRESS_MAX} символов")
        if (option.latitude is None) != (option.longitude is None) or (
                option.latitude is not None and not (-90 <= option.latitude <= 90 and -180 <= option.longitude <= 180)):
            raise ValidationFailed(f"Вариант {number}: укажите обе координаты точки (широта −90…90, долгота −180…180)")
        if option.territory_id is not None and session.get(Territory, option.territory_id) is None:
            raise ValidationFailed(f"Вариант {number}: выберите муниципалитет из списка")
    vote.title, vote.description, vote.territory_id = title, description or None, territory_id
    vote.starts_at, vote.ends_at, vote.max_choices, vote.min_age = starts_at, ends_at, max_choices, min_age
    vote.eligibility, vote.results_visibility = str(eligibility), str(results_visibility)


def _replace_options(session: Session, vote: Vote, options: list[OptionInput]) -> None:
    """Options in the given order; existing rows are kept by position (their ids stay) and extra ones
    removed. Only called before anyone could vote (see update_vote)."""
    existing = list(session.exec(select(VoteOption).where(VoteOption.vote_id == vote.id).order_by(VoteOption.id)))
    for position, option in enumerate(options):
        row = existing[position] if position < len(existing) else VoteOption(vote_id=vote.id, title="")
        row.title = option.title.strip()
        row.description = (option.description or "").strip() or None
        row.address = (option.address or "").strip() or None
        row.latitude, row.longitude, row.territory_id = option.latitude, option.longitude, option.territory_id
        session.add(row)
    for row in existing[len(options):]:
        session.delete(row)
    session.flush()


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


def _checked_choice(vote: Vote, valid: set[int], option_ids) -> tuple[int, ...]:
    if not isinstance(option_ids, (list, tuple)) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in option_ids):
        raise ValidationFailed("Выберите вариант из списка")
    chosen = tuple(sorted(set(option_ids)))
    if not chosen:
        raise ValidationFailed("Выберите хотя бы один вариант")
    if len(chosen) > vote.max_choices:
        raise ValidationFailed(f"Можно выбрать не больше {vote.max_choices} вариантов")
    if not set(chosen) <= valid:
        raise ValidationFailed("Выберите вариант из списка этого голосования")
    return chosen
