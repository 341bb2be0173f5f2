"""The Q016 002K checks at the МЭК (app/controls/mek/rules_2k.py): each rule passes the valid demo
cases, fires on its defect with its comment, reason and element, and stays silent when its condition
does not hold."""

from __future__ import annotations

import datetime as dt

import pytest

from app.controls.mek import check_case
from app.controls.mek import rules_2k as module
from app.controls.mek.registry import all_specs, get
from app.demo.files import E
from app.demo.people import demo_person
from app.formats.record import Node
from app.nsi.lookup import MemoryNsi
from tests.mek.cases import ADULT_MAN, case, ctx, zap

KINDS = ("amb", "smp", "hosp", "day")
DR = demo_person(ADULT_MAN).dr
BEFORE_BIRTH = (DR - dt.timedelta(days=1)).isoformat()
CHILD_DR = dt.date(2015, 1, 1)
DSCHET = dt.date(2026, 10, 20)


def _add(node: Node, path: str, *children: Node) -> Node:
    node.find(path).children.extend(children)
    return node


def onco(
    kind: str = "amb",
    ds1: str = "C50.1",
    *,
    usl_tip: str = "2",
    code_sh: str = "sh0001",
    date_inj: str = "2026-10-15",
    inj_5x: bool = False,
    d_prot: str | None = None,
    napr_date: str | None = None,
    dt_cons: str | None = None,
) -> Node:
    """A demo case of ЗНО with ONK_SL (one ONK_USL with one LEK_PR), NAPR and CONS when given; the
    format 5.x keeps DATE_INJ in LEK_PR/INJ."""
    node = zap(kind, **{"Z_SL/SL/DS1": ds1})
    inj = E("INJ", E("DATE_INJ", date_inj), E("KV_INJ", "1.000")) if inj_5x else E("DATE_INJ", date_inj)
    onk_sl = E(
        "ONK_SL",
        E("DS1_T", "0"),
        E("B_PROT", E("PROT", "1"), E("D_PROT", d_prot)) if d_prot else None,
        E("ONK_USL", E("USL_TIP", usl_tip), E("LEK_PR", E("REGNUM", "000001"), E("CODE_SH", code_sh), inj)),
    )
    extra = [n for n in (E("NAPR", E("NAPR_DATE", napr_date), E("NAPR_V", "1")) if napr_date else None,) if n]
    extra += [E("CONS", E("PR_CONS", "1"), E("DT_CONS", dt_cons))] if dt_cons else []
    return _add(node, "Z_SL/SL", *extra, onk_sl)


def child(node: Node):
    c = case(node)
    c.dr = CHILD_DR
    return c


# the file kind of the context each rule is tried in (the first of its letters)
FILE = {s.code: s.file_types[0] for s in all_specs() if s.fn.__module__ == module.__name__}
# the header values the rules read from the context (the lead sets them from SCHET)
HEADER = {"002K.00.0220": {"plat": "14002"}, "002K.00.0340": {"dschet": DSCHET}}

CASES = {
    "002K.00.0220": lambda: case(zap("amb", **{"PACIENT/SMO": "14005"})),
    "002K.00.0230": lambda: case(
        zap("amb", **{"PACIENT/VPOLIS": "1", "PACIENT/ST_OKATO": "98000", "PACIENT/SMO_OK": "45000"})
    ),
    "002K.00.0290": lambda: case(zap("hosp", **{"Z_SL/NPR_MO": None})),
    "002K.00.0300": lambda: case(zap("hosp", **{"Z_SL/NPR_DATE": None})),
    "002K.00.0310": lambda: case(zap("hosp", **{"Z_SL/NPR_DATE": "2026-10-07"})),
    "002K.00.0330": lambda: case(zap("amb", **{"Z_SL/DATE_Z_1": "2026-10-16"})),
    "002K.00.0340": lambda: case(zap("amb", day=DSCHET + dt.timedelta(days=1))),
    "002K.00.0350": lambda: case(zap("amb", **{"Z_SL/RSLT_D": "1", "Z_SL/SL/DS_ONK": "1"})),
    "002K.00.0370": lambda: case(zap("amb", **{"Z_SL/SUMV": "1600.00"})),
    "002K.00.0390": lambda: case(zap("amb", **{"PACIENT/NOVOR": "115102601", "Z_SL/SL/REAB": "1"})),
    "002K.00.0400": lambda: case(zap("hosp", **{"Z_SL/SL/DATE_1": "2026-10-05"})),
    "002K.00.0410": lambda: case(zap("hosp", **{"Z_SL/SL/DATE_2": "2026-10-05"})),
    "002K.00.0420": lambda: case(zap("hosp", **{"Z_SL/SL/DATE_2": "2026-10-16"})),
    "002K.00.0430": lambda: case(zap("amb", **{"Z_SL/SL/DS2": "I10"})),
    "002K.00.0440": lambda: case(zap("amb", **{"Z_SL/SL/DS2": "E11.9", "Z_SL/SL/DS3": "E11.9"})),
    "002K.00.0450": lambda: case(zap("hosp", **{"Z_SL/SL/CODE_MES1": "М-1", "Z_SL/SL/CODE_MES2": "М-1"})),
    "002K.00.0460": lambda: case(zap("amb", **{"Z_SL/SL/TARIF": "2000.00"})),
    "002K.00.0510": lambda: case(onco(d_prot="2026-10-16")),
    "002K.00.0520": lambda: case(zap("amb", **{"Z_SL/SL/USL/DET": "1"})),
    "002K.00.0530": lambda: case(zap("amb", **{"Z_SL/SL/USL/DATE_IN": "2026-10-14"})),
    "002K.00.0550": lambda: case(zap("amb", **{"Z_SL/SL/USL/DATE_IN": "2026-10-16"})),
    "002K.00.0560": lambda: case(zap("amb", **{"Z_SL/SL/USL/DATE_OUT": "2026-10-16"})),
    "002K.00.0570": lambda: case(zap("amb", **{"Z_SL/SL/USL/TARIF": "2000.00"})),
    "002K.00.0580": lambda: case(onco(napr_date="2026-10-16")),
    "002K.00.0590": lambda: case(onco("hosp", napr_date="2026-10-01")),
    "002K.00.0600": lambda: case(onco(dt_cons="2026-10-16")),
    "002K.00.0610": lambda: case(onco("hosp", date_inj="2026-10-05")),
    "002K.00.0620": lambda: case(onco("hosp", date_inj="2026-10-16")),
    "002K.00.0630": lambda: case(onco(ds1="C91.0", code_sh="sh0001")),
    "002K.00.0640": lambda: child(onco(code_sh="sh0001")),
    "002K.00.0650": lambda: case(onco(usl_tip="2", code_sh="нет")),
    "002K.00.0660": lambda: case(onco(usl_tip="4", code_sh="нет")),
    "002K.00.0700": lambda: case(zap("amb", **{"Z_SL/SL/TAL_D": BEFORE_BIRTH})),
    "002K.00.0710": lambda: case(zap("hosp", **{"Z_SL/SL/TAL_D": "2026-10-07"})),
    "002K.00.0720": lambda: case(zap("hosp", **{"Z_SL/SL/TAL_D": "2026-09-20", "Z_SL/SL/TAL_P": "2026-09-19"})),
    "002K.00.0730": lambda: case(zap("amb", **{"Z_SL/SL/TAL_P": BEFORE_BIRTH})),
}
# a defect can break another order of the same dates: DATE_Z_1 after DATE_Z_2 puts the SL before it
ALSO = {"002K.00.0330": {"002K.00.0400"}}


def context(code: str, **kw):
    c = ctx(file_kind=kw.pop("file_kind", FILE[code]), **kw)
    for name, value in HEADER.get(code, {}).items():
        setattr(c, name, value)
    return c


def mine(c, code: str, **kw) -> list:
    return [s for s in check_case(c, context(code, **kw)) if s.code in FILE]


def fired(c, code: str, **kw) -> set[str]:
    return {s.code for s in mine(c, code, **kw)}


def test_every_rule_of_the_module_has_a_case():
    assert set(CASES) == set(FILE)
    assert all(code.startswith("002K.00.") for code in FILE)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("code", sorted(CASES))
def test_the_valid_demo_case_passes(code, kind):
    assert code not in fired(case(zap(kind)), code)


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_fires_on_its_defect(code):
    spec = get(code)
    found = mine(CASES[code](), code)
    assert {s.code for s in found} <= {code} | ALSO.get(code, set())
    hits = [s for s in found if s.code == code]
    assert hits, code
    for s in hits:
        assert s.finding.stage == "МЭК" and s.finding.comment.startswith(spec.message)
        assert s.refusal == spec.refusal == ("1.1.3" if code in ("002K.00.0290", "002K.00.0300") else "1.1.4")
        assert s.finding.element == spec.element and s.finding.n_zap == "1"
        assert s.full and s.amount > 0


def test_data_of_the_rules():
    for code in FILE:
        s = get(code)
        assert s.scope == "case" and set(s.file_types) <= set("CHTX") and s.share == 1, code
    assert get("002K.00.0310").twin == "006F.00.0310" and get("002K.00.0290").twin == "003F.00.0401"
    assert get("002K.00.0700").twin == "006F.00.0312" and get("002K.00.0710").twin is None
    assert get("002K.00.0700").valid_from == dt.date(2020, 4, 1)


def test_rules_of_other_files_do_not_run():
    assert "002K.00.0580" not in fired(CASES["002K.00.0580"](), "002K.00.0580", file_kind="H")
    assert "002K.00.0700" not in fired(CASES["002K.00.0700"](), "002K.00.0700", file_kind="H")
    assert "002K.00.0350" not in fired(CASES["002K.00.0350"](), "002K.00.0350", file_kind="H")
    assert "002K.00.0390" not in fired(CASES["002K.00.0390"](), "002K.00.0390", file_kind="T")


# -- the conditions ----------------------------------------------------------------------------------
def test_plat_and_dschet_only_from_the_header():
    smo = CASES["002K.00.0220"]()
    assert "002K.00.0220" not in {s.code for s in check_case(smo, ctx())}  # no PLAT in the context
    assert "002K.00.0220" not in fired(case(zap("amb", **{"PACIENT/SMO": "14002"})), "002K.00.0220")
    late = CASES["002K.00.0340"]()
    assert "002K.00.0340" not in {s.code for s in check_case(late, ctx())}  # no DSCHET
    c = ctx()
    c.dschet = (DSCHET).isoformat()  # the ISO text of SCHET/DSCHET is read too
    assert "002K.00.0340" in {s.code for s in check_case(late, c)}
    assert "002K.00.0340" not in fired(case(zap("amb", day=DSCHET)), "002K.00.0340")


def test_plat_and_dschet_from_the_file_header_in_the_context():
    c = ctx()
    c.header = E("ZL_LIST", E("ZGLV", E("VERSION", "5.1")), E("SCHET", E("PLAT", "14002"), E("DSCHET", "2026-10-20")))
    found = {s.code for s in check_case(CASES["002K.00.0220"](), c)} | {
        s.code for s in check_case(CASES["002K.00.0340"](), c)
    }
    assert {"002K.00.0220", "002K.00.0340"} <= found
    assert not {"002K.00.0220", "002K.00.0340"} & {s.code for s in check_case(case(zap("amb")), c)}
    c.plat = "14005"  # the context's own value wins over the header's
    assert "002K.00.0220" not in {s.code for s in check_case(CASES["002K.00.0220"](), c)}
    other = ctx()
    other.header = E("ZL_LIST", E("SCHET", E("PLAT", "14005")))  # another file: its own header is read
    assert "002K.00.0220" not in {s.code for s in check_case(CASES["002K.00.0220"](), other)}
    assert "002K.00.0220" in {s.code for s in check_case(case(zap("amb")), other)}


def test_smo_ok_only_when_vpolis_is_not_3_and_st_okato_given():
    base = {"PACIENT/ST_OKATO": "98000", "PACIENT/SMO_OK": "45000"}
    assert "002K.00.0230" not in fired(case(zap("amb", **base, **{"PACIENT/VPOLIS": "3"})), "002K.00.0230")
    no_okato = {"PACIENT/VPOLIS": "1", "PACIENT/SMO_OK": "45000"}
    assert "002K.00.0230" not in fired(case(zap("amb", **no_okato)), "002K.00.0230")
    same = {**base, "PACIENT/VPOLIS": "1", "PACIENT/SMO_OK": "98000"}
    assert "002K.00.0230" not in fired(case(zap("amb", **same)), "002K.00.0230")


def test_referral_pair():
    both_absent = case(zap("hosp", **{"Z_SL/NPR_MO": None, "Z_SL/NPR_DATE": None}))
    assert not {"002K.00.0290", "002K.00.0300"} & fired(both_absent, "002K.00.0290")
    [s] = [s for s in mine(CASES["002K.00.0290"](), "002K.00.0290") if s.code == "002K.00.0290"]
    assert s.finding.value is None and "NPR_DATE" in s.finding.comment


@pytest.mark.parametrize(
    "code, changes",
    [
        ("002K.00.0310", {"Z_SL/NPR_DATE": "2026-10-06"}),  # equal to DATE_Z_1
        ("002K.00.0310", {"Z_SL/NPR_DATE": "2026-13-07"}),  # malformed: the structural check's
        ("002K.00.0400", {"Z_SL/SL/DATE_1": "2026-10-06"}),
        ("002K.00.0410", {"Z_SL/SL/DATE_2": "2026-10-06"}),
        ("002K.00.0420", {"Z_SL/SL/DATE_2": "2026-10-15"}),
        ("002K.00.0420", {"Z_SL/DATE_Z_2": None}),  # no DATE_Z_2: no check
        ("002K.00.0710", {"Z_SL/SL/TAL_D": "2026-10-06"}),  # equal to DATE_1
        ("002K.00.0710", {"Z_SL/SL/TAL_D": "2026-10-07", "Z_SL/FOR_POM": "2"}),  # not planned
        ("002K.00.0720", {"Z_SL/SL/TAL_D": "2026-09-20", "Z_SL/SL/TAL_P": "2026-09-20"}),
        ("002K.00.0720", {"Z_SL/SL/TAL_P": "2026-09-19"}),  # no TAL_D
    ],
)
def test_date_order_boundaries(code, changes):
    assert code not in fired(case(zap("hosp", **changes)), code)


@pytest.mark.parametrize(
    "code, changes",
    [
        ("002K.00.0530", {"Z_SL/SL/USL/DATE_IN": "2026-10-15"}),
        ("002K.00.0550", {"Z_SL/SL/USL/DATE_OUT": None}),
        ("002K.00.0560", {"Z_SL/SL/USL/DATE_OUT": "2026-10-15"}),
        ("002K.00.0700", {"Z_SL/SL/TAL_D": DR.isoformat()}),  # on the birthday
        ("002K.00.0730", {"Z_SL/SL/TAL_P": DR.isoformat()}),
    ],
)
def test_date_order_boundaries_of_services_and_talons(code, changes):
    assert code not in fired(case(zap("amb", **changes)), code)


def test_date_order_needs_the_birth_date_and_marks_the_service():
    c = CASES["002K.00.0700"]()
    c.dr = None
    assert "002K.00.0700" not in fired(c, "002K.00.0700")
    [s] = mine(CASES["002K.00.0560"](), "002K.00.0560")
    assert s.finding.idserv == "1" and s.finding.sl_id and s.finding.value == "2026-10-16"
    assert "DATE_2=15.10.2026" in s.finding.comment


def test_date_inj_of_the_format_5x_is_inside_inj():
    assert "002K.00.0620" in fired(case(onco("hosp", date_inj="2026-10-16", inj_5x=True)), "002K.00.0620")
    assert "002K.00.0610" in fired(case(onco("hosp", date_inj="2026-10-05", inj_5x=True)), "002K.00.0610")
    within = case(onco("hosp", date_inj="2026-10-10", inj_5x=True))
    assert not {"002K.00.0610", "002K.00.0620"} & fired(within, "002K.00.0610")


def test_onco_blocks_within_the_sl_pass():
    ok = case(onco(d_prot="2026-10-15", napr_date="2026-10-15", dt_cons="2026-10-15"))
    assert not fired(ok, "002K.00.0510")


def test_rslt_d_only_with_ds_onk():
    assert "002K.00.0350" not in fired(case(zap("amb", **{"Z_SL/RSLT_D": "1", "Z_SL/SL/DS_ONK": "0"})), "002K.00.0350")
    assert "002K.00.0350" not in fired(case(zap("amb", **{"Z_SL/RSLT_D": "3", "Z_SL/SL/DS_ONK": "1"})), "002K.00.0350")


def test_sumv_needs_every_sum_m():
    assert "002K.00.0370" not in fired(
        case(zap("amb", **{"Z_SL/SUMV": "1600.00", "Z_SL/SL/SUM_M": None})), "002K.00.0370"
    )
    assert "002K.00.0370" not in fired(case(zap("amb", **{"Z_SL/SUMV": "1520.0"})), "002K.00.0370")


def test_reab_of_a_case_not_of_a_newborn_passes():
    assert "002K.00.0390" not in fired(case(zap("amb", **{"Z_SL/SL/REAB": "1"})), "002K.00.0390")


def test_diagnoses_and_standards():
    assert "002K.00.0430" not in fired(case(zap("amb", **{"Z_SL/SL/DS2": "E11.9"})), "002K.00.0430")
    assert "002K.00.0430" in fired(case(zap("amb", **{"Z_SL/SL/DS3": "i10 "})), "002K.00.0430")
    # a D-file keeps DS2 in DS2_N
    x = _add(zap("amb"), "Z_SL/SL", E("DS2_N", E("DS2", "I10"), E("DS2_PR", "0")))
    assert "002K.00.0430" in fired(case(x), "002K.00.0430", file_kind="X")
    assert "002K.00.0440" not in fired(
        case(zap("amb", **{"Z_SL/SL/DS2": "E11.9", "Z_SL/SL/DS3": "E10.9"})), "002K.00.0440"
    )
    diff = {"Z_SL/SL/CODE_MES1": "М-1", "Z_SL/SL/CODE_MES2": "М-2"}
    assert "002K.00.0450" not in fired(case(zap("hosp", **diff)), "002K.00.0450")


def test_sl_tarif_only_outside_the_hospitals():
    assert "002K.00.0460" not in fired(case(zap("hosp", **{"Z_SL/SL/TARIF": "99999.00"})), "002K.00.0460")
    assert "002K.00.0460" in fired(case(zap("smp", **{"Z_SL/SL/TARIF": "4000.00"})), "002K.00.0460")
    # a D-file has no USL_OK
    x = case(zap("amb", **{"Z_SL/USL_OK": None, "Z_SL/SL/TARIF": "2000.00"}))
    assert "002K.00.0460" in fired(x, "002K.00.0460", file_kind="X")
    assert "002K.00.0460" not in fired(x, "002K.00.0460", file_kind="H")


def test_service_tarif_equal_to_its_sum_passes():
    assert "002K.00.0570" not in fired(case(zap("amb", **{"Z_SL/SL/USL/TARIF": "1520.00"})), "002K.00.0570")


def test_usl_det_of_a_child_passes():
    assert "002K.00.0520" not in fired(child(zap("amb", **{"Z_SL/SL/USL/DET": "1"})), "002K.00.0520")


def test_code_sh_conditions():
    f = "002K.00.0630"
    assert not fired(case(onco(ds1="C91.0", code_sh="нет")), f)  # a hemoblastosis without a scheme
    assert not fired(child(onco(code_sh="нет")), f)  # a child without a scheme
    assert not fired(case(onco(usl_tip="4", code_sh="mt001")), f)
    assert not fired(case(onco(usl_tip="4", code_sh="sh0001")), f)
    assert "002K.00.0650" not in fired(case(onco(ds1="C91.0", code_sh="нет")), f)  # not a solid tumour
    assert "002K.00.0650" not in fired(case(onco(usl_tip="3", code_sh="нет")), f)  # not drug therapy
    assert "002K.00.0650" in fired(case(onco(usl_tip="2", code_sh="mt001")), f)  # mt is for USL_TIP=4
    assert "002K.00.0640" in fired(child(onco(ds1="C91.0", code_sh="sh0001")), f)
    unknown_age = case(onco(code_sh="sh0001"))
    unknown_age.dr = None
    assert not fired(unknown_age, f)


def test_code_sh_in_v024_when_it_is_loaded():
    nsi = MemoryNsi({"V024": [("sh0001", "схема 1"), ("mt001", "схема mt")]})
    assert not fired(case(onco(code_sh="sh0001")), "002K.00.0650", nsi=nsi)
    assert "002K.00.0650" in fired(case(onco(code_sh="sh9999")), "002K.00.0650", nsi=nsi)
    assert "002K.00.0650" not in fired(case(onco(code_sh="sh9999")), "002K.00.0650")  # V024 not loaded
    assert "002K.00.0660" in fired(case(onco(usl_tip="4", code_sh="mt999")), "002K.00.0660", nsi=nsi)
