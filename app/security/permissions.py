"""Permissions collapsed to read/write per resource (as in Superset).

Every view and API of the project names its resource with ``class_permission_name`` and maps its
methods to ``read`` or ``write`` with the tables below; roles (``app.security.roles``) then grant
``can_read`` / ``can_write`` per resource.
"""

PERM_READ = "read"
PERM_WRITE = "write"

VIEW_METHOD_PERMISSIONS = {
    "list": PERM_READ,
    "show": PERM_READ,
    "download": PERM_READ,
    "add": PERM_WRITE,
    "edit": PERM_WRITE,
    "delete": PERM_WRITE,
    "action": PERM_WRITE,
    "action_post": PERM_WRITE,
}

API_METHOD_PERMISSIONS = {
    "get": PERM_READ,
    "get_list": PERM_READ,
    "info": PERM_READ,
    "post": PERM_WRITE,
    "put": PERM_WRITE,
    "delete": PERM_WRITE,
}

DISABLED = "disabled"  # a permission no role holds: the route is switched off for the view
CRUD_METHODS = ("add", "edit", "delete")


def view_method_permissions(
    declared: dict | None, crud_methods: tuple[str, ...], view_class=None, read_actions: tuple[str, ...] = ()
) -> dict:
    """A view's method -> read/write map: the defaults, the view's own entries, its ``@action``
    methods (write, or read for ``read_actions``) — known before Flask-AppBuilder collects the
    actions, so no action becomes a permission of its own — and the generic CRUD routes it does
    not offer switched off (403, buttons hidden)."""
    perms = {**VIEW_METHOD_PERMISSIONS, **(declared or {})}
    for attr_name in dir(view_class) if view_class is not None else ():
        spec = getattr(getattr(view_class, attr_name, None), "_action", None)
        if spec:
            perms.setdefault(attr_name, PERM_READ if spec[0] in read_actions else PERM_WRITE)
    for method in CRUD_METHODS:
        if method not in crud_methods:
            perms[method] = DISABLED
    return perms
