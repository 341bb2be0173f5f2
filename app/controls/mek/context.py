"""Everything a МЭК rule may need besides the case itself."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Optional

from app.controls.catalogue import RuleBook
from app.controls.mek.registry import REGISTRY, MekRuleSpec
from app.formats.record import Node


@dataclass
class MekContext:
    file_kind: str = "H"  # H, C, T, X (D-series)
    year: Optional[int] = None  # SCHET/YEAR, SCHET/MONTH: the reporting period
    month: Optional[int] = None
    today: date = field(default_factory=date.today)
    region_okato: str = "98"
    rules: RuleBook = field(default_factory=RuleBook)  # the catalogue: which rules run, reasons, shares
    # МКБ-10 rubrics (3 characters) that have sub-rubrics in M001; None: M001 not loaded (rule skipped)
    rubrics_with_subrubrics: Optional[frozenset[str]] = None
    sum_tolerance: Decimal = Decimal("1.00")  # |SUMV − recalculated| allowed
    months_back: int = 3  # DATE_Z_2 may be this many months before the period
    disp: Optional[str] = None  # SCHET/DISP of a D-series file (ДВ4, ДВ2, ОПВ, ДС1 …)
    header: Optional[Node] = None  # ZL_LIST header of the file (ZGLV, SCHET): the account-level rules
    nsi: Any = None  # the reference books (app.nsi.lookup.MemoryNsi): names of V021 … ; None: not loaded
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def rule_date(self) -> date:
        if self.year and self.month and 1 <= self.month <= 12 and 1900 < self.year < 3000:
            return date(self.year, self.month, 1)
        return self.today

    @property
    def period_end(self) -> Optional[date]:
        if not (self.year and self.month and 1 <= self.month <= 12):
            return None
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def earliest_end(self) -> Optional[date]:
        """The earliest DATE_Z_2 the period accepts: first day of the month ``months_back``
        months before the reporting month."""
        if self.period_end is None:
            return None
        months = self.year * 12 + (self.month - 1) - self.months_back
        return date(months // 12, months % 12 + 1, 1)

    def active(self, scope: str) -> tuple[MekRuleSpec, ...]:
        key = (scope, self.file_kind, self.rule_date, id(self.rules))
        specs = self._cache.get(key)
        if specs is None:
            # the rules of the cases file, and those of the patients' L file that comes with it
            ours = self.rules.active(REGISTRY.all(), scope, self.file_kind, self.rule_date)
            of_l = self.rules.active(REGISTRY.all(), scope, "L", self.rule_date)
            specs = self._cache[key] = ours + tuple(s for s in of_l if s not in ours)
        return specs

    # -- the catalogue's values, else the code's --------------------------------------------------------
    def refusal(self, spec: MekRuleSpec) -> str:
        s = self.rules.setting(spec)
        return (s.refusal if s and s.refusal else None) or spec.refusal

    def share(self, spec: MekRuleSpec) -> Optional[Decimal]:
        s = self.rules.setting(spec)
        return s.share if s is not None else spec.share

    def message(self, spec: MekRuleSpec) -> str:
        return self.rules.message(spec)
