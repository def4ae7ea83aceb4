"""Shared by the administration tests: cheap password hashing and a picture of everything the
administrators' services could change (to prove a refusal changed nothing)."""

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlmodel import Session, select

from pos_dashboard.domain.audit import AdminAudit
from pos_dashboard.domain.models import Category, Organization, RoutingRule, User
from pos_dashboard.domain.security import UserSession

# The production cost (~0.1 s a hash) would make these files slow; the rules do not depend on it.
CHEAP_HASHER = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))


def world(session: Session) -> dict:
    session.expire_all()

    def rows(table, *columns):
        return sorted(tuple(r) for r in session.exec(select(*columns)).all())

    return {
        "users": rows(User, User.id, User.login, User.role, User.organization_id, User.is_active, User.password_hash,
                      User.full_name),
        "orgs": rows(Organization, Organization.id, Organization.name, Organization.org_type,
                     Organization.territory_id, Organization.parent_id, Organization.is_active),
        "categories": rows(Category, Category.id, Category.name, Category.parent_id, Category.deadline_days,
                           Category.deadline_kind, Category.expedited, Category.evidence_required, Category.is_active),
        "rules": rows(RoutingRule, RoutingRule.id, RoutingRule.category_id, RoutingRule.territory_id,
                      RoutingRule.organization_id),
        "audit": rows(AdminAudit, AdminAudit.id),
        "sessions": rows(UserSession, UserSession.id, UserSession.revoked_at),
    }
