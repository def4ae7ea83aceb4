"""Answer templates of the demo's organisations (services/answer_templates.py): every organisation
gets a general template and one for each of up to three categories its routing rules give it, so
that the card's template picker and /templates show something on first start."""

from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine

from ..domain.answer_templates import AnswerTemplate
from ..domain.enums import Role
from ..domain.models import Category, Organization, RoutingRule, User

PER_ORGANIZATION = 3
GENERAL = ("Работы выполнены", "Здравствуйте! По вашему обращению проведена проверка, выявленные недостатки "
           "устранены. Фотографии результата приложены к ответу. Благодарим за неравнодушие.")
PLANNED = ("{category}: работы запланированы", "Здравствуйте! По вашему обращению («{category}») проведено "
           "обследование. Работы включены в план и будут выполнены до указанной даты; о выполнении сообщим "
           "дополнительно.")


def write_templates(engine: Engine, now: datetime) -> int:
    """Insert the templates once (nothing when the table already has rows); returns how many."""
    with engine.begin() as conn:
        if conn.execute(select(func.count()).select_from(AnswerTemplate)).scalar_one():
            return 0
        names = dict(conn.execute(select(Category.id, Category.name)).all())
        staff = dict(conn.execute(select(User.organization_id, func.min(User.id))
                                  .where(User.role == Role.ORG_STAFF, User.organization_id.is_not(None))
                                  .group_by(User.organization_id)).all())
        categories: dict[int, list[int]] = {}
        for org_id, category_id in conn.execute(select(RoutingRule.organization_id, RoutingRule.category_id)
                                                .order_by(RoutingRule.organization_id, RoutingRule.category_id)):
            chosen = categories.setdefault(org_id, [])
            if category_id not in chosen and len(chosen) < PER_ORGANIZATION:
                chosen.append(category_id)
        rows = []
        for (org_id,) in conn.execute(select(Organization.id).order_by(Organization.id)):
            author = staff.get(org_id)
            rows.append(dict(organization_id=org_id, category_id=None, title=GENERAL[0], text=GENERAL[1],
                             created_by=author, updated_at=now))
            for category_id in categories.get(org_id, []):
                category = names[category_id]
                rows.append(dict(organization_id=org_id, category_id=category_id,
                                 title=PLANNED[0].format(category=category)[:200],
                                 text=PLANNED[1].format(category=category.lower()), created_by=author, updated_at=now))
        if rows:
            conn.execute(insert(AnswerTemplate), rows)
        return len(rows)
