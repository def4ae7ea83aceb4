"""What the administration pages list (/admin/…): one page of accounts, organisations, categories
or routing rules at a time, searched and counted in the database, and the choices their forms offer.
Every function refuses anyone but an administrator (services/audit.require_admin)."""

from typing import TypedDict

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from ..domain.deadlines import rule_text
from ..domain.enums import ORG_TYPE_LABELS, ROLE_LABELS, OrgType, Role
from ..domain.limits import SEARCH_MAX
from ..domain.models import Category, Organization, RoutingRule, Territory, User
from ..services.accounts import ASSIGNABLE_ROLES
from ..services.actors import Actor
from ..services.audit import require_admin

PAGE_SIZE = 25
ORG_CHOICES_MAX = 20


class UserRow(TypedDict):
    id: int
    login: str
    full_name: str
    role: str
    role_label: str
    organization: str  # «№12 — УК …» as the organisation field takes it, or ""
    email: str
    active: bool


class OrgRow(TypedDict):
    id: int
    name: str
    org_type: str
    type_label: str
    territory_id: str
    territory: str
    parent: str  # «№3 — …» or ""
    active: bool


class CategoryRow(TypedDict):
    id: int
    name: str
    path: str
    parent_id: str
    deadline_days: int
    deadline_kind: str
    rule: str
    expedited: bool
    evidence_required: bool
    active: bool


class RuleRow(TypedDict):
    id: int
    category_id: str
    category: str
    territory_id: str
    territory: str
    organization: str  # «№12 — …»
    organization_active: bool


def _pattern(query: str) -> str | None:
    words = (query or "")[:SEARCH_MAX].strip().lower().replace("ё", "е") if isinstance(query, str) else ""
    return "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" if words else None


def _folded(column):
    return func.replace(func.lower(column), "ё", "е")


def _page(session: Session, query, order, page: int, page_size: int) -> tuple[list, int]:
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    page = max(0, min(int(page) if isinstance(page, int) else 0, max(0, -(-total // page_size) - 1)))
    return session.execute(query.order_by(*order).offset(page * page_size).limit(page_size)).all(), total


def picked(org_id: int | None, name: str | None) -> str:
    """How the organisation fields write a chosen organisation (services.accounts.find_organization reads it)."""
    return f"{org_id} — {name}" if org_id and name else ""


def users_page(session: Session, *, actor: Actor, query: str = "", role: str = "", page: int = 0,
               page_size: int = PAGE_SIZE) -> tuple[list[UserRow], int]:
    require_admin(actor)
    stmt = select(User, Organization.name).join(Organization, Organization.id == User.organization_id, isouter=True)
    if pattern := _pattern(query):
        stmt = stmt.where(or_(User.login.like(pattern, escape="\\"),
                              _folded(User.full_name).like(pattern, escape="\\")))
    if role in {str(r) for r in ASSIGNABLE_ROLES}:
        stmt = stmt.where(User.role == role)
    rows, total = _page(session, stmt, (User.login,), page, page_size)
    return [UserRow(id=u.id, login=u.login, full_name=u.full_name, role=str(u.role),
                    role_label=ROLE_LABELS.get(Role(u.role), str(u.role)), organization=picked(u.organization_id, org),
                    email=u.email or "", active=bool(u.is_active)) for u, org in rows], total


def organizations_page(session: Session, *, actor: Actor, query: str = "", page: int = 0,
                       page_size: int = PAGE_SIZE) -> tuple[list[OrgRow], int]:
    require_admin(actor)
    parent = aliased(Organization)
    stmt = (select(Organization, Territory.name, parent.name)
            .join(Territory, Territory.id == Organization.territory_id, isouter=True)
            .join(parent, parent.id == Organization.parent_id, isouter=True))
    if pattern := _pattern(query):
        number = query.strip()
        stmt = stmt.where(or_(_folded(Organization.name).like(pattern, escape="\\"),
                              Organization.id == (int(number) if number.isdecimal() and len(number) < 10 else -1)))
    rows, total = _page(session, stmt, (Organization.name, Organization.id), page, page_size)
    return [OrgRow(id=o.id, name=o.name, org_type=str(o.org_type),
                   type_label=ORG_TYPE_LABELS.get(OrgType(o.org_type), str(o.org_type)),
                   territory_id=str(o.territory_id or ""), territory=territory or "",
                   parent=picked(o.parent_id, parent_name), active=bool(o.is_active))
            for o, territory, parent_name in rows], total


def categories_page(session: Session, *, actor: Actor, query: str = "", page: int = 0,
                    page_size: int = PAGE_SIZE) -> tuple[list[CategoryRow], int]:
    require_admin(actor)
    parent = aliased(Category)
    stmt = select(Category, parent.name).join(parent, parent.id == Category.parent_id, isouter=True)
    if pattern := _pattern(query):
        stmt = stmt.where(or_(_folded(Category.name).like(pattern, escape="\\"),
                              _folded(parent.name).like(pattern, escape="\\")))
    # The tree's order: a top category, then its sub-categories (by the top's name, then their own).
    top_name = func.coalesce(parent.name, Category.name)
    rows, total = _page(session, stmt, (top_name, Category.parent_id.is_not(None), Category.name, Category.id),
                        page, page_size)
    return [CategoryRow(id=c.id, name=c.name, path=f"{parent_name} › {c.name}" if parent_name else c.name,
                        parent_id=str(c.parent_id or ""), deadline_days=c.deadline_days,
                        deadline_kind=str(c.deadline_kind), rule=rule_text(c.deadline_days, c.deadline_kind),
                        expedited=bool(c.expedited), evidence_required=bool(c.evidence_required),
                        active=bool(c.is_active))
            for c, parent_name in rows], total


def rules_page(session: Session, *, actor: Actor, query: str = "", page: int = 0,
               page_size: int = PAGE_SIZE) -> tuple[list[RuleRow], int]:
    require_admin(actor)
    stmt = (select(RoutingRule, Category.name, Territory.name, Organization.name, Organization.is_active)
            .join(Category, Category.id == RoutingRule.category_id)
            .join(Organization, Organization.id == RoutingRule.organization_id)
            .join(Territory, Territory.id == RoutingRule.territory_id, isouter=True))
    if pattern := _pattern(query):
        stmt = stmt.where(or_(_folded(Category.name).like(pattern, escape="\\"),
                              _folded(Organization.name).like(pattern, escape="\\"),
                              _folded(Territory.name).like(pattern, escape="\\")))
    rows, total = _page(session, stmt, (Category.name, Territory.name.is_not(None), Territory.name, RoutingRule.id),
                        page, page_size)
    return [RuleRow(id=r.id, category_id=str(r.category_id), category=category, territory_id=str(r.territory_id or ""),
                    territory=territory or "весь регион", organization=picked(r.organization_id, org),
                    organization_active=bool(active))
            for r, category, territory, org, active in rows], total


def organization_choices(session: Session, *, actor: Actor, query: str) -> list[str]:
    """Active organisations whose name holds the words (or with that number), as the fields write them."""
    require_admin(actor)
    pattern = _pattern(query)
    if pattern is None or len(query.strip()) < 2:
        return []
    number = query.strip()
    rows = session.execute(select(Organization.id, Organization.name).where(
        Organization.is_active,
        or_(_folded(Organization.name).like(pattern, escape="\\"),
            Organization.id == (int(number) if number.isdecimal() and len(number) < 10 else -1)))
        .order_by(Organization.name, Organization.id).limit(ORG_CHOICES_MAX)).all()
    return [picked(i, name) for i, name in rows]


def category_choices(session: Session, *, actor: Actor) -> list[dict]:
    """Every category as «Родитель › Название» (the tree is small: hundreds at most)."""
    require_admin(actor)
    parent = aliased(Category)
    rows = session.execute(select(Category.id, Category.name, parent.name, Category.is_active)
                           .join(parent, parent.id == Category.parent_id, isouter=True)).all()
    return sorted(({"value": str(i), "label": (f"{p} › {name}" if p else name) + ("" if active else " (отключена)")}
                   for i, name, p, active in rows), key=lambda c: c["label"].lower())


def territory_choices(session: Session, *, actor: Actor) -> list[dict]:
    require_admin(actor)
    parent = aliased(Territory)
    rows = session.execute(select(Territory.id, Territory.name, parent.name)
                           .join(parent, parent.id == Territory.parent_id, isouter=True)).all()
    return sorted(({"value": str(i), "label": f"{p} › {name}" if p else name} for i, name, p in rows),
                  key=lambda c: c["label"].lower())
