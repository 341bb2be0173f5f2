"""A load whose process died ends here: «Ошибка при загрузке подготовленных данных» with the note
«Загрузка прервана: …», everything it wrote removed (cases, payloads, patients, errors, versions)
and its work folder deleted.  Its cases were never visible to formation (only the cases of a file
«Процесс загрузки завершен» are), and the МО may then delete the file or load it again
(«Повторить»: :func:`app.services.intake.uploads.retry_load`)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models.intake import UploadedFile
from app.models.vocabulary import FILE_LOADING, FileStatus
from app.services.intake import file_data

INTERRUPTED = "Загрузка прервана: {}"


def work_folder(file_id: int) -> Path:
    return Path(current_app.config["DATA_DIR"]) / "work" / str(file_id)


def end_interrupted_load(file_id: int, reason: str) -> bool:
    """End the load of ``file_id`` if it still shows a loading status; False if it had ended."""
    row = db.session.execute(
        select(UploadedFile).where(UploadedFile.id == file_id).with_for_update()
    ).scalar_one_or_none()
    if row is None or row.status not in FILE_LOADING:
        db.session.rollback()
        return False
    file_data.remove_loaded_data(file_id)
    row.status = FileStatus.ERR_DB
    row.note = INTERRUPTED.format(reason)[:2000]
    row.progress = 100
    row.finished_at = dt.datetime.now()
    for column, value in file_data.ZERO_COUNTS.items():
        setattr(row, column, value)
    db.session.commit()
    shutil.rmtree(work_folder(file_id), ignore_errors=True)
    shutil.rmtree(file_data.check_folder(file_id), ignore_errors=True)  # a check's protocol half kept
    return True
