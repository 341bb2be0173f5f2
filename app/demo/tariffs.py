"""Demo tariffs and КСГ table rows, generated from :mod:`app.demo.catalog` (the demo file generator
prices its cases from the same catalogue, so every valid demo case recalculates to the sum it
declares): the demo КСГ with their КЗ, КПГ and flags, and their grouper rows (КСГ ← DS1), valid
from 2020 (the official tables of a year, `oms import-ksg`, take precedence on their dates)."""

from __future__ import annotations

import datetime as dt
from typing import Iterator

from app.demo import catalog as cat

DEMO_FROM = dt.date(2020, 1, 1)


def demo_rows() -> Iterator[tuple[int, dict]]:
    begin = DEMO_FROM.isoformat()
    n = 0
    for s in cat.OUTPATIENT:
        n += 1
        yield (
            n,
            {
                "kind": "service",
                "code": s.code,
                "name": s.name,
                "usl_ok": "3",
                "value": str(s.tariff),
                "date_begin": begin,
            },
        )
    for s in cat.EMERGENCY:
        n += 1
        yield (
            n,
            {
                "kind": "service",
                "code": s.code,
                "name": s.name,
                "usl_ok": "4",
                "value": str(s.tariff),
                "date_begin": begin,
            },
        )
    for k in cat.KSG:
        n += 1
        yield (
            n,
            {
                "kind": "ksg",
                "code": k.code,
                "name": k.name,
                "usl_ok": str(k.usl_ok),
                "value": str(k.koef_z),
                "date_begin": begin,
            },
        )
    for usl_ok, rate in cat.BASE_RATE.items():
        n += 1
        yield (
            n,
            {
                "kind": "base",
                "code": str(usl_ok),
                "name": "Базовая ставка",
                "usl_ok": str(usl_ok),
                "value": str(rate),
                "date_begin": begin,
            },
        )


def demo_ksg_rows() -> list[dict]:
    return [
        {
            "code": k.code,
            "usl_ok": k.usl_ok,
            "name": k.name,
            "koef_z": k.koef_z,
            "kpg": k.kpg,
            "without_level": k.without_level,
            "with_intervention": False,
            "short_optimal": False,
            "date_begin": DEMO_FROM,
            "date_end": None,
        }
        for k in cat.KSG
    ]


def demo_grouper_rows() -> list[dict]:
    return [
        {"usl_ok": k.usl_ok, "row_no": n, "ksg_code": k.code, "ds1": k.ds1, "date_begin": DEMO_FROM}
        for n, k in enumerate(cat.KSG, start=1)
    ]


def load_demo_ksg() -> int:
    """The demo КСГ and their grouper rows (idempotent: upsert, grouper rows of the demo period
    replaced)."""
    from sqlalchemy import delete, insert

    from app.erz.importer import upsert
    from app.extensions import db
    from app.models.base import utcnow
    from app.models.ksg import KsgGroup, KsgGrouperRow

    now = utcnow()
    upsert(
        KsgGroup,
        [dict(r, updated_at=now) for r in demo_ksg_rows()],
        ("code", "date_begin"),
        ("usl_ok", "name", "koef_z", "kpg", "without_level", "date_end", "updated_at"),
    )
    db.session.execute(delete(KsgGrouperRow).where(KsgGrouperRow.date_begin == DEMO_FROM))
    db.session.execute(insert(KsgGrouperRow), demo_grouper_rows())
    db.session.commit()
    return len(cat.KSG)


def load_demo_tariffs() -> dict:
    from app.tariffs.importer import import_rows

    result = import_rows(demo_rows())
    if not result["errors"]:
        del result["errors"]
    result["ksg_groups"] = load_demo_ksg()
    return result
