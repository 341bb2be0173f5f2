"""REST APIs (``/api/v1/...``), scoped like the pages."""

from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.models.organisation import Organisation, Subdivision
from app.models.vocabulary import Resource
from app.security.scoped_views import ScopedModelRestApi


class OrganisationApi(ScopedModelRestApi):
    resource_name = "organisation"
    class_permission_name = Resource.ORGANISATION
    datamodel = SQLAInterface(Organisation)
    list_columns = ["id", "kind", "code", "name", "okato", "is_active"]
    show_columns = ["id", "kind", "code", "name", "short_name", "inn", "kpp", "ogrn", "okato", "address", "is_active"]
    add_columns = edit_columns = [
        "kind",
        "code",
        "name",
        "short_name",
        "inn",
        "kpp",
        "ogrn",
        "okato",
        "address",
        "is_active",
    ]


class SubdivisionApi(ScopedModelRestApi):
    resource_name = "subdivision"
    class_permission_name = Resource.SUBDIVISION
    datamodel = SQLAInterface(Subdivision)
    list_columns = ["id", "organisation.id", "organisation.code", "code", "name", "is_active"]
    show_columns = list_columns
    add_columns = edit_columns = ["organisation", "code", "name", "is_active"]
