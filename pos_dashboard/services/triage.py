"""The ЦУР coordinator's triage: organisations found by name for routing, and bulk actions on
selected appeals. Every row of a bulk action goes through appeals.perform on its own (its version
claim, its authorisation) and gets its own result; a refused row changes nothing."""

from sqlalchemy import func, select
from sqlmodel import Session

from ..domain.enums import Role
from ..domain.limits import ORGANIZATION_QUERY_MAX, is_valid_id
from ..domain.models import Organization
from . import appeals
from .actors import Actor
from .errors import PermissionDenied, ServiceError, ValidationFailed

COORDINATOR_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN})
SEARCH_LIMIT = 20  # organisations offered for one search
BULK_MAX = 50  # rows of one bulk action (one page of the triage view)
BULK_ACTIONS = {"approve_moderation": "Принять на модерации", "route": "Направить исполнителю"}
NOT_ALLOWED = "Распределение обращений доступно только координаторам ЦУР"


def require_coordinator(actor: Actor | None) -> Actor:
    if actor is None or actor.role not in COORDINATOR_ROLES:
        raise PermissionDenied(NOT_ALLOWED)
    return actor


def search_organizations(session: Session, *, actor: Actor, query: str, limit: int = SEARCH_LIMIT) -> list[dict]:
    """Organisations whose name contains the words (ё read as е), by name, at most `limit`."""
    require_coordinator(actor)
    words = query[:ORGANIZATION_QUERY_MAX].strip().replace("ё", "е").replace("Ё", "Е") if isinstance(query, str) else ""
    if len(words) < 2:
        return []
    pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    folded = func.replace(func.replace(Organization.name, "ё", "е"), "Ё", "Е")
    rows = session.execute(select(Organization.id, Organization.name)
                           .where(folded.ilike(pattern, escape="\\"), Organization.is_active)
                           .order_by(Organization.name, Organization.id).limit(max(1, min(limit, SEARCH_LIMIT)))).all()
    return [{"id": org_id, "name": name} for org_id, name in rows]


def organization_name(session: Session, organization_id: int) -> str | None:
    org = session.get(Organization, organization_id) if is_valid_id(organization_id) else None
    return org.name if org else None


def bulk(session: Session, *, actor: Actor, appeal_ids: list, action: str, organization_id: int | None = None,
         now=None) -> list[dict]:
    """One result per distinct id, in the order given: {"id", "ok", "message"}."""
    require_coordinator(actor)
    if action not in BULK_ACTIONS:
        raise ValidationFailed("Это действие нельзя выполнить для нескольких обращений")
    if not isinstance(appeal_ids, list) or not appeal_ids:
        raise ValidationFailed("Отметьте обращения в списке")
    ids = list(dict.fromkeys(appeal_ids))
    if len(ids) > BULK_MAX:
        raise ValidationFailed(f"За один раз можно обработать не больше {BULK_MAX} обращений")
    params = {}
    if action == "route":
        if not isinstance(organization_id, int) or isinstance(organization_id, bool) \
                or organization_name(session, organization_id) is None:
            raise ValidationFailed("Выберите организацию-исполнителя")
        params["organization_id"] = organization_id
    results = []
    for appeal_id in ids:
        if not isinstance(appeal_id, int) or isinstance(appeal_id, bool):
            results.append({"id": 0, "ok": False, "message": "Неверный номер обращения"})
            continue
        try:
            appeals.perform(session, actor=actor, appeal_id=appeal_id, action=action, now=now, **params)
        except ServiceError as exc:
            results.append({"id": appeal_id, "ok": False, "message": exc.message})
        else:
            results.append({"id": appeal_id, "ok": True, "message": "Выполнено: " + BULK_ACTIONS[action]})
    return results
