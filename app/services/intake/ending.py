"""How a load ends — in its own job (:mod:`app.services.intake.pipeline`) or in the last part of a
load cut into chunks (:mod:`app.services.intake.scale_out.flow`), the same way:

- :func:`succeed`: «Процесс загрузки завершен» with the file's counts (a check without loading:
  «Проверка завершена», :mod:`app.services.intake.dry_run`);
- :func:`fail_on`: an exception becomes the file's error status — :class:`LoadFailed` its own, a
  database error «Ошибка при загрузке подготовленных данных», a crash of a control or of the reader
  «Ошибка при валидации данных» — and what the load wrote is removed (unless the failure keeps the
  ФЛК errors for the protocol).  The first failure of a file wins: a part that fails after another
  part ended the file changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.controls.catalogue import RuleError
from app.extensions import db
from app.models.intake import UploadedFile
from app.models.vocabulary import FILE_LOADING, FileStatus
from app.services.analytics import refresh as analytics_refresh
from app.services.intake import dry_run, file_data
from app.services.intake.context import LoadContext, LoadFailed

log = logging.getLogger(__name__)


def succeed(load: LoadContext) -> None:
    load.finish()
    if load.dry_run:  # «Проверить без загрузки»: the protocol stays, the cases go — never DONE
        dry_run.finish_check(load)
        return
    load.set_status(
        FileStatus.DONE,
        100,
        note=None,
        finished_at=dt.datetime.now(),
        chunks_left=None,
        **file_data.file_counts(load.file_id),
    )
    analytics_refresh.refresh_after_load(load.file_id)  # «Аналитика»: this МО-period (never raises)


def failure_of(exc: BaseException) -> LoadFailed:
    """The status and note an exception of a load ends it with."""
    if isinstance(exc, LoadFailed):
        return exc
    if isinstance(exc, SQLAlchemyError) or _is_driver_error(exc):  # the driver's own: COPY through the raw connection
        return LoadFailed(FileStatus.ERR_DB, f"Ошибка записи в базу данных: {_short(exc)}")
    if isinstance(exc, RuleError):
        return LoadFailed(FileStatus.ERR_VALIDATION, f"Сбой проверки: {exc}")
    log.error("load crashed", exc_info=exc)  # a control or the reader crashed on this input
    return LoadFailed(FileStatus.ERR_VALIDATION, f"Сбой при проверке данных: {type(exc).__name__}: {exc}")


def fail_on(load: LoadContext, exc: BaseException) -> None:
    fail(load, failure_of(exc))


def fail(load: LoadContext, failure: LoadFailed) -> None:
    db.session.rollback()
    load.finish()
    if load.dry_run:  # a failing check keeps no case either (app.services.intake.dry_run)
        dry_run.fail_check(load, failure)
        return
    # the parts of a load cut into chunks hold the row while they write (FOR KEY SHARE): this waits
    # for them, and a part that ended the file first leaves nothing to do here
    status = db.session.execute(
        select(UploadedFile.status).where(UploadedFile.id == load.file_id).with_for_update()
    ).scalar()
    if status not in FILE_LOADING:
        db.session.rollback()
        return
    if failure.cleanup:
        file_data.remove_loaded_data(load.file_id)
        values = dict(file_data.ZERO_COUNTS)
    else:
        file_data.remove_chunks(load.file_id)
        values = file_data.file_counts(load.file_id)
    load.set_status(
        failure.status, 100, note=failure.note[:2000], finished_at=dt.datetime.now(), chunks_left=None, **values
    )
    shutil.rmtree(load.workdir, ignore_errors=True)


def _is_driver_error(exc: BaseException) -> bool:
    """A DB-API error raised past SQLAlchemy (PostgreSQL COPY through the raw connection)."""
    import sqlite3

    if isinstance(exc, sqlite3.Error):
        return True
    try:
        import psycopg
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, psycopg.Error)


def _short(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig or exc).splitlines()[0][:500]
