"""What an official waits for on /kpi and /ratings, measured in headless Chromium against a running app.

Times (median, p95 over --repeat runs) from navigation to the moment the page shows its numbers: /kpi
(30 days, the default view), /kpi for a year, a period change (30 → 90 days), /ratings; and the
websocket messages the client received on /kpi (the largest one is the biggest state the client
holds, the issue's limit is 200 KB). Optionally screenshots of the last run.

    ./start.sh &   # or any running instance
    python bench/kpi_page_bench.py --url http://localhost:3000 --repeat 5 --screenshots /tmp
"""

import argparse
import statistics
import sys
import time

from page_bench import ARGS  # bench/page_bench.py, beside this script
from playwright.sync_api import sync_playwright
from stats import p95


def _timed(action, wait) -> float:
    started = time.perf_counter()
    action()
    wait()
    return (time.perf_counter() - started) * 1000


def run(url: str, login: str, password: str, repeat: int, screenshots: str | None) -> int:
    timings: dict[str, list[float]] = {"/kpi 30 days": [], "/kpi 365 days": [], "period 30 → 90 days": [],
                                       "/ratings": []}
    frames: dict[str, list[int]] = {"/kpi": [], "/ratings": []}
    where = {"now": "/kpi"}
    cards = "() => document.querySelectorAll('#kpi-cards [id^=kpi-value-]').length > 0 && !document.querySelector('.rt-Spinner')"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for run_index in range(repeat):
            context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="ru-RU")
            page = context.new_page()
            page.on("websocket", lambda ws: ws.on(
                "framereceived", lambda payload: frames[where["now"]].append(len(payload))))
            page.goto(url + "/login")
            page.wait_for_selector("#app-ready", state="attached")
            page.fill("#login", login)
            page.fill("#password", password)
            page.click("#login-submit")
            page.wait_for_url(lambda u: "/login" not in u, timeout=60_000)
            timings["/kpi 30 days"].append(_timed(lambda: page.goto(url + "/kpi"),
                                                  lambda: page.wait_for_function(cards, timeout=120_000)))
            period = page.inner_text("#kpi-period-text")  # the year view is ready when its period shows
            timings["/kpi 365 days"].append(_timed(
                lambda: page.goto(url + "/kpi?period=365"),
                lambda: page.wait_for_function(
                    f"() => document.getElementById('kpi-period-text')?.innerText !== {period!r}"
                    " && !document.querySelector('.rt-Spinner')", timeout=120_000)))
            page.goto(url + "/kpi")
            page.wait_for_function(cards, timeout=120_000)
            before = page.inner_text("#kpi-value-received")
            timings["period 30 → 90 days"].append(_timed(
                lambda: page.get_by_role("radio", name="90 дней").click(),
                lambda: page.wait_for_function(
                    f"() => document.getElementById('kpi-value-received')?.innerText !== {before!r}"
                    " && !document.querySelector('.rt-Spinner')", timeout=120_000)))
            if screenshots and run_index == repeat - 1:
                page.screenshot(path=f"{screenshots}/kpi.png", full_page=True)
            where["now"] = "/ratings"
            timings["/ratings"].append(_timed(lambda: page.goto(url + "/ratings"),
                                              lambda: page.wait_for_selector(".rating-row", timeout=120_000)))
            if screenshots and run_index == repeat - 1:
                page.screenshot(path=f"{screenshots}/ratings.png", full_page=True)
            where["now"] = "/kpi"
            context.close()
        browser.close()
    print(f"# /kpi and /ratings in headless Chromium: {url}, {repeat} runs")
    print(f"{'step':24} {'median ms':>10} {'p95 ms':>9}")
    for name, values in timings.items():
        print(f"{name:24} {statistics.median(values):>10.0f} {p95(values):>9.0f}")
    for name, sizes in frames.items():
        if sizes:
            print(f"{name} websocket messages: {len(sizes)}, largest {max(sizes) / 1024:.1f} KB, "
                  f"median {statistics.median(sizes) / 1024:.1f} KB")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://localhost:3000")
    parser.add_argument("--login", default="official")
    parser.add_argument("--password", default="demo12345")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--screenshots", default=None, help="folder for kpi.png and ratings.png of the last run")
    args = parser.parse_args()
    sys.exit(run(args.url, args.login, args.password, args.repeat, args.screenshots))
