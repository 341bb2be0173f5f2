"""The КСГ tables: import of the federal files (``oms import-ksg``) and the list the ТФОМС sees.

:func:`import_ksg` reads every file first (a wrong file refuses the whole import, nothing is
written), then writes in one transaction: the КСГ list is upserted by (code, start of the period),
the grouper rows of the period and conditions are replaced, the lists of the appendices set their
flag on the КСГ of the period (and clear it on the others), КС_КСГ likewise.  Importing the same
files again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Iterable, Optional

from sqlalchemy import delete, insert, select, update

from app.erz.importer import upsert
from app.extensions import db
from app.models.base import utcnow
from app.models.ksg import KsgGroup, KsgGrouperRow
from app.tariffs import ksg_tables as kt

BATCH = 5000
FLAG_COLUMNS = {
    kt.INTERVENTION: "with_intervention",
    kt.WITHOUT_LEVEL: "without_level",
    kt.SHORT_OPTIMAL: "short_optimal",
}


class KsgImportError(ValueError):
    pass


def expand(paths: Iterable) -> list[Path]:
    """Files as given; a folder gives its .xlsx, .txt and .csv files (by name)."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out += sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in kt.EXTENSIONS)
        else:
            out.append(p)
    if not out:
        raise KsgImportError("Нет файлов КСГ (.xlsx, .txt, .csv)")
    return out


def import_ksg(paths: Iterable, year: Optional[int] = None) -> dict:
    """Import the КСГ files; ``year`` is the period (1 January – 31 December) of the files whose
    name does not give it (the lists: the year of the tables imported with them, else the latest
    period in the database).  Returns the counts; :class:`KsgImportError` for a wrong file."""
    started = time.perf_counter()
    try:
        files = [kt.detect(p) for p in expand(paths)]
    except kt.KsgFileError as exc:
        raise KsgImportError(str(exc)) from exc
    tables = [f for f in files if f.kind == kt.TABLE]
    years = {year or f.year for f in tables}
    if None in years:
        raise KsgImportError("Не указан год таблицы КСГ: имя файла без года (КСГ26_…) — укажите --year")
    list_year = year or (max(years) if years else _latest_year())
    if list_year is None and len(tables) < len(files):
        raise KsgImportError("Перечни КСГ загружаются к таблице КСГ: сначала загрузите КСГ26_КС.xlsx / КСГ26_ДС.xlsx")
    result: dict = {"files": [], "ksg": 0, "grouper": 0}
    try:
        for f in tables:
            y = year or f.year
            begin, end = kt.period(y)
            groups = kt.read_groups(f.path)
            now = utcnow()
            upsert(
                KsgGroup,
                [dict(g, date_begin=begin, date_end=end, updated_at=now) for g in groups],
                ("code", "date_begin"),
                ("usl_ok", "name", "koef_z", "kpg", "kpg_name", "wage_share", "date_end", "updated_at"),
            )
            usl = sorted({g["usl_ok"] for g in groups})
            db.session.execute(
                delete(KsgGrouperRow).where(KsgGrouperRow.date_begin == begin, KsgGrouperRow.usl_ok.in_(usl))
            )
            n, batch = 0, []
            for row in kt.read_grouper(f.path):
                batch.append(dict(row, date_begin=begin, date_end=end))
                if len(batch) >= BATCH:
                    db.session.execute(insert(KsgGrouperRow), batch)
                    n, batch = n + len(batch), []
            if batch:
                db.session.execute(insert(KsgGrouperRow), batch)
                n += len(batch)
            result["ksg"] += len(groups)
            result["grouper"] += n
            result["files"].append(
                f"{f.path.name}: {kt.KIND_LABELS[f.kind]} {y}, КСГ {len(groups)}, строк группировщика {n}"
            )
        for f in files:
            if f.kind == kt.TABLE:
                continue
            y = year or f.year or list_year
            begin, _ = kt.period(y)
            count, unknown = _apply_list(f, begin)
            result[f.kind] = count
            line = f"{f.path.name}: {kt.KIND_LABELS[f.kind]} ({y}), КСГ {count}"
            if unknown:
                line += f"; нет в таблице КСГ {y}: {', '.join(unknown[:10])}" + (" …" if len(unknown) > 10 else "")
            result["files"].append(line)
        db.session.commit()
    except kt.KsgFileError as exc:
        db.session.rollback()
        raise KsgImportError(str(exc)) from exc
    except Exception:
        db.session.rollback()
        raise
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def _latest_year() -> Optional[int]:
    d = db.session.execute(select(KsgGroup.date_begin).order_by(KsgGroup.date_begin.desc()).limit(1)).scalar()
    return d.year if d else None


def _apply_list(f: kt.KsgFile, begin: dt.date) -> tuple[int, list[str]]:
    known = set(db.session.execute(select(KsgGroup.code).where(KsgGroup.date_begin == begin)).scalars())
    if not known:
        raise KsgImportError(
            f"{f.path.name}: нет таблицы КСГ на {begin.year} год — сначала загрузите КСГ{begin.year % 100}_КС.xlsx"
        )
    if f.kind == kt.KOEF_UP:
        values = kt.read_koef_up(f.path)
        db.session.execute(update(KsgGroup).where(KsgGroup.date_begin == begin).values(koef_up=None))
        for code, value in values.items():
            db.session.execute(
                update(KsgGroup).where(KsgGroup.date_begin == begin, KsgGroup.code == code).values(koef_up=value)
            )
        codes = list(values)
    else:
        codes = kt.read_codes(f.path)
        column = FLAG_COLUMNS[f.kind]
        db.session.execute(update(KsgGroup).where(KsgGroup.date_begin == begin).values({column: False}))
        db.session.execute(
            update(KsgGroup).where(KsgGroup.date_begin == begin, KsgGroup.code.in_(codes)).values({column: True})
        )
    unknown = [c for c in codes if c not in known]
    return len(codes) - len(unknown), unknown


# -- what the views show ----------------------------------------------------------------------------------
def summary() -> dict:
    """Per period and conditions: how many КСГ and grouper rows are loaded."""
    from sqlalchemy import func

    groups = db.session.execute(
        select(KsgGroup.date_begin, KsgGroup.usl_ok, func.count()).group_by(KsgGroup.date_begin, KsgGroup.usl_ok)
    ).all()
    rows = dict(
        ((b, u), n)
        for b, u, n in db.session.execute(
            select(KsgGrouperRow.date_begin, KsgGrouperRow.usl_ok, func.count()).group_by(
                KsgGrouperRow.date_begin, KsgGrouperRow.usl_ok
            )
        ).all()
    )
    return {(b, u): {"ksg": n, "grouper": rows.get((b, u), 0)} for b, u, n in groups}
