"""API keys of the МИС REST API: Flask-AppBuilder's own ``ab_api_key`` (``FAB_API_KEY_ENABLED``).

A key belongs to one login and acts as that login: the same roles, the same organisation and
subdivision scope as the pages.  The key itself (``sst_…``) is shown once, when it is made; the
database keeps only its hashes.  Used by ``oms api-key create/list/revoke`` and by the page
«Ключи API» (a user's own keys); every creation and revocation goes to the audit log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from flask_appbuilder.security.sqla.models import ApiKey

from app.core import audit
from app.extensions import appbuilder, db
from app.models.user import OmsUser

NAME_MAX = 100


class ApiKeyRefused(Exception):
    """The key cannot be made or revoked; the message is for the user."""


@dataclass
class KeyInfo:
    uuid: str
    name: str
    user: str
    prefix: str
    created_on: Optional[dt.datetime]
    expires_on: Optional[dt.datetime]
    revoked_on: Optional[dt.datetime]
    last_used_on: Optional[dt.datetime]
    active: bool

    @classmethod
    def of(cls, key: ApiKey, username: str) -> "KeyInfo":
        return cls(
            uuid=key.uuid,
            name=key.name,
            user=username,
            prefix=key.key_prefix,
            created_on=key.created_on,
            expires_on=key.expires_on,
            revoked_on=key.revoked_on,
            last_used_on=key.last_used_on,
            active=key.is_active,
        )

    @property
    def state(self) -> str:
        if self.revoked_on is not None:
            return "отозван"
        if not self.active:
            return "срок истек"
        return "действует"

    def as_dict(self) -> dict:
        return {
            "uuid": self.uuid,
            "name": self.name,
            "user": self.user,
            "prefix": self.prefix,
            "created_on": _iso(self.created_on),
            "expires_on": _iso(self.expires_on),
            "revoked_on": _iso(self.revoked_on),
            "last_used_on": _iso(self.last_used_on),
            "active": self.active,
            "state": self.state,
        }


def _iso(value: Optional[dt.datetime]) -> Optional[str]:
    return value.isoformat(timespec="seconds") if value is not None else None


def create_key(user: OmsUser, name: str, expires_on: Optional[dt.date] = None, actor: Optional[OmsUser] = None) -> dict:
    """Make a key for ``user``; returns its description with ``key`` — the only time it is seen."""
    name = (name or "").strip()
    if not name:
        raise ApiKeyRefused("Укажите название ключа (например, имя МИС)")
    if len(name) > NAME_MAX:
        raise ApiKeyRefused(f"Название ключа длиннее {NAME_MAX} символов")
    if not getattr(user, "active", False):
        raise ApiKeyRefused(f"Учетная запись {user.username} отключена или заблокирована")
    expires = None
    if expires_on is not None:
        if expires_on <= dt.date.today():
            raise ApiKeyRefused("Срок действия ключа должен быть позже сегодняшнего дня")
        expires = dt.datetime.combine(expires_on, dt.time.min)
    made = appbuilder.sm.create_api_key(user=user, name=name, expires_on=expires)
    if made is None:
        raise ApiKeyRefused("Ключ не создан: ошибка базы данных")
    audit.record(
        "api_key_created",
        user=actor or user,
        object_type="ApiKey",
        object_id=made["uuid"],
        details={"name": name, "for": user.username, "expires_on": expires},
    )
    db.session.commit()
    key = _by_uuid(made["uuid"])
    return {**KeyInfo.of(key, user.username).as_dict(), "key": made["key"]}


def keys_of(user: OmsUser) -> list[KeyInfo]:
    """The user's keys, newest first (never the keys themselves)."""
    return [KeyInfo.of(k, user.username) for k in appbuilder.sm.find_api_keys_for_user(user.id)]


def all_keys() -> list[KeyInfo]:
    from app.models.user import OmsUser

    rows = (
        db.session.query(ApiKey, OmsUser.username)
        .join(OmsUser, OmsUser.id == ApiKey.user_id)
        .order_by(OmsUser.username, ApiKey.created_on.desc())
        .all()
    )
    return [KeyInfo.of(k, username) for k, username in rows]


def _by_uuid(key_uuid: str) -> Optional[ApiKey]:
    return db.session.query(ApiKey).filter(ApiKey.uuid == key_uuid).one_or_none()


def revoke_key(key_uuid: str, actor: Optional[OmsUser] = None, owner: Optional[OmsUser] = None) -> KeyInfo:
    """Revoke a key (for good).  With ``owner``, only that user's key: another user's key is
    «не найден», as if it did not exist."""
    key = _by_uuid((key_uuid or "").strip())
    if key is None or (owner is not None and key.user_id != owner.id):
        raise ApiKeyRefused("Ключ не найден")
    if key.revoked_on is None:
        key.revoked_on = dt.datetime.now()
        audit.record(
            "api_key_revoked",
            user=actor or owner,
            object_type="ApiKey",
            object_id=key.uuid,
            details={"name": key.name, "user_id": key.user_id},
        )
        db.session.commit()
    from app.models.user import OmsUser

    username = db.session.query(OmsUser.username).filter(OmsUser.id == key.user_id).scalar()
    return KeyInfo.of(key, username)
