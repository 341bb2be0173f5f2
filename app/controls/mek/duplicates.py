"""Duplicates (Q016 003K.00.0420 «Дублирование профильного посещения»), set-based in SQL.

Two cases are the same care when USL_OK ≠ 4 and they have the same patient (the ЕРЗ person, else
ЕНП / policy / name + birth date: ``MedicalCase.person_key``), DATE_Z_1, DATE_Z_2, USL_OK, NOVOR
and the PROFIL and PRVS of the first SL.

* within the file: of each group of such accepted cases the first (lowest N_ZAP order of loading)
  stays, every other is refused — F014 1.10.2 (дублирование случаев в одном реестре);
* against earlier files of the same МО: a case whose twin was accepted from an earlier file
  (still «Принят», or «В реестре», «Приостановлен») under another NHISTORY is refused — F014
  1.10.1 (позиция реестра оплачена / предъявлена ранее).  A twin with the same NHISTORY is the
  same case sent again (the identity of a case: МО, patient, USL_OK, dates, NHISTORY): it is a new
  version of that case, which the re-upload replaces or skips
  (:mod:`app.services.intake.stages.versions`), not a duplicate.

Two queries for the whole file, on the index (organisation_id, person_key, date_z_1).
"""

from __future__ import annotations

from sqlalchemy import and_, func, literal_column, select
from sqlalchemy.orm import aliased

from app.controls.mek.engine import SetCase
from app.controls.mek.registry import MekHit, mek_rule
from app.extensions import db
from app.models.intake import MedicalCase, UploadedFile
from app.models.vocabulary import CaseStatus, FileStatus

EARLIER_STATUSES = (CaseStatus.ACCEPTED, CaseStatus.IN_REGISTRY, CaseStatus.SUSPENDED)
WITHIN_FILE = "1.10.2"
EARLIER = "1.10.1"


def _novor(c):
    """NOVOR, "0" when absent — a literal, so that PostgreSQL sees the same GROUP BY expression."""
    return func.coalesce(c.novor, literal_column("'0'"))


def is_same_care(a, b):
    return and_(
        a.person_key == b.person_key,
        a.date_z_1 == b.date_z_1,
        a.date_z_2 == b.date_z_2,
        a.usl_ok == b.usl_ok,
        a.profil == b.profil,
        a.prvs == b.prvs,
        _novor(a) == _novor(b),
    )


@mek_rule(
    "003K.00.0420",
    "ZL_LIST/ZAP/Z_SL/DATE_Z_1",
    "CHTX",
    "Дублирование профильного посещения",
    refusal=WITHIN_FILE,
    scope="set",
)
def duplicates(ctx, file_id):
    mc = MedicalCase
    ours = (mc.file_id == file_id, mc.status == CaseStatus.ACCEPTED, mc.usl_ok != 4, mc.person_key.isnot(None))
    # within the file: one scan with window functions (a GROUP BY joined back makes PostgreSQL
    # re-aggregate per row when the fresh file has no statistics yet)
    same_care = (mc.person_key, mc.date_z_1, mc.date_z_2, mc.usl_ok, mc.profil, mc.prvs, _novor(mc))
    ordered = dict(partition_by=same_care, order_by=mc.id)
    marked = (
        select(
            mc.id,
            mc.n_zap,
            mc.idcase,
            mc.id_pac,
            mc.sumv,
            mc.date_z_1,
            func.count().over(partition_by=same_care).label("copies"),
            func.first_value(mc.n_zap).over(**ordered).label("first_n_zap"),
            func.first_value(mc.idcase).over(**ordered).label("first_idcase"),
            func.row_number().over(**ordered).label("nth"),
        )
        .where(*ours)
        .subquery()
    )
    rows = db.session.execute(
        select(
            marked.c.id,
            marked.c.n_zap,
            marked.c.idcase,
            marked.c.id_pac,
            marked.c.sumv,
            marked.c.date_z_1,
            marked.c.first_n_zap,
            marked.c.first_idcase,
        )
        .where(marked.c.copies > 1, marked.c.nth > 1)
        .order_by(marked.c.id)
    ).all()
    seen = set()
    for case_id, n_zap, idcase, id_pac, sumv, d1, first_n_zap, first_idcase in rows:
        seen.add(case_id)
        yield (
            SetCase(case_id, n_zap, idcase, id_pac, sumv),
            MekHit(
                value=d1.isoformat() if d1 else None,
                detail=f"повторяет случай N_ZAP {first_n_zap}, IDCASE {first_idcase} этого файла",
            ),
        )
    # against earlier files of the same МО
    e = aliased(MedicalCase)
    rows = db.session.execute(
        select(mc.id, mc.n_zap, mc.idcase, mc.id_pac, mc.sumv, mc.date_z_1, e.idcase, UploadedFile.archive_name)
        .select_from(mc)
        .join(e, and_(e.organisation_id == mc.organisation_id, is_same_care(e, mc)))
        .join(UploadedFile, and_(UploadedFile.id == e.file_id, UploadedFile.status == FileStatus.DONE))
        .where(
            *ours,
            e.file_id < file_id,
            e.status.in_(EARLIER_STATUSES),
            func.coalesce(e.nhistory, literal_column("''")) != func.coalesce(mc.nhistory, literal_column("''")),
        )
        .order_by(mc.id, e.id)
    ).all()
    for case_id, n_zap, idcase, id_pac, sumv, d1, other_idcase, archive in rows:
        if case_id in seen:
            continue
        seen.add(case_id)
        yield (
            SetCase(case_id, n_zap, idcase, id_pac, sumv),
            MekHit(
                value=d1.isoformat() if d1 else None,
                refusal=EARLIER,
                detail=f"случай уже принят: файл {archive}, IDCASE {other_idcase}",
            ),
        )
