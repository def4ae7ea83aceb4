"""Which appeals the KPIs count: a selection (territories and categories with their sub-trees, an
organisation type, organisations) and a period, as SQL conditions on the appeal table."""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from ..domain.models import Appeal, Category, Organization, Territory


@dataclass(frozen=True)
class KpiSelection:
    """Which appeals the KPIs count, besides the period; an empty field does not filter."""
    territory_ids: tuple[int, ...] = ()     # each includes its sub-territories
    category_ids: tuple[int, ...] = ()      # each includes its sub-categories
    organization_type: str | None = None
    organization_ids: tuple[int, ...] = ()


def appeal_conditions(conn, since, until, selection) -> list:
    a = Appeal.__table__
    conditions = selection_conditions(conn, selection)
    if since is not None:
        conditions.append(a.c.created_at >= since)
    if until is not None:
        conditions.append(a.c.created_at < until)
    return conditions


def selection_conditions(conn, selection: KpiSelection | None) -> list:
    """SQL conditions on the appeal table for a selection (sub-trees expanded from the small trees)."""
    if selection is None:
        return []
    a, o = Appeal.__table__, Organization.__table__
    conditions = []
    if selection.territory_ids:
        ids = _with_descendants(conn, Territory.__table__, selection.territory_ids)
        conditions.append(a.c.territory_id.in_(ids))
    if selection.category_ids:
        ids = _with_descendants(conn, Category.__table__, selection.category_ids)
        conditions.append(a.c.category_id.in_(ids))
    if selection.organization_type is not None:
        conditions.append(a.c.organization_id.in_(
            select(o.c.id).where(o.c.org_type == selection.organization_type)))
    if selection.organization_ids:
        conditions.append(a.c.organization_id.in_(sorted(set(selection.organization_ids))))
    return conditions


def _with_descendants(conn, table, roots: Iterable[int]) -> list[int]:
    children: dict[int, list[int]] = {}
    for node_id, parent_id in conn.execute(select(table.c.id, table.c.parent_id)).all():
        children.setdefault(parent_id, []).append(node_id)
    found, stack = set(), [int(root) for root in roots]
    while stack:
        node_id = stack.pop()
        if node_id not in found:
            found.add(node_id)
            stack.extend(children.get(node_id, ()))
    return sorted(found)
