"""«Версии форматов по периодам» in the database: seeded from :mod:`app.formats.periods`, edited by
the ТФОМС, read by every load (the ФЛК refuses a file whose ZGLV/VERSION is not the one of its kind
and reporting period) and by the writers of the payer's registry files."""

from __future__ import annotations

from datetime import date
from typing import Optional

from sqlalchemy import func, select

from app.core import audit
from app.extensions import db
from app.formats.definitions import KINDS, supported_versions
from app.formats.periods import DEFAULT_PERIODS, VERSION_CHECKS, VersionPeriod, period_start, required
from app.models.reference import FormatVersionPeriod
from app.models.user import OmsUser


class FormatVersionError(ValueError):
    """A row the table cannot take (the message is for the user)."""


def ensure_defaults() -> int:
    """Seed the table from the defaults when it is empty (``oms sync-rules``); the rows a fund
    edited are never touched.  Returns the rows added."""
    if db.session.execute(select(func.count()).select_from(FormatVersionPeriod)).scalar_one():
        return 0
    for row in DEFAULT_PERIODS:
        db.session.add(
            FormatVersionPeriod(
                kind=row.kind, version=row.version, period_from=row.first, period_to=row.last, check_code=row.check
            )
        )
    db.session.commit()
    return len(DEFAULT_PERIODS)


def table() -> tuple[VersionPeriod, ...]:
    """The table a load uses; the defaults while the table is empty (``oms sync-rules`` not run)."""
    rows = db.session.execute(
        select(
            FormatVersionPeriod.kind,
            FormatVersionPeriod.version,
            FormatVersionPeriod.period_from,
            FormatVersionPeriod.period_to,
            FormatVersionPeriod.check_code,
        ).order_by(FormatVersionPeriod.id)
    ).all()
    if not rows:
        return DEFAULT_PERIODS
    return tuple(VersionPeriod(r.kind, r.version, r.period_from, r.period_to, r.check_code) for r in rows)


def version_for(kind: str, year: int, month: int) -> Optional[str]:
    """The version files of ``kind`` must carry for the period ``year``/``month`` (None: no row)."""
    row = required(kind, period_start(year, month), table())
    return row.version if row else None


def _month(value: Optional[date]) -> Optional[date]:
    return value.replace(day=1) if value is not None else None


def validate(row: FormatVersionPeriod) -> None:
    """The checks of an added or edited row (the view calls it before the row is written)."""
    row.kind = (row.kind or "").strip().upper()
    row.version = (row.version or "").strip()
    row.check_code = (row.check_code or "").strip()
    if row.kind not in KINDS:
        raise FormatVersionError(f"Тип файла: один из {', '.join(KINDS)} (X — файлы D*)")
    known = supported_versions(row.kind)
    if row.version not in known:
        raise FormatVersionError(
            f"Версия «{row.version}» для файлов {row.kind} не описана в системе (описаны: {', '.join(known)})"
        )
    if row.check_code not in VERSION_CHECKS:
        raise FormatVersionError(f"Код проверки: один из {', '.join(VERSION_CHECKS)}")
    row.period_from, row.period_to = _month(row.period_from), _month(row.period_to)
    if row.period_from and row.period_to and row.period_from > row.period_to:
        raise FormatVersionError("Начало периода позже его конца")


def accept_edit(user: OmsUser, row: FormatVersionPeriod, action: str) -> None:
    """An added or edited row is checked (:class:`FormatVersionError` refuses it), and every change
    — a deletion too — gets its audit row, in the edit's own transaction."""
    if action != "deleted":
        validate(row)
    audit.record(
        "format_versions_changed",
        user=user,
        object_type="FormatVersionPeriod",
        object_id=row.id,
        details={
            "action": action,
            "kind": row.kind,
            "version": row.version,
            "period_from": row.period_from,
            "period_to": row.period_to,
            "check_code": row.check_code,
        },
    )
