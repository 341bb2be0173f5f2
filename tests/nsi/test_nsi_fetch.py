"""`oms fetch-nsi` and «Обновить из ФФОМС» against a local НСИ service (http.server in a thread):
a good answer replaces the book and records its version; a timeout, an HTTP error, an HTML page,
another book's packet, a broken ZIP or XML leave the book as it was and say why; the errors of the
reference-book rules name the book and what is loaded of it."""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from app.controls.flk import check_record
from app.extensions import db
from app.models.job import BackgroundJob
from app.models.reference import NsiBookVersion, NsiItem
from app.models.vocabulary import JobStatus
from app.nsi import federal
from app.nsi.books import loaded_version_text
from app.nsi.lookup import MemoryNsi
from tests.controls.factory import adult, amb_zap, ctx, mutate

BOOK = "V012"
V012_ROWS = [("101", "Выздоровление"), ("102", "Улучшение"), ("304", "Без перемен"), ("399", "Новый исход")]


def packet(book_type="Ishod", version="2.31", day="01.10.2026", rows=V012_ROWS, key="IDIZ", name="IZNAME"):
    """A small official-style ``<packet>`` (windows-1251, as the FFOMS exports are)."""
    zaps = "".join(
        f"<zap><{key}>{code}</{key}><{name}>{text}</{name}><DATEBEG>01.01.2011</DATEBEG><DATEEND/></zap>"
        for code, text in rows
    )
    xml = (
        '<?xml version="1.0" encoding="windows-1251"?>'
        f"<packet><zglv><type>{book_type}</type><version>{version}</version><date>{day}</date></zglv>{zaps}</packet>"
    )
    return xml.encode("cp1251")


def zipped(data: bytes, name="V012.xml") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, data)
    return buf.getvalue()


VERSIONS = {
    "total": 2,
    "list": [
        {"version": "2.30", "publishDate": "01.09.2026 10:00", "archive": True},
        {"version": "2.31", "publishDate": "01.10.2026 10:00", "archive": False},
    ],
}


class FakeNsi:
    """What the local service answers: ``data[code] = (status, content type, body, delay)``."""

    def __init__(self):
        self.data: dict[str, tuple] = {}
        self.requests: list[str] = []

    def handler(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                url = urlparse(self.path)
                service.requests.append(self.path)
                code = (parse_qs(url.query).get("identifier") or [""])[0]
                if url.path == "/nsi-int/api/versions":
                    answer = (200, "application/json", json.dumps(VERSIONS).encode(), 0)
                elif url.path == "/nsi-int/api/data" and code in service.data:
                    answer = service.data[code]
                else:
                    answer = (404, "text/plain", b"not found", 0)
                status, ctype, body, delay = answer
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client gave up (the timeout test)
                    pass

        return Handler


@pytest.fixture()
def service(app):
    fake = FakeNsi()
    server = ThreadingHTTPServer(("127.0.0.1", 0), fake.handler())
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    saved = {k: app.config.get(k) for k in ("NSI_SERVICE_URL", "NSI_FETCH_TIMEOUT")}
    app.config.update(NSI_SERVICE_URL=f"http://127.0.0.1:{server.server_address[1]}", NSI_FETCH_TIMEOUT=0.5)
    try:
        yield fake
    finally:
        app.config.update(saved)
        server.shutdown()
        server.server_close()


def _book_state():
    rows = sorted(
        db.session.query(NsiItem.code, NsiItem.name, NsiItem.date_begin, NsiItem.date_end).filter_by(book=BOOK).all()
    )
    meta = db.session.query(NsiBookVersion).filter_by(book=BOOK).one_or_none()
    return rows, (meta.version, meta.published, meta.rows) if meta else None


@pytest.fixture()
def keep_book(app):
    """The demo V012 as it was before the test, back after it."""
    from app.nsi.books import NsiEntry
    from app.services.reference.nsi import invalidate_cache, replace_book

    with app.app_context():
        rows, meta = _book_state()
    yield rows, meta
    with app.app_context():
        replace_book(BOOK, [NsiEntry(*r) for r in rows], version=meta[0], published=meta[1])
        db.session.commit()
        invalidate_cache()


def _fetch(app, book=BOOK):
    from app.services.reference.nsi import fetch_book

    with app.app_context():
        result = fetch_book(book)
        return result, _book_state()


# -- the addresses ------------------------------------------------------------------------------------
def test_addresses_and_the_latest_version():
    assert federal.versions_url("https://nsi.ffoms.ru/", "V012") == (
        "https://nsi.ffoms.ru/nsi-int/api/versions?identifier=V012&page=1&size=200"
    )
    assert federal.packet_url("http://mirror:8080", "F003", "1.2") == (
        "http://mirror:8080/nsi-int/api/data?identifier=F003&version=1.2"
    )
    assert federal.latest_version(VERSIONS, "V012") == federal.RemoteVersion("2.31", date(2026, 10, 1))
    assert federal.latest_version({"list": [{"version": "1.9"}, {"version": "1.10"}]}, "X").version == "1.10"
    with pytest.raises(federal.FederalNsiError, match="не знает версий"):
        federal.latest_version({"list": []}, "V012")


# -- success -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("form", ["zip", "xml", "json"])
def test_fetch_replaces_the_book_and_records_its_version(app, service, keep_book, form):
    body = packet()
    if form == "zip":
        service.data[BOOK] = (200, "application/zip", zipped(body), 0)
    elif form == "xml":
        service.data[BOOK] = (200, "application/xml", body, 0)
    else:  # the JSON rows the data address gives public clients
        rows = [[{"column": "IDIZ", "value": c}, {"column": "IZNAME", "value": n}] for c, n in V012_ROWS]
        service.data[BOOK] = (200, "application/json", json.dumps({"total": 4, "list": rows}).encode(), 0)
    result, (rows, meta) = _fetch(app)
    assert result["ok"], result
    assert result["rows"] == 4 and result["version"] == "2.31"
    assert [r[0] for r in rows] == ["101", "102", "304", "399"]
    assert meta == ("2.31", "2026-10-01", 4)
    assert "версия 2.31 от 01.10.2026, ФФОМС" in result["message"]
    assert any("/nsi-int/api/data?identifier=V012&version=2.31" in r for r in service.requests)


# -- refusals: the book stays as it was -------------------------------------------------------------
BAD_ANSWERS = {
    "timeout": ((200, "application/zip", zipped(packet()), 2), "не ответил за 0.5 с"),
    "http 500": ((500, "text/plain", b"boom", 0), "HTTP 500"),
    "html": ((200, "text/html", "<!DOCTYPE html><html><body>Технические работы</body></html>".encode(), 0), "HTML"),
    "another book named": (
        (200, "application/xml", packet(book_type="V009", key="IDRMP", name="RMPNAME"), 0),
        "содержит справочник V009",
    ),
    "another book's fields": (
        (200, "application/zip", zipped(packet(book_type="Rezult", key="IDRMP", name="RMPNAME")), 0),
        "нет поля IDIZ",
    ),
    "broken zip": ((200, "application/zip", zipped(packet())[:60], 0), "архив"),
    "broken xml": ((200, "application/xml", packet()[:-40], 0), "поврежден"),
    "empty packet": ((200, "application/xml", packet(rows=[]), 0), "нет ни одной строки"),
}


@pytest.mark.parametrize("case", sorted(BAD_ANSWERS))
def test_a_bad_answer_leaves_the_book_as_it_was(app, service, keep_book, case):
    answer, why = BAD_ANSWERS[case]
    service.data[BOOK] = answer
    before = keep_book
    result, after = _fetch(app)
    assert not result["ok"]
    assert result["message"].startswith("V012: справочник не обновлен — ")
    assert why in result["message"], result["message"]
    assert after == before


def test_the_versions_list_failing_is_said_too(app, service, keep_book):
    with app.app_context():
        app.config["NSI_SERVICE_URL"] = app.config["NSI_SERVICE_URL"] + "/nowhere"
        from app.services.reference.nsi import fetch_book

        result = fetch_book(BOOK)
    assert not result["ok"] and "HTTP 404" in result["message"]


# -- the command line --------------------------------------------------------------------------------
def test_fetch_nsi_command(app, service, keep_book):
    runner = app.test_cli_runner()
    service.data[BOOK] = (500, "text/plain", b"", 0)
    failed = runner.invoke(args=["oms", "fetch-nsi", BOOK])
    assert failed.exit_code != 0
    assert "HTTP 500" in failed.output and "Обновлено справочников: 0 из 1" in failed.output
    service.data[BOOK] = (200, "application/zip", zipped(packet()), 0)
    done = runner.invoke(args=["oms", "fetch-nsi", BOOK.lower()])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output.strip().splitlines()[-1])["rows"] == 4
    unknown = runner.invoke(args=["oms", "fetch-nsi", "X999"])
    assert unknown.exit_code != 0 and "Неизвестные справочники: X999" in unknown.output


# -- the button ---------------------------------------------------------------------------------------
def _jobs():
    return db.session.query(BackgroundJob).filter_by(func="app.jobs.nsi_jobs.fetch_books").order_by(BackgroundJob.id)


def test_the_button_runs_the_fetch_as_a_job(app, service, keep_book, browser_factory):
    service.data[BOOK] = (200, "application/zip", zipped(packet()), 0)  # the other books answer 404
    b = browser_factory("tfoms_admin")
    page = b.get("/nsibookview/list/").get_data(as_text=True)
    assert "/nsibookview/fetch" in page
    b.fetch_csrf("/nsibookview/list/")
    with app.app_context():
        before = _jobs().count()
    resp = b.post("/nsibookview/fetch")
    assert resp.status_code == 302
    with app.app_context():
        jobs = _jobs().all()
        assert len(jobs) == before + 1
        job = jobs[-1]
        assert job.status == JobStatus.FINISHED, job.error
        assert job.progress == 100
        assert "Обновлено справочников: 1 из" in job.message and "V012" not in job.message.split("Не обновлены")[1]
        result = json.loads(job.result)
        assert {r["book"] for r in result["books"] if r["ok"]} == {BOOK}
        assert _book_state()[1] == ("2.31", "2026-10-01", 4)
    flashed = b.get("/nsibookview/list/").get_data(as_text=True)
    assert "Обновление справочников из ФФОМС запущено" in flashed


def test_a_job_that_updates_nothing_fails_with_the_reasons(app, service, keep_book):
    from app.services.reference.nsi import NsiFetchFailed, run_fetch_job

    service.data[BOOK] = (500, "text/plain", b"", 0)
    with app.app_context():
        with pytest.raises(NsiFetchFailed, match="V012: справочник не обновлен — .*HTTP 500"):
            run_fetch_job([BOOK], None)
        assert _book_state() == keep_book


@pytest.mark.parametrize("login", ["mo1_operator", "tfoms_specialist"])
def test_only_the_funds_administrator_may_fetch(app, service, keep_book, browser_factory, login):
    from app.security.roles import ROLE_TFOMS
    from tests.factories import make_user, org_by_code

    if login == "tfoms_specialist":
        with app.app_context():
            login = make_user(org_by_code("14"), ROLE_TFOMS).username
        b = browser_factory()
        b.login(login, "Test-Pass-2026x")
    else:
        b = browser_factory(login)
    service.data[BOOK] = (200, "application/zip", zipped(packet()), 0)
    page = b.get("/nsibookview/list/")
    assert page.status_code == 200 and "/nsibookview/fetch" not in page.get_data(as_text=True)
    b.fetch_csrf("/nsibookview/list/")
    with app.app_context():
        before = _jobs().count()
    resp = b.post("/nsibookview/fetch")
    assert resp.status_code in (302, 403)
    with app.app_context():
        assert _jobs().count() == before
        assert _book_state() == keep_book
    assert not service.requests


def test_the_service_refuses_a_user_without_the_right(app):
    from app.models.user import OmsUser
    from app.services.reference.nsi import start_fetch

    with app.app_context():
        user = db.session.query(OmsUser).filter_by(username="mo1_operator").one()
        result = start_fetch(user)
    assert not result.ok and "администратор ТФОМС" in result.message


# -- the errors name the book and what is loaded ---------------------------------------------------------
def test_a_missing_code_names_the_book_and_the_loaded_version(app, service, keep_book):
    from app.services.reference.nsi import current_lookup

    record = mutate(amb_zap(), ("Z_SL/ISHOD", "999"))
    with app.app_context():
        demo = current_lookup()
        found = [f for f in check_record(record, adult(), ctx(nsi=demo)) if f.code == "001F.00.0220"]
        assert len(found) == 1
        assert "V012: код 999 не найден на 15.01.2025; загружена демонстрационная выборка" in found[0].comment
    service.data[BOOK] = (200, "application/zip", zipped(packet()), 0)
    assert _fetch(app)[0]["ok"]
    with app.app_context():
        lookup = current_lookup()
        assert lookup is not demo
        found = [f for f in check_record(record, adult(), ctx(nsi=lookup)) if f.code == "001F.00.0220"]
        assert "V012: код 999 не найден на 15.01.2025; версия 2.31 от 01.10.2026, ФФОМС" in found[0].comment


def test_a_code_closed_on_the_date_is_told_from_a_missing_one():
    closed = MemoryNsi({BOOK: [("101", "Выздоровление"), ("304", "Без перемен", None, date(2020, 1, 1))]})
    closed.set_loaded(BOOK, loaded_version_text(BOOK, "2.31", "2026-10-01"))
    found = [f for f in check_record(amb_zap(), adult(), ctx(nsi=closed)) if f.code == "001F.00.0220"]
    assert "V012: код 304 не действует на 15.01.2025; версия 2.31 от 01.10.2026, ФФОМС" in found[0].comment


def test_loaded_version_text():
    assert loaded_version_text("M001", "demo", None) == "загружена демонстрационная выборка"
    assert loaded_version_text("M001", "5.0", date(2026, 1, 9)) == "версия 5.0 от 09.01.2026, Минздрав"
    assert loaded_version_text("F003", None, None) == "версия не указана, ФФОМС"


def test_import_nsi_takes_the_same_path(app, keep_book, tmp_path):
    """`oms import-nsi` and the fetch share one import: the same refusals, the same result."""
    runner = app.test_cli_runner()
    other = tmp_path / "V012.xml"
    other.write_bytes(packet(book_type="Rezult", key="IDRMP", name="RMPNAME"))
    refused = runner.invoke(args=["oms", "import-nsi", str(other)])
    assert refused.exit_code != 0 and "нет поля IDIZ" in refused.output
    with app.app_context():
        assert _book_state() == keep_book
    good = tmp_path / "good.xml"
    good.write_bytes(packet())
    done = runner.invoke(args=["oms", "import-nsi", str(good), "--book", BOOK])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output) == {"book": BOOK, "rows": 4, "version": "2.31"}
