"""The citizen's appeal form: the category choices with their deadline rules and the expedited
mark, the search, the form turned into `submit_appeal`, and the receipt."""

import pytest
from sqlalchemy import func
from sqlmodel import select

from pos_dashboard.analytics.appeal_form import category_choices, match_categories, receipt, territory_choices
from pos_dashboard.domain.models import Appeal, AppealEvent, Category
from pos_dashboard.services.appeal_form import submit_from_form
from pos_dashboard.services.errors import PermissionDenied, ValidationFailed

from .factories import GOOD_TEXT, T0, build_region, is_russian


def test_the_picker_offers_leaf_categories_with_their_rules(session):
    r = build_region(session)
    choices = {c["value"]: c for c in category_choices(session, actor=r.citizen)}
    assert set(choices) == {str(i) for i in r.leaf_categories}
    heating, lighting = choices[str(r.c_heating)], choices[str(r.c_lighting)]
    assert (heating["group"], heating["name"], heating["rule"]) == ("ЖКХ", "Отопление", "10 рабочих дней")
    assert heating["expedited"] == "срочная категория: срок 10 дней"
    assert (lighting["rule"], lighting["expedited"]) == ("20 календарных дней", "")
    assert choices[str(r.c_yard)]["rule"] == "30 рабочих дней"
    assert category_choices(session, actor=r.official) == []
    assert [t["label"] for t in territory_choices(session, actor=r.citizen)] == [
        "Городской округ Северный", "Заречный муниципальный район"]
    assert territory_choices(session, actor=r.staff[r.o_uk]) == []


def test_search_matches_every_word_in_group_and_name_with_yo_as_ye(session):
    r = build_region(session)
    session.add(Category(name="Вывоз ёлок", parent_id=r.c_other))
    session.commit()
    choices = category_choices(session, actor=r.citizen)

    def names(query):
        return [c["name"] for c in match_categories(choices, query)]

    assert names("ОТОПЛ") == ["Отопление"]
    assert names("дороги осв") == ["Уличное освещение"]
    assert names("елок") == names("ёлок") == ["Вывоз ёлок"]
    assert len(names("")) == 7
    assert names("метро") == []


def _appeals(session) -> tuple[int, int]:
    return (session.exec(select(func.count()).select_from(Appeal)).one(),
            session.exec(select(func.count()).select_from(AppealEvent)).one())


def test_the_form_is_refused_in_russian_and_nothing_is_written(session):
    r = build_region(session)
    form = {"category_id": str(r.c_yard), "territory_id": str(r.t_city), "text": GOOD_TEXT, "address": ""}
    before = _appeals(session)
    for broken, message in [({"category_id": ""}, "Выберите категорию"), ({"territory_id": "x"}, "Выберите район"),
                            ({"text": "Мусор"}, "не меньше 10"), ({"category_id": "999999"}, "из списка")]:
        with pytest.raises(ValidationFailed) as refused:
            submit_from_form(session, actor=r.citizen, form=form | broken, now=T0)
        assert message in refused.value.message and is_russian(refused.value.message)
    with pytest.raises(PermissionDenied):
        submit_from_form(session, actor=r.staff[r.o_uk], form=form, now=T0)
    assert _appeals(session) == before


def test_a_sent_appeal_gives_its_number_and_deadline(session):
    r = build_region(session)
    form = {"category_id": str(r.c_yard), "territory_id": str(r.t_city), "text": GOOD_TEXT,
            "address": "  ул. Ленина, 5  "}
    appeal = submit_from_form(session, actor=r.citizen, form=form, now=T0)
    assert (appeal.citizen_id, appeal.address, appeal.status) == (r.citizen.user_id, "ул. Ленина, 5", "moderation")
    sent = receipt(session, appeal.id, actor=r.citizen)
    # 30 working days after Monday 3 March 2025: 4–7, 10–14, 17–21, 24–28 March, 31 March–4 April,
    # 7–11 and 14 April.
    assert sent == {"id": appeal.id, "category": "Уборка придомовой территории", "rule": "30 рабочих дней",
                    "deadline": "14.04.2025"}
    with pytest.raises(PermissionDenied):
        receipt(session, appeal.id, actor=r.citizen2)
