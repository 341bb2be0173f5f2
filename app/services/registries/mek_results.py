"""The payer's МЭК results file for a registry «Выгружен»: the same H format with SANK, SANK_IT,
OPLATA and SUMP per case.  It must belong to the registry (file name, NSCHET, the IDCASE set) and
keep the Q016 sums (003K.00.0240 SUMP = SUMV − SANK_IT, 0250 SANK_IT = max S_SUM, 0260–0280
OPLATA consistent with SUMP: the arithmetic of :mod:`app.controls.mek.rules_sums`, which checks
the МО's files); a wrong file is refused with its reasons and changes nothing.  Refusals are
recorded per case, the registry counts them, and «Акт МЭК» joins the documents."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO, Optional

from flask import current_app
from sqlalchemy import delete, select

from app.controls.mek.rules_sums import CaseSums, case_sum_errors
from app.core import audit
from app.core.outcome import Outcome
from app.documents import Party, Refusal, RegistryDocData, render_mek_act
from app.documents.data import PAYER_SMO, PAYER_TFOMS
from app.extensions import db
from app.formats.archive import NOT_ZIP, ArchiveError, extract_one
from app.formats.reader import read_file
from app.models.intake import MedicalCase, Patient
from app.models.organisation import Organisation
from app.models.registry import Registry, RegistryDocument, RegistryRefusal
from app.models.user import OmsUser
from app.models.vocabulary import OrgKind, RegistryStatus, Resource
from app.security.access import can
from app.security.permissions import PERM_WRITE
from app.security.request_scope import get_scoped, not_found_message
from app.services.analytics.refresh import refresh_after_payer_results
from app.services.reference.code_names import code_name
from app.services.registries.documents import document_digests, refresh_payable_documents
from app.services.registries.queries import apply_payer_sump
from app.services.registries.workflow import PAYER, actors_of

ZERO = Decimal("0.00")
CHUNK = 1024 * 1024


def _xml_of(upload: Path, workdir: Path) -> tuple[Optional[Path], Optional[str]]:
    """The H-type XML of the upload (a ZIP with it, or the XML itself).  The member is streamed to
    disk under the limits of the file intake (size, compression ratio): a «zip bomb» is refused
    as soon as it passes them, without filling memory."""
    if zipfile.is_zipfile(upload):
        cfg = current_app.config
        try:
            with zipfile.ZipFile(upload) as zf:
                names = [
                    n
                    for n in zf.namelist()
                    if n.upper().endswith(".XML")
                    and not n.upper().startswith("L")
                    and "/" not in n
                    and "\\" not in n
                    and ".." not in n
                ]
                if len(names) != 1:
                    return None, "В архиве должен быть один файл реестра (H) в корне архива"
                target = extract_one(
                    zf,
                    zf.getinfo(names[0]),
                    upload.stat().st_size,
                    workdir,
                    cfg["ARCHIVE_MAX_UNPACKED_BYTES"],
                    cfg["ARCHIVE_MAX_RATIO"],
                )
        except ArchiveError as exc:
            return None, exc.note
        except (zipfile.BadZipFile, OSError):
            return None, NOT_ZIP
        return target, None
    return upload, None


def may_load_results(user: OmsUser, reg: Registry) -> bool:
    """The payer of a registry «Выгружен», with the right to write registries."""
    return (
        reg.status == RegistryStatus.TAKEN
        and PAYER in actors_of(user, reg)
        and can(user, PERM_WRITE, Resource.REGISTRY)
    )


def refusals_of(registry_id: int) -> list[RegistryRefusal]:
    return db.session.query(RegistryRefusal).filter_by(registry_id=registry_id).order_by(RegistryRefusal.id).all()


def load_results_upload(user: OmsUser, registry_id: int, stream: BinaryIO, file_name: Optional[str] = None) -> Outcome:
    """:func:`load_results` of an uploaded file (kept in a temporary folder for the call)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "results.zip"
        with open(path, "wb") as out:
            shutil.copyfileobj(stream, out, CHUNK)
        return load_results(user, registry_id, path, file_name=file_name)


def _fingerprint(upload: Path, file_name: Optional[str]) -> dict:
    """What the audit keeps of the payer's file: its name, size and SHA-256 (the file itself is not stored)."""
    digest = hashlib.sha256()
    with open(upload, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return {"file": Path(file_name or upload.name).name, "size": upload.stat().st_size, "sha256": digest.hexdigest()}


def load_results(user: OmsUser, registry_id: int, upload: Path, file_name: Optional[str] = None) -> Outcome:
    reg = get_scoped(user, Registry, registry_id)
    if reg is None:
        return Outcome(False, not_found_message(Registry), refused_cases=0, reasons=[])
    if PAYER not in actors_of(user, reg):
        return Outcome(False, "Результаты МЭК загружает плательщик реестра", refused_cases=0, reasons=[])
    if reg.status != RegistryStatus.TAKEN:
        return Outcome(
            False, f"Результаты МЭК загружаются в статусе «{RegistryStatus.TAKEN}»", refused_cases=0, reasons=[]
        )
    expected_file = db.session.execute(
        select(RegistryDocument.file_name).where(
            RegistryDocument.registry_id == reg.id, RegistryDocument.kind == "registry_file"
        )
    ).scalar_one_or_none()
    expected_name = Path(expected_file).stem if expected_file else None
    cases = db.session.execute(
        select(MedicalCase.id, MedicalCase.sumv, MedicalCase.n_zap, MedicalCase.idcase, MedicalCase.patient_id)
        .where(MedicalCase.registry_id == reg.id)
        .order_by(MedicalCase.id)
    ).all()
    reasons: list[str] = []
    refusals: list[dict] = []
    payable: dict[int, Decimal] = {}  # case id -> the payer's SUMP
    with tempfile.TemporaryDirectory() as tmp:
        path, problem = _xml_of(Path(upload), Path(tmp))
        if problem:
            return Outcome(False, "Файл результатов МЭК отклонен", refused_cases=0, reasons=[problem])
        with read_file(path, "H") as h:
            if h.fatal or h.header is None:
                return Outcome(
                    False,
                    "Файл результатов МЭК отклонен",
                    refused_cases=0,
                    reasons=[f.comment for f in h.findings if f.fatal][:20] or ["Файл не читается"],
                )
            zglv, schet = h.header.child("ZGLV"), h.header.child("SCHET")
            fname = zglv.get("FILENAME") if zglv is not None else None
            if expected_name and fname != expected_name:
                reasons.append(f"Имя файла {fname} не совпадает с файлом реестра {expected_name}")
            nschet = schet.get("NSCHET") if schet is not None else None
            if nschet != reg.number[-15:]:
                reasons.append(f"NSCHET {nschet} не совпадает с номером реестра {reg.number[-15:]}")
            seen = set()
            for zap in h.records:
                z = zap.child("Z_SL")
                idcase = z.get("IDCASE") if z is not None else None
                try:
                    index = int(idcase) - 1
                except (TypeError, ValueError):
                    index = -1
                if not 0 <= index < len(cases) or idcase in seen:
                    reasons.append(f"IDCASE {idcase} не относится к реестру или повторяется")
                    continue
                seen.add(idcase)
                case = cases[index]
                sums = CaseSums.of(z)
                sumv, sump, sank_it, oplata = sums.sumv, sums.sump, sums.withheld, sums.oplata
                sanks = z.all("SANK")
                where = f"IDCASE {idcase}"
                if sumv != case.sumv:
                    reasons.append(f"{where}: SUMV {sumv} не совпадает с реестром ({case.sumv})")
                # Q016 003K.00.0240–0280: the same arithmetic as the МЭК of the МО's files
                for code, problem in case_sum_errors(sums, sump_required=True):
                    reasons.append(f"{where}: {problem} ({code})")
                if oplata not in ("0", "1", "2", "3"):
                    reasons.append(f"{where}: OPLATA должна быть 0, 1, 2 или 3")
                payable[case.id] = sump
                if sanks or oplata in ("2", "3"):
                    first = sanks[0] if sanks else None
                    date_act = first.get("DATE_ACT") if first is not None else None
                    refusals.append(
                        dict(
                            case_id=case.id,
                            n_zap=case.n_zap,
                            idcase=case.idcase,
                            oplata=int(oplata),
                            sumv=case.sumv,
                            sump=sump,
                            sank_it=sank_it,
                            codes="; ".join(s.get("S_OSN") or "" for s in sanks)[:200],
                            s_tip="; ".join(s.get("S_TIP") or "" for s in sanks)[:40],
                            num_act=(first.get("NUM_ACT") if first is not None else None),
                            date_act=dt.datetime.fromisoformat(date_act) if date_act else None,
                            comment="; ".join(s.get("S_COM") or "" for s in sanks if s.get("S_COM"))[:500] or None,
                        )
                    )
            if len(seen) != len(cases):
                reasons.append(f"В файле {len(seen)} случаев из {len(cases)} реестра")
    if reasons:
        return Outcome(False, "Файл результатов МЭК отклонен", refused_cases=0, reasons=reasons[:50])
    db.session.execute(delete(RegistryRefusal).where(RegistryRefusal.registry_id == reg.id))
    for r in refusals:
        db.session.add(RegistryRefusal(registry_id=reg.id, **r))
    reg.mek_refused = len(refusals)
    reg.mek_loaded_at = dt.datetime.now()
    db.session.flush()
    # a case partly refused keeps its place: its amount payable becomes the payer's SUMP, the
    # registry's sums and the documents with the sums payable follow
    apply_payer_sump(reg.id, payable)
    refresh_payable_documents(reg)
    _act(reg)
    audit.record(
        "mek_results_loaded",
        user=user,
        object_type="Registry",
        object_id=reg.id,
        details={
            "number": reg.number,
            "refused": len(refusals),
            **_fingerprint(Path(upload), file_name),
            "sum_calc": reg.sum_calc,
            "documents": document_digests(reg.id),
        },
    )
    db.session.commit()
    refresh_after_payer_results(registry_id)  # «Аналитика» of the registry's period (never raises)
    return Outcome(
        True, f"Результаты МЭК загружены: снято случаев {len(refusals)}", refused_cases=len(refusals), reasons=[]
    )


def act_refusals(registry_id: int) -> list[Refusal]:
    """The rows of «Акт МЭК»: the payer's refusals of the registry as recorded, with the patient
    and the F014 reasons by name (the DOCX act and its printable page read the same rows)."""
    q = (
        select(RegistryRefusal, Patient)
        .outerjoin(MedicalCase, MedicalCase.id == RegistryRefusal.case_id)
        .outerjoin(Patient, Patient.id == MedicalCase.patient_id)
        .where(RegistryRefusal.registry_id == registry_id)
        .order_by(RegistryRefusal.id)
    )
    rows = []
    for r, pat in db.session.execute(q):
        codes = [c.strip() for c in (r.codes or "").split(";") if c.strip()]
        names = [n for n in (code_name("F014", c) for c in codes) if n]
        reason = "; ".join(p for p in ("; ".join(names), r.comment or "") if p)
        rows.append(
            Refusal(
                n_zap=r.n_zap or "",
                idcase=r.idcase or "",
                fam=(pat.fam or "") if pat else "",
                im=(pat.im or "") if pat else "",
                ot=(pat.ot or "") if pat else "",
                birth_date=pat.dr if pat else None,
                code=r.codes or "",
                reason=reason,
                withheld=r.sank_it or ZERO,
                case_amount=r.sumv,
            )
        )
    return rows


def act_data(reg: Registry, date: Optional[dt.date] = None) -> RegistryDocData:
    """What «Акт МЭК» shows of the registry besides its rows."""
    mo = db.session.get(Organisation, reg.organisation_id)
    payer = db.session.get(Organisation, reg.payer_id)
    return RegistryDocData(
        number=reg.number,
        date=date or dt.date.today(),
        year=reg.year,
        month=reg.month,
        mo=Party.from_object(mo),
        payer=Party.from_object(payer),
        payer_kind=PAYER_TFOMS if payer.kind == OrgKind.TFOMS else PAYER_SMO,
        registry_type=reg.reg_type,
        case_count=reg.cases,
        total=reg.sum_declared,
    )


def _act(reg: Registry) -> None:
    """«Акт МЭК» of the refusals just recorded (flushed) for the registry."""
    from app.services.registries.documents import _store

    data = act_data(reg)
    db.session.execute(
        delete(RegistryDocument).where(RegistryDocument.registry_id == reg.id, RegistryDocument.kind == "mek_act")
    )
    _store(reg, "mek_act", f"Акт_МЭК_{reg.number}.docx", render_mek_act(data, act_refusals(reg.id)))
