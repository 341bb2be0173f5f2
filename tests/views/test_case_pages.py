"""«Случаи» and «Формирование» as their users read them (issue 17): the list with ФИО, policy or
ЕНП and the conditions of care by name (an МО column for the fund); one search box — surname,
policy, ЕНП, case history number — in every period, inside the user's scope (tried from another
МО's side), with the list's other filters; the case card's trail (file → ФЛК/МЭК errors →
registry → the СМО's refusal) on a demo month; the confirmation of «Исключить» with the count
and the sum; the drill-down of «Формирование» that leads back to «Формирование»."""

from __future__ import annotations

import io
import re
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.core.formatting import format_money
from app.extensions import db
from app.models.intake import ControlError, MedicalCase, Patient, loaded_file_ids
from app.models.organisation import Organisation
from app.models.registry import Registry, RegistryRefusal
from app.services.intake.case_search import find_cases
from app.services.intake.case_trail import case_trail
from app.services.reference.code_names import code_label
from tests.crawl import problems, visible_text
from tests.registries.helpers import demo, load, user

YEAR, MONTH, NEXT_MONTH = 2025, 6, 7


@pytest.fixture(scope="module")
def month(app, tmp_path_factory):
    """The demo month of 06.2025 (files, registries, the СМО's МЭК results with a refusal) and one
    more file of mo1 in 07.2025 with the same patients."""
    from app.demo.month import build_demo_month

    with app.app_context():
        summary = build_demo_month(YEAR, MONTH, cases=20, only_once=False)
        load(demo(tmp_path_factory.mktemp("next"), seed=11, cases=20, year=YEAR, month=NEXT_MONTH).path)
    return summary


def _org_id(code: str) -> int:
    return db.session.execute(select(Organisation.id).where(Organisation.code == code)).scalar_one()


def _cases_of(mo: str) -> list[tuple[MedicalCase, Patient | None]]:
    """The cases of an МО the list shows (loaded files), in both periods of the test."""
    return db.session.execute(
        select(MedicalCase, Patient)
        .outerjoin(Patient, Patient.id == MedicalCase.patient_id)
        .where(
            MedicalCase.organisation_id == _org_id(mo),
            MedicalCase.file_id.in_(loaded_file_ids()),
            MedicalCase.year == YEAR,
            MedicalCase.month.in_((MONTH, NEXT_MONTH)),
        )
    ).all()


def _found(b, text: str, extra: str = "") -> set[int]:
    html = b.get(f"/cases/list/?search={quote(text)}&psize_CaseView=1000{extra}").get_data(as_text=True)
    return {int(i) for i in re.findall(r'href="/cases/show/(\d+)', html)}


def _ours(found: set[int]) -> set[int]:
    """The ids of the test's two periods among ``found`` (other tests may load other months)."""
    if not found:
        return set()
    rows = db.session.execute(
        select(MedicalCase.id).where(
            MedicalCase.id.in_(found), MedicalCase.year == YEAR, MedicalCase.month.in_((MONTH, NEXT_MONTH))
        )
    ).scalars()
    return set(rows)


def test_the_list_shows_fio_policy_and_conditions_by_name(app, month, browser_factory):
    b = browser_factory("mo1_operator")
    html = b.get("/cases/list/?psize_CaseView=1000").get_data(as_text=True)
    text = visible_text(html)
    assert problems(text) == [], problems(text)
    with app.app_context():
        case, patient = next((c, p) for c, p in _cases_of("140001") if p is not None and c.usl_ok == 3)
        fio = f"{patient.fam} {patient.im} {patient.ot}"
        enp = case.enp
    assert fio in text and enp in text
    assert "3 — амбулаторно" in text
    head = html.split("<thead>")[1].split("</thead>")[0]
    assert "ФИО" in head and "Полис / ЕНП" in head and "Условия оказания" in head
    assert ">МО<" not in re.sub(r"\s+", "", head)  # an МО user sees its own cases: no МО column
    # the fund sees every МО, with the МО column
    fund = browser_factory("tfoms_admin").get("/cases/list/?psize_CaseView=1000").get_data(as_text=True)
    fund_head = re.sub(r"\s+", "", fund.split("<thead>")[1].split("</thead>")[0])
    assert ">МО<" in fund_head
    assert ">140001<" in fund and ">140002<" in fund
    assert problems(visible_text(fund)) == []


def test_search_by_surname_policy_enp_and_history_number_in_every_period(app, month, browser_factory):
    with app.app_context():
        rows = _cases_of("140001")
        # a policy number (the demo files carry the ЕНП only): one case gets one
        case_with_policy = rows[0][0]
        case_with_policy.npolis = "7700112233"
        db.session.commit()
        policy_id = case_with_policy.id
        by_surname: dict[str, set[int]] = {}
        by_enp: dict[str, set[tuple[int, int]]] = {}
        for c, p in rows:
            if p is not None and p.fam:
                by_surname.setdefault(p.fam, set()).add(c.id)
            by_enp.setdefault(c.enp, set()).add((c.id, c.month))
        enp, cases = next((e, v) for e, v in by_enp.items() if e and len({m for _, m in v}) == 2)
        surname = next(s for s in by_surname if len(s) > 4)
        prefix = surname[:4].lower()
        want_prefix = {c.id for c, p in rows if p is not None and p.fam and p.fam.lower().startswith(prefix)}
        history = next(c.nhistory for c, _ in rows if c.nhistory)
        want_history = {c.id for c, _ in rows if c.nhistory == history}
        months_of_surname = {c.month for c, p in rows if c.id in want_prefix}
    b = browser_factory("mo1_operator")
    with app.app_context():
        # surname: a case-insensitive prefix, in both periods
        assert _ours(_found(b, prefix)) == want_prefix
        assert _ours(_found(b, prefix.upper())) == want_prefix
        assert months_of_surname == {MONTH, NEXT_MONTH}
        # ЕНП: exact, both periods
        assert _ours(_found(b, enp)) == {i for i, _ in cases}
        assert _ours(_found(b, enp[:-1])) == set()  # not a prefix search
        # policy number and case history number: exact
        assert _ours(_found(b, "7700112233")) == {policy_id}
        assert _ours(_found(b, history)) == want_history
        # the service says the same
        assert {c.id for c in find_cases(user("mo1_operator"), enp, limit=1000)} >= {i for i, _ in cases}
    with app.app_context():
        # «Фамилия Имя» narrows by the first name; LIKE's wildcards are taken literally
        fam, im = next((p.fam, p.im) for _, p in rows if p is not None and p.fam and p.im)
        want_name = {c.id for c, p in rows if p is not None and p.fam == fam and p.im == im}
        assert _ours(_found(b, f"{fam.lower()} {im[:2].lower()}")) >= want_name
        assert all(
            db.session.get(Patient, db.session.get(MedicalCase, i).patient_id).im.lower().startswith(im[:2].lower())
            for i in _ours(_found(b, f"{fam} {im[:2]}"))
        )
        assert _ours(_found(b, "%")) == set() and _ours(_found(b, "_")) == set()
        assert _ours(_found(b, "x" * 500)) == set()
    page = b.get(f"/cases/list/?search={quote(enp)}").get_data(as_text=True)
    assert f'value="{enp}"' in page and "во всех периодах" in page
    assert problems(visible_text(page)) == []


def test_search_keeps_the_other_filters_and_the_excel_file(app, month, browser_factory):
    with app.app_context():
        by_enp: dict[str, set[tuple[int, int]]] = {}
        for c, _ in _cases_of("140001"):
            by_enp.setdefault(c.enp, set()).add((c.id, c.month))
        enp, cases = next((e, v) for e, v in by_enp.items() if e and len({m for _, m in v}) == 2)
    b = browser_factory("mo1_operator")
    with app.app_context():
        only_july = _found(b, enp, f"&_flt_0_month={NEXT_MONTH}")
        assert {i for i, m in cases if m == NEXT_MONTH} <= only_july
        # every July of the МО with this ЕНП, whatever the year (other tests load July too), and no other month
        julys = db.session.execute(
            select(MedicalCase.id).where(
                MedicalCase.organisation_id == _org_id("140001"),
                MedicalCase.file_id.in_(loaded_file_ids()),
                MedicalCase.enp == enp,
                MedicalCase.month == NEXT_MONTH,
            )
        ).scalars()
        assert only_july == set(julys)
    html = b.get(f"/cases/list/?search={quote(enp)}&_flt_0_month={NEXT_MONTH}").get_data(as_text=True)
    # the search box keeps the filter, «Сбросить поиск» keeps it too
    assert re.search(rf'type="hidden" name="_flt_0_month" value="{NEXT_MONTH}"', html)
    assert f"/cases/list/?_flt_0_month={NEXT_MONTH}" in html
    # the Excel file of the list keeps the search
    resp = b.get(f"/cases/export.xlsx?search={quote(enp)}")
    assert resp.status_code == 200
    sheet = load_workbook(io.BytesIO(resp.data)).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any(enp in c for c in cells)
    assert any("Поиск" in c and enp in c for c in cells)  # the header says what was searched
    other = {c for c in cells if re.fullmatch(r"\d{16}", c)}
    assert other == {enp}


def test_another_mo_never_finds_these_cases(app, month, browser_factory):
    """The attacker's side: mo2 searches by mo1's surnames, ЕНП and history numbers."""
    with app.app_context():
        rows = _cases_of("140001")
        mine = {c.id for c, _ in rows}
        keys = {c.enp for c, _ in rows[:5]} | {c.nhistory for c, _ in rows[:5] if c.nhistory}
        keys |= {p.fam[:3] for _, p in rows[:5] if p is not None and p.fam}
        mo2 = user("mo2_operator")
        for key in keys:
            assert not {c.id for c in find_cases(mo2, key, limit=1000)} & mine, key
    b = browser_factory("mo2_operator")
    for key in keys:
        assert not _found(b, key) & mine, key
    # a login limited to a subdivision finds only its subdivision's cases
    with app.app_context():
        sub_user = user("mo1_sub1_operator")
        sub_found = set()
        for key in keys:
            sub_found |= {c.id for c in find_cases(sub_user, key, limit=1000)}
        assert all(db.session.get(MedicalCase, i).subdivision_id == sub_user.subdivision_id for i in sub_found)
    # the card of another МО's case is not found
    some = next(iter(mine))
    assert b.get(f"/cases/show/{some}").status_code == 404
    with app.app_context():
        assert case_trail(user("mo2_operator"), some) is None


def test_the_case_card_shows_its_trail(app, month, browser_factory):
    with app.app_context():
        mo1 = _org_id("140001")
        refusal, registry = db.session.execute(
            select(RegistryRefusal, Registry)
            .join(Registry, Registry.id == RegistryRefusal.registry_id)
            .where(
                Registry.organisation_id == mo1,
                Registry.year == YEAR,
                Registry.month == MONTH,
                RegistryRefusal.oplata == 2,
            )
        ).first()
        case = db.session.get(MedicalCase, refusal.case_id)
        archive = case.file.archive_name
        want_reason = code_label("F014", refusal.codes.split(",")[0].strip(), case.date_z_2)
        refused_id, number, withheld, reg_id = case.id, registry.number, refusal.sank_it, registry.id
        trail = case_trail(user("mo1_operator"), refused_id)
        assert trail is not None and trail.file.archive_name == archive
        assert [r.number for r in trail.registries] == [number]
        assert trail.registries[0].refusal.oplata == "2 — полный отказ"
        # a case with МЭК errors (of the demo month's first file, with errors)
        err = db.session.execute(
            select(ControlError)
            .join(MedicalCase, MedicalCase.id == ControlError.case_id)
            .where(
                ControlError.organisation_id == mo1,
                ControlError.stage == "МЭК",
                ControlError.refusal_code.is_not(None),
                MedicalCase.year == YEAR,
                MedicalCase.month == MONTH,
                MedicalCase.file_id.in_(loaded_file_ids()),
            )
            .limit(1)
        ).scalar_one_or_none()
        mek = (err.case_id, err.code, code_label("F014", err.refusal_code), err.sanction_sum) if err else None
        flk = db.session.execute(
            select(ControlError.case_id, ControlError.code)
            .join(MedicalCase, MedicalCase.id == ControlError.case_id)
            .where(
                ControlError.organisation_id == mo1,
                ControlError.stage == "ФЛК",
                MedicalCase.file_id.in_(loaded_file_ids()),
            )
            .limit(1)
        ).first()
    b = browser_factory("mo1_operator")
    html = b.get(f"/cases/show/{refused_id}").get_data(as_text=True)
    text = visible_text(html)
    assert problems(text) == [], problems(text)
    trail_text = text[text.index("Путь случая") :]
    assert archive in trail_text
    assert number in trail_text and re.search(rf'href="/(closed-registries|registries)/show/{reg_id}"', html)
    assert "2 — полный отказ" in trail_text  # OPLATA with its name
    assert want_reason in trail_text  # S_OSN with its name (F014)
    assert format_money(withheld) in trail_text
    assert "None" not in trail_text
    assert mek is not None and flk is not None  # the demo month's first file has both
    case_id, code, reason, sanction = mek
    page = visible_text(b.get(f"/cases/show/{case_id}").get_data(as_text=True))
    part = page[page.index("Ошибки МЭК") :]
    assert code in part and reason in part and format_money(sanction) in part
    assert problems(page) == []
    page = visible_text(b.get(f"/cases/show/{flk[0]}").get_data(as_text=True))
    assert flk[1] in page[page.index("Ошибки ФЛК") : page.index("Ошибки МЭК")]
    assert "Случай не включен в реестр" in page


def test_exclude_asks_with_the_count_and_the_sum(app, month, browser_factory):
    with app.app_context():
        rows = _cases_of("140001")
        case = next(c for c, _ in rows if c.status == "Принят" and c.month == NEXT_MONTH and c.registry_id is None)
        case_id, sumv, enp = case.id, case.sumv, case.enp
    b = browser_factory("mo1_operator")
    listing = b.get(f"/cases/list/?search={quote(enp)}").get_data(as_text=True)
    # each row's checkbox carries the sum the confirmations add up («Выбрано: N на сумму X»)
    assert re.search(rf'value="{case_id}" type="checkbox" data-sum="{sumv}"', listing)
    b.post("/cases/confirm", data={"target": "Приостановлен", "ids": str(case_id), "reason": "проверка"})
    page = b.get(f"/cases/confirm?target=Исключен&ids={case_id}").get_data(as_text=True)
    text = visible_text(page)
    assert problems(text) == []
    assert re.search(r'id="count">1<', page) and format_money(sumv) in page
    assert "Исключение необратимо" in text and "Исключить случаев: 1 на сумму" in text
    assert "Отмена" in text and "Причина" in text


def test_formation_drill_down_leads_back_to_formation(app, month, browser_factory):
    b = browser_factory("mo1_operator")
    period = f"{YEAR}-{MONTH:02d}"
    page = b.get(f"/formation/?period={period}").get_data(as_text=True)
    assert f"<td>{MONTH:02d}.{YEAR}</td>" in page and f"<td>{period}</td>" not in page
    link = re.search(r'href="(/formation/cases\?[^"]+)"', page)
    assert link, "no group waits for a registry"
    html = b.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    text = visible_text(html)
    assert problems(text) == []
    assert "← К формированию" in text and "К списку файлов" not in text
    assert re.search(rf'href="/formation/\?period={period}" id="back-to-formation"', html)
    summary = html.split('id="group-summary"')[1].split("</table>")[0]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", summary)
    assert cells[0] == f"{MONTH:02d}.{YEAR}"
    count = int(cells[4])
    assert count == len(re.findall(r'href="/cases/show/\d+"', html)) and count > 0
    assert re.fullmatch(r"[\d\u00a0]+,\d\d", cells[5])
    # the group's count and sum are those of its row in «Формирование»
    cell = r'<td style="text-align:right">'
    row = re.search(rf'{cell}<a href="{re.escape(link.group(1))}">(\d+)</a></td>\s*{cell}([^<]+)</td>', page)
    assert row and int(row.group(1)) == count and row.group(2) == cells[5]
