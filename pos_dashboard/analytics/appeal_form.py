"""What the citizen's appeal form offers (the category tree with deadline rules, the territories)
and the receipt shown after sending: the number and the deadline the category's rule gives."""

from datetime import datetime
from typing import TypedDict

from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from ..domain import deadlines
from ..domain.deadlines import plural, rule_text
from ..domain.enums import DeadlineKind, Role
from ..domain.models import Appeal, Category, Territory
from ..domain.workflow import SUBMIT_ROLES
from ..services.actors import Actor
from ..services.appeal_effects import calendar
from ..services.errors import PermissionDenied

MATCHES_MAX = 40  # the picker shows at most this many categories; the search narrows them


class CategoryChoice(TypedDict):
    value: str
    name: str
    group: str  # the parent category
    rule: str  # «30 рабочих дней»
    expedited: str  # «срочная категория: срок 10 дней», or empty
    search: str  # lower case, ё as е: what the search box is matched against


class TerritoryChoice(TypedDict):
    value: str
    label: str


class Receipt(TypedDict):
    id: int
    category: str
    rule: str
    deadline: str


_plural = plural


def _days(n: int) -> str:
    return _plural(n, "день", "дня", "дней")


def deadline_rule(category: Category) -> str:
    return rule_text(category.deadline_days, category.deadline_kind)


def fold(text: str) -> str:
    return text.lower().replace("ё", "е")


def category_choices(session: Session, *, actor: Actor) -> list[CategoryChoice]:
    """Every category a problem can be filed under (the leaves of the tree), by group and name."""
    if actor.role not in SUBMIT_ROLES:
        return []
    parent = aliased(Category)
    child = aliased(Category)
    has_children = select(child.id).where(child.parent_id == Category.id).exists()
    rows = session.exec(select(Category, parent.name).outerjoin(parent, parent.id == Category.parent_id)
                        .where(~has_children, Category.is_active, parent.is_active.is_not(False))
                        .order_by(parent.name, Category.name)).all()
    return [CategoryChoice(
        value=str(c.id), name=c.name, group=group or "", rule=deadline_rule(c),
        expedited=f"срочная категория: срок {_days(c.deadline_days)}" if c.expedited else "",
        search=fold(f"{group or ''} {c.name}"),
    ) for c, group in rows]


def match_categories(choices: list[CategoryChoice], query: str) -> list[CategoryChoice]:
    """Choices whose group and name hold every word of the query (е and ё alike)."""
    words = fold(query).split()
    return [c for c in choices if all(w in c["search"] for w in words)][:MATCHES_MAX]


def territory_choices(session: Session, *, actor: Actor) -> list[TerritoryChoice]:
    if actor.role not in SUBMIT_ROLES:
        return []
    rows = session.exec(select(Territory.id, Territory.name).where(Territory.parent_id.is_(None))
                        .order_by(Territory.name)).all()
    return [TerritoryChoice(value=str(i), label=name) for i, name in rows]


def receipt(session: Session, appeal_id: int, *, actor: Actor) -> Receipt:
    """The number and the deadline of an appeal the actor has just sent."""
    appeal = session.get(Appeal, appeal_id)
    if appeal is None or actor.role != Role.CITIZEN or appeal.citizen_id != actor.user_id:
        raise PermissionDenied("Нет доступа к этому обращению")
    category = session.get(Category, appeal.category_id)
    due: datetime = appeal.deadline_at or deadlines.execution_deadline(
        calendar(), appeal.created_at, category.deadline_days, DeadlineKind(category.deadline_kind))
    return Receipt(id=appeal.id, category=category.name, rule=deadline_rule(category),
                   deadline=due.astimezone(calendar().tz).strftime("%d.%m.%Y"))
