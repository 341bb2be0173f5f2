"""«Удалить данные файла»: the file's cases, patients and errors go in one transaction; refused
while the file loads or when any of its cases is in a registry."""
from __future__ import annotations

from sqlalchemy import exists, select

from app.extensions import db
from app.models.intake import MedicalCase, UploadedFile
from app.models.vocabulary import FILE_LOADING
from app.security.access import can
from app.security.scope import Scope
from app.core import audit
from app.core.outcome import Outcome
from app.security.request_scope import not_found_message
from app.services.intake.pipeline import delete_file_data as remove_loaded_data
from app.models.vocabulary import Resource
from app.security.permissions import PERM_WRITE

STILL_LOADING = "Загрузка файлов еще не завершена. Попробуйте позже!"
IN_REGISTRY = "Невозможно удалить данные файла. Случаи файла уже находятся в реестре"
DELETED = "Данные файла удалены"


def delete_file_data(user, file_id: int) -> Outcome:
    scope = Scope.of(user)
    row = db.session.execute(select(UploadedFile).where(UploadedFile.id == file_id,
                                                        scope.clause(UploadedFile))
                             .with_for_update()).scalar_one_or_none()
    if row is None or not can(user, PERM_WRITE, Resource.UPLOADED_FILE):
        return Outcome(False, not_found_message(UploadedFile))
    if row.status in FILE_LOADING:
        return Outcome(False, STILL_LOADING)
    in_registry = db.session.execute(select(exists().where(
        MedicalCase.file_id == file_id, MedicalCase.registry_id.is_not(None)))).scalar()
    if in_registry:
        db.session.rollback()
        return Outcome(False, IN_REGISTRY)
    details = {"archive": row.archive_name, "h_name": row.h_name, "l_name": row.l_name,
               "records": row.records, "status": row.status, "uploaded_at": row.uploaded_at,
               "uploaded_by_id": row.uploaded_by_id}
    remove_loaded_data(file_id, commit=False)
    archive = row.archive_path
    db.session.delete(row)
    audit.record("file_data_deleted", user=user, object_type="UploadedFile", object_id=file_id, details=details)
    db.session.commit()
    if archive:
        import os

        try:
            os.unlink(archive)
        except OSError:
            pass
    return Outcome(True, DELETED)
