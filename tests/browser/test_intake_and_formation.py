"""In a real browser (issues 3 and 5): upload two archives at once, see the final statuses and
the ФЛК drill-down, delete a file's data, upload the corrected file, form the registries."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from app.services.demo_files import write_archive
from tests.browser.pages import body, login, row_checkbox, run_action, submit, wait_for_text

pytestmark = pytest.mark.browser


def test_upload_delete_reupload_form(live_server, driver, shot, tmp_path):
    clean = write_archive(tmp_path / "clean", cases=15, seed=801, year=2022, month=11, number=1)
    broken = write_archive(tmp_path / "broken", cases=15, seed=802, year=2022, month=11, number=2,
                           error_rate=0.5, codes=["003F.00.0080"])
    fixed = write_archive(tmp_path / "fixed", cases=15, seed=802, year=2022, month=11, number=2)
    login(driver, live_server, "mo1_operator")

    # two archives at once
    driver.get(live_server + "/files/upload")
    driver.find_element(By.NAME, "archives").send_keys(f"{clean.path}\n{broken.path}")
    shot("upload-form")
    submit(driver, driver.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
    page = wait_for_text(driver, broken.path.name)
    assert "Архивов принято к загрузке: 2" in page or clean.path.name in page
    wait_for_text(driver, "Процесс загрузки завершен")
    shot("files-loaded")

    # the ФЛК figure of the broken file opens the errors by code, then the cases
    row = next(r for r in driver.find_elements(By.CSS_SELECTOR, "table tbody tr") if broken.path.name in r.text)
    flk_link = row.find_elements(By.CSS_SELECTOR, "a[href*='/files/errors/'][href*='%D0%A4%D0%9B%D0%9A']")
    assert flk_link, row.text
    submit(driver, flk_link[0])
    assert "003F.00.0080" in body(driver)
    assert driver.find_elements(By.PARTIAL_LINK_TEXT, "Протокол FLK_P (XML)")
    shot("flk-errors")
    submit(driver, driver.find_element(By.XPATH, "//tr[td[text()='003F.00.0080']]//a"))
    lines = body(driver)
    assert "PACIENT/SPOLIS" in lines and "АБ" in lines
    shot("flk-cases")

    # delete the broken file's data, upload the corrected file
    driver.get(live_server + "/files/list/")
    row_checkbox(driver, broken.path.name).click()
    run_action(driver, "Удалить данные файла")
    assert "Данные файла удалены" in body(driver)
    shot("deleted")
    driver.get(live_server + "/files/upload")
    driver.find_element(By.NAME, "archives").send_keys(str(fixed.path))
    submit(driver, driver.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
    wait_for_text(driver, fixed.path.name)
    shot("corrected-uploaded")

    # «Формирование»: the period's АПП rows, then «Сформировать реестр»
    driver.get(live_server + "/formation/?period=2022-11")
    assert "2022-11" in body(driver)
    shot("formation")
    Select(driver.find_element(By.ID, "form_period")).select_by_value("2022-11")
    Select(driver.find_element(By.ID, "form_type")).select_by_value("АПП")
    submit(driver, driver.find_element(By.ID, "form-submit"))
    page = body(driver)
    assert "Сформировано реестров:" in page and "Создан" in page
    shot("registries-created")
