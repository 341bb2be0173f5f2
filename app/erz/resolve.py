"""What the identification concludes for one case, from the register's answer (pure functions).

* **policy on the dates of care** — a policy of the person that overlaps DATE_Z_1..DATE_Z_2; the
  one valid on DATE_Z_2 if there is one, else on DATE_Z_1, else the latest that overlaps.  None
  overlaps: ``ended`` (the last policy ended before DATE_Z_1, Q016 003K.00.0570), ``future`` (the
  first began after DATE_Z_2, 003K.00.0580) or ``none`` (no policy at all).
* **СМО** — the СМО of that policy (of the latest policy when none overlaps).
* **non-resident («иногородний»)** — the register decides when it knows the person: the region
  (first two OKATO digits) of the policy above differs from the fund's region.  Otherwise the case
  itself: ST_OKATO of another region, else the region of the ЕНП (its first two digits).
* **person key** — who the patient is for the duplicate checks: the register's person, else the
  ЕНП, else the policy, else surname + name + patronymic + birth date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from app.erz import normalize as norm
from app.erz.adapter import ErzMatch, ErzPolicyInfo, ErzQuery

POLICY_VALID = "valid"
POLICY_ENDED = "ended"
POLICY_FUTURE = "future"
POLICY_NONE = "none"
POLICY_LABELS = {
    POLICY_VALID: "Действует",
    POLICY_ENDED: "Закончился до начала лечения",
    POLICY_FUTURE: "Начал действовать после окончания лечения",
    POLICY_NONE: "Нет полиса в ЕРЗ",
}


@dataclass(frozen=True, slots=True)
class Resolution:
    found_by: Optional[str]
    person_id: Optional[int]
    policy: Optional[ErzPolicyInfo]
    policy_check: Optional[str]  # None when the person was not found
    smo_code: Optional[str]
    nonresident: bool
    death_date: Optional[dt.date]
    person_key: Optional[str]


def policy_on(
    policies: tuple[ErzPolicyInfo, ...], first: Optional[dt.date], last: Optional[dt.date]
) -> tuple[Optional[ErzPolicyInfo], str]:
    if not policies:
        return None, POLICY_NONE
    if first is None or last is None:
        latest = max(policies, key=lambda p: p.date_begin)
        return latest, POLICY_VALID if latest.date_end is None else POLICY_ENDED
    for day in (last, first):
        for p in policies:
            if p.valid_on(day):
                return p, POLICY_VALID
    overlapping = [p for p in policies if p.overlaps(first, last)]
    if overlapping:
        return max(overlapping, key=lambda p: p.date_begin), POLICY_VALID
    before = [p for p in policies if p.date_end is not None and p.date_end < first]
    if before:
        return max(before, key=lambda p: p.date_end), POLICY_ENDED
    return min(policies, key=lambda p: p.date_begin), POLICY_FUTURE


def region_of(okato: Optional[str]) -> Optional[str]:
    okato = (okato or "").strip()
    return okato[:2] if len(okato) >= 2 and okato[:2].isdigit() else None


def resolve(q: ErzQuery, match: Optional[ErzMatch], region_okato: str, *, st_okato: Optional[str] = None) -> Resolution:
    region = region_okato[:2]
    enp = norm.enp(q.enp)
    if match is not None:
        policy, check = policy_on(match.policies, q.date_1, q.date_2)
        home = region_of(policy.okato) if policy is not None else None
        if home is None:
            home = region_of(st_okato) or (match.enp or enp or "")[:2] or None
        return Resolution(
            found_by=match.found_by,
            person_id=match.person_id,
            policy=policy,
            policy_check=check,
            smo_code=policy.smo_code if policy else None,
            nonresident=home is not None and home != region,
            death_date=match.death_date,
            person_key=f"E{match.person_id}" if match.person_id is not None else f"N{match.enp or enp}",
        )
    home = region_of(st_okato) or (enp[:2] if enp else None)
    return Resolution(
        found_by=None,
        person_id=None,
        policy=None,
        policy_check=None,
        smo_code=None,
        nonresident=home is not None and home != region,
        death_date=None,
        person_key=person_key(q),
    )


def person_key(q: ErzQuery) -> Optional[str]:
    enp = norm.enp(q.enp)
    if enp:
        return f"N{enp}"
    if q.npolis:
        return f"P{norm.series(q.spolis)}{norm.number(q.npolis)}"[:80]
    if q.fam and q.dr:
        return f"F{norm.name_key(q.fam, q.im, q.ot)}|{q.dr.isoformat()}"[:80]
    return None
