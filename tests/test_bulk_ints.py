"""The bulk reader of the exact KPI scan (services/bulk_ints) on the suite's backend: every value,
NULL time and order it hands over equals what the database holds, also for SQLite times written
by another tool, and the KPI scan read in ranges on several connections equals the one-connection
scan."""

import sqlite3
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, Table, func, insert, text

from pos_dashboard.analytics.kpi import GROUPINGS, compute_kpis
from pos_dashboard.domain.models import Appeal
from pos_dashboard.services import bulk_ints, kpi_facts
from pos_dashboard.services.bulk_ints import NAT, fetch_columns
from tests.test_kpi import _story

UTC = timezone.utc
MOMENTS = [
    datetime(2025, 3, 3, 9, 0, 0, 123456, tzinfo=UTC),
    datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),   # before PostgreSQL's epoch
    datetime(1970, 1, 1, tzinfo=UTC),                         # zero microseconds since 1970
    datetime(2026, 12, 1, 9, 0, 0, tzinfo=UTC),               # no fraction
    None,
    datetime(2100, 6, 30, 12, 30, 45, 1, tzinfo=UTC),
]


@pytest.fixture()
def probe(engine):
    metadata = MetaData()
    table = Table("bulk_probe", metadata, Column("id", Integer, primary_key=True), Column("size", BigInteger),
                  Column("at", DateTime(timezone=True)), Column("other", Integer))
    metadata.create_all(engine)
    rows = [{"id": i + 1, "size": value, "at": moment, "other": None if i % 2 else i}
            for i, (value, moment) in enumerate(zip([0, 2**31 - 1, -1, 7, 2**40, 5], MOMENTS))]
    with engine.begin() as conn:
        conn.execute(insert(table), rows)
    yield table, rows
    metadata.drop_all(engine)


def micros(moment: datetime | None) -> int:
    if moment is None:
        return int(NAT)
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def test_integers_and_times_come_back_exactly_with_nat_for_null(engine, probe):
    table, rows = probe
    with engine.connect() as conn:
        matrix = fetch_columns(conn, [table.c.id, table.c.size, func.coalesce(table.c.other, -1), table.c.at],
                               "iiit", order_by=[table.c.id.desc()])
    expected = [[r["id"], r["size"], -1 if r["other"] is None else r["other"], micros(r["at"])] for r in rows[::-1]]
    assert matrix.dtype == np.int64 and matrix.tolist() == expected
    times = matrix[:, 3].view("M8[us]")
    assert np.isnat(times).tolist() == [r["at"] is None for r in rows[::-1]]


def test_conditions_with_bound_values_and_lists_and_an_empty_result(engine, probe):
    table, rows = probe
    with engine.connect() as conn:
        some = fetch_columns(conn, [table.c.id], "i", [table.c.at >= MOMENTS[0], table.c.id.in_([1, 4, 6])],
                             [table.c.id])
        none = fetch_columns(conn, [table.c.id, table.c.at], "it", [table.c.id > 100])
    assert some[:, 0].tolist() == [1, 4, 6]
    assert none.shape == (0, 2)


def test_the_order_of_several_keys_ascending_and_descending(engine, probe):
    table, rows = probe
    with engine.begin() as conn:
        conn.execute(text("UPDATE bulk_probe SET size = id % 2"))
    with engine.connect() as conn:
        matrix = fetch_columns(conn, [table.c.id], "i", [table.c.at.isnot(None)], [table.c.size, table.c.id.desc()])
    assert matrix[:, 0].tolist() == [6, 4, 2, 3, 1]


@pytest.mark.parametrize("ordered", [False, True])
def test_a_null_integer_is_refused_not_dropped(engine, probe, ordered):
    table, _ = probe
    order_by = [table.c.id] if ordered else []
    # PostgreSQL: the row count tells; SQLite: group_concat leaves the row out, so the rows are read
    # one by one instead, and numpy refuses the driver's None
    refused = (ValueError, "NULL") if engine.dialect.name == "postgresql" else (TypeError, None)
    with engine.connect() as conn, pytest.raises(refused[0], match=refused[1]):
        fetch_columns(conn, [table.c.id, table.c.other], "ii", order_by=order_by)


@pytest.mark.parametrize("stored, expected", [
    ("2025-03-03 09:00:00", datetime(2025, 3, 3, 9, tzinfo=UTC)),                       # no fraction
    ("2025-03-03T09:00:00.5", datetime(2025, 3, 3, 9, 0, 0, 500000, tzinfo=UTC)),       # short fraction
    ("2025-03-03 12:00:00+03:00", datetime(2025, 3, 3, 9, tzinfo=UTC)),                 # with an offset
])
def test_sqlite_times_written_by_another_tool_are_read_right(engine, probe, stored, expected):
    if engine.dialect.name != "sqlite":
        pytest.skip("only SQLite stores times as text")
    table, _ = probe
    with engine.begin() as conn:
        conn.execute(text("UPDATE bulk_probe SET at = :at WHERE id = 3"), {"at": stored})
    with engine.connect() as conn:
        matrix = fetch_columns(conn, [table.c.id, table.c.at], "it", order_by=[table.c.id])
    assert matrix[2].tolist() == [3, micros(expected)]
    assert matrix[0].tolist() == [1, micros(MOMENTS[0])]


def test_the_scan_read_in_ranges_on_several_connections_equals_the_one_connection_scan(
        session, engine, monkeypatch):
    _story(session)
    session.commit()
    monkeypatch.setattr(kpi_facts, "RANGE_IDS", 2)  # several ranges of a few appeals each
    now = datetime(2025, 4, 1, 9, tzinfo=UTC)
    with engine.connect() as conn:
        ranges = kpi_facts._id_ranges(conn, [])
        one = kpi_facts.load_frame(conn, order=True)
        several = kpi_facts.load_frame(conn, order=True, engine=engine)
    assert len(ranges) >= 4 and ranges[0][0] is None and ranges[-1][1] is None
    assert several.equals(one)
    for group_by in (None, *GROUPINGS):
        assert compute_kpis(engine, group_by=group_by, now=now).equals(
            compute_kpis(session, group_by=group_by, now=now))


@pytest.mark.parametrize("odd, chunk", [(None, 65_536), ("2025-03-03T09:00:00.5", 65_536), (None, 4), (None, 1)])
def test_several_time_columns_between_integers_keep_their_places(engine, probe, monkeypatch, odd, chunk):
    """On SQLite the times of a row travel joined in one text: each comes back in its own column,
    NULL as NaT, whether every text has SQLAlchemy's layout (numpy parses them) or one does not, and
    whether the rows come in one chunk or in several."""
    monkeypatch.setattr(bulk_ints, "DRIVER_CHUNK_ROWS", chunk)
    table, rows = probe
    if odd is not None:
        if engine.dialect.name != "sqlite":
            pytest.skip("only SQLite stores times as text")
        with engine.begin() as conn:
            conn.execute(text("UPDATE bulk_probe SET at = :at WHERE id = 1"), {"at": odd})
        rows[0]["at"] = datetime(2025, 3, 3, 9, 0, 0, 500000, tzinfo=UTC)
    with engine.connect() as conn:
        matrix = fetch_columns(conn, [table.c.at, table.c.id, table.c.at, func.coalesce(table.c.other, -1)],
                               "titi", order_by=[table.c.id])
        unordered = fetch_columns(conn, [table.c.at, table.c.id, table.c.at, func.coalesce(table.c.other, -1)],
                                  "titi")
    assert unordered[np.argsort(unordered[:, 1])].tolist() == matrix.tolist()
    assert matrix.tolist() == [[micros(r["at"]), r["id"], micros(r["at"]), -1 if r["other"] is None else r["other"]]
                               for r in rows]


def test_keys_too_large_to_pack_are_read_one_by_one(session, engine, monkeypatch):
    """The scan packs an appeal's territory, organisation, category, rating and status into one
    integer; a territory id beyond its 20 bits makes it read them unpacked, with the same frame."""
    _story(session)
    session.commit()
    reads = []
    real = kpi_facts.fetch_columns
    monkeypatch.setattr(kpi_facts, "fetch_columns",
                        lambda c, columns, kinds, *rest: reads.append(kinds) or real(c, columns, kinds, *rest))
    with engine.connect() as conn:
        packed = kpi_facts.load_frame(conn, order=True)
    assert "iiiiiittt" not in reads and packed.rating.isna().any() and packed.rating.notna().any()
    big = 1 << 20
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO territory (id, name, kind) SELECT :big, name || ' (2)', kind FROM territory "
                          "ORDER BY id LIMIT 1"), {"big": big})
        conn.execute(text("UPDATE appeal SET territory_id = :big WHERE id = (SELECT max(id) FROM appeal)"), {"big": big})
    reads.clear()
    with engine.connect() as conn:
        unpacked = kpi_facts.load_frame(conn, order=True)
    assert reads[:2] == ["iittt", "iiiiiittt"]
    expected = packed.copy()
    expected.loc[expected.index[-1], "territory_id"] = big
    assert unpacked.equals(expected)


def test_sqlite_texts_past_the_length_limit_are_read_as_rows(engine, probe):
    """SQLite's group_concat refuses a text longer than its length limit (1 GB by default, a 5M-appeal
    scan makes 0.4 GB): the rows are then read one by one, with the same values."""
    if engine.dialect.name != "sqlite":
        pytest.skip("only SQLite reads a scan as group_concat texts")
    table, rows = probe
    columns = [table.c.id, func.coalesce(table.c.other, -1), table.c.at]
    with engine.connect() as conn:
        whole = fetch_columns(conn, columns, "iit")
        conn.connection.driver_connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 100)  # a row's text fits
        limited = fetch_columns(conn, columns, "iit")
    assert limited.tolist() == whole.tolist()
    assert sorted(limited[:, 0].tolist()) == [r["id"] for r in rows]


def test_the_events_of_an_appeal_the_appeals_scan_did_not_see_are_left_out(session, engine, monkeypatch):
    """On two connections the scans may see the database a moment apart: the events of an appeal
    added after the appeals' scan are left out, never put on another appeal's row."""
    _story(session)
    session.commit()
    with engine.connect() as conn:
        whole = kpi_facts.load_frame(conn, order=True)
    # an appeal with a flag that the next appeal lacks: on that appeal's row its events would show
    flags = whole[list(kpi_facts._FLAG_COLUMNS)].to_numpy()
    unseen = next(int(whole.appeal_id[i]) for i in range(len(whole) - 1) if (flags[i] & ~flags[i + 1]).any())
    real = kpi_facts.fetch_columns

    def appeals_without_it(c, columns, kinds, where=(), *rest):
        if kinds == "iittt":
            where = [*where, Appeal.__table__.c.id != unseen]
        return real(c, columns, kinds, where, *rest)
    monkeypatch.setattr(kpi_facts, "fetch_columns", appeals_without_it)
    with engine.connect() as conn:
        seen = kpi_facts.load_frame(conn, order=True)
    assert seen.equals(whole[whole.appeal_id != unseen].reset_index(drop=True))


def test_on_postgresql_the_parallel_scans_read_one_snapshot(session, engine, monkeypatch):
    """The appeals' and the events' scans on their own connections read the snapshot of one
    transaction: a change committed after it was taken, before the scans start, is seen by none."""
    if engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL connections can share a snapshot (SQLite's scans each see their start)")
    _story(session)
    session.commit()
    with engine.connect() as conn:
        before = kpi_facts.load_frame(conn, order=True)
    real = kpi_facts.in_parallel

    def changed_then_scanned(tasks):
        with engine.begin() as other:  # another session, between the snapshot and the scans
            other.execute(text("UPDATE appeal SET rating = NULL"))
            other.execute(text("UPDATE appealevent SET kind = 'redirect'"))
        return real(tasks)
    monkeypatch.setattr(kpi_facts, "in_parallel", changed_then_scanned)
    with engine.connect() as conn:
        seen = kpi_facts.load_frame(conn, order=True, engine=engine)
        after = kpi_facts.load_frame(conn, order=True)
    assert seen.equals(before)
    assert not after.equals(before) and after.has_redirect.sum() > before.has_redirect.sum()
