"""«Формирование» and «Сформировать реестр»."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.intake import MedicalCase
from app.models.registry import Registry, RegistryStatusChange
from app.models.vocabulary import CaseStatus
from app.services.registries import formation
from app.services.registries.queries import NOT_DELETABLE, delete_registry
from tests.registries.helpers import demo, load, user


def _cases(file_id, **kw):
    return db.session.execute(
        select(func.count())
        .select_from(MedicalCase)
        .where(MedicalCase.file_id == file_id, *[getattr(MedicalCase, k) == v for k, v in kw.items()])
    ).scalar()


def test_groups_by_period_type_subtype_subdivision(app_ctx, tmp_path):
    row = load(demo(tmp_path, seed=601, cases=60, year=2024, month=1).path)
    groups = [g for g in formation.groups(user("mo1_operator")) if g.period == "2024-01"]
    assert groups
    assert {g.reg_type for g in groups} <= {"АПП", "Стационар", "Дневной стационар", "СМП", "Иногородние"}
    assert "Иногородние" in {g.reg_type for g in groups}  # every 10th demo person is a non-resident
    assert sum(g.cases for g in groups) == _cases(row.id, status=CaseStatus.ACCEPTED)
    # linked dropdowns: choosing the period narrows the types to those of the period
    options = formation.filter_options(formation.groups(user("mo1_operator")), {"period": "2024-01"})
    assert {v for v, _ in options["reg_type"]} == {g.reg_type for g in groups}


def test_form_creates_one_registry_per_smo_and_one_nonresident_registry(app_ctx, tmp_path):
    load(demo(tmp_path, seed=602, cases=80, year=2024, month=2).path)
    mo1 = user("mo1_operator")
    apps = formation.form_registries(mo1, "2024-02", "АПП")
    assert apps.ok and apps.message.startswith("Сформировано реестров:")
    payers = {r["payer"] for r in apps.registries}
    assert payers <= {"14001", "14002"} and len(apps.registries) == len(payers)
    for r in apps.registries:
        reg = db.session.get(Registry, r["id"])
        assert reg.status == "Создан" and reg.reg_type == "АПП" and reg.subtype == "H"
        assert (
            reg.cases
            == r["cases"]
            == db.session.execute(
                select(func.count()).select_from(MedicalCase).where(MedicalCase.registry_id == reg.id)
            ).scalar()
        )
        assert db.session.query(RegistryStatusChange).filter_by(registry_id=reg.id, to_status="Создан").count() == 1
    nonres = formation.form_registries(mo1, "2024-02", "Иногородние")
    assert nonres.ok and [r["payer"] for r in nonres.registries] == ["14"]  # the ТФОМС pays
    reg = db.session.get(Registry, nonres.registries[0]["id"])
    usl = {
        u for (u,) in db.session.execute(select(MedicalCase.usl_ok).where(MedicalCase.registry_id == reg.id).distinct())
    }
    assert len(usl) >= 1 and all(c.nonresident for c in db.session.query(MedicalCase).filter_by(registry_id=reg.id))
    # the formed rows left «Формирование»
    left = {(g.reg_type) for g in formation.groups(mo1) if g.period == "2024-02"}
    assert "АПП" not in left and "Иногородние" not in left
    # the same again: nothing to form, with the page's message
    again = formation.form_registries(mo1, "2024-02", "АПП")
    assert not again.ok and again.message == formation.NOTHING_TO_FORM


def test_subdivision_ticks_form_per_subdivision(app_ctx, tmp_path):
    load(
        demo(tmp_path / "a", seed=603, cases=30, year=2024, month=3, sender="140011", number=1).path,
        login="mo1_sub1_operator",
    )
    load(demo(tmp_path / "b", seed=604, cases=30, year=2024, month=3, number=2).path)
    mo1 = user("mo1_operator")
    result = formation.form_registries(mo1, "2024-03", "АПП", ["140011"])
    assert result.ok
    regs = [db.session.get(Registry, r["id"]) for r in result.registries]
    assert regs and all(r.subdivision.code == "140011" for r in regs)
    # the whole-МО cases of the period stay for a registry without ticks
    rest = formation.form_registries(mo1, "2024-03", "АПП")
    assert rest.ok and all(db.session.get(Registry, r["id"]).subdivision_id is None for r in rest.registries)


def test_subdivision_login_forms_only_its_subdivision(app_ctx, tmp_path):
    load(demo(tmp_path, seed=605, cases=30, year=2024, month=4, sender="140011").path, login="mo1_sub1_operator")
    load(demo(tmp_path / "w", seed=606, cases=30, year=2024, month=4).path)
    sub_user = user("mo1_sub1_operator")
    assert {g.subdivision_id for g in formation.groups(sub_user)} == {sub_user.subdivision_id}
    result = formation.form_registries(sub_user, "2024-04", "АПП")
    assert result.ok and all(
        db.session.get(Registry, r["id"]).subdivision_id == sub_user.subdivision_id for r in result.registries
    )


def test_delete_registry_returns_cases(app_ctx, tmp_path):
    row = load(demo(tmp_path, seed=607, cases=30, year=2024, month=5).path)
    result = formation.form_registries(user("mo1_operator"), "2024-05", "АПП")
    reg_id = result.registries[0]["id"]
    n = db.session.get(Registry, reg_id).cases
    assert not delete_registry(user("mo2_operator"), reg_id).ok  # another МО
    reg = db.session.get(Registry, reg_id)
    reg.status = "Отправлен"
    db.session.commit()
    refused = delete_registry(user("mo1_operator"), reg_id)
    assert (refused.ok, refused.message) == (False, NOT_DELETABLE)
    reg = db.session.get(Registry, reg_id)
    reg.status = "На доработку"
    db.session.commit()
    done = delete_registry(user("mo1_operator"), reg_id)
    assert done.ok and db.session.get(Registry, reg_id) is None
    assert (
        db.session.execute(
            select(func.count())
            .select_from(MedicalCase)
            .where(MedicalCase.file_id == row.id, MedicalCase.status == CaseStatus.ACCEPTED)
        ).scalar()
        >= n
    )


def test_a_case_cannot_be_in_registry_status_without_a_registry(app_ctx, tmp_path):
    from sqlalchemy.exc import IntegrityError

    row = load(demo(tmp_path, seed=608, cases=5, year=2024, month=6).path)
    case = db.session.query(MedicalCase).filter_by(file_id=row.id, status=CaseStatus.ACCEPTED).first()
    case.status = CaseStatus.IN_REGISTRY
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_two_users_forming_the_same_rows_at_once(app, tmp_path):
    """Two concurrent transactions on PostgreSQL: one forms the registries, the other gets the
    message; every case is in exactly one registry."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("concurrent transactions are tested on PostgreSQL (CI sets TEST_DATABASE_URL)")
        row = load(demo(tmp_path, seed=609, cases=60, year=2024, month=7).path)
        file_id = row.id
    results, barrier = [], threading.Barrier(2)

    def form():
        with app.app_context():
            barrier.wait()
            results.append(formation.form_registries(user("mo1_operator"), "2024-07", "АПП"))

    threads = [threading.Thread(target=form) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(r.ok for r in results) == [False, True]
    assert [r.message for r in results if not r.ok] == [formation.NOTHING_TO_FORM]
    with app.app_context():
        winner = next(r for r in results if r.ok)
        in_regs = db.session.execute(
            select(func.count())
            .select_from(MedicalCase)
            .where(MedicalCase.registry_id.in_([r["id"] for r in winner.registries]))
        ).scalar()
        assert in_regs == sum(r["cases"] for r in winner.registries) == _cases(file_id, status=CaseStatus.IN_REGISTRY)


def test_cli_form_prints_registries(app, tmp_path):
    with app.app_context():
        load(demo(tmp_path, seed=610, cases=30, year=2024, month=8).path)
    result = app.test_cli_runner().invoke(
        args=["oms", "form", "--user", "mo1_operator", "--period", "2024-08", "--type", "АПП"]
    )
    data = json.loads(result.output)
    assert data["ok"] and data["registries"]
    assert set(data["registries"][0]) == {"id", "number", "payer", "type", "subtype", "cases", "sum"}
    refused = app.test_cli_runner().invoke(
        args=["oms", "form", "--user", "smo1_specialist", "--period", "2024-08", "--type", "АПП"]
    )
    assert json.loads(refused.output)["ok"] is False
