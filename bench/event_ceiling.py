"""The framework's own ceiling on this machine (issue 9): how many events per second the served app
answers over its websocket when the handler does (almost) nothing, with the same 64 clients as
bench/ballot_bench.py. A baseline beside the ballot numbers, not a test.

    python bench/event_ceiling.py --db sqlite:////tmp/ceiling.db
    python bench/event_ceiling.py --db postgresql+psycopg://…/ceiling --workers 2 --redis redis://127.0.0.1:6379/13

Each client opens /participate/<vote> (hydrate + on_load; no session, so the load sends it to the
log-in page, which costs nothing here) and then sends --events events back to back (think 0 ms),
each timed from its emit to its first update (rxprobe's `first` mode), for three kinds of event:
- `@ping`: a socket.io round trip that touches no state (the transport alone);
- `NewAppealState.set_field`: a synchronous handler that only assigns two strings (no database); it
  locks, loads and saves the root state, AppState and its own state (three states), as every
  ballot event does;
- `State.set_is_hydrated`: an event on the root state, which the state manager serves by loading
  every state of the app's tree (about 40) — what rxprobe's barrier costs.
"""

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from ballot_bench import prepare_database, start_server  # noqa: E402
from load_bench import _free_port, _load_rxprobe, stop_server  # noqa: E402

ROOT = "reflex___state____state"


async def measure(rx, url: str, name: str, payload, args, route: str) -> dict:
    return await rx.run_load(url, name, payload, clients=args.clients, events=args.events, think_ms=0.0,
                             route=route, hydrate=True, timeout=args.timeout, max_seconds=args.max_seconds)


async def main_async(args) -> int:
    rx = _load_rxprobe(args.rxprobe)
    vote_ids, _option_ids, _voters = prepare_database(args.db, 1, 1)
    port = _free_port()
    Path(args.server_log).write_text("")
    proc = start_server(args.db, args.workers, args.redis, port, Path(args.server_log))
    url = f"http://127.0.0.1:{port}"
    route = f"/participate/{vote_ids[0]}"
    cases = [("@ping", "@ping", {}),
             ("set_field (3 states)", "NewAppealState.set_field", {"name": "address", "value": "Невский, 1"}),
             ("root event (whole tree)", f"{ROOT}.set_is_hydrated", {"value": True})]
    rows = []
    try:
        for label, name, payload in cases:
            load0 = os.getloadavg()[0]
            result = await measure(rx, url, name, payload, args, route)
            rows.append((label, result, load0, os.getloadavg()[0]))
    finally:
        stop_server(proc)
    print(f"# event ceiling: {args.db.split('@')[-1]}; workers={args.workers}{', redis' if args.redis else ''}; "
          f"{args.clients} clients × {args.events} events, think 0 ms, first update")
    print(f"{'event':<26} {'ok':>6} {'errors':>6} {'events/s':>9} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
          f"{'cli CPU':>7}  load avg")
    for label, r, l0, l1 in rows:
        rtt = r["rtt_ms"]
        print(f"{label:<26} {r['ok']:>6} {sum(r['errors'].values()):>6} {r['events_per_s'] or 0:>9.1f} "
              f"{rtt['p50'] or 0:>7.1f} {rtt['p95'] or 0:>7.1f} {rtt['p99'] or 0:>7.1f} "
              f"{r['client_cpu_pct_of_one_core'] or 0:>6.0f}%  {l0:.1f} → {l1:.1f}", flush=True)
        if r["errors"]:
            print(f"#   errors {r['errors']}: {r['error_examples']}", flush=True)
    if args.json:
        print(json.dumps([{"event": label, **r} for label, r, _l0, _l1 in rows], default=str))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="the benchmark's own database (it is reset!)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--redis", help="REFLEX_REDIS_URL (needed for more than one worker)")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--max-seconds", type=float, default=300.0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rxprobe", default=str(PROJECT.parent / "shared" / "tools" / "rxprobe"))
    parser.add_argument("--server-log", default="/tmp/pos-event-ceiling-server.log")
    args = parser.parse_args()
    if args.workers > 1 and not args.redis:
        parser.error("several workers need --redis")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
