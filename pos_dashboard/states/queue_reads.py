"""What the queue's state reads, off the state: one page with the tab's actor and the filter
options in one worker thread, the change counter shared by the worker's tabs, the filter values as
the read model's filter, and counts as the page shows them."""

import time
from urllib.parse import parse_qsl

from ..analytics import queue
from ..analytics.dashboard_filter import queue_drill
from ..analytics.options import filter_options
from ..db import session_scope
from ..domain import limits
from ..domain.enums import Role
from ..domain.types import utcnow
from .. import settings
from ..services import sessions
from ..services.actors import Actor
from .base import STAFF_ROLES
from .version_cache import SharedReading

PAGE_SIZE = 50
ALL = "all"
VERSION_MAX_AGE_S = 1.0  # a poll may see a change up to this much later (plus its 3 s interval)
# The free-text filters and their length caps.
TEXT_FILTERS = {"search": limits.SEARCH_MAX, "organization_query": limits.ORGANIZATION_QUERY_MAX}


def load_page(token: str, filters: dict, page: int, need_options: bool):
    """The tab's actor, the filter options (first load) and one page, in one session and one
    worker thread: None when the token is no staff member's session."""
    with session_scope() as session:
        resolved = sessions.resolve(session, token)
        actor = Actor.of(resolved[0]) if resolved is not None else None
        if actor is None or actor.role not in STAFF_ROLES:
            return None
        name = resolved[0].full_name
        own_id = actor.organization_id if actor.role == Role.ORG_STAFF else None
        options = filter_options(session, own_id) if need_options else None
        flt = queue_filter(filters, actor)
        # The version is taken before the page: a change after it makes the page reload once more,
        # never go unnoticed. The worker's recent reading spares a round trip per page.
        if (version := VERSION.fresh()) is None:
            started = time.time()
            version = queue.queue_reading(session)
            VERSION.offer(version, started)
        result = queue.fetch_queue_page(session, flt, page=page, page_size=PAGE_SIZE, now=utcnow(),
                                        data_as_of=version[1])
    return actor, name, options, result, version


STALE_MARK = "stale"  # the tab's last load failed: its page asks for a reload at every tick


def version_mark(reading: tuple) -> str:
    """The change reading as the page and GET /api/queue/version both write it: the page sends its
    poll event only when the two differ (assets/queue_poll.js)."""
    version, as_of = reading
    return f"{version}:{as_of.isoformat() if as_of is not None else ''}"


def count_label(n: int, capped: bool) -> str:
    """A count as the page shows it, digits grouped by a no-break space («1 000 000»): exact, or
    «более 1 000» past the cap of a common word's counts."""
    return f"более {queue.COUNT_CAP:,}".replace(",", "\u00a0") if capped and n > queue.COUNT_CAP else \
        f"{n:,}".replace(",", "\u00a0")


def _version() -> tuple:
    with session_scope() as session:
        return queue.queue_reading(session)


# The change counter as this worker process last read it, shared by every tab it serves.
VERSION = SharedReading(_version, max_age=VERSION_MAX_AGE_S, source=settings.db_url)


def queue_filter(values: dict, actor: Actor) -> queue.QueueFilter:
    """The read model's filter from the tab's filter values; the actor narrows it (organisation staff)."""
    return queue.QueueFilter(
        status=values["status"], deadline=values["deadline"], search=values["search"], sort=values["sort"],
        category_id=None if values["category"] == ALL else int(values["category"]),
        territory_id=None if values["territory"] == ALL else int(values["territory"]),
        organization_id=actor.organization_id if actor.role == Role.ORG_STAFF else None,
        organization_query=values["organization_query"],
        **queue_drill(dict(parse_qsl(values["drill"])))[1],
    )


def acceptable(name: str, value) -> bool:
    if not isinstance(value, str):
        return False
    if name in ("category", "territory"):
        return value == ALL or (value.isdecimal() and limits.is_valid_id(int(value)))
    return name in TEXT_FILTERS or name in ("status", "deadline", "sort")
