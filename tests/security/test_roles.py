"""Roles as code: the sync is exact and idempotent, and each role's menu shows what it may use."""

from __future__ import annotations

import re

from app.extensions import appbuilder, db
from app.security.roles import ALL_ROLES, ROLE_ADMIN, ROLE_GRANTS, ROLE_MO, sync_roles


def _menu_labels(html: str) -> set[str]:
    nav = html.split('class="nav navbar-nav"', 1)[1].split('navbar-right', 1)[0]
    return {re.sub(r"\s+", " ", t).strip() for t in re.findall(r"&nbsp;\s*([^<]+?)\s*(?:<b|</a>)", nav)}


def test_sync_is_idempotent_and_exact(app_ctx):
    first = sync_roles(appbuilder)
    second = sync_roles(appbuilder)
    assert first == second
    assert set(first) == set(ALL_ROLES)
    role = appbuilder.sm.find_role(ROLE_MO)
    pairs = {(pv.permission.name, pv.view_menu.name) for pv in role.permissions}
    assert ("can_read", "Organisation") in pairs
    assert ("can_write", "Organisation") not in pairs
    assert not any(view == "AuditEvent" for _p, view in pairs)
    # a permission added by hand is removed by the next sync
    extra = appbuilder.sm.find_permission_view_menu("can_read", "AuditEvent")
    role.permissions.append(extra)
    db.session.commit()
    sync_roles(appbuilder)
    assert extra not in appbuilder.sm.find_role(ROLE_MO).permissions


def test_admin_holds_every_permission(app_ctx):
    sync_roles(appbuilder)
    admin = appbuilder.sm.find_role(ROLE_ADMIN)
    total = db.session.query(appbuilder.sm.permissionview_model).count()
    assert len(admin.permissions) == total


def test_every_project_resource_is_granted_or_admin_only(app_ctx):
    granted = {r for grants in ROLE_GRANTS.values() for r in grants}
    admin_only = {"AuditEvent", "BackgroundJob", "OmsUserView", "RoleModelView"}  # RoleModelView: «Роли и права»
    for view in appbuilder.baseviews:
        resource = getattr(view, "class_permission_name", None)
        module = type(view).__module__
        if module.startswith("app.") and resource and getattr(view, "base_permissions", None):
            assert resource in granted or resource in admin_only, f"{type(view).__name__}: {resource}"


MENUS = {
    "tfoms_admin": (
        {
            "Администрирование",
            "Организации",
            "Подразделения",
            "Журнал аудита",
            "Фоновые задачи",
            "Список пользователей",
        },
        set(),
    ),
    "mo1_operator": (
        {"Администрирование", "Организации", "Подразделения"},
        {"Журнал аудита", "Фоновые задачи", "Список пользователей"},
    ),
    "smo1_specialist": ({"Организации"}, {"Подразделения", "Журнал аудита", "Список пользователей"}),
}


def test_menu_per_role_is_russian_and_limited(app, browser_factory):
    for username, (present, absent) in MENUS.items():
        b = browser_factory(username)
        labels = _menu_labels(b.get("/").get_data(as_text=True))
        assert present <= labels, (username, labels)
        assert not (absent & labels), (username, labels)


def test_profile_page_open_to_every_role(app, browser_factory):
    for username in ("mo1_operator", "smo1_specialist", "tfoms_admin"):
        resp = browser_factory(username).get("/users/userinfo/")
        assert resp.status_code == 200, username
