"""The Reflex application: pages and routes. Run with `reflex run`."""

import reflex as rx

from . import routes
from .api.exports import api
from .api.files import files_api
from .api.health import health_api
from .api.queue_version import queue_version_api
from .background import load_search_dictionary, run_dispatcher_forever, run_timers_forever
from .serving import hand_the_gil_over_sooner, purge_states_at_most_every
from .settings import db_url
from .failures import frontend_exception_handler
from .outage import quiet_reflex_redis_logs
from .components.connection import overlay
from .pages.account import account_page
from .pages.admin_audit import admin_audit_page
from .pages.admin_categories import admin_categories_page
from .pages.admin_hub import admin_hub_page
from .pages.admin_orgs import admin_orgs_page
from .pages.admin_routing import admin_routing_page
from .pages.admin_users import admin_users_page
from .pages.card import card_page
from .pages.kpi import kpi_page
from .pages.login import login_page
from .pages import participate, survey_builder, survey_results, surveys, vote_builder, vote_progress
from .pages.not_found import not_found_page
from .pages.my_appeals import my_appeals_page
from .pages.new_appeal import new_appeal_page
from .pages.notifications import notifications_page
from .pages.queue import queue_page
from .pages.triage import triage_page
from .pages.answer_templates import templates_page
from .states.answer_templates import CardTemplatesState, TemplatesState
from .states.triage import TriageState
from .states.account import AccountState
from .states.admin_audit import AdminAuditState
from .states.admin_categories import AdminCategoriesState
from .states.admin_hub import AdminHubState
from .states.admin_orgs import AdminOrgsState
from .states.admin_routing import AdminRoutingState
from .states.admin_users import AdminUsersState
from .pages.rating_detail import rating_detail_page
from .pages.ratings import ratings_page
from .states.card import CardState
from .states.errors import backend_exception_handler
from .states.kpi import KpiState
from .states.login import LoginState
from .states.following import FollowState
from .states.my_appeals import MyAppealsState
from .states.new_appeal import NewAppealState
from .states.notifications import NotificationsState
from .states.participate import BallotState, ResultsState, VotesState
from .states.survey_builder import SurveyEditorState, SurveyManageState
from .states.survey_form import SurveyFormState
from .states.surveys import SurveyListState, SurveyResultsState
from .states.vote_builder import BuilderListState, VoteBuilderState
from .states.vote_progress import ProgressState
from .states.vote_signals import VoteSignalsState
from .states.queue import QueueState
from .states.rating_detail import RatingDetailState
from .states.ratings import RatingsState

app = rx.App(stylesheets=["/styles.css"], frontend_exception_handler=frontend_exception_handler,
             backend_exception_handler=backend_exception_handler,
             head_components=[rx.script(src="/outage.js"), rx.script(src="/queue_poll.js")],
             # /api/kpi/export, /files/…, /api/queue/version: behind their access checks
             api_transformer=[api, files_api(), health_api(), queue_version_api()])
quiet_reflex_redis_logs()  # Reflex's Redis subscriptions log every retry during an outage
purge_states_at_most_every()  # the disk state manager listed .states many times a second (serving.py)
hand_the_gil_over_sooner(db_url())  # PostgreSQL: the loop and the reading threads take turns every 1 ms (serving.py)
app.app_wraps[(5, "Overlay")] = overlay  # Russian connection banner instead of Reflex's English toast
app.add_page(login_page, route=routes.LOGIN, title="Вход — Платформа обратной связи",
             on_load=LoginState.redirect_if_logged_in)
app.add_page(queue_page, route=routes.QUEUE, title="Очередь обращений — ПОС", on_load=QueueState.on_load)
app.add_page(triage_page, route=routes.TRIAGE, title="Распределение обращений — ПОС", on_load=TriageState.on_load)
app.add_page(card_page, route=routes.APPEAL, title="Обращение — ПОС",
             on_load=[CardState.on_load, CardTemplatesState.load])
app.add_page(templates_page, route=routes.ANSWER_TEMPLATES, title="Шаблоны ответов — ПОС",
             on_load=TemplatesState.on_load)
app.add_page(my_appeals_page, route=routes.MY_APPEALS, title="Мои обращения — ПОС", on_load=[MyAppealsState.on_load, FollowState.load])
app.add_page(new_appeal_page, route=routes.NEW_APPEAL, title="Новое обращение — ПОС", on_load=NewAppealState.on_load)
app.add_page(participate.votes_page, route=routes.VOTES, title="Голосования и опросы — ПОС",
             on_load=[VotesState.load_list, SurveyListState.load])
app.add_page(participate.ballot_page, route=routes.BALLOT, title="Голосование — ПОС", on_load=BallotState.load)
app.add_page(participate.results_page, route=routes.VOTE_RESULTS, title="Результаты голосования — ПОС",
             on_load=ResultsState.load)
app.add_page(notifications_page, route=routes.NOTIFICATIONS, title="Уведомления — ПОС",
             on_load=NotificationsState.on_load)
app.add_page(surveys.survey_page, route=routes.SURVEY, title="Опрос — ПОС", on_load=SurveyFormState.load)
app.add_page(survey_results.survey_results_page, route=routes.SURVEY_RESULTS, title="Результаты опроса — ПОС",
             on_load=SurveyResultsState.load)
app.add_page(survey_builder.manage_page, route=routes.SURVEY_MANAGE, title="Конструктор опросов — ПОС",
             on_load=SurveyManageState.load)
app.add_page(survey_builder.editor_page, route=routes.SURVEY_NEW, title="Новый опрос — ПОС",
             on_load=SurveyEditorState.load_new)
app.add_page(survey_builder.editor_page, route=routes.SURVEY_EDIT, title="Изменение опроса — ПОС",
             on_load=SurveyEditorState.load_edit)
app.add_page(vote_builder.builder_list_page, route=routes.VOTE_BUILDER_LIST, title="Конструктор голосований — ПОС",
             on_load=BuilderListState.load)
app.add_page(vote_builder.builder_page, route=routes.VOTE_BUILDER_NEW, title="Новое голосование — ПОС",
             on_load=VoteBuilderState.load)
app.add_page(vote_builder.builder_page, route=routes.VOTE_BUILDER, title="Голосование: конструктор — ПОС",
             on_load=[VoteBuilderState.load, VoteSignalsState.load])
app.add_page(vote_progress.progress_page, route=routes.VOTE_PROGRESS, title="Ход работ по итогам голосования — ПОС",
             on_load=ProgressState.load)
app.add_page(not_found_page, route="404", title="Страница не найдена — ПОС")
app.add_page(account_page, route=routes.ACCOUNT, title="Учётная запись — ПОС", on_load=AccountState.on_load)
app.add_page(kpi_page, route=routes.KPI, title="Показатели — ПОС", on_load=KpiState.on_load)
app.add_page(ratings_page, route=routes.RATINGS, title="Рейтинг организаций — ПОС", on_load=RatingsState.on_load)
app.add_page(rating_detail_page, route=routes.RATING, title="Рейтинг организации — ПОС",
             on_load=RatingDetailState.on_load)
app.add_page(admin_hub_page, route=routes.ADMIN, title="Администрирование — ПОС", on_load=AdminHubState.on_load)
app.add_page(admin_users_page, route=routes.ADMIN_USERS, title="Пользователи — ПОС", on_load=AdminUsersState.on_load)
app.add_page(admin_orgs_page, route=routes.ADMIN_ORGANIZATIONS, title="Организации — ПОС",
             on_load=AdminOrgsState.on_load)
app.add_page(admin_categories_page, route=routes.ADMIN_CATEGORIES, title="Категории и сроки — ПОС",
             on_load=AdminCategoriesState.on_load)
app.add_page(admin_routing_page, route=routes.ADMIN_ROUTING, title="Маршрутизация — ПОС",
             on_load=AdminRoutingState.on_load)
app.add_page(admin_audit_page, route=routes.ADMIN_AUDIT, title="Журнал действий — ПОС", on_load=AdminAuditState.on_load)
app.register_lifespan_task(load_search_dictionary)
app.register_lifespan_task(run_timers_forever)
app.register_lifespan_task(run_dispatcher_forever)
