"""`python -m pos_dashboard user add|passwd|deactivate|list|orgs`: operator accounts of REFLEX_DB_URL.

The password is asked twice at a prompt, or read as the first line of stdin with --password-stdin
(for scripts: `printf '%s\\n' "$PASSWORD" | python -m pos_dashboard user add …`); it is never an
argument, so it stays out of the shell history and the process list."""

import getpass
import sys

from sqlmodel import Session, select

from ..db import make_engine
from ..domain.enums import ROLE_LABELS
from ..domain.models import Organization
from ..services import accounts
from ..services.errors import ServiceError
from ..settings import db_url


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add", help="создать учётную запись")
    add.add_argument("login")
    add.add_argument("--role", required=True,
                     help="роль: " + ", ".join(role.value for role in accounts.ASSIGNABLE_ROLES))
    add.add_argument("--name", required=True, help="ФИО или название учётной записи")
    add.add_argument("--organization", help="номер или точное название организации (для org_staff)")
    add.add_argument("--email")
    add.add_argument("--password-stdin", action="store_true", help="прочитать пароль из первой строки stdin")
    passwd = sub.add_parser("passwd", help="задать новый пароль (все сеансы учётной записи завершаются)")
    passwd.add_argument("login")
    passwd.add_argument("--password-stdin", action="store_true", help="прочитать пароль из первой строки stdin")
    deactivate = sub.add_parser("deactivate", help="отключить учётную запись (все её сеансы завершаются)")
    deactivate.add_argument("login")
    listing = sub.add_parser("list", help="список учётных записей")
    listing.add_argument("--role")
    sub.add_parser("orgs", help="номера и названия организаций")


def _password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Пароль: ")
    accounts.check_password(first, getpass.getpass("Пароль ещё раз: "))
    return first


def run(args) -> int:
    engine = make_engine(db_url())
    try:
        with Session(engine) as session:
            return _ACTIONS[args.action](session, args)
    except ServiceError as error:
        print(f"Ошибка: {error.message}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()


def _add(session, args) -> int:
    user = accounts.create_user(session, login=args.login, full_name=args.name, role=args.role,
                                organization=args.organization, email=args.email, password=_password(args))
    print(f"Учётная запись «{user.login}» создана: {ROLE_LABELS[user.role]}, №{user.id}")
    return 0


def _passwd(session, args) -> int:
    ended = accounts.set_password(session, login=args.login, password=_password(args))
    print(f"Пароль «{args.login}» изменён; завершено сеансов: {ended}")
    return 0


def _deactivate(session, args) -> int:
    ended = accounts.deactivate(session, login=args.login)
    print(f"Учётная запись «{args.login}» отключена; завершено сеансов: {ended}")
    return 0


def _list(session, args) -> int:
    for user, organization in accounts.list_users(session, args.role):
        state = "" if user.is_active else "  [отключена]"
        print(f"{user.login:<24} {ROLE_LABELS[user.role]:<28} {user.full_name:<36} {organization}{state}")
    return 0


def _orgs(session, args) -> int:
    for org_id, name in session.exec(select(Organization.id, Organization.name).order_by(Organization.name)):
        print(f"{org_id:>6}  {name}")
    return 0


_ACTIONS = {"add": _add, "passwd": _passwd, "deactivate": _deactivate, "list": _list, "orgs": _orgs}
