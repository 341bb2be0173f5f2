"""Row scoping of the МИС REST API from the attacker's side, for every endpoint that takes an id.

A victim file and registry (with a document) of МО «A», subdivision A1, paid by СМО «S», are
attacked with API keys and with JWTs by: a login of another МО, a login of an СМО that is not
the payer, and a login of МО «A» limited to subdivision A2.  Every call answers 404 — exactly
what an id that does not exist answers, so nothing tells that the row exists — or 403 where
the role has no right to the resource at all (an СМО and the files); nothing changes.  The same
calls answer 200 to the owner and to the payer, so the 404s are scoping.
"""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models.intake import ControlError, UploadedFile
from app.models.organisation import Organisation, Subdivision
from app.models.registry import Registry, RegistryDocument, RegistryStatusChange
from app.security.roles import ROLE_MO, ROLE_SMO
from tests.api.helpers import CASES, FILES, REGISTRIES, Api
from tests.factories import (
    PASSWORD,
    make_case,
    make_org,
    make_registry,
    make_subdivision,
    make_uploaded_file,
    make_user,
)

MISSING = 987654321


class World:
    def __init__(self, app, tmp_path):
        with app.app_context():
            mo_a, mo_b = make_org("mo"), make_org("mo")
            sub_a1, sub_a2 = make_subdivision(mo_a), make_subdivision(mo_a)
            smo_s, smo_t = make_org("smo"), make_org("smo")
            self.owner = make_user(mo_a, ROLE_MO, subdivision=sub_a1).username
            self.payer = make_user(smo_s, ROLE_SMO).username
            self.attackers = {
                "another МО": make_user(mo_b, ROLE_MO).username,
                "an СМО that is not the payer": make_user(smo_t, ROLE_SMO).username,
                "another subdivision of the МО": make_user(mo_a, ROLE_MO, subdivision=sub_a2).username,
            }
            file = make_uploaded_file(mo_a, sub_a1)
            case = make_case(mo_a, sub_a1)
            case.calc_detail = '{"total": "100.00", "sl": [], "missing": ["секрет жертвы"]}'
            db.session.add(
                ControlError(
                    file_id=file.id,
                    organisation_id=mo_a.id,
                    subdivision_id=sub_a1.id,
                    stage="ФЛК",
                    code="902",
                    element="DS1",
                    n_zap="1",
                    idcase="1",
                    sl_id="1",
                    comment="Секретная ошибка жертвы",
                    file_kind="H",
                )
            )
            reg = make_registry(mo_a, sub_a1, smo_s, status="Создан")
            doc_path = tmp_path / f"Счет_{reg.number}.docx"
            doc_path.write_bytes(b"PK victim document")
            doc = RegistryDocument(
                registry_id=reg.id,
                kind="invoice",
                title="Счет",
                file_name=doc_path.name,
                path=str(doc_path),
                size=doc_path.stat().st_size,
                sha256="0" * 64,
            )
            db.session.add(doc)
            db.session.commit()
            self.file_id, self.registry_id, self.doc_id = file.id, reg.id, doc.id
            self.case_id, self.case_file_id = case.id, case.file_id
            self.sub_ids = (sub_a1.id, sub_a2.id)

    def snapshot(self, app):
        with app.app_context():
            db.session.expire_all()
            reg = db.session.get(Registry, self.registry_id)
            file = db.session.get(UploadedFile, self.file_id)
            return (
                reg.status,
                reg.changed_at,
                file.status,
                file.note,
                db.session.query(RegistryStatusChange).filter_by(registry_id=self.registry_id).count(),
                db.session.query(ControlError).filter_by(file_id=self.file_id).count(),
            )


def file_calls(pk):
    yield "GET", f"{FILES}/{pk}", None
    yield "GET", f"{FILES}/{pk}/errors", None
    yield "GET", f"{FILES}/{pk}/cases", None
    yield "GET", f"{FILES}/{pk}/protocol", None
    yield "GET", f"{FILES}/{pk}/protocol?format=xlsx", None


def case_calls(case_id, case_file_id):
    """The case and the cases of its file: the file API's resource and the cases page's (an СМО
    has neither)."""
    yield ("GET", f"{CASES}/{case_id}", None), case_id
    yield ("GET", f"{FILES}/{case_file_id}/cases", None), case_file_id


def registry_calls(pk, doc_id):
    yield "GET", f"{REGISTRIES}/{pk}", None
    yield "POST", f"{REGISTRIES}/{pk}/status", {"status": "Отправлен"}
    yield "GET", f"{REGISTRIES}/{pk}/documents", None
    yield "GET", f"{REGISTRIES}/{pk}/documents/{doc_id}", None
    yield "GET", f"{REGISTRIES}/{pk}/documents.zip", None


def call(api, method, url, body):
    return api.get(url) if method == "GET" else api.post(url, json=body)


@pytest.fixture()
def world(app, tmp_path):
    return World(app, tmp_path)


@pytest.mark.parametrize("auth", ["key", "jwt"])
def test_foreign_rows_answer_404_like_missing_ones_and_nothing_changes(app, browser_factory, world, auth):
    before = world.snapshot(app)
    checked = 0
    for label, username in world.attackers.items():
        api = Api.by(auth, app, browser_factory, username, PASSWORD)
        is_smo = label.startswith("an СМО")
        calls = (
            [(c, True, world.file_id) for c in file_calls(world.file_id)]
            + [(c, True, pk) for c, pk in case_calls(world.case_id, world.case_file_id)]
            + [(c, False, world.registry_id) for c in registry_calls(world.registry_id, world.doc_id)]
        )
        for (method, url, body), is_file, pk in calls:
            resp = call(api, method, url, body)
            if is_smo and is_file:
                # the СМО has no right to the files and cases at all: 403 for any id, existing or not
                assert resp.status_code == 403, f"{label} {method} {url} -> {resp.status_code}"
                missing = call(api, method, url.replace(f"/{pk}", f"/{MISSING}", 1), body)
                assert missing.status_code == 403
            else:
                assert resp.status_code == 404, f"{label} {method} {url} -> {resp.status_code}"
                missing = call(api, method, url.replace(f"/{pk}", f"/{MISSING}", 1), body)
                assert (missing.status_code, missing.get_json()) == (404, resp.get_json()), url
            assert "жертвы" not in resp.get_data(as_text=True)
            checked += 1
        # the lists do not show the victim either
        files = api.get(f"{FILES}/")
        if files.status_code == 200:
            assert world.file_id not in [f["id"] for f in files.get_json()["result"]], label
        else:
            assert is_smo and files.status_code == 403
        regs = api.get(f"{REGISTRIES}/?page_size=1000")
        assert regs.status_code == 200
        assert world.registry_id not in [r["id"] for r in regs.get_json()["result"]], label
    assert checked == 3 * 12
    assert world.snapshot(app) == before, "an attacker changed the victim's rows"


@pytest.mark.parametrize("auth", ["key", "jwt"])
def test_the_same_calls_answer_the_owner_and_the_payer(app, browser_factory, world, auth):
    owner = Api.by(auth, app, browser_factory, world.owner, PASSWORD)
    for method, url, body in file_calls(world.file_id):
        resp = call(owner, method, url, body)
        assert resp.status_code == 200, f"owner {method} {url} -> {resp.status_code}"
    errors = owner.get(f"{FILES}/{world.file_id}/errors").get_json()
    assert errors["count"] == 1 and errors["result"][0]["comment"] == "Секретная ошибка жертвы"
    assert world.file_id in [f["id"] for f in owner.get(f"{FILES}/").get_json()["result"]]
    for (method, url, body), _ in case_calls(world.case_id, world.case_file_id):
        resp = call(owner, method, url, body)
        assert resp.status_code == 200, f"owner {method} {url} -> {resp.status_code}"
    shown = owner.get(f"{CASES}/{world.case_id}").get_json()["result"]
    assert shown["cost"]["missing"] == ["секрет жертвы"]
    listed = owner.get(f"{FILES}/{world.case_file_id}/cases").get_json()
    assert [c["id"] for c in listed["result"]] == [world.case_id]
    payer = Api.by(auth, app, browser_factory, world.payer, PASSWORD)
    for api in (owner, payer):
        for method, url, body in registry_calls(world.registry_id, world.doc_id):
            if method == "POST":
                continue  # the owner's status change is checked below
            resp = call(api, method, url, body)
            assert resp.status_code == 200, f"{method} {url} -> {resp.status_code}"
        assert resp.data[:2] == b"PK"  # the ZIP
        assert world.registry_id in [r["id"] for r in api.get(f"{REGISTRIES}/").get_json()["result"]]
    # the payer sees the registry but may not send it (403, not 404); the owner may (its
    # status change itself is in test_mis_flow.py: an empty registry makes no documents)
    refused = payer.post(f"{REGISTRIES}/{world.registry_id}/status", json={"status": "Отправлен"})
    assert refused.status_code == 403 and refused.get_json()["status"] == "Создан"
    shown = owner.get(f"{REGISTRIES}/{world.registry_id}").get_json()["result"]
    assert shown["allowed_statuses"] == ["Отправлен"] and [d["id"] for d in shown["documents"]] == [world.doc_id]


def test_a_subdivision_login_sees_only_its_subdivision(app, browser_factory, world):
    """The owner's own subdivision login sees the rows; the whole-МО demo rows are not its."""
    owner = Api.with_key(app, browser_factory, world.owner)
    with app.app_context():
        sub_a1, _ = (db.session.get(Subdivision, i) for i in world.sub_ids)
        mo_a = db.session.get(Organisation, sub_a1.organisation_id)
        whole_mo = make_uploaded_file(mo_a, None)
        other_sub_file = make_uploaded_file(mo_a, db.session.get(Subdivision, world.sub_ids[1]))
        whole_ids = (whole_mo.id, other_sub_file.id)
    listed = {f["id"] for f in owner.get(f"{FILES}/?page_size=1000").get_json()["result"]}
    assert world.file_id in listed and not (set(whole_ids) & listed)
    for pk in whole_ids:
        assert owner.get(f"{FILES}/{pk}").status_code == 404
