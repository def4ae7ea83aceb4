"""Tables of the appeal domain. Times are timezone-aware (stored as UTC)."""

from datetime import date, datetime

from sqlalchemy import Column, Index, String, Text, UniqueConstraint, false, true
from sqlalchemy import text as sql_text
from sqlmodel import Field, SQLModel

from .enums import OPEN_STATUS_SQL, AnswerKind, Channel, DeadlineKind, EventKind, OrgType, ReviewState, Role, Status
from .kpi_measures import INTERIM_ANSWERS_WHERE, KPI_EVENTS_WHERE
from .types import UTCDateTime, utcnow


def _code(default=None, index: bool = False):
    """Enum columns are stored as their plain string codes (no database ENUM types to migrate)."""
    return Field(default=default, sa_type=String(32), index=index, nullable=default is None)


def _time(index: bool = False, nullable: bool = True):
    return Field(default=None, sa_type=UTCDateTime, index=index, nullable=nullable)


class Territory(SQLModel, table=True):
    """A municipality (муниципальное образование / район) or a sub-territory (МО, округ)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    kind: str = "municipality"  # municipality | district | okrug | settlement
    parent_id: int | None = Field(default=None, foreign_key="territory.id", index=True)
    external_ref: str | None = Field(default=None, unique=True)


class Organization(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    org_type: OrgType = _code(OrgType.OTHER)
    territory_id: int | None = Field(default=None, foreign_key="territory.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    external_ref: str | None = Field(default=None, unique=True)
    # Switched off by an administrator: no new staff, no routing rules, not offered in triage.
    is_active: bool = Field(default=True, sa_column_kwargs={"server_default": true()})


class User(SQLModel, table=True):
    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(unique=True)
    full_name: str
    email: str | None = None
    role: Role = _code(Role.CITIZEN, index=True)
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    password_hash: str | None = None
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # A citizen's registration data: who may take part in a territory's votes and surveys.
    birth_date: date | None = None
    territory_id: int | None = Field(default=None, foreign_key="territory.id")


class Category(SQLModel, table=True):
    """A node of the category tree; a leaf (подкатегория) carries the deadline rule."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    parent_id: int | None = Field(default=None, foreign_key="category.id", index=True)
    deadline_days: int = 30
    deadline_kind: DeadlineKind = _code(DeadlineKind.WORKING)
    expedited: bool = False  # «часы»: short deadline, urgent problems
    evidence_required: bool = False  # the answer must carry a photo of the result
    external_ref: str | None = Field(default=None, unique=True)
    # False for an imported category whose source never states its deadline (the card says so
    # instead of showing deadline_days, which then only serves appeals made on the platform)
    deadline_stated: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    # Switched off by an administrator (a category with appeals is never deleted): not offered to citizens.
    is_active: bool = Field(default=True, sa_column_kwargs={"server_default": true()})


class RoutingRule(SQLModel, table=True):
    """Category × territory → organisation. A null territory means "anywhere in the region"."""

    __table_args__ = (UniqueConstraint("category_id", "territory_id", name="uq_routing_category_territory"),)

    id: int | None = Field(default=None, primary_key=True)
    category_id: int = Field(foreign_key="category.id", index=True)
    territory_id: int | None = Field(default=None, foreign_key="territory.id")
    organization_id: int = Field(foreign_key="organization.id")


class Appeal(SQLModel, table=True):
    """An appeal (обращение). `status` and the timestamps below are kept by the services
    in step with the event log, which stays the source of truth."""

    __table_args__ = (
        Index("ix_appeal_status_deadline", "status", "deadline_at"),
        Index("ix_appeal_org_status_deadline", "organization_id", "status", "deadline_at"),
        Index("ix_appeal_category_created", "category_id", "created_at"),
        Index("ix_appeal_territory_created", "territory_id", "created_at"),
        # The queue's top-level category and territory filters (kept by services/queue_counters).
        Index("ix_appeal_top_category_status_deadline", "top_category_id", "status", "deadline_at"),
        Index("ix_appeal_top_territory_status_deadline", "top_territory_id", "status", "deadline_at"),
        # Both together: a short range holding what the page tests and orders by (revision b5e2d8c4f1a7).
        Index("ix_appeal_top_place_category", "top_territory_id", "top_category_id", "status", "deadline_at",
              "created_at"),
        # «Уже сообщили» and the territory of a point: a bounding box on the map (analytics/nearby.py).
        Index("ix_appeal_lat_lon", "latitude", "longitude"),
        # The open queue by deadline: only the open appeals (a few per cent), so the first page does
        # not walk the closed ones (revision a7d3c9e1b2f4).
        Index("ix_appeal_open_deadline", "deadline_at", "id", sqlite_where=sql_text(OPEN_STATUS_SQL),
              postgresql_where=sql_text(OPEN_STATUS_SQL)),
        # … and in creation order («oldest first» of the open queue: the open appeals are the recent ones).
        Index("ix_appeal_open_created", "created_at", "id", "status", "top_category_id", "top_territory_id",
              sqlite_where=sql_text(OPEN_STATUS_SQL), postgresql_where=sql_text(OPEN_STATUS_SQL)),
        # The exact KPI scan (services/kpi_facts.load_frame) reads only this index, never the rows with
        # their texts; a period is a range of it.
        Index("ix_appeal_kpi", "created_at", "id", "territory_id", "organization_id", "category_id", "status",
              "rating", "first_answer_at", "deadline_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    external_ref: str | None = Field(default=None, unique=True)
    citizen_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    category_id: int = Field(foreign_key="category.id")
    territory_id: int | None = Field(default=None, foreign_key="territory.id")
    organization_id: int | None = Field(default=None, foreign_key="organization.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    channel: Channel = _code(Channel.WEB)
    status: Status = _code(Status.MODERATION)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Execution clock: set when the appeal reaches an organisation; moved by pauses and the extension.
    deadline_at: datetime | None = _time(index=True)
    stage_due_at: datetime | None = _time()  # due time of the current stage (moderation, review …)
    paused_at: datetime | None = _time()  # set while waiting for the citizen's clarification
    extended: bool = False
    first_answer_at: datetime | None = _time()
    final_answer_at: datetime | None = _time()
    closed_at: datetime | None = _time()
    rating: int | None = None
    # Bumped by every change the services make: a change is written only if the appeal still has
    # the version it was read at, so two simultaneous actions cannot both land (SQLite ignores
    # SELECT … FOR UPDATE).
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Denormalised roots of category_id and territory_id, for the queue's filters.
    top_category_id: int | None = None
    top_territory_id: int | None = None
    # Imported history: the appeal stays as its source left it; no clock or action of the platform
    # touches it. An import with --adopt hands appeals over instead, their clocks starting at adopted_at.
    source_history: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    adopted_at: datetime | None = _time()
    # The lemmas of the text for the word search (domain/search_words.document_words); every writer
    # of appeals fills it.
    search_words: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # The address as the search reads it (search_words.folded_address: lower case, ё as е), tested
    # with a plain LIKE on the rows the queue walks; set by services/search_terms for every new appeal.
    search_address: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class AppealEvent(SQLModel, table=True):
    """Append-only audit log of an appeal: who did what, when, from which status to which, why."""

    __table_args__ = (
        Index("ix_event_appeal_at", "appeal_id", "at", "id"),
        # The audit page (analytics/audit_log.py): newest first, by who, by action.
        Index("ix_event_at", "at", "id"),
        Index("ix_event_actor_at", "actor_id", "at", "id"),
        Index("ix_event_action_at", "action", "at", "id"),
        # The events the KPIs read (about one in six), in the order the exact KPI scan wants them.
        Index("ix_event_kpi", "appeal_id", "at", "id", "kind", "action", "to_status",
              sqlite_where=sql_text(KPI_EVENTS_WHERE), postgresql_where=sql_text(KPI_EVENTS_WHERE)),
    )

    id: int | None = Field(default=None, primary_key=True)
    appeal_id: int = Field(foreign_key="appeal.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id")
    actor_role: Role = _code(Role.SYSTEM)
    kind: EventKind = _code(EventKind.TRANSITION)
    action: str
    from_status: Status | None = _code()
    to_status: Status | None = _code()
    reason: str | None = Field(default=None, sa_column=Column(Text))
    payload: str | None = Field(default=None, sa_column=Column(Text))  # JSON


class Answer(SQLModel, table=True):
    __table_args__ = (
        # The appeals with an interim answer, for the exact KPI scan (a few per cent of the answers).
        Index("ix_answer_interim", "appeal_id", sqlite_where=sql_text(INTERIM_ANSWERS_WHERE),
              postgresql_where=sql_text(INTERIM_ANSWERS_WHERE)),
    )

    id: int | None = Field(default=None, primary_key=True)
    appeal_id: int = Field(foreign_key="appeal.id", index=True)
    organization_id: int | None = Field(default=None, foreign_key="organization.id")
    author_id: int | None = Field(default=None, foreign_key="app_user.id")
    kind: AnswerKind = _code(AnswerKind.FINAL)
    text: str = Field(sa_column=Column(Text, nullable=False))
    planned_date: date | None = None  # interim answers promise a completion date
    attachments: str | None = Field(default=None, sa_column=Column(Text))  # JSON list of stored files
    review_state: ReviewState = _code(ReviewState.PENDING)
    review_comment: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Rating(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("appeal_id", "citizen_id", name="uq_rating_appeal_citizen"),)

    id: int | None = Field(default=None, primary_key=True)
    appeal_id: int = Field(foreign_key="appeal.id", index=True)
    citizen_id: int = Field(foreign_key="app_user.id")
    score: int
    comment: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Dispute(SQLModel, table=True):
    """Обжалование: the citizen contests the decision; the appeal goes under control."""

    id: int | None = Field(default=None, primary_key=True)
    appeal_id: int = Field(foreign_key="appeal.id", index=True)
    citizen_id: int = Field(foreign_key="app_user.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resolved_at: datetime | None = _time()
    outcome: str | None = None  # re_review | confirmed


class SearchPair(SQLModel, table=True):
    """How many appeals have two lemmas together, for the pairs people searched (services/search_pairs):
    per status when learnt exactly (`status` "*" then holds the total), or only a lower bound of the
    total (`status` "+") when the pair was common. Kept beside `SearchTerm` by the same writers; the
    queue reads it to tell two words that never meet, or often do, without intersecting their
    postings in the index."""

    first: str = Field(sa_column=Column(Text().with_variant(Text(collation="C"), "postgresql"), primary_key=True))
    second: str = Field(sa_column=Column(Text().with_variant(Text(collation="C"), "postgresql"), primary_key=True))
    status: str = Field(sa_type=String(32), primary_key=True)
    appeals: int = 0


class QueueTally(SQLModel, table=True):
    """How many appeals have each status, per top category, top territory and organisation (0 when
    the appeal has none), kept by services/queue_counters in the transaction that changes them."""

    status: str = Field(sa_type=String(32), primary_key=True)
    top_category_id: int = Field(primary_key=True, default=0)
    top_territory_id: int = Field(primary_key=True, default=0)
    organization_id: int = Field(primary_key=True, default=0)
    n: int = 0


class SearchTerm(SQLModel, table=True):
    """How many appeals of each status have a term: a lemma of their text (`field` "word", from
    `Appeal.search_words`) or a run of letters and digits of their address ("address", from
    `Appeal.search_address`). Kept by services/search_terms in the transaction that changes the
    appeals; the queue reads it to know how often a search can match before reading any appeal."""

    field: str = Field(sa_type=String(16), primary_key=True)
    # Binary order on PostgreSQL too, so that the words beginning with a prefix are one range.
    term: str = Field(sa_column=Column(Text().with_variant(Text(collation="C"), "postgresql"), primary_key=True))
    status: str = Field(sa_type=String(32), primary_key=True)
    appeals: int = 0


class ScopedTerm(SQLModel, table=True):
    """How many appeals of each status have a lemma of their text, per top category (`scope`
    "category") and per top territory ("territory"; `node_id` is the top node). Kept beside
    `SearchTerm` by services/search_terms: the queue reads a word's status counts under a top-level
    filter from it instead of walking the filter's appeals (a word absent from a category is known at
    once, and a common one's counts there are exact)."""

    term: str = Field(sa_column=Column(Text().with_variant(Text(collation="C"), "postgresql"), primary_key=True))
    scope: str = Field(sa_type=String(16), primary_key=True)
    node_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    status: str = Field(sa_type=String(32), primary_key=True)
    appeals: int = 0


class QueueVersion(SQLModel, table=True):
    """One row whose number grows in every transaction that changes an appeal: the open queues poll it."""

    id: int = Field(default=1, primary_key=True)
    version: int = 0


class SourceSnapshot(SQLModel, table=True):
    """A historical import's «data as of» moment (the newest event time in its source): overdue and
    at-risk are judged at this moment for the appeals that are still the source's history."""

    source: str = Field(sa_type=String(32), primary_key=True)  # e.g. "spb"
    data_as_of: datetime = Field(sa_type=UTCDateTime, nullable=False)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
