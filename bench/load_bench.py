"""Load benchmark of the live queue, driven over the served app's websocket (not a test).

Starts `reflex run --env prod` on the database named by --db (or uses --url), logs in once as the
demo coordinator through LoginState.submit, then runs N concurrent clients for each N of --clients.
Each client is a tab with that token: it loads the queue (hydrate + on_load), polls every 3 s as the
page does (GET /api/queue/version, and the poll event only when the mark changed; `--event-poll`: an
event at every tick, as the page did before), and changes filters (status chips, top category, top
territory, deadline, sort, reset) with a think time between changes. A filter change is sent as the
browser sends it and timed until the page shows its rows: the update that sets the queue's `loading`
and then the one that clears it with the rows (the change loads in its own handler). `--barrier` times
it as before 2026-12-03: the change followed by rxprobe's barrier (`State.set_is_hydrated`, an event
on the root state that the browser never sends; with Redis it loads every state of the tab), then
`loading` cleared.
Prints one row per N: round trip p50/p95/p99/max, errors, filter changes per second, and the
machine's load average (the machine may be shared).

    python bench/load_bench.py --db sqlite:////work/perf-data/1m.db --clients 10,50,200
    python bench/load_bench.py --db postgresql+psycopg://postgres@127.0.0.1:5432/pos_1m \\
        --workers 2 --redis redis://127.0.0.1:6379/12

Needs ../shared/tools/rxprobe/rxprobe.py (or --rxprobe PATH) and its two packages
(python-socketio[asyncio_client], aiohttp; both in requirements-test.txt).
"""

import argparse
import asyncio
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RXPROBE = ROOT.parent / "shared" / "tools" / "rxprobe"
POLL_S = 3.0
QUEUE = "QueueState"


def _load_rxprobe(folder: str):
    sys.path.insert(0, folder)
    import rxprobe  # noqa: PLC0415  (a standalone file outside the package)
    return rxprobe


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: str, workers: int, redis: str | None, log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = dict(os.environ, REFLEX_DB_URL=db, REFLEX_FRONTEND_PORT=str(port))
    env.pop("REFLEX_REDIS_URL", None)
    if redis:
        env["REFLEX_REDIS_URL"] = redis
    env["GRANIAN_WORKERS"] = str(workers)
    reflex = shutil.which("reflex", path=str(Path(sys.executable).parent)) or "reflex"
    with open(log, "w") as handle:
        proc = subprocess.Popen([reflex, "run", "--env", "prod", "--frontend-port", str(port)], cwd=ROOT, env=env,
                                stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app stopped (exit {proc.returncode}); see {log}")
        try:
            with urllib.request.urlopen(url + "/ping", timeout=2) as r, urllib.request.urlopen(url, timeout=5) as p:
                if r.status == 200 and p.status == 200:
                    return proc, url
        except OSError:
            pass
        time.sleep(2)
    stop_server(proc)
    raise RuntimeError(f"the app did not come up in 15 minutes; see {log}")


def stop_server(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


async def log_in(rx, url: str, login: str, password: str, info) -> str:
    async with rx.ReflexClient(url, info=info, timeout=60) as client:
        await client.hydrate("/login")
        await client.send("LoginState.submit", {"form": {"login": login, "password": password}},
                          wait="barrier", timeout=60)
        token = client.var("AppState.auth_token")
    if not token:
        raise RuntimeError(f"log-in as {login} failed")
    return token


def filter_changes(client) -> list[tuple[str, str]]:
    return changes_among([o["value"] for o in client.var(f"{QUEUE}.category_options") or []],
                         [o["value"] for o in client.var(f"{QUEUE}.territory_options") or []])


def changes_among(categories: list[str], territories: list[str]) -> list[tuple[str, str]]:
    """The filter changes a client picks from (bench/filter_walk_bench.py replays the same)."""
    changes = [("status", s) for s in ("open", "all", "in_work", "moderation", "coordination", "closed")]
    changes += [("category", c) for c in categories[:6]] + [("category", "all")] * 2
    changes += [("territory", t) for t in territories[:6]] + [("territory", "all")] * 2
    changes += [("deadline", d) for d in ("overdue", "at_risk", "any", "any")]
    changes += [("sort", s) for s in ("newest", "oldest", "deadline")]
    return changes


async def _until(check, timeout: float) -> bool:
    """Wait for a condition on the state the client has received (updates arrive in the background)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.005)
    return True


async def _shown(loading_seen: list[bool], arrived: asyncio.Event, timeout: float) -> bool:
    """Whether the page showed the change's rows in time: `loading` set, then cleared."""
    deadline = time.monotonic() + timeout
    while not (True in loading_seen and False in loading_seen[loading_seen.index(True):]):
        arrived.clear()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        try:
            await asyncio.wait_for(arrived.wait(), remaining)
        except asyncio.TimeoutError:
            return False
    return True


async def one_client(rx, url, token, info, index, args, out):
    rng = random.Random(index)
    client = rx.ReflexClient(url, info=info, local_storage={"pos_token": token}, timeout=args.timeout,
                             log_updates=False)
    loading_seen: list[bool] = []  # the queue's `loading` in each update since the last change was sent
    arrived = asyncio.Event()
    queue_state: list[str] = []  # its full name, once the client knows the app's states

    def on_update(_ms, update):
        values = ((update or {}).get("delta") or {}).get(queue_state[0] if queue_state else "") or {}
        if "loading_rx_state_" in values:
            loading_seen.append(values["loading_rx_state_"])
            arrived.set()
    client.on_update = on_update
    poller = None
    try:
        try:
            hydrate_started = time.monotonic()
            hydrated = await client.hydrate("/")
        except Exception as exc:  # noqa: BLE001
            out["errors"]["connect_failed"] += 1
            out["examples"].setdefault("connect_failed", f"{type(exc).__name__}: {exc}")
            return
        # The rows come from the queue's background load, after the hydration's own events.
        rows_shown = not hydrated.timed_out and await _until(lambda: client.var(f"{QUEUE}.rows"), args.timeout)
        if not rows_shown:
            out["errors"]["hydrate" if hydrated.timed_out else "empty_queue"] += 1
            return
        out["hydrate_ms"].append((time.monotonic() - hydrate_started) * 1000)
        poll_name = client.resolve(f"{QUEUE}.poll")
        set_filter = client.resolve(f"{QUEUE}.set_filter")
        queue_state.append(set_filter.rsplit(".", 1)[0])
        reset = client.resolve(f"{QUEUE}.reset_filters")
        changes = filter_changes(client)

        async def poll():
            """What the page does every 3 s (assets/queue_poll.js): ask GET /api/queue/version and
            send the poll event only when the mark differs from the one the rows were read at.
            `--event-poll`: the page before 2026-12-03 15:00, a poll event at every tick."""
            await asyncio.sleep(rng.uniform(0, POLL_S))
            while True:
                if args.event_poll:
                    await client.emit_raw("event", {"name": poll_name, "payload": {},
                                                    "router_data": rx.route_router_data("/")})
                    out["polls"] += 1
                else:
                    mark = client.var(f"{QUEUE}.version_mark")
                    changed = bool(mark)
                    if mark and mark != "stale":
                        out["checks"] += 1
                        async with out["http"].get(url + "/api/queue/version", headers={"X-Pos-Token": token}) as r:
                            changed = not (r.status == 200 and await r.text() == mark)
                    if changed:
                        await client.emit_raw("event", {"name": poll_name, "payload": {},
                                                        "router_data": rx.route_router_data("/")})
                        out["polls"] += 1
                await asyncio.sleep(POLL_S)
        poller = asyncio.ensure_future(poll())
        for step in range(args.events):
            await asyncio.sleep(rng.uniform(0.5, 1.5) * args.think_ms / 1000)
            if step % 10 == 9:
                name, payload = reset, {}
            else:
                field, value = rng.choice(changes)
                name, payload = set_filter, {"name": field, "value": value}
            sent = time.monotonic()
            out["t_send"].append(sent)
            loading_seen.clear()
            if args.barrier:
                reply = await client.send(name, payload, wait="barrier", timeout=args.timeout)
                shown = reply.barrier_seen and await _until(lambda: not client.var(f"{QUEUE}.loading"), args.timeout)
                answered, backend_error = not reply.timed_out and reply.barrier_seen, reply.backend_error
            else:
                await client.emit_raw("event", {"name": name, "payload": payload,
                                                "router_data": rx.route_router_data("/")})
                shown = await _shown(loading_seen, arrived, args.timeout)
                answered, backend_error = shown, False
            if not answered or not shown:
                out["errors"]["disconnected" if client.disconnected_reason else "timeout"] += 1
            elif backend_error or client.var(f"{QUEUE}.error"):
                out["errors"]["backend_error"] += 1
                out["examples"].setdefault("backend_error", str(client.var(f"{QUEUE}.error"))[:300])
            else:
                out["rtt"].append((time.monotonic() - sent) * 1000)
                out["t_done"].append(time.monotonic())
                out["trace"].append((index, sent, out["rtt"][-1], name.rsplit(".", 1)[-1], payload.get("name", ""),
                                     payload.get("value", "")))
    except Exception as exc:  # noqa: BLE001
        out["errors"]["exception"] += 1
        out["examples"].setdefault("exception", f"{type(exc).__name__}: {exc}")
    finally:
        if poller:
            poller.cancel()
        await client.close()


async def run_row(rx, url, token, info, clients: int, args) -> dict:
    from collections import Counter
    import aiohttp  # noqa: PLC0415  (rxprobe's own dependency)
    out = {"rtt": [], "hydrate_ms": [], "errors": Counter(), "examples": {}, "t_send": [], "t_done": [],
           "polls": 0, "checks": 0, "http": aiohttp.ClientSession(), "trace": []}
    cpu0, wall0 = time.process_time(), time.monotonic()

    async def ramped(i):
        await asyncio.sleep(args.ramp_s * i / clients)
        await one_client(rx, url, token, info, i, args, out)
    tasks = [asyncio.ensure_future(ramped(i)) for i in range(clients)]
    _done, pending = await asyncio.wait(tasks, timeout=args.max_seconds)
    for task in pending:
        task.cancel()
    out["errors"]["aborted_clients"] += len(pending)
    if pending:
        await asyncio.wait(pending, timeout=10)
    await out["http"].close()
    wall = time.monotonic() - wall0
    if args.trace:
        with open(args.trace, "a") as handle:
            for client_index, sent, rtt_ms, event, field, value in out["trace"]:
                handle.write(f"{clients}\t{client_index}\t{sent - wall0:.3f}\t{rtt_ms:.1f}\t{event}\t{field}\t{value}\n")
    phase = (max(out["t_done"]) - min(out["t_send"])) if out["t_done"] else 0.0
    rtt = out["rtt"]
    pct = rx.percentile
    return {"clients": clients, "ok": len(rtt), "errors": sum(out["errors"].values()),
            "error_kinds": dict(+out["errors"]), "examples": out["examples"],
            "p50": pct(rtt, 50), "p95": pct(rtt, 95), "p99": pct(rtt, 99), "max": max(rtt) if rtt else float("nan"),
            "per_s": len(rtt) / phase if phase else float("nan"),
            "hydrate_p95": pct(out["hydrate_ms"], 95), "polls": out["polls"], "checks": out["checks"],
            "client_cpu": 100 * (time.process_time() - cpu0) / wall, "load": os.getloadavg()}


def print_header(args, url) -> None:
    print(f"# live queue load: {args.label or args.db or url}; {args.events} filter changes per client, "
          f"think {args.think_ms:.0f} ms ±50 %, poll every {POLL_S:.0f} s; workers={args.workers}"
          f"{', redis' if args.redis else ''}")
    print(f"{'clients':>7} {'ok':>6} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} "
          f"{'changes/s':>9} {'hydr p95':>9} {'checks':>6} {'polls':>6} {'cli CPU':>7}  load avg (1/5/15 min)")


def print_row(r: dict) -> None:
    load = " ".join(f"{x:.1f}" for x in r["load"])
    print(f"{r['clients']:>7} {r['ok']:>6} {r['errors']:>6} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['p99']:>8.1f} "
          f"{r['max']:>8.1f} {r['per_s']:>9.1f} {r['hydrate_p95']:>9.1f} {r['checks']:>6} {r['polls']:>6} "
          f"{r['client_cpu']:>6.0f}%  "
          f"{load}", flush=True)
    if r["errors"]:
        print(f"        errors: {r['error_kinds']} {r['examples']}", flush=True)


async def main_async(args) -> int:
    rx = _load_rxprobe(args.rxprobe)
    proc = None
    url = args.url
    if not url:
        log = Path(args.server_log)
        print(f"# starting reflex run --env prod on {args.db.split('@')[-1]} (log: {log}) …", flush=True)
        proc, url = start_server(args.db, args.workers, args.redis, log)
    try:
        info = await rx.discover(url)
        token = await log_in(rx, url, args.login, args.password, info)
        print_header(args, url)
        for clients in args.clients:
            for _ in range(args.repeat):
                print_row(await run_row(rx, url, token, info, clients, args))
    finally:
        if proc is not None:
            stop_server(proc)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="REFLEX_DB_URL of the app to start (a demo region)")
    parser.add_argument("--url", help="use an app already served here instead of starting one")
    parser.add_argument("--workers", type=int, default=1, help="GRANIAN_WORKERS (more than 1 needs --redis)")
    parser.add_argument("--redis", help="REFLEX_REDIS_URL, e.g. redis://127.0.0.1:6379/12")
    parser.add_argument("--clients", type=lambda s: [int(x) for x in s.split(",")], default=[10, 50, 200])
    parser.add_argument("--events", type=int, default=20, help="filter changes per client")
    parser.add_argument("--think-ms", type=float, default=1000.0, help="mean pause between two changes")
    parser.add_argument("--ramp-s", type=float, default=5.0, help="clients start spread over this time")
    parser.add_argument("--repeat", type=int, default=1, help="runs per number of clients")
    parser.add_argument("--timeout", type=float, default=60.0, help="per event, seconds")
    parser.add_argument("--max-seconds", type=float, default=600.0, help="bound of one row")
    parser.add_argument("--login", default="coordinator")
    parser.add_argument("--password", default="demo12345")
    parser.add_argument("--label", default="")
    parser.add_argument("--barrier", action="store_true",
                        help="time each change with rxprobe's barrier after it (as before 2026-12-03)")
    parser.add_argument("--event-poll", action="store_true",
                        help="a poll event every 3 s, as the page did before GET /api/queue/version (older code)")
    parser.add_argument("--rxprobe", default=str(DEFAULT_RXPROBE))
    parser.add_argument("--trace", help="append one line per timed change: clients, client, sent at (s), "
                                        "round trip (ms), event, filter, value (tab-separated)")
    parser.add_argument("--server-log", default="/tmp/pos-load-bench-server.log")
    args = parser.parse_args()
    if not (args.db or args.url):
        parser.error("give --db (start the app) or --url (an app already served)")
    if args.workers > 1 and not args.redis and not args.url:
        parser.error("several workers need --redis (the disk state manager is per process)")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
