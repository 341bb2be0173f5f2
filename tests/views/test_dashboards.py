"""The home page of each role as its users read it: every figure's link opens the list that shows
exactly that count; a login never sees another organisation's figures (another МО, another
subdivision, another СМО — whatever the URL says); dry runs never count; the period comes from
``?period=`` (checked) or is the latest with data, and nothing is remembered."""

from __future__ import annotations

import re

import pytest
from lxml import html as lxml_html

from app.demo.accounts import DEMO_LOGINS
from app.services.intake.listing import BAD_PERIOD
from tests.crawl import problems, visible_text
from tests.dashboards.world import World
from tests.factories import PASSWORD

DEMO_PERIOD = "2025-10"
RECORD_COUNT = re.compile(r"Всего записей:\s*</strong>\s*(\d+)")


@pytest.fixture(scope="module")
def world(app):
    return World(app)


def _login(browser_factory, login: str, password: str | None = None):
    b = browser_factory()
    resp = b.login(login, password)
    assert resp.status_code == 302 and "/login" not in resp.headers.get("Location", ""), login
    return b


def _home(b, query: str = "") -> str:
    resp = b.get(f"/{query}")
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def _figures(page: str) -> list[tuple[int, str]]:
    """(count, URL) of every figure of the page linked to its list."""
    tree = lxml_html.fromstring(page)
    return [(int(a.text_content().strip()), a.get("href")) for a in tree.xpath("//a[@class='oms-fig']")]


def _list_count(b, url: str) -> int:
    resp = b.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    m = RECORD_COUNT.search(resp.get_data(as_text=True))
    return int(m.group(1)) if m else 0


def _refusal_rows(b, url: str) -> int:
    """The rows of the payer's refusals on the registry's card (the anchor #refusals)."""
    resp = b.get(url.split("#")[0])
    assert resp.status_code == 200, url
    tree = lxml_html.fromstring(resp.get_data(as_text=True))
    heading = tree.xpath("//h4[@id='refusals']")[0]
    table = heading.xpath("following-sibling::table[1]")[0]
    return len(table.xpath(".//tbody/tr"))


def _check_links(b, page: str) -> int:
    """Every figure's list shows its count; every refusal count its rows; every signing link opens."""
    figures = _figures(page)
    for count, url in figures:
        assert _list_count(b, url) == count, url
    tree = lxml_html.fromstring(page)
    refusals = tree.xpath("//a[@class='oms-fig-refusals']")
    for a in refusals:
        assert _refusal_rows(b, a.get("href")) == int(a.text_content()), a.get("href")
    signing = tree.xpath("//a[@class='oms-sign-link']/@href")
    for href in signing:
        assert b.get(href).status_code == 200, href
    return len(figures) + len(refusals) + len(signing)


# -- the demo month -------------------------------------------------------------------------------
@pytest.mark.parametrize("login", [d.username for d in DEMO_LOGINS])
def test_every_demo_login_reads_its_home_page_in_russian(browser_factory, demo_month, login):
    page = _home(_login(browser_factory, login))
    assert problems(visible_text(page)) == []
    assert 'id="dashboard-period"' in page


@pytest.mark.parametrize(
    "login", ["mo1_operator", "mo1_executor", "mo2_operator", "smo1_specialist", "smo2_specialist", "tfoms_admin"]
)
def test_every_figure_of_the_demo_month_opens_a_list_of_that_count(browser_factory, demo_month, login):
    b = _login(browser_factory, login)
    assert _check_links(b, _home(b, f"?period={DEMO_PERIOD}")) >= 1


def test_the_demo_home_page_shows_the_latest_month_with_data_by_default(app, browser_factory, demo_month):
    """The default is the latest period of the МО's files (not checks) and registries — the demo
    month 2025-10, or a later one other tests of the session loaded for ЯГБ №2."""
    from sqlalchemy import select, union

    from app.extensions import db
    from app.models.intake import UploadedFile
    from app.models.organisation import Organisation
    from app.models.registry import Registry

    with app.app_context():
        mo2 = db.session.execute(select(Organisation.id).where(Organisation.code == "140002")).scalar_one()
        files = select(UploadedFile.year, UploadedFile.month).where(
            UploadedFile.organisation_id == mo2, UploadedFile.dry_run.is_(False), UploadedFile.month.is_not(None)
        )
        registries = select(Registry.year, Registry.month).where(Registry.organisation_id == mo2)
        year, month = max(tuple(r) for r in db.session.execute(union(files, registries)))
    assert (year, month) >= (2025, 10)
    page = _home(_login(browser_factory, "mo2_operator"))
    assert f'value="{year}-{month:02d}" selected' in page
    assert 'value="2025-10"' in page  # the demo month is among the periods offered


# -- the hand-made month: links, scoping, dry runs ----------------------------------------------------
@pytest.mark.parametrize(
    "who", ["mo_a", "mo_a_sub1", "mo_a_executor", "mo_b", "smo_s", "smo_s_signer", "smo_t", "tfoms_admin"]
)
def test_every_figure_of_the_hand_made_month_opens_a_list_of_that_count(browser_factory, world, who):
    login, password = (who, None) if who == "tfoms_admin" else (world.login[who], PASSWORD)
    b = _login(browser_factory, login, password)
    page = _home(b, f"?period={world.period}")
    assert _check_links(b, page) >= 1
    assert problems(visible_text(page)) == []


def test_another_mo_never_sees_the_figures_of_the_first(browser_factory, world):
    b = _login(browser_factory, world.login["mo_b"], PASSWORD)
    plain = _home(b, f"?period={world.period}")
    forged = _home(
        b,
        f"?period={world.period}&organisation_id={world.ids['mo_a']}&mo={world.ids['mo_a']}"
        f"&_flt_0_organisation={world.ids['mo_a']}&subdivision_id={world.ids['sub_a1']}",
    )
    for page in (plain, forged):
        for name, number in world.numbers.items():
            assert name.startswith("b_") or number not in page, name
        for name, archive in world.archives.items():
            assert archive not in page, name
        assert _figures(page) == _figures(plain)
    # МО «B»: its loaded file (4 cases), two registries of the period
    counts = dict((url, n) for n, url in _figures(plain))
    assert sorted(counts.values()) == sorted([1, 4, 4, 1, 1])


def test_a_subdivision_login_sees_its_subdivision_only(browser_factory, world):
    b = _login(browser_factory, world.login["mo_a_sub1"], PASSWORD)
    page = _home(b, f"?period={world.period}")
    for name, number in world.numbers.items():
        assert (number in page) == (name == "a1_rework"), name  # the return of its subdivision
    assert world.archives["loading_a1"] in page  # its subdivision's loading file
    tree = lxml_html.fromstring(page)
    cases = {
        tr.xpath("td[1]")[0].text_content().strip(): tr.xpath("td[2]")[0].text_content().strip()
        for tr in tree.xpath("//div[@id='dash-cases']//tbody/tr")
    }
    # subdivision 1: 4 accepted (one withheld in part), 2 refused on the ФЛК, 1 on the МЭК; the
    # dry run's 5 cases and subdivision 2's 2 cases are not there
    assert cases["Приняты, ждут реестра"] == "4"
    assert cases["Отклонены ФЛК"] == "2"
    assert cases["Отклонены МЭК"] == "1"
    rows = tree.xpath("//div[@id='dash-registries']//tbody/tr")
    registries = [tr.xpath("td[1]")[0].text_content().strip() for tr in rows]
    assert registries == ["Создан", "Выгружен", "На доработку", "На подпись МО"]  # not «Сформирован» of subdivision 2
    _check_links(b, page)


def test_the_whole_mo_sees_both_subdivisions_and_never_a_dry_run(browser_factory, world):
    b = _login(browser_factory, world.login["mo_a"], PASSWORD)
    page = _home(b, f"?period={world.period}")
    tree = lxml_html.fromstring(page)
    cases = {
        tr.xpath("td[1]")[0].text_content().strip(): tr.xpath("td[2]")[0].text_content().strip()
        for tr in tree.xpath("//div[@id='dash-cases']//tbody/tr")
    }
    assert cases["Приняты, ждут реестра"] == "6"  # 4 + 2, not the dry run's 5
    total = tree.xpath("//div[@id='dash-cases']//tfoot/tr/th[2]")[0].text_content().strip()
    assert total == "9"
    loading = tree.xpath("//div[@id='dash-loading']//div[@class='panel-heading']")[0].text_content()
    assert "Загружаются сейчас: 1" in loading  # not the dry run at «МЭК»
    assert world.archives["loading_a1"] in page and world.archives["dry_loading"] not in page
    withheld = tree.xpath("//div[@id='dash-withheld']")[0].text_content()
    assert "полностью 1 на 70,00" in withheld and "частично 1 на 30,00" in withheld
    _check_links(b, page)


def test_an_smo_never_sees_the_registries_of_another(browser_factory, world):
    b = _login(browser_factory, world.login["smo_t"], PASSWORD)
    for query in (f"?period={world.period}", f"?period={world.period}&payer_id={world.ids['smo_s']}"):
        page = _home(b, query)
        for name in ("a1_created", "a2_formed", "a1_taken", "a1_signing", "a2_smo_signing"):
            assert world.numbers[name] not in page, name
        assert world.numbers["a1_rework"] in page  # its own: the refusals it loaded
    s = _login(browser_factory, world.login["smo_s"], PASSWORD)
    page = _home(s, f"?period={world.period}")
    assert world.numbers["a1_taken"] in page and world.numbers["a1_rework"] not in page


def test_the_fund_sees_every_mo_and_every_failed_load_but_no_dry_run(browser_factory, world, demo_month):
    b = _login(browser_factory, "tfoms_admin")
    page = _home(b, f"?period={world.period}")
    tree = lxml_html.fromstring(page)
    rows = [tr.xpath("td[1]")[0].text_content() for tr in tree.xpath("//div[@id='dash-progress']//tbody/tr")]
    for code in (world.codes["mo_a"], world.codes["mo_b"], "140001", "140002"):
        assert any(code in r for r in rows), code
    assert world.archives["failed_a1"] in page and world.archives["unread_a"] in page
    assert world.archives["dry_failed"] not in page
    failed = tree.xpath("//div[@id='dash-failed']//div[@class='panel-heading']")[0].text_content()
    assert re.search(r"за период: 1\b", failed), failed  # not the dry run's failure
    _check_links(b, page)


def test_signing_turns_follow_the_signing_order(browser_factory, world, app):
    from app.extensions import db
    from app.models.signing import RegistrySigning

    number = world.numbers["a1_signing"]

    def mine(who):
        b = _login(browser_factory, world.login[who], PASSWORD)
        tree = lxml_html.fromstring(_home(b, f"?period={world.period}"))
        return [a.text_content() for a in tree.xpath("//div[@id='dash-signing']//a[@class='oms-sign-link']")]

    assert number in mine("mo_a_executor")
    assert number not in mine("mo_a_accountant")
    with app.app_context():
        step = RegistrySigning(
            registry_id=world.registry_ids["a1_signing"], role="executor", method="paper", username="executor"
        )
        db.session.add(step)
        db.session.commit()
        step_id = step.id
    try:
        assert number not in mine("mo_a_executor")
        assert number in mine("mo_a_accountant")
    finally:
        with app.app_context():
            db.session.delete(db.session.get(RegistrySigning, step_id))
            db.session.commit()
    assert world.numbers["a2_smo_signing"] in mine("smo_s_signer")
    assert world.numbers["b_signing"] not in mine("mo_a_executor")  # another МО's registry


# -- the period ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["2025-13", "abc", "2025-1x", "25-10", "2025-10-01", "0000-05"])
def test_a_malformed_period_is_refused(browser_factory, world, bad):
    b = _login(browser_factory, world.login["mo_a"], PASSWORD)
    resp = b.get(f"/?period={bad}")
    assert resp.status_code == 400
    assert BAD_PERIOD in resp.get_data(as_text=True)


def test_the_default_period_is_the_latest_with_data_and_nothing_is_remembered(browser_factory, world):
    b = _login(browser_factory, world.login["mo_a"], PASSWORD)
    assert f'value="{world.period}" selected' in _home(b)
    empty = _home(b, "?period=2099-01")
    assert 'value="2099-01" selected' in empty
    tree = lxml_html.fromstring(empty)
    assert tree.xpath("//div[@id='dash-cases' or @id='dash-registries']//a") == []  # nothing in 01.2099
    assert tree.xpath("//div[@id='dash-loading']//a[@class='oms-fig']")  # what loads now: any period
    assert f'value="{world.period}" selected' in _home(b)  # the choice was not kept


def test_a_visitor_sees_no_figures(browser_factory, world):
    resp = browser_factory().get(f"/?period={world.period}")
    page = resp.get_data(as_text=True)
    assert resp.status_code in (200, 302)
    assert "oms-fig" not in page and world.numbers["a1_rework"] not in page
