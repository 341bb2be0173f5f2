"""Fault injection with a real ``rq worker`` (CI: PostgreSQL and Redis): a load whose worker, or whose
work-horse only, is killed with SIGKILL (as the OOM killer does) is found dead and ended —
«Ошибка при загрузке подготовленных данных», «Загрузка прервана: …» — with nothing of it left:
no case, payload, patient or error row, no work folder; the same archive then loads again, and
«Повторить» loads a failed file again from its stored archive."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.demo.files import write_archive
from app.extensions import db
from app.jobs.runtime import WORKER_QUEUES
from app.models.intake import CasePayload, ControlError, MedicalCase, Patient, UploadedFile
from app.models.vocabulary import FileStatus
from app.security.roles import ROLE_MO
from app.services.intake.uploads import IncomingArchive, accept_archives, retry_load
from tests.factories import PASSWORD, make_user, org_by_code
from tests.registries.helpers import user

pytestmark = pytest.mark.redis
ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL")
DEAD_AFTER = 6  # seconds of silence that make a job dead, in the test's processes
LIMIT = 120  # the limit for production: ended within 2 minutes
SWEEP = 10  # an idle worker's sweep, in the test's workers


@pytest.fixture()
def rq_mode(app):
    if not REDIS_URL:
        pytest.skip("REDIS_URL is not set: the fault injection with a real rq worker runs in CI (.ci/run)")
    app.config.update(JOBS_MODE="rq", REDIS_URL=REDIS_URL, JOB_DEAD_AFTER_SECONDS=DEAD_AFTER, JOB_SWEEP_SECONDS=0)
    app.extensions.pop("oms_redis", None)
    workers = []

    def start(name: str) -> subprocess.Popen:
        log = open(Path(os.environ.get("ARTIFACTS_DIR", "/tmp")) / f"rq-worker-{name}.log", "w")
        env = dict(os.environ, JOB_DEAD_AFTER_SECONDS=str(DEAD_AFTER), JOB_WORKER_SWEEP_SECONDS=str(SWEEP))
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "rq"),
                "worker",
                "--url",
                REDIS_URL,
                "--worker-class",
                "app.jobs.worker.OmsWorker",
                *WORKER_QUEUES,
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        workers.append((proc, log))
        return proc

    try:
        yield start
    finally:
        for proc, log in workers:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)
            log.close()
        app.config.update(JOBS_MODE="sync", JOB_DEAD_AFTER_SECONDS=60, JOB_SWEEP_SECONDS=30)
        app.extensions.pop("oms_redis", None)


@pytest.fixture()
def mo(app):
    """МО 140002 (its code is in the demo F003) with a login of the test's own; the files use
    persons no other test uses (10001…14000), so their cases meet no other test's."""
    with app.app_context():
        return "140002", make_user(org_by_code("140002"), ROLE_MO).username


def _upload(app, archive: Path, login: str):
    with app.app_context():
        with open(archive, "rb") as fh:
            [row] = accept_archives(user(login), [IncomingArchive(archive.name, fh)])
        return row.id


def _file(app, file_id):
    with app.app_context():
        db.session.expire_all()
        return db.session.get(UploadedFile, file_id)


def _wait(app, file_id, done, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        row = _file(app, file_id)
        if done(row):
            return row
        time.sleep(0.3)
    raise AssertionError(f"file {file_id}: {row.status} {row.progress}% {row.note}")


def _left(app, file_id) -> dict:
    with app.app_context():
        cases = select(MedicalCase.id).where(MedicalCase.file_id == file_id)
        return {
            m.__name__: db.session.scalar(select(func.count()).select_from(m).where(cond))
            for m, cond in (
                (MedicalCase, MedicalCase.file_id == file_id),
                (Patient, Patient.file_id == file_id),
                (ControlError, ControlError.file_id == file_id),
                (CasePayload, CasePayload.case_id.in_(cases)),
            )
        }


def _horse_of(pid: int) -> int:
    """The work-horse: the child RQ forks for the job."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise AssertionError("no work-horse")


def _big_file(tmp_path, number, mo_code):
    # large enough that the ФЛК is still running when the worker is killed
    return write_archive(
        tmp_path / str(number), mo=mo_code, cases=20_000, persons=4000, number=number, seed=number, first_person=10_001
    ).path


def _assert_ended(app, file_id, started, what):
    row = _wait(
        app,
        file_id,
        lambda r: (
            r.status
            not in (
                FileStatus.QUEUED,
                FileStatus.ARCHIVE,
                FileStatus.FLK,
                FileStatus.ERZ,
                FileStatus.MEK,
                FileStatus.RECALC,
            )
        ),
        LIMIT,
    )
    spent = time.monotonic() - started
    assert row.status == FileStatus.ERR_DB and row.note.startswith("Загрузка прервана:"), (row.status, row.note)
    assert _left(app, file_id) == {"MedicalCase": 0, "Patient": 0, "ControlError": 0, "CasePayload": 0}
    assert (row.records, row.flk_rejected, row.flk_errors) == (0, 0, 0)
    assert not (Path(app.config["DATA_DIR"]) / "work" / str(file_id)).exists()
    print(f"\n{what}: the dead load ended {spent:.1f} s after the kill")
    return row


def test_a_killed_worker_is_found_and_its_load_ended(app, rq_mode, mo, tmp_path):
    code, login = mo
    archive = _big_file(tmp_path, 71, code)
    file_id = _upload(app, archive, login)
    worker = rq_mode("killed")
    _wait(app, file_id, lambda r: r.status == FileStatus.FLK and r.progress >= 10, 180)
    assert _left(app, file_id)["MedicalCase"] > 0  # it had written cases
    horse = _horse_of(worker.pid)  # RQ puts the horse in a session of its own: kill both,
    os.killpg(worker.pid, signal.SIGKILL)  # as when the worker's machine or container is lost
    os.kill(horse, signal.SIGKILL)
    worker.wait(timeout=10)
    killed = time.monotonic()
    rq_mode("survivor")  # its maintenance ends the dead job
    _assert_ended(app, file_id, killed, "worker killed")
    # the same archive loads again, to the end
    again = _upload(app, archive, login)
    row = _wait(app, again, lambda r: r.status in (FileStatus.DONE, FileStatus.ERR_DB, FileStatus.ERR_VALIDATION), 300)
    assert row.status == FileStatus.DONE and row.records == 20_000, (row.status, row.note)


def test_a_killed_work_horse_is_found_and_retry_loads_the_file(app, rq_mode, mo, browser_factory, tmp_path):
    code, login = mo
    archive = _big_file(tmp_path, 72, code)
    file_id = _upload(app, archive, login)
    worker = rq_mode("horse")
    _wait(app, file_id, lambda r: r.status == FileStatus.FLK and r.progress >= 10, 180)
    os.kill(_horse_of(worker.pid), signal.SIGKILL)  # the OOM killer takes the horse only
    killed = time.monotonic()
    page = browser_factory()
    page.login(login, PASSWORD)
    deadline = time.monotonic() + LIMIT
    while _file(app, file_id).status == FileStatus.FLK and time.monotonic() < deadline:
        page.get("/files/list/")  # the page's requests sweep too
        time.sleep(1)
    _assert_ended(app, file_id, killed, "work-horse killed")
    assert worker.poll() is None  # the worker itself lives on
    with app.app_context():
        result = retry_load(user(login), file_id)  # «Повторить», from the stored archive
    assert result.ok, result.message
    row = _wait(
        app, file_id, lambda r: r.status in (FileStatus.DONE, FileStatus.ERR_DB, FileStatus.ERR_VALIDATION), 300
    )
    assert row.status == FileStatus.DONE and row.records == 20_000, (row.status, row.note)
