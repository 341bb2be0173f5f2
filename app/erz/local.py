"""The built-in РС ЕРЗ: identification over the local tables ``erz_person`` / ``erz_policy``.

Set-based: for one batch of queries, one query per identification step (ЕНП, policy, SNILS,
name + birth date) over the still unidentified cases, then one query for the policies and one for
the persons found.  Every step uses its index (see :mod:`app.models.erz`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Optional, Sequence

from sqlalchemy import select

from app.core.bulk_update import in_values
from app.erz import normalize as norm
from app.erz.adapter import (
    FOUND_BY_ENP,
    FOUND_BY_NAME,
    FOUND_BY_POLICY,
    FOUND_BY_SNILS,
    ErzMatch,
    ErzPolicyInfo,
    ErzQuery,
)
from app.extensions import db
from app.models.erz import ErzPerson, ErzPolicy


class LocalErzAdapter:
    def __init__(self, config=None):
        self.config = config

    def identify(self, queries: Sequence[ErzQuery]) -> dict[int, ErzMatch]:
        found: dict[int, tuple[int, str]] = {}  # key -> (person id, found by)
        pending = list(queries)

        # 1. ЕНП
        known: dict[int, tuple] = {}  # person id -> (ЕНП, date of death)
        by_enp = _group(pending, lambda q: norm.enp(q.enp))
        if by_enp:
            for pid, value, death in db.session.execute(
                select(ErzPerson.id, ErzPerson.enp, ErzPerson.death_date).where(in_values(ErzPerson.enp, by_enp))
            ):
                known[pid] = (value, death)
                for q in by_enp.get(value, ()):
                    found[q.key] = (pid, FOUND_BY_ENP)
            pending = [q for q in pending if q.key not in found]

        # 2. policy series + number
        by_number = _group(pending, lambda q: norm.number(q.npolis) or None)
        if by_number:
            owners: dict[tuple[str, str], set[int]] = defaultdict(set)
            for pid, ser, num in db.session.execute(
                select(ErzPolicy.person_id, ErzPolicy.series, ErzPolicy.number).where(
                    in_values(ErzPolicy.number, by_number)
                )
            ):
                owners[(norm.series(ser), num)].add(pid)
            for num, qs in by_number.items():
                for q in qs:
                    pids = owners.get((norm.series(q.spolis), num), set())
                    if len(pids) == 1:
                        found[q.key] = (next(iter(pids)), FOUND_BY_POLICY)
            pending = [q for q in pending if q.key not in found]

        # 3. SNILS
        by_snils = _group(pending, lambda q: norm.snils_digits(q.snils))
        if by_snils:
            owners_s: dict[str, set[int]] = defaultdict(set)
            for pid, value in db.session.execute(
                select(ErzPerson.id, ErzPerson.snils).where(in_values(ErzPerson.snils, by_snils))
            ):
                owners_s[value].add(pid)
            for value, qs in by_snils.items():
                pids = owners_s.get(value, set())
                if len(pids) == 1:
                    for q in qs:
                        found[q.key] = (next(iter(pids)), FOUND_BY_SNILS)
            pending = [q for q in pending if q.key not in found]

        # 4. surname + name + patronymic + birth date
        by_name = _group(pending, lambda q: norm.name_key(q.fam, q.im, q.ot) if (q.fam and q.im and q.dr) else None)
        if by_name:
            owners_n: dict[tuple, set[int]] = defaultdict(set)
            for pid, key, dr in db.session.execute(
                select(ErzPerson.id, ErzPerson.name_key, ErzPerson.dr).where(in_values(ErzPerson.name_key, by_name))
            ):
                owners_n[(key, dr)].add(pid)
            for key, qs in by_name.items():
                for q in qs:
                    pids = owners_n.get((key, q.dr), set())
                    if len(pids) == 1:
                        found[q.key] = (next(iter(pids)), FOUND_BY_NAME)

        return self._matches(found, known)

    @staticmethod
    def _matches(found: dict[int, tuple[int, str]], known: dict[int, tuple]) -> dict[int, ErzMatch]:
        ids = {pid for pid, _ in found.values()}
        if not ids:
            return {}
        missing = ids - set(known)
        if missing:
            known.update(
                {
                    pid: (enp, death)
                    for pid, enp, death in db.session.execute(
                        select(ErzPerson.id, ErzPerson.enp, ErzPerson.death_date).where(
                            in_values(ErzPerson.id, missing)
                        )
                    )
                }
            )
        policies: dict[int, list[ErzPolicyInfo]] = defaultdict(list)
        for row in db.session.execute(
            select(
                ErzPolicy.person_id,
                ErzPolicy.policy_type,
                ErzPolicy.series,
                ErzPolicy.number,
                ErzPolicy.smo_code,
                ErzPolicy.okato,
                ErzPolicy.date_begin,
                ErzPolicy.date_end,
            ).where(in_values(ErzPolicy.person_id, ids))
        ):
            policies[row[0]].append(ErzPolicyInfo(*row[1:]))
        out = {}
        for key, (pid, how) in found.items():
            enp, death = known.get(pid, (None, None))
            out[key] = ErzMatch(
                found_by=how,
                person_id=pid,
                enp=enp,
                death_date=death,
                policies=tuple(sorted(policies.get(pid, ()), key=lambda p: p.date_begin)),
            )
        return out


def _group(queries: Iterable[ErzQuery], key) -> dict[str, list[ErzQuery]]:
    out: dict[str, list[ErzQuery]] = defaultdict(list)
    for q in queries:
        k: Optional[str] = key(q)
        if k:
            out[k].append(q)
    return out
