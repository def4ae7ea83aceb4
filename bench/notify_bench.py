"""Notification delivery benchmark: 1,000 e-mails queued at once in the outbox, sent by the
dispatcher (services/dispatcher.py) to a local aiosmtpd server, with one and with two dispatchers
at once. Prints, per run: wall time, throughput, and the delivery latency of each message from
its `created_at` (queued) to the moment the SMTP server accepted it (p50 / p95 / max), checking
that every message arrived exactly once.

    python bench/notify_bench.py                      # SQLite in a temporary file
    python bench/notify_bench.py --db-url postgresql+psycopg://postgres@127.0.0.1:5432/DBNAME
"""

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402
from sqlmodel import Session, SQLModel, select  # noqa: E402

import pos_dashboard.domain  # noqa: E402,F401  (registers every table)
from pos_dashboard.db import make_engine  # noqa: E402
from pos_dashboard.domain.models import User  # noqa: E402
from pos_dashboard.domain.notifications import Notification  # noqa: E402
from pos_dashboard.services.dispatcher import dispatch_all  # noqa: E402
from pos_dashboard.services.notify_templates import render  # noqa: E402
from tests.smtp_server import SmtpServer  # noqa: E402
from stats import p95  # noqa: E402

USERS = 100


def setup(engine) -> None:
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(User.__table__), [
            dict(login=f"user{i}", full_name=f"Пользователь {i}", email=f"user{i}@example.ru", role="citizen",
                 is_active=True, created_at=datetime.now(timezone.utc)) for i in range(1, USERS + 1)])


def enqueue(engine, n: int) -> None:
    now = datetime.now(timezone.utc)
    rows = []
    for i in range(n):
        subject, body = render("in_work", number=100_000 + i, category="Ямы и выбоины на проезжей части",
                               organization="МКУ «Управление дорожного хозяйства»", deadline="15.12.2026 23:59",
                               link=f"http://localhost:3000/appeals/{100_000 + i}")
        user = i % USERS + 1
        rows.append(dict(user_id=user, channel="email", address=f"user{user}@example.ru", template="in_work",
                         subject=subject, body=body, created_at=now, next_attempt_at=now, attempts=0))
    with engine.begin() as conn:
        conn.execute(insert(Notification.__table__), rows)


def run(engine, n: int, workers: int) -> dict:
    setup(engine)
    with SmtpServer() as server:
        enqueue(engine, n)
        with Session(engine) as session:
            created = {row.id: row.created_at.timestamp() for row in session.exec(select(Notification))}
        results, errors = [], []

        def work():
            try:
                with Session(engine, expire_on_commit=False) as session:
                    results.append(dispatch_all(session, server.settings))
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)

        started = time.perf_counter()
        threads = [threading.Thread(target=work) for _ in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
    if errors:
        raise errors[0]
    received = server.handler.received
    ids = [int(r.message["Message-ID"].split("-")[1].split("@")[0]) for r in received]
    assert len(ids) == n == len(set(ids)), f"{len(ids)} received, {len(set(ids))} distinct, {n} queued"
    latency = [r.at - created[i] for r, i in zip(received, ids)]
    return {"workers": workers, "sent": sum(r.sent for r in results), "wall": wall, "rate": n / wall,
            "p50": statistics.median(latency), "p95": p95(latency), "max": max(latency),
            "per_worker": "/".join(str(r.sent) for r in results)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db-url", default=None)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="notify_bench_")
    url = args.db_url or f"sqlite:///{folder}/bench.db"
    engine = make_engine(url)
    backend = engine.dialect.name
    print(f"notification delivery: {args.messages:,} queued e-mails → aiosmtpd on 127.0.0.1 ({backend})")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'backend':<11}{'dispatchers':>12}{'sent':>7}{'by each':>12}{'wall s':>9}{'msg/s':>9}"
          f"{'p50 s':>9}{'p95 s':>9}{'max s':>9}")
    try:
        for workers in args.workers:
            r = run(engine, args.messages, workers)
            print(f"{backend:<11}{r['workers']:>12}{r['sent']:>7}{r['per_worker']:>12}{r['wall']:>9.2f}{r['rate']:>9.0f}"
                  f"{r['p50']:>9.2f}{r['p95']:>9.2f}{r['max']:>9.2f}")
    finally:
        SQLModel.metadata.drop_all(engine)
        engine.dispose()
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("latency = SMTP server's acceptance − created_at; all messages queued at once, so p50 ≈ half the drain time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
