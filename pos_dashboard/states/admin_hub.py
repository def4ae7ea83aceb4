"""/admin — the administrator's start page: what each section is for."""

import reflex as rx

from .admin_base import AdminPageState


class AdminHubState(AdminPageState):
    @rx.event
    async def on_load(self):
        return await self._refuse_page()
