"""Background work whose process died — ``kill -9`` of an ``rq worker`` or of its work-horse (as the
OOM killer does), a restart of the embedded server — is found and ended here.

A running job writes its heartbeat every few seconds (:mod:`app.jobs.runtime`).  A job is dead when
it is «started» and either its heartbeat is older than ``JOB_DEAD_AFTER_SECONDS`` (60 by default),
or it ran in a process of this host that no longer exists.  Each dead job is marked failed (once:
a conditional update, so two sweepers never both act) and its work is ended by the recovery of its
function: a load ends in «Ошибка при загрузке подготовленных данных» («Загрузка прервана: …») with
everything it wrote removed; a documents job leaves the registry «Отправлен» with the error shown,
so «Повторить» is offered.

Who sweeps: every ``rq worker`` of :class:`app.jobs.worker.OmsWorker` between jobs (every minute),
the web process on requests (at most every ``JOB_SWEEP_SECONDS``), and an embedded server on its
first request after a start — where it also queues again the loads that waited in the queue of the
process that died (the embedded queue lives in memory).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from typing import Callable

from flask import Flask, current_app
from sqlalchemy import select, update
from werkzeug.utils import import_string

from app.extensions import db
from app.jobs import runtime
from app.models.job import BackgroundJob
from app.models.vocabulary import JobStatus

log = logging.getLogger(__name__)

#: what ends the work of a job whose process died: func of the job -> recovery(job args..., reason=, job_id=)
RECOVERIES: dict[str, str] = {
    "app.jobs.intake_jobs.load_file": "app.jobs.intake_jobs.recover_load",
    "app.jobs.intake_jobs.load_chunk": "app.jobs.intake_jobs.recover_chunk",
    "app.jobs.registry_jobs.generate_documents": "app.jobs.registry_jobs.recover_documents",
}
#: the jobs queued again after an embedded restart (their queue died with the process)
REQUEUE_AFTER_RESTART = (
    "app.jobs.intake_jobs.load_file",
    "app.jobs.intake_jobs.load_chunk",
    "app.jobs.registry_jobs.generate_documents",
)

_last_sweep = 0.0
_sweep_lock = threading.Lock()
_started_apps: set[int] = set()


def _pid_alive(pid: int) -> bool:
    """The process exists and is not a zombie: a killed work-horse whose parent died too waits as a
    zombie until PID 1 reaps it, and in a container PID 1 may never do so."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:  # no /proc (not Linux) or gone meanwhile
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def _process_gone(worker: str | None) -> bool:
    """A process of this host that no longer exists (another host's processes: by heartbeat only)."""
    host, _, pid = (worker or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    return int(pid) != os.getpid() and not _pid_alive(int(pid))


def dead_jobs(now: dt.datetime | None = None) -> list[BackgroundJob]:
    now = now or dt.datetime.now()
    silent = now - dt.timedelta(seconds=int(current_app.config.get("JOB_DEAD_AFTER_SECONDS", 60)))
    started = db.session.execute(select(BackgroundJob).where(BackgroundJob.status == JobStatus.STARTED)).scalars()
    return [j for j in started if (j.heartbeat_at or j.started_at or j.created_at) < silent or _process_gone(j.worker)]


def end_dead_job(job: BackgroundJob, reason: str) -> bool:
    """Mark the job failed and end its work; False when another sweeper did it first."""
    won = (
        db.session.execute(
            update(BackgroundJob)
            .where(BackgroundJob.id == job.id, BackgroundJob.status == JobStatus.STARTED)
            .values(
                status=JobStatus.FAILED, finished_at=dt.datetime.now(), error=f"Процесс обработки прерван: {reason}"
            )
        ).rowcount
        == 1
    )
    db.session.commit()
    if not won:
        return False
    recovery = RECOVERIES.get(job.func)
    if recovery is not None:
        args, _kwargs = _job_arguments(job)
        import_string(recovery)(*args, reason=reason, job_id=job.id)
    log.warning("job %s (%s) ended: %s", job.id, job.func, reason)
    return True


def _job_arguments(job: BackgroundJob) -> tuple[list, dict]:
    """The arguments the job was queued with (kept in the mirror row)."""
    import json

    try:
        stored = json.loads(job.arguments or "[]")
    except ValueError:
        stored = []
    return (stored if isinstance(stored, list) else []), {}


def lost_in_redis(now: dt.datetime | None = None) -> list[BackgroundJob]:
    """Jobs «queued» for longer than the dead-job limit whose RQ job Redis no longer has (a Redis
    restarted without its data): queued again by :func:`sweep`."""
    if runtime.mode() != "rq":
        return []
    from rq.job import Job

    now = now or dt.datetime.now()
    old = now - dt.timedelta(seconds=int(current_app.config.get("JOB_DEAD_AFTER_SECONDS", 60)))
    conn = runtime.connection()
    rows = db.session.execute(
        select(BackgroundJob).where(BackgroundJob.status == JobStatus.QUEUED, BackgroundJob.created_at < old)
    ).scalars()
    return [j for j in rows if j.rq_id is None or not Job.exists(j.rq_id, connection=conn)]


def sweep(now: dt.datetime | None = None) -> list[int]:
    """End every dead job (and queue again the jobs Redis lost); returns the ids of the ended."""
    for job in lost_in_redis(now):
        args, kwargs = _job_arguments(job)
        runtime.requeue(job.id, job.func, args, kwargs, job.queue)
        log.warning("job %s (%s) queued again: Redis had lost it", job.id, job.func)
    ended = []
    for job in dead_jobs(now):
        why = (
            "процесс обработчика завершился аварийно"
            if _process_gone(job.worker)
            else "обработчик не отвечает (нет сигнала о работе)"
        )
        try:
            if end_dead_job(job, why):
                ended.append(job.id)
        except Exception:  # noqa: BLE001 — one job's recovery must not stop the others'
            db.session.rollback()
            log.exception("recovery of job %s failed", job.id)
    return ended


def sweep_if_due() -> None:
    """The web process's sweep: at most every ``JOB_SWEEP_SECONDS``, never two at once."""
    global _last_sweep
    every = float(current_app.config.get("JOB_SWEEP_SECONDS", 30))
    if time.monotonic() - _last_sweep < every or not _sweep_lock.acquire(blocking=False):
        return
    try:
        _last_sweep = time.monotonic()
        sweep()
    except Exception:  # noqa: BLE001 — a failed sweep must not fail the user's request
        db.session.rollback()
        log.exception("sweep of dead jobs failed")
    finally:
        _sweep_lock.release()


def requeue_lost() -> list[int]:
    """After an embedded restart: the jobs still «queued» lost their in-memory queue; queue them
    again (their mirror row and their work stay as they were)."""
    requeued = []
    rows = db.session.execute(
        select(BackgroundJob).where(
            BackgroundJob.status == JobStatus.QUEUED, BackgroundJob.func.in_(REQUEUE_AFTER_RESTART)
        )
    ).scalars()
    for job in rows:
        args, kwargs = _job_arguments(job)
        runtime.requeue(job.id, job.func, args, kwargs, job.queue)
        requeued.append(job.id)
    return requeued


def after_start(app: Flask) -> Callable[[], None]:
    """The before-request hook of an app: the embedded server's start-up recovery on its first
    request, then the throttled sweep."""

    def hook() -> None:
        if app.config.get("JOBS_MODE") == "sync":
            return
        if id(app) not in _started_apps and app.config.get("JOBS_MODE") == "embedded":
            _started_apps.add(id(app))
            try:
                sweep()
                requeue_lost()
            except Exception:  # noqa: BLE001
                db.session.rollback()
                log.exception("start-up recovery failed")
            return
        sweep_if_due()

    return hook
