"""Surveys: the builder's rules, each question type's validation, conditional questions, eligibility
edges, one response per person (also under concurrent submits), forged submissions, results hidden
until closing, results and export columns worked by hand."""

import json
import threading
from datetime import date, timedelta

import pytest
from sqlmodel import Session, func, select

from pos_dashboard.analytics import survey_results, surveys as survey_views
from pos_dashboard.domain.enums import Role
from pos_dashboard.domain.limits import SURVEY_ANSWER_MAX
from pos_dashboard.domain.models import User
from pos_dashboard.domain.participation import (Eligibility, ResultsVisibility, Survey, SurveyQuestion,
                                                SurveyResponse, SurveySubmission)
from pos_dashboard.services import surveys
from pos_dashboard.services.actors import Actor
from pos_dashboard.services.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from pos_dashboard.services.surveys import QuestionInput, SurveyInput

from .factories import T0, build_region

STARTS, ENDS = T0, T0 + timedelta(days=10)  # closes 13 March 2025, Moscow
DURING, AFTER = T0 + timedelta(days=2), T0 + timedelta(days=11)

QUESTIONS = (
    QuestionInput("single", "Пользуетесь ли вы парком?", options=("Да", "Нет")),
    QuestionInput("multiple", "Что вы там делаете?", options=("Гуляю", "Спорт", "Дети", "Отдых"), max_choices=2,
                  condition_position=0, condition_option=0),
    QuestionInput("scale", "Оцените чистоту", scale_max=5),
    QuestionInput("scale", "Оцените освещение", scale_max=10, required=False),
    QuestionInput("text", "Что улучшить?", required=False),
    QuestionInput("ranking", "Что важнее?", options=("Скамейки", "Свет", "Урны")),
    QuestionInput("matrix", "Оцените объекты", options=("Плохо", "Хорошо"), rows=("Дорожки", "Площадки")),
)


def _citizen(session, login, birth_date, territory_id) -> Actor:
    user = User(login=login, full_name=login, role=Role.CITIZEN, birth_date=birth_date, territory_id=territory_id)
    session.add(user)
    session.commit()
    return Actor.of(user)


def _survey(session, region, publish=True, **overrides) -> tuple[int, list[int]]:
    data = SurveyInput(**(dict(title="Парк у дома", description="Опрос о парке", territory_id=region.t_city,
                                starts_at=STARTS, ends_at=ENDS, questions=QUESTIONS) | overrides))
    survey = surveys.save_survey(session, actor=region.coordinator, data=data)
    if publish:
        surveys.publish_survey(session, actor=region.coordinator, survey_id=survey.id, now=STARTS - timedelta(days=1))
    return survey.id, [q.id for q in surveys.question_specs(session, survey.id)]


def _full(q, used=True) -> dict:
    answers = {q[0]: 0 if used else 1, q[2]: 4, q[5]: [2, 0, 1], q[6]: [0, 1]}
    if used:
        answers[q[1]] = [0, 1]
    return answers


def _count(session, table, **where) -> int:
    stmt = select(func.count()).select_from(table)
    for name, value in where.items():
        stmt = stmt.where(getattr(table, name) == value)
    return session.exec(stmt).one()


def test_each_question_type_is_checked(session):
    region = build_region(session)
    survey_id, q = _survey(session, region)
    citizen = _citizen(session, "c", date(1990, 1, 1), region.t_city)
    bad = [
        ({q[0]: 2}, "из списка"), ({q[0]: True}, "из списка"), ({q[1]: [0, 1, 2]}, "не больше 2"),
        ({q[1]: [0, 0]}, "из списка"), ({q[2]: 6}, "от 1 до 5"), ({q[2]: 0}, "от 1 до 5"), ({q[3]: 11}, "от 1 до 10"),
        ({q[4]: 5}, "ожидается текст"), ({q[4]: "я" * (SURVEY_ANSWER_MAX + 1)}, "не больше 2000"),
        ({q[5]: [0, 1]}, "все варианты"), ({q[5]: [0, 0, 1]}, "все варианты"), ({q[6]: [0]}, "каждой строке"),
        ({q[6]: [0, None]}, "каждой строке"), ({q[6]: [0, 2]}, "каждой строке"),
    ]
    for change, message in bad:
        with pytest.raises(ValidationFailed, match=message):
            surveys.submit_response(session, actor=citizen, survey_id=survey_id, answers=_full(q) | change,
                                    client_token="tok-bad-answer", now=DURING)
    for missing in (q[0], q[2], q[5], q[6]):  # required
        answers = _full(q)
        del answers[missing]
        with pytest.raises(ValidationFailed, match="обязательный"):
            surveys.submit_response(session, actor=citizen, survey_id=survey_id, answers=answers,
                                    client_token="tok-missing", now=DURING)
    assert _count(session, SurveySubmission) == _count(session, SurveyResponse) == 0
    receipt = surveys.submit_response(session, actor=citizen, survey_id=survey_id,
                                      answers={str(k): v for k, v in (_full(q) | {q[3]: 10, q[4]: "  Свет  "}).items()},
                                      client_token="tok-good", now=DURING)
    stored = dict(session.exec(select(SurveyResponse.question_id, SurveyResponse.answer)).all())
    assert {k: json.loads(v) for k, v in stored.items()} == {
        q[0]: 0, q[1]: [0, 1], q[2]: 4, q[3]: 10, q[4]: "Свет", q[5]: [2, 0, 1], q[6]: [0, 1]}
    assert receipt.repeated is False


def test_conditional_question_is_skipped_when_its_condition_is_unmet(session):
    region = build_region(session)
    survey_id, q = _survey(session, region)
    a, b = (_citizen(session, n, date(1990, 1, 1), region.t_city) for n in ("a", "b"))
    answers = _full(q, used=False) | {q[1]: [0]}  # answered «Нет», yet sent the hidden question's answer
    surveys.submit_response(session, actor=a, survey_id=survey_id, answers=answers, client_token="tok-a-first",
                            now=DURING)
    assert _count(session, SurveyResponse, question_id=q[1]) == 0  # dropped, not stored
    with pytest.raises(ValidationFailed, match="обязательный вопрос «Что вы там делаете"):
        surveys.submit_response(session, actor=b, survey_id=survey_id, answers={k: v for k, v in _full(q).items()
                                                                                  if k != q[1]},
                                client_token="tok-b-first", now=DURING)


def test_eligibility_edges(session):
    region = build_region(session)
    survey_id, q = _survey(session, region)
    sub = _citizen(session, "micro", date(1990, 1, 1), region.t_micro)  # sub-territory of the city
    almost = _citizen(session, "teen", date(2011, 3, 14), region.t_city)  # 13 years 364 days on 13 March 2025
    just = _citizen(session, "teen2", date(2011, 3, 13), region.t_city)
    rural = _citizen(session, "rural", date(1980, 5, 5), region.t_rural)
    no_birth = _citizen(session, "nobirth", None, region.t_city)
    for actor in (sub, just):
        surveys.submit_response(session, actor=actor, survey_id=survey_id, answers=_full(q),
                                client_token=f"tok-ok-{actor.user_id}", now=DURING)
    for actor, message in ((almost, "с 14 лет"), (rural, "другой территории"), (no_birth, "дату рождения"),
                           (region.coordinator, "заявител")):
        with pytest.raises(PermissionDenied, match=message):
            surveys.submit_response(session, actor=actor, survey_id=survey_id, answers=_full(q),
                                    client_token="tok-refused", now=DURING)
    everyone_id, q2 = _survey(session, region, title="Для всех", eligibility=Eligibility.EVERYONE)
    surveys.submit_response(session, actor=rural, survey_id=everyone_id, answers=_full(q2), client_token="tok-rural",
                            now=DURING)
    with pytest.raises(PermissionDenied, match="завершён"):
        surveys.submit_response(session, actor=rural, survey_id=survey_id, answers=_full(q), client_token="tok-late",
                                now=AFTER)
    draft_id, q3 = _survey(session, region, publish=False, title="Черновик")
    with pytest.raises(PermissionDenied, match="не опубликован"):
        surveys.submit_response(session, actor=sub, survey_id=draft_id, answers=_full(q3), client_token="tok-draft",
                                now=DURING)
    assert _count(session, SurveySubmission, survey_id=survey_id) == 2
    ages = set(session.exec(select(SurveySubmission.respondent_age).where(
        SurveySubmission.survey_id == survey_id)).all())
    assert ages == {35, 14}


def test_one_response_per_person_and_retry_gets_the_same_receipt(session):
    region = build_region(session)
    survey_id, q = _survey(session, region)
    citizen = _citizen(session, "c", date(1990, 1, 1), region.t_city)
    first = surveys.submit_response(session, actor=citizen, survey_id=survey_id, answers=_full(q),
                                    client_token="tok-first", now=DURING)
    retry = surveys.submit_response(session, actor=citizen, survey_id=survey_id, answers={q[0]: 1},
                                    client_token="tok-first", now=DURING + timedelta(seconds=5))
    assert (retry.submission_id, retry.submitted_at, retry.repeated) == (first.submission_id, DURING, True)
    with pytest.raises(IllegalTransition, match="уже ответили"):
        surveys.submit_response(session, actor=citizen, survey_id=survey_id, answers=_full(q),
                                client_token="tok-second-tab", now=DURING)
    assert _count(session, SurveySubmission) == 1 and _count(session, SurveyResponse) == 5
    form = survey_views.survey_form(session, actor=citizen, survey_id=survey_id, now=DURING)
    assert form["answered"] and not form["can_take"]
    assert form["my_answers"][0] == {"question": "Пользуетесь ли вы парком?", "answer": "Да"}
    assert {"question": "Что важнее?", "answer": "1. Урны; 2. Скамейки; 3. Свет"} in form["my_answers"]


def test_forged_submissions_write_nothing(session):
    region = build_region(session)
    survey_id, q = _survey(session, region)
    other_id, other_q = _survey(session, region, title="Другой опрос")
    citizen = _citizen(session, "c", date(1990, 1, 1), region.t_city)
    for answers, error in (({**_full(q), other_q[0]: 0}, ValidationFailed), ("не словарь", ValidationFailed),
                           ({"abc": 1}, ValidationFailed), ({}, ValidationFailed)):
        with pytest.raises(error):
            surveys.submit_response(session, actor=citizen, survey_id=survey_id, answers=answers,
                                    client_token="tok-forged", now=DURING)
    with pytest.raises(ValidationFailed):
        surveys.submit_response(session, actor=citizen, survey_id=survey_id, answers=_full(q), client_token="x",
                                now=DURING)
    with pytest.raises(NotFound):
        surveys.submit_response(session, actor=citizen, survey_id=10**12, answers=_full(q), client_token="tok-none",
                                now=DURING)
    # The respondent is always the acting user: no argument names anyone else.
    surveys.submit_response(session, actor=citizen, survey_id=survey_id, answers=_full(q), client_token="tok-own-try",
                            now=DURING)
    assert set(session.exec(select(SurveySubmission.respondent_id)).all()) == {citizen.user_id}
    assert _count(session, SurveySubmission, survey_id=other_id) == 0


def test_builder_rules(session):
    region = build_region(session)
    citizen = _citizen(session, "c", date(1990, 1, 1), region.t_city)
    data = SurveyInput(title="Опрос", description="", territory_id=None, starts_at=STARTS, ends_at=ENDS,
                       questions=QUESTIONS)
    for actor in (citizen, region.staff[region.o_uk]):
        with pytest.raises(PermissionDenied):
            surveys.save_survey(session, actor=actor, data=data)
    bad = [
        (dict(questions=()), "от 1 до 40"), (dict(ends_at=STARTS), "позже"), (dict(title="Оп"), "не меньше 3"),
        (dict(questions=(QuestionInput("single", "Вопрос", options=("Да",)),)), "от 2 до 20"),
        (dict(questions=(QuestionInput("single", "Вопрос", options=("Да", "Да")),)), "повторяться"),
        (dict(questions=(QuestionInput("scale", "Вопрос", scale_max=7),)), "1–5 или 1–10"),
        (dict(questions=(QuestionInput("multiple", "Вопрос", options=("А", "Б"), max_choices=3),)), "от 1 до 2"),
        (dict(questions=(QuestionInput("matrix", "Вопрос", options=("А", "Б")),)), "строк"),
        (dict(questions=(QuestionInput("poll", "Вопрос"),)), "тип вопроса"),
        (dict(questions=(QuestionInput("text", "Вопрос", condition_position=0, condition_option=0),)), "предыдущих"),
        (dict(questions=(QuestionInput("scale", "Шкала", scale_max=5),
                         QuestionInput("text", "Вопрос", condition_position=0, condition_option=0))), "с выбором"),
        (dict(questions=(QuestionInput("text", "В" * 501),)), "не больше 500"),
    ]
    for change, message in bad:
        with pytest.raises(ValidationFailed, match=message):
            surveys.save_survey(session, actor=region.official, data=SurveyInput(**(data.__dict__ | change)))
    assert _count(session, Survey) == 0
    survey_id, q = _survey(session, region, publish=False)
    with pytest.raises(ValidationFailed, match="уже прошла"):
        surveys.publish_survey(session, actor=region.coordinator, survey_id=survey_id, now=AFTER)
    edited = surveys.save_survey(session, actor=region.official, survey_id=survey_id,
                                 data=SurveyInput(**(data.__dict__ | dict(title="Новое название",
                                                                          questions=QUESTIONS[:3]))))
    assert edited.title == "Новое название" and _count(session, SurveyQuestion, survey_id=survey_id) == 3
    surveys.publish_survey(session, actor=region.coordinator, survey_id=survey_id, now=DURING)
    q = [spec.id for spec in surveys.question_specs(session, survey_id)]
    surveys.submit_response(session, actor=citizen, survey_id=survey_id, answers={q[0]: 1, q[2]: 3},
                            client_token="tok-edit", now=DURING)
    with pytest.raises(IllegalTransition, match="нельзя"):
        surveys.save_survey(session, actor=region.official, survey_id=survey_id, data=data)
    with pytest.raises(IllegalTransition, match="только завершить"):
        surveys.delete_survey(session, actor=region.coordinator, survey_id=survey_id)
    assert _count(session, SurveyQuestion, survey_id=survey_id) == 3
    surveys.close_survey_early(session, actor=region.coordinator, survey_id=survey_id, now=DURING)
    with pytest.raises(PermissionDenied, match="завершён"):
        surveys.submit_response(session, actor=_citizen(session, "late", date(1990, 1, 1), region.t_city),
                                survey_id=survey_id, answers={q[0]: 1, q[2]: 3}, client_token="tok-closed",
                                now=DURING + timedelta(minutes=1))
    with pytest.raises(IllegalTransition, match="уже завершён"):
        surveys.close_survey_early(session, actor=region.coordinator, survey_id=survey_id, now=DURING)
    empty_id, _ = _survey(session, region, title="Пустой")
    surveys.delete_survey(session, actor=region.official, survey_id=empty_id)
    assert session.get(Survey, empty_id) is None


def test_results_hidden_until_closing_unless_live(session):
    region = build_region(session)
    survey_id, _ = _survey(session, region)
    live_id, _ = _survey(session, region, title="Живые", results_visibility=ResultsVisibility.LIVE)
    for actor in (region.official, region.coordinator, region.admin):
        for read in (survey_results.survey_results, survey_results.export_tables):
            with pytest.raises(PermissionDenied, match="после окончания"):
                read(session, actor=actor, survey_id=survey_id, now=DURING)
    assert survey_results.survey_results(session, actor=region.official, survey_id=live_id,
                                         now=DURING)["respondents"] == 0
    surveys.close_survey_early(session, actor=region.coordinator, survey_id=survey_id, now=DURING)
    assert survey_results.survey_results(session, actor=region.official, survey_id=survey_id,
                                         now=DURING)["closed"] is True
    with pytest.raises(PermissionDenied):
        survey_results.survey_results(session, actor=region.staff[region.o_uk], survey_id=survey_id, now=AFTER)
    draft_id, _ = _survey(session, region, publish=False, title="Черновик",
                          results_visibility=ResultsVisibility.LIVE)
    with pytest.raises(PermissionDenied):
        survey_results.survey_results(session, actor=region.official, survey_id=draft_id, now=AFTER)


def test_results_and_export_worked_by_hand(session):
    region = build_region(session)
    survey_id, q = _survey(session, region)
    people = [_citizen(session, f"p{k}", birth, region.t_district)
              for k, birth in enumerate((date(2010, 1, 1), date(1999, 1, 1), date(1970, 1, 1)))]
    _citizen(session, "stayed_home", date(1980, 1, 1), region.t_micro)  # eligible, did not answer
    _citizen(session, "elsewhere", date(1980, 1, 1), region.t_rural)
    given = [
        {q[0]: 0, q[1]: [0, 1], q[2]: 5, q[4]: "Больше света", q[5]: [0, 1, 2], q[6]: [0, 1]},
        {q[0]: 0, q[1]: [1], q[2]: 4, q[3]: 10, q[5]: [1, 0, 2], q[6]: [1, 1]},
        {q[0]: 1, q[2]: 2, q[5]: [1, 2, 0], q[6]: [1, 1]},
    ]
    for person, answers in zip(people, given, strict=True):
        surveys.submit_response(session, actor=person, survey_id=survey_id, answers=answers,
                                client_token=f"tok-{person.user_id:05d}", now=DURING)
    results = survey_results.survey_results(session, actor=region.official, survey_id=survey_id, now=AFTER)
    assert (results["respondents"], results["eligible"], results["turnout"]) == (3, 4, "75,0 %")
    by = {r["number"]: r for r in results["questions"]}
    assert [(l["label"], l["count"], l["share"]) for l in by[1]["lines"]] == [("Да", 2, "66,7 %"), ("Нет", 1, "33,3 %")]
    assert [(l["label"], l["count"]) for l in by[2]["lines"]] == [("Гуляю", 1), ("Спорт", 2), ("Дети", 0), ("Отдых", 0)]
    assert by[3]["summary"] == "Среднее: 3,67 из 5" and [l["count"] for l in by[3]["lines"]] == [0, 1, 0, 1, 1]
    assert by[4]["answered"] == 1 and by[5]["texts"] == ["Больше света"]
    # positions: Скамейки 1+2+3=6, Свет 2+1+1=4, Урны 3+3+2=8 → Свет 1,33; Скамейки 2; Урны 2,67
    assert [(l["label"], l["count"], l["share"]) for l in by[6]["lines"]] == [
        ("Свет", 2, "средняя позиция 1,33"), ("Скамейки", 1, "средняя позиция 2"), ("Урны", 0, "средняя позиция 2,67")]
    assert by[7]["matrix"] == [{"label": "Дорожки", "cells": ["1 (33,3 %)", "2 (66,7 %)"]},
                               {"label": "Площадки", "cells": ["0 (0,0 %)", "3 (100,0 %)"]}]
    tables = survey_results.export_tables(session, actor=region.official, survey_id=survey_id, now=AFTER)
    header, rows = tables["Ответы"]
    assert header == ["№ ответа", "Дата ответа", "Возраст", "Территория", "1. Пользуетесь ли вы парком?",
                      "2. Что вы там делаете?", "3. Оцените чистоту", "4. Оцените освещение", "5. Что улучшить?",
                      "6. Что важнее?", "7. Оцените объекты — Дорожки", "7. Оцените объекты — Площадки"]
    assert rows[0][2:] == [15, "Центральный район", "Да", "Гуляю; Спорт", 5, "", "Больше света",
                           "1. Скамейки; 2. Свет; 3. Урны", "Плохо", "Хорошо"]
    assert rows[2][4:] == ["Нет", "", 2, "", "", "1. Свет; 2. Урны; 3. Скамейки", "Хорошо", "Хорошо"]
    totals = tables["Итоги"][1]
    assert ["1. Пользуетесь ли вы парком?", "Да", 2, "66,7 %"] in totals
    assert ["7. Оцените объекты — Площадки", "Хорошо", 3, "100,0 %"] in totals
    data, name = survey_results.export_file(session, actor=region.official, survey_id=survey_id, now=AFTER, fmt="csv")
    assert name.endswith(".csv") and data.decode("utf-8-sig").splitlines()[0].startswith("№ ответа;Дата ответа")
    xlsx, _ = survey_results.export_file(session, actor=region.official, survey_id=survey_id, now=AFTER, fmt="xlsx")
    assert xlsx[:2] == b"PK"


def test_citizen_list_shows_why(session):
    region = build_region(session)
    city_id, _ = _survey(session, region)
    rural_id, _ = _survey(session, region, title="Сельский", territory_id=region.t_rural)
    draft_id, _ = _survey(session, region, publish=False, title="Черновик")
    teen = _citizen(session, "teen", date(2012, 1, 1), region.t_micro)
    listed = {i["id"]: i for i in survey_views.survey_list(session, actor=teen, now=DURING)}
    assert set(listed) == {city_id}
    assert listed[city_id]["can_take"] is False and "14 лет" in listed[city_id]["reason"]
    managed = {i["id"] for i in survey_views.survey_list(session, actor=region.official, now=DURING, builder=True)}
    assert managed == {city_id, rural_id, draft_id}
    with pytest.raises(PermissionDenied):
        survey_views.survey_list(session, actor=teen, now=DURING, builder=True)
    with pytest.raises(PermissionDenied):
        survey_views.survey_form(session, actor=teen, survey_id=draft_id, now=DURING)


def test_concurrent_duplicate_submits_give_one_response(engine):
    with Session(engine, expire_on_commit=False) as session:
        region = build_region(session)
        session.commit()
        survey_id, q = _survey(session, region)
        citizen = _citizen(session, "c", date(1990, 1, 1), region.t_city)
    tokens = ["tok-same"] * 6 + ["tok-other-tab"] * 2
    outcomes, barrier = [], threading.Barrier(len(tokens))

    def submit(token):
        with Session(engine, expire_on_commit=False) as own:
            barrier.wait()
            try:
                receipt = surveys.submit_response(own, actor=citizen, survey_id=survey_id, answers=_full(q),
                                                  client_token=token, now=DURING)
                outcomes.append(("ok", token, receipt.submission_id))
            except IllegalTransition:
                outcomes.append(("refused", token, None))

    threads = [threading.Thread(target=submit, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with Session(engine) as session:
        submissions = session.exec(select(SurveySubmission)).all()
        answers = _count(session, SurveyResponse)
    assert len(submissions) == 1 and len(outcomes) == len(tokens) and answers == 5
    winner = submissions[0].client_token
    assert {o[2] for o in outcomes if o[0] == "ok"} == {submissions[0].id}
    assert all(o[0] == "ok" for o in outcomes if o[1] == winner)
    assert all(o[0] == "refused" for o in outcomes if o[1] != winner)
