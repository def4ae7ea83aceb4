"""The territories, categories and organisations an import of «Наш Санкт-Петербург» refers to:
districts › okrugs, categories › reasons and organisations by name, each found by its external_ref
or created on first sight in a small transaction of its own, before the batch that needs it."""

import functools

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from ..domain.models import Category, Organization, Territory
from . import spb_mapping as mapping


class References:
    """Territories, categories and organisations of the import, by external_ref → id (get or create)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.ids: dict[str, int] = {}
        with engine.connect() as conn:
            for table in (Territory.__table__, Category.__table__, Organization.__table__):
                rows = conn.execute(select(table.c.external_ref, table.c.id).where(table.c.external_ref.like("spb:%")))
                self.ids.update(dict(rows.all()))

    def ensure(self, batch: list[mapping.PreparedAppeal]) -> None:
        missing = [p for p in batch if not self._known(p)]
        if not missing:
            return
        created: dict[str, int] = {}
        with self.engine.begin() as conn:
            add = functools.partial(self._get_or_add, conn, created)
            for p in missing:
                district = add(Territory, mapping.district_ref(p.district), name=p.district, kind="district")
                add(Territory, mapping.okrug_ref(p.district, p.okrug), name=p.okrug, kind="okrug", parent_id=district)
                (category_id, category_name), (reason_id, reason_name) = p.category, p.reason
                parent = add(Category, mapping.category_ref(category_id), name=category_name)
                add(Category, mapping.reason_ref(reason_id), name=reason_name, parent_id=parent)
                for name in p.organizations:
                    add(Organization, mapping.organization_ref(name), name=name,
                        org_type=mapping.org_type_for(name).value)
        self.ids.update(created)  # only once committed: a refused transaction leaves no stale ids

    def territory_id(self, p: mapping.PreparedAppeal) -> int:
        return self.ids[mapping.okrug_ref(p.district, p.okrug)]

    def category_id(self, p: mapping.PreparedAppeal) -> int:
        return self.ids[mapping.reason_ref(p.reason[0])]

    def top_territory_id(self, p: mapping.PreparedAppeal) -> int:
        return self.ids[mapping.district_ref(p.district)]

    def top_category_id(self, p: mapping.PreparedAppeal) -> int:
        return self.ids[mapping.category_ref(p.category[0])]

    def organization_id(self, name: str | None) -> int | None:
        return self.ids[mapping.organization_ref(name)] if name else None

    def _known(self, p: mapping.PreparedAppeal) -> bool:
        refs = [mapping.okrug_ref(p.district, p.okrug), mapping.reason_ref(p.reason[0])]
        refs += [mapping.organization_ref(name) for name in p.organizations]
        return all(ref in self.ids for ref in refs)

    def _get_or_add(self, conn, created: dict[str, int], model, ref: str, **values) -> int:
        if ref in self.ids:
            return self.ids[ref]
        if ref not in created:
            table = model.__table__
            statement = insert(table).values(external_ref=ref, **values).returning(table.c.id)
            created[ref] = conn.execute(statement).scalar_one()
        return created[ref]
