"""The МИС REST API end to end for the owner, with an API key and with a JWT: upload archives,
poll, errors, the FLK_P protocol, registries, status changes by the МО and the payer, documents.
Real demo files through the real pipeline (jobs run synchronously in tests); periods 2026-07/08."""

from __future__ import annotations

import hashlib
import io
import zipfile
from decimal import Decimal

import pytest
from lxml import etree

from app.extensions import db
from app.models.intake import ControlError, UploadedFile
from app.models.registry import Registry, RegistryDocument, RegistryStatusChange
from app.services.registries.formation import form_registries
from tests.api.helpers import FILES, REGISTRIES, Api
from tests.registries.helpers import demo, user

MONTH = {"key": 7, "jwt": 8}


@pytest.mark.parametrize("auth", ["key", "jwt"])
def test_mis_flow_for_the_owner(app, browser_factory, tmp_path, auth):
    month = MONTH[auth]
    period = f"2026-{month:02d}"
    with app.app_context():
        # two archives of one upload: a clean one and one with ФЛК and МЭК errors
        clean = demo(
            tmp_path / "a",
            seed=7100 + month,
            cases=24,
            year=2026,
            month=month,
            number=1,
            first_person=200 + month * 100,
        )
        faulty = demo(
            tmp_path / "b",
            seed=7200 + month,
            cases=24,
            year=2026,
            month=month,
            number=2,
            error_rate=0.3,
            first_person=2000 + month * 100,
        )
    mo = Api.by(auth, app, browser_factory, "mo1_operator")
    smo = Api.by(auth, app, browser_factory, "smo1_specialist")

    # 1. upload: one file id per archive, the status of the page
    resp = mo.upload(clean.path, faulty.path)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["refused"] is None
    assert [f["archive"] for f in body["result"]] == [clean.path.name, faulty.path.name]
    ids = [f["id"] for f in body["result"]]
    for f in body["result"]:
        assert f["status"] == "Процесс загрузки завершен", f  # jobs run at once in tests
        assert f["period"] == period and f["loading"] is False

    # 2. poll: status, note and counts are those of the file row
    for file_id in ids:
        resp = mo.get(f"{FILES}/{file_id}")
        assert resp.status_code == 200
        got = resp.get_json()["result"]
        with app.app_context():
            row = db.session.get(UploadedFile, file_id)
            assert (
                got["status"],
                got["note"],
                got["records"],
                got["flk_rejected"],
                got["flk_errors"],
                got["mek_rejected"],
            ) == (row.status, row.note, row.records, row.flk_rejected, row.flk_errors, row.mek_rejected)
            assert got["sumv_declared"] == f"{row.sumv_declared:.2f}"
    assert mo.get(f"{FILES}/{ids[1]}").get_json()["result"]["flk_rejected"] > 0

    # 3. the errors of the faulty file: every row, with its place
    with app.app_context():
        stored = db.session.query(ControlError).filter_by(file_id=ids[1]).count()
        flk_stored = db.session.query(ControlError).filter_by(file_id=ids[1], stage="ФЛК").count()
    assert stored > 0
    resp = mo.get(f"{FILES}/{ids[1]}/errors?page_size=1000")
    assert resp.status_code == 200
    errors = resp.get_json()
    assert errors["count"] == stored == len(errors["result"])
    first = errors["result"][0]
    assert {"stage", "code", "element", "n_zap", "idcase", "sl_id", "value", "comment", "hint"} <= set(first)
    # every error carries its rule's hint for the operator (the official text stays in "comment")
    assert all(e["hint"] and "МИС" in e["hint"] for e in errors["result"]), errors["result"][:3]
    injected = {(i["n_zap"], i["code"]) for i in faulty.injected if i["stage"] == "ФЛК"}
    assert injected and injected <= {(e["n_zap"], e["code"]) for e in errors["result"]}
    only_flk = mo.get(f"{FILES}/{ids[1]}/errors?stage=ФЛК").get_json()
    assert only_flk["count"] == flk_stored and {e["stage"] for e in only_flk["result"]} == {"ФЛК"}
    paged = mo.get(f"{FILES}/{ids[1]}/errors?page=1&page_size=2").get_json()
    assert paged["result"] == errors["result"][2:4]

    # 4. the FLK_P protocol for the МИС: windows-1251, one PR per error
    resp = mo.get(f"{FILES}/{ids[1]}/protocol")
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"].startswith("attachment")
    assert b'encoding="windows-1251"' in resp.data[:100].lower().replace(b"'", b'"')
    root = etree.fromstring(resp.data)
    assert root.tag == "FLK_P" and len(root.findall("PR")) == stored
    resp = mo.get(f"{FILES}/{ids[1]}/protocol?format=xlsx")
    assert resp.status_code == 200 and resp.data[:2] == b"PK"

    # 5. registries: formed on «Формирование» (no API for it), listed by period and payer
    with app.app_context():
        formed = form_registries(user("mo1_operator"), period, "АПП")
        assert formed.ok, formed.message
        mine = {r["payer"]: r["id"] for r in formed.registries}
    reg_id = mine["14001"]
    listing = mo.get(f"{REGISTRIES}/?period={period}&payer=14001").get_json()
    assert [r["id"] for r in listing["result"]] == [reg_id] and listing["count"] == 1
    row = listing["result"][0]
    with app.app_context():
        reg = db.session.get(Registry, reg_id)
        assert row["sum_declared"] == f"{reg.sum_declared:.2f}" and row["sum_calc"] == f"{reg.sum_calc:.2f}"
        assert Decimal(row["sum_declared"]) > 0 and row["cases"] == reg.cases
    assert (row["status"], row["mo"], row["payer"], row["allowed_statuses"]) == (
        "Создан",
        "140001",
        "14001",
        ["Отправлен"],
    )
    by_status = mo.get(f"{REGISTRIES}/?period={period}&status=Создан").get_json()
    assert set(mine.values()) <= {r["id"] for r in by_status["result"]}
    assert mo.get(f"{REGISTRIES}/?period={period}&status=Закрыт").get_json()["count"] == 0

    # 6. the МО sends: documents are made (at once in tests), the registry is «Сформирован»
    resp = mo.post(f"{REGISTRIES}/{reg_id}/status", json={"status": "Отправлен", "expected": "Создан"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.get_json()["ok"] is True and resp.get_json()["status"] == "Сформирован"
    # the МО may not take its own registry: 403, nothing changes
    resp = mo.post(f"{REGISTRIES}/{reg_id}/status", json={"status": "Выгружен"})
    assert resp.status_code == 403 and resp.get_json()["status"] == "Сформирован"

    # 7. documents: the list, one document, all as a ZIP
    docs = mo.get(f"{REGISTRIES}/{reg_id}/documents").get_json()["result"]
    assert {d["kind"] for d in docs} == {"registry_file", "invoice", "registry_list", "summary"}
    for d in docs:
        resp = mo.get(f"{REGISTRIES}/{reg_id}/documents/{d['id']}")
        assert resp.status_code == 200 and hashlib.sha256(resp.data).hexdigest() == d["sha256"]
    resp = mo.get(f"{REGISTRIES}/{reg_id}/documents.zip")
    assert resp.status_code == 200
    with zipfile.ZipFile(io.BytesIO(resp.data)) as zf:
        assert sorted(zf.namelist()) == sorted(d["file_name"] for d in docs)
    detail = mo.get(f"{REGISTRIES}/{reg_id}").get_json()["result"]
    assert [h["to_status"] for h in detail["history"]] == ["Создан", "Отправлен", "Сформирован"]
    assert len(detail["documents"]) == 4

    # 8. the payer: sees its registry (not the other СМО's), takes it, with a stale «expected» → 409
    seen = {r["id"] for r in smo.get(f"{REGISTRIES}/?period={period}").get_json()["result"]}
    assert reg_id in seen and (mine.get("14002") is None or mine["14002"] not in seen)
    stale = smo.post(f"{REGISTRIES}/{reg_id}/status", json={"status": "Выгружен", "expected": "Создан"})
    assert stale.status_code == 409 and stale.get_json()["ok"] is False
    resp = smo.post(f"{REGISTRIES}/{reg_id}/status", json={"status": "Выгружен", "expected": "Сформирован"})
    assert resp.status_code == 200 and resp.get_json()["status"] == "Выгружен"
    # «На доработку» needs the payer's МЭК results first: 422 with the service's message
    resp = smo.post(f"{REGISTRIES}/{reg_id}/status", json={"status": "На доработку"})
    assert resp.status_code == 422 and "МЭК" in resp.get_json()["message"]
    assert smo.get(f"{REGISTRIES}/{reg_id}/documents.zip").status_code == 200
    with app.app_context():
        history = [
            h.to_status
            for h in db.session.query(RegistryStatusChange)
            .filter_by(registry_id=reg_id)
            .order_by(RegistryStatusChange.id)
        ]
        assert history == ["Создан", "Отправлен", "Сформирован", "Выгружен"]
        assert db.session.query(RegistryDocument).filter_by(registry_id=reg_id).count() == 4
