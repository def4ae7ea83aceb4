"""Accountability of voted projects (Decidim's «accountability», ПОС's «voted projects delivered»):
the winning places of a finished vote carry a public list of stages that coordinators keep current."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from .types import UTCDateTime, utcnow


class StageStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"


STAGE_LABELS = {StageStatus.PLANNED: "Запланировано", StageStatus.IN_PROGRESS: "Идут работы",
                StageStatus.DONE: "Выполнено"}


class PlaceProgressStage(SQLModel, table=True):
    """One stage of the works on a winning place (option of a finished vote): design, contract,
    works, acceptance… with its dates and contractor."""

    __tablename__ = "place_progress_stage"

    id: int | None = Field(default=None, primary_key=True)
    option_id: int = Field(foreign_key="voteoption.id", index=True)
    title: str = Field(max_length=200)
    status: str = Field(default=StageStatus.PLANNED.value, max_length=20)
    planned_on: date | None = None
    done_on: date | None = None
    contractor: str | None = Field(default=None, max_length=300)
    note: str | None = Field(default=None, sa_column=Column(Text))
    updated_by: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
