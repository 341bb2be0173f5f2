"""Loading one uploaded file, top-down: the stages in order, each a function of the typed
:class:`~app.services.intake.context.LoadContext`, with the file status it shows and the share of
the progress bar it covers.  The job function of the queue calls :func:`load_file`.

    «Проверка архива» → «ФЛК» → «Идентификация в ЕРЗ» → «МЭК» → «Перерасчет стоимости» →
    (re-upload versions) → «Процесс загрузки завершен»

Any stage may end the load with :class:`LoadFailed` (its status and note); a database error
ends it in «Ошибка при загрузке подготовленных данных», a crash of a control or of the reader in
«Ошибка при валидации данных».  A failure removes what the load wrote (unless the failure keeps
the ФЛК errors for the protocol) and the extracted files always go.  Re-uploads replace earlier
versions of the cases only in the last stage, so a load that fails before leaves them as they were.

A dry run («Проверить без загрузки», ``UploadedFile.dry_run``) runs the same stages (the last one
only counts) and then ends in «Проверка завершена» with its protocol kept and its cases removed
(:mod:`app.services.intake.dry_run`), never in «Процесс загрузки завершен».
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.controls.catalogue import RuleError
from app.core.collector import collector_paused
from app.extensions import db
from app.jobs.runtime import runs_beside_web_requests
from app.models.intake import ControlError, UploadedFile
from app.models.vocabulary import FileStatus
from app.services.analytics import refresh as analytics_refresh
from app.services.intake import dry_run, file_data
from app.services.intake.context import LoadContext, LoadFailed
from app.services.intake.stages import archive, erz, flk, mek, recalc, versions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stage:
    name: str
    status: FileStatus  # what the file row shows while it runs
    start: int  # the progress (%) when it starts
    share: int  # the part of the progress bar it covers
    run: Callable[[LoadContext], None]


STAGES: tuple[Stage, ...] = (
    Stage("archive", FileStatus.ARCHIVE, 2, 1, archive.open_archive),
    Stage("sender", FileStatus.ARCHIVE, 3, 2, archive.check_sender),
    Stage("flk", FileStatus.FLK, 5, 80, flk.run),
    Stage("erz", FileStatus.ERZ, 86, 3, erz.run),
    Stage("mek", FileStatus.MEK, 90, 4, mek.run),
    Stage("recalc", FileStatus.RECALC, 95, 4, recalc.run),
    Stage("versions", FileStatus.RECALC, 99, 1, versions.run),
)


def load_file(file_id: int) -> dict:
    """Run the whole load of one file; returns :func:`summary` of it."""
    row = db.session.get(UploadedFile, file_id)
    if row is None:
        raise LookupError(f"файл {file_id} не найден")
    load = LoadContext.of(row, Path(current_app.config["DATA_DIR"]) / "work" / str(row.id))
    # the collector is paused only where no web request is served meanwhile (see app.core.collector)
    with collector_paused(enabled=not runs_beside_web_requests()):
        run(load)
    db.session.expire_all()
    return summary(db.session.get(UploadedFile, file_id))


def run(load: LoadContext) -> None:
    try:
        for stage in STAGES:
            load.enter(stage.name, stage.status, stage.start, stage.share)
            stage.run(load)
        load.finish()
        if load.dry_run:  # «Проверить без загрузки»: the protocol stays, the cases go — never DONE
            dry_run.finish_check(load)
            return
        load.set_status(
            FileStatus.DONE, 100, note=None, finished_at=dt.datetime.now(), **file_data.file_counts(load.file_id)
        )
        analytics_refresh.refresh_after_load(load.file_id)  # «Аналитика»: this МО-period (never raises)
    except LoadFailed as failure:
        _fail(load, failure)
    except SQLAlchemyError as exc:
        _fail(load, LoadFailed(FileStatus.ERR_DB, f"Ошибка записи в базу данных: {_short(exc)}"))
    except RuleError as exc:
        _fail(load, LoadFailed(FileStatus.ERR_VALIDATION, f"Сбой проверки: {exc}"))
    except Exception as exc:  # noqa: BLE001 — a control or the reader crashed on this input, or the driver
        if _is_driver_error(exc):  # the driver's own (COPY through the raw connection)
            _fail(load, LoadFailed(FileStatus.ERR_DB, f"Ошибка записи в базу данных: {_short(exc)}"))
        else:
            log.exception("load of file %s crashed", load.file_id)
            _fail(load, LoadFailed(FileStatus.ERR_VALIDATION, f"Сбой при проверке данных: {type(exc).__name__}: {exc}"))
    finally:
        shutil.rmtree(load.workdir, ignore_errors=True)
        if load.timings:
            log.info("file %s stages (s): %s", load.file_id, ", ".join(f"{k} {v:.1f}" for k, v in load.timings.items()))


def _fail(load: LoadContext, failure: LoadFailed) -> None:
    db.session.rollback()
    load.finish()
    if load.dry_run:  # a failing check keeps no case either (app.services.intake.dry_run)
        dry_run.fail_check(load, failure)
        return
    if failure.cleanup:
        file_data.remove_loaded_data(load.file_id)
        values = dict(file_data.ZERO_COUNTS)
    else:
        values = file_data.file_counts(load.file_id)
    load.set_status(failure.status, 100, note=failure.note[:2000], finished_at=dt.datetime.now(), **values)


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


def summary(row: UploadedFile, max_errors: Optional[int] = None) -> dict:
    """The JSON of ``oms load`` (and ``oms check``) for one file: ``records`` is the number of ZAP
    records read from the file; ``new`` / ``updated`` / ``unchanged`` / ``skipped`` what the load did
    with them (a check: would do); ``dry_run`` — a check («Проверить без загрузки»), which stored
    no case."""
    fields = ("stage", "code", "element", "n_zap", "idcase", "sl_id", "value", "comment")
    # the columns only, not ControlError objects: a file may have a hundred thousand errors
    q = (
        select(*(getattr(ControlError, f) for f in fields))
        .where(ControlError.file_id == row.id)
        .order_by(ControlError.id)
    )
    if max_errors is not None:
        q = q.limit(max_errors)
    errors = [dict(zip(fields, e, strict=True)) for e in db.session.execute(q)]
    return {
        "file": row.archive_name,
        "file_id": row.id,
        "dry_run": bool(row.dry_run),
        "status": row.status,
        "note": row.note,
        "records": row.records,
        "flk_rejected": row.flk_rejected,
        "flk_errors": row.flk_errors,
        "mek_rejected": row.mek_rejected,
        **version_counts(row),
        "errors": errors,
    }


def version_counts(row: Optional[UploadedFile]) -> dict[str, int]:
    """What a load did against the versions already known, as ``oms load`` and the API name it:
    ``new``, ``updated``, ``unchanged``, ``skipped`` (already in a registry, not stored)."""
    if row is None:
        return dict(new=0, updated=0, unchanged=0, skipped=0)
    return dict(new=row.new_count, updated=row.updated_count, unchanged=row.unchanged_count, skipped=row.skipped_count)
