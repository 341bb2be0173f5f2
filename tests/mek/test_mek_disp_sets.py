"""The set rules of the D-files (003K.00.0070 / 0080 / 0100: the patient's examinations of the
year across files and МО) and the account-level sums (003K.00.0120–0180), on cases written
straight into the database: a file being checked («МЭК») and earlier files of other МО.

The cases are of the year 2031 and of patients «disp-test-…», so that no other test's cases meet
them; every file made here is removed after the test."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Optional

import pytest
from sqlalchemy import delete, select

from app.controls.catalogue import RuleBook
from app.controls.mek import MekContext, run_set_rules
from app.controls.mek.registry import get
from app.formats.fragments import to_xml
from app.formats.record import Node
from app.models.intake import CasePayload, ControlError, MedicalCase, UploadedFile
from app.models.organisation import Organisation
from app.models.vocabulary import CaseStatus, FileStatus
from app.services.intake.context import LoadContext
from app.services.intake.stages.mek import check_file, mek_context

DAY = dt.date(2031, 3, 20)
_n = itertools.count(1)


class Files:
    """Files and cases of one test (removed at its end)."""

    def __init__(self, db):
        self.db = db
        self.ids: list[int] = []
        orgs = db.session.execute(select(Organisation.id).order_by(Organisation.id).limit(2)).scalars().all()
        self.org, self.other_org = orgs[0], orgs[-1]

    def file(self, status: str = FileStatus.DONE, *, org: Optional[int] = None, file_type: str = "DP") -> UploadedFile:
        f = UploadedFile(
            organisation_id=org or self.org,
            archive_name=f"disp-test-{next(_n)}.zip",
            status=status,
            file_type=file_type,
            year=2031,
            month=3,
        )
        self.db.session.add(f)
        self.db.session.flush()
        self.ids.append(f.id)
        return f

    def case(
        self,
        f: UploadedFile,
        person: Optional[str],
        disp: str,
        end: dt.date = DAY,
        *,
        status: str = CaseStatus.ACCEPTED,
        nhistory: Optional[str] = None,
        zap: Optional[Node] = None,
        sumv: str = "1000.00",
    ) -> MedicalCase:
        n = next(_n)
        start = end - dt.timedelta(days=5)
        c = MedicalCase(
            file_id=f.id,
            organisation_id=f.organisation_id,
            status=status,
            file_type=f.file_type,
            disp=disp,
            person_key=f"disp-test-{person}" if person else None,
            n_zap=str(n),
            idcase=str(n),
            date_z_1=start,
            date_z_2=end,
            sumv=Decimal(sumv),
            identity_key=f"disp-test-{person}||{start}|{end}|{nhistory or n}",
        )
        self.db.session.add(c)
        self.db.session.flush()
        if zap is not None:
            self.db.session.add(CasePayload(case_id=c.id, zap_xml=to_xml(zap)))
            self.db.session.flush()
        return c

    def cleanup(self):
        s = self.db.session
        s.rollback()
        if self.ids:
            s.execute(delete(ControlError).where(ControlError.file_id.in_(self.ids)))
            case_ids = select(MedicalCase.id).where(MedicalCase.file_id.in_(self.ids))
            s.execute(delete(CasePayload).where(CasePayload.case_id.in_(case_ids)))
            s.execute(delete(MedicalCase).where(MedicalCase.file_id.in_(self.ids)))
            s.execute(delete(UploadedFile).where(UploadedFile.id.in_(self.ids)))
            s.commit()


@pytest.fixture()
def files(db):
    made = Files(db)
    yield made
    made.cleanup()


def ctx(disp: Optional[str], header: Optional[Node] = None, **kw) -> MekContext:
    return MekContext(file_kind="X", disp=disp, year=2031, month=3, header=header, **kw)


def hits(code: str, disp: Optional[str], file_id: int, header: Optional[Node] = None):
    """{case id: (F014 reason, detail)} of one set rule."""
    return {
        sc.case_id: (hit.refusal or get(code).refusal, hit.detail)
        for sc, hit in get(code).fn(ctx(disp, header), file_id)
    }


def test_stage_one_twice_a_year(files):
    earlier = files.file(org=files.other_org)  # another МО: a patient has one stage I a year anywhere
    files.case(earlier, "a", "ДВ4")
    files.case(earlier, "b", "ДВ4", dt.date(2030, 12, 30))  # last year
    files.case(earlier, "c", "ДВ4", status=CaseStatus.MEK_REJECTED)  # refused: never paid
    files.case(earlier, "d", "ОПВ")  # not a stage I
    files.case(earlier, "e", "ДВ4", nhistory="same")  # the same case, sent again below
    files.case(files.file(FileStatus.ERR_VALIDATION), "f", "ДВ4")  # a load that failed
    files.case(files.file(), "g", "ДС1")  # another kind of stage I
    now = files.file(FileStatus.MEK)
    ours = {p: files.case(now, p, "ДВ4", nhistory="same" if p == "e" else None) for p in "abcdefg"}
    first_h, second_h = files.case(now, "h", "ДВ4"), files.case(now, "h", "ДВ4", dt.date(2031, 1, 10))
    files.case(now, "i", "ДВ4", status=CaseStatus.FLK_REJECTED)
    files.case(now, "i", "ДВ4")
    files.db.session.commit()

    found = hits("003K.00.0070", "ДВ4", now.id)
    assert set(found) == {ours["a"].id, second_h.id}
    assert found[ours["a"].id][0] == "1.10.1" and found[second_h.id] == (
        "1.10.2",
        f"повторяет случай IDCASE {first_h.idcase} этого файла",
    )
    assert hits("003K.00.0070", "ОПВ", now.id) == {}  # the rule is of the stage I files only


def test_preventive_examination_after_an_examination_of_the_year(files):
    earlier = files.file()
    files.case(earlier, "a", "ДВ4")
    files.case(earlier, "b", "ОПВ", status=CaseStatus.SUSPENDED)
    files.case(earlier, "c", "ДВ2")  # stage II alone does not make an ОПВ a repeat
    files.case(earlier, "d", "ОПВ", dt.date(2030, 6, 1))
    now = files.file(FileStatus.MEK, file_type="DO")
    ours = {p: files.case(now, p, "ОПВ") for p in "abcd"}
    files.db.session.commit()
    assert set(hits("003K.00.0080", "ОПВ", now.id)) == {ours["a"].id, ours["b"].id}
    assert hits("003K.00.0080", "ДВ4", now.id) == {}


def test_stage_two_needs_its_stage_one_of_the_year(files):
    earlier = files.file(org=files.other_org)
    files.case(earlier, "a", "ДВ4")
    files.case(earlier, "b", "ДВ4", dt.date(2030, 11, 1))  # last year's
    files.case(earlier, "c", "ОПВ")  # a preventive examination has no stage II
    files.case(earlier, "e", "ДС2")  # ДС3 follows ДС1, not ДС2
    now = files.file(FileStatus.MEK, file_type="DV")
    ours = {p: files.case(now, p, "ДВ2") for p in "abc"}
    files.case(now, None, "ДВ2")  # the patient unknown: not judged
    files.db.session.commit()
    found = hits("003K.00.0100", "ДВ2", now.id)
    assert set(found) == {ours["b"].id, ours["c"].id}
    assert found[ours["c"].id] == ("1.1.4", "нет случая ДВ4 за 2031 год")

    orphans = files.file(FileStatus.MEK, file_type="DS")
    e = files.case(orphans, "e", "ДС3")
    files.db.session.commit()
    assert set(hits("003K.00.0100", "ДС3", orphans.id)) == {e.id}
    assert hits("003K.00.0100", "ДВ4", now.id) == {}


def test_set_rules_make_sanctions_with_their_reasons(files):
    earlier = files.file()
    files.case(earlier, "a", "ДВ4")
    now = files.file(FileStatus.MEK)
    c = files.case(now, "a", "ДВ4")
    files.db.session.commit()
    found = run_set_rules(ctx("ДВ4", rules=RuleBook.only({"003K.00.0070"})), now.id)
    [(case_id, s)] = found
    assert (case_id, s.code, s.refusal, s.full, s.amount) == (c.id, "003K.00.0070", "1.10.1", True, c.sumv)
    assert s.finding.idcase == c.idcase and s.finding.value == "ДВ4"


# -- the account ---------------------------------------------------------------------------------------------
def _e(tag, *children, text=None):
    return Node(tag, text, None, list(children))


def header(**schet: str) -> Node:
    return _e("ZL_LIST", _e("ZGLV"), _e("SCHET", *(_e(k, text=v) for k, v in schet.items())))


def paid_zap(sumv: str, sump: Optional[str] = None, sank_it: Optional[str] = None, *sanks: tuple[str, str]) -> Node:
    z_sl = _e("Z_SL", _e("IDCASE", text="1"), _e("SUMV", text=sumv))
    if sump is not None:
        z_sl.children.append(_e("SUMP", text=sump))
    for tip, amount in sanks:
        z_sl.children.append(_e("SANK", _e("S_SUM", text=amount), _e("S_TIP", text=tip)))
    if sank_it is not None:
        z_sl.children.append(_e("SANK_IT", text=sank_it))
    return _e("ZAP", _e("N_ZAP", text="1"), z_sl)


ACCOUNT = ("003K.00.0120", "003K.00.0130", "003K.00.0140", "003K.00.0150", "003K.00.0160", "003K.00.0170")
ACCOUNT += ("003K.00.0180",)


def _account_file(files):
    """Σ SUMV 2000, Σ SUMP 1350, sanctions МЭК 500, МЭЭ 100, ЭКМП 50 = Σ SANK_IT 650."""
    f = files.file(FileStatus.MEK, file_type="DP")
    zaps = [
        paid_zap("1000.00", "1000.00", "0.00"),
        paid_zap("500.00", "0.00", "500.00", ("1", "500.00")),
        paid_zap("300.00", "200.00", "100.00", ("21", "100.00")),
        paid_zap("200.00", "150.00", "50.00", ("31", "50.00")),
    ]
    cases = [files.case(f, f"acc{i}", "ДВ4", sumv=z.get("Z_SL/SUMV"), zap=z) for i, z in enumerate(zaps)]
    cases[1].status = CaseStatus.FLK_REJECTED  # the account sums every case it holds
    files.db.session.commit()
    return f


GOOD = dict(SUMMAV="2000.00", SUMMAP="1350.00", SANK_MEK="500.00", SANK_MEE="100.00", SANK_EKMP="50.00")


def account_hits(f, **schet):
    h = header(**schet)
    return {code: [hit.detail for _, hit in get(code).fn(ctx("ДВ4", h), f.id)] for code in ACCOUNT}


def test_account_sums_agree_with_the_cases(files):
    f = _account_file(files)
    assert account_hits(f, **GOOD) == {code: [] for code in ACCOUNT}
    # an МО's file: SUMMAV only — nothing else to check (and no ZAP is read)
    assert account_hits(f, SUMMAV="2000.00") == {code: [] for code in ACCOUNT}
    assert hits("003K.00.0140", "ДВ4", f.id) == {}  # no header at all


@pytest.mark.parametrize(
    "changes, code, detail",
    [
        (dict(SUMMAP="1300.00"), "003K.00.0120", "SUMMAV 2000.00 − санкции 650.00 = 1350.00"),
        (dict(SUMMAV="2100.00", SUMMAP="1450.00"), "003K.00.0130", "Σ SUMV = 2000.00"),
        (dict(SUMMAV="1950.00", SUMMAP="1300.00"), "003K.00.0140", "Σ SUMP = 1350.00"),
        (dict(SANK_MEK="400.00", SANK_MEE="200.00"), "003K.00.0150", "Σ S_SUM = 500.00"),
        (dict(SANK_MEK="400.00", SANK_MEE="200.00"), "003K.00.0160", "Σ S_SUM = 100.00"),
        (dict(SANK_EKMP="0.00", SUMMAP="1400.00"), "003K.00.0170", "Σ S_SUM = 50.00"),
        (
            dict(SANK_MEE="150.00", SUMMAP="1300.00"),
            "003K.00.0180",
            "SANK_MEK + SANK_MEE + SANK_EKMP = 700.00, Σ SANK_IT = 650.00",
        ),
    ],
)
def test_each_account_rule_finds_its_mismatch(files, changes, code, detail):
    assert account_hits(_account_file(files), **(GOOD | changes))[code] == [detail]


def test_an_account_finding_is_kept_without_a_case_and_refuses_nothing(files, tmp_path):
    f = _account_file(files)
    load = LoadContext(
        file_id=f.id, organisation_id=f.organisation_id, uploaded_by_id=None, archive_path=None, workdir=tmp_path
    )
    c = ctx("ДВ4", header(**(GOOD | dict(SUMMAP="1300.00"))), rules=RuleBook.only(set(ACCOUNT)))
    counts = check_file(load, c)
    assert counts["findings"] == 2 and counts["refused"] == 0
    rows = files.db.session.execute(select(ControlError).where(ControlError.file_id == f.id)).scalars().all()
    assert {(r.code, r.case_id, r.sanction_sum, r.element, r.value) for r in rows} == {
        ("003K.00.0120", None, Decimal("0.00"), "SUMMAP", "1300.00"),
        ("003K.00.0140", None, Decimal("0.00"), "SUMMAP", "1300.00"),
    }
    statuses = files.db.session.execute(select(MedicalCase.status).where(MedicalCase.file_id == f.id)).scalars()
    assert CaseStatus.MEK_REJECTED not in set(statuses)


def test_the_load_carries_disp_from_the_header_to_the_mek(files, tmp_path):
    load = LoadContext(file_id=0, organisation_id=files.org, uploaded_by_id=None, archive_path=None, workdir=tmp_path)
    assert load.disp is None
    load.header = header(CODE_MO="140001", DISP="ОПВ")
    c = mek_context(load)
    assert (load.disp, c.disp, c.header) == ("ОПВ", "ОПВ", load.header)
    load.header = header(CODE_MO="140001")  # an H file
    assert mek_context(load).disp is None
