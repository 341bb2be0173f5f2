"""Roles as code, synced into the database by ``flask --app run.py oms sync-roles``.

A role grants ``read`` or ``write`` (which includes read) per resource (a view's or API's
``class_permission_name``).  Menu entries follow: a role sees a menu entry when it may read the
entry's resource.  «Администратор ТФОМС» holds every permission of the application.
"""

from __future__ import annotations

from app.models.vocabulary import Resource
from app.security.permissions import PERM_READ, PERM_WRITE

ROLE_ADMIN = "Администратор ТФОМС"
ROLE_TFOMS = "Специалист ТФОМС"
ROLE_MO = "Специалист МО"
ROLE_SMO = "Специалист СМО"

R, W = PERM_READ, PERM_WRITE

# resource -> level, per role (the administrator gets everything)
ROLE_GRANTS: dict[str, dict[Resource, str]] = {
    ROLE_TFOMS: {
        Resource.UPLOADED_FILE: R,
        Resource.MEDICAL_CASE: R,
        Resource.FORMATION: R,
        Resource.REGISTRY: W,
        Resource.NSI: R,
        Resource.CONTROL_RULE: W,
        Resource.ERZ: R,
        Resource.TARIFF: R,
        Resource.MO_ATTACHMENT: R,  # the registers of the МО attachment and licences: the fund's only
        Resource.MO_LICENCE: R,
        Resource.ORGANISATION: R,
        Resource.SUBDIVISION: R,
        Resource.AUDIT_EVENT: R,
        Resource.BACKGROUND_JOB: R,
        Resource.CERTIFICATE: R,
        Resource.TRUST_ROOT: R,
        Resource.API_KEY: W,  # own keys of the МИС REST API («Ключи API»)
        Resource.ANALYTICS: R,
    },
    ROLE_MO: {
        Resource.UPLOADED_FILE: W,
        Resource.MEDICAL_CASE: W,
        Resource.FORMATION: W,
        Resource.REGISTRY: W,
        Resource.NSI: R,
        Resource.CONTROL_RULE: R,
        Resource.ORGANISATION: R,
        Resource.SUBDIVISION: R,
        Resource.CERTIFICATE: R,
        Resource.API_KEY: W,
        Resource.ANALYTICS: R,
    },
    ROLE_SMO: {
        Resource.REGISTRY: W,
        Resource.NSI: R,
        Resource.CONTROL_RULE: R,
        Resource.ORGANISATION: R,
        Resource.CERTIFICATE: R,
        Resource.API_KEY: W,
        Resource.ANALYTICS: R,
    },
}
ALL_ROLES = (ROLE_ADMIN, ROLE_TFOMS, ROLE_MO, ROLE_SMO)

# Flask-AppBuilder's own pages every user needs: the profile and changing one's own password
COMMON_PERMISSIONS = [
    ("can_userinfo", "OmsUserView"),
    ("resetmypassword", "OmsUserView"),
    ("userinfoedit", "OmsUserView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
    ("can_this_form_get", "UserInfoEditView"),
    ("can_this_form_post", "UserInfoEditView"),
    # the REST API's description (the OpenAPI spec and Swagger UI): documentation, no data
    ("can_get", "OpenApi"),
    ("can_show", "SwaggerView"),
]


def _perm_names(level: str) -> list[str]:
    return ["can_read", "can_write"] if level == W else ["can_read"]


def _menu_items(appbuilder):
    """(menu item name, category name or None, resource) for every menu entry with a view."""
    for top in appbuilder.menu.get_list():
        if top.childs:
            for child in top.childs:
                if child.baseview is not None:
                    yield child.name, top.name, getattr(child.baseview, "class_permission_name", None)
        elif top.baseview is not None:
            yield top.name, None, getattr(top.baseview, "class_permission_name", None)


def wanted_permissions(appbuilder, grants: dict[str, str]) -> set:
    sm = appbuilder.sm
    wanted = set()
    for perm, view in COMMON_PERMISSIONS:
        pv = sm.find_permission_view_menu(perm, view)
        if pv is not None:
            wanted.add(pv)
    for resource, level in grants.items():
        for perm in _perm_names(level):
            pv = sm.find_permission_view_menu(perm, resource)
            if pv is not None:
                wanted.add(pv)
    for item, category, resource in _menu_items(appbuilder):
        if resource in grants:
            for name in (item, category):
                if name:
                    pv = sm.find_permission_view_menu("menu_access", name) or sm.add_permission_view_menu(
                        "menu_access", name
                    )
                    wanted.add(pv)
    return wanted


def sync_roles(appbuilder) -> dict[str, int]:
    """Make the roles in the database exactly what this module says. Returns permission counts."""
    sm = appbuilder.sm
    session = sm.session
    counts = {}
    admin = sm.find_role(ROLE_ADMIN) or sm.add_role(ROLE_ADMIN)
    admin.permissions = session.query(sm.permissionview_model).all()
    counts[ROLE_ADMIN] = len(admin.permissions)
    for role_name, grants in ROLE_GRANTS.items():
        role = sm.find_role(role_name) or sm.add_role(role_name)
        role.permissions = sorted(wanted_permissions(appbuilder, grants), key=lambda pv: pv.id)
        counts[role_name] = len(role.permissions)
    session.commit()
    return counts
