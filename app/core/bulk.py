"""Bulk writes for the load pipeline: PostgreSQL ``COPY`` (ids reserved from the sequence in one
query) and plain multi-row inserts elsewhere, inside the session's current transaction; and
temporary id sets that stand in for long ``IN (…)`` lists."""

from __future__ import annotations

from typing import Iterable, Sequence

from sqlalchemy import BigInteger, Column, MetaData, Table, insert, text

from app.extensions import db


def _is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def supports_reserved_ids() -> bool:
    """Whether :func:`reserve_ids` can hand out keys before the insert (PostgreSQL's sequences)."""
    return _is_postgres()


def reserve_ids(table: Table, count: int) -> list[int]:
    """``count`` new primary keys of ``table`` (PostgreSQL: from its sequence in one query)."""
    if count == 0:
        return []
    seq = f"{table.name}_{table.primary_key.columns.values()[0].name}_seq"
    rows = db.session.execute(text("SELECT nextval(:seq) FROM generate_series(1, :n)"), {"seq": seq, "n": count})
    return [r[0] for r in rows]


def insert_rows(table: Table, rows: Sequence[dict], columns: Sequence[str] | None = None) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in the current transaction."""
    if not rows:
        return
    if not _is_postgres():
        db.session.execute(insert(table), list(rows))
        return
    columns = list(columns or rows[0].keys())
    raw = db.session.connection().connection.driver_connection
    cols = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cur:
        with cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:
            for r in rows:
                copy.write_row(tuple(r.get(c) for c in columns))


def insert_returning_ids(table: Table, rows: list[dict]) -> list[int]:
    """Insert and return the new ids in the order of ``rows``."""
    if not rows:
        return []
    pk = table.primary_key.columns.values()[0]
    if _is_postgres():
        ids = reserve_ids(table, len(rows))
        for r, i in zip(rows, ids, strict=True):
            r[pk.name] = i
        insert_rows(table, rows)
        return ids
    return list(db.session.execute(insert(table).returning(pk, sort_by_parameter_order=True), rows).scalars())


def id_set(name: str, ids: Iterable[int]):
    """A temporary table ``oms_ids_<name>`` (one ``id`` column) of the session's transaction,
    filled with ``ids`` (COPY on PostgreSQL): ``select(id_set(...).c.id)`` stands in for a list of
    ids of any length — no query binds a parameter per id."""
    table_name = f"oms_ids_{name}"
    conn = db.session.connection()
    conn.execute(text(f'CREATE TEMPORARY TABLE IF NOT EXISTS "{table_name}" (id BIGINT PRIMARY KEY)'))
    conn.execute(text(f'DELETE FROM "{table_name}"'))
    table = Table(table_name, MetaData(), Column("id", BigInteger, primary_key=True))
    rows = [{"id": i} for i in dict.fromkeys(ids)]
    if rows:
        if _is_postgres():
            insert_rows(table, rows)
        else:
            db.session.execute(insert(table), rows)
    return table
