"""Set-based updates of many rows by primary key, for the stages after ФЛК.

PostgreSQL: the new values are copied (``COPY``) into a temporary table and applied with one
``UPDATE … FROM`` — several times faster than one UPDATE per row; elsewhere (SQLite) an
executemany UPDATE.  Runs in the session's transaction; the caller commits.  Also ``in_values``:
``column = ANY(:array)`` on PostgreSQL (one parameter, planned once) instead of a long IN list.
"""

from __future__ import annotations

import zlib
from typing import Iterable, Sequence

from sqlalchemy import any_, bindparam, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY

from app.extensions import db


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def in_values(column, values: Iterable):
    values = list(values)
    if _postgres():
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def update_rows(model, rows: Sequence[dict], columns: Sequence[str]) -> None:
    """``UPDATE model SET <columns> = …`` for every row dict (keys "id" and ``columns``)."""
    if not rows:
        return
    if not _postgres():
        db.session.execute(update(model), [{"id": r["id"], **{c: r.get(c) for c in columns}} for r in rows])
        return
    table = model.__table__
    dialect = postgresql.dialect()
    name = f"upd_{table.name}_{zlib.crc32(','.join(columns).encode()):08x}"
    defs = ", ".join(f'"{c}" {table.c[c].type.compile(dialect=dialect)}' for c in columns)
    raw = db.session.connection().connection.driver_connection
    with raw.cursor() as cur:
        cur.execute(f'CREATE TEMP TABLE IF NOT EXISTS "{name}" (id bigint PRIMARY KEY, {defs}) ON COMMIT DROP')
        cur.execute(f'TRUNCATE "{name}"')
        cols = ", ".join(f'"{c}"' for c in columns)
        with cur.copy(f'COPY "{name}" (id, {cols}) FROM STDIN') as copy:
            for r in rows:
                copy.write_row((r["id"], *(r.get(c) for c in columns)))
        sets = ", ".join(f'"{c}" = s."{c}"' for c in columns)
        cur.execute(f'UPDATE "{table.name}" t SET {sets} FROM "{name}" s WHERE t.id = s.id')
