"""The registry status workflow of МО, СМО and ТФОМС, and the documents made on «Отправлен»."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from docx import Document

from app.extensions import db
from app.models.registry import Registry, RegistryDocument, RegistryStatusChange
from app.services.registries import workflow as wf
from app.services.registries.formation import form_registries
from tests.registries.helpers import demo, load, user


@pytest.fixture()
def registry(app, tmp_path):
    """A registry «Создан» of mo1 paid by 14001 (period 2022-MM, unique per test)."""

    month = next(_months)
    with app.app_context():
        load(demo(tmp_path, seed=900 + month, cases=30, year=2022, month=month).path)
        result = form_registries(user("mo1_operator"), f"2022-{month:02d}", "АПП")
        assert result.ok
        reg = next(r for r in result.registries if r["payer"] == "14001")
        return reg["id"]


_months = iter(range(1, 13))


def _status(reg_id):
    db.session.expire_all()
    return db.session.get(Registry, reg_id).status


def test_send_makes_documents_with_sha256_then_formed(app_ctx, registry):
    app = app_ctx
    app.config["JOBS_MODE"] = "sync"
    # the СМО may not send; the МО may
    refused = wf.change_status(user("smo1_specialist"), registry, "Отправлен")
    assert not refused.ok and _status(registry) == "Создан"
    result = wf.change_status(user("mo1_operator"), registry, "Отправлен")
    assert result.ok
    assert _status(registry) == "Сформирован"
    docs = {d.kind: d for d in db.session.query(RegistryDocument).filter_by(registry_id=registry)}
    assert set(docs) == {"registry_file", "invoice", "registry_list", "summary"}
    for d in docs.values():
        assert hashlib.sha256(Path(d.path).read_bytes()).hexdigest() == d.sha256
    reg = db.session.get(Registry, registry)
    invoice = "\n".join(p.text for p in Document(docs["invoice"].path).paragraphs)
    assert reg.number in invoice and "Счет" in invoice
    rows = max(len(t.rows) for t in Document(docs["registry_list"].path).tables)
    assert rows - 1 >= reg.cases
    assert docs["registry_file"].file_name.startswith("HM140001S14001_")
    history = [
        h.to_status
        for h in db.session.query(RegistryStatusChange)
        .filter_by(registry_id=registry)
        .order_by(RegistryStatusChange.id)
    ]
    assert history == ["Создан", "Отправлен", "Сформирован"]


def test_registry_file_passes_our_own_flk_when_loaded_back(app_ctx, registry, tmp_path):
    app_ctx.config["JOBS_MODE"] = "sync"
    assert wf.change_status(user("mo1_operator"), registry, "Отправлен").ok
    doc = db.session.query(RegistryDocument).filter_by(registry_id=registry, kind="registry_file").one()
    copy = tmp_path / doc.file_name
    copy.write_bytes(Path(doc.path).read_bytes())
    back = load(copy)
    assert back.flk_errors == 0 and back.flk_rejected == 0, back.note
    assert back.skipped_count == db.session.get(Registry, registry).cases  # never duplicated


def test_transitions_allowed_and_refused_per_actor(app_ctx, registry):
    app_ctx.config["JOBS_MODE"] = "sync"
    mo, smo1, smo2, tfoms = (user(u) for u in ("mo1_operator", "smo1_specialist", "smo2_specialist", "tfoms_admin"))
    assert wf.change_status(mo, registry, "Отправлен").ok
    assert not wf.change_status(mo, registry, "Выгружен").ok  # the МО cannot take it
    assert not wf.change_status(smo2, registry, "Выгружен").ok  # not the payer
    assert wf.change_status(smo1, registry, "Выгружен").ok
    assert not wf.change_status(smo1, registry, "Закрыт").ok  # only the system closes
    assert wf.change_status(smo1, registry, "На подпись МО").ok
    assert not wf.change_status(mo, registry, "На доработку").ok  # the МО asks the fund
    no_comment = wf.change_status(tfoms, registry, "На доработку")
    assert not no_comment.ok and "комментарий" in no_comment.message
    assert wf.change_status(tfoms, registry, "На доработку", comment="по просьбе МО").ok
    last = (
        db.session.query(RegistryStatusChange)
        .filter_by(registry_id=registry)
        .order_by(RegistryStatusChange.id.desc())
        .first()
    )
    assert (last.from_status, last.to_status, last.username, last.comment) == (
        "На подпись МО",
        "На доработку",
        "tfoms_admin",
        "по просьбе МО",
    )


def test_expected_status_guards_against_double_moves(app_ctx, registry):
    app_ctx.config["JOBS_MODE"] = "sync"
    mo = user("mo1_operator")
    assert wf.change_status(mo, registry, "Отправлен", expected="Создан").ok
    stale = wf.change_status(mo, registry, "Отправлен", expected="Создан")
    assert not stale.ok and stale.message == wf.CHANGED_MEANWHILE
    assert not wf.move(registry, "Создан", "Отправлен")  # the conditional update itself


def test_failed_documents_leave_sent_with_error_and_retry(app_ctx, registry, monkeypatch):
    """A real failure: the registry's cases lost their payload (the writer refuses an empty set)."""
    from sqlalchemy import delete

    from app.models.intake import CasePayload, MedicalCase

    app_ctx.config["JOBS_MODE"] = "sync"
    kept = {
        c.case_id: c.zap_xml
        for c in db.session.query(CasePayload)
        .join(MedicalCase, MedicalCase.id == CasePayload.case_id)
        .filter(MedicalCase.registry_id == registry)
    }
    db.session.execute(delete(CasePayload).where(CasePayload.case_id.in_(list(kept))))
    db.session.commit()
    wf.change_status(user("mo1_operator"), registry, "Отправлен")
    reg = db.session.get(Registry, registry)
    db.session.refresh(reg)
    assert reg.status == "Отправлен" and reg.error and reg.error.startswith("Документы не сформированы")
    db.session.add_all([CasePayload(case_id=i, zap_xml=x) for i, x in kept.items()])
    db.session.commit()
    wf.after_change(registry, "Отправлен", user("mo1_operator"))  # «Повторить»
    assert _status(registry) == "Сформирован" and db.session.get(Registry, registry).error is None


def test_documents_pages_and_zip_are_scoped(app, browser_factory, registry):
    app.config["JOBS_MODE"] = "sync"
    mo = browser_factory("mo1_operator")
    page = mo.get("/registries/list/").get_data(as_text=True)
    assert 'name="target"' in page and "Отправлен" in page
    mo.post(f"/registries/status/{registry}", data={"target": "Отправлен", "expected": "Создан"})
    with app.app_context():
        assert _status(registry) == "Сформирован"
        doc_id = db.session.query(RegistryDocument).filter_by(registry_id=registry, kind="invoice").one().id
    smo = browser_factory("smo1_specialist")
    assert smo.get(f"/registries/documents/{registry}").status_code == 200
    resp = smo.get(f"/registries/documents/{registry}.zip")
    assert resp.status_code == 200 and len(zipfile.ZipFile(io.BytesIO(resp.data)).namelist()) == 4
    assert smo.get(f"/registries/documents/{registry}/{doc_id}").status_code == 200
    other = browser_factory("smo2_specialist")
    assert other.get(f"/registries/documents/{registry}/{doc_id}").status_code == 404
    assert other.get(f"/registries/documents/{registry}.zip").status_code == 404
    assert other.post(f"/registries/status/{registry}", data={"target": "Выгружен"}).status_code == 404


def test_bulk_status_change_and_closed_registries_with_remembered_columns(app, browser_factory, tmp_path):
    app.config["JOBS_MODE"] = "sync"
    with app.app_context():
        load(demo(tmp_path, seed=960, cases=40, year=2023, month=11).path)
        result = form_registries(user("mo1_operator"), "2023-11", "АПП")
        ids = [r["id"] for r in result.registries]
    assert len(ids) == 2
    mo = browser_factory("mo1_operator")
    mo.post("/registries/action_post", data={"action": "to_sent", "rowid": [str(i) for i in ids]})
    with app.app_context():
        assert {_status(i) for i in ids} == {"Сформирован"}
        # the system closes after the signatures: here the status is set as the system would
        for i in ids:
            assert wf.move(i, "Сформирован", "Закрыт")
        db.session.commit()
        number = db.session.get(Registry, ids[0]).number
    assert f">{number}</a>" not in mo.get("/registries/list/").get_data(as_text=True)
    # the default «last 12 months» is in the filter panel (no redirect to FAB's hidden search)
    first = mo.get("/closed-registries/list/")
    assert first.status_code == 200
    page = first.get_data(as_text=True)
    assert 'name="since"' in page and "последние 12 месяцев" in page
    assert f">{number}</a>" in page and "fa-file-text-o" not in page
    mo.post("/closed-registries/columns", data={"column": ["documents"]})
    page = mo.get("/closed-registries/list/").get_data(as_text=True)
    assert "fa-file-text-o" in page  # «Документы» added and remembered
    other = browser_factory("mo2_operator")
    assert f">{number}</a>" not in other.get("/closed-registries/list/").get_data(as_text=True)
