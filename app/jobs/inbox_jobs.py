"""The mail channel's look at the inbox folder, as the background runtime runs it: the thread of
the embedded mode (:func:`app.jobs.runtime.start_inbox_watcher`, by name) and the maintenance of
an ``rq worker`` (:class:`app.jobs.worker.OmsWorker`).  Thin: the service does the work."""

from __future__ import annotations

from flask import current_app

from app.services.intake import inbox


def poll_inbox() -> list[dict]:
    """One look at ``INBOX_DIR`` (nothing when it is not set): what became of each archive."""
    folder = current_app.config.get("INBOX_DIR")
    if not folder:
        return []
    return [result.as_dict() for result in inbox.poll(folder)]
