"""Each МЭК rule, on one case: the valid demo case passes it, the case with the defect fails it
with exactly that code — so every rule has a test that fails without the rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from app.controls.catalogue import RuleBook, RuleSetting
from app.controls.mek import catalogue, check_case
from app.controls.mek import catalogue as mek_catalogue
from app.controls.mek.registry import get
from app.demo.people import demo_person
from app.demo.tariffs import demo_rows
from app.erz.resolve import POLICY_ENDED, POLICY_FUTURE, POLICY_NONE, POLICY_VALID
from app.tariffs import TariffBook, TariffRow, calculate
from app.tariffs.importer import make_row
from tests.mek.cases import ADULT_MAN, ADULT_WOMAN, DAY, case, ctx, zap

# a demo person under one year on DAY (every 29th demo person is a baby)
BABY = next(i for i in range(29, 30_000, 29) if (DAY - demo_person(i).dr).days < 365)


def demo_book() -> TariffBook:
    rows = [make_row(r) for _n, r in demo_rows()]
    return TariffBook(
        TariffRow(r["kind"], r["code"], r["price"], r["coefficient"], r["date_begin"], r["date_end"]) for r in rows
    )


def codes(c, **kw) -> list[str]:
    return [s.code for s in check_case(c, ctx(**kw))]


def _sl_twice(kind: str = "amb"):
    """A case whose SL is presented twice (a second SL with the same dates, PROFIL and PRVS)."""
    import copy

    node = zap(kind)
    z_sl = node.child("Z_SL")
    first = z_sl.child("SL")
    second = copy.deepcopy(first)
    second.child("SL_ID").text = "2"
    z_sl.children.insert(z_sl.children.index(first) + 1, second)
    return case(node)


# (code, the defective case, keyword arguments of the context)
CASES = {
    "003K.14.0010": lambda: case(zap(), erz_found_by=None, policy_check=None),
    "003K.00.0570": lambda: case(zap(), policy_check=POLICY_ENDED),
    "003K.00.0580": lambda: case(zap(), policy_check=POLICY_FUTURE),
    "003K.00.0950": lambda: case(zap(), death_date=DAY - dt.timedelta(days=1)),
    "003K.00.0960": lambda: case(zap(), death_date=DAY - dt.timedelta(days=1)),
    "003K.00.0290": lambda: case(zap("smp", **{"Z_SL/VIDPOM": "13"})),
    "003K.00.0300": lambda: case(zap("amb", **{"Z_SL/VIDPOM": "31"})),
    "003K.00.0310": lambda: case(zap("day", **{"Z_SL/VIDPOM": "3"})),
    "003K.00.0321": lambda: case(zap("hosp", **{"Z_SL/VIDPOM": "13"})),
    "003K.00.0371": lambda: case(zap("day", **{"Z_SL/FOR_POM": "1"})),
    "003K.00.0381": lambda: case(zap("amb", **{"Z_SL/FOR_POM": "1"})),
    "003K.00.0391": lambda: case(zap("smp", **{"Z_SL/FOR_POM": "3"})),
    "003K.00.0451": lambda: case(zap("hosp", **{"Z_SL/RSLT": "201"})),
    "003K.00.0461": lambda: case(zap("day", **{"Z_SL/RSLT": "101"})),
    "003K.00.0471": lambda: case(zap("amb", **{"Z_SL/RSLT": "201"})),
    "003K.00.0481": lambda: case(zap("smp", **{"Z_SL/RSLT": "301"})),
    "003K.00.0200": lambda: case(zap("smp", **{"Z_SL/RSLT": "417", "Z_SL/ISHOD": "401"})),
    "003K.00.0331": lambda: case(zap("hosp", **{"Z_SL/RSLT": "105", "Z_SL/ISHOD": "102"})),
    "003K.00.0430": lambda: case(zap("hosp", **{"Z_SL/SL/KD": "30"})),
    "003K.00.0550": lambda: case(zap("amb", **{"Z_SL/SL/ED_COL": None})),
    "003K.00.0590": lambda: case(zap("amb", **{"Z_SL/SL/DS1": "P07.3"})),
    "003K.00.0620": lambda: case(zap("amb", ADULT_MAN, **{"Z_SL/SL/DS1": "O80.0"}), ADULT_MAN),
    "003K.00.0660": lambda: case(zap("amb", **{"Z_SL/SL/DS1": "I11"})),
    "002K.00.0395": lambda: case(zap("amb", **{"Z_SL/SL/DET": "1"})),
    "003K.14.0020": lambda: case(zap("amb", day=dt.date(2026, 3, 10))),
    "003K.00.0410": _sl_twice,
}


def _all_cases() -> dict:
    """CASES of this module and of every other ``tests/mek/test_mek_rules_*.py`` (one per group of
    rules), so that each group keeps its own cases and the test below still sees them all."""
    import importlib
    from pathlib import Path

    found = dict(CASES)
    for path in sorted(Path(__file__).parent.glob("test_mek_rules_*.py")):
        module = importlib.import_module(f"tests.mek.{path.stem}")
        more = getattr(module, "CASES", {})
        assert not set(more) & set(found), f"{path.name}: a code has cases in two modules"
        found.update(more)
    return found


def test_every_case_rule_has_a_test_case():
    case_rules = {s.code for s in catalogue() if s.scope == "case"}
    assert case_rules == set(_all_cases())


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_fires_on_its_defect_only(code):
    assert code not in codes(case(zap(get_kind(code)))), "the valid demo case must pass"
    defective = CASES[code]()
    found = check_case(defective, ctx())
    assert code in [s.code for s in found]
    s = next(s for s in found if s.code == code)
    assert s.finding.stage == "МЭК" and s.finding.comment and s.refusal == get(code).refusal
    assert s.finding.element == get(code).element and s.finding.n_zap == "1"
    assert s.full and s.amount == defective.sumv > 0  # the whole case is refused


def get_kind(code: str) -> str:
    for kind in ("smp", "day", "hosp"):
        if code in {"003K.00.0290", "003K.00.0391", "003K.00.0481", "003K.00.0200"} and kind == "smp":
            return kind
        if code in {"003K.00.0310", "003K.00.0371", "003K.00.0461"} and kind == "day":
            return kind
        if code in {"003K.00.0321", "003K.00.0451", "003K.00.0331", "003K.00.0430"} and kind == "hosp":
            return kind
    return "amb"


def test_switched_off_rule_does_not_run():
    c = CASES["003K.00.0620"]()
    assert "003K.00.0620" in codes(c)
    assert "003K.00.0620" not in codes(c, rules=RuleBook.only({"003K.14.0010"}))


def test_rules_see_the_details_they_judge():
    # a woman with chapter O, an infant with chapter P: no error
    assert "003K.00.0620" not in codes(case(zap("amb", ADULT_WOMAN, **{"Z_SL/SL/DS1": "O80.0"}), ADULT_WOMAN))
    assert "003K.00.0590" not in codes(case(zap("amb", BABY, **{"Z_SL/SL/DS1": "P07.3"}), BABY))
    # a sub-rubric is fine, a rubric without sub-rubrics is fine, USL_OK=4 is exempt
    assert "003K.00.0660" not in codes(case(zap("amb", **{"Z_SL/SL/DS1": "I11.9"})))
    assert "003K.00.0660" not in codes(case(zap("amb", **{"Z_SL/SL/DS1": "I10"})))
    assert "003K.00.0660" not in codes(case(zap("smp", **{"Z_SL/SL/DS1": "I11"})))
    assert "003K.00.0660" not in codes(case(zap("amb", **{"Z_SL/SL/DS1": "I11"})), rubrics_with_subrubrics=None)
    # a non-resident not found is not refused here (inter-territorial identification)
    assert "003K.14.0010" not in codes(case(zap(), erz_found_by=None, policy_check=None, nonresident=True))
    # policy checks need the person found
    assert "003K.00.0570" not in codes(case(zap(), erz_found_by=None, policy_check=None, nonresident=True))
    assert "003K.00.0570" in codes(case(zap(), policy_check=POLICY_NONE))
    assert not {"003K.00.0570", "003K.00.0580"} & set(codes(case(zap(), policy_check=POLICY_VALID)))
    # death on the last day of care is no error
    assert not {"003K.00.0950", "003K.00.0960"} & set(codes(case(zap(), death_date=DAY)))
    # a day hospital counts both days: KD = DATE_2 − DATE_1 + 1 is allowed, one more is not
    day = zap("day")
    stay = (dt.date.fromisoformat(day.get("Z_SL/SL/DATE_2")) - dt.date.fromisoformat(day.get("Z_SL/SL/DATE_1"))).days
    assert "003K.00.0430" not in codes(case(zap("day", **{"Z_SL/SL/KD": str(stay + 1)})))
    assert "003K.00.0430" in codes(case(zap("day", **{"Z_SL/SL/KD": str(stay + 2)})))
    assert "003K.00.0430" in codes(case(zap("hosp", **{"Z_SL/SL/KD": "0"})))
    # the period: three months back are accepted, four are not; after the period is not
    assert "003K.14.0020" not in codes(case(zap("amb", day=dt.date(2026, 7, 1))))
    assert "003K.14.0020" in codes(case(zap("amb", day=dt.date(2026, 6, 30))))
    assert "003K.14.0020" in codes(case(zap("amb", day=dt.date(2026, 11, 2))))
    assert "003K.14.0020" not in codes(case(zap("amb", day=dt.date(2026, 6, 30))), months_back=4)


def test_ishod_402_covers_rslt_417_that_the_flk_twin_misses():
    from app.controls.flk import FlkContext, check_record

    node = zap("smp", **{"Z_SL/RSLT": "417", "Z_SL/ISHOD": "401"})
    flk = [f.code for f in check_record(node, None, FlkContext(year=2026, month=10))]
    assert "006F.00.1120" not in flk
    assert "003K.00.0200" in codes(case(node))


# -- tariff rules (stage «Перерасчет стоимости») ---------------------------------------------------------
def priced(node, **kw):
    c = case(node, **kw)
    c.calc = calculate(node, demo_book())
    return c


def tariff_codes(c, **kw):
    return check_case(c, ctx(**kw), scope="tariff")


def test_valid_demo_cases_cost_what_they_declare():
    for kind in ("amb", "smp", "hosp", "day"):
        c = priced(zap(kind))
        assert c.calc.total == c.sumv, kind
        assert tariff_codes(c) == []


def test_no_tariff_refuses_the_case():
    c = priced(zap("amb", **{"Z_SL/SL/USL/CODE_USL": "B01.999.999"}))
    [s] = tariff_codes(c)
    assert (s.code, s.full, s.refusal, s.finding.value) == ("003K.14.0040", True, "1.4.1", "B01.999.999")
    assert s.finding.idserv == "1" and s.finding.sl_id
    assert c.calc.total is None


def test_declared_sum_above_the_tariff_withholds_the_difference():
    node = zap("amb", **{"Z_SL/SUMV": "1620.00", "Z_SL/SL/SUM_M": "1620.00"})
    [s] = tariff_codes(priced(node))
    assert (s.code, s.full, s.amount, s.refusal) == ("003K.14.0050", False, Decimal("100.00"), "1.4.2")
    # within the tolerance: nothing; below the tariff: reported, nothing withheld
    assert tariff_codes(priced(zap("amb", **{"Z_SL/SUMV": "1520.50"}))) == []
    [low] = tariff_codes(priced(zap("amb", **{"Z_SL/SUMV": "1400.00"})))
    assert (low.code, low.amount, low.full) == ("003K.14.0050", Decimal("0.00"), False)
    assert tariff_codes(priced(node), sum_tolerance=Decimal("100.00")) == []


def test_share_from_the_catalogue_makes_a_partial_sanction():
    c = CASES["003K.00.0620"]()
    book = RuleBook(
        {code: RuleSetting() for code in (s.code for s in mek_catalogue())}
        | {"003K.00.0620": RuleSetting(refusal="1.1.4", share=Decimal("0.3000"))}
    )
    [s] = [s for s in check_case(c, ctx(rules=book)) if s.code == "003K.00.0620"]
    assert (s.full, s.amount) == (False, (c.sumv * Decimal("0.3")).quantize(Decimal("0.01")))


def test_sl_twice_fires_on_the_second_sl_and_not_for_other_dates_or_smp():
    found = [s for s in check_case(_sl_twice(), ctx()) if s.code == "003K.00.0410"]
    assert len(found) == 1 and found[0].finding.sl_id == "2"
    assert "SL_ID 00000001-0000-4000-8000-000000000001" in found[0].finding.comment
    other_day = _sl_twice()
    other_day.sls[1].child("DATE_1").text = "2026-10-14"
    assert "003K.00.0410" not in codes(other_day)
    assert "003K.00.0410" not in codes(_sl_twice("smp"))  # USL_OK = 4: not a visit duplicate
