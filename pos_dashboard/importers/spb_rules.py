"""What an import of «Наш Санкт-Петербург» learns from the source as a whole, after its rows are
written (issue 10, item 4):

- deadline rules per reason, where the source states them: a route comment («… В связи с этим срок
  решения изменен с 30.04.2021 на 05.05.2021») restarts the term for the new organisation, and the
  working days from the routing date to the new deadline are 3, 5, 10, 15, 20 or 30 (counted from
  the routing day or the next one, so N or N + 1 days on the production calendar). A reason whose
  routings agree (at least MIN_ROUTES, and the most frequent term in at least AGREEMENT of them)
  gets that term; every other imported category is marked «not stated» (`deadline_stated`);
  routings followed by a category change are left out (the reason then was another one);
- the region's «data as of» moment: the newest event time of the imported appeals (`sourcesnapshot`).
"""

import json
from collections import Counter, defaultdict
from datetime import date, datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.engine import Engine

from ..domain.deadlines import RegionCalendar
from ..domain.enums import DeadlineKind
from ..domain.models import Appeal, AppealEvent, Category, SourceSnapshot
from ..domain.types import utcnow
from .spb_mapping import SOURCE_TZ

SOURCE = "spb"
STATED_TERMS = (3, 5, 10, 15, 20, 30)  # working days
MIN_ROUTES = 3
AGREEMENT = 0.6


def term_of(calendar: RegionCalendar, routed: date, deadline: date) -> int | None:
    """The stated term (working days) a routing on `routed` with a new deadline `deadline` gives, or None."""
    days, day = 0, routed
    while day < deadline and days <= STATED_TERMS[-1] + 1:
        day = date.fromordinal(day.toordinal() + 1)
        days += calendar.is_working_day(day)
    return next((term for term in STATED_TERMS if days in (term, term + 1)), None)


def stated_terms(observations: dict[int, list[int | None]]) -> dict[int, int]:
    """category id → its stated term, for the categories whose routings agree."""
    rules = {}
    for category_id, terms in observations.items():
        if len(terms) < MIN_ROUTES:
            continue
        term, n = Counter(terms).most_common(1)[0]
        if term is not None and n >= AGREEMENT * len(terms):
            rules[category_id] = term
    return rules


def after_import(engine: Engine) -> tuple[dict[int, int], datetime | None]:
    """Infer the deadline rules and record the data-as-of moment; returns both (for the report and tests)."""
    a, e, c = Appeal.__table__, AppealEvent.__table__, Category.__table__
    calendar = RegionCalendar(tz=SOURCE_TZ)
    with engine.begin() as conn:
        rows = conn.execute(select(e.c.appeal_id, e.c.at, e.c.action, e.c.payload, a.c.category_id)
                            .join(a, a.c.id == e.c.appeal_id)
                            .where(a.c.external_ref.like("spb:appeal:%"),
                                   e.c.action.in_(["import:route", "import:problem_change"]))
                            .order_by(e.c.appeal_id, e.c.at, e.c.id)).all()
        last_change = {row.appeal_id: row.at for row in rows if row.action == "import:problem_change"}
        observations: dict[int, list] = defaultdict(list)
        for row in rows:
            if row.action != "import:route" or (row.appeal_id in last_change and last_change[row.appeal_id] > row.at):
                continue
            new_deadline = json.loads(row.payload or "{}").get("new_deadline")
            if new_deadline:
                routed = row.at.astimezone(SOURCE_TZ).date()
                observations[row.category_id].append(term_of(calendar, routed, date.fromisoformat(new_deadline)))
        rules = stated_terms(observations)
        imported = c.c.external_ref.like("spb:%")
        conn.execute(update(c).where(imported).values(deadline_stated=False))
        for category_id, term in rules.items():
            conn.execute(update(c).where(and_(imported, c.c.id == category_id)).values(
                deadline_stated=True, deadline_days=term, deadline_kind=DeadlineKind.WORKING.value))
        as_of = conn.execute(select(func.max(e.c.at)).where(e.c.action.like("import:%"))).scalar()
        if as_of is not None:
            s = SourceSnapshot.__table__
            conn.execute(s.delete().where(s.c.source == SOURCE))
            conn.execute(s.insert().values(source=SOURCE, data_as_of=as_of, recorded_at=utcnow()))
    return rules, as_of
