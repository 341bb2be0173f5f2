"""The crawl of the daily-work issue: each demo login follows every menu link and one link of each
kind from the first page of every list, on a month walked through the whole workflow, and reads
the page as its user does — no English word of the library, no «None» / «True» / «False» / «[]»,
no ISO date, no 500."""

from __future__ import annotations

import pytest

from app.demo.accounts import DEMO_LOGINS
from tests.crawl import crawl, problems, visible_text


def test_the_crawl_sees_what_it_must_refuse():
    """The checker itself: each kind of fault is found, a Russian page passes."""
    page = "<html><body><a title='Show record'>x</a><p>{}</p><script>var None = 1;</script></body></html>"
    assert problems(visible_text(page.format("Дата 2025-10-01, сумма 1 234,56"))) == [
        "английское «Show»",
        "дата ISO «2025-10-01»",
    ]
    assert "сырое значение «None»" in problems("Подразделение None")
    assert "сырое значение «[]»" in problems("Роли []")
    assert problems(visible_text(page.replace("Show record", "Просмотр").format("Период 10.2025, 2025-10"))) == []


@pytest.mark.parametrize("login", [d.username for d in DEMO_LOGINS])
def test_every_page_a_user_reaches_reads_russian(browser_factory, demo_month, login):
    b = browser_factory(login)

    def get(url):
        r = b.get(url)
        return r.status_code, r.content_type, r.get_data()

    visits = crawl(get)
    assert len(visits) > 10, [v.url for v in visits]  # the menu and the lists were followed
    bad = [f"{v.url}: {'; '.join(v.problems)}" for v in visits if v.problems]
    assert not bad, "\n".join(bad)
