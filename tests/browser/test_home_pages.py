"""The home page of each role at 1366×900 in Chromium: no horizontal scrollbar, the period selector
moves the page to the chosen month (in the URL, nothing kept), screenshots for the CI artifacts."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from tests.browser.pages import body, login, wait
from tests.browser.test_daily_pages import OVERFLOW

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("username", ["mo1_operator", "mo1_executor", "smo1_specialist", "tfoms_admin"])
def test_the_home_page_fits_1366_without_horizontal_scroll(live_server, driver, shot, demo_month, username):
    login(driver, live_server, username)
    driver.get(live_server + "/?period=2025-10")
    text = body(driver)
    assert "Отчетный период" in text and "Ошибка" not in driver.title, text[:300]
    assert driver.execute_script(OVERFLOW) == []
    height = driver.execute_script("return document.documentElement.scrollHeight")
    shot(f"{username}-home-{height}px")
    assert driver.find_elements(By.CSS_SELECTOR, "a.oms-fig"), "no figure links"


def test_the_period_selector_opens_the_chosen_month(live_server, driver, demo_month):
    login(driver, live_server, "mo1_operator")
    driver.get(live_server + "/?period=2099-01")
    page = driver.find_element(By.TAG_NAME, "html")
    Select(driver.find_element(By.ID, "dashboard-period-select")).select_by_value("2025-10")
    wait(driver).until(EC.staleness_of(page))
    assert driver.current_url.endswith("/?period=2025-10")
    assert "Случаи за 10.2025" in body(driver)
