"""Loads cut into chunks with real ``rq worker`` processes (CI: PostgreSQL and Redis):

- fair queueing: a small file uploaded after a big one loads while the big one still loads; a burst of
  big files of one МО does not hold another МО's file behind all of them (the parts go round-robin);
- a part whose work-horse is killed (SIGKILL, as the OOM killer does) ends the whole file in
  «Ошибка при загрузке подготовленных данных» with nothing of it left, its other parts included.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.demo.files import write_archive
from app.extensions import db
from app.models.intake import LoadChunk
from app.models.job import BackgroundJob
from app.models.vocabulary import ChunkStatus, FileStatus
from app.security.roles import ROLE_MO
from tests.factories import make_user, org_by_code
from tests.faults.test_dead_loads import _assert_ended, _file, _left, _upload, _wait, rq_mode  # noqa: F401

pytestmark = pytest.mark.redis
ENDED = (FileStatus.DONE, FileStatus.ERR_DB, FileStatus.ERR_VALIDATION, FileStatus.ERR_ERZ)


@pytest.fixture()
def chunked(app, monkeypatch):
    """Loads cut into chunks of 300 records (in the workers: their environment), and every archive
    of more than 100 KB is a big file."""
    monkeypatch.setenv("LOAD_CHUNK_RECORDS", "300")
    app.config.update(LOAD_CHUNK_RECORDS=300, LOAD_SMALL_FILE_BYTES=100_000)
    yield
    app.config.update(LOAD_CHUNK_RECORDS=0, LOAD_SMALL_FILE_BYTES=4 * 1024 * 1024)


def _login(app, code: str) -> str:
    with app.app_context():
        return make_user(org_by_code(code), ROLE_MO).username


def _archive(tmp_path, code: str, number: int, cases: int, first_person: int) -> Path:
    return write_archive(
        tmp_path / f"{code}-{number}",
        mo=code,
        cases=cases,
        persons=max(5, cases // 3),
        number=number,
        seed=number,
        first_person=first_person,
    ).path


def _done(app, file_id):
    return _wait(app, file_id, lambda r: r.status in ENDED, 600)


def test_a_small_file_does_not_wait_for_a_big_one(app, rq_mode, chunked, tmp_path):  # noqa: F811
    login = _login(app, "140002")
    big = _upload(app, _archive(tmp_path, "140002", 81, 3000, 14_001), login)
    small = _upload(app, _archive(tmp_path, "140002", 82, 5, 17_001), login)
    rq_mode("fair-small")  # one worker: both files queued before it starts
    small_row = _done(app, small)
    big_now = _file(app, big)
    assert small_row.status == FileStatus.DONE, (small_row.status, small_row.note)
    assert big_now.status not in ENDED, "the small file waited until the big one had loaded"
    big_row = _done(app, big)
    assert big_row.status == FileStatus.DONE and big_row.records == 3000, (big_row.status, big_row.note)
    with app.app_context():
        parts = db.session.scalar(
            select(func.count())
            .select_from(BackgroundJob)
            .where(BackgroundJob.func == "app.jobs.intake_jobs.load_chunk")
        )
    assert parts >= 3000 // 300 - 1  # the big file was loaded in parts


def test_a_burst_of_one_mo_does_not_hold_another(app, rq_mode, chunked, tmp_path):  # noqa: F811
    burst_login, other_login = _login(app, "140002"), _login(app, "140001")
    burst = [_upload(app, _archive(tmp_path, "140002", 90 + i, 1500, 18_001 + 600 * i), burst_login) for i in range(3)]
    other = _upload(app, _archive(tmp_path, "140001", 95, 1500, 20_001), other_login)
    rq_mode("fair-burst")  # one worker: the four files queued before it starts, the other МО's last
    rows = {i: _done(app, i) for i in burst + [other]}
    assert all(r.status == FileStatus.DONE for r in rows.values()), {i: (r.status, r.note) for i, r in rows.items()}
    finished = sorted(rows, key=lambda i: rows[i].finished_at)
    # round-robin by МО: the other МО's file ends before the burst's second and third, not after all of them
    assert finished.index(other) <= 1, [(i, rows[i].finished_at) for i in finished]


def test_a_killed_part_ends_the_whole_file(app, rq_mode, chunked, tmp_path):  # noqa: F811
    login = _login(app, "140002")
    file_id = _upload(app, _archive(tmp_path, "140002", 97, 6000, 21_001), login)
    rq_mode("part-a")
    rq_mode("part-b")
    deadline = time.monotonic() + 300
    horse = None
    while horse is None and time.monotonic() < deadline:
        with app.app_context():
            row = db.session.execute(
                select(BackgroundJob.worker)
                .join(LoadChunk, LoadChunk.job_id == BackgroundJob.id)
                .where(LoadChunk.file_id == file_id, LoadChunk.status == ChunkStatus.RUNNING, LoadChunk.number > 1)
            ).first()
        if row is not None and row.worker:
            horse = int(row.worker.rpartition(":")[2])
        else:
            time.sleep(0.1)
    assert horse is not None, "no part of the file ran in a worker"
    assert _left(app, file_id)["MedicalCase"] > 0  # it had written cases
    os.kill(horse, signal.SIGKILL)  # the work-horse of one part dies; the other worker goes on
    killed = time.monotonic()
    _assert_ended(app, file_id, killed, "a part's work-horse killed")
    time.sleep(5)  # the parts still queued or running when it ended leave nothing either
    assert _left(app, file_id) == {"MedicalCase": 0, "Patient": 0, "ControlError": 0, "CasePayload": 0}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoadChunk).where(LoadChunk.file_id == file_id)) == 0
