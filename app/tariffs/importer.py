"""``oms import-tariffs FILE.csv``: tariffs with validity dates, idempotent.

CSV, UTF-8 (BOM allowed) or ``--encoding cp1251``, ``;`` or ``,``, header row (any order/case)::

    kind;code;name;usl_ok;value;date_begin;date_end;level;kpg
    service;B01.047.001;Прием врача-терапевта первичный;3;1520.00;2026-01-01;;;
    service;B01.047.001;Прием врача-терапевта первичный, МО 3 уровня;3;1610.00;2026-01-01;;3;
    ksg;st13.005;Нарушения ритма и проводимости;1;1.42;2026-01-01;2026-12-31;;
    base;1;Базовая ставка, стационар;1;31690.00;2026-01-01;;;
    kslp;1;Возраст 75 лет и старше;1;0.20;2026-01-01;;;
    koef_d;1;Коэффициент дифференциации;1;1.00;2026-01-01;;;
    koef_u;1;КУСмо, 3 уровень;1;1.10;2026-01-01;;3;
    kpg;st27;Терапия (оплата по КПГ);1;0.80;2026-01-01;;;

``kind``: service (value = price per unit), ksg (value = KOEF_Z), base (code = USL_OK, value = base
rate), kslp (code = IDSL, value = coefficient), koef_d (code = USL_OK, КД), koef_u (code = USL_OK,
``level`` = level of the МО, КУСмо), kpg (code = КПГ, value = КЗ of the КПГ).  ``level`` and ``kpg``
(optional columns) narrow a row to the МО of that level / the cases of that КПГ (outpatient: the
SL's PROFIL).  Dates ``ГГГГ-ММ-ДД`` or ``ДД.ММ.ГГГГ``; an empty ``date_end`` is open.  A row with
the same kind, code, level, КПГ and ``date_begin`` as a stored one updates it.
"""

from __future__ import annotations

import csv
import time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable, Iterator

from app.erz.importer import upsert
from app.erz.normalize import parse_date
from app.extensions import db
from app.models.base import utcnow
from app.models.tariff import (
    TARIFF_BASE,
    TARIFF_KINDS,
    TARIFF_KOEF_D,
    TARIFF_KOEF_U,
    TARIFF_KSG,
    TARIFF_KSLP,
    TARIFF_SERVICE,
    Tariff,
)

COLUMNS = ("kind", "code", "name", "usl_ok", "value", "date_begin", "date_end")
BATCH = 2000


class TariffImportError(ValueError):
    pass


def make_row(raw: dict) -> dict:
    kind = (raw.get("kind") or "").strip().lower()
    if kind not in TARIFF_KINDS:
        raise ValueError(f"kind: «{kind}» — допустимо {', '.join(TARIFF_KINDS)}")
    code = (raw.get("code") or "").strip()
    if not code or len(code) > 20:
        raise ValueError("code: не указан или длиннее 20 символов")
    try:
        value = Decimal((raw.get("value") or "").strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"value: «{raw.get('value')}» — не число") from None
    if not value.is_finite() or value <= 0:
        raise ValueError(f"value: «{raw.get('value')}» — нужно положительное число")
    begin = parse_date(raw.get("date_begin"))
    if begin is None:
        raise ValueError("date_begin: не указана дата начала действия")
    end = parse_date(raw.get("date_end"))
    if end is not None and end < begin:
        raise ValueError("date_end раньше date_begin")
    usl_ok = (raw.get("usl_ok") or "").strip()
    if kind in (TARIFF_BASE, TARIFF_KOEF_D, TARIFF_KOEF_U):
        usl_ok = usl_ok or code
    level = (raw.get("level") or "").strip()
    kpg = (raw.get("kpg") or "").strip()
    if len(level) > 5 or len(kpg) > 10:
        raise ValueError("level длиннее 5 или kpg длиннее 10 символов")
    if kind == TARIFF_KOEF_U and not level:
        raise ValueError("koef_u: не указан level (уровень МО)")
    row = {
        "kind": kind,
        "code": code,
        "name": (raw.get("name") or "").strip()[:250] or None,
        "usl_ok": int(usl_ok) if usl_ok.isdigit() else None,
        "price": None,
        "coefficient": None,
        "date_begin": begin,
        "date_end": end,
        "level": level,
        "kpg": kpg,
        "updated_at": utcnow(),
    }
    if kind in (TARIFF_SERVICE, TARIFF_BASE):
        row["price"] = value.quantize(Decimal("0.01"))
    else:
        row["coefficient"] = value.quantize(Decimal("0.00001"))
    return row


def read_csv(path: Path, encoding: str = "utf-8-sig") -> Iterator[tuple[int, dict]]:
    with open(path, "r", encoding=encoding, newline="") as fh:
        first = fh.readline()
        delimiter = ";" if first.count(";") >= first.count(",") else ","
        header = [h.strip().lower() for h in next(csv.reader([first], delimiter=delimiter), [])]
        missing = [c for c in ("kind", "code", "value", "date_begin") if c not in header]
        if missing:
            raise TariffImportError(f"В заголовке нет полей: {', '.join(missing)}")
        for n, values in enumerate(csv.reader(fh, delimiter=delimiter), start=2):
            if any(v.strip() for v in values):
                yield n, dict(zip(header, values, strict=False))


def import_rows(items: Iterable[tuple[int, dict]]) -> dict:
    started = time.perf_counter()
    result = {"rows": 0, "written": 0, "rejected": 0, "errors": []}
    batch: dict[tuple, dict] = {}

    def flush():
        upsert(
            Tariff,
            list(batch.values()),
            ("kind", "code", "level", "kpg", "date_begin"),
            ("name", "usl_ok", "price", "coefficient", "date_end", "updated_at"),
        )
        db.session.commit()
        result["written"] += len(batch)
        batch.clear()

    for n, raw in items:
        result["rows"] += 1
        try:
            row = make_row(raw)
        except (ValueError, TypeError) as exc:
            result["rejected"] += 1
            if len(result["errors"]) < 100:
                result["errors"].append(f"строка {n}: {exc}")
            continue
        batch[(row["kind"], row["code"], row["level"], row["kpg"], row["date_begin"])] = row
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def import_file(path: Path, encoding: str = "utf-8-sig") -> dict:
    try:
        return import_rows(read_csv(Path(path), encoding))
    except UnicodeDecodeError as exc:
        db.session.rollback()
        raise TariffImportError(f"Файл не в кодировке {encoding}: {exc.reason}") from exc


def load_book(session=None, settings=None):
    """Every tariff row and the КСГ tables as a :class:`~app.tariffs.book.TariffBook` (the tariff
    table is small; of the grouper only the КСГ ← DS1 pairs are read).  ``settings``: the КСГ
    method's (:class:`~app.tariffs.ksg_method.KsgSettings`), else from the app's config."""
    from sqlalchemy import select

    from app.tariffs.book import TariffBook, TariffRow
    from app.tariffs.ksg_tables import load_tables

    s = session or db.session
    if settings is None:
        from flask import current_app, has_app_context

        from app.tariffs.ksg_method import KsgSettings

        settings = KsgSettings.from_config(current_app.config) if has_app_context() else KsgSettings()
    return TariffBook(
        (
            TariffRow(*r)
            for r in s.execute(
                select(
                    Tariff.kind,
                    Tariff.code,
                    Tariff.price,
                    Tariff.coefficient,
                    Tariff.date_begin,
                    Tariff.date_end,
                    Tariff.level,
                    Tariff.kpg,
                )
            )
        ),
        ksg=load_tables(s),
        settings=settings,
    )


__all__ = [
    "import_file",
    "import_rows",
    "make_row",
    "load_book",
    "TariffImportError",
    "TARIFF_SERVICE",
    "TARIFF_KSG",
    "TARIFF_BASE",
    "TARIFF_KSLP",
]
