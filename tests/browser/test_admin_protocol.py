"""Over Reflex's real websocket protocol (rxprobe, as a hostile client would speak it): the
administration handlers refuse every role but the administrator's and a tab without a session, and
«Следить» refuses staff and forged ids — whatever the events carry, nothing changes in the database."""

import asyncio
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from pos_dashboard.db import make_engine
from pos_dashboard.domain.audit import AdminAudit
from pos_dashboard.domain.following import AppealFollower
from pos_dashboard.domain.models import Appeal, Category, Organization, RoutingRule, User

RXPROBE = Path(__file__).resolve().parents[3] / "shared" / "tools" / "rxprobe"
if not (RXPROBE / "rxprobe.py").exists():
    pytest.skip(f"rxprobe is not at {RXPROBE}", allow_module_level=True)
sys.path.insert(0, str(RXPROBE))
from rxprobe import ReflexClient  # noqa: E402


def _snapshot(engine) -> tuple:
    with Session(engine) as s:
        return (
            s.exec(select(User.id, User.login, User.role, User.is_active, User.password_hash).order_by(User.id)).all(),
            s.exec(select(Organization.id, Organization.is_active).order_by(Organization.id)).all(),
            s.exec(select(Category.id, Category.is_active).order_by(Category.id)).all(),
            s.exec(select(func.count()).select_from(RoutingRule)).one(),
            s.exec(select(func.count()).select_from(AdminAudit)).one(),
            s.exec(select(AppealFollower.appeal_id, AppealFollower.user_id)).all(),
        )


def test_forged_admin_and_follow_events_change_nothing(app_url, demo_db):
    engine = make_engine(demo_db)
    with Session(engine) as s:
        admin = s.exec(select(User.id).where(User.login == "admin")).one()
        citizen = s.exec(select(User.id).where(User.login == "citizen")).one()
        organization = s.exec(select(Organization.id)).first()
        leaf = s.exec(select(Category.id).where(Category.parent_id.is_not(None))).first()
        rule = s.exec(select(RoutingRule.id)).first()
        own = s.exec(select(Appeal.id).where(Appeal.citizen_id == citizen)).first()
        other = s.exec(select(Appeal.id).where(Appeal.citizen_id != citizen, Appeal.status == "in_work")).first()
    before = _snapshot(engine)
    admin_events = [
        ("AdminUsersState.create", {"form": {"login": "intruder", "full_name": "Взломщик", "role": "admin",
                                             "password": "password123"}}),
        ("AdminUsersState.deactivate", {"user_id": admin}),
        ("AdminUsersState.reset_password", {"form": {"user_id": admin, "password": "password123"}}),
        ("AdminOrgsState.set_active", {"organization_id": organization, "active": False}),
        ("AdminCategoriesState.set_active", {"category_id": leaf, "active": False}),
        ("AdminCategoriesState.delete", {"category_id": leaf}),
        ("AdminRoutingState.delete", {"rule_id": rule}),
    ]

    async def scenario(login: str | None):
        client = ReflexClient(app_url, timeout=30)
        try:
            await client.hydrate("/login")
            if login:
                reply = await client.send("LoginState.submit", {"form": {"login": login, "password": "demo12345"}},
                                          wait="barrier", timeout=60)
                assert not reply.backend_error
                client.local_storage["pos_token"] = client.var("AppState.auth_token")
            await client.hydrate("/admin/users")
            for event, payload in admin_events:
                reply = await client.send(event, payload, wait="barrier")
                assert not reply.backend_error, (login, event)
            follows = [0, -1, 10 ** 30, "1", None, own] if login == "citizen" else [other]
            for appeal_id in follows:
                reply = await client.send("FollowState.follow", {"appeal_id": appeal_id}, wait="barrier")
                assert not reply.backend_error, (login, appeal_id)
                assert client.var("FollowState.error"), (login, appeal_id)
        finally:
            await client.close()

    with ThreadPoolExecutor(1) as pool:
        for login in (None, "citizen", "org", "coordinator", "official"):
            pool.submit(asyncio.run, scenario(login)).result()
    assert _snapshot(engine) == before

    async def control():  # the same events do reach the handlers: the administrator's change lands
        client = ReflexClient(app_url, timeout=30)
        try:
            await client.hydrate("/login")
            await client.send("LoginState.submit", {"form": {"login": "admin", "password": "demo12345"}},
                              wait="barrier", timeout=60)
            client.local_storage["pos_token"] = client.var("AppState.auth_token")
            await client.hydrate("/admin/categories")
            for active in (False, True):
                await client.send("AdminCategoriesState.set_active", {"category_id": leaf, "active": active},
                                  wait="barrier")
                with Session(engine) as s:
                    assert s.get(Category, leaf).is_active is active
        finally:
            await client.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, control()).result()
    engine.dispose()
