"""The sweep of dead jobs (:mod:`app.jobs.recovery`) on its own: a job of another host is dead only
by the silence of its heartbeat, a job of this host as soon as its process is gone, a live one is
left alone, and two sweepers never end one job twice."""

from __future__ import annotations

import datetime as dt
import time

from app.extensions import db
from app.jobs import recovery
from app.models.intake import UploadedFile
from app.models.job import BackgroundJob
from app.models.vocabulary import FileStatus, JobStatus
from tests.factories import make_uploaded_file, org_by_code


def _loading_file_and_job(worker: str, beat_ago: float) -> tuple[int, int]:
    row = make_uploaded_file(org_by_code("140001"), status=FileStatus.FLK)
    now = dt.datetime.now()
    job = BackgroundJob(
        func="app.jobs.intake_jobs.load_file",
        title="тест",
        queue="default",
        arguments=f"[{row.id}]",
        status=JobStatus.STARTED,
        started_at=now - dt.timedelta(seconds=beat_ago + 5),
        worker=worker,
        heartbeat_at=now - dt.timedelta(seconds=beat_ago),
    )
    db.session.add(job)
    db.session.commit()
    return row.id, job.id


def _state(file_id, job_id):
    db.session.expire_all()
    return db.session.get(UploadedFile, file_id).status, db.session.get(BackgroundJob, job_id).status


def test_another_hosts_job_is_dead_by_its_silence_only(app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "JOB_DEAD_AFTER_SECONDS", 60)
    alive = _loading_file_and_job("other-host:123", beat_ago=20)
    silent = _loading_file_and_job("other-host:124", beat_ago=90)
    ended = recovery.sweep()
    assert silent[1] in ended and alive[1] not in ended
    assert _state(*alive) == (FileStatus.FLK, JobStatus.STARTED)
    file_status, job_status = _state(*silent)
    assert (file_status, job_status) == (FileStatus.ERR_DB, JobStatus.FAILED)
    assert db.session.get(UploadedFile, silent[0]).note.startswith("Загрузка прервана:")


def test_a_job_of_this_host_is_dead_when_its_process_is_gone(app_ctx):
    import socket
    import subprocess

    gone = subprocess.Popen(["true"])
    gone.wait()  # a pid that no longer exists
    ids = _loading_file_and_job(f"{socket.gethostname()}:{gone.pid}", beat_ago=1)
    assert ids[1] in recovery.sweep()
    assert _state(*ids) == (FileStatus.ERR_DB, JobStatus.FAILED)


def test_a_dead_job_is_ended_once(app_ctx):
    ids = _loading_file_and_job("other-host:125", beat_ago=3600)
    [job] = [j for j in recovery.dead_jobs() if j.id == ids[1]]
    assert recovery.end_dead_job(job, "тест") is True
    assert recovery.end_dead_job(job, "тест") is False  # the second sweeper finds it ended


def test_a_killed_process_left_as_a_zombie_is_gone(app_ctx):
    """A killed work-horse whose worker died too stays a zombie until PID 1 reaps it — in a
    container maybe never; its job is dead all the same."""
    import signal
    import socket
    import subprocess

    zombie = subprocess.Popen(["sleep", "60"])
    zombie.send_signal(signal.SIGKILL)
    try:
        for _ in range(100):  # until the kernel has made it a zombie (not reaped: no wait())
            if open(f"/proc/{zombie.pid}/stat").read().rpartition(")")[2].split()[0] == "Z":
                break
            time.sleep(0.05)
        ids = _loading_file_and_job(f"{socket.gethostname()}:{zombie.pid}", beat_ago=1)
        assert ids[1] in recovery.sweep()
        assert _state(*ids) == (FileStatus.ERR_DB, JobStatus.FAILED)
    finally:
        zombie.wait()


def test_an_idle_worker_waits_for_a_job_no_longer_than_its_sweep_interval():
    """RQ sweeps only between its blocking waits for a job (405 s by default)."""
    import fakeredis

    from app.jobs.worker import OmsWorker

    worker = OmsWorker(["default"], connection=fakeredis.FakeStrictRedis(), maintenance_interval=7)
    assert worker.dequeue_timeout == 7
    assert OmsWorker(["default"], connection=fakeredis.FakeStrictRedis()).dequeue_timeout == 60
