"""«Хронология реестра»: the whole story of one registry on one page, in time order — the files its
cases came from and what their loads said (the rules and the НСИ in force at the ФЛК/МЭК), the
re-uploads around them, every status change with who and the comment, the documents with their
hashes checked against the stored files now, every signature verified afresh, the payer's МЭК
results files with the refusals, the returns «На доработку», and any other audited event of it.

Everything comes from the history and audit tables (RegistryStatusChange, RegistryDocument,
RegistrySigning, RegistryRefusal, CaseVersion, UploadedFile, AuditEvent): the services that change
a registry leave a row in one of them, so nothing that happened to it is missing here.  An auditor
takes the same entries as XLSX (:func:`timeline_xlsx`) or prints the page to PDF from the browser.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Optional

from sqlalchemy import select

from app.core.formatting import format_date, format_datetime, format_money, format_period
from app.core.xlsx import table_workbook
from app.extensions import db
from app.models.audit import EVENTS, AuditEvent
from app.models.base import utcnow
from app.models.organisation import Organisation
from app.models.registry import Registry, RegistryDocument, RegistryRefusal
from app.models.user import OmsUser
from app.models.vocabulary import RegistryStatus
from app.security.request_scope import get_scoped
from app.services.reference.code_names import code_label
from app.services.registries.documents import documents_of
from app.services.registries.mek_results import refusals_of
from app.services.registries.overview import history_lines
from app.services.registries.printing import printable_kinds
from app.services.registries.timeline_files import (
    KIND_NAMES,
    Entry,
    FileStory,
    Link,
    People,
    detail_lines,
    earlier_registries,
    event_details,
)
from app.services.signing.registry_signing import signature_rows, verify_registry

__all__ = ["KIND_NAMES", "Entry", "Link", "Timeline", "registry_timeline", "timeline_rows", "timeline_xlsx"]

#: audit events told by richer rows of their own: the status history, the signatures, the МЭК
#: results with their refusals, the documents (whose earlier versions only the audit keeps)
TOLD_ELSEWHERE = {"registry_status_changed", "registry_signed", "mek_results_loaded", "registry_documents_made"}
CHUNK = 1024 * 1024
MAX_REFUSAL_LINES = 200  # the full list is «Акт МЭК» and the cases page
XLSX_CELL_LIMIT = 32_000  # an Excel cell holds 32 767 characters


@dataclass(frozen=True)
class Timeline:
    registry: Registry
    entries: list[Entry]
    checked_at: dt.datetime  # when the signatures and the documents' hashes were verified

    @property
    def title(self) -> str:
        return f"Хронология реестра {self.registry.number}"

    @property
    def notes(self) -> list[str]:
        """The registry in a few lines (the head of the page, the print and the XLSX)."""
        reg = self.registry
        return [
            f"МО: {_org(reg.organisation)}; плательщик: {_org(reg.payer)}"
            + (f"; подразделение: {reg.subdivision.code} {reg.subdivision.name}" if reg.subdivision else ""),
            f"Период {format_period(reg.year, reg.month)}; тип {reg.reg_type} · {reg.subtype}; "
            f"статус «{reg.status}»; случаев {reg.cases}; выставлено {format_money(reg.sum_declared)}; "
            f"к оплате {format_money(reg.sum_calc)}",
            f"Подписи и контрольные суммы документов проверены заново: {format_datetime(self.checked_at)}",
        ]


def _org(org: Optional[Organisation]) -> str:
    return f"{org.code} {org.short_name or org.name}" if org is not None else "—"


def registry_timeline(user: OmsUser, registry_id: int) -> Optional[Timeline]:
    """The timeline of a registry in the user's scope (None outside it: «Реестр не найден»)."""
    reg = get_scoped(user, Registry, registry_id)
    if reg is None:
        return None
    people = People()
    files = FileStory(user, reg, people)
    entries = files.entries()
    entries += earlier_registries(reg, files.file_ids, people)
    entries += _statuses(reg)
    events = _events(reg.id)
    entries += _documents(reg, events)
    entries += _signatures(reg)
    entries += _mek(reg, events, people)
    entries += [_event(ev, people) for ev in events if ev.event not in TOLD_ELSEWHERE]
    entries.sort(key=lambda e: e.at)  # stable: what happened in one moment keeps the order above
    return Timeline(reg, entries, utcnow())


def _events(registry_id: int) -> list[AuditEvent]:
    return (
        db.session.execute(
            select(AuditEvent)
            .where(AuditEvent.object_type == "Registry", AuditEvent.object_id == str(registry_id))
            .order_by(AuditEvent.at, AuditEvent.id)
        )
        .scalars()
        .all()
    )


# -- status changes and returns -------------------------------------------------------------------------
def _codes(text: Optional[str]) -> list[str]:
    return [c.strip() for c in (text or "").split(";") if c.strip()]


def _refusal_summary(refusals: list[RegistryRefusal]) -> tuple[str, ...]:
    """The payer's refusals in two lines and one per reason: how many cases, how much, why."""
    if not refusals:
        return ()
    withheld = sum((r.sank_it or Decimal("0") for r in refusals), Decimal("0"))
    reasons = Counter(code for r in refusals for code in _codes(r.codes))
    return (
        f"Отказы плательщика по МЭК: случаев {len(refusals)}, снято {format_money(withheld)}",
        *(f"Причина {code_label('F014', code)}: случаев {n}" for code, n in sorted(reasons.items())),
    )


def _statuses(reg: Registry) -> list[Entry]:
    refusals = refusals_of(reg.id)
    out = []
    for h in history_lines(reg.id):
        details: tuple[str, ...] = (f"Комментарий: {h.comment}",) if h.comment else ()
        links: tuple[Link, ...] = ()
        if h.from_status is None:
            title = f"Реестр сформирован: статус «{h.to_status}»"
        elif h.to_status == RegistryStatus.REWORK:
            title = f"Возвращен на доработку: «{h.from_status}» → «{h.to_status}»"
            details += _refusal_summary(refusals)
            links = (Link("Случаи реестра", "RegistryView.cases_page", (("pk", reg.id),)),)
        else:
            title = f"Статус: «{h.from_status}» → «{h.to_status}»"
        out.append(
            Entry(
                at=h.at,
                kind="status",
                title=title,
                who=h.who,
                details=details,
                links=links,
                status=h.to_status,
                comment=h.comment or "",
            )
        )
    return out


# -- documents ------------------------------------------------------------------------------------------
def _hash_now(path: str) -> Optional[str]:
    try:
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(CHUNK), b""):
                digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None


def _document(reg: Registry, d: RegistryDocument, printable: dict) -> Entry:
    now = _hash_now(d.path) if Path(d.path).exists() else None
    ok = now == d.sha256
    links = [Link("Скачать", "RegistryView.document", (("pk", reg.id), ("doc_id", d.id)))]
    if d.kind in printable:
        links.append(Link("Печатная форма", "RegistryView.print_document", (("pk", reg.id), ("kind", d.kind))))
    return Entry(
        at=d.created_at,
        kind="document",
        title=f"Документ «{d.title}» сформирован",
        who="система",
        details=(f"Файл: {d.file_name}", f"Размер: {d.size} байт", f"SHA-256: {d.sha256}"),
        links=tuple(links),
        check="Файл не изменен: SHA-256 совпадает"
        if ok
        else ("Файл утрачен" if now is None else "Файл изменен: SHA-256 не совпадает"),
        ok=ok,
        sha256=d.sha256,
    )


def _documents(reg: Registry, events: list[AuditEvent]) -> list[Entry]:
    """The documents as stored now, each checked against its file, and the earlier versions of
    them the audit recorded (a document made again — after the payer's МЭК — replaces its row)."""
    current = documents_of(reg.id)
    printable = dict(printable_kinds(reg))
    out = [_document(reg, d, printable) for d in current]
    seen = {d.sha256 for d in current}
    for ev in events:
        for doc in event_details(ev).get("documents") or ():
            if not isinstance(doc, dict) or doc.get("sha256") in seen:
                continue
            seen.add(doc.get("sha256"))
            out.append(
                Entry(
                    at=ev.at,
                    kind="document",
                    title=f"Документ «{doc.get('title', '')}» (прежняя версия)",
                    who="система",
                    details=(
                        f"Файл: {doc.get('file', '')}",
                        f"Размер: {doc.get('size', '')} байт",
                        f"SHA-256: {doc.get('sha256', '')}",
                    ),
                    check="Заменен более поздней версией",
                    sha256=str(doc.get("sha256") or ""),
                )
            )
    return out


# -- signatures ----------------------------------------------------------------------------------------
def _signatures(reg: Registry) -> list[Entry]:
    """Each signature with its verification made now (:func:`verify_registry`)."""
    out = []
    for row in signature_rows(verify_registry(reg.id)):
        details = [f"Способ: {row.method}"]
        if row.certificate:
            details.append(f"Сертификат: {row.certificate}")
        details += [f"{c.document}: {c.result}; SHA-256 при подписании {c.sha256}" for c in row.documents]
        out.append(
            Entry(
                at=row.signed_at,
                kind="signature",
                title=f"Подпись: {row.role_name}",
                who=row.who,
                details=tuple(details),
                links=(Link("Подписи и печать", "RegistrySigningView.page", (("pk", reg.id),)),),
                check=row.result,
                ok=row.ok,
            )
        )
    return out


# -- the payer's МЭК results ------------------------------------------------------------------------------
def _refusal_line(r: RegistryRefusal) -> str:
    parts = [f"N_ZAP {r.n_zap or '—'}, IDCASE {r.idcase or '—'}", f"оплата {code_label('OPLATA', r.oplata)}"]
    parts += [code_label("F014", c) for c in _codes(r.codes)]
    parts.append(f"выставлено {format_money(r.sumv)}, снято {format_money(r.sank_it)}, к оплате {format_money(r.sump)}")
    if r.num_act or r.date_act:
        parts.append(f"акт {r.num_act or '—'} от {format_date(r.date_act) or '—'}")
    if r.comment:
        parts.append(r.comment)
    return "; ".join(parts)


def _mek(reg: Registry, events: list[AuditEvent], people: People) -> list[Entry]:
    """Each results file the payer loaded; the refusals recorded are those of the last one."""
    loads = [ev for ev in events if ev.event == "mek_results_loaded"]
    refusals = refusals_of(reg.id)
    links = [Link("Случаи реестра", "RegistryView.cases_page", (("pk", reg.id),))]
    if "mek_act" in dict(printable_kinds(reg)):
        links.append(Link("Акт МЭК", "RegistryView.print_document", (("pk", reg.id), ("kind", "mek_act"))))
    refusal_lines = tuple(_refusal_line(r) for r in refusals[:MAX_REFUSAL_LINES])
    if len(refusals) > MAX_REFUSAL_LINES:
        refusal_lines += (
            f"… и еще отказов: {len(refusals) - MAX_REFUSAL_LINES} (все — в «Акт МЭК» и «Случаи реестра»)",
        )
    refusal_lines = refusal_lines or ("Отказов нет: все случаи приняты к оплате",)
    out = []
    for i, ev in enumerate(loads):
        d = event_details(ev)
        shown = detail_lines({k: d.get(k) for k in ("file", "size", "sha256", "refused", "sum_calc")})
        last = i == len(loads) - 1
        out.append(
            Entry(
                at=ev.at,
                kind="mek",
                title="Результаты МЭК плательщика загружены",
                who=people.name(ev.user_id, ev.username),
                details=shown + (refusal_lines if last else ("Отказы этого файла заменены следующим файлом",)),
                links=tuple(links),
            )
        )
    if not loads and reg.mek_loaded_at is not None:  # loaded before the audit kept it
        out.append(
            Entry(
                at=reg.mek_loaded_at,
                kind="mek",
                title="Результаты МЭК плательщика загружены",
                details=refusal_lines,
                links=tuple(links),
            )
        )
    return out


def _event(ev: AuditEvent, people: People) -> Entry:
    """Any other audited event of the registry, as the audit says it."""
    return Entry(
        at=ev.at,
        kind="event",
        title=EVENTS.get(ev.event, ev.event),
        who=people.name(ev.user_id, ev.username),
        details=detail_lines(event_details(ev)),
    )


# -- the auditor's copy --------------------------------------------------------------------------------
XLSX_HEADERS = ("№", "Время", "Вид", "Событие", "Кто", "Подробности", "Проверка")


def timeline_rows(timeline: Timeline) -> list[list]:
    """The entries as the rows of the XLSX (and of any other copy: the same columns as the page)."""
    return [
        [n, e.at.replace(microsecond=0), e.kind_name, e.title, e.who, "\n".join(e.details)[:XLSX_CELL_LIMIT], e.check]
        for n, e in enumerate(timeline.entries, 1)
    ]


def timeline_xlsx(user: OmsUser, registry_id: int) -> Optional[tuple[bytes, str]]:
    """The timeline as an XLSX workbook and its file name (None outside the user's scope)."""
    timeline = registry_timeline(user, registry_id)
    if timeline is None:
        return None
    data = table_workbook(timeline.title, timeline.notes, XLSX_HEADERS, timeline_rows(timeline), sheet="Хронология")
    return data, f"Хронология_реестра_{timeline.registry.number}.xlsx"
