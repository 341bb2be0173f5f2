"""Two users at once, on either database: eight uploads of one archive at the same moment give one
accepted file and seven clear refusals (the unique index of loading names decides, not a check
that races); twenty «Сформировать реестр» of one group at once give one success and clear
refusals, with every case in exactly one registry."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from app.extensions import db
from app.models.intake import MedicalCase, UploadedFile
from app.models.registry import Registry
from app.models.vocabulary import CaseStatus, FileStatus
from app.security.roles import ROLE_MO
from app.services.intake.uploads import IncomingArchive, UploadRefused, accept_archives
from app.services.registries.formation import BUSY, NOTHING_TO_FORM, form_registries
from tests.factories import make_user, org_by_code
from tests.registries.helpers import demo, load, user


def _together(app, n, fn):
    start = threading.Barrier(n)

    def run(i):
        with app.app_context():
            start.wait()
            try:
                return fn(i)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def _own_mo(app):
    """МО 140002 (its code is in the demo F003) with a login of the test's own; the files use
    persons no other test uses (9001…), so their cases meet no other test's."""
    with app.app_context():
        return "140002", make_user(org_by_code("140002"), ROLE_MO).username


def test_eight_uploads_of_one_archive_at_once_accept_one(app, tmp_path):
    code, login = _own_mo(app)
    archive = demo(tmp_path, cases=3, seed=1301, number=7, year=2023, month=12, mo=code, first_person=9001).path
    name = f"HM{code}T14_1912_concurrent.zip"

    def upload(_i):
        with open(archive, "rb") as fh:
            try:
                return accept_archives(user(login), [IncomingArchive(name, fh)], run_job=False)[0].id
            except UploadRefused as refused:
                return str(refused)

    results = _together(app, 8, upload)
    accepted = [r for r in results if isinstance(r, int)]
    assert len(accepted) == 1, results
    assert all("еще загружается" in r for r in results if isinstance(r, str))
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).select_from(UploadedFile).where(UploadedFile.archive_name == name))
            == 1
        )
        row = db.session.get(UploadedFile, accepted[0])
        row.status = FileStatus.ERR_UPLOAD  # it ends: the name may be uploaded again
        db.session.commit()
    assert isinstance(_together(app, 1, upload)[0], int)


def test_twenty_formations_at_once_give_one_success(app, tmp_path):
    code, login = _own_mo(app)
    with app.app_context():
        row = load(
            demo(tmp_path, seed=1302, cases=40, year=2022, month=4, mo=code, first_person=9101).path, login=login
        )
        assert row.status == FileStatus.DONE, row.note
        file_id = row.id

    def form(_i):
        return form_registries(user(login), "2022-04", "АПП")

    results = _together(app, 20, form)
    assert sum(r.ok for r in results) == 1, [r.message for r in results]
    assert all(r.message in (NOTHING_TO_FORM, BUSY) for r in results if not r.ok)
    with app.app_context():
        in_registries = db.session.scalar(
            select(func.count())
            .select_from(MedicalCase)
            .where(MedicalCase.file_id == file_id, MedicalCase.status == CaseStatus.IN_REGISTRY)
        )
        made = next(r for r in results if r.ok).registries
        assert in_registries == sum(r["cases"] for r in made) > 0
        assert db.session.scalar(
            select(func.count()).select_from(Registry).where(Registry.id.in_([r["id"] for r in made]))
        ) == len(made)
