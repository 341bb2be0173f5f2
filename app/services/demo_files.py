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
from typing import Callable, Iterator, Optional

from app.formats.definitions import get_definition
from app.formats.names import build_file_name
from app.formats.record import Node
from app.formats.writer import write_file
from app.services import demo_catalog as cat
from app.services.demo_people import DemoPerson, demo_person

VERSION = "3.2"


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
    kind: str                  # amb, smp, hosp, day
    person: int
    date_1: dt.date
    date_2: dt.date
    item: object               # DemoService or DemoKsg
    ds1: str
    count: int = 1
    injected: Optional[str] = None

    @property
    def price(self) -> Decimal:
        if self.kind in ("hosp", "day"):
            return cat.ksg_price(self.item)
        return cat.money(self.item.tariff * self.count)


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


@dataclass
class DemoArchive:
    path: Path
    h_name: str
    l_name: str
    cases: int
    sum: Decimal
    injected: list[dict] = field(default_factory=list)

    def manifest(self) -> dict:
        return {"archive": str(self.path), "h_name": self.h_name, "l_name": self.l_name,
                "cases": self.cases, "sum": str(self.sum), "injected": self.injected}


def _period(year: Optional[int], month: Optional[int], today: dt.date) -> tuple[int, int]:
    if year and month:
        return year, month
    first = today.replace(day=1) - dt.timedelta(days=1)
    return first.year, first.month


def plan_cases(n: int, rng: random.Random, year: int, month: int, today: dt.date, persons: int,
               error_rate: float, codes: Optional[list[str]] = None, first_person: int = 1) -> list[CaseSpec]:
    last = calendar.monthrange(year, month)[1]
    last_day = min(dt.date(year, month, last), today)
    specs = []
    for i in range(1, n + 1):
        kind = rng.choices(("amb", "smp", "hosp", "day"), weights=(60, 15, 15, 10))[0]
        person = first_person + rng.randrange(persons)
        if person == 13:             # the deceased demo person gets no care in generated files
            person = 14
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
            services = cat.OUTPATIENT if p.dr.year < 2008 else cat.OUTPATIENT
            item = rng.choice([s for s in services if (s.profil != 68) == (today.year - p.dr.year >= 18)]
                              or services)
            start = end = dt.date(year, month, rng.randint(1, last_day.day))
            ds1 = rng.choice(cat.OUTPATIENT_DIAGNOSES)
        spec = CaseSpec(i, kind, person, start, end, item, ds1)
        if error_rate and rng.random() < error_rate:
            options = [c for c in (codes or INJECTIONS) if kind in INJECTIONS[c][0]]
            if options:
                spec.injected = rng.choice(options)
        specs.append(spec)
    return specs


def _sl_id(spec: CaseSpec) -> str:
    return f"{spec.n:08d}-0000-4000-8000-{spec.person:012d}"


def zap_node(spec: CaseSpec, mo: str, lpu_1: Optional[str]) -> Node:
    p = demo_person(spec.person)
    age = spec.date_1.year - p.dr.year - ((spec.date_1.month, spec.date_1.day) < (p.dr.month, p.dr.day))
    det = "1" if age < 18 else "0"
    price = spec.price
    pac = E("PACIENT", E("ID_PAC", p.id_pac), E("VPOLIS", "3"),
            E("ST_OKATO", p.st_okato), E("ENP", p.enp), E("SMO", p.smo), E("NOVOR", "0"))
    if spec.kind in ("hosp", "day"):
        k = spec.item
        usl_ok = "1" if spec.kind == "hosp" else "2"
        kd = (spec.date_2 - spec.date_1).days or 1
        sl = E("SL", E("SL_ID", _sl_id(spec)), E("LPU_1", lpu_1), E("PROFIL", k.profil),
               E("PROFIL_K", "30"), E("DET", det),
               E("NHISTORY", f"И-{spec.n}"), E("P_PER", "1"),
               E("DATE_1", spec.date_1.isoformat()), E("DATE_2", spec.date_2.isoformat()), E("KD", kd),
               E("DS1", spec.ds1), E("C_ZAB", "1"),
               E("KSG_KPG", E("N_KSG", k.code), E("VER_KSG", spec.date_2.year), E("KSG_PG", "0"),
                 E("KOEF_Z", f"{k.koef_z:.5f}"), E("KOEF_UP", "1.00000"),
                 E("BZTSZ", f"{cat.BASE_RATE[k.usl_ok]:.2f}"), E("KOEF_D", "1.00000"),
                 E("KOEF_U", "1.00000"), E("SL_K", "0")),
               E("PRVS", k.prvs), E("VERS_SPEC", "V021"), E("IDDOKT", "038-077-626 71"),
               E("ED_COL", "1.00"), E("TARIF", f"{price:.2f}"), E("SUM_M", f"{price:.2f}"))
        zsl = E("Z_SL", E("IDCASE", spec.n), E("USL_OK", usl_ok), E("VIDPOM", "31" if usl_ok == "1" else "13"),
                E("FOR_POM", "3"), E("NPR_MO", "140002" if mo != "140002" else "140001"),
                E("NPR_DATE", (spec.date_1 - dt.timedelta(days=3)).isoformat()), E("LPU", mo),
                E("DATE_Z_1", spec.date_1.isoformat()), E("DATE_Z_2", spec.date_2.isoformat()),
                E("KD_Z", kd), E("RSLT", "101" if usl_ok == "1" else "201"),
                E("ISHOD", "102" if usl_ok == "1" else "202"), sl, E("IDSP", "33"),
                E("SUMV", f"{price:.2f}"))
    else:
        s = spec.item
        smp = spec.kind == "smp"
        usl = E("USL", E("IDSERV", "1"), E("LPU", mo), E("LPU_1", lpu_1), E("PROFIL", s.profil), E("DET", det),
                E("DATE_IN", spec.date_1.isoformat()), E("DATE_OUT", spec.date_2.isoformat()),
                E("DS", spec.ds1), E("CODE_USL", s.code), E("KOL_USL", f"{spec.count:.2f}"),
                E("TARIF", f"{s.tariff:.2f}"), E("SUMV_USL", f"{price:.2f}"),
                E("MR_USL_N", E("MR_N", "1"), E("PRVS", s.prvs), E("CODE_MD", "038-077-626 70")))
        sl = E("SL", E("SL_ID", _sl_id(spec)), E("LPU_1", lpu_1), E("PROFIL", s.profil), E("DET", det),
               E("P_CEL", None if smp else "1.0"), E("NHISTORY", f"{'В' if smp else 'А'}-{spec.n}"),
               E("DATE_1", spec.date_1.isoformat()), E("DATE_2", spec.date_2.isoformat()),
               E("DS1", spec.ds1), E("C_ZAB", "1"), E("PRVS", s.prvs), E("VERS_SPEC", "V021"),
               E("IDDOKT", "038-077-626 70"), E("ED_COL", f"{spec.count:.2f}"),
               E("TARIF", f"{s.tariff:.2f}"), E("SUM_M", f"{price:.2f}"), usl)
        zsl = E("Z_SL", E("IDCASE", spec.n), E("USL_OK", "4" if smp else "3"), E("VIDPOM", "2" if smp else "13"),
                E("FOR_POM", "1" if smp else "3"), E("LPU", mo),
                E("DATE_Z_1", spec.date_1.isoformat()), E("DATE_Z_2", spec.date_2.isoformat()),
                E("RSLT", "401" if smp else "301"), E("ISHOD", "401" if smp else "304"), sl,
                E("IDSP", "36" if smp else "29"), E("SUMV", f"{price:.2f}"))
    zap = E("ZAP", E("N_ZAP", spec.n), E("PR_NOV", "0"), pac, zsl)
    if spec.injected:
        INJECTIONS[spec.injected][1](zap)
    return zap


def pers_node(p: DemoPerson, on: dt.date) -> Node:
    adult = (on - p.dr).days >= 14 * 365
    return E("PERS", E("ID_PAC", p.id_pac), E("FAM", p.fam), E("IM", p.im), E("OT", p.ot),
             E("W", p.w), E("DR", p.dr.isoformat()),
             E("DOCTYPE", "14" if adult else None), E("DOCSER", p.docser if adult else None),
             E("DOCNUM", p.docnum if adult else None), E("DOCDATE", p.docdate.isoformat() if adult else None),
             E("SNILS", p.snils))


def write_archive(outdir: Path, *, mo: str = "140001", sender: Optional[str] = None, cases: int = 20,
                  error_rate: float = 0.0, seed: int = 1, year: Optional[int] = None,
                  month: Optional[int] = None, number: int = 1, codes: Optional[list[str]] = None,
                  today: Optional[dt.date] = None, persons: Optional[int] = None,
                  file_type: str = "H", region: str = "14") -> DemoArchive:
    """Write one archive ``<H name>.zip`` into ``outdir``; returns what it holds."""
    today = today or dt.date.today()
    year, month = _period(year, month, today)
    rng = random.Random(seed)
    sender = sender or mo
    specs = plan_cases(cases, rng, year, month, today, persons or max(10, cases // 2), error_rate, codes)
    h_name = build_file_name(file_type, "M", sender, "T", region, year, month, number)
    l_name = build_file_name("L", "M", sender, "T", region, year, month, number)
    total = sum((s.price for s in specs if s.injected is None or s.injected not in ()), Decimal("0.00"))
    # a subdivision with its own code sends its own file: CODE_MO and LPU are its code (Q015 006F.00.0030)
    mo = sender
    lpu_1 = None
    period_end = dt.date(year, month, calendar.monthrange(year, month)[1])
    dschet = min(today, period_end + dt.timedelta(days=3))
    header = E("ZL_LIST",
               E("ZGLV", E("VERSION", VERSION), E("DATA", dschet.isoformat()), E("FILENAME", h_name),
                 E("SD_Z", len(specs))),
               E("SCHET", E("CODE", number), E("CODE_MO", mo), E("YEAR", year), E("MONTH", month),
                 E("NSCHET", f"{month:02d}{number}"), E("DSCHET", dschet.isoformat()),
                 E("SUMMAV", f"{total:.2f}")))
    l_header = E("PERS_LIST", E("ZGLV", E("VERSION", VERSION), E("DATA", dschet.isoformat()),
                                E("FILENAME", l_name), E("FILENAME1", h_name)))
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    archive = outdir / f"{h_name}.zip"
    with tempfile.TemporaryDirectory() as tmp:
        h_path, l_path = Path(tmp) / f"{h_name}.xml", Path(tmp) / f"{l_name}.xml"
        write_file(h_path, get_definition(file_type, VERSION), header,
                   (zap_node(s, mo, lpu_1) for s in specs))
        people = sorted({s.person for s in specs})
        write_file(l_path, get_definition("L", VERSION), l_header,
                   (pers_node(demo_person(i), dschet) for i in people))
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.write(h_path, h_path.name)
            zf.write(l_path, l_path.name)
    injected = [{"n_zap": str(s.n), "idcase": str(s.n), "code": s.injected} for s in specs if s.injected]
    return DemoArchive(archive, h_name, l_name, len(specs), total, injected)


def write_demo_files(outdir: Path, *, count: int = 1, **kwargs) -> dict:
    """``count`` archives (numbers 1..count) and ``manifest.json`` beside them."""
    archives = []
    seed = kwargs.pop("seed", 1)
    for i in range(count):
        archives.append(write_archive(outdir, seed=seed + i, number=kwargs.pop("number", 1) + i
                                      if i == 0 else i + 1, **kwargs))
    manifest = {"archives": [a.manifest() for a in archives]}
    (Path(outdir) / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2),
                                                encoding="utf-8")
    return manifest
