"""The audit page's read model: administrators' changes and appeal workflow events in one list,
newest first, paged by key without gaps or repeats, filtered by who, what, when and object, and
refused to everyone but the administrator."""

from datetime import date

import pytest

from pos_dashboard.analytics.audit_log import AuditFilter, count_audit, fetch_audit
from pos_dashboard.services import admin_directories as dirs
from pos_dashboard.services import appeals
from pos_dashboard.services.errors import PermissionDenied

from .factories import T0, build_region, hours, submit


@pytest.fixture()
def log(session):
    """Appeal events and administrators' changes interleaved in time (two at the same instant)."""
    r = build_region(session)
    first = submit(session, r, now=T0)  # 09:00 Moscow, 3 March 2025
    dirs.create_category(session, actor=r.admin, name="Снег", deadline_days=3, now=T0 + hours(1))
    appeals.perform(session, actor=r.coordinator, appeal_id=first, action="approve_moderation", now=T0 + hours(2))
    second = submit(session, r, now=T0 + hours(24))  # 4 March
    dirs.create_organization(session, actor=r.admin, name="Школа №5", org_type="school", now=T0 + hours(24))
    appeals.perform(session, actor=r.coordinator, appeal_id=second, action="reject", reason="spam", now=T0 + hours(48))
    return r, first, second


def everything(session, actor, flt=AuditFilter(), page_size=2) -> list[dict]:
    rows, cursor, pages = [], None, 0
    while True:
        page, cursor = fetch_audit(session, actor=actor, flt=flt, after=cursor, page_size=page_size)
        rows += page
        pages += 1
        assert pages < 50
        if cursor is None:
            return rows


def test_both_sources_merge_newest_first_across_pages(session, log):
    r, first, second = log
    rows = everything(session, r.admin)
    assert [(row["what"], row["object"]) for row in rows] == [
        ("Отклонить на модерации", f"Обращение №{second}"),
        ("Организация добавлена", f"Организация №{rows[1]['object'].split('№')[1].split(' ')[0]} «Школа №5»"),
        ("Обращение подано", f"Обращение №{second}"),  # same instant: the administrator's row first
        ("Направить исполнителю", f"Обращение №{first}"),  # the rule routes it at once (the platform)
        ("Принять на модерации", f"Обращение №{first}"),
        ("Категория добавлена", rows[5]["object"]),
        ("Обращение подано", f"Обращение №{first}"),
    ]
    assert rows[0]["details"] == "Модерация → Отклонено; Спам, реклама" and rows[0]["object_url"] == f"/appeals/{second}"
    assert rows[0]["who"] == "Cur Sidorov (cur_sidorov)" and rows[0]["role"] == "Координатор ЦУР"
    assert rows[1]["who"] == "Admin (admin)" and rows[1]["source"] == "Администрирование"
    assert rows[3]["who"] == "Система" and rows[6]["at"] == "03.03.2025 09:00"
    assert len({row["key"] for row in rows}) == 7
    for size in (1, 3, 5, 6, 7, 100):
        assert everything(session, r.admin, page_size=size) == rows
    assert count_audit(session, actor=r.admin, flt=AuditFilter()) == 7


def test_filters_by_who_what_when_and_object(session, log):
    r, first, second = log

    def whats(**flt):
        return [row["what"] for row in everything(session, r.admin, AuditFilter(**flt))]

    assert whats(who="admin") == ["Организация добавлена", "Категория добавлена"]
    assert whats(who="cur_") == ["Отклонить на модерации", "Принять на модерации"]  # the beginning of a login
    assert whats(who="ivanov") == ["Обращение подано", "Обращение подано"]
    assert whats(who="nobody") == [] and whats(who="система") == ["Направить исполнителю"]
    assert whats(kind="admin") == ["Организация добавлена", "Категория добавлена"]
    assert whats(kind="workflow") == ["Отклонить на модерации", "Обращение подано", "Направить исполнителю",
                                      "Принять на модерации", "Обращение подано"]
    assert whats(kind="category_create") == ["Категория добавлена"]
    assert whats(kind="wf:reject") == ["Отклонить на модерации"]
    assert whats(since=date(2025, 3, 4), until=date(2025, 3, 4)) == ["Организация добавлена", "Обращение подано"]
    assert whats(until=date(2025, 3, 3)) == ["Направить исполнителю", "Принять на модерации", "Категория добавлена",
                                             "Обращение подано"]
    assert whats(object_type="appeal", object_id=first) == ["Направить исполнителю", "Принять на модерации",
                                                            "Обращение подано"]
    assert whats(object_type="organization") == ["Организация добавлена"]
    assert whats(object_type="appeal", object_id=2**40) == []
    assert count_audit(session, actor=r.admin, flt=AuditFilter(kind="workflow", who="cur_sidorov")) == 2


def test_the_log_is_refused_to_everyone_but_the_administrator(session, log):
    r, _, _ = log
    for actor in (None, r.citizen, r.coordinator, r.official, r.staff[r.o_uk], r.system):
        with pytest.raises(PermissionDenied):
            fetch_audit(session, actor=actor, flt=AuditFilter())
        with pytest.raises(PermissionDenied):
            count_audit(session, actor=actor, flt=AuditFilter())
