"""Routing rules kept by an administrator (/admin/routing): category × territory → organisation,
a null territory meaning the whole region. The category and the organisation must exist and be in
force; one rule per (category, territory). Each change writes its audit row in the same transaction."""

from datetime import datetime

from sqlmodel import Session, select

from ..domain.audit import AuditKind, AuditObject
from ..domain.models import Category, Organization, RoutingRule, Territory
from .actors import Actor
from .audit import admin_change, get_row, record
from .errors import ValidationFailed

RULE_MISSING = "Правило маршрутизации не найдено"
REGION = "весь регион"


def _targets(session: Session, category_id, territory_id, organization_id) -> tuple[Category, Territory | None,
                                                                                    Organization]:
    category = get_row(session, Category, category_id, "Категория не найдена: выберите её из списка")
    if not category.is_active:
        raise ValidationFailed(f"Категория «{category.name}» отключена")
    territory = None if territory_id is None else \
        get_row(session, Territory, territory_id, "Территория не найдена: выберите её из списка")
    org = get_row(session, Organization, organization_id, "Организация не найдена: выберите её из списка")
    if not org.is_active:
        raise ValidationFailed(f"Организация «{org.name}» отключена: выберите действующую")
    return category, territory, org


def _label(category: Category, territory: Territory | None) -> str:
    return f"{category.name} · {territory.name if territory else REGION}"


def _unique(session: Session, rule_id: int | None, category_id: int, territory_id: int | None) -> None:
    same_place = RoutingRule.territory_id == territory_id if territory_id is not None \
        else RoutingRule.territory_id.is_(None)
    twin = session.exec(select(RoutingRule.id).where(RoutingRule.category_id == category_id, same_place,
                                                     RoutingRule.id != (rule_id or 0))).first()
    if twin is not None:
        raise ValidationFailed(f"Для этой категории и территории правило уже есть (№{twin}): измените его")


@admin_change
def create_rule(session: Session, *, actor: Actor, category_id: int, territory_id: int | None, organization_id: int,
                now: datetime | None = None) -> int:
    category, territory, org = _targets(session, category_id, territory_id, organization_id)
    _unique(session, None, category.id, territory_id)
    rule = RoutingRule(category_id=category.id, territory_id=territory_id, organization_id=org.id)
    session.add(rule)
    session.flush()
    record(session, actor=actor, kind=AuditKind.ROUTING_CREATE, object_type=AuditObject.ROUTING_RULE,
           object_id=rule.id, label=_label(category, territory),
           changes=[("Организация", None, f"№{org.id} {org.name}")], now=now)
    return rule.id


@admin_change
def update_rule(session: Session, *, actor: Actor, rule_id: int, category_id: int, territory_id: int | None,
                organization_id: int, now: datetime | None = None) -> None:
    rule = get_row(session, RoutingRule, rule_id, RULE_MISSING)
    before = _describe(session, rule)
    category, territory, org = _targets(session, category_id, territory_id, organization_id)
    _unique(session, rule.id, category.id, territory_id)
    rule.category_id, rule.territory_id, rule.organization_id = category.id, territory_id, org.id
    session.add(rule)
    after = _describe(session, rule)
    if before == after:
        raise ValidationFailed("Ничего не изменилось")
    record(session, actor=actor, kind=AuditKind.ROUTING_UPDATE, object_type=AuditObject.ROUTING_RULE,
           object_id=rule.id, label=_label(category, territory),
           changes=[(f, b, a) for (f, b), (_, a) in zip(before, after)], now=now)


@admin_change
def delete_rule(session: Session, *, actor: Actor, rule_id: int, now: datetime | None = None) -> None:
    """Without the rule, appeals of its category and territory go to the coordinator's triage (or a
    broader rule)."""
    rule = get_row(session, RoutingRule, rule_id, RULE_MISSING)
    before = _describe(session, rule)
    category, territory = session.get(Category, rule.category_id), \
        session.get(Territory, rule.territory_id) if rule.territory_id else None
    session.delete(rule)
    record(session, actor=actor, kind=AuditKind.ROUTING_DELETE, object_type=AuditObject.ROUTING_RULE,
           object_id=rule_id, label=_label(category, territory),
           changes=[(f, b, None) for f, b in before], now=now)


def _describe(session: Session, rule: RoutingRule) -> list[tuple[str, str]]:
    category = session.get(Category, rule.category_id)
    territory = session.get(Territory, rule.territory_id) if rule.territory_id else None
    org = session.get(Organization, rule.organization_id)
    return [("Категория", category.name if category else "?"), ("Территория", territory.name if territory else REGION),
            ("Организация", f"№{org.id} {org.name}" if org else "?")]
