"""How the app process serves (pos_dashboard/serving.py): the disk state manager purges its folder at most
once a minute; on PostgreSQL the GIL changes hands every millisecond."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reflex.istate.manager.disk import StateManagerDisk

from pos_dashboard import serving

ROOT = Path(__file__).resolve().parent.parent


def _old_file(folder, name):
    path = folder / name
    path.write_bytes(b"x")
    os.utime(path, (time.time() - 7200, time.time() - 7200))
    return path


def test_expired_state_files_are_purged_at_most_once_a_minute(tmp_path, monkeypatch):
    serving.purge_states_at_most_every()
    assert not serving.purge_states_at_most_every()  # patched once
    manager = object.__new__(StateManagerDisk)
    manager.__dict__["states_directory"] = tmp_path
    manager.token_expiration = 3600
    clock = [1_000_000.0]
    monkeypatch.setattr(serving.time, "monotonic", lambda: clock[0])
    first, fresh = _old_file(tmp_path, "a.pkl"), tmp_path / "b.pkl"
    fresh.write_bytes(b"x")
    manager._purge_expired_states()
    assert not first.exists() and fresh.exists()
    second = _old_file(tmp_path, "c.pkl")
    clock[0] += 30
    manager._purge_expired_states()  # within the minute: not listed again
    assert second.exists()
    clock[0] += 31
    manager._purge_expired_states()
    assert not second.exists() and fresh.exists()


PYTHON_DEFAULT_SWITCH_INTERVAL_S = 0.005


def test_on_postgresql_the_gil_changes_hands_every_millisecond_and_sqlite_keeps_the_default(monkeypatch):
    calls: list[float] = []
    monkeypatch.setattr(sys, "setswitchinterval", calls.append)
    assert not serving.hand_the_gil_over_sooner("sqlite:////tmp/x.db") and calls == []
    assert serving.hand_the_gil_over_sooner("postgresql+psycopg://postgres@127.0.0.1/pos")
    assert calls == [serving.SWITCH_INTERVAL_S] and serving.SWITCH_INTERVAL_S < PYTHON_DEFAULT_SWITCH_INTERVAL_S


@pytest.mark.parametrize("db_url, expected", [
    ("postgresql+psycopg://postgres@127.0.0.1:5432/pos", serving.SWITCH_INTERVAL_S),
    ("sqlite:///pos_dashboard.db", PYTHON_DEFAULT_SWITCH_INTERVAL_S),
])
def test_the_app_module_sets_the_gil_turns_for_its_database(db_url, expected):
    """What granian's worker imports applies the setting for REFLEX_DB_URL (a fresh interpreter:
    this one may have imported the app module under another URL). Nothing connects at import."""
    code = "import sys, pos_dashboard.pos_dashboard; print(sys.getswitchinterval())"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "REFLEX_DB_URL": db_url},
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert float(out.split()[-1]) == expected
