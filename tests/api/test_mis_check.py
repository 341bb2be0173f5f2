"""``POST /api/v1/mis/files/check``: «Проверить без загрузки» for a МИС — the answer of an upload,
then the file's status, errors and protocol as for a load, no case; another МО, an СМО or the
fund's administrator get none of it."""

from __future__ import annotations

import io

import pytest

from app.extensions import db
from app.models.intake import UploadedFile
from app.models.vocabulary import FileChannel, FileStatus
from app.services.intake.file_data import check_folder, delete_file_data
from tests.api.helpers import FILES, Api
from tests.intake.helpers import demo_pair, user


def _check(api: Api, *paths):
    data = {"archives": [(io.BytesIO(p.read_bytes()), p.name) for p in paths]}
    return api.client.post(f"{FILES}/check", data=data, content_type="multipart/form-data", headers=api._headers())


@pytest.fixture(scope="module")
def checked(app, tmp_path_factory):
    """Two archives of mo1 checked in one request through the API (the jobs run at once in tests)."""
    from tests.conftest import Browser

    tmp = tmp_path_factory.mktemp("api-check")
    pairs = [
        demo_pair(tmp, cases=20, error_rate=0.35, seed=1831 + n, first_person=29901 + 30 * n, persons=20)
        for n in range(2)
    ]
    browser = Browser(app)
    api = Api.with_key(app, lambda: browser, "mo1_operator")
    resp = _check(api, *(p.zip(tmp) for p in pairs))
    assert resp.status_code == 201, resp.get_data(as_text=True)
    body = resp.get_json()
    yield api, body
    with app.app_context():
        for row in body["result"]:
            delete_file_data(user("mo1_operator"), row["id"])


def test_the_check_answers_as_an_upload_and_polls_as_a_load(app, checked):
    api, body = checked
    assert body["refused"] is None and len(body["result"]) == 2
    for row in body["result"]:
        assert row["status"] == FileStatus.CHECKED and row["loading"] is False and row["progress"] == 100
        assert row["dry_run"] is True and row["channel"] == FileChannel.API
        assert row["records"] == 20 and row["new"] == 20 and row["flk_errors"] + row["mek_errors"] > 0
        polled = api.get(f"{FILES}/{row['id']}").get_json()["result"]
        assert polled == row
        errors = api.get(f"{FILES}/{row['id']}/errors?page_size=1000").get_json()
        assert errors["count"] == row["flk_errors"] + row["mek_errors"] == len(errors["result"])
        cases = api.get(f"{FILES}/{row['id']}/cases").get_json()
        assert cases["count"] == 0 and cases["result"] == []
        protocol = api.get(f"{FILES}/{row['id']}/protocol")
        assert protocol.status_code == 200 and protocol.data.count(b"<PR>") == errors["count"]
        with app.app_context():
            kept = (check_folder(row["id"]) / "protocol.xml").read_bytes()
            file = db.session.get(UploadedFile, row["id"])
            assert (file.dry_run, file.channel) == (True, FileChannel.API)
        assert protocol.data == kept
        xlsx = api.get(f"{FILES}/{row['id']}/protocol?format=xlsx")
        assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    listed = api.get(f"{FILES}/?status={FileStatus.CHECKED}").get_json()
    assert {r["id"] for r in body["result"]} <= {r["id"] for r in listed["result"]}


@pytest.mark.parametrize("login", ["mo2_operator", "mo1_sub1_operator"])
def test_another_mo_or_subdivision_finds_no_check(app, browser_factory, checked, login):
    _, body = checked
    other = Api.with_key(app, browser_factory, login)
    for row in body["result"]:
        for url in ("", "/errors", "/cases", "/protocol", "/protocol?format=xlsx"):
            resp = other.get(f"{FILES}/{row['id']}{url}")
            assert resp.status_code == 404 and resp.get_json() == {"message": "Файл не найден"}, (login, url)
        listed = other.get(f"{FILES}/?status={FileStatus.CHECKED}").get_json()["result"]
        assert row["id"] not in {r["id"] for r in listed}


def test_only_an_mo_may_check(app, browser_factory, tmp_path):
    archive = demo_pair(tmp_path, cases=2, seed=1835, first_person=29991, persons=2).zip(tmp_path)
    with app.app_context():
        before = db.session.query(UploadedFile).count()
    smo = Api.with_key(app, browser_factory, "smo1_specialist")
    assert _check(smo, archive).status_code == 403
    admin = Api.with_key(app, browser_factory, "tfoms_admin")
    refused = _check(admin, archive)
    assert refused.status_code == 400 and "медицинских организаций" in refused.get_json()["message"]
    nothing = Api.with_key(app, browser_factory, "mo1_operator")
    resp = nothing.client.post(
        f"{FILES}/check", data={}, content_type="multipart/form-data", headers=nothing._headers()
    )
    assert resp.status_code == 400 and "archives" in resp.get_json()["message"]
    with app.app_context():
        assert db.session.query(UploadedFile).count() == before
