"""Administration services: validation with Russian messages, an audit row written with every
change (and none with a refusal), sessions ended on deactivation, password reset and role change,
and every call refused to every role but the administrator's."""

import pytest
from sqlmodel import select

from pos_dashboard.analytics.appeal_form import category_choices
from pos_dashboard.domain.audit import AdminAudit
from pos_dashboard.domain.enums import Role
from pos_dashboard.domain.models import Category, Organization, RoutingRule, User
from pos_dashboard.services import admin_directories as dirs
from pos_dashboard.services import admin_routing, admin_users, auth, sessions
from pos_dashboard.services.actors import Actor
from pos_dashboard.services.errors import NotFound, PermissionDenied, ValidationFailed

from .admin_helpers import CHEAP_HASHER, world
from .factories import T0, build_region, hours, submit

PASSWORD = "пароль-для-теста"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    monkeypatch.setattr(auth, "_hasher", CHEAP_HASHER)
    monkeypatch.setattr(auth, "_dummy_hash", None)


@pytest.fixture()
def region(session):
    return build_region(session)


def audit_rows(session) -> list[AdminAudit]:
    session.expire_all()
    return list(session.exec(select(AdminAudit).order_by(AdminAudit.id)).all())


def log_in(session, login, password=PASSWORD, now=T0):
    token = auth.log_in(session, login=login, password=password, now=now)
    session.commit()
    return token


def works(session, token, now=T0) -> bool:
    session.expire_all()
    ok = sessions.resolve(session, token, now=now, touch=False) is not None
    session.commit()
    return ok


def calls(r):
    """One call of every administrator's service, with valid arguments."""
    return [
        lambda s, a: admin_users.create(s, actor=a, login="new.user", full_name="Новый", role="coordinator",
                                        password=PASSWORD),
        lambda s, a: admin_users.deactivate(s, actor=a, user_id=r.citizen.user_id),
        lambda s, a: admin_users.activate(s, actor=a, user_id=r.citizen.user_id),
        lambda s, a: admin_users.reset_password(s, actor=a, user_id=r.citizen.user_id),
        lambda s, a: admin_users.change_role(s, actor=a, user_id=r.citizen.user_id, role="coordinator"),
        lambda s, a: dirs.create_organization(s, actor=a, name="Новая организация", org_type="other"),
        lambda s, a: dirs.update_organization(s, actor=a, organization_id=r.o_heat, name="Теплосеть", org_type="utility"),
        lambda s, a: dirs.set_organization_active(s, actor=a, organization_id=r.o_ministry, active=False),
        lambda s, a: dirs.create_category(s, actor=a, name="Новая", deadline_days=5),
        lambda s, a: dirs.update_category(s, actor=a, category_id=r.c_misc, name="Иное", parent_id=r.c_other,
                                          deadline_days=7, deadline_kind="working", expedited=True,
                                          evidence_required=False),
        lambda s, a: dirs.set_category_active(s, actor=a, category_id=r.c_misc, active=False),
        lambda s, a: dirs.delete_category(s, actor=a, category_id=r.c_misc),
        lambda s, a: admin_routing.create_rule(s, actor=a, category_id=r.c_misc, territory_id=None,
                                               organization_id=r.o_uk),
        lambda s, a: admin_routing.delete_rule(s, actor=a, rule_id=1),
    ]


def test_every_service_refuses_every_role_but_the_administrator(session, region):
    r = region
    forged = [None, r.citizen, r.coordinator, r.official, r.staff[r.o_uk], r.system,
              Actor(user_id=None, role=Role.ADMIN), "admin"]
    before = world(session)
    for call in calls(r):
        for actor in forged:
            with pytest.raises(PermissionDenied, match="только администратор"):
                call(session, actor)
            assert world(session) == before


def test_a_user_is_created_with_a_generated_password_shown_once_and_audited(session, region):
    r = region
    user_id, generated = admin_users.create(session, actor=r.admin, login=" Kuznetsov ", full_name=" Кузнецов  Пётр ",
                                            role="org_staff", organization=f"{r.o_uk} — УК «Северный дом»",
                                            email="k@example.ru", now=T0)
    user = session.get(User, user_id)
    assert (user.login, user.full_name, user.role, user.organization_id) == ("kuznetsov", "Кузнецов Пётр",
                                                                              Role.ORG_STAFF, r.o_uk)
    assert len(generated) == admin_users.GENERATED_LENGTH and generated not in (user.password_hash or "")
    assert works(session, log_in(session, "kuznetsov", generated))
    [entry] = audit_rows(session)
    assert (entry.kind, entry.object_type, entry.object_id, entry.object_label, entry.actor_id, entry.at) == (
        "user_create", "user", user_id, "kuznetsov", r.admin.user_id, T0)
    assert "Роль: — → Сотрудник организации" in entry.summary and f"№{r.o_uk} УК «Северный дом»" in entry.summary
    assert generated not in entry.summary and "пароль создан автоматически" in entry.summary
    _, given = admin_users.create(session, actor=r.admin, login="second", full_name="Второй", role="citizen",
                                  password=PASSWORD)
    assert given == "" and works(session, log_in(session, "second"))


@pytest.mark.parametrize("fields, message", [
    (dict(login="Иван"), "Логин: латинские"),
    (dict(login="admin"), "Логин «admin» уже занят"),
    (dict(full_name="  "), "Укажите имя"),
    (dict(role="system"), "Неизвестная роль"),
    (dict(role="org_staff"), "нужна организация"),
    (dict(role="org_staff", organization="999999"), "Организация №999999 не найдена"),
    (dict(role="org_staff", organization="99999999999"), "не найдена"),
    (dict(role="coordinator", organization="1"), "не привязывается к организации"),
    (dict(password="short"), "не короче 8"),
    (dict(email="not-an-address"), "почты указан неверно"),
])
def test_user_creation_is_validated_in_russian_and_writes_nothing(session, region, fields, message):
    before = world(session)
    arguments = dict(login="fresh", full_name="Свежий", role="citizen", password=PASSWORD) | fields
    with pytest.raises(ValidationFailed, match=message):
        admin_users.create(session, actor=region.admin, **arguments)
    assert world(session) == before


def test_staff_of_a_switched_off_organisation_cannot_be_created(session, region):
    r = region
    closed = dirs.create_organization(session, actor=r.admin, name="Закрытая", org_type="other")
    dirs.set_organization_active(session, actor=r.admin, organization_id=closed, active=False)
    with pytest.raises(ValidationFailed, match="отключена: выберите действующую"):
        admin_users.create(session, actor=r.admin, login="late", full_name="Поздний", role="org_staff",
                           organization=str(closed), password=PASSWORD)


def _with_password(session, actor: Actor) -> str:
    user = session.get(User, actor.user_id)
    user.password_hash = auth.hash_password(PASSWORD)
    session.commit()
    return user.login


def test_deactivation_ends_every_session_and_is_audited(session, region):
    r = region
    login = _with_password(session, r.coordinator)
    tokens = [log_in(session, login), log_in(session, login)]
    assert all(works(session, t) for t in tokens)
    ended = admin_users.deactivate(session, actor=r.admin, user_id=r.coordinator.user_id, now=T0 + hours(1))
    assert ended == 2 and not any(works(session, t, now=T0 + hours(1)) for t in tokens)
    with pytest.raises(auth.PermissionDenied):
        log_in(session, login)
    entry = audit_rows(session)[-1]
    assert (entry.kind, entry.summary) == ("user_deactivate", "Действует: да → нет; завершено сеансов: 2")
    with pytest.raises(ValidationFailed, match="уже отключена"):
        admin_users.deactivate(session, actor=r.admin, user_id=r.coordinator.user_id)
    admin_users.activate(session, actor=r.admin, user_id=r.coordinator.user_id)
    assert works(session, log_in(session, login))
    assert [e.kind for e in audit_rows(session)] == ["user_deactivate", "user_activate"]


def test_the_administrator_cannot_lock_themselves_out(session, region):
    r = region
    before = world(session)
    for call in (lambda: admin_users.deactivate(session, actor=r.admin, user_id=r.admin.user_id),
                 lambda: admin_users.reset_password(session, actor=r.admin, user_id=r.admin.user_id),
                 lambda: admin_users.change_role(session, actor=r.admin, user_id=r.admin.user_id, role="citizen")):
        with pytest.raises(ValidationFailed, match="собственной учётной записи"):
            call()
    for bad_id in (0, -1, 2**40, "1", None, True):
        with pytest.raises(NotFound, match="Учётная запись не найдена"):
            admin_users.deactivate(session, actor=r.admin, user_id=bad_id)
    assert world(session) == before


def test_a_password_reset_ends_sessions_and_only_the_new_password_works(session, region):
    r = region
    login = _with_password(session, r.official)
    token = log_in(session, login)
    generated, ended = admin_users.reset_password(session, actor=r.admin, user_id=r.official.user_id, now=T0)
    assert ended == 1 and not works(session, token) and len(generated) == admin_users.GENERATED_LENGTH
    with pytest.raises(auth.PermissionDenied):
        log_in(session, login, PASSWORD)
    assert works(session, log_in(session, login, generated))
    chosen, _ = admin_users.reset_password(session, actor=r.admin, user_id=r.official.user_id,
                                           password="новый-пароль-9")
    assert chosen == "" and works(session, log_in(session, login, "новый-пароль-9"))
    entries = [e for e in audit_rows(session) if e.kind == "user_password"]
    assert len(entries) == 2 and not any(generated in e.summary or "новый-пароль-9" in e.summary for e in entries)
    with pytest.raises(ValidationFailed, match="не короче"):
        admin_users.reset_password(session, actor=r.admin, user_id=r.official.user_id, password="1234567")


def test_a_role_change_follows_the_binding_rules_and_ends_sessions(session, region):
    r = region
    login = _with_password(session, r.citizen)
    token = log_in(session, login)
    with pytest.raises(ValidationFailed, match="нужна организация"):
        admin_users.change_role(session, actor=r.admin, user_id=r.citizen.user_id, role="org_staff")
    assert works(session, token)
    admin_users.change_role(session, actor=r.admin, user_id=r.citizen.user_id, role="org_staff",
                            organization=str(r.o_roads))
    user = session.get(User, r.citizen.user_id)
    assert (user.role, user.organization_id) == (Role.ORG_STAFF, r.o_roads) and not works(session, token)
    entry = audit_rows(session)[-1]
    assert entry.summary == ("Роль: Заявитель → Сотрудник организации; Организация: — → "
                             f"№{r.o_roads} Дорожное агентство; завершено сеансов: 1")
    admin_users.change_role(session, actor=r.admin, user_id=r.citizen.user_id, role="coordinator")
    assert session.get(User, r.citizen.user_id).organization_id is None
    with pytest.raises(ValidationFailed, match="не изменились"):
        admin_users.change_role(session, actor=r.admin, user_id=r.citizen.user_id, role="coordinator")


def test_organisations_are_validated_audited_and_switched_off_only_without_rules(session, region):
    r = region
    org_id = dirs.create_organization(session, actor=r.admin, name="  Школа   №5 ", org_type="school",
                                      territory_id=r.t_city, parent_id=r.o_city_admin)
    assert session.get(Organization, org_id).name == "Школа №5"
    for fields, message in [(dict(name="шКОЛА №5"), "уже есть"), (dict(name="Ш"), "не меньше 3"),
                            (dict(name="Ш" * 301), "не больше 300"), (dict(org_type="bank"), "тип организации"),
                            (dict(territory_id=999999), "Территория не найдена"),
                            (dict(parent_id=999999), "Вышестоящая организация не найдена")]:
        with pytest.raises((ValidationFailed, NotFound), match=message):
            dirs.create_organization(session, actor=r.admin, **(dict(name="Другая", org_type="school") | fields))
    with pytest.raises(ValidationFailed, match="сама в себя"):  # a cycle through its own child
        dirs.update_organization(session, actor=r.admin, organization_id=r.o_city_admin, name="Администрация",
                                 org_type="municipal_admin", parent_id=org_id)
    dirs.update_organization(session, actor=r.admin, organization_id=org_id, name="Школа №5 им. Пушкина",
                             org_type="school", territory_id=r.t_city, parent_id=r.o_city_admin)
    with pytest.raises(ValidationFailed, match="правила маршрутизации \\(1\\)"):
        dirs.set_organization_active(session, actor=r.admin, organization_id=r.o_heat, active=False)
    dirs.set_organization_active(session, actor=r.admin, organization_id=org_id, active=False)
    assert [(e.kind, e.summary) for e in audit_rows(session)] == [
        ("org_create", "Название: — → Школа №5; Тип: — → Школа; Территория: — → Городской округ Северный; "
                       f"Вышестоящая: — → №{r.o_city_admin} Администрация городского округа Северный"),
        ("org_update", "Название: Школа №5 → Школа №5 им. Пушкина"),
        ("org_deactivate", "Действует: да → нет"),
    ]


def test_the_category_tree_refuses_cycles_and_deleting_used_categories(session, region):
    r = region
    with pytest.raises(ValidationFailed, match="сама в себя"):
        dirs.update_category(session, actor=r.admin, category_id=r.c_housing, name="ЖКХ", parent_id=r.c_yard,
                             deadline_days=30, deadline_kind="working", expedited=False, evidence_required=False)
    for fields, message in [(dict(deadline_days=0), "от 1 до 365"), (dict(deadline_days=366), "от 1 до 365"),
                            (dict(deadline_days="5"), "от 1 до 365"), (dict(deadline_kind="lunar"), "рабочих или"),
                            (dict(name="Отопление", parent_id=r.c_housing), "уже есть на этом уровне"),
                            (dict(parent_id=999999), "Родительская категория не найдена")]:
        with pytest.raises((ValidationFailed, NotFound), match=message):
            dirs.create_category(session, actor=r.admin, **(dict(name="Новая") | fields))
    submit(session, r, category_id=r.c_yard)
    for category_id, message in [(r.c_yard, "есть обращения"), (r.c_housing, "есть подкатегории"),
                                 (r.c_heating, "правила маршрутизации")]:
        with pytest.raises(ValidationFailed, match=message + ": удалить её нельзя, отключите её"):
            dirs.delete_category(session, actor=r.admin, category_id=category_id)
    new_id = dirs.create_category(session, actor=r.admin, name="Снег", parent_id=r.c_other, deadline_days=3,
                                  deadline_kind="calendar", expedited=True)
    dirs.update_category(session, actor=r.admin, category_id=new_id, name="Снег и наледь", parent_id=r.c_other,
                         deadline_days=2, deadline_kind="calendar", expedited=True, evidence_required=True)
    dirs.delete_category(session, actor=r.admin, category_id=new_id)
    assert session.get(Category, new_id) is None
    assert [(e.kind, e.summary) for e in audit_rows(session)] == [
        ("category_create", "Название: — → Снег; Родитель: — → Прочее; Срок: — → 3 календарных дня; "
                            "Срочная: — → да; Нужно фото результата: — → нет"),
        ("category_update", "Название: Снег → Снег и наледь; Срок: 3 календарных дня → 2 календарных дня; "
                            "Нужно фото результата: нет → да"),
        ("category_delete", ""),
    ]


def test_a_switched_off_category_is_not_offered_to_citizens_and_refused_on_submit(session, region):
    r = region
    offered = {int(c["value"]) for c in category_choices(session, actor=r.citizen)}
    assert r.c_yard in offered
    dirs.set_category_active(session, actor=r.admin, category_id=r.c_yard, active=False)
    assert r.c_yard not in {int(c["value"]) for c in category_choices(session, actor=r.citizen)}
    with pytest.raises(ValidationFailed, match="Выберите категорию"):
        submit(session, r, category_id=r.c_yard)
    with pytest.raises(ValidationFailed, match="Категория «Уборка придомовой территории» отключена"):
        admin_routing.create_rule(session, actor=r.admin, category_id=r.c_yard, territory_id=r.t_rural,
                                  organization_id=r.o_uk)


def test_routing_rules_need_existing_active_targets_one_per_place(session, region):
    r = region
    rule_id = admin_routing.create_rule(session, actor=r.admin, category_id=r.c_misc, territory_id=r.t_rural,
                                        organization_id=r.o_rural_admin)
    for fields, message in [(dict(), "правило уже есть"), (dict(category_id=999999), "Категория не найдена"),
                            (dict(territory_id=999999), "Территория не найдена"),
                            (dict(organization_id=0), "Организация не найдена")]:
        with pytest.raises((ValidationFailed, NotFound), match=message):
            admin_routing.create_rule(session, actor=r.admin, **(dict(
                category_id=r.c_misc, territory_id=r.t_rural, organization_id=r.o_uk) | fields))
    dirs.create_organization(session, actor=r.admin, name="Закрытая", org_type="other")
    closed = session.exec(select(Organization.id).where(Organization.name == "Закрытая")).one()
    dirs.set_organization_active(session, actor=r.admin, organization_id=closed, active=False)
    with pytest.raises(ValidationFailed, match="«Закрытая» отключена"):
        admin_routing.update_rule(session, actor=r.admin, rule_id=rule_id, category_id=r.c_misc,
                                  territory_id=r.t_rural, organization_id=closed)
    admin_routing.update_rule(session, actor=r.admin, rule_id=rule_id, category_id=r.c_misc, territory_id=None,
                              organization_id=r.o_ministry)
    assert (session.get(RoutingRule, rule_id).territory_id, session.get(RoutingRule, rule_id).organization_id) == (
        None, r.o_ministry)
    admin_routing.delete_rule(session, actor=r.admin, rule_id=rule_id)
    assert session.get(RoutingRule, rule_id) is None
    kinds = [(e.kind, e.object_label, e.summary) for e in audit_rows(session) if e.object_type == "routing_rule"]
    assert kinds == [
        ("routing_create", "Иное · Заречный муниципальный район",
         f"Организация: — → №{r.o_rural_admin} Администрация Заречного района"),
        ("routing_update", "Иное · весь регион",
         f"Территория: Заречный муниципальный район → весь регион; Организация: №{r.o_rural_admin} "
         f"Администрация Заречного района → №{r.o_ministry} Министерство ЖКХ"),
        ("routing_delete", "Иное · весь регион",
         f"Категория: Иное → —; Территория: весь регион → —; Организация: №{r.o_ministry} Министерство ЖКХ → —"),
    ]
