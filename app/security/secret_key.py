"""The key that signs the session cookies and the CSRF tokens.

A forged cookie needs only this key, so:

- production (``DATABASE_URL`` or ``REDIS_URL`` set) refuses to start without a ``SECRET_KEY`` of
  at least 32 random bytes (e.g. ``python3 -c 'import secrets; print(secrets.token_hex(32))'``);
- the embedded mode makes such a key once and keeps it in the instance folder (``secret_key``,
  readable by its owner only), so a first run needs no set-up and restarts keep the sessions;
- the keys that earlier versions published in their code are never accepted.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

MIN_LENGTH = 32
#: keys printed in the code or the documentation of earlier versions: anyone can sign with them
PUBLIC_KEYS = frozenset({"dev-secret-change-me-in-production"})
MISSING = (
    "SECRET_KEY не задан или ненадежен: в рабочем режиме (заданы DATABASE_URL или REDIS_URL) "
    "нужен случайный ключ не короче 32 байт, например: "
    "export SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
)


class SecretKeyError(RuntimeError):
    pass


def is_strong(key: str | None) -> bool:
    """At least 32 bytes, not one of the public keys, not a run of a few characters."""
    return bool(key) and len(key.encode()) >= MIN_LENGTH and key not in PUBLIC_KEYS and len(set(key)) >= 10


def _instance_key(path: Path) -> str:
    try:
        key = path.read_text(encoding="ascii").strip()
        if is_strong(key):
            return key
    except (OSError, UnicodeDecodeError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    return key


def configure_secret_key(app: Flask) -> None:
    """Set ``app.secret_key`` by the rules above, or raise :class:`SecretKeyError`."""
    key = app.config.get("SECRET_KEY")
    if is_strong(key):
        return
    if key or app.config.get("PRODUCTION"):
        raise SecretKeyError(MISSING)
    app.config["SECRET_KEY"] = _instance_key(Path(app.config["SECRET_KEY_FILE"]))
