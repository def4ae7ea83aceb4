"""Russian texts of the demo: citizens' appeals, organisations' answers, and the reasons
coordinators and staff give for their actions. Assembled from fragments with a seeded RNG."""

from datetime import date

from ..domain.enums import MODERATION_REASON_LABELS, ModerationReason
from .rand import DemoRandom, cumulative
from .region import CITY_STREETS, VILLAGE_STREETS

OPENERS = ("", "", "", "Здравствуйте! ", "Добрый день. ", "Добрый день! ", "Уважаемые специалисты! ",
           "Обращаюсь повторно. ", "Прошу помочь. ")
DETAILS = (
    "", "", "Ситуация не меняется уже {n} недели.", "Жалобы в управляющую компанию не помогают.",
    "Фото прилагаю.", "Проблема длится больше месяца.", "Здесь ходят дети и пожилые люди.",
    "Звонили по телефону, никто не приехал.", "Обращаюсь уже {n}-й раз.", "Жители всего дома возмущены.",
)
CLOSERS = ("", "Прошу принять меры.", "Просим разобраться и устранить.", "Спасибо.",
           "Прошу сообщить сроки устранения.", "Примите меры, пожалуйста!")
PLACES = ("Адрес: {a}.", "По адресу: {a}.", "Место: {a}.", "{a}.")

ANSWER_OUTCOMES = (
    "по адресу {a} работы выполнены, замечание устранено.",
    "на указанном участке проведены необходимые работы, фотофиксация прилагается.",
    "проведено комиссионное обследование; выявленные недостатки устранены.",
    "работы включены в план текущего ремонта и будут выполнены в установленный срок.",
    "подрядной организации выдано предписание, исполнение взято на контроль.",
    "специалистами проведена проверка, нарушений по адресу {a} не выявлено.",
    "информация направлена ответственному подрядчику, работы выполнены {d}.",
)
INTERIM_TEXTS = (
    "Работы запланированы. Ориентировочный срок выполнения — до {p}.",
    "Для устранения требуется закупка материалов. Работы будут выполнены до {p}.",
    "Выполнение работ возможно после установления положительных температур, плановый срок — {p}.",
    "Вопрос включён в план работ подрядной организации, срок — до {p}.",
)
REDIRECT_REASONS = (
    "Вопрос не относится к компетенции организации",
    "Объект находится в ведении другой организации",
    "Дом обслуживается другой управляющей компанией",
    "Участок дороги передан на содержание областной дирекции",
    "Требуется рассмотрение органом местного самоуправления",
)
CLARIFICATION_REQUESTS = (
    "Уточните, пожалуйста, номер дома и подъезда",
    "Приложите фотографию проблемы",
    "Укажите точное место на карте",
    "Уточните, в какое время наблюдается проблема",
)
REWORK_REASONS = (
    "Ответ не содержит сведений о сроках выполнения работ",
    "Не приложена фотофиксация выполненных работ",
    "Ответ не по существу вопроса",
    "Не указан адрес выполненных работ",
    "Ответ носит формальный характер",
)
# The fixed rework reason (domain.enums.ReworkReason) each demo comment goes with.
REWORK_CODES = dict(zip(REWORK_REASONS, ("no_fix_date", "no_evidence", "formal", "wrong_place", "formal")))
EXTENSION_REASONS = (
    "Требуется проведение конкурсных процедур для закупки материалов",
    "Работы возможны только при положительной температуре воздуха",
    "Необходимо комиссионное обследование с участием подрядчика",
)
RE_REVIEW_REASONS = ("Заявитель сообщает, что проблема не решена", "Ответ не подтверждён фотофиксацией",
                     "Повторная проверка по жалобе заявителя")
DISPUTE_TEXTS = ("Проблема не решена, ответ формальный", "Работы не выполнены, прошу повторно проверить",
                 "Не согласен с ответом: фото не соответствует действительности")
POOR_RATING_COMMENTS = (None, None, "Ничего не сделано", "Отписка", "Проблема осталась")
GOOD_RATING_COMMENTS = (None, None, None, None, "Спасибо!", "Спасибо за оперативность", "Сделали быстро")
SILENT_REASON = MODERATION_REASON_LABELS[ModerationReason.NO_CLARIFICATION]

# Moderation rejections and how often each reason is used.
_REJECTIONS = (
    (ModerationReason.SEVERAL_PROBLEMS, 22), (ModerationReason.REPEAT, 20), (ModerationReason.SPAM, 12),
    (ModerationReason.OBSCENITY, 12), (ModerationReason.TECH_SUPPORT, 10), (ModerationReason.THIRD_PARTY_DATA, 9),
    (ModerationReason.UNREADABLE, 8), (ModerationReason.HATE, 4), (ModerationReason.CALLS_TO_HARM, 2),
    (ModerationReason.STATE_SECRET, 1),
)
REJECTION_CODES = tuple(reason.value for reason, _weight in _REJECTIONS)
REJECTION_WEIGHTS = cumulative(weight for _reason, weight in _REJECTIONS)


def address(rng: DemoRandom, locality: str, urban: bool) -> str:
    if urban:
        house = 1 + int(rng.random() ** 1.7 * 140)
        building = f", корп. {rng.randint(1, 3)}" if rng.random() < 0.08 else ""
        return f"{locality}, {rng.choice(CITY_STREETS)}, д. {house}{building}"
    return f"{locality}, {rng.choice(VILLAGE_STREETS)}, д. {1 + int(rng.random() ** 1.4 * 45)}"


def appeal_text(rng: DemoRandom, says: tuple[str, ...], where: str) -> str:
    detail = rng.choice(DETAILS).format(n=rng.randint(2, 4))
    parts = (rng.choice(OPENERS) + rng.choice(says) + ".", rng.choice(PLACES).format(a=where), detail,
             rng.choice(CLOSERS))
    return " ".join(part for part in parts if part)


def answer_text(rng: DemoRandom, appeal_id: int, leaf_name: str, where: str, when: str) -> str:
    outcome = rng.choice(ANSWER_OUTCOMES).format(a=where, d=when)
    return f"Уважаемый заявитель! Рассмотрев Ваше сообщение № {appeal_id} по вопросу «{leaf_name}», сообщаем: {outcome}"


def interim_text(rng: DemoRandom, planned: str) -> str:
    return rng.choice(INTERIM_TEXTS).format(p=planned)


def russian_date(day: date) -> str:
    return f"{day.day:02d}.{day.month:02d}.{day.year}"
