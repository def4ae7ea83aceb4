"""The Reflex application: pages and routes. Run with `reflex run`."""

import reflex as rx

from .background import run_timers_forever
from .pages.card import card_page
from .pages.kpi import kpi_page
from .pages.login import login_page
from .pages.queue import queue_page
from .states.card import CardState
from .states.kpi import KpiState
from .states.login import LoginState
from .states.queue import QueueState

app = rx.App(stylesheets=["/styles.css"])
app.add_page(login_page, route="/login", title="Вход — Платформа обратной связи", on_load=LoginState.redirect_if_logged_in)
app.add_page(queue_page, route="/", title="Очередь обращений — ПОС", on_load=QueueState.on_load)
app.add_page(card_page, route="/appeals/[appeal_id]", title="Обращение — ПОС", on_load=CardState.on_load)
app.add_page(kpi_page, route="/kpi", title="Показатели — ПОС", on_load=KpiState.on_load)
app.register_lifespan_task(run_timers_forever)
