"""«Аналитика» as its users read it, and as an attacker tries it: each login's pages are Russian,
draw their charts as inline SVG (no script, no stylesheet from outside), show the figures of the
login's scope only — in the pages, the XLSX files and the lists of cases, whatever the URL says
(another МО's id, a subdivision-limited login, an СМО) — and every table downloads as XLSX.

Period 2024-11 (no other test loads it): a file of МО 140001 for the whole МО, one of its
subdivision 140011 and one of МО 140002, each with ФЛК and МЭК errors injected."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import html as lxml_html
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models.analytics import RefusalSource
from app.models.intake import MedicalCase, UploadedFile
from app.models.organisation import Organisation
from app.models.vocabulary import FileStatus
from tests.crawl import problems, visible_text
from tests.intake.helpers import Intake, demo_pair, user

PERIOD = "2024-11"
YEAR, MONTH = 2024, 11
LOGINS = ("mo1_operator", "mo1_sub1_operator", "mo2_operator", "smo1_specialist", "smo2_specialist", "tfoms_admin")
PAGES = ("/analytics/", "/analytics/codes", "/analytics/months")
GROUPS = {
    "mo1_operator": ("subdivisions", "payers"),
    "mo1_sub1_operator": ("payers",),
    "mo2_operator": ("subdivisions", "payers"),
    "smo1_specialist": ("organisations",),
    "smo2_specialist": ("organisations",),
    "tfoms_admin": ("organisations", "subdivisions", "payers"),
}
TABLES = ("overview", "top", "codes", "months")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def world(app, tmp_path_factory):
    """The three files of 2024-11; returns, per file, its МО, subdivision and the NHISTORY of its cases."""
    tmp = tmp_path_factory.mktemp("analytics")
    out = {}
    with app.app_context():
        intake = Intake(tmp)
        for name, login, mo, sender in (
            ("mo1", "mo1_operator", "140001", None),
            ("sub1", "mo1_sub1_operator", "140001", "140011"),
            ("mo2", "mo2_operator", "140002", None),
        ):
            pair = demo_pair(tmp, cases=30, error_rate=0.5, mo=mo, sender=sender, year=YEAR, month=MONTH)
            row = intake.upload_pair(pair, login)
            assert row.status == FileStatus.DONE, row.note
            cases = db.session.execute(
                select(MedicalCase.nhistory, MedicalCase.payer_id).where(MedicalCase.file_id == row.id)
            ).all()
            out[name] = {
                "file": row.id,
                "org": row.organisation_id,
                "nhistory": {n for n, _ in cases},
                "payers": {n: p for n, p in cases},
            }
        out["org_ids"] = dict(db.session.execute(select(Organisation.code, Organisation.id)).all())
        out["payer"] = _payer_results(tmp)
    return out


def _payer_results(tmp) -> dict:
    """mo2's registry «АПП» of 2024-11 for СМО 14001, sent, taken and answered by the payer's МЭК
    results: its first case refused (5.2.4), 100,00 withheld from its second (5.3.1)."""
    from app.demo.month import payer_results
    from app.services.registries.formation import form_registries
    from app.services.registries.mek_results import load_results
    from app.services.registries.workflow import change_status

    formed = form_registries(user("mo2_operator"), PERIOD, "АПП")
    assert formed.ok, formed.message
    reg = next(r for r in formed.registries if r["payer"] == "14001")
    for login, target in (("mo2_operator", "Отправлен"), ("smo1_specialist", "Выгружен")):
        assert change_status(user(login), reg["id"], target).ok
    answer = payer_results(reg["id"], tmp / "payer.zip", {0: "refuse", 1: Decimal("100.00")})
    result = load_results(user("smo1_specialist"), reg["id"], answer)
    assert result.ok, result.reasons
    return {"registry": reg["id"]}


def _login(browser_factory, login):
    return browser_factory(login)


def _page(b, url: str, status: int = 200) -> str:
    resp = b.get(url)
    assert resp.status_code == status, (url, resp.status_code)
    return resp.get_data(as_text=True)


def _cells(page: str, table_id: str) -> list[list[str]]:
    tree = lxml_html.fromstring(page)
    return [
        [" ".join(td.text_content().split()) for td in tr.xpath("./td")]
        for tr in tree.xpath(f"//table[@id='{table_id}']/tbody/tr")
    ]


def _number(text: str) -> Decimal:
    return Decimal(re.sub(r"[\s\u00a0]", "", text).replace(",", ".") or "0")


def _totals(page: str) -> dict[str, tuple[int, Decimal]]:
    tree = lxml_html.fromstring(page)
    out = {}
    for tr in tree.xpath("//table[@id='analytics-totals']/tbody/tr"):
        tds = [" ".join(td.text_content().split()) for td in tr.xpath("./td")]
        out[tr.get("data-source")] = (int(_number(tds[1])), _number(tds[3]))
    return out


def _drill_links(page: str) -> list[str]:
    return [a for a in lxml_html.fromstring(page).xpath("//a/@href") if a.startswith("/analytics/cases")]


def _case_histories(b, url: str) -> set[str]:
    """The NHISTORY of every case of a list of cases, all its pages."""
    seen, page = set(), 0
    while True:
        sep = "&" if "?" in url else "?"
        html = _page(b, f"{url}{sep}page={page}")
        rows = _cells(html, "analytics-cases")
        seen |= {r[1] for r in rows}
        if len(rows) < 100:
            return seen
        page += 1


def _xlsx_values(data: bytes) -> set[str]:
    return {str(c) for row in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True) for c in row}


def _no_resource_from_outside(page: str) -> None:
    tree = lxml_html.fromstring(page)
    sources = tree.xpath("//script/@src") + tree.xpath("//link/@href") + tree.xpath("//img/@src")
    outside = [s for s in sources if re.match(r"(https?:)?//", s.strip())]
    assert not outside, outside


# -- every login: Russian pages, an SVG chart, nothing from outside ----------------------------------------
@pytest.mark.parametrize("login", LOGINS)
def test_each_login_reads_its_pages_in_russian_with_the_charts_drawn_inline(browser_factory, world, login):
    b = _login(browser_factory, login)
    urls = [f"{p}?period={PERIOD}" for p in PAGES] + [f"/analytics/groups/{g}?period={PERIOD}" for g in GROUPS[login]]
    for url in urls:
        page = _page(b, url)
        assert problems(visible_text(page)) == [], url
        assert "<svg" in page and 'class="oms-chart' in page, url
        _no_resource_from_outside(page)
        assert "<script>" not in page.split('id="analytics"', 1)[1], url  # the charts need no script
    # a tab the login does not have is no page
    for other in {"organisations", "subdivisions", "payers"} - set(GROUPS[login]):
        _page(b, f"/analytics/groups/{other}?period={PERIOD}", 404)
    # the menu: «Аналитика» right after the daily work («Случаи» where the login has it)
    menu = [
        " ".join(a.text_content().split())
        for a in lxml_html.fromstring(_page(b, "/analytics/")).xpath("//ul[contains(@class,'navbar-nav')][1]/li/a")
    ]
    assert "Аналитика" in menu, menu
    if "Случаи" in menu:
        assert menu.index("Аналитика") == menu.index("Случаи") + 1, menu


def test_nobody_logged_in_is_sent_to_the_login(browser_factory):
    b = browser_factory()
    for url in ("/analytics/", "/analytics/cases?stage=ФЛК", "/analytics/xlsx/codes"):
        resp = b.get(url)
        assert resp.status_code in (302, 401) and "login" in resp.headers.get("Location", "login"), url


# -- the figures of the scope, and only them -----------------------------------------------------------
def _direct(**where) -> tuple[int, int]:
    """(cases, cases refused on the ФЛК) of the period's loaded files of the condition."""
    cond = [
        MedicalCase.file_id.in_(
            select(UploadedFile.id).where(
                UploadedFile.status == FileStatus.DONE,
                UploadedFile.dry_run.is_(False),
                UploadedFile.year == YEAR,
                UploadedFile.month == MONTH,
            )
        )
    ]
    cond += [
        getattr(MedicalCase, k) == v if v is not None else getattr(MedicalCase, k).is_(None) for k, v in where.items()
    ]
    total = db.session.execute(select(func.count()).select_from(MedicalCase).where(*cond)).scalar_one()
    flk = db.session.execute(
        select(func.count()).select_from(MedicalCase).where(*cond, MedicalCase.status == "Отклонен ФЛК")
    ).scalar_one()
    return total, flk


def test_each_login_sees_the_totals_of_its_scope(app, browser_factory, world):
    with app.app_context():
        mo1, mo2 = world["org_ids"]["140001"], world["org_ids"]["140002"]
        sub1 = db.session.execute(
            select(UploadedFile.subdivision_id).where(UploadedFile.id == world["sub1"]["file"])
        ).scalar()
        smo1 = world["org_ids"]["14001"]
        expected = {
            "mo1_operator": _direct(organisation_id=mo1),
            "mo1_sub1_operator": _direct(organisation_id=mo1, subdivision_id=sub1),
            "mo2_operator": _direct(organisation_id=mo2),
            "smo1_specialist": _direct(payer_id=smo1),
            "tfoms_admin": _direct(),
        }
    # the МО's own file and its subdivision's (the figures are of the whole period: xdist may set the
    # module's files up more than once in one worker, and a re-upload replaces rather than adds)
    assert 0 < expected["mo1_sub1_operator"][0] < expected["mo1_operator"][0]
    for login, (cases, flk) in expected.items():
        page = _page(_login(browser_factory, login), f"/analytics/?period={PERIOD}")
        totals = _totals(page)
        assert totals[RefusalSource.ALL][0] == cases, login
        assert totals[RefusalSource.FLK][0] == flk, login


def test_another_mo_sees_none_of_mo1s_figures_cases_or_files(browser_factory, world):
    """mo2's operator asks for МО 140001 by every argument there is: the pages, the lists of cases
    and the XLSX files hold none of its cases, and its figures are mo2's alone."""
    mo1_id = world["org_ids"]["140001"]
    mo1_cases = world["mo1"]["nhistory"] | world["sub1"]["nhistory"]
    mo1b = _login(browser_factory, "mo1_operator")
    mo1_links = {
        link
        for url in (f"/analytics/?period={PERIOD}", f"/analytics/codes?period={PERIOD}")
        for link in _drill_links(_page(mo1b, url))
    }
    assert mo1_links
    attacker = _login(browser_factory, "mo2_operator")
    mine = _totals(_page(attacker, f"/analytics/?period={PERIOD}"))
    assert mine[RefusalSource.ALL][0] == 30
    for link in sorted(mo1_links):
        query = parse_qs(urlsplit(link).query)
        for url in (link, f"{link}&mo={mo1_id}", f"{link}&sub=0"):
            page = _page(attacker, url)
            assert not (_case_histories(attacker, url) & mo1_cases), url
            assert "140001" not in visible_text(page), url
        resp = attacker.get(f"/analytics/xlsx/cases?{urlsplit(link).query}&mo={mo1_id}")
        assert resp.status_code == 200 and resp.content_type == XLSX
        values = {
            str(c) for row in load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True) for c in row
        }
        assert not (values & mo1_cases) and "140001" not in values, query
    # the МО selector is not an МО's: its figures stay its own
    assert _totals(_page(attacker, f"/analytics/?period={PERIOD}&mo={mo1_id}")) == mine
    for table in TABLES + ("payers", "subdivisions"):
        resp = attacker.get(f"/analytics/xlsx/{table}?period={PERIOD}&mo={mo1_id}")
        assert resp.status_code == 200, table
        text = " ".join(
            str(c) for row in load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True) for c in row
        )
        assert "140001" not in text and "140011" not in text, table


def test_a_subdivision_login_sees_its_subdivisions_cases_only(browser_factory, world):
    b = _login(browser_factory, "mo1_sub1_operator")
    page = _page(b, f"/analytics/?period={PERIOD}")
    links = _drill_links(page) + _drill_links(_page(b, f"/analytics/codes?period={PERIOD}"))
    assert links
    listed = set()
    for link in links:
        listed |= _case_histories(b, link)
        listed |= _case_histories(b, f"{link}&sub=0")  # «без подразделения»: the whole МО's cases — none
    assert listed and listed <= world["sub1"]["nhistory"]
    # the operator of the whole МО sees both files
    whole = _login(browser_factory, "mo1_operator")
    everything = set()
    for link in _drill_links(_page(whole, f"/analytics/?period={PERIOD}")):
        everything |= _case_histories(whole, link)
    assert everything & world["sub1"]["nhistory"] and everything & world["mo1"]["nhistory"]


def test_an_smo_sees_the_cases_it_pays_only(app, browser_factory, world):
    with app.app_context():
        smo1 = world["org_ids"]["14001"]
    paid = {n for f in ("mo1", "sub1", "mo2") for n, p in world[f]["payers"].items() if p == smo1}
    others = {n for f in ("mo1", "sub1", "mo2") for n, p in world[f]["payers"].items() if p != smo1}
    assert paid and others
    b = _login(browser_factory, "smo1_specialist")
    listed = set()
    for url in (f"/analytics/?period={PERIOD}", f"/analytics/codes?period={PERIOD}"):
        for link in _drill_links(_page(b, url)):
            listed |= _case_histories(b, link)
    assert listed and listed <= paid
    # the list of every МЭК refusal of the period, narrowed by no code
    assert not (_case_histories(b, f"/analytics/cases?period={PERIOD}&stage=МЭК") & others)
    # the СМО reads no case card: the list has no link to one
    page = _page(b, f"/analytics/cases?period={PERIOD}&stage=МЭК")
    assert "/cases/show/" not in page
    resp = b.get(f"/analytics/xlsx/cases?period={PERIOD}&stage=МЭК")
    assert not (_xlsx_values(resp.data) & others)


# -- the tables as XLSX, the lists, hand-made arguments ------------------------------------------------
def test_every_table_downloads_as_xlsx_with_the_rows_of_the_page(browser_factory, world):
    b = _login(browser_factory, "tfoms_admin")
    codes_page = _page(b, f"/analytics/codes?period={PERIOD}")
    page_rows = _cells(codes_page, "analytics-codes")
    assert page_rows
    for table in (*TABLES, "organisations", "subdivisions", "payers", "cases"):
        extra = "&stage=МЭК" if table == "cases" else ""
        resp = b.get(f"/analytics/xlsx/{table}?period={PERIOD}{extra}")
        assert resp.status_code == 200 and resp.content_type == XLSX, table
        assert "attachment" in resp.headers["Content-Disposition"]
        rows = list(load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True))
        assert rows[1][0] == "Период: 11.2024", (table, rows[:3])
        if table == "codes":
            header = rows.index(next(r for r in rows if r and r[0] == "Источник"))
            body = [r for r in rows[header + 1 :] if any(r)]
            assert len(body) == len(page_rows)
            assert [(r[1], r[4]) for r in body] == [(p[1], int(_number(p[4]))) for p in page_rows]
            assert all(isinstance(r[5], (int, float)) for r in body)  # sums are numbers, not texts
    assert b.get("/analytics/xlsx/nonsense").status_code == 404


def test_a_code_list_has_as_many_cases_as_its_figure_and_pages(browser_factory, world):
    b = _login(browser_factory, "tfoms_admin")
    codes = _cells(_page(b, f"/analytics/codes?period={PERIOD}"), "analytics-codes")
    links = _drill_links(_page(b, f"/analytics/codes?period={PERIOD}"))
    for row, link in zip(codes, links, strict=True):
        assert len(_case_histories(b, link)) == int(_number(row[4])), link
    # the totals of each source: the list has the figure's cases (the МЭК's read from its findings and
    # the payer's refusals: the same cases as the figure, which reads every case)
    overview = _page(b, f"/analytics/?period={PERIOD}")
    totals = _totals(overview)
    for source in (RefusalSource.FLK, RefusalSource.MEK):
        assert totals[source][0] > 0
        listed = _case_histories(b, f"/analytics/cases?period={PERIOD}&stage={source}")
        assert len(listed) == totals[source][0], source
    for url in (
        f"/analytics/cases?period={PERIOD}&stage=ФЛК&page=-5",
        f"/analytics/cases?period={PERIOD}&stage=МЭК&page=99999999999",
        "/analytics/cases?period=garbage&stage=nonsense&code=%27%3Cscript%3E&sub=x&payer=99999999999999",
        "/analytics/?period=2024-13&mo=abc",
        f"/analytics/months?period={PERIOD}&mo=99999999999",
    ):
        page = _page(b, url)
        assert "<script>" not in page.split('id="analytics"', 1)[1], url


def test_the_payers_results_are_a_source_of_their_own_after_they_load(app, browser_factory, world):
    """No refresh by hand: loading the payer's results rebuilt the period; the СМО sees its refusals,
    the other СМО none, mo2's operator his, mo1's none."""
    expected = {"mo2_operator": 2, "smo1_specialist": 2, "tfoms_admin": 2, "smo2_specialist": 0, "mo1_operator": 0}
    for login, cases in expected.items():
        b = _login(browser_factory, login)
        totals = _totals(_page(b, f"/analytics/?period={PERIOD}"))
        assert totals[RefusalSource.PAYER][0] == cases, login
        listed = _case_histories(b, f"/analytics/cases?period={PERIOD}&stage=СМО")
        assert len(listed) == cases and listed <= world["mo2"]["nhistory"], login
        rows = _cells(_page(b, f"/analytics/codes?period={PERIOD}&stage=СМО"), "analytics-codes")
        codes = {r[1]: r for r in rows if len(r) > 1}  # «Отказов … нет» is one cell
        if cases:
            assert codes["5.2.4"][4] == "1" and codes["5.3.1"][4] == "1" and codes["5.3.1"][5] == "100,00", login
            for code in ("5.2.4", "5.3.1"):
                assert len(_case_histories(b, f"/analytics/cases?period={PERIOD}&stage=СМО&code={code}")) == 1
        else:
            assert not codes, login
    # «Снято по МЭК» holds the payer's two, as the file rows do
    with app.app_context():
        from app.services.intake.reports import mek_money

        money = mek_money([world["mo2"]["file"]])[world["mo2"]["file"]]
    mine = _totals(_page(_login(browser_factory, "mo2_operator"), f"/analytics/?period={PERIOD}"))
    assert mine[RefusalSource.MEK] == (money.count, money.sum)
