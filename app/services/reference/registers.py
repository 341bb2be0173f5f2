"""``oms import-attachment FILE`` and ``oms import-licences FILE``: the registers of the МО
attachment of the insured and of the МО licences from CSV, streamed and idempotent.

CSV: ``;``-separated (``,`` is recognised too), a header row with the field names in any order
and case, UTF-8 (a BOM is fine) or windows-1251 — found by itself (``--encoding auto``, the
default: UTF-8 when the file's first 64 KB read as UTF-8, else cp1251) or named.  Dates
``ГГГГ-ММ-ДД`` or ``ДД.ММ.ГГГГ``; an empty end date is open.

Attachment (key: ENP, LPU, DATE_BEG — a row with the key of a stored one updates it)::

    ENP;LPU;DATE_BEG;DATE_END;LPU_1;UCH
    9800000000000017;140001;2020-01-01;;140011;12

``ENP`` 16 digits, ``LPU`` the МО code (F003, 6 digits), ``LPU_1`` the subdivision (optional, up to
8 characters), ``UCH`` the site (участок, optional).

Licences (key: LPU, USL_OK, PROFIL, DATE_BEG)::

    LPU;USL_OK;PROFIL;N_LIC;DATE_BEG;DATE_END
    140001;1;29;Л041-01187-14/00345678;2020-01-01;

``USL_OK`` 1–4 (V006), ``PROFIL`` the profile of care (V002; checked against V002 when it is
loaded), ``N_LIC`` the licence number (optional, up to 50 characters).

Rows are read one by one and written in batches of :data:`BATCH`: the batch goes into a temporary
table (PostgreSQL ``COPY``, :func:`app.core.bulk.insert_rows`), then one ``INSERT … SELECT … ON
CONFLICT DO UPDATE`` per batch writes the new rows and the changed ones; an unchanged row is not
rewritten.  A million rows take memory for one batch only.  A bad row is rejected with its line
and reason (the first :data:`MAX_ERRORS` reasons are listed), the others are written.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional

from sqlalchemy import Column, MetaData, Table, delete, or_, select, true
from sqlalchemy.schema import CreateTable

from app.core.bulk import insert_rows
from app.erz import normalize as norm
from app.extensions import db
from app.models.base import utcnow
from app.models.registers import USL_OK_NAMES, MoAttachment, MoLicence

BATCH = 5000
MAX_ERRORS = 100
SNIFF_BYTES = 65536

ATTACHMENT_FIELDS = ("ENP", "LPU", "DATE_BEG", "DATE_END", "LPU_1", "UCH")
ATTACHMENT_REQUIRED = ("ENP", "LPU", "DATE_BEG")
LICENCE_FIELDS = ("LPU", "USL_OK", "PROFIL", "N_LIC", "DATE_BEG", "DATE_END")
LICENCE_REQUIRED = ("LPU", "USL_OK", "PROFIL", "DATE_BEG")

_MO_CODE = re.compile(r"[0-9]{6}")
TOO_MANY = "\0extra"  # the key of a row with more values than the header has fields


class RegisterImportError(ValueError):
    """The file cannot be read at all (the message is for the user)."""


@dataclass
class ImportResult:
    rows: int = 0  # data rows read (empty lines left out)
    accepted: int = 0  # rows that passed the checks
    written: int = 0  # rows inserted or changed (a repeated import writes none)
    rejected: int = 0
    errors: list[str] = field(default_factory=list)  # «строка N: reason», the first MAX_ERRORS
    encoding: str = ""
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "accepted": self.accepted,
            "written": self.written,
            "rejected": self.rejected,
            "errors": self.errors,
            "encoding": self.encoding,
            "seconds": round(self.seconds, 2),
        }


# -- rows ----------------------------------------------------------------------------------------------
def _text(raw: dict, name: str) -> Optional[str]:
    value = raw.get(name)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _date(raw: dict, name: str) -> Optional[dt.date]:
    try:
        return norm.parse_date(raw.get(name))
    except (ValueError, TypeError):
        raise ValueError(f"{name}: дата «{raw.get(name)}» не в формате ГГГГ-ММ-ДД или ДД.ММ.ГГГГ") from None


def _mo_code(raw: dict) -> str:
    code = _text(raw, "LPU")
    if code is None or not _MO_CODE.fullmatch(code):
        raise ValueError(f"LPU: нужен код МО из 6 цифр (F003), указано «{code or ''}»")
    return code


def _period(raw: dict) -> tuple[dt.date, Optional[dt.date]]:
    begin = _date(raw, "DATE_BEG")
    if begin is None:
        raise ValueError("DATE_BEG: не указана дата начала")
    end = _date(raw, "DATE_END")
    if end is not None and end < begin:
        raise ValueError(f"DATE_END {end:%d.%m.%Y} раньше DATE_BEG {begin:%d.%m.%Y}")
    return begin, end


def _limited(raw: dict, name: str, width: int) -> Optional[str]:
    value = _text(raw, name)
    if value is not None and len(value) > width:
        raise ValueError(f"{name}: «{value}» длиннее {width} символов")
    return value


def attachment_row(raw: dict) -> dict:
    """A validated row of the attachment register from raw CSV values; raises ValueError."""
    enp = norm.enp(raw.get("ENP"))
    if enp is None:
        raise ValueError(f"ENP: нужен единый номер полиса из 16 цифр, указано «{_text(raw, 'ENP') or ''}»")
    mo = _mo_code(raw)
    begin, end = _period(raw)
    return {
        "enp": enp,
        "mo_code": mo,
        "date_begin": begin,
        "date_end": end,
        "subdivision_code": _limited(raw, "LPU_1", 8),
        "site": _limited(raw, "UCH", 20),
    }


def _whole(raw: dict, name: str) -> int:
    value = _text(raw, name)
    if value is None:
        raise ValueError(f"{name}: не указан")
    if not (value.isascii() and value.isdigit()) or len(value) > 4:
        raise ValueError(f"{name}: «{value}» — не код (целое число)")
    return int(value)


def licence_checker(profiles: Optional[set[str]]) -> Callable[[dict], dict]:
    """The row maker of the licences; ``profiles``: the codes of V002 (None: V002 is not loaded,
    any number is taken)."""

    def licence_row(raw: dict) -> dict:
        mo = _mo_code(raw)
        usl_ok = _whole(raw, "USL_OK")
        if usl_ok not in USL_OK_NAMES:
            raise ValueError(f"USL_OK: «{usl_ok}» — допустимо 1, 2, 3, 4 (V006)")
        profil = _whole(raw, "PROFIL")
        if profiles is not None and str(profil) not in profiles:
            raise ValueError(f"PROFIL: профиля {profil} нет в справочнике V002")
        begin, end = _period(raw)
        return {
            "mo_code": mo,
            "usl_ok": usl_ok,
            "profil": profil,
            "date_begin": begin,
            "date_end": end,
            "licence_number": _limited(raw, "N_LIC", 50),
        }

    return licence_row


# -- reading -------------------------------------------------------------------------------------------
def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` when the file's beginning reads as UTF-8 (a BOM or none), else ``cp1251``."""
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)  # a character cut at the end is fine
    except UnicodeDecodeError:
        return "cp1251"
    return "utf-8-sig"


def read_csv(
    path: Path, fields: tuple[str, ...], required: tuple[str, ...], encoding: str
) -> Iterator[tuple[int, dict]]:
    """(line number, {FIELD: value}) of each non-empty data row."""
    with open(path, "r", encoding=encoding, newline="") as fh:
        first = fh.readline()
        if not first.strip():
            raise RegisterImportError("Файл пуст: нет строки заголовка")
        delimiter = ";" if first.count(";") >= first.count(",") else ","
        header = [h.strip().upper() for h in next(csv.reader([first], delimiter=delimiter))]
        unknown = [h for h in header if h and h not in fields]
        if unknown:
            raise RegisterImportError(
                f"Неизвестные поля в заголовке: {', '.join(unknown)} (ожидаются {';'.join(fields)})"
            )
        missing = [f for f in required if f not in header]
        if missing:
            raise RegisterImportError(f"В заголовке нет обязательных полей: {', '.join(missing)}")
        for n, values in enumerate(csv.reader(fh, delimiter=delimiter), start=2):
            if not any(v.strip() for v in values):
                continue
            extra = values[len(header) :]
            if any(v.strip() for v in extra):
                yield n, {TOO_MANY: ";".join(extra)}
                continue
            yield n, dict(zip(header, values, strict=False))


# -- writing -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Register:
    model: type
    key: tuple[str, ...]
    values: tuple[str, ...]  # the columns a re-import updates

    @property
    def columns(self) -> tuple[str, ...]:
        return self.key + self.values

    def stage(self) -> Table:
        """The temporary table of one batch (created once per connection, emptied per batch)."""
        source = self.model.__table__
        cols = [Column(c, source.c[c].type) for c in self.columns + ("updated_at",)]
        return Table(f"{source.name}_stage", MetaData(), *cols, prefixes=["TEMPORARY"])


ATTACHMENT = _Register(MoAttachment, ("enp", "mo_code", "date_begin"), ("date_end", "subdivision_code", "site"))
LICENCES = _Register(MoLicence, ("mo_code", "usl_ok", "profil", "date_begin"), ("date_end", "licence_number"))


def _insert(table: Table) -> Any:
    name = db.session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the project runs on PostgreSQL and SQLite
        raise NotImplementedError(f"upsert for {name}")
    return insert(table)


def write_batch(register: _Register, rows: Iterable[dict]) -> int:
    """Upsert one batch (rows with the same key: the last wins); returns the rows written."""
    now = utcnow()
    unique = {tuple(r[k] for k in register.key): dict(r, updated_at=now) for r in rows}
    if not unique:
        return 0
    stage = register.stage()
    conn = db.session.connection()
    conn.execute(CreateTable(stage, if_not_exists=True))
    conn.execute(delete(stage))
    insert_rows(stage, list(unique.values()), register.columns + ("updated_at",))  # PostgreSQL: COPY
    target = register.model.__table__
    cols = register.columns + ("updated_at",)
    stmt = _insert(target).from_select(cols, select(*(stage.c[c] for c in cols)).where(true()))
    changed = or_(*(target.c[c].is_distinct_from(stmt.excluded[c]) for c in register.values))
    stmt = stmt.on_conflict_do_update(
        index_elements=list(register.key),
        set_={c: stmt.excluded[c] for c in register.values + ("updated_at",)},
        where=changed,
    )
    # the rows inserted or changed come back (a row the WHERE leaves alone does not): the count
    # the drivers' rowcount does not give for INSERT … SELECT everywhere
    written = len(db.session.execute(stmt.returning(target.c.id)).all())
    conn.execute(delete(stage))
    db.session.commit()
    return written


def import_rows(
    register: _Register, items: Iterable[tuple[int, dict]], make: Callable[[dict], dict], batch: int = BATCH
) -> ImportResult:
    """Validate raw rows ((line, {FIELD: value})) with ``make`` and write them in batches."""
    started = time.perf_counter()
    result = ImportResult()
    pending: list[dict] = []
    for where, raw in items:
        result.rows += 1
        try:
            if TOO_MANY in raw:
                raise ValueError(f"значений больше, чем полей в заголовке (лишние: «{raw[TOO_MANY]}»)")
            pending.append(make(raw))
        except (ValueError, TypeError) as exc:
            result.rejected += 1
            if len(result.errors) < MAX_ERRORS:
                result.errors.append(f"строка {where}: {exc}")
            continue
        result.accepted += 1
        if len(pending) >= batch:
            result.written += write_batch(register, pending)
            pending = []
    if pending:
        result.written += write_batch(register, pending)
    result.seconds = time.perf_counter() - started
    return result


def _import_file(
    register: _Register,
    path: Path,
    fields: tuple[str, ...],
    required: tuple[str, ...],
    make: Callable[[dict], dict],
    encoding: str,
) -> ImportResult:
    path = Path(path)
    if encoding.lower() in ("", "auto"):
        encoding = detect_encoding(path)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise RegisterImportError(f"Неизвестная кодировка {encoding}: нужна utf-8 или cp1251") from None
    try:
        result = import_rows(register, read_csv(path, fields, required, encoding), make)
    except UnicodeDecodeError as exc:
        db.session.rollback()
        raise RegisterImportError(
            f"Файл не в кодировке {encoding}: {exc.reason} (записанные ранее пакеты сохранены)"
        ) from exc
    result.encoding = encoding
    return result


def import_attachment(path: Path, encoding: str = "auto") -> ImportResult:
    """The attachment register from a CSV file (see the module's description)."""
    return _import_file(ATTACHMENT, path, ATTACHMENT_FIELDS, ATTACHMENT_REQUIRED, attachment_row, encoding)


def _v002_codes() -> Optional[set[str]]:
    from app.services.reference.nsi import current_lookup

    nsi = current_lookup()
    return nsi.codes("V002") if nsi.knows("V002") else None


def import_licences(path: Path, encoding: str = "auto") -> ImportResult:
    """The licences from a CSV file (see the module's description)."""
    return _import_file(LICENCES, path, LICENCE_FIELDS, LICENCE_REQUIRED, licence_checker(_v002_codes()), encoding)


def import_attachment_rows(items: Iterable[tuple[int, dict]]) -> ImportResult:
    """Raw attachment rows (``{"ENP": …, "LPU": …, "DATE_BEG": …}``) — the demo writes with it."""
    return import_rows(ATTACHMENT, items, attachment_row)


def import_licence_rows(items: Iterable[tuple[int, dict]]) -> ImportResult:
    """Raw licence rows (``{"LPU": …, "USL_OK": …, "PROFIL": …, "DATE_BEG": …}``)."""
    return import_rows(LICENCES, items, licence_checker(_v002_codes()))
