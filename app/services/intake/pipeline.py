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

import logging
import shutil
from pathlib import Path
from typing import Optional

from flask import current_app
from sqlalchemy import select

from app.core.collector import collector_paused
from app.extensions import db
from app.jobs.runtime import runs_beside_web_requests
from app.models.intake import ControlError, UploadedFile
from app.services.intake import ending
from app.services.intake.context import LoadContext
from app.services.intake.scale_out import flow
from app.services.intake.stage_table import STAGES, Stage  # noqa: F401 — Stage: the tests' own stages

log = logging.getLogger(__name__)


def load_file(file_id: int, in_parts: bool = True) -> dict:
    """Run the load of one file; returns :func:`summary` of it.  A big file is cut into chunks that
    the workers go on with (``LOAD_CHUNK_RECORDS``), unless ``in_parts`` is False: the command line
    loads each file to its end in its own process."""
    row = db.session.get(UploadedFile, file_id)
    if row is None:
        raise LookupError(f"файл {file_id} не найден")
    load = LoadContext.of(row, Path(current_app.config["DATA_DIR"]) / "work" / str(row.id))
    load.in_parts = in_parts
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
            if load.handed_off:  # cut into chunks: the workers of the chunks go on
                break
        else:
            ending.succeed(load)
    except Exception as exc:  # noqa: BLE001 — every failure ends the file in its status
        ending.fail_on(load, exc)
        load.handed_off = False
    finally:
        if not load.handed_off:
            shutil.rmtree(load.workdir, ignore_errors=True)
        if load.timings:
            log.info("file %s stages (s): %s", load.file_id, ", ".join(f"{k} {v:.1f}" for k, v in load.timings.items()))
    if load.handed_off:
        flow.cutting_done(load)


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
