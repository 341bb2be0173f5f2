"""The files side of a registry's timeline: the uploads its cases came from, what each load said
(status, counts, the rule catalogue and the НСИ in force at its ФЛК/МЭК), the earlier files whose
cases these replaced (``UploadedFile.replaced_by_id``), the later files whose versions were skipped
because the cases were already in this registry (``CaseVersion``), and the registries of the same
cases deleted before this one was formed (the audit of their deletion names their files).

Read only; the caller (:mod:`app.services.registries.timeline`) has checked the registry's scope.
Everything shown of another registry is of one the viewer could see too: the same МО, payer and
subdivision."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Optional

from sqlalchemy import func, select

from app.core.formatting import format_datetime, format_money
from app.extensions import db
from app.models.audit import EVENTS, AuditEvent
from app.models.intake import MedicalCase, UploadedFile
from app.models.registry import CaseVersion, Registry
from app.models.user import OmsUser
from app.models.vocabulary import FileChannel, Resource, SigningMethod
from app.security.access import can
from app.security.permissions import PERM_READ
from app.security.scope import Scope
from app.services.accounts.people import person_name
from app.services.reference.in_force import read_nsi_versions
from app.services.signing.registry_signing import role_name

MAX_GENERATIONS = 50  # re-uploads followed back from a source file (a chain longer than any real one)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def ru_dates(text: str) -> str:
    """«2025-10-01 12:00:00» → «01.10.2025 12:00:00»: the stored version texts as people read dates."""
    return _ISO_DATE.sub(r"\3.\2.\1", text or "")


@dataclass(frozen=True)
class Link:
    """A link of an entry: the page's endpoint and its arguments (the view makes the address)."""

    title: str
    endpoint: str
    args: tuple[tuple[str, object], ...] = ()

    @property
    def params(self) -> dict:
        return dict(self.args)


@dataclass(frozen=True)
class Entry:
    """One moment of the registry's story."""

    at: dt.datetime
    kind: str  # KIND_NAMES
    title: str
    who: str = ""
    details: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    check: str = ""  # a verification made now: a signature, a document's hash
    ok: Optional[bool] = None  # its result
    status: str = ""  # a status change: the status it moved to
    comment: str = ""  # a status change: its comment
    sha256: str = ""  # a document: its SHA-256 as recorded
    file_id: Optional[int] = None  # a file entry: the file

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, self.kind)


KIND_NAMES = {
    "file": "Файл",
    "load": "Загрузка",
    "status": "Статус",
    "document": "Документ",
    "signature": "Подпись",
    "mek": "МЭК плательщика",
    "event": "Событие",
    "earlier": "Прежний реестр",
}

#: what the audit's details say, by key, as a line of an entry (other keys are the machine's)
DETAIL_LABELS = {
    "from": "Из статуса",
    "to": "В статус",
    "comment": "Комментарий",
    "status": "Статус",
    "cases": "Случаев",
    "refused": "Снято случаев",
    "error": "Ошибка",
    "role": "Роль",
    "method": "Способ",
    "certificate": "Сертификат",
    "file": "Файл",
    "size": "Размер, байт",
    "sha256": "SHA-256",
    "sum_declared": "Сумма выставленная",
    "sum_calc": "Сумма к оплате",
}


def event_details(event: AuditEvent) -> dict:
    try:
        value = json.loads(event.details) if event.details else {}
    except ValueError:
        return {"comment": event.details}
    return value if isinstance(value, dict) else {}


def detail_lines(details: dict) -> tuple[str, ...]:
    """The audit's details of an event as lines «Метка: значение», in the order of DETAIL_LABELS."""
    out = []
    for key, label in DETAIL_LABELS.items():
        value = details.get(key)
        if value is None or value == "" or value == []:
            continue
        if key.startswith("sum_"):
            value = format_money(value)
        elif key == "role":
            value = role_name(value)
        elif key == "method":
            value = SigningMethod.label_of(value)
        elif isinstance(value, bool):
            value = "Да" if value else "Нет"
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        out.append(f"{label}: {ru_dates(str(value))}")
    return tuple(out)


@dataclass
class People:
    """Users by id, read once each: an entry names people, not logins."""

    cache: dict[int, Optional[OmsUser]] = field(default_factory=dict)

    def name(self, user_id: Optional[int], login: Optional[str] = None) -> str:
        if user_id is not None and user_id not in self.cache:
            self.cache[user_id] = db.session.get(OmsUser, user_id)
        return person_name(self.cache.get(user_id) if user_id is not None else None, login)


# -- the files -----------------------------------------------------------------------------------------
def _cases_by_file(registry_id: int) -> dict[int, int]:
    rows = db.session.execute(
        select(MedicalCase.file_id, func.count())
        .where(MedicalCase.registry_id == registry_id)
        .group_by(MedicalCase.file_id)
    ).all()
    return {file_id: n for file_id, n in rows}


def _outcomes_by_file(registry_id: int) -> dict[int, dict[str, int]]:
    """What the re-upload check said of this registry's cases, per file (CaseVersion)."""
    rows = db.session.execute(
        select(CaseVersion.file_id, CaseVersion.outcome, func.count())
        .where(CaseVersion.case_id.in_(select(MedicalCase.id).where(MedicalCase.registry_id == registry_id)))
        .group_by(CaseVersion.file_id, CaseVersion.outcome)
    ).all()
    out: dict[int, dict[str, int]] = {}
    for file_id, outcome, n in rows:
        out.setdefault(file_id, {})[outcome] = n
    return out


def _earlier_files(reg: Registry, file_ids: set[int]) -> list[UploadedFile]:
    """The files whose cases were replaced by the source files, and theirs in turn."""
    found: list[UploadedFile] = []
    known, frontier = set(file_ids), set(file_ids)
    for _ in range(MAX_GENERATIONS):
        if not frontier:
            break
        rows = (
            db.session.execute(
                select(UploadedFile).where(
                    UploadedFile.organisation_id == reg.organisation_id,
                    UploadedFile.replaced_by_id.in_(frontier),
                    UploadedFile.id.not_in(known),
                )
            )
            .scalars()
            .all()
        )
        found += rows
        frontier = {f.id for f in rows}
        known |= frontier
    return found


def _skipped_files(reg: Registry) -> dict[int, int]:
    """Later files of the МО whose versions of this registry's cases were skipped: file → count."""
    rows = db.session.execute(
        select(CaseVersion.file_id, func.count())
        .where(
            CaseVersion.organisation_id == reg.organisation_id,
            CaseVersion.registry_number == reg.number,
            CaseVersion.case_id.is_(None),
        )
        .group_by(CaseVersion.file_id)
    ).all()
    return {file_id: n for file_id, n in rows}


def _counts_line(f: UploadedFile) -> str:
    return (
        f"Записей: {f.records}; ФЛК: отклонено {f.flk_rejected}, ошибок {f.flk_errors}; "
        f"МЭК: отклонено {f.mek_rejected}, ошибок {f.mek_errors}"
    )


def _versions_line(f: UploadedFile) -> str:
    return (
        f"Случаи файла: новых {f.new_count}, обновлено {f.updated_count}, без изменений {f.unchanged_count}, "
        f"пропущено (уже в реестре) {f.skipped_count}"
    )


def in_force_lines(f: UploadedFile) -> tuple[str, str]:
    """The rule catalogue and the НСИ books in force at the file's ФЛК/МЭК, as the load wrote them."""
    rules = ru_dates(f.rules_version) if f.rules_version else "не записаны (файл загружен до учета версий)"
    books = read_nsi_versions(f.nsi_versions)
    nsi = "; ".join(ru_dates(f"{book} {version}".strip()) for book, version in sorted(books.items()))
    return f"Правила контроля: {rules}", f"НСИ: {nsi or 'версии не записаны'}"


class FileStory:
    """The entries of the files of a registry's cases, earlier and later re-uploads included."""

    def __init__(self, user: OmsUser, reg: Registry, people: People) -> None:
        self.user, self.reg, self.people = user, reg, people
        self.scope = Scope.of(user)
        self.may_read_files = can(user, PERM_READ, Resource.UPLOADED_FILE)
        self.file_ids: set[int] = set()  # every file of the story (for the earlier registries)

    def _links(self, f: UploadedFile) -> tuple[Link, ...]:
        if not (self.may_read_files and self.scope.allows(f)):
            return ()  # the payer sees that the file was loaded, not the МО's file pages
        return (
            Link("Карточка файла", "UploadedFileView.show", (("pk", f.id),)),
            Link("Протокол (Excel)", "UploadedFileView.protocol_xlsx", (("pk", f.id),)),
        )

    def _entries(self, f: UploadedFile, role: str) -> list[Entry]:
        channel = FileChannel.label_of(f.channel) or FileChannel.WEB.label
        period = f"{f.month:02d}.{f.year}" if f.year and f.month else "—"
        upload = Entry(
            at=f.uploaded_at,
            kind="file",
            title=f"Файл «{f.archive_name}» загружен",
            who=self.people.name(f.uploaded_by_id),
            details=(
                role,
                f"Канал: {channel}",
                f"Файлы: {f.files or '—'}; тип {f.file_type or '—'}; версия формата {f.version or '—'}",
                f"Период: {period}",
                f"Архив: {f.archive_size or 0} байт; SHA-256 {f.archive_sha256 or '—'}",
            ),
            links=self._links(f),
            file_id=f.id,
        )
        note = (f.note or "").strip()
        load = Entry(
            at=f.finished_at or f.uploaded_at,
            kind="load",
            title=f"Загрузка файла «{f.archive_name}»: {f.status}"
            + ("" if f.finished_at else " (время окончания не записано)"),
            who="система",
            details=(
                _counts_line(f),
                _versions_line(f),
                *in_force_lines(f),
                *((f"Примечание: {ru_dates(note[:300])}",) if note else ()),
            ),
            links=self._links(f)[1:],
            file_id=f.id,
        )
        return [upload, load]

    def entries(self) -> list[Entry]:
        reg = self.reg
        in_registry = _cases_by_file(reg.id)
        outcomes = _outcomes_by_file(reg.id)
        sources = db.session.execute(select(UploadedFile).where(UploadedFile.id.in_(in_registry))).scalars().all()
        by_id = {f.id: f for f in sources}
        out: list[Entry] = []
        for f in sorted(sources, key=lambda f: (f.uploaded_at, f.id)):
            said = outcomes.get(f.id, {})
            versions = ", ".join(f"{k} {n}" for k, n in sorted(said.items()))
            role = f"Случаев этого реестра из файла: {in_registry[f.id]}" + (f" ({versions})" if versions else "")
            out += self._entries(f, role)
        earlier = _earlier_files(reg, set(by_id))
        names = {f.id: f for f in [*sources, *earlier]}
        for f in sorted(earlier, key=lambda f: (f.uploaded_at, f.id)):
            newer = names.get(f.replaced_by_id)
            when = format_datetime(newer.uploaded_at) if newer else ""
            what = f"«{newer.archive_name}» от {when}" if newer else "более поздним"
            out += self._entries(f, f"Прежняя загрузка: случаи файла заменены файлом {what}")
        skipped = _skipped_files(reg)
        later = db.session.execute(select(UploadedFile).where(UploadedFile.id.in_(skipped))).scalars().all()
        for f in sorted(later, key=lambda f: (f.uploaded_at, f.id)):
            out += self._entries(
                f, f"Повторная загрузка: пропущено случаев, уже включенных в этот реестр: {skipped[f.id]}"
            )
        self.file_ids = set(by_id) | {f.id for f in earlier}
        return out


# -- the registries of the same cases deleted before this one ------------------------------------------------
def earlier_registries(reg: Registry, file_ids: set[int], people: People) -> list[Entry]:
    """The audit of the registries deleted before this one whose cases came from the same files
    (returned «На доработку», deleted by the МО, formed again): what happened to them."""
    if not file_ids:
        return []
    deleted = db.session.execute(
        select(AuditEvent).where(
            AuditEvent.event == "registry_deleted",
            AuditEvent.object_type == "Registry",
            AuditEvent.organisation_id == reg.organisation_id,
            AuditEvent.at <= reg.created_at,
        )
    ).scalars()
    numbers: dict[str, str] = {}
    for ev in deleted:
        d = event_details(ev)
        same_side = d.get("payer_id") == reg.payer_id and d.get("subdivision_id") == reg.subdivision_id
        if same_side and set(d.get("files") or ()) & file_ids:
            numbers[ev.object_id] = str(d.get("number") or ev.object_id)
    if not numbers:
        return []
    events = db.session.execute(
        select(AuditEvent)
        .where(AuditEvent.object_type == "Registry", AuditEvent.object_id.in_(numbers))
        .order_by(AuditEvent.at, AuditEvent.id)
    ).scalars()
    return [
        Entry(
            at=ev.at,
            kind="earlier",
            title=f"Прежний реестр {numbers[ev.object_id]} тех же случаев: {EVENTS.get(ev.event, ev.event)}",
            who=people.name(ev.user_id, ev.username),
            details=detail_lines(event_details(ev)),
            status=str(event_details(ev).get("to") or ""),
            comment=str(event_details(ev).get("comment") or ""),
        )
        for ev in events
    ]
