"""The public progress page of a finished vote: its winning places with their votes and the stages
of their works. Open to everyone (also without logging in) once the vote is closed and published;
before that it does not exist for anyone but the builders' tools."""

from datetime import date, datetime
from typing import TypedDict

from sqlmodel import Session, select

from ..domain import limits
from ..domain.accountability import STAGE_LABELS, PlaceProgressStage, StageStatus
from ..domain.models import Territory
from ..domain.participation import Vote
from ..services.accountability import EDIT_ROLES, vote_tally, winners
from ..services.actors import Actor
from ..services.errors import NotFound, PermissionDenied
from .formatting import local_time


class StageRow(TypedDict):
    id: int
    title: str
    status: str
    status_label: str
    planned_on: str  # «01.06.2027» for people …
    done_on: str
    planned_value: str  # … and «2027-06-01» for the edit form
    done_value: str
    contractor: str
    note: str
    updated_at: str


class PlaceRow(TypedDict):
    option_id: int
    title: str
    description: str
    address: str
    municipality: str
    votes: int
    done: int  # stages done, of
    total: int
    stages: list[StageRow]


def vote_progress(session: Session, *, actor: Actor | None, vote_id, now: datetime) -> dict:
    vote = session.get(Vote, vote_id) if isinstance(vote_id, int) and limits.is_valid_id(vote_id) else None
    if vote is None or vote.published_at is None:
        raise NotFound("Голосование не найдено")
    if now < vote.closes_at():
        raise PermissionDenied(f"Ход работ публикуется после окончания голосования ({local_time(vote.closes_at())})")
    tally = vote_tally(session, vote.id)
    places = winners(session, vote, tally)
    stages = session.exec(select(PlaceProgressStage).where(PlaceProgressStage.option_id.in_([p.id for p in places]))
                          .order_by(PlaceProgressStage.id)).all() if places else []
    ids = {p.territory_id for p in places if p.territory_id}
    names = dict(session.exec(select(Territory.id, Territory.name).where(Territory.id.in_(ids))).all()) if ids else {}
    rows = []
    for place in places:
        own = [s for s in stages if s.option_id == place.id]
        rows.append(PlaceRow(
            option_id=place.id, title=place.title, description=place.description or "", address=place.address or "",
            municipality=names.get(place.territory_id, ""), votes=tally[place.id],
            done=sum(s.status == StageStatus.DONE for s in own), total=len(own),
            stages=[StageRow(id=s.id, title=s.title, status=s.status, status_label=STAGE_LABELS[StageStatus(s.status)],
                             planned_on=_day(s.planned_on), done_on=_day(s.done_on),
                             planned_value=s.planned_on.isoformat() if s.planned_on else "",
                             done_value=s.done_on.isoformat() if s.done_on else "", contractor=s.contractor or "",
                             note=s.note or "", updated_at=local_time(s.updated_at)) for s in own]))
    return {"id": vote.id, "title": vote.title, "closed_at": local_time(vote.closes_at()), "places": rows,
            "can_edit": actor is not None and actor.role in EDIT_ROLES}


def _day(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else "—"
