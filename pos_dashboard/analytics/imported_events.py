"""How events imported from «Наш Санкт-Петербург» read on the card: who acted (from the source's
own fields), one line per event, Russian renderings of category changes, routes and answers, and the
source's closing kind and deadline moves. Only what the source says: where it names nobody, the
actor is the portal, and nothing is inferred beyond the source's words (issue 10, items 4 and 5).

The event rows are written by `importers.spb_mapping` (action «import:…», the source's event type,
status name and detail in the payload, parsed route parties and deadlines beside them)."""

from datetime import date

PORTAL = "Портал «Наш Санкт-Петербург»"  # the source names no actor for these events
CITIZEN = "Заявитель"
NO_ANSWER_TEXT = "текст ответа в источнике отсутствует"
NOT_STATED = "не указан в источнике"

# the portal's final status names → how the card and the queue say them (the closing kind is kept)
CLOSING_KINDS = {
    "Завершено: Автоматически": "Завершено: автоматически",
    "Завершено: Пользователь удовлетворен решением проблемы": "Завершено: пользователь удовлетворён решением",
    "Завершено: Народный контролер подтвердил решение проблемы": "Завершено: народный контролёр подтвердил решение",
}
_STATUS_ACTORS = {  # who the source's status name itself says acted
    "Завершено: Пользователь удовлетворен решением проблемы": CITIZEN,
    "Завершено: Народный контролер подтвердил решение проблемы": "Народный контролёр",
}
_TITLES = {
    "import:petition": "Сообщение заявителя", "import:repeat_petition": "Повторное сообщение заявителя",
    "import:problem_change": "Смена категории", "import:conclusion": "Заключение",
    "import:execution_date_change": "Изменение срока исполнения",
}


def is_imported(action: str) -> bool:
    return action.startswith("import:")


def status_name_label(name: str) -> str:
    return CLOSING_KINDS.get(name, name)


def category_path(path: str) -> str:
    """«Двор/Благоустройство/Мусор на …» → «Благоустройство (Двор) / Мусор на …» (our category names);
    a reason may itself contain «/», so only the first two are separators."""
    parts = [part.strip() for part in path.split("/", 2)]
    if len(parts) < 3:
        return path.strip()
    city_object, category, reason = parts
    return f"{category} ({city_object}) / {reason}"


def _day(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d.%m.%Y")


def deadline_move(payload: dict) -> str:
    if payload.get("old_deadline") and payload.get("new_deadline"):
        return f"{_day(payload['old_deadline'])} → {_day(payload['new_deadline'])}"
    return ""


def route_line(payload: dict) -> str:
    """«Координатор: A → B; контролёр: C → D; срок: 30.04.2021 → 05.05.2021» from the parsed comment."""
    parts = []
    for label, before, after in (("координатор", "from_coordinator", "to_coordinator"),
                                 ("контролёр", "from_controller", "to_controller")):
        if payload.get(before) or payload.get(after):
            parts.append(f"{label}: {payload.get(before) or '—'} → {payload.get(after) or '—'}")
    if move := deadline_move(payload):
        parts.append(f"срок решения: {move}")
    line = "; ".join(parts)
    return line[:1].upper() + line[1:] if line else payload.get("detail", "")


def imported_event(action: str, payload: dict, answer_organization: str | None) -> dict:
    """title, actor and one detail line of an imported event; `answer_organization` is the author of
    the latest answer before it (who a «Получен ответ» / «Промежуточный ответ» status came from)."""
    source, status_name, detail = payload.get("source_event", ""), payload.get("status_name", ""), ""
    actor = PORTAL
    if source == "status":
        title = f"Статус на портале: «{status_name_label(status_name)}»"
        if status_name in ("Получен ответ", "Промежуточный ответ") and answer_organization:
            actor = answer_organization
        actor = _STATUS_ACTORS.get(status_name, actor)
    elif source == "answer":
        kind, _, organization = payload.get("detail", "").partition(" | ")
        title, actor = kind.strip() or "Ответ организации", organization.strip() or PORTAL
        detail = f"состояние ответа в источнике: «{status_name}»" if status_name else ""
    elif source == "route":
        title = "Переадресация по принадлежности"
        actor = payload.get("from_coordinator") or payload.get("from_controller") or PORTAL
        detail = route_line(payload)
    elif source == "problem_change" and payload.get("old_path"):
        title = "Смена категории"
        detail = f"{category_path(payload['old_path'])} › {category_path(payload['new_path'])}"
    elif source in ("petition", "petition.on_moderation"):
        title, actor = _TITLES.get(action, "Сообщение заявителя"), CITIZEN
        if action == "import:repeat_petition" and status_name:
            detail = f"состояние в источнике: «{status_name}»"
        elif source == "petition.on_moderation":
            detail = "сообщение на модерации"
    else:
        title = _TITLES.get(action, "Событие источника")
        detail = f"«{status_name}»" if status_name else "подробности в источнике отсутствуют"
    return {"title": title, "actor": actor, "detail": detail}


def deadline_changes(payloads: list[dict]) -> str:
    """«да, при переадресации: 30.04.2021 → 05.05.2021; …» / «да, изменение срока (…)» / «нет»."""
    moves = [move for p in payloads if p.get("source_event") == "route" and (move := deadline_move(p))]
    changes = sum(1 for p in payloads if str(p.get("source_event", "")).startswith("execution_date_change"))
    parts = [f"при переадресации: {'; '.join(moves)}"] if moves else []
    if changes:
        parts.append(f"изменение срока исполнения ({changes}; даты в источнике не указаны)")
    return "да, " + "; ".join(parts) if parts else "нет"


def source_parties(payloads: list[dict]) -> str:
    """The coordinating and controlling organisations the source names for an appeal still in work."""
    last = next((p for p in reversed(payloads) if p.get("source_coordinator") or p.get("source_controller")), {})
    parts = [f"{label}: {last[key]}" for label, key in (("координатор", "source_coordinator"),
                                                        ("контролёр", "source_controller")) if last.get(key)]
    return "; ".join(parts)


def closing_kind(payloads: list[dict]) -> str:
    """The source's own name of the last status, when it is a closing kind we render ("" otherwise)."""
    last = next((p.get("status_name", "") for p in reversed(payloads) if p.get("source_event") == "status"), "")
    return CLOSING_KINDS.get(last, "")
