"""Cost of a case by the tariffs (pure: the tariffs are given as a :class:`TariffBook`).

Per SL (случай) of the case:

* with ``KSG_KPG/N_KSG`` (hospital, day hospital): base rate of USL_OK on DATE_2 × KOEF_Z of the
  КСГ on DATE_2 (both from the tariffs) × KOEF_UP × KOEF_D × KOEF_U (from the file; a missing or
  malformed coefficient counts as 1) × КСЛП when SL_K = 1: 1 + Σ (coefficient − 1) over the
  SL_KOEF/IDSL found in the tariffs (the file's Z_SL for an IDSL they do not have; IT_SL of the file
  when no SL_KOEF is given).  The КПГ (N_KPG) has no tariff here.
* otherwise, per USL: the tariff of CODE_USL on DATE_IN × KOL_USL (1 when absent).

Every product is rounded half-up to kopecks per SL / per USL; the case costs the sum.  What is
missing (a code without a tariff on its date) is listed, and the case then has no total.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Iterable, NamedTuple, Optional

from app.formats.record import Node
from app.models.tariff import TARIFF_BASE, TARIFF_KSG, TARIFF_KSLP, TARIFF_SERVICE

ONE = Decimal(1)
CENT = Decimal("0.01")


class TariffRow(NamedTuple):
    kind: str
    code: str
    price: Optional[Decimal]
    coefficient: Optional[Decimal]
    date_begin: dt.date
    date_end: Optional[dt.date]


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class TariffBook:
    """Tariff rows by (kind, code), each list ordered by start date; lookup valid on a date."""

    def __init__(self, rows: Iterable[TariffRow]):
        self._rows: dict[tuple[str, str], list[TariffRow]] = {}
        for r in rows:
            self._rows.setdefault((r.kind, r.code), []).append(r)
        self._starts = {}
        for key, items in self._rows.items():
            items.sort(key=lambda r: r.date_begin)
            self._starts[key] = [r.date_begin for r in items]

    def get(self, kind: str, code: Optional[str], on: Optional[dt.date]) -> Optional[TariffRow]:
        if not code or on is None:
            return None
        key = (kind, code.strip())
        items = self._rows.get(key)
        if not items:
            return None
        i = bisect_right(self._starts[key], on) - 1
        if i < 0:
            return None
        r = items[i]  # the row that started last on or before the date
        return r if r.date_end is None or on <= r.date_end else None

    def __len__(self) -> int:
        return sum(len(v) for v in self._rows.values())


class Missing(NamedTuple):
    kind: str  # service, ksg, base, kslp? (what had no tariff)
    code: str
    on: Optional[dt.date]
    sl: Optional[Node]
    usl: Optional[Node]
    node: Optional[Node]  # the element that names the code


@dataclass
class Calculation:
    total: Optional[Decimal]
    parts: list[dict] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)

    def detail(self) -> dict:
        return {
            "total": str(self.total) if self.total is not None else None,
            "sl": self.parts,
            "missing": [f"{m.kind} {m.code}" for m in self.missing],
        }


def _dec(text: Optional[str], default: Optional[Decimal] = None) -> Optional[Decimal]:
    if text is None or not text.strip():
        return default
    try:
        v = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return default
    return v if v.is_finite() else default


def _date(text: Optional[str]) -> Optional[dt.date]:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _tx(node: Optional[Node], tag: str) -> Optional[str]:
    if node is None:
        return None
    for c in node.children:
        if c.tag == tag:
            return c.text
    return None


def calculate(zap: Node, book: TariffBook) -> Calculation:
    z_sl = zap.child("Z_SL")
    calc = Calculation(total=None)
    if z_sl is None:
        return calc
    usl_ok = _tx(z_sl, "USL_OK")
    total = Decimal("0.00")
    for sl in z_sl.all("SL"):
        sl_id = _tx(sl, "SL_ID")
        ksg = sl.child("KSG_KPG")
        n_ksg = ksg.child("N_KSG") if ksg is not None else None
        if ksg is not None and (n_ksg is None or not n_ksg.text):
            calc.missing.append(
                Missing(TARIFF_KSG, _tx(ksg, "N_KPG") or "КПГ", _date(_tx(sl, "DATE_2")), sl, None, ksg.child("N_KPG"))
            )
            continue
        if n_ksg is not None:
            part = _ksg_part(sl, ksg, n_ksg, usl_ok, book, calc)
        else:
            part = _service_part(sl, book, calc)
        if part is None:
            continue
        part["sl_id"] = sl_id
        calc.parts.append(part)
        total += Decimal(part["sum"])
    if not calc.missing and calc.parts:
        calc.total = money(total)
    elif not calc.missing and not calc.parts:
        calc.missing.append(Missing(TARIFF_SERVICE, "USL", None, None, None, None))
    return calc


def _ksg_part(
    sl: Node, ksg: Node, n_ksg: Node, usl_ok: Optional[str], book: TariffBook, calc: Calculation
) -> Optional[dict]:
    on = _date(_tx(sl, "DATE_2"))
    code = n_ksg.text
    row = book.get(TARIFF_KSG, code, on)
    base = book.get(TARIFF_BASE, usl_ok, on)
    ok = True
    if row is None or row.coefficient is None:
        calc.missing.append(Missing(TARIFF_KSG, code, on, sl, None, n_ksg))
        ok = False
    if base is None or base.price is None:
        calc.missing.append(Missing(TARIFF_BASE, f"USL_OK={usl_ok}", on, sl, None, n_ksg))
        ok = False
    if not ok:
        return None
    up = _dec(_tx(ksg, "KOEF_UP"), ONE)
    d = _dec(_tx(ksg, "KOEF_D"), ONE)
    u = _dec(_tx(ksg, "KOEF_U"), ONE)
    kslp = ONE
    if _tx(ksg, "SL_K") == "1":
        koefs = ksg.all("SL_KOEF")
        if koefs:
            extra = Decimal(0)
            for k in koefs:
                idsl = _tx(k, "IDSL")
                t = book.get(TARIFF_KSLP, idsl, on)
                value = t.coefficient if t is not None and t.coefficient is not None else _dec(_tx(k, "Z_SL"), ONE)
                extra += value - ONE
            kslp = ONE + extra
        else:
            kslp = _dec(_tx(ksg, "IT_SL"), ONE)
    amount = money(base.price * row.coefficient * up * d * u * kslp)
    return {
        "kind": "ksg",
        "code": code,
        "base": str(base.price),
        "koef_z": str(row.coefficient),
        "koef_up": str(up),
        "koef_d": str(d),
        "koef_u": str(u),
        "kslp": str(kslp),
        "sum": str(amount),
    }


def _service_part(sl: Node, book: TariffBook, calc: Calculation) -> Optional[dict]:
    items, total, ok = [], Decimal("0.00"), True
    usls = sl.all("USL")
    if not usls:
        calc.missing.append(Missing(TARIFF_SERVICE, "USL", _date(_tx(sl, "DATE_2")), sl, None, None))
        return None
    for u in usls:
        code_node = u.child("CODE_USL")
        code = code_node.text if code_node is not None else None
        on = _date(_tx(u, "DATE_IN")) or _date(_tx(sl, "DATE_1"))
        row = book.get(TARIFF_SERVICE, code, on)
        if row is None or row.price is None:
            calc.missing.append(Missing(TARIFF_SERVICE, code or "", on, sl, u, code_node))
            ok = False
            continue
        kol = _dec(_tx(u, "KOL_USL"), ONE)
        amount = money(row.price * kol)
        total += amount
        items.append({"code": code, "tariff": str(row.price), "kol": str(kol), "sum": str(amount)})
    if not ok:
        return None
    return {"kind": "usl", "usl": items, "sum": str(money(total))}
