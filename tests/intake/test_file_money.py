"""Money made visible: «Снято по МЭК» of a file counts the cases refused in full and those withheld in
part, each with its sum (the load's own МЭК and the payer's results); the МЭК error lists show the
withheld sum and the F014 reason with its text.  Period 2023-06."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.controls.mek import registry as mek_registry
from app.core.formatting import format_money
from app.extensions import db
from app.models.intake import ControlError, MedicalCase, UploadedFile
from app.models.reference import ControlRule
from app.models.vocabulary import CaseStatus
from app.services.intake import reports
from app.services.reference.code_names import code_label, code_name
from tests.registries.helpers import demo, load, rule_share, user

FULL = "003K.00.0590"  # DS1 of chapter P for a grown-up: refused in full (F014 1.1.4)
PART = "003K.00.0550"  # no visits counted (F014 1.1.3): set to withhold 30 % in the catalogue
SHARE = Decimal("0.3000")


@pytest.fixture(scope="module")
def money_file(app, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("money")
    with app.app_context():
        archive = demo(tmp, seed=1806, cases=40, error_rate=0.3, codes=[FULL, PART], year=2023, month=6)
        assert {i["code"] for i in archive.injected} == {FULL, PART}
        with rule_share(PART, SHARE):
            row = load(archive.path)
        return row.id


def _cases(file_id, *cond):
    return db.session.execute(select(MedicalCase).where(MedicalCase.file_id == file_id, *cond)).scalars().all()


def test_refused_in_full_and_withheld_in_part(app_ctx, money_file):
    refused = _cases(money_file, MedicalCase.status == CaseStatus.MEK_REJECTED)
    partial = _cases(money_file, MedicalCase.status == CaseStatus.ACCEPTED, MedicalCase.mek_withheld > 0)
    assert refused and partial
    # a partial sanction keeps the case with 30 % withheld and SUMP the rest
    for c in partial:
        assert c.mek_withheld == (c.sumv * SHARE).quantize(Decimal("0.01")) and c.sump == c.sumv - c.mek_withheld
    money = reports.mek_money([money_file])[money_file]
    assert (money.refused, money.refused_sum) == (len(refused), sum(c.sumv for c in refused))
    assert (money.partial, money.partial_sum) == (len(partial), sum(c.mek_withheld for c in partial))
    assert money.sum == money.refused_sum + money.partial_sum
    assert money.count == len(refused) + len(partial)


def test_the_row_and_the_card_show_counts_and_sums(app, money_file, browser_factory):
    with app.app_context():
        money = reports.mek_money([money_file])[money_file]
        mek_errors = db.session.get(UploadedFile, money_file).mek_errors
    b = browser_factory("mo1_operator")
    html = b.get("/files/list/?psize_UploadedFileView=100").get_data(as_text=True)
    start = html.index(f'id="{money_file}" class="action_check"')
    row = html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]
    assert (
        f'полностью: <a href="/files/selection/{money_file}/refused">{money.refused}</a> на '
        f"{format_money(money.refused_sum)}"
    ) in row
    assert (
        f'частично: <a href="/files/selection/{money_file}/withheld">{money.partial}</a> на '
        f"{format_money(money.partial_sum)}"
    ) in row
    assert f"ошибок МЭК: {mek_errors}" in row
    card = b.get(f"/files/show/{money_file}").get_data(as_text=True)
    assert format_money(money.sum) in card and format_money(money.partial_sum) in card
    # the links lead to those very cases
    for kind, n in (("refused", money.refused), ("withheld", money.partial)):
        page = b.get(f"/files/selection/{money_file}/{kind}").get_data(as_text=True)
        table = page[page.rindex("<table") :]
        assert len(re.findall(r"<tr><td>", table)) == n, kind


def test_the_payers_partial_result_counts_too(app_ctx, money_file):
    """A case the payer paid in part (SUMP below SUMV, no sanction of the load) is withheld in part."""
    case = _cases(
        money_file, MedicalCase.status == CaseStatus.ACCEPTED, func.coalesce(MedicalCase.mek_withheld, 0) == 0
    )[0]
    before = reports.mek_money([money_file])[money_file]
    saved = case.sump
    case.sump = case.sumv - Decimal("50.00")
    db.session.commit()
    try:
        after = reports.mek_money([money_file])[money_file]
        assert (after.partial, after.partial_sum) == (before.partial + 1, before.partial_sum + Decimal("50.00"))
        assert after.refused == before.refused
        case.sump = Decimal("0.00")  # the payer refused it in full
        db.session.commit()
        after = reports.mek_money([money_file])[money_file]
        assert (after.refused, after.refused_sum) == (before.refused + 1, before.refused_sum + case.sumv)
    finally:
        case.sump = saved
        db.session.commit()


def test_mek_error_lists_show_the_sum_and_the_reason_text(app, money_file, browser_factory):
    with app.app_context():
        sums = dict(
            db.session.execute(
                select(ControlError.code, func.sum(ControlError.sanction_sum))
                .where(ControlError.file_id == money_file, ControlError.stage == "МЭК")
                .group_by(ControlError.code)
            ).all()
        )
        reason = code_label("F014", "1.1.3")
        assert reason.startswith("1.1.3 — ") and len(reason) > 12  # the demo НСИ has F014 now
    b = browser_factory("mo1_operator")
    page = b.get(f"/files/errors/{money_file}/МЭК").get_data(as_text=True)
    assert "Основание отказа (F014)" in page and "Сумма санкций" in page
    row = page[page.index(f"<td>{PART}</td>") :]
    row = row[: row.index("</tr>")]
    assert reason in row and format_money(sums[PART]) in row
    lines = b.get(f"/files/errors/{money_file}/МЭК/{PART}").get_data(as_text=True)
    assert reason in lines
    with app.app_context():
        withheld = (
            db.session.execute(
                select(ControlError.sanction_sum).where(ControlError.file_id == money_file, ControlError.code == PART)
            )
            .scalars()
            .first()
        )
    assert format_money(withheld) in lines
    # the ФЛК list has no such columns
    flk = b.get(f"/files/errors/{money_file}/ФЛК").get_data(as_text=True)
    assert "Основание отказа (F014)" not in flk


def test_every_reason_of_the_mek_rules_has_its_name(app_ctx):
    codes = {s.refusal for s in mek_registry.all_specs() if s.refusal}
    codes |= set(
        db.session.execute(select(ControlRule.refusal_code).where(ControlRule.refusal_code.is_not(None))).scalars()
    )
    assert "1.10.3" in codes and "1.1.4" in codes
    # (a rule the catalogue left without a reason — another test may blank one — names none)
    assert {c for c in codes if c.strip() and code_name("F014", c) is None} == set()


def test_another_mo_cannot_read_the_money(app, money_file, browser_factory):
    b = browser_factory("mo2_operator")
    for kind in ("refused", "withheld"):
        assert b.get(f"/files/selection/{money_file}/{kind}").status_code == 404
    with app.app_context():
        assert reports.row_details(user("mo2_operator"), [money_file]) == {}
