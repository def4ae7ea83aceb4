"""Grow a benchmark database N-fold by copying its appeals with SQL (not a test; for bench/kpi_bench.py).

The demo loader writes about 10k rows/s, so 5 million appeals would take hours; this copies the
appeals, their events and their answers (every table the KPIs read) N-1 times inside the database,
each copy with ids shifted by a multiple of the current maximum (appeal ids, and the appeal ids in
events and answers, move together; `external_ref` gets a «#k» suffix to stay unique), then
rebuilds the KPI rollups. Times, keys and statuses are copied as they are: copy k of an appeal is
created at the same moment in the same place, so the KPIs count each appeal N times (shares and
percentiles unchanged). Other tables (ratings, disputes, notifications, queue tallies) are not
copied: use the result for the KPI benchmark only. The copies are not added to SQLite's full-text
index (its insert trigger is dropped during the copy and made again after). The secondary indexes
of the three tables are dropped before the copy and made again after it (one sorted build instead
of millions of random index inserts).

The KPI rollups of N identical copies are those of the original with every count multiplied by N
(same keys, same days, same organisations), so by default they are scaled in place: `kpi_fact`
rows copied with the shifted ids, and the count columns of every `kpi_block` matrix multiplied.
`--rebuild` rebuilds them from the appeals and events instead (`rollups --rebuild`: minutes and
gigabytes at 5M); `--check` does both on a small database and says whether the bytes agree.

The search terms' counts (`searchterm`) of N identical copies are those of the original times N:
they are scaled in place too (the queue's search reads them).

Caveat for the benchmark: identical copies fill no new histogram buckets, so the rollups' matrices
have as many entries at N× as at 1×; a real 5M region would fill more of the (bounded) buckets.

    python bench/replicate_appeals.py --db sqlite:////tmp/rollups/5m.db --times 5
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import bindparam, inspect, select, text, update  # noqa: E402

from pos_dashboard.db import make_engine  # noqa: E402
from pos_dashboard.domain.kpi_measures import BLOB_KEYS, BLOBS, kpi_block, kpi_fact, pack, unpack  # noqa: E402
from pos_dashboard.services.kpi_rollups import rebuild  # noqa: E402

# table → {column: how copy k is made} for the columns that change; the others are copied as they are
SHIFTED = {
    "appeal": {"id": "id + {k} * {appeal}", "external_ref": "CASE WHEN external_ref IS NULL THEN NULL "
                                                           "ELSE external_ref || '#{k}' END"},
    "appealevent": {"id": "id + {k} * {appealevent}", "appeal_id": "appeal_id + {k} * {appeal}"},
    "answer": {"id": "id + {k} * {answer}", "appeal_id": "appeal_id + {k} * {appeal}"},
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True, help="a copy made for the benchmark (it is written to)")
    parser.add_argument("--times", type=int, default=5, help="the appeals after the copy, as a multiple")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the rollups instead of scaling them")
    parser.add_argument("--check", action="store_true", help="scale, then rebuild, and compare (small databases)")
    args = parser.parse_args()
    engine = make_engine(args.db)
    started = time.perf_counter()
    top = copy_appeals(engine, args.times)
    print(f"appeals, events and answers copied in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    if args.rebuild:
        with engine.begin() as conn:
            counts = rebuild(conn)
        print(f"rollups rebuilt in {time.perf_counter() - started:.1f} s: {counts}", flush=True)
    else:
        with engine.begin() as conn:
            scale_rollups(conn, args.times, top_appeal=top["appeal"])
        print(f"rollups scaled in {time.perf_counter() - started:.1f} s", flush=True)
    # The copies have the texts and top nodes of the originals: every count (a pair's lower bound too) times N.
    for counts_table in ("searchterm", "scopedterm", "searchpair"):
        if inspect(engine).has_table(counts_table):
            with engine.begin() as conn:
                conn.execute(text(f"UPDATE {counts_table} SET appeals = appeals * :times"), {"times": args.times})
            print(f"{counts_table} counts scaled", flush=True)
    if args.check:
        with engine.connect() as conn:
            scaled = _block_bytes(conn)
        with engine.begin() as conn:
            rebuild(conn)
        with engine.connect() as conn:
            rebuilt = _block_bytes(conn)
        print(f"check: {len(scaled[0]):,} facts, {len(scaled[1]):,} blocks; scaled == rebuilt: {scaled == rebuilt}",
              flush=True)
        if scaled != rebuilt:
            return 1
    engine.dispose()
    return 0


def _top(conn) -> dict[str, int]:
    return {table: conn.execute(text(f"SELECT max(id) FROM {table}")).scalar_one() for table in SHIFTED}


def copy_appeals(engine, times: int) -> dict[str, int]:
    """Copy the appeals, events and answers times-1 times; returns the maximum ids before the copy."""
    # Generated columns (PostgreSQL's appeal.search_vector) are made by the database, not copied.
    columns = {table: [c["name"] for c in inspect(engine).get_columns(table) if not c.get("computed")]
               for table in SHIFTED}
    with engine.connect() as conn:
        top = _top(conn)
    print(f"max ids: {top}", flush=True)
    with engine.begin() as conn:
        indexes = _drop_indexes(conn)
    print(f"dropped {len(indexes)} indexes for the copy", flush=True)
    trigger = None
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            trigger = conn.execute(text("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                                        "AND name = 'appeal_fts_after_insert'")).scalar()
            if trigger:
                conn.execute(text("DROP TRIGGER appeal_fts_after_insert"))
    for k in range(1, times):
        for table, changes in SHIFTED.items():
            started = time.perf_counter()
            names = ", ".join(columns[table])
            values = ", ".join(changes[c].format(k=k, **top) if c in changes else c for c in columns[table])
            with engine.begin() as conn:
                count = conn.execute(text(f"INSERT INTO {table} ({names}) SELECT {values} FROM {table} "
                                          f"WHERE id <= :top"), {"top": top[table]}).rowcount
            print(f"copy {k}: {table:<12} {count:>10,} rows in {time.perf_counter() - started:6.1f} s", flush=True)
    started = time.perf_counter()
    with engine.begin() as conn:
        for statement in indexes:
            conn.execute(text(statement))
        if trigger:
            conn.execute(text(trigger))
    print(f"indexes made again in {time.perf_counter() - started:.1f} s", flush=True)
    if engine.dialect.name != "postgresql":
        return top
    with engine.begin() as conn:
        for table in SHIFTED:
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT max(id) FROM {table}))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return top


def _drop_indexes(conn) -> list[str]:
    """Drop the secondary indexes of the copied tables (not those behind a primary key or a unique
    constraint); returns the statements that make them again."""
    tables = list(SHIFTED)
    if conn.dialect.name == "sqlite":
        rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                                 "AND tbl_name IN (" + ", ".join(f"'{t}'" for t in tables) + ")")).all()
    else:
        rows = conn.execute(text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
            "AND i.tablename IN (" + ", ".join(f"'{t}'" for t in tables) + ") AND NOT EXISTS ("
            "SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.schemaname) || '.' || "
            "quote_ident(i.indexname))::regclass)")).all()
    for name, _ in rows:
        conn.execute(text(f'DROP INDEX "{name}"'))
    return [statement for _, statement in rows]


def scale_rollups(conn, times: int, top_appeal: int) -> None:
    """The rollups of `times` identical copies: the facts copied with the appeal ids shifted as
    `copy_appeals` shifts them, every count of every block matrix multiplied (keys unchanged)."""
    names = [c.name for c in kpi_fact.columns]
    columns = ", ".join(names)
    for k in range(1, times):
        values = ", ".join(f"appeal_id + {k * top_appeal}" if name == "appeal_id" else name for name in names)
        conn.execute(text(f"INSERT INTO kpi_fact ({columns}) SELECT {values} FROM kpi_fact "
                          f"WHERE appeal_id <= :top"), {"top": top_appeal})
    t = kpi_block
    keys = [c.name for c in t.primary_key.columns]
    rows = conn.execute(select(t)).mappings().all()
    updates = []
    for row in rows:
        blobs = {}
        for name, columns_ in BLOBS.items():
            matrix = unpack(row[name], len(columns_)).astype("int64")
            matrix[:, BLOB_KEYS[name]:] *= times
            blobs[name] = pack(matrix)
        updates.append({**{f"k_{name}": row[name] for name in keys}, **blobs})
    for start in range(0, len(updates), 5_000):
        conn.execute(update(t).where(*(t.c[name] == bindparam(f"k_{name}") for name in keys))
                     .values({name: bindparam(name) for name in BLOBS}), updates[start:start + 5_000])


def _block_bytes(conn) -> list[list[tuple]]:
    """Every row of the two rollup tables, blobs as bytes, sorted."""
    return [sorted(tuple(bytes(v) if isinstance(v, (bytes, memoryview)) else v for v in row)
                   for row in conn.execute(select(table)).all()) for table in (kpi_fact, kpi_block)]


if __name__ == "__main__":
    sys.exit(main())
