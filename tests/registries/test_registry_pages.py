"""The registry pages of daily work (issue 17): the lists (numbers on one line, the МО column for the
СМО and the ТФОМС, «Снято по МЭК» as counts and sums), the confirmations with the registry's number
and sum, the bulk menu reduced to what the rows allow, «Закрытые реестры» with its default visible
in the filter panel, the cases page of a registry, one row per signature with the step tracker, the
printable documents — each scoped, tried from the other МО's and the other СМО's side — and the
СМО's «На доработку» that needs a comment as the ТФОМС's does."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from app.core.formatting import format_money
from app.extensions import db
from app.models.registry import Registry
from app.services.registries import queries
from app.services.registries import workflow as wf
from app.services.registries.formation import form_registries
from app.services.registries.mek_results import load_results
from app.views.registries import ClosedRegistryView, RegistryView
from tests.registries.helpers import demo, load, results_file, user


@pytest.fixture(scope="module")
def regs(app, demo_month):
    """The demo month's registries by status: id, number, the МО's code, the payer's code."""
    year, month = (int(x) for x in demo_month["period"].split("-"))
    assert demo_month["period"] == "2025-10"  # LIST below
    with app.app_context():
        out = {}
        # the summary lists every registry of the database: keep the demo month's (the first made)
        for reg in db.session.query(Registry).filter_by(year=year, month=month).order_by(Registry.id):
            # (another test's registries of the month: mo1's signed ones have no payer's МЭК results)
            if reg.number in demo_month["registries"] and (reg.status != "Закрыт" or reg.mek_loaded_at):
                out.setdefault(demo_month["registries"][reg.number], []).append(
                    (reg.id, reg.number, reg.organisation.code, reg.payer.code)
                )
        return out


LIST = "/registries/list/?period=2025-10&psize_RegistryView=100"  # the demo month's registries


def _one(regs, status, mo=None):
    return next(r for r in regs[status] if mo is None or r[2] == mo)


def _row_actions(page: str) -> dict:
    m = re.search(r'<script id="registry-row-actions" type="application/json">(.*?)</script>', page, re.S)
    assert m, "the page carries the actions of each row"
    return json.loads(m.group(1))


def _section(page: str, element_id: str) -> str:
    start = page.index(f'id="{element_id}"')
    return page[start : page.index("</table>", start)]


# -- lists ---------------------------------------------------------------------------------------------
def test_lists_numbers_on_one_line_mo_column_for_payers_only_and_withheld(app, regs, browser_factory):
    reg_id, number, _mo, _payer = _one(regs, "На доработку", "140001")
    mo_page = browser_factory("mo1_operator").get(LIST).get_data(as_text=True)
    # the number on one line, a link to the registry's card
    assert (
        f'<a class="oms-nowrap" href="/registries/documents/{reg_id}" title="Карточка реестра">{number}</a>' in mo_page
    )
    headers = re.findall(r"<th[^>]*>(?:<a[^>]*>)?([^<]+)", mo_page)
    assert "МО" not in [h.strip() for h in headers] and "Подразделение" in [h.strip() for h in headers]
    for login in ("smo2_specialist", "tfoms_admin"):
        page = browser_factory(login).get(LIST).get_data(as_text=True)
        headers = [h.strip() for h in re.findall(r"<th[^>]*>(?:<a[^>]*>)?([^<]+)", page)]
        assert "МО" in headers, login
        assert "140001 РБ №1" in page and ">Действие<" in page
    # «Снято по МЭК»: the payer refused one case in full (the demo's «На доработку»)
    with app.app_context():
        declared, payable = db.session.query(Registry.sum_declared, Registry.sum_calc).filter_by(id=reg_id).one()
    cut = declared - payable
    assert cut > 0
    row = mo_page[mo_page.index(f">{number}</a>") :]
    row = row[: row.index("</tr>")]
    assert "отказ 1" in row and format_money(cut) in row
    assert "None" not in row and "2025-10" not in row


def test_card_explains_the_payable_sum_and_names_people(app, regs, browser_factory):
    reg_id, number, _mo, _payer = _one(regs, "Закрыт")
    page = browser_factory("mo1_operator").get(f"/registries/documents/{reg_id}").get_data(as_text=True)
    withheld = page[page.index('id="withheld"') : page.index("</div>", page.index('id="withheld"'))]
    # the demo's closed registry: one case refused in full, one partial withholding of 100,00
    assert "отказано полностью: 1 случай" in withheld and "снято частично: 1 случай на сумму 100,00" in withheld
    assert "Сумма к оплате = выставленная − снятая по МЭК" in withheld
    history = _section(page, "status-history")
    assert "Оператор РБ №1" in history and "Специалист Капитал МС" in history
    assert "mo1_operator" not in history and "smo1_specialist" not in history
    assert f"/registries/cases/{reg_id}" in page  # the cases page is one click away
    assert "2 — полный отказ" in page and "3 — частичный отказ" in page  # OPLATA with its name


# -- confirmations and the bulk menu -------------------------------------------------------------------
def test_confirmations_carry_number_and_sum(app, regs, browser_factory):
    reg_id, number, _mo, _payer = _one(regs, "Создан", "140002")
    login = "mo1_operator" if _one(regs, "Создан", "140002")[2] == "140001" else "mo2_operator"
    page = browser_factory(login).get(LIST).get_data(as_text=True)
    with app.app_context():
        declared = db.session.get(Registry, reg_id).sum_declared
    money = format_money(declared)
    form = re.search(rf'<form method="post" action="/registries/status/{reg_id}"[^>]*>', page).group(0)
    assert 'class="form-inline registry-status' in form
    assert f'data-number="{number}"' in form and f'data-sum="{money}"' in form and 'data-count="1"' in form
    # the dialog is the project's own, in Russian, with the registry's number and sum
    assert 'id="registry-confirm"' in page and "Подтвердить" in page and "Отмена" in page
    assert "Отправить реестр № " in page and " на сумму " in page
    # the bulk actions: each asks first; the list widget adds «Выбрано: N на сумму X» of this column
    assert RegistryView.confirm_sum_column == "sum_declared"
    assert "Отправить выбранные реестры плательщику" in page and "Удалить выбранные реестры?" in page


def test_bulk_menu_offers_only_the_transitions_of_the_rows(app, regs, browser_factory):
    created = _one(regs, "Создан", "140002")
    formed = _one(regs, "Сформирован", "140002")
    rework = _one(regs, "На доработку", "140001")
    mo_login = {"140001": "mo1_operator", "140002": "mo2_operator"}
    actions = _row_actions(browser_factory(mo_login[created[2]]).get(LIST).get_data(as_text=True))
    assert actions[str(created[0])] == ["to_sent", "delete_registry"]
    mo1 = _row_actions(browser_factory("mo1_operator").get(LIST).get_data(as_text=True))
    assert mo1[str(rework[0])] == ["delete_registry"]  # back for rework: the МО may only delete it
    payer = {"14001": "smo1_specialist", "14002": "smo2_specialist"}[formed[3]]
    smo = _row_actions(browser_factory(payer).get(LIST).get_data(as_text=True))
    assert smo[str(formed[0])] == ["to_taken"]
    if str(created[0]) in smo:
        assert smo[str(created[0])] == []  # the СМО sends nothing for the МО
    # the МО of the formed registry is offered nothing for it, and the server refuses it all the same
    mo = browser_factory(mo_login[formed[2]])
    assert _row_actions(mo.get(LIST).get_data(as_text=True))[str(formed[0])] == []
    mo.fetch_csrf(LIST)
    mo.post("/registries/action_post", data={"action": "to_taken", "rowid": [str(formed[0])]})
    with app.app_context():
        assert db.session.get(Registry, formed[0]).status == "Сформирован"
    # «Закрытые реестры»: no bulk menu at all
    closed = browser_factory("mo1_operator").get("/closed-registries/list/").get_data(as_text=True)
    assert "to_sent_menu_item" not in closed and "delete_registry_menu_item" not in closed


# -- «Закрытые реестры» ----------------------------------------------------------------------------------
def test_closed_registries_show_their_default_filter_in_the_panel(app, regs, browser_factory):
    reg_id, number, _mo, _payer = _one(regs, "Закрыт")
    mo = browser_factory("mo1_operator")
    page = mo.get("/closed-registries/list/")
    assert page.status_code == 200  # no redirect into FAB's generic search
    html = page.get_data(as_text=True)
    assert f'name="since" value="{queries.default_since()}"' in html and "последние 12 месяцев" in html
    assert 'id="f_period"' in html and 'id="f_payer_id"' in html  # the panel of «Текущие реестры»
    assert 'id="f_status"' not in html
    assert f">{number}</a>" in html
    assert f">{number}</a>" not in mo.get("/closed-registries/list/?since=2099-01-01").get_data(as_text=True)
    assert f">{number}</a>" in mo.get("/closed-registries/list/?since=").get_data(as_text=True)
    assert f">{number}</a>" not in mo.get("/closed-registries/list/?period=2000-01").get_data(as_text=True)
    other = browser_factory("mo2_operator").get("/closed-registries/list/?since=").get_data(as_text=True)
    assert f">{number}</a>" not in other
    assert ClosedRegistryView.closed and not RegistryView.closed


# -- the cases page ------------------------------------------------------------------------------------
def test_cases_page_with_refusals_and_its_scope(app, regs, browser_factory):
    reg_id, number, _mo, _payer = _one(regs, "Закрыт")
    resp = browser_factory("mo1_operator").get(f"/registries/cases/{reg_id}")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    table = _section(page, "registry-cases")
    with app.app_context():
        count = db.session.get(Registry, reg_id).cases
    assert count > 2 and table.count("<tr") == count + 1  # the header and a row per case (a page of 50)
    assert "2 — полный отказ" in table and "3 — частичный отказ" in table and "5.2.4" in table
    assert "100,00" in table  # the partial withholding, with its sum
    with app.app_context():
        from app.models.intake import MedicalCase, Patient

        pat = (
            db.session.query(Patient)
            .join(MedicalCase, MedicalCase.patient_id == Patient.id)
            .filter(MedicalCase.registry_id == reg_id)
            .first()
        )
        enp = db.session.query(MedicalCase.enp).filter_by(registry_id=reg_id, patient_id=pat.id).first()[0]
    assert pat.fam in table and (enp or "") in table
    assert "None" not in table and not re.search(r"\d{4}-\d{2}-\d{2}", table)
    # the payer sees it too; the other МО and the other СМО get a 404
    assert browser_factory("smo1_specialist").get(f"/registries/cases/{reg_id}").status_code == 200
    assert browser_factory("mo2_operator").get(f"/registries/cases/{reg_id}").status_code == 404
    assert browser_factory("smo2_specialist").get(f"/registries/cases/{reg_id}").status_code == 404
    assert browser_factory("mo2_operator").get(f"/registries/cases/{reg_id}?page=1").status_code == 404


# -- signatures ----------------------------------------------------------------------------------------
def test_one_row_per_signature_and_the_step_tracker(app, regs, browser_factory):
    reg_id, _number, _mo, _payer = _one(regs, "Закрыт")
    mo = browser_factory("mo1_operator")
    for url in (f"/registries/documents/{reg_id}", f"/signing/{reg_id}"):
        page = mo.get(url).get_data(as_text=True)
        steps = page[page.index('id="signing-steps"') : page.index("</ol>", page.index('id="signing-steps"'))]
        assert steps.count('data-state="done"') == 4, url
        for title in ("Исполнитель", "Главный бухгалтер", "Руководитель", "СМО"):
            assert title in steps
        assert "Экономист РБ №1" in steps  # who signed, by name
        assert page.count('class="success signature-row"') == 4, url  # four signatures, not 4 × 5 documents
        assert "<th>SHA-256</th>" not in page  # the hashes are behind «Подробнее»
        assert "<details" in page and "Подробнее" in page
    # a registry being signed: the executor's step is current, the others wait
    with app.app_context():
        from app.services.signing import registry_signing

        reg = db.session.get(Registry, reg_id)
        steps = registry_signing.signing_steps(reg)
        assert [s.state for s in steps] == ["done"] * 4 and steps[0].who == "Экономист РБ №1"
    printed = mo.get(f"/signing/{reg_id}/print").get_data(as_text=True)
    assert "Лист подписания" in printed and "size: A4" in printed and "Экономист РБ №1" in printed
    assert browser_factory("mo2_operator").get(f"/signing/{reg_id}/print").status_code == 404


def test_tracker_shows_whose_turn_it_is(app, tmp_path, browser_factory):
    from tests.signing.helpers import registry_for_signing

    with app.app_context():
        reg_id = registry_for_signing(tmp_path)
    page = browser_factory("mo1_executor").get(f"/signing/{reg_id}").get_data(as_text=True)
    steps = page[page.index('id="signing-steps"') : page.index("</ol>", page.index('id="signing-steps"'))]
    states = re.findall(r'data-state="(\w+)"', steps)
    assert states == ["current", "waiting", "waiting", "waiting"]
    assert "сейчас подписывает" in steps and "ожидает" in steps
    assert "Подписей пока нет" in page


# -- printable documents -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kind, heading",
    [
        ("invoice", "СЧЕТ № "),
        ("registry_list", "РЕЕСТР СЧЕТА № "),
        ("summary", "СВОДНЫЙ РЕЕСТР № "),
        ("mek_act", "медико-экономического контроля"),
    ],
)
def test_printable_documents_print_to_a4_and_are_scoped(app, regs, browser_factory, kind, heading):
    reg_id, number, _mo, _payer = _one(regs, "Закрыт")
    mo = browser_factory("mo1_operator")
    card = mo.get(f"/registries/documents/{reg_id}").get_data(as_text=True)
    assert f"/registries/print/{reg_id}/{kind}" in card
    resp = mo.get(f"/registries/print/{reg_id}/{kind}")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "@page" in page and "size: A4" in page and "window.print()" in page
    assert heading in page and number in page
    assert "None" not in page and not re.search(r"\d{4}-\d{2}-\d{2}", page)
    with app.app_context():
        reg = db.session.get(Registry, reg_id)
        payable, count = format_money(reg.sum_calc), reg.cases
    assert payable in page  # the same sums as the DOCX
    if kind == "mek_act":
        assert "5.2.4" in page and "100,00" in page
    if kind == "registry_list":
        rows = page[page.index('id="registry-list"') : page.index("</table>", page.index('id="registry-list"'))]
        assert rows.count("<tr>") == count + 1 and '<tr class="total">' in rows  # header, cases, total
    assert browser_factory("mo2_operator").get(f"/registries/print/{reg_id}/{kind}").status_code == 404
    assert browser_factory("smo2_specialist").get(f"/registries/print/{reg_id}/{kind}").status_code == 404
    assert browser_factory("smo1_specialist").get(f"/registries/print/{reg_id}/{kind}").status_code == 200


def test_no_printable_documents_before_they_are_made(app, regs, browser_factory):
    reg_id, _number, mo_code, _payer = _one(regs, "Создан", "140002")
    login = "mo1_operator" if mo_code == "140001" else "mo2_operator"
    b = browser_factory(login)
    assert b.get(f"/registries/print/{reg_id}/invoice").status_code == 404
    closed = _one(regs, "Закрыт")[0]
    assert browser_factory("mo1_operator").get(f"/registries/print/{closed}/unknown").status_code == 404


# -- the СМО's «На доработку» --------------------------------------------------------------------------
def test_smo_rework_needs_a_comment_as_the_fund_s_does(app, tmp_path, browser_factory):
    app.config["JOBS_MODE"] = "sync"
    with app.app_context():
        load(demo(tmp_path, seed=1717, cases=20, year=2025, month=1).path)
        made = form_registries(user("mo1_operator"), "2025-01", "АПП").registries
        reg_id = next(r["id"] for r in made if r["payer"] == "14001")
        assert wf.change_status(user("mo1_operator"), reg_id, "Отправлен").ok
        assert wf.change_status(user("smo1_specialist"), reg_id, "Выгружен").ok
        assert load_results(
            user("smo1_specialist"), reg_id, results_file(reg_id, tmp_path / "r.zip", {0: Decimal("10.00")})
        ).ok
    # the page asks for the comment of «На доработку» (the row offers the comment field)
    smo = browser_factory("smo1_specialist")
    page = smo.get("/registries/list/?period=2025-01").get_data(as_text=True)
    form = page[page.index(f'action="/registries/status/{reg_id}"') :]
    form = form[: form.index("</form>")]
    assert '<option value="На доработку" data-needs-comment="1">' in form and 'name="comment"' in form
    assert '<option value="На подпись МО">' in form  # no comment needed there
    with app.app_context():
        refused = wf.change_status(user("smo1_specialist"), reg_id, "На доработку", comment="  ")
        assert not refused.ok and "комментарий" in refused.message
        assert db.session.get(Registry, reg_id).status == "Выгружен"
    # through the page too: no comment, no change
    smo.fetch_csrf(LIST)
    smo.post(f"/registries/status/{reg_id}", data={"target": "На доработку", "expected": "Выгружен"})
    with app.app_context():
        assert db.session.get(Registry, reg_id).status == "Выгружен"
        assert wf.change_status(user("smo1_specialist"), reg_id, "На доработку", comment="снят случай").ok
        assert wf.needs_comment("Выгружен", "На доработку") and wf.needs_comment("На подпись МО", "На доработку")
