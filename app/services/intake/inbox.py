"""The mail channel: an МО with a poor connection sends its archives by protected mail, the mail
puts them into a folder of the fund's server (``INBOX_DIR``), and each archive is loaded as if its
sender had uploaded it on «Загрузка файла».

One look at the folder is :func:`poll`.  An archive is taken when it is complete — its size and
time unchanged for ``INBOX_SETTLE_SECONDS`` (hidden names and ``.tmp``/``.part`` are never taken) —
and claimed by an atomic rename into the hidden working folder, so that of several watchers (the
``rq worker`` processes, the embedded server, ``oms watch-inbox``) exactly one takes it.  Then:

- the safe archive checks (:func:`app.formats.archive.open_pair`, in a temporary folder) and the
  sender, the МО or subdivision whose code is Ni of the cases file's name;
- :func:`app.services.intake.uploads.accept_mail_archive`: the row of the sender «В очереди», the
  load queued, the content hash recorded (an archive is never loaded twice);
- the archive goes to ``processed/``, or to ``rejected/`` with ``<name>.txt`` saying why in
  Russian; an archive that cannot be taken now (its name still loading, the queue down) goes back.

A claimed archive whose watcher died stays in the working folder; after ``STALE_CLAIM_SECONDS``
the next look puts it back into the folder.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional, Union

from flask import current_app

from app.core import audit
from app.core.formatting import format_datetime
from app.extensions import db
from app.formats.archive import ArchiveError, open_pair
from app.formats.names import PARTY_TITLES
from app.jobs.runtime import QueueUnavailable, check_queue
from app.models.base import utcnow
from app.models.organisation import Organisation, Subdivision
from app.models.vocabulary import OrgKind
from app.services.intake.uploads import AlreadyReceived, MailDeferred, UploadRefused, accept_mail_archive

log = logging.getLogger(__name__)

PROCESSED = "processed"
REJECTED = "rejected"
WORKING = ".oms-working"  # hidden: claimed archives while they are taken
IGNORED_SUFFIXES = (".tmp", ".part")
STALE_CLAIM_SECONDS = 3600  # a claim this old belongs to a watcher that died
CHUNK = 1024 * 1024

LOADED, REJECTED_OUTCOME, DEFERRED = "loaded", "rejected", "deferred"

#: what each folder looked like at this process's last look: {folder: {name: (size, mtime_ns)}}
_last_seen: dict[str, dict[str, tuple[int, int]]] = {}

PathLike = Union[str, os.PathLike]


@dataclass(frozen=True)
class InboxResult:
    """What became of one archive of the folder."""

    archive: str  # its name in the folder
    outcome: str  # loaded, rejected, deferred
    reason: Optional[str] = None  # why rejected or deferred (Russian)
    file_id: Optional[int] = None  # the row of «Загрузка файла»
    moved_to: Optional[str] = None  # where the archive went

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Sender:
    organisation: Organisation
    subdivision: Optional[Subdivision]


class Refusal(Exception):
    """The archive is not taken; ``str(exc)`` is the reason for ``<name>.txt``."""


def poll(inbox_dir: PathLike, settle_seconds: Optional[float] = None) -> list[InboxResult]:
    """One look at the inbox folder: every complete archive is taken (loaded, rejected or put back
    for later); returns what became of each.  Nothing is taken while the queue is down."""
    inbox = Path(inbox_dir)
    if not inbox.is_dir():
        raise NotADirectoryError(f"Папка почтового канала {inbox} не найдена")
    settle = current_app.config["INBOX_SETTLE_SECONDS"] if settle_seconds is None else settle_seconds
    for sub in (PROCESSED, REJECTED, WORKING):
        (inbox / sub).mkdir(exist_ok=True)
    _return_stale_claims(inbox)
    ready = ready_files(inbox, settle)
    if not ready:
        return []
    try:
        check_queue()
    except QueueUnavailable:
        log.warning("inbox %s: the queue is down, %d archive(s) wait", inbox, len(ready))
        return []
    results = []
    for name in ready:
        claimed = _claim(inbox, name)
        if claimed is not None:
            results.append(_take(inbox, claimed, name))
    return results


# -- which files are complete --------------------------------------------------------------------
def ready_files(inbox: Path, settle: float) -> list[str]:
    """Names of the folder's archives that are complete: not hidden, not ``.tmp``/``.part``, their
    time at least ``settle`` seconds old and, if this process looked before, their size and time
    as they were then (a copy still being written changes them).  Oldest first."""
    now = time.time()
    seen: dict[str, tuple[int, int]] = {}
    ready: list[tuple[float, str]] = []
    previous = _last_seen.get(str(inbox.resolve()), {})
    with os.scandir(inbox) as entries:
        for entry in entries:
            if not _candidate(entry):
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:  # taken meanwhile
                continue
            seen[entry.name] = (st.st_size, st.st_mtime_ns)
            unchanged = previous.get(entry.name, seen[entry.name]) == seen[entry.name]
            if unchanged and now - st.st_mtime >= settle:
                ready.append((st.st_mtime, entry.name))
                del seen[entry.name]  # taken now: a later file of this name is a new one
    _last_seen[str(inbox.resolve())] = seen
    return [name for _, name in sorted(ready)]


def _candidate(entry: os.DirEntry) -> bool:
    """A regular file the mail put there (the subfolders, hidden names, unfinished copies are not)."""
    name = entry.name
    if name.startswith(".") or name.lower().endswith(IGNORED_SUFFIXES):
        return False
    return entry.is_file(follow_symlinks=False)


# -- claiming ------------------------------------------------------------------------------------
def _claim(inbox: Path, name: str) -> Optional[Path]:
    """Move the archive into the working folder under a name of this claim (atomic: of two
    watchers, one gets it and the other finds it gone)."""
    claimed = _claim_path(inbox, name)
    try:
        os.rename(inbox / name, claimed)
    except FileNotFoundError:
        return None
    return claimed


def _claim_path(inbox: Path, name: str) -> Path:
    """``<seconds>-<random>--<name>`` in the working folder: when it was claimed, and the name."""
    return inbox / WORKING / f"{int(time.time())}-{uuid.uuid4().hex[:12]}--{name}"


def _claimed_name(claimed: Path) -> str:
    return claimed.name.split("--", 1)[1] if "--" in claimed.name else claimed.name


def _return_stale_claims(inbox: Path) -> None:
    """Archives claimed by a watcher that died (a claim older than ``STALE_CLAIM_SECONDS``) go
    back into the folder for the next look (one already loaded is then refused as received)."""
    now = time.time()
    for claimed in (inbox / WORKING).iterdir():
        stamp = claimed.name.split("-", 1)[0]
        if not stamp.isdigit() or now - int(stamp) < STALE_CLAIM_SECONDS:
            continue
        again = _claim_path(inbox, _claimed_name(claimed))
        try:
            os.rename(claimed, again)  # claimed anew: of two watchers, one returns it
        except FileNotFoundError:
            continue
        target = _move_unique(again, inbox, _claimed_name(again))
        log.warning("inbox %s: %s returned from a dead watcher's claim", inbox, target.name)


# -- taking one archive ----------------------------------------------------------------------------
def _take(inbox: Path, claimed: Path, name: str) -> InboxResult:
    sender: Optional[Sender] = None
    try:
        sender = find_sender(claimed)
        with open(claimed, "rb") as stream:
            row = accept_mail_archive(sender.organisation, sender.subdivision, name, stream)
    except MailDeferred as wait:
        back = _move_unique(claimed, inbox, name)
        log.info("inbox %s: %s waits: %s", inbox, name, wait)
        return InboxResult(name, DEFERRED, str(wait), moved_to=str(back))
    except (Refusal, AlreadyReceived, UploadRefused) as refused:
        return _reject(inbox, claimed, name, str(refused), sender)
    except Exception:
        db.session.rollback()
        _move_unique(claimed, inbox, name)  # the next look tries again
        raise
    done = _move_unique(claimed, inbox / PROCESSED, name)
    log.info("inbox %s: %s loaded as file %s", inbox, name, row.id)
    return InboxResult(name, LOADED, file_id=row.id, moved_to=str(done))


def find_sender(archive: Path) -> Sender:
    """The МО (and subdivision) that sent the archive: Ni of its cases file's name, after the safe
    archive checks (run in a temporary folder that goes at once).  :class:`Refusal` otherwise."""
    cfg = current_app.config
    scratch = Path(cfg["DATA_DIR"]) / "inbox-check"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch) as workdir:
        try:
            pair = open_pair(
                archive,
                workdir,
                max_total_bytes=cfg["ARCHIVE_MAX_UNPACKED_BYTES"],
                max_ratio=cfg["ARCHIVE_MAX_RATIO"],
            )
        except ArchiveError as exc:
            raise Refusal(exc.note) from None
    h = pair.h_file
    if h.sender_kind != "M":
        title = PARTY_TITLES.get(h.sender_kind, h.sender_kind)
        raise Refusal(
            f"Отправитель в имени файла {pair.h_stem} — {title} ({h.sender_kind}{h.sender_code}), а не "
            "медицинская организация: по почте принимаются только реестры МО"
        )
    return sender_of(h.sender_code, pair.h_stem)


def sender_of(code: str, file_name: str) -> Sender:
    """The МО of this code, or the МО of the subdivision of this code; :class:`Refusal` for a code
    the system does not know, one that is not an МО's, or one switched off."""
    org = db.session.query(Organisation).filter_by(code=code).one_or_none()
    sub = None
    if org is None:
        sub = db.session.query(Subdivision).filter_by(code=code).one_or_none()
        if sub is None:
            raise Refusal(
                f"Отправитель с кодом {code} (имя файла {file_name}) не найден среди медицинских организаций "
                "и их подразделений"
            )
        if not sub.is_active:
            raise Refusal(f"Подразделение {code} «{sub.name}» отключено в системе")
        org = sub.organisation
    if org.kind != OrgKind.MO:
        raise Refusal(
            f"Код {code} в имени файла {file_name} принадлежит организации «{org.short_name or org.name}» "
            f"({OrgKind.label_of(org.kind)}), а не медицинской организации"
        )
    if not org.is_active:
        raise Refusal(f"Медицинская организация {org.code} «{org.short_name or org.name}» отключена в системе")
    return Sender(org, sub)


def _reject(inbox: Path, claimed: Path, name: str, reason: str, sender: Optional[Sender]) -> InboxResult:
    """Into ``rejected/`` with ``<name>.txt`` beside it; audited.  No :class:`InboxArchive` row: a
    refused archive may come again once the refusal's cause is gone (the МО entered, say)."""
    db.session.rollback()
    sha = _sha256(claimed)
    target = _move_unique(claimed, inbox / REJECTED, name)
    text = f"{reason}\n\nАрхив: {name}\nОтклонен: {format_datetime(utcnow())}\nSHA-256: {sha}\n"
    target.with_name(target.name + ".txt").write_text(text, encoding="utf-8")
    event = audit.record(
        "inbox_archive_rejected",
        details={"archive": name, "reason": reason, "sha256": sha, "moved_to": target.name},
    )
    event.organisation_id = sender.organisation.id if sender is not None else None
    db.session.commit()
    log.info("inbox %s: %s rejected: %s", inbox, name, reason)
    return InboxResult(name, REJECTED_OUTCOME, reason, moved_to=str(target))


# -- files -----------------------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _move_unique(src: Path, folder: Path, name: str) -> Path:
    """Move ``src`` into ``folder`` as ``name``, or, when that name (or its ``.txt``) is taken, as
    ``ГГГГММДД-ЧЧММСС-name`` (and a number after it): nothing there is ever overwritten.  A hard
    link makes the move fail rather than replace a file another watcher put there meanwhile."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    candidates = [name, f"{stamp}-{name}"] + [f"{stamp}-{n}-{name}" for n in range(2, 1000)]
    for candidate in candidates:
        target = folder / candidate
        if target.exists() or target.with_name(candidate + ".txt").exists():
            continue
        try:
            os.link(src, target)
        except FileExistsError:
            continue
        except OSError:  # a file system without hard links: the check above is the guard
            os.rename(src, target)
            return target
        src.unlink()
        return target
    raise FileExistsError(f"{folder / name}: no free name")
