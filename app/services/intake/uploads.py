"""Accepting uploaded archives: store each one, create its row «В очереди», queue its load.

Used by the page «Загрузка файла», the REST API and ``oms load`` alike — and by «Проверить без
загрузки» (``oms check``, ``POST …/files/check``): the same row and job with ``dry_run`` set
(:mod:`app.services.intake.dry_run`).
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Optional

from flask import current_app
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from app.core import audit
from app.core.outcome import Outcome
from app.extensions import db
from app.jobs.runtime import DEFAULT_QUEUE, QUEUE_DOWN, SMALL_LOADS_QUEUE, QueueUnavailable, check_queue, enqueue
from app.models.inbox import InboxArchive
from app.models.intake import UploadedFile
from app.models.organisation import Organisation, Subdivision
from app.models.user import OmsUser
from app.models.vocabulary import FILE_ERRORS, FILE_LOADING, FileChannel, FileStatus, OrgKind, Resource
from app.security.access import can
from app.security.permissions import PERM_WRITE
from app.security.request_scope import get_scoped, not_found_message
from app.services.intake import dry_run as checks
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
    dry_run: bool = False,
) -> list[UploadedFile]:
    """Store every archive and queue its load. Each archive is one row; a refusal of one
    (the same name still loading) refuses that archive only and is raised after the others.
    Nothing is stored when the queue is down (:data:`app.jobs.runtime.QUEUE_DOWN`).  ``channel``:
    how the archives came (the row's «канал»).  ``dry_run``: «Проверить без загрузки» — the same
    load, which keeps the protocol and stores no case; the checks older than ``CHECK_KEEP_DAYS``
    go first (:func:`app.services.intake.dry_run.purge_old_checks`)."""
    check_uploader(user)
    if run_job:
        _check_queue()
    if dry_run:
        checks.purge_old_checks()
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
            dry_run=dry_run,
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
            "file_check_started" if dry_run else "file_uploaded",
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


def queue_load(row: UploadedFile, user: Optional[OmsUser]) -> None:
    name = row.archive_name
    title = f"Проверка файла {name} без загрузки" if row.dry_run else f"Загрузка файла {name}"
    job = enqueue("app.jobs.intake_jobs.load_file", row.id, title=title, user=user, queue=load_queue(row.archive_path))
    db.session.query(UploadedFile).filter_by(id=row.id).update({"job_id": job.id})
    db.session.commit()


def load_queue(archive_path: Optional[str]) -> str:
    """The queue of a load by the size of its archive's content (the ZIP's directory says it without
    unpacking): a small file goes to the queue every worker looks at first — it never waits behind
    the chunks of big files, which come last (:data:`app.jobs.runtime.WORKER_QUEUES`)."""
    try:
        with zipfile.ZipFile(archive_path) as zf:
            size = sum(i.file_size for i in zf.infolist())
    except (OSError, TypeError, ValueError, zipfile.BadZipFile):
        return DEFAULT_QUEUE  # the load itself says what is wrong with it
    return SMALL_LOADS_QUEUE if size <= int(current_app.config["LOAD_SMALL_FILE_BYTES"]) else DEFAULT_QUEUE


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
    shutil.rmtree(file_data.check_folder(row.id), ignore_errors=True)  # a failed check's protocol
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


# -- the mail channel: an archive of the inbox folder (app.services.intake.inbox) ------------------------
class AlreadyReceived(UploadRefused):
    """The same archive, by its content, came by mail before: it is not loaded twice."""


class MailDeferred(UploadRefused):
    """The archive cannot be taken now (its name is still loading, the queue is down): nothing of it
    is kept, and it waits in the inbox for the next look."""


def accept_mail_archive(
    organisation: Organisation, subdivision: Optional[Subdivision], filename: str, stream: BinaryIO
) -> UploadedFile:
    """An archive of the mail channel, accepted as if its sender had uploaded it: stored, its row
    «В очереди» of the sender's МО (and subdivision) with no uploader and the channel «почта», its
    load queued.  The :class:`InboxArchive` row of its content hash is inserted first, in the same
    transaction, and its unique hash decides: of two copies (dropped again, or taken by two watchers
    at once) one goes through and the other gets :class:`AlreadyReceived`.  :class:`MailDeferred`
    when the name is still loading or the queue is down; :class:`UploadRefused` when it is too big."""
    name = safe_archive_name(filename)
    if _loading_name(organisation.id, name):
        raise MailDeferred(_still_loading_refusal(name))
    path, size, sha = _store(stream, current_app.config["MAX_CONTENT_LENGTH"])
    receipt = InboxArchive(sha256=sha, archive_name=name, organisation_id=organisation.id)
    db.session.add(receipt)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        path.unlink(missing_ok=True)
        raise AlreadyReceived(already_received(sha)) from None
    row = UploadedFile(
        organisation_id=organisation.id,
        subdivision_id=subdivision.id if subdivision is not None else None,
        uploaded_by_id=None,
        archive_name=name,
        archive_path=str(path),
        archive_size=size,
        archive_sha256=sha,
        status=FileStatus.QUEUED,
        channel=FileChannel.MAIL,
    )
    db.session.add(row)
    try:
        db.session.flush()  # the unique index of loading names, as for an upload
    except IntegrityError:
        db.session.rollback()
        path.unlink(missing_ok=True)
        raise MailDeferred(_still_loading_refusal(name)) from None
    receipt.file_id = row.id
    event = audit.record(
        "file_received_by_mail",
        object_type="UploadedFile",
        object_id=row.id,
        details={"archive": name, "size": size, "sha256": sha, "channel": FileChannel.MAIL.value},
    )
    event.organisation_id = organisation.id  # no user: the event is the sender's
    db.session.commit()
    try:
        queue_load(row, None)
    except QueueUnavailable:
        db.session.execute(delete(InboxArchive).where(InboxArchive.id == receipt.id))
        _discard([row])
        raise MailDeferred(QUEUE_DOWN) from None
    return row


def already_received(sha256: str) -> str:
    """Why a second copy of an archive is refused: when, and as which file, it came first."""
    first = db.session.query(InboxArchive).filter_by(sha256=sha256).one_or_none()
    if first is None:  # pragma: no cover - the row that refused the copy was removed meanwhile
        return "Архив уже получен ранее"
    when = first.received_at.strftime("%d.%m.%Y %H:%M")
    file_part = f", файл № {first.file_id}" if first.file_id else ""
    return f"Архив уже получен {when} (под именем «{first.archive_name}»{file_part}); повторно он не загружается"


def _loading_name(organisation_id: int, name: str) -> bool:
    return (
        db.session.query(UploadedFile.id)
        .filter(
            UploadedFile.organisation_id == organisation_id,
            UploadedFile.archive_name == name,
            UploadedFile.status.in_(FILE_LOADING),
        )
        .first()
        is not None
    )
