"""The list widget of the project's list views: FAB's own, with row-aware cell formatters
(:func:`app.views.formatting.row_aware`)."""

from flask_appbuilder.widgets import ListWidget, ShowWidget


class OmsListWidget(ListWidget):
    template = "oms/widgets/list.html"


class OmsShowWidget(ShowWidget):
    template = "oms/widgets/show.html"
