"""«Снято по МЭК» as a value: the cases refused in full and those paid in part, each a count and a
sum — of a file (app.services.intake.reports.mek_money) or of a registry
(app.services.registries.overview.withheld_by_registry), shown alike."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Withheld:
    refused: int = 0
    refused_sum: Decimal = ZERO
    partial: int = 0
    partial_sum: Decimal = ZERO

    @property
    def count(self) -> int:
        return self.refused + self.partial

    @property
    def sum(self) -> Decimal:
        return self.refused_sum + self.partial_sum
