"""Process-wide settings read from the environment. No Reflex import here."""

import os
from zoneinfo import ZoneInfo

DEFAULT_DB_URL = "sqlite:///pos_dashboard.db"


def db_url() -> str:
    return os.environ.get("REFLEX_DB_URL") or DEFAULT_DB_URL


# The demo region lives in Moscow time; a Kamchatka deployment sets POS_REGION_TZ=Asia/Kamchatka.
def region_tz() -> ZoneInfo:
    return ZoneInfo(os.environ.get("POS_REGION_TZ", "Europe/Moscow"))
