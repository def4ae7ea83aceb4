"""Surveys (опросы) and public votes (голосования): tables and the pure rules of taking part."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .types import UTCDateTime, utcnow


class Survey(SQLModel, table=True):
    """A survey (опрос). Drafts (`published_at` empty) are seen only by the builders; eligibility,
    age and results visibility follow the same rules as votes."""

    id: int | None = Field(default=None, primary_key=True)
    title: str
    description: str | None = Field(default=None, sa_column=Column(Text))
    territory_id: int | None = Field(default=None, foreign_key="territory.id")
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    eligibility: str = Field(default="residents", max_length=20)  # Eligibility
    min_age: int = 14
    results_visibility: str = Field(default="after_close", max_length=20)  # ResultsVisibility
    closed_early_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")

    def closes_at(self) -> datetime:
        return min(self.ends_at, self.closed_early_at) if self.closed_early_at else self.ends_at


class SurveyQuestion(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True)
    position: int = 0
    text: str
    kind: str = "single"  # QuestionKind
    options: str | None = Field(default=None, sa_column=Column(Text))  # JSON list of option texts (matrix: columns)
    required: bool = True
    max_choices: int | None = None  # multiple choice: at most this many
    scale_max: int | None = None  # scale: 5 or 10
    matrix_rows: str | None = Field(default=None, sa_column=Column(Text))  # JSON list of row texts
    # Shown only when the earlier question `condition_question_id` was answered with option `condition_option`.
    condition_question_id: int | None = Field(default=None, foreign_key="surveyquestion.id")
    condition_option: int | None = None


class SurveySubmission(SQLModel, table=True):
    """One person's response to a survey: one per person and survey (the pair is unique). The answers
    to its questions are SurveyResponse rows."""

    __table_args__ = (UniqueConstraint("survey_id", "respondent_id", name="uq_survey_submission"),)

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True)
    respondent_id: int = Field(foreign_key="app_user.id")
    submitted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    client_token: str | None = Field(default=None, max_length=64)
    # Eligibility facts at the moment of submitting, so later profile changes do not move past results.
    respondent_age: int | None = None
    respondent_territory_id: int | None = Field(default=None, foreign_key="territory.id")


class SurveyResponse(SQLModel, table=True):
    """One answer: the JSON value given to one question (an option index, a list of them, a number,
    a text, a ranking or one column index per matrix row)."""

    __table_args__ = (UniqueConstraint("question_id", "respondent_id", name="uq_survey_response"),)

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="surveyquestion.id", index=True)
    respondent_id: int = Field(foreign_key="app_user.id")
    answer: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    submission_id: int | None = Field(default=None, foreign_key="surveysubmission.id", index=True)


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
    eligibility: str = Field(default="residents", max_length=20)  # Eligibility
    min_age: int = 14  # ПОС: from 14 years on the closing day
    results_visibility: str = Field(default="after_close", max_length=20)  # ResultsVisibility
    closed_early_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # None while the builder prepares it: citizens neither see nor vote in an unpublished vote.
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    def closes_at(self) -> datetime:
        return min(self.ends_at, self.closed_early_at) if self.closed_early_at else self.ends_at


class VoteOption(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    vote_id: int = Field(foreign_key="vote.id", index=True)
    title: str
    description: str | None = Field(default=None, sa_column=Column(Text))
    latitude: float | None = None
    longitude: float | None = None
    address: str | None = Field(default=None, max_length=500)
    territory_id: int | None = Field(default=None, foreign_key="territory.id")  # the place's municipality


class Ballot(SQLModel, table=True):
    """One person, one ballot per vote: the (vote, voter) pair is unique."""

    __table_args__ = (UniqueConstraint("vote_id", "voter_id", name="uq_ballot_vote_voter"),)

    id: int | None = Field(default=None, primary_key=True)
    vote_id: int = Field(foreign_key="vote.id", index=True)
    voter_id: int = Field(foreign_key="app_user.id")
    option_ids: str  # JSON list of chosen VoteOption ids (≤ max_choices)
    cast_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The browser's token for this submission: a retry with the same token gets the same answer.
    client_token: str | None = Field(default=None, max_length=64)
    # Eligibility facts at the moment of casting, so later profile changes do not move past results.
    voter_age: int | None = None
    voter_territory_id: int | None = Field(default=None, foreign_key="territory.id")
    client_address: str | None = Field(default=None, max_length=64)


class Eligibility(StrEnum):
    RESIDENTS = "residents"  # registered citizens of the vote's territory and its sub-territories
    EVERYONE = "everyone"  # any registered citizen of the region


class ResultsVisibility(StrEnum):
    AFTER_CLOSE = "after_close"
    LIVE = "live"


def age_on(birth_date: date, day: date) -> int:
    """Full years on `day` (a person born on 29 February turns a year older on 1 March)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def eligibility_refusal(*, vote: Vote, birth_date: date | None, territory_path: list[int],
                        closing_day: date) -> str | None:
    """Why this citizen may not take part in `vote`, or None. `territory_path` is the citizen's
    territory and all its ancestors; `closing_day` is the vote's last day in the region's zone."""
    if birth_date is None:
        return "Укажите дату рождения в профиле: голосовать можно с 14 лет"
    if age_on(birth_date, closing_day) < vote.min_age:
        return f"Голосовать можно с {vote.min_age} лет (возраст на день окончания голосования)"
    if vote.eligibility == Eligibility.RESIDENTS and vote.territory_id is not None:
        if not territory_path:
            return "Укажите в профиле территорию проживания"
        if vote.territory_id not in territory_path:
            return "Голосование проводится для жителей другой территории"
    return None
