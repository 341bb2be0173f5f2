"""Small helpers for driving the pages in Chromium."""

from __future__ import annotations

import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

PASSWORD = "Demo-Oms-2026"


def wait(driver, seconds=30):
    return WebDriverWait(driver, seconds)


def login(driver, base, username, password=PASSWORD):
    driver.delete_all_cookies()
    driver.get(base + "/login/")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(password)
    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, "input[type=submit], button[type=submit]").click()
    wait(driver).until(EC.staleness_of(page))


def body(driver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def submit(driver, element):
    page = driver.find_element(By.TAG_NAME, "html")
    element.click()
    wait(driver, 120).until(EC.staleness_of(page))


def wait_for_text(driver, text: str, seconds: float = 120, reload: bool = True) -> str:
    """Until ``text`` is on the page (reloading it, as a user presses «Обновить»)."""
    deadline = time.time() + seconds
    while True:
        current = body(driver)
        if text in current:
            return current
        if time.time() > deadline:
            raise AssertionError(f"«{text}» did not appear; page: {current[:2000]}")
        time.sleep(1)
        if reload:
            driver.refresh()


def row_checkbox(driver, row_text: str):
    for row in driver.find_elements(By.CSS_SELECTOR, "table tbody tr"):
        if row_text in row.text:
            return row.find_element(By.CSS_SELECTOR, "input.action_check")
    raise AssertionError(f"no row with «{row_text}»")


def run_action(driver, menu_text: str, confirm: bool = True):
    """Open «Действия» and choose ``menu_text``; accept the confirmation dialog."""
    driver.find_element(By.XPATH, "//button[contains(@class,'dropdown-toggle') and contains(.,'Действия')]").click()
    item = driver.find_element(
        By.XPATH, f"//ul[@class='dropdown-menu']//a[contains(normalize-space(.), '{menu_text}')]"
    )
    page = driver.find_element(By.TAG_NAME, "html")
    item.click()
    if confirm:
        wait(driver).until(EC.element_to_be_clickable((By.ID, "modal-confirm-ok"))).click()
    wait(driver, 120).until(EC.staleness_of(page))


def wait_for_download(driver, pattern: str, seconds: float = 60):
    """The file the browser downloaded into ``driver.download_dir`` (finished, not ``.crdownload``)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        done = [p for p in driver.download_dir.glob(pattern) if not p.name.endswith(".crdownload")]
        if done:
            return done[0]
        time.sleep(0.5)
    raise AssertionError(f"no download {pattern} in {driver.download_dir}: {list(driver.download_dir.iterdir())}")
