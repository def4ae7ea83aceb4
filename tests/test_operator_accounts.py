"""`python -m pos_dashboard user …`: operators create, re-password, deactivate and list accounts.
The password comes from stdin or a prompt, never from the command line; errors are Russian."""

import io

import pytest
from sqlmodel import Session, select

from pos_dashboard.__main__ import main
from pos_dashboard.domain.enums import Role
from pos_dashboard.domain.models import Organization, User
from pos_dashboard.domain.security import UserSession
from pos_dashboard.services import auth


@pytest.fixture()
def cli(engine, monkeypatch, capsys):
    monkeypatch.setenv("REFLEX_DB_URL", engine.url.render_as_string(hide_password=False))

    def run(*argv, stdin: str = ""):
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(["user", *argv])
        out = capsys.readouterr()
        return code, out.out, out.err
    return run


@pytest.fixture()
def organization(session) -> Organization:
    org = Organization(name="Дорожная служба Северного")
    session.add(org)
    session.commit()
    return org


def _user(engine, login) -> User:
    with Session(engine) as session:
        return session.exec(select(User).where(User.login == login)).one()


def test_an_operator_creates_staff_bound_to_an_organisation(cli, engine, organization):
    code, out, err = cli("add", "Roads.Head", "--role", "org_staff", "--name", "Иванова  Мария",
                         "--organization", "дорожная служба северного", "--password-stdin", stdin="длинный-пароль\n")
    assert (code, err) == (0, "") and "создана" in out
    user = _user(engine, "roads.head")
    assert (user.role, user.organization_id, user.full_name) == (Role.ORG_STAFF, organization.id, "Иванова Мария")
    with Session(engine) as session:
        assert auth.authenticate(session, login="roads.head", password="длинный-пароль").id == user.id


@pytest.mark.parametrize("argv, stdin, message", [
    (("add", "x1", "--role", "boss", "--name", "Икс"), "password1", "Неизвестная роль «boss»"),
    (("add", "x1", "--role", "org_staff", "--name", "Икс"), "password1", "нужна организация"),
    (("add", "x1", "--role", "org_staff", "--name", "Икс", "--organization", "999"), "password1", "№999 не найдена"),
    (("add", "x1", "--role", "official", "--name", "Икс", "--organization", "1"), "password1",
     "не привязывается к организации"),
    (("add", "Ёжик", "--role", "official", "--name", "Икс"), "password1", "Логин: латинские"),
    (("add", "x1", "--role", "official", "--name", "Икс"), "short", "не короче 8"),
    (("add", "x1", "--role", "system", "--name", "Икс"), "password1", "Неизвестная роль"),
    (("passwd", "nobody"), "password1", "«nobody» не найдена"),
])
def test_bad_input_is_refused_in_russian_and_writes_nothing(cli, engine, organization, argv, stdin, message):
    code, out, err = cli(*argv, "--password-stdin", stdin=stdin + "\n")
    assert code == 2 and message in err and out == ""
    with Session(engine) as session:
        assert session.exec(select(User)).all() == []


def test_a_taken_login_is_refused(cli):
    assert cli("add", "ops", "--role", "coordinator", "--name", "Оп", "--password-stdin", stdin="password1\n")[0] == 0
    code, _, err = cli("add", "OPS", "--role", "official", "--name", "Другой", "--password-stdin", stdin="password2\n")
    assert code == 2 and "уже занят" in err


def test_the_password_is_never_an_argument(cli):
    with pytest.raises(SystemExit):
        cli("add", "ops", "--role", "coordinator", "--name", "Оп", "--password", "password1")


def test_passwd_and_deactivate_end_every_session_of_the_account(cli, engine):
    cli("add", "ops", "--role", "coordinator", "--name", "Оп", "--password-stdin", stdin="password1\n")
    with Session(engine) as session:
        for _ in range(2):
            auth.log_in(session, login="ops", password="password1")
        session.commit()
    code, out, _ = cli("passwd", "ops", "--password-stdin", stdin="password2\n")
    assert code == 0 and "завершено сеансов: 2" in out
    with Session(engine) as session:
        assert all(s.revoked_at is not None for s in session.exec(select(UserSession)).all())
        auth.log_in(session, login="ops", password="password2")
        session.commit()
    code, out, _ = cli("deactivate", "ops")
    assert code == 0 and "завершено сеансов: 1" in out and not _user(engine, "ops").is_active
    assert cli("deactivate", "ops")[0] == 2  # already off


def test_list_shows_roles_and_organisations(cli, organization):
    cli("add", "roads", "--role", "org_staff", "--name", "Р", "--organization", str(organization.id),
        "--password-stdin", stdin="password1\n")
    cli("add", "ops", "--role", "coordinator", "--name", "Оп", "--password-stdin", stdin="password1\n")
    code, out, _ = cli("list")
    assert code == 0 and "Дорожная служба Северного" in out and "Координатор ЦУР" in out
    code, out, _ = cli("list", "--role", "coordinator")
    assert "ops" in out and "roads" not in out


def test_the_operators_commands_are_in_the_audit_log(cli, engine, session):
    from pos_dashboard.domain.audit import AdminAudit  # noqa: PLC0415
    add = ("add", "kuznetsov", "--name", "Кузнецов Олег", "--role", "coordinator", "--password-stdin")
    assert cli(*add, stdin="секрет-пароль-1\n")[0] == 0
    assert cli(*add, stdin="секрет-пароль-1\n")[0] != 0  # refused: no audit row
    assert cli("passwd", "kuznetsov", "--password-stdin", stdin="другой-пароль-2\n")[0] == 0
    assert cli("deactivate", "kuznetsov")[0] == 0
    rows = session.exec(select(AdminAudit).order_by(AdminAudit.id)).all()
    assert [(r.kind, r.object_label, r.actor_id) for r in rows] == [
        ("user_create", "kuznetsov", None), ("user_password", "kuznetsov", None), ("user_deactivate", "kuznetsov", None)]
    assert all("командой python -m pos_dashboard user" in r.summary for r in rows)
    assert not any("пароль-" in r.summary for r in rows)  # never a password
    assert "Действует: да → нет" in rows[-1].summary
