"""МЭК of the КСГ block (app.controls.mek.rules_ksg): 003K.00.0970 and 0980 on one case each (CASES,
gathered by test_every_case_rule_has_a_test_case), 003K.00.0520 at the recalculation, only when
the grouper is loaded."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from app.controls.mek import check_case
from app.controls.mek.registry import get
from app.formats.record import Node
from app.tariffs import TariffBook, TariffRow, calculate
from app.tariffs.ksg_method import KsgInfo, KsgTables
from tests.mek.cases import case, ctx, zap


def _kslp(node: Node, *values: str, it_sl: str | None = None) -> Node:
    k = node.find("Z_SL/SL/KSG_KPG")
    k.child("SL_K").text = "1"
    for n, v in enumerate(values, start=1):
        k.children.append(Node("SL_KOEF", children=[Node("IDSL", str(n)), Node("Z_SL", v)]))
    if it_sl is not None:
        k.children.append(Node("IT_SL", it_sl))
    return node


def _long(kd: str, *values: str, it_sl: str = "1.08333"):
    return _kslp(zap("hosp", **{"Z_SL/SL/KD": kd}), *values, it_sl=it_sl)


CASES = {
    # IT_SL = 1 with SL_K = 1 on a КСГ that is not an ЭКО stage
    "003K.00.0970": lambda: case(_kslp(zap("hosp"), it_sl="1")),
    # KD 40 > 30: the КСЛП must be 1 + 10/30 × 0.25 = 1.08333, the file says 1.20000
    "003K.00.0980": lambda: case(_long("40", "1.20000", it_sl="1.20000")),
}


def codes(c):
    return [s.code for s in check_case(c, ctx())]


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_fires_on_its_defect_only(code):
    assert code not in codes(case(zap("hosp"))), "the valid demo case must pass"
    defective = CASES[code]()
    found = check_case(defective, ctx())
    s = next(s for s in found if s.code == code)
    assert s.refusal == get(code).refusal == "1.4.2" and s.finding.element == get(code).element
    assert s.full and s.amount == defective.sumv > 0


def test_it_sl_one_is_allowed_for_eco():
    node = _kslp(zap("day", **{"Z_SL/SL/KSG_KPG/N_KSG": "ds02.009"}), it_sl="1")
    assert "003K.00.0970" not in codes(case(node))
    assert "003K.00.0970" not in codes(case(_kslp(zap("hosp"), it_sl="1.2")))


def test_long_stay_kslp_right_values_pass():
    # 1 + 10/30 × 0.25 = 1.08333 (as a coefficient or as its part above 1, 0.08333)
    assert "003K.00.0980" not in codes(case(_long("40", "1.08333")))
    assert "003K.00.0980" not in codes(case(_long("40", "0.08333")))
    # with a service in reanimation (PROFIL 5): 1 + 10/30 × 0.4 = 1.13333
    node = _long("40", "1.13333")
    sl = node.find("Z_SL/SL")
    sl.children.append(Node("USL", children=[Node("IDSERV", "1"), Node("PROFIL", "5")]))
    assert "003K.00.0980" not in codes(case(node))
    # KD 30: not over-long, nothing to check
    assert "003K.00.0980" not in codes(case(_long("30", "1.50000")))


D = dt.date(2026, 1, 1)


def _book(grouper) -> TariffBook:
    info = KsgInfo("st29.004", 1, Decimal("0.56"), "st29", None, False, True, False, None, D, None)
    return TariffBook(
        [TariffRow("base", "1", Decimal("31690.00"), None, D, None)], ksg=KsgTables.build([info], grouper)
    )


def test_ds1_not_of_the_ksg_by_the_grouper_refuses_the_case():
    node = zap("hosp", **{"Z_SL/SL/DS1": "I10"})
    c = case(node)
    c.calc = calculate(node, _book([("st29.004", "S52.5", D, None)]))
    found = check_case(c, ctx(), scope="tariff")
    s = next(s for s in found if s.code == "003K.00.0520")
    assert s.full and s.refusal == "1.4.2" and "I10" in s.finding.comment
    # the demo DS1 is of the КСГ; without the grouper rows nothing is judged
    good = case(zap("hosp"))
    good.calc = calculate(good.zap, _book([("st29.004", "S52.5", D, None)]))
    assert "003K.00.0520" not in [s.code for s in check_case(good, ctx(), scope="tariff")]
    c.calc = calculate(node, _book([]))
    assert "003K.00.0520" not in [s.code for s in check_case(c, ctx(), scope="tariff")]
