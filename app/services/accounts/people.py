"""People by name: a user as the pages show them — first and last name, the login only when the
user has no name, the system's own moves as «система»."""

from __future__ import annotations

from typing import Optional

from app.extensions import appbuilder, db
from app.models.user import OmsUser


def display_name(first: Optional[str], last: Optional[str], login: Optional[str] = None) -> Optional[str]:
    """«Имя Фамилия» (as the menu shows the user); ``login`` when both are empty."""
    return " ".join(p for p in (first, last) if p).strip() or login


def person_name(user: Optional[OmsUser], login: Optional[str] = None) -> str:
    """A user's name as the pages show it (the history keeps the login of a user since deleted)."""
    if user is not None:
        return display_name(user.first_name, user.last_name, user.username)
    return "система" if login in (None, "", "система", "system") else login


def full_names_by_username() -> dict[str, str]:
    """login → the user's name, of every user (the users are few: one query per page that needs them)."""
    user = appbuilder.sm.user_model
    rows = db.session.query(user.username, user.first_name, user.last_name).all()
    return {login: display_name(first, last, login) for login, first, last in rows}
