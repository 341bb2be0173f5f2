"""``oms demo-files``: valid archive pairs (H + L, federal format 3.2) of a demo МО, for the
demo persons, optionally with injected errors of known codes and a JSON manifest of them.

Tests and benchmarks use it; a newcomer uses it to have something to upload.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import random
import tempfile
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from app.controls.values import age_on
from app.demo import catalog as cat
from app.demo.erz import UNKNOWN_FROM as UNKNOWN_PERSONS  # demo persons never in the demo ЕРЗ
from app.demo.people import DemoPerson, demo_person
from app.formats.definitions import get_definition, kind_of, version_number
from app.formats.names import build_file_name
from app.formats.periods import VersionPeriod, required_version
from app.formats.record import Node
from app.formats.writer import write_file

VERSION = "3.2"  # the version of a period no row of app.formats.periods covers


def _new_elements(version: str) -> bool:
    """Whether the version has the elements 4.0 (H, C) and 5.0 (all) added: SOC, NPR_NUM …"""
    return version_number(version) >= (4, 0)


def E(tag: str, *items) -> Optional[Node]:
    """An element; a leaf whose only value is None is left out (returns None)."""
    if len(items) == 1 and items[0] is None:
        return None
    node = Node(tag)
    for item in items:
        if item is None:
            continue
        if isinstance(item, Node):
            node.children.append(item)
        else:
            node.text = str(item)
    return node


@dataclass
class CaseSpec:
    n: int
    kind: str  # amb, smp, hosp, day
    person: int
    date_1: dt.date
    date_2: dt.date
    item: object  # DemoService or DemoKsg
    ds1: str
    count: int = 1
    injected: Optional[str] = None
    markup: Decimal = Decimal("0.00")  # added to the declared sum (МЭК: sum above the tariff)

    @property
    def price(self) -> Decimal:
        if self.kind in ("hosp", "day"):
            return cat.ksg_price(self.item) + self.markup
        return cat.money(self.item.tariff * self.count) + self.markup


# -- injected errors: code -> (applies to kinds, mutation of the ZAP node) -------------------------------
def _set(node: Node, path: str, value: Optional[str]) -> None:
    parts = path.split("/")
    parent = node.find("/".join(parts[:-1])) if len(parts) > 1 else node
    target = parent.child(parts[-1])
    if value is None:
        if target is not None:
            parent.children.remove(target)
    elif target is None:
        parent.children.append(Node(parts[-1], value))
    else:
        target.text = value


INJECTIONS: dict[str, tuple[tuple[str, ...], Callable[[Node], None]]] = {
    "003F.00.0080": (("amb", "smp", "hosp", "day"), lambda z: _set(z, "PACIENT/SPOLIS", "АБ")),
    "006F.00.0310": (("hosp", "day"), lambda z: _set(z, "Z_SL/NPR_DATE", "2099-01-01")),
    "006F.00.0570": (("amb",), lambda z: _set(z, "Z_SL/SL/USL/TARIF", "999999.00")),
    "001F.00.0270": (("amb", "smp", "hosp", "day"), lambda z: _set(z, "Z_SL/SL/PROFIL", "999")),
    "005F.00.0040": (("amb", "smp", "hosp", "day"), lambda z: _set(z, "Z_SL/SL/DS1", "Q99.8")),
    "902": (("amb", "smp", "hosp", "day"), lambda z: _set(z, "Z_SL/SL/DS1", None)),
    "002F.00.0130": (("amb", "smp", "hosp", "day"), lambda z: _set(z, "PACIENT/NOVOR", "3999999")),
    "003F.00.0660": (("amb",), lambda z: _set(z, "Z_SL/SL/P_CEL", None)),
}


# -- МЭК injections: the ZAP passes the ФЛК, the МЭК refuses it with the code ------------------------
def _plus_days(path: str, days: int) -> Callable[[Node], None]:
    def mutate(z: Node) -> None:
        _set(z, path, str(int(z.get(path) or 0) + days))

    return mutate


def _noop(z: Node) -> None:
    return None


INJECTIONS.update(
    {
        "003K.14.0010": (("amb", "smp", "hosp", "day"), _noop),  # person not in the ЕРЗ
        "003K.00.0570": (("amb", "smp", "hosp", "day"), _noop),  # policy ended 31.12.2024
        "003K.00.0420": (("amb", "hosp", "day"), _noop),  # the same care twice in the file
        "003K.00.0620": (("amb",), lambda z: _set(z, "Z_SL/SL/DS1", "O80.0")),  # chapter O, a man
        "003K.00.0590": (("amb",), lambda z: _set(z, "Z_SL/SL/DS1", "P07.3")),  # chapter P, not an infant
        "003K.00.0660": (("amb",), lambda z: _set(z, "Z_SL/SL/DS1", "I11")),  # rubric with sub-rubrics
        "003K.00.0430": (("hosp",), _plus_days("Z_SL/SL/KD", 5)),  # bed-days above the stay
        "003K.00.0550": (("amb",), lambda z: _set(z, "Z_SL/SL/ED_COL", "0.00")),  # no visits counted
        "003K.14.0020": (("amb",), _noop),  # care half a year before the period
        "003K.14.0040": (("amb",), lambda z: _set(z, "Z_SL/SL/USL/CODE_USL", "B01.999.999")),  # no tariff
        "003K.14.0050": (("amb", "smp"), _noop),  # declared 100 rub. above the tariff
    }
)
MEK_INJECTIONS = frozenset(c for c in INJECTIONS if len(c) > 4 and c[3] == "K")


def _adult(person: int, on: dt.date) -> bool:
    """18 full years on the day of care (the МЭК judges profiles and specialties by it)."""
    return age_on(demo_person(person).dr, on) >= 18


def _like(spec: CaseSpec, candidates, today: dt.date) -> int:
    """The first candidate person of the same age group as the spec's on its day of care (so the
    service fits)."""
    adult = _adult(spec.person, spec.date_1)
    for c in candidates:
        if c != 13 and _adult(c, spec.date_1) == adult and demo_person(c).dr < spec.date_1:
            return c
    raise LookupError("no demo person fits")


def _fits(service, adult: bool) -> bool:
    """Pediatrics (PROFIL 68) for a child, the other outpatient services for an adult."""
    return (service.profil != 68) == adult


def _previous(spec: CaseSpec, specs: list[CaseSpec]) -> Optional[CaseSpec]:
    for other in reversed(specs):
        if other.kind == spec.kind and other.injected is None:
            return other
    return None


def _half_year_back(spec: CaseSpec) -> dt.date:
    d = spec.date_1
    months = d.year * 12 + d.month - 1 - 6
    return dt.date(months // 12, months % 12 + 1, min(d.day, 28))


# code -> (applies(spec, specs, today), change(spec, specs, today)): what the ZAP mutation cannot do
SPEC_CHANGES: dict[str, tuple[Callable, Callable]] = {
    "003K.14.0010": (
        lambda s, specs, t: True,
        lambda s, specs, t: setattr(
            s, "person", _like(s, (c for c in range(UNKNOWN_PERSONS + s.n * 7, 10**9) if c % 10), t)
        ),
    ),
    "003K.00.0570": (
        lambda s, specs, t: True,
        lambda s, specs, t: setattr(s, "person", _like(s, range(17 * (1 + s.n % 50), 10**6, 17), t)),
    ),
    "003K.00.0420": (
        lambda s, specs, t: _previous(s, specs) is not None,
        lambda s, specs, t: _copy_care(s, _previous(s, specs)),
    ),
    "003K.00.0620": (
        lambda s, specs, t: True,
        lambda s, specs, t: setattr(s, "person", _like(s, range(s.person | 1, 10**6, 2), t)),
    ),
    "003K.00.0590": (
        lambda s, specs, t: (s.date_1 - demo_person(s.person).dr).days > 2 * 366,
        lambda s, specs, t: None,
    ),
    "003K.14.0020": (
        lambda s, specs, t: demo_person(s.person).dr < _half_year_back(s) - dt.timedelta(days=30),
        lambda s, specs, t: _move(s, _half_year_back(s)),
    ),
    "003K.14.0050": (lambda s, specs, t: True, lambda s, specs, t: setattr(s, "markup", Decimal("100.00"))),
}


def _copy_care(spec: CaseSpec, other: CaseSpec) -> None:
    spec.person, spec.date_1, spec.date_2 = other.person, other.date_1, other.date_2
    spec.item, spec.ds1, spec.count = other.item, other.ds1, other.count


def _move(spec: CaseSpec, day: dt.date) -> None:
    spec.date_1 = spec.date_2 = day


def _days(first: dt.date, last: dt.date):
    while first < last:
        yield first
        first += dt.timedelta(days=1)


def _overlaps(spec: CaseSpec, seen: set) -> bool:
    """A visit inside a round-the-clock stay of the same patient, or two stays that overlap (the
    МЭК refuses both, 003K.14.0080/0070): ``seen`` holds the nights and the inner days of the stays
    and the days of the visits planned so far."""
    p = spec.person
    if spec.kind == "amb":
        return ("inside", p, spec.date_1) in seen
    if spec.kind == "hosp":
        nights = _days(spec.date_1, max(spec.date_2, spec.date_1 + dt.timedelta(days=1)))
        inner = _days(spec.date_1 + dt.timedelta(days=1), spec.date_2)
        return any(("night", p, d) in seen for d in nights) or any(("visit", p, d) in seen for d in inner)
    return False


def _occupy(spec: CaseSpec, seen: set) -> None:
    p = spec.person
    if spec.kind == "amb":
        seen.add(("visit", p, spec.date_1))
    elif spec.kind == "hosp":
        seen.update(("night", p, d) for d in _days(spec.date_1, max(spec.date_2, spec.date_1 + dt.timedelta(days=1))))
        seen.update(("inside", p, d) for d in _days(spec.date_1 + dt.timedelta(days=1), spec.date_2))


def _unique_care(
    spec: CaseSpec, seen: set, first_day: dt.date, last_day: dt.date, other_patients: Callable[[int], Iterable[int]]
) -> None:
    """Move the dates by a day until no earlier case has the same person, dates and care (the
    МЭК would refuse it as a duplicate, 003K.00.0420) and none overlaps it (a visit during a stay,
    two stays at once: 003K.14.0080/0070): valid demo cases are all distinct."""

    def key():
        return (spec.person, spec.date_1, spec.date_2, spec.kind, spec.item.profil, spec.item.prvs)

    def free() -> bool:
        return spec.kind == "smp" or (key() not in seen and not _overlaps(spec, seen))

    if not free() and spec.kind == "hosp":  # the patient is in hospital then: a stay of another one
        span = (spec.date_1, spec.date_2)
        for person in other_patients(spec.person):
            spec.person = person
            if free():
                break
        spec.date_1, spec.date_2 = span
    for _ in range(62):
        if free():
            break
        step = dt.timedelta(days=1)
        if spec.date_2 + step <= last_day:
            spec.date_1, spec.date_2 = spec.date_1 + step, spec.date_2 + step
        else:
            span = spec.date_2 - spec.date_1
            spec.date_1 = first_day if spec.date_1 == spec.date_2 else spec.date_1 - span
            spec.date_2 = spec.date_1 + span
    seen.add(key())
    _occupy(spec, seen)


@dataclass
class DemoArchive:
    path: Path
    h_name: str
    l_name: str
    cases: int
    sum: Decimal
    injected: list[dict] = field(default_factory=list)

    def manifest(self) -> dict:
        return {
            "archive": str(self.path),
            "h_name": self.h_name,
            "l_name": self.l_name,
            "cases": self.cases,
            "sum": str(self.sum),
            "injected": self.injected,
        }


def _period(year: Optional[int], month: Optional[int], today: dt.date) -> tuple[int, int]:
    if year and month:
        return year, month
    first = today.replace(day=1) - dt.timedelta(days=1)
    return first.year, first.month


def plan_cases(
    n: int,
    rng: random.Random,
    year: int,
    month: int,
    today: dt.date,
    persons: int,
    error_rate: float,
    codes: Optional[list[str]] = None,
    first_person: int = 1,
    seen: Optional[set] = None,
) -> list[CaseSpec]:
    """``seen``: the care of earlier archives of the same run (so that no case of one duplicates a
    case of another — the МЭК would refuse it, 003K.00.0420)."""
    last = calendar.monthrange(year, month)[1]
    last_day = min(dt.date(year, month, last), today)
    born_before = dt.date(year, month, 1) - dt.timedelta(days=7)  # referrals are dated 3 days before care
    specs: list[CaseSpec] = []
    seen = set() if seen is None else seen

    def _patient(person: int) -> int:
        """``person`` or the next one of the range who may have care in the period."""
        for _ in range(persons):
            if person == 13:  # the deceased demo person gets no care in generated files
                person = 14
            elif person % 17 == 0:  # nor do the persons whose policy expired (demo ЕРЗ)
                person += 1
            if demo_person(person).dr < born_before:  # nor a person born after the period began
                break
            person = first_person + (person - first_person + 1) % persons
        return person

    def others(person: int) -> Iterator[int]:
        """The next patients of the range after ``person``, for a stay he cannot have."""
        for step in range(1, min(persons, 200)):
            yield _patient(first_person + (person - first_person + step) % persons)

    for i in range(1, n + 1):
        kind = rng.choices(("amb", "smp", "hosp", "day"), weights=(60, 15, 15, 10))[0]
        person = _patient(first_person + rng.randrange(persons))
        p = demo_person(person)
        if kind in ("hosp", "day"):
            candidates = [k for k in cat.KSG if k.usl_ok == (1 if kind == "hosp" else 2)]
            item = rng.choice(candidates)
            days = item.days
            end = dt.date(year, month, rng.randint(min(days + 1, last_day.day), last_day.day))
            start = end - dt.timedelta(days=days)
            ds1 = item.ds1
        elif kind == "smp":
            item = cat.EMERGENCY[0]
            start = end = dt.date(year, month, rng.randint(1, last_day.day))
            ds1 = rng.choice(cat.EMERGENCY_DIAGNOSES)
        else:
            services = cat.OUTPATIENT
            item = rng.choice([s for s in services if _fits(s, today.year - p.dr.year >= 18)] or services)
            start = end = dt.date(year, month, rng.randint(1, last_day.day))
            adult = age_on(p.dr, start) >= 18
            if not _fits(item, adult):  # 18 years old in the year but not yet on the day: the other group
                item = next(s for s in services if _fits(s, adult))
            ds1 = rng.choice(cat.OUTPATIENT_DIAGNOSES)
        spec = CaseSpec(i, kind, person, start, end, item, ds1)
        if error_rate and rng.random() < error_rate:
            options = [
                c
                for c in (codes or INJECTIONS)
                if kind in INJECTIONS[c][0] and (c not in SPEC_CHANGES or SPEC_CHANGES[c][0](spec, specs, today))
            ]
            if options:
                spec.injected = rng.choice(options)
                if spec.injected in SPEC_CHANGES:
                    SPEC_CHANGES[spec.injected][1](spec, specs, today)
        if spec.injected != "003K.00.0420":
            _unique_care(spec, seen, dt.date(year, month, 1), last_day, others)
        specs.append(spec)
    return specs


def _sl_id(spec: CaseSpec) -> str:
    return f"{spec.n:08d}-0000-4000-8000-{spec.person:012d}"


#: the doctors' codes (IDDOKT, CODE_MD): their СНИЛС written as Q015 allows, digits only (004F.00.0920)
DOCTOR_SNILS = ("03807762670", "03807762671")


def zap_node(spec: CaseSpec, mo: str, lpu_1: Optional[str], version: str = VERSION) -> Node:
    p = demo_person(spec.person)
    age = spec.date_1.year - p.dr.year - ((spec.date_1.month, spec.date_1.day) < (p.dr.month, p.dr.day))
    det = "1" if age < 18 else "0"
    price = spec.price
    new = _new_elements(version)
    pac = E(
        "PACIENT",
        E("ID_PAC", p.id_pac),
        E("VPOLIS", "3"),
        E("ST_OKATO", p.st_okato),
        E("ENP", p.enp),
        E("SMO", p.smo),
        # a patient insured in another region: the МО names the insurer (003F.00.0150; 3.2+ have no SMO_OGRN)
        E("SMO_NAM", None if p.smo else f"СМО территории {p.st_okato}"),
        E("NOVOR", "0"),
        E("SOC", "000" if new else None),  # 5.x: social category, 000 = none of the categories
    )
    if spec.kind in ("hosp", "day"):
        k = spec.item
        usl_ok = "1" if spec.kind == "hosp" else "2"
        kd = (spec.date_2 - spec.date_1).days or 1
        sl = E(
            "SL",
            E("SL_ID", _sl_id(spec)),
            E("LPU_1", lpu_1),
            E("PROFIL", k.profil),
            E("PROFIL_K", "30"),
            E("DET", det),
            E("NHISTORY", f"И-{spec.n}"),
            E("P_PER", "1"),
            E("DATE_1", spec.date_1.isoformat()),
            E("DATE_2", spec.date_2.isoformat()),
            E("KD", kd),
            E("DS1", spec.ds1),
            E("C_ZAB", "1"),
            E(
                "KSG_KPG",
                E("N_KSG", k.code),
                E("VER_KSG", spec.date_2.year),
                E("KSG_PG", "0"),
                E("KOEF_Z", f"{k.koef_z:.5f}"),
                E("KOEF_UP", "1.00000"),
                E("BZTSZ", f"{cat.BASE_RATE[k.usl_ok]:.2f}"),
                E("KOEF_D", "1.00000"),
                E("KOEF_U", "1.00000"),
                E("SL_K", "0"),
            ),
            E("PRVS", k.prvs),
            E("VERS_SPEC", "V021"),
            E("IDDOKT", DOCTOR_SNILS[1]),
            E("ED_COL", "1.00"),
            E("TARIF", f"{price:.2f}"),
            E("SUM_M", f"{price:.2f}"),
        )
        zsl = E(
            "Z_SL",
            E("IDCASE", spec.n),
            E("USL_OK", usl_ok),
            E("VIDPOM", "31" if usl_ok == "1" else "13"),
            E("FOR_POM", "3"),
            E("NPR_MO", "140002" if mo != "140002" else "140001"),
            E("NPR_DATE", (spec.date_1 - dt.timedelta(days=3)).isoformat()),
            E("NPR_NUM", f"Н-{spec.n}" if new else None),  # 5.x: the referral's number
            E("LPU", mo),
            E("DATE_Z_1", spec.date_1.isoformat()),
            E("DATE_Z_2", spec.date_2.isoformat()),
            E("KD_Z", kd),
            E("RSLT", "101" if usl_ok == "1" else "201"),
            E("ISHOD", "102" if usl_ok == "1" else "202"),
            sl,
            E("IDSP", "33"),
            E("SUMV", f"{price:.2f}"),
        )
    else:
        s = spec.item
        smp = spec.kind == "smp"
        usl = E(
            "USL",
            E("IDSERV", "1"),
            E("LPU", mo),
            E("LPU_1", lpu_1),
            E("PROFIL", s.profil),
            E("DET", det),
            E("DATE_IN", spec.date_1.isoformat()),
            E("DATE_OUT", spec.date_2.isoformat()),
            E("DS", spec.ds1),
            E("CODE_USL", s.code),
            E("KOL_USL", f"{spec.count:.2f}"),
            E("TARIF", f"{s.tariff:.2f}"),
            E("SUMV_USL", f"{price:.2f}"),
            E("MR_USL_N", E("MR_N", "1"), E("PRVS", s.prvs), E("CODE_MD", DOCTOR_SNILS[0])),
        )
        sl = E(
            "SL",
            E("SL_ID", _sl_id(spec)),
            E("LPU_1", lpu_1),
            E("PROFIL", s.profil),
            E("DET", det),
            E("P_CEL", None if smp else "1.0"),
            E("NHISTORY", f"{'В' if smp else 'А'}-{spec.n}"),
            E("DATE_1", spec.date_1.isoformat()),
            E("DATE_2", spec.date_2.isoformat()),
            E("DS1", spec.ds1),
            E("C_ZAB", "1"),
            E("PRVS", s.prvs),
            E("VERS_SPEC", "V021"),
            E("IDDOKT", DOCTOR_SNILS[0]),
            E("ED_COL", f"{spec.count:.2f}"),
            E("TARIF", f"{s.tariff:.2f}"),
            E("SUM_M", f"{price:.2f}"),
            usl,
        )
        zsl = E(
            "Z_SL",
            E("IDCASE", spec.n),
            E("USL_OK", "4" if smp else "3"),
            E("VIDPOM", "2" if smp else "13"),
            E("FOR_POM", "1" if smp else "3"),
            E("LPU", mo),
            E("DATE_Z_1", spec.date_1.isoformat()),
            E("DATE_Z_2", spec.date_2.isoformat()),
            E("RSLT", "401" if smp else "301"),
            E("ISHOD", "401" if smp else "304"),
            sl,
            E("IDSP", "36" if smp else "29"),
            E("SUMV", f"{price:.2f}"),
        )
    zap = E("ZAP", E("N_ZAP", spec.n), E("PR_NOV", "0"), pac, zsl)
    if spec.injected:
        INJECTIONS[spec.injected][1](zap)
    return zap


def pers_node(p: DemoPerson, on: dt.date) -> Node:
    adult = age_on(p.dr, on) >= 14  # a passport from 14 years
    fam = p.fam
    if p.number >= UNKNOWN_PERSONS:  # not in the demo ЕРЗ: a surname no demo person has
        fam = "Незарегистрированная" if p.w == 2 else "Незарегистрированный"
    return E(
        "PERS",
        E("ID_PAC", p.id_pac),
        E("FAM", fam),
        E("IM", p.im),
        E("OT", p.ot),
        E("W", p.w),
        E("DR", p.dr.isoformat()),
        E("DOCTYPE", "14" if adult else None),
        E("DOCSER", p.docser if adult else None),
        E("DOCNUM", p.docnum if adult else None),
        E("DOCDATE", p.docdate.isoformat() if adult else None),
        E("SNILS", p.snils),
    )


def write_archive(
    outdir: Path,
    *,
    mo: str = "140001",
    sender: Optional[str] = None,
    cases: int = 20,
    error_rate: float = 0.0,
    seed: int = 1,
    year: Optional[int] = None,
    month: Optional[int] = None,
    number: int = 1,
    codes: Optional[list[str]] = None,
    today: Optional[dt.date] = None,
    persons: Optional[int] = None,
    file_type: str = "H",
    region: str = "14",
    first_person: int = 1,
    version: Optional[str] = None,
    periods: Optional[tuple[VersionPeriod, ...]] = None,
    seen: Optional[set] = None,
) -> DemoArchive:
    """Write one archive ``<H name>.zip`` into ``outdir``; returns what it holds.  The files carry
    the version their period requires (``periods``: the fund's table, by default the seed of
    app.formats.periods), or ``version`` for the cases file when given."""
    today = today or dt.date.today()
    year, month = _period(year, month, today)
    version = version or required_version(kind_of(file_type), year, month, periods) or VERSION
    if version_number(version) < (3, 2):
        raise ValueError(
            f"Демонстрационные файлы пишутся в версиях 3.2 и новее; период {month:02d}.{year} требует {version}"
        )
    l_version = required_version("L", year, month, periods) or VERSION
    rng = random.Random(seed)
    sender = sender or mo
    specs = plan_cases(
        cases,
        rng,
        year,
        month,
        today,
        persons or max(10, cases // 2),
        error_rate,
        codes,
        first_person=first_person,
        seen=seen,
    )
    h_name = build_file_name(file_type, "M", sender, "T", region, year, month, number)
    l_name = build_file_name("L", "M", sender, "T", region, year, month, number)
    total = sum((s.price for s in specs if s.injected is None or s.injected not in ()), Decimal("0.00"))
    # a subdivision with its own code sends its own file: CODE_MO and LPU are its code (Q015 006F.00.0030)
    mo = sender
    lpu_1 = None
    period_end = dt.date(year, month, calendar.monthrange(year, month)[1])
    dschet = min(today, period_end + dt.timedelta(days=3))
    header = E(
        "ZL_LIST",
        E("ZGLV", E("VERSION", version), E("DATA", dschet.isoformat()), E("FILENAME", h_name), E("SD_Z", len(specs))),
        E(
            "SCHET",
            E("CODE", number),
            E("CODE_MO", mo),
            E("YEAR", year),
            E("MONTH", month),
            E("NSCHET", f"{month:02d}{number}"),
            E("DSCHET", dschet.isoformat()),
            E("SUMMAV", f"{total:.2f}"),
        ),
    )
    l_header = E(
        "PERS_LIST",
        E(
            "ZGLV",
            E("VERSION", l_version),
            E("DATA", dschet.isoformat()),
            E("FILENAME", l_name),
            E("FILENAME1", h_name),
        ),
    )
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    archive = outdir / f"{h_name}.zip"
    with tempfile.TemporaryDirectory() as tmp:
        h_path, l_path = Path(tmp) / f"{h_name}.xml", Path(tmp) / f"{l_name}.xml"
        definition = get_definition(file_type, version)
        if definition is None:
            raise ValueError(f"Версия формата {version} не описана для файлов {file_type}")
        write_file(h_path, definition, header, (zap_node(s, mo, lpu_1, version) for s in specs))
        # the document the patient had at his first care in the file (a passport from 14 years:
        # the МЭК judges it on DATE_Z_1, 003K.00.1021)
        first_care: dict[int, dt.date] = {}
        for s in specs:
            first_care[s.person] = min(s.date_1, first_care.get(s.person, s.date_1))
        write_file(
            l_path,
            get_definition("L", l_version),
            l_header,
            (pers_node(demo_person(i), first_care[i]) for i in sorted(first_care)),
        )
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.write(h_path, h_path.name)
            zf.write(l_path, l_path.name)
    injected = [
        {
            "n_zap": str(s.n),
            "idcase": str(s.n),
            "code": s.injected,
            "stage": "МЭК" if s.injected in MEK_INJECTIONS else "ФЛК",
        }
        for s in specs
        if s.injected
    ]
    return DemoArchive(archive, h_name, l_name, len(specs), total, injected)


def write_demo_files(outdir: Path, *, count: int = 1, **kwargs) -> dict:
    """``count`` archives (numbers 1..count) and ``manifest.json`` beside them."""
    archives = []
    seed = kwargs.pop("seed", 1)
    kwargs.setdefault("seen", set())  # one run: no case of one archive duplicates one of another
    for i in range(count):
        archives.append(
            write_archive(outdir, seed=seed + i, number=kwargs.pop("number", 1) + i if i == 0 else i + 1, **kwargs)
        )
    manifest = {"archives": [a.manifest() for a in archives]}
    (Path(outdir) / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest
