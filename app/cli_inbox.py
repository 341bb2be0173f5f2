"""``flask oms watch-inbox``: the mail channel's folder watched by a command of its own (beside, or
instead of, the ``rq worker`` processes and the embedded server, which watch ``INBOX_DIR`` too)."""

from __future__ import annotations

import signal
import time
from contextlib import contextmanager
from typing import Iterator

import click
from flask import current_app
from flask.cli import AppGroup

from app.cli_common import print_json


def register(group: AppGroup) -> None:
    """Add this module's commands to ``group``."""

    @group.command("watch-inbox")
    @click.argument("folder", required=False, type=click.Path(exists=True, file_okay=False))
    @click.option("--once", is_flag=True, help="Посмотреть папку один раз и выйти")
    @click.option("--interval", type=float, default=None, help="Секунд между просмотрами (INBOX_POLL_SECONDS)")
    def watch_inbox_command(folder, once, interval):
        """Загружать архивы, пришедшие по защищенной почте в папку FOLDER (по умолчанию INBOX_DIR), как
        загрузку их отправителя; JSON на архив: archive, outcome (loaded, rejected, deferred), reason,
        file_id, moved_to.  Без очереди Redis загрузки идут в этом процессе."""
        from app.jobs.runtime import mode
        from app.services.intake.inbox import poll

        folder = folder or current_app.config.get("INBOX_DIR")
        if not folder:
            raise click.ClickException("Укажите папку или задайте INBOX_DIR")
        if mode() == "embedded":  # no Redis: the loads run here, each finished before the next look
            current_app.config["JOBS_MODE"] = "sync"
        interval = current_app.config["INBOX_POLL_SECONDS"] if interval is None else interval
        with _stop_on_sigterm() as stop:
            while True:
                try:
                    results = poll(folder)
                except NotADirectoryError as exc:
                    raise click.ClickException(str(exc)) from None
                for result in results:
                    print_json(result.as_dict())
                if once or _wait(stop, interval):
                    return


@contextmanager
def _stop_on_sigterm() -> Iterator[list[bool]]:
    """SIGTERM ends the command after the look it is in (an archive is never left half-taken)."""
    stop = [False]

    def handler(_signum, _frame):
        stop[0] = True

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: Ctrl+C only
        yield stop
        return
    try:
        yield stop
    finally:
        signal.signal(signal.SIGTERM, previous)


def _wait(stop: list[bool], seconds: float) -> bool:
    """Sleep until the next look; True when the command is to stop."""
    deadline = time.monotonic() + seconds
    try:
        while not stop[0] and time.monotonic() < deadline:
            time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
    except KeyboardInterrupt:
        return True
    return stop[0]
