"""Organisations and the category tree kept by an administrator (/admin/organizations,
/admin/categories). Entries are switched off, not deleted, once anything refers to them; a
category is deleted only while no appeal, sub-category, rule or template uses it. Each change
writes its audit row in the same transaction (services/audit.py)."""

from datetime import datetime

from sqlmodel import Session, func, select

from ..domain import limits
from ..domain.answer_templates import AnswerTemplate
from ..domain.deadlines import rule_text
from ..domain.audit import AuditKind, AuditObject
from ..domain.enums import ORG_TYPE_LABELS, DeadlineKind, OrgType
from ..domain.models import Appeal, Category, Organization, RoutingRule, Territory
from .actors import Actor
from . import accounts
from .audit import admin_change, get_row, record, require_admin
from .errors import ValidationFailed
from .text_input import bounded_text

ORG_MISSING = "Организация не найдена"
CATEGORY_MISSING = "Категория не найдена"


def _optional_row(session: Session, table, row_id, missing: str):
    return None if row_id is None else get_row(session, table, row_id, missing)


def _count(session: Session, query) -> int:
    return session.exec(select(func.count()).select_from(query.subquery())).one()


def _check_parent(session: Session, table, node_id: int | None, parent_id: int | None, missing: str, what: str):
    """The parent exists and is not the node itself or one of its descendants (no cycles)."""
    parent = _optional_row(session, table, parent_id, missing)
    seen, current = set(), parent
    while current is not None and current.id not in seen:
        if node_id is not None and current.id == node_id:
            raise ValidationFailed(f"{what} не может входить сама в себя или в свою подчинённую")
        seen.add(current.id)
        current = session.get(table, current.parent_id) if current.parent_id else None
    return parent


# --- organisations ---

def organization_by_reference(session: Session, *, actor: Actor, reference: str) -> int:
    """The id of an organisation typed as a number, an exact name or «№ — name» (the forms' picker)."""
    require_admin(actor)
    return accounts.find_organization(session, reference).id


def _org_fields(session: Session, org_id: int | None, name, org_type, territory_id, parent_id) -> dict:
    name = " ".join(bounded_text(name, limit=limits.ORGANIZATION_NAME_MAX, minimum=3, what="Название").split())
    try:
        kind = OrgType(org_type)
    except ValueError:
        raise ValidationFailed("Выберите тип организации из списка") from None
    _optional_row(session, Territory, territory_id, "Территория не найдена: выберите её из списка")
    parent = _check_parent(session, Organization, org_id, parent_id, "Вышестоящая организация не найдена",
                           "Организация")
    if parent is not None and not parent.is_active:
        raise ValidationFailed(f"Вышестоящая организация «{parent.name}» отключена")
    twin = session.exec(select(Organization.id).where(func.lower(Organization.name) == name.lower(),
                                                      Organization.id != (org_id or 0))).first()
    if twin is not None:
        raise ValidationFailed(f"Организация с названием «{name}» уже есть (№{twin})")
    return {"name": name, "org_type": kind, "territory_id": territory_id, "parent_id": parent_id}


def _org_view(session: Session, values: dict) -> list[tuple[str, object]]:
    territory = session.get(Territory, values["territory_id"]) if values["territory_id"] else None
    parent = session.get(Organization, values["parent_id"]) if values["parent_id"] else None
    return [("Название", values["name"]), ("Тип", ORG_TYPE_LABELS[OrgType(values["org_type"])]),
            ("Территория", territory.name if territory else None),
            ("Вышестоящая", f"№{parent.id} {parent.name}" if parent else None)]


@admin_change
def create_organization(session: Session, *, actor: Actor, name: str, org_type: str, territory_id: int | None = None,
                        parent_id: int | None = None, now: datetime | None = None) -> int:
    values = _org_fields(session, None, name, org_type, territory_id, parent_id)
    org = Organization(**values)
    session.add(org)
    session.flush()
    record(session, actor=actor, kind=AuditKind.ORG_CREATE, object_type=AuditObject.ORGANIZATION, object_id=org.id,
           label=org.name, changes=[(field, None, value) for field, value in _org_view(session, values)], now=now)
    return org.id


@admin_change
def update_organization(session: Session, *, actor: Actor, organization_id: int, name: str, org_type: str,
                        territory_id: int | None = None, parent_id: int | None = None,
                        now: datetime | None = None) -> None:
    org = get_row(session, Organization, organization_id, ORG_MISSING)
    values = _org_fields(session, org.id, name, org_type, territory_id, parent_id)
    before = _org_view(session, {k: getattr(org, k) for k in values})
    after = _org_view(session, values)
    if before == after:
        raise ValidationFailed("Ничего не изменилось")
    for key, value in values.items():
        setattr(org, key, value)
    session.add(org)
    record(session, actor=actor, kind=AuditKind.ORG_UPDATE, object_type=AuditObject.ORGANIZATION, object_id=org.id,
           label=org.name, changes=[(f, b, a) for (f, b), (_, a) in zip(before, after)], now=now)


@admin_change
def set_organization_active(session: Session, *, actor: Actor, organization_id: int, active: bool,
                            now: datetime | None = None) -> None:
    """Switch an organisation off (refused while routing rules lead to it) or on again."""
    org = get_row(session, Organization, organization_id, ORG_MISSING)
    if not isinstance(active, bool) or org.is_active == active:
        raise ValidationFailed("Организация уже " + ("действует" if org.is_active else "отключена"))
    if not active:
        rules = _count(session, select(RoutingRule.id).where(RoutingRule.organization_id == org.id))
        if rules:
            raise ValidationFailed(f"На организацию ведут правила маршрутизации ({rules}): сначала назначьте "
                                   "им другую организацию или удалите их")
    org.is_active = active
    session.add(org)
    record(session, actor=actor, kind=AuditKind.ORG_ACTIVATE if active else AuditKind.ORG_DEACTIVATE,
           object_type=AuditObject.ORGANIZATION, object_id=org.id, label=org.name,
           changes=[("Действует", not active, active)], now=now)


# --- the category tree ---

def _category_fields(session: Session, category_id: int | None, name, parent_id, deadline_days, deadline_kind,
                     expedited, evidence_required) -> dict:
    name = " ".join(bounded_text(name, limit=limits.CATEGORY_NAME_MAX, minimum=2, what="Название").split())
    parent = _check_parent(session, Category, category_id, parent_id, "Родительская категория не найдена",
                           "Категория")
    if parent is not None and not parent.is_active:
        raise ValidationFailed(f"Родительская категория «{parent.name}» отключена")
    if isinstance(deadline_days, bool) or not isinstance(deadline_days, int) \
            or not 1 <= deadline_days <= limits.DEADLINE_DAYS_MAX:
        raise ValidationFailed(f"Срок рассмотрения — целое число дней от 1 до {limits.DEADLINE_DAYS_MAX}")
    try:
        kind = DeadlineKind(deadline_kind)
    except ValueError:
        raise ValidationFailed("Выберите, в каких днях считается срок: рабочих или календарных") from None
    if not isinstance(expedited, bool) or not isinstance(evidence_required, bool):
        raise ValidationFailed("Отметки категории указаны неверно")
    twin = session.exec(select(Category.id).where(func.lower(Category.name) == name.lower(),
                                                  Category.parent_id == parent_id if parent_id else
                                                  Category.parent_id.is_(None),
                                                  Category.id != (category_id or 0))).first()
    if twin is not None:
        raise ValidationFailed(f"Категория «{name}» уже есть на этом уровне дерева (№{twin})")
    return {"name": name, "parent_id": parent_id, "deadline_days": deadline_days, "deadline_kind": kind,
            "expedited": expedited, "evidence_required": evidence_required}


def _category_view(session: Session, values: dict) -> list[tuple[str, object]]:
    parent = session.get(Category, values["parent_id"]) if values["parent_id"] else None
    return [("Название", values["name"]), ("Родитель", parent.name if parent else None),
            ("Срок", rule_text(values["deadline_days"], values["deadline_kind"])),
            ("Срочная", bool(values["expedited"])), ("Нужно фото результата", bool(values["evidence_required"]))]


@admin_change
def create_category(session: Session, *, actor: Actor, name: str, parent_id: int | None = None,
                    deadline_days: int = 30, deadline_kind: str = DeadlineKind.WORKING, expedited: bool = False,
                    evidence_required: bool = False, now: datetime | None = None) -> int:
    values = _category_fields(session, None, name, parent_id, deadline_days, deadline_kind, expedited,
                              evidence_required)
    category = Category(**values)
    session.add(category)
    session.flush()
    record(session, actor=actor, kind=AuditKind.CATEGORY_CREATE, object_type=AuditObject.CATEGORY,
           object_id=category.id, label=category.name,
           changes=[(field, None, value) for field, value in _category_view(session, values)], now=now)
    return category.id


@admin_change
def update_category(session: Session, *, actor: Actor, category_id: int, name: str, parent_id: int | None,
                    deadline_days: int, deadline_kind: str, expedited: bool, evidence_required: bool,
                    now: datetime | None = None) -> None:
    category = get_row(session, Category, category_id, CATEGORY_MISSING)
    values = _category_fields(session, category.id, name, parent_id, deadline_days, deadline_kind, expedited,
                              evidence_required)
    before = _category_view(session, {k: getattr(category, k) for k in values})
    after = _category_view(session, values)
    if before == after:
        raise ValidationFailed("Ничего не изменилось")
    for key, value in values.items():
        setattr(category, key, value)
    session.add(category)
    record(session, actor=actor, kind=AuditKind.CATEGORY_UPDATE, object_type=AuditObject.CATEGORY,
           object_id=category.id, label=category.name,
           changes=[(f, b, a) for (f, b), (_, a) in zip(before, after)], now=now)


@admin_change
def set_category_active(session: Session, *, actor: Actor, category_id: int, active: bool,
                        now: datetime | None = None) -> None:
    """Switch a category off (citizens no longer see it; its appeals stay) or on again."""
    category = get_row(session, Category, category_id, CATEGORY_MISSING)
    if not isinstance(active, bool) or category.is_active == active:
        raise ValidationFailed("Категория уже " + ("действует" if category.is_active else "отключена"))
    if active and category.parent_id and not session.get(Category, category.parent_id).is_active:
        raise ValidationFailed("Родительская категория отключена: сначала включите её")
    category.is_active = active
    session.add(category)
    record(session, actor=actor, kind=AuditKind.CATEGORY_ACTIVATE if active else AuditKind.CATEGORY_DEACTIVATE,
           object_type=AuditObject.CATEGORY, object_id=category.id, label=category.name,
           changes=[("Действует", not active, active)], now=now)


@admin_change
def delete_category(session: Session, *, actor: Actor, category_id: int, now: datetime | None = None) -> None:
    """Only an unused category is deleted; one with appeals (or anything else under it) is refused."""
    category = get_row(session, Category, category_id, CATEGORY_MISSING)
    uses = [(Appeal, Appeal.category_id, "обращения"), (Category, Category.parent_id, "подкатегории"),
            (RoutingRule, RoutingRule.category_id, "правила маршрутизации"),
            (AnswerTemplate, AnswerTemplate.category_id, "шаблоны ответов")]
    for table, column, what in uses:
        if session.exec(select(table.id).where(column == category.id).limit(1)).first() is not None:
            raise ValidationFailed(f"У категории есть {what}: удалить её нельзя, отключите её")
    label = category.name
    session.delete(category)
    record(session, actor=actor, kind=AuditKind.CATEGORY_DELETE, object_type=AuditObject.CATEGORY,
           object_id=category_id, label=label, now=now)
