"""The МЭК rules of the D-series files (app/controls/mek/rules_disp.py) and of the sums of a case
(app/controls/mek/rules_sums.py), on single cases: a valid case of each kind of examination passes,
the case with the defect fails with exactly that code.  D-file ZAPs are built here by hand (the
demo generator writes H files only); the sums are checked on the demo H case."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Optional

import pytest

from app.controls.mek import MekCase, MekContext, check_case
from app.controls.mek.registry import get
from app.controls.mek.rules_disp import months_before
from app.controls.mek.rules_sums import CaseSums, case_sum_errors
from app.formats.record import Node
from app.nsi.lookup import MemoryNsi
from tests.mek.cases import case as h_case
from tests.mek.cases import zap as h_zap

START, END = dt.date(2026, 10, 1), dt.date(2026, 10, 15)
ADULT_DR = dt.date(1990, 5, 1)  # 2026 − 1990 = 36: the age group of this year
CHILD_DR = dt.date(2020, 3, 1)  # 6 years old
BABY_DR = dt.date(2025, 6, 1)  # 1 year old
V021 = MemoryNsi(
    {
        "V021": [
            ("76", "Терапия"),
            ("39", "Общая врачебная практика (семейная медицина)"),
            ("27", "Кардиология"),
            ("100", "Физиотерапия"),
        ]
    }
)
THERAPIST, CARDIOLOGIST = "76", "27"


def E(tag: str, *items) -> Node:
    node = Node(tag)
    for item in items:
        if isinstance(item, Node):
            node.children.append(item)
        elif item is not None:
            node.text = str(item)
    return node


def usl(n: int, code: str, day: dt.date, prvs: Optional[str] = THERAPIST, *, p_otk="0", mr_usl_n=False, out=None):
    doctor = [E("MR_USL_N", E("MR_N", "1"), E("PRVS", prvs), E("CODE_MD", "123"))] if mr_usl_n else [E("PRVS", prvs)]
    return E(
        "USL",
        E("IDSERV", n),
        E("LPU", "140001"),
        E("DATE_IN", day.isoformat()),
        E("DATE_OUT", (out or day).isoformat()),
        E("P_OTK", p_otk),
        E("CODE_USL", code),
        E("SUMV_USL", "100.00"),
        *doctor,
    )


def adult_services():
    return [
        usl(1, "A06.09.006", dt.date(2026, 3, 1), "100"),  # fluorography 7 months before: within 12
        usl(2, "A05.10.006", START, CARDIOLOGIST),
        usl(3, "B04.047.002", END),  # the therapist on DATE_Z_2
    ]


def child_services():
    return [
        usl(1, "A06.09.006", dt.date(2026, 2, 1), "100"),  # fluorography 8 months before: excepted
        usl(2, "B04.031.002", dt.date(2026, 7, 15)),  # 2.5 months before
        usl(3, "B04.031.004", END),
    ]


def x_zap(services=None, *, rslt_d="1", idsp="30", sumv="2000.00", p_otk="0", naz_r=None, **z) -> Node:
    services = adult_services() if services is None else services
    sl = E(
        "SL",
        E("SL_ID", "1"),
        E("DATE_1", START.isoformat()),
        E("DATE_2", END.isoformat()),
        E("DS1", "Z00.0"),
        E("NAZ", E("NAZ_N", "1"), E("NAZ_R", naz_r)) if naz_r else None,
        *services,
    )
    node = E(
        "ZAP",
        E("N_ZAP", "1"),
        E("PR_NOV", "0"),
        E("PACIENT", E("ID_PAC", "p1"), E("VPOLIS", "3"), E("ENP", "1400000000000001"), E("NOVOR", "0")),
        E(
            "Z_SL",
            E("IDCASE", "1"),
            E("VIDPOM", "13"),
            E("LPU", "140001"),
            E("DATE_Z_1", z.get("date_z_1", START).isoformat()),
            E("DATE_Z_2", z.get("date_z_2", END).isoformat()),
            E("P_OTK", p_otk),
            E("RSLT_D", rslt_d),
            sl,
            E("IDSP", idsp),
            E("SUMV", sumv),
        ),
    )
    return node


def x_case(node: Optional[Node] = None, dr: dt.date = ADULT_DR) -> MekCase:
    node = node if node is not None else x_zap()
    return MekCase(node, case_id=1, sumv=Decimal(node.get("Z_SL/SUMV")), w=1, dr=dr)


def child(services=None, dr=CHILD_DR, **kw) -> MekCase:
    return x_case(x_zap(child_services() if services is None else services, **kw), dr)


def _with_sank(c: MekCase) -> MekCase:
    c.z_sl.children.append(E("SANK", E("S_CODE", "1"), E("S_SUM", "20.00"), E("S_TIP", "1"), E("S_OSN", "1.1.4")))
    return c


# (code) → the defective case; DISP says which file it comes from (ДВ4 unless listed)
CASES = {
    "003K.00.0010": lambda: child([usl(1, "B04.031.002", dt.date(2026, 8, 20))], dr=BABY_DR),
    "003K.00.0020": lambda: x_case(x_zap([*adult_services(), usl(4, "A09.05.023", dt.date(2025, 9, 30))])),
    "003K.00.0030": lambda: child([*child_services(), usl(4, "B04.028.002", dt.date(2026, 6, 30))]),
    "003K.00.0040": lambda: x_case(x_zap(rslt_d="31")),
    "003K.00.0050": lambda: x_case(dr=dt.date(2009, 12, 31)),  # 2026 − 2009 = 17
    "003K.00.0060": lambda: child(dr=dt.date(2008, 1, 1)),  # 18
    "003K.00.0110": lambda: x_case(dr=dt.date(1991, 1, 1)),  # 35
    "003K.00.0230": lambda: x_case(x_zap(idsp="9")),
    "003K.00.0235": lambda: x_case(x_zap(p_otk="1")),
    "003K.00.0990": lambda: x_case(x_zap([*adult_services()[:2], usl(3, "B04.047.002", END, CARDIOLOGIST)])),
    "003K.00.0240": lambda: h_case(h_zap(**{"Z_SL/SUMP": "1.00"})),
    "003K.00.0250": lambda: _with_sank(h_case(h_zap(**{"Z_SL/SANK_IT": "10.00"}))),  # S_SUM 20
    "003K.00.0260": lambda: h_case(h_zap(**{"Z_SL/OPLATA": "3", "Z_SL/SUMP": "0.00"})),
    "003K.00.0270": lambda: h_case(h_zap(**{"Z_SL/OPLATA": "2", "Z_SL/SUMP": "5.00"})),
    "003K.00.0280": lambda: h_case(h_zap(**{"Z_SL/OPLATA": "1", "Z_SL/SUMP": "5.00"})),
}
DISP = {"003K.00.0010": "ПН1", "003K.00.0030": "ДС1", "003K.00.0060": "ПН1"}
SUMS = {"003K.00.0240", "003K.00.0250", "003K.00.0260", "003K.00.0270", "003K.00.0280"}
OURS = set(CASES)


def ctx(disp: Optional[str] = "ДВ4", **kw) -> MekContext:
    values = dict(file_kind="X", disp=disp, year=2026, month=10, today=dt.date(2026, 11, 20), nsi=V021)
    values.update(kw)
    return MekContext(**values)


def codes(c: MekCase, **kw) -> set[str]:
    return {s.code for s in check_case(c, ctx(**kw))} & OURS


def valid(code: str) -> MekCase:
    if code in SUMS:
        return h_case(h_zap())
    disp = DISP.get(code, "ДВ4")
    if disp == "ПН1" and code == "003K.00.0010":
        return child([usl(1, "B04.031.002", dt.date(2026, 9, 5))], dr=BABY_DR)
    return child() if disp in ("ПН1", "ДС1") else x_case()


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_fires_on_its_defect_only(code):
    kind = dict(file_kind="H", disp=None) if code in SUMS else dict(disp=DISP.get(code, "ДВ4"))
    assert code not in codes(valid(code), **kind), "the valid case must pass"
    defective = CASES[code]()
    found = [s for s in check_case(defective, ctx(**kind)) if s.code == code]
    assert found, code
    s = found[0]
    assert s.finding.stage == "МЭК" and s.finding.comment and s.refusal == get(code).refusal
    assert s.finding.element == get(code).element and s.finding.n_zap == "1"
    assert s.full and s.amount == defective.sumv > 0


@pytest.mark.parametrize("disp", ["ДВ4", "ДВ2", "ОПВ"])
def test_valid_adult_examinations_pass(disp):
    assert codes(x_case(), disp=disp) == set()


@pytest.mark.parametrize("disp", ["ДС1", "ДС2", "ДС3", "ДС4", "ПН1", "ПН2"])
def test_valid_minor_examinations_pass(disp):
    assert codes(child(), disp=disp) == set()


def test_x_rules_run_on_d_files_only():
    defective = CASES["003K.00.0230"]()
    assert "003K.00.0230" in codes(defective)
    assert "003K.00.0230" not in codes(defective, file_kind="H")
    assert codes(CASES["003K.00.0050"](), disp=None) == set()  # no DISP: nothing to judge by


def test_months_before_keeps_the_day_or_takes_the_last_of_a_shorter_month():
    assert months_before(dt.date(2026, 10, 15), 1) == dt.date(2026, 9, 15)
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2026, 1, 10), 12) == dt.date(2025, 1, 10)


def test_earlier_services_limits():
    # under 2: one month back is fine, one day more is not; 3 months apply from 2 years on
    assert "003K.00.0010" not in codes(child([usl(1, "B04.031.002", dt.date(2026, 9, 1))], dr=BABY_DR), disp="ПН1")
    assert "003K.00.0010" in codes(child([usl(1, "B04.031.002", dt.date(2026, 8, 31))], dr=BABY_DR), disp="ПН1")
    assert "003K.00.0030" not in codes(child([usl(1, "B04.031.002", dt.date(2026, 8, 31))], dr=BABY_DR), disp="ПН1")
    # 2 years and more: 3 months; fluorography excepted, a refused service not judged
    assert "003K.00.0030" not in codes(child([usl(1, "B04.031.002", dt.date(2026, 7, 1))]), disp="ДС2")
    assert "003K.00.0030" in codes(child([usl(1, "B04.031.002", dt.date(2026, 6, 30))]), disp="ДС2")
    assert "003K.00.0030" not in codes(child([usl(1, "A06.09.006.001", dt.date(2025, 12, 1))]), disp="ДС2")
    old_refused = usl(1, "B04.031.002", dt.date(2026, 1, 1), p_otk="1")
    assert "003K.00.0030" not in codes(child([old_refused]), disp="ДС2")
    # adults: 12 months, fluorography included; the minors' limits do not apply to them
    assert "003K.00.0020" not in codes(x_case(x_zap([usl(1, "A09.05.023", dt.date(2025, 10, 1))])), disp="ОПВ")
    assert "003K.00.0020" in codes(x_case(x_zap([usl(1, "A06.09.006", dt.date(2025, 9, 30))])), disp="ОПВ")
    assert "003K.00.0030" not in codes(CASES["003K.00.0030"](), disp="ДВ4")
    found = [s for s in check_case(CASES["003K.00.0020"](), ctx()) if s.code == "003K.00.0020"]
    assert [(s.finding.idserv, s.finding.value) for s in found] == [("4", "2025-09-30")]


def test_appointments_are_needed_from_health_group_three():
    assert "003K.00.0040" not in codes(x_case(x_zap(rslt_d="31", naz_r="3")))
    assert "003K.00.0040" not in codes(x_case(x_zap(rslt_d="2")))
    for group in ("3", "4", "5", "32"):
        assert "003K.00.0040" in codes(x_case(x_zap(rslt_d=group)))


def test_ages_by_the_year_of_the_examination():
    # 18 in the year of the examination (birthday still ahead) is an adult; 17 is not
    assert "003K.00.0050" not in codes(x_case(dr=dt.date(2008, 12, 31)), disp="ОПВ")
    assert "003K.00.0050" in codes(x_case(dr=dt.date(2009, 1, 1)), disp="ОПВ")
    assert "003K.00.0060" not in codes(child(dr=dt.date(2009, 1, 1)), disp="ДС3")
    assert "003K.00.0060" in codes(child(dr=dt.date(2008, 12, 31)), disp="ДС3")
    # age groups: 18…39 every 3 years, from 40 every year; ОПВ has no groups
    for born, fires in ((2008, False), (2007, True), (1987, False), (1988, True), (1986, False), (1950, False)):
        assert ("003K.00.0110" in codes(x_case(dr=dt.date(born, 6, 1)), disp="ДВ2")) is fires, born
    assert "003K.00.0110" not in codes(x_case(dr=dt.date(1991, 1, 1)), disp="ОПВ")


def test_idsp_and_refused_examination():
    for idsp in ("25", "28", "29", "30", "31", "44"):
        assert "003K.00.0230" not in codes(x_case(x_zap(idsp=idsp)))
    assert "003K.00.0235" not in codes(x_case(x_zap(p_otk="1", sumv="0.00")))
    assert "003K.00.0235" not in codes(x_case(x_zap(p_otk="0", sumv="2000.00")))


def test_therapist_visit_on_the_last_day():
    # the therapist's service ends on DATE_Z_2, or the general practitioner's (PRVS in MR_USL_N) starts on it
    ends = [*adult_services()[:2], usl(3, "B04.047.002", dt.date(2026, 10, 14), out=END)]
    assert "003K.00.0990" not in codes(x_case(x_zap(ends)))
    gp = [*adult_services()[:2], usl(3, "B04.026.002", END, "39", mr_usl_n=True)]
    assert "003K.00.0990" not in codes(x_case(x_zap(gp)))
    # a day earlier, refused, or by a physiotherapist: no visit; only ДВ4 is judged; no V021: skipped
    early = [*adult_services()[:2], usl(3, "B04.047.002", dt.date(2026, 10, 14))]
    refused = [*adult_services()[:2], usl(3, "B04.047.002", END, p_otk="1")]
    physio = [*adult_services()[:2], usl(3, "A21.01.001", END, "100")]
    for services in (early, refused, physio):
        assert "003K.00.0990" in codes(x_case(x_zap(services)))
    assert "003K.00.0990" not in codes(x_case(x_zap(early)), disp="ОПВ")
    assert "003K.00.0990" not in codes(x_case(x_zap(early)), nsi=None)
    assert "003K.00.0990" not in codes(x_case(x_zap(early)), nsi=MemoryNsi())


# -- the sums of a case ------------------------------------------------------------------------------------
def _sums(**values) -> CaseSums:
    base = dict(sumv=Decimal("100.00"), sump=None, sank_it=None, oplata=None, sanks=())
    base.update(values)
    return CaseSums(**base)


def test_case_sums_as_the_payer_fills_them():
    d = Decimal
    assert case_sum_errors(_sums()) == []  # an МО's file: nothing given, nothing to check
    assert [c for c, _ in case_sum_errors(_sums(), sump_required=True)] == ["003K.00.0240"]
    paid = _sums(sump=d("100.00"), oplata="1", sank_it=d("0.00"))
    refused = _sums(sump=d("0.00"), oplata="2", sank_it=d("100.00"), sanks=(("1", d("100.00")),))
    partly = _sums(sump=d("70.00"), oplata="3", sank_it=d("30.00"), sanks=(("1", d("10.00")), ("21", d("30.00"))))
    for good in (paid, refused, partly):
        assert case_sum_errors(good, sump_required=True) == [], good
    # OPLATA against SANK_IT too, not only SUMP
    assert [c for c, _ in case_sum_errors(_sums(sump=d("100.00"), oplata="1", sank_it=d("5.00")))] == [
        "003K.00.0240",
        "003K.00.0280",
    ]
    assert [c for c, _ in case_sum_errors(_sums(sump=d("0.00"), oplata="2", sank_it=d("50.00")))] == [
        "003K.00.0240",
        "003K.00.0270",
    ]
    assert [c for c, _ in case_sum_errors(_sums(sump=d("100.00"), oplata="3"))] == ["003K.00.0260"]
    # SANK_IT is the largest S_SUM, not their sum
    assert [c for c, _ in case_sum_errors(_sums(sank_it=d("40.00"), sanks=(("1", d("10")), ("21", d("30")))))] == [
        "003K.00.0250"
    ]


def test_sum_rules_see_what_the_file_gives():
    c = h_case(h_zap(**{"Z_SL/OPLATA": "1", "Z_SL/SUMP": h_zap().get("Z_SL/SUMV")}))
    assert codes(c, file_kind="H", disp=None) == set()
    s = next(s for s in check_case(CASES["003K.00.0240"](), ctx("", file_kind="H")) if s.code == "003K.00.0240")
    assert s.finding.value == "1.00" and "SUMV" in s.finding.comment
