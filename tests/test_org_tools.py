"""Organisation tools: answer templates kept by the organisation's own staff, the template picker of
the card, the rework reason in the organisation's queue, the deadline extension from the card; the
states' handlers as forged websocket events reach them."""

import asyncio

import pytest
from sqlmodel import func, select

from pos_dashboard.analytics.queue import QueueFilter, fetch_queue_page
from pos_dashboard.domain.answer_templates import AnswerTemplate
from pos_dashboard.services import answer_templates as templates
from pos_dashboard.services import appeals
from pos_dashboard.services.card_actions import card_actions, perform_from_form
from pos_dashboard.services.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from pos_dashboard.states.answer_templates import CardTemplatesState, TemplatesState
from pos_dashboard.states.base import AppState

from .factories import ANSWER_TEXT, T0, build_region, fresh_appeal, hours, snapshot, submit

TEXT = "Работы по уборке выполнены, территория приведена в порядок."


@pytest.fixture()
def region(engine, session, monkeypatch):
    monkeypatch.setenv("REFLEX_DB_URL", engine.url.render_as_string(hide_password=False))
    return build_region(session)


def in_work(session, r) -> int:
    appeal_id = submit(session, r, category_id=r.c_yard, territory_id=r.t_city)
    appeals.perform(session, actor=r.coordinator, appeal_id=appeal_id, action="approve_moderation", now=T0 + hours(1))
    return appeal_id


def all_templates(session) -> list[tuple]:
    session.expire_all()
    return session.exec(select(AnswerTemplate.id, AnswerTemplate.organization_id, AnswerTemplate.title,
                               AnswerTemplate.text)).all()


def test_templates_belong_to_one_organisation_and_match_the_category(session, region):
    r = region
    uk, heat = r.staff[r.o_uk], r.staff[r.o_heat]
    yard = templates.save_template(session, actor=uk, title="Уборка выполнена", text=TEXT, category_id=r.c_yard)
    anywhere = templates.save_template(session, actor=uk, title="Общий ответ", text=TEXT, category_id=None)
    templates.save_template(session, actor=uk, title="Дороги", text=TEXT, category_id=r.c_potholes)
    templates.save_template(session, actor=heat, title="Чужой", text=TEXT, category_id=r.c_yard)
    assert [t.title for t in templates.list_templates(session, actor=uk)] == ["Дороги", "Общий ответ", "Уборка выполнена"]
    appeal_id = in_work(session, r)
    assert {t.id for t in templates.templates_for_appeal(session, actor=uk, appeal_id=appeal_id)} == {yard.id, anywhere.id}
    with pytest.raises(PermissionDenied):
        templates.templates_for_appeal(session, actor=heat, appeal_id=appeal_id)  # another organisation's appeal
    before = all_templates(session)
    for actor in (heat, r.coordinator, r.citizen, None):
        with pytest.raises((NotFound, PermissionDenied)):
            templates.save_template(session, actor=actor, title="Подмена", text=TEXT, category_id=None,
                                    template_id=yard.id)
        with pytest.raises((NotFound, PermissionDenied)):
            templates.delete_template(session, actor=actor, template_id=yard.id)
    with pytest.raises(ValidationFailed, match="Текст шаблона"):
        templates.save_template(session, actor=uk, title="Пусто", text="   ", category_id=None)
    with pytest.raises(ValidationFailed, match="категорию"):
        templates.save_template(session, actor=uk, title="Нет категории", text=TEXT, category_id=10**6)
    assert all_templates(session) == before
    templates.delete_template(session, actor=uk, template_id=anywhere.id)
    assert len(all_templates(session)) == len(before) - 1


def test_the_queue_shows_the_pending_rework_reason(session, region):
    r = region
    staff = r.staff[r.o_uk]
    appeal_id = in_work(session, r)
    appeals.perform(session, actor=staff, appeal_id=appeal_id, action="give_answer", now=T0 + hours(2), text=ANSWER_TEXT)
    appeals.perform(session, actor=r.coordinator, appeal_id=appeal_id, action="return_for_rework", now=T0 + hours(3),
                    rework_code="no_fix_date")
    page = fetch_queue_page(session, QueueFilter(organization_id=r.o_uk), now=T0 + hours(4))
    assert [(row["id"], row["rework"]) for row in page.rows] == [(appeal_id, "Нет срока устранения")]
    appeals.perform(session, actor=staff, appeal_id=appeal_id, action="give_answer", now=T0 + hours(5), text=ANSWER_TEXT)
    page = fetch_queue_page(session, QueueFilter(organization_id=r.o_uk), now=T0 + hours(6))
    assert page.rows[0]["rework"] == ""  # answered again: nothing owed


def test_the_card_offers_one_extension_to_the_executing_organisation(session, region):
    r = region
    staff = r.staff[r.o_uk]
    appeal_id = in_work(session, r)
    assert "extend" in {a["action"] for a in card_actions(fresh_appeal(session, appeal_id), staff)}
    assert "extend" not in {a["action"] for a in card_actions(fresh_appeal(session, appeal_id), r.staff[r.o_heat])}
    with pytest.raises(ValidationFailed, match="рабочих дней"):
        perform_from_form(session, actor=staff, appeal_id=appeal_id, form={"action": "extend", "days": "99",
                                                                           "comment": "Закупка материалов"})
    with pytest.raises(ValidationFailed, match="причину"):
        perform_from_form(session, actor=staff, appeal_id=appeal_id, form={"action": "extend", "days": "5"})
    with pytest.raises(PermissionDenied):
        perform_from_form(session, actor=r.staff[r.o_heat], appeal_id=appeal_id,
                          form={"action": "extend", "days": "5", "comment": "Закупка материалов"})
    old = fresh_appeal(session, appeal_id).deadline_at
    perform_from_form(session, actor=staff, appeal_id=appeal_id, form={"action": "extend", "days": "5",
                                                                       "comment": "Закупка материалов"})
    appeal = fresh_appeal(session, appeal_id)
    assert appeal.extended and appeal.deadline_at > old
    assert "extend" not in {a["action"] for a in card_actions(appeal, staff)}
    with pytest.raises(IllegalTransition, match="один раз"):
        perform_from_form(session, actor=staff, appeal_id=appeal_id, form={"action": "extend", "days": "5",
                                                                           "comment": "Ещё раз"})


# --- forged events at the state-handler level ---

def acting_as(monkeypatch, actor):
    async def _actor(self):
        return actor
    monkeypatch.setattr(AppState, "_actor", _actor)


def run(coroutine):
    return asyncio.run(coroutine)


def test_forged_template_events_touch_only_the_own_organisations_templates(session, region, monkeypatch):
    r = region
    uk = r.staff[r.o_uk]
    own = templates.save_template(session, actor=uk, title="Уборка выполнена", text=TEXT, category_id=None)
    before = all_templates(session)
    state = TemplatesState()
    for actor in (None, r.citizen, r.coordinator, r.staff[r.o_heat]):
        acting_as(monkeypatch, actor)
        if actor is not r.staff[r.o_heat]:  # a new template: only organisation staff, for their own organisation
            run(state.save({"title": "Подмена", "text": TEXT, "category": "any"}))
            assert state.error != ""
        state.editing_id = own.id  # a forged edit of another organisation's template
        run(state.save({"title": "Подмена", "text": TEXT, "category": "any"}))
        assert state.error != ""
        run(state.delete(own.id))
        state.editing_id = 0
        assert state.error != ""
        assert all_templates(session) == before
    acting_as(monkeypatch, uk)
    run(state.on_load())
    assert [row["title"] for row in state.rows] == ["Уборка выполнена"]
    run(state.save({"title": "Второй шаблон", "text": TEXT, "category": str(r.c_yard)}))
    assert state.error == "" and len(state.rows) == 2
    run(state.save({"title": "Плохой", "text": "коротко", "category": "any"}))
    assert "не меньше" in state.error and len(state.rows) == 2


def test_the_card_picker_offers_nothing_for_another_organisations_appeal(session, region, monkeypatch):
    r = region
    appeal_id = in_work(session, r)
    templates.save_template(session, actor=r.staff[r.o_uk], title="Уборка", text=TEXT, category_id=None)
    templates.save_template(session, actor=r.staff[r.o_heat], title="Тепло", text=TEXT, category_id=None)
    state = CardTemplatesState()
    monkeypatch.setattr(CardTemplatesState, "router", type("R", (), {"page": type("P", (), {
        "params": {"appeal_id": str(appeal_id)}})()})(), raising=False)
    for actor, expected in ((r.staff[r.o_heat], []), (r.coordinator, []), (None, []), (r.citizen, []),
                            (r.staff[r.o_uk], ["Уборка"])):
        acting_as(monkeypatch, actor)
        run(state.load())
        assert [t["title"] for t in state.templates] == expected
    assert state.pick("999") is None
    assert session.exec(select(func.count()).select_from(AnswerTemplate)).one() == 2
    assert snapshot(session, appeal_id)["appeal"]["status"] == "in_work"
