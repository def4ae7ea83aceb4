"""The audit log page's read model: the administrators' changes (admin_audit) and the workflow
events of appeals (appealevent, not copied anywhere) as one list, newest first.

Paging is by key, not by offset: a page is the newest `page_size` rows older than the last row of
the page before, taken from each source by its index (at, id) — or (actor, at, id), (action, at,
id), (appeal, at, id) when filtered — and merged. The cost of a page does not grow with the size of
the log or with how far back one pages. Counts stop at COUNT_CAP (a bounded count: see README for why 1,000)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import TypedDict

from sqlalchemy import func, select, tuple_
from sqlmodel import Session

from ..domain.audit import AUDIT_KIND_LABELS, AUDIT_OBJECT_LABELS, AdminAudit, AuditKind, AuditObject
from ..domain.enums import MODERATION_REASON_LABELS, ROLE_LABELS, STATUS_LABELS, ModerationReason, Role, Status
from ..domain.limits import is_valid_id
from ..domain.models import AppealEvent, User
from ..services.actors import Actor
from ..services.audit import require_admin
from ..settings import region_tz
from .appeal_card import ACTION_LABELS
from .formatting import local_time

PAGE_SIZE = 50
COUNT_CAP = 1_000
WHO_MAX = 150
MATCHING_LOGINS_MAX = 20
ADMIN_ALL, WORKFLOW_ALL, WORKFLOW_PREFIX = "admin", "workflow", "wf:"
SYSTEM_WORDS = ("система", "system")
_RANK = {"admin": 1, "workflow": 0}  # at the same instant an administrator's row is listed first
DETAILS_MAX = 400


class AuditRow(TypedDict):
    key: str
    at: str
    who: str
    role: str
    what: str
    object: str
    object_url: str
    details: str
    source: str  # «Администрирование» | «Обращение»


@dataclass(frozen=True)
class AuditFilter:
    who: str = ""  # a login, or its beginning; «система» for the platform's timers
    kind: str = ""  # "", ADMIN_ALL, WORKFLOW_ALL, an AuditKind value or WORKFLOW_PREFIX + action
    since: date | None = None  # days in the region's time zone, both included
    until: date | None = None
    object_type: str = ""  # an AuditObject value
    object_id: int | None = None


@dataclass(frozen=True)
class Cursor:
    at: datetime
    rank: int
    id: int


def kind_options() -> list[dict]:
    """What the «что» filter offers: everything, each side, then every kind of each side."""
    return ([{"value": ADMIN_ALL, "label": "Все действия администраторов"},
             {"value": WORKFLOW_ALL, "label": "Все действия с обращениями"}]
            + [{"value": str(kind), "label": label} for kind, label in AUDIT_KIND_LABELS.items()]
            + [{"value": WORKFLOW_PREFIX + action, "label": "Обращение: " + label}
               for action, label in ACTION_LABELS.items()])


def object_options() -> list[dict]:
    return [{"value": str(kind), "label": label} for kind, label in AUDIT_OBJECT_LABELS.items()]


def _bounds(flt: AuditFilter) -> tuple[datetime | None, datetime | None]:
    tz = region_tz()
    since = datetime.combine(flt.since, time(), tz).astimezone(timezone.utc) if flt.since else None
    until = datetime.combine(flt.until + timedelta(days=1), time(), tz).astimezone(timezone.utc) \
        if flt.until else None
    return since, until


def _who(session: Session, text: str) -> tuple[bool, list[int]]:
    """(the platform itself?, ids of the accounts meant); ([], False) with a text means «nobody»."""
    text = text.strip().lower()[:WHO_MAX]
    if text in SYSTEM_WORDS:
        return True, []
    exact = session.execute(select(User.id).where(User.login == text)).scalar()
    if exact is not None:
        return False, [exact]
    return False, list(session.execute(select(User.id).where(User.login.startswith(text, autoescape=True))
                                       .order_by(User.login).limit(MATCHING_LOGINS_MAX)).scalars())


def _sources(flt: AuditFilter) -> tuple[bool, bool]:
    admin_kinds = {str(k) for k in AuditKind}
    admin = flt.kind in ("", ADMIN_ALL) or flt.kind in admin_kinds
    workflow = flt.kind in ("", WORKFLOW_ALL) or flt.kind.startswith(WORKFLOW_PREFIX)
    if flt.object_type == AuditObject.APPEAL:
        admin = False
    elif flt.object_type:
        workflow = False
    return admin, workflow


def _queries(session: Session, flt: AuditFilter):
    """The filtered selects of each source (columns: at, id), or None for a source left out."""
    admin, workflow = _sources(flt)
    since, until = _bounds(flt)
    system, ids = _who(session, flt.who) if flt.who.strip() else (False, None)
    result = {}
    for source, table, on in (("admin", AdminAudit, admin), ("workflow", AppealEvent, workflow)):
        if not on or (ids == [] and not system) or (system and source == "admin"):
            continue
        conditions = []
        if system:
            conditions.append(table.actor_id.is_(None))
        elif ids is not None:
            conditions.append(table.actor_id.in_(ids))
        if since is not None:
            conditions.append(table.at >= since)
        if until is not None:
            conditions.append(table.at < until)
        if source == "admin":
            if flt.kind not in ("", ADMIN_ALL):
                conditions.append(AdminAudit.kind == flt.kind)
            if flt.object_type:
                conditions.append(AdminAudit.object_type == flt.object_type)
                if flt.object_id is not None:
                    conditions.append(AdminAudit.object_id == flt.object_id)
        else:
            if flt.kind.startswith(WORKFLOW_PREFIX):
                conditions.append(AppealEvent.action == flt.kind[len(WORKFLOW_PREFIX):])
            if flt.object_id is not None and flt.object_type == AuditObject.APPEAL:
                conditions.append(AppealEvent.appeal_id == flt.object_id)
        result[source] = (table, conditions)
    return result


def _older_than(table, source: str, cursor: Cursor | None):
    if cursor is None:
        return []
    rank = _RANK[source]
    if rank < cursor.rank:
        return [table.at <= cursor.at]
    if rank > cursor.rank:
        return [table.at < cursor.at]
    return [tuple_(table.at, table.id) < tuple_(cursor.at, cursor.id)]


def fetch_audit(session: Session, *, actor: Actor, flt: AuditFilter, after: Cursor | None = None,
                page_size: int = PAGE_SIZE) -> tuple[list[AuditRow], Cursor | None]:
    """One page, newest first, older than `after`; and the cursor of the next page (None: the last)."""
    require_admin(actor)
    page_size = max(1, min(page_size, 100))
    if flt.object_id is not None and not is_valid_id(flt.object_id):
        return [], None
    picked: list[tuple[datetime, int, int, str, object]] = []
    for source, (table, conditions) in _queries(session, flt).items():
        rows = session.execute(select(table).where(*conditions, *_older_than(table, source, after))
                               .order_by(table.at.desc(), table.id.desc()).limit(page_size + 1)).scalars().all()
        picked += [(row.at, _RANK[source], row.id, source, row) for row in rows]
    picked.sort(key=lambda item: (item[0], item[1], item[2]), reverse=True)
    page, more = picked[:page_size], len(picked) > page_size
    names = _names(session, {item[4].actor_id for item in page if item[4].actor_id is not None})
    rows = [_admin_row(item[4], names) if item[3] == "admin" else _event_row(item[4], names) for item in page]
    last = page[-1] if page else None
    return rows, (Cursor(last[0], last[1], last[2]) if more and last else None)


def count_audit(session: Session, *, actor: Actor, flt: AuditFilter) -> int:
    """How many rows match, up to COUNT_CAP (a bounded count: each source stops there)."""
    require_admin(actor)
    if flt.object_id is not None and not is_valid_id(flt.object_id):
        return 0
    total = 0
    for table, conditions in _queries(session, flt).values():
        inner = select(table.id).where(*conditions).limit(COUNT_CAP + 1).subquery()
        total += session.execute(select(func.count()).select_from(inner)).scalar_one()
    return min(total, COUNT_CAP + 1)


def _names(session: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    return {i: (f"{name} ({login})", role) for i, name, login, role in session.execute(
        select(User.id, User.full_name, User.login, User.role).where(User.id.in_(ids)))}


def _person(actor_id: int | None, role: str | None, names: dict) -> tuple[str, str]:
    name, own_role = names.get(actor_id, ("Система" if actor_id is None else f"№{actor_id}", role))
    try:
        return name, ROLE_LABELS[Role(role or own_role)]
    except ValueError:
        return name, str(role or "")


def _admin_row(entry: AdminAudit, names: dict) -> AuditRow:
    who, role = _person(entry.actor_id, entry.actor_role, names)
    try:
        what, kind = AUDIT_KIND_LABELS[AuditKind(entry.kind)], AUDIT_OBJECT_LABELS[AuditObject(entry.object_type)]
    except ValueError:
        what, kind = entry.kind, entry.object_type
    return AuditRow(key=f"a{entry.id}", at=local_time(entry.at), who=who, role=role, what=what,
                    object=f"{kind} №{entry.object_id} «{entry.object_label}»", object_url="",
                    details=entry.summary[:DETAILS_MAX], source="Администрирование")


def _status(value: str | None) -> str:
    try:
        return STATUS_LABELS[Status(value)]
    except ValueError:
        return value or "—"


def _event_row(event: AppealEvent, names: dict) -> AuditRow:
    who, role = _person(event.actor_id, event.actor_role, names)
    moves = f"{_status(event.from_status)} → {_status(event.to_status)}" \
        if event.from_status or event.to_status else ""
    reason = (event.reason or "").strip()
    try:  # a rejection keeps the code of the moderation rule
        reason = MODERATION_REASON_LABELS[ModerationReason(reason)]
    except ValueError:
        pass
    details = "; ".join(part for part in (moves, reason) if part)
    return AuditRow(key=f"e{event.id}", at=local_time(event.at), who=who, role=role,
                    what=ACTION_LABELS.get(event.action, event.action), object=f"Обращение №{event.appeal_id}",
                    object_url=f"/appeals/{event.appeal_id}", details=details[:DETAILS_MAX], source="Обращение")
