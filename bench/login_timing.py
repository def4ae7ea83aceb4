"""Can a stranger tell which logins exist by timing the log-in? A wrong password for a real login
and any password for an unknown login, alternated, on a fresh SQLite file with the production
hasher; the throttle rows are cleared after each try so that no attempt is refused early.

    python bench/login_timing.py --repeat 30
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlmodel import Session, SQLModel, delete

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import pos_dashboard.domain  # noqa: E402,F401
from pos_dashboard.db import make_engine  # noqa: E402
from pos_dashboard.domain.models import User  # noqa: E402
from pos_dashboard.domain.security import LoginThrottle  # noqa: E402
from pos_dashboard.services import auth  # noqa: E402
from pos_dashboard.services.errors import ServiceError  # noqa: E402
from stats import p95  # noqa: E402  (bench/stats.py)


def _try(session: Session, login: str) -> float:
    started = time.perf_counter()
    try:
        auth.log_in(session, login=login, password="wrong password", address="10.0.0.1")
    except ServiceError:
        session.rollback()
    elapsed = (time.perf_counter() - started) * 1000
    session.exec(delete(LoginThrottle))
    session.commit()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    engine = make_engine("sqlite:///" + str(Path(tempfile.mkdtemp()) / "timing.db"))
    SQLModel.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        session.add(User(login="anna", full_name="Анна", password_hash=auth.hash_password("верный пароль")))
        session.commit()
        _try(session, "warm-up")
        times = {"real login, wrong password": [], "unknown login": []}
        for _ in range(args.repeat):
            times["real login, wrong password"].append(_try(session, "anna"))
            times["unknown login"].append(_try(session, "nobody"))
    print(f"{'case':<28} {'median ms':>10} {'p95 ms':>8} {'min ms':>8}")
    for case, values in times.items():
        print(f"{case:<28} {statistics.median(values):>10.1f} {p95(values):>8.1f} {min(values):>8.1f}")


if __name__ == "__main__":
    main()
