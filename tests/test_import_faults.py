"""Faults injected into the «Наш Санкт-Петербург» import (issue 11): bad rows are skipped and named
while the rest imports; bad files stop before any row; a database that fails stops the import with
exit code 3 after a bounded retry, and a rerun resumes to exactly what a clean import gives; so does
a rerun after kill -9. Small source files in the real files' format are written by the tests.
"""

import csv
import gzip
import io
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, event, func, make_url, select, text
from sqlalchemy.exc import OperationalError
from sqlmodel import SQLModel

from pos_dashboard.__main__ import main
from pos_dashboard.db import make_engine
from pos_dashboard.domain.models import Answer, Appeal, AppealEvent, Category, Organization, Territory
from pos_dashboard.importers.spb import ImportAborted, import_spb
from pos_dashboard.importers.spb_source import EVENT_COLUMNS, SourceError
from tests.conftest import database_url_for_tests
from tests.tcp_proxy import TcpProxy
from tests.test_spb_import import APPEAL_COLUMNS, appeal_row, timeline_rows, write_folder

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BAD_BYTES = "@@NOT-UTF8@@"  # replaced by bytes that are not UTF-8 when the file is written


def _csv_gz(path, columns, rows) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    with gzip.open(path, "wb") as out:
        out.write(buffer.getvalue().encode("utf-8").replace(BAD_BYTES.encode(), b"\xff\xfe\xc3"))


def folder_with(tmp_path, appeals: list[dict], events: list[dict], name="spb") -> str:
    folder = tmp_path / name
    folder.mkdir()
    _csv_gz(folder / "appeals.csv.gz", APPEAL_COLUMNS, appeals)
    _csv_gz(folder / "events.csv.gz", EVENT_COLUMNS, events)
    return str(folder)


def count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model.__table__)).scalar_one()


def snapshot(engine) -> dict:
    """What an import leaves, without generated ids: equal for a resumed and a clean import."""
    with engine.connect() as conn:
        appeals = conn.execute(text(
            "SELECT a.external_ref, a.status, a.created_at, a.deadline_at, t.external_ref, c.external_ref, "
            "(SELECT count(*) FROM appealevent e WHERE e.appeal_id = a.id), "
            "(SELECT count(*) FROM answer n WHERE n.appeal_id = a.id) "
            "FROM appeal a JOIN territory t ON t.id = a.territory_id JOIN category c ON c.id = a.category_id "
            "ORDER BY a.external_ref")).all()
        refs = {model.__tablename__: sorted(conn.execute(select(model.__table__.c.external_ref)).scalars())
                for model in (Territory, Category, Organization)}
        tally = conn.execute(text("SELECT sum(n) FROM queuetally")).scalar()
        facts = conn.execute(text("SELECT count(*) FROM kpi_fact")).scalar()
    return {"appeals": [tuple(map(str, row)) for row in appeals], "refs": refs, "tally": tally, "facts": facts}


# --- bad rows: skipped and named, the rest imports ---

def test_bad_rows_in_the_middle_are_skipped_with_id_line_and_reason_and_the_rest_imports(engine, tmp_path):
    ids = range(1, 11)
    appeals = [appeal_row(i) for i in ids]
    events = [row for i in ids for row in timeline_rows(i)]
    appeals[0]["text"] = "Мусор во дворе,\nвторая строка,\nтретья строка"  # the row spans 3 lines
    route = next(e for e in events if e["appeal_id"] == "3" and e["event"] == "route")
    route["detail"] = route["detail"].replace("05.11.2020", "31.02.2021")  # an impossible date
    appeals[3]["created_at"] = "9999-12-31T23:59:59"  # appeal 4: outside the sane window
    appeals[4]["text"] = "я" * 6000  # appeal 5: over APPEAL_TEXT_MAX
    appeals[5]["text"] = f"Мусор {BAD_BYTES} во дворе"  # appeal 6: bytes that are not UTF-8
    appeals[6]["created_at"] = "2020-10-18T14:54:52+05:00"  # appeal 7: an explicit offset, honoured
    appeals[7]["latitude"] = "север"  # appeal 8: not a number
    skipped = []
    report = import_spb(engine, folder_with(tmp_path, appeals, events), on_skip=skipped.append, batch_size=3)

    assert (report.imported, report.appeals_read, sum(report.skipped.values())) == (5, 10, 5)
    by_id = {s.source_id: s for s in skipped}
    assert sorted(by_id) == ["3", "4", "5", "6", "8"]
    # line of the row's start: header 1, appeal 1 on lines 2–4, appeal 2 on 5, appeal 3 on 6, …
    assert {i: by_id[i].line for i in by_id} == {"3": 6, "4": 7, "5": 8, "6": 9, "8": 11}
    assert by_id["3"].reason == "bad date in route comment" and "31.02.2021" in by_id["3"].detail
    assert by_id["4"].reason == "created_at out of range"
    assert by_id["5"].reason == "text over the limit" and "6000" in by_id["5"].detail
    assert by_id["6"].reason == "not UTF-8" and "строка 9" in by_id["6"].detail
    assert by_id["8"].reason == "bad point"
    assert "пропущено обращение 3 (appeals.csv.gz, строка 6): bad date in route comment" in by_id["3"].line_text()
    with engine.connect() as conn:
        created = conn.execute(select(Appeal.created_at).where(Appeal.external_ref == "spb:appeal:7")).scalar_one()
    assert created == datetime(2020, 10, 18, 9, 54, 52, tzinfo=timezone.utc)  # 14:54 at +05:00, not at +03:00
    assert count(engine, Appeal) == 5 and count(engine, AppealEvent) == 30


def test_a_bad_event_row_rejects_its_appeal_only(engine, tmp_path):
    events = timeline_rows(1) + timeline_rows(2) + timeline_rows(3)
    events[7]["dt"] = "2021-02-31T10:00:00"  # appeal 2's second row: an impossible date
    events[15]["detail"] = BAD_BYTES  # appeal 3: not UTF-8 in events.csv.gz
    skipped = []
    report = import_spb(engine, folder_with(tmp_path, [appeal_row(i) for i in (1, 2, 3)], events),
                        on_skip=skipped.append)
    assert report.imported == 1
    assert [(s.source_id, s.reason) for s in skipped] == [("2", "bad event time"), ("3", "not UTF-8")]
    assert "events.csv.gz, строка 17" in skipped[1].detail


# --- bad files: one Russian line, exit code 2, nothing written ---

def _run_cli(monkeypatch, capsys, url: str, *argv: str) -> tuple[int, str, str]:
    monkeypatch.setenv("REFLEX_DB_URL", url)
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _file_faults(tmp_path) -> dict:
    tmp_path.mkdir(exist_ok=True)
    good = folder_with(tmp_path, [appeal_row(1)], timeline_rows(1), name="good")
    with open(os.path.join(good, "appeals.csv.gz"), "rb") as source:
        whole = source.read()
    cases = {}
    for case, content in [("truncated", whole[: len(whole) // 2]), ("fake", b"id,district\n1,\xd0\x9d\n"),
                          ("empty", b""), ("empty-gzip", gzip.compress(b""))]:
        folder = tmp_path / case
        folder.mkdir()
        (folder / "appeals.csv.gz").write_bytes(content)
        (folder / "events.csv.gz").write_bytes(open(os.path.join(good, "events.csv.gz"), "rb").read())
        cases[case] = str(folder)
    missing = [{k: v for k, v in appeal_row(1).items() if k != "created_at"}]
    cases["no created_at"] = folder_with(tmp_path, [], [], name="nocol")
    _csv_gz(os.path.join(cases["no created_at"], "appeals.csv.gz"),
            [c for c in APPEAL_COLUMNS if c != "created_at"], missing)
    _csv_gz(os.path.join(cases["no created_at"], "events.csv.gz"), EVENT_COLUMNS, timeline_rows(1))
    return cases


@pytest.mark.parametrize("case, words", [("truncated", "архив обрезан"), ("fake", "не архив gzip"),
                                         ("empty", "файл пуст"), ("empty-gzip", "файл пуст"),
                                         ("no created_at", "нет обязательных столбцов: created_at")])
def test_unreadable_files_stop_before_any_row_with_one_russian_line(tmp_path, monkeypatch, capsys, case, words):
    url = "sqlite:///" + str(tmp_path / "import.db")
    code, out, err = _run_cli(monkeypatch, capsys, url, "import-spb", "--quiet", _file_faults(tmp_path)[case])
    assert code == 2
    lines = [line for line in err.splitlines() if not line.startswith("import-spb: ") or "→" not in line]
    assert len(lines) == 1 and words in lines[0] and "ничего не импортировано" in lines[0], err
    assert "Traceback" not in err + out
    engine = make_engine(url)
    assert count(engine, Appeal) == 0
    with pytest.raises(SourceError, match=words):
        import_spb(engine, _file_faults(tmp_path / "again")[case])
    engine.dispose()


# --- the database fails: bounded retry, exit code 3, a rerun equals a clean import ---

def _source(tmp_path, appeals: int, name="spb") -> str:
    ids = range(1000, 1000 + appeals)
    return write_folder(tmp_path / name, [appeal_row(i) for i in ids], [r for i in ids for r in timeline_rows(i)])


class FailingWrites:
    """Makes every INSERT fail like a full disk once `after` inserts went through, until `heal()`."""

    def __init__(self, engine, after: int):
        self.engine, self.after, self.healed = engine, after, False
        event.listen(engine, "before_cursor_execute", self._check)

    def _check(self, conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO APPEAL ") and not self.healed:
            self.after -= 1
            if self.after < 0:
                raise OperationalError(statement, parameters, Exception("database or disk is full"))

    def heal(self):
        self.healed = True


def test_a_failing_database_stops_the_import_after_the_retries_and_a_rerun_resumes(engine, tmp_path):
    folder = _source(tmp_path, 40)
    failing = FailingWrites(engine, after=3)
    started = time.monotonic()
    with pytest.raises(ImportAborted) as stopped:
        import_spb(engine, folder, batch_size=5, retry_delays=(0.05, 0.05))
    assert time.monotonic() - started < 5
    assert "на диске нет места" in stopped.value.message and "disk is full" in stopped.value.message
    report = stopped.value.report
    assert (report.imported, report.retries, sum(report.skipped.values())) == (15, 2, 0)  # no row blamed
    assert count(engine, Appeal) == 15
    failing.heal()
    again = import_spb(engine, folder, batch_size=5)
    assert (again.imported, again.already_present, sum(again.skipped.values())) == (25, 15, 0)
    resumed = snapshot(engine)
    clean_engine = make_engine(_own_database("clean", tmp_path))  # same backend as `engine`
    SQLModel.metadata.create_all(clean_engine)
    import_spb(clean_engine, folder, batch_size=7)
    assert resumed == snapshot(clean_engine) and len(resumed["appeals"]) == 40
    clean_engine.dispose()


def test_a_read_only_sqlite_database_is_a_clear_error(tmp_path, monkeypatch, capsys):
    path = tmp_path / "ro.db"
    code, _, _ = _run_cli(monkeypatch, capsys, f"sqlite:///{path}", "migrate")
    assert code == 0
    folder = _source(tmp_path, 3)
    code, out, err = _run_cli(monkeypatch, capsys, f"sqlite:///file:{path}?mode=ro&uri=true",
                              "import-spb", "--quiet", "--retries", "1", folder)
    assert code == 3 and "Traceback" not in err
    assert "только для чтения" in err.splitlines()[-1] and "продолжится с места остановки" in err.splitlines()[-1]


# --- kill -9 and a cut connection: subprocesses ---

def _command(url: str, folder: str, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "REFLEX_DB_URL": url, "PYTHONPATH": ROOT}
    return subprocess.Popen([sys.executable, "-m", "pos_dashboard", "import-spb", "--quiet", *extra, folder],
                            env=env, cwd=str(os.path.dirname(folder)), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_for_rows(engine, minimum: int, process: subprocess.Popen, timeout: float = 300) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            written = count(engine, Appeal)
        except Exception:  # noqa: BLE001  (the schema may not exist yet)
            written = 0
        if written >= minimum:
            return written
        if process.poll() is not None:
            pytest.fail(f"the import ended before the fault: {process.communicate()}")
        time.sleep(0.02)
    pytest.fail("the import wrote nothing in time")


def _own_database(suffix: str, tmp_path) -> str:
    """The test's own database: a SQLite file, or <test database>_<suffix> on PostgreSQL."""
    url = os.environ.get("POS_TEST_DATABASE_URL")
    if not url:
        return "sqlite:///" + str(tmp_path / f"{suffix}.db")
    parsed = make_url(url)
    name = f"{parsed.database}_{suffix}"
    admin = create_engine(parsed, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def test_kill_9_during_an_import_then_a_rerun_equals_a_clean_import(tmp_path, tmp_path_factory):
    folder = _source(tmp_path, 1500)
    url = _own_database("kill9", tmp_path)
    engine = make_engine(url)
    process = _command(url, folder, "--batch-size", "10")
    written = _wait_for_rows(engine, 50, process)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL
    at_kill = count(engine, Appeal)
    assert written <= at_kill < 1500, "the kill must land during the import"
    rerun = _command(url, folder, "--batch-size", "10")
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    assert f"Уже были в базе: {at_kill}" in out and "Пропущено обращений: 0" in out
    clean = make_engine(database_url_for_tests(tmp_path_factory))
    SQLModel.metadata.drop_all(clean)
    SQLModel.metadata.create_all(clean)
    import_spb(clean, folder)
    assert snapshot(engine) == snapshot(clean)
    assert count(engine, AppealEvent) == count(clean, AppealEvent) == 9000
    assert count(engine, Answer) == 1500
    engine.dispose()
    SQLModel.metadata.drop_all(clean)
    clean.dispose()


def test_postgresql_cut_during_an_import_exits_3_and_a_rerun_resumes(tmp_path):
    url = os.environ.get("POS_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (POS_TEST_DATABASE_URL): the connection is cut by a TCP proxy")
    direct = make_url(_own_database("cut", tmp_path))
    proxy = TcpProxy(direct.host or "127.0.0.1", direct.port or 5432)
    via_proxy = direct.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    engine = make_engine(direct.render_as_string(hide_password=False))
    folder = _source(tmp_path, 1500)
    try:
        process = _command(via_proxy, folder, "--batch-size", "10", "--retries", "2")
        _wait_for_rows(engine, 50, process)
        proxy.cut()
        cut_at = time.monotonic()
        out, err = process.communicate(timeout=120)
        stopped_after = time.monotonic() - cut_at
        assert process.returncode == 3, err
        assert "Traceback" not in err and "импорт остановлен: сбой базы данных" in err.splitlines()[-1]
        assert stopped_after < 30  # pauses 1 + 2 s, connect attempts refused at once
        written = count(engine, Appeal)
        assert 0 < written < 1500
        proxy.restore()
        rerun = _command(via_proxy, folder, "--batch-size", "100")
        out, err = rerun.communicate(timeout=300)
        assert rerun.returncode == 0, err
        assert f"Уже были в базе: {written}" in out
        assert count(engine, Appeal) == 1500 and count(engine, AppealEvent) == 9000
    finally:
        proxy.close()
        engine.dispose()
