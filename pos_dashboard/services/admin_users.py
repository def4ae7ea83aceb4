"""Accounts kept by an administrator on /admin/users: create (the binding rules of the command
line's `user add`, services/accounts.py), switch off and on, reset the password, change the role
or organisation. Each change writes its audit row in the same transaction; ending an account's
sessions is part of switching it off, of a new password and of a new role."""

import secrets
from datetime import datetime

from sqlmodel import Session

from ..domain.audit import AuditKind, AuditObject
from ..domain.enums import ROLE_LABELS, Role
from ..domain.models import Organization, User
from ..domain.types import utcnow
from . import accounts, sessions
from .actors import Actor
from .audit import admin_change, get_row, record
from .errors import ValidationFailed

# Without look-alikes (0/O, 1/l/I): read off the screen and typed by hand once.
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
GENERATED_LENGTH = 14
MISSING = "Учётная запись не найдена"


def generate_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(GENERATED_LENGTH))


def _org_name(session: Session, organization_id: int | None) -> str | None:
    org = session.get(Organization, organization_id) if organization_id else None
    return f"№{org.id} {org.name}" if org else None


@admin_change
def create(session: Session, *, actor: Actor, login: str, full_name: str, role: str, organization: str | None = None,
           email: str | None = None, password: str | None = None, now: datetime | None = None) -> tuple[int, str]:
    """A new account; an empty password means «generate one». Returns (id, the generated password or "")."""
    generated = "" if password else generate_password()
    user = accounts.new_user(session, login=login, full_name=full_name, role=role, password=password or generated,
                             organization=organization, email=email)
    record(session, actor=actor, kind=AuditKind.USER_CREATE, object_type=AuditObject.USER, object_id=user.id,
           label=user.login, now=now, changes=[
               ("Роль", None, ROLE_LABELS[Role(user.role)]), ("Имя", None, user.full_name),
               ("Организация", None, _org_name(session, user.organization_id)), ("Почта", None, user.email)],
           note="пароль создан автоматически" if generated else "пароль задан администратором")
    return user.id, generated


def _other_user(session: Session, actor: Actor, user_id, what: str) -> User:
    user = get_row(session, User, user_id, MISSING)
    if user.id == actor.user_id:
        raise ValidationFailed(f"Нельзя {what} собственной учётной записи: попросите другого администратора")
    return user


@admin_change
def deactivate(session: Session, *, actor: Actor, user_id: int, now: datetime | None = None) -> int:
    """Switch the account off; every session of it ends. Returns how many sessions ended."""
    user = _other_user(session, actor, user_id, "отключение")
    ended = accounts.switch_off(session, user, now=now)
    record(session, actor=actor, kind=AuditKind.USER_DEACTIVATE, object_type=AuditObject.USER, object_id=user.id,
           label=user.login, changes=[("Действует", True, False)], note=f"завершено сеансов: {ended}", now=now)
    return ended


@admin_change
def activate(session: Session, *, actor: Actor, user_id: int, now: datetime | None = None) -> None:
    user = get_row(session, User, user_id, MISSING)
    if user.is_active:
        raise ValidationFailed(f"Учётная запись «{user.login}» уже действует")
    if user.role == Role.ORG_STAFF:
        org = session.get(Organization, user.organization_id) if user.organization_id else None
        if org is None or not org.is_active:
            raise ValidationFailed("Организация этой учётной записи отключена: сначала смените организацию")
    user.is_active = True
    session.add(user)
    record(session, actor=actor, kind=AuditKind.USER_ACTIVATE, object_type=AuditObject.USER, object_id=user.id,
           label=user.login, changes=[("Действует", False, True)], now=now)


@admin_change
def reset_password(session: Session, *, actor: Actor, user_id: int, password: str | None = None,
                   now: datetime | None = None) -> tuple[str, int]:
    """A new password (given, or generated when empty); every session of the account ends.
    Returns (the generated password or "", how many sessions ended). The password is not logged."""
    user = _other_user(session, actor, user_id, "сбросить пароль")
    generated = "" if password else generate_password()
    ended = accounts.replace_password(session, user, password or generated, now=now)
    record(session, actor=actor, kind=AuditKind.USER_PASSWORD, object_type=AuditObject.USER, object_id=user.id,
           label=user.login, now=now,
           note=("новый пароль создан автоматически" if generated else "новый пароль задан администратором")
           + f"; завершено сеансов: {ended}")
    return generated, ended


@admin_change
def change_role(session: Session, *, actor: Actor, user_id: int, role: str, organization: str | None = None,
                now: datetime | None = None) -> int:
    """A new role (and organisation, by the same binding rules as at creation); the account's
    sessions end so that nothing keeps the old rights. Returns how many sessions ended."""
    user = _other_user(session, actor, user_id, "сменить роль")
    new_role = accounts.role_from(role)
    organization_id = accounts.organization_for(session, new_role, organization)
    changes = [("Роль", ROLE_LABELS[Role(user.role)], ROLE_LABELS[new_role]),
               ("Организация", _org_name(session, user.organization_id), _org_name(session, organization_id))]
    if user.role == new_role and user.organization_id == organization_id:
        raise ValidationFailed("Роль и организация не изменились")
    user.role, user.organization_id = new_role, organization_id
    session.add(user)
    ended = sessions.revoke_all(session, user_id=user.id, reason=sessions.Reason.ROLE_CHANGED, now=now or utcnow())
    record(session, actor=actor, kind=AuditKind.USER_ROLE, object_type=AuditObject.USER, object_id=user.id,
           label=user.login, changes=changes, note=f"завершено сеансов: {ended}", now=now)
    return ended
