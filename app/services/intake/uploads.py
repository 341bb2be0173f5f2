"""Accepting uploaded archives: store each one, create its row «В очереди», queue its load.

Used by the page «Загрузка файла», the REST API and ``oms load`` alike.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Optional

from flask import current_app
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from app.core import audit
from app.core.outcome import Outcome
from app.extensions import db
from app.jobs.runtime import QUEUE_DOWN, QueueUnavailable, check_queue, enqueue
from app.models.intake import UploadedFile
from app.models.user import OmsUser
from app.models.vocabulary import FILE_ERRORS, FILE_LOADING, FileChannel, FileStatus, OrgKind, Resource
from app.security.access import can
from app.security.permissions import PERM_WRITE
from app.security.request_scope import get_scoped, not_found_message
from app.services.intake import file_data

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
    return (
        db.session.query(UploadedFile)
        .filter(
            UploadedFile.organisation_id == user.organisation_id,
            UploadedFile.archive_name == archive_name,
            UploadedFile.status.in_(FILE_LOADING),
        )
        .first()
    )


def _still_loading_refusal(name: str) -> str:
    return f"Архив «{name}» еще загружается. Дождитесь окончания загрузки и повторите попытку"


def accept_archives(
    user: OmsUser,
    archives: Iterable[IncomingArchive],
    *,
    run_job: bool = True,
    channel: FileChannel = FileChannel.WEB,
) -> list[UploadedFile]:
    """Store every archive and queue its load. Each archive is one row; a refusal of one
    (the same name still loading) refuses that archive only and is raised after the others.
    Nothing is stored when the queue is down (:data:`app.jobs.runtime.QUEUE_DOWN`).  ``channel``:
    how the archives came (the row's «канал»)."""
    check_uploader(user)
    if run_job:
        _check_queue()
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    rows, refusals = [], []
    for incoming in archives:
        name = safe_archive_name(incoming.filename)
        if still_loading(user, name) is not None:
            refusals.append(_still_loading_refusal(name))
            continue
        path, size, sha = _store(incoming.stream, limit)
        row = UploadedFile(
            organisation_id=user.organisation_id,
            subdivision_id=user.subdivision_id,
            uploaded_by_id=user.id,
            archive_name=name,
            archive_path=str(path),
            archive_size=size,
            archive_sha256=sha,
            status=FileStatus.QUEUED,
            channel=channel,
        )
        db.session.add(row)
        try:
            db.session.flush()  # the unique index of loading names: one upload of a name at a time
        except IntegrityError:
            db.session.rollback()
            path.unlink(missing_ok=True)
            refusals.append(_still_loading_refusal(name))
            continue
        audit.record(
            "file_uploaded",
            user=user,
            object_type="UploadedFile",
            object_id=row.id,
            details={"archive": name, "size": size, "sha256": sha, "channel": channel.value},
        )
        db.session.commit()
        rows.append(row)
    if run_job:
        for n, row in enumerate(rows):
            try:
                queue_load(row, user)
            except QueueUnavailable:
                _discard(rows[n:])
                rows = rows[:n]
                refusals.append(QUEUE_DOWN)
                break
    if refusals:
        raise UploadRefused("; ".join(refusals)) if not rows else PartialUpload(rows, refusals)
    return rows


def _check_queue() -> None:
    try:
        check_queue()
    except QueueUnavailable:
        raise UploadRefused(QUEUE_DOWN) from None


def _discard(rows: list[UploadedFile]) -> None:
    """Rows whose load could not be queued: neither they nor their archives stay."""
    for row in rows:
        if row.archive_path:
            Path(row.archive_path).unlink(missing_ok=True)
        db.session.execute(delete(UploadedFile).where(UploadedFile.id == row.id))
    db.session.commit()


class PartialUpload(UploadRefused):
    def __init__(self, rows: list[UploadedFile], refusals: list[str]) -> None:
        super().__init__("; ".join(refusals))
        self.rows = rows


def queue_load(row: UploadedFile, user: OmsUser) -> None:
    job = enqueue("app.jobs.intake_jobs.load_file", row.id, title=f"Загрузка файла {row.archive_name}", user=user)
    db.session.query(UploadedFile).filter_by(id=row.id).update({"job_id": job.id})
    db.session.commit()


RETRY_ONLY_FAILED = "Повторить можно только загрузку, завершившуюся ошибкой"
ARCHIVE_LOST = "Архив файла не сохранился: загрузите его заново"
RETRIED = "Загрузка файла «{}» запущена повторно"


def retry_load(user: OmsUser, file_id: int) -> Outcome:
    """«Повторить»: load a file that ended in an error again from its stored archive (what the
    failed load left is removed first)."""
    row = get_scoped(user, UploadedFile, file_id, lock=True)
    if row is None or not can(user, PERM_WRITE, Resource.UPLOADED_FILE):
        db.session.rollback()
        return Outcome(False, not_found_message(UploadedFile))
    if row.status not in FILE_ERRORS:
        db.session.rollback()
        return Outcome(False, RETRY_ONLY_FAILED)
    if not row.archive_path or not Path(row.archive_path).is_file():
        db.session.rollback()
        return Outcome(False, ARCHIVE_LOST)
    try:
        check_queue()
    except QueueUnavailable:
        db.session.rollback()
        return Outcome(False, QUEUE_DOWN)
    file_data.remove_loaded_data(row.id)
    previous = row.status
    for column, value in file_data.ZERO_COUNTS.items():
        setattr(row, column, value)
    row.status, row.note, row.progress, row.finished_at = FileStatus.QUEUED, None, 0, None
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return Outcome(False, _still_loading_refusal(row.archive_name))
    audit.record(
        "file_load_retried",
        user=user,
        object_type="UploadedFile",
        object_id=row.id,
        details={"archive": row.archive_name, "after": previous},
    )
    db.session.commit()
    try:
        queue_load(row, user)
    except QueueUnavailable:
        row.status, row.note = previous, QUEUE_DOWN
        db.session.commit()
        return Outcome(False, QUEUE_DOWN)
    return Outcome(True, RETRIED.format(row.archive_name))
