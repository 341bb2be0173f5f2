"""Registry sums follow partial МЭК sanctions: a case partly refused keeps its place in the
registry, its amount payable is SUMP — in the registry's «Сумма к оплате», «Счет», «Реестр
счета», «Сводный реестр», `oms registry-show` and «Текущие реестры»; SUMV stays as «предъявлено»."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

from docx import Document
from sqlalchemy import select

from app.core.formatting import format_money
from app.extensions import db
from app.models.intake import MedicalCase
from app.models.registry import Registry, RegistryDocument
from app.services.registries import workflow as wf
from app.services.registries.formation import form_registries
from app.services.registries.mek_results import load_results
from app.services.registries.queries import delete_registry
from tests.registries.helpers import demo, load, results_file, rule_share, user


def _cases(reg_id) -> list[MedicalCase]:
    db.session.expire_all()
    return (
        db.session.execute(select(MedicalCase).where(MedicalCase.registry_id == reg_id).order_by(MedicalCase.id))
        .scalars()
        .all()
    )


def _docs(reg_id) -> dict[str, RegistryDocument]:
    return {d.kind: d for d in db.session.query(RegistryDocument).filter_by(registry_id=reg_id)}


def _text(doc: RegistryDocument) -> str:
    d = Document(doc.path)
    lines = [p.text for p in d.paragraphs]
    lines += [c.text for t in d.tables for row in t.rows for c in row.cells]
    return "\n".join(lines)


def _list_table(doc: RegistryDocument):
    return Document(doc.path).tables[0]


def _row_of(page: str, number: str) -> str:
    start = page.index(f">{number}</a>")  # the number cell links to the registry card
    return page[page.rindex("<tr", 0, start) : page.index("</tr>", start)]


def test_payer_partial_sanction_makes_every_sum_payable(app, tmp_path, browser_factory):
    app.config["JOBS_MODE"] = "sync"
    with app.app_context():
        load(demo(tmp_path, seed=1901, cases=30, year=2023, month=9).path)
        result = form_registries(user("mo1_operator"), "2023-09", "АПП")
        reg_id = next(r["id"] for r in result.registries if r["payer"] == "14001")
        assert wf.change_status(user("mo1_operator"), reg_id, "Отправлен").ok
        assert wf.change_status(user("smo1_specialist"), reg_id, "Выгружен").ok
        cases = _cases(reg_id)
        declared = sum(c.sumv for c in cases)
        sent = {k: d.sha256 for k, d in _docs(reg_id).items()}

        results = results_file(reg_id, tmp_path / "r" / "r.zip", {0: Decimal("100.00"), 1: "refuse"})
        loaded = load_results(user("smo1_specialist"), reg_id, results)
        assert loaded.ok and loaded.refused_cases == 2, loaded.reasons

        after = _cases(reg_id)
        assert [c.id for c in after] == [c.id for c in cases]  # every case keeps its place
        assert {c.status for c in after} == {"В реестре"}
        assert after[0].sump == cases[0].sumv - 100 and after[1].sump == 0
        assert all(c.sump == c.sumv for c in after[2:])
        payable = declared - 100 - cases[1].sumv
        reg = db.session.get(Registry, reg_id)
        assert (reg.cases, reg.sum_declared, reg.sum_calc) == (len(cases), declared, payable)
        number = reg.number

        docs = _docs(reg_id)
        assert docs["registry_file"].sha256 == sent["registry_file"]  # the file as it was sent
        for kind in ("invoice", "registry_list", "summary"):
            assert docs[kind].sha256 != sent[kind], kind
            assert hashlib.sha256(Path(docs[kind].path).read_bytes()).hexdigest() == docs[kind].sha256
        invoice = _text(docs["invoice"])
        assert f"Всего к оплате: {format_money(payable)} руб." in invoice
        assert (
            f"Снято по результатам медико-экономического контроля: {format_money(declared - payable)} руб."
        ) in invoice
        table = _list_table(docs["registry_list"])
        assert [c.text for c in table.rows[1].cells][-2:] == [
            format_money(cases[0].sumv),
            format_money(cases[0].sumv - 100),
        ]
        assert [c.text for c in table.rows[2].cells][-1] == "0,00"
        assert [c.text for c in table.rows[-1].cells][-2:] == [format_money(declared), format_money(payable)]
        summary = _text(docs["summary"])
        assert f"предъявлено {format_money(declared)} руб.; к оплате {format_money(payable)} руб." in summary

    shown = json.loads(
        app.test_cli_runner().invoke(args=["oms", "registry-show", str(reg_id), "--user", "mo1_operator"]).output
    )
    assert Decimal(shown["sum"]) == payable and shown["mek_refused"] == 2

    page = browser_factory("mo1_operator").get("/registries/list/?period=2023-09").get_data(as_text=True)
    row = _row_of(page, number)
    assert format_money(payable) in row and format_money(declared) in row

    # deleted on rework: the cases go back with what our own МЭК left payable
    with app.app_context():
        assert wf.change_status(user("smo1_specialist"), reg_id, "На доработку", comment="снят случай").ok
        assert delete_registry(user("mo1_operator"), reg_id).ok
        back = {c.id: c for c in db.session.query(MedicalCase).filter(MedicalCase.id.in_([c.id for c in cases]))}
        assert all(c.status == "Принят" and c.sump == c.sumv for c in back.values())


def test_own_mek_partial_sanction_counts_from_formation_on(app, tmp_path):
    app.config["JOBS_MODE"] = "sync"
    with app.app_context():
        with rule_share("003K.00.0620", Decimal("0.3000")):
            load(demo(tmp_path, seed=1902, cases=40, year=2023, month=10, error_rate=0.3, codes=["003K.00.0620"]).path)
        result = form_registries(user("mo1_operator"), "2023-10", "АПП")
        assert result.ok
        checked = 0
        for formed in result.registries:
            cases = _cases(formed["id"])
            declared = sum(c.sumv for c in cases)
            payable = sum(c.sump for c in cases)
            if payable == declared:
                continue
            checked += 1
            assert any(c.mek_withheld and c.sum_calc == c.sumv for c in cases)  # partly withheld, tariff met
            reg = db.session.get(Registry, formed["id"])
            assert (reg.sum_declared, reg.sum_calc) == (declared, payable)
            assert Decimal(formed["sum"]) == payable
            assert wf.change_status(user("mo1_operator"), reg.id, "Отправлен").ok
            docs = _docs(reg.id)
            assert f"Всего к оплате: {format_money(payable)} руб." in _text(docs["invoice"])
            table = _list_table(docs["registry_list"])
            assert [c.text for c in table.rows[-1].cells][-2:] == [format_money(declared), format_money(payable)]
            assert f"к оплате {format_money(payable)} руб." in _text(docs["summary"])
        assert checked, "no registry with a partly withheld case"
