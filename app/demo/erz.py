"""The demo register of the insured: persons 1..N of :mod:`app.demo.people`, so the
persons of the generated demo files are known to the identification.

Policy history of a demo person:

* residents (OKATO 98): an old-style policy (VPOLIS 1, series «ЯК») of the *other* demo СМО from
  01.01.2011 to 31.12.2019, then the policy with the ЕНП (VPOLIS 3) of their СМО from 01.01.2020;
* non-residents (every 10th, ЕНП of Moscow): one VPOLIS 3 policy of a Moscow СМО (no local СМО
  code), OKATO 45000;
* every 17th: the last policy ended 31.12.2024 and no other followed;
* person 13 died 05.01.2025: the policy ends on that day.

Persons numbered from :data:`UNKNOWN_FROM` are never in the demo register (the demo file generator
uses them for «not found in the ЕРЗ»).
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator

from app.demo.people import SMO_CODES, DemoPerson, demo_person

DEMO_PERSONS = 30_000
UNKNOWN_FROM = 90_000_000


def demo_records(first: int, last: int) -> Iterator[tuple[dict, list[dict]]]:
    for i in range(first, last + 1):
        yield demo_record(demo_person(i))


def demo_record(p: DemoPerson) -> tuple[dict, list[dict]]:
    person = {
        "ENP": p.enp,
        "FAM": p.fam,
        "IM": p.im,
        "OT": p.ot,
        "W": str(p.w),
        "DR": p.dr.isoformat(),
        "SNILS": p.snils,
        "DOCTYPE": "14",
        "DOCSER": p.docser,
        "DOCNUM": p.docnum,
        "DDEATH": p.death.isoformat() if p.death else "",
    }
    end = p.death or p.policy_end
    begin = max(p.dr, dt.date(2020, 1, 1))
    if end is not None and end < begin:  # born after the expiry date of the demo: a one-day policy
        end = begin
    current = {
        "VPOLIS": "3",
        "SPOLIS": "",
        "NPOLIS": p.enp,
        "SMO": p.smo or "",
        "OKATO": f"{p.okato}000",
        "DBEG": begin.isoformat(),
        "DEND": end.isoformat() if end else "",
    }
    policies = [current]
    if p.resident and p.dr < dt.date(2019, 1, 1):
        other = SMO_CODES[(SMO_CODES.index(p.smo) + 1) % len(SMO_CODES)]
        policies.insert(
            0,
            {
                "VPOLIS": "1",
                "SPOLIS": "ЯК",
                "NPOLIS": f"{p.number:010d}",
                "SMO": other,
                "OKATO": f"{p.okato}000",
                "DBEG": max(p.dr, dt.date(2011, 1, 1)).isoformat(),
                "DEND": "2019-12-31",
            },
        )
    return person, policies


def load_demo_erz(persons: int = DEMO_PERSONS) -> dict:
    """Import persons 1..``persons`` (idempotent: a second run updates the same rows)."""
    from app.erz.importer import import_records

    items = ((i, person, policies) for i, (person, policies) in enumerate(demo_records(1, persons), 1))
    result = import_records(items).as_dict()
    if not result["errors"]:
        del result["errors"]
    return result
