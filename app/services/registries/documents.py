"""Documents of a registry, made in a background job when it is «Отправлен»: the registry file for
the payer (H + L, zipped), «Счет», «Реестр счета», «Сводный реестр» — each stored with its SHA-256 —
then «Сформирован».  A failure leaves the registry «Отправлен» with the error visible («Повторить»)."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import zipfile
from pathlib import Path
from typing import Callable, Iterator

from flask import current_app
from sqlalchemy import delete, select, update

from app.core import audit
from app.documents import Party, RegistryDocData, case_row_xml, render_invoice, render_registry_list, render_summary
from app.documents.data import PAYER_SMO, PAYER_TFOMS
from app.extensions import db
from app.formats.definitions import kind_of
from app.jobs.runtime import report_progress
from app.models.intake import CasePayload, MedicalCase, Patient
from app.models.organisation import Organisation
from app.models.reference import NsiItem
from app.models.registry import Registry, RegistryDocument
from app.models.vocabulary import SUBTYPE_NAMES, OrgKind, RegistryStatus
from app.registry_files import write_registry_pair
from app.registry_files.writer import L_VERSION as REGISTRY_L_VERSION
from app.registry_files.writer import VERSION as REGISTRY_VERSION
from app.services.reference import format_versions
from app.services.registries.queries import payable_expr, refresh_sums
from app.services.registries.workflow import move

TITLES = {
    "registry_file": "Файл реестра (H и L)",
    "invoice": "Счет",
    "registry_list": "Реестр счета",
    "summary": "Сводный реестр",
    "mek_act": "Акт МЭК",
}


def _folder(reg: Registry) -> Path:
    return Path(current_app.config["DATA_DIR"]) / "registries" / str(reg.id)


def _pairs(registry_id: int) -> Iterator[tuple[str, str]]:
    q = (
        select(CasePayload.zap_xml, Patient.pers_xml)
        .join(MedicalCase, MedicalCase.id == CasePayload.case_id)
        .outerjoin(Patient, Patient.id == MedicalCase.patient_id)
        .where(MedicalCase.registry_id == registry_id)
        .order_by(MedicalCase.id)
        .execution_options(yield_per=2000)
    )
    for zap_xml, pers_xml in db.session.execute(q):
        yield zap_xml, pers_xml


def _rows(registry_id: int, profiles: dict[str, str]) -> Callable[[], Iterator[str]]:
    """The rows of «Реестр счета» in the order of the registry file (N_ZAP = IDCASE = position),
    each with its amount payable."""
    q = (
        select(CasePayload.zap_xml, Patient.pers_xml, payable_expr())
        .join(MedicalCase, MedicalCase.id == CasePayload.case_id)
        .outerjoin(Patient, Patient.id == MedicalCase.patient_id)
        .where(MedicalCase.registry_id == registry_id)
        .order_by(MedicalCase.id)
        .execution_options(yield_per=2000)
    )

    def gen() -> Iterator[str]:
        for i, (zap_xml, pers_xml, payable) in enumerate(db.session.execute(q), 1):
            yield case_row_xml(zap_xml, pers_xml, n_zap=i, profile_names=profiles, payable=payable)

    return gen


def _store(reg: Registry, kind: str, file_name: str, content: bytes | None = None, source: Path | None = None) -> None:
    folder = _folder(reg)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name
    if content is not None:
        path.write_bytes(content)
    elif source is not None and source != path:
        shutil.move(str(source), path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    db.session.add(
        RegistryDocument(
            registry_id=reg.id,
            kind=kind,
            title=TITLES[kind],
            file_name=file_name,
            path=str(path),
            size=path.stat().st_size,
            sha256=digest,
        )
    )


def generate_documents(registry_id: int) -> dict:
    reg = db.session.get(Registry, registry_id)
    if reg is None or reg.status != RegistryStatus.SENT:
        return {"skipped": True, "status": reg.status if reg else None}
    try:
        result = _generate(reg)
    except Exception as exc:
        db.session.rollback()
        reg = db.session.get(Registry, registry_id)
        reg.error = f"Документы не сформированы: {type(exc).__name__}: {exc}"[:2000]
        _record_failure(reg.id, reg.number, reg.error)
        db.session.commit()
        raise
    return result


def _parties(reg: Registry) -> tuple[Organisation, Organisation, str]:
    mo = db.session.get(Organisation, reg.organisation_id)
    payer = db.session.get(Organisation, reg.payer_id)
    return mo, payer, (PAYER_TFOMS if payer.kind == OrgKind.TFOMS else PAYER_SMO)


def _generate(reg: Registry) -> dict:
    mo, payer, payer_kind = _parties(reg)
    # progress is written on its own connection: report it outside the session's write transaction
    report_progress(5, "Файл реестра")
    db.session.execute(delete(RegistryDocument).where(RegistryDocument.registry_id == reg.id))
    refresh_sums(reg.id)
    db.session.commit()
    db.session.refresh(reg)
    shutil.rmtree(_folder(reg), ignore_errors=True)
    today = dt.date.today()
    number = int(reg.number.rsplit("-", 1)[-1]) if reg.number.rsplit("-", 1)[-1].isdigit() else 1
    pair = write_registry_pair(
        _folder(reg) / "tmp",
        file_type=reg.subtype,
        mo_code=mo.code,
        payer_kind=payer_kind,
        payer_code=payer.code,
        year=reg.year,
        month=reg.month,
        number=number,
        nschet=reg.number[-15:],
        dschet=today,
        cases=_pairs(reg.id),
        renumber_ids=True,
        # the version of the registry's period («Версии форматов по периодам»), as its cases were loaded
        version=format_versions.version_for(kind_of(reg.subtype), reg.year, reg.month) or REGISTRY_VERSION,
        l_version=format_versions.version_for("L", reg.year, reg.month) or REGISTRY_L_VERSION,
    )
    _store(reg, "registry_file", pair.zip_path.name, source=pair.zip_path)
    shutil.rmtree(_folder(reg) / "tmp", ignore_errors=True)
    db.session.commit()
    _render_docx(reg, pair.name, today, commit=True)
    if not move(reg.id, RegistryStatus.SENT, RegistryStatus.FORMED, user=None, comment="Документы сформированы"):
        raise RuntimeError("статус реестра изменился во время формирования документов")
    audit.record(
        "registry_documents_made",
        object_type="Registry",
        object_id=reg.id,
        details={
            "number": reg.number,
            "cases": reg.cases,
            "sum_declared": reg.sum_declared,
            "sum_calc": reg.sum_calc,
            "documents": document_digests(reg.id),
        },
    )
    db.session.commit()
    return {"registry": reg.number, "documents": 4}


def doc_data(reg: Registry, file_name: str, date: dt.date) -> RegistryDocData:
    """What «Реестр счета», «Счет» and «Сводный реестр» show of a registry (the rows are read
    when a document reads them): the data of the DOCX documents and of their printable pages."""
    mo, payer, payer_kind = _parties(reg)
    profiles = dict(db.session.execute(select(NsiItem.code, NsiItem.name).where(NsiItem.book == "V002")).all())
    return RegistryDocData(
        number=reg.number,
        date=date,
        year=reg.year,
        month=reg.month,
        mo=Party.from_object(mo),
        payer=Party.from_object(payer),
        payer_kind=payer_kind,
        registry_type=reg.reg_type,
        registry_subtype=f"{reg.subtype} — {SUBTYPE_NAMES.get(reg.subtype, reg.subtype)}",
        subdivisions=[f"{reg.subdivision.code} {reg.subdivision.name}"] if reg.subdivision else (),
        file_name=file_name,
        cases=_rows(reg.id, profiles),
        profile_names=profiles,
        case_count=reg.cases,
        total=reg.sum_declared,
        payable=reg.sum_calc,
    )


def _render_docx(reg: Registry, file_name: str, date: dt.date, commit: bool) -> None:
    """«Реестр счета», «Счет» and «Сводный реестр» with the registry's sums presented and payable
    (the rows must add up to them); stored (committed after each step in the job)."""
    report_progress(40, "Реестр счета")
    data = doc_data(reg, file_name, date)
    _store(reg, "registry_list", f"Реестр_счета_{reg.number}.docx", render_registry_list(data))
    if commit:
        db.session.commit()
        report_progress(80, "Счет и сводный реестр")
    _store(reg, "invoice", f"Счет_{reg.number}.docx", render_invoice(data))
    _store(reg, "summary", f"Сводный_реестр_{reg.number}.docx", render_summary(data))


def sent_file(reg: Registry) -> RegistryDocument | None:
    """The registry file as it was sent to the payer (None before the documents are made)."""
    return db.session.execute(
        select(RegistryDocument).where(RegistryDocument.registry_id == reg.id, RegistryDocument.kind == "registry_file")
    ).scalar_one_or_none()


def documents_date(sent: RegistryDocument) -> dt.date:
    """The date of the documents: DSCHET, the date of the entries of the registry file."""
    date = sent.created_at.date()
    try:
        with zipfile.ZipFile(sent.path) as zf:
            date = dt.date(*zf.infolist()[0].date_time[:3])
    except (OSError, zipfile.BadZipFile, IndexError, ValueError):
        pass
    return date


def refresh_payable_documents(reg: Registry) -> None:
    """After the payer's МЭК results: «Реестр счета», «Счет» and «Сводный реестр» again with the
    sums payable now (the registry file stays as it was sent; same date and file name). The
    caller has applied the results (:func:`app.services.registries.queries.apply_payer_sump`) and commits."""
    sent = sent_file(reg)
    if sent is None:
        return
    db.session.refresh(reg)
    date = documents_date(sent)
    kinds = ("registry_list", "invoice", "summary")
    db.session.execute(
        delete(RegistryDocument).where(RegistryDocument.registry_id == reg.id, RegistryDocument.kind.in_(kinds))
    )
    _render_docx(reg, Path(sent.file_name).stem, date, commit=False)


def documents_of(registry_id: int) -> list[RegistryDocument]:
    return db.session.query(RegistryDocument).filter_by(registry_id=registry_id).order_by(RegistryDocument.id).all()


def document_digests(registry_id: int) -> list[dict]:
    """The documents of a registry as the audit keeps them (kind, title, file, size, SHA-256): a
    document made again replaces its row, so the audit is where its earlier versions stay."""
    return [
        {"kind": d.kind, "title": d.title, "file": d.file_name, "size": d.size, "sha256": d.sha256}
        for d in documents_of(registry_id)
    ]


def _record_failure(registry_id: int, number: str, error: str) -> None:
    """The failure of the documents job in the audit (the registry's ``error`` is only the last one)."""
    audit.record(
        "registry_documents_failed",
        object_type="Registry",
        object_id=registry_id,
        details={"number": number, "error": error},
    )


def mark_interrupted(registry_id: int, reason: str) -> None:
    """The documents job died: a registry still «Отправлен» shows the error, and «Повторить»."""
    error = f"Формирование документов прервано: {reason}"[:2000]
    changed = db.session.execute(
        update(Registry).where(Registry.id == registry_id, Registry.status == RegistryStatus.SENT).values(error=error)
    ).rowcount
    if changed:
        number = db.session.execute(select(Registry.number).where(Registry.id == registry_id)).scalar_one()
        _record_failure(registry_id, number, error)
    db.session.commit()
