"""Import of the real «Наш Санкт-Петербург» folder with 1 % of its appeals corrupted, and the time an
import takes to stop and to resume when the database goes away (issue 11). Prints tables.

    python bench/import_faults_bench.py --source ../shared/data/spb_our_city --work /tmp/NAME/bench
    python bench/import_faults_bench.py … --pg postgresql+psycopg://postgres@127.0.0.1:5432/pos_NAME_bench

Corruption (deterministic, --seed): each chosen appeal gets one fault, in turn: an impossible date in
a route comment («31.02.2021»), created_at 9999-12-31, a text over the platform's limit, bytes that
are not UTF-8, a latitude that is not a number, an unknown final status. Every corrupted appeal must
be skipped and named, every other one imported. The outage part runs the import through a TCP proxy
(tests/tcp_proxy.py) in front of PostgreSQL, cuts it after --cut-after seconds, measures the time to
the non-zero exit, then reruns and measures the resume.
"""

import argparse
import csv
import gzip
import io
import os
import random
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from sqlalchemy import create_engine, make_url, text  # noqa: E402

from pos_dashboard.domain.limits import APPEAL_TEXT_MAX  # noqa: E402
from tests.tcp_proxy import TcpProxy  # noqa: E402

BAD = "@@BAD-BYTES@@"
FAULTS = ("route date 31.02", "created_at 9999", "text over limit", "not UTF-8", "bad latitude", "unknown status")
EXPECTED_REASON = {"route date 31.02": "bad date in route comment", "created_at 9999": "created_at out of range",
                   "text over limit": "text over the limit", "not UTF-8": "not UTF-8", "bad latitude": "bad point",
                   "unknown status": "unknown status"}
csv.field_size_limit(64 * 1024 * 1024)


def _read(path: str) -> tuple[list[str], list[list[str]]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as source:
        rows = list(csv.reader(source))
    return rows[0], rows[1:]


def _write(path: str, header: list[str], rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(buffer.getvalue().encode("utf-8").replace(BAD.encode(), b"\xff\xfe"))


def corrupt(source: str, target: str, share: float, seed: int) -> dict[str, str]:
    """Copy the folder with `share` of the appeals corrupted; returns appeal id → fault."""
    os.makedirs(target, exist_ok=True)
    header, appeals = _read(os.path.join(source, "appeals.csv.gz"))
    event_header, events = _read(os.path.join(source, "events.csv.gz"))
    col = {name: i for i, name in enumerate(header)}
    ev = {name: i for i, name in enumerate(event_header)}
    routes = {}  # appeal id → index of a route event that moves the deadline
    for i, row in enumerate(events):
        if row[ev["event"]] == "route" and re.search(r"изменен с \d\d\.\d\d\.\d{4} на \d\d\.\d\d\.\d{4}",
                                                     row[ev["detail"]]):
            routes.setdefault(row[ev["appeal_id"]], i)
    rng = random.Random(seed)
    chosen = rng.sample(range(len(appeals)), round(len(appeals) * share))
    faults, turn = {}, 0
    for index in chosen:
        row = appeals[index]
        appeal_id = row[col["id"]]
        fault = FAULTS[turn % len(FAULTS)]
        if fault == "route date 31.02" and appeal_id not in routes:
            fault = "created_at 9999"
        turn += 1
        if fault == "route date 31.02":
            event = events[routes[appeal_id]]
            event[ev["detail"]] = re.sub(r"на \d\d\.\d\d\.\d{4}", "на 31.02.2021", event[ev["detail"]])
        elif fault == "created_at 9999":
            row[col["created_at"]] = "9999-12-31T23:59:59"
        elif fault == "text over limit":
            row[col["text"]] = (row[col["text"]] + " ") * (APPEAL_TEXT_MAX // max(len(row[col["text"]]), 1) + 2)
        elif fault == "not UTF-8":
            row[col["text"]] = row[col["text"]][:20] + BAD + row[col["text"]][20:]
        elif fault == "bad latitude":
            row[col["latitude"]] = "север"
        else:
            row[col["final_status"]] = "Непонятный статус"
        faults[appeal_id] = fault
    _write(os.path.join(target, "appeals.csv.gz"), header, appeals)
    _write(os.path.join(target, "events.csv.gz"), event_header, events)
    return faults


def run_import(url: str, folder: str, *extra: str) -> tuple[subprocess.Popen, float]:
    env = {**os.environ, "REFLEX_DB_URL": url, "PYTHONPATH": ROOT}
    return subprocess.Popen([sys.executable, "-m", "pos_dashboard", "import-spb", "--quiet", *extra, folder],
                            env=env, cwd="/tmp", stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True), time.perf_counter()


def summary_value(out: str, label: str) -> str:
    match = re.search(re.escape(label) + r":? (\d+)", out)
    return match.group(1) if match else "?"


def corrupted_import(args, folder: str, faults: dict[str, str]) -> None:
    db = os.path.join(args.work, "corrupted.db")
    if os.path.exists(db):
        os.remove(db)
    process, started = run_import(f"sqlite:///{db}", folder)
    out, err = process.communicate()
    seconds = time.perf_counter() - started
    skipped = {}
    for line in err.splitlines():
        match = re.match(r"import-spb: пропущено обращение (\S+) \(appeals\.csv\.gz, строка (\d+)\): ([^:]+)", line)
        if match:
            skipped[match.group(1)] = match.group(3)
    right = sum(1 for appeal_id, fault in faults.items() if skipped.get(appeal_id) == EXPECTED_REASON[fault])
    print(f"\n1 % corrupted, SQLite ({db}), exit code {process.returncode}")
    print(f"{'appeals in file':<34}{summary_value(out, 'Обращений в файле'):>10}")
    print(f"{'corrupted':<34}{len(faults):>10}")
    print(f"{'imported':<34}{summary_value(out, 'Импортировано обращений'):>10}")
    print(f"{'skipped (named on stderr)':<34}{len(skipped):>10}")
    print(f"{'skipped = corrupted, right reason':<34}{right:>10}")
    print(f"{'skipped but not corrupted':<34}{len(set(skipped) - set(faults)):>10}")
    print(f"{'time, s (incl. process start)':<34}{seconds:>10.1f}")
    for fault in FAULTS:
        print(f"  {fault:<32}{sum(1 for f in faults.values() if f == fault):>10}")


def _fresh_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def subset(source: str, target: str, appeals: int) -> str:
    """The first `appeals` appeals of the folder with their events (the files are sorted by id)."""
    os.makedirs(target, exist_ok=True)
    header, rows = _read(os.path.join(source, "appeals.csv.gz"))
    rows = rows[:appeals]
    wanted = {row[header.index("id")] for row in rows}
    event_header, events = _read(os.path.join(source, "events.csv.gz"))
    _write(os.path.join(target, "appeals.csv.gz"), header, rows)
    _write(os.path.join(target, "events.csv.gz"), event_header,
           [e for e in events if e[event_header.index("appeal_id")] in wanted])
    return target


def _appeals(engine) -> int:
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM appeal")).scalar_one()
    except Exception:  # noqa: BLE001  (no schema yet)
        return 0


def outage(args) -> None:
    direct = make_url(args.pg)
    _fresh_database(args.pg)
    folder = subset(args.source, os.path.join(args.work, "spb_subset"), args.outage_appeals)
    proxy = TcpProxy(direct.host or "127.0.0.1", direct.port or 5432)
    via = direct.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    engine = create_engine(args.pg)
    rows = []
    try:
        process, started = run_import(via, folder)
        while _appeals(engine) == 0 and process.poll() is None:  # the files are read first
            time.sleep(0.2)
        time.sleep(args.cut_after)
        proxy.cut()
        cut_at = time.perf_counter()
        _, err = process.communicate()
        stopped = time.perf_counter() - cut_at
        with engine.connect() as conn:
            written = conn.execute(text("SELECT count(*) FROM appeal")).scalar_one()
        rows.append(("cut → exit", process.returncode, stopped, written, err.strip().splitlines()[-1][:90]))
        proxy.restore()
        process, started = run_import(via, folder)
        out, err = process.communicate()
        rows.append(("rerun (resume)", process.returncode, time.perf_counter() - started,
                     int(summary_value(out, "Импортировано обращений")), f"already present: "
                     f"{summary_value(out, 'Уже были в базе')}"))
        _fresh_database(args.pg)
        process, started = run_import(args.pg, folder)
        out, _ = process.communicate()
        rows.append(("clean import, for scale", process.returncode, time.perf_counter() - started,
                     int(summary_value(out, "Импортировано обращений")), ""))
    finally:
        proxy.close()
        engine.dispose()
    print(f"\nPostgreSQL goes away {args.cut_after:.0f} s after the first appeals are written "
          f"({args.outage_appeals} appeals; TCP proxy cut; default retries 1+2+4 s)")
    print(f"{'run':<26}{'exit':>5}{'seconds':>9}{'appeals':>9}  note")
    for name, code, seconds, appeals, note in rows:
        print(f"{name:<26}{code:>5}{seconds:>9.1f}{appeals:>9}  {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=os.path.join(ROOT, "..", "shared", "data", "spb_our_city"))
    parser.add_argument("--work", required=True, help="folder for the corrupted copy and the SQLite file")
    parser.add_argument("--share", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--pg", help="a PostgreSQL database of your own for the outage part (dropped and recreated)")
    parser.add_argument("--cut-after", type=float, default=3.0, help="seconds after the first appeals are written")
    parser.add_argument("--outage-appeals", type=int, default=10_000, help="appeals of the folder used there")
    parser.add_argument("--skip-corrupted", action="store_true")
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1/5/15 min)")
    if not args.skip_corrupted:
        folder = os.path.join(args.work, "spb_corrupted")
        started = time.perf_counter()
        faults = corrupt(args.source, folder, args.share, args.seed)
        print(f"corrupted copy written in {time.perf_counter() - started:.1f} s: {folder}")
        corrupted_import(args, folder, faults)
    if args.pg:
        outage(args)
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1/5/15 min)")


if __name__ == "__main__":
    main()
