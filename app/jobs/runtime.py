"""The background jobs runtime (RQ).

Modes (``JOBS_MODE``, chosen by ``config.Config``):

- ``rq``: real Redis at ``REDIS_URL``; jobs run in ``rq worker`` processes (``make worker``), any
  number, on any hosts sharing the database and Redis;
- ``embedded``: fakeredis and one in-process worker thread, started with the first job, so a
  first run needs no external service;
- ``sync``: the job runs at once in the caller (the command line, tests).

Every job runs through :func:`app.jobs.worker.execute` (which makes the app in an ``rq worker``
process) and :func:`run_job`, in its own app context, and its status, progress, result and error
are mirrored in the ``background_job`` table («Фоновые задачи»).
"""

from __future__ import annotations

import atexit
import contextvars
import datetime as dt
import json
import logging
import os
import socket
import threading
import traceback
from typing import Any, Optional

import click
from flask import Flask, current_app, has_app_context
from werkzeug.utils import import_string

from app.models.vocabulary import JobStatus

log = logging.getLogger(__name__)

_app: Optional[Flask] = None  # the app of this process (set by create_app)
_fake_server = None
_embedded_thread: Optional[threading.Thread] = None
_embedded_lock = threading.Lock()
_inbox_watcher: Optional["_InboxWatcher"] = None
_current_job_id: contextvars.ContextVar[Optional[int]] = contextvars.ContextVar("oms_job_id", default=None)

DEFAULT_QUEUE = "default"
SMALL_LOADS_QUEUE = "intake-small"  # loads of small files: looked at first, never behind big files' chunks
CHUNKS_QUEUE = "intake-chunks"  # the parts of big loads: looked at last
#: the queues a worker looks at, in this order (`make worker`, the embedded worker)
WORKER_QUEUES = (SMALL_LOADS_QUEUE, DEFAULT_QUEUE, "documents", CHUNKS_QUEUE)
WORKER_ENTRY = "app.jobs.worker.execute"  # what every queued job calls (by name)
DEFAULT_TIMEOUT = 6 * 3600
HEARTBEAT_SECONDS = 10  # a running job writes its heartbeat this often
QUEUE_DOWN = "Очередь фоновых задач недоступна, повторите загрузку позже"
INBOX_POLL = "app.jobs.inbox_jobs.poll_inbox"  # one look at the mail channel's folder (called by name)


class QueueUnavailable(RuntimeError):
    """Redis does not answer: nothing can be queued now."""

    def __init__(self, detail: str = ""):
        super().__init__(QUEUE_DOWN)
        self.detail = detail


def worker_name() -> str:
    """host:pid of this process, as written in the jobs it runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


def init_app(app: Flask) -> None:
    global _app
    _app = app
    # the mail channel's folder (INBOX_DIR) in the embedded mode: watched from the start of a server
    # process, or from its first request when it was made by a command (``flask run``); a command
    # of ``flask oms`` never watches it (its thread would die with the command, an archive in hand)
    if click.get_current_context(silent=True) is None:
        start_inbox_watcher(app)
    app.before_request(_watch_inbox_from_first_request(app))


def _now() -> dt.datetime:
    return dt.datetime.now()


# -- connections ----------------------------------------------------------------------------------
def mode() -> str:
    return current_app.config["JOBS_MODE"]


def connection():
    """The Redis connection of the current mode (real Redis or the process's fakeredis)."""
    global _fake_server
    if mode() == "rq":
        import redis

        app = current_app._get_current_object()
        conn = app.extensions.get("oms_redis")
        if conn is None:
            conn = redis.Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=30)
            app.extensions["oms_redis"] = conn
        return conn
    import fakeredis

    if _fake_server is None:
        _fake_server = fakeredis.FakeServer()
    return fakeredis.FakeStrictRedis(server=_fake_server)


def runs_beside_web_requests() -> bool:
    """Whether a job running here shares its process with a web server: the embedded mode (the
    worker thread lives in the server's process), or a job run at once inside a request."""
    from flask import has_request_context

    return mode() == "embedded" or has_request_context()


def describe() -> str:
    """One line naming the queue backend, for logs and test output."""
    if mode() == "rq":
        return f"Redis {current_app.config['REDIS_URL']} (rq worker)"
    if mode() == "embedded":
        return "fakeredis (встроенный обработчик)"
    return "синхронно (без очереди)"


def _redis_errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def check_queue() -> None:
    """Raise :class:`QueueUnavailable` when Redis does not answer (the embedded queue always does)."""
    if mode() != "rq":
        return
    try:
        connection().ping()
    except _redis_errors() as exc:
        log.warning("Redis unavailable: %s", exc)
        raise QueueUnavailable(str(exc)) from exc


def live_workers() -> int:
    """``rq worker`` processes alive now (the embedded mode: its one worker thread, started on demand)."""
    if mode() != "rq":
        return 1
    from rq import Worker

    return Worker.count(connection=connection())


def get_queue(name: str = DEFAULT_QUEUE):
    from rq import Queue

    return Queue(name, connection=connection(), is_async=mode() != "sync", default_timeout=DEFAULT_TIMEOUT)


# -- enqueue and execute -----------------------------------------------------------------------
def enqueue(
    func: str,
    *args: Any,
    title: str,
    user=None,
    organisation_id: Optional[int] = None,
    queue: str = DEFAULT_QUEUE,
    **kwargs: Any,
):
    """Create the mirror row, then put ``func(*args, **kwargs)`` on the queue.

    ``func`` is a dotted path to a thin job function that calls a service.  Returns the
    ``BackgroundJob`` row (in sync mode the job has already run).  Raises
    :class:`QueueUnavailable` (and keeps no row) when Redis does not answer.
    """
    from app.extensions import db
    from app.models.job import BackgroundJob

    check_queue()
    row = BackgroundJob(
        func=func,
        title=title[:250],
        queue=queue,
        arguments=json.dumps(list(args), ensure_ascii=False, default=str),
        user_id=getattr(user, "id", None),
        organisation_id=organisation_id if organisation_id is not None else getattr(user, "organisation_id", None),
    )
    db.session.add(row)
    db.session.commit()
    try:
        requeue(row.id, func, list(args), kwargs, queue)
    except QueueUnavailable:
        db.session.execute(BackgroundJob.__table__.delete().where(BackgroundJob.id == row.id))
        db.session.commit()
        raise
    db.session.refresh(row)
    return row


def requeue(job_id: int, func: str, args: list, kwargs: dict, queue: str = DEFAULT_QUEUE) -> None:
    """Put the job of an existing mirror row on the queue (again)."""
    from app.extensions import db
    from app.models.job import BackgroundJob

    if mode() == "embedded":
        _ensure_embedded_worker()
    try:
        rq_job = get_queue(queue).enqueue(
            WORKER_ENTRY,
            job_id,
            func,
            list(args),
            kwargs,
            job_timeout=DEFAULT_TIMEOUT,
            result_ttl=86400,
            failure_ttl=7 * 86400,
        )
    except _redis_errors() as exc:  # Redis went away between the check and the enqueue
        raise QueueUnavailable(str(exc)) from exc
    db.session.execute(BackgroundJob.__table__.update().where(BackgroundJob.id == job_id).values(rq_id=rq_job.id))
    db.session.commit()


def process_app() -> Optional[Flask]:
    """The app of this process (the web server's, the command line's), if there is one; an
    ``rq worker`` process has none until :mod:`app.jobs.worker` makes it."""
    if has_app_context():
        return current_app._get_current_object()
    return _app


def run_job(app: Flask, job_id: int, func: str, args: list, kwargs: dict):
    """Run one job in its own app context and mirror its life in ``background_job``."""
    with app.app_context():
        from app.extensions import db

        token = _current_job_id.set(job_id)
        _update(
            job_id, status=JobStatus.STARTED, started_at=_now(), progress=0, worker=worker_name(), heartbeat_at=_now()
        )
        heartbeat = _Heartbeat(db.engine, job_id)
        heartbeat.start()
        try:
            result = import_string(func)(*args, **kwargs)
        except Exception as exc:  # the error is recorded, then RQ marks the job failed
            db.session.rollback()
            _update(
                job_id,
                status=JobStatus.FAILED,
                finished_at=_now(),
                error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"[:20000],
            )
            raise
        else:
            _update(
                job_id,
                status=JobStatus.FINISHED,
                finished_at=_now(),
                progress=100,
                result=json.dumps(result, ensure_ascii=False, default=str)[:20000] if result is not None else None,
            )
            return result
        finally:
            heartbeat.stop()
            _current_job_id.reset(token)
            db.session.remove()


class _Heartbeat(threading.Thread):
    """Writes the job's ``heartbeat_at`` every few seconds while it runs, on its own connection:
    a job whose process was killed (the OOM killer, ``kill -9``, a restart) falls silent, and
    :mod:`app.jobs.recovery` ends it."""

    def __init__(self, engine, job_id: int):
        super().__init__(name=f"oms-heartbeat-{job_id}", daemon=True)
        self.engine, self.job_id = engine, job_id
        self._stopped = threading.Event()

    def run(self) -> None:
        from app.models.job import BackgroundJob

        table = BackgroundJob.__table__
        while not self._stopped.wait(HEARTBEAT_SECONDS):
            try:
                with self.engine.begin() as conn:
                    conn.execute(table.update().where(table.c.id == self.job_id).values(heartbeat_at=_now()))
            except Exception:  # noqa: BLE001 — a missed beat is not the job's failure
                log.warning("heartbeat of job %s not written", self.job_id, exc_info=True)

    def stop(self) -> None:
        self._stopped.set()


def _update(job_id: int, **values) -> None:
    """Write to the mirror row on its own connection, visible at once whatever the job's
    transaction is doing."""
    from app.extensions import db
    from app.models.job import BackgroundJob

    with db.engine.begin() as conn:
        conn.execute(BackgroundJob.__table__.update().where(BackgroundJob.id == job_id).values(**values))


def report_progress(percent: int, message: Optional[str] = None) -> None:
    """Called by services during a job; does nothing outside a job."""
    job_id = _current_job_id.get()
    if job_id is None:
        return
    values: dict[str, Any] = {"progress": max(0, min(100, int(percent)))}
    if message is not None:
        values["message"] = message[:500]
    _update(job_id, **values)


def current_job_id() -> Optional[int]:
    return _current_job_id.get()


# -- the embedded worker -----------------------------------------------------------------------
def _ensure_embedded_worker() -> None:
    global _embedded_thread
    with _embedded_lock:
        if _embedded_thread is not None and _embedded_thread.is_alive():
            return
        from rq.timeouts import TimerDeathPenalty
        from rq.worker import SimpleWorker

        class ThreadWorker(SimpleWorker):
            death_penalty_class = TimerDeathPenalty

            def _install_signal_handlers(self):  # signals belong to the main thread
                pass

        app = current_app._get_current_object()
        conn = connection()
        worker = ThreadWorker(list(WORKER_QUEUES), connection=conn)

        def run():
            global _app
            _app = app
            worker.work(burst=False, logging_level="WARNING")

        _embedded_thread = threading.Thread(target=run, name="oms-embedded-worker", daemon=True)
        _embedded_thread.start()
        log.info("embedded worker started")


# -- the mail channel's folder in the embedded mode ------------------------------------------------
def start_inbox_watcher(app: Flask) -> bool:
    """Start the thread that looks at ``INBOX_DIR`` every ``INBOX_POLL_SECONDS`` — in the embedded
    mode only (an ``rq worker`` looks in its maintenance, :mod:`app.jobs.worker`), once a process.
    True when it started now."""
    global _inbox_watcher
    if app.config.get("JOBS_MODE") != "embedded" or not app.config.get("INBOX_DIR"):
        return False
    with _embedded_lock:
        if _inbox_watcher is not None and _inbox_watcher.is_alive():
            return False
        _inbox_watcher = _InboxWatcher(app)
        _inbox_watcher.start()
    atexit.register(stop_inbox_watcher)
    log.info("inbox watcher started: %s", app.config["INBOX_DIR"])
    return True


def stop_inbox_watcher(timeout: float = 30) -> None:
    """Stop the watcher after the look it is in (the process ends, a test is done)."""
    global _inbox_watcher
    with _embedded_lock:
        watcher, _inbox_watcher = _inbox_watcher, None
    if watcher is not None:
        watcher.stop(timeout)


def _watch_inbox_from_first_request(app: Flask):
    def hook() -> None:
        if _inbox_watcher is None and app.config.get("INBOX_DIR") and app.config.get("JOBS_MODE") == "embedded":
            start_inbox_watcher(app)

    return hook


class _InboxWatcher(threading.Thread):
    """Looks at the folder (:data:`INBOX_POLL`) in its own app context, then waits; a failed look is
    logged and the next one comes."""

    def __init__(self, app: Flask):
        super().__init__(name="oms-inbox-watcher", daemon=True)
        self.app = app
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.is_set():
            with self.app.app_context():
                from app.extensions import db

                try:
                    import_string(INBOX_POLL)()
                except Exception:  # noqa: BLE001 — the folder is looked at again next time
                    log.exception("inbox look failed")
                finally:
                    db.session.remove()
            self._stopped.wait(float(self.app.config["INBOX_POLL_SECONDS"]))

    def stop(self, timeout: float) -> None:
        self._stopped.set()
        if self is not threading.current_thread():
            self.join(timeout)
