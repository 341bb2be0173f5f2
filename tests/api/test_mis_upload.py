"""Uploads through the МИС API: what is refused before anything is stored, and what is accepted
and then ends in an error status with its note (as on the page)."""

from __future__ import annotations

from app.extensions import db
from app.models.intake import UploadedFile
from app.security.roles import ROLE_TFOMS
from tests.api.helpers import FILES, Api
from tests.factories import make_uploaded_file, make_user, org_by_code


def _count(app):
    with app.app_context():
        return db.session.query(UploadedFile).count()


def test_a_damaged_archive_is_accepted_then_fails_with_its_note(app, browser_factory, tmp_path):
    api = Api.with_key(app, browser_factory, "mo1_operator")
    bad = tmp_path / "HM140001T14_260791.zip"
    bad.write_bytes(b"this is not a zip archive")
    resp = api.upload(bad)
    assert resp.status_code == 201
    (row,) = resp.get_json()["result"]
    polled = api.get(f"{FILES}/{row['id']}").get_json()["result"]
    assert polled["status"] == "Ошибка при загрузке файлов на сервер" and polled["note"]
    assert polled["archive"] == bad.name and polled["loading"] is False


def test_refusals_before_storing_anything(app, browser_factory, tmp_path):
    api = Api.with_key(app, browser_factory, "mo1_operator")
    before = _count(app)
    # no archive in the request
    resp = api.client.post(f"{FILES}/", data={}, content_type="multipart/form-data", headers=api._headers())
    assert resp.status_code == 400 and "archives" in resp.get_json()["message"]
    # the same archive name still loading
    with app.app_context():
        loading = make_uploaded_file(org_by_code("140001"), status="ФЛК")
        loading.archive_name = "HM140001T14_260792.zip"
        db.session.commit()
        loading_id = loading.id
    archive = tmp_path / "HM140001T14_260792.zip"
    archive.write_bytes(b"PK whatever")
    resp = api.upload(archive)
    assert resp.status_code == 400 and "еще загружается" in resp.get_json()["message"]
    # the fund's administrator holds every permission but is not an МО
    admin = Api.with_key(app, browser_factory, "tfoms_admin")
    resp = admin.upload(archive)
    assert resp.status_code == 400 and "медицинских организаций" in resp.get_json()["message"]
    # the fund's specialist may read the files, not upload
    with app.app_context():
        specialist = make_user(org_by_code("14"), ROLE_TFOMS).username
    reader = Api.with_key(app, browser_factory, specialist)
    assert reader.upload(archive).status_code == 403
    assert reader.get(f"{FILES}/{loading_id}").status_code == 200
    assert _count(app) == before + 1  # only the row made above


def test_a_request_beyond_the_size_limit_answers_413(app, browser_factory, tmp_path):
    api = Api.with_key(app, browser_factory, "mo1_operator")
    archive = tmp_path / "HM140001T14_260793.zip"
    archive.write_bytes(b"PK" + b"0" * 5000)
    before = _count(app)
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        resp = api.upload(archive)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert resp.status_code == 413 and "1000 байт" in resp.get_json()["message"]
    assert _count(app) == before
