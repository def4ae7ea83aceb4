"""The notification outbox: one row per message to one user over one channel, written by the
services in the transaction of the event it tells about (so a rolled-back action leaves none).
E-mail rows wait for the dispatcher (`services/dispatcher.py`); in-app rows are delivered when
written and wait only to be read."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, String, Text
from sqlmodel import Field, SQLModel

from .types import UTCDateTime, utcnow


class NotifyChannel(StrEnum):
    EMAIL = "email"
    IN_APP = "in_app"


class Notification(SQLModel, table=True):
    __table_args__ = (
        # The dispatcher's scan: e-mail rows not yet sent, by due time.
        Index("ix_notification_due", "channel", "sent_at", "next_attempt_at"),
        # The bell: one user's in-app rows, unread first, newest first.
        Index("ix_notification_user_channel_read", "user_id", "channel", "read_at", "id"),
        # Deadline warnings are written once per appeal, stage, user and channel, whichever
        # worker's timer gets there first (NULL for ordinary messages: never equal in SQL).
        Index("uq_notification_dedupe", "dedupe_key", "user_id", "channel", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    channel: NotifyChannel = Field(sa_type=String(16))
    address: str | None = Field(default=None, sa_type=String(320))  # e-mail address when written
    template: str = Field(sa_type=String(48))
    subject: str = Field(sa_type=String(300))
    body: str = Field(sa_column=Column(Text, nullable=False))
    appeal_id: int | None = Field(default=None, foreign_key="appeal.id", index=True)
    dedupe_key: str | None = Field(default=None, sa_type=String(120))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The dispatcher that holds the row (a random token) and until when; an expired lease is
    # free to take again (its holder died between claim and send).
    lease_token: str | None = Field(default=None, sa_type=String(36))
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # gave up: permanent refusal or too many tries
    last_error: str | None = Field(default=None, sa_type=String(500))
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # in-app only
