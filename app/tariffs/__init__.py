"""Tariffs: the cost of a case (:mod:`app.tariffs.book`, pure), the CSV import and the demo
tariffs.  The model is :class:`app.models.tariff.Tariff`."""

from app.tariffs.book import Calculation, Missing, TariffBook, TariffRow, calculate, money

__all__ = ["Calculation", "Missing", "TariffBook", "TariffRow", "calculate", "money"]
