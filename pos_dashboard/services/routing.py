"""Routing: category × territory → organisation. No match means the coordinator's triage queue."""

from sqlmodel import Session, select

from ..domain.models import Category, RoutingRule, Territory


def find_organization(session: Session, *, category_id: int, territory_id: int | None) -> int | None:
    """The most specific rule wins: the category (then its parents) for the territory (then its
    parents, then anywhere in the region). Returns None when nothing matches."""
    categories = lineage(session, Category, category_id)
    territories = lineage(session, Territory, territory_id) + [None]
    for cat_id in categories:
        rules = session.exec(select(RoutingRule).where(RoutingRule.category_id == cat_id)).all()
        by_territory = {rule.territory_id: rule.organization_id for rule in rules}
        for terr_id in territories:
            if terr_id in by_territory:
                return by_territory[terr_id]
    return None


def lineage(session: Session, table, node_id: int | None) -> list[int]:
    """The node's id followed by its ancestors' ids."""
    chain: list[int] = []
    while node_id is not None and node_id not in chain:
        chain.append(node_id)
        node = session.get(table, node_id)
        node_id = node.parent_id if node else None
    return chain
