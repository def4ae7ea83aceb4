"""Upload of 5 files of 10 MB through the served app, as the browser does it (the citizen's form at
/my/new, Reflex's upload endpoint, the server's content checks, EXIF cleaning and staging): the time
from choosing the files until all five are listed, and the server's peak resident memory meanwhile.

    REFLEX_DB_URL=sqlite:///demo.db POS_ATTACHMENTS_DIR=/tmp/att ./start.sh &   # any running instance
    python bench/upload_bench.py --url http://127.0.0.1:3000 --repeat 3

Kinds: `pdf` (10 MB documents: the checks read the bytes only), `jpeg` (photos of just under 10 MB
of noise: every one decoded, re-encoded without metadata and thumbnailed)."""

import argparse
import io
import os
import shutil
import tempfile
import statistics
import threading
import time
from urllib.parse import urlparse

import numpy as np
import psutil
from PIL import Image
from playwright.sync_api import sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
MB = 1024 * 1024
LIMIT = 10 * MB


def pdf_of(size: int, seed: int) -> bytes:
    head, tail = b"%PDF-1.4\n%" + str(seed).encode() + b"\n", b"\n%%EOF\n"
    return head + b"0" * (size - len(head) - len(tail)) + tail


def jpeg_near(limit: int, seed: int) -> bytes:
    """A photo of noise just under `limit` bytes (noise does not compress: the worst case)."""
    rng = np.random.default_rng(seed)
    side, previous = 2000, None
    while True:
        pixels = rng.integers(0, 256, (side * 3 // 4, side, 3), dtype=np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, "JPEG", quality=90)
        if buffer.tell() > limit:
            if previous is None:
                raise ValueError(f"the smallest photo is already over {limit} bytes")
            return previous
        previous, side = buffer.getvalue(), side + 100


def server_processes(url: str) -> list[psutil.Process]:
    port = urlparse(url).port
    for conn in psutil.net_connections(kind="tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port and conn.pid:
            root = psutil.Process(conn.pid)
            while root.parent() is not None and root.parent().name().startswith(("reflex", "python", "granian")):
                root = root.parent()
            return [root, *root.children(recursive=True)]
    raise SystemExit(f"no process listens on port {port}")


class PeakRss(threading.Thread):
    def __init__(self, processes: list[psutil.Process]):
        super().__init__(daemon=True)
        self.processes, self.peak, self.stop = processes, 0, threading.Event()

    def current(self) -> int:
        total = 0
        for proc in self.processes:
            try:
                total += proc.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total

    def run(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, self.current())
            time.sleep(0.02)


def one_upload(browser, url: str, files: list[tuple[str, bytes, str]], login: str, password: str) -> float:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(url + "/login")
    page.wait_for_selector("#app-ready", state="attached")
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url(lambda u: "/login" not in u, timeout=60_000)
    page.goto(url + "/my/new")
    page.wait_for_selector(".category-option", timeout=60_000)
    page.wait_for_selector("#app-ready", state="attached")
    folder = tempfile.mkdtemp(prefix="upload-bench-")  # Playwright takes at most 50 MB of buffers: paths
    payload = []
    for name, data, _mime in files:
        path = os.path.join(folder, name)
        with open(path, "wb") as out:
            out.write(data)
        payload.append(path)
    started = time.perf_counter()
    page.locator("#appeal-files input[type=file]").set_input_files(files=payload)
    page.wait_for_function(f"() => document.querySelectorAll('#appeal-files-list .file-chip').length === {len(files)}",
                           timeout=300_000)
    elapsed = time.perf_counter() - started
    error = page.locator("#appeal-files-error")
    if error.count():
        raise SystemExit("refused: " + error.inner_text())
    for _ in files:  # leave the staging folder as it was
        page.locator("#appeal-files-list .file-chip button").first.click()
    context.close()
    shutil.rmtree(folder)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:3000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--kinds", default="pdf,jpeg")
    parser.add_argument("--login", default="citizen")
    parser.add_argument("--password", default="demo12345")
    options = parser.parse_args()
    processes = server_processes(options.url)
    print(f"server: pid {processes[0].pid} and {len(processes) - 1} children; "
          f"load average {' '.join(f'{x:.2f}' for x in psutil.getloadavg())}")
    print(f"{'kind':6} {'files':>5} {'MB total':>9} {'run':>4} {'seconds':>8} {'MB/s':>6} "
          f"{'RSS before MiB':>15} {'peak MiB':>9} {'growth MiB':>11}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for kind in options.kinds.split(","):
            if kind == "pdf":
                files = [(f"документ_{i}.pdf", pdf_of(LIMIT, i), "application/pdf") for i in range(5)]
            else:
                files = [(f"фото_{i}.jpg", jpeg_near(LIMIT, i), "image/jpeg") for i in range(5)]
            total = sum(len(data) for _, data, _ in files) / MB
            seconds = []
            for run in range(options.repeat):
                watcher = PeakRss(processes)
                before = watcher.current()
                watcher.start()
                seconds.append(one_upload(browser, options.url, files, options.login, options.password))
                watcher.stop.set()
                watcher.join()
                print(f"{kind:6} {len(files):>5} {total:>9.1f} {run + 1:>4} {seconds[-1]:>8.2f} "
                      f"{total / seconds[-1]:>6.1f} {before / MB:>15.0f} {watcher.peak / MB:>9.0f} "
                      f"{(watcher.peak - before) / MB:>11.0f}")
            print(f"{kind:6} median {statistics.median(seconds):.2f} s")
        browser.close()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in psutil.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
