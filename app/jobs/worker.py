"""The ``rq worker`` side: the entry point of every queued job (``app.jobs.runtime.WORKER_ENTRY``,
called by name) — in a worker process it makes the app once, then :func:`app.jobs.runtime.run_job`
runs the job — and :class:`OmsWorker`, the worker class of ``make worker``, which between jobs also
ends the jobs of dead workers (:mod:`app.jobs.recovery`) and looks at the mail channel's folder.

Only RQ uses this module: nothing imports it, so the app factory it imports makes no cycle."""

from __future__ import annotations

import time

from rq import Worker
from rq.defaults import DEFAULT_MAINTENANCE_TASK_INTERVAL

from app.jobs import runtime
from config import Config


def _app():
    app = runtime.process_app()
    if app is None:
        from app import create_app

        app = create_app()  # create_app registers it as this process's app
    return app


class OmsWorker(Worker):
    """``rq worker --worker-class app.jobs.worker.OmsWorker``: RQ's forking worker whose periodic
    maintenance (every ``JOB_WORKER_SWEEP_SECONDS``, a minute by default) also ends the jobs of
    workers that died."""

    def __init__(self, *args, **kwargs):
        # `rq worker` passes its own default (10 minutes) explicitly: only another value given on
        # its command line (--maintenance-interval) is kept
        if kwargs.get("maintenance_interval") in (None, DEFAULT_MAINTENANCE_TASK_INTERVAL):
            kwargs["maintenance_interval"] = Config.JOB_WORKER_SWEEP_SECONDS
        super().__init__(*args, **kwargs)

    @property
    def dequeue_timeout(self) -> int:
        """RQ runs its maintenance only between blocking waits for a job, and an idle worker waits
        ``worker_ttl - 15`` (405) seconds: the wait is cut to the maintenance interval, so an idle
        worker sweeps as often as it says (a survivor found a dead load 7 minutes late otherwise)."""
        wait = min(super().dequeue_timeout, int(self.maintenance_interval))
        if Config.INBOX_DIR:  # the mail channel's folder is looked at as often as it says
            wait = min(wait, int(Config.INBOX_POLL_SECONDS))
        return max(1, wait)

    @property
    def should_run_maintenance_tasks(self):
        return super().should_run_maintenance_tasks or self._inbox_due()

    def run_maintenance_tasks(self):
        """Every minute RQ's maintenance and the sweep of dead jobs; every ``INBOX_POLL_SECONDS``
        a look at the mail channel's folder (``INBOX_DIR``), whose archives this worker may take —
        several workers look at once, and each archive goes to one of them."""
        minute = super().should_run_maintenance_tasks
        if minute:
            super().run_maintenance_tasks()
        inbox = self._inbox_due()
        if not (minute or inbox):
            return
        from app.jobs.inbox_jobs import poll_inbox
        from app.jobs.recovery import sweep

        with _app().app_context():
            from app.extensions import db

            try:
                if minute:
                    sweep()
                if inbox:
                    self._inbox_looked_at = time.monotonic()
                    try:
                        poll_inbox()
                    except Exception:  # noqa: BLE001 — the folder is looked at again next time
                        db.session.rollback()
                        self.log.exception("inbox look failed")
            finally:  # no connection of the parent may reach a forked work-horse
                db.session.remove()
                db.engine.dispose()

    def _inbox_due(self) -> bool:
        if not Config.INBOX_DIR:
            return False
        last = getattr(self, "_inbox_looked_at", None)
        return last is None or time.monotonic() - last >= Config.INBOX_POLL_SECONDS


def execute(job_id: int, func: str, args: list, kwargs: dict):
    return runtime.run_job(_app(), job_id, func, args, kwargs)
