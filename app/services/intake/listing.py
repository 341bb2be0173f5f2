"""The list of loaded files a user may see («Загрузка файла» for a МИС): filters, count and one
page, newest first.  Rows of other organisations (or of another subdivision for a login limited
to one) are never listed: the user's scope is always part of the query.

Filter values a list cannot take raise :class:`FilterRefused` with the message for the user."""

from __future__ import annotations

from sqlalchemy import and_, func, select

from app.extensions import db
from app.models.intake import UploadedFile
from app.models.user import OmsUser
from app.models.vocabulary import FILE_LOADING, FileStatus
from app.security.scope import Scope

BAD_PERIOD = "Период указывается как ГГГГ-ММ"


class FilterRefused(ValueError):
    """A filter value (period, status, stage…) the list cannot take; ``str(exc)`` is the Russian
    message for the user."""


def parse_period(text: str | None) -> tuple[int, int] | None:
    """``"2026-07"`` -> ``(2026, 7)``; empty -> None; anything else -> :class:`FilterRefused`."""
    text = (text or "").strip()
    if not text:
        return None
    parts = text.split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise FilterRefused(BAD_PERIOD)
    return int(parts[0]), int(parts[1])


def file_status(text: str | None) -> FileStatus | None:
    """The file status of a filter (None when empty); an unknown one -> :class:`FilterRefused`."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return FileStatus(text)
    except ValueError:
        raise FilterRefused(f"Неизвестный статус файла «{text}»") from None


def list_files(
    user: OmsUser,
    *,
    period: str | None = None,
    status: str | None = None,
    archive: str | None = None,
    page: int = 0,
    size: int = 100,
) -> tuple[int, list[UploadedFile]]:
    """The user's files kept by the filters — ``period`` «ГГГГ-ММ», ``status`` (a
    :class:`FileStatus` text), ``archive`` (the archive's exact name) — as (how many in all,
    the rows of page ``page`` of ``size`` rows), newest first.  Empty filters keep everything."""
    conds = [Scope.of(user).clause(UploadedFile)]
    year_month = parse_period(period)
    if year_month is not None:
        conds += [UploadedFile.year == year_month[0], UploadedFile.month == year_month[1]]
    wanted = file_status(status)
    if wanted is not None:
        conds.append(UploadedFile.status == wanted)
    archive = (archive or "").strip()
    if archive:
        conds.append(UploadedFile.archive_name == archive)
    cond = and_(*conds)
    page, size = max(0, int(page)), max(1, int(size))
    count = db.session.execute(select(func.count()).select_from(UploadedFile).where(cond)).scalar_one()
    rows = (
        db.session.execute(
            select(UploadedFile)
            .where(cond)
            .order_by(UploadedFile.uploaded_at.desc(), UploadedFile.id.desc())
            .offset(page * size)
            .limit(size)
        )
        .scalars()
        .all()
    )
    return count, list(rows)


def files_by_id(user: OmsUser, ids: list[int]) -> list[UploadedFile]:
    """The user's files of these ids as they are now in the database (in the order of ``ids``;
    a missing or foreign id is left out) — e.g. the rows of an upload once its jobs ran."""
    if not ids:
        return []
    db.session.expire_all()
    rows = (
        db.session.execute(select(UploadedFile).where(UploadedFile.id.in_(ids), Scope.of(user).clause(UploadedFile)))
        .scalars()
        .all()
    )
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def load_progress(user: OmsUser, ids: list[int]) -> dict[int, dict]:
    """{id: {status, stage, progress, loading}} of the user's files of these ids — what the bar of
    a loading row shows (the stage is the status while a file loads) and what the page polls."""
    if not ids:
        return {}
    rows = db.session.execute(
        select(UploadedFile.id, UploadedFile.status, UploadedFile.progress).where(
            UploadedFile.id.in_(ids), Scope.of(user).clause(UploadedFile)
        )
    ).all()
    return {
        file_id: {
            "status": status,
            "stage": status,
            "progress": max(0, min(100, progress or 0)),
            "loading": status in FILE_LOADING,
        }
        for file_id, status, progress in rows
    }
