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


def test_the_app_process_hands_the_gil_over_every_millisecond():
    """The served app's event loop and its reading threads take turns every 1 ms, not Python's 5 ms
    (serving.hand_the_gil_over_sooner, called when the app module is imported)."""
    import sys

    import pos_dashboard.pos_dashboard  # noqa: F401  (the app module: what granian's worker imports)

    assert serving.SWITCH_INTERVAL_S < 0.005
    assert sys.getswitchinterval() == serving.SWITCH_INTERVAL_S
