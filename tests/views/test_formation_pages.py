"""Deleting and re-uploading in the pages: «Удалить данные файла», case status changes with confirmation,
«Формирование» with its filters and «Сформировать реестр», deleting a registry."""

from __future__ import annotations

import re

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.intake import MedicalCase, UploadedFile
from app.models.registry import Registry
from tests.registries.helpers import demo, load


def test_delete_file_data_action_shows_the_exact_refusal(app, browser_factory, tmp_path):
    with app.app_context():
        row = load(demo(tmp_path, seed=701, cases=10, year=2023, month=1).path)
        file_id = row.id
        row.status = "ФЛК"
        db.session.commit()
    b = browser_factory("mo1_operator")
    resp = b.post("/files/action_post", data={"action": "delete_data", "rowid": [str(file_id)]}, follow_redirects=True)
    assert "Загрузка файлов еще не завершена. Попробуйте позже!" in resp.get_data(as_text=True)
    with app.app_context():
        db.session.get(UploadedFile, file_id).status = "Процесс загрузки завершен"
        db.session.commit()
    resp = b.post("/files/action_post", data={"action": "delete_data", "rowid": [str(file_id)]}, follow_redirects=True)
    assert "Данные файла удалены" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(UploadedFile, file_id) is None


def test_suspend_resume_exclude_with_count_sum_and_reason(app, browser_factory, tmp_path):
    with app.app_context():
        row = load(demo(tmp_path, seed=702, cases=10, year=2023, month=2).path)
        ids = [c.id for c in db.session.query(MedicalCase).filter_by(file_id=row.id, status="Принят").limit(3)]
        total = sum(c.sumv for c in db.session.query(MedicalCase).filter(MedicalCase.id.in_(ids)))
    b = browser_factory("mo1_operator")
    resp = b.post("/cases/action_post", data={"action": "suspend", "rowid": [str(i) for i in ids]})
    assert resp.status_code == 302
    page = b.get(resp.headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="count">3<', page)
    from app.core.formatting import format_money

    assert format_money(total) in page
    url = "/cases/confirm"
    form = {"target": "Приостановлен", "ids": ",".join(map(str, ids))}
    page = b.post(url, data={**form, "reason": " "}, follow_redirects=True).get_data(as_text=True)
    assert "Укажите причину изменения статуса" in page
    b.post(url, data={**form, "reason": "дубль в МИС"})
    with app.app_context():
        assert {c.status for c in db.session.query(MedicalCase).filter(MedicalCase.id.in_(ids))} == {"Приостановлен"}
        event = (
            db.session.query(AuditEvent).filter_by(event="case_status_changed").order_by(AuditEvent.id.desc()).first()
        )
        assert "дубль в МИС" in event.details and event.username == "mo1_operator"
    # «Исключить» only from «Приостановлен»; «Возобновить» goes back to «Принят»
    b.post(url, data={"target": "Принят", "ids": str(ids[0]), "reason": "ошибка"})
    b.post(url, data={"target": "Исключен", "ids": str(ids[1]), "reason": "не оказывалась"})
    page = b.post(url, data={"target": "Исключен", "ids": str(ids[0]), "reason": "x"}, follow_redirects=True)
    assert "возможно только для случаев в статусе «Приостановлен»" in page.get_data(as_text=True)
    with app.app_context():
        got = {c.id: c.status for c in db.session.query(MedicalCase).filter(MedicalCase.id.in_(ids))}
        assert got == {ids[0]: "Принят", ids[1]: "Исключен", ids[2]: "Приостановлен"}
    # another МО cannot touch these cases
    other = browser_factory("mo2_operator")
    other.post(url, data={"target": "Принят", "ids": str(ids[2]), "reason": "взлом"})
    with app.app_context():
        assert db.session.get(MedicalCase, ids[2]).status == "Приостановлен"


def test_formation_page_filters_and_forms(app, browser_factory, tmp_path):
    with app.app_context():
        load(demo(tmp_path, seed=703, cases=40, year=2023, month=3).path)
    b = browser_factory("mo1_operator")
    page = b.get("/formation/?period=2023-03").get_data(as_text=True)
    assert "Применить фильтр" in page and "Очистить фильтр" in page and "Сформировать реестр" in page
    rows = re.findall(r"<tr><td>03.2023</td><td>([^<]+)</td>", page)
    assert "АПП" in rows
    # the type dropdown of the period offers only the period's types
    type_select = page.split('id="f_reg_type"')[1].split("</select>")[0]
    assert set(re.findall(r'<option value="([^"]+)"', type_select)) == set(rows)
    resp = b.post("/formation/form", data={"period": "2023-03", "reg_type": "АПП"}, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "Сформировано реестров:" in html
    page = b.get("/formation/?period=2023-03").get_data(as_text=True)
    assert "<td>03.2023</td><td>АПП</td>" not in page
    with app.app_context():
        regs = db.session.query(Registry).filter_by(year=2023, month=3, reg_type="АПП").all()
        assert regs and all(r.status == "Создан" for r in regs)
        reg_id = regs[0].id
    listing = b.get("/registries/list/").get_data(as_text=True)
    assert regs[0].number in listing
    resp = b.post(
        "/registries/action_post", data={"action": "delete_registry", "rowid": [str(reg_id)]}, follow_redirects=True
    )
    assert "удален, случаев возвращено" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Registry, reg_id) is None


def test_smo_sees_only_its_registries_and_no_formation(app, browser_factory, tmp_path):
    with app.app_context():
        load(demo(tmp_path, seed=704, cases=40, year=2023, month=4).path)
        from app.services.registries.formation import form_registries
        from tests.registries.helpers import user

        result = form_registries(user("mo1_operator"), "2023-04", "АПП")
        mine = [r["number"] for r in result.registries if r["payer"] == "14001"]
        theirs = [r["number"] for r in result.registries if r["payer"] == "14002"]
    smo = browser_factory("smo1_specialist")
    listing = smo.get("/registries/list/").get_data(as_text=True)
    assert all(n in listing for n in mine) and not any(n in listing for n in theirs)
    assert smo.get("/formation/").status_code == 403
