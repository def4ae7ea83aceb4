"""Reflex's disk state manager purges its folder at most once a minute (pos_dashboard/serving.py)."""

import os
import time

from reflex.istate.manager.disk import StateManagerDisk

from pos_dashboard import serving


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



def test_on_postgresql_the_gil_changes_hands_every_millisecond_and_sqlite_keeps_the_default(monkeypatch):
    import sys

    default = sys.getswitchinterval()
    monkeypatch.setattr(sys, "setswitchinterval", lambda seconds: calls.append(seconds))
    calls: list[float] = []
    assert not serving.hand_the_gil_over_sooner("sqlite:////tmp/x.db") and calls == []
    assert serving.hand_the_gil_over_sooner("postgresql+psycopg://postgres@127.0.0.1/pos")
    assert calls == [serving.SWITCH_INTERVAL_S] and serving.SWITCH_INTERVAL_S < default


def test_the_app_module_sets_the_gil_turns_for_its_database():
    """What granian's worker imports applies the setting for REFLEX_DB_URL."""
    import sys

    import pos_dashboard.pos_dashboard  # noqa: F401
    from pos_dashboard.settings import db_url

    if db_url().startswith("sqlite"):
        assert sys.getswitchinterval() != serving.SWITCH_INTERVAL_S
    else:
        assert sys.getswitchinterval() == serving.SWITCH_INTERVAL_S
