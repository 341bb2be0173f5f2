"""Cost of a case by the tariffs (pure: the tariffs are given as a :class:`TariffBook`).

Per SL (случай) of the case:

* with ``KSG_KPG/N_KSG`` (or only ``N_KPG``) — круглосуточный / дневной стационар: the federal КСГ
  method of :mod:`app.tariffs.ksg_method` (БС × КЗ × КС_КСГ × КД × КУСмо + БС × КД × ΣКСЛП, the
  shares of interrupted cases).  The coefficients come from the tariffs and the КСГ tables (never
  from the file): the base rate of USL_OK on DATE_2 (kind ``base``), КЗ (kind ``ksg``, else the
  КСГ table; kind ``kpg`` when the region pays the КПГ), КС_КСГ (КСГ table, ТС Прил. 18), КД (kind
  ``koef_d``), КУСмо (kind ``koef_u`` for the level of the МО; 1 for the КСГ of МР Прил. 5); a
  coefficient the tariffs do not set is 1.  КСЛП when SL_K = 1: the SL_KOEF/IDSL found in the
  tariffs (the file's Z_SL for an IDSL they do not have; IT_SL of the file when no SL_KOEF is given).
* otherwise, per USL: the tariff of CODE_USL on DATE_IN × KOL_USL (1 when absent); the row of the
  МО's level and the case's КПГ (N_KPG, else the SL's PROFIL) is preferred (:meth:`TariffBook.get`).

Every SL / USL amount is rounded half-up to kopecks once; the case costs the sum.  What is missing
(a code without a tariff on its date) is listed, and the case then has no total.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Iterable, NamedTuple, Optional

from app.formats.record import Node
from app.models.tariff import (
    TARIFF_BASE,
    TARIFF_KOEF_D,
    TARIFF_KOEF_U,
    TARIFF_KPG,
    TARIFF_KSG,
    TARIFF_KSLP,
    TARIFF_SERVICE,
)
from app.tariffs import ksg_method as km
from app.tariffs.ksg_method import KsgSettings, KsgTables

ONE = Decimal(1)
CENT = Decimal("0.01")


class TariffRow(NamedTuple):
    kind: str
    code: str
    price: Optional[Decimal]
    coefficient: Optional[Decimal]
    date_begin: dt.date
    date_end: Optional[dt.date]
    level: str = ""  # level of the МО the row is for; "" any
    kpg: str = ""  # КПГ the row is for; "" any


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class TariffBook:
    """Tariff rows by (kind, code, level, kpg), each list ordered by start date; lookup valid on a
    date, the most specific row first.  ``ksg``: the КСГ tables (None: not loaded); ``settings``:
    the shares of the КСГ method."""

    def __init__(
        self, rows: Iterable[TariffRow], ksg: Optional[KsgTables] = None, settings: Optional[KsgSettings] = None
    ):
        self._rows: dict[tuple[str, str, str, str], list[TariffRow]] = {}
        for r in rows:
            r = r._replace(level=r.level or "", kpg=r.kpg or "")
            self._rows.setdefault((r.kind, r.code, r.level, r.kpg), []).append(r)
        self._starts = {}
        for key, items in self._rows.items():
            items.sort(key=lambda r: r.date_begin)
            self._starts[key] = [r.date_begin for r in items]
        self.ksg = ksg if ksg is not None else KsgTables()
        self.settings = settings or KsgSettings()

    def get(
        self,
        kind: str,
        code: Optional[str],
        on: Optional[dt.date],
        level: Optional[str] = None,
        kpg: Optional[str] = None,
    ) -> Optional[TariffRow]:
        """The row valid on the date: of the level and the КПГ, else of the level, else of the
        КПГ, else of neither."""
        if not code or on is None:
            return None
        code = code.strip()
        level, kpg = (level or "").strip(), (kpg or "").strip()
        for lv, kp in dict.fromkeys(((level, kpg), (level, ""), ("", kpg), ("", ""))):
            r = self._get((kind, code, lv, kp), on)
            if r is not None:
                return r
        return None

    def _get(self, key, on) -> Optional[TariffRow]:
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


class GrouperMismatch(NamedTuple):
    """DS1 of an SL that the grouper does not assign to its КСГ (МЭК 003K.00.0520)."""

    sl: Node
    node: Node  # N_KSG
    ksg: str
    ds1: Optional[str]


@dataclass
class Calculation:
    total: Optional[Decimal]
    parts: list[dict] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    grouper_mismatch: list[GrouperMismatch] = field(default_factory=list)

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


def _int(text: Optional[str]) -> Optional[int]:
    try:
        return int(text.strip()) if text and text.strip() else None
    except ValueError:
        return None


def calculate(zap: Node, book: TariffBook, level: Optional[str] = None) -> Calculation:
    """The cost of the case ``zap``; ``level``: the level of the МО (КУСмо, service rows)."""
    z_sl = zap.child("Z_SL")
    calc = Calculation(total=None)
    if z_sl is None:
        return calc
    usl_ok = _tx(z_sl, "USL_OK")
    total = Decimal("0.00")
    for sl in z_sl.all("SL"):
        sl_id = _tx(sl, "SL_ID")
        ksg = sl.child("KSG_KPG")
        if ksg is not None:
            part = _ksg_part(z_sl, sl, ksg, usl_ok, book, calc, level)
        else:
            part = _service_part(sl, book, calc, level)
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


def _coefficient(book: TariffBook, kind: str, code: Optional[str], on, level: Optional[str] = None):
    row = book.get(kind, code, on, level=level)
    if row is None or row.coefficient is None:
        return ONE, "не задан: 1"
    return row.coefficient, "тарифы"


def _ksg_part(
    z_sl: Node,
    sl: Node,
    ksg: Node,
    usl_ok: Optional[str],
    book: TariffBook,
    calc: Calculation,
    level: Optional[str],
) -> Optional[dict]:
    on = _date(_tx(sl, "DATE_2"))
    n_ksg = ksg.child("N_KSG")
    code = (n_ksg.text or "").strip() if n_ksg is not None else ""
    kpg_node = ksg.child("N_KPG")
    info = book.ksg.get(code, on) if code else None
    kpg = (kpg_node.text or "").strip() if kpg_node is not None and kpg_node.text else (info.kpg if info else None)
    base = book.get(TARIFF_BASE, usl_ok, on)
    ok = True
    # КЗ: by КПГ (a case with N_KPG only, or a КПГ the region pays by КПГ), else the КСГ's
    if not code or book.settings.pays_by_kpg(kpg):
        row = book.get(TARIFF_KPG, kpg, on)
        koef_z, kz_source = (row.coefficient if row else None), f"КЗ КПГ {kpg}"
        if koef_z is None:
            node = kpg_node if kpg_node is not None else (n_ksg if n_ksg is not None else ksg)
            calc.missing.append(Missing(TARIFF_KPG, kpg or "КПГ", on, sl, None, node))
            ok = False
    else:
        row = book.get(TARIFF_KSG, code, on)
        if row is not None and row.coefficient is not None:
            koef_z, kz_source = row.coefficient, "тарифное соглашение"
        elif info is not None:
            koef_z, kz_source = info.koef_z, f"таблица КСГ {info.date_begin.year}"
        else:
            calc.missing.append(Missing(TARIFF_KSG, code, on, sl, None, n_ksg))
            ok = False
    if base is None or base.price is None:
        calc.missing.append(Missing(TARIFF_BASE, f"USL_OK={usl_ok}", on, sl, None, n_ksg if n_ksg is not None else ksg))
        ok = False
    if code and n_ksg is not None:
        match = book.ksg.ds1_matches(code, _tx(sl, "DS1"), on)
        if match is False:
            calc.grouper_mismatch.append(GrouperMismatch(sl, n_ksg, code, _tx(sl, "DS1")))
    if not ok:
        return None
    if info is not None and info.koef_up is not None:
        koef_up, up_source = info.koef_up, "КС_КСГ (ТС Прил. 18)"
    else:
        koef_up, up_source = ONE, "не задан: 1"
    koef_d, d_source = _coefficient(book, TARIFF_KOEF_D, usl_ok, on)
    if info is not None and info.without_level:
        koef_u, u_source = ONE, "КСГ без коэффициента уровня (МР Прил. 5): 1"
    else:
        koef_u, u_source = _coefficient(book, TARIFF_KOEF_U, usl_ok, on, level)
        if level and u_source == "тарифы":
            u_source = f"уровень МО {level}"
    kslp: list[Decimal] = []
    if _tx(ksg, "SL_K") == "1":
        koefs = ksg.all("SL_KOEF")
        for k in koefs:
            t = book.get(TARIFF_KSLP, _tx(k, "IDSL"), on)
            kslp.append(t.coefficient if t is not None and t.coefficient is not None else _dec(_tx(k, "Z_SL"), ONE))
        if not koefs:
            kslp.append(_dec(_tx(ksg, "IT_SL"), ONE))
    s = book.settings
    uo = _int(usl_ok)
    days = km.duration(uo, _int(_tx(sl, "KD")), _date(_tx(sl, "DATE_1")), on)
    short_optimal = bool(info and info.short_optimal)
    reason = km.interruption(_int(_tx(z_sl, "RSLT")), days, short_optimal, s)
    share, share_why = ONE, None
    if reason is not None:
        share, share_why = km.interrupted_share(days, bool(info and info.with_intervention), s)
    wage = info.wage_share if info is not None else None
    amount, detail = km.ksg_cost(
        base=base.price,
        koef_z=koef_z,
        koef_up=koef_up,
        koef_d=koef_d,
        koef_u=koef_u,
        kslp=kslp,
        wage_share=wage,
        share=share,
    )
    detail.update(
        kind="ksg",
        code=code or None,
        kpg=kpg,
        days=days,
        sources={
            "koef_z": kz_source,
            "koef_up": up_source,
            "koef_d": d_source,
            "koef_u": u_source,
        },
        interrupted=reason,
        share_reason=share_why,
        short_optimal=short_optimal,
    )
    return detail


def _service_part(sl: Node, book: TariffBook, calc: Calculation, level: Optional[str] = None) -> Optional[dict]:
    items, total, ok = [], Decimal("0.00"), True
    usls = sl.all("USL")
    if not usls:
        calc.missing.append(Missing(TARIFF_SERVICE, "USL", _date(_tx(sl, "DATE_2")), sl, None, None))
        return None
    kpg = _tx(sl, "PROFIL")  # the profile group of an outpatient case (rows with a КПГ)
    for u in usls:
        code_node = u.child("CODE_USL")
        code = code_node.text if code_node is not None else None
        on = _date(_tx(u, "DATE_IN")) or _date(_tx(sl, "DATE_1"))
        row = book.get(TARIFF_SERVICE, code, on, level=level, kpg=kpg)
        if row is None or row.price is None:
            calc.missing.append(Missing(TARIFF_SERVICE, code or "", on, sl, u, code_node))
            ok = False
            continue
        kol = _dec(_tx(u, "KOL_USL"), ONE)
        amount = money(row.price * kol)
        total += amount
        item = {"code": code, "tariff": str(row.price), "kol": str(kol), "sum": str(amount)}
        if row.level or row.kpg:
            item.update(level=row.level or None, kpg=row.kpg or None)
        items.append(item)
    if not ok:
        return None
    return {"kind": "usl", "usl": items, "sum": str(money(total))}
