"""Accepting uploaded archives: store each one, create its row «В очереди», queue its load.

Used by the page «Загрузка файла», the REST API and ``oms load`` alike.
"""
from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Optional

from flask import current_app

from app.extensions import db
from app.models.intake import UploadedFile
from app.models.vocabulary import OrgKind
from app.models.vocabulary import FILE_LOADING, FileStatus
from app.core import audit
from app.models.user import OmsUser

CHUNK = 1024 * 1024


class UploadRefused(Exception):
    """The upload is refused before anything is stored; the message is for the user."""


@dataclass
class IncomingArchive:
    filename: str
    stream: BinaryIO


def safe_archive_name(filename: str) -> str:
    """The bare file name as the user's computer called it (no folders, no control characters)."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:255] or "archive.zip"


def check_uploader(user: OmsUser) -> None:
    org = getattr(user, "organisation", None)
    if org is None or org.kind != OrgKind.MO:
        raise UploadRefused("Загружать файлы могут только пользователи медицинских организаций")


def _store(stream: BinaryIO, limit: int) -> tuple[Path, int, str]:
    folder = Path(current_app.config["DATA_DIR"]) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.zip"
    digest = hashlib.sha256()
    size = 0
    try:
        with open(path, "wb") as out:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise UploadRefused(f"Архив больше допустимого размера ({limit // (1024 * 1024)} МБ)")
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, size, digest.hexdigest()


def still_loading(user: OmsUser, archive_name: str) -> Optional[UploadedFile]:
    """A file of the same organisation with this archive name that is still loading."""
    return (db.session.query(UploadedFile)
            .filter(UploadedFile.organisation_id == user.organisation_id,
                    UploadedFile.archive_name == archive_name,
                    UploadedFile.status.in_(FILE_LOADING))
            .first())


def accept_archives(user: OmsUser, archives: Iterable[IncomingArchive], *, run_job: bool = True) -> list[UploadedFile]:
    """Store every archive and queue its load. Each archive is one row; a refusal of one
    (the same name still loading) refuses that archive only and is raised after the others."""
    check_uploader(user)
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    rows, refusals = [], []
    for incoming in archives:
        name = safe_archive_name(incoming.filename)
        if still_loading(user, name) is not None:
            refusals.append(f"Архив «{name}» еще загружается. Дождитесь окончания загрузки и "
                            f"повторите попытку")
            continue
        path, size, sha = _store(incoming.stream, limit)
        row = UploadedFile(organisation_id=user.organisation_id, subdivision_id=user.subdivision_id,
                           uploaded_by_id=user.id, archive_name=name, archive_path=str(path),
                           archive_size=size, archive_sha256=sha, status=FileStatus.QUEUED)
        db.session.add(row)
        db.session.flush()
        audit.record("file_uploaded", user=user, object_type="UploadedFile", object_id=row.id,
                     details={"archive": name, "size": size, "sha256": sha})
        db.session.commit()
        rows.append(row)
    if run_job:
        for row in rows:
            queue_load(row, user)
    if refusals:
        raise UploadRefused("; ".join(refusals)) if not rows else PartialUpload(rows, refusals)
    return rows


class PartialUpload(UploadRefused):
    def __init__(self, rows: list[UploadedFile], refusals: list[str]) -> None:
        super().__init__("; ".join(refusals))
        self.rows = rows


def queue_load(row: UploadedFile, user: OmsUser) -> None:
    from app.jobs.runtime import enqueue

    job = enqueue("app.jobs.intake_jobs.load_file", row.id, title=f"Загрузка файла {row.archive_name}",
                  user=user)
    if row.job_id is None:
        db.session.query(UploadedFile).filter_by(id=row.id).update({"job_id": job.id})
        db.session.commit()


def remove_stored_archive(row: UploadedFile) -> None:
    if row.archive_path and os.path.exists(row.archive_path):
        os.unlink(row.archive_path)
