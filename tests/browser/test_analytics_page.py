"""«Аналитика» in Chromium at 1366×900, for an МО operator and the ТФОМС administrator on the demo
month: the menu entry opens the page, the charts are drawn (inline SVG, with scripts or without),
the page and its tabs fit the screen without a horizontal scrollbar, and the menu stays one row.
Screenshots of each step go to the CI artifacts."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.browser.pages import body, login
from tests.browser.test_daily_pages import OVERFLOW

pytestmark = pytest.mark.browser

TABS = ("Обзор", "По правилам", "По месяцам")


@pytest.mark.parametrize("username", ["mo1_operator", "tfoms_admin"])
def test_the_analytics_page_shows_its_charts_and_fits_the_screen(live_server, driver, shot, demo_month, username):
    login(driver, live_server, username)
    driver.find_element(By.XPATH, "//ul[contains(@class,'navbar-nav')]//a[contains(., 'Аналитика')]").click()
    assert driver.current_url.rstrip("/").endswith("/analytics"), driver.current_url
    text = body(driver)
    assert "Аналитика отказов" in text and "Главные причины потерь" in text, text[:500]
    period = driver.find_element(By.ID, "an-period")
    assert period.get_attribute("value") == "2025-10" or period.get_attribute("value") > "2025-10"
    seen = {}
    for tab in TABS:
        driver.find_element(By.XPATH, f"//ul[@id='analytics-tabs']//a[normalize-space(.)='{tab}']").click()
        charts = driver.find_elements(By.CSS_SELECTOR, "svg.oms-chart")
        assert charts, tab
        # drawn: each chart has a size on the screen, and a bar or a line where the figures are
        assert all(c.size["width"] > 300 and c.size["height"] > 40 for c in charts), tab
        seen[tab] = len(driver.find_elements(By.CSS_SELECTOR, "svg.oms-chart rect, svg.oms-chart polyline"))
        assert not driver.execute_script(OVERFLOW), (tab, driver.execute_script(OVERFLOW))
        shot(f"{username}-{tab}")
    assert seen["По месяцам"] > 0, seen
    tops = driver.execute_script(
        "return [...document.querySelectorAll('.navbar-nav > li')].filter(e => e.offsetParent)"
        ".map(e => e.getBoundingClientRect().top)"
    )
    assert tops and max(tops) - min(tops) < 10, tops
    # the list of cases behind a figure of the overview
    driver.find_element(By.XPATH, "//ul[@id='analytics-tabs']//a[normalize-space(.)='Обзор']").click()
    links = driver.find_elements(By.CSS_SELECTOR, "#analytics-totals a, #analytics-top a")
    if links:
        links[0].click()
        assert driver.find_elements(By.ID, "analytics-cases"), body(driver)[:500]
        assert not driver.execute_script(OVERFLOW), driver.execute_script(OVERFLOW)
        shot(f"{username}-cases")
