"""Hints for the МО operator: a template per rule kind, one for every rule of the catalogue, kept
when the fund rewrites it, and shown in the API and the XLSX protocol (not in FLK_P)."""

from __future__ import annotations

from app.controls.hints import HINT_MAX, default_hint
from app.extensions import db
from app.models.reference import ControlRule
from app.services.reference.rules import sync_catalogue


def test_templates_per_rule_kind():
    required = default_hint(
        "003F.00.1550", "PERS_LIST/PERS/FAM_P", "FAM_P обязателен при выполнении условия: NOVOR<>0 и DOST_P<>2"
    )
    assert required.startswith("Не заполнен FAM_P в PERS: он обязателен, когда NOVOR<>0 и DOST_P<>2")
    absent = default_hint(
        "003F.00.0080", "ZL_LIST/ZAP/PACIENT/SPOLIS", "Элемент должен отсутствовать при выполнении условия: VPOLIS<>1"
    )
    assert absent.startswith("SPOLIS (в PACIENT) заполнен, а при условии VPOLIS<>1 его быть не должно")
    book = default_hint(
        "001F.00.0220", "ZL_LIST/ZAP/Z_SL/ISHOD", "Значение отсутствует в справочнике V012 (IDIZ) или не действует"
    )
    assert "не найден в справочнике V012" in book and "Обновить из ФФОМС" in book
    value = default_hint("002F.00.0130", "ZL_LIST/ZAP/PACIENT/NOVOR", "NOVOR: 0 или ПДДММГГН")
    assert value.startswith("Недопустимое значение NOVOR (в PACIENT): NOVOR: 0 или ПДДММГГН")
    dates = default_hint("006F.00.0310", "ZL_LIST/ZAP/Z_SL/NPR_DATE", "Значение поля не должно быть больше DATE_1")
    assert dates.startswith("Не согласованы значения NPR_DATE (в Z_SL)")
    mek = default_hint("003K.00.0620", "ZL_LIST/ZAP/Z_SL/SL/DS1", "Несоответствие диагноза полу пациента")
    assert mek.startswith("Случай не принят к оплате: Несоответствие диагноза полу пациента")
    assert len(default_hint("003F.00.0001", "A/B", "x" * 900)) == HINT_MAX


def test_every_rule_has_a_hint_and_an_edited_one_stays(app):
    with app.app_context():
        rules = db.session.query(ControlRule).filter_by(implemented=True).all()
        assert rules and all(r.hint for r in rules), [r.code for r in rules if not r.hint][:5]
        rule = db.session.query(ControlRule).filter_by(code="003F.00.0080").one()
        before = rule.hint
        rule.hint = "Серия полиса заполняется только для полисов старого образца: уберите SPOLIS в МИС."
        db.session.commit()
        try:
            sync_catalogue()
            assert db.session.query(ControlRule).filter_by(code="003F.00.0080").one().hint.startswith("Серия полиса")
        finally:
            rule = db.session.query(ControlRule).filter_by(code="003F.00.0080").one()
            rule.hint = before
            db.session.commit()
