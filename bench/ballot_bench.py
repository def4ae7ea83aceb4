"""Ballot integrity and speed benchmark (issue 9): votes cast through the served app's websocket
handler exactly as a browser sends them, by many concurrent clients (not a test).

    python bench/ballot_bench.py --db sqlite:////tmp/ballots.db --acks /tmp/acks.jsonl
    python bench/ballot_bench.py --db postgresql+psycopg://postgres@127.0.0.1:5432/pos_ballots \\
        --workers 2 --redis redis://127.0.0.1:6379/13 --acks /tmp/acks.jsonl [--kill-at 20]
    python bench/ballot_bench.py --db … --acks /tmp/acks.jsonl --check      # repeat the check only

Set-up (in the benchmark's own database, which it resets): the Alembic migrations, one territory,
`--votes` open votes (5 places, up to 2 choices, everyone from 14), and clients × voters-per-client
citizens, inserted in bulk with one password hash shared by all (nobody logs in with it). Log-in:
server sessions are created directly in `user_session` (a random token each, its SHA-256 stored, as
services/sessions.open_session does); the client puts the token in localStorage `pos_token` as the
browser does after LoginState.submit. Log-in itself (argon2) is measured by bench/login_crowd.py.

Each client is a tab: for each of its voters it connects and loads /participate/<vote> (hydrate +
on_load), then for every vote: navigation (on_load_internal, as the router sends it) and
«Отправить голос» (BallotState.cast with the ballot's form, as the browser submits it: the click on a
place only ticks a radio button in the page). Acknowledgement = the update that carries «Ваш голос
принят» (its time from the cast's emit is the latency), or, after a lost
connection, the page showing «Вы проголосовали» with the choice (the server's word that the ballot
is recorded). 10 % of the clients (--retry-share) send every cast a second time with the same tab
(same client token) after the acknowledgement, as a retry after a timeout does: the answer must be
the same receipt and no second ballot. One JSON line per acknowledged ballot goes to --acks.

--kill-at S: S seconds into the run the server's process group gets SIGKILL; it is restarted on the
same port and the clients reconnect with their tab tokens and continue (re-opening the vote they were
at: recorded → acknowledged from the page, not recorded → cast again). The check must still pass.

--check: every acknowledged (vote, voter) is in the database exactly once and nothing else is.
"""

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_bench import _free_port, _load_rxprobe, stop_server  # noqa: E402

ACCEPTED = "Ваш голос принят"
BALLOT = "BallotState"
ROOT = "reflex___state____state"
ON_LOAD = f"{ROOT}.reflex___state____on_load_internal_state.on_load_internal"
OPTIONS_PER_VOTE = 5


# ---------------------------------------------------------------- database set-up and check

def prepare_database(db: str, voters: int, votes: int) -> tuple[list[int], dict[int, list[int]], list[tuple]]:
    """Reset the benchmark's database; returns vote ids, their option ids, and (voter id, token)."""
    from sqlalchemy import insert
    from sqlmodel import Session

    from pos_dashboard.db import make_engine
    from pos_dashboard.domain.enums import Role
    from pos_dashboard.domain.models import Territory, User
    from pos_dashboard.domain.participation import Vote, VoteOption
    from pos_dashboard.domain.security import UserSession
    from pos_dashboard.domain.types import utcnow
    from pos_dashboard.migrations import drop_everything, upgrade
    from pos_dashboard.services.sessions import ABSOLUTE_LIFETIME, token_hash

    engine = make_engine(db)
    drop_everything(engine)
    upgrade(db)
    now = utcnow()
    with Session(engine) as session:
        territory = Territory(name="Бенчмарк-город")
        session.add(territory)
        session.flush()
        territory_id = territory.id
        vote_ids, option_ids = [], {}
        for k in range(votes):
            vote = Vote(title=f"Голосование {k + 1}", territory_id=territory_id, starts_at=now - timedelta(hours=1),
                        ends_at=now + timedelta(days=2), max_choices=2, eligibility="everyone", published_at=now)
            session.add(vote)
            session.flush()
            rows = [VoteOption(vote_id=vote.id, title=f"Место {j + 1}") for j in range(OPTIONS_PER_VOTE)]
            session.add_all(rows)
            session.flush()
            vote_ids.append(vote.id)
            option_ids[vote.id] = [row.id for row in rows]
        session.commit()
    shared_hash = "$argon2id$v=19$m=65536,t=3,p=4$bench$not-a-usable-hash"  # one for all: nobody logs in
    with engine.begin() as conn:
        conn.execute(insert(User), [dict(login=f"bench{k:06d}", full_name=f"Участник {k}", role=Role.CITIZEN.value,
                                         password_hash=shared_hash, is_active=True, created_at=now - timedelta(days=30),
                                         birth_date=date(1990, 1, 1), territory_id=territory_id)
                                    for k in range(voters)])
    from sqlmodel import select
    with Session(engine) as session:
        user_ids = list(session.exec(select(User.id).where(User.login.like("bench%")).order_by(User.id)))
    tokens = [secrets.token_urlsafe(32) for _ in user_ids]
    with engine.begin() as conn:
        conn.execute(insert(UserSession), [dict(token_hash=token_hash(t), user_id=u, created_at=now, last_seen_at=now,
                                                expires_at=now + ABSOLUTE_LIFETIME, client="ballot_bench")
                                           for u, t in zip(user_ids, tokens, strict=True)])
    engine.dispose()
    return vote_ids, option_ids, list(zip(user_ids, tokens, strict=True))


def check(db: str, acks_path: str) -> bool:
    from sqlalchemy import func
    from sqlmodel import Session, select

    from pos_dashboard.db import make_engine
    from pos_dashboard.domain.participation import Ballot

    acks = Counter()
    with open(acks_path) as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                acks[(row["vote_id"], row["voter_id"])] += 1
    engine = make_engine(db)
    with Session(engine) as session:
        rows = session.exec(select(Ballot.vote_id, Ballot.voter_id, func.count()).group_by(Ballot.vote_id,
                                                                                           Ballot.voter_id)).all()
    engine.dispose()
    in_db = {(v, u): n for v, u, n in rows}
    lost = sorted(set(acks) - set(in_db))
    extra = sorted(set(in_db) - set(acks))
    doubled = sorted(k for k, n in in_db.items() if n != 1)
    acked_twice = sorted(k for k, n in acks.items() if n != 1)
    ok = not (lost or extra or doubled or acked_twice)
    print(f"check: {len(acks)} acknowledged ballots, {sum(in_db.values())} in the database; lost {len(lost)}, "
          f"unacknowledged extra {len(extra)}, doubled {len(doubled)}, acknowledged twice {len(acked_twice)} → "
          f"{'PASS' if ok else 'FAIL'}", flush=True)
    for name, items in (("lost", lost), ("extra", extra), ("doubled", doubled), ("acked twice", acked_twice)):
        if items:
            print(f"  {name}: {items[:10]}", flush=True)
    return ok


# ---------------------------------------------------------------- the server

def start_server(db: str, workers: int, redis: str | None, port: int, log: Path) -> subprocess.Popen:
    import shutil
    import urllib.request
    env = dict(os.environ, REFLEX_DB_URL=db, REFLEX_FRONTEND_PORT=str(port), GRANIAN_WORKERS=str(workers),
               REFLEX_TELEMETRY_ENABLED="false", REFLEX_CHECK_LATEST_VERSION="false",
               REFLEX_HTTP_CLIENT_BIND_ADDRESS="0.0.0.0", PYTHONUNBUFFERED="1")
    env.pop("REFLEX_REDIS_URL", None)
    if redis:
        env["REFLEX_REDIS_URL"] = redis
    reflex = shutil.which("reflex", path=str(Path(sys.executable).parent)) or "reflex"
    with open(log, "a") as handle:
        proc = subprocess.Popen([reflex, "run", "--env", "prod", "--frontend-port", str(port)], cwd=PROJECT, env=env,
                                stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app stopped (exit {proc.returncode}); see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            pass
        time.sleep(1)
    stop_server(proc)
    raise RuntimeError(f"the app did not come up in 10 minutes; see {log}")


# ---------------------------------------------------------------- one tab

class Tab:
    def __init__(self, rx, url, info, token, timeout, barrier=False):
        self.rx, self.url, self.info, self.session_token, self.timeout = rx, url, info, token, timeout
        self.barrier = barrier
        self.client = None
        self.changed = asyncio.Event()
        self.updates: list[tuple[float, dict]] = []  # (monotonic time, update) since the last cast's emit

    async def open(self, route: str, tab_token: str | None = None) -> None:
        self.client = self.rx.ReflexClient(self.url, token=tab_token, info=self.info, timeout=self.timeout,
                                           local_storage={"pos_token": self.session_token}, log_updates=False)
        def on_update(_ms, update):
            self.updates.append((time.monotonic(), update))
            self.changed.set()
        self.client.on_update = on_update
        reply = await self.client.hydrate(route)
        if reply.timed_out:
            raise ConnectionError("hydrate timed out")

    def view(self) -> dict:
        return self.client.var(f"{BALLOT}.vote") or {}

    async def until(self, predicate, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if self.client.disconnected_reason and not self.client.connected:
                raise ConnectionError(self.client.disconnected_reason)
            self.changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no update")
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    async def navigate(self, route: str, vote_id: int) -> None:
        self.client.route = route
        # Forget the page shown so far (the load resets it on the server too), so that the wait below
        # sees the new page, not the old one.
        # on_load_internal ends with set_is_hydrated(True), which rxprobe's barrier would take for the
        # end of the next event: wait for it here.
        self.client.state.setdefault(self.client.resolve(f"{BALLOT}.cast").rsplit(".", 1)[0], {})["vote_rx_state_"] = {}
        self.client.state.setdefault(ROOT, {})["is_hydrated_rx_state_"] = False
        await self.client.emit_raw("event", {"name": ON_LOAD, "payload": {},
                                             "router_data": self.rx.route_router_data(route)})
        await self.until(lambda: self.view().get("id") == vote_id
                         and self.client.state[ROOT].get("is_hydrated_rx_state_") is True, self.timeout)

    async def cast(self, route: str, option_id: int) -> tuple[float | None, str]:
        """(latency ms, outcome): «ack» with the receipt's update time, or the error shown. The choice
        travels with «Отправить голос» as the browser sends the ballot's form (its ordered entries);
        done = the update that ends the cast (busy back to False), or with --barrier rxprobe's barrier
        after it (an extra event on the root state, as the benchmark did before 2026-12-03)."""
        name = self.client.resolve(f"{BALLOT}.cast")
        state_name = name.rsplit(".", 1)[0]
        payload = {"form": {"__reflex_form_data__": [["option", str(option_id)]]}}
        self.updates = []
        t0 = time.monotonic()
        if self.barrier:
            reply = await self.client.send(name, payload, route=route, wait="barrier", timeout=self.timeout)
            if reply.timed_out or not reply.barrier_seen:
                raise ConnectionError("no answer to the cast")
        else:
            await self.client.emit_raw("event", {"name": name, "payload": payload,
                                                 "router_data": self.rx.route_router_data(route)})

        def ended():
            return any((u.get("delta") or {}).get(state_name, {}).get("busy_rx_state_") is False
                       for _t, u in self.updates)
        await self.until(ended, self.timeout)
        for t, update in self.updates:
            state = (update.get("delta") or {}).get(state_name) or {}
            if ACCEPTED in str(state.get("notice_rx_state_", "")):
                return 1000 * (t - t0), "ack"
        return None, str(self.client.var(f"{BALLOT}.error") or "no receipt")

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()


async def run_client(rx, url, info, index, voters, vote_ids, option_ids, args, out, acks) -> None:
    rng = random.Random(index)
    retrying = index < round(args.clients * args.retry_share)
    for voter_id, session_token in voters:
        tab = Tab(rx, url, info, session_token, args.timeout, args.barrier)
        pending = list(vote_ids)
        rng.shuffle(pending)
        opened = False
        deadline = time.monotonic() + args.max_seconds
        while pending and time.monotonic() < deadline:
            vote_id = pending[0]
            route = f"/participate/{vote_id}?vote_id={vote_id}"
            try:
                t_page = time.monotonic()
                if not opened:
                    await tab.open(route, tab.client.token if tab.client else None)
                    opened = True
                    await tab.until(lambda: tab.view().get("id") == vote_id, args.timeout)
                    out["open_ms"].append(1000 * (time.monotonic() - t_page))
                else:
                    await tab.navigate(route, vote_id)
                    out["nav_ms"].append(1000 * (time.monotonic() - t_page))
                view = tab.view()
                if view.get("my_choice"):  # recorded before the connection was lost: the page says so
                    out["recovered"] += 1
                    acks.write(json.dumps({"vote_id": vote_id, "voter_id": voter_id}) + "\n")
                    pending.pop(0)
                    continue
                chosen = rng.choice(option_ids[vote_id])
                t0 = time.monotonic()
                ms, outcome = await tab.cast(route, chosen)
                if outcome != "ack":
                    if "уже проголосовали" in outcome:  # recorded, answer lost (a new tab after a restart)
                        await tab.navigate(route, vote_id)  # the page then shows the choice: acknowledged
                        continue
                    out["errors"][outcome[:80]] += 1
                    pending.pop(0)
                    continue
                out["ack_ms"].append(ms)
                out["t_ack"].append(t0 + ms / 1000)
                acks.write(json.dumps({"vote_id": vote_id, "voter_id": voter_id}) + "\n")
                pending.pop(0)
                if retrying:  # the same submission again (same tab, same client token)
                    ms2, outcome2 = await tab.cast(route, chosen)
                    out["retries"] += 1
                    if outcome2 != "ack":
                        out["errors"]["retry: " + outcome2[:70]] += 1
                    else:
                        out["retry_ms"].append(ms2)
            except (ConnectionError, TimeoutError, OSError, Exception) as exc:  # noqa: BLE001
                out["reconnects"] += 1
                out["examples"].setdefault(type(exc).__name__, str(exc)[:200])
                try:
                    await tab.client.close()
                except Exception:  # noqa: BLE001
                    pass
                opened = False
                await asyncio.sleep(1.0)
        out["errors"]["gave up"] += len(pending)
        await tab.close()


async def killer(args, state) -> None:
    await asyncio.sleep(args.kill_at)
    proc = state["proc"]
    print(f"# {args.kill_at:.0f} s: kill -9 of the server's process group ({proc.pid})", flush=True)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    t0 = time.monotonic()
    state["proc"] = await asyncio.to_thread(start_server, args.db, args.workers, args.redis, state["port"],
                                            Path(args.server_log))
    print(f"# restarted in {time.monotonic() - t0:.1f} s", flush=True)


async def main_async(args) -> int:
    rx = _load_rxprobe(args.rxprobe)
    n_voters = args.clients * args.voters_per_client
    t0 = time.monotonic()
    vote_ids, option_ids, voters = prepare_database(args.db, n_voters, args.votes)
    print(f"# set-up: {n_voters} voters with server sessions, {args.votes} open votes in {time.monotonic() - t0:.1f} s",
          flush=True)
    port = _free_port()
    Path(args.server_log).write_text("")
    state = {"port": port, "proc": start_server(args.db, args.workers, args.redis, port, Path(args.server_log))}
    url = f"http://127.0.0.1:{port}"
    out = {"ack_ms": [], "retry_ms": [], "open_ms": [], "nav_ms": [], "t_ack": [], "errors": Counter(), "examples": {}, "retries": 0,
           "reconnects": 0, "recovered": 0}
    try:
        info = await rx.discover(url)
        with open(args.acks, "w", buffering=1) as acks:
            load0, cpu0, wall0 = os.getloadavg(), time.process_time(), time.monotonic()
            kill = asyncio.ensure_future(killer(args, state)) if args.kill_at else None
            tasks = [run_client(rx, url, info, i, voters[i::args.clients], vote_ids, option_ids, args, out, acks)
                     for i in range(args.clients)]
            await asyncio.wait_for(asyncio.gather(*tasks), args.max_seconds + 120)
            if kill:
                await kill
            wall = time.monotonic() - wall0
            load1, cpu = os.getloadavg(), time.process_time() - cpu0
    finally:
        stop_server(state["proc"])
    pct = rx.percentile
    acked = len(out["ack_ms"]) + out["recovered"]
    print(f"# ballot benchmark: {args.db.split('@')[-1]}; workers={args.workers}{', redis' if args.redis else ''}; "
          f"{args.clients} clients × {args.voters_per_client} voters × {args.votes} votes; retrying clients "
          f"{round(args.clients * args.retry_share)}{f'; kill -9 at {args.kill_at:.0f} s' if args.kill_at else ''}")
    print(f"{'acked':>6} {'ballots/s':>9} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} {'retries':>7} "
          f"{'retry p50':>9} {'reconn':>6} {'recov':>5} {'wall s':>7} {'cli CPU':>7}  load avg before → after")
    ack = out["ack_ms"]
    print(f"{acked:>6} {acked / wall:>9.1f} {pct(ack, 50):>7.1f} {pct(ack, 95):>7.1f} {pct(ack, 99):>7.1f} "
          f"{max(ack) if ack else float('nan'):>7.1f} {out['retries']:>7} {pct(out['retry_ms'], 50):>9.1f} "
          f"{out['reconnects']:>6} {out['recovered']:>5} {wall:>7.1f} {100 * cpu / wall:>6.0f}%  "
          f"{' '.join(f'{x:.1f}' for x in load0)} → {' '.join(f'{x:.1f}' for x in load1)}", flush=True)
    print(f"# page opens (connect + hydrate + on_load) p50 {pct(out['open_ms'], 50):.0f} ms, p95 "
          f"{pct(out['open_ms'], 95):.0f} ms ({len(out['open_ms'])}); navigations p50 {pct(out['nav_ms'], 50):.0f} ms, "
          f"p95 {pct(out['nav_ms'], 95):.0f} ms ({len(out['nav_ms'])}); cast events/s "
          f"{len(ack) / (max(out['t_ack']) - min(out['t_ack'])) if len(ack) > 1 else float('nan'):.1f} over the "
          f"span of acknowledgements", flush=True)
    if +out["errors"]:
        print(f"# errors: {dict(+out['errors'])}", flush=True)
    if out["examples"]:
        print(f"# reconnect causes (first of each): {out['examples']}", flush=True)
    return 0 if check(args.db, args.acks) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="the benchmark's own database (it is reset!)")
    parser.add_argument("--acks", required=True, help="one JSON line per acknowledged ballot")
    parser.add_argument("--check", action="store_true", help="only check --acks against --db")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--redis", help="REFLEX_REDIS_URL (needed for more than one worker)")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--voters-per-client", type=int, default=8)
    parser.add_argument("--votes", type=int, default=4, help="open votes; every voter votes in each")
    parser.add_argument("--barrier", action="store_true",
                        help="end each cast with rxprobe's barrier (State.set_is_hydrated, a whole-tree event): "
                             "the way of the runs before 2026-12-03, for comparison")
    parser.add_argument("--retry-share", type=float, default=0.10)
    parser.add_argument("--kill-at", type=float, default=0.0, help="kill -9 the server this many seconds in")
    parser.add_argument("--timeout", type=float, default=30.0, help="per step, seconds")
    parser.add_argument("--max-seconds", type=float, default=900.0)
    parser.add_argument("--rxprobe", default=str(PROJECT.parent / "shared" / "tools" / "rxprobe"))
    parser.add_argument("--server-log", default="/tmp/pos-ballot-bench-server.log")
    args = parser.parse_args()
    if args.check:
        return 0 if check(args.db, args.acks) else 1
    if args.workers > 1 and not args.redis:
        parser.error("several workers need --redis")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
