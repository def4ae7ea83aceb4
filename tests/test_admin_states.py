"""The administration pages' handlers as forged websocket events reach them: anonymous, citizen,
organisation staff, coordinator and official change nothing and see nothing; the administrator's
same events do what the page offers."""

import asyncio

import pytest
from sqlmodel import select

from pos_dashboard.domain.audit import AdminAudit
from pos_dashboard.domain.models import Category, Organization, RoutingRule, User
from pos_dashboard.services import auth
from pos_dashboard.states.admin_audit import AdminAuditState
from pos_dashboard.states.admin_categories import AdminCategoriesState
from pos_dashboard.states.admin_orgs import AdminOrgsState
from pos_dashboard.states.admin_routing import AdminRoutingState
from pos_dashboard.states.admin_users import AdminUsersState
from pos_dashboard.states.base import AppState

from .admin_helpers import CHEAP_HASHER, world
from .factories import build_region


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    monkeypatch.setattr(auth, "_hasher", CHEAP_HASHER)
    monkeypatch.setattr(auth, "_dummy_hash", None)


@pytest.fixture()
def region(engine, session, monkeypatch):
    monkeypatch.setenv("REFLEX_DB_URL", engine.url.render_as_string(hide_password=False))
    return build_region(session)


def acting_as(monkeypatch, actor):
    async def _actor(self):
        return actor
    monkeypatch.setattr(AppState, "_actor", _actor)


def run(coroutine):
    return asyncio.run(coroutine)


NEW_USER = {"login": "forged", "full_name": "Подделка", "role": "admin", "organization": "", "email": "",
            "password": "пароль-подделки"}


def forge_everything(r) -> list:
    """Every mutating event of every administration page, with arguments a page could send."""
    users, orgs, categories, rules = AdminUsersState(), AdminOrgsState(), AdminCategoriesState(), AdminRoutingState()
    users.selected = {"id": r.coordinator.user_id, "login": "cur_sidorov", "full_name": "", "role": "coordinator",
                      "role_label": "", "organization": "", "email": "", "active": True}
    return [
        (users, lambda: users.create(NEW_USER)),
        (users, lambda: users.deactivate(r.coordinator.user_id)),
        (users, lambda: users.activate(r.coordinator.user_id)),
        (users, lambda: users.reset_password({"password": "новый-пароль-1"})),
        (users, lambda: users.change_role({"role": "admin", "organization": ""})),
        (orgs, lambda: orgs.save({"name": "Подставная", "org_type": "other", "territory": "none", "parent": ""})),
        (orgs, lambda: orgs.set_active(r.o_ministry, False)),
        (categories, lambda: categories.save({"name": "Подставная", "parent": "none", "deadline_days": "3",
                                              "deadline_kind": "working"})),
        (categories, lambda: categories.set_active(r.c_misc, False)),
        (categories, lambda: categories.delete(r.c_misc)),
        (rules, lambda: rules.save({"category": str(r.c_misc), "territory": "none", "organization": str(r.o_uk)})),
        (rules, lambda: rules.delete(1)),
    ]


def test_forged_administration_events_change_nothing(session, region, monkeypatch):
    r = region
    before = world(session)
    for actor in (None, r.citizen, r.staff[r.o_uk], r.coordinator, r.official):
        acting_as(monkeypatch, actor)
        for state, event in forge_everything(r):
            run(event())
            assert state.error != "" and getattr(state, "notice", "") == "", (actor, state)
        assert world(session) == before
        users = AdminUsersState()
        run(users.search("cur"))
        run(users.find_orgs("УК"))
        assert users.rows == [] and users.org_choices == [] and users.total == 0
        audit = AdminAuditState()
        assert run(audit.on_load()) is not None  # sent to the log-in page or the user's home
        run(audit.apply({"who": "", "kind": "all", "since": "", "until": "", "object_type": "all", "object_id": ""}))
        assert audit.rows == [] and audit.error != ""
    for page in (AdminUsersState(), AdminOrgsState(), AdminCategoriesState(), AdminRoutingState(), AdminAuditState()):
        acting_as(monkeypatch, r.coordinator)
        assert run(page.on_load()) is not None and getattr(page, "rows") == []


def test_the_administrator_uses_the_pages(session, region, monkeypatch):
    r = region
    acting_as(monkeypatch, r.admin)
    users = AdminUsersState()
    assert run(users.on_load()) is None and users.total == 12
    run(users.create({"login": "newbie", "full_name": "Новичок", "role": "org_staff",
                      "organization": "999999", "email": "", "password": ""}))
    assert users.error == "Организация №999999 не найдена" and users.new_password == ""
    run(users.find_orgs("северный дом"))
    assert users.org_choices == [f"{r.o_uk} — УК «Северный дом»"]
    run(users.create({"login": "newbie", "full_name": "Новичок", "role": "org_staff",
                      "organization": users.org_choices[0], "email": "", "password": ""}))
    assert users.error == "" and users.notice == "Учётная запись «newbie» создана"
    assert len(users.new_password) == 14 and users.new_password_for == "newbie"
    assert auth.log_in(session, login="newbie", password=users.new_password)
    session.commit()
    run(users.search("newb"))
    assert [row["login"] for row in users.rows] == ["newbie"]
    newbie = users.rows[0]["id"]
    users.select(newbie)
    run(users.deactivate(newbie))
    assert users.notice.startswith("Учётная запись отключена") and users.selected["active"] is False
    orgs = AdminOrgsState()
    run(orgs.on_load())
    run(orgs.save({"name": "Школа №7", "org_type": "school", "territory": str(r.t_city), "parent": "УК «Северный дом»"}))
    assert orgs.error == "" and orgs.notice == "Организация сохранена"
    created = session.exec(select(Organization).where(Organization.name == "Школа №7")).one()
    assert (created.territory_id, created.parent_id) == (r.t_city, r.o_uk)
    run(orgs.save({"name": "Ш", "org_type": "school", "territory": "none", "parent": ""}))
    assert orgs.error == "Название: не меньше 3 символов"
    categories = AdminCategoriesState()
    run(categories.on_load())
    run(categories.save({"name": "Снег", "parent": str(r.c_other), "deadline_days": "пять", "deadline_kind": "working"}))
    assert categories.error.startswith("Срок рассмотрения — целое число")
    run(categories.save({"name": "Снег", "parent": str(r.c_other), "deadline_days": "5", "deadline_kind": "calendar",
                         "expedited": "on"}))
    snow = session.exec(select(Category).where(Category.name == "Снег")).one()
    assert (snow.parent_id, snow.deadline_days, snow.deadline_kind, snow.expedited) == (r.c_other, 5, "calendar", True)
    rules = AdminRoutingState()
    run(rules.on_load())
    run(rules.save({"category": str(snow.id), "territory": "none", "organization": str(created.id)}))
    assert rules.error == "" and session.exec(select(RoutingRule).where(RoutingRule.category_id == snow.id)).one()
    audit = AdminAuditState()
    run(audit.on_load())
    assert [row["what"] for row in audit.rows] == ["Правило маршрутизации добавлено", "Категория добавлена",
                                                   "Организация добавлена", "Учётная запись отключена",
                                                   "Учётная запись создана"]
    assert audit.total == 5 and not audit.has_older
    run(audit.apply({"who": "", "kind": "all", "since": "2025-13-01", "until": "", "object_type": "all",
                     "object_id": ""}))
    assert audit.error == "Начало периода: дата вида ДД.ММ.ГГГГ" and audit.values["since"] == "2025-13-01"
    run(audit.apply({"who": "admin", "kind": "user_create", "since": "", "until": "", "object_type": "user",
                     "object_id": str(newbie)}))
    assert [row["what"] for row in audit.rows] == ["Учётная запись создана"] and audit.error == ""
    assert session.exec(select(User.is_active).where(User.id == newbie)).one() is False
    assert len(session.exec(select(AdminAudit.id)).all()) == 5
