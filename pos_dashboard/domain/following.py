"""Following another person's appeal («уже сообщили»: instead of sending a second appeal about the
same problem, a citizen follows the one already sent). A follower is told of its status changes and
sees its number, category, territory, status, deadline and executor — never its text, address,
author, attachments or answers, which stay between the author and the staff."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from .types import UTCDateTime, utcnow

FOLLOW_MAX = 100  # appeals one citizen may follow at a time


class AppealFollower(SQLModel, table=True):
    __tablename__ = "appeal_follower"
    __table_args__ = (UniqueConstraint("appeal_id", "user_id", name="uq_appeal_follower"),)

    id: int | None = Field(default=None, primary_key=True)
    appeal_id: int = Field(foreign_key="appeal.id", index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
