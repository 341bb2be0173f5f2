"""The federal КСГ tables (``oms import-ksg``): the list of КСГ with their coefficients and flags,
and the grouper rows (what assigns a case to a КСГ), each with validity dates.

* :class:`KsgGroup` — one КСГ of a year's model: code (``st…`` круглосуточный стационар, ``ds…``
  дневной), name, КЗ (коэффициент относительной затратоемкости), КПГ (клинико-профильная группа:
  the «Код профиля» of the table, ``st02``/``ds02``), the share of wages and other costs (the part the
  managerial and differentiation coefficients apply to, when the table gives it), the flags of the
  appendices of the методические рекомендации / ПГГ (Прил. 4: surgery or thrombolysis, Прил. 5:
  without the level coefficient, Прил. 8: optimal duration up to 3 days) and КС_КСГ (ТС Прил. 18).
* :class:`KsgGrouperRow` — one row of the sheet «Группировщик»: DS1 / DS2 / DS3, service code,
  age group, sex, duration group, other criterion, fractions → КСГ.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, DateTime, Index, Integer, Numeric, String, UniqueConstraint

from app.models.base import Model, utcnow

USL_OK_LABELS = {1: "Круглосуточный стационар", 2: "Дневной стационар"}
# «Возраст» of the grouper (sheet «Структура справочников»)
AGE_GROUPS = {
    "1": "от 0 до 28 дней",
    "2": "от 29 до 90 дней",
    "3": "от 91 дня до 1 года",
    "4": "от 0 дней до 2 лет",
    "5": "от 0 дней до 18 лет",
    "6": "старше 18 лет",
    "7": "от 0 до 21 года",
}
DURATION_GROUPS = {
    "1": "до 3 дней включительно",
    "2": "от 4 до 10 дней",
    "3": "от 11 до 20 дней",
    "4": "от 21 до 30 дней",
    "5": "более 30 дней",
}


class KsgGroup(Model):
    __tablename__ = "ksg_group"
    __table_args__ = (UniqueConstraint("code", "date_begin", name="uq_ksg_group_code_begin"),)

    id = Column(Integer, primary_key=True)
    code = Column(String(10), nullable=False, index=True)  # N_KSG: st13.005, ds02.001
    usl_ok = Column(Integer, nullable=False)  # 1 круглосуточный, 2 дневной стационар
    name = Column(String(500), nullable=False)
    koef_z = Column(Numeric(10, 5, asdecimal=True), nullable=False)  # КЗ
    kpg = Column(String(10))  # КПГ: st02, ds02
    kpg_name = Column(String(250))
    wage_share = Column(Numeric(6, 4, asdecimal=True))  # доля з/п и прочих расходов
    with_intervention = Column(Boolean, nullable=False, default=False)  # Прил. 4 МР
    without_level = Column(Boolean, nullable=False, default=False)  # Прил. 5 МР
    short_optimal = Column(Boolean, nullable=False, default=False)  # Прил. 8 ПГГ
    koef_up = Column(Numeric(8, 5, asdecimal=True))  # КС_КСГ (ТС Прил. 18); empty = 1
    date_begin = Column(Date, nullable=False)
    date_end = Column(Date)
    updated_at = Column(DateTime, default=utcnow, onupdate=utcnow)

    @property
    def usl_ok_label(self) -> str:
        return USL_OK_LABELS.get(self.usl_ok, str(self.usl_ok))

    def __repr__(self) -> str:
        return f"{self.code} {self.name}"


class KsgGrouperRow(Model):
    __tablename__ = "ksg_grouper"
    __table_args__ = (
        UniqueConstraint("usl_ok", "row_no", "date_begin", name="uq_ksg_grouper_row"),
        Index("ix_ksg_grouper_ksg", "ksg_code", "date_begin"),
        Index("ix_ksg_grouper_ds1", "ds1"),
    )

    id = Column(Integer, primary_key=True)
    usl_ok = Column(Integer, nullable=False)
    row_no = Column(Integer, nullable=False)  # «№» of the sheet
    ksg_code = Column(String(10), nullable=False)
    ds1 = Column(String(10))  # Код по МКБ 10 (основной)
    ds2 = Column(String(10))  # Код по МКБ 10 (2): дополнительный
    ds3 = Column(String(10))  # Код по МКБ 10 (3): осложнения
    service_code = Column(String(30))  # Код услуги (Номенклатура)
    age_group = Column(String(2))
    sex = Column(String(1))
    duration = Column(String(2))
    other = Column(String(40))  # Иной классификационный критерий
    fractions = Column(String(10))  # Диапазон фракций
    group_no = Column(Integer)  # № группы заболеваний, состояний
    date_begin = Column(Date, nullable=False)
    date_end = Column(Date)

    def __repr__(self) -> str:
        return f"{self.ksg_code} ← {self.ds1 or self.service_code or ''}"
