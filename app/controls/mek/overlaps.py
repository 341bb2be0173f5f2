"""Overlapping care of one patient, set-based in SQL over the whole file (regional rules: Q016 has
no code for them, the regional МЭК of every fund has them).

* 003K.14.0070 — two round-the-clock stays (USL_OK 1) of the same patient overlap: one begins
  before the other ends (a transfer, the day one ends and the other begins, is no overlap);
* 003K.14.0080 — an outpatient visit (USL_OK 3) strictly inside a round-the-clock stay of the same
  patient, not on the day of admission or of discharge.

Against the file's own accepted cases and the accepted cases of earlier loaded files of **any** МО
(«Принят», «В реестре», «Приостановлен» — a patient is in one hospital at a time, whichever МО
bills the other care).  A case of the same МО with the same NHISTORY is the same care sent again
(a new version, which the re-upload replaces), not another one.  Within the file the later case
of an overlapping pair is refused, the first stays.  The patient is ``MedicalCase.person_key``
(the ЕРЗ person, else ЕНП / policy / name + birth date), as for the duplicates.

F014 (order 231н, section 1): 1.10.3 — care billed while the insured was in a round-the-clock
hospital (check the number against the region's F014).
"""

from __future__ import annotations

from sqlalchemy import and_, func, literal_column, or_, select
from sqlalchemy.orm import aliased

from app.controls.mek.duplicates import EARLIER_STATUSES, is_same_care
from app.controls.mek.engine import SetCase
from app.controls.mek.registry import MekHit, mek_rule
from app.extensions import db
from app.models.intake import MedicalCase, UploadedFile
from app.models.vocabulary import CaseStatus, FileStatus

WHILE_IN_HOSPITAL = "1.10.3"
STAY, VISIT = 1, 3


def _other_care(mc, e, file_id):
    """``e`` is other care than ``mc``: an accepted case of this file loaded before it, or an
    accepted case of an earlier file (whose load ended: the join of :func:`_overlapping`), and not
    the same case of the МО sent again."""
    same_case = and_(
        e.organisation_id == mc.organisation_id,
        func.coalesce(e.nhistory, literal_column("''")) == func.coalesce(mc.nhistory, literal_column("''")),
    )
    return and_(
        e.person_key == mc.person_key,
        e.id != mc.id,
        or_(
            and_(e.file_id == file_id, e.status == CaseStatus.ACCEPTED, e.id < mc.id),
            and_(e.file_id < file_id, e.status.in_(EARLIER_STATUSES)),
        ),
        ~and_(same_case, e.file_id != file_id),
        ~is_same_care(mc, e),  # the same care twice is a duplicate (003K.00.0420), one finding for it
    )


def _overlapping(file_id, kind: int, inside) -> list:
    """The file's accepted cases of USL_OK ``kind`` with a stay ``e`` of the same patient for
    which ``inside(mc, e)``: (case, its first such stay, the stay's file) in case order."""
    mc, e = MedicalCase, aliased(MedicalCase)
    return db.session.execute(
        select(
            mc.id,
            mc.n_zap,
            mc.idcase,
            mc.id_pac,
            mc.sumv,
            mc.date_z_1,
            e.idcase,
            e.date_z_1,
            e.date_z_2,
            e.file_id,
            UploadedFile.archive_name,
        )
        .select_from(mc)
        .join(e, and_(e.usl_ok == STAY, _other_care(mc, e, file_id), inside(mc, e)))
        # an earlier file counts when its load ended; this file is being loaded
        .join(
            UploadedFile,
            and_(UploadedFile.id == e.file_id, or_(UploadedFile.id == file_id, UploadedFile.status == FileStatus.DONE)),
        )
        .where(mc.file_id == file_id, mc.status == CaseStatus.ACCEPTED, mc.usl_ok == kind, mc.person_key.isnot(None))
        .order_by(mc.id, e.date_z_1, e.id)
    ).all()


def _hits(rows, file_id, what: str):
    seen = set()
    for case_id, n_zap, idcase, id_pac, sumv, d1, other_idcase, e1, e2, e_file, archive in rows:
        if case_id in seen:
            continue
        seen.add(case_id)
        where = "этого файла" if e_file == file_id else f"файла {archive}"
        yield (
            SetCase(case_id, n_zap, idcase, id_pac, sumv),
            MekHit(
                value=d1.isoformat() if d1 else None,
                detail=f"{what} с {e1:%d.%m.%Y} по {e2:%d.%m.%Y}: случай IDCASE {other_idcase} {where}",
            ),
        )


@mek_rule(
    "003K.14.0070",
    "ZL_LIST/ZAP/Z_SL/DATE_Z_1",
    "CHT",
    "Пересечение сроков лечения в круглосуточном стационаре",
    refusal=WHILE_IN_HOSPITAL,
    scope="set",
)
def overlapping_stays(ctx, file_id):
    rows = _overlapping(file_id, STAY, lambda mc, e: and_(e.date_z_1 < mc.date_z_2, mc.date_z_1 < e.date_z_2))
    return _hits(rows, file_id, "пациент в круглосуточном стационаре")


@mek_rule(
    "003K.14.0080",
    "ZL_LIST/ZAP/Z_SL/DATE_Z_1",
    "CHT",
    "Амбулаторное посещение в период лечения в круглосуточном стационаре",
    refusal=WHILE_IN_HOSPITAL,
    scope="set",
)
def visit_during_a_stay(ctx, file_id):
    rows = _overlapping(file_id, VISIT, lambda mc, e: and_(e.date_z_1 < mc.date_z_1, mc.date_z_2 < e.date_z_2))
    return _hits(rows, file_id, "пациент в круглосуточном стационаре")
