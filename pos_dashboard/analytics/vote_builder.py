"""Read models of the vote builder (coordinators, officials, administrators): every vote with its
state and number of ballots, and one vote as the builder's form with what may be done to it now."""

from datetime import datetime
from typing import TypedDict

from sqlalchemy import func
from sqlmodel import Session, select

from ..domain import limits
from ..domain.models import Territory
from ..domain.participation import Ballot, Vote, VoteOption
from ..services.actors import Actor
from ..services.errors import NotFound, PermissionDenied
from ..services.vote_form import local_input
from ..services.votes import BUILDER_ROLES
from .formatting import local_time

LIST_LIMIT = 100
TERRITORY_LIMIT = 400


class BuilderRow(TypedDict):
    id: int
    title: str
    territory: str
    period: str
    state_label: str
    ballots: int


class Choice(TypedDict):
    value: str
    label: str


def require_builder(actor: Actor) -> None:
    if actor.role not in BUILDER_ROLES:
        raise PermissionDenied("Конструктор голосований доступен координаторам ЦУР и сотрудникам министерства")


def state_label(vote: Vote, now: datetime) -> str:
    if vote.published_at is None:
        return "Черновик"
    return "Скоро" if now < vote.starts_at else "Идёт голосование" if now < vote.closes_at() else "Завершено"


def builder_votes(session: Session, *, actor: Actor, now: datetime) -> list[BuilderRow]:
    require_builder(actor)
    votes = session.exec(select(Vote).order_by(Vote.created_at.desc(), Vote.id.desc()).limit(LIST_LIMIT)).all()
    ids = [v.id for v in votes]
    counts = dict(session.exec(select(Ballot.vote_id, func.count()).where(Ballot.vote_id.in_(ids))
                               .group_by(Ballot.vote_id)).all()) if ids else {}
    names = _names(session, {v.territory_id for v in votes})
    return [BuilderRow(id=v.id, title=v.title, territory=names.get(v.territory_id, "Весь регион"),
                       period=f"{local_time(v.starts_at)} — {local_time(v.closes_at())}",
                       state_label=state_label(v, now), ballots=counts.get(v.id, 0)) for v in votes]


def territory_choices(session: Session, *, actor: Actor) -> list[Choice]:
    """Municipalities and their districts (two levels), by name; «весь регион» is the empty value."""
    require_builder(actor)
    top = session.exec(select(Territory).where(Territory.parent_id.is_(None)).order_by(Territory.name)).all()
    children = session.exec(select(Territory).where(Territory.parent_id.in_([t.id for t in top]))
                            .order_by(Territory.name)).all() if top else []
    by_parent: dict[int, list[Territory]] = {}
    for child in children:
        by_parent.setdefault(child.parent_id, []).append(child)
    choices = []
    for territory in top:
        choices.append(Choice(value=str(territory.id), label=territory.name))
        choices.extend(Choice(value=str(c.id), label=f"{territory.name} — {c.name}")
                       for c in by_parent.get(territory.id, []))
    return choices[:TERRITORY_LIMIT]


def builder_vote(session: Session, *, actor: Actor, vote_id, now: datetime) -> dict:
    """The vote as the form shows it (strings) and the actions open now."""
    require_builder(actor)
    vote = session.get(Vote, vote_id) if isinstance(vote_id, int) and limits.is_valid_id(vote_id) else None
    if vote is None:
        raise NotFound("Голосование не найдено")
    options = session.exec(select(VoteOption).where(VoteOption.vote_id == vote.id).order_by(VoteOption.id)).all()
    ballots = session.exec(select(func.count()).select_from(Ballot).where(Ballot.vote_id == vote.id)).one()
    started = vote.published_at is not None and now >= vote.starts_at
    closed = now >= vote.closes_at()
    return {
        "form": {"title": vote.title, "description": vote.description or "",
                 "territory_id": str(vote.territory_id or ""), "starts": local_input(vote.starts_at),
                 "ends": local_input(vote.ends_at), "max_choices": str(vote.max_choices),
                 "eligibility": vote.eligibility, "min_age": str(vote.min_age),
                 "results_visibility": vote.results_visibility},
        "options": [{"title": o.title, "description": o.description or "", "address": o.address or "",
                     "latitude": _coordinate(o.latitude), "longitude": _coordinate(o.longitude),
                     "territory_id": str(o.territory_id or "")} for o in options],
        "info": {"id": vote.id, "state_label": state_label(vote, now), "ballots": ballots,
                 "editable": ballots == 0 and not started, "can_publish": vote.published_at is None and not closed,
                 "can_close": vote.published_at is not None and not closed, "can_delete": ballots == 0,
                 "closed": closed},
    }


def _coordinate(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}".rstrip("0").rstrip(".")


def _names(session: Session, ids: set) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    return dict(session.exec(select(Territory.id, Territory.name).where(Territory.id.in_(ids))).all()) if ids else {}
