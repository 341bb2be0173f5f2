"""Row scoping from the attacker's side, for EVERY scoped view and API the app registers.

For each scoped view/API the test makes a victim row of МО «A» (subdivision A1, payer СМО «S»)
and attacks it as: a user of another МО, a user of an СМО that is not the payer, and a login of
МО «A» limited to another subdivision.  Show, edit (GET and POST), delete, every single action,
every bulk action, API get/put/delete must answer 403 or 404 and change nothing, and the victim
must not appear in the attacker's list page (rows or dropdowns).  New views are covered as soon
as they are registered: the test fails if a scoped model has no factory in tests/factories.py.
"""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from app.extensions import appbuilder, db
from app.security.roles import ROLE_MO, ROLE_SMO, ROLE_TFOMS
from app.security.scope import Scope
from app.security.scoped_views import ScopedModelRestApi, ScopedModelView
from tests.factories import SCOPED_ROW_FACTORIES, VIEW_ROW_FACTORIES, make_org, make_subdivision, make_user


def scoped_views():
    return [v for v in appbuilder.baseviews if isinstance(v, ScopedModelView)]


def scoped_apis():
    return [v for v in appbuilder.baseviews if isinstance(v, ScopedModelRestApi)]


def snapshot(row):
    return snapshot_of(type(row), inspect(row).identity[0])


def snapshot_of(model, pk):
    db.session.expire_all()
    fresh = db.session.get(model, pk)
    if fresh is None:
        return None
    return {c.key: getattr(fresh, c.key) for c in inspect(model).column_attrs}


class World:
    """Ids and logins only: requests must run outside any app context of the test."""

    def __init__(self, app):
        with app.app_context():
            mo_a = make_org("mo")
            sub_a1 = make_subdivision(mo_a)
            sub_a2 = make_subdivision(mo_a)
            mo_b = make_org("mo")
            smo_s = make_org("smo")
            smo_t = make_org("smo")
            self.users = {
                "other_mo": make_user(mo_b, ROLE_MO).username,
                "other_smo": make_user(smo_t, ROLE_SMO).username,
                "other_subdivision": make_user(mo_a, ROLE_MO, subdivision=sub_a2).username,
            }
            self.owner = make_user(mo_a, ROLE_MO, subdivision=sub_a1).username
            self.mo_id, self.sub_id, self.smo_id = mo_a.id, sub_a1.id, smo_s.id
            self.mo_name, self.sub_name = mo_a.name, sub_a1.name

    def make_row(self, model, view=None):
        """A victim row (call inside an app context); returns (row, pk, snapshot, text)."""
        from app.models.organisation import Organisation, Subdivision

        factory = VIEW_ROW_FACTORIES.get(type(view).__name__) or SCOPED_ROW_FACTORIES[model]
        row = factory(
            db.session.get(Organisation, self.mo_id),
            db.session.get(Subdivision, self.sub_id),
            db.session.get(Organisation, self.smo_id),
        )
        return row, inspect(row).identity[0], snapshot(row), str(row)

    def attackers_for(self, row):
        """The attackers whose scope excludes the victim row (an organisation, say, is
        legitimately visible to a subdivision login of the same МО)."""
        from app.models.user import OmsUser

        for label, username in self.users.items():
            user = db.session.query(OmsUser).filter_by(username=username).one()
            if not Scope.of(user).allows(row):
                yield label, username


@pytest.fixture()
def world(app):
    return World(app)


def test_every_scoped_model_has_a_factory(app_ctx):
    models = {v.datamodel.obj for v in scoped_views() + scoped_apis()}
    assert models, "no scoped view registered"
    missing = [m.__name__ for m in models if m not in SCOPED_ROW_FACTORIES]
    assert not missing, f"add a foreign-row factory to tests/factories.py for {missing}"


def test_scoped_views_and_apis_exist(app_ctx):
    names = {type(v).__name__ for v in scoped_views()}
    assert {"OrganisationView", "SubdivisionView"} <= names
    assert {"OrganisationApi", "SubdivisionApi"} <= {type(v).__name__ for v in scoped_apis()}


def _custom_routes(view, pk):
    """Every other route of the view that takes a row id (drill-downs, downloads, …): filled with
    the victim's id and placeholder values for the other arguments."""
    from flask import current_app

    skip = {"show", "edit", "delete", "action", "action_post", "list", "add", "download"}
    for rule in current_app.url_map.iter_rules():
        endpoint, _, method = rule.endpoint.partition(".")
        if endpoint != type(view).__name__ or method in skip or "pk" not in rule.arguments:
            continue
        from werkzeug.routing import IntegerConverter

        values = {
            arg: (1 if isinstance(rule._converters.get(arg), IntegerConverter) else "ФЛК" if arg == "stage" else "X")
            for arg in rule.arguments
        }
        values["pk"] = pk
        url = rule.build(values)[1]
        for verb in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield verb, url, {}


def _attempts_view(view, pk):
    base = f"/{view.route_base.strip('/')}"
    yield from _custom_routes(view, pk)
    yield "GET", f"{base}/show/{pk}", None
    yield "GET", f"{base}/edit/{pk}", None
    yield "POST", f"{base}/edit/{pk}", {"name": "взлом", "code": "000000"}
    yield "POST", f"{base}/delete/{pk}", {}
    for name in view.actions:
        yield "POST", f"{base}/action/{name}/{pk}", {}
        yield "POST", f"{base}/action_post", {"action": name, "rowid": [str(pk)]}


def test_foreign_rows_are_out_of_reach_in_views(app, world, browser_factory):
    with app.app_context():
        views = scoped_views()
    checked = 0
    for view in views:
        model = view.datamodel.obj
        with app.app_context():
            row, pk, before, label_text = world.make_row(model, view)
            attackers = list(world.attackers_for(row))
        assert attackers, f"{type(view).__name__}: no attacker is outside the scope of the row"
        with app.test_request_context():
            attempts = list(_attempts_view(view, pk))
        for label, username in attackers:
            b = browser_factory()
            resp = b.login(username, "Test-Pass-2026x")
            assert resp.status_code == 302
            for method, url, data in attempts:
                resp = b.get(url) if method == "GET" else b.post(url, data=data)
                assert resp.status_code in (403, 404), f"{label} {method} {url} -> {resp.status_code}"
                checked += 1
            listing = b.get(f"/{view.route_base.strip('/')}/list/")
            if listing.status_code == 200:
                assert label_text not in listing.get_data(as_text=True), (
                    f"{label} sees {label_text!r} in {view.route_base}/list/"
                )
            with app.app_context():
                assert snapshot_of(model, pk) == before, f"{label} changed {model.__name__} {pk}"
    assert checked > 0


def test_foreign_rows_are_out_of_reach_in_apis(app, world, browser_factory):
    with app.app_context():
        apis = scoped_apis()
    for api in apis:
        model = api.datamodel.obj
        with app.app_context():
            row, pk, before, _text = world.make_row(model)
            attackers = list(world.attackers_for(row))
        assert attackers
        for label, username in attackers:
            b = browser_factory()
            b.login(username, "Test-Pass-2026x")
            url = f"/api/v1/{api.resource_name}/{pk}"
            for method, body in (("GET", None), ("PUT", {"name": "взлом"}), ("DELETE", None)):
                resp = b.api(method, url, json=body)
                assert resp.status_code in (403, 404), f"{label} {method} {url} -> {resp.status_code}"
            listing = b.api("GET", f"/api/v1/{api.resource_name}/")
            if listing.status_code == 200:
                ids = listing.get_json()["ids"]
                assert pk not in ids, f"{label} lists {model.__name__} {pk} in the API"
            with app.app_context():
                assert snapshot_of(model, pk) == before


def test_owner_and_fund_do_see_the_row(app, world, browser_factory):
    """The attack test is not vacuous: the same URLs answer 200 to the owner and to the fund."""
    from app.models.organisation import Organisation

    with app.app_context():
        views = scoped_views()
        tfoms = make_user(db.session.query(Organisation).filter_by(code="14").one(), ROLE_TFOMS).username
    for view in views:
        model = view.datamodel.obj
        with app.app_context():
            _row, pk, _before, _text = world.make_row(model, view)
        for username in (world.owner, tfoms):
            b = browser_factory()
            b.login(username, "Test-Pass-2026x")
            resp = b.get(f"/{view.route_base.strip('/')}/show/{pk}")
            assert resp.status_code == 200, f"{username} cannot see its own {model.__name__}"


def test_scoped_dropdowns_offer_only_own_rows(app, world, browser_factory):
    """The subdivision list's search form offers organisations: only the user's own."""
    b = browser_factory()
    b.login(world.users["other_mo"], "Test-Pass-2026x")
    resp = b.get("/subdivisionview/list/")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert world.mo_name not in html
    assert world.sub_name not in html


def test_probe_actions_work_for_the_owner(app, world, browser_factory):
    """The actions the attack test tries are reachable by the owner: the 404s are scoping."""
    b = browser_factory()
    b.login(world.owner, "Test-Pass-2026x")
    resp = b.post(f"/test-probe-subdivision/action/probe/{world.sub_id}")
    assert resp.status_code == 200 and b"probe ok" in resp.data
    resp = b.post("/test-probe-subdivision/action_post", data={"action": "probe", "rowid": [str(world.sub_id)]})
    assert resp.status_code == 200


def test_unknown_action_name_answers_404(app, world, browser_factory):
    b = browser_factory("tfoms_admin")
    resp = b.post("/subdivisionview/action_post", data={"action": "no-such-action", "rowid": [str(world.sub_id)]})
    assert resp.status_code == 404
