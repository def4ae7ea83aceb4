"""The Reflex application: pages and routes. Run with `reflex run`."""

import reflex as rx

from . import routes
from .background import run_timers_forever
from .pages.card import card_page
from .pages.login import login_page
from .pages.my_appeals import my_appeals_page
from .pages.new_appeal import new_appeal_page
from .pages.queue import queue_page
from .states.card import CardState
from .states.login import LoginState
from .states.my_appeals import MyAppealsState
from .states.new_appeal import NewAppealState
from .states.queue import QueueState

app = rx.App(stylesheets=["/styles.css"])
app.add_page(login_page, route=routes.LOGIN, title="Вход — Платформа обратной связи", on_load=LoginState.redirect_if_logged_in)
app.add_page(queue_page, route=routes.QUEUE, title="Очередь обращений — ПОС", on_load=QueueState.on_load)
app.add_page(card_page, route=routes.APPEAL, title="Обращение — ПОС", on_load=CardState.on_load)
app.add_page(my_appeals_page, route=routes.MY_APPEALS, title="Мои обращения — ПОС", on_load=MyAppealsState.on_load)
app.add_page(new_appeal_page, route=routes.NEW_APPEAL, title="Новое обращение — ПОС", on_load=NewAppealState.on_load)
app.register_lifespan_task(run_timers_forever)
