"""Files attached to an appeal by its citizen, or to an answer by the organisation. The bytes live
outside the web root (settings.attachments_dir) under generated keys; the row says whose they are,
what they are (type detected from the content, never from the name) and their checksum."""

from datetime import datetime

from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from .types import UTCDateTime, utcnow

MAX_FILES = 5  # per appeal, and per answer
MAX_BYTES = 10 * 1024 * 1024  # each file
NAME_MAX = 255  # the original name as shown and offered on download
THUMB_PX = 320  # thumbnails fit a 320 × 320 box

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
IMAGE_TYPES = frozenset({JPEG, PNG})


class Attachment(SQLModel, table=True):
    __table_args__ = (Index("ix_attachment_appeal_answer", "appeal_id", "answer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    # Every file belongs to an appeal (access follows the appeal); an answer's files also name it.
    appeal_id: int = Field(foreign_key="appeal.id")
    answer_id: int | None = Field(default=None, foreign_key="answer.id", index=True)
    uploaded_by: int | None = Field(default=None, foreign_key="app_user.id")
    original_name: str = Field(sa_type=String(NAME_MAX))
    content_type: str = Field(sa_type=String(64))
    size: int
    sha256: str = Field(sa_type=String(64))
    storage_key: str = Field(sa_type=String(80), unique=True)
    thumbnail_key: str | None = Field(default=None, sa_type=String(80))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
