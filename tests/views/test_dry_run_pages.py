"""«Проверить без загрузки» on the page «Загрузка файла»: the second button of the upload form, the
check as a background job whose bar the list polls, the row marked as a check, its card and its
pages in Russian — and none of it for another МО, a subdivision's login or an СМО."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.intake import UploadedFile
from app.models.job import BackgroundJob
from app.models.vocabulary import FILE_LOADING, FileStatus
from app.services.intake import dry_run
from app.services.intake.context import LoadContext
from app.services.intake.file_data import delete_file_data
from tests.crawl import crawl, problems, visible_text
from tests.intake.helpers import demo_pair, user


def _post_archives(b, paths, **fields):
    b.fetch_csrf("/files/upload")
    data = {"csrf_token": b.csrf, "archives": [(open(p, "rb"), p.name) for p in paths], **fields}
    return b.client.post("/files/upload", data=data, content_type="multipart/form-data")


def _row_id(app, archive_name: str) -> int:
    with app.app_context():
        return (
            db.session.execute(
                select(UploadedFile.id)
                .where(UploadedFile.archive_name == archive_name)
                .order_by(UploadedFile.id.desc())
            )
            .scalars()
            .first()
        )


@pytest.fixture(scope="module")
def check(app, tmp_path_factory):
    """A check of mo1 (МО level) with ФЛК and МЭК errors, made through the page's form."""
    from tests.conftest import Browser

    tmp = tmp_path_factory.mktemp("check-pages")
    pair = demo_pair(tmp, cases=30, error_rate=0.35, seed=1821, first_person=29851, persons=25)
    b = Browser(app)
    b.login("mo1_operator")
    resp = _post_archives(b, [pair.zip(tmp)], dry_run="1")
    assert resp.status_code == 302
    file_id = _row_id(app, pair.archive_name)
    with app.app_context():
        row = db.session.get(UploadedFile, file_id)
        assert (row.dry_run, row.status) == (True, FileStatus.CHECKED), row.note
        assert row.flk_errors and row.mek_errors
    yield file_id
    with app.app_context():
        delete_file_data(user("mo1_operator"), file_id)


def test_the_upload_form_offers_the_check(browser_factory):
    html = browser_factory("mo1_operator").get("/files/upload").get_data(as_text=True)
    assert 'name="dry_run" value="1"' in html and "Проверить без загрузки" in html
    assert 'name="archives" multiple' in html  # several archives, as for a load


def test_the_row_and_the_card_say_it_is_a_check(check, browser_factory):
    b = browser_factory("mo1_operator")
    listing = b.get("/files/list/").get_data(as_text=True)
    row = listing[listing.index(f"/files/show/{check}") :][:6000]
    assert dry_run.CHECK_LABEL in row and FileStatus.CHECKED in row
    assert f"/files/cases/{check}" not in listing  # its records are no link: it stored no case
    assert f"/files/errors/{check}/" in listing  # its errors by code, as for a load
    card = b.get(f"/files/show/{check}").get_data(as_text=True)
    assert "Проверка без загрузки: файл прошел" in card and "Итоги проверки" in card
    assert f"/files/protocol/{check}.xml" in card and f"/files/cases/{check}" not in card
    # «Удалить данные файла» is offered for it as for any row
    assert "delete_data" in listing


def test_the_pages_of_a_check_read_russian(check, browser_factory):
    b = browser_factory("mo1_operator")

    def get(url):
        r = b.get(url)
        return r.status_code, r.content_type, r.get_data()

    visits = crawl(get, start=f"/files/show/{check}", depth=2)
    assert any(f"/files/errors/{check}/" in v.url for v in visits), [v.url for v in visits]
    bad = [f"{v.url}: {'; '.join(v.problems)}" for v in visits if v.problems]
    assert not bad, "\n".join(bad)
    assert not problems(visible_text(b.get("/files/upload").get_data(as_text=True)))


@pytest.mark.parametrize("login", ["mo2_operator", "mo1_sub1_operator", "smo1_specialist"])
def test_nobody_else_reads_the_check(app, check, browser_factory, login):
    b = browser_factory(login)
    assert f"/files/show/{check}" not in b.get("/files/list/").get_data(as_text=True)
    for url in (
        f"/files/show/{check}",
        f"/files/errors/{check}/ФЛК",
        f"/files/errors/{check}/МЭК",
        f"/files/protocol/{check}.xml",
        f"/files/protocol/{check}.xlsx",
        f"/files/cases/{check}",
    ):
        resp = b.get(url)
        # another МО's file is «not found»; an СМО has no access to «Загрузка файла» at all
        assert resp.status_code == (403 if login.startswith("smo") else 404), (login, url, resp.status_code)
        assert b"<PR>" not in resp.data and b"PK" != resp.data[:2], (login, url)
    assert b.get(f"/files/progress?ids={check}").get_json() in ({}, None)


def test_a_check_runs_as_a_background_job_whose_bar_the_list_polls(app, tmp_path, browser_factory, monkeypatch):
    """The embedded worker (fakeredis) runs the check; held at «МЭК», the page shows the bar and
    the mark of a check; let go, the row ends «Проверка завершена»."""
    reached, release = threading.Event(), threading.Event()
    trail: list[str] = []
    original = LoadContext.set_status

    def holding(self, status, progress=None, **values):
        if not trail or trail[-1] != status:
            trail.append(status)
        result = original(self, status, progress, **values)
        if status == FileStatus.MEK and not reached.is_set():
            reached.set()
            release.wait(60)
        return result

    monkeypatch.setattr(LoadContext, "set_status", holding)
    monkeypatch.setitem(app.config, "JOBS_MODE", "embedded")
    pair = demo_pair(tmp_path, cases=8, seed=1822, first_person=29881, persons=8)
    b = browser_factory("mo1_operator")
    try:
        resp = _post_archives(b, [pair.zip(tmp_path)], dry_run="1")
        assert resp.status_code == 302
        assert "на проверку без загрузки" in b.get("/files/list/").get_data(as_text=True)
        assert reached.wait(120), trail
        file_id = _row_id(app, pair.archive_name)
        polled = b.get(f"/files/progress?ids={file_id}").get_json()[str(file_id)]
        assert polled == {"status": FileStatus.MEK, "stage": FileStatus.MEK, "progress": 90, "loading": True}
        listing = b.get("/files/list/").get_data(as_text=True)
        assert f'class="oms-file-progress" data-pk="{file_id}"' in listing
        bar = listing[listing.index(f'data-pk="{file_id}"') :][:1200]
        assert dry_run.CHECK_LABEL in bar
    finally:
        release.set()
    deadline = time.monotonic() + 120
    while polled["loading"] and time.monotonic() < deadline:
        time.sleep(0.2)
        polled = b.get(f"/files/progress?ids={file_id}").get_json()[str(file_id)]
    assert polled == {"status": FileStatus.CHECKED, "stage": FileStatus.CHECKED, "progress": 100, "loading": False}
    assert trail == [s for s in (*FILE_LOADING[1:], FileStatus.CHECKED)]
    with app.app_context():
        row = db.session.get(UploadedFile, file_id)
        job = db.session.get(BackgroundJob, row.job_id)
        assert job.title == f"Проверка файла {pair.archive_name} без загрузки"
        deadline = time.monotonic() + 30
        while job.status != "finished" and time.monotonic() < deadline:
            time.sleep(0.2)
            db.session.expire_all()
            job = db.session.get(BackgroundJob, row.job_id)
        assert job.status == "finished" and job.progress == 100
        assert delete_file_data(user("mo1_operator"), file_id).ok
