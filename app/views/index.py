"""The start page: who is logged in, for which organisation, and where to go."""

from flask_appbuilder import IndexView


class OmsIndexView(IndexView):
    index_template = "oms/index.html"
