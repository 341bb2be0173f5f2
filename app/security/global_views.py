"""Base views for rows that belong to no organisation (reference books, control rules, the
fund's logs): permissions collapsed to read/write like the scoped views, no row scoping."""
from __future__ import annotations

from flask_appbuilder import ModelView

from app.security.permissions import PERM_WRITE, VIEW_METHOD_PERMISSIONS

DISABLED = "disabled"


class GlobalModelView(ModelView):
    base_permissions = ["can_read", "can_write"]
    crud_methods: tuple[str, ...] = ("add", "edit", "delete")

    def __init__(self, **kwargs):
        self.method_permission_name = {**VIEW_METHOD_PERMISSIONS, **(self.method_permission_name or {})}
        for method in ("add", "edit", "delete"):
            if method not in self.crud_methods:
                self.method_permission_name[method] = DISABLED
        super().__init__(**kwargs)
        for act in self.actions.values():
            self.method_permission_name.setdefault(act.func.__name__, PERM_WRITE)


class GlobalReadOnlyView(GlobalModelView):
    base_permissions = ["can_read"]
    crud_methods = ()
