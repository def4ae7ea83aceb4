"""The appeal card page: /appeals/[appeal_id], with the workflow actions the user may take."""

import asyncio

import reflex as rx

from ..analytics.appeal_card import load_card
from ..analytics.attachments import AttachmentRow, for_card, session_id_of
from ..db import session_scope
from ..outage import DATABASE, failures
from ..services.actors import Actor
from ..services.card_actions import REJECTION_REASONS, perform_from_form
from ..services.errors import ServiceError
from . import uploads
from .base import AppState

NOT_DONE = ("{reason}: действие «{label}» не выполнено. Повторите его, когда связь восстановится "
            "(дважды оно не выполнится); введённое сохранено.")
LOAD_FAILED = "{reason}: карточка не загружена. Обновите страницу через несколько секунд."


def _load(appeal_id: int, actor: Actor, token: str) -> tuple[dict, list[AttachmentRow]]:
    with session_scope() as session:
        card = load_card(session, appeal_id, actor=actor)
        return card, for_card(session, appeal_id, actor=actor, session_id=session_id_of(session, token))


def _act(appeal_id: int, actor: Actor, form: dict, staged: list[dict]) -> None:
    with session_scope() as session:
        perform_from_form(session, actor=actor, appeal_id=appeal_id, form=form, files=uploads.as_files(staged))


class CardState(AppState):
    appeal: dict = {}
    answers: list[dict] = []
    timeline: list[dict] = []
    actions: list[dict] = []
    rejection_reasons: list[dict] = REJECTION_REASONS
    chosen_action: str = ""
    error: str = ""
    action_error: str = ""
    action_notice: str = ""
    files: list[AttachmentRow] = []  # the appeal's and its answers' files, with signed links
    answer_files: list[uploads.FileChip] = []
    answer_file_error: str = ""
    _answer_staged: list[dict] = []

    @rx.var
    def chosen(self) -> dict:
        return next((a for a in self.actions if a["action"] == self.chosen_action), {})

    @rx.event
    async def on_load(self):
        self.appeal, self.answers, self.timeline, self.actions, self.error = {}, [], [], [], ""
        self.files = []
        self.chosen_action, self.action_error, self.action_notice = "", "", ""
        try:
            actor = await self._actor()
        except Exception as exc:  # an outage must not send the user to the log-in page
            self.error = LOAD_FAILED.format(reason=_failure(exc))
            return
        if actor is None:
            return rx.redirect("/login")
        await self._reload(actor)

    @rx.event
    async def add_answer_files(self, files: list[rx.UploadFile]):
        if await self._actor() is None or not any(a["needs"] == "answer" for a in self.actions):
            return  # only someone the card offers an answer to may stage its files
        self._answer_staged, self.answer_file_error = await uploads.stage_uploads(files, self._answer_staged)
        self.answer_files = uploads.chips(self._answer_staged)

    @rx.event
    def answer_files_rejected(self, rejected: list[dict]):
        self.answer_file_error = uploads.rejected_message(rejected)

    @rx.event
    async def remove_answer_file(self, key: str):
        self._answer_staged = await asyncio.to_thread(uploads.without, self._answer_staged, str(key))
        self.answer_files, self.answer_file_error = uploads.chips(self._answer_staged), ""

    @rx.event
    def choose_action(self, action: str):
        self.chosen_action, self.action_error, self.action_notice = action, "", ""

    @rx.event
    async def submit_action(self, form: dict):
        self.action_notice = ""
        if not isinstance(form, dict):
            return
        try:
            actor = await self._actor()
            if actor is None:
                return rx.redirect("/login")
            await asyncio.to_thread(_act, int(self.appeal.get("id", 0)), actor, {**form, "action": self.chosen_action},
                                    self._answer_staged if self.chosen.get("needs") == "answer" else [])
        except ServiceError as exc:  # the form keeps what was typed; the message says what to fix
            self.action_error = exc.message
            return
        except Exception as exc:  # not done, and the user must know it (a retry is safe: see services)
            self.action_error = NOT_DONE.format(reason=_failure(exc), label=self.chosen.get("label", ""))
            return
        label = self.chosen.get("label", "")
        if self.chosen.get("needs") == "answer":
            await asyncio.to_thread(uploads.forget, self._answer_staged)
            self._answer_staged, self.answer_files, self.answer_file_error = [], [], ""
        self.chosen_action, self.action_error, self.action_notice = "", "", f"Выполнено: {label}"
        await self._reload(actor)

    async def _reload(self, actor: Actor) -> None:
        raw_id = str(self.router.page.params.get("appeal_id", ""))
        if not raw_id.isdecimal():
            self.error = "Неверный номер обращения"
            return
        try:
            card, self.files = await asyncio.to_thread(_load, int(raw_id), actor, self.auth_token)
        except ServiceError as exc:
            self.error = exc.message
            return
        except Exception as exc:
            self.error = LOAD_FAILED.format(reason=_failure(exc))
            return
        self.answers, self.timeline, self.actions = card.pop("answers"), card.pop("timeline"), card.pop("actions")
        self.appeal = card


def _failure(exc: Exception) -> str:
    kind = failures.failed(exc, "appeal card")
    return "Нет связи с базой данных" if kind == DATABASE else "Ошибка на сервере"
