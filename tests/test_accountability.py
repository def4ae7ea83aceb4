"""Accountability of a finished vote: winners (ties at the cut kept), stages only on winners of a
closed vote, only coordinators (and administrators) write them, the page is public once closed."""

from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from pos_dashboard.analytics.accountability import vote_progress
from pos_dashboard.domain.accountability import PlaceProgressStage
from pos_dashboard.services import votes
from pos_dashboard.services.accountability import StageInput, add_stage, update_stage, winners
from pos_dashboard.services.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from pos_dashboard.domain.participation import Vote

from .factories import build_region
from .test_votes import AFTER, DURING, _citizen, _vote


def _voted(session, region, choices, max_choices=1):
    vote_id, options = _vote(session, region, max_choices=max_choices,
                             options=[votes.OptionInput(t) for t in ("Сквер", "Набережная", "Парк", "Бульвар")])
    for k, picks in enumerate(choices):
        voter = _citizen(session, f"v{vote_id}-{k}", date(1980, 1, 1), region.t_city)
        votes.cast_ballot(session, actor=voter, vote_id=vote_id, option_ids=[options[i] for i in picks],
                          client_token=f"token-{vote_id}-{k:03d}", now=DURING)
    return vote_id, options


def _stages(session) -> int:
    return session.exec(select(func.count()).select_from(PlaceProgressStage)).one()


def test_winners_keep_ties_at_the_cut(session):
    region = build_region(session)
    vote_id, options = _voted(session, region, [[0], [0], [1], [2], [2]])
    assert [o.id for o in winners(session, session.get(Vote, vote_id))] == [options[0], options[2]]  # 2 : 2 tie
    vote_id, options = _voted(session, region, [[0, 1], [0, 1], [1, 3]], max_choices=2)
    assert [o.id for o in winners(session, session.get(Vote, vote_id))] == [options[1], options[0]]
    empty_id, _ = _voted(session, region, [])
    assert winners(session, session.get(Vote, empty_id)) == []


def test_only_coordinators_write_stages_of_winners_after_closing(session):
    region = build_region(session)
    vote_id, options = _voted(session, region, [[0], [0], [1]])
    citizen = _citizen(session, "reader", date(1980, 1, 1), region.t_city)
    stage = StageInput(title="Проектирование", status="in_progress", planned_on="2025-06-01",
                       contractor="ООО «Благоустройство»")
    with pytest.raises(IllegalTransition, match="после окончания"):
        add_stage(session, actor=region.coordinator, option_id=options[0], stage=stage, now=DURING)
    with pytest.raises(PermissionDenied, match="после окончания"):
        vote_progress(session, actor=citizen, vote_id=vote_id, now=DURING)
    for actor in (citizen, region.official, region.staff[region.o_uk]):
        with pytest.raises(PermissionDenied, match="координаторы"):
            add_stage(session, actor=actor, option_id=options[0], stage=stage, now=AFTER)
    with pytest.raises(IllegalTransition, match="победителям"):
        add_stage(session, actor=region.coordinator, option_id=options[1], stage=stage, now=AFTER)
    with pytest.raises(NotFound):
        add_stage(session, actor=region.coordinator, option_id=10**12, stage=stage, now=AFTER)
    for bad, message in ((StageInput(title="Работы", status="done"), "дату выполнения"),
                         (StageInput(title="Работы", planned_on="01.06.2025"), "Плановая дата"),
                         (StageInput(title="Работы", status="cancelled"), "из списка"),
                         (StageInput(title="Р" * 201), "Этап: не больше"),
                         (StageInput(title="Работы", contractor="О" * 301), "Подрядчик")):
        with pytest.raises(ValidationFailed, match=message):
            add_stage(session, actor=region.coordinator, option_id=options[0], stage=bad, now=AFTER)
    assert _stages(session) == 0
    row = add_stage(session, actor=region.coordinator, option_id=options[0], stage=stage, now=AFTER)
    with pytest.raises(PermissionDenied):
        update_stage(session, actor=citizen, stage_id=row.id, stage=StageInput(title="Подмена"), now=AFTER)
    update_stage(session, actor=region.admin, stage_id=row.id, now=AFTER,
                 stage=StageInput(title="Проектирование", status="done", planned_on="2025-06-01",
                                  done_on="2025-05-20", contractor="ООО «Благоустройство»"))
    view = vote_progress(session, actor=None, vote_id=vote_id, now=AFTER)  # public: no log-in needed
    assert view["can_edit"] is False
    assert [(p["title"], p["votes"], p["done"], p["total"]) for p in view["places"]] == [("Сквер", 2, 1, 1)]
    assert view["places"][0]["stages"][0] | {"id": 0, "updated_at": ""} == {
        "id": 0, "title": "Проектирование", "status": "done", "status_label": "Выполнено",
        "planned_on": "01.06.2025", "done_on": "20.05.2025", "planned_value": "2025-06-01",
        "done_value": "2025-05-20", "contractor": "ООО «Благоустройство»", "note": "", "updated_at": ""}
    assert vote_progress(session, actor=region.coordinator, vote_id=vote_id, now=AFTER)["can_edit"] is True
    assert _stages(session) == 1


def test_a_draft_or_missing_vote_has_no_progress_page(session):
    region = build_region(session)
    draft = votes.create_vote(session, actor=region.coordinator, title="Черновик", description="", territory_id=None,
                              starts_at=AFTER - timedelta(days=20), ends_at=AFTER - timedelta(days=1), max_choices=1,
                              options=[votes.OptionInput("А1"), votes.OptionInput("Б2")], publish=False)
    for vote_id in (draft.id, 10**12, "1"):
        with pytest.raises(NotFound):
            vote_progress(session, actor=region.coordinator, vote_id=vote_id, now=AFTER)
