"""«Выгрузить»: the queue's current filter as a signed download link. The file is every appeal of
the filter, streamed by GET /api/kpi/export (`analytics.queue_export`), which checks the user's role
and narrows organisation staff to their own organisation again."""

import asyncio

import reflex as rx

from ..analytics.queue_export import FIELDS
from ..analytics.table_export import FORMATS
from ..api.exports import QUEUE, signed_link
from ..services.errors import ServiceError
from .base import STAFF_ROLES, AppState
from .queue import QueueState


class QueueExportState(AppState):
    export_error: str = ""

    @rx.event
    async def export(self, fmt: str):
        actor = await self._actor()
        if actor is None or actor.role not in STAFF_ROLES or fmt not in FORMATS:
            return
        queue_state = await self.get_state(QueueState)
        values = {name: str(getattr(queue_state, name)) for name in FIELDS}
        try:
            link = await asyncio.to_thread(signed_link, self.auth_token, QUEUE, {**values, "fmt": fmt})
        except ServiceError as exc:
            self.export_error = exc.message
            return
        self.export_error = ""
        return rx.download(url=link, filename=f"appeals_{values['status']}.{fmt}")
