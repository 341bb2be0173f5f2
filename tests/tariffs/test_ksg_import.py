"""``oms import-ksg``: small КСГ files built here (the official 2026 tables only with
``official_reference``), idempotent, a wrong file refused with its reason; the view of the fund."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from openpyxl import Workbook
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models.ksg import KsgGroup, KsgGrouperRow
from app.security.roles import ROLE_MO, ROLE_TFOMS
from tests.factories import make_user, org_by_code

GROUPER_HEADER = (
    "№",
    "Код по МКБ 10",
    "Код по МКБ 10(2)",
    "Код по МКБ 10(3)",
    "Код услуги",
    "Возраст",
    "Пол",
    "Длительность",
    "Иной классификационный критерий",
    "Диапазон фракций",
    "КСГ",
    "№ группы заболеваний, состояний",
)


def write_tables(folder, year="99"):
    wb = Workbook()
    ws = wb.active
    ws.title = "КСГ"
    ws.append(("№", "КСГ", "Наименование КСГ", "КЗ", "Код профиля", "Профиль", "Доля з/п и прочих расходов"))
    ws.append((1, "st98.001", "Тестовая КСГ 1", 0.5, 98, "Тестовый профиль", None))
    ws.append((2, "st98.002", "Тестовая КСГ 2 с операцией", 1.25, 98, "Тестовый профиль", 0.4))
    g = wb.create_sheet("Группировщик")
    g.append(GROUPER_HEADER)
    g.append((None,) * 12)
    g.append((1, "Z98.1", None, None, None, None, None, None, None, None, "st98.001", 98))
    g.append((2, "Z98.2", None, None, "A16.98.001", "6", "2", "1", "tst1", None, "st98.002", 98))
    path = folder / f"КСГ{year}_КС.xlsx"
    wb.save(path)
    (folder / "МР_Приложение_4.txt").write_text(
        "# ПЕРЕЧЕНЬ КСГ, КОТОРЫЕ ПРЕДПОЛАГАЮТ ХИРУРГИЧЕСКОЕ ВМЕШАТЕЛЬСТВО\nst98.002 st97.001\n", encoding="utf-8"
    )
    (folder / "МР_Приложение_5.txt").write_text(
        "# Перечень КСГ, при оплате по которым не применяется коэффициент уровня/подуровня МО\nst98.001\n",
        encoding="utf-8",
    )
    (folder / "ПГГ_Приложение_8.txt").write_text(
        "# ПЕРЕЧЕНЬ КСГ с оптимальной длительностью лечения до 3 дней (включительно)\nst98.001\n", encoding="utf-8"
    )
    (folder / "ТС_Приложение_18.csv").write_text("# КСГ;КС_КСГ\nst98.002;1.4\n", encoding="utf-8")
    return path


def _clean():
    db.session.execute(delete(KsgGrouperRow).where(KsgGrouperRow.ksg_code.like("st98.%")))
    db.session.execute(delete(KsgGroup).where(KsgGroup.code.like("st98.%")))
    db.session.commit()


def test_import_ksg_folder_is_idempotent_and_sets_the_flags(app, tmp_path):
    write_tables(tmp_path)
    runner = app.test_cli_runner()
    try:
        first = runner.invoke(args=["oms", "import-ksg", str(tmp_path)])
        assert first.exit_code == 0, first.output
        assert "Итого: КСГ 2, строк группировщика 2" in first.output
        assert "нет в таблице КСГ 2099: st97.001" in first.output
        again = runner.invoke(args=["oms", "import-ksg", str(tmp_path)])
        assert again.exit_code == 0, again.output
        with app.app_context():
            groups = {
                g.code: g for g in db.session.execute(select(KsgGroup).where(KsgGroup.code.like("st98.%"))).scalars()
            }
            assert set(groups) == {"st98.001", "st98.002"}
            one, two = groups["st98.001"], groups["st98.002"]
            assert (one.koef_z, one.kpg, one.usl_ok) == (Decimal("0.5"), "st98", 1)
            assert (one.without_level, one.short_optimal, one.with_intervention, one.koef_up) == (
                True,
                True,
                False,
                None,
            )
            assert (two.with_intervention, two.koef_up, two.wage_share) == (True, Decimal("1.4"), Decimal("0.4"))
            assert (one.date_begin, one.date_end) == (dt.date(2099, 1, 1), dt.date(2099, 12, 31))
            rows = (
                db.session.execute(
                    select(KsgGrouperRow).where(KsgGrouperRow.ksg_code.like("st98.%")).order_by(KsgGrouperRow.row_no)
                )
                .scalars()
                .all()
            )
            assert len(rows) == 2
            r = rows[1]
            assert (r.ds1, r.service_code, r.age_group, r.sex, r.duration, r.other, r.group_no) == (
                "Z98.2",
                "A16.98.001",
                "6",
                "2",
                "1",
                "tst1",
                98,
            )
    finally:
        with app.app_context():
            _clean()


def test_a_wrong_file_is_refused_with_its_reason(app, tmp_path):
    runner = app.test_cli_runner()
    bad = tmp_path / "list.txt"
    bad.write_text("st01.001 st01.002\n", encoding="utf-8")
    result = runner.invoke(args=["oms", "import-ksg", str(bad)])
    assert result.exit_code != 0 and "не перечень КСГ" in result.output
    wb = Workbook()
    wb.active.title = "Лист1"
    wb.save(tmp_path / "КСГ99_КС.xlsx")
    result = runner.invoke(args=["oms", "import-ksg", str(tmp_path / "КСГ99_КС.xlsx")])
    assert result.exit_code != 0 and "нет листов «КСГ» и «Группировщик»" in result.output
    other = tmp_path / "x.pdf"
    other.write_bytes(b"%PDF")
    result = runner.invoke(args=["oms", "import-ksg", str(other)])
    assert result.exit_code != 0 and "неизвестный тип файла" in result.output
    with app.app_context():
        assert not db.session.execute(
            select(func.count()).select_from(KsgGroup).where(KsgGroup.code.like("st98.%"))
        ).scalar()


def test_the_fund_sees_the_ksg_list_an_mo_does_not(app, browser_factory, tmp_path):
    write_tables(tmp_path)
    app.test_cli_runner().invoke(args=["oms", "import-ksg", str(tmp_path)])
    try:
        with app.app_context():
            fund = make_user(org_by_code("14"), ROLE_TFOMS).username
            mo = make_user(org_by_code("140001"), ROLE_MO).username
        b = browser_factory()
        b.login(fund, "Test-Pass-2026x")
        page = b.get("/ksggroupview/list/?_flt_0_code=st98.002")
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "Тестовая КСГ 2 с операцией" in html and "Действует с" in html
        assert b.get("/ksggrouperview/list/").status_code == 200
        m = browser_factory()
        m.login(mo, "Test-Pass-2026x")
        assert m.get("/ksggroupview/list/").status_code in (302, 403)
    finally:
        with app.app_context():
            _clean()


def test_import_of_the_official_2026_tables(app, official_reference):
    folder = official_reference / "yuraigle__medflk" / "nsi"
    result = app.test_cli_runner().invoke(args=["oms", "import-ksg", str(folder)])
    assert result.exit_code == 0, result.output
    assert "Итого: КСГ 692, строк группировщика 58735" in result.output
    with app.app_context():
        g = db.session.execute(
            select(KsgGroup).where(KsgGroup.code == "st02.003", KsgGroup.date_begin == dt.date(2026, 1, 1))
        ).scalar_one()
        assert (g.koef_z, g.with_intervention, g.short_optimal, g.koef_up) == (
            Decimal("0.98"),
            True,
            True,
            Decimal("1.4"),
        )
        assert db.session.execute(
            select(KsgGroup.without_level).where(
                KsgGroup.code == "st01.001", KsgGroup.date_begin == dt.date(2026, 1, 1)
            )
        ).scalar_one()
        db.session.execute(delete(KsgGrouperRow).where(KsgGrouperRow.date_begin == dt.date(2026, 1, 1)))
        db.session.execute(delete(KsgGroup).where(KsgGroup.date_begin == dt.date(2026, 1, 1)))
        db.session.commit()
