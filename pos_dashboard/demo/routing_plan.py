"""Category rows, routing rules and an in-memory router that answers exactly as
`services.routing.find_organization` does for the same rules (most specific category first, then
the territory, its parents, then anywhere in the region)."""

import random
from dataclasses import dataclass

from ..domain.enums import DeadlineKind
from .catalogue import CATALOGUE, EXPEDITED_DAYS, REGULAR_DAYS, SEASONS
from .organizations import Organizations
from .region import Municipality

# Responsibility keys served by one regional organisation (a rule with territory_id = None).
REGION_WIDE = {"road_region": "road_region", "gas": "gas", "tko": "tko", "eco": "ministry_ecology",
               "gji": "gji", "capital": "capital", "health": "ministry_health"}
# Keys served per municipality: the municipal role to route to, or a fallback for districts.
PER_MUNICIPALITY = {"road": "road", "blag": "blag", "admin": "admin", "heat": "heat", "water": "water",
                    "social": "social", "clinic": "clinic", "transport": "transport", "power": "power_local",
                    "trade": "admin"}
MISSING_RULE_SHARE = 0.07  # per-municipality rules "nobody has configured yet": the triage queue


@dataclass(frozen=True)
class LeafInfo:
    id: int
    top_id: int
    name: str
    top_name: str
    deadline_days: int
    deadline_kind: str
    expedited: bool
    evidence_required: bool
    responsible: str | None  # the leaf's own key, or its top category's
    says: tuple[str, ...]
    weight: float
    season: tuple[float, ...]


@dataclass
class Categories:
    rows: list[tuple]  # (id, name, parent_id, deadline_days, deadline_kind, expedited, evidence_required, external_ref)
    leaves: list[LeafInfo]
    holders: list[tuple[int, str]]  # (category id, responsibility key): the categories that get routing rules


def build_categories(next_id, external_prefix: str) -> Categories:
    rows, leaves, holders = [], [], []
    kind = DeadlineKind.WORKING.value
    for top in CATALOGUE:
        top_id = next_id()
        rows.append((top_id, top.name, None, REGULAR_DAYS, kind, False, False, f"{external_prefix}category:{top_id}",
                     True, True))  # deadline_stated, is_active
        if top.responsible:
            holders.append((top_id, top.responsible))
        for leaf in top.leaves:
            leaf_id = next_id()
            days = EXPEDITED_DAYS if leaf.expedited else REGULAR_DAYS
            rows.append((leaf_id, leaf.name, top_id, days, kind, leaf.expedited, leaf.evidence,
                         f"{external_prefix}category:{leaf_id}", True, True))
            leaves.append(LeafInfo(leaf_id, top_id, leaf.name, top.name, days, kind, leaf.expedited, leaf.evidence,
                                   leaf.responsible or top.responsible, leaf.says, leaf.weight, SEASONS[leaf.season]))
            if leaf.responsible:
                holders.append((leaf_id, leaf.responsible))
    return Categories(rows, leaves, holders)


def build_routing_rules(next_id, holders: list[tuple[int, str]], municipalities: list[Municipality],
                        orgs: Organizations, rng: random.Random) -> list[tuple]:
    """Routing rule rows (id, category_id, territory_id, organization_id). Rules sit on the
    category that carries the responsibility: the leaf, or the top category for Образование and
    Социальная защита. Some combinations are deliberately left without a rule."""
    rules: list[tuple] = []

    def add(category_id, territory_id, organization_id):
        rules.append((next_id(), category_id, territory_id, organization_id))

    for category_id, key in holders:
        if key in REGION_WIDE:
            add(category_id, None, orgs.regional[REGION_WIDE[key]])
            continue
        if key == "transport":
            add(category_id, None, orgs.regional["transport_region"])
        if key == "power":
            add(category_id, None, orgs.regional["power"])
        if key == "uk":
            _management_company_rules(category_id, municipalities, orgs, rng, add)
            continue
        for mo in municipalities:
            candidates = orgs.local[mo.territory_id].get(PER_MUNICIPALITY.get(key, ""), [])
            if key == "blag" and not candidates:
                candidates = orgs.local[mo.territory_id]["admin"]
            if key == "trade" and not mo.is_city:
                continue
            if candidates and rng.random() >= MISSING_RULE_SHARE:
                add(category_id, mo.territory_id, candidates[0])
    return rules


def _management_company_rules(category_id, municipalities, orgs, rng, add) -> None:
    """МКД problems go to the УК of the place; the municipal level and villages stay unrouted
    (the coordinator finds the building's УК by hand), and so do some towns."""
    for mo in municipalities:
        if rng.random() < 0.2:
            continue
        for place in mo.places:
            companies = orgs.uk_by_place.get(place.territory_id)
            if companies and place.urban:
                add(category_id, place.territory_id, companies[0])


class Router:
    """The routing rules in memory; `find` mirrors services.routing.find_organization."""

    def __init__(self, category_rows: list[tuple], territory_rows: list[tuple], rule_rows: list[tuple]):
        self._category_parent = {row[0]: row[2] for row in category_rows}
        self._territory_parent = {row[0]: row[3] for row in territory_rows}
        self._rules: dict[int, dict[int | None, int]] = {}
        for _id, category_id, territory_id, organization_id in rule_rows:
            self._rules.setdefault(category_id, {})[territory_id] = organization_id
        self._cache: dict[tuple[int, int | None], int | None] = {}

    def find(self, category_id: int, territory_id: int | None) -> int | None:
        key = (category_id, territory_id)
        if key not in self._cache:
            self._cache[key] = self._find(category_id, territory_id)
        return self._cache[key]

    def _find(self, category_id, territory_id):
        territories = _lineage(self._territory_parent, territory_id) + [None]
        for cat_id in _lineage(self._category_parent, category_id):
            by_territory = self._rules.get(cat_id, {})
            for terr_id in territories:
                if terr_id in by_territory:
                    return by_territory[terr_id]
        return None


def _lineage(parents: dict, node_id):
    chain = []
    while node_id is not None and node_id not in chain:
        chain.append(node_id)
        node_id = parents.get(node_id)
    return chain


def triage_candidates(leaf: LeafInfo, mo: Municipality, orgs: Organizations) -> list[int]:
    """Where a coordinator sends an appeal that no rule routed: the responsible organisations of
    the appeal's municipality (or the region's), else the municipal administration."""
    local = orgs.local[mo.territory_id]
    key = leaf.responsible
    if key is None and leaf.top_name == "Связь и интернет":
        return [orgs.regional["post" if "почтов" in leaf.name else "telecom"]]
    if key in REGION_WIDE:
        return [orgs.regional[REGION_WIDE[key]]]
    if key == "uk":
        return local["uk"]
    return local.get(PER_MUNICIPALITY.get(key or "", ""), []) or local["admin"]
