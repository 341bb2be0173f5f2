"""Demo consistency: every case of a demo file generated without errors costs, under the КСГ method
and the demo tariffs and КСГ rows (app.demo.tariffs), exactly what it declares — no 003K.14.0040,
003K.14.0050 or 003K.00.0520 at the recalculation; likewise with the official 2026 tables loaded."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import delete

from app.controls.mek import check_case
from app.demo import catalog as cat
from app.demo.files import plan_cases, zap_node
from app.extensions import db
from app.models.ksg import KsgGroup, KsgGrouperRow
from app.tariffs import calculate
from app.tariffs.importer import load_book
from tests.mek.cases import case, ctx

TARIFF_CODES = {"003K.14.0040", "003K.14.0050", "003K.00.0520"}


def _check_demo_cases(book, n=300):
    specs = plan_cases(n, random.Random(11), 2026, 10, dt.date(2026, 11, 20), 300, 0.0)
    assert {s.kind for s in specs} >= {"hosp", "day"}
    for s in specs:
        node = zap_node(s, "140001", None)
        calc = calculate(node, book)
        assert calc.total == s.price == Decimal(node.get("Z_SL/SUMV")), (s, calc.detail())
        assert not calc.missing and not calc.grouper_mismatch, s
        c = case(node, s.person)
        c.calc = calc
        assert not {x.code for x in check_case(c, ctx(), scope="tariff")} & TARIFF_CODES, s


def test_valid_demo_cases_cost_what_they_declare_under_the_ksg_method(app_ctx):
    book = load_book()
    for k in cat.KSG:  # the demo КСГ rows are loaded with their grouper rows
        assert book.ksg.get(k.code, dt.date(2026, 10, 1)).koef_z == k.koef_z
        assert book.ksg.ds1_matches(k.code, k.ds1, dt.date(2026, 10, 1)) is True
    _check_demo_cases(book)


def test_demo_ksg_match_the_official_2026_tables(app, official_reference):
    folder = official_reference / "yuraigle__medflk" / "nsi"
    result = app.test_cli_runner().invoke(args=["oms", "import-ksg", str(folder)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        try:
            book = load_book()
            for k in cat.KSG:
                official = [g for g in book.ksg.groups[k.code] if g.date_begin == dt.date(2026, 1, 1)][0]
                assert (official.koef_z, official.kpg, official.without_level) == (k.koef_z, k.kpg, k.without_level)
            _check_demo_cases(book)
        finally:
            db.session.execute(delete(KsgGrouperRow).where(KsgGrouperRow.date_begin == dt.date(2026, 1, 1)))
            db.session.execute(delete(KsgGroup).where(KsgGroup.date_begin == dt.date(2026, 1, 1)))
            db.session.commit()
