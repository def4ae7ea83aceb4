"""Everything of the demo region except the appeals: territories, organisations, categories,
routing rules and users, as plain rows with ids assigned here, plus the lookups the appeal
generator needs."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ..domain.enums import Role
from .accounts import demo_accounts
from .organizations import Organizations, build_organizations
from .people import full_name
from .rand import DemoRandom
from .region import Municipality, build_territories
from .routing_plan import Categories, LeafInfo, Router, build_categories, build_routing_rules, triage_candidates

EXTERNAL_PREFIX = "demo:"  # external_ref of every demo territory, organisation and category
EXTRA_COORDINATORS = 5  # besides the named `coordinator`
TABLES = ("territory", "organization", "category", "routingrule", "app_user", "appeal", "appealevent",
          "answer", "rating", "dispute", "survey", "surveyquestion", "surveysubmission", "surveyresponse", "vote", "voteoption",
          "ballot")


@dataclass
class Reference:
    territories: list[tuple]
    organizations: Organizations
    categories: Categories
    routing_rules: list[tuple]
    users: list[tuple] = field(default_factory=list)  # app_user rows
    municipalities: list[Municipality] = field(default_factory=list)
    router: Router | None = None
    named_user_ids: dict[str, int] = field(default_factory=dict)  # demo login → user id
    coordinator_ids: list[int] = field(default_factory=list)
    staff_by_org: dict[int, list[int]] = field(default_factory=dict)
    citizens_by_municipality: dict[int, range] = field(default_factory=dict)
    busy_org_id: int = 0
    next_ids: dict[str, int] = field(default_factory=dict)  # table → next free id after the reference

    @property
    def leaves(self) -> list[LeafInfo]:
        return self.categories.leaves

    def triage(self, leaf: LeafInfo, mo: Municipality) -> list[int]:
        return triage_candidates(leaf, mo, self.organizations)


def citizen_pool_size(n_appeals: int) -> int:
    return max(2000, n_appeals // 5)


def build_reference(seed: int, now: datetime, n_appeals: int, password_hash: str,
                    first_ids: dict[str, int] | None = None) -> Reference:
    rng = DemoRandom(f"{seed}:reference")
    next_ids = {table: (first_ids or {}).get(table, 1) for table in TABLES}

    def sequence(table):
        def next_id():
            value = next_ids[table]
            next_ids[table] = value + 1
            return value
        return next_id

    territories, municipalities = build_territories(sequence("territory"), EXTERNAL_PREFIX)
    orgs = build_organizations(municipalities, sequence("organization"), rng, EXTERNAL_PREFIX)
    categories = build_categories(sequence("category"), EXTERNAL_PREFIX)
    rules = build_routing_rules(sequence("routingrule"), categories.holders, municipalities, orgs, rng)
    ref = Reference(territories, orgs, categories, rules, municipalities=municipalities,
                    router=Router(categories.rows, territories, rules))
    capital = municipalities[0]
    ref.busy_org_id = orgs.local[capital.territory_id]["road"][0]
    _build_users(ref, rng, now, n_appeals, password_hash, sequence("app_user"))
    ref.next_ids = next_ids
    return ref


def _build_users(ref: Reference, rng: DemoRandom, now: datetime, n_appeals: int, password_hash: str,
                 next_id) -> None:
    launch = (now - timedelta(days=800)).replace(minute=0, second=0, microsecond=0)

    def add(login, name, role, org_id=None, created=launch, territory_id=None) -> int:
        user_id = next_id()
        birth = _birth_date(user_id, now) if role == Role.CITIZEN else None
        ref.users.append((user_id, login, name, f"{login}@example.ru", role.value, org_id, password_hash, True, created,
                          birth, territory_id))
        return user_id

    orgs = ref.organizations
    for account in demo_accounts():
        org_id = ref.busy_org_id if account.org_key == "busy_org" else orgs.regional.get(account.org_key)
        home = ref.municipalities[0].territory_id if account.role == Role.CITIZEN else None  # the capital
        ref.named_user_ids[account.login] = add(account.login, account.full_name, account.role, org_id,
                                                territory_id=home)
    ref.coordinator_ids.append(ref.named_user_ids["coordinator"])
    for k in range(2, EXTRA_COORDINATORS + 2):
        ref.coordinator_ids.append(add(f"coordinator{k}", full_name(rng), Role.COORDINATOR, orgs.regional["cur"]))
    add("official2", full_name(rng), Role.OFFICIAL, orgs.regional["ministry_housing"])
    for row in orgs.rows:
        org_id = row[0]
        ref.staff_by_org[org_id] = [add(f"org{org_id}", full_name(rng), Role.ORG_STAFF, org_id)]
    ref.staff_by_org[ref.busy_org_id].append(ref.named_user_ids["org"])
    _build_citizens(ref, rng, launch, citizen_pool_size(n_appeals), add)


def _build_citizens(ref: Reference, rng, launch: datetime, pool: int, add) -> None:
    """Citizens live in municipalities in proportion to the population; their logins are
    citizen<N>. The named `citizen` lives in the regional capital."""
    total = sum(mo.population for mo in ref.municipalities)
    number = 0
    for mo in ref.municipalities:
        count = max(20, round(pool * mo.population / total))
        first = None
        for _ in range(count):
            number += 1
            created = launch + timedelta(minutes=rng.randrange(0, 60 * 24 * 120))
            user_id = add(f"citizen{number}", full_name(rng), Role.CITIZEN, None, created, mo.territory_id)
            first = first or user_id
        ref.citizens_by_municipality[mo.territory_id] = range(first, first + count)


def _birth_date(user_id: int, now: datetime) -> date:
    """Ages 12–81, spread by the user id (no draw from the generator: the rest of the region stays
    what it was); a few citizens are too young to vote, as in life."""
    years = 12 + (user_id * 7919 + 20) % 70
    return now.date() - timedelta(days=round(years * 365.25) + (user_id * 31) % 365)
