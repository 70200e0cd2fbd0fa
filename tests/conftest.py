"""Shared fixtures: a real, migrated database per test (SQLite, or PostgreSQL when
HOTLINE_TEST_DATABASE_URL names a server), the casework service on it, the Flask
app and the CLI.

Each test gets its own database cloned from one migrated template, so tests
never see each other's cases and the append-only history is never truncated.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from casework import migrate
from casework.config import REPO_ROOT, load_settings
from casework.db import Database
from casework.policy import Policy
from casework.service import Casework
from casework.units_file import read_units_file
from casework.workdays import WorkCalendar
from tests.real_parts import unavailable

PG_URL = os.environ.get("HOTLINE_TEST_DATABASE_URL", "").strip()
_counter = itertools.count()


def pytest_collection_modifyitems(config, items):
    # Tests that touch a database run again on PostgreSQL (`pytest -m database`).
    for item in items:
        if "database_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.database)


def pytest_report_header(config):
    return f"database: {'PostgreSQL ' + make_url(PG_URL).host if PG_URL else 'SQLite'}"


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """A migrated empty database to clone; yields a function making a fresh URL."""
    if PG_URL:
        yield from _postgres_template()
    else:
        yield from _sqlite_template(tmp_path_factory.mktemp("db"))


def _sqlite_template(folder: Path):
    template = folder / "template.db"
    database = Database(f"sqlite:///{template}")
    migrate.upgrade(database.engine)
    database.engine.dispose()

    def fresh() -> str:
        target = folder / f"test-{next(_counter)}.db"
        shutil.copy(template, target)
        return f"sqlite:///{target}"

    yield fresh


def _postgres_template():
    admin_url = make_url(PG_URL)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    prefix = f"hotline_t{os.getpid()}"
    template = f"{prefix}_template"
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{template}"'))
        c.execute(text(f'CREATE DATABASE "{template}"'))
    template_engine = create_engine(admin_url.set(database=template))
    migrate.upgrade(template_engine)
    template_engine.dispose()
    created = []

    def fresh() -> str:
        name = f"{prefix}_{next(_counter)}"
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        created.append(name)
        return admin_url.set(database=name).render_as_string(hide_password=False)

    yield fresh
    with admin.connect() as c:
        for name in [*created, template]:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class Clock:
    """The service's notion of now, set by tests that need a particular day."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, beijing: str) -> dt.datetime:
        """Set the time from a Beijing wall-clock string such as '2026-02-13 10:00'."""
        local = dt.datetime.fromisoformat(beijing).replace(
            tzinfo=dt.timezone(dt.timedelta(hours=8))
        )
        self.now = local.astimezone(dt.UTC)
        return self.now

    def advance(self, **delta) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@pytest.fixture
def database_url(template_db, tmp_path, monkeypatch) -> str:
    url = template_db()
    monkeypatch.setenv("HOTLINE_DATABASE_URL", url)
    monkeypatch.setenv("HOTLINE_INSTANCE", str(tmp_path / "instance"))
    return url


@pytest.fixture
def database(database_url):
    db = Database(database_url)
    yield db
    db.dispose()


@pytest.fixture
def clock() -> Clock:
    clock = Clock(dt.datetime.now(dt.UTC))
    clock.set("2026-11-25 10:00")  # a Wednesday, a working day
    return clock


@pytest.fixture
def casework(database, clock) -> Casework:
    """The service on a fresh database with the shipped units loaded."""
    settings = load_settings()
    policy = Policy.from_file(REPO_ROOT / "data" / "casework.yaml")
    calendar = WorkCalendar(end_of_business=policy.end_of_business)
    service = Casework(database, calendar, policy, clock=clock)
    service.load_units(read_units_file(REPO_ROOT / "data" / "units.yaml"))
    assert settings.database_url == database.url
    return service


@pytest.fixture
def app(casework):
    """The whole Flask app on the test database, with the sample member enterprises."""
    from casework.calls import CallLog, read_enterprise_file
    from ivr.app import create_app

    _, enterprises = read_enterprise_file(REPO_ROOT / "data" / "enterprises.yaml")
    CallLog(casework.db).load_enterprises(enterprises)
    return create_app(casework=casework)


@pytest.fixture
def app_url(app):
    """The app under a real threaded WSGI server on a loopback port."""
    from ivr.local_server import serving

    with serving(app) as url:
        yield url


@pytest.fixture
def standin():
    """The local Twilio stand-in, with the app's Twilio credentials."""
    from ivr.config import load_voice_settings
    from standin import TwilioStandin

    voice = load_voice_settings()
    with TwilioStandin(voice.account_sid, voice.auth_token) as standin:
        yield standin


@pytest.fixture
def events_of(casework):
    """Actions of a case's history, in order."""

    def actions(ref: str) -> list[str]:
        return [e.action for e in casework.history(ref)]

    return actions


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium driven by Playwright, one per test module."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - CI installs it with the test extra
        unavailable("the playwright package is not installed (test extra)")
    if not CHROMIUM.exists():
        unavailable("/usr/bin/chromium is missing: run scripts/browser-deps.sh")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser):
    """Open a tab in a fresh browser context (own cookies) at a base URL and screen size."""
    contexts = []

    def open_page(base_url: str, width: int = 1366, height: int = 768, timeout_ms: int = 10_000):
        context = browser.new_context(
            base_url=base_url, viewport={"width": width, "height": height}, locale="zh-CN"
        )
        context.set_default_timeout(timeout_ms)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
