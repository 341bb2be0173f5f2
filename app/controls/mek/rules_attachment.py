"""МЭК on the registers the fund keeps: the МО attachment of the insured, the МО licences.

Both are ``set`` rules: one SQL statement over the file's accepted cases, on the registers'
unique indexes (:mod:`app.models.registers`).  No data is not an error: with the attachment
register empty, or for an МО without a single licence row, the rule finds nothing (and says so in
the log) — the fund has not loaded the register yet.

* ``003K.00.0090`` (X files, SCHET/DISP ∈ {ДВ4, ДВ2, ОПВ}): the adults' dispanserization or
  preventive examination was done to a patient not attached to the МО that sent the file on
  DATE_Z_2.  The patient is the ЕРЗ person found by the identification, else the case's ЕНП (or
  NPOLIS of a VPOLIS 3 policy); a case without any ЕНП is left to the identification's rules.
  Refusal F014 1.3.2 (care beyond the volume distributed to the МО: the volumes of
  dispanserization and preventive examinations are distributed by attached population).
* ``003K.14.0060`` (C, H, T files): USL_OK and PROFIL of the case (PROFIL of the first SL) have no
  licence row of the МО valid on DATE_Z_2.  Refusal F014 1.5.1 (care by a kind of medical activity
  absent from the МО's licence); when the МО's licence for that conditions and profile existed and
  ended before DATE_Z_2, F014 1.5.2 (the licence ceased).
"""

from __future__ import annotations

import logging

from sqlalchemy import and_, case, exists, func, or_, select

from app.controls.mek.engine import SetCase
from app.controls.mek.registry import MekHit, mek_rule
from app.extensions import db
from app.models.erz import ErzPerson
from app.models.intake import MedicalCase
from app.models.organisation import Organisation
from app.models.registers import MoAttachment, MoLicence
from app.models.vocabulary import CaseStatus

log = logging.getLogger(__name__)

ADULT_DISP = frozenset({"ДВ4", "ДВ2", "ОПВ"})
NOT_ATTACHED = "1.3.2"
NOT_LICENSED = "1.5.1"
LICENCE_ENDED = "1.5.2"


def _day(d) -> str:
    return d.strftime("%d.%m.%Y") if d else "?"


def _valid_on(model, day):
    return and_(model.date_begin <= day, or_(model.date_end.is_(None), model.date_end >= day))


@mek_rule(
    "003K.00.0090",
    "ZL_LIST/SCHET/DISP",
    "X",
    "Диспансеризация определенных групп взрослого населения или профилактический осмотр взрослого "
    "населения проведены пациенту, не прикрепленному к МО, представившей реестр счета",
    refusal=NOT_ATTACHED,
    scope="set",
)
def not_attached(ctx, file_id):
    disp = getattr(ctx, "disp", None)
    if disp not in ADULT_DISP:
        return
    if db.session.execute(select(MoAttachment.id).limit(1)).first() is None:
        log.info("file %s: 003K.00.0090 not checked, the attachment register is empty", file_id)
        return
    mc = MedicalCase
    enp = func.coalesce(ErzPerson.enp, mc.enp, case((mc.vpolis == 3, mc.npolis))).label("enp")
    cases = (
        select(mc.id, mc.n_zap, mc.idcase, mc.id_pac, mc.sumv, mc.date_z_2, Organisation.code.label("mo"), enp)
        .join(Organisation, Organisation.id == mc.organisation_id)
        .outerjoin(ErzPerson, ErzPerson.id == mc.erz_person_id)
        .where(mc.file_id == file_id, mc.status == CaseStatus.ACCEPTED, mc.date_z_2.isnot(None))
        .subquery()
    )
    a = MoAttachment
    attached_here = exists().where(a.enp == cases.c.enp, a.mo_code == cases.c.mo, _valid_on(a, cases.c.date_z_2))
    elsewhere = (
        select(func.min(a.mo_code)).where(a.enp == cases.c.enp, _valid_on(a, cases.c.date_z_2)).scalar_subquery()
    )
    rows = db.session.execute(
        select(cases, elsewhere.label("elsewhere")).where(cases.c.enp.isnot(None), ~attached_here).order_by(cases.c.id)
    ).all()
    for r in rows:
        where = f"прикреплен к МО {r.elsewhere}" if r.elsewhere else "не прикреплен ни к одной МО"
        yield (
            SetCase(r.id, r.n_zap, r.idcase, r.id_pac, r.sumv),
            MekHit(value=disp, detail=f"ЕНП {r.enp} на {_day(r.date_z_2)} {where}"),
        )


@mek_rule(
    "003K.14.0060",
    "ZL_LIST/ZAP/Z_SL/SL/PROFIL",
    "CHT",
    "Профиль медицинской помощи не предусмотрен лицензией МО",
    refusal=NOT_LICENSED,
    scope="set",
)
def not_licensed(ctx, file_id):
    mc = MedicalCase
    lic = MoLicence
    same_care = and_(lic.mo_code == Organisation.code, lic.usl_ok == mc.usl_ok, lic.profil == mc.profil)
    has_any = exists().where(lic.mo_code == Organisation.code)
    valid = exists().where(same_care, _valid_on(lic, mc.date_z_2))
    ended = select(func.max(lic.date_end)).where(same_care, lic.date_end < mc.date_z_2).scalar_subquery()
    rows = db.session.execute(
        select(
            mc.id,
            mc.n_zap,
            mc.idcase,
            mc.id_pac,
            mc.sumv,
            mc.usl_ok,
            mc.profil,
            mc.date_z_2,
            Organisation.code.label("mo"),
            ended.label("ended"),
        )
        .join(Organisation, Organisation.id == mc.organisation_id)
        .where(
            mc.file_id == file_id,
            mc.status == CaseStatus.ACCEPTED,
            mc.usl_ok.isnot(None),
            mc.profil.isnot(None),
            mc.date_z_2.isnot(None),
            has_any,
            ~valid,
        )
        .order_by(mc.id)
    ).all()
    for r in rows:
        care = f"USL_OK {r.usl_ok}, PROFIL {r.profil} на {_day(r.date_z_2)}"
        if r.ended is not None:
            hit = MekHit(
                value=str(r.profil),
                detail=f"{care}: лицензия МО {r.mo} действовала по {_day(r.ended)}",
                refusal=LICENCE_ENDED,
            )
        else:
            hit = MekHit(value=str(r.profil), detail=f"{care}: нет в лицензии МО {r.mo}")
        yield SetCase(r.id, r.n_zap, r.idcase, r.id_pac, r.sumv), hit
