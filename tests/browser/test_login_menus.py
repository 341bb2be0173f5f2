"""In a real browser: every demo login works and sees its Russian menu; a wrong password shows
the Russian error; a locked account cannot log in."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from app.demo.accounts import DEMO_LOGINS

pytestmark = pytest.mark.browser

# menu entries a role must see / must not see
EXPECTED = {
    "Администратор ТФОМС": ({"Организации", "Журнал аудита", "Фоновые задачи", "Список пользователей"}, set()),
    "Специалист МО": ({"Организации", "Подразделения"}, {"Журнал аудита", "Фоновые задачи", "Список пользователей"}),
    "Специалист СМО": ({"Организации"}, {"Подразделения", "Журнал аудита", "Список пользователей"}),
}


def login(driver, base, username, password="Demo-Oms-2026"):
    driver.get(base + "/login/")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(password)
    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, "input[type=submit], button[type=submit]").click()
    WebDriverWait(driver, 30).until(EC.staleness_of(page))


def menu_texts(driver):
    # open every dropdown so hidden entries have text
    for toggle in driver.find_elements(By.CSS_SELECTOR, ".navbar-nav > li.dropdown > a.dropdown-toggle"):
        if toggle.is_displayed():
            toggle.click()
            toggle.click()  # and close it: an open list may cover the next toggle of a wrapped menu bar
    # links, and the logout, which is a POST form's button
    items = driver.find_elements(By.CSS_SELECTOR, ".navbar-nav a, .navbar-nav form.oms-logout button")
    return {i.get_attribute("textContent").strip() for i in items}


def test_each_demo_login_sees_its_russian_menu(live_server, driver, shot):
    for demo in DEMO_LOGINS:
        driver.delete_all_cookies()
        login(driver, live_server, demo.username)
        body = driver.find_element(By.TAG_NAME, "body").text
        assert demo.username in body, f"{demo.username}: not logged in"
        present, absent = EXPECTED[demo.role]
        texts = menu_texts(driver)
        assert present <= texts, (demo.username, texts)
        assert not (absent & texts), (demo.username, texts)
        assert "Выход" in texts
        shot(demo.username)


def test_wrong_password_shows_russian_error(live_server, driver, shot):
    driver.delete_all_cookies()
    login(driver, live_server, "mo2_operator", "Wrong-Password-1")
    assert "Неверное имя пользователя или пароль" in driver.find_element(By.TAG_NAME, "body").text
    shot("wrong-password")


def test_locked_account_cannot_log_in(app, live_server, driver, shot):
    from app.security.roles import ROLE_MO
    from tests.factories import PASSWORD, make_org, make_user

    with app.app_context():
        username = make_user(make_org("mo"), ROLE_MO).username
    driver.delete_all_cookies()
    for _ in range(5):
        login(driver, live_server, username, "Wrong-Password-1")
    login(driver, live_server, username, PASSWORD)
    body = driver.find_element(By.TAG_NAME, "body").text
    assert "Учетная запись временно заблокирована" in body
    assert username not in body.replace(f"{username}", "", 0) or "/login" in driver.current_url
    assert "/login" in driver.current_url
    shot("locked")
