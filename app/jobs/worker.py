"""The entry point of every queued job (``app.jobs.runtime.WORKER_ENTRY``, called by name): in an
``rq worker`` process it makes the app once, then :func:`app.jobs.runtime.run_job` runs the job.

Only RQ calls this module: nothing imports it, so the app factory it imports makes no cycle."""
from __future__ import annotations

from app.jobs import runtime


def execute(job_id: int, func: str, args: list, kwargs: dict):
    app = runtime.process_app()
    if app is None:
        from app import create_app

        app = create_app()           # create_app registers it as this process's app
    return runtime.run_job(app, job_id, func, args, kwargs)
