"""The appeal life cycle as an explicit transition table (DESIGN.md §3).

Each action names the statuses it may start from, the status it leads to and the roles allowed
to perform it. `None` as a target keeps the current status (used for redirects that stay with
the coordinator's decision). The services consult this table and nothing else.
"""

from dataclasses import dataclass
from datetime import timedelta

from .enums import Role, Status

S = Status


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[Status]
    target: Status
    roles: frozenset[Role]
    label: str
    needs_reason: bool = False


def _t(action, sources, target, roles, label, needs_reason=False) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles), label, needs_reason)


_CUR = {Role.COORDINATOR, Role.ADMIN}
_ORG = {Role.ORG_STAFF}
_SYS = {Role.SYSTEM}

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("withdraw", {S.MODERATION}, S.WITHDRAWN, {Role.CITIZEN}, "Отозвать обращение"),
        _t("reject", {S.MODERATION}, S.REJECTED, _CUR, "Отклонить на модерации", needs_reason=True),
        _t("approve_moderation", {S.MODERATION}, S.COORDINATION, _CUR | _SYS, "Принять на модерации"),
        _t("route", {S.COORDINATION}, S.IN_WORK, _CUR | _SYS, "Направить исполнителю"),
        _t("redirect", {S.IN_WORK, S.INTERIM_ANSWER}, S.COORDINATION, _ORG | _CUR,
           "Переадресовать по принадлежности", needs_reason=True),
        _t("request_clarification", {S.IN_WORK, S.INTERIM_ANSWER}, S.CLARIFICATION, _ORG,
           "Запросить уточнение у заявителя", needs_reason=True),
        _t("clarify", {S.CLARIFICATION}, S.IN_WORK, {Role.CITIZEN} | _ORG, "Уточнение получено"),
        _t("auto_reject_silent", {S.CLARIFICATION}, S.REJECTED, _SYS,
           "Отклонено: нет уточнения в срок", needs_reason=True),
        _t("give_interim_answer", {S.IN_WORK, S.INTERIM_ANSWER}, S.INTERIM_ANSWER, _ORG, "Промежуточный ответ"),
        _t("give_answer", {S.IN_WORK, S.INTERIM_ANSWER}, S.ANSWER_REVIEW, _ORG, "Направить ответ на согласование"),
        _t("approve_answer", {S.ANSWER_REVIEW}, S.ANSWERED, _CUR, "Согласовать ответ"),
        _t("return_for_rework", {S.ANSWER_REVIEW}, S.IN_WORK, _CUR, "Вернуть на доработку"),
        # return_for_rework needs a code of ReworkReason (its effect checks it); the comment is optional
        _t("rate_good", {S.ANSWERED}, S.CLOSED, {Role.CITIZEN}, "Оценить ответ (3–5)"),
        _t("rate_poor", {S.ANSWERED}, S.CONTROL, {Role.CITIZEN}, "Оценить ответ (1–2): на контроль"),
        _t("dispute", {S.ANSWERED, S.CLOSED}, S.CONTROL, {Role.CITIZEN}, "Обжаловать решение", needs_reason=True),
        _t("auto_close", {S.ANSWERED}, S.CLOSED, _SYS, "Завершено автоматически"),
        _t("re_review", {S.CONTROL}, S.IN_WORK, _CUR, "Повторное рассмотрение", needs_reason=True),
        _t("confirm_closure", {S.CONTROL}, S.CLOSED, _CUR, "Подтвердить решение"),
    ]
}

AUTO_CLOSE_AFTER = timedelta(days=10)  # an answer not rated within this time closes the appeal
CLARIFICATION_SILENCE_LIMIT = timedelta(days=7)  # no clarification from the citizen: rejected
LOW_RATING_MAX = 2  # a rating of 1–2 puts the answer under control (DESIGN.md §3)

INITIAL_STATUS = Status.MODERATION
SUBMIT_ROLES = frozenset({Role.CITIZEN, Role.COORDINATOR, Role.ADMIN, Role.SYSTEM})


def allowed_actions(status: Status, role: Role) -> list[Transition]:
    """Actions the given role may perform on an appeal in the given status."""
    return [t for t in TRANSITIONS.values() if status in t.sources and role in t.roles]


def reachable_statuses() -> set[Status]:
    seen, frontier = {INITIAL_STATUS}, [INITIAL_STATUS]
    while frontier:
        status = frontier.pop()
        for t in TRANSITIONS.values():
            if status in t.sources and t.target not in seen:
                seen.add(t.target)
                frontier.append(t.target)
    return seen
