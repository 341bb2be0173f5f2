"""Outpatient tariffs (USL_OK 3) per level of the МО and per КПГ (the SL's profile), with dates:
the most specific row wins; the CSV import keeps the rows apart."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from sqlalchemy import delete, select

from app.extensions import db
from app.models.tariff import Tariff
from app.tariffs import TariffBook, TariffRow, calculate
from tests.mek.cases import zap

D = Decimal
FROM = dt.date(2026, 1, 1)
CODE = "B01.047.001"  # the demo outpatient case: PROFIL 97, DATE_IN 15.10.2026


def r(price, level="", kpg="", begin=FROM, end=None):
    return TariffRow("service", CODE, D(price), None, begin, end, level, kpg)


BOOK = TariffBook(
    [
        r("1000.00"),
        r("1100.00", level="3"),
        r("1200.00", kpg="97"),
        r("1300.00", level="3", kpg="97"),
        r("1400.00", level="2", kpg="97", end=dt.date(2026, 6, 30)),  # ended before the case
    ]
)


def test_the_most_specific_row_wins():
    on = dt.date(2026, 10, 15)
    assert BOOK.get("service", CODE, on, level="3", kpg="97").price == D("1300.00")  # level and КПГ
    assert BOOK.get("service", CODE, on, level="3", kpg="29").price == D("1100.00")  # level
    assert BOOK.get("service", CODE, on, level="1", kpg="97").price == D("1200.00")  # КПГ
    assert BOOK.get("service", CODE, on, level="1").price == D("1000.00")  # neither
    assert BOOK.get("service", CODE, on, level="2", kpg="97").price == D("1200.00")  # level 2's row ended
    assert BOOK.get("service", CODE, dt.date(2026, 3, 1), level="2", kpg="97").price == D("1400.00")


def test_outpatient_case_priced_by_level_and_profile():
    node = zap("amb", **{"Z_SL/SL/USL/KOL_USL": "2.00"})
    # level 3, PROFIL 97: 1300.00 × 2 = 2600.00
    calc = calculate(node, BOOK, level="3")
    assert calc.total == D("2600.00")
    assert calc.parts[0]["usl"][0] == {
        "code": CODE,
        "tariff": "1300.00",
        "kol": "2.00",
        "sum": "2600.00",
        "level": "3",
        "kpg": "97",
    }
    # an МО without a level: the КПГ row, 1200.00 × 2 = 2400.00
    assert calculate(node, BOOK).total == D("2400.00")


def test_import_keeps_rows_of_levels_and_kpg_apart(app, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "kind;code;value;date_begin;level;kpg\n"
        "service;T98.001;100.00;2026-01-01;;\n"
        "service;T98.001;110.00;2026-01-01;3;\n"
        "service;T98.001;120.00;2026-01-01;3;97\n"
        "koef_u;1;1.10;2026-01-01;3;\n"
        "koef_u;1;1.10;2026-01-01;;\n",
        encoding="utf-8",
    )
    runner = app.test_cli_runner()
    try:
        out = json.loads(runner.invoke(args=["oms", "import-tariffs", str(path)]).output)
        assert (out["rows"], out["written"], out["rejected"]) == (5, 4, 1) and "level" in out["errors"][0]
        assert runner.invoke(args=["oms", "import-tariffs", str(path)]).exit_code == 0
        with app.app_context():
            rows = db.session.execute(select(Tariff).where(Tariff.code == "T98.001")).scalars().all()
            assert sorted((t.level, t.kpg, t.price) for t in rows) == [
                ("", "", D("100.00")),
                ("3", "", D("110.00")),
                ("3", "97", D("120.00")),
            ]
    finally:
        with app.app_context():
            db.session.execute(delete(Tariff).where(Tariff.code.in_(("T98.001",))))
            db.session.execute(delete(Tariff).where(Tariff.kind == "koef_u", Tariff.level == "3"))
            db.session.commit()


def test_a_file_without_the_level_and_kpg_columns_still_imports(app, tmp_path):
    path = tmp_path / "old.csv"
    path.write_text(
        "kind;code;name;usl_ok;value;date_begin;date_end\nservice;T97.001;Старый формат;3;150.00;2026-01-01;\n",
        encoding="utf-8",
    )
    try:
        out = json.loads(app.test_cli_runner().invoke(args=["oms", "import-tariffs", str(path)]).output)
        assert (out["rows"], out["written"], out["rejected"]) == (1, 1, 0)
        with app.app_context():
            (row,) = db.session.execute(select(Tariff).where(Tariff.code == "T97.001")).scalars().all()
            assert (row.level, row.kpg, row.price) == ("", "", D("150.00"))
    finally:
        with app.app_context():
            db.session.execute(delete(Tariff).where(Tariff.code == "T97.001"))
            db.session.commit()


def test_the_command_documents_the_optional_columns(app):
    help_text = app.test_cli_runner().invoke(args=["oms", "import-tariffs", "--help"]).output
    assert "level (уровень МО)" in help_text and "kpg (КПГ)" in help_text


def test_the_tariffs_page_shows_and_filters_by_level_and_kpg(app, browser_factory, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "kind;code;value;date_begin;level;kpg\n"
        "service;T96.001;100.00;2026-01-01;;\n"
        "service;T96.001;110.00;2026-01-01;3;\n"
        "service;T96.001;120.00;2026-01-01;2;96\n",
        encoding="utf-8",
    )
    assert app.test_cli_runner().invoke(args=["oms", "import-tariffs", str(path)]).exit_code == 0
    try:
        b = browser_factory("tfoms_admin")
        page = b.get("/tariffview/list/?_flt_3_code=T96.001").get_data(as_text=True)
        assert "Уровень МО" in page and "КПГ" in page
        assert all(price in page for price in ("100,00", "110,00", "120,00"))
        by_level = b.get("/tariffview/list/?_flt_3_code=T96.001&_flt_3_level=3").get_data(as_text=True)
        assert "110,00" in by_level and "100,00" not in by_level and "120,00" not in by_level
        by_kpg = b.get("/tariffview/list/?_flt_3_code=T96.001&_flt_3_kpg=96").get_data(as_text=True)
        assert "120,00" in by_kpg and "110,00" not in by_kpg and "100,00" not in by_kpg
    finally:
        with app.app_context():
            db.session.execute(delete(Tariff).where(Tariff.code == "T96.001"))
            db.session.commit()
