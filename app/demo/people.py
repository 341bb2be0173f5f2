"""Demo persons, deterministic by number: the demo files and the demo ЕРЗ use the same people.

Person ``i`` always has the same name, birth date, ЕНП, SNILS, document and insurer.  Every
10th person is insured in another region (non-resident, ЕНП of Moscow, OKATO 45), every 17th
has an expired policy, and person 13 died (see ``app/services`` of the ЕРЗ).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Optional

MALE = [
    ("Иванов", "Иван", "Иванович"),
    ("Петров", "Петр", "Петрович"),
    ("Сидоров", "Сергей", "Алексеевич"),
    ("Николаев", "Николай", "Семенович"),
    ("Егоров", "Айаал", "Петрович"),
    ("Павлов", "Павел", "Андреевич"),
    ("Семенов", "Семен", "Егорович"),
    ("Григорьев", "Григорий", "Ильич"),
    ("Андреев", "Андрей", "Олегович"),
]
FEMALE = [
    ("Иванова", "Мария", "Ивановна"),
    ("Петрова", "Анна", "Сергеевна"),
    ("Сидорова", "Елена", "Петровна"),
    ("Николаева", "Ольга", "Николаевна"),
    ("Попова", "Сардана", "Васильевна"),
    ("Павлова", "Айталина", "Егоровна"),
    ("Семенова", "Туйаара", "Ивановна"),
]
SMO_CODES = ("14001", "14002")
RESIDENT_OKATO = "98"
NONRESIDENT_OKATO = "45"  # г. Москва


@dataclass(frozen=True)
class DemoPerson:
    number: int
    fam: str
    im: str
    ot: str
    w: int
    dr: dt.date
    enp: str
    snils: str
    docser: str
    docnum: str
    docdate: dt.date
    smo: Optional[str]  # None for non-residents (insured by another region's СМО)
    okato: str  # region of insurance (2 digits of OKATO)
    resident: bool
    policy_end: Optional[dt.date]  # an expired policy for some
    death: Optional[dt.date]

    @property
    def id_pac(self) -> str:
        return f"P{self.number:08d}"

    @property
    def st_okato(self) -> Optional[str]:
        return None if self.resident else f"{self.okato}000"


def _digits(seed: str, n: int) -> str:
    h = hashlib.sha256(seed.encode()).hexdigest()
    return "".join(str(int(c, 16) % 10) for c in h)[:n]


def _snils(body: str) -> str:
    total = sum(int(d) * (9 - i) for i, d in enumerate(body))
    check = total % 101
    check = 0 if check == 100 else check
    return f"{body[0:3]}-{body[3:6]}-{body[6:9]} {check:02d}"


def demo_person(i: int) -> DemoPerson:
    female = i % 2 == 0
    names = FEMALE if female else MALE
    fam, im, ot = names[i % len(names)]
    d = _digits(f"person-{i}", 40)
    age_days = 365 * 2 + int(d[0:5]) % (365 * 80)  # 2..82 years old
    if i % 29 == 0:
        age_days = 30 + int(d[0:3]) % 300  # some babies under one year
    dr = dt.date(2026, 1, 1) - dt.timedelta(days=age_days)
    resident = i % 10 != 0
    okato = RESIDENT_OKATO if resident else NONRESIDENT_OKATO
    enp = okato + d[5:19]
    policy_end = dt.date(2024, 12, 31) if i % 17 == 0 else None
    death = dt.date(2025, 1, 5) if i == 13 else None
    return DemoPerson(
        number=i,
        fam=fam,
        im=im,
        ot=ot,
        w=2 if female else 1,
        dr=dr,
        enp=enp,
        snils=_snils(d[19:28]),
        docser=f"98 {d[28:30]}",
        docnum=d[30:36],
        docdate=dr + dt.timedelta(days=365 * 20) if age_days > 365 * 20 else dr + dt.timedelta(days=30),
        smo=SMO_CODES[i % 2] if resident else None,
        okato=okato,
        resident=resident,
        policy_end=policy_end,
        death=death,
    )
