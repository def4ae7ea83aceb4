"""Process-wide settings read from the environment. No Reflex import here."""

import os
from dataclasses import dataclass
from zoneinfo import ZoneInfo

DEFAULT_DB_URL = "sqlite:///pos_dashboard.db"


def db_url() -> str:
    return os.environ.get("REFLEX_DB_URL") or DEFAULT_DB_URL


# The demo region lives in Moscow time; a Kamchatka deployment sets POS_REGION_TZ=Asia/Kamchatka.
def region_tz() -> ZoneInfo:
    return ZoneInfo(os.environ.get("POS_REGION_TZ", "Europe/Moscow"))


# --- e-mail notifications (services/dispatcher.py) ---

@dataclass(frozen=True)
class SmtpSettings:
    """Where the dispatcher sends e-mail. No host: sending is off and e-mail rows stay queued."""

    host: str = ""
    port: int = 25
    sender: str = "noreply@example.ru"
    security: str = "none"  # none | starttls | ssl
    user: str = ""
    password: str = ""
    timeout_s: float = 30.0

    @property
    def enabled(self) -> bool:
        return bool(self.host)


def smtp_settings() -> SmtpSettings:
    """POS_SMTP_HOST, POS_SMTP_PORT, POS_SMTP_SENDER, POS_SMTP_SECURITY (none/starttls/ssl),
    POS_SMTP_USER, POS_SMTP_PASSWORD, POS_SMTP_TIMEOUT."""
    env = os.environ
    security = env.get("POS_SMTP_SECURITY", "none").strip().lower()
    if security not in ("none", "starttls", "ssl"):
        raise ValueError("POS_SMTP_SECURITY: none, starttls или ssl")
    return SmtpSettings(host=env.get("POS_SMTP_HOST", "").strip(), port=int(env.get("POS_SMTP_PORT", "25")),
                        sender=env.get("POS_SMTP_SENDER", "noreply@example.ru"), security=security,
                        user=env.get("POS_SMTP_USER", ""), password=env.get("POS_SMTP_PASSWORD", ""),
                        timeout_s=float(env.get("POS_SMTP_TIMEOUT", "30")))


def public_url() -> str:
    """The address citizens open the app at, for links in e-mails (POS_PUBLIC_URL)."""
    return os.environ.get("POS_PUBLIC_URL", "http://localhost:3000").rstrip("/")


# --- attachments (services/attachments.py) ---

def attachments_dir() -> str:
    """Where attached files are kept (POS_ATTACHMENTS_DIR): outside the web root, never under
    assets/ or .web/. Default: ./attachments beside the default SQLite database (git-ignored)."""
    return os.path.abspath(os.environ.get("POS_ATTACHMENTS_DIR") or "attachments")


def tile_url() -> str:
    """Map tiles for the appeal form (POS_TILE_URL; empty: no tiles); the form works without them."""
    return os.environ.get("POS_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")


def map_center() -> tuple[float, float, int]:
    """Where the form's map opens (POS_MAP_CENTER = «lat,lon,zoom»): by default the demo region."""
    lat, lon, zoom = (os.environ.get("POS_MAP_CENTER") or "59.71,38.44,8").split(",")
    return float(lat), float(lon), int(zoom)
