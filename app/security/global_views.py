"""Base views for rows that belong to no organisation (reference books, control rules, the
fund's logs): permissions collapsed to read/write like the scoped views, no row scoping."""
from __future__ import annotations

from flask_appbuilder import ModelView

from app.security.permissions import CRUD_METHODS, view_method_permissions


class GlobalModelView(ModelView):
    base_permissions = ["can_read", "can_write"]
    crud_methods: tuple[str, ...] = CRUD_METHODS

    def __init__(self, **kwargs):
        self.method_permission_name = view_method_permissions(self.method_permission_name, self.crud_methods,
                                                              type(self))
        super().__init__(**kwargs)


class GlobalReadOnlyView(GlobalModelView):
    base_permissions = ["can_read"]
    crud_methods = ()
