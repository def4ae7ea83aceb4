"""Imported appeals are history: the platform's timers and workflow leave them as the source left
them, unless the import hands them over (`adopt_at`, `import-spb --adopt`), and then every clock
starts at adoption. Hand-written folders only (the real-data checks are in test_spb_import)."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from pos_dashboard.analytics.appeal_card import load_card
from pos_dashboard.analytics.queue import ANY, QueueFilter, fetch_queue_page
from pos_dashboard.domain.models import Appeal, AppealEvent
from pos_dashboard.domain.workflow import AUTO_CLOSE_AFTER
from pos_dashboard.importers.spb import import_spb
from pos_dashboard.domain.enums import Role
from pos_dashboard.services import appeals
from pos_dashboard.services.actors import Actor
from pos_dashboard.services.errors import PermissionDenied
from pos_dashboard.services.timers import run_due_timers
from tests.test_spb_import import appeal_row, timeline_rows, write_folder

LATER = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)
COORDINATOR = Actor(user_id=None, role=Role.COORDINATOR)


def _folder(tmp_path):
    """Appeal 1 answered (the timers would auto-close it), appeal 2 still in work with a passed deadline."""
    appeals_rows = [appeal_row(1), appeal_row(2, final_status="Рассмотрение", expected_answer_dt="2020-11-01")]
    events = timeline_rows(1) + timeline_rows(2, last_status="Рассмотрение")
    return write_folder(tmp_path / "spb", appeals_rows, events)


def _snapshot(engine) -> tuple[list, int]:
    with engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(select(Appeal.__table__).order_by(Appeal.id))]
        events = conn.execute(select(func.count()).select_from(AppealEvent.__table__)).scalar_one()
    return rows, events


def _appeal(engine, external_id: int) -> Appeal:
    with Session(engine) as session:
        return session.scalars(select(Appeal).where(Appeal.external_ref == f"spb:appeal:{external_id}")).one()


def test_timers_at_a_later_date_leave_every_imported_row_unchanged(engine, tmp_path):
    report = import_spb(engine, _folder(tmp_path))
    assert (report.imported, report.adopted) == (2, 0)
    before = _snapshot(engine)
    with Session(engine) as session:
        run = run_due_timers(session, now=LATER)
    assert (run.auto_closed, run.auto_rejected) == (0, 0)
    assert _snapshot(engine) == before
    assert _appeal(engine, 1).status == "answered" and _appeal(engine, 1).source_history


def test_no_workflow_action_touches_imported_history(engine, tmp_path):
    import_spb(engine, _folder(tmp_path))
    before = _snapshot(engine)
    with Session(engine) as session:
        with pytest.raises(PermissionDenied, match="история"):
            appeals.perform(session, actor=COORDINATOR, appeal_id=_appeal(engine, 2).id, action="redirect",
                            reason="Не наш район")
    assert _snapshot(engine) == before
    with Session(engine) as session:
        card = load_card(session, _appeal(engine, 2).id, actor=COORDINATOR)
    assert card["actions"] == [] and "история источника" in card["history_note"]


def test_adopted_appeals_start_their_clocks_at_adoption(engine, tmp_path):
    adopted_at = LATER - timedelta(days=1)
    report = import_spb(engine, _folder(tmp_path), adopt_at=adopted_at)
    assert (report.imported, report.adopted) == (2, 2)
    in_work = _appeal(engine, 2)
    assert not in_work.source_history and in_work.adopted_at == adopted_at
    assert in_work.deadline_at > adopted_at  # the source's passed deadline starts again from adoption
    source_deadline = datetime(2020, 10, 31, 21, 0, tzinfo=timezone.utc)  # expected_answer_dt 2020-11-01, MSK
    assert in_work.deadline_at - adopted_at == source_deadline - in_work.created_at  # the source's term
    assert _appeal(engine, 1).deadline_at < adopted_at  # an answered appeal keeps its historic deadline

    with Session(engine) as session:  # an hour after adoption nothing is due, whatever the old dates
        assert run_due_timers(session, now=adopted_at + timedelta(hours=1)).auto_closed == 0
    with Session(engine) as session:
        assert run_due_timers(session, now=adopted_at + AUTO_CLOSE_AFTER + timedelta(minutes=1)).auto_closed == 1
    assert _appeal(engine, 1).status == "closed"


def test_a_later_import_with_adopt_hands_over_what_was_history(engine, tmp_path):
    folder = _folder(tmp_path)
    import_spb(engine, folder)
    report = import_spb(engine, folder, adopt_at=LATER)
    assert (report.imported, report.already_present, report.adopted) == (0, 2, 2)
    assert [_appeal(engine, i).source_history for i in (1, 2)] == [False, False]
    assert _appeal(engine, 2).deadline_at > LATER
    assert import_spb(engine, folder, adopt_at=LATER).adopted == 0  # adopting twice changes nothing


def test_the_portal_number_is_the_appeals_number_in_the_queue_search_and_card(engine, tmp_path):
    import_spb(engine, write_folder(tmp_path / "spb", [appeal_row(3088850), appeal_row(7)],
                                    timeline_rows(3088850) + timeline_rows(7)))
    appeal = _appeal(engine, 3088850)
    with Session(engine) as session:
        found = fetch_queue_page(session, QueueFilter(status=ANY, search="№3088850"), now=LATER)
        by_id = fetch_queue_page(session, QueueFilter(status=ANY, search=str(appeal.id)), now=LATER)
        card = load_card(session, appeal.id, actor=COORDINATOR)
    assert [(row["id"], row["number"]) for row in found.rows] == [(appeal.id, "3088850")]
    assert [row["id"] for row in by_id.rows] == [appeal.id]  # the platform's id still finds it
    assert (card["number"], card["id"]) == ("3088850", appeal.id)


def test_places_read_district_first_and_keep_their_distinguishing_part(engine, tmp_path):
    import_spb(engine, write_folder(tmp_path / "spb", [appeal_row(5)], timeline_rows(5)))
    appeal = _appeal(engine, 5)
    with Session(engine) as session:
        row = fetch_queue_page(session, QueueFilter(status=ANY), now=LATER).rows[0]
        card = load_card(session, appeal.id, actor=COORDINATOR)
    assert row["territory"] == "Невский › МО Ивановский"  # «муниципальный округ …» would hide the name
    assert row["territory_full"] == card["territory"] == "Невский › муниципальный округ Ивановский"
