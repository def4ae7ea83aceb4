"""Answer templates an organisation keeps per category (FixMyStreet's response templates)."""

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from .types import UTCDateTime, utcnow

TITLE_MAX = 200
TEMPLATES_PER_ORGANIZATION_MAX = 200


class AnswerTemplate(SQLModel, table=True):
    """A ready answer text of one organisation; a null category means "any category"."""

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    category_id: int | None = Field(default=None, foreign_key="category.id")
    title: str
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
