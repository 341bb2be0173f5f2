"""The roles as people read them: a matrix of resources × «Чтение» / «Запись» per role.

Roles are code (:mod:`app.security.roles`, synced by ``oms sync-roles``), so the page of the roles
only shows them; the marks are read from the database — what is in force, not what the code
says should be."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from app.extensions import appbuilder, db
from app.models.vocabulary import Resource
from app.security.roles import ALL_ROLES

#: the administration pages of the library that are no resource of ours: (label, view, the
#: permissions that mean read, those that mean write — None where the page does not write)
LIBRARY_ROWS: tuple[tuple[str, str, tuple[str, ...], Optional[tuple[str, ...]]], ...] = (
    ("Пользователи", "OmsUserView", ("can_list", "can_show"), ("can_add", "can_edit", "can_delete")),
    ("Роли и права", "RoleModelView", ("can_list", "can_show"), None),
)


@dataclass(frozen=True)
class RoleColumn:
    id: int
    name: str
    users: int  # active and inactive users holding the role


@dataclass(frozen=True)
class Mark:
    read: bool
    write: Optional[bool]  # None: the resource has nothing to write (a read-only page)


@dataclass(frozen=True)
class MatrixRow:
    label: str
    marks: tuple[Mark, ...]  # one per role, in the order of RoleMatrix.roles


@dataclass(frozen=True)
class RoleMatrix:
    roles: tuple[RoleColumn, ...]
    rows: tuple[MatrixRow, ...]


@dataclass(frozen=True)
class RoleHolder:
    full_name: str
    username: str
    organisation: str
    active: bool


def _ordered_roles(role_id: Optional[int]) -> list[Any]:
    sm = appbuilder.sm
    query = db.session.query(sm.role_model)
    if role_id is not None:
        query = query.filter(sm.role_model.id == role_id)
    rank = {name: i for i, name in enumerate(ALL_ROLES)}
    return sorted(query.all(), key=lambda r: (rank.get(r.name, len(rank)), r.name))


def _granted(role: Any) -> set[tuple[str, str]]:
    return {(pv.permission.name, pv.view_menu.name) for pv in role.permissions if pv.permission and pv.view_menu}


def _existing_permissions() -> set[tuple[str, str]]:
    """Every (permission, resource) pair the database knows: the views declare them."""
    sm = appbuilder.sm
    return {
        (pv.permission.name, pv.view_menu.name)
        for pv in db.session.query(sm.permissionview_model).all()
        if pv.permission and pv.view_menu
    }


def _users_of(role: Any) -> int:
    sm = appbuilder.sm
    return db.session.query(sm.user_model).filter(sm.user_model.roles.contains(role)).count()


def role_matrix(role_id: Optional[int] = None) -> Optional[RoleMatrix]:
    """Every role (or the one of ``role_id``; None when there is no such role) against every
    resource: may the role read it, may it write it."""
    roles = _ordered_roles(role_id)
    if role_id is not None and not roles:
        return None
    granted = [_granted(r) for r in roles]
    existing = _existing_permissions()
    rows = []
    for resource in Resource:
        writable = ("can_write", resource.value) in existing  # a read-only page has nothing to write
        marks = tuple(
            Mark(("can_read", resource.value) in g, (("can_write", resource.value) in g) if writable else None)
            for g in granted
        )
        rows.append(MatrixRow(resource.label, marks))
    for label, view, read, write in LIBRARY_ROWS:
        marks = tuple(
            Mark(
                any((p, view) in g for p in read),
                None if write is None else any((p, view) in g for p in write),
            )
            for g in granted
        )
        rows.append(MatrixRow(label, marks))
    columns = tuple(RoleColumn(r.id, r.name, _users_of(r)) for r in roles)
    return RoleMatrix(columns, tuple(rows))


def role_holders(role_id: int, limit: int = 200) -> list[RoleHolder]:
    """The users holding a role, by name (at most ``limit``)."""
    sm = appbuilder.sm
    role = db.session.get(sm.role_model, role_id)
    if role is None:
        return []
    users = (
        db.session.query(sm.user_model)
        .filter(sm.user_model.roles.contains(role))
        .order_by(sm.user_model.last_name, sm.user_model.first_name, sm.user_model.username)
        .limit(limit)
        .all()
    )
    return [
        RoleHolder(
            u.get_full_name(),
            u.username,
            (u.organisation.short_name or u.organisation.name) if u.organisation is not None else "",
            bool(u.active),
        )
        for u in users
    ]
