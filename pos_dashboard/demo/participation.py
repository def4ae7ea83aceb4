"""Surveys (опросы) and public votes (голосования) of the demo region, with responses and
ballots from the citizens (one ballot per voter and vote, one response per question and person)."""

import json
import random
from datetime import datetime, timedelta

from ..domain.participation import Eligibility, ResultsVisibility, age_on
from ..settings import region_tz
from .reference import Reference
from .surveys import build_surveys

MIN_AGE = 14

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
    """Rows for survey, surveyquestion, surveysubmission, surveyresponse, vote, voteoption and ballot."""
    rng = random.Random(f"{seed}:participation")
    ids = ref.next_ids
    rows: dict[str, list] = {name: [] for name in ("survey", "surveyquestion", "surveysubmission",
                                                   "surveyresponse", "vote", "voteoption", "ballot")}

    def new_id(table):
        ids[table] += 1
        return ids[table] - 1

    municipalities = ref.municipalities
    birth_dates = {row[0]: row[9] for row in ref.users if row[9] is not None}
    demo_citizen = ref.named_user_ids["citizen"]  # open votes stay for the visitor to try
    build_surveys(ref, random.Random(f"{seed}:surveys"), now, rows, new_id)
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
