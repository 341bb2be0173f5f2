"""Plain data the document renderers take (no database, no web framework).

The registry services fill these from their models; every field is a plain value::

    doc = RegistryDocData(number="101", date=date(2026, 11, 3), year=2026, month=10,
                          mo=Party.from_object(mo_org), payer=Party.from_object(smo_org),
                          registry_type="АПП", registry_subtype="H — основной",
                          cases=lambda: rows_of(registry),      # called once per document
                          case_count=registry.cases, total=registry.sum,
                          executor_name="Петрова А. С.")

``cases`` may be a sequence (small registries, tests) or a zero-argument callable that returns
a fresh iterator each time it is called (streaming from the database: each document reads the
rows once and never holds them all). A one-shot iterator is accepted too, but only one
document can read it — a second read raises ``ValueError`` instead of rendering an empty table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Iterable, Mapping, Optional, Sequence, Union

ZERO = Decimal("0.00")

MONTHS = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)

#: registry type of a case by USL_OK (the «Формирование» types; «Иногородние» is a registry,
#: not a case type: its cases keep their own type here)
CARE_TYPES = {1: "Стационар", 2: "Дневной стационар", 3: "АПП", 4: "СМП"}

#: payer kinds, as the letter Pp of the file name
PAYER_SMO = "S"
PAYER_TFOMS = "T"
PAYER_TITLES = {PAYER_SMO: "СМО", PAYER_TFOMS: "ТФОМС"}


def period_text(year: int, month: int) -> str:
    """``октябрь 2026 г.`` — the reporting period as the documents write it (after «за»)."""
    if not 1 <= int(month) <= 12:
        raise ValueError(f"month {month!r} is not 1..12")
    return f"{MONTHS[int(month) - 1]} {int(year)} г."


@dataclass(frozen=True)
class Party:
    """An organisation on a document: the МО (supplier) or the payer (СМО / ТФОМС).

    The field names are those of the ``organisation`` table, so :meth:`from_object` takes a
    model row (or anything with such attributes) as it is.
    """

    name: str
    code: str = ""  # реестровый номер: МО 6 digits (F003), СМО 5 (F002), ТФОМС region
    short_name: str = ""
    inn: str = ""
    kpp: str = ""
    ogrn: str = ""
    okato: str = ""
    address: str = ""
    bank_details: str = ""  # free text: р/с, банк, БИК, к/с
    head_name: str = ""  # руководитель
    accountant_name: str = ""  # главный бухгалтер

    @classmethod
    def from_object(cls, obj) -> "Party":
        """A Party from an object with attributes of the same names (None → "")."""
        values = {}
        for f in cls.__dataclass_fields__:
            v = getattr(obj, f, None)
            values[f] = "" if v is None else str(v)
        return cls(**values)


@dataclass(frozen=True, slots=True)
class CaseRow:
    """One finished case (ZAP / Z_SL) as the registry list shows it."""

    n_zap: Union[int, str]  # N_ZAP in the registry file
    idcase: Union[int, str] = ""  # IDCASE
    fam: str = ""
    im: str = ""
    ot: str = ""
    birth_date: Optional[dt.date] = None
    policy: str = ""  # ЕНП, else «серия номер»
    date_1: Optional[dt.date] = None  # DATE_Z_1
    date_2: Optional[dt.date] = None  # DATE_Z_2
    ds1: str = ""  # основной диагноз (МКБ-10)
    profile: str = ""  # PROFIL (V002 code)
    profile_name: str = ""  # V002 name (else looked up in RegistryDocData.profile_names)
    services: Sequence[str] = ()  # CODE_USL / N_KSG codes
    amount: Decimal = ZERO  # SUMV: presented («предъявлено»)
    care_type: str = ""  # «АПП», «Стационар», … (summary by type)
    subdivision: str = ""  # подразделение: code (summary by subdivision)
    subdivision_name: str = ""
    payable: Optional[Decimal] = None  # SUMP: payable after the МЭК sanctions (None: = amount)

    @property
    def patient(self) -> str:
        return " ".join(p for p in (self.fam, self.im, self.ot) if p)

    @property
    def to_pay(self) -> Decimal:
        """The amount payable: SUMP, else SUMV."""
        return self.amount if self.payable is None else self.payable


@dataclass(frozen=True, slots=True)
class Refusal:
    """One case refused (fully or partly) by the МЭК, for the «Акт МЭК». One row per case: a
    case with several sanctions gives its codes and reasons joined («5.1.4; 5.2.1») and its
    ``withheld`` = SANK_IT."""

    n_zap: Union[int, str]
    idcase: Union[int, str] = ""
    fam: str = ""
    im: str = ""
    ot: str = ""
    birth_date: Optional[dt.date] = None
    code: str = ""  # S_OSN, код причины отказа (F014)
    reason: str = ""  # the F014 text and/or the control's message
    withheld: Decimal = ZERO  # S_SUM / SANK_IT: not paid
    case_amount: Optional[Decimal] = None  # SUMV of the case (presented)
    control: str = ""  # the check that found it (e.g. 003K.00.0570)

    @property
    def patient(self) -> str:
        return " ".join(p for p in (self.fam, self.im, self.ot) if p)


@dataclass(frozen=True, slots=True)
class TotalLine:
    """A line of the summary: a group (registry type, profile, subdivision), count, the sum
    presented and the sum payable."""

    key: str
    title: str
    count: int
    amount: Decimal  # presented (Σ SUMV)
    payable: Optional[Decimal] = None  # Σ payable (None: = amount)

    @property
    def to_pay(self) -> Decimal:
        return self.amount if self.payable is None else self.payable


@dataclass(frozen=True)
class Summary:
    """Totals of a registry by registry type, by profile (V002) and by subdivision."""

    by_type: tuple[TotalLine, ...] = ()
    by_profile: tuple[TotalLine, ...] = ()
    by_subdivision: tuple[TotalLine, ...] = ()
    count: int = 0
    amount: Decimal = ZERO  # presented
    payable: Optional[Decimal] = None  # None: = amount

    @property
    def to_pay(self) -> Decimal:
        return self.amount if self.payable is None else self.payable


CaseSource = Union[Sequence[CaseRow], Iterable[CaseRow], Callable[[], Iterable[CaseRow]]]


@dataclass
class RegistryDocData:
    """Everything a registry's documents show besides the rows themselves."""

    number: str  # номер реестра / счёта (NSCHET)
    date: dt.date  # дата счёта (DSCHET)
    year: int  # отчётный период
    month: int
    mo: Party  # the МО (supplier)
    payer: Party  # the СМО, or the ТФОМС for «Иногородние»
    payer_kind: str = PAYER_SMO  # "S" СМО, "T" ТФОМС
    registry_type: str = ""  # «АПП», «Стационар», «Дневной стационар», «СМП», «Иногородние»
    registry_subtype: str = ""  # e.g. «H — основной», «C — ЗНО», «T — ВМП»
    subdivisions: Sequence[str] = ()  # the subdivisions the registry is limited to (empty: whole МО)
    file_name: str = ""  # the registry file, e.g. HM140001S14001_26101
    cases: CaseSource = ()
    case_count: Optional[int] = None  # None: counted from ``cases``
    total: Optional[Decimal] = None  # SUMMAV (presented); None: summed from ``cases``
    payable: Optional[Decimal] = None  # Σ payable (SUMP); None: summed from ``cases``,
    # or = ``total`` when the rows are not read
    summary: Optional[Summary] = None  # None: :func:`summarize` over ``cases`` (the registry
    # list fills it as it reads the rows)
    profile_names: Mapping[str, str] = field(default_factory=dict)  # V002 code → name
    executor_name: str = ""  # исполнитель (МО)
    executor_phone: str = ""
    payer_signer_name: str = ""  # the payer's signatory (СМО specialist / ТФОМС)
    _used: bool = field(default=False, init=False, repr=False, compare=False)

    @property
    def period(self) -> str:
        return period_text(self.year, self.month)

    @property
    def payer_title(self) -> str:
        """«СМО» or «ТФОМС»."""
        return PAYER_TITLES.get(self.payer_kind, "Плательщик")

    def iter_cases(self) -> Iterator[CaseRow]:
        """A fresh iterator over the rows (see the module docstring)."""
        src = self.cases
        if callable(src):
            return iter(src())
        if isinstance(src, Iterator):
            if self._used:
                raise ValueError(
                    "RegistryDocData.cases is a one-shot iterator that a document "
                    "has already read: pass a sequence or a callable"
                )
            self._used = True
            return src
        return iter(src)

    def totals(self) -> tuple[int, Decimal]:
        """(count of cases, total sum): the given values, else counted over the rows."""
        if self.case_count is not None and self.total is not None:
            return int(self.case_count), Decimal(self.total)
        if self.summary is not None:
            return (
                int(self.case_count) if self.case_count is not None else self.summary.count,
                Decimal(self.total) if self.total is not None else self.summary.amount,
            )
        count, amount = 0, ZERO
        for row in self.iter_cases():
            count += 1
            amount += Decimal(row.amount)
        return (
            int(self.case_count) if self.case_count is not None else count,
            Decimal(self.total) if self.total is not None else amount,
        )

    def amounts(self) -> tuple[int, Decimal, Decimal]:
        """(count of cases, presented, payable): the given values, else from the summary, else
        counted over the rows."""
        if self.case_count is not None and self.total is not None:
            payable = self.payable
            if payable is None:
                payable = self.summary.to_pay if self.summary is not None else self.total
            return int(self.case_count), Decimal(self.total), Decimal(payable)
        if self.summary is None:
            self.get_summary()
        s = self.summary
        return (
            int(self.case_count) if self.case_count is not None else s.count,
            Decimal(self.total) if self.total is not None else s.amount,
            Decimal(self.payable) if self.payable is not None else s.to_pay,
        )

    def get_summary(self) -> Summary:
        """``summary``, else :func:`summarize` over the rows (kept in ``summary``)."""
        if self.summary is None:
            self.summary = summarize(self.iter_cases(), self.profile_names)
        return self.summary


def _sort_key(code: str):
    return (0, int(code), "") if code.isdigit() else (1, 0, code)


_TYPE_ORDER = {name: i for i, name in enumerate(("АПП", "Стационар", "Дневной стационар", "СМП"))}


class Summarizer:
    """Totals fed row by row (only the groups are kept, never the rows); :meth:`result` gives
    the :class:`Summary`. Types in the order АПП, Стационар, Дневной стационар, СМП, then
    others; profiles and subdivisions by code."""

    def __init__(self, profile_names: Optional[Mapping[str, str]] = None):
        self.names = profile_names or {}
        self.by_type: dict[str, list] = {}
        self.by_profile: dict[str, list] = {}
        self.by_sub: dict[str, list] = {}
        self.count = 0
        self.amount = ZERO
        self.payable = ZERO

    def add(self, r: CaseRow, amount: Optional[Decimal] = None, payable: Optional[Decimal] = None) -> None:
        a = Decimal(r.amount) if amount is None else amount
        p = payable if payable is not None else (a if r.payable is None else Decimal(r.payable))
        self.count += 1
        self.amount += a
        self.payable += p
        profile = str(r.profile or "")
        for table, key, title in (
            (self.by_type, r.care_type or "", r.care_type or "Не указан"),
            (self.by_profile, profile, r.profile_name or self.names.get(profile, "")),
            (self.by_sub, r.subdivision or "", r.subdivision_name or r.subdivision or ""),
        ):
            g = table.get(key)
            if g is None:
                table[key] = [title, 1, a, p]
            else:
                g[1] += 1
                g[2] += a
                g[3] += p
                if not g[0] and title:
                    g[0] = title

    def result(self) -> Summary:
        def lines(table, order):
            return tuple(TotalLine(k, v[0], v[1], v[2], v[3]) for k, v in sorted(table.items(), key=order))

        return Summary(
            by_type=lines(self.by_type, lambda kv: (_TYPE_ORDER.get(kv[0], len(_TYPE_ORDER)), kv[0])),
            by_profile=lines(self.by_profile, lambda kv: _sort_key(kv[0])),
            by_subdivision=lines(self.by_sub, lambda kv: _sort_key(kv[0])),
            count=self.count,
            amount=self.amount,
            payable=self.payable,
        )


def summarize(rows: Iterable[CaseRow], profile_names: Optional[Mapping[str, str]] = None) -> Summary:
    """Totals by registry type, profile and subdivision in one pass over the rows."""
    s = Summarizer(profile_names)
    for r in rows:
        s.add(r)
    return s.result()
