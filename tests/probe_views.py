"""A test-only scoped view with actions open to МО users (read actions on «Subdivision»), so the
scoping test exercises Flask-AppBuilder's /action and /action_post routes before the features
that bring real actions exist."""

from flask import Response
from flask_appbuilder import action
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.models.organisation import Subdivision
from app.security.scoped_views import ScopedModelView


class SubdivisionProbeView(ScopedModelView):
    route_base = "/test-probe-subdivision"
    datamodel = SQLAInterface(Subdivision)
    class_permission_name = "Subdivision"
    read_actions = ("probe",)
    list_columns = ["code", "name"]

    @action("probe", "probe", "", "fa-check")
    def probe(self, items):
        items = items if isinstance(items, list) else [items]
        return Response("probe ok: " + ",".join(str(i.id) for i in items), status=200)
