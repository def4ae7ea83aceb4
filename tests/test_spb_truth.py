"""Issue 10, items 4, 5 and 8: the imported region shows only what the source says.

Each item is checked on a hand-written folder and on a slice of the real folder (every 20th appeal
of ../shared/data/spb_our_city, about 2,500 appeals, imported once for this module; skipped with a
message when the folder is absent). Expectations come from the CSV columns read here with pandas,
not from the importer's helpers."""

import os
import re
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlmodel import Session, SQLModel

from pos_dashboard.analytics.appeal_card import load_card
from pos_dashboard.analytics.imported_events import CLOSING_KINDS
from pos_dashboard.analytics.kpi import NO_GROUP_LABEL, TOTAL_LABEL, compute_kpis
from pos_dashboard.analytics.queue import QueueFilter, fetch_queue_page, queue_reading
from pos_dashboard.analytics.snapshot import data_as_of
from pos_dashboard.db import make_engine
from pos_dashboard.domain.enums import STATUS_LABELS, Role, Status
from pos_dashboard.domain.models import Appeal, Category, Organization
from pos_dashboard.importers.spb import import_spb
from pos_dashboard.services.actors import Actor
from tests.conftest import SPB_DIR
from tests.test_spb_import import (_separate_database, appeal_row, expected_kpis, source_as_of, timeline_rows,
                                   write_folder)

NOW = datetime(2026, 12, 2, 12, tzinfo=timezone.utc)  # long after the source: history must not drift
SLICE_EVERY = 20
COORDINATOR = Actor(user_id=None, role=Role.COORDINATOR)
needs_spb = pytest.mark.skipif(not os.path.isdir(SPB_DIR),
                               reason=f"real data absent: {os.path.abspath(SPB_DIR)} not found (../shared is "
                                      "not mounted); the real-slice checks of issue 10 items 4, 5, 8 are skipped")


@pytest.fixture(scope="module")
def source_slice(tmp_path_factory):
    """Every SLICE_EVERY-th appeal of the real folder with its whole timeline, as a folder and as frames."""
    appeals = pd.read_csv(os.path.join(SPB_DIR, "appeals.csv.gz"), dtype=str, keep_default_na=False)
    events = pd.read_csv(os.path.join(SPB_DIR, "events.csv.gz"), dtype=str, keep_default_na=False)
    appeals = appeals.iloc[::SLICE_EVERY].reset_index(drop=True)
    events = events[events.appeal_id.isin(set(appeals.id))].reset_index(drop=True)
    folder = tmp_path_factory.mktemp("spb_slice")
    appeals.to_csv(folder / "appeals.csv.gz", index=False)
    events.to_csv(folder / "events.csv.gz", index=False)
    return str(folder), appeals, events


@pytest.fixture(scope="module")
def real(source_slice, tmp_path_factory):
    if not os.path.isdir(SPB_DIR):
        pytest.skip("real data absent")
    url = os.environ.get("POS_TEST_DATABASE_URL")
    url = _separate_database(url) if url else "sqlite:///" + str(tmp_path_factory.mktemp("truth") / "slice.db")
    engine = make_engine(url)
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    report = import_spb(engine, source_slice[0])
    assert report.imported == len(source_slice[1]) and not report.skipped
    yield engine, source_slice[1], source_slice[2]
    SQLModel.metadata.drop_all(engine)
    engine.dispose()


def _by_organisation(engine, exact: bool = True) -> pd.Series:
    frame = compute_kpis(engine, group_by="organisation", now=NOW, exact=exact)
    return frame[frame.group != TOTAL_LABEL].set_index("group").received.astype(int)


# --- item 8: KPIs per organisation by the source's executor ---

def test_an_appeal_counts_under_its_executor_and_nowhere_while_the_source_names_none(engine, tmp_path):
    coordinator = "СПб ГКУ ЖА Невского района"
    rows = [appeal_row(1, executor_organization="Администрация Невского района", coordinator_organization=coordinator),
            appeal_row(2, executor_organization="", final_status="Рассмотрение", first_answer_at="",
                       coordinator_organization=coordinator, controller_organization="Администрация Невского района")]
    events = timeline_rows(1) + [e for e in timeline_rows(2, last_status="Рассмотрение") if e["event"] != "answer"]
    import_spb(engine, write_folder(tmp_path / "spb", rows, events))
    for exact in (True, False):
        counts = _by_organisation(engine, exact)
        assert counts.to_dict() == {"Администрация Невского района": 1, NO_GROUP_LABEL["organisation"]: 1}, exact
    with Session(engine) as session:
        open_one = session.scalars(select(Appeal).where(Appeal.external_ref == "spb:appeal:2")).one()
        assert open_one.organization_id is None
        assert session.scalars(select(Organization.name).where(Organization.name == coordinator)).first() \
            == coordinator  # still known: it is named in the route comment


@needs_spb
def test_kpis_per_organisation_equal_the_source_executor_field(real):
    engine, appeals, _ = real
    expected = appeals[appeals.executor_organization != ""].groupby("executor_organization").size()
    unnamed = int((appeals.executor_organization == "").sum())
    for exact in (True, False):
        counts = _by_organisation(engine, exact)
        assert counts.pop(NO_GROUP_LABEL["organisation"]) == unnamed
        assert counts.sort_index().to_dict() == expected.sort_index().to_dict()


# --- item 4: only what the source says ---

def _route(appeal_id, at: str, old: str, new: str) -> dict:
    return dict(appeal_id=str(appeal_id), dt=at, event="route", status_name="",
                detail='Ваше сообщение передано по принадлежности вопроса от координатора: "СПб ГКУ ЖА Невского '
                       f'района" координатору: "Администрация Невского района". В связи с этим срок решения '
                       f'изменен с {old} на {new}')


def _card(engine, external_id: int) -> dict:
    with Session(engine) as session:
        appeal_id = session.scalars(select(Appeal.id).where(Appeal.external_ref == f"spb:appeal:{external_id}")).one()
        return load_card(session, appeal_id, actor=COORDINATOR)


def _stated_folder(tmp_path):
    """Reason 12: three routings on Monday 19.10.2020 with deadlines 5 working days on (26.10.2020) —
    a stated rule; reason 13 (appeal 4): never routed — no rule. Appeal 3 is still in work, its
    deadline 27.10.2020 passed before the source's newest event (28.10.2020); appeal 1 was closed
    automatically and its final answer has no text in the source."""
    rows, events = [], []
    for n in (1, 2, 3):
        status = {1: "Завершено: Автоматически", 2: "Получен ответ", 3: "Рассмотрение"}[n]
        rows.append(appeal_row(n, final_status=status, **({"first_answer_at": "", "executor_organization": ""}
                                                          if n == 3 else {})))
        timeline = [e for e in timeline_rows(n, last_status="Получен ответ" if n != 3 else "Рассмотрение")
                    if e["event"] != "route" and not (n == 3 and e["event"] == "answer")]
        timeline.append(_route(n, "2020-10-19T12:00:00", "01.11.2020", "26.10.2020" if n != 3 else "27.10.2020"))
        if n == 1:
            timeline.append(dict(appeal_id="1", dt="2020-10-28T10:00:00", event="status",
                                 status_name="Завершено: Автоматически", detail=""))
        events += timeline
    rows[1]["final_answer_text"] = "Мусор вывезен 20.10.2020."
    rows.append(appeal_row(4, reason_id="13", reason_name="Наледь на крыше"))
    events += [e for e in timeline_rows(4) if e["event"] != "route"]
    return write_folder(tmp_path / "spb", rows, events)


def test_the_card_shows_only_what_a_hand_written_source_says(engine, tmp_path):
    import_spb(engine, _stated_folder(tmp_path))
    closed, answered, open_, unrouted = (_card(engine, n) for n in (1, 2, 3, 4))
    assert closed["deadline_rule"] == "5 раб. дн. (по срокам источника)"  # routings give 5, 5 and 6 (N or N + 1)
    assert unrouted["deadline_rule"] == "не указан в источнике"
    assert closed["status_label"] == "Завершено: автоматически"
    assert answered["status_label"] == STATUS_LABELS[Status.ANSWERED]  # not a closing kind: our label
    assert closed["answers"][0]["text"] == "текст ответа в источнике отсутствует"
    assert answered["answers"][0]["text"] == "Мусор вывезен 20.10.2020."
    assert all(a["review"] == "" for card in (closed, answered) for a in card["answers"])  # no review in the source
    assert closed["extended"] == "да, при переадресации: 01.11.2020 → 26.10.2020"
    assert unrouted["extended"] == "нет"
    # the source's newest event is 28.10.2020 10:00 (Moscow): appeal 3 reads overdue as of then, not now
    assert open_["data_as_of"] == "данные источника на 28.10.2020 10:00"
    assert open_["deadline_note"] == "просрочено на 10 ч 0 мин"
    assert open_["organization"] == "не указан в источнике"
    with Session(engine) as session:
        page = fetch_queue_page(session, QueueFilter(status="all"), now=NOW)
        # the queue's tabs read the moment with the change version, in one round trip: the same page
        version, as_of = queue_reading(session)
        assert as_of == data_as_of(session) and as_of.tzinfo is not None and version > 0
        assert fetch_queue_page(session, QueueFilter(status="all"), now=NOW, data_as_of=as_of) == page
    assert (page.overdue, page.at_risk, page.as_of) == (1, 0, "данные на 28.10.2020")
    total = compute_kpis(engine, now=NOW).iloc[-1]
    assert (total.overdue_now, total.at_risk_now) == (1, 0)
    assert compute_kpis(engine, now=NOW, exact=False).iloc[-1].overdue_now == 1


def test_appeals_handed_over_to_the_platform_read_as_of_now(engine, tmp_path):
    import_spb(engine, _stated_folder(tmp_path), adopt_at=NOW - timedelta(days=40))
    with Session(engine) as session:
        page = fetch_queue_page(session, QueueFilter(status="all"), now=NOW)
    assert page.as_of == "" and page.overdue == 1  # the adopted open appeal: term again from adoption, passed
    assert _card(engine, 3)["data_as_of"] == ""


@needs_spb
def test_stated_rules_closing_kinds_deadline_moves_and_data_as_of_on_the_real_slice(real):
    engine, appeals, events = real
    by_id = appeals.set_index("id")
    # rules: every stated one is a term the comments name, and most routings of that reason agree with it
    with Session(engine) as session:
        stated = session.exec(select(Category.external_ref, Category.deadline_days)
                              .where(Category.external_ref.like("spb:reason:%"), Category.deadline_stated)).all()
        unstated = session.exec(select(func.count()).select_from(Category)
                                .where(Category.external_ref.like("spb:reason:%"), ~Category.deadline_stated)).one()
    assert stated and unstated, "a slice of the real folder has reasons with and without a stated term"
    terms = _routing_terms(appeals, events)
    for ref, days in stated:
        observed = terms[terms.reason_id == ref.split(":")[-1]].days
        assert days in (3, 5, 10, 15, 20, 30)
        assert observed.isin([days, days + 1]).mean() >= 0.6, ref
    # closing kinds, deadline moves, answers without text: cards of 40 appeals compared with their rows
    sample = appeals[appeals.final_status.str.startswith("Завершено") | (appeals.route_comments != "")].head(40)
    for source_id in sample.id:
        row, card = by_id.loc[source_id], _card(engine, int(source_id))
        if row.final_status.startswith("Завершено"):
            assert card["status_label"] == CLOSING_KINDS[row.final_status]
        moves = re.findall(r"изменен с (\d\d\.\d\d\.\d{4}) на (\d\d\.\d\d\.\d{4})", row.route_comments)
        for old, new in moves:
            assert f"{old} → {new}" in card["extended"], source_id
        if not moves and row.n_route_changes == "0":
            assert card["extended"] == "нет"
        finals = [a for a in card["answers"] if a["kind"] == "Ответ"]
        if finals:
            assert finals[-1]["text"] == (row.final_answer_text or "текст ответа в источнике отсутствует")
        assert all(a["review"] == "" for a in card["answers"])
    # data as of: the newest event of the slice; overdue and at risk as of then, even at a much later now
    as_of = source_as_of(events)
    expected = expected_kpis(appeals, events, as_of).loc[TOTAL_LABEL]
    for exact in (True, False):
        total = compute_kpis(engine, now=NOW, exact=exact).iloc[-1]
        assert (total.overdue_now, total.at_risk_now) == (expected.overdue_now, expected.at_risk_now), exact
    with Session(engine) as session:
        assert fetch_queue_page(session, QueueFilter(), now=NOW).as_of == f"данные на {as_of:%d.%m.%Y}"


def _routing_terms(appeals: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Working days (Russian production calendar, `holidays`) from each routing day to its new deadline,
    for routings not followed by a category change; computed here, not with the importer's code."""
    import holidays
    calendar = holidays.country_holidays("RU", years=[2020, 2021])
    workdays = getattr(calendar, "weekend_workdays", set())

    def working(day) -> bool:
        return day in workdays or (day.weekday() < 5 and day not in calendar)

    routes = events[events.event == "route"].copy()
    moved = routes.detail.str.extract(r"на (\d\d\.\d\d\.\d{4})$", expand=False)
    routes = routes.assign(new=pd.to_datetime(moved, format="%d.%m.%Y").dt.date).dropna(subset=["new"])
    last_change = events[events.event == "problem_change"].groupby("appeal_id").dt.max()
    routes = routes[~(routes.appeal_id.map(last_change).fillna("") > routes.dt)]
    days = []
    for at, new in zip(routes.dt, routes.new):
        day, n = datetime.fromisoformat(at).date(), 0
        while day < new:
            day += timedelta(days=1)
            n += working(day)
        days.append(n)
    return pd.DataFrame({"reason_id": routes.appeal_id.map(appeals.set_index("id").reason_id), "days": days})


# --- item 5: a readable timeline ---

def test_a_hand_written_timeline_reads_one_line_per_event_with_who_acted(engine, tmp_path):
    rows = [appeal_row(1)]
    events = timeline_rows(1) + [dict(appeal_id="1", dt="2020-10-19T10:00:00", event="problem_change", status_name="",
                                      detail="Дом/Содержание МКД/Неудовлетворительное состояние парадной -> "
                                             "Дом/Содержание МКД/Засор канализации/протечка трубы")]
    import_spb(engine, write_folder(tmp_path / "spb", rows, events))
    timeline = _card(engine, 1)["timeline"]
    by_title = {event["title"]: event for event in timeline}
    assert [e["title"] for e in timeline] == [
        "Сообщение заявителя", "Статус на портале: «Модерация»", "Статус на портале: «Рассмотрение»",
        "Смена категории", "Переадресация по принадлежности", "Окончательный ответ",
        "Статус на портале: «Получен ответ»"]
    assert by_title["Сообщение заявителя"]["actor"] == "Заявитель"
    assert by_title["Смена категории"]["detail"] == (
        "Содержание МКД (Дом) / Неудовлетворительное состояние парадной › "
        "Содержание МКД (Дом) / Засор канализации/протечка трубы")
    route = by_title["Переадресация по принадлежности"]
    assert route["actor"] == "СПб ГКУ ЖА Невского района" and route["reason"] == ""  # the comment once, parsed
    assert route["detail"] == ("Координатор: СПб ГКУ ЖА Невского района → Администрация Невского района; "
                               "срок решения: 01.11.2020 → 05.11.2020")
    answer = by_title["Окончательный ответ"]
    assert answer["actor"] == "Администрация Невского района" and "|" not in answer["detail"]
    assert by_title["Статус на портале: «Получен ответ»"]["actor"] == "Администрация Невского района"
    assert by_title["Статус на портале: «Модерация»"]["actor"] == "Портал «Наш Санкт-Петербург»"


@needs_spb
def test_real_timelines_name_who_acted_and_print_each_event_once(real):
    engine, appeals, events = real
    routed = events[events.event == "route"].appeal_id.unique()[:15]
    changed = events[events.event == "problem_change"].appeal_id.unique()[:15]
    for source_id in [*routed, *changed]:
        card, mine = _card(engine, int(source_id)), events[events.appeal_id == source_id]
        timeline = card["timeline"]
        assert len(timeline) == len(mine), source_id
        for event in timeline:
            assert " -> " not in event["detail"] and " | " not in event["detail"], event
            assert not event["title"].startswith(("Окончательный ответ |", "Промежуточный ответ |")), event
            assert event["reason"] == "" and "Ваше сообщение передано" not in event["detail"], event
            assert event["actor"] != "Система", event
        answers = mine[mine.event == "answer"].detail.str.partition(" | ")[2].tolist()
        shown = [e["actor"] for e in timeline if e["title"] in ("Окончательный ответ", "Промежуточный ответ")]
        assert shown == answers, source_id
        petitions = mine.event.isin(["petition", "petition.on_moderation"]).sum()
        assert sum(e["actor"] == "Заявитель" for e in timeline) >= petitions
        assert sum(" › " in e["detail"] for e in timeline) == (mine.event == "problem_change").sum()


@needs_spb
@pytest.mark.parametrize("query, forms", [
    ("подъездами", r"подъезд(?:а|у|ом|е|ы|ов|ам|ами|ах)?"),
    ("снега", r"снег(?:а|у|ом|е|ов|ам|ами|ах)?"),
    ("КРЫШЕЙ", r"крыш(?:а|и|е|у|ей|ею|ам|ами|ах)?"),
])
def test_word_search_finds_every_form_of_a_word_in_the_real_texts(real, query, forms):
    """Issue 10 item 7 on the real slice: a word in any of its forms, ё as е, whole words only
    («подъездной», «снегоуборочный» are other words). Expected from the CSV texts with a regular
    expression of the word's forms, not from the search code."""
    engine, appeals, _ = real
    words = appeals.text.str.lower().str.replace("ё", "е")
    found_in_text = words.str.contains(rf"(?<![а-я]){forms}(?![а-я])", regex=True)
    with Session(engine) as session:
        page = fetch_queue_page(session, QueueFilter(status="all", search=query), page=0, page_size=100, now=NOW)
        in_address = {ref for ref, address in session.execute(select(Appeal.external_ref, Appeal.address)).all()
                      if query.lower().replace("ё", "е") in (address or "").lower().replace("ё", "е")}
    expected = {f"spb:appeal:{i}" for i in appeals.id[found_in_text]} | in_address
    assert page.total == len(expected) > 0
    with Session(engine) as session:
        shown = set(session.execute(select(Appeal.external_ref).where(
            Appeal.id.in_([row["id"] for row in page.rows]))).scalars())
    assert shown <= expected
    shown_form = re.compile(rf"(?<![а-я]){forms}(?![а-я])")
    visible = [row for row in page.rows if shown_form.search(row["text"].lower().replace("ё", "е"))]
    assert all(  # the shown excerpt (160 characters) marks the word where it shows it
        shown_form.fullmatch(piece.lower().replace("ё", "е")) for row in visible
        for piece, found in row["text_parts"] if found)
    assert all(any(found for _, found in row["text_parts"]) for row in visible)
