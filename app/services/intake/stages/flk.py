"""Stage «ФЛК»: the L file is read first (persons stored in batches, their ID_PACs kept in a set),
then the cases file record by record; each batch of records is checked (structure, the Q015 rules
with the record's person, the file totals) and written with one query per table.

What a finding rejects: errors of the file header and the file-level totals (FILENAME, SD_Z,
SUMMAV, FILENAME1, the month, the sender, DSCHET ≤ DATA ≤ today) and fatal reading errors reject
every case of the file; an error in a person's L record rejects that person's cases; any other
error rejects its own case only.  A file with no case accepted ends here: «Ошибка формирования
файла для ЕРЗ» / «Нет случаев для отправки в РС ЕРЗ», its errors kept for the protocol.
"""

from __future__ import annotations

import datetime as dt
from typing import Optional, Protocol

from flask import current_app
from sqlalchemy import func, select, update

from app.controls.finding import STAGE_FLK, Finding
from app.controls.flk import FileTotals, FlkContext, check_header, check_person, check_record
from app.controls.flk.engine import prefer_rule_codes
from app.controls.flk.totals import UNIQUE_PERSON
from app.core.bulk import insert_returning_ids, insert_rows
from app.extensions import db
from app.formats.fast_fragments import parse_fragment
from app.formats.fragments import to_xml
from app.formats.periods import VERSION_CHECKS
from app.formats.reader import XmlFile, read_file
from app.formats.record import Node
from app.formats.structure import StructureChecker
from app.models.intake import CasePayload, MedicalCase, Patient
from app.models.vocabulary import NOTE_NO_CASES_FOR_ERZ, CaseStatus, FileStatus
from app.services.intake import file_data
from app.services.intake.context import LoadContext, LoadFailed
from app.services.intake.rows import case_row, date, integer, money, person_row, text
from app.services.intake.scale_out.cutting import Cutter
from app.services.reference import format_versions
from app.services.reference.in_force import in_force
from app.services.reference.nsi import current_lookup
from app.services.reference.rules import rule_book

BATCH = 2000


def run(load: LoadContext) -> None:
    load.update_file(**in_force())  # the catalogue and the НСИ this file is checked against
    _FlkRun(load).run()


def chunk_records(load: LoadContext) -> int:
    """Records per chunk of a load cut into chunks; 0 — the whole file in this job (the embedded
    mode, a check without loading, or the setting 0)."""
    if load.dry_run or not load.in_parts:
        return 0
    return max(0, int(current_app.config.get("LOAD_CHUNK_RECORDS") or 0))


class _FlkRun:
    """The ФЛК of one file: what it keeps while the files stream by."""

    def __init__(self, load: LoadContext) -> None:
        self.load = load
        self.person_ids: set[str] = set()  # ID_PACs of the L file
        self.bad_persons: set[str] = set()  # ID_PACs whose L record has an error
        self.fatal = False  # an error that rejects every case of the file
        self.expected = 0  # SD_Z: records announced by the header
        self.seen = 0
        self.version_note: Optional[str] = None  # the file's VERSION is not the one of its period
        self.l_header: Optional[Node] = None
        self.cutter: Optional[Cutter] = None  # the file is longer than a chunk: the rest goes to chunks

    def save(self, findings: list[Finding], case_ids: Optional[list[Optional[int]]] = None) -> None:
        load = self.load
        file_data.save_findings(load.file_id, load.organisation_id, load.subdivision_id, findings, case_ids)

    def run(self) -> None:
        load, pair = self.load, self.load.pair
        with read_file(pair.h_path, pair.h_file.type) as h, read_file(pair.l_path, "L") as l_file:
            self.save(h.findings + l_file.findings)
            opened_h, opened_l = len(h.findings), len(l_file.findings)
            # a header whose reading broke off is incomplete: checking it (or the file totals of a
            # file not read to its end) would only add false errors to the reading error
            h_broken, l_broken = h.fatal, l_file.fatal
            if h.fatal or l_file.fatal or h.header is None or l_file.header is None:
                self.fatal = True
            header = h.header
            self.l_header = l_file.header
            self._remember_header(header)
            if header is not None:
                load.flk = FlkContext.from_header(
                    header,
                    l_file.header,
                    sender_mo=load.sender_code,
                    periods=format_versions.table(),
                    nsi=current_lookup(),
                    rules=rule_book(STAGE_FLK),
                    today=dt.date.today(),
                    member_name=pair.h_name,
                    l_member_name=pair.l_name,
                )
                header_findings = []
                if not h_broken:
                    if h.definition:
                        header_findings += StructureChecker(h.definition).header(header)
                    header_findings += check_header(header, load.flk)
                if l_file.header is not None and not l_broken:
                    if l_file.definition:
                        header_findings += StructureChecker(l_file.definition).header(l_file.header)
                    header_findings += check_header(l_file.header, load.flk)
                header_findings = prefer_rule_codes(header_findings)
                for f in header_findings:
                    f.fatal = True
                    if f.code in VERSION_CHECKS and self.version_note is None:
                        self.version_note = f"{f.comment}: получено {f.value}" if f.value else f.comment
                if header_findings:
                    self.fatal = True
                self.save(header_findings)
            if not l_file.fatal and l_file.definition is not None:
                self._read_persons(l_file)
            totals = FileTotals(load.flk, header, person_ids=self.person_ids) if load.flk else None
            if not h.fatal and h.definition is not None:
                self._read_cases(h, totals)
            late = h.findings[opened_h:] + l_file.findings[opened_l:]  # reading broke off midway
            if any(f.fatal for f in late):
                self.fatal = True
            finals = totals.finish(header) if totals is not None and not h.fatal else []
            for f in finals:
                f.fatal = True
            if finals:
                self.fatal = True
        if self.cutter is not None:  # the chunks end the ФЛК (scale_out.flow.after_flk)
            self.cutter.finish(late + finals, records=self.seen, fatal=self.fatal, version_note=self.version_note)
            self.load.handed_off = True
            return
        self.save(late)
        self.save(finals)
        end_flk(load, self.seen, self.fatal, self.version_note)

    def _remember_header(self, header: Optional[Node]) -> None:
        if header is None:
            return
        self.load.header = header
        zglv, schet = header.child("ZGLV"), header.child("SCHET")
        self.expected = integer(zglv, "SD_Z") or 0
        values = dict(
            version=text(zglv, "VERSION", 5),
            year=integer(schet, "YEAR"),
            month=integer(schet, "MONTH"),
            nschet=text(schet, "NSCHET", 15),
            dschet=date(schet, "DSCHET"),
            sumv_declared=money(schet, "SUMMAV"),
        )
        if values["month"] is not None and not 1 <= values["month"] <= 12:
            values["month"] = None
        self.load.year, self.load.month = values["year"], values["month"]
        self.load.update_file(**values)

    # -- the L file ----------------------------------------------------------------------------------
    def _read_persons(self, l_file: XmlFile) -> None:
        checker = StructureChecker(l_file.definition)
        batch, findings = [], []
        for pers, reader_findings in l_file.items():
            found = list(reader_findings) + checker.record(pers)
            if self.load.flk is not None:
                found = prefer_rule_codes(found + check_person(pers, self.load.flk))
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
                findings.append(self._duplicate_person(pers, id_pac))
            if len(batch) >= BATCH:
                self._insert_persons(batch)
                batch = []
            if len(findings) >= BATCH:
                self.save(findings)
                findings = []
        self._insert_persons(batch)
        self.save(findings)

    def _insert_persons(self, rows: list[dict]) -> None:
        if not rows:
            return
        load = self.load
        for r in rows:
            r.update(file_id=load.file_id, organisation_id=load.organisation_id, subdivision_id=load.subdivision_id)
        insert_returning_ids(Patient.__table__, rows)
        db.session.commit()

    # -- the cases file ------------------------------------------------------------------------------
    def _read_cases(self, h: XmlFile, totals: Optional[FileTotals]) -> None:
        """Check and write the records in batches.  In a load cut into chunks (``LOAD_CHUNK_RECORDS``)
        the first chunk's records wait here until the file proves longer than a chunk: then every
        chunk, the first included, goes to the workers (:mod:`app.services.intake.scale_out`) while
        this job reads on; a file no longer than a chunk is checked here.  The file totals are fed
        here, in file order."""
        checker = RecordChecker(self.load, StructureChecker(h.definition), self.bad_persons, self.fatal)
        limit = chunk_records(self.load)
        batch = []  # without chunks: the records of the next batch; with: those of the first chunk
        for zap, reader_findings in h.items():
            more = totals.add(zap) if totals is not None else []
            self.seen += 1
            if self.cutter is not None:
                self.cutter.take(zap, reader_findings, more)
                continue
            batch.append((zap, reader_findings, more))
            if limit and len(batch) > limit:  # longer than a chunk: cut from its first record on
                self.cutter = Cutter(self.load, limit, self._chunk_context(h))
                for record in batch:
                    self.cutter.take(*record)
                batch = []
            elif not limit and len(batch) >= BATCH:
                checker.check_and_write(batch, FileSink(self.load))
                batch = []
                self._progress()
        for start in range(0, len(batch), BATCH):  # no chunks, or a file no longer than one
            checker.check_and_write(batch[start : start + BATCH], FileSink(self.load))
        self._progress()

    def _progress(self) -> None:
        if self.expected:
            self.load.progress(min(self.seen, self.expected) / self.expected)

    def _chunk_context(self, h: XmlFile) -> dict:
        """What a chunk of this file needs of what the ФЛК read before the cases (pickled)."""
        return dict(
            bad_persons=self.bad_persons,
            fatal=self.fatal,
            expected=self.expected,
            l_header=self.l_header,
            kind=h.kind,
            version=h.version,
        )

    def _duplicate_person(self, pers: Node, id_pac: str) -> Finding:
        message = self.load.flk.rules.message(UNIQUE_PERSON) if self.load.flk else UNIQUE_PERSON.message
        return Finding(
            code=UNIQUE_PERSON.code,
            comment=message,
            element="ID_PAC",
            base_element="PERS",
            id_pac=id_pac,
            value=id_pac,
            line=pers.line,
            file_kind="L",
        )


def end_flk(load: LoadContext, records: int, fatal: bool, version_note: Optional[str]) -> None:
    """After every record: «Количество записей», a fatal error rejects every case, and a file with no
    case accepted ends here («Нет случаев для отправки в РС ЕРЗ», its errors kept)."""
    # «Количество записей»: every ZAP read, whatever becomes of it later (rejected, replaced, skipped)
    load.update_file(records=records)
    if fatal:
        db.session.execute(
            update(MedicalCase).where(MedicalCase.file_id == load.file_id).values(status=CaseStatus.FLK_REJECTED)
        )
        db.session.commit()
    accepted = db.session.execute(
        select(func.count())
        .select_from(MedicalCase)
        .where(MedicalCase.file_id == load.file_id, MedicalCase.status == CaseStatus.ACCEPTED)
    ).scalar_one()
    if accepted == 0:  # the errors stay for the protocol; earlier versions stay as they were
        # a file in the version of another period: the note says which version its period requires
        note = f"{NOTE_NO_CASES_FOR_ERZ}. {version_note}" if version_note else NOTE_NO_CASES_FOR_ERZ
        raise LoadFailed(FileStatus.ERR_ERZ, note, cleanup=False)


class FindingSink(Protocol):
    """Where the checked records' findings go: :class:`FileSink` or a part's staging."""

    def save(self, findings: list[Finding], case_ids: list[Optional[int]]) -> None: ...

    def commit(self) -> None: ...


class FileSink:
    """Where the records checked in the load's own job go: their findings straight to the file's
    errors, each batch committed."""

    def __init__(self, load: LoadContext) -> None:
        self.load = load

    def save(self, findings: list[Finding], case_ids: list[Optional[int]]) -> None:
        load = self.load
        file_data.save_findings(load.file_id, load.organisation_id, load.subdivision_id, findings, case_ids)

    def commit(self) -> None:
        db.session.commit()


class RecordChecker:
    """The ФЛК of the records of a cases file, batch by batch — the same in the load's own job and
    in a chunk of it: the structure, the Q015 rules with the record's person from the L file, the
    findings of the file totals already made for it; the case rows and their ZAP written with one
    query per table (``ids``: the case ids the cutting reserved for the records, in their order)."""

    def __init__(self, load: LoadContext, structure: StructureChecker, bad_persons: set[str], fatal: bool) -> None:
        self.load, self.structure, self.bad_persons, self.fatal = load, structure, bad_persons, fatal

    def _persons_of(self, zaps: list[Node]) -> dict[str, tuple[int, str]]:
        ids = {z.get("PACIENT/ID_PAC") for z in zaps} - {None}
        if not ids:
            return {}
        rows = db.session.execute(
            select(Patient.id, Patient.id_pac, Patient.pers_xml).where(
                Patient.file_id == self.load.file_id, Patient.id_pac.in_(ids)
            )
        )
        return {id_pac: (pid, xml) for pid, id_pac, xml in rows}

    def check_and_write(
        self, batch: list[tuple[Node, list[Finding], list[Finding]]], sink: FindingSink, ids: Optional[list[int]] = None
    ) -> None:
        if not batch:
            return
        load, flk = self.load, self.load.flk
        persons = self._persons_of([z for z, _, _ in batch])
        disp = load.disp
        cases, payloads, per_case = [], [], []
        for zap, reader_findings, totals_findings in batch:
            id_pac = zap.get("PACIENT/ID_PAC")
            person = persons.get(id_pac)
            found = list(reader_findings) + self.structure.record(zap)
            if flk is not None:
                pers = parse_fragment(person[1], lines=True) if person and person[1] else None
                found += check_record(zap, pers, flk)
            found = prefer_rule_codes(found + list(totals_findings))
            rejected = bool(found) or self.fatal or (id_pac in self.bad_persons)
            row = case_row(zap)
            row.update(
                file_id=load.file_id,
                organisation_id=load.organisation_id,
                subdivision_id=load.subdivision_id,
                year=load.year,
                month=load.month,
                file_type=load.file_type or None,
                disp=disp,
                patient_id=person[0] if person else None,
                status=CaseStatus.FLK_REJECTED if rejected else CaseStatus.ACCEPTED,
                flk_errors=len(found),
            )
            cases.append(row)
            payloads.append(to_xml(zap))
            per_case.append(found)
        if ids is not None:  # reserved by the cutting, in the order of the file's records
            for row, case_id in zip(cases, ids, strict=True):
                row["id"] = case_id
            insert_rows(MedicalCase.__table__, cases)
        else:
            ids = insert_returning_ids(MedicalCase.__table__, cases)
        insert_rows(CasePayload.__table__, [{"case_id": i, "zap_xml": x} for i, x in zip(ids, payloads, strict=True)])
        errors = [(case_id, f) for case_id, found in zip(ids, per_case, strict=True) for f in found]
        sink.save([f for _, f in errors], [c for c, _ in errors])
        sink.commit()
