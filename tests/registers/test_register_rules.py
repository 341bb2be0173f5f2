"""МЭК on the registers: 003K.00.0090 (adults' dispanserization of a patient not attached to the
МО) and 003K.14.0060 (conditions and profile of care without a licence of the МО), on cases in the
database — with and without the attachment or the licence, and the demo file of МО 140002 through
the whole load."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import delete, select, update

from app.controls.finding import STAGE_MEK
from app.controls.mek import MekContext, run_set_rules
from app.controls.mek.rules_attachment import not_attached, not_licensed
from app.extensions import db
from app.models.erz import ErzPerson
from app.models.intake import MedicalCase, UploadedFile
from app.models.organisation import Organisation
from app.models.registers import MoAttachment, MoLicence
from app.models.vocabulary import CaseStatus, FileStatus
from tests.factories import unique
from tests.intake.helpers import MO2, demo_pair, errors_of

DAY = dt.date(2026, 10, 15)
OURS = {"003K.00.0090", "003K.14.0060"}


def _org(code):
    org = db.session.execute(select(Organisation).where(Organisation.code == code)).scalar_one_or_none()
    if org is None:
        org = Organisation(kind="mo", code=code, name=f"Тестовая МО {code}")
        db.session.add(org)
        db.session.commit()
    return org


def _file(org, file_type="H"):
    row = UploadedFile(
        organisation_id=org.id,
        archive_name=f"{file_type}M{org.code}T14_2610{unique()}.zip",
        status=FileStatus.MEK,
        file_type=file_type,
        year=2026,
        month=10,
        records=0,
    )
    db.session.add(row)
    db.session.commit()
    return row


def _case(file, idcase, *, enp=None, usl_ok=3, profil=97, day=DAY, status=CaseStatus.ACCEPTED, **kw):
    case = MedicalCase(
        file_id=file.id,
        organisation_id=file.organisation_id,
        n_zap=idcase,
        idcase=idcase,
        id_pac=f"P{idcase}",
        enp=enp,
        usl_ok=usl_ok,
        profil=profil,
        date_z_1=day,
        date_z_2=day,
        year=2026,
        month=10,
        file_type=file.file_type,
        status=status,
        sumv=Decimal("1000.00"),
        **kw,
    )
    db.session.add(case)
    db.session.commit()
    return case


def _attach(enp, mo, begin, end=None):
    db.session.add(MoAttachment(enp=enp, mo_code=mo, date_begin=begin, date_end=end))
    db.session.commit()


def _licence(mo, usl_ok, profil, begin, end=None):
    db.session.add(MoLicence(mo_code=mo, usl_ok=usl_ok, profil=profil, date_begin=begin, date_end=end))
    db.session.commit()


def _hits(rule, ctx, file):
    return {c.idcase: h for c, h in rule(ctx, file.id)}


def _ctx(kind, disp=None):
    ctx = MekContext(file_kind=kind, year=2026, month=10, today=dt.date(2026, 11, 20))
    ctx.disp = disp
    return ctx


# -- 003K.00.0090 -------------------------------------------------------------------------------------------
def test_dispanserization_of_a_patient_not_attached_to_the_mo_is_refused(clean_registers):
    here, there = _org("149901"), _org("149902")
    f = _file(here, "DP")
    _attach("7700000000000101", "149901", dt.date(2020, 1, 1))  # attached here
    _attach("7700000000000102", "149902", dt.date(2020, 1, 1))  # attached to another МО
    _attach("7700000000000103", "149901", dt.date(2020, 1, 1), dt.date(2026, 10, 14))  # detached the day before
    _attach("7700000000000104", "149901", dt.date(2026, 10, 16))  # attached the day after
    _attach("7700000000000105", "149901", dt.date(2026, 10, 15), dt.date(2026, 10, 15))  # that day only
    _case(f, "1", enp="7700000000000101")
    _case(f, "2", enp="7700000000000102")
    _case(f, "3", enp="7700000000000103")
    _case(f, "4", enp="7700000000000104")
    _case(f, "5", enp="7700000000000105")
    _case(f, "6", enp="7700000000000106")  # in no attachment at all
    _case(f, "7", enp=None)  # not identified: the identification's rules judge it
    _case(f, "8", enp="7700000000000102", status=CaseStatus.FLK_REJECTED)  # not accepted
    assert there.id
    hits = _hits(not_attached, _ctx("X", "ДВ4"), f)
    assert set(hits) == {"2", "3", "4", "6"}
    assert hits["2"].value == "ДВ4"
    assert hits["2"].detail == "ЕНП 7700000000000102 на 15.10.2026 прикреплен к МО 149902"
    assert hits["6"].detail == "ЕНП 7700000000000106 на 15.10.2026 не прикреплен ни к одной МО"
    for disp in ("ДВ2", "ОПВ"):
        assert set(_hits(not_attached, _ctx("X", disp), f)) == {"2", "3", "4", "6"}
    for disp in (None, "ДС1", "ПН1", "ДВ3"):  # children's examinations, the second stage ДВ3: not this rule
        assert _hits(not_attached, _ctx("X", disp), f) == {}


def test_the_patient_is_the_erz_person_or_the_enp_of_a_vpolis_3_policy(clean_registers):
    here = _org("149901")
    f = _file(here, "DP")
    person = ErzPerson(enp="7700000000000201", name_key="ТЕСТ|ТЕСТ|")
    db.session.add(person)
    db.session.commit()
    try:
        _attach("7700000000000201", "149901", dt.date(2020, 1, 1))
        _attach("7700000000000202", "149901", dt.date(2020, 1, 1))
        _case(f, "1", enp=None, erz_person_id=person.id)  # found in the ЕРЗ: its ЕНП
        _case(f, "2", enp=None, vpolis=3, npolis="7700000000000202")  # ЕНП as the policy number
        _case(f, "3", enp=None, vpolis=3, npolis="7700000000000203")
        hits = _hits(not_attached, _ctx("X", "ОПВ"), f)
        assert set(hits) == {"3"}
    finally:
        db.session.rollback()
        db.session.execute(delete(MedicalCase).where(MedicalCase.file_id == f.id))
        db.session.execute(delete(ErzPerson).where(ErzPerson.id == person.id))
        db.session.commit()


def test_an_empty_attachment_register_is_no_finding(clean_registers):
    here = _org("149901")
    f = _file(here, "DP")
    _case(f, "1", enp="7700000000000301")
    assert set(_hits(not_attached, _ctx("X", "ДВ4"), f)) == {"1"}
    db.session.execute(delete(MoAttachment))  # not committed: the demo register comes back
    try:
        assert _hits(not_attached, _ctx("X", "ДВ4"), f) == {}
    finally:
        db.session.rollback()
    assert db.session.execute(select(MoAttachment.id).limit(1)).first() is not None


def test_the_attachment_rule_runs_for_x_files_with_its_refusal(clean_registers):
    f = _file(_org("149901"), "DP")
    case = _case(f, "1", enp="7700000000000401")
    assert [s for _i, s in run_set_rules(_with_rules("H", "ДВ4"), f.id) if s.code == "003K.00.0090"] == []
    ((case_id, s),) = [(i, s) for i, s in run_set_rules(_with_rules("X", "ДВ4"), f.id) if s.code == "003K.00.0090"]
    assert case_id == case.id and s.refusal == "1.3.2" and s.full and s.amount == Decimal("1000.00")
    assert "не прикрепленному к МО" in s.finding.comment and "7700000000000401" in s.finding.comment


def _with_rules(kind, disp=None):
    from app.services.reference.rules import rule_book

    ctx = _ctx(kind, disp)
    ctx.rules = rule_book(STAGE_MEK)
    return ctx


# -- 003K.14.0060 -------------------------------------------------------------------------------------------
def test_care_without_a_valid_licence_of_the_mo_is_refused(clean_registers):
    here = _org("149901")
    f = _file(here, "H")
    _licence("149901", 3, 97, dt.date(2020, 1, 1))  # therapy, outpatient: licensed
    _licence("149901", 1, 29, dt.date(2020, 1, 1), dt.date(2026, 6, 30))  # cardiology in hospital: ended
    _licence("149901", 1, 29, dt.date(2018, 1, 1), dt.date(2019, 12, 31))  # an older period of it
    _licence("149901", 2, 97, dt.date(2026, 11, 1))  # day hospital therapy: from next month
    _case(f, "1", usl_ok=3, profil=97)
    _case(f, "2", usl_ok=1, profil=29)
    _case(f, "3", usl_ok=2, profil=97)
    _case(f, "4", usl_ok=3, profil=29)  # cardiology outpatient: no licence
    _case(f, "5", usl_ok=1, profil=29, day=dt.date(2026, 6, 30))  # the licence's last day
    _case(f, "6", usl_ok=None, profil=97)  # no conditions: the ФЛК's business
    hits = _hits(not_licensed, _ctx("H"), f)
    assert set(hits) == {"2", "3", "4"}
    assert hits["2"].refusal == "1.5.2" and hits["2"].value == "29"
    assert hits["2"].detail == "USL_OK 1, PROFIL 29 на 15.10.2026: лицензия МО 149901 действовала по 30.06.2026"
    assert hits["3"].refusal is None and hits["4"].refusal is None
    assert hits["4"].detail == "USL_OK 3, PROFIL 29 на 15.10.2026: нет в лицензии МО 149901"


def test_an_mo_without_any_licence_row_is_not_checked(clean_registers):
    f = _file(_org("149902"), "H")
    _case(f, "1", usl_ok=1, profil=29)
    assert _hits(not_licensed, _ctx("H"), f) == {}
    _licence("149902", 3, 97, dt.date(2020, 1, 1))
    assert set(_hits(not_licensed, _ctx("H"), f)) == {"1"}


def test_the_licence_rule_runs_for_c_h_t_files_with_its_refusal(clean_registers):
    f = _file(_org("149901"), "H")
    _licence("149901", 3, 97, dt.date(2020, 1, 1))
    case = _case(f, "1", usl_ok=3, profil=29)
    for kind in ("C", "H", "T", "X"):
        found = [(i, s) for i, s in run_set_rules(_with_rules(kind), f.id) if s.code == "003K.14.0060"]
        assert len(found) == (0 if kind == "X" else 1), kind
    ((case_id, s),) = [(i, s) for i, s in run_set_rules(_with_rules("H"), f.id) if s.code == "003K.14.0060"]
    assert case_id == case.id and s.refusal == "1.5.1" and s.full
    assert s.finding.comment.startswith("Профиль медицинской помощи не предусмотрен лицензией МО (USL_OK 3")


# -- the demo ------------------------------------------------------------------------------------------------
def test_the_demo_mo_are_licensed_for_every_demo_case_and_a_lost_licence_refuses(intake, tmp_path):
    clean = intake.upload_pair(
        demo_pair(tmp_path / "a", mo=MO2, cases=40, seed=601, first_person=29201, persons=60), "mo2_operator"
    )
    assert clean.status == FileStatus.DONE, clean.note
    assert not {e.code for e in errors_of(clean.id, STAGE_MEK)} & OURS
    therapy = (MoLicence.mo_code == MO2, MoLicence.usl_ok == 3, MoLicence.profil == 97)
    db.session.execute(update(MoLicence).where(*therapy).values(date_end=dt.date(2021, 12, 31)))
    db.session.commit()
    try:
        row = intake.upload_pair(
            demo_pair(tmp_path / "b", mo=MO2, cases=40, seed=602, first_person=29261, persons=60), "mo2_operator"
        )
        every = errors_of(row.id, STAGE_MEK)
        errors = [e for e in every if e.code in OURS]
        refused_before = {e.idcase for e in every if e.code not in OURS}  # the set rules see accepted cases
        therapy_cases = {
            c.idcase
            for c in db.session.execute(select(MedicalCase).where(MedicalCase.file_id == row.id)).scalars()
            if (c.usl_ok, c.profil) == (3, 97)
        }
        assert therapy_cases
        assert therapy_cases - refused_before <= {e.idcase for e in errors} <= therapy_cases
        assert errors
        assert {(e.code, e.refusal_code) for e in errors} == {("003K.14.0060", "1.5.2")}
    finally:
        db.session.rollback()
        db.session.execute(update(MoLicence).where(*therapy).values(date_end=None))
        db.session.commit()
