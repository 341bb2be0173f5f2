"""What a load writes for a file besides its cases: the control errors, the counts of the file row,
and the removal of all of it — by the load itself when it fails, and by «Удалить данные файла»
(refused while the file loads or when any of its cases is in a registry; one transaction)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterable, Optional

from flask import current_app
from sqlalchemy import delete, exists, func, select, update

from app.controls.finding import STAGE_FLK, STAGE_MEK, Finding
from app.core import audit
from app.core.bulk import insert_returning_ids
from app.core.outcome import Outcome
from app.extensions import db
from app.models.intake import CasePayload, ControlError, LoadChunk, MedicalCase, Patient, UploadedFile
from app.models.registry import CaseVersion
from app.models.user import OmsUser
from app.models.vocabulary import FILE_LOADING, CaseStatus, Resource
from app.security.access import can
from app.security.permissions import PERM_WRITE
from app.security.request_scope import get_scoped, not_found_message
from app.services.analytics.refresh import refresh_after_delete

STILL_LOADING = "Загрузка файлов еще не завершена. Попробуйте позже!"
IN_REGISTRY = "Невозможно удалить данные файла. Случаи файла уже находятся в реестре"
DELETED = "Данные файла удалены"
#: the counts of a file row whose load wrote nothing (or whose data was removed)
ZERO_COUNTS = dict(
    records=0,
    flk_rejected=0,
    flk_errors=0,
    mek_rejected=0,
    mek_errors=0,
    new_count=0,
    updated_count=0,
    unchanged_count=0,
    skipped_count=0,
)


# -- control errors ----------------------------------------------------------------------------------
def _clip(value: object, width: int) -> Optional[str]:
    return None if value is None else str(value)[:width]


def error_row(f: Finding, file_id: int, org_id: int, subdivision_id: Optional[int], case_id: Optional[int]) -> dict:
    """The ``control_error`` row of one finding (strings clipped to their columns)."""
    return {
        "file_id": file_id,
        "organisation_id": org_id,
        "subdivision_id": subdivision_id,
        "case_id": case_id,
        "stage": f.stage,
        "code": _clip(f.code, 20),
        "file_kind": f.file_kind[:1],
        "element": _clip(f.element, 40),
        "base_element": _clip(f.base_element, 40),
        "n_zap": _clip(f.n_zap, 8),
        "idcase": _clip(f.idcase, 11),
        "sl_id": _clip(f.sl_id, 36),
        "idserv": _clip(f.idserv, 36),
        "id_pac": _clip(f.id_pac, 36),
        "value": _clip(f.value, 250),
        "comment": _clip(f.comment, 250),
        "line": f.line,
        "fatal": bool(f.fatal),
    }


def save_findings(
    file_id: int,
    org_id: int,
    subdivision_id: Optional[int],
    findings: Iterable[Finding],
    case_ids: Optional[list[Optional[int]]] = None,
) -> None:
    """Write findings (``case_ids[i]`` the case of ``findings[i]``) and commit."""
    findings = list(findings)
    if not findings:
        return
    rows = [
        error_row(f, file_id, org_id, subdivision_id, case_ids[i] if case_ids else None) for i, f in enumerate(findings)
    ]
    insert_returning_ids(ControlError.__table__, rows)
    db.session.commit()


# -- counts of the file row ------------------------------------------------------------------------------
def file_counts(file_id: int) -> dict[str, int]:
    """Rejected on ФЛК / ФЛК errors, rejected on МЭК / МЭК errors: of the cases the file keeps.
    «Количество записей» is not among them: it is the records read from the file (the stage «ФЛК»
    writes it), which a re-upload that replaces or skips cases does not change."""
    flk_rejected, mek_rejected = db.session.execute(
        select(
            func.coalesce(func.sum(func.cast(MedicalCase.status == CaseStatus.FLK_REJECTED, db.Integer)), 0),
            func.coalesce(func.sum(func.cast(MedicalCase.status == CaseStatus.MEK_REJECTED, db.Integer)), 0),
        ).where(MedicalCase.file_id == file_id)
    ).one()
    by_stage = dict(
        db.session.execute(
            select(ControlError.stage, func.count()).where(ControlError.file_id == file_id).group_by(ControlError.stage)
        ).all()
    )
    return dict(
        flk_rejected=flk_rejected,
        mek_rejected=mek_rejected,
        flk_errors=by_stage.get(STAGE_FLK, 0),
        mek_errors=by_stage.get(STAGE_MEK, 0),
    )


def recount(file_id: int) -> None:
    """Write the counts of the file row from its rows (the caller commits)."""
    db.session.execute(update(UploadedFile).where(UploadedFile.id == file_id).values(**file_counts(file_id)))


# -- removal ----------------------------------------------------------------------------------------------
def remove_loaded_data(file_id: int, keep_errors: bool = False) -> None:
    """Remove everything a load wrote for this file: errors, payloads, cases, patients, versions
    (the caller commits).  ``keep_errors``: the errors stay, pointing to no case (the protocol of
    a dry run, «Проверить без загрузки»)."""
    case_ids = select(MedicalCase.id).where(MedicalCase.file_id == file_id)
    if keep_errors:
        db.session.execute(update(ControlError).where(ControlError.file_id == file_id).values(case_id=None))
    else:
        db.session.execute(delete(ControlError).where(ControlError.file_id == file_id))
    db.session.execute(delete(CasePayload).where(CasePayload.case_id.in_(case_ids)))
    db.session.execute(delete(MedicalCase).where(MedicalCase.file_id == file_id))
    db.session.execute(delete(Patient).where(Patient.file_id == file_id))
    db.session.execute(delete(CaseVersion).where(CaseVersion.file_id == file_id))
    remove_chunks(file_id)


def remove_chunks(file_id: int) -> None:
    """The parts of a load cut into chunks, with the findings they staged (the caller commits)."""
    db.session.execute(delete(LoadChunk).where(LoadChunk.file_id == file_id))


def check_folder(file_id: int) -> Path:
    """Where a dry run («Проверить без загрузки») keeps its protocol: ``DATA_DIR/checks/<id>``."""
    return Path(current_app.config["DATA_DIR"]) / "checks" / str(int(file_id))


def delete_file_data(user: OmsUser, file_id: int) -> Outcome:
    """«Удалить данные файла»: the file's rows and its stored archive."""
    row = get_scoped(user, UploadedFile, file_id, lock=True)
    if row is None or not can(user, PERM_WRITE, Resource.UPLOADED_FILE):
        db.session.rollback()
        return Outcome(False, not_found_message(UploadedFile))
    if row.status in FILE_LOADING:
        db.session.rollback()
        return Outcome(False, STILL_LOADING)
    in_registry = db.session.execute(
        select(exists().where(MedicalCase.file_id == file_id, MedicalCase.registry_id.is_not(None)))
    ).scalar()
    if in_registry:
        db.session.rollback()
        return Outcome(False, IN_REGISTRY)
    details = {
        "archive": row.archive_name,
        "h_name": row.h_name,
        "l_name": row.l_name,
        "records": row.records,
        "status": row.status,
        "uploaded_at": row.uploaded_at,
        "uploaded_by_id": row.uploaded_by_id,
    }
    remove_loaded_data(file_id)
    # the files whose cases it had replaced no longer point to it
    db.session.execute(update(UploadedFile).where(UploadedFile.replaced_by_id == file_id).values(replaced_by_id=None))
    archive = row.archive_path
    period = (row.organisation_id, row.year, row.month)  # «Аналитика» of the period, after the commit
    db.session.delete(row)
    audit.record("file_data_deleted", user=user, object_type="UploadedFile", object_id=file_id, details=details)
    db.session.commit()
    refresh_after_delete(*period)
    if archive:
        try:
            os.unlink(archive)
        except OSError:
            pass
    shutil.rmtree(check_folder(file_id), ignore_errors=True)  # a dry run's kept protocol
    return Outcome(True, DELETED)


def delete_files_data(user: OmsUser, file_ids: list[int]) -> list[Outcome]:
    """«Удалить данные файла» of the action panel: each file as by :func:`delete_file_data`."""
    return [delete_file_data(user, file_id) for file_id in file_ids]
