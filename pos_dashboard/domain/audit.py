"""The administrators' audit log: one row per change of the directories and accounts, written by
the services in the transaction of the change. Workflow actions on appeals are not copied here:
they are the appeal events (models.AppealEvent), and the audit page reads both."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, String, Text
from sqlmodel import Field, SQLModel

from .types import UTCDateTime, utcnow

SUMMARY_MAX = 2_000  # what changed, «было → стало», cut to this length
LABEL_MAX = 300  # the object as the page names it (a login, a name)


class AuditKind(StrEnum):
    USER_CREATE = "user_create"
    USER_DEACTIVATE = "user_deactivate"
    USER_ACTIVATE = "user_activate"
    USER_PASSWORD = "user_password"
    USER_ROLE = "user_role"
    ORG_CREATE = "org_create"
    ORG_UPDATE = "org_update"
    ORG_DEACTIVATE = "org_deactivate"
    ORG_ACTIVATE = "org_activate"
    CATEGORY_CREATE = "category_create"
    CATEGORY_UPDATE = "category_update"
    CATEGORY_DEACTIVATE = "category_deactivate"
    CATEGORY_ACTIVATE = "category_activate"
    CATEGORY_DELETE = "category_delete"
    ROUTING_CREATE = "routing_create"
    ROUTING_UPDATE = "routing_update"
    ROUTING_DELETE = "routing_delete"


AUDIT_KIND_LABELS = {
    AuditKind.USER_CREATE: "Учётная запись создана",
    AuditKind.USER_DEACTIVATE: "Учётная запись отключена",
    AuditKind.USER_ACTIVATE: "Учётная запись включена",
    AuditKind.USER_PASSWORD: "Пароль сброшен",
    AuditKind.USER_ROLE: "Роль или организация изменена",
    AuditKind.ORG_CREATE: "Организация добавлена",
    AuditKind.ORG_UPDATE: "Организация изменена",
    AuditKind.ORG_DEACTIVATE: "Организация отключена",
    AuditKind.ORG_ACTIVATE: "Организация включена",
    AuditKind.CATEGORY_CREATE: "Категория добавлена",
    AuditKind.CATEGORY_UPDATE: "Категория изменена",
    AuditKind.CATEGORY_DEACTIVATE: "Категория отключена",
    AuditKind.CATEGORY_ACTIVATE: "Категория включена",
    AuditKind.CATEGORY_DELETE: "Категория удалена",
    AuditKind.ROUTING_CREATE: "Правило маршрутизации добавлено",
    AuditKind.ROUTING_UPDATE: "Правило маршрутизации изменено",
    AuditKind.ROUTING_DELETE: "Правило маршрутизации удалено",
}


class AuditObject(StrEnum):
    USER = "user"
    ORGANIZATION = "organization"
    CATEGORY = "category"
    ROUTING_RULE = "routing_rule"
    APPEAL = "appeal"  # the appeal events, read beside the audit rows


AUDIT_OBJECT_LABELS = {
    AuditObject.USER: "Учётная запись",
    AuditObject.ORGANIZATION: "Организация",
    AuditObject.CATEGORY: "Категория",
    AuditObject.ROUTING_RULE: "Правило маршрутизации",
    AuditObject.APPEAL: "Обращение",
}


class AdminAudit(SQLModel, table=True):
    """Who changed which directory entry or account, when, and what it was before and after."""

    __tablename__ = "admin_audit"
    __table_args__ = (
        Index("ix_admin_audit_at", "at", "id"),
        Index("ix_admin_audit_actor_at", "actor_id", "at", "id"),
        Index("ix_admin_audit_kind_at", "kind", "at", "id"),
        Index("ix_admin_audit_object", "object_type", "object_id", "at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id")
    actor_role: str = Field(default="admin", sa_type=String(32))
    kind: str = Field(sa_type=String(32))
    object_type: str = Field(sa_type=String(32))
    object_id: int
    object_label: str = Field(default="", sa_type=String(LABEL_MAX))
    summary: str = Field(default="", sa_column=Column(Text, nullable=False))
