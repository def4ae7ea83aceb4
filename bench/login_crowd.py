"""Does a crowd at the log-in form slow down everyone else? A coordinator changes the queue's
status filter in a loop (round trip over the websocket, rxprobe) while N other tabs log in as fast
as they can (each log-in is a full argon2 check), against a running app.

    python bench/login_crowd.py --url http://127.0.0.1:3000 --tabs 0 8 --seconds 20
"""

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared" / "tools" / "rxprobe"))
from rxprobe import ReflexClient  # noqa: E402
from stats import p95  # noqa: E402  (bench/stats.py)

FORM = {"login": "coordinator", "password": "demo12345"}


async def _coordinator(url: str, stop: float) -> list[float]:
    client = ReflexClient(url, timeout=60)
    await client.hydrate("/login")
    await client.send("LoginState.submit", {"form": FORM}, wait="barrier", timeout=120)
    client.local_storage["pos_token"] = client.var("AppState.auth_token")
    await client.hydrate("/")
    times, statuses = [], ["moderation", "open", "in_work", "any"]
    while time.monotonic() < stop:
        started = time.perf_counter()
        await client.send("QueueState.set_filter", {"name": "status", "value": statuses[len(times) % 4]},
                          wait="barrier", timeout=60)
        times.append((time.perf_counter() - started) * 1000)
    await client.close()
    return times


async def _crowd_tab(url: str, stop: float) -> int:
    client = ReflexClient(url, timeout=120)
    await client.hydrate("/login")
    done = 0
    while time.monotonic() < stop:
        await client.send("LoginState.submit", {"form": FORM}, wait="barrier", timeout=120)
        done += 1
    await client.close()
    return done


async def _run(url: str, tabs: int, seconds: float) -> tuple[list[float], int]:
    stop = time.monotonic() + seconds
    results = await asyncio.gather(_coordinator(url, stop), *[_crowd_tab(url, stop) for _ in range(tabs)])
    return results[0], sum(results[1:])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--tabs", type=int, nargs="+", default=[0, 8])
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    print(f"{'log-in tabs':>11} {'log-ins':>8} {'filter n':>9} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
    for tabs in args.tabs:
        times, logins = asyncio.run(_run(args.url, tabs, args.seconds))
        print(f"{tabs:>11} {logins:>8} {len(times):>9} {statistics.median(times):>10.1f} {p95(times):>8.1f} "
              f"{max(times):>8.1f}")


if __name__ == "__main__":
    main()
