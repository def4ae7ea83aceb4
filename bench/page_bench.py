"""What a coordinator waits for in the browser, measured in headless Chromium against a running app.

Times (median, p95) from the click to the moment the page shows the result: log-in to the first page
of the queue, a status filter, a text search, the next page; and the sizes of the websocket messages
the client received (the largest one is the full state sent on hydration).

    ./start.sh &   # or any running instance
    python bench/page_bench.py --url http://localhost:3000 --repeat 10
"""

import argparse
import statistics
import sys
import time

from playwright.sync_api import sync_playwright
from stats import p95  # bench/stats.py, beside this script

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def _timed(action, wait) -> float:
    started = time.perf_counter()
    action()
    wait()
    return (time.perf_counter() - started) * 1000


def _total(page) -> str:
    return page.inner_text("#queue-total")


def run(url: str, login: str, password: str, repeat: int) -> int:
    timings: dict[str, list[float]] = {"log-in → first page": [], "status filter": [], "back to open": [],
                                       "next page": [], "text search": []}
    frames: list[int] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for _ in range(repeat):
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            page = context.new_page()
            page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(len(payload))))
            page.goto(url + "/login")
            page.wait_for_selector("#app-ready", state="attached")
            page.fill("#login", login)
            page.fill("#password", password)
            timings["log-in → first page"].append(_timed(
                lambda: page.click("#login-submit"), lambda: page.wait_for_selector(".queue-row", timeout=60_000)))
            page.wait_for_selector("#app-ready", state="attached")
            open_total = _total(page)
            timings["status filter"].append(_timed(
                lambda: page.click("#status-in_work"),
                lambda: page.wait_for_function(
                    "() => [...document.querySelectorAll('.queue-row')].every(r => r.innerText.includes('В работе'))",
                    timeout=60_000)))
            timings["back to open"].append(_timed(
                lambda: page.click("#status-open"),
                lambda: page.wait_for_function(f"() => document.querySelector('#queue-total').innerText === {open_total!r}",
                                               timeout=60_000)))
            first_row = page.locator(".queue-row").first.inner_text()
            timings["next page"].append(_timed(
                lambda: page.get_by_role("button", name="Вперёд").click(),
                lambda: page.wait_for_function(
                    f"() => document.querySelector('.queue-row')?.innerText !== {first_row!r}", timeout=60_000)))
            before = _total(page)
            timings["text search"].append(_timed(
                lambda: page.fill("#filter-search", "подъезд"),
                lambda: page.wait_for_function(f"() => document.querySelector('#queue-total').innerText !== {before!r}",
                                               timeout=60_000)))
            context.close()
        browser.close()
    print(f"# page benchmark: {url}, {repeat} runs, headless Chromium")
    print(f"{'step':24} {'median ms':>10} {'p95 ms':>9}")
    for name, values in timings.items():
        print(f"{name:24} {statistics.median(values):>10.0f} {p95(values):>9.0f}")
    print(f"websocket messages received: {len(frames)}, largest {max(frames) / 1024:.1f} KB, "
          f"median {statistics.median(frames) / 1024:.1f} KB")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://localhost:3000")
    parser.add_argument("--login", default="coordinator")
    parser.add_argument("--password", default="demo12345")
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    sys.exit(run(args.url, args.login, args.password, args.repeat))
