"""Tables of log-in security: server-side sessions and the log-in throttle. Times are UTC."""

from datetime import datetime

from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from .types import UTCDateTime, utcnow

CLIENT_MAX_CHARS = 200  # user agent and address, as shown on the account page
REASON_MAX_CHARS = 32


class UserSession(SQLModel, table=True):
    """One log-in. The browser holds a random token; only its SHA-256 is stored, so a copy of this
    table does not let anyone log in."""

    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_user_revoked", "user_id", "revoked_at"),)

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_type=String(64), unique=True)
    user_id: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)  # absolute limit, whatever the activity
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoke_reason: str | None = Field(default=None, sa_type=String(REASON_MAX_CHARS))
    client: str = Field(default="", sa_type=String(CLIENT_MAX_CHARS))


class LoginThrottle(SQLModel, table=True):
    """Failed log-ins counted per key ("login:<name>" or "addr:<ip>"), shared by every worker."""

    __tablename__ = "login_throttle"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_type=String(200), unique=True)
    failures: int = 0
    last_failure_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
