"""The КСГ method (app.tariffs.ksg_method): one worked example per rule, the arithmetic by hand in a
comment; then the whole calculation of a case (app.tariffs.calculate) on small tables built here."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from app.formats.record import Node
from app.tariffs import TariffBook, TariffRow, calculate
from app.tariffs import ksg_method as km
from app.tariffs.breakdown import cost, format_calc_detail, lines, parse
from app.tariffs.ksg_method import KsgInfo, KsgSettings, KsgTables, ksg_cost
from tests.mek.cases import zap

D = Decimal
DAY = dt.date(2026, 10, 15)
FROM = dt.date(2026, 1, 1)


# -- the formula ----------------------------------------------------------------------------------------
def test_cost_is_base_times_kz_ks_kd_kus():
    # 30000.00 × 0.56 = 16800; × 1.4 = 23520; × 1.2 = 28224; × 1.1 = 31046.40
    total, detail = ksg_cost(base=D("30000.00"), koef_z=D("0.56"), koef_up=D("1.4"), koef_d=D("1.2"), koef_u=D("1.1"))
    assert total == D("31046.40")
    assert detail["formula"] == "БС × КЗ × КС_КСГ × КД × КУСмо + БС × КД × ΣКСЛП"
    assert (detail["koef_z"], detail["koef_up"], detail["koef_d"], detail["koef_u"], detail["share"]) == (
        "0.56",
        "1.4",
        "1.2",
        "1.1",
        "1",
    )


def test_kslp_adds_base_times_kd_times_their_sum():
    # КСГ: 30000 × 0.56 × 1.2 = 20160; КСЛП: 30000 × 1.2 × (0.2 + 0.15) = 36000 × 0.35 = 12600
    # 1.15 is the old way of writing 0.15.  Total 20160 + 12600 = 32760.00
    total, detail = ksg_cost(base=D("30000.00"), koef_z=D("0.56"), koef_d=D("1.2"), kslp=[D("0.2"), D("1.15")])
    assert total == D("32760.00")
    assert (detail["kslp"], detail["kslp_sum"], detail["kslp_amount"]) == (["0.2", "0.15"], "0.35", "12600.00")


def test_wage_share_takes_the_coefficients_on_its_part_only():
    # 30000 × 2.0 × ((1 − 0.4) + 0.4 × 1.5 × 1 × 1) = 60000 × (0.6 + 0.6) = 72000.00
    total, detail = ksg_cost(base=D("30000.00"), koef_z=D("2.0"), koef_up=D("1.5"), wage_share=D("0.4"))
    assert total == D("72000.00") and "Дзп" in detail["formula"]


def test_rounding_half_up_to_kopecks_once_at_the_end():
    # 100.00 × 1.23445 = 123.445 → 123.45 half up (half even would give 123.44)
    assert ksg_cost(base=D("100.00"), koef_z=D("1.23445"))[0] == D("123.45")
    # nothing rounded on the way: 0.333 × 3 = 0.999 → 1.00 (per-factor rounding would give 0.99)
    assert ksg_cost(base=D("1.00"), koef_z=D("0.333"), koef_up=D("3"))[0] == D("1.00")


# -- interrupted cases ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "days, surgery, share",
    [
        (2, True, D("0.8")),  # Прил. 4, ≤ 3 days: 80 %
        (5, True, D("0.9")),  # Прил. 4, > 3 days: 90 %
        (3, False, D("0.3")),  # without intervention, ≤ 3 days: 30 %
        (4, False, D("0.5")),  # without intervention, > 3 days: 50 %
    ],
)
def test_shares_of_interrupted_cases(days, surgery, share):
    assert km.interrupted_share(days, surgery)[0] == share
    # 20000 × 1.0 × share
    assert ksg_cost(base=D("20000.00"), koef_z=D("1"), share=share)[0] == D("20000.00") * share


def test_what_is_interrupted():
    assert km.interruption(101, 10, False) is None  # discharged after 10 days: complete
    assert km.interruption(105, 10, False).startswith("RSLT 105")  # death
    assert km.interruption(202, 10, False).startswith("RSLT 202")  # transfer to another МО
    assert km.interruption(101, 3, False).startswith("длительность 3")  # short
    assert km.interruption(101, 3, True) is None  # short, КСГ of ПГГ Прил. 8: paid in full
    assert km.interruption(102, 2, True) is None  # short Прил. 8 even when transferred
    assert km.interruption(102, 5, True).startswith("RSLT 102")  # Прил. 8 but not short


def test_duration_is_kd_else_the_dates():
    assert km.duration(1, 7, None, None) == 7
    assert km.duration(1, None, dt.date(2026, 10, 1), dt.date(2026, 10, 1)) == 1  # same day: 1 bed-day
    assert km.duration(1, None, dt.date(2026, 10, 1), dt.date(2026, 10, 4)) == 3  # admission = discharge day
    assert km.duration(2, None, dt.date(2026, 10, 1), dt.date(2026, 10, 4)) == 4  # day hospital: both days


def test_long_stay_kslp():
    # KD 40, NKD 30, Kдл 0.25: 1 + 10/30 × 0.25 = 1.083333… → 1.08333
    assert km.long_stay_kslp(40, "st29.004") == D("1.08333")
    # with reanimation, Kдл 0.4: 1 + 10/30 × 0.4 = 1.133333… → 1.13333
    assert km.long_stay_kslp(40, "st29.004", reanimation=True) == D("1.13333")
    # a КСГ of the 45-day list, KD 50: 1 + 5/45 × 0.25 = 1.027777… → 1.02778
    assert km.long_stay_kslp(50, "st29.007") == D("1.02778")
    assert km.long_stay_kslp(30, "st29.004") is None and km.long_stay_kslp(45, "st29.007") is None


def test_settings_from_config():
    s = KsgSettings.from_config({"KSG_SHARE_SHORT": "0.35", "KSG_PAY_BY_KPG": "st27, ds13"})
    assert s.share_short == D("0.35") and s.share_long == D("0.5") and s.pay_by_kpg == {"st27", "ds13"}
    assert s.pays_by_kpg("st27") and not s.pays_by_kpg("st29")


# -- the calculation of a case -------------------------------------------------------------------------------
def row(kind, code, value, level="", kpg="", begin=FROM, end=None):
    price, coefficient = (D(value), None) if kind in ("service", "base") else (None, D(value))
    return TariffRow(kind, code, price, coefficient, begin, end, level, kpg)


def info(code="st29.004", kz="0.56", **flags) -> KsgInfo:
    values = dict(
        kpg="st29",
        wage_share=None,
        with_intervention=False,
        without_level=False,
        short_optimal=False,
        koef_up=None,
        date_begin=FROM,
        date_end=dt.date(2026, 12, 31),
    )
    values.update(flags)
    return KsgInfo(code, 1 if code.startswith("st") else 2, D(kz), **values)


def hosp(**changes) -> Node:
    """The demo hospital case: КСГ st29.004, DS1 S52.5, 9 days (06.10–15.10.2026), RSLT 101."""
    return zap("hosp", **changes)


def test_case_by_the_table_with_the_level_and_kd_of_the_tariffs():
    tables = KsgTables.build([info(koef_up=D("1.4"))])
    book = TariffBook(
        [row("base", "1", "30000.00"), row("koef_d", "1", "1.2"), row("koef_u", "1", "1.1", level="3")], ksg=tables
    )
    # level 3: 30000 × 0.56 × 1.4 × 1.2 × 1.1 = 31046.40
    calc = calculate(hosp(), book, level="3")
    assert calc.total == D("31046.40") and not calc.missing
    part = calc.parts[0]
    assert part["sources"]["koef_z"] == "таблица КСГ 2026" and part["sources"]["koef_u"] == "уровень МО 3"
    assert part["days"] == 9 and part["interrupted"] is None
    # an МО of level 1 (no row): КУСмо 1 → 30000 × 0.56 × 1.4 × 1.2 = 28224.00
    assert calculate(hosp(), book, level="1").total == D("28224.00")
    # the file's coefficients are not used: KOEF_U 9 in the file changes nothing
    assert calculate(hosp(**{"Z_SL/SL/KSG_KPG/KOEF_U": "9.00000"}), book, level="3").total == D("31046.40")


def test_ksg_without_level_coefficient_has_kus_1():
    book = TariffBook(
        [row("base", "1", "30000.00"), row("koef_u", "1", "1.1", level="3")],
        ksg=KsgTables.build([info(without_level=True)]),
    )
    # 30000 × 0.56 × 1 = 16800.00 (КУСмо 1.1 of level 3 not applied: МР Прил. 5)
    calc = calculate(hosp(), book, level="3")
    assert calc.total == D("16800.00") and "Прил. 5" in calc.parts[0]["sources"]["koef_u"]


def test_tariff_agreement_kz_comes_before_the_table():
    book = TariffBook([row("base", "1", "30000.00"), row("ksg", "st29.004", "0.60")], ksg=KsgTables.build([info()]))
    # 30000 × 0.60 = 18000.00
    calc = calculate(hosp(), book)
    assert calc.total == D("18000.00") and calc.parts[0]["sources"]["koef_z"] == "тарифное соглашение"


def test_interrupted_case_by_death_and_a_short_case():
    book = TariffBook([row("base", "1", "30000.00")], ksg=KsgTables.build([info()]))
    # death (RSLT 105) after 9 days, no intervention: 30000 × 0.56 × 0.5 = 8400.00
    calc = calculate(hosp(**{"Z_SL/RSLT": "105"}), book)
    assert calc.total == D("8400.00") and calc.parts[0]["interrupted"].startswith("RSLT 105")
    # 2 days with a surgery КСГ (Прил. 4): 30000 × 0.56 × 0.8 = 13440.00
    surgery = TariffBook([row("base", "1", "30000.00")], ksg=KsgTables.build([info(with_intervention=True)]))
    assert calculate(hosp(**{"Z_SL/SL/KD": "2"}), surgery).total == D("13440.00")
    # 2 days with a КСГ of ПГГ Прил. 8: in full, 16800.00
    short = TariffBook([row("base", "1", "30000.00")], ksg=KsgTables.build([info(short_optimal=True)]))
    assert calculate(hosp(**{"Z_SL/SL/KD": "2"}), short).total == D("16800.00")


def test_kslp_of_the_file_and_the_tariffs():
    node = hosp(**{"Z_SL/SL/KSG_KPG/SL_K": "1"})
    k = node.find("Z_SL/SL/KSG_KPG")
    k.children.append(Node("SL_KOEF", children=[Node("IDSL", "5"), Node("Z_SL", "0.50000")]))
    k.children.append(Node("SL_KOEF", children=[Node("IDSL", "9"), Node("Z_SL", "0.10000")]))
    book = TariffBook(
        [row("base", "1", "30000.00"), row("kslp", "5", "0.20"), row("koef_d", "1", "1.2")],
        ksg=KsgTables.build([info()]),
    )
    # КСГ 30000 × 0.56 × 1.2 = 20160; КСЛП 30000 × 1.2 × (0.20 [tariffs, not the file's 0.5] + 0.10 [file]) = 10800
    calc = calculate(node, book)
    assert calc.total == D("30960.00") and D(calc.parts[0]["kslp_sum"]) == D("0.3")


def test_payment_by_kpg():
    book = TariffBook(
        [row("base", "1", "30000.00"), row("kpg", "st29", "0.70")],
        ksg=KsgTables.build([info()]),
        settings=KsgSettings(pay_by_kpg=frozenset({"st29"})),
    )
    # the region pays КПГ st29 by its КЗ: 30000 × 0.70 = 21000.00
    calc = calculate(hosp(), book)
    assert calc.total == D("21000.00") and calc.parts[0]["sources"]["koef_z"] == "КЗ КПГ st29"
    no_kpg = TariffBook([row("base", "1", "30000.00")], settings=KsgSettings(pay_by_kpg=frozenset({"*"})))
    missing = calculate(hosp(**{"Z_SL/SL/KSG_KPG/N_KPG": "st29"}), no_kpg)
    assert missing.total is None and missing.missing[0].kind == "kpg"


def test_no_ksg_in_tariffs_nor_table_is_missing():
    calc = calculate(hosp(), TariffBook([row("base", "1", "30000.00")]))
    assert calc.total is None and [(m.kind, m.code) for m in calc.missing] == [("ksg", "st29.004")]


def test_grouper_mismatch_only_when_the_table_lists_ds1():
    tables = KsgTables.build([info()], [("st29.004", "S52.5", FROM, None), ("st29.004", "S62", FROM, None)])
    book = TariffBook([row("base", "1", "30000.00")], ksg=tables)
    assert calculate(hosp(), book).grouper_mismatch == []
    assert calculate(hosp(**{"Z_SL/SL/DS1": "S62.1"}), book).grouper_mismatch == []  # by the rubric
    bad = calculate(hosp(**{"Z_SL/SL/DS1": "I10"}), book)
    assert [(m.ksg, m.ds1) for m in bad.grouper_mismatch] == [("st29.004", "I10")] and bad.total is not None
    no_rows = TariffBook([row("base", "1", "30000.00")], ksg=KsgTables.build([info()]))
    assert calculate(hosp(**{"Z_SL/SL/DS1": "I10"}), no_rows).grouper_mismatch == []


def test_breakdown_is_json_and_readable():
    book = TariffBook([row("base", "1", "30000.00")], ksg=KsgTables.build([info()]))
    detail = calculate(hosp(**{"Z_SL/RSLT": "105"}), book).detail()
    text = json.dumps(detail, ensure_ascii=False)
    again = json.loads(text)
    readable = lines(again)
    assert any("прерванный случай" in line for line in readable) and readable[-1] == "стоимость по тарифам: 8400.00"
    assert "<br>" in str(format_calc_detail(text))


def test_cost_is_the_breakdown_as_the_api_gives_it():
    book = TariffBook([row("base", "1", "30000.00")], ksg=KsgTables.build([info()]))
    detail = calculate(hosp(**{"Z_SL/RSLT": "105"}), book).detail()
    got = cost(parse(json.dumps(detail, ensure_ascii=False)))
    assert got["total"] == "8400.00" and got["missing"] == []
    (part,) = got["parts"]
    assert part["kind"] == "ksg" and part["formula"].endswith("× доля прерванного случая")
    factors = {f["code"]: f for f in part["factors"]}
    assert factors["КЗ"]["value"] == detail["sl"][0]["koef_z"]
    assert factors["КЗ"]["source"] == detail["sl"][0]["sources"]["koef_z"]
    assert factors["КУСмо"]["name"] == "коэффициент уровня медицинской организации"
    assert part["interrupted"].startswith("RSLT 105") and part["share"] == detail["sl"][0]["share"]
    assert part["share_reason"] and part["usl"] == []
    # not recalculated, or text that is not JSON: an empty breakdown
    assert cost(parse(None)) == cost(parse("не JSON")) == {"total": None, "missing": [], "parts": []}
