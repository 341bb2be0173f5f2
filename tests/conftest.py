"""Test set-up: one database for the session (PostgreSQL from TEST_DATABASE_URL, else a SQLite
file), built by the real migrations, roles and demo data; jobs run synchronously unless a test
switches the mode.  The report header names the database and the queue each run used."""
from __future__ import annotations

import itertools
import os
import re
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = (ROOT.parent / "shared").resolve()

_TMP = Path(tempfile.mkdtemp(prefix="oms-test-"))
TEST_DB_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_TMP / 'test.db'}"
# subprocesses (rq workers, the CLI) use the same database
os.environ["DATABASE_URL"] = TEST_DB_URL
os.environ.setdefault("OMS_INSTANCE_DIR", str(_TMP / "instance"))
os.environ["OMS_DATA_DIR"] = str(_TMP / "data")


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database or ""
    if "test" not in name:
        raise RuntimeError(f"refusing to wipe database {name!r}: its name must contain 'test'")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def pytest_report_header(config):
    from sqlalchemy.engine import make_url

    db = make_url(TEST_DB_URL).render_as_string(hide_password=True)
    redis = os.environ.get("REDIS_URL") or "нет (fakeredis, встроенный обработчик)"
    return [f"OMS test database: {db}", f"OMS test queue: Redis {redis}"]


@pytest.fixture(scope="session")
def app():
    if TEST_DB_URL.startswith("postgresql"):
        _reset_postgres(TEST_DB_URL)
    from app import create_app

    application = create_app("config.TestConfig", {
        "SQLALCHEMY_DATABASE_URI": TEST_DB_URL,
        "DATA_DIR": _TMP / "data",
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "JOBS_MODE": "sync",
        "SERVER_NAME": None,
    })
    runner = application.test_cli_runner()
    with application.app_context():
        from flask_migrate import upgrade

        from app.extensions import appbuilder
        from tests.probe_views import SubdivisionProbeView

        appbuilder.add_view_no_menu(SubdivisionProbeView)
        upgrade()
    for command in (["oms", "sync-roles"], ["oms", "sync-rules"], ["oms", "init-demo"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, result.output
    yield application


@pytest.fixture()
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture()
def db(app_ctx):
    from app.extensions import db as _db

    yield _db
    _db.session.rollback()


_addresses = itertools.count(1)


class Browser:
    """A test client that logs in through the real login form (CSRF included)."""

    def __init__(self, app):
        n = next(_addresses)
        # each client has its own address, so the login rate limit of one test spares the others
        self.client = app.test_client()
        self.client.environ_base["REMOTE_ADDR"] = f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
        self.csrf = None

    def fetch_csrf(self, url="/login/"):
        html = self.client.get(url).get_data(as_text=True)
        m = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
        if m:
            self.csrf = m.group(1)
        return self.csrf

    def login(self, username, password=None, follow=False):
        from flask import current_app

        password = password if password is not None else os.environ.get("DEMO_PASSWORD", "Demo-Oms-2026")
        self.fetch_csrf("/login/")
        return self.client.post("/login/", data={"username": username, "password": password,
                                                 "csrf_token": self.csrf}, follow_redirects=follow)

    def logout(self):
        return self.client.get("/logout/")

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, data=None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf)
        return self.client.post(url, data=data, **kw)

    def api(self, method, url, json=None):
        headers = {"X-CSRFToken": self.csrf or ""}
        return self.client.open(url, method=method, json=json, headers=headers)


@pytest.fixture()
def browser_factory(app):
    def make(username=None):
        b = Browser(app)
        if username:
            resp = b.login(username)
            assert resp.status_code == 302 and "/login" not in resp.headers.get("Location", ""), \
                f"login of {username} failed"
        return b
    return make


def pytest_terminal_summary(terminalreporter):
    """Shown even with -q: which database and queue this run used."""
    for line in pytest_report_header(None):
        terminalreporter.write_line(line)
