"""The administrators' side of the audit log: who may change directories and accounts, and the
audit row each change writes in its own transaction (domain/audit.py)."""

import functools
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from ..domain.audit import LABEL_MAX, SUMMARY_MAX, AdminAudit, AuditKind, AuditObject
from ..domain.enums import Role
from ..domain.limits import is_valid_id
from ..domain.types import utcnow
from .actors import Actor
from .errors import NotFound, PermissionDenied, ServiceError, ValidationFailed

ADMIN_ONLY = "Справочники и учётные записи меняет только администратор"
EMPTY = "—"


def require_admin(actor: Actor | None) -> Actor:
    """Only a logged-in administrator; any other role (or none) is refused before anything is read."""
    if not isinstance(actor, Actor) or actor.role != Role.ADMIN or actor.user_id is None:
        raise PermissionDenied(ADMIN_ONLY)
    return actor


def admin_change(service):
    """An administrator's change: the role is checked first; a refusal rolls everything back (the
    change and its audit row); success commits both at once. A unique constraint that another
    administrator's simultaneous change hit is reported in Russian."""
    @functools.wraps(service)
    def wrapper(session: Session, *, actor: Actor, **kwargs):
        require_admin(actor)
        try:
            result = service(session, actor=actor, **kwargs)
            session.commit()
            return result
        except ServiceError:
            session.rollback()
            raise
        except IntegrityError:
            session.rollback()
            raise ValidationFailed("Такая запись уже есть (её только что добавили): обновите страницу") from None
    return wrapper


def get_row(session: Session, table, row_id, missing: str):
    """A row by an id a client sent; anything that is not a valid id is «not found»."""
    row = session.get(table, row_id) if isinstance(row_id, int) and not isinstance(row_id, bool) \
        and is_valid_id(row_id) else None
    if row is None:
        raise NotFound(missing)
    return row


def record(session: Session, *, actor: Actor, kind: AuditKind, object_type: AuditObject, object_id: int,
           label: str, changes: list[tuple[str, object, object]] | None = None, note: str = "",
           now: datetime | None = None) -> AdminAudit:
    """One audit row: `changes` are (field, before, after); only the fields that changed are kept."""
    parts = [f"{name}: {_shown(before)} → {_shown(after)}" for name, before, after in changes or []
             if _shown(before) != _shown(after)]
    if note:
        parts.append(note)
    entry = AdminAudit(at=now or utcnow(), actor_id=actor.user_id, actor_role=str(actor.role), kind=str(kind),
                       object_type=str(object_type), object_id=object_id, object_label=(label or "")[:LABEL_MAX],
                       summary="; ".join(parts)[:SUMMARY_MAX])
    session.add(entry)
    return entry


def changed(changes: list[tuple[str, object, object]]) -> bool:
    return any(_shown(before) != _shown(after) for _, before, after in changes)


def _shown(value) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "да" if value else "нет"
    return str(value)
