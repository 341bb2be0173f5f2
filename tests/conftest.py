"""Test set-up: one database per test process (PostgreSQL from TEST_DATABASE_URL, else a SQLite
file), built by the real migrations, roles and demo data; jobs run synchronously unless a test
switches the mode.  The report header names the database and the queue each run used.

Under pytest-xdist (``make test`` runs ``pytest -n 2``) every worker has its own of everything a
test can change: its temporary folder (SQLite file, instance and data folders), its PostgreSQL
database (``<TEST_DATABASE_URL's name>_gw0``, ``_gw1``, …; created when missing) and its Redis
database (the number of REDIS_URL for gw0, one less for gw1, …; flushed at the start), so the
real ``rq worker`` a test starts takes only the jobs of its own worker.  The environment set here
is what subprocesses (``rq worker``, the CLI) inherit."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
# the official dumps (Q015/Q016, НСИ exports, …) beside the repository: use the fixture
# ``official_reference``, which skips a test when they are absent (a clone of the repository alone)
OFFICIAL_REFERENCE = (ROOT.parent / "shared" / "oms-reference").resolve()
OFFICIAL_REFERENCE_ABSENT = (
    "../shared/oms-reference is absent (a clone of the repository alone): "
    "the official dumps are tested in CI, where it is present"
)

# "gw0", "gw1", … in a pytest-xdist worker; "" in a run without xdist (and in the xdist controller)
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _worker_number(worker: str) -> int:
    return int(worker[2:]) if re.fullmatch(r"gw\d+", worker) else 0


def _worker_database_url(url: str, worker: str = WORKER) -> str:
    """The database of a worker: PostgreSQL ``name`` -> ``name_gw1``, a SQLite file
    ``x.db`` -> ``x_gw1.db``; unchanged without xdist."""
    if not worker:
        return url
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if not u.database or u.database == ":memory:":
        return url
    if u.get_backend_name() == "sqlite":
        path = Path(u.database)
        return u.set(database=str(path.with_name(f"{path.stem}_{worker}{path.suffix}"))).render_as_string(
            hide_password=False
        )
    return u.set(database=f"{u.database}_{worker}").render_as_string(hide_password=False)


def _worker_redis_url(url: str, worker: str = WORKER) -> str:
    """The Redis database of a worker: the number in REDIS_URL (``/15`` or ``?db=15``, else 0)
    for gw0 and a run without xdist, one less for gw1, two less for gw2, …"""
    if not url or not _worker_number(worker):
        return url
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    path_db = parts.path.strip("/")
    base = int(query.get("db") or path_db or 0)
    number = base - _worker_number(worker)
    if number < 0:
        raise RuntimeError(
            f"REDIS_URL {url!r}: no Redis database left for xdist worker {worker} "
            f"(worker databases count down from {base}): use a higher number"
        )
    if "db" in query or (parts.scheme == "unix" and not path_db):
        query["db"] = str(number)
        path = parts.path
    else:
        path = f"/{number}"
    return f"{parts.scheme}://{parts.netloc}{path}" + (f"?{urlencode(query)}" if query else "")


if os.environ.get("OMS_TEST_PID") == str(os.getpid()):
    # this file imported a second time in the same process (``from tests.conftest import …`` makes
    # a module apart from pytest's ``conftest``): the set-up already done, not derived again
    _TMP = Path(os.environ["OMS_TEST_TMP"])
    TEST_DB_URL = os.environ["DATABASE_URL"]
    TEST_REDIS_URL = os.environ.get("REDIS_URL") or None
else:
    _TMP = Path(tempfile.mkdtemp(prefix=f"oms-test-{WORKER + '-' if WORKER else ''}"))
    TEST_DB_URL = _worker_database_url(os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_TMP / 'test.db'}")
    TEST_REDIS_URL = _worker_redis_url(os.environ.get("REDIS_URL") or "") or None
    # subprocesses (rq workers, the CLI) use the same database, queue and folders
    os.environ["DATABASE_URL"] = TEST_DB_URL
    if os.environ.get("TEST_DATABASE_URL"):
        os.environ["TEST_DATABASE_URL"] = TEST_DB_URL
    if TEST_REDIS_URL:
        os.environ["REDIS_URL"] = TEST_REDIS_URL
    os.environ["OMS_INSTANCE_DIR"] = str(_TMP / "instance")
    os.environ["OMS_DATA_DIR"] = str(_TMP / "data")
    os.environ["OMS_TEST_TMP"] = str(_TMP)
    os.environ["OMS_TEST_PID"] = str(os.getpid())
    # an rq worker a test starts loads every file in one job, unless the test cuts loads into chunks
    os.environ.setdefault("LOAD_CHUNK_RECORDS", "0")
    # DATABASE_URL is set, so the app runs in production mode and wants a strong key of its own
    os.environ.setdefault("SECRET_KEY", __import__("secrets").token_hex(32))


def _ensure_postgres_database(url: str) -> None:
    """Create the database of ``url`` (on the ``postgres`` maintenance database) if it is missing."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError, ProgrammingError

    target = make_url(url)
    engine = create_engine(target)
    try:
        with engine.connect():
            return
    except OperationalError as e:
        if "does not exist" not in str(e):
            raise
    finally:
        engine.dispose()
    maintenance = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with maintenance.connect() as conn:
            name = conn.dialect.identifier_preparer.quote(target.database)
            try:
                conn.execute(text(f"CREATE DATABASE {name}"))
            except ProgrammingError as e:  # created meanwhile by another run
                if "already exists" not in str(e):
                    raise
    finally:
        maintenance.dispose()


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database or ""
    if "test" not in name:
        raise RuntimeError(f"refusing to wipe database {name!r}: its name must contain 'test'")
    _ensure_postgres_database(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _flush_redis(url: str) -> None:
    """Jobs, rate-limit counters and whatever an earlier run left in this worker's Redis database."""
    import redis

    conn = redis.Redis.from_url(url)
    try:
        conn.flushdb()
    finally:
        conn.close()


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def official_reference() -> Path:
    """The folder of the official dumps, ``../shared/oms-reference`` beside the repository::

        def test_q015(official_reference):
            rows = read_rule_table(official_reference / "ruslanzykov__check_tfoms_errors/Q015.xml")

    Skips the test when the folder is absent (a clone of the repository alone); in CI (``CI``
    set) its absence is an error instead, since CI must test the dumps."""
    if not OFFICIAL_REFERENCE.is_dir():
        if _ci():
            pytest.fail(f"{OFFICIAL_REFERENCE} is absent, and CI must test the official dumps", pytrace=False)
        pytest.skip(OFFICIAL_REFERENCE_ABSENT)
    return OFFICIAL_REFERENCE


def _resources(database_url: str = TEST_DB_URL, redis_url: str | None = TEST_REDIS_URL) -> list[str]:
    from sqlalchemy.engine import make_url

    db = make_url(database_url).render_as_string(hide_password=True)
    redis = redis_url or "нет (fakeredis, встроенный обработчик)"
    return [f"OMS test database: {db}", f"OMS test queue: Redis {redis}"]


_WORKER_RESOURCES: dict[str, list[str]] = {}  # in the xdist controller: what each worker used


def pytest_report_header(config):
    n = getattr(config.option, "numprocesses", None) if config is not None else None
    if isinstance(n, int) and n > 0 and not WORKER:  # the xdist controller: what workers will use
        base_db = os.environ.get("TEST_DATABASE_URL")
        base_redis = os.environ.get("REDIS_URL")
        lines = []
        for worker in (f"gw{i}" for i in range(n)):
            db = _worker_database_url(base_db, worker) if base_db else "sqlite:///<its temporary folder>/test.db"
            lines += [
                f"{line} ({worker})"
                for line in _resources(db, _worker_redis_url(base_redis, worker) if base_redis else None)
            ]
        return lines
    return _resources()


def pytest_sessionstart(session):
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: tell the controller
        workeroutput["oms_resources"] = _resources()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """xdist controller: collect the database and queue each worker used (for the summary)."""
    lines = (getattr(node, "workeroutput", None) or {}).get("oms_resources")
    if lines:
        _WORKER_RESOURCES[node.gateway.id] = lines


def pytest_unconfigure(config):
    """This process's temporary folder (SQLite file, instance and data folders) goes at the end,
    unless OMS_KEEP_TEST_TMP=1."""
    if os.environ.get("OMS_KEEP_TEST_TMP") != "1":
        shutil.rmtree(_TMP, ignore_errors=True)


@pytest.fixture(scope="session")
def app():
    if TEST_DB_URL.startswith("postgresql"):
        _reset_postgres(TEST_DB_URL)
    if TEST_REDIS_URL:
        _flush_redis(TEST_REDIS_URL)
    from app import create_app

    application = create_app(
        "config.TestConfig",
        {
            "SQLALCHEMY_DATABASE_URI": TEST_DB_URL,
            "DATA_DIR": _TMP / "data",
            "REDIS_URL": TEST_REDIS_URL,
            "JOBS_MODE": "sync",
            "SERVER_NAME": None,
        },
    )
    runner = application.test_cli_runner()
    with application.app_context():
        from flask_migrate import upgrade

        from app.extensions import appbuilder
        from tests.probe_views import SubdivisionProbeView

        appbuilder.add_view_no_menu(SubdivisionProbeView)
        upgrade()
    for command in (["oms", "sync-roles"], ["oms", "sync-rules"], ["oms", "init-demo", "--force"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, result.output
    yield application


@pytest.fixture(scope="session")
def demo_month(app):
    """A month walked through the whole workflow (app/demo/month.py): files with errors and a
    re-upload, registries «Закрыт» (four signatures), «На доработку», «Сформирован», «Создан»."""
    from app.demo.month import build_demo_month

    with app.app_context():
        summary = build_demo_month(2025, 10, cases=30, only_once=False)
    statuses = set(summary["registries"].values())
    assert {"Закрыт", "На доработку", "Сформирован", "Создан"} <= statuses, summary
    return summary


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

        password = password if password is not None else os.environ.get("DEMO_PASSWORD", "Demo-Oms-2026")
        self.fetch_csrf("/login/")
        return self.client.post(
            "/login/",
            data={"username": username, "password": password, "csrf_token": self.csrf},
            follow_redirects=follow,
        )

    def logout(self):
        """The logout form: a POST with the CSRF token of the page."""
        self.fetch_csrf("/logout/")
        return self.client.post("/logout/", data={"csrf_token": self.csrf})

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
            assert resp.status_code == 302 and "/login" not in resp.headers.get("Location", ""), (
                f"login of {username} failed"
            )
        return b

    return make


def pytest_terminal_summary(terminalreporter):
    """Shown even with -q: which database and queue this run used (each worker's under xdist)."""
    if _WORKER_RESOURCES:
        for worker in sorted(_WORKER_RESOURCES, key=lambda w: (len(w), w)):
            for line in _WORKER_RESOURCES[worker]:
                terminalreporter.write_line(f"{line} ({worker})")
    else:
        for line in _resources():
            terminalreporter.write_line(line)


#: the long tests (a minute or so each): started first, so that under xdist the other worker takes
#: the short ones meanwhile instead of waiting for a long one at the end
LONG_FIRST = (
    "tests/hostile/test_hostile_big_file.py",
    "tests/faults/",
    "tests/hostile/test_hostile_requests.py",
    "tests/security/test_scoping.py",
    "tests/browser/",
)


def pytest_collection_modifyitems(session, config, items):
    def rank(item):
        path = item.nodeid.split("::", 1)[0]
        return next((i for i, prefix in enumerate(LONG_FIRST) if path.startswith(prefix)), len(LONG_FIRST))

    items.sort(key=rank)  # stable: the order within each group stays the collection's
