"""A clean checkout stays clean and quiet: the files a run leaves behind are ignored by git, and
Reflex's own schema check (which cannot see the search structures our migrations make) stays off."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pos_dashboard.migrations import upgrade

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout")
def test_files_left_by_a_run_are_ignored_by_git():
    for name in ("pos_dashboard.db", "pos_dashboard.db-shm", "pos_dashboard.db-wal", ".web/package.json", ".states/x"):
        assert subprocess.run(["git", "check-ignore", "-q", name], cwd=ROOT).returncode == 0, name


def test_reflex_start_does_not_report_schema_changes_on_a_migrated_database(tmp_path):
    """`reflex run` calls this check while compiling; Alembic (our migrations) is in charge."""
    url = "sqlite:///" + str(tmp_path / "migrated.db")
    upgrade(url)
    check = ("import pos_dashboard.domain\n"
             "from reflex.utils import prerequisites\n"
             "prerequisites.check_schema_up_to_date()\n"
             "print('checked')\n")
    env = dict(os.environ, REFLEX_DB_URL=url, REFLEX_TELEMETRY_ENABLED="false")
    env.pop("POS_TEST_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", check], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 0 and "checked" in output, output
    assert "schema changes" not in output and "makemigrations" not in output, output


def test_favicon_is_in_the_assets_folder():
    icon = (ROOT / "assets" / "favicon.ico").read_bytes()
    assert icon[:4] == b"\0\0\1\0"  # an ICO header
