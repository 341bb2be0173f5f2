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
