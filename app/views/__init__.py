"""Registration of every view, API and menu entry (menus as in the regional manual)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

# the category of FAB's security views; its label is «Администрирование»
ADMIN_CATEGORY = "Security"


def register_views(appbuilder) -> None:
    from app.views.admin import AuditEventView, BackgroundJobView, OrganisationView, SubdivisionView
    from app.views.api import OrganisationApi, SubdivisionApi

    from app.views.intake import UploadedFileView

    appbuilder.add_view(UploadedFileView, "File upload", label=_l("File upload"), icon="fa-upload")
    appbuilder.add_view(OrganisationView, "Organisations", label=_l("Organisations"),
                        icon="fa-building", category=ADMIN_CATEGORY)
    appbuilder.add_view(SubdivisionView, "Subdivisions", label=_l("Subdivisions"),
                        icon="fa-sitemap", category=ADMIN_CATEGORY)
    appbuilder.add_view(AuditEventView, "Audit log", label=_l("Audit log"),
                        icon="fa-history", category=ADMIN_CATEGORY)
    appbuilder.add_view(BackgroundJobView, "Background jobs", label=_l("Background jobs"),
                        icon="fa-tasks", category=ADMIN_CATEGORY)
    appbuilder.add_api(OrganisationApi)
    appbuilder.add_api(SubdivisionApi)
