"""Enumerations of the domain. Values are stable English codes; labels are the Russian UI words."""

from enum import StrEnum


class Role(StrEnum):
    CITIZEN = "citizen"
    ORG_STAFF = "org_staff"
    COORDINATOR = "coordinator"
    OFFICIAL = "official"
    ADMIN = "admin"
    SYSTEM = "system"  # the platform's own timers (auto-close, auto-reject, auto-routing)

# Who works with appeals (the queue, the card, the exports): everyone but citizens and the timers.
STAFF_ROLES = frozenset({Role.COORDINATOR, Role.OFFICIAL, Role.ADMIN, Role.ORG_STAFF})

ROLE_LABELS = {
    Role.CITIZEN: "Заявитель",
    Role.ORG_STAFF: "Сотрудник организации",
    Role.COORDINATOR: "Координатор ЦУР",
    Role.OFFICIAL: "Сотрудник министерства",
    Role.ADMIN: "Администратор",
    Role.SYSTEM: "Система",
}


class Status(StrEnum):
    MODERATION = "moderation"
    REJECTED = "rejected"
    COORDINATION = "coordination"
    IN_WORK = "in_work"
    CLARIFICATION = "clarification"
    INTERIM_ANSWER = "interim_answer"
    ANSWER_REVIEW = "answer_review"
    ANSWERED = "answered"
    CONTROL = "control"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"  # the citizen took it back while it was still in moderation


STATUS_LABELS = {
    Status.MODERATION: "Модерация",
    Status.REJECTED: "Отклонено",
    Status.COORDINATION: "Координация",
    Status.IN_WORK: "В работе",
    Status.CLARIFICATION: "Уточнение у заявителя",
    Status.INTERIM_ANSWER: "Промежуточный ответ",
    Status.ANSWER_REVIEW: "Согласование ответа",
    Status.ANSWERED: "Получен ответ",
    Status.CONTROL: "На контроле",
    Status.CLOSED: "Завершено",
    Status.WITHDRAWN: "Отозвано заявителем",
}

# Statuses in which the organisation's execution clock is running.
OPEN_STATUSES = frozenset(
    {Status.MODERATION, Status.COORDINATION, Status.IN_WORK, Status.INTERIM_ANSWER,
     Status.ANSWER_REVIEW, Status.CONTROL, Status.CLARIFICATION}
)
# The open statuses as SQL, in one fixed order: the predicate of the partial index of open appeals
# (ix_appeal_open_deadline) and the queue's condition must read the same for SQLite to use the index.
OPEN_STATUS_VALUES = tuple(sorted(s.value for s in OPEN_STATUSES))
OPEN_STATUS_SQL = "status IN (" + ", ".join(f"'{v}'" for v in OPEN_STATUS_VALUES) + ")"
FINAL_STATUSES = frozenset({Status.REJECTED, Status.CLOSED, Status.WITHDRAWN})
# The statuses neither open nor closed: few appeals (9 % at 1M), whose lemmas are also indexed apart
# (revisions c4e7a2f9d1b6, PostgreSQL, and a9d3f6b1c8e4, SQLite: their conditions list these, in this order).
FEW_SETTLED_VALUES = tuple(sorted(s.value for s in set(Status) - OPEN_STATUSES - {Status.CLOSED}))
FEW_SETTLED_SQL = "status IN (" + ", ".join(f"'{v}'" for v in FEW_SETTLED_VALUES) + ")"


class EventKind(StrEnum):
    TRANSITION = "transition"
    REDIRECT = "redirect"  # «по принадлежности»: an event, not a status
    CATEGORY_CHANGE = "category_change"
    EXTENSION = "extension"
    COMMENT = "comment"


class AnswerKind(StrEnum):
    INTERIM = "interim"
    FINAL = "final"


class ReviewState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    RETURNED = "returned"


class DeadlineKind(StrEnum):
    WORKING = "working"
    CALENDAR = "calendar"


class Channel(StrEnum):
    WEB = "web"
    MOBILE = "mobile"
    GOSUSLUGI = "gosuslugi"
    SOCIAL = "social"  # инцидент из соцсетей (Инцидент Менеджмент)
    PHONE = "phone"
    IMPORT = "import"


CHANNEL_LABELS = {
    Channel.WEB: "Сайт",
    Channel.MOBILE: "Мобильное приложение",
    Channel.GOSUSLUGI: "Госуслуги",
    Channel.SOCIAL: "Соцсети",
    Channel.PHONE: "Телефон",
    Channel.IMPORT: "Импорт",
}


class OrgType(StrEnum):
    MINISTRY = "ministry"
    AGENCY = "agency"  # региональное ведомство / комитет
    MUNICIPAL_ADMIN = "municipal_admin"
    MANAGEMENT_COMPANY = "management_company"  # УК
    UTILITY = "utility"  # РСО
    SCHOOL = "school"
    KINDERGARTEN = "kindergarten"
    CLINIC = "clinic"
    TRANSPORT = "transport"
    ROAD_SERVICE = "road_service"
    OTHER = "other"


ORG_TYPE_LABELS = {
    OrgType.MINISTRY: "Министерство",
    OrgType.AGENCY: "Ведомство",
    OrgType.MUNICIPAL_ADMIN: "Администрация МО",
    OrgType.MANAGEMENT_COMPANY: "Управляющая компания",
    OrgType.UTILITY: "Ресурсоснабжающая организация",
    OrgType.SCHOOL: "Школа",
    OrgType.KINDERGARTEN: "Детский сад",
    OrgType.CLINIC: "Поликлиника",
    OrgType.TRANSPORT: "Транспортное предприятие",
    OrgType.ROAD_SERVICE: "Дорожная служба",
    OrgType.OTHER: "Иная организация",
}


class ModerationReason(StrEnum):
    """The fixed list of rejection reasons of the ПОС rules."""

    OBSCENITY = "obscenity"
    HATE = "hate"
    CALLS_TO_HARM = "calls_to_harm"
    THIRD_PARTY_DATA = "third_party_data"
    SPAM = "spam"
    SEVERAL_PROBLEMS = "several_problems"
    UNREADABLE = "unreadable"
    STATE_SECRET = "state_secret"
    REPEAT = "repeat"
    TECH_SUPPORT = "tech_support"
    NO_CLARIFICATION = "no_clarification"  # the citizen did not answer a clarification request in time


MODERATION_REASON_LABELS = {
    ModerationReason.OBSCENITY: "Оскорбления, нецензурная брань",
    ModerationReason.HATE: "Разжигание ненависти и вражды",
    ModerationReason.CALLS_TO_HARM: "Призывы к насилию или противоправным действиям",
    ModerationReason.THIRD_PARTY_DATA: "Персональные данные третьих лиц",
    ModerationReason.SPAM: "Спам, реклама",
    ModerationReason.SEVERAL_PROBLEMS: "Несколько проблем в одном сообщении",
    ModerationReason.UNREADABLE: "Текст невозможно прочитать",
    ModerationReason.STATE_SECRET: "Сведения, составляющие государственную тайну",
    ModerationReason.REPEAT: "Повторное сообщение без новых доводов",
    ModerationReason.TECH_SUPPORT: "Вопрос технической поддержки портала",
    ModerationReason.NO_CLARIFICATION: "Заявитель не дал уточнений в срок",
}


class ReworkReason(StrEnum):
    """The fixed list of reasons a coordinator returns an organisation's answer for rework."""

    FORMAL = "formal"
    NO_FIX_DATE = "no_fix_date"
    NO_EVIDENCE = "no_evidence"
    WRONG_PLACE = "wrong_place"


REWORK_REASON_LABELS = {
    ReworkReason.FORMAL: "Формальный ответ",
    ReworkReason.NO_FIX_DATE: "Нет срока устранения",
    ReworkReason.NO_EVIDENCE: "Нет подтверждения (фото)",
    ReworkReason.WRONG_PLACE: "Ответ не по адресу или не о том месте",
}


def rework_text(code: str | None, comment: str | None) -> str:
    """The reason of a returned answer as the organisation reads it: the label, then the comment."""
    try:
        label = REWORK_REASON_LABELS[ReworkReason(code)]
    except ValueError:
        label = ""
    return " — ".join(part for part in (label, (comment or "").strip()) if part)
