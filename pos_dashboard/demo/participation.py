"""Surveys (опросы) and public votes (голосования) of the demo region, with responses and
ballots from the citizens (one ballot per voter and vote, one response per question and person)."""

import json
import random
from datetime import datetime, timedelta

from ..domain.participation import Eligibility, ResultsVisibility, age_on
from ..settings import region_tz
from .reference import Reference

MIN_AGE = 14

SURVEYS = (
    ("Качество уборки снега во дворах", "Оцените, как убирали снег во дворах этой зимой.", None, -120, -60, (
        ("Как вы оцениваете уборку снега во дворе вашего дома?", "single",
         ("Отлично", "Хорошо", "Удовлетворительно", "Плохо"), (12, 30, 33, 25)),
        ("Как часто убирали снег?", "single", ("Каждый день", "Раз в 2–3 дня", "Раз в неделю", "Реже"),
         (18, 37, 27, 18)),
        ("Что нужно улучшить?", "text", ("Вывоз снега", "Обработка от наледи", "Уборка тротуаров"), (1, 1, 1)),
    )),
    ("Работа общественного транспорта", "Опрос о маршрутах и расписании автобусов.", 0, -14, 16, (
        ("Как часто вы пользуетесь общественным транспортом?", "single",
         ("Каждый день", "Несколько раз в неделю", "Редко", "Не пользуюсь"), (44, 28, 20, 8)),
        ("Устраивает ли вас интервал движения?", "single", ("Да", "Скорее да", "Скорее нет", "Нет"), (14, 26, 31, 29)),
    )),
)
VOTES = (
    ("Выбор общественной территории для благоустройства", "Голосование по программе «Формирование "
     "комфортной городской среды»: победитель будет благоустроен в следующем году.", 0, -75, -45, 1, (
        ("Сквер у Дворца культуры", 34), ("Набережная реки Верхней", 27), ("Парк Победы", 18),
        ("Бульвар Интернациональный", 13), ("Площадь у вокзала", 8))),
    ("Дворы для ремонта в первую очередь", "Выберите до двух дворов, которые отремонтируют первыми.", 0, -5, 10, 2, (
        ("Двор ул. Ленина, 12–16", 30), ("Двор ул. Гагарина, 5", 25), ("Двор пр-та Мира, 40", 22),
        ("Двор ул. Садовой, 3", 14), ("Двор ул. Школьной, 21", 9))),
)


def build_participation(ref: Reference, seed: int, now: datetime) -> dict[str, list]:
    """Rows for survey, surveyquestion, surveyresponse, vote, voteoption and ballot."""
    rng = random.Random(f"{seed}:participation")
    ids = ref.next_ids
    rows: dict[str, list] = {name: [] for name in ("survey", "surveyquestion", "surveyresponse", "vote",
                                                   "voteoption", "ballot")}

    def new_id(table):
        ids[table] += 1
        return ids[table] - 1

    municipalities = ref.municipalities
    birth_dates = {row[0]: row[9] for row in ref.users if row[9] is not None}
    demo_citizen = ref.named_user_ids["citizen"]  # open votes stay for the visitor to try
    all_citizens = [user_id for pool in ref.citizens_by_municipality.values() for user_id in pool]
    for title, description, mo_index, start_days, end_days, questions in SURVEYS:
        starts, ends = now + timedelta(days=start_days), now + timedelta(days=end_days)
        territory = municipalities[mo_index].territory_id if mo_index is not None else None
        survey_id = new_id("survey")
        rows["survey"].append((survey_id, title, description, territory, starts, ends, starts - timedelta(days=3)))
        pool = list(ref.citizens_by_municipality[territory]) if territory else all_citizens
        respondents = rng.sample(pool, min(len(pool) // 3, 600))
        for position, (text, kind, options, weights) in enumerate(questions):
            question_id = new_id("surveyquestion")
            rows["surveyquestion"].append((question_id, survey_id, position, text, kind,
                                           json.dumps(options, ensure_ascii=False)))
            for respondent in respondents:
                answer = rng.choices(options, weights)[0]
                if kind == "text" and rng.random() < 0.5:
                    continue
                rows["surveyresponse"].append((new_id("surveyresponse"), question_id, respondent, answer,
                                               _between(rng, starts, min(ends, now))))
    for title, description, mo_index, start_days, end_days, max_choices, options in VOTES:
        mo = municipalities[mo_index]
        starts, ends = now + timedelta(days=start_days), now + timedelta(days=end_days)
        vote_id = new_id("vote")
        rows["vote"].append((vote_id, title, description, mo.territory_id, starts, ends, max_choices,
                             Eligibility.RESIDENTS.value, MIN_AGE, ResultsVisibility.AFTER_CLOSE.value, None,
                             None, starts - timedelta(days=3), starts - timedelta(days=2)))
        option_ids = []
        for k, (option_title, _weight) in enumerate(options):
            option_ids.append(new_id("voteoption"))
            place = mo.places[k % len(mo.places)]
            rows["voteoption"].append((option_ids[-1], vote_id, option_title, None,
                                       round(place.lat + rng.uniform(-0.01, 0.01), 6),
                                       round(place.lon + rng.uniform(-0.02, 0.02), 6),
                                       f"{place.locality}, {option_title}", place.territory_id))
        closing_day = ends.astimezone(region_tz()).date()
        ages = {user_id: age_on(birth_dates[user_id], closing_day)
                for user_id in ref.citizens_by_municipality[mo.territory_id]}
        pool = [user_id for user_id, age in ages.items()
                if age >= MIN_AGE and (user_id != demo_citizen or ends <= now)]
        weights = [weight for _title, weight in options]
        for voter in rng.sample(pool, min(len(pool) * 35 // 100, 20000)):
            chosen = {rng.choices(option_ids, weights)[0] for _ in range(max_choices)}
            rows["ballot"].append((new_id("ballot"), vote_id, voter, json.dumps(sorted(chosen)),
                                   _between(rng, starts, min(ends, now)), None, ages[voter], mo.territory_id, None))
    return rows


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    seconds = max(1, int((end - start).total_seconds()))
    return start + timedelta(seconds=rng.randrange(seconds))
