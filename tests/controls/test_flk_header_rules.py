"""Header, file-name and L-file rules: one defect → exactly the code, at the element, fatal."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import pytest

from app.controls.flk import check_header, check_person
from app.controls.flk.registry import get
from tests.controls.factory import (
    H_NAME,
    L_NAME,
    adult,
    at,
    ctx,
    header,
    l_header,
    mutate,
    newborn_pers,
)


class HCase(NamedTuple):
    code: str
    target: str  # "H" → ZL_LIST header, "L" → PERS_LIST header
    changes: tuple
    at: str
    also: frozenset = frozenset()
    ctx: dict = {}


def H(code, *changes, at, also=(), **ctx_kw):
    return HCase(code, "H", tuple(changes), at, frozenset(also), ctx_kw)


def L(code, *changes, at, also=(), **ctx_kw):
    return HCase(code, "L", tuple(changes), at, frozenset(also), ctx_kw)


HEADER_CASES = [
    # the version of the period (app.formats.periods): each check for the periods it covers
    H("002F.00.0010", ("ZGLV/VERSION", "3.2"), at="ZGLV/VERSION", year=2021, month=6),
    H("002F.00.0012", ("ZGLV/VERSION", "5.0"), at="ZGLV/VERSION", year=2024, month=5, file_kind="T"),
    H("002F.00.0013", ("ZGLV/VERSION", "3.2"), at="ZGLV/VERSION", year=2024, month=5),
    H("002F.00.0014", ("ZGLV/VERSION", "9.9"), at="ZGLV/VERSION"),
    H("002F.00.0016", ("ZGLV/VERSION", "5.0"), at="ZGLV/VERSION", year=2025, month=8),
    H("002F.00.0070", ("SCHET/MONTH", "13"), at="SCHET/MONTH", also={"006F.00.0090"}),
    H("006F.00.0010", ("ZGLV/DATA", "2025-02-11"), at="ZGLV/DATA"),
    H("006F.00.0200", ("SCHET/DSCHET", "2025-02-06"), at="SCHET/DSCHET"),
    H("003F.00.0010", ("SCHET/PLAT", None), at="SCHET"),
    H("006F.00.0050", ("SCHET/PLAT", "14002"), at="ZGLV/FILENAME"),
    H("006F.00.0070", ("SCHET/YEAR", "2024"), at="ZGLV/FILENAME"),
    H("006F.00.0090", ("SCHET/MONTH", "2"), at="ZGLV/FILENAME"),
    H("002F.14.0010", at="ZGLV/FILENAME", member_name="HM140001S14001_2501002.XML"),
    H("002F.14.0030", at="SCHET/CODE_MO", sender_mo="140002"),
    L("002F.00.0050", ("ZGLV/VERSION", "3.1"), at="ZGLV/VERSION"),
    L("006F.00.0020", ("ZGLV/DATA", "2025-02-11"), at="ZGLV/DATA"),
    L(
        "006F.00.0060",
        ("ZGLV/FILENAME", "LM140001S14002_2501001"),
        at="ZGLV/FILENAME",
        l_member_name="LM140001S14002_2501001.xml",
    ),
    L(
        "006F.00.0080",
        ("ZGLV/FILENAME", "LM140001S14001_2401001"),
        at="ZGLV/FILENAME",
        l_member_name="LM140001S14001_2401001.xml",
    ),
    L(
        "006F.00.0100",
        ("ZGLV/FILENAME", "LM140001S14001_2502001"),
        at="ZGLV/FILENAME",
        l_member_name="LM140001S14001_2502001.xml",
    ),
    L("002F.14.0011", at="ZGLV/FILENAME", l_member_name="LM140001S14001_2501009.xml"),
    L("002F.14.0020", ("ZGLV/FILENAME1", "HM140001S14001_2501002"), at="ZGLV/FILENAME1"),
]


def test_valid_headers_give_no_findings():
    assert check_header(header(), ctx()) == []
    assert check_header(l_header(), ctx()) == []


@pytest.mark.parametrize("c", HEADER_CASES, ids=[f"{c.code}-{c.target}" for c in HEADER_CASES])
def test_header_rule_reports_its_code(c: HCase):
    node = mutate(header() if c.target == "H" else l_header(), *c.changes)
    found = check_header(node, ctx(**c.ctx))
    assert {f.code for f in found} == {c.code} | c.also, [(f.code, f.comment) for f in found]
    f = next(f for f in found if f.code == c.code)
    spec = get(c.code)
    assert (f.element, f.base_element, f.file_kind) == (spec.element, spec.base_element, c.target)
    assert f.line == at(node, c.at).line
    assert f.fatal is True
    assert f.n_zap is None and f.idcase is None


def test_the_version_of_the_period_comes_from_the_table():
    from app.formats.periods import VersionPeriod

    h = header(version="5.1")
    found = check_header(h, ctx())  # 01.2025 requires 5.0
    assert [(f.code, f.value) for f in found] == [("002F.00.0014", "5.1")]
    assert "для отчётного периода 01.2025 требуется версия 5.0" in found[0].comment
    # the fund's table wins: 5.1 from 01.2025 under the 5.1 check, and a 5.0 file is refused by it
    table = (VersionPeriod("H", "5.1", date(2025, 1, 1), None, "002F.00.0016"),)
    assert check_header(h, ctx(periods=table)) == []
    found = check_header(header(version="5.0"), ctx(periods=table))
    assert [f.code for f in found] == ["002F.00.0016"]
    # no row covers the period: no version is required
    assert check_header(header(version="3.2"), ctx(periods=())) == []
    # a check switched off in the catalogue does not refuse
    from app.controls.catalogue import RuleBook, RuleSetting

    off = RuleBook({"002F.00.0014": RuleSetting(enabled=False)})
    assert check_header(h, ctx(rules=off)) == []


def test_periods_of_the_seed():
    from app.formats.periods import required_version

    cases = {
        ("H", 2021, 12): "3.1",
        ("H", 2022, 1): "3.2",
        ("C", 2024, 2): "3.2",
        ("H", 2024, 3): "4.0",
        ("C", 2024, 12): "4.0",
        ("T", 2024, 12): "3.1",
        ("X", 2024, 3): "3.1",
        ("H", 2025, 1): "5.0",
        ("X", 2025, 6): "5.0",
        ("T", 2025, 7): "5.1",
        ("H", 2026, 10): "5.1",
        ("L", 2019, 10): None,
        ("L", 2026, 10): "3.2",
    }
    for (kind, year, month), version in cases.items():
        assert required_version(kind, year, month) == version, (kind, year, month)
    assert required_version("H", 2026, 13) is None  # not a period


def test_file_kind_comes_from_the_file_name():
    from app.controls.flk import FlkContext, parse_file_name

    assert FlkContext.from_header(header("CM140001S14001_2501001")).file_kind == "C"
    assert FlkContext.from_header(header("DPM140001T14_2501001")).file_kind == "X"
    p = parse_file_name("HM140001S14001_2501001.xml")
    assert (p.type, p.pi, p.ni, p.pp, p.np, p.yy, p.mm, p.n) == ("H", "M", "140001", "S", "14001", 25, 1, "001")
    assert parse_file_name("LM140001S14001_2501001").kind == "L"
    assert parse_file_name("отчет.xml") is None


def test_context_from_header_reads_the_values():
    cx = ctx()
    assert (cx.year, cx.month, cx.plat, cx.code_mo, cx.version) == (2025, 1, "14001", "140001", "5.0")
    assert (cx.data, cx.dschet, cx.l_data) == (date(2025, 2, 5), date(2025, 2, 3), date(2025, 2, 5))
    assert cx.file_name == H_NAME and cx.l_file_name == L_NAME
    assert cx.rule_date == date(2025, 1, 1)


# -- PERS rules that need only the person ---------------------------------------------------
class PCase(NamedTuple):
    code: str
    person: object
    changes: tuple
    at: str
    kind: str = "H"


PERSON_CASES = [
    PCase("002F.00.0540", adult, (("+DOST", "7"),), "DOST"),
    PCase("002F.00.0550", newborn_pers, (("+DOST_P", "0"),), "DOST_P"),
    PCase("003F.00.1710", adult, (("+TEL", "4112000000"),), "TEL"),
    PCase("003F.00.1710", adult, (("+TEL", "4112000000"),), "TEL", "C"),
    PCase("006F.00.0670", adult, (("DR", "2025-02-06"),), "DR"),
    PCase("006F.00.0690", newborn_pers, (("DR_P", "2012-01-01"),), "DR_P"),
]


@pytest.mark.parametrize("person", [adult, newborn_pers])
def test_valid_person_gives_no_findings(person):
    assert check_person(person(), ctx()) == []


@pytest.mark.parametrize("c", PERSON_CASES, ids=[f"{c.code}-{c.kind}" for c in PERSON_CASES])
def test_person_rule_reports_its_code(c: PCase):
    pers = mutate(c.person(), *c.changes)
    found = check_person(pers, ctx(c.kind))
    assert [f.code for f in found] == [c.code], [(f.code, f.comment) for f in found]
    f = found[0]
    assert (f.file_kind, f.id_pac, f.element, f.line) == ("L", "P1", get(c.code).element, at(pers, c.at).line)
    assert not f.fatal


def test_tel_allowed_in_dispanserization_files():
    assert check_person(mutate(adult(), ("+TEL", "4112000000")), ctx("X")) == []
