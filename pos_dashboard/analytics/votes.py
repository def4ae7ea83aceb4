"""Read models of public votes: what is open for me and why, the ballot, and the results — which
stay hidden until the vote closes (unless it was built with live results), whatever the browser asks."""

import json
from collections import Counter
from datetime import date, datetime
from typing import TypedDict

from sqlalchemy import func
from sqlmodel import Session, select

from ..domain import limits
from ..domain.enums import Role
from ..domain.models import Territory, User
from ..domain.participation import Ballot, Eligibility, ResultsVisibility, Vote, VoteOption
from ..services.actors import Actor
from ..services.errors import NotFound, PermissionDenied
from ..services.votes import participation_refusal, territory_path, vote_with_ballot
from ..settings import region_tz
from .formatting import local_time

LIST_LIMIT = 50
AGE_BANDS = ((14, 17), (18, 29), (30, 44), (45, 59), (60, 200))
VIEW_ROLES = frozenset({Role.CITIZEN, Role.COORDINATOR, Role.OFFICIAL, Role.ADMIN})


class VoteListItem(TypedDict):
    id: int
    title: str
    territory: str
    period: str
    state: str  # upcoming | open | closed
    state_label: str
    can_vote: bool
    reason: str  # why not, when can_vote is False
    voted: bool
    results_available: bool


class OptionRow(TypedDict):
    id: int
    title: str
    description: str


class ResultRow(TypedDict):
    title: str
    votes: int
    share: str  # of voters who chose it, «34,5 %»
    percent: float


class BandRow(TypedDict):
    label: str
    voters: int
    share: str


_STATE_LABELS = {"upcoming": "Скоро", "open": "Идёт голосование", "closed": "Завершено"}


def vote_list(session: Session, *, actor: Actor, now: datetime) -> list[VoteListItem]:
    """Votes newest first. Citizens see the votes of their territory (and region-wide ones) and
    those they took part in; staff see all."""
    _require_viewer(actor)
    votes = session.exec(select(Vote).order_by(Vote.ends_at.desc(), Vote.id.desc()).limit(LIST_LIMIT * 4)).all()
    mine = _voted_ids(session, actor)
    path = set(territory_path(session, _home(session, actor))) if actor.role == Role.CITIZEN else set()
    names = _territory_names(session, {v.territory_id for v in votes})
    items = []
    for vote in votes:
        if actor.role == Role.CITIZEN and (vote.published_at is None or (
                vote.id not in mine and not _concerns(vote, path))):
            continue
        refusal = participation_refusal(session, actor, vote, now)
        items.append(VoteListItem(
            id=vote.id, title=vote.title, territory=names.get(vote.territory_id, "Весь регион"),
            period=f"{local_time(vote.starts_at)} — {local_time(vote.closes_at())}",
            state=_state(vote, now), state_label=_STATE_LABELS[_state(vote, now)],
            can_vote=refusal is None and vote.id not in mine, reason=refusal or "", voted=vote.id in mine,
            results_available=results_visible(vote, now)))
        if len(items) == LIST_LIMIT:
            break
    return items


def ballot_view(session: Session, *, actor: Actor, vote_id: int, now: datetime) -> dict:
    """The vote, its options, whether this user may vote now (and why not), and their ballot if cast."""
    _require_viewer(actor)
    vote, ballot, options = vote_with_ballot(session, vote_id, actor.user_id)
    _visible(vote, actor)
    titles = {option.id: option.title for option in options}
    refusal = participation_refusal(session, actor, vote, now)
    return {
        "id": vote.id, "title": vote.title, "description": vote.description or "",
        "period": f"{local_time(vote.starts_at)} — {local_time(vote.closes_at())}",
        "state_label": _STATE_LABELS[_state(vote, now)], "max_choices": vote.max_choices,
        "options": [OptionRow(id=o.id, title=o.title, description=o.description or "") for o in options],
        "can_vote": refusal is None and ballot is None, "reason": refusal or "",
        "my_choice": [titles.get(i, "") for i in json.loads(ballot.option_ids)] if ballot else [],
        "cast_at": local_time(ballot.cast_at) if ballot else "",
        "results_available": results_visible(vote, now),
    }


def view_after_cast(view: dict, options: list[OptionRow], option_ids, cast_at: datetime) -> dict:
    """The ballot's view once the ballot (`option_ids` as recorded, `cast_at`) is in the database:
    what `ballot_view` would read back, built without reading it back."""
    titles = {option["id"]: option["title"] for option in options}
    return {**view, "can_vote": False, "reason": "", "my_choice": [titles.get(i, "") for i in option_ids],
            "cast_at": local_time(cast_at)}


def results_visible(vote: Vote, now: datetime) -> bool:
    return vote.results_visibility == ResultsVisibility.LIVE or now >= vote.closes_at()


def vote_results(session: Session, *, actor: Actor, vote_id: int, now: datetime) -> dict:
    """Counts and shares per option, turnout against the eligible population, voters by age band and
    by territory. Refused before closing unless the vote shows live results."""
    _require_viewer(actor)
    vote = _vote(session, vote_id, actor)
    if not results_visible(vote, now):
        raise PermissionDenied(f"Результаты будут опубликованы после окончания голосования "
                               f"({local_time(vote.closes_at())})")
    options = session.exec(select(VoteOption).where(VoteOption.vote_id == vote.id).order_by(VoteOption.id)).all()
    choices, ages, territories = Counter(), Counter(), Counter()
    voters = 0
    for option_ids, age, territory_id in session.exec(
            select(Ballot.option_ids, Ballot.voter_age, Ballot.voter_territory_id).where(Ballot.vote_id == vote.id)):
        voters += 1
        choices.update(json.loads(option_ids))
        ages[_band(age)] += 1
        territories[territory_id] += 1
    rows = sorted((ResultRow(title=o.title, votes=choices[o.id], share=_percent(choices[o.id], voters),
                             percent=round(100 * choices[o.id] / voters, 1) if voters else 0.0) for o in options),
                  key=lambda r: -r["votes"])
    eligible = eligible_population(session, vote)
    names = _territory_names(session, set(territories))
    return {
        "id": vote.id, "title": vote.title, "closed": now >= vote.closes_at(), "voters": voters,
        "eligible": eligible, "turnout": _percent(voters, eligible), "max_choices": vote.max_choices,
        "rows": rows,
        "by_age": [BandRow(label=label, voters=ages[label], share=_percent(ages[label], voters))
                   for label in [_band_label(b) for b in AGE_BANDS] + ["возраст не указан"] if ages[label]],
        "by_territory": sorted((BandRow(label=names.get(t, "не указана"), voters=n, share=_percent(n, voters))
                                for t, n in territories.items()), key=lambda r: -r["voters"]),
    }


def eligible_population(session: Session, vote: Vote) -> int:
    """Active citizens who meet the vote's age and territory rules on its closing day."""
    closing_day = vote.ends_at.astimezone(region_tz()).date()
    latest_birth = _years_before(closing_day, vote.min_age)
    stmt = select(func.count()).select_from(User).where(
        User.role == Role.CITIZEN.value, User.is_active.is_(True), User.birth_date.is_not(None),
        User.birth_date <= latest_birth)
    if vote.eligibility == Eligibility.RESIDENTS and vote.territory_id is not None:
        stmt = stmt.where(User.territory_id.in_(_subtree(session, vote.territory_id)))
    return session.exec(stmt).one()


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _subtree(session: Session, root_id: int) -> list[int]:
    ids, frontier = [root_id], [root_id]
    while frontier:
        frontier = list(session.exec(select(Territory.id).where(Territory.parent_id.in_(frontier))).all())
        ids.extend(frontier)
    return ids


def _require_viewer(actor: Actor) -> None:
    if actor.role not in VIEW_ROLES:
        raise PermissionDenied("Голосования доступны жителям, координаторам ЦУР и сотрудникам министерства")


def _vote(session: Session, vote_id, actor: Actor) -> Vote:
    """The vote; a draft exists only for its builders (citizens get «not found»)."""
    vote = session.get(Vote, vote_id) if isinstance(vote_id, int) and limits.is_valid_id(vote_id) else None
    return _visible(vote, actor)


def _visible(vote: Vote | None, actor: Actor) -> Vote:
    if vote is None or (vote.published_at is None and actor.role == Role.CITIZEN):
        raise NotFound("Голосование не найдено")
    return vote


def _home(session: Session, actor: Actor) -> int | None:
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    return user.territory_id if user else None


def _concerns(vote: Vote, path: set[int]) -> bool:
    return vote.eligibility == Eligibility.EVERYONE or vote.territory_id is None or vote.territory_id in path


def _voted_ids(session: Session, actor: Actor) -> set[int]:
    if actor.user_id is None:
        return set()
    return set(session.exec(select(Ballot.vote_id).where(Ballot.voter_id == actor.user_id)).all())


def _territory_names(session: Session, ids: set) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(session.exec(select(Territory.id, Territory.name).where(Territory.id.in_(ids))).all())


def _state(vote: Vote, now: datetime) -> str:
    return "upcoming" if now < vote.starts_at else "open" if now < vote.closes_at() else "closed"


def _band(age: int | None) -> str:
    if age is None:
        return "возраст не указан"
    return next((_band_label(b) for b in AGE_BANDS if b[0] <= age <= b[1]), "возраст не указан")


def _band_label(band: tuple[int, int]) -> str:
    return f"{band[0]} лет и старше" if band[1] >= 200 else f"{band[0]}–{band[1]} лет"


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %".replace(".", ",") if whole else "—"

