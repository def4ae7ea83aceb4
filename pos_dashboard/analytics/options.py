"""Choices for the filter controls: top-level categories and territories (small lists)."""

from sqlmodel import Session, select

from ..domain.models import Category, Organization, Territory


def filter_options(session: Session, own_organization_id: int | None = None) -> dict:
    categories = session.exec(select(Category.id, Category.name).where(Category.parent_id.is_(None))
                              .order_by(Category.name)).all()
    territories = session.exec(select(Territory.id, Territory.name).where(Territory.parent_id.is_(None))
                               .order_by(Territory.name)).all()
    own = session.get(Organization, own_organization_id) if own_organization_id else None
    return {
        "categories": [{"value": str(i), "label": name} for i, name in categories],
        "territories": [{"value": str(i), "label": name} for i, name in territories],
        "own_organization": own.name if own else "",
    }
