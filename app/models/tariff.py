"""Tariffs of the territorial programme, with validity dates (``oms import-tariffs``).

One table, four kinds of rows:

=========  ===============================  =========================================
kind       code                             value
=========  ===============================  =========================================
service    CODE_USL (service code)          ``price`` per unit (× KOL_USL)
ksg        N_KSG (КСГ)                      ``coefficient`` = KOEF_Z (затратоемкость)
base       USL_OK (1 стационар, 2 дневной)  ``price`` = базовая ставка
kslp       IDSL (КСЛП)                      ``coefficient`` of the КСЛП
koef_d     USL_OK                           ``coefficient`` = КД (коэффициент дифференциации)
koef_u     USL_OK, ``level`` = level of МО  ``coefficient`` = КУСмо (уровень/подуровень МО)
kpg        КПГ (st27, ds13)                 ``coefficient`` = КЗ of the КПГ (оплата по КПГ)
=========  ===============================  =========================================

A row may carry the level of the МО (``level``: 1, 2, 3, 3.1 …) and/or a КПГ (``kpg``; for
outpatient services the profile group of the case, :mod:`app.tariffs.book`); empty means «any».
The lookup prefers the most specific row: level and КПГ, then level, then КПГ, then neither.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, Index, Integer, Numeric, String, UniqueConstraint

from app.models.base import Model, Money, utcnow

TARIFF_SERVICE = "service"
TARIFF_KSG = "ksg"
TARIFF_BASE = "base"
TARIFF_KSLP = "kslp"
TARIFF_KOEF_D = "koef_d"
TARIFF_KOEF_U = "koef_u"
TARIFF_KPG = "kpg"
TARIFF_KINDS = {
    TARIFF_SERVICE: "Услуга",
    TARIFF_KSG: "КСГ",
    TARIFF_BASE: "Базовая ставка",
    TARIFF_KSLP: "КСЛП",
    TARIFF_KOEF_D: "Коэффициент дифференциации",
    TARIFF_KOEF_U: "Коэффициент уровня МО",
    TARIFF_KPG: "КПГ",
}


class Tariff(Model):
    __tablename__ = "tariff"
    __table_args__ = (
        UniqueConstraint("kind", "code", "level", "kpg", "date_begin", name="uq_tariff_kind_code_level_kpg_begin"),
        Index("ix_tariff_kind_code", "kind", "code", "date_end"),
    )

    id = Column(Integer, primary_key=True)
    kind = Column(String(8), nullable=False)
    code = Column(String(20), nullable=False)
    name = Column(String(250))
    usl_ok = Column(Integer)  # conditions the row applies to (informative)
    level = Column(String(5), nullable=False, default="", server_default="")  # level of the МО; "" any
    kpg = Column(String(10), nullable=False, default="", server_default="")  # КПГ; "" any
    price = Column(Money())  # service, base: money
    coefficient = Column(Numeric(10, 5, asdecimal=True))  # ksg, kslp
    date_begin = Column(Date, nullable=False)
    date_end = Column(Date)
    updated_at = Column(DateTime, default=utcnow, onupdate=utcnow)

    @property
    def kind_label(self) -> str:
        return TARIFF_KINDS.get(self.kind, self.kind)

    def __repr__(self) -> str:
        return f"{self.kind_label} {self.code}"
