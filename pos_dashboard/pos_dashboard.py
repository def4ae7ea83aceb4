"""The Reflex application: pages and routes. Run with `reflex run`."""

import reflex as rx

from . import routes
from .background import run_timers_forever
from .pages.card import card_page
from .pages.login import login_page
from .pages.queue import queue_page
from .pages.rating_detail import rating_detail_page
from .pages.ratings import ratings_page
from .states.card import CardState
from .states.login import LoginState
from .states.queue import QueueState
from .states.rating_detail import RatingDetailState
from .states.ratings import RatingsState

app = rx.App(stylesheets=["/styles.css"])
app.add_page(login_page, route="/login", title="Вход — Платформа обратной связи", on_load=LoginState.redirect_if_logged_in)
app.add_page(queue_page, route="/", title="Очередь обращений — ПОС", on_load=QueueState.on_load)
app.add_page(card_page, route="/appeals/[appeal_id]", title="Обращение — ПОС", on_load=CardState.on_load)
app.add_page(ratings_page, route=routes.RATINGS, title="Рейтинг организаций — ПОС", on_load=RatingsState.on_load)
app.add_page(rating_detail_page, route=routes.RATING, title="Рейтинг организации — ПОС",
             on_load=RatingDetailState.on_load)
app.register_lifespan_task(run_timers_forever)
