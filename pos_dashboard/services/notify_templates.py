"""Russian texts of every notification, in one place. A template is a subject and a body with
`{placeholders}` filled from the context the outbox writer gathers (services/notifications.py);
`render` refuses an unknown key or a missing placeholder, so a typo fails the tests, not a mail."""

from dataclasses import dataclass

SIGNATURE = "\n\n—\nПлатформа обратной связи. Это письмо отправлено автоматически, отвечать на него не нужно."


@dataclass(frozen=True)
class Template:
    subject: str
    body: str


TEMPLATES: dict[str, Template] = {
    # --- to the citizen ---
    "registered": Template(
        "Обращение №{number} зарегистрировано",
        "Ваше обращение №{number} («{category}») зарегистрировано {at} и передано на модерацию.\n"
        "Мы сообщим, когда оно будет передано исполнителю.\n\nОбращение: {link}"),
    "accepted": Template(
        "Обращение №{number} прошло модерацию",
        "Обращение №{number} («{category}») прошло модерацию. Координатор ЦУР определяет организацию, "
        "которая будет его решать.\n\nОбращение: {link}"),
    "rejected": Template(
        "Обращение №{number} отклонено на модерации",
        "Обращение №{number} («{category}») не может быть рассмотрено.\nПричина: {reason}.\n"
        "Вы можете подать новое обращение, исправив указанное.\n\nОбращение: {link}"),
    "in_work": Template(
        "Обращение №{number} передано исполнителю",
        "Обращение №{number} («{category}») передано исполнителю: {organization}.\n"
        "Срок ответа — до {deadline}.\n\nОбращение: {link}"),
    "clarification": Template(
        "По обращению №{number} нужно уточнение",
        "Исполнитель ({organization}) просит уточнить обращение №{number}:\n«{reason}»\n\n"
        "Срок ответа приостановлен до вашего уточнения. Без уточнения обращение будет отклонено "
        "через {silence_days} дней.\n\nОтветить: {link}"),
    "interim": Template(
        "Промежуточный ответ по обращению №{number}",
        "По обращению №{number} получен промежуточный ответ от {organization}.\n"
        "Плановая дата выполнения — {planned}.\n\nОбращение: {link}"),
    "answered": Template(
        "Получен ответ на обращение №{number}",
        "На обращение №{number} («{category}») получен ответ от {organization}.\n"
        "Прочитайте его и оцените от 1 до 5: низкая оценка вернёт обращение на контроль.\n\nОбращение: {link}"),
    "control": Template(
        "Обращение №{number} взято на контроль",
        "Обращение №{number} взято на контроль координатором ЦУР после вашей оценки или обжалования.\n"
        "Мы сообщим о решении.\n\nОбращение: {link}"),
    "re_review": Template(
        "Обращение №{number} направлено на повторное рассмотрение",
        "Обращение №{number} возвращено исполнителю ({organization}) на повторное рассмотрение.\n"
        "Комментарий координатора: «{reason}»\nНовый срок ответа — до {deadline}.\n\nОбращение: {link}"),
    "closed": Template(
        "Обращение №{number} завершено",
        "Работа по обращению №{number} («{category}») завершена.\n{closing}\n\nОбращение: {link}"),
    "withdrawn": Template(
        "Обращение №{number} отозвано",
        "Вы отозвали обращение №{number} («{category}»). Оно не будет рассматриваться.\n\nОбращение: {link}"),
    "extended": Template(
        "Срок ответа по обращению №{number} продлён",
        "Исполнитель ({organization}) продлил срок ответа по обращению №{number} до {deadline}.\n"
        "Причина: «{reason}»\n\nОбращение: {link}"),
    # --- to a citizen who follows somebody else's appeal (services/following.py) ---
    "follower_update": Template(
        "Обращение №{number}, за которым вы следите: «{status}»",
        "Новый статус обращения №{number} («{category}»), за которым вы следите: «{status}».\n"
        "Исполнитель: {organization}. Срок ответа — до {deadline}.\n\n"
        "Отслеживаемые обращения и отказ от слежения: {my_link}"),
    # --- to the organisation's staff ---
    "org_new": Template(
        "Новое обращение №{number}: {category}",
        "Организации «{organization}» направлено обращение №{number} («{category}»).\n"
        "Адрес: {address}\nСрок ответа — до {deadline}.\n\nОбращение: {link}"),
    "org_rework": Template(
        "Ответ по обращению №{number} возвращён на доработку",
        "Координатор ЦУР вернул ответ по обращению №{number} на доработку.\nПричина: «{reason}»\n"
        "Срок ответа — до {deadline}.\n\nОбращение: {link}"),
    "org_re_review": Template(
        "Обращение №{number} возвращено на повторное рассмотрение",
        "После оценки заявителя координатор ЦУР вернул обращение №{number} на повторное рассмотрение.\n"
        "Комментарий: «{reason}»\nНовый срок ответа — до {deadline}.\n\nОбращение: {link}"),
    "org_clarified": Template(
        "Заявитель уточнил обращение №{number}",
        "Заявитель ответил на запрос уточнения по обращению №{number}:\n«{reason}»\n"
        "Срок ответа возобновлён: до {deadline}.\n\nОбращение: {link}"),
    "org_deadline": Template(
        "Срок ответа по обращению №{number} истекает {deadline}",
        "До окончания срока ответа по обращению №{number} («{category}») осталось меньше суток: "
        "срок — до {deadline}.\n\nОбращение: {link}"),
}

SUBJECT_MAX = 300


def render(key: str, **context) -> tuple[str, str]:
    """(subject, body) of template `key`; a KeyError for an unknown key or a missing placeholder."""
    template = TEMPLATES[key]
    subject = template.subject.format(**context)
    return subject[:SUBJECT_MAX], template.body.format(**context) + SIGNATURE
