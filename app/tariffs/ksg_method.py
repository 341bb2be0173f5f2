"""The federal method of paying a case by КСГ (круглосуточный и дневной стационар): pure functions
on :class:`~decimal.Decimal`, rounded half-up to kopecks once, at the end.

Source: Методические рекомендации по способам оплаты медицинской помощи за счет средств ОМС
(ФФОМС / Минздрав, 2026; «МР»), раздел «Оплата медицинской помощи в стационарных условиях и в
условиях дневного стационара»; Программа государственных гарантий 2026 (ПГГ) and the regional
tariff agreement (ТС).

Cost of a case (стоимость случая)::

    ССксг = БС × КЗ × КС_КСГ × КД × КУСмо + БС × КД × ΣКСЛП

* БС — базовая ставка of the conditions (USL_OK 1 / 2) on DATE_2 (the tariffs, kind ``base``);
* КЗ — коэффициент относительной затратоемкости of the КСГ (the tariff agreement, kind ``ksg``,
  else the federal КСГ table); when the region pays the КПГ of the КСГ by КПГ, the КЗ of the КПГ
  (kind ``kpg``; :attr:`KsgSettings.pay_by_kpg`);
* КС_КСГ (KOEF_UP) — управленческий коэффициент of the КСГ (ТС Прил. 18), 1 when not set;
* КД (KOEF_D) — коэффициент дифференциации of the territory (kind ``koef_d``), 1 when not set;
* КУСмо (KOEF_U) — коэффициент уровня (подуровня) of the МО (kind ``koef_u`` by the МО's level),
  1 for the КСГ of МР Прил. 5 (без применения коэффициента уровня) and when not set;
* when the КСГ table gives «Доля з/п и прочих расходов» (Дзп) the coefficients КС_КСГ × КД ×
  КУСмо apply to that share only: БС × КЗ × ((1 − Дзп) + Дзп × КС_КСГ × КД × КУСмо);
* ΣКСЛП — the sum of the КСЛП of the case (a value written the old way, ≥ 1, counts as its part
  above 1: 1.20 → 0.20).

Interrupted cases (прерванные случаи, МР «Оплата прерванных случаев»): a case is interrupted when

1. RSLT (V009) is a transfer, a death or a discharge on the patient's / the МО's initiative —
   :data:`INTERRUPTED_RSLT` (V009: 102/202 переведен в другую МО, 103/203 переведен в дневной /
   круглосуточный стационар, 105/106 and 205/206 умер, 107/207 прервано по инициативе пациента,
   108/208 прервано по инициативе МО, 110 самовольно прерванное лечение); or
2. the duration is 3 days or less (:attr:`KsgSettings.short_days`),

except that a short case (≤ 3 days) of a КСГ of ПГГ Прил. 8 (оптимальная длительность до 3 дней
включительно) is paid in full.  An interrupted case is paid at a share of its cost (defaults of the
МР 2026, settings ``KSG_SHARE_*`` of config.py):

=========================================================  ===========  ==========
                                                            ≤ 3 дней     > 3 дней
=========================================================  ===========  ==========
КСГ with a surgical intervention / thrombolysis (Прил. 4)   80 %         90 %
other КСГ                                                   30 %         50 %
=========================================================  ===========  ==========

Duration: the SL's KD when given and positive, else for USL_OK 1 DATE_2 − DATE_1 (at least 1;
the day of admission and of discharge are one day), for USL_OK 2 DATE_2 − DATE_1 + 1.

Over-long stay (сверхдлительные сроки, МР 2019–2021 «Оплата случаев со сверхдлительными сроками
госпитализации», Q016 003K.00.0980): КСЛП = 1 + (KD − NKD) / NKD × Kдл, NKD = 30 days (45 for
:data:`LONG_STAY_45_KSG`), Kдл = 0.25 (0.4 with a stay in reanimation) — :func:`long_stay_kslp`.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Mapping, NamedTuple, Optional

ONE = Decimal(1)
ZERO = Decimal(0)
CENT = Decimal("0.01")

#: V009 results that make a КС / ДС case interrupted (see the module's docstring)
INTERRUPTED_RSLT = frozenset({102, 103, 105, 106, 107, 108, 110, 202, 203, 205, 206, 207, 208})
RSLT_REASONS = {
    102: "перевод в другую МО",
    202: "перевод в другую МО",
    103: "перевод в дневной стационар",
    203: "перевод в круглосуточный стационар",
    105: "летальный исход",
    106: "летальный исход",
    205: "летальный исход",
    206: "летальный исход",
    107: "прервано по инициативе пациента",
    207: "прервано по инициативе пациента",
    108: "прервано по инициативе МО",
    208: "прервано по инициативе МО",
    110: "самовольно прерванное лечение",
}
#: КСГ with the normative duration of 45 days for the over-long stay (МР 2019–2021)
LONG_STAY_45_KSG = frozenset(
    {"st10.001", "st10.002", "st17.002", "st17.003", "st29.007", "st32.006", "st32.007", "st33.007"}
)
#: КСГ of the ЭКО stages (КСГ 2026 ДС: «Экстракорпоральное оплодотворение»), where IT_SL = 1
#: may be written with SL_K = 1 (МР «Оплата случаев по профилю "Акушерство и гинекология"»)
ECO_KSG = frozenset(f"ds02.{n:03d}" for n in range(8, 18))

FORMULA = "БС × КЗ × КС_КСГ × КД × КУСмо + БС × КД × ΣКСЛП"
FORMULA_WAGE = "БС × КЗ × ((1 − Дзп) + Дзп × КС_КСГ × КД × КУСмо) + БС × КД × ΣКСЛП"


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _d(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass(frozen=True)
class KsgSettings:
    """The shares of the interrupted cases and the over-long stay (defaults: МР 2026; config.py
    ``KSG_SHARE_SURGERY_SHORT`` 0.8, ``KSG_SHARE_SURGERY_LONG`` 0.9, ``KSG_SHARE_SHORT`` 0.3,
    ``KSG_SHARE_LONG`` 0.5, ``KSG_SHORT_DAYS`` 3, ``KSG_PAY_BY_KPG`` (КПГ codes, comma-separated,
    ``*`` all), ``KSG_LONG_STAY_DAYS`` 30 / 45, ``KSG_LONG_STAY_K`` 0.25 / 0.4)."""

    share_surgery_short: Decimal = Decimal("0.8")
    share_surgery_long: Decimal = Decimal("0.9")
    share_short: Decimal = Decimal("0.3")
    share_long: Decimal = Decimal("0.5")
    short_days: int = 3
    interrupted_rslt: frozenset = INTERRUPTED_RSLT
    pay_by_kpg: frozenset = frozenset()
    long_stay_days: int = 30
    long_stay_days_45: int = 45
    long_stay_45_ksg: frozenset = LONG_STAY_45_KSG
    long_stay_k: Decimal = Decimal("0.25")
    long_stay_k_reanimation: Decimal = Decimal("0.4")

    @classmethod
    def from_config(cls, cfg: Mapping) -> "KsgSettings":
        def dec(key, default):
            v = cfg.get(key)
            return _d(v) if v not in (None, "") else default

        base = cls()
        kpg = cfg.get("KSG_PAY_BY_KPG") or ""
        if isinstance(kpg, str):
            kpg = [k.strip() for k in kpg.split(",") if k.strip()]
        return cls(
            share_surgery_short=dec("KSG_SHARE_SURGERY_SHORT", base.share_surgery_short),
            share_surgery_long=dec("KSG_SHARE_SURGERY_LONG", base.share_surgery_long),
            share_short=dec("KSG_SHARE_SHORT", base.share_short),
            share_long=dec("KSG_SHARE_LONG", base.share_long),
            short_days=int(cfg.get("KSG_SHORT_DAYS") or base.short_days),
            pay_by_kpg=frozenset(kpg),
            long_stay_days=int(cfg.get("KSG_LONG_STAY_DAYS") or base.long_stay_days),
            long_stay_days_45=int(cfg.get("KSG_LONG_STAY_DAYS_45") or base.long_stay_days_45),
            long_stay_k=dec("KSG_LONG_STAY_K", base.long_stay_k),
            long_stay_k_reanimation=dec("KSG_LONG_STAY_K_REANIMATION", base.long_stay_k_reanimation),
        )

    def pays_by_kpg(self, kpg: Optional[str]) -> bool:
        return bool(kpg) and ("*" in self.pay_by_kpg or kpg in self.pay_by_kpg)


# -- the КСГ tables as the method sees them ------------------------------------------------------------
class KsgInfo(NamedTuple):
    code: str
    usl_ok: int
    koef_z: Decimal
    kpg: Optional[str]
    wage_share: Optional[Decimal]
    with_intervention: bool
    without_level: bool
    short_optimal: bool
    koef_up: Optional[Decimal]
    date_begin: dt.date
    date_end: Optional[dt.date]


@dataclass
class KsgTables:
    """The КСГ list by code and the DS1 of the grouper by КСГ, with validity dates."""

    groups: dict[str, list[KsgInfo]] = field(default_factory=dict)
    # КСГ -> [(date_begin, date_end, frozenset of DS1)]
    grouper: dict[str, list[tuple[dt.date, Optional[dt.date], frozenset]]] = field(default_factory=dict)

    @classmethod
    def build(cls, groups: Iterable[KsgInfo], grouper: Iterable[tuple[str, str, dt.date, Optional[dt.date]]] = ()):
        t = cls()
        for g in groups:
            t.groups.setdefault(g.code, []).append(g)
        for items in t.groups.values():
            items.sort(key=lambda g: g.date_begin)
        ds: dict[tuple, set] = {}
        for code, ds1, begin, end in grouper:
            if ds1:
                ds.setdefault((code, begin, end), set()).add(ds1.strip())
        for (code, begin, end), codes in ds.items():
            t.grouper.setdefault(code, []).append((begin, end, frozenset(codes)))
        return t

    def get(self, code: Optional[str], on: Optional[dt.date]) -> Optional[KsgInfo]:
        items = self.groups.get((code or "").strip())
        if not items or on is None:
            return None
        i = bisect_right([g.date_begin for g in items], on) - 1
        if i < 0:
            return None
        g = items[i]
        return g if g.date_end is None or on <= g.date_end else None

    def ds1_matches(self, code: Optional[str], ds1: Optional[str], on: Optional[dt.date]) -> Optional[bool]:
        """Whether DS1 (or its rubric) is a main diagnosis of the КСГ in the grouper on the date;
        None when the grouper has no DS1 rows of that КСГ on the date (nothing to judge)."""
        if on is None:
            return None
        sets = [s for b, e, s in self.grouper.get((code or "").strip(), ()) if b <= on and (e is None or on <= e)]
        if not sets:
            return None
        ds1 = (ds1 or "").strip()
        return any(ds1 in s or ds1[:3] in s for s in sets)

    def __len__(self) -> int:
        return sum(len(v) for v in self.groups.values())


# -- the rules of the method ---------------------------------------------------------------------------
def duration(usl_ok: Optional[int], kd: Optional[int], date_1: Optional[dt.date], date_2: Optional[dt.date]) -> int:
    """Days of treatment: KD when positive, else from the dates (see the module's docstring)."""
    if kd is not None and kd > 0:
        return kd
    if date_1 is None or date_2 is None:
        return 0
    days = (date_2 - date_1).days
    return days + 1 if usl_ok == 2 else max(days, 1)


def interruption(
    rslt: Optional[int], days: int, short_optimal: bool, settings: KsgSettings = KsgSettings()
) -> Optional[str]:
    """Why the case is interrupted (прерванный), or None; a short case of a КСГ of ПГГ Прил. 8
    is paid in full (None)."""
    short = days <= settings.short_days
    if short and short_optimal:
        return None
    if rslt in settings.interrupted_rslt:
        return f"RSLT {rslt}: {RSLT_REASONS.get(rslt, 'прерванный случай')}"
    if short:
        return f"длительность {days} дн. ≤ {settings.short_days}"
    return None


def interrupted_share(days: int, with_intervention: bool, settings: KsgSettings = KsgSettings()) -> tuple[Decimal, str]:
    short = days <= settings.short_days
    if with_intervention:
        share = settings.share_surgery_short if short else settings.share_surgery_long
        why = "с хирургическим вмешательством / тромболизисом (МР Прил. 4)"
    else:
        share = settings.share_short if short else settings.share_long
        why = "без хирургического вмешательства"
    return share, f"{why}, {'≤' if short else '>'} {settings.short_days} дн."


def kslp_part(value: Decimal) -> Decimal:
    """The part of a КСЛП that adds to the cost: 0.20 as is; 1.20 (the old way) → 0.20."""
    return value - ONE if value >= ONE else value


def long_stay_kslp(
    days: int, ksg: Optional[str], reanimation: bool = False, settings: KsgSettings = KsgSettings()
) -> Optional[Decimal]:
    """КСЛП of an over-long stay: 1 + (KD − NKD)/NKD × Kдл (5 decimals), None when KD ≤ NKD."""
    nkd = settings.long_stay_days_45 if ksg in settings.long_stay_45_ksg else settings.long_stay_days
    if days <= nkd:
        return None
    k = settings.long_stay_k_reanimation if reanimation else settings.long_stay_k
    return (ONE + Decimal(days - nkd) / Decimal(nkd) * k).quantize(Decimal("0.00001"), rounding=ROUND_HALF_UP)


def ksg_cost(
    *,
    base: Decimal,
    koef_z: Decimal,
    koef_up: Decimal = ONE,
    koef_d: Decimal = ONE,
    koef_u: Decimal = ONE,
    kslp: Iterable[Decimal] = (),
    wage_share: Optional[Decimal] = None,
    share: Decimal = ONE,
) -> tuple[Decimal, dict]:
    """The cost of a КСГ case and its breakdown (every factor as text, formula in Russian)."""
    parts = [kslp_part(_d(v)) for v in kslp]
    kslp_sum = sum(parts, ZERO)
    pk = koef_up * koef_d * koef_u
    if wage_share is not None and ZERO < wage_share < ONE:
        ksg_part = base * koef_z * ((ONE - wage_share) + wage_share * pk)
        formula = FORMULA_WAGE
    else:
        ksg_part = base * koef_z * pk
        formula = FORMULA
    kslp_amount = base * koef_d * kslp_sum
    full = ksg_part + kslp_amount
    total = money(full * share)
    if share != ONE:
        formula = f"({formula}) × доля прерванного случая"
    return total, {
        "formula": formula,
        "base": str(base),
        "koef_z": str(koef_z),
        "koef_up": str(koef_up),
        "koef_d": str(koef_d),
        "koef_u": str(koef_u),
        "wage_share": str(wage_share) if wage_share is not None else None,
        "kslp": [str(v) for v in parts],
        "kslp_sum": str(kslp_sum),
        "ksg_amount": str(money(ksg_part)),
        "kslp_amount": str(money(kslp_amount)),
        "share": str(share),
        "sum": str(total),
    }
