"""The start page: the home page of the user's role (app.services.dashboards) for the period of
``?period=ГГГГ-ММ`` — or the latest with data — every figure a link to the list behind it."""

from __future__ import annotations

from flask import abort, g, request
from flask_appbuilder import IndexView, expose

from app.services import dashboards


class OmsIndexView(IndexView):
    index_template = "oms/index.html"

    @expose("/")
    def index(self):
        user = g.user if getattr(g, "user", None) is not None and g.user.is_authenticated else None
        try:
            page = dashboards.home_page(user, request.args.get("period"))
        except dashboards.PeriodRefused as refused:
            abort(400, str(refused))
        self.update_redirect()
        return self.render_template(self.index_template, appbuilder=self.appbuilder, page=page)
