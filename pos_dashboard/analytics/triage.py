"""The coordinator's triage view: one page of appeals waiting for the ЦУР in a stage (moderation,
routing, answer review, control), each with what the coordinator decides on — the routing rule's
suggestion, the answer to check, the citizen's rating and dispute. Coordinators only."""

from datetime import datetime
from typing import TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from ..domain.enums import AnswerKind, ReviewState, Status
from ..domain.models import Answer, Appeal, Category, Dispute, Organization, Rating, Territory
from ..domain.numbers import display_number
from ..domain.workflow import allowed_actions
from ..services import routing
from ..services.actors import Actor
from ..services.triage import require_coordinator
from . import rework
from .formatting import category_path, local_time, place_path

VIEWS = {  # view → (status, title)
    "moderation": (Status.MODERATION, "Модерация"),
    "coordination": (Status.COORDINATION, "Направление исполнителю"),
    "review": (Status.ANSWER_REVIEW, "Согласование ответов"),
    "control": (Status.CONTROL, "Контроль: низкие оценки и обжалования"),
}
PAGE_SIZE_MAX = 50
_CUT = 300


class TriageRow(TypedDict):
    id: int
    number: str
    created: str
    category: str
    territory: str
    organization: str
    text: str
    address: str
    suggestion_id: int  # 0: no routing rule matches
    suggestion: str
    answer: str
    rework: str  # why the previous answer was returned, if it was
    rating: str
    rating_comment: str
    dispute: str
    actions: str  # what the coordinator may do on the card


def _cut(text: str | None) -> str:
    text = text or ""
    return text if len(text) <= _CUT else text[:_CUT - 1] + "…"


def view_counts(session: Session, *, actor: Actor) -> dict[str, int]:
    require_coordinator(actor)
    counts = dict(session.execute(select(Appeal.status, func.count()).where(
        Appeal.status.in_([s.value for s, _ in VIEWS.values()]), Appeal.source_history.is_(False))
        .group_by(Appeal.status)).all())
    return {view: int(counts.get(status.value, 0)) for view, (status, _) in VIEWS.items()}


def fetch_triage(session: Session, *, actor: Actor, view: str, page: int = 0, page_size: int = 50,
                 now: datetime | None = None) -> tuple[list[TriageRow], int]:
    """(rows of the page, total in the view): the oldest first — they wait longest."""
    require_coordinator(actor)
    status = VIEWS.get(view, VIEWS["coordination"])[0]
    page_size = max(1, min(page_size, PAGE_SIZE_MAX))
    where = (Appeal.status == status.value, Appeal.source_history.is_(False))
    total = session.execute(select(func.count()).select_from(Appeal).where(*where)).scalar_one()
    parent_cat, parent_terr = aliased(Category), aliased(Territory)
    rows = session.execute(
        select(Appeal, Category.name, parent_cat.name, Territory.name, parent_terr.name, Organization.name)
        .join(Category, Category.id == Appeal.category_id)
        .outerjoin(parent_cat, parent_cat.id == Category.parent_id)
        .outerjoin(Territory, Territory.id == Appeal.territory_id)
        .outerjoin(parent_terr, parent_terr.id == Territory.parent_id)
        .outerjoin(Organization, Organization.id == Appeal.organization_id)
        .where(*where).order_by(Appeal.created_at, Appeal.id)
        .offset(max(0, page) * page_size).limit(page_size)).all()
    ids = [r[0].id for r in rows]
    answers = _pending_answers(session, ids) if status == Status.ANSWER_REVIEW else {}
    returned = rework.last_by_appeal(session, ids) if status == Status.ANSWER_REVIEW else {}
    ratings, disputes = (_ratings(session, ids), _disputes(session, ids)) if status == Status.CONTROL else ({}, {})
    actions = " · ".join(t.label for t in allowed_actions(status, actor.role))
    out, suggestions = [], {}  # one routing look-up per (category, territory) on the page
    for appeal, cat, parent, terr, parent_t, org in rows:
        key = (appeal.category_id, appeal.territory_id)
        if status == Status.COORDINATION and key not in suggestions:
            found = routing.find_organization(session, category_id=key[0], territory_id=key[1])
            suggestions[key] = (found, session.get(Organization, found).name if found else "")
        suggestion_id, suggestion = suggestions.get(key, (None, ""))
        score, comment = ratings.get(appeal.id, (None, None))
        out.append(TriageRow(
            id=appeal.id, number=display_number(appeal.id, appeal.external_ref), created=local_time(appeal.created_at),
            category=category_path(cat, parent), territory=place_path(terr, parent_t),
            organization=org or "не назначен", text=_cut(appeal.text), address=appeal.address or "",
            suggestion_id=suggestion_id or 0,
            suggestion=suggestion,
            answer=_cut(answers.get(appeal.id)), rework=returned.get(appeal.id, ""),
            rating=str(score) if score else "", rating_comment=_cut(comment), dispute=_cut(disputes.get(appeal.id)),
            actions=actions,
        ))
    return out, int(total)


def _pending_answers(session: Session, ids: list[int]) -> dict[int, str]:
    rows = session.execute(select(Answer.appeal_id, Answer.text).where(
        Answer.appeal_id.in_(ids), Answer.kind == AnswerKind.FINAL, Answer.review_state == ReviewState.PENDING)
        .order_by(Answer.id)).all() if ids else []
    return dict(rows)


def _ratings(session: Session, ids: list[int]) -> dict[int, tuple[int, str | None]]:
    rows = session.execute(select(Rating.appeal_id, Rating.score, Rating.comment).where(Rating.appeal_id.in_(ids))
                           .order_by(Rating.created_at)).all() if ids else []
    return {appeal_id: (score, comment) for appeal_id, score, comment in rows}


def _disputes(session: Session, ids: list[int]) -> dict[int, str]:
    rows = session.execute(select(Dispute.appeal_id, Dispute.text).where(
        Dispute.appeal_id.in_(ids), Dispute.resolved_at.is_(None)).order_by(Dispute.created_at)).all() if ids else []
    return dict(rows)


