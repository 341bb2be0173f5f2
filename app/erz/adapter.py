"""The interface to the register of the insured (РС ЕРЗ).

The identification (``app/services/intake/stages/erz.py``) hands a batch of :class:`ErzQuery` to an
:class:`ErzAdapter` and gets, for the queries it could answer, an :class:`ErzMatch`: who was found,
by what, and the person's policies over time.  One call per batch, never one per case.

The built-in adapter (:class:`app.erz.local.LocalErzAdapter`) searches the local tables filled by
``oms import-erz``.  A region whose РС ЕРЗ is a service of its own writes a class with the same
``identify`` method (a batch request to the service) and names it in the setting ``ERZ_ADAPTER``
(``package.module:ClassName``); the class is created with the Flask app's config.
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from typing import Optional, Protocol, Sequence, runtime_checkable

FOUND_BY_ENP = "enp"
FOUND_BY_POLICY = "policy"
FOUND_BY_SNILS = "snils"
FOUND_BY_NAME = "name"
#: the identification order
FOUND_BY_ORDER = (FOUND_BY_ENP, FOUND_BY_POLICY, FOUND_BY_SNILS, FOUND_BY_NAME)
FOUND_BY_LABELS = {
    FOUND_BY_ENP: "ЕНП",
    FOUND_BY_POLICY: "Серия и номер полиса",
    FOUND_BY_SNILS: "СНИЛС",
    FOUND_BY_NAME: "ФИО и дата рождения",
}

DEFAULT_ADAPTER = "app.erz.local:LocalErzAdapter"


@dataclass(frozen=True, slots=True)
class ErzQuery:
    """What a case says about its patient (PACIENT of the H file, PERS of the L file)."""

    key: int  # the case id; the answer is keyed by it
    enp: Optional[str] = None  # PACIENT/ENP (or NPOLIS of a VPOLIS=3 policy)
    vpolis: Optional[int] = None
    spolis: Optional[str] = None
    npolis: Optional[str] = None
    snils: Optional[str] = None  # PERS/SNILS
    fam: Optional[str] = None
    im: Optional[str] = None
    ot: Optional[str] = None
    dr: Optional[dt.date] = None
    date_1: Optional[dt.date] = None  # DATE_Z_1 .. DATE_Z_2: the dates of care
    date_2: Optional[dt.date] = None


@dataclass(frozen=True, slots=True)
class ErzPolicyInfo:
    policy_type: int
    series: str
    number: str
    smo_code: Optional[str]
    okato: Optional[str]
    date_begin: dt.date
    date_end: Optional[dt.date]

    def valid_on(self, day: dt.date) -> bool:
        return self.date_begin <= day and (self.date_end is None or day <= self.date_end)

    def overlaps(self, first: dt.date, last: dt.date) -> bool:
        return self.date_begin <= last and (self.date_end is None or self.date_end >= first)


@dataclass(frozen=True, slots=True)
class ErzMatch:
    found_by: str  # one of FOUND_BY_ORDER
    person_id: Optional[int]  # the register's id of the person (local tables)
    enp: Optional[str]
    death_date: Optional[dt.date]
    policies: tuple[ErzPolicyInfo, ...]


@runtime_checkable
class ErzAdapter(Protocol):
    def identify(self, queries: Sequence[ErzQuery]) -> dict[int, ErzMatch]:
        """Identify a batch; the result maps ``ErzQuery.key`` to the match (absent: not found).
        The search order is ЕНП → policy series + number → SNILS → surname + name + patronymic +
        birth date; a key that matches several persons identifies nobody."""


def get_adapter(config) -> ErzAdapter:
    """The adapter named by ``ERZ_ADAPTER`` (default: the local tables)."""
    path = config.get("ERZ_ADAPTER") or DEFAULT_ADAPTER
    if ":" in path:
        module, name = path.split(":", 1)
    else:
        module, _, name = path.rpartition(".")
    cls = getattr(importlib.import_module(module), name)
    return cls(config)
