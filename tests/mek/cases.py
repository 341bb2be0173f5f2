"""Builders of single cases for the МЭК rule tests: a valid demo ZAP (the generator's own), the
person it belongs to, and the ЕРЗ result of a resident found by ЕНП with a valid policy."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Optional

from app.controls.mek import MekCase, MekContext
from app.demo import catalog as cat
from app.demo.files import CaseSpec, _set, zap_node
from app.demo.people import demo_person
from app.formats.record import Node

DAY = dt.date(2026, 10, 15)
ADULT_MAN = 1  # demo person 1: a man (odd), resident
ADULT_WOMAN = 2


def spec(kind: str = "amb", person: int = ADULT_MAN, day: dt.date = DAY) -> CaseSpec:
    if kind in ("hosp", "day"):
        k = next(k for k in cat.KSG if k.usl_ok == (1 if kind == "hosp" else 2))
        return CaseSpec(1, kind, person, day - dt.timedelta(days=k.days), day, k, k.ds1)
    if kind == "smp":
        return CaseSpec(1, kind, person, day, day, cat.EMERGENCY[0], "I10")
    return CaseSpec(1, kind, person, day, day, cat.OUTPATIENT[0], "I10")


def zap(kind: str = "amb", person: int = ADULT_MAN, day: dt.date = DAY, **changes) -> Node:
    """The demo ZAP with ``changes``: ``{"Z_SL/RSLT": "201"}`` (None removes the element)."""
    node = zap_node(spec(kind, person, day), "140001", None)
    for path, value in changes.items():
        _set(node, path, value)
    return node


def case(node: Node, person: int = ADULT_MAN, *, sumv: Optional[Decimal] = None, **erz) -> MekCase:
    p = demo_person(person)
    values = dict(erz_found_by="enp", policy_check="valid", nonresident=False, death_date=None)
    values.update(erz)
    if sumv is None:
        sumv = Decimal(node.get("Z_SL/SUMV"))
    return MekCase(node, case_id=1, sumv=sumv, w=p.w, dr=p.dr, **values)


def ctx(**kw) -> MekContext:
    values = dict(
        year=2026,
        month=10,
        today=dt.date(2026, 11, 20),
        rubrics_with_subrubrics=frozenset({"I11", "I20", "J18", "O80", "P07"}),
    )
    values.update(kw)
    return MekContext(**values)
