"""What a load's controls ran against: the rule catalogue and the НСИ books in force at its ФЛК/МЭК.

The load writes both on its file row (``rules_version``, ``nsi_versions``) when its ФЛК starts; the
registry timeline reads them back.  The catalogue has no version number of its own, so its version
is its size and last change: any edit in «Правила контроля» (or ``oms sync-rules``/``import-rules``)
gives a new one.  A book's version is the one of its last import («Справочники НСИ»)."""

from __future__ import annotations

import json
from typing import Optional

from sqlalchemy import func, select

from app.extensions import db
from app.models.reference import ControlRule, NsiBookVersion


def rules_version() -> str:
    """«правил: N (включено M), изменены ДД.ММ.ГГГГ ЧЧ:ММ:СС» of the catalogue as it is now."""
    count, enabled, changed = db.session.execute(
        select(
            func.count(ControlRule.id),
            func.coalesce(func.sum(func.cast(ControlRule.enabled, db.Integer)), 0),
            func.max(ControlRule.updated_at),
        )
    ).one()
    stamp = changed.strftime("%d.%m.%Y %H:%M:%S") if changed else "—"
    return f"правил: {count} (включено {enabled}), изменены {stamp}"


def nsi_versions() -> dict[str, str]:
    """Book → «version (published)» of every imported НСИ book."""
    rows = db.session.execute(
        select(NsiBookVersion.book, NsiBookVersion.version, NsiBookVersion.published).order_by(NsiBookVersion.book)
    ).all()
    return {
        book: " ".join(p for p in (version or "", f"({published})" if published else "") if p)
        for book, version, published in rows
    }


def in_force() -> dict[str, str]:
    """The columns of the file row: ``rules_version`` and ``nsi_versions`` (JSON)."""
    return {"rules_version": rules_version()[:80], "nsi_versions": json.dumps(nsi_versions(), ensure_ascii=False)}


def read_nsi_versions(stored: Optional[str]) -> dict[str, str]:
    """The stored JSON of a file row back as a dict (empty for files loaded before it was kept)."""
    try:
        value = json.loads(stored) if stored else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
