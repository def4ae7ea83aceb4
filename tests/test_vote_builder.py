"""The vote builder: drafts are invisible to citizens until published; a vote can be changed only
before anyone could vote in it; places carry an address, a point and a municipality; the form's
strings are parsed with Russian messages; only builders read the builder's views."""

from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from pos_dashboard.analytics import vote_builder as builder_views
from pos_dashboard.analytics import votes as vote_views
from pos_dashboard.domain.participation import Ballot, Vote, VoteOption
from pos_dashboard.services import votes
from pos_dashboard.services.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from pos_dashboard.services.vote_form import EMPTY_OPTION, parse_vote_form

from .factories import build_region
from .test_votes import DURING, STARTS, _citizen

BEFORE = STARTS - timedelta(days=1)


def _form(**overrides) -> dict:
    return {"title": "Благоустройство 2027", "description": "Выберите место", "territory_id": "",
            "starts": "2025-03-03T12:00", "ends": "2025-03-13T12:00", "max_choices": "1",
            "eligibility": "everyone", "min_age": "14", "results_visibility": "after_close"} | overrides


def _places(*titles) -> list[dict]:
    return [EMPTY_OPTION | {"title": t, "address": f"ул. {t}, 1", "latitude": "55,75", "longitude": "37.61"}
            for t in titles]


def _draft(session, region, **overrides) -> Vote:
    fields = parse_vote_form(_form(**overrides), _places("Сквер", "Набережная", "Парк")).as_kwargs()
    return votes.create_vote(session, actor=region.coordinator, publish=False, now=BEFORE, **fields)


def _count(session, model, **where) -> int:
    stmt = select(func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return session.exec(stmt).one()


def test_form_is_parsed_in_the_region_time_zone_with_places():
    fields = parse_vote_form(_form(territory_id="7"), _places("Сквер", "Набережная"))
    assert fields.starts_at == STARTS + timedelta(hours=3)  # 12:00 Moscow
    assert fields.territory_id == 7 and fields.max_choices == 1
    assert fields.options[0].latitude == 55.75 and fields.options[0].longitude == 37.61
    assert fields.options[1].address == "ул. Набережная, 1"


@pytest.mark.parametrize("form, places, message", [
    (_form(starts="завтра"), _places("А1", "Б2"), "Начало: укажите дату"),
    (_form(max_choices="два"), _places("А1", "Б2"), "целое число"),
    (_form(territory_id="abc"), _places("А1", "Б2"), "Территория: выберите из списка"),
    (_form(eligibility="admins"), _places("А1", "Б2"), "из списка"),
    (_form(), [EMPTY_OPTION | {"title": "А1", "latitude": "север"}, EMPTY_OPTION | {"title": "Б2"}], "Вариант 1"),
    (_form(), ["not a dict", EMPTY_OPTION], "Вариант 1"),
    (_form(title=5), _places("А1", "Б2"), "ожидается текст"),
])
def test_bad_form_input_gets_a_russian_message(form, places, message):
    with pytest.raises(ValidationFailed, match=message):
        parse_vote_form(form, places)


def test_service_refuses_bad_places_and_writes_nothing(session):
    region = build_region(session)
    for places, message in (
            ([EMPTY_OPTION | {"title": "А1", "latitude": "95", "longitude": "10"}, EMPTY_OPTION | {"title": "Б2"}],
             "широта"),
            ([EMPTY_OPTION | {"title": "А1", "latitude": "55"}, EMPTY_OPTION | {"title": "Б2"}], "обе координаты"),
            ([EMPTY_OPTION | {"title": "А1", "territory_id": "99999"}, EMPTY_OPTION | {"title": "Б2"}],
             "муниципалитет"),
            ([EMPTY_OPTION | {"title": "А1"}], "от 2 до 50")):
        fields = parse_vote_form(_form(), places).as_kwargs()
        with pytest.raises(ValidationFailed, match=message):
            votes.create_vote(session, actor=region.coordinator, publish=False, **fields)
    assert _count(session, Vote) == _count(session, VoteOption) == 0


def test_a_draft_is_invisible_to_citizens_until_published(session):
    region = build_region(session)
    draft = _draft(session, region)
    voter = _citizen(session, "voter", date(1985, 6, 1), region.t_city)
    assert draft.id not in {i["id"] for i in vote_views.vote_list(session, actor=voter, now=DURING)}
    with pytest.raises(NotFound):
        vote_views.ballot_view(session, actor=voter, vote_id=draft.id, now=DURING)
    options = [o.id for o in session.exec(select(VoteOption).where(VoteOption.vote_id == draft.id))]
    with pytest.raises(PermissionDenied, match="не опубликовано"):
        votes.cast_ballot(session, actor=voter, vote_id=draft.id, option_ids=options[:1], client_token="tok-draft",
                          now=DURING)
    with pytest.raises(PermissionDenied):
        votes.publish_vote(session, actor=voter, vote_id=draft.id, now=BEFORE)
    votes.publish_vote(session, actor=region.official, vote_id=draft.id, now=BEFORE)
    with pytest.raises(IllegalTransition, match="уже опубликовано"):
        votes.publish_vote(session, actor=region.official, vote_id=draft.id, now=BEFORE)
    assert draft.id in {i["id"] for i in vote_views.vote_list(session, actor=voter, now=DURING)}
    votes.cast_ballot(session, actor=voter, vote_id=draft.id, option_ids=options[:1], client_token="tok-draft",
                      now=DURING)
    assert _count(session, Ballot, vote_id=draft.id) == 1


def test_changes_only_before_anyone_could_vote(session):
    region = build_region(session)
    draft = _draft(session, region)
    old_ids = [o.id for o in session.exec(select(VoteOption).where(VoteOption.vote_id == draft.id)
                                          .order_by(VoteOption.id))]
    fields = parse_vote_form(_form(title="Новое название", max_choices="2"),
                             _places("Сквер у ДК", "Набережная")).as_kwargs()
    votes.update_vote(session, actor=region.coordinator, vote_id=draft.id, now=BEFORE, **fields)
    rows = session.exec(select(VoteOption).where(VoteOption.vote_id == draft.id).order_by(VoteOption.id)).all()
    assert [(o.id, o.title) for o in rows] == [(old_ids[0], "Сквер у ДК"), (old_ids[1], "Набережная")]
    assert session.get(Vote, draft.id).max_choices == 2
    votes.publish_vote(session, actor=region.coordinator, vote_id=draft.id, now=BEFORE)
    with pytest.raises(IllegalTransition, match="уже началось"):
        votes.update_vote(session, actor=region.coordinator, vote_id=draft.id, now=DURING, **fields)
    voter = _citizen(session, "voter", date(1985, 6, 1), region.t_city)
    votes.cast_ballot(session, actor=voter, vote_id=draft.id, option_ids=[old_ids[0]], client_token="tok-vote",
                      now=DURING)
    with pytest.raises(IllegalTransition, match="уже есть голоса"):
        votes.update_vote(session, actor=region.coordinator, vote_id=draft.id, now=BEFORE, **fields)
    with pytest.raises(IllegalTransition, match="только завершить досрочно"):
        votes.delete_vote(session, actor=region.coordinator, vote_id=draft.id)
    with pytest.raises(PermissionDenied):
        votes.close_early(session, actor=voter, vote_id=draft.id, now=DURING)
    with pytest.raises(PermissionDenied):
        votes.update_vote(session, actor=region.staff[region.o_uk], vote_id=draft.id, now=BEFORE, **fields)
    assert session.get(Vote, draft.id).title == "Новое название"
    votes.close_early(session, actor=region.coordinator, vote_id=draft.id, now=DURING)
    info = builder_views.builder_vote(session, actor=region.coordinator, vote_id=draft.id, now=DURING)["info"]
    assert info == {"id": draft.id, "state_label": "Завершено", "ballots": 1, "editable": False,
                    "can_publish": False, "can_close": False, "can_delete": False, "closed": True}


def test_builder_views_refuse_everyone_but_builders(session):
    region = build_region(session)
    draft = _draft(session, region)
    voter = _citizen(session, "voter", date(1985, 6, 1), region.t_city)
    for actor in (voter, region.staff[region.o_uk]):
        with pytest.raises(PermissionDenied):
            builder_views.builder_votes(session, actor=actor, now=DURING)
        with pytest.raises(PermissionDenied):
            builder_views.builder_vote(session, actor=actor, vote_id=draft.id, now=DURING)
        with pytest.raises(PermissionDenied):
            builder_views.territory_choices(session, actor=actor)
    rows = builder_views.builder_votes(session, actor=region.official, now=DURING)
    assert [(r["id"], r["state_label"], r["ballots"]) for r in rows] == [(draft.id, "Черновик", 0)]
    view = builder_views.builder_vote(session, actor=region.admin, vote_id=draft.id, now=BEFORE)
    assert view["form"]["starts"] == "2025-03-03T12:00" and view["options"][0]["latitude"] == "55.75"
    assert view["info"]["editable"] and view["info"]["can_publish"] and view["info"]["can_delete"]
    assert {c["label"] for c in builder_views.territory_choices(session, actor=region.coordinator)} >= {
        "Городской округ Северный", "Городской округ Северный — Центральный район"}
    votes.delete_vote(session, actor=region.coordinator, vote_id=draft.id)
    assert _count(session, Vote) == _count(session, VoteOption) == 0


def test_a_published_vote_cannot_be_moved_into_the_past(session):
    region = build_region(session)
    draft = _draft(session, region)
    votes.publish_vote(session, actor=region.coordinator, vote_id=draft.id, now=BEFORE)
    fields = parse_vote_form(_form(starts="2025-03-01T12:00", title="Сдвинуто"), _places("А1", "Б2")).as_kwargs()
    with pytest.raises(ValidationFailed, match="позже текущего момента"):
        votes.update_vote(session, actor=region.coordinator, vote_id=draft.id, now=BEFORE, **fields)
    assert session.get(Vote, draft.id).title == "Благоустройство 2027"  # nothing changed, not even in the session
