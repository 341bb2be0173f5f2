"""The demo registers of the МО attachment and of the МО licences, loaded by ``oms init-demo``
(idempotent: a second run writes nothing new).

* attachment: demo persons 1..:data:`MO2_FROM` − 1 are attached to МО 140001 (subdivision 140011,
  the polyclinic), persons from :data:`MO2_FROM` to МО 140002 (the demo files of the МЭК tests of
  МО 140002 take their persons there), from the later of 01.01.2020 and the birth date, until the
  death of the person (person 13);
* licences: every demo МО holds a licence for every conditions of care and profile the demo file
  generator uses (:mod:`app.demo.catalog`), from 01.01.2015, open-ended — so that no demo case
  meets 003K.14.0060.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator

from app.demo import catalog as cat
from app.demo.accounts import ORGANISATIONS
from app.demo.erz import DEMO_PERSONS
from app.demo.people import demo_person
from app.models.vocabulary import OrgKind

MO1, MO2 = "140001", "140002"
MO1_SUBDIVISION = "140011"
MO2_FROM = 20_001
ATTACHED_SINCE = dt.date(2020, 1, 1)
LICENSED_SINCE = dt.date(2015, 1, 1)


def demo_mo_codes() -> list[str]:
    return [o["code"] for o in ORGANISATIONS if o["kind"] == OrgKind.MO]


def demo_care() -> list[tuple[int, int]]:
    """(USL_OK, PROFIL) of every case the demo generator can write: outpatient services (3),
    emergency calls (4), the КСГ of the hospital (1) and of the day hospital (2)."""
    care = {(3, s.profil) for s in cat.OUTPATIENT}
    care |= {(4, s.profil) for s in cat.EMERGENCY}
    care |= {(k.usl_ok, k.profil) for k in cat.KSG}
    return sorted(care)


def attachment_rows(persons: int = DEMO_PERSONS) -> Iterator[tuple[int, dict]]:
    for i in range(1, persons + 1):
        p = demo_person(i)
        mo = MO1 if i < MO2_FROM else MO2
        begin = max(p.dr, ATTACHED_SINCE)
        yield (
            i,
            {
                "ENP": p.enp,
                "LPU": mo,
                "DATE_BEG": begin.isoformat(),
                "DATE_END": p.death.isoformat() if p.death else "",
                "LPU_1": MO1_SUBDIVISION if mo == MO1 else "",
                "UCH": str(1 + i % 20),
            },
        )


def licence_rows() -> Iterator[tuple[int, dict]]:
    n = 0
    for mo in demo_mo_codes():
        for usl_ok, profil in demo_care():
            n += 1
            yield (
                n,
                {
                    "LPU": mo,
                    "USL_OK": str(usl_ok),
                    "PROFIL": str(profil),
                    "N_LIC": f"Л041-01187-14/{mo}",
                    "DATE_BEG": LICENSED_SINCE.isoformat(),
                    "DATE_END": "",
                },
            )


def load_demo_registers(persons: int = DEMO_PERSONS) -> dict:
    """Write the demo attachment of persons 1..``persons`` and the demo licences."""
    from app.services.reference.registers import import_attachment_rows, import_licence_rows

    out = {}
    for name, result in (
        ("attachment", import_attachment_rows(attachment_rows(persons))),
        ("licences", import_licence_rows(licence_rows())),
    ):
        values = result.as_dict()
        del values["encoding"]
        if not values["errors"]:
            del values["errors"]
        out[name] = values
    return out
