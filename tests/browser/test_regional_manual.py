"""The regional manual end to end in a real browser, with the demo logins.

In CI (``REDIS_URL`` set) the background work runs in a real ``rq worker`` process started here
on the test database, exactly as in production; without Redis the jobs run in the request.

An МО operator uploads two archives at once (one with ФЛК and МЭК errors), waits for «Процесс
загрузки завершен», opens the ФЛК errors and then the cases, downloads the FLK_P protocol, deletes
the file's data, uploads the corrected file, forms the registries per СМО and «Иногородние», sends
them; the СМО takes one, loads its МЭК results and returns it for rework; the МО deletes it,
forms again and sends; the СМО sends it for signature; the executor, the chief accountant and the
head sign with their PKCS#12 files, then the СМО signer; the registry is in «Закрытые реестры»
with its documents.  Each step asserts what the page shows and leaves a screenshot."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from app.demo.files import write_archive
from app.jobs.runtime import WORKER_QUEUES
from tests.browser.pages import body, login, row_checkbox, run_action, submit, wait, wait_for_download

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
PERIOD = (2025, 7)  # files in 5.1, the version of every period since 07.2025


@pytest.fixture()
def jobs(app):
    """A real ``rq worker`` process on the test database and Redis when REDIS_URL is set."""
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        yield "sync"
        return
    app.config.update(JOBS_MODE="rq", REDIS_URL=redis_url)
    app.extensions.pop("oms_redis", None)
    log = open(Path(os.environ.get("ARTIFACTS_DIR", "/tmp")) / "rq-worker-browser.log", "w")
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "rq"),
            "worker",
            "--url",
            redis_url,
            "--worker-class",
            "app.jobs.worker.OmsWorker",
            *WORKER_QUEUES,
        ],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield "rq"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
        app.config.update(JOBS_MODE="sync")
        app.extensions.pop("oms_redis", None)


def _rows(driver):
    return driver.find_elements(By.CSS_SELECTOR, "table tbody tr")


def _row(driver, text):
    for row in _rows(driver):
        if text in row.text:
            return row
    raise AssertionError(f"no row with «{text}»: {body(driver)[:1500]}")


def _wait_rows(driver, url, texts: list[str], status: str, seconds=180):
    """Reload ``url`` (as a user presses «Обновить») until each row with one of ``texts`` shows ``status``."""
    deadline = time.time() + seconds
    while True:
        driver.get(url)
        pending = [t for t in texts if status not in _row(driver, t).text]
        if not pending:
            return
        if time.time() > deadline:
            raise AssertionError(f"{pending} not «{status}»: {body(driver)[:2000]}")
        time.sleep(1)


def _set_status(driver, base, number, target, comment=None):
    driver.get(base + "/registries/list/")
    row = _row(driver, number)
    Select(row.find_element(By.NAME, "target")).select_by_value(target)
    if comment:
        row.find_element(By.NAME, "comment").send_keys(comment)
    page = driver.find_element(By.TAG_NAME, "html")
    row.find_element(By.CSS_SELECTOR, "form.registry-status button").click()
    # the confirmation names the registry and its sum
    wait(driver).until(EC.visibility_of_element_located((By.ID, "registry-confirm-text")))
    assert number in driver.find_element(By.ID, "registry-confirm-text").text
    wait(driver).until(EC.element_to_be_clickable((By.ID, "registry-confirm-ok"))).click()
    wait(driver, 120).until(EC.staleness_of(page))


def _form(driver, base, period, reg_type):
    driver.get(f"{base}/formation/?period={period}")
    Select(driver.find_element(By.ID, "form_period")).select_by_value(period)
    Select(driver.find_element(By.ID, "form_type")).select_by_value(reg_type)
    submit(driver, driver.find_element(By.ID, "form-submit"))
    assert "Сформировано реестров:" in body(driver), body(driver)[:1500]


def _registries(app, **filters):
    from app.extensions import db
    from app.models.registry import Registry

    with app.app_context():
        db.session.expire_all()
        return [
            (r.id, r.number, r.payer.code, r.reg_type, r.status)
            for r in db.session.query(Registry).filter_by(**filters).order_by(Registry.id)
        ]


def test_the_regional_manual_end_to_end(app, live_server, driver, shot, tmp_path, jobs):
    year, month = PERIOD
    period = f"{year}-{month:02d}"
    clean = write_archive(tmp_path / "clean", cases=30, seed=811, year=year, month=month, number=1)
    broken = write_archive(
        tmp_path / "broken",
        cases=30,
        seed=812,
        year=year,
        month=month,
        number=2,
        error_rate=0.4,
        codes=["003F.00.0080", "003K.00.0620"],
    )
    fixed = write_archive(tmp_path / "fixed", cases=30, seed=812, year=year, month=month, number=2)
    injected = {i["code"] for i in broken.injected}
    assert {"003F.00.0080", "003K.00.0620"} <= injected, injected

    # 1-2. two archives at once; the rows end in «Процесс загрузки завершен»
    login(driver, live_server, "mo1_operator")
    driver.get(live_server + "/files/upload")
    driver.find_element(By.NAME, "archives").send_keys(f"{clean.path}\n{broken.path}")
    shot("upload-form")
    submit(driver, driver.find_element(By.CSS_SELECTOR, "form:not(.oms-logout) button[type=submit]"))
    _wait_rows(driver, live_server + "/files/list/", [clean.path.name, broken.path.name], "Процесс загрузки завершен")
    shot("files-loaded")

    # the ФЛК figure opens the errors by code, a count opens the cases; the FLK_P protocol
    row = _row(driver, broken.path.name)
    flk_link = row.find_elements(By.CSS_SELECTOR, "a[href*='/files/errors/'][href*='%D0%A4%D0%9B%D0%9A']")
    mek_link = row.find_elements(By.CSS_SELECTOR, "a[href*='/files/errors/'][href*='%D0%9C%D0%AD%D0%9A']")
    assert flk_link and mek_link, row.text
    mek_url = mek_link[0].get_attribute("href")
    submit(driver, flk_link[0])
    assert "003F.00.0080" in body(driver)
    hints = [h.text for h in driver.find_elements(By.CSS_SELECTOR, ".oms-hint")]  # what to change in the МИС
    assert hints and all("МИС" in h for h in hints), hints
    shot("flk-errors")
    protocol_url = driver.find_element(By.PARTIAL_LINK_TEXT, "Протокол FLK_P (XML)").get_attribute("href")
    submit(driver, driver.find_element(By.XPATH, "//tr[td[text()='003F.00.0080']]//a"))
    lines = body(driver)
    assert "PACIENT/SPOLIS" in lines and "АБ" in lines
    shot("flk-cases")
    driver.get(mek_url)
    assert "003K.00.0620" in body(driver)
    shot("mek-errors")
    driver.get(protocol_url)
    protocol = wait_for_download(driver, "*.xml").read_bytes().decode("windows-1251")
    assert "<FLK_P>" in protocol and "<OSHIB>003F.00.0080</OSHIB>" in protocol
    assert "<OSHIB>003K.00.0620</OSHIB>" in protocol and f"<FNAME>V{broken.h_name}" in protocol

    # 3. delete the broken file's data, upload the corrected file
    driver.get(live_server + "/files/list/")
    row_checkbox(driver, broken.path.name).click()
    run_action(driver, "Удалить данные файла")
    assert "Данные файла удалены" in body(driver)
    shot("deleted")
    driver.get(live_server + "/files/upload")
    driver.find_element(By.NAME, "archives").send_keys(str(fixed.path))
    submit(driver, driver.find_element(By.CSS_SELECTOR, "form:not(.oms-logout) button[type=submit]"))
    _wait_rows(driver, live_server + "/files/list/", [fixed.path.name], "Процесс загрузки завершен")
    shot("corrected-loaded")

    # 4. «Формирование»: АПП per СМО, and «Иногородние» to the ТФОМС
    driver.get(f"{live_server}/formation/?period={period}")
    assert f"{month:02d}.{year}" in body(driver)  # the period as people read it
    shot("formation")
    _form(driver, live_server, period, "АПП")
    _form(driver, live_server, period, "Иногородние")
    created = _registries(app, year=year, month=month, status="Создан")
    payers = {payer for _, _, payer, _, _ in created}
    assert {"14001", "14002"} <= payers and "14" in payers, created
    assert any(t == "Иногородние" and p == "14" for _, _, p, t, _ in created)
    shot("registries-created")

    # 5. send them all at once (the action panel of rows in the same status)
    driver.get(live_server + "/registries/list/")
    for _, number, _, _, _ in created:
        row_checkbox(driver, number).click()
    run_action(driver, "Отправлен")
    numbers = [n for _, n, _, _, _ in created]
    _wait_rows(driver, live_server + "/registries/list/", numbers, "Сформирован")
    shot("sent-and-formed")
    reg_id, number = next((i, n) for i, n, p, t, _ in created if p == "14001" and t == "АПП")

    # 6. the СМО takes it, loads its МЭК results, returns it for rework
    login(driver, live_server, "smo1_specialist")
    _set_status(driver, live_server, number, "Выгружен")
    assert "Выгружен" in _row(driver, number).text
    driver.get(f"{live_server}/registries/documents/{reg_id}")
    assert "Счет" in body(driver) and "SHA-256" in body(driver)
    from tests.registries.test_mek_results import _results

    with app.app_context():
        results = _results(reg_id, tmp_path / "mek" / "results.zip")
    driver.find_element(By.NAME, "results").send_keys(str(results))
    submit(driver, driver.find_element(By.XPATH, "//button[contains(., 'Загрузить файл результатов МЭК')]"))
    page = body(driver)
    assert "Результаты МЭК загружены: снято случаев 1" in page and "5.2.4" in page and "Акт МЭК" in page
    shot("smo-mek-results")
    _set_status(driver, live_server, number, "На доработку", comment="Исправьте отказанные случаи")
    assert "На доработку" in _row(driver, number).text
    shot("smo-rework")

    # 7. the МО sees the reasons, deletes the registry, forms again and sends
    login(driver, live_server, "mo1_operator")
    driver.get(f"{live_server}/registries/documents/{reg_id}")
    assert "5.2.4" in body(driver)
    driver.get(live_server + "/registries/list/")
    row_checkbox(driver, number).click()
    run_action(driver, "Удалить")
    assert "удален, случаев возвращено" in body(driver)
    _form(driver, live_server, period, "АПП")
    again = next(
        n for _, n, p, t, _ in _registries(app, year=year, month=month, status="Создан") if p == "14001" and t == "АПП"
    )
    _set_status(driver, live_server, again, "Отправлен")
    _wait_rows(driver, live_server + "/registries/list/", [again], "Сформирован")
    shot("mo-sent-again")

    # 8. the СМО sends it for signature
    login(driver, live_server, "smo1_specialist")
    _set_status(driver, live_server, again, "Выгружен")
    _set_status(driver, live_server, again, "На подпись МО")
    assert "На подпись МО" in _row(driver, again).text
    shot("smo-for-signature")

    # 9. executor → chief accountant → head, then the СМО signer, with the demo PKCS#12 files
    folder = Path(app.config["DEMO_PKI_DIR"])
    for signer, expected in (
        ("mo1_executor", "На подпись МО"),
        ("mo1_accountant", "На подпись МО"),
        ("mo1_head", "На подпись СМО"),
        ("smo1_signer", "Закрыт"),
    ):
        login(driver, live_server, signer)
        driver.get(live_server + "/registries/list/")
        icon = _row(driver, again).find_element(By.CSS_SELECTOR, "a.sign-registry")
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

    # 10. «Закрытые реестры», with the documents column and the signatures
    driver.get(live_server + "/closed-registries/list/")
    assert again in body(driver)
    shot("closed-registries")
    again_id = next(i for i, n, *_ in _registries(app, number=again))
    driver.get(f"{live_server}/signing/{again_id}")
    page = body(driver)
    assert page.count("Действительна") >= 4 and "Подписант СМО" in page
    shot("closed-with-signatures")
