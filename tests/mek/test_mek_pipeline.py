"""The load pipeline after ФЛК, on demo files: «Идентификация в ЕРЗ» → «МЭК» → «Перерасчет
стоимости» → «Процесс загрузки завершен»; the МЭК errors the demo generator injects are found
exactly where it put them, refused cases are «Отклонен МЭК», partial sanctions keep the case with
the withheld sum, every accepted case has its recalculated sum.

The files are of МО 140002 with demo persons from 21001 on, so that no other test's cases are
duplicates of them (the duplicate check compares with every earlier file of the МО)."""

from __future__ import annotations

import json
from contextlib import contextmanager
from decimal import Decimal

from sqlalchemy import func, select

from app.controls.finding import STAGE_MEK
from app.demo.files import MEK_INJECTIONS
from app.demo.people import demo_person
from app.extensions import db
from app.models.intake import MedicalCase
from app.models.organisation import Organisation
from app.models.reference import ControlRule
from app.models.vocabulary import CaseStatus, FileStatus
from app.services.intake.pipeline import summary
from tests.intake.helpers import MO2, case_statuses, change_record, demo_pair, errors_of, status_trail

LOGIN = "mo2_operator"
_persons = iter(range(21001, 29000, 150))


def pair_of(tmp_path, **kw):
    kw.setdefault("first_person", next(_persons))
    kw.setdefault("persons", 100)
    return demo_pair(tmp_path, mo=MO2, **kw)


def cases_of(file_id):
    return {
        c.idcase: c for c in db.session.execute(select(MedicalCase).where(MedicalCase.file_id == file_id)).scalars()
    }


@contextmanager
def rule(code, **values):
    row = db.session.execute(select(ControlRule).where(ControlRule.code == code)).scalar_one()
    saved = {k: getattr(row, k) for k in values}
    for k, v in values.items():
        setattr(row, k, v)
    db.session.commit()
    try:
        yield
    finally:
        row = db.session.execute(select(ControlRule).where(ControlRule.code == code)).scalar_one()
        for k, v in saved.items():
            setattr(row, k, v)
        db.session.commit()


def test_demo_file_loads_through_all_stages_with_the_exact_statuses(intake, tmp_path, monkeypatch):
    pair = pair_of(tmp_path, cases=30, seed=401)
    assert pair.demo.injected == []
    with status_trail(monkeypatch) as trail:
        row = intake.upload_pair(pair, LOGIN)
    stages = [s for i, s in enumerate(trail) if i == 0 or trail[i - 1] != s]
    assert stages == [
        FileStatus.ARCHIVE,
        FileStatus.FLK,
        FileStatus.ERZ,
        FileStatus.MEK,
        FileStatus.RECALC,
        FileStatus.DONE,
    ]
    assert (row.status, row.note, row.records, row.flk_rejected, row.mek_rejected, row.mek_errors) == (
        FileStatus.DONE,
        None,
        30,
        0,
        0,
        0,
    )
    cases = cases_of(row.id)
    assert {c.status for c in cases.values()} == {CaseStatus.ACCEPTED}
    for c in cases.values():
        assert c.sum_calc == c.sumv == c.sump and c.mek_withheld == Decimal("0.00")
        detail = json.loads(c.calc_detail)
        assert Decimal(detail["total"]) == c.sum_calc and detail["sl"] and not detail["missing"]
        assert (c.erz_found_by, c.policy_check) == ("enp", "valid") and c.payer_id and c.person_key


def test_every_injected_mek_error_is_found_where_injected(intake, tmp_path):
    pair = pair_of(tmp_path, cases=160, error_rate=0.45, codes=sorted(MEK_INJECTIONS), seed=402)
    injected = {i["idcase"]: i["code"] for i in pair.demo.injected}
    assert set(injected.values()) == set(MEK_INJECTIONS)  # every МЭК injection exercised
    assert {i["stage"] for i in pair.demo.injected} == {STAGE_MEK}
    row = intake.upload_pair(pair, LOGIN)
    assert (row.status, row.flk_rejected) == (FileStatus.DONE, 0), row.note

    errors = errors_of(row.id, STAGE_MEK)
    by_case: dict[str, set[str]] = {}
    for e in errors:
        by_case.setdefault(e.idcase, set()).add(e.code)
        assert e.case_id and e.refusal_code and e.sanction_sum is not None and e.comment
    assert set(by_case) == set(injected)  # no case outside the manifest
    for idcase, code in injected.items():
        assert code in by_case[idcase], (idcase, code, by_case[idcase])

    cases = cases_of(row.id)
    partial = {i for i, c in injected.items() if c == "003K.14.0050"}
    for idcase, c in cases.items():
        if idcase in partial:  # 100 rub. above the tariff
            assert c.status == CaseStatus.ACCEPTED
            assert (c.mek_withheld, c.sump, c.sum_calc) == (Decimal("100.00"), c.sumv - 100, c.sumv - 100)
        elif idcase in injected:
            assert c.status == CaseStatus.MEK_REJECTED and c.mek_withheld == c.sumv and c.sump == 0
        else:
            assert c.status == CaseStatus.ACCEPTED and c.sump == c.sumv == c.sum_calc
    assert row.mek_rejected == len(injected) - len(partial)
    assert row.mek_errors == len(errors)
    out = summary(row)
    assert out["mek_rejected"] == row.mek_rejected
    assert {e["code"] for e in out["errors"] if e["stage"] == STAGE_MEK} == set(MEK_INJECTIONS)


def test_non_residents_go_to_the_fund_residents_to_their_smo(intake, tmp_path):
    row = intake.upload_pair(pair_of(tmp_path, cases=40, seed=403), LOGIN)
    fund = db.session.execute(select(Organisation.id).where(Organisation.kind == "tfoms")).scalar_one()
    smo = dict(db.session.execute(select(Organisation.code, Organisation.id).where(Organisation.kind == "smo")).all())
    cases = cases_of(row.id).values()
    nonresidents = [c for c in cases if int(c.id_pac[1:]) % 10 == 0]
    assert nonresidents and len(nonresidents) < len(cases)
    for c in cases:
        p = demo_person(int(c.id_pac[1:]))
        assert c.nonresident is (not p.resident)
        assert c.payer_id == (fund if not p.resident else smo[p.smo])
        assert c.status == CaseStatus.ACCEPTED


def test_duplicates_of_an_earlier_file_are_refused_a_new_version_is_not(intake, tmp_path):
    first = pair_of(tmp_path, cases=8, seed=404)
    row1 = intake.upload_pair(first, LOGIN)
    assert case_statuses(row1.id) == {CaseStatus.ACCEPTED: 8}
    # the same cases again under another package number (same NHISTORY): new versions of the
    # same cases (the re-upload replaces them), not duplicates
    renamed = _renumber(first, tmp_path)
    row2 = intake.upload_pair(renamed, LOGIN)
    assert case_statuses(row2.id) == {CaseStatus.ACCEPTED: 8}
    # the same care under other case histories: duplicates of the first file's cases
    other = _renumber(first, tmp_path, nhistory=True)
    row3 = intake.upload_pair(other, LOGIN)
    smp = sum(1 for c in cases_of(row3.id).values() if c.usl_ok == 4)  # USL_OK=4 is not checked
    assert 0 < smp < 8
    assert case_statuses(row3.id) == {CaseStatus.MEK_REJECTED: 8 - smp, CaseStatus.ACCEPTED: smp}
    errors = errors_of(row3.id, STAGE_MEK)
    assert {(e.code, e.refusal_code) for e in errors} == {("003K.00.0420", "1.10.1")}
    # the earlier twin is the latest version of the case (the re-upload replaced the first file's)
    assert all(renamed.archive_name in e.comment for e in errors)


def _renumber(pair, tmp_path, nhistory: bool = False):
    """The pair as package N+1000 (names inside and out), optionally with other NHISTORY."""
    import re

    from tests.intake.helpers import Pair

    old_h, old_l = pair.h_stem, pair.l_stem
    n = re.search(r"_(\d{4})(\d+)$", old_h)
    new_h = old_h[: n.start(2)] + str(int(n.group(2)) + 1000 + (500 if nhistory else 0))
    new_l = "L" + new_h[1:]
    h = pair.h.replace(old_h.encode(), new_h.encode())
    l_xml = pair.l.replace(old_l.encode(), new_l.encode()).replace(old_h.encode(), new_h.encode())
    if nhistory:
        h = re.sub(rb"<NHISTORY>([^<]*)</NHISTORY>", rb"<NHISTORY>\1-2</NHISTORY>", h)
    return Pair(f"{new_h}.xml", f"{new_l}.xml", h, l_xml, pair.demo)


def test_duplicates_within_the_file_keep_the_first(intake, tmp_path):
    pair = pair_of(tmp_path, cases=40, error_rate=0.3, codes=["003K.00.0420"], seed=405)
    dups = {i["idcase"] for i in pair.demo.injected}
    assert dups
    row = intake.upload_pair(pair, LOGIN)
    errors = errors_of(row.id, STAGE_MEK)
    assert {e.idcase for e in errors} == dups
    assert {(e.code, e.refusal_code) for e in errors} == {("003K.00.0420", "1.10.2")}
    assert all("этого файла" in e.comment for e in errors)
    assert case_statuses(row.id) == {CaseStatus.ACCEPTED: 40 - len(dups), CaseStatus.MEK_REJECTED: len(dups)}


def test_a_condition_the_flk_twin_no_longer_checks_is_refused_on_mek(intake, tmp_path):
    pair = pair_of(tmp_path, cases=12, seed=406)
    amb = next(n for n in range(1, 13) if b"<RSLT>301</RSLT>" in pair.h[slice(*_span(pair.h, n))])
    bad = pair.with_h(change_record(pair.h, amb, "<RSLT>301</RSLT>", "<RSLT>201</RSLT>"))
    row = intake.upload_pair(bad, LOGIN)  # the ФЛК twin is on: ФЛК rejects
    assert cases_of(row.id)[str(amb)].status == CaseStatus.FLK_REJECTED
    assert "006F.00.1330" in {e.code for e in errors_of(row.id)}
    with rule("006F.00.1330", enabled=False):
        again = intake.upload_pair(_renumber(bad, tmp_path), LOGIN)
    assert cases_of(again.id)[str(amb)].status == CaseStatus.MEK_REJECTED
    assert {e.code for e in errors_of(again.id, STAGE_MEK)} == {"003K.00.0471"}
    assert errors_of(again.id) == []


def _span(data, n):
    from tests.intake.helpers import record_span

    return record_span(data, n)


def test_the_catalogue_switches_mek_rules_and_sets_their_share(intake, tmp_path):
    pair = pair_of(tmp_path, cases=30, error_rate=0.3, codes=["003K.00.0620", "003K.14.0010"], seed=407)
    by_code = {}
    for i in pair.demo.injected:
        by_code.setdefault(i["code"], set()).add(i["idcase"])
    assert set(by_code) == {"003K.00.0620", "003K.14.0010"}
    with rule("003K.14.0010", enabled=False), rule("003K.00.0620", withhold_share=Decimal("0.3000")):
        row = intake.upload_pair(pair, LOGIN)
    cases = cases_of(row.id)
    for idcase in by_code["003K.14.0010"]:  # switched off: accepted
        assert cases[idcase].status == CaseStatus.ACCEPTED and cases[idcase].erz_found_by is None
    for idcase in by_code["003K.00.0620"]:  # 30 % withheld, the case stays
        c = cases[idcase]
        assert c.status == CaseStatus.ACCEPTED
        assert c.mek_withheld == (c.sumv * Decimal("0.3")).quantize(Decimal("0.01"))
        assert c.sump == c.sumv - c.mek_withheld
    assert row.mek_rejected == 0 and row.mek_errors == len(by_code["003K.00.0620"])


def test_no_identification_when_no_case_passed_flk(intake, tmp_path, monkeypatch):
    pair = pair_of(tmp_path, cases=3, error_rate=1.0, codes=["003F.00.0080"], seed=408)
    with status_trail(monkeypatch) as trail:
        row = intake.upload_pair(pair, LOGIN)
    assert row.status == FileStatus.ERR_ERZ
    assert not {FileStatus.ERZ, FileStatus.MEK, FileStatus.RECALC} & set(trail)
    assert (
        db.session.execute(
            select(func.count())
            .select_from(MedicalCase)
            .where(MedicalCase.file_id == row.id, MedicalCase.erz_found_by.isnot(None))
        ).scalar_one()
        == 0
    )
