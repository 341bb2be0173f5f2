"""Demo tariffs, generated from :mod:`app.demo.catalog` (the demo file generator prices its
cases from the same catalogue, so every valid demo case recalculates to the sum it declares)."""

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


def load_demo_tariffs() -> dict:
    from app.tariffs.importer import import_rows

    result = import_rows(demo_rows())
    if not result["errors"]:
        del result["errors"]
    return result
