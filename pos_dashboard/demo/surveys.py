"""Surveys of the demo region: a closed region-wide survey with a few thousand responses (every
question kind, a conditional question, free text) and an open survey of the capital that the demo
citizen can take. Deterministic for a seed; rows are plain tuples for the bulk writer."""

import json
import random
from datetime import datetime, timedelta

from ..domain.participation import Eligibility, ResultsVisibility, age_on
from ..settings import region_tz
from .reference import Reference

MIN_AGE = 14
CLOSED_RESPONSES = 3000

# (text, kind, options, weights, extra): extra holds max_choices / scale_max / matrix rows / the condition
# (index of an earlier question, option index) / required.
SNOW = ("Качество уборки снега во дворах", "Оцените, как убирали снег во дворах этой зимой.", None, -120, -60, (
    ("Как вы оцениваете уборку снега во дворе вашего дома?", "single", ("Отлично", "Хорошо", "Удовлетворительно",
                                                                          "Плохо"), (12, 30, 33, 25), {}),
    ("Что было хуже всего?", "multiple", ("Наледь на тротуарах", "Снег не вывозили", "Техника мешала парковке",
                                          "Сосульки на крышах"), (40, 30, 15, 25),
     {"max_choices": 2, "condition": (0, 3)}),
    ("Оцените уборку тротуаров", "scale", (), (8, 14, 30, 32, 16), {"scale_max": 5}),
    ("Насколько вы готовы рекомендовать вашу управляющую компанию?", "scale", (),
     (6, 4, 5, 6, 9, 12, 14, 15, 16, 13), {"scale_max": 10}),
    ("Что важнее улучшить в первую очередь?", "ranking", ("Вывоз снега", "Обработка от наледи",
                                                            "Уборка тротуаров", "Очистка крыш"), (30, 35, 20, 15), {}),
    ("Оцените уборку по месяцам", "matrix", ("Плохо", "Нормально", "Хорошо"), (30, 45, 25),
     {"rows": ("Декабрь", "Январь", "Февраль")}),
    ("Что ещё хотите сказать?", "text", (), (), {"required": False}),
))
TRANSPORT = ("Работа общественного транспорта", "Опрос о маршрутах и расписании автобусов.", 0, -14, 16, (
    ("Как часто вы пользуетесь общественным транспортом?", "single",
     ("Каждый день", "Несколько раз в неделю", "Редко", "Не пользуюсь"), (44, 28, 20, 8), {}),
    ("Почему не пользуетесь?", "multiple", ("Нет удобного маршрута", "Долго ждать", "Есть машина", "Дорого"),
     (35, 30, 25, 10), {"max_choices": 2, "condition": (0, 3)}),
    ("Оцените интервал движения", "scale", (), (20, 25, 30, 15, 10), {"scale_max": 5}),
    ("Что важнее?", "ranking", ("Интервал", "Чистота салона", "Цена", "Вежливость водителей"), (40, 20, 25, 15), {}),
    ("Что предложите изменить?", "text", (), (), {"required": False}),
))
TEXTS = ("Чаще вывозить снег", "Посыпать тротуары песком", "Работать по выходным", "Убирать во дворах раньше",
         "Сообщать о графике уборки", "Спасибо дворникам", "Чистить крыши вовремя", "Не загораживать проезды")


def build_surveys(ref: Reference, rng: random.Random, now: datetime, rows: dict[str, list], new_id) -> None:
    birth_dates = {row[0]: row[9] for row in ref.users if row[9] is not None}
    demo_citizen = ref.named_user_ids["citizen"]  # open surveys stay for the visitor to try
    everyone = [user_id for pool in ref.citizens_by_municipality.values() for user_id in pool]
    coordinator = ref.named_user_ids.get("coordinator")
    for (title, description, mo_index, start_days, end_days, questions), target in (
            (SNOW, CLOSED_RESPONSES), (TRANSPORT, 150)):
        starts, ends = now + timedelta(days=start_days), now + timedelta(days=end_days)
        territory = ref.municipalities[mo_index].territory_id if mo_index is not None else None
        survey_id = new_id("survey")
        rows["survey"].append((survey_id, title, description, territory, starts, ends, starts - timedelta(days=3),
                               Eligibility.RESIDENTS.value, MIN_AGE, ResultsVisibility.AFTER_CLOSE.value, None,
                               starts - timedelta(days=1), coordinator))
        question_ids = []
        for position, (text, kind, options, _weights, extra) in enumerate(questions):
            question_ids.append(new_id("surveyquestion"))
            condition = extra.get("condition")
            rows["surveyquestion"].append((
                question_ids[-1], survey_id, position, text, kind,
                json.dumps(options, ensure_ascii=False) if options else None, extra.get("required", True),
                extra.get("max_choices"), extra.get("scale_max"),
                json.dumps(extra["rows"], ensure_ascii=False) if "rows" in extra else None,
                question_ids[condition[0]] if condition else None, condition[1] if condition else None))
        closing_day = ends.astimezone(region_tz()).date()
        pool = list(ref.citizens_by_municipality[territory]) if territory else everyone
        ages = {user_id: age_on(birth_dates[user_id], closing_day) for user_id in pool if user_id in birth_dates}
        pool = [u for u in pool if ages.get(u, 0) >= MIN_AGE and (u != demo_citizen or ends <= now)]
        for respondent in sorted(rng.sample(pool, min(len(pool) * 3 // 4, target))):
            submitted = _between(rng, starts, min(ends, now))
            submission_id = new_id("surveysubmission")
            rows["surveysubmission"].append((submission_id, survey_id, respondent, submitted, None,
                                             ages[respondent], territory or _home(ref, respondent)))
            given: dict[int, object] = {}
            for position, (_text, kind, options, weights, extra) in enumerate(questions):
                condition = extra.get("condition")
                if condition and condition[1] not in _chosen(given.get(condition[0])):
                    continue
                value = _answer(rng, kind, options, weights, extra)
                if value is None:
                    continue
                given[position] = value
                rows["surveyresponse"].append((new_id("surveyresponse"), question_ids[position], respondent,
                                               json.dumps(value, ensure_ascii=False), submitted, submission_id))


def _answer(rng: random.Random, kind: str, options, weights, extra):
    indices = list(range(len(options)))
    if kind == "single":
        return rng.choices(indices, weights)[0]
    if kind == "multiple":
        return sorted({rng.choices(indices, weights)[0] for _ in range(extra["max_choices"])})
    if kind == "scale":
        return rng.choices(range(1, extra["scale_max"] + 1), weights)[0]
    if kind == "ranking":  # a weighted random order: heavier options tend to come first
        return sorted(indices, key=lambda k: -rng.random() ** (1 / weights[k]))
    if kind == "matrix":
        return [rng.choices(indices, weights)[0] for _ in extra["rows"]]
    return rng.choice(TEXTS) if rng.random() < 0.3 else None


def _chosen(value) -> set[int]:
    return {value} if isinstance(value, int) else set(value or ())


def _home(ref: Reference, user_id: int) -> int | None:
    return next((t for t, pool in ref.citizens_by_municipality.items() if user_id in pool), None)


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    seconds = max(1, int((end - start).total_seconds()))
    return start + timedelta(seconds=rng.randrange(seconds))
