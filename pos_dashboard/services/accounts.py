"""Operator accounts from the command line (`python -m pos_dashboard user …`): create, set a
password, deactivate, list. The checks and Russian messages are the services'; the command only
reads arguments and the password (from a prompt or stdin, never from the command line)."""

import re
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from ..domain.audit import AuditKind, AuditObject
from ..domain.enums import ROLE_LABELS, Role
from ..domain.limits import is_valid_id
from ..domain.models import Organization, User
from ..domain.types import utcnow
from . import audit, sessions
from .actors import SYSTEM as OPERATOR
from .auth import MAX_LOGIN_LENGTH, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, hash_password
from .errors import ValidationFailed

LOGIN_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]*")
FULL_NAME_MAX = 200
EMAIL_MAX = 254
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PICKED_PATTERN = re.compile(r"(\d{1,10}) — .*", re.DOTALL)
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
        role = Role(text) if isinstance(text, str) else None
    except ValueError:
        role = None
    if role not in ASSIGNABLE_ROLES:
        known = ", ".join(f"{r.value} ({ROLE_LABELS[r]})" for r in ASSIGNABLE_ROLES)
        raise ValidationFailed(f"Неизвестная роль «{text}». Возможные роли: {known}")
    return role


def find_organization(session: Session, reference: str) -> Organization:
    """An organisation by its number, its exact name (case-insensitive), or «№ — name» as the
    pages' pickers write it."""
    reference = reference.strip()
    if picked := PICKED_PATTERN.fullmatch(reference):
        reference = picked.group(1)
    if reference.isdecimal():
        if not is_valid_id(int(reference)):
            raise ValidationFailed(f"Организация №{reference} не найдена")
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


def new_user(session: Session, *, login: str, full_name: str, role: str, password: str,
             organization: str | None = None, email: str | None = None) -> User:
    """Check and add an account (flushed, not committed): the CLI commits it, the administrator's
    service writes its audit row first."""
    login = (login or "").strip().lower()
    if not LOGIN_PATTERN.fullmatch(login) or len(login) > MAX_LOGIN_LENGTH:
        raise ValidationFailed("Логин: латинские строчные буквы, цифры, точка, дефис и подчёркивание, "
                               f"не длиннее {MAX_LOGIN_LENGTH} символов, с буквы или цифры")
    if session.exec(select(User.id).where(User.login == login)).first() is not None:
        raise ValidationFailed(f"Логин «{login}» уже занят")
    full_name = check_full_name(full_name)
    chosen_role = role_from(role)
    organization_id = organization_for(session, chosen_role, organization)
    email = check_email(email)
    check_password(password)
    user = User(login=login, full_name=full_name, role=chosen_role, organization_id=organization_id,
                email=email, password_hash=hash_password(password), is_active=True)
    session.add(user)
    session.flush()
    return user


def create_user(session: Session, *, login: str, full_name: str, role: str, password: str,
                organization: str | None = None, email: str | None = None) -> User:
    user = new_user(session, login=login, full_name=full_name, role=role, password=password,
                    organization=organization, email=email)
    _audit(session, AuditKind.USER_CREATE, user, changes=[
        ("Роль", None, ROLE_LABELS[Role(user.role)]), ("Имя", None, user.full_name), ("Почта", None, user.email)])
    session.commit()
    return user


def _audit(session: Session, kind: AuditKind, user: User, changes=None) -> None:
    """The operator's commands are changes too: the audit page shows them (no administrator account
    acted, so «who» is the platform, and the row says it came from the command line)."""
    audit.record(session, actor=OPERATOR, kind=kind, object_type=AuditObject.USER, object_id=user.id,
                 label=user.login, changes=changes, note="командой python -m pos_dashboard user")


def check_full_name(full_name: str | None) -> str:
    full_name = " ".join((full_name or "").split()) if isinstance(full_name, str) else ""
    if not full_name or len(full_name) > FULL_NAME_MAX:
        raise ValidationFailed(f"Укажите имя (до {FULL_NAME_MAX} символов)")
    return full_name


def check_email(email: str | None) -> str | None:
    email = (email or "").strip() if isinstance(email, str) else ""
    if email and (len(email) > EMAIL_MAX or not EMAIL_PATTERN.fullmatch(email)):
        raise ValidationFailed(f"Адрес электронной почты указан неверно (вида name@example.ru, до {EMAIL_MAX} символов)")
    return email or None


def organization_for(session: Session, role: Role, organization: str | None) -> int | None:
    """The binding rule of roles: organisation staff belong to one active organisation, nobody else to any."""
    organization = (organization or "").strip() if isinstance(organization, str) else ""
    if role == Role.ORG_STAFF:
        if not organization:
            raise ValidationFailed("Сотруднику организации нужна организация: укажите её номер или название")
        found = find_organization(session, organization)
        if not found.is_active:
            raise ValidationFailed(f"Организация «{found.name}» отключена: выберите действующую")
        return found.id
    if organization:
        raise ValidationFailed(f"Роль «{ROLE_LABELS[role]}» не привязывается к организации")
    return None


def _user(session: Session, login: str) -> User:
    user = session.exec(select(User).where(User.login == login.strip().lower())).first()
    if user is None:
        raise ValidationFailed(f"Учётная запись «{login}» не найдена")
    return user


def set_password(session: Session, *, login: str, password: str, now: datetime | None = None) -> int:
    """A new password set by an operator; every session of the account ends. Returns how many."""
    user = _user(session, login)
    ended = replace_password(session, user, password, now=now)
    _audit(session, AuditKind.USER_PASSWORD, user)
    session.commit()
    return ended


def replace_password(session: Session, user: User, password: str, *, now: datetime | None = None) -> int:
    """Check and set a password (not committed); every session of the account ends. Returns how many."""
    check_password(password)
    user.password_hash = hash_password(password)
    session.add(user)
    return sessions.revoke_all(session, user_id=user.id, reason=sessions.Reason.PASSWORD_CHANGED, now=now or utcnow())


def deactivate(session: Session, *, login: str, now: datetime | None = None) -> int:
    """Switch the account off; its sessions end at once. Returns how many sessions ended."""
    user = _user(session, login)
    ended = switch_off(session, user, now=now)
    _audit(session, AuditKind.USER_DEACTIVATE, user, changes=[("Действует", True, False)])
    session.commit()
    return ended


def switch_off(session: Session, user: User, *, now: datetime | None = None) -> int:
    """Switch the account off (not committed); its sessions end at once. Returns how many."""
    if not user.is_active:
        raise ValidationFailed(f"Учётная запись «{user.login}» уже отключена")
    user.is_active = False
    session.add(user)
    return sessions.revoke_all(session, user_id=user.id, reason=sessions.Reason.DEACTIVATED, now=now or utcnow())


def list_users(session: Session, role: str | None = None) -> list[tuple[User, str]]:
    """Accounts with their organisation's name, staff roles first."""
    query = select(User, Organization.name).join(Organization, isouter=True).order_by(User.role, User.login)
    if role:
        query = query.where(User.role == role_from(role))
    return [(user, name or "") for user, name in session.exec(query).all()]
