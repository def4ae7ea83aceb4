"""How a closed appeal was closed, for lists such as the queue: a short caption from its last closing
event, read as the KPIs' completion mix reads it (`services.kpi_facts.final_outcome`), for the
platform's own appeals and for imported ones («Завершено: Автоматически» in the source)."""

from sqlalchemy import select
from sqlmodel import Session

from ..domain.enums import Status
from ..domain.models import AppealEvent
from ..services.kpi_facts import final_outcome

CAPTIONS = {"closed_by_citizen": "заявитель принял ответ", "closed_auto": "автоматически",
            "closed_confirmed": "подтверждено после контроля"}


def closing_captions(session: Session, appeal_ids: list[int]) -> dict[int, str]:
    """appeal id → caption, for the closed appeals among `appeal_ids` closed in one of the known ways."""
    if not appeal_ids:
        return {}
    closings = session.execute(
        select(AppealEvent.appeal_id, AppealEvent.action)
        .where(AppealEvent.appeal_id.in_(appeal_ids), AppealEvent.to_status == Status.CLOSED.value)
        .order_by(AppealEvent.appeal_id, AppealEvent.at, AppealEvent.id)).all()
    last = dict(closings)  # an appeal closed, reopened and closed again: its last closing counts
    return {appeal_id: caption for appeal_id, action in last.items()
            if (caption := CAPTIONS.get(final_outcome(Status.CLOSED.value, action)))}
