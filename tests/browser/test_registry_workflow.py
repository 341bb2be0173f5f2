"""In a real browser (issues 6 and 7): the МО sends a registry, the СМО takes it and loads its МЭК
results, returns it for rework; the МО deletes it, forms again and sends; the СМО sends it for
signature; the executor, the chief accountant and the head sign with their PKCS#12 files, then the
СМО signer; the registry is in «Закрытые реестры» with its documents."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.browser.pages import body, login, submit

pytestmark = pytest.mark.browser


def _registry_row(driver, number):
    for row in driver.find_elements(By.CSS_SELECTOR, "table tbody tr"):
        if number in row.text:
            return row
    raise AssertionError(f"no registry {number} on the page: {body(driver)[:1500]}")


def _set_status(driver, base, number, target, comment=None):
    driver.get(base + "/registries/list/")
    row = _registry_row(driver, number)
    Select(row.find_element(By.NAME, "target")).select_by_value(target)
    if comment:
        row.find_element(By.NAME, "comment").send_keys(comment)
    submit(driver, row.find_element(By.CSS_SELECTOR, "form.registry-status button"))


def test_send_take_mek_rework_send_again(app, live_server, driver, shot, tmp_path):
    from app.extensions import db
    from app.models.registry import Registry
    from app.services.formation import form_registries
    from tests.registries.helpers import demo, load, user
    from tests.registries.test_mek_results import _results

    app.config["JOBS_MODE"] = "sync"
    with app.app_context():
        load(demo(tmp_path, seed=1001, cases=30, year=2020, month=6).path)
        result = form_registries(user("mo1_operator"), "2020-06", "АПП")
        number = next(r["number"] for r in result.registries if r["payer"] == "14001")
        reg_id = db.session.query(Registry).filter_by(number=number).one().id

    login(driver, live_server, "mo1_operator")
    _set_status(driver, live_server, number, "Отправлен")
    assert "Сформирован" in _registry_row(driver, number).text
    shot("mo-sent")

    login(driver, live_server, "smo1_specialist")
    _set_status(driver, live_server, number, "Выгружен")
    assert "Выгружен" in _registry_row(driver, number).text
    driver.get(f"{live_server}/registries/documents/{reg_id}")
    assert "Счет" in body(driver) and "SHA-256" in body(driver)
    with app.app_context():
        results = _results(reg_id, tmp_path / "mek" / "results.zip")
    driver.find_element(By.NAME, "results").send_keys(str(results))
    submit(driver, driver.find_element(By.XPATH, "//button[contains(., 'Загрузить файл результатов МЭК')]"))
    page = body(driver)
    assert "Результаты МЭК загружены: снято случаев 1" in page and "5.2.4" in page and "Акт МЭК" in page
    shot("smo-mek-results")
    _set_status(driver, live_server, number, "На доработку")
    assert "На доработку" in _registry_row(driver, number).text
    shot("smo-rework")

    # the МО sees the reasons, deletes the registry, forms again and sends
    login(driver, live_server, "mo1_operator")
    driver.get(f"{live_server}/registries/documents/{reg_id}")
    assert "5.2.4" in body(driver)
    driver.get(live_server + "/registries/list/")
    from tests.browser.pages import row_checkbox, run_action

    row_checkbox(driver, number).click()
    run_action(driver, "Удалить")
    assert "удален, случаев возвращено" in body(driver)
    driver.get(live_server + "/formation/?period=2020-06")
    Select(driver.find_element(By.ID, "form_period")).select_by_value("2020-06")
    Select(driver.find_element(By.ID, "form_type")).select_by_value("АПП")
    submit(driver, driver.find_element(By.ID, "form-submit"))
    assert "Сформировано реестров:" in body(driver)
    with app.app_context():
        again = (db.session.query(Registry).filter_by(year=2020, month=6, reg_type="АПП", status="Создан")
                 .join(Registry.payer).filter_by(code="14001").one().number)
    _set_status(driver, live_server, again, "Отправлен")
    assert "Сформирован" in _registry_row(driver, again).text
    shot("mo-sent-again")

    login(driver, live_server, "smo1_specialist")
    _set_status(driver, live_server, again, "Выгружен")
    _set_status(driver, live_server, again, "На подпись МО")
    assert "На подпись МО" in _registry_row(driver, again).text
    shot("smo-for-signature")

    # signatures, in order, with the demo PKCS#12 files (README «Электронная подпись»)
    from pathlib import Path

    folder = Path(app.config["DEMO_PKI_DIR"])
    for signer, expected in (("mo1_executor", "На подпись МО"), ("mo1_accountant", "На подпись МО"),
                             ("mo1_head", "На подпись СМО"), ("smo1_signer", "Закрыт")):
        login(driver, live_server, signer)
        driver.get(live_server + "/registries/list/")
        icon = _registry_row(driver, again).find_element(By.CSS_SELECTOR, "a.sign-registry")
        driver.get(icon.get_attribute("href"))
        form = driver.find_element(By.ID, "sign-pkcs12")
        form.find_element(By.NAME, "pkcs12").send_keys(str(folder / f"{signer}.p12"))
        form.find_element(By.NAME, "passphrase").send_keys(app.config["DEMO_PASSWORD"])
        submit(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        page = body(driver)
        assert f"Реестр {again} подписан" in page, page[:2000]
        assert driver.find_element(By.ID, "registry-status").text == expected
        assert "Недействительна" not in page
        shot(f"signed-{signer}")
    driver.get(live_server + "/closed-registries/list/")
    assert again in body(driver)
    driver.get(f"{live_server}/signing/{db_id(app, again)}")
    page = body(driver)
    assert page.count("Действительна") >= 4 * 4 and "Подписант СМО" in page
    shot("closed-with-signatures")


def db_id(app, number):
    from app.extensions import db
    from app.models.registry import Registry

    with app.app_context():
        return db.session.query(Registry).filter_by(number=number).one().id
