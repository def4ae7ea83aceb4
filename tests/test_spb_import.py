"""Import of «Наш Санкт-Петербург» and the KPIs of the imported region, checked against numbers
computed here independently with pandas straight from the CSV files (not with the importer's
helpers): counts exactly, durations within one minute, per district and for the whole city.

The first tests run on small hand-written folders (malformed rows, idempotency, unsorted files) and
need nothing else; the real-data tests are skipped when ../shared/data/spb_our_city is absent.
"""

import os
import random
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, func, make_url, select, text
from sqlmodel import Session, SQLModel

from pos_dashboard.analytics.appeal_card import load_card
from pos_dashboard.analytics.kpi import TOTAL_LABEL, compute_kpis
from pos_dashboard.analytics.queue import QueueFilter, fetch_queue_page
from pos_dashboard.db import make_engine
from pos_dashboard.domain.models import Answer, Appeal, AppealEvent, Category, Organization, Territory
from pos_dashboard.importers.spb import import_spb
from pos_dashboard.domain.enums import Role
from pos_dashboard.services.actors import Actor
from pos_dashboard.services.appeals import status_from_events, timeline
from tests.conftest import SPB_DIR

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2021, 4, 26, 12, 0, tzinfo=MSK)  # just after the last appeal of the data set
MINUTE_IN_HOURS = 1 / 60
needs_spb = pytest.mark.skipif(not os.path.isdir(SPB_DIR),
                               reason=f"real data absent: {os.path.abspath(SPB_DIR)} not found (../shared is "
                                      "not mounted); the real-data import and KPI checks are skipped")


# --- small hand-written folders ---

APPEAL_COLUMNS = ["id", "district", "municipality", "full_address", "latitude", "longitude", "city_object",
                  "category_id", "category_name", "reason_id", "reason_name", "created_at", "text",
                  "first_answer_at", "final_answer_at", "final_answer_author", "final_answer_text",
                  "executor_organization", "controller_organization", "coordinator_organization",
                  "final_status", "expected_answer_dt"]


def appeal_row(appeal_id, **values) -> dict:
    row = dict.fromkeys(APPEAL_COLUMNS, "")
    row.update(id=str(appeal_id), district="Невский", municipality="муниципальный округ Ивановский",
               latitude="59.88", longitude="30.45", city_object="Двор", category_id="2",
               category_name="Благоустройство", reason_id="12", reason_name="Мусор во дворе",
               created_at="2020-10-18T14:54:52.033653", text="Мусор во дворе", final_status="Получен ответ",
               first_answer_at="2020-10-20T10:00:00", executor_organization="Администрация Невского района")
    row.update(values)
    return row


def timeline_rows(appeal_id, answer_detail="Окончательный ответ | Администрация Невского района",
                  last_status="Получен ответ") -> list[dict]:
    return [dict(appeal_id=str(appeal_id), dt=dt, event=event, status_name=status, detail=detail)
            for dt, event, status, detail in [
                ("2020-10-18T14:54:52.033653", "petition", "Получен ответ", ""),
                ("2020-10-18T14:54:52.2", "status", "Модерация", ""),
                ("2020-10-19T09:00:00", "status", "Рассмотрение", ""),
                ("2020-10-19T12:00:00", "route", "", 'Ваше сообщение передано по принадлежности вопроса от '
                 'координатора: "СПб ГКУ ЖА Невского района" координатору: "Администрация Невского района". '
                 'В связи с этим срок решения изменен с 01.11.2020 на 05.11.2020'),
                ("2020-10-20T10:00:00", "answer", "Принят", answer_detail),
                ("2020-10-20T15:00:00", "status", last_status, "")]]


def write_folder(folder, appeals: list[dict], events: list[dict]) -> str:
    os.makedirs(folder, exist_ok=True)
    pd.DataFrame(appeals, columns=APPEAL_COLUMNS).to_csv(os.path.join(folder, "appeals.csv.gz"), index=False)
    pd.DataFrame(events, columns=["appeal_id", "dt", "event", "status_name", "detail"]).to_csv(
        os.path.join(folder, "events.csv.gz"), index=False)
    return str(folder)


def count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model.__table__)).scalar_one()


def test_malformed_appeals_are_skipped_with_reasons_and_leave_nothing_behind(engine, tmp_path):
    appeals = [appeal_row(1), appeal_row(2, created_at="вчера"), appeal_row(3), appeal_row(4), appeal_row(5),
               appeal_row(6, latitude="")]
    events = (timeline_rows(1) + timeline_rows(2) + timeline_rows(3, last_status="Непонятный статус")
              + timeline_rows(4, answer_detail="ответ без организации") + timeline_rows(6) + timeline_rows(7))
    report = import_spb(engine, write_folder(tmp_path / "spb", appeals, events))

    assert (report.imported, report.appeals_read) == (1, 6)
    assert dict(report.skipped) == {"bad created_at": 1, "unknown status": 1, "bad answer detail": 1,
                                    "no events": 1, "bad point": 1}
    assert (report.orphan_event_rows, report.orphan_examples) == (6, ["7"])
    assert report.examples["unknown status"] == ["3"]
    assert (count(engine, Appeal), count(engine, AppealEvent), count(engine, Answer)) == (1, 6, 1)


def test_a_second_import_adds_nothing(engine, tmp_path):
    folder = write_folder(tmp_path / "spb", [appeal_row(1), appeal_row(2)], timeline_rows(1) + timeline_rows(2))
    first = import_spb(engine, folder)
    tables = (Appeal, AppealEvent, Answer, Territory, Category, Organization)
    before = [count(engine, model) for model in tables]
    second = import_spb(engine, folder)
    assert (first.imported, second.imported, second.already_present) == (2, 0, 2)
    assert [count(engine, model) for model in tables] == before == [2, 12, 2, 2, 2, 2]


def test_unsorted_files_import_the_same_as_sorted_ones(engine, tmp_path):
    ids = [5, 3, 9, 1, 7]
    appeals = [appeal_row(i) for i in ids]
    events = [row for i in ids for row in timeline_rows(i)]
    random.Random(1).shuffle(events)  # the timelines are interleaved, each appeal's rows stay in order
    events.sort(key=lambda row: row["dt"])
    report = import_spb(engine, write_folder(tmp_path / "spb", appeals, events))
    assert (report.imported, sum(report.skipped.values())) == (5, 0)
    assert count(engine, AppealEvent) == 30


def test_imported_appeal_keeps_its_reference_times_deadline_and_status(engine, session, tmp_path):
    import_spb(engine, write_folder(tmp_path / "spb", [appeal_row(42)], timeline_rows(42)))
    appeal = session.scalars(select(Appeal)).one()
    assert appeal.external_ref == "spb:appeal:42"
    assert appeal.created_at == datetime(2020, 10, 18, 11, 54, 52, 33653, tzinfo=timezone.utc)  # MSK is UTC+3
    assert appeal.first_answer_at == datetime(2020, 10, 20, 7, 0, tzinfo=timezone.utc)
    assert appeal.deadline_at == datetime(2020, 11, 5, 23, 59, 59, tzinfo=MSK)  # the route comment's new date
    assert appeal.status == "answered" == status_from_events(timeline(session, appeal.id))
    district = session.get(Territory, session.get(Territory, appeal.territory_id).parent_id)
    assert (district.name, district.parent_id) == ("Невский", None)
    route = [e for e in timeline(session, appeal.id) if e.kind == "redirect"]
    assert [e.action for e in route] == ["import:route"] and "СПб ГКУ ЖА Невского района" in route[0].payload


# --- the real data ---

def _separate_database(url: str) -> str:
    """On PostgreSQL the module imports into its own database (<name>_spb_import), so that the
    function-scoped fixtures of other tests, which drop every table, cannot touch it."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return url
    name = f"{parsed.database}_spb_import"
    admin = create_engine(parsed, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def spb(tmp_path_factory):
    """The real folder imported once for this module."""
    url = os.environ.get("POS_TEST_DATABASE_URL")
    url = _separate_database(url) if url else "sqlite:///" + str(tmp_path_factory.mktemp("spb") / "spb.db")
    engine = make_engine(url)
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    report = import_spb(engine, SPB_DIR)
    yield engine, report
    SQLModel.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def source():
    """The CSV files as they are, read with pandas, times as aware Moscow times."""
    appeals = pd.read_csv(os.path.join(SPB_DIR, "appeals.csv.gz"), dtype=str, keep_default_na=False)
    events = pd.read_csv(os.path.join(SPB_DIR, "events.csv.gz"), dtype=str, keep_default_na=False)
    return appeals, events


def source_as_of(events: pd.DataFrame) -> datetime:
    """The source's own moment: its newest event time (overdue and at risk are judged then)."""
    return datetime.fromisoformat(events.dt.max()).replace(tzinfo=MSK)


def expected_kpis(appeals: pd.DataFrame, events: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """The KPIs per district and in total, computed from the CSV columns with pandas."""
    def moscow(column: pd.Series) -> pd.Series:
        return pd.to_datetime(column.replace("", None), format="ISO8601").dt.tz_localize(MSK)

    a = appeals.set_index("id")
    created, first = moscow(a.created_at), moscow(a.first_answer_at)
    routes = events[events.event == "route"].assign(
        new_date=events.detail.str.extract(r"на (\d\d\.\d\d\.\d{4})$", expand=False)).dropna(subset=["new_date"])
    route_deadline = pd.to_datetime(routes.groupby("appeal_id").new_date.last(), format="%d.%m.%Y")
    route_deadline = (route_deadline + pd.Timedelta("23:59:59")).dt.tz_localize(MSK).reindex(a.index)
    deadline = moscow(a.expected_answer_dt).fillna(route_deadline)
    petitions = events[events.event.isin(["petition", "petition.on_moderation"])].groupby("appeal_id").size()
    outcome_of = {"Модерация": "moderation", "Рассмотрение": "in_work", "Промежуточный ответ": "interim_answer",
                  "Получен ответ": "answered",
                  "Завершено: Пользователь удовлетворен решением проблемы": "closed_by_citizen",
                  "Завершено: Автоматически": "closed_auto",
                  "Завершено: Народный контролер подтвердил решение проблемы": "closed_confirmed"}
    is_open = a.final_status.isin(["Модерация", "Рассмотрение", "Промежуточный ответ"])
    now = pd.Timestamp(now)
    frame = pd.DataFrame({
        "district": a.district, "answered": first.notna(),
        "hours": (first - created).dt.total_seconds() / 3600,
        "with_deadline": first.notna() & deadline.notna(),
        "on_time": first.notna() & deadline.notna() & (first <= deadline),
        "overdue": is_open & (deadline < now),
        "at_risk": is_open & (deadline >= now) & (deadline <= now + pd.Timedelta(hours=24)),
        "interim": a.n_interim_answers.astype(int) > 0, "redirect": a.n_route_changes.astype(int) > 0,
        "category_change": a.n_category_changes.astype(int) > 0,
        "re_review": petitions.reindex(a.index).fillna(0) > 1,
        "outcome": a.final_status.map(outcome_of)})
    assert frame.outcome.notna().all(), "a final status the test does not know"

    def summary(group: pd.DataFrame) -> dict:
        hours = group.hours.dropna().to_numpy()
        row = {"received": len(group), "answered": int(group.answered.sum()),
               "median_hours_to_first_answer": np.percentile(hours, 50),  # linear interpolation
               "p90_hours_to_first_answer": np.percentile(hours, 90),
               "answered_with_deadline": int(group.with_deadline.sum()), "answered_on_time": int(group.on_time.sum()),
               "overdue_now": int(group.overdue.sum()), "at_risk_now": int(group.at_risk.sum()),
               "with_interim_answer": int(group.interim.sum()), "redirected": int(group.redirect.sum()),
               "category_changed": int(group.category_change.sum()), "re_reviewed": int(group.re_review.sum()),
               "rejected": 0, "rated": 0}
        for outcome in ["moderation", "in_work", "interim_answer", "answered", "closed_by_citizen", "closed_auto",
                        "closed_confirmed", "rejected", "closed_other"]:
            row[f"final_{outcome}"] = int((group.outcome == outcome).sum())
        row["answered_share"] = row["answered"] / row["received"]
        row["on_time_share"] = row["answered_on_time"] / row["answered_with_deadline"]
        for name in ["interim_answer", "redirect", "category_change", "re_review"]:
            count_name = {"interim_answer": "with_interim_answer", "redirect": "redirected",
                          "category_change": "category_changed", "re_review": "re_reviewed"}[name]
            row[f"{name}_share"] = row[count_name] / row["received"]
        return row

    rows = {district: summary(group) for district, group in frame.groupby("district")}
    rows[TOTAL_LABEL] = summary(frame)
    return pd.DataFrame.from_dict(rows, orient="index")


COUNTS = ["received", "answered", "answered_with_deadline", "answered_on_time", "overdue_now", "at_risk_now",
          "with_interim_answer", "redirected", "category_changed", "re_reviewed", "rejected", "rated",
          "final_moderation", "final_in_work", "final_interim_answer", "final_answered", "final_closed_by_citizen",
          "final_closed_auto", "final_closed_confirmed", "final_rejected", "final_closed_other"]
HOURS = ["median_hours_to_first_answer", "p90_hours_to_first_answer"]
SHARES = ["answered_share", "on_time_share", "interim_answer_share", "redirect_share", "category_change_share",
          "re_review_share"]


@needs_spb
def test_every_appeal_is_imported_once_with_its_whole_timeline(spb, source):
    engine, report = spb
    appeals, events = source
    assert (report.imported, report.already_present, sum(report.skipped.values())) == (len(appeals), 0, 0)
    assert report.orphan_event_rows == 0
    assert (report.events, report.answers) == (len(events), int((events.event == "answer").sum()))
    assert count(engine, Appeal) == len(appeals) and count(engine, AppealEvent) == len(events)
    with engine.connect() as conn:
        top = conn.execute(select(Territory.name).where(Territory.parent_id.is_(None))).scalars().all()
        assert sorted(top) == sorted(appeals.district.unique()) and len(top) == 18
        assert count(engine, Territory) == 18 + appeals[["district", "municipality"]].drop_duplicates().shape[0]
        assert count(engine, Category) == appeals.category_id.nunique() + appeals.reason_id.nunique()
        last_targets = text("""
            SELECT count(*) FROM appeal a WHERE a.status <> (
              SELECT e.to_status FROM appealevent e WHERE e.appeal_id = a.id AND e.to_status IS NOT NULL
              ORDER BY e.at DESC, e.id DESC LIMIT 1)""")
        assert conn.execute(last_targets).scalar_one() == 0, "status must be the last status of the events"


@needs_spb
def test_a_second_import_of_the_real_folder_adds_nothing(spb, source):
    engine, _ = spb
    again = import_spb(engine, SPB_DIR)
    assert (again.imported, again.already_present, sum(again.skipped.values())) == (0, len(source[0]), 0)
    assert count(engine, AppealEvent) == len(source[1])


@needs_spb
def test_kpis_per_district_and_in_total_match_an_independent_pandas_computation(spb, source):
    engine, _ = spb
    expected = expected_kpis(*source, source_as_of(source[1]))  # history reads as of its own date
    actual = compute_kpis(engine, group_by="territory", now=NOW).set_index("group")
    assert sorted(actual.index) == sorted(expected.index) and len(actual) == 19
    actual = actual.loc[expected.index]
    for column in COUNTS:
        assert actual[column].astype(int).tolist() == expected[column].tolist(), column
    for column in HOURS:
        assert np.allclose(actual[column], expected[column], rtol=0, atol=MINUTE_IN_HOURS), column
    for column in SHARES:
        assert np.allclose(actual[column], expected[column], rtol=0, atol=1e-12), column
    assert actual.satisfaction_share.isna().all() and actual.average_rating.isna().all()  # no ratings in the source
    total = actual.loc[TOTAL_LABEL]
    assert total.received == 50757 and total.overdue_now > 0 and total.at_risk_now > 0


@needs_spb
def test_the_period_bounds_the_creation_time(spb, source):
    engine, _ = spb
    appeals, events = source
    since, until = datetime(2020, 12, 1, tzinfo=MSK), datetime(2021, 2, 1, tzinfo=MSK)
    created = pd.to_datetime(appeals.created_at, format="ISO8601").dt.tz_localize(MSK)
    inside = appeals[(created >= since) & (created < until)]
    expected = expected_kpis(inside, events[events.appeal_id.isin(inside.id)], source_as_of(events)).loc[TOTAL_LABEL]
    actual = compute_kpis(engine, since=since, until=until, now=NOW).set_index("group").loc[TOTAL_LABEL]
    assert [int(actual[c]) for c in COUNTS] == [int(expected[c]) for c in COUNTS]
    assert abs(actual.median_hours_to_first_answer - expected.median_hours_to_first_answer) <= MINUTE_IN_HOURS


@needs_spb
def test_category_and_organisation_groupings_cover_every_appeal(spb, source):
    engine, _ = spb
    appeals, _ = source
    by_category = compute_kpis(engine, group_by="category", now=NOW)
    groups = by_category[by_category.group != TOTAL_LABEL]
    assert len(groups) == appeals.category_id.nunique()
    assert sorted(groups.received) == sorted(appeals.groupby("category_id").size())
    by_organisation = compute_kpis(engine, group_by="organisation", now=NOW)
    assert by_organisation.received.iloc[:-1].sum() == by_organisation.received.iloc[-1] == len(appeals)
    executors = appeals[appeals.executor_organization != ""].groupby("executor_organization").size()
    answered_by = by_organisation.set_index("group").received
    assert all(answered_by[name] >= n for name, n in executors.items())


@needs_spb
def test_the_queue_and_the_card_show_the_imported_region(spb, source):
    """Issue 3 §5: the queue pages through real texts; the card shows the real timeline in order."""
    engine, _ = spb
    appeals, events = source
    coordinator = Actor(user_id=None, role=Role.COORDINATOR)
    now = datetime(2021, 4, 26, 12, tzinfo=timezone.utc)
    with Session(engine) as session:
        page = fetch_queue_page(session, QueueFilter(status="all", sort="newest"), page=0, page_size=50, now=now)
        assert page.total == len(appeals) and len(page.rows) == 50
        newest = appeals.sort_values(["created_at", "id"], ascending=False).iloc[0]
        assert page.rows[0]["text"][:40] == newest.text[:40]
        routed = events[events.event == "route"].appeal_id.value_counts().index[0]
        appeal_id = session.exec(select(Appeal.id).where(Appeal.external_ref == f"spb:appeal:{routed}")).one()
        card = load_card(session, appeal_id, actor=coordinator)
    source_events = events[events.appeal_id == routed]
    assert len(card["timeline"]) == len(source_events)
    shown_times = [datetime.strptime(e["at"], "%d.%m.%Y %H:%M") for e in card["timeline"]]
    assert shown_times == sorted(shown_times)
    titles = [e["title"] for e in card["timeline"]]
    assert titles.count("Переадресация по принадлежности") == int((source_events.event == "route").sum())
    assert not any(title.startswith("import:") for title in titles)
