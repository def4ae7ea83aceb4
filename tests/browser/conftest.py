"""Browser tests: the app served as users get it (`reflex run --env prod`, one process, one port)
on a demo region in a fresh SQLite file, driven by Playwright in Debian's headless Chromium."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("POS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
DEMO_APPEALS = 1500
START_TIMEOUT_S = 300


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url + "/ping", timeout=2) as response:
                if response.status == 200:
                    with urllib.request.urlopen(url + "/login", timeout=10):
                        return
        except OSError:
            pass
        time.sleep(1)
    raise RuntimeError(f"the app did not start in {START_TIMEOUT_S} s:\n{log.read_text()[-4000:]}")


def app_environment(db_url: str, port: int, extra: dict | None = None) -> dict:
    env = dict(os.environ, REFLEX_DB_URL=db_url, REFLEX_FRONTEND_PORT=str(port),
               REFLEX_TELEMETRY_ENABLED="false", REFLEX_CHECK_LATEST_VERSION="false",
               REFLEX_HTTP_CLIENT_BIND_ADDRESS="0.0.0.0", PYTHONUNBUFFERED="1")
    env.pop("POS_TEST_DATABASE_URL", None)
    env.pop("REFLEX_REDIS_URL", None)
    env.update(extra or {})
    return env


def start_app(env: dict, log: Path) -> subprocess.Popen:
    reflex = shutil.which("reflex", path=str(Path(sys.executable).parent)) or "reflex"
    with open(log, "w") as handle:
        proc = subprocess.Popen([reflex, "run", "--env", "prod", "--frontend-port", env["REFLEX_FRONTEND_PORT"]],
                                cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_until_up(f"http://127.0.0.1:{env['REFLEX_FRONTEND_PORT']}", proc, log)
    except Exception:
        stop_app(proc)
        raise
    return proc


def stop_app(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> str:
    db_url = "sqlite:///" + str(tmp_path_factory.mktemp("browser") / "demo.db")
    subprocess.run([sys.executable, "-m", "pos_dashboard", "demo", "--appeals", str(DEMO_APPEALS), "--reset"],
                   cwd=ROOT, env=dict(os.environ, REFLEX_DB_URL=db_url), check=True)
    return db_url


@pytest.fixture(scope="module")
def app_log(tmp_path_factory) -> Path:
    """Where the module's server writes its output."""
    return tmp_path_factory.mktemp("logs") / "app.log"


@pytest.fixture(scope="module")
def app_url(demo_db, app_log):
    """One server per test module, so that modules needing another configuration (Redis, several
    workers) start theirs after this one stopped: they share the build folder `.web`."""
    forget_failed_log_ins(demo_db)
    port = _free_port()
    proc = start_app(app_environment(demo_db, port), app_log)
    yield f"http://127.0.0.1:{port}"
    stop_app(proc)


def forget_failed_log_ins(db_url: str) -> None:
    """Every browser test logs in from 127.0.0.1 and several type wrong passwords on purpose: each
    module starts without the failures of the modules before it, or the address lock would refuse
    the log-ins of later modules."""
    from sqlalchemy import text

    from pos_dashboard.db import make_engine

    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM login_throttle"))
    engine.dispose()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="ru-RU")
    page = context.new_page()
    yield page
    context.close()


def log_in(page, app_url: str, login: str = "coordinator", password: str = "demo12345", *,
           wait: bool = True) -> None:
    page.goto(app_url + "/login")
    wait_ready(page)
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("#login-submit")
    if wait:  # the token is stored once the app leaves /login: a goto before that lands logged out
        page.wait_for_url(lambda url: "/login" not in url, timeout=60_000)


def wait_ready(page) -> None:
    """Reflex connects its websocket after the first paint; clicks before that are lost."""
    page.wait_for_selector("#app-ready", state="attached", timeout=30_000)
