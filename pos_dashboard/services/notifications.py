"""The outbox writer: which workflow events tell whom what. `appeals._log` calls `record` for
every event it writes, in the same session and transaction, so an action and its notifications
are committed together or not at all (a refused or rolled-back action leaves no row). The timers
call `warn_due_deadlines` for organisations whose answer is due within 24 hours.

Every recipient gets an in-app row (the bell) and, when they have an address, an e-mail row that
the dispatcher (services/dispatcher.py) sends later."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from ..domain.enums import MODERATION_REASON_LABELS, STATUS_LABELS, ModerationReason, Role, Status, rework_text
from ..domain.models import Appeal, Category, Organization, User
from ..domain.notifications import Notification, NotifyChannel
from ..domain.workflow import CLARIFICATION_SILENCE_LIMIT
from ..settings import public_url, region_tz
from . import following
from .notify_templates import render

DEADLINE_WARNING = timedelta(hours=24)
WARNING_BATCH = 500
REASON_QUOTE_MAX = 1_000  # a long reason is cut in the message; the card shows it whole

# action → (template for the citizen, template for the organisation's staff); None: nobody.
ROUTES: dict[str, tuple[str | None, str | None]] = {
    "submit": ("registered", None),
    "withdraw": ("withdrawn", None),
    "reject": ("rejected", None),
    "auto_reject_silent": ("rejected", None),
    "approve_moderation": ("accepted", None),
    "route": ("in_work", "org_new"),
    "request_clarification": ("clarification", None),
    "clarify": (None, "org_clarified"),
    "give_interim_answer": ("interim", None),
    "approve_answer": ("answered", None),
    "return_for_rework": (None, "org_rework"),
    "rate_good": ("closed", None),
    "rate_poor": ("control", None),
    "dispute": ("control", None),
    "re_review": ("re_review", "org_re_review"),
    "auto_close": ("closed", None),
    "confirm_closure": ("closed", None),
    "extend": ("extended", None),
}
# What a follower of somebody else's appeal is told (services/following.py): where it went and how
# it ended; the author's own exchanges with the staff (clarifications, ratings' comments) stay theirs.
FOLLOWER_ACTIONS = frozenset({
    "route", "reject", "auto_reject_silent", "withdraw", "give_interim_answer", "approve_answer", "extend",
    "re_review", "auto_close", "confirm_closure", "rate_good", "rate_poor", "dispute",
})
CLOSINGS = {
    "rate_good": "Спасибо за оценку ответа.",
    "auto_close": "Ответ не был оценён в течение 10 дней, обращение закрыто автоматически.",
    "confirm_closure": "Координатор ЦУР рассмотрел вашу оценку или жалобу и подтвердил решение исполнителя.",
}


def record(session: Session, appeal: Appeal, action: str, reason: str | None, payload: dict | None,
           now: datetime) -> int:
    """Add the outbox rows of one event (not flushed, not committed: the caller's transaction).
    Returns how many rows were added."""
    citizen_key, org_key = ROUTES.get(action, (None, None))
    if citizen_key is None and org_key is None:
        return 0
    context = message_context(session, appeal, action, reason, payload)
    added = 0
    if citizen_key and appeal.citizen_id is not None:
        added += _add_for(session, [appeal.citizen_id], citizen_key, context, appeal.id, now)
    if org_key and appeal.organization_id is not None:
        added += _add_for(session, staff_of(session, appeal.organization_id), org_key, context, appeal.id, now)
    if action in FOLLOWER_ACTIONS:
        followers = [f for f in following.followers_of(session, appeal.id) if f != appeal.citizen_id]
        added += _add_for(session, followers, "follower_update", context, appeal.id, now)
    return added


def staff_of(session: Session, organization_id: int) -> list[int]:
    return list(session.execute(select(User.id).where(
        User.organization_id == organization_id, User.role == Role.ORG_STAFF.value, User.is_active.is_(True),
    ).order_by(User.id)).scalars())


def warn_due_deadlines(session: Session, *, now: datetime) -> int:
    """Tell the staff of each organisation whose answer is due within 24 hours, once per appeal
    and execution stage (the stage is named by its deadline: a re-review or an extension sets a new
    one and warns again). Safe from several workers at once: the unique (dedupe_key, user,
    channel) index keeps one row, and the losers' inserts do nothing. Commits; returns rows added."""
    added = 0
    for appeal in _due_soon(session, now):
        key = f"deadline:{appeal.id}:{int(appeal.deadline_at.timestamp())}"
        context = message_context(session, appeal, "deadline", None, None)
        added += _add_for(session, staff_of(session, appeal.organization_id), "org_deadline", context,
                          appeal.id, now, dedupe_key=key)
    session.commit()
    return added


def _due_soon(session: Session, now: datetime) -> list[Appeal]:
    """Appeals in execution due within 24 hours and not yet warned for their current deadline.
    A warning is written in the 24 hours before the deadline it names, so one written since
    `deadline_at - 24 h` is about the current deadline (the unique key is what makes it exactly
    once; this keeps warned appeals out of the batch). Compared in Python: date arithmetic in SQL
    differs between SQLite and PostgreSQL."""
    window = (Appeal.status.in_([Status.IN_WORK.value, Status.INTERIM_ANSWER.value]),
              Appeal.deadline_at > now, Appeal.deadline_at <= now + DEADLINE_WARNING,
              Appeal.organization_id.is_not(None), Appeal.source_history.is_(False))
    due = dict(session.execute(select(Appeal.id, Appeal.deadline_at).where(*window)).all())
    if not due:
        return []
    last_warning = dict(session.execute(
        select(Notification.appeal_id, func.max(Notification.created_at))
        .join(Appeal, Appeal.id == Notification.appeal_id)
        .where(Notification.template == "org_deadline", *window).group_by(Notification.appeal_id)).all())
    fresh = sorted((deadline, appeal_id) for appeal_id, deadline in due.items()
                   if appeal_id not in last_warning or _aware(last_warning[appeal_id]) < deadline - DEADLINE_WARNING)
    ids = [appeal_id for _, appeal_id in fresh[:WARNING_BATCH]]
    return list(session.execute(select(Appeal).where(Appeal.id.in_(ids)).order_by(Appeal.deadline_at)).scalars())


def _aware(moment: datetime) -> datetime:
    """max() over a UTCDateTime column comes back as SQLite's plain text or a naive value."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _add_for(session: Session, user_ids: list[int], key: str, context: dict, appeal_id: int, now: datetime,
             dedupe_key: str | None = None) -> int:
    if not user_ids:
        return 0
    subject, body = render(key, **context)
    users = session.execute(select(User.id, User.email).where(User.id.in_(user_ids), User.is_active.is_(True))).all()
    rows = []
    for user_id, email in users:
        base = dict(user_id=user_id, template=key, subject=subject, body=body, appeal_id=appeal_id,
                    created_at=now, dedupe_key=dedupe_key)
        rows.append(dict(base, channel=NotifyChannel.IN_APP.value, sent_at=now))
        if email:
            rows.append(dict(base, channel=NotifyChannel.EMAIL.value, address=email, next_attempt_at=now))
    if dedupe_key is None:
        session.add_all(Notification(**row) for row in rows)
        return len(rows)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    full = [{column: row.get(column) for column in _INSERT_COLUMNS} | {"attempts": 0} for row in rows]
    table = Notification.__table__
    written = session.execute(insert(table).values(full).on_conflict_do_nothing().returning(table.c.id)).all()
    return len(written)


_INSERT_COLUMNS = ("user_id", "channel", "address", "template", "subject", "body", "appeal_id", "dedupe_key",
                   "created_at", "next_attempt_at", "sent_at")


def message_context(session: Session, appeal: Appeal, action: str, reason: str | None, payload: dict | None) -> dict:
    category = session.get(Category, appeal.category_id)
    organization = session.get(Organization, appeal.organization_id) if appeal.organization_id else None
    payload = payload or {}
    if action in ("reject", "auto_reject_silent"):
        code = payload.get("reason_code") or reason
        try:
            reason = MODERATION_REASON_LABELS[ModerationReason(code)]
        except ValueError:
            reason = reason or "не указана"
    if action == "return_for_rework" and payload.get("rework_code"):
        reason = rework_text(payload["rework_code"], reason)
    quoted = (reason or "").strip()
    if len(quoted) > REASON_QUOTE_MAX:
        quoted = quoted[:REASON_QUOTE_MAX].rstrip() + "…"
    planned = payload.get("planned_date")
    return {
        "number": appeal.id,
        "category": category.name if category else "",
        "organization": organization.name if organization else "ЦУР",
        "address": appeal.address or "не указан",
        "reason": quoted or "не указана",
        "at": _local(appeal.created_at),
        "deadline": _local(appeal.deadline_at) if appeal.deadline_at else "не установлен",
        "planned": _date(planned) if planned else "не указана",
        "silence_days": CLARIFICATION_SILENCE_LIMIT.days,
        "closing": CLOSINGS.get(action, ""),
        "link": f"{public_url()}/appeals/{appeal.id}",
        "status": STATUS_LABELS[Status(appeal.status)],
        "my_link": f"{public_url()}/my",
    }


def _local(moment: datetime) -> str:
    return moment.astimezone(region_tz()).strftime("%d.%m.%Y %H:%M")


def _date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}.{month}.{year}"
