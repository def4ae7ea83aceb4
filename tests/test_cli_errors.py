"""Operator commands fail with one Russian line and an exit code, never a traceback unless --debug
(issue 11): unreachable databases, bad URLs, read-only files, inconsistent arguments."""

import os
import socket
import subprocess
import sys

import pytest
from sqlalchemy.exc import OperationalError

from pos_dashboard.__main__ import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_cli(monkeypatch, capsys, url: str | None, *argv: str) -> tuple[int, list[str]]:
    if url is None:
        monkeypatch.delenv("REFLEX_DB_URL", raising=False)
    else:
        monkeypatch.setenv("REFLEX_DB_URL", url)
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse's own exit (its error() is ours, and exits 2)
        code = exit_.code
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, err.splitlines()


def test_an_unreachable_postgresql_server_is_one_line_and_exit_3(monkeypatch, capsys):
    url = f"postgresql+psycopg://postgres:secret@127.0.0.1:{_closed_port()}/nothing"
    for command in (["kpi"], ["migrate"], ["rollups", "--rebuild"], ["user", "list"], ["attachments-sweep"]):
        code, lines = run_cli(monkeypatch, capsys, url, *command)
        assert code == 3 and len(lines) == 1, lines
        assert "сервер базы данных не отвечает" in lines[0] and "secret" not in lines[0]


@pytest.mark.parametrize("url, words", [("foo://bar", "неверный адрес базы данных"),
                                        ("not a url", "неверный адрес базы данных")])
def test_a_bad_database_url_is_a_usage_error(monkeypatch, capsys, url, words):
    code, lines = run_cli(monkeypatch, capsys, url, "kpi")
    assert code == 2 and len(lines) == 1 and words in lines[0]


def test_missing_and_read_only_sqlite_files(monkeypatch, capsys, tmp_path):
    code, lines = run_cli(monkeypatch, capsys, f"sqlite:///{tmp_path}/no/such/dir/x.db", "migrate")
    assert code == 3 and len(lines) == 1 and "не удаётся открыть файл базы данных" in lines[0]
    code, lines = run_cli(monkeypatch, capsys, f"sqlite:///{tmp_path}/empty.db", "kpi")
    assert code == 3 and "выполните python -m pos_dashboard migrate" in lines[0]
    assert run_cli(monkeypatch, capsys, f"sqlite:///{tmp_path}/ro.db", "migrate")[0] == 0
    code, lines = run_cli(monkeypatch, capsys, f"sqlite:///file:{tmp_path}/ro.db?mode=ro&uri=true",
                          "rollups", "--rebuild")
    assert code == 3 and len(lines) == 1 and "только для чтения" in lines[0]


@pytest.mark.parametrize("argv, words", [
    (["kpi", "--since", "2021-02-01", "--until", "2021-01-01"], "--until (2021-01-01T00:00:00+03:00) должно быть позже"),
    (["kpi", "--since", "2021-01-01", "--until", "2021-01-01"], "должно быть позже --since"),
    (["kpi", "--since", "вчера"], "не дата: 'вчера'"),
    (["kpi", "--format", "xml"], "недопустимое значение 'xml'"),
    (["import-spb", "--batch-size", "0", "."], "аргумент --batch-size: от 1 до 100000 обращений, а не 0"),
    (["import-spb", "--batch-size", "много", "."], "не целое число: 'много'"),
    (["import-spb", "--retries", "-1", "."], "от 0 до 20"),
    (["import-spb"], "не хватает аргументов: DIR"),
    (["import-spb", "/no/such/folder"], "нет папки /no/such/folder"),
    (["demo", "--appeals", "10"], "--appeals: не меньше"),
    (["demo", "--now", "2025-06-11T10:00:00"], "укажите часовой пояс"),
    (["nothing"], "недопустимое значение 'nothing'"),
    (["rollups"], "Укажите --rebuild"),
])
def test_inconsistent_arguments_are_refused_with_exit_2(monkeypatch, capsys, tmp_path, argv, words):
    code, lines = run_cli(monkeypatch, capsys, f"sqlite:///{tmp_path}/x.db", *argv)
    assert code == 2 and len(lines) == 1 and words in lines[0], lines


def test_debug_shows_the_traceback(monkeypatch, capsys):
    monkeypatch.setenv("REFLEX_DB_URL", f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/nothing")
    with pytest.raises(OperationalError):
        main(["--debug", "kpi"])


def test_the_real_entry_point_prints_one_line_and_no_traceback(tmp_path):
    env = {**os.environ, "PYTHONPATH": ROOT,
           "REFLEX_DB_URL": f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/nothing"}
    done = subprocess.run([sys.executable, "-m", "pos_dashboard", "import-spb", str(tmp_path)], env=env,
                          cwd=str(tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == 3
    assert done.stderr.splitlines() == [done.stderr.strip()] and "Traceback" not in done.stderr
    assert done.stderr.startswith("python -m pos_dashboard import-spb: база данных")


def test_the_attachment_sweep_refuses_a_negative_grace_and_reports_what_it_did(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("POS_ATTACHMENTS_DIR", str(tmp_path / "att"))
    code, lines = run_cli(monkeypatch, capsys, f"sqlite:///{tmp_path / 'x.db'}", "attachments-sweep", "--grace", "-1")
    assert code == 2 and lines == ["python -m pos_dashboard attachments-sweep: --grace не может быть отрицательным"]
