"""Loading one uploaded file: «Проверка архива» → «ФЛК» → (later stages) → «Процесс загрузки
завершен», or an exact error status with a note.

Streaming: the L file is read first (persons stored in batches, their ID_PACs kept in a set),
then the H-type file record by record; each batch of records is checked (structure, Q015 rules,
file totals) and written with one query per table.  A failure leaves no half-written data: what
the load wrote is deleted and the file gets «Ошибка при загрузке подготовленных данных» (the
database refused a write) or «Ошибка при валидации данных» (a control crashed).

Decisions (see README): errors of the file header and file-level totals (FILENAME, SD_Z,
SUMMAV, FILENAME1, the month, the sender, DSCHET ≤ DATA ≤ today) and fatal reading errors reject
every case of the file; an error in a person's L record rejects that person's cases; any other
error rejects its own case only.
"""
from __future__ import annotations

import datetime as dt
import gc
import logging
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Optional

from flask import current_app
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from app.controls.finding import STAGE_FLK, Finding
from app.controls.flk import FileTotals, FlkContext, RuleError, check_header, check_person
from app.extensions import db
from app.formats.archive import ArchiveError, open_pair
from app.formats.reader import read_file
from app.formats.structure import StructureChecker
from app.jobs.runtime import report_progress
from app.models.intake import CasePayload, ControlError, MedicalCase, Patient, UploadedFile
from app.models.organisation import Organisation, Subdivision
from app.models.vocabulary import CaseStatus, FileStatus, NOTE_NO_CASES_FOR_ERZ
from app.models.user import OmsUser
from app.core import bulk
from app.services.intake.rows import date as node_date, integer, money, person_row, text
from app.services.intake.stages.flk_record import RecordChecker
from app.services.reference.nsi import current_lookup
from app.services.reference.rules import enabled_codes

log = logging.getLogger(__name__)
BATCH = 2000

# stages after ФЛК (ЕРЗ identification, МЭК, cost recalculation) register here:
# fn(load: "FileLoad") -> None, run in order on files with accepted cases
POST_FLK_STAGES: list[Callable[["FileLoad"], None]] = []


def _driver_errors() -> tuple[type, ...]:
    """DB-API errors raised past SQLAlchemy (PostgreSQL COPY through the raw connection)."""
    import sqlite3

    errors: list[type] = [sqlite3.Error]
    try:
        import psycopg
        errors.append(psycopg.Error)
    except ImportError:  # pragma: no cover
        pass
    return tuple(errors)


_DRIVER_ERRORS = _driver_errors()


class LoadFailed(Exception):
    def __init__(self, status: str, note: str, cleanup: bool = True):
        super().__init__(note)
        self.status, self.note, self.cleanup = status, note, cleanup


def load_file(file_id: int) -> dict:
    """Run the whole load of one file (the job function calls this)."""
    row = db.session.get(UploadedFile, file_id)
    if row is None:
        raise LookupError(f"файл {file_id} не найден")
    with collector_paused():
        return FileLoad(row).run()


_pauses = 0
_pause_lock = threading.Lock()
_enabled_before = True


@contextmanager
def collector_paused():
    """Python's cyclic garbage collector paused while a file loads.

    A load makes millions of short-lived objects and keeps each batch alive until it is written;
    with the collector's thresholds every batch reaches the oldest generation and the collector
    walks the whole heap again and again (measured: a fifth of a 100,000-case load).  The loaded
    records hold no reference cycles — reference counting frees them at once — so nothing piles
    up meanwhile.  Loads running at the same time in one process share the pause."""
    global _pauses, _enabled_before
    with _pause_lock:
        if _pauses == 0:
            _enabled_before = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _enabled_before:
                gc.enable()


class FileLoad:
    def __init__(self, file: UploadedFile):
        self.file = file
        self.file_id = file.id
        self.org_id = file.organisation_id
        self.workdir = Path(current_app.config["DATA_DIR"]) / "work" / str(file.id)
        self.person_ids: set[str] = set()
        self.bad_persons: set[str] = set()
        self.fatal = False
        self.expected = 0
        self.seen = 0
        self.ctx: Optional[FlkContext] = None

    # -- status ------------------------------------------------------------------------------------
    def set_status(self, status: str, progress: Optional[int] = None, **values) -> None:
        values["status"] = status
        if progress is not None:
            values["progress"] = progress
            report_progress(progress, status)
        db.session.execute(update(UploadedFile).where(UploadedFile.id == self.file_id).values(**values))
        db.session.commit()

    def run(self) -> dict:
        try:
            self.set_status(FileStatus.ARCHIVE, 2)
            pair = self._open_archive()
            self._check_sender(pair)
            self.set_status(FileStatus.FLK, 5)
            self._flk(pair)
            if self._accepted() == 0:    # nothing accepted: the earlier versions stay as they are
                self._count()
                raise LoadFailed(FileStatus.ERR_ERZ, NOTE_NO_CASES_FOR_ERZ, cleanup=False)
            for stage in POST_FLK_STAGES:
                stage(self)
            # only a load that went through every stage replaces earlier versions (one transaction):
            # a failure before leaves them as they were
            self._resolve_versions()
            self._count()
            self.set_status(FileStatus.DONE, 100, note=None, finished_at=dt.datetime.now())
        except LoadFailed as failure:
            self._fail(failure)
        except (SQLAlchemyError, *_DRIVER_ERRORS) as exc:   # the driver's own: COPY in bulk.py
            self._fail(LoadFailed(FileStatus.ERR_DB, f"Ошибка записи в базу данных: {_short(exc)}"))
        except RuleError as exc:
            self._fail(LoadFailed(FileStatus.ERR_VALIDATION, f"Сбой проверки: {exc}"))
        except Exception as exc:  # a control or the reader crashed on this input
            log.exception("load of file %s crashed", self.file_id)
            self._fail(LoadFailed(FileStatus.ERR_VALIDATION, f"Сбой при проверке данных: {type(exc).__name__}: {exc}"))
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)
        db.session.expire_all()
        return summary(db.session.get(UploadedFile, self.file_id))

    def _fail(self, failure: LoadFailed) -> None:
        db.session.rollback()
        if failure.cleanup:
            delete_file_data(self.file_id)
            values = dict(records=0, flk_rejected=0, flk_errors=0, mek_rejected=0, mek_errors=0)
        else:
            values = {}
        self.set_status(failure.status, 100, note=failure.note[:2000], finished_at=dt.datetime.now(),
                        **values)

    # -- archive --------------------------------------------------------------------------------
    def _open_archive(self):
        cfg = current_app.config
        try:
            return open_pair(self.file.archive_path, self.workdir,
                             max_total_bytes=cfg["ARCHIVE_MAX_UNPACKED_BYTES"],
                             max_ratio=cfg["ARCHIVE_MAX_RATIO"])
        except ArchiveError as exc:
            raise LoadFailed(FileStatus.ERR_UPLOAD, exc.note, cleanup=False)
        except OSError as exc:
            raise LoadFailed(FileStatus.ERR_UPLOAD, f"Архив не удалось прочитать: {exc.strerror or exc}",
                             cleanup=False)

    def _check_sender(self, pair) -> None:
        org = db.session.get(Organisation, self.org_id)
        user = db.session.get(OmsUser, self.file.uploaded_by_id) if self.file.uploaded_by_id else None
        h = pair.h_file
        values = dict(h_name=pair.h_stem, l_name=pair.l_stem, file_type=h.type, sender_code=h.sender_code)
        if h.sender_kind != "M":
            raise LoadFailed(FileStatus.ERR_UPLOAD, f"Отправитель в имени файла {pair.h_stem} должен быть "
                             f"медицинской организацией (M), указан «{h.sender_kind}»", cleanup=False)
        subs = {s.code: s for s in db.session.query(Subdivision).filter_by(organisation_id=org.id)}
        limited = user.subdivision if user is not None and user.subdivision_id else None
        if limited is not None:
            if h.sender_code != limited.code:
                raise LoadFailed(FileStatus.ERR_UPLOAD, f"Код отправителя {h.sender_code} в имени файла "
                                 f"{pair.h_stem} не совпадает с подразделением пользователя {limited.code}",
                                 cleanup=False)
            values["subdivision_id"] = limited.id
        elif h.sender_code == org.code:
            values["subdivision_id"] = None
        elif h.sender_code in subs:
            values["subdivision_id"] = subs[h.sender_code].id
        else:
            raise LoadFailed(FileStatus.ERR_UPLOAD, f"Код отправителя {h.sender_code} в имени файла {pair.h_stem} "
                             f"не является кодом вашей МО ({org.code}) или ее подразделения", cleanup=False)
        db.session.execute(update(UploadedFile).where(UploadedFile.id == self.file_id).values(**values))
        db.session.commit()
        self.subdivision_id = values["subdivision_id"]
        self.sender_mo = h.sender_code      # the МО or the subdivision that sends the file

    # -- ФЛК --------------------------------------------------------------------------------------
    def _flk(self, pair) -> None:
        with read_file(pair.h_path, pair.h_file.type) as h, read_file(pair.l_path, "L") as l:
            self._save_findings(h.findings + l.findings)
            opened_h, opened_l = len(h.findings), len(l.findings)
            # a header whose reading broke off is incomplete: checking it (or the file totals of a
            # file not read to its end) would only add false errors to the reading error
            h_broken, l_broken = h.fatal, l.fatal
            if h.fatal or l.fatal or h.header is None or l.header is None:
                self.fatal = True
            header = h.header
            self._remember_header(header)
            if header is not None:
                self.ctx = FlkContext.from_header(
                    header, l.header, sender_mo=self.sender_mo, nsi=current_lookup(),
                    enabled=None, today=dt.date.today(), member_name=pair.h_name,
                    l_member_name=pair.l_name)
                self.ctx.enabled = enabled_codes(STAGE_FLK, self.ctx.rule_date)
                header_findings = []
                if not h_broken:
                    if h.definition:
                        header_findings += StructureChecker(h.definition).header(header)
                    header_findings += check_header(header, self.ctx)
                if l.header is not None and not l_broken:
                    if l.definition:
                        header_findings += StructureChecker(l.definition).header(l.header)
                    header_findings += check_header(l.header, self.ctx)
                for f in header_findings:
                    f.fatal = True
                if header_findings:
                    self.fatal = True
                self._save_findings(header_findings)
            if not l.fatal and l.definition is not None:
                self._read_persons(l)
            totals = FileTotals(self.ctx, header, person_ids=self.person_ids) if self.ctx else None
            if not h.fatal and h.definition is not None:
                self._read_cases(h, totals)
            late = h.findings[opened_h:] + l.findings[opened_l:]   # reading broke off midway
            self._save_findings(late)
            if any(f.fatal for f in late):
                self.fatal = True
            if totals is not None and not h.fatal:
                finals = totals.finish(header)
                for f in finals:
                    f.fatal = True
                if finals:
                    self.fatal = True
                    self._save_findings(finals)
        if self.fatal:
            db.session.execute(update(MedicalCase).where(MedicalCase.file_id == self.file_id)
                               .values(status=CaseStatus.FLK_REJECTED))
            db.session.commit()

    def _remember_header(self, header) -> None:
        if header is None:
            return
        zglv, schet = header.child("ZGLV"), header.child("SCHET")
        self.expected = integer(zglv, "SD_Z") or 0
        values = dict(version=text(zglv, "VERSION", 5), year=integer(schet, "YEAR"),
                      month=integer(schet, "MONTH"), nschet=text(schet, "NSCHET", 15),
                      dschet=node_date(schet, "DSCHET"), sumv_declared=money(schet, "SUMMAV"))
        if values["month"] is not None and not 1 <= values["month"] <= 12:
            values["month"] = None
        db.session.execute(update(UploadedFile).where(UploadedFile.id == self.file_id).values(**values))
        db.session.commit()
        self.year, self.month = values["year"], values["month"]

    def _read_persons(self, l) -> None:
        checker = StructureChecker(l.definition)
        batch, findings = [], []
        for pers, reader_findings in l.items():
            found = list(reader_findings) + checker.record(pers)
            if self.ctx is not None:
                found += check_person(pers, self.ctx)
            id_pac = pers.get("ID_PAC")
            duplicate = id_pac in self.person_ids
            if found and id_pac:
                self.bad_persons.add(id_pac)
            for f in found:
                f.file_kind, f.id_pac = "L", f.id_pac or id_pac
            findings += found
            if id_pac and not duplicate:
                self.person_ids.add(id_pac)
                batch.append(person_row(pers))
            elif duplicate:
                findings.append(_duplicate_person(pers, id_pac))
            if len(batch) >= BATCH:
                self._insert_persons(batch)
                batch = []
            if len(findings) >= BATCH:
                self._save_findings(findings)
                findings = []
        self._insert_persons(batch)
        self._save_findings(findings)

    def _insert_persons(self, rows: list[dict]) -> None:
        if not rows:
            return
        for r in rows:
            r.update(file_id=self.file_id, organisation_id=self.org_id, subdivision_id=self.subdivision_id)
        bulk.insert_returning_ids(Patient.__table__, rows)
        db.session.commit()

    def _read_cases(self, h, totals: Optional[FileTotals]) -> None:
        checker = RecordChecker(h.definition, self.ctx)
        batch = []
        for item in h.items():
            batch.append(item)
            if len(batch) >= BATCH:
                self._check_and_write(batch, checker, totals)
                batch = []
        self._check_and_write(batch, checker, totals)

    def _persons_of(self, zaps) -> dict[str, tuple[int, object]]:
        ids = {z.get("PACIENT/ID_PAC") for z in zaps} - {None}
        if not ids:
            return {}
        rows = db.session.execute(select(Patient.id, Patient.id_pac, Patient.pers_xml).where(
            Patient.file_id == self.file_id, Patient.id_pac.in_(ids)))
        return {id_pac: (pid, xml) for pid, id_pac, xml in rows}

    def _check_and_write(self, batch, checker: RecordChecker, totals: Optional[FileTotals]) -> None:
        if not batch:
            return
        persons = self._persons_of([z for z, _ in batch])
        cases, payloads, per_case = [], [], []
        for zap, reader_findings in batch:
            id_pac = zap.get("PACIENT/ID_PAC")
            person = persons.get(id_pac)
            found, row, payload = checker.check(zap, reader_findings, person[1] if person else None)
            if totals is not None:
                found += totals.add(zap)
            rejected = bool(found) or self.fatal or (id_pac in self.bad_persons)
            row.update(file_id=self.file_id, organisation_id=self.org_id,
                       subdivision_id=self.subdivision_id, year=self.year, month=self.month,
                       file_type=self.file.file_type or None,
                       patient_id=person[0] if person else None,
                       status=CaseStatus.FLK_REJECTED if rejected else CaseStatus.ACCEPTED,
                       flk_errors=len(found))
            cases.append(row)
            payloads.append(payload)
            per_case.append(found)
        ids = bulk.insert_returning_ids(MedicalCase.__table__, cases)
        bulk.insert_rows(CasePayload.__table__, [{"case_id": i, "zap_xml": x} for i, x in zip(ids, payloads)])
        errors = [(case_id, f) for case_id, found in zip(ids, per_case) for f in found]
        self._save_findings([f for _, f in errors], case_ids=[c for c, _ in errors])
        db.session.commit()
        self.seen += len(batch)
        if self.expected:
            self.set_status(FileStatus.FLK, 5 + min(80, int(80 * self.seen / self.expected)))

    def _save_findings(self, findings: list[Finding], case_ids: Optional[list] = None) -> None:
        if not findings:
            return
        sub = getattr(self, "subdivision_id", None)
        rows = [error_row(f, self.file_id, self.org_id, sub, case_ids[i] if case_ids else None)
                for i, f in enumerate(findings)]
        bulk.insert_returning_ids(ControlError.__table__, rows)
        db.session.commit()

    def _resolve_versions(self) -> None:
        """Re-uploads: replace earlier versions of the cases, skip those already in a registry."""
        from app.services.intake.stages.versions import NEW, UNCHANGED, UPDATED, resolve_versions

        counts = resolve_versions(self.file_id, self.org_id, getattr(self, "subdivision_id", None))
        db.session.execute(update(UploadedFile).where(UploadedFile.id == self.file_id).values(
            new_count=counts[NEW], updated_count=counts[UPDATED], unchanged_count=counts[UNCHANGED],
            skipped_count=counts["skipped"]))
        db.session.commit()

    # -- counts ---------------------------------------------------------------------------------
    def _accepted(self) -> int:
        return db.session.execute(select(func.count()).select_from(MedicalCase).where(
            MedicalCase.file_id == self.file_id, MedicalCase.status == CaseStatus.ACCEPTED)).scalar_one()

    def _count(self) -> None:
        db.session.execute(update(UploadedFile).where(UploadedFile.id == self.file_id).values(
            **file_counts(self.file_id)))
        db.session.commit()


def _duplicate_person(pers, id_pac) -> Finding:
    from app.controls.flk.totals import UNIQUE_PERSON

    return Finding(code=UNIQUE_PERSON.code, comment=UNIQUE_PERSON.message, element="ID_PAC",
                   base_element="PERS", id_pac=id_pac, value=id_pac, line=pers.line, file_kind="L")


def _clip(value, width):
    if value is None:
        return None
    value = str(value)
    return value[:width]


def error_row(f: Finding, file_id: int, org_id: int, subdivision_id, case_id) -> dict:
    return {
        "file_id": file_id, "organisation_id": org_id, "subdivision_id": subdivision_id,
        "case_id": case_id, "stage": f.stage, "code": _clip(f.code, 20), "file_kind": f.file_kind[:1],
        "element": _clip(f.element, 40), "base_element": _clip(f.base_element, 40),
        "n_zap": _clip(f.n_zap, 8), "idcase": _clip(f.idcase, 11), "sl_id": _clip(f.sl_id, 36),
        "idserv": _clip(f.idserv, 36), "id_pac": _clip(f.id_pac, 36), "value": _clip(f.value, 250),
        "comment": _clip(f.comment, 250), "line": f.line, "fatal": bool(f.fatal),
    }


def file_counts(file_id: int) -> dict:
    """«Количество записей», rejected on ФЛК / ФЛК errors, rejected on МЭК / МЭК errors."""
    from app.models.vocabulary import CaseStatus

    records, flk_rejected, mek_rejected = db.session.execute(
        select(func.count(),
               func.coalesce(func.sum(func.cast(MedicalCase.status == CaseStatus.FLK_REJECTED, db.Integer)), 0),
               func.coalesce(func.sum(func.cast(MedicalCase.status == CaseStatus.MEK_REJECTED, db.Integer)), 0))
        .where(MedicalCase.file_id == file_id)).one()
    by_stage = dict(db.session.execute(select(ControlError.stage, func.count()).where(
        ControlError.file_id == file_id).group_by(ControlError.stage)).all())
    from app.controls.finding import STAGE_MEK

    return dict(records=records, flk_rejected=flk_rejected, mek_rejected=mek_rejected,
                flk_errors=by_stage.get(STAGE_FLK, 0), mek_errors=by_stage.get(STAGE_MEK, 0))


def delete_file_data(file_id: int, commit: bool = True) -> None:
    """Remove everything a load wrote for this file (errors, payloads, cases, patients, versions)."""
    from app.models.registry import CaseVersion

    case_ids = select(MedicalCase.id).where(MedicalCase.file_id == file_id)
    db.session.execute(delete(ControlError).where(ControlError.file_id == file_id))
    db.session.execute(delete(CasePayload).where(CasePayload.case_id.in_(case_ids)))
    db.session.execute(delete(MedicalCase).where(MedicalCase.file_id == file_id))
    db.session.execute(delete(Patient).where(Patient.file_id == file_id))
    db.session.execute(delete(CaseVersion).where(CaseVersion.file_id == file_id))
    if commit:
        db.session.commit()


def _short(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig or exc).splitlines()[0][:500]


def summary(row: UploadedFile, max_errors: Optional[int] = None) -> dict:
    """The JSON of ``oms load`` (and of the API) for one file."""
    fields = ("stage", "code", "element", "n_zap", "idcase", "sl_id", "value", "comment")
    # the columns only, not ControlError objects: a file may have a hundred thousand errors
    q = (select(*(getattr(ControlError, f) for f in fields))
         .where(ControlError.file_id == row.id).order_by(ControlError.id))
    if max_errors is not None:
        q = q.limit(max_errors)
    errors = [dict(zip(fields, e)) for e in db.session.execute(q)]
    return {"file": row.archive_name, "file_id": row.id, "status": row.status, "note": row.note,
            "records": row.records, "flk_rejected": row.flk_rejected, "flk_errors": row.flk_errors,
            "mek_rejected": row.mek_rejected, "errors": errors}


import app.services.intake.post_flk  # noqa: E402,F401  (ЕРЗ, МЭК and cost recalculation join POST_FLK_STAGES)
