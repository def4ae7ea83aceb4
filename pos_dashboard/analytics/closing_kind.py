"""How a closed appeal was closed, for lists such as the queue: a short caption from its last closing
event, read as the KPIs' completion mix reads it (`services.kpi_facts.final_outcome`), for the
platform's own appeals and for imported ones («Завершено: Автоматически» in the source)."""

from ..domain.enums import Status
from ..services.kpi_facts import final_outcome

CAPTIONS = {"closed_by_citizen": "заявитель принял ответ", "closed_auto": "автоматически",
            "closed_confirmed": "подтверждено после контроля"}


def captions_in(closings) -> dict[int, str]:
    """appeal id → caption, for the closed appeals closed in one of the known ways, from their
    closing events already read: (appeal id, action) in time order per appeal."""
    last = dict(closings)  # an appeal closed, reopened and closed again: its last closing counts
    return {appeal_id: caption for appeal_id, action in last.items()
            if (caption := CAPTIONS.get(final_outcome(Status.CLOSED.value, action)))}
