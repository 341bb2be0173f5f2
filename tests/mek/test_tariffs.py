"""Tariffs: the cost of a case (services × KOL_USL; КСГ: base rate × KOEF_Z × KOEF_UP × KOEF_D ×
KOEF_U × КСЛП), validity dates, the CSV import, and the demo catalogue pricing every demo case
exactly."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal

from sqlalchemy import select

from app.demo.files import plan_cases, zap_node
from app.extensions import db
from app.models.tariff import Tariff
from app.tariffs import TariffBook, TariffRow, calculate
from app.tariffs.importer import load_book
from tests.mek.cases import zap

D = dt.date


def book(*rows) -> TariffBook:
    return TariffBook(TariffRow(*r) for r in rows)


def test_services_cost_tariff_times_kol_usl_on_the_date():
    node = zap("amb", **{"Z_SL/SL/USL/KOL_USL": "3.00"})
    b = book(
        ("service", "B01.047.001", Decimal("1000.00"), None, D(2020, 1, 1), D(2026, 9, 30)),
        ("service", "B01.047.001", Decimal("1520.00"), None, D(2026, 10, 1), None),
    )
    calc = calculate(node, b)
    assert calc.total == Decimal("4560.00") and not calc.missing
    assert calc.parts[0]["usl"][0] == {"code": "B01.047.001", "tariff": "1520.00", "kol": "3.00", "sum": "4560.00"}
    old = book(("service", "B01.047.001", Decimal("1000.00"), None, D(2020, 1, 1), D(2026, 9, 30)))
    gone = calculate(node, old)
    assert gone.total is None and [(m.kind, m.code) for m in gone.missing] == [("service", "B01.047.001")]


def test_ksg_costs_base_rate_times_coefficients_and_kslp():
    """The КСГ method (tests/tariffs/test_ksg_method.py has one example per rule): the coefficients
    come from the tariffs, not from the file (KOEF_UP/KOEF_D of the file are ignored)."""
    node = zap(
        "hosp",
        **{"Z_SL/SL/KSG_KPG/KOEF_UP": "1.10000", "Z_SL/SL/KSG_KPG/KOEF_D": "1.20000", "Z_SL/SL/KSG_KPG/SL_K": "1"},
    )
    ksg = node.get("Z_SL/SL/KSG_KPG/N_KSG")
    k = node.find("Z_SL/SL/KSG_KPG")
    from app.formats.record import Node

    k.children.append(Node("SL_KOEF", children=[Node("IDSL", "5"), Node("Z_SL", "1.50000")]))
    k.children.append(Node("SL_KOEF", children=[Node("IDSL", "9"), Node("Z_SL", "1.10000")]))
    b = book(
        ("ksg", ksg, None, Decimal("1.42000"), D(2026, 1, 1), None),
        ("base", "1", Decimal("31690.00"), None, D(2026, 1, 1), None),
        ("kslp", "5", None, Decimal("1.20000"), D(2026, 1, 1), None),
        ("koef_d", "1", None, Decimal("1.20000"), D(2026, 1, 1), None),
    )
    calc = calculate(node, b)
    # КСГ 31690 × 1.42 × 1.2 = 53999.76; ΣКСЛП = 0.2 [table 1.2] + 0.1 [file, IDSL 9 not in the tariffs]
    # = 0.3: 31690 × 1.2 × 0.3 = 11408.40; total 65408.16
    assert calc.total == Decimal("65408.16")
    assert Decimal(calc.parts[0]["kslp_sum"]) == Decimal("0.3") and calc.parts[0]["base"] == "31690.00"
    no_base = calculate(node, book(("ksg", ksg, None, Decimal("1.42"), D(2026, 1, 1), None)))
    assert no_base.total is None and no_base.missing[0].kind == "base"


def test_demo_tariffs_price_every_demo_case_exactly(app_ctx):
    b = load_book()
    specs = plan_cases(400, random.Random(7), 2026, 10, D(2026, 11, 20), 300, 0.0)
    for s in specs:
        node = zap_node(s, "140001", None)
        assert calculate(node, b).total == s.price == Decimal(node.get("Z_SL/SUMV")), s


def test_import_tariffs_is_idempotent_and_reports_bad_rows(app, tmp_path):
    path = tmp_path / "tariffs.csv"
    path.write_text(
        "kind;code;name;usl_ok;value;date_begin;date_end\n"
        "service;T99.001;Тестовая услуга;3;1234,50;01.01.2026;\n"
        "ksg;tst.001;Тестовая КСГ;1;0.77;2026-01-01;2026-12-31\n"
        "kslp;T1;Тестовый КСЛП;1;1.2;2026-01-01;\n"
        "unknown;X;;;1;2026-01-01;\n"
        "service;T99.002;;3;-5;2026-01-01;\n",
        encoding="utf-8",
    )
    runner = app.test_cli_runner()
    first = runner.invoke(args=["oms", "import-tariffs", str(path)])
    assert first.exit_code == 0, first.output
    out = json.loads(first.output)
    assert (out["rows"], out["written"], out["rejected"]) == (5, 3, 2)
    assert out["errors"][0].startswith("строка 5") and out["errors"][1].startswith("строка 6")
    with app.app_context():
        count = db.session.query(Tariff).count()
        t = db.session.execute(select(Tariff).where(Tariff.code == "T99.001")).scalar_one()
        assert (t.price, t.usl_ok, t.date_begin) == (Decimal("1234.50"), 3, D(2026, 1, 1))
    path.write_text(
        "kind,code,value,date_begin,date_end\nservice,T99.001,1300.00,2026-01-01,2026-06-30\n", encoding="utf-8"
    )
    assert runner.invoke(args=["oms", "import-tariffs", str(path)]).exit_code == 0
    with app.app_context():
        assert db.session.query(Tariff).count() == count
        t = db.session.execute(select(Tariff).where(Tariff.code == "T99.001")).scalar_one()
        assert (t.price, t.date_end) == (Decimal("1300.00"), D(2026, 6, 30))
    bad = tmp_path / "bad.csv"
    bad.write_text("code;value\nX;1\n", encoding="utf-8")
    result = runner.invoke(args=["oms", "import-tariffs", str(bad)])
    assert result.exit_code != 0 and "kind" in result.output


def test_money_is_decimal_with_kopecks(app_ctx):
    calc = calculate(zap("day"), load_book())
    assert isinstance(calc.total, Decimal) and calc.total.as_tuple().exponent == -2
