"""«Проверить без загрузки» (a dry run): an archive goes through the whole load — the archive, the
ФЛК, the identification in the ЕРЗ, the МЭК against the current database (duplicates of earlier
files and periods included), the recalculation, the re-upload count — and leaves nothing but its
protocol.

A check is an :class:`UploadedFile` row with ``dry_run`` set, accepted by
:func:`app.services.intake.uploads.accept_archives` (``dry_run=True``) and run by the same job and
the same stages (:mod:`app.services.intake.pipeline`).  The stage «versions» only counts (no earlier
file is touched).  Then :func:`finish_check`:

* writes the protocol a load's downloads serve — FLK_P (XML) and its XLSX, by the same functions
  of :mod:`app.services.intake.reports` — under ``DATA_DIR/checks/<file id>/`` while the patients
  are still there (the XLSX names them);
* sets the file's counts, then removes the check's cases, patients, payloads and version rows;
  its errors stay, pointing to no case (the errors by code, the error lines and the API's error
  list read them);
* ends in «Проверка завершена» (never «Процесс загрузки завершен»).

Its cases were never visible (only a file «Процесс загрузки завершен» shows its cases to formation,
to the lists and to the checks against earlier cases) and are gone at the end, so a later load of
the same archive finds every case new.  The archive of a finished check is removed too: nothing
runs it again («Повторить» is for a failed one).

A failing check ends as a failing load does (its status, its note, nothing of it left); when the
failure keeps the ФЛК errors for the protocol (no case passed the ФЛК), the check keeps its
protocol as a finished one does and removes its cases.

Old checks go: :func:`purge_old_checks` removes the checks accepted more than ``CHECK_KEEP_DAYS``
days ago (rows, errors, kept protocols, archives) whenever a new check is accepted.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Optional

from flask import current_app
from sqlalchemy import delete, select

from app.extensions import db
from app.models.base import utcnow
from app.models.intake import CasePayload, ControlError, MedicalCase, Patient, UploadedFile
from app.models.registry import CaseVersion
from app.models.vocabulary import FILE_LOADING, FileStatus
from app.services.intake import file_data, reports
from app.services.intake.context import LoadContext, LoadFailed

log = logging.getLogger(__name__)

#: what the row of a check says under its status, and the cases pages of a check
CHECK_LABEL = "Проверка без загрузки"
NO_CASES = "Это проверка без загрузки: случаи файла не сохранялись. Ошибки и протокол — в карточке файла"
#: the kept protocol of a check, in :func:`app.services.intake.file_data.check_folder`
PROTOCOL_FILES = {"xml": "protocol.xml", "xlsx": "protocol.xlsx"}


# -- the end of a check ------------------------------------------------------------------------------
def finish_check(load: LoadContext) -> None:
    """The stages have run: keep the protocol, remove the cases, «Проверка завершена»; the archive
    goes once the row says so."""
    archive = load.archive_path
    _keep_protocol(load, FileStatus.CHECKED, None, archive_path=None)
    if archive:
        Path(archive).unlink(missing_ok=True)


def fail_check(load: LoadContext, failure: LoadFailed) -> None:
    """A check ended by ``failure`` (the caller rolled back): its status and note, as a load's.
    A failure that keeps the ФЛК errors keeps the protocol (:func:`finish_check`'s way) — if that
    cannot be done, or the failure keeps nothing, nothing of the check stays."""
    note = failure.note[:2000]
    shutil.rmtree(file_data.check_folder(load.file_id), ignore_errors=True)
    if not failure.cleanup:
        try:
            _keep_protocol(load, failure.status, note)
            return
        except Exception:  # noqa: BLE001 — the database or the disk: then the check keeps nothing
            log.exception("check of file %s: the protocol could not be kept", load.file_id)
            db.session.rollback()
            shutil.rmtree(file_data.check_folder(load.file_id), ignore_errors=True)
    file_data.remove_loaded_data(load.file_id)
    load.set_status(failure.status, 100, note=note, finished_at=dt.datetime.now(), **file_data.ZERO_COUNTS)


def _keep_protocol(load: LoadContext, status: FileStatus, note: Optional[str], **values: object) -> None:
    """Write FLK_P and the XLSX of the check, set its counts, remove its cases (keeping the
    errors) and end it in ``status`` — one transaction, committed by ``set_status``."""
    row = db.session.get(UploadedFile, load.file_id, populate_existing=True)
    counts = file_data.file_counts(load.file_id)
    folder = file_data.check_folder(load.file_id)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.move(reports.write_protocol_xml(row), folder / PROTOCOL_FILES["xml"])
    shutil.move(reports.write_protocol_xlsx(row), folder / PROTOCOL_FILES["xlsx"])
    file_data.remove_loaded_data(load.file_id, keep_errors=True)
    load.set_status(status, 100, note=note, finished_at=dt.datetime.now(), **counts, **values)


# -- the protocol's downloads -------------------------------------------------------------------------
def protocol_download(file: UploadedFile, ext: str) -> Path:
    """The protocol of a file the caller read through the user's scope, as a temporary file the
    caller sends and removes: ``ext`` "xml" (FLK_P) or "xlsx".  A check's are the bytes it kept
    (written while its patients were there); a load's are written from its rows."""
    if ext not in PROTOCOL_FILES:
        raise ValueError(f"protocol format {ext!r}")
    kept = file_data.check_folder(file.id) / PROTOCOL_FILES[ext]
    if file.dry_run and kept.is_file():
        tmp = Path(tempfile.mkstemp(suffix=f".{ext}", prefix="flk_p_")[1])
        shutil.copyfile(kept, tmp)
        return tmp
    return reports.write_protocol_xml(file) if ext == "xml" else reports.write_protocol_xlsx(file)


# -- old checks ----------------------------------------------------------------------------------------
def purge_old_checks() -> int:
    """Remove the checks accepted more than ``CHECK_KEEP_DAYS`` days ago that no longer run: their
    rows, errors (and anything a broken run left), kept protocols and archives.  One query when
    there is none; commits (the files go once the rows have).  Returns how many went."""
    cutoff = utcnow() - dt.timedelta(days=int(current_app.config.get("CHECK_KEEP_DAYS", 7)))
    old = db.session.execute(
        select(UploadedFile.id, UploadedFile.archive_path).where(
            UploadedFile.dry_run.is_(True),
            UploadedFile.uploaded_at < cutoff,
            UploadedFile.status.not_in(FILE_LOADING),
        )
    ).all()
    if not old:
        return 0
    ids = [file_id for file_id, _ in old]
    db.session.execute(delete(ControlError).where(ControlError.file_id.in_(ids)))
    cases = select(MedicalCase.id).where(MedicalCase.file_id.in_(ids))
    db.session.execute(delete(CasePayload).where(CasePayload.case_id.in_(cases)))
    for model in (MedicalCase, Patient, CaseVersion):
        db.session.execute(delete(model).where(model.file_id.in_(ids)))
    db.session.execute(delete(UploadedFile).where(UploadedFile.id.in_(ids), UploadedFile.dry_run.is_(True)))
    db.session.commit()
    for file_id, archive in old:
        shutil.rmtree(file_data.check_folder(file_id), ignore_errors=True)
        if archive:
            Path(archive).unlink(missing_ok=True)
    log.info("removed %s checks older than %s", len(ids), cutoff)
    return len(ids)
