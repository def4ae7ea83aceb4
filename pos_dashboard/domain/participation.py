"""Surveys (опросы) and public votes (голосования). Tables only for now."""

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .types import UTCDateTime, utcnow


class Survey(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str
    description: str | None = Field(default=None, sa_column=Column(Text))
    territory_id: int | None = Field(default=None, foreign_key="territory.id")
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SurveyQuestion(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True)
    position: int = 0
    text: str
    kind: str = "single"  # single | multiple | text
    options: str | None = Field(default=None, sa_column=Column(Text))  # JSON list


class SurveyResponse(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("question_id", "respondent_id", name="uq_survey_response"),)

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="surveyquestion.id", index=True)
    respondent_id: int = Field(foreign_key="app_user.id")
    answer: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Vote(SQLModel, table=True):
    """A public vote, e.g. which public territory to improve next year. Results are published
    only after `ends_at` (Decidim/CONSUL practice)."""

    id: int | None = Field(default=None, primary_key=True)
    title: str
    description: str | None = Field(default=None, sa_column=Column(Text))
    territory_id: int | None = Field(default=None, foreign_key="territory.id")
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    max_choices: int = 1


class VoteOption(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    vote_id: int = Field(foreign_key="vote.id", index=True)
    title: str
    description: str | None = Field(default=None, sa_column=Column(Text))
    latitude: float | None = None
    longitude: float | None = None


class Ballot(SQLModel, table=True):
    """One person, one ballot per vote: the (vote, voter) pair is unique."""

    __table_args__ = (UniqueConstraint("vote_id", "voter_id", name="uq_ballot_vote_voter"),)

    id: int | None = Field(default=None, primary_key=True)
    vote_id: int = Field(foreign_key="vote.id", index=True)
    voter_id: int = Field(foreign_key="app_user.id")
    option_ids: str  # JSON list of chosen VoteOption ids (≤ max_choices)
    cast_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
