"""Operator accounts from the command line (`python -m pos_dashboard user …`): create, set a
password, deactivate, list. The checks and Russian messages are the services'; the command only
reads arguments and the password (from a prompt or stdin, never from the command line)."""

import re
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from ..domain.enums import ROLE_LABELS, Role
from ..domain.models import Organization, User
from ..domain.types import utcnow
from . import sessions
from .auth import MAX_LOGIN_LENGTH, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, hash_password
from .errors import ValidationFailed

LOGIN_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]*")
FULL_NAME_MAX = 200
ASSIGNABLE_ROLES = [role for role in Role if role != Role.SYSTEM]


def check_password(password: str, again: str | None = None) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"Пароль должен быть не короче {MIN_PASSWORD_LENGTH} символов")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(f"Пароль должен быть не длиннее {MAX_PASSWORD_LENGTH} символов")
    if again is not None and again != password:
        raise ValidationFailed("Пароль и его повтор не совпадают")


def role_from(text: str) -> Role:
    try:
        role = Role(text)
    except ValueError:
        role = None
    if role not in ASSIGNABLE_ROLES:
        known = ", ".join(f"{r.value} ({ROLE_LABELS[r]})" for r in ASSIGNABLE_ROLES)
        raise ValidationFailed(f"Неизвестная роль «{text}». Возможные роли: {known}")
    return role


def find_organization(session: Session, reference: str) -> Organization:
    """An organisation by its number or by its exact name (case-insensitive)."""
    reference = reference.strip()
    if reference.isdecimal():
        found = session.get(Organization, int(reference))
        if found is None:
            raise ValidationFailed(f"Организация №{reference} не найдена")
        return found
    matches = session.exec(select(Organization).where(func.lower(Organization.name) == reference.lower())).all()
    if not matches:
        raise ValidationFailed(f"Организация «{reference}» не найдена: укажите её номер или точное название "
                               "(список: python -m pos_dashboard user orgs)")
    if len(matches) > 1:
        numbers = ", ".join(str(o.id) for o in matches)
        raise ValidationFailed(f"Организаций с названием «{reference}» несколько (№ {numbers}): укажите номер")
    return matches[0]


def create_user(session: Session, *, login: str, full_name: str, role: str, password: str,
                organization: str | None = None, email: str | None = None) -> User:
    login = login.strip().lower()
    if not LOGIN_PATTERN.fullmatch(login) or len(login) > MAX_LOGIN_LENGTH:
        raise ValidationFailed("Логин: латинские строчные буквы, цифры, точка, дефис и подчёркивание, "
                               f"не длиннее {MAX_LOGIN_LENGTH} символов, с буквы или цифры")
    if session.exec(select(User.id).where(User.login == login)).first() is not None:
        raise ValidationFailed(f"Логин «{login}» уже занят")
    full_name = " ".join(full_name.split())
    if not full_name or len(full_name) > FULL_NAME_MAX:
        raise ValidationFailed(f"Укажите имя (до {FULL_NAME_MAX} символов)")
    chosen_role = role_from(role)
    organization_id = None
    if chosen_role == Role.ORG_STAFF:
        if not organization:
            raise ValidationFailed("Сотруднику организации нужна организация: --organization НОМЕР или название")
        organization_id = find_organization(session, organization).id
    elif organization:
        raise ValidationFailed(f"Роль «{ROLE_LABELS[chosen_role]}» не привязывается к организации")
    check_password(password)
    user = User(login=login, full_name=full_name, role=chosen_role, organization_id=organization_id,
                email=(email or "").strip() or None, password_hash=hash_password(password), is_active=True)
    session.add(user)
    session.commit()
    return user


def _user(session: Session, login: str) -> User:
    user = session.exec(select(User).where(User.login == login.strip().lower())).first()
    if user is None:
        raise ValidationFailed(f"Учётная запись «{login}» не найдена")
    return user


def set_password(session: Session, *, login: str, password: str, now: datetime | None = None) -> int:
    """A new password set by an operator; every session of the account ends. Returns how many."""
    user = _user(session, login)
    check_password(password)
    user.password_hash = hash_password(password)
    session.add(user)
    ended = sessions.revoke_all(session, user_id=user.id, reason=sessions.Reason.PASSWORD_CHANGED, now=now or utcnow())
    session.commit()
    return ended


def deactivate(session: Session, *, login: str, now: datetime | None = None) -> int:
    """Switch the account off; its sessions end at once. Returns how many sessions ended."""
    user = _user(session, login)
    if not user.is_active:
        raise ValidationFailed(f"Учётная запись «{user.login}» уже отключена")
    user.is_active = False
    session.add(user)
    ended = sessions.revoke_all(session, user_id=user.id, reason=sessions.Reason.DEACTIVATED, now=now or utcnow())
    session.commit()
    return ended


def list_users(session: Session, role: str | None = None) -> list[tuple[User, str]]:
    """Accounts with their organisation's name, staff roles first."""
    query = select(User, Organization.name).join(Organization, isouter=True).order_by(User.role, User.login)
    if role:
        query = query.where(User.role == role_from(role))
    return [(user, name or "") for user, name in session.exec(query).all()]
