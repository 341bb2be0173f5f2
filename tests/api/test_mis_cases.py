"""The cases of a file and one case with the breakdown of its recalculated cost through the МИС
API: a demo file loaded through the real pipeline; the owner sees its hospital case's formula and
coefficients, another МО gets 404 for the case and for the file's list, like ids that do not exist."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from app.extensions import db
from app.models.intake import MedicalCase
from app.models.vocabulary import CaseStatus, FileStatus
from tests.api.helpers import CASES, FILES, Api
from tests.registries.helpers import demo, load

MISSING = 987654321


@pytest.fixture(scope="module")
def loaded(app, tmp_path_factory):
    """A demo file of «РБ №1» (mo1_operator), loaded: (file id, id of a КСГ case, its stored detail)."""
    with app.app_context():
        archive = demo(
            tmp_path_factory.mktemp("cases"), seed=9901, cases=30, year=2025, month=9, number=7, first_person=31001
        )
        row = load(archive.path)
        assert row.status == FileStatus.DONE, row.note
        hospital = (
            db.session.query(MedicalCase)
            .filter(MedicalCase.file_id == row.id, MedicalCase.usl_ok == 1, MedicalCase.sum_calc.isnot(None))
            .order_by(MedicalCase.id)
            .first()
        )
        assert hospital is not None, "the demo file has no priced hospital case"
        return row.id, hospital.id, json.loads(hospital.calc_detail)


def test_the_owner_gets_the_cases_of_its_file_with_their_sums(app, browser_factory, loaded):
    file_id, case_id, _ = loaded
    mo = Api.with_key(app, browser_factory, "mo1_operator")
    resp = mo.get(f"{FILES}/{file_id}/cases?page_size=10")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert (body["file_id"], body["count"], body["page"], body["page_size"]) == (file_id, 30, 0, 10)
    assert len(body["result"]) == 10
    with app.app_context():
        rows = {c.id: c for c in db.session.query(MedicalCase).filter_by(file_id=file_id)}
    for got in body["result"]:
        row = rows[got["id"]]
        assert got["status"] == row.status and got["idcase"] == row.idcase
        for name in ("sumv", "sum_calc", "mek_withheld", "sump"):
            value = getattr(row, name)
            assert got[name] == (None if value is None else f"{value:.2f}"), name
    assert any(got["sum_calc"] for got in body["result"])
    last = mo.get(f"{FILES}/{file_id}/cases?page=2&page_size=10").get_json()["result"]
    assert len(last) == 10 and not ({c["id"] for c in last} & {c["id"] for c in body["result"]})
    accepted = mo.get(f"{FILES}/{file_id}/cases?status={CaseStatus.ACCEPTED}").get_json()
    assert accepted["count"] == sum(1 for r in rows.values() if r.status == CaseStatus.ACCEPTED)
    refused = mo.get(f"{FILES}/{file_id}/cases?status=Готов")
    assert (refused.status_code, refused.get_json()["message"]) == (400, "Неизвестный статус случая «Готов»")


def test_the_owner_gets_the_breakdown_of_a_hospital_case(app, browser_factory, loaded):
    _, case_id, detail = loaded
    resp = Api.with_key(app, browser_factory, "mo1_operator").get(f"{CASES}/{case_id}")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    case = resp.get_json()["result"]
    assert case["id"] == case_id and case["usl_ok"] == 1
    cost = case["cost"]
    assert cost["total"] == detail["total"] == case["sum_calc"] and cost["missing"] == []
    part = cost["parts"][0]
    stored = detail["sl"][0]
    assert part["kind"] == "ksg" and part["ksg"] == stored["code"] and part["sum"] == stored["sum"]
    assert part["formula"].startswith("БС × КЗ")
    factors = {f["code"]: f for f in part["factors"]}
    assert {"БС", "КЗ", "КС_КСГ", "КД", "КУСмо"} <= set(factors)
    assert factors["БС"]["value"] == stored["base"] and factors["КЗ"]["value"] == stored["koef_z"]
    assert factors["КД"]["name"] == "коэффициент дифференциации"
    assert factors["КУСмо"]["source"] == stored["sources"]["koef_u"]
    assert part["share"] == stored["share"] and part["usl"] == []
    assert sum(Decimal(p["sum"]) for p in cost["parts"]) == Decimal(cost["total"])


@pytest.mark.parametrize("auth", ["key", "jwt"])
def test_another_mo_gets_404_for_the_case_and_the_file_cases(app, browser_factory, loaded, auth):
    file_id, case_id, _ = loaded
    attacker = Api.by(auth, app, browser_factory, "mo2_operator")
    for url, missing in (
        (f"{CASES}/{case_id}", f"{CASES}/{MISSING}"),
        (f"{FILES}/{file_id}/cases", f"{FILES}/{MISSING}/cases"),
    ):
        resp = attacker.get(url)
        assert resp.status_code == 404, (url, resp.status_code)
        assert resp.get_json() == attacker.get(missing).get_json()  # as absent as a missing id
        assert "cost" not in resp.get_data(as_text=True)
    # the СМО has no right to the cases at all
    smo = Api.by(auth, app, browser_factory, "smo1_specialist")
    assert smo.get(f"{CASES}/{case_id}").status_code == 403
