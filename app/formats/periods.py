"""The format version each reporting period requires (ZGLV/VERSION by file kind and period).

This is data, not code: the rows below only seed the table «Версии форматов по периодам», which
the ТФОМС edits in «Справочники» (funds and МИС disagree — e.g. D-files in 5.0 or in 5.1 after
July 2025 — so the fund's word wins).  A load reads the table from the database
(:mod:`app.services.reference.format_versions`); code without a database (the demo generator,
unit tests) uses these defaults.

What the seed says, and on what evidence (public ФЛК checkers and МИС of 2024–2026; no official
XSD of 4.0/5.x was available):

====  =========  ===================  ==============================================================
kind  version    periods              Q015 check that refuses another version
====  =========  ===================  ==============================================================
H, C  3.1        to 12.2021           002F.00.0010 (Q015 v2.2: VERSION = 3.1 for C, H, T, X)
H, C  3.2        01.2022 – 02.2024    none known: 002F.00.0010, the general version check
H, C  4.0        03.2024 – 12.2024    002F.00.0013 «Версия файла C,H должна быть 4.0»
T, X  3.1        to 12.2024           002F.00.0012 «Версия файла T,X должна быть 3.1»
all   5.0        01.2025 – 06.2025    002F.00.0014 «Версия файла должна быть 5.0»
all   5.1        from 07.2025         002F.00.0016 «Версия файла должна быть 5.1»
L     3.2        from 11.2019         002F.00.0050 «Версия L-файла должна быть 3.2»
====  =========  ===================  ==============================================================

Periods before 11.2019 have no row (no version is required of them): the Q015 checks are in force
from 01.11.2019, and files of such periods are past every deadline of correction.

Unsure: the first period of H/C 3.2 (January 2022 by a МИС's change log) and whether D-files
moved to 5.1 in July 2025 (a ФЛК checker says all files, a МИС keeps them at 5.0).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Optional

#: the Q015 checks of ZGLV/VERSION; a row names the one that refuses a file of its period
GENERAL_CHECK = "002F.00.0010"
VERSION_CHECKS = {
    "002F.00.0010": "Недопустимая версия формата файла (VERSION)",
    "002F.00.0012": "Версия файла T,X должна быть 3.1",
    "002F.00.0013": "Версия файла C,H должна быть 4.0",
    "002F.00.0014": "Версия файла должна быть 5.0",
    "002F.00.0016": "Версия файла должна быть 5.1",
    "002F.00.0050": "Версия L-файла должна быть 3.2 (с отчётного периода «ноябрь 2019»)",
}
KINDS = ("H", "C", "T", "X", "L")


@dataclass(frozen=True)
class VersionPeriod:
    """One row: files of ``kind`` for the reporting periods ``first``…``last`` (first days of the
    months; None = open) must carry ``version``; another version is refused under ``check``."""

    kind: str
    version: str
    first: Optional[date]
    last: Optional[date]
    check: str = GENERAL_CHECK

    def covers(self, period: date) -> bool:
        return (self.first is None or self.first <= period) and (self.last is None or period <= self.last)


def _rows(kinds: str, version: str, first: Optional[date], last: Optional[date], check: str) -> list[VersionPeriod]:
    return [VersionPeriod(kind, version, first, last, check) for kind in kinds]


DEFAULT_PERIODS: tuple[VersionPeriod, ...] = tuple(
    _rows("HC", "3.1", None, date(2021, 12, 1), "002F.00.0010")
    + _rows("HC", "3.2", date(2022, 1, 1), date(2024, 2, 1), GENERAL_CHECK)
    + _rows("HC", "4.0", date(2024, 3, 1), date(2024, 12, 1), "002F.00.0013")
    + _rows("TX", "3.1", None, date(2024, 12, 1), "002F.00.0012")
    + _rows("HCTX", "5.0", date(2025, 1, 1), date(2025, 6, 1), "002F.00.0014")
    + _rows("HCTX", "5.1", date(2025, 7, 1), None, "002F.00.0016")
    + _rows("L", "3.2", date(2019, 11, 1), None, "002F.00.0050")
)


def period_start(year: Optional[int], month: Optional[int]) -> Optional[date]:
    """The first day of a reporting period, or None when the header does not give a real one."""
    if year and month and 1 <= month <= 12 and 1900 < year < 3000:
        return date(year, month, 1)
    return None


def required(
    kind: str, period: Optional[date], table: Optional[Iterable[VersionPeriod]] = None
) -> Optional[VersionPeriod]:
    """The row that fixes the version of ``kind`` (H, C, T, X or L) for ``period``; None when no row
    covers it (then no version is required).  Of overlapping rows the one that starts last wins,
    and of rows that start together the last of the table (the one added last)."""
    if period is None:
        return None
    best = None
    for row in DEFAULT_PERIODS if table is None else table:
        if row.kind == kind and row.covers(period):
            if best is None or (row.first or date.min) >= (best.first or date.min):
                best = row
    return best


def required_version(
    kind: str, year: int, month: int, table: Optional[Iterable[VersionPeriod]] = None
) -> Optional[str]:
    row = required(kind, period_start(year, month), table)
    return row.version if row else None
