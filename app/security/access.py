"""Permission checks for a given user (services and the command line act as a login, not
through the request's current user)."""

from __future__ import annotations


def can(user, level: str, resource: str) -> bool:
    """``level`` is "read" or "write" (write includes read)."""
    wanted = {"can_write"} if level == "write" else {"can_read", "can_write"}
    for role in getattr(user, "roles", ()) or ():
        for pv in role.permissions:
            if pv.view_menu.name == resource and pv.permission.name in wanted:
                return True
    return False
