"""The queue's export: every appeal of the filter (not one page), in the page's order, the same
rows the page counts; organisation staff get their own organisation's appeals whatever the link
says; the file streams in pieces (CSV and XLSX) and a link works only as the export links do."""

import csv
import io
from contextlib import contextmanager
from urllib.parse import parse_qsl

import pytest
from openpyxl import load_workbook

from pos_dashboard.analytics import queue_export
from pos_dashboard.analytics.queue import QueueFilter, fetch_queue_page
from pos_dashboard.analytics.queue_export import HEADER, export_filter, export_rows
from pos_dashboard.analytics.table_export import CSV_CHUNK_ROWS, stream_chunks
from pos_dashboard.api import exports
from pos_dashboard.api.exports import QUEUE, open_export
from pos_dashboard.services import download_tickets, sessions
from pos_dashboard.services.errors import PermissionDenied

from .factories import T0, hours
from .test_queue import _setup

NOW = T0 + hours(6)
VALUES = {"status": "open", "category": "all", "territory": "all", "organization_query": "", "deadline": "any",
          "search": "", "sort": "deadline", "drill": ""}


def _all_pages(session, flt: QueueFilter) -> tuple[list[int], int]:
    ids, page = [], 0
    while True:
        result = fetch_queue_page(session, flt, page=page, page_size=2, now=NOW)
        ids += [row["id"] for row in result.rows]
        if not result.rows or len(ids) >= result.total:
            return ids, result.total
        page += 1


@pytest.mark.parametrize("values", [
    {}, {"status": "all"}, {"status": "all", "sort": "newest"}, {"status": "all", "sort": "oldest"},
    {"status": "rejected"}, {"search": "подъезд"}, {"deadline": "overdue"}, {"status": "all", "search": "тёплые"},
])
def test_the_export_holds_every_page_of_the_filter_in_the_page_order(session, values):
    r, _ids = _setup(session)
    flt = export_filter({**VALUES, **values}, r.coordinator)
    rows = list(export_rows(session, flt, now=NOW))
    page_ids, total = _all_pages(session, flt)
    assert [row[1] for row in rows] == page_ids and len(rows) == total
    assert all(len(row) == len(HEADER) for row in rows)


def test_the_territory_filter_takes_sub_territories_and_the_row_says_what_the_page_says(session):
    r, ids = _setup(session)
    flt = export_filter({**VALUES, "territory": str(r.t_city)}, r.coordinator)
    rows = {row[1]: row for row in export_rows(session, flt, now=NOW)}
    assert set(rows) == {ids["yard"], ids["micro"], ids["heating"]}  # the microdistrict is in the city
    page_row = next(row for row in fetch_queue_page(session, flt, page_size=50, now=NOW).rows
                    if row["id"] == ids["yard"])
    yard = rows[ids["yard"]]
    assert yard[:3] == [page_row["number"], ids["yard"], page_row["created"]]
    assert yard[3:8] == [page_row["category"], page_row["territory_full"], page_row["organization"],
                         page_row["status_label"], page_row["deadline"]]
    assert yard[8] == ("да" if page_row["deadline_state"] == "overdue" else "нет")
    assert yard[9] == "ул. Ленина, д. 5" and yard[10] == "Во дворе не убран мусор у ПОДЪЕЗДА №2"


def test_organisation_staff_export_their_own_organisation_whatever_the_link_says(session):
    r, ids = _setup(session)
    staff = r.staff[r.o_heat]
    flt = export_filter({**VALUES, "status": "all", "organization_query": ""}, staff)
    assert flt.organization_id == r.o_heat
    assert [row[1] for row in export_rows(session, flt, now=NOW)] == [ids["heating"]]
    for outsider in (r.citizen, r.system):
        with pytest.raises(PermissionDenied):
            export_filter(VALUES, outsider)


def test_whatever_a_client_puts_in_the_link_is_bounded_or_dropped(session):
    r, _ids = _setup(session)
    flt = export_filter({"status": "'; DROP TABLE appeal; --", "category": "-1", "territory": "9" * 40,
                         "deadline": "soon", "sort": "random()", "search": "я" * 100_000,
                         "organization_query": "x" * 100_000, "drill": "period=365&" * 5_000}, r.coordinator)
    assert (flt.status, flt.category_id, flt.territory_id, flt.deadline, flt.sort) == \
        ("open", None, None, "any", "deadline")
    assert len(flt.search) <= 200 and len(flt.organization_query) <= 200
    list(export_rows(session, flt, now=NOW))  # runs


def test_large_exports_stream_in_pieces_and_read_back_the_same():
    rows = ([i, f"Обращение «{i}»; с точкой с запятой", i * 0.5, None] for i in range(3 * CSV_CHUNK_ROWS + 7))
    header = ["Номер", "Текст", "Доля", "Пусто"]
    pieces = list(stream_chunks("csv", header, rows, "Обращения"))
    assert len(pieces) == 1 + 4  # the header, then the rows a batch at a time as they are read
    text = b"".join(pieces).decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert parsed[0] == header and len(parsed) == 3 * CSV_CHUNK_ROWS + 8
    assert parsed[-1] == [str(3 * CSV_CHUNK_ROWS + 6), f"Обращение «{3 * CSV_CHUNK_ROWS + 6}»; с точкой с запятой",
                          f"{(3 * CSV_CHUNK_ROWS + 6) * 0.5}".replace(".", ","), ""]
    many = ([i, "т" * 100] for i in range(20_000))
    pieces = list(stream_chunks("xlsx", ["Номер", "Текст"], many, "Обращения"))
    assert len(pieces) > 1
    sheet = load_workbook(io.BytesIO(b"".join(pieces)), read_only=True)["Обращения"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Номер", "Текст") and len(values) == 20_001 and values[-1] == (19_999, "т" * 100)


def test_a_signed_link_streams_the_queue_for_its_user_only(session, monkeypatch):
    r, ids = _setup(session)
    session.commit()

    @contextmanager
    def same_session():
        yield session
    monkeypatch.setattr(exports, "session_scope", same_session)

    def link(actor, **values):
        token = sessions.open_session(session, user_id=actor.user_id, now=NOW)
        query = download_tickets.issue(session, token=token, kind=QUEUE, params={**VALUES, **values}, now=NOW)
        return dict(parse_qsl(query, keep_blank_values=True))  # as Starlette reads a URL

    name, chunks, mime = open_export(session, link(r.coordinator, status="all", fmt="csv"), now=NOW)
    assert name == "appeals_all.csv" and mime.startswith("text/csv")
    lines = b"".join(chunks).decode("utf-8-sig").splitlines()
    assert lines[0].split(";") == HEADER and len(lines) == 1 + len(ids)
    name, chunks, _ = open_export(session, link(r.staff[r.o_heat], status="all", fmt="xlsx"), now=NOW)
    sheet = load_workbook(io.BytesIO(b"".join(chunks)), read_only=True)[queue_export.SHEET]
    assert [row[1] for row in list(sheet.iter_rows(values_only=True))[1:]] == [ids["heating"]]
    with pytest.raises(PermissionDenied):
        open_export(session, link(r.citizen, fmt="csv"), now=NOW)
