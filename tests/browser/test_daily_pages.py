"""Daily work at 1366×900 in Chromium: the five main tabs fit the screen without a horizontal
scrollbar for an МО, an СМО and a ТФОМС user, and every page the crawl reaches (tests/crawl.py)
is shown and photographed for the CI artifacts."""

from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from tests.browser.pages import body, login, row_checkbox, wait
from tests.crawl import crawl

pytestmark = pytest.mark.browser

MAIN_TABS = {
    "files": "/files/list/",
    "formation": "/formation/",
    "registries": "/registries/list/",
    "closed": "/closed-registries/list/",
    "cases": "/cases/list/",
}
USERS = ("mo1_operator", "smo1_specialist", "tfoms_admin")

# the widest element that scrolls sideways (the page itself, or a table's scrolling box)
OVERFLOW = """
const out = [];
const doc = document.documentElement;
if (doc.scrollWidth > doc.clientWidth + 1) out.push(['страница', doc.scrollWidth, doc.clientWidth]);
for (const el of document.querySelectorAll('body *')) {
  const style = getComputedStyle(el);
  if (['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0)
    out.push([el.tagName + '.' + el.className, el.scrollWidth, el.clientWidth]);
}
return out;
"""


@pytest.mark.parametrize("username", USERS)
def test_main_tabs_fit_1366_without_horizontal_scroll(live_server, driver, shot, demo_month, username):
    assert driver.execute_script("return window.innerWidth") == 1366
    login(driver, live_server, username)
    wide = {}
    for name, url in MAIN_TABS.items():
        driver.get(live_server + url)
        text = body(driver)
        assert "Internal Server Error" not in text and "Ошибка" not in driver.title, (url, text[:300])
        if overflow := driver.execute_script(OVERFLOW):
            wide[url] = overflow
        shot(f"{username}-{name}")
    assert not wide, wide
    # the menu is one row: its items share one top
    tops = driver.execute_script(
        "return [...document.querySelectorAll('.navbar-nav > li')].filter(e => e.offsetParent)"
        ".map(e => e.getBoundingClientRect().top)"
    )
    assert tops and max(tops) - min(tops) < 10, tops


@pytest.mark.parametrize("username", USERS)
def test_every_crawled_page_is_photographed(browser_factory, live_server, driver, shot, demo_month, username):
    client = browser_factory(username)

    def get(url):
        r = client.get(url)
        return r.status_code, r.content_type, r.get_data()

    pages = [v.url for v in crawl(get) if v.html and v.status == 200]
    assert len(pages) > 10
    login(driver, live_server, username)
    for url in pages:
        driver.get(live_server + url)
        assert "/login" not in driver.current_url, url
        shot(re.sub(r"[^\w]+", "_", url).strip("_")[:80] or "home")


def test_bulk_menu_offers_what_the_rows_allow_and_confirms_count_and_sum(live_server, driver, shot, demo_month):
    """An МО operator ticks a registry «Создан»: «Действия» offers sending and deleting, not the
    payer's moves; choosing «Отправлен» asks first, with the number of rows and their sum."""
    created = next(n for n, s in demo_month["registries"].items() if s == "Создан")
    login(driver, live_server, "mo2_operator")
    driver.get(live_server + "/registries/list/")
    row_checkbox(driver, created).click()
    driver.find_element(By.XPATH, "//button[contains(@class,'dropdown-toggle') and contains(.,'Действия')]").click()
    offered = {
        a.text.strip()
        for a in driver.find_elements(By.CSS_SELECTOR, "ul.dropdown-menu a")
        if a.is_displayed() and a.text.strip()
    }
    assert "→ Отправлен" in offered and "Удалить реестр" in offered, offered
    assert not offered & {"→ Выгружен", "→ На подпись МО"}, offered
    shot("bulk-menu")
    driver.find_element(By.XPATH, "//ul[contains(@class,'dropdown-menu')]//a[contains(., '→ Отправлен')]").click()
    dialog = wait(driver).until(EC.visibility_of_element_located((By.ID, "modal-confirm")))
    assert re.search(r"Выбрано: 1 на сумму \d[\d\s\u00a0]*,\d\d", dialog.text), dialog.text
    assert "Отмена" in dialog.text and "Cancel" not in dialog.text
    shot("confirm-send")
    dialog.find_element(By.CSS_SELECTOR, "[data-dismiss=modal]").click()
