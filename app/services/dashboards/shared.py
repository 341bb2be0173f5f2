"""What the home pages of every role share: the reporting period they show, a figure with the URL
of the list behind it, money as Decimal, and the rule that a dry-run file never counts.

The period comes from the URL (``?period=ГГГГ-ММ``, checked by :func:`app.errors.parse_period`);
without it the page shows the latest period with data in the user's scope.  Nothing is remembered:
the same URL always shows the same month, and the argument only narrows what the scope allows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from sqlalchemy import ColumnElement, Select, and_, select, union

from app.core.formatting import format_period
from app.errors import parse_period
from app.extensions import db
from app.models.intake import UploadedFile, loaded_file_ids
from app.models.registry import Registry
from app.models.user import OmsUser
from app.security.access import can
from app.security.permissions import PERM_READ
from app.security.scope import Scope
from app.services.intake.listing import BAD_PERIOD

ZERO = Decimal("0.00")


class PeriodRefused(ValueError):
    """``?period=`` that is not «ГГГГ-ММ»; ``str(exc)`` is the message for the user."""


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    @property
    def value(self) -> str:
        """«ГГГГ-ММ», as the lists' filters take it."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        """«ММ.ГГГГ», as people read it."""
        return format_period(self.value)


@dataclass(frozen=True)
class PeriodChoice:
    """The period a page shows and the periods its selector offers (the latest first)."""

    current: Period
    options: list[Period]


@dataclass(frozen=True)
class Figure:
    """A number on a home page and the list that shows exactly these rows (None: no link — nothing
    to show, or the user may not open that list); ``amount`` and ``payable`` are its sums."""

    count: int
    url: Optional[str] = None
    amount: Optional[Decimal] = None
    payable: Optional[Decimal] = None


def money(value: object) -> Decimal:
    """A sum from the database (Decimal, or a float/str from SQLite's aggregates) as Decimal."""
    return Decimal(str(value or 0)).quantize(ZERO)


def figure(
    user: OmsUser,
    resource: str,
    count: int,
    url: str,
    amount: Optional[object] = None,
    payable: Optional[object] = None,
) -> Figure:
    """A figure linked to its list when there is something to show and the user may read it."""
    link = url if count and can(user, PERM_READ, resource) else None
    return Figure(
        int(count or 0),
        link,
        None if amount is None else money(amount),
        None if payable is None else money(payable),
    )


def counted_files() -> Select:
    """The ids of the files whose cases count: loaded («Процесс загрузки завершен»), not a dry run."""
    return loaded_file_ids().where(UploadedFile.dry_run.is_(False))


def real_files(user: OmsUser) -> ColumnElement:
    """The user's files that are not a dry run («Проверить без загрузки»), as a SQL condition."""
    return and_(Scope.of(user).clause(UploadedFile), UploadedFile.dry_run.is_(False))


def periods_with_data(user: OmsUser) -> list[Period]:
    """The periods of the user's files (dry runs left out) and registries, the latest first.  An
    СМО has no files in its scope: its registries decide."""
    files = select(UploadedFile.year, UploadedFile.month).where(
        real_files(user), UploadedFile.year.is_not(None), UploadedFile.month.is_not(None)
    )
    registries = select(Registry.year, Registry.month).where(Scope.of(user).clause(Registry))
    rows = db.session.execute(union(files, registries)).all()
    found = {Period(int(y), int(m)) for y, m in rows if y and m and 1 <= int(m) <= 12}
    return sorted(found, reverse=True)


def previous_month(today: Optional[dt.date] = None) -> Period:
    first = (today or dt.date.today()).replace(day=1) - dt.timedelta(days=1)
    return Period(first.year, first.month)


def choose_period(user: OmsUser, text: Optional[str]) -> PeriodChoice:
    """The period of ``?period=`` (:class:`PeriodRefused` when it is not «ГГГГ-ММ»), else the latest
    with data in the user's scope, else the month before today."""
    options = periods_with_data(user)
    text = (text or "").strip()
    if text:
        parsed = parse_period(text)
        if parsed is None:
            raise PeriodRefused(BAD_PERIOD)
        current = Period(*parsed)
    else:
        current = options[0] if options else previous_month()
    if current not in options:
        options = sorted({*options, current}, reverse=True)
    return PeriodChoice(current, options)


# -- registries named on a page ---------------------------------------------------------------------
@dataclass(frozen=True)
class RegistryLink:
    """A registry named on a home page: its number, period, МО, sum and the page to open."""

    id: int
    number: str
    period: str
    organisation: str
    amount: Decimal
    url: str


SHOWN = 10  # rows a home page names in a block; its figure counts them all


def org_name(org: object) -> str:
    if org is None:
        return ""
    return str(getattr(org, "short_name", None) or getattr(org, "name", "") or "")


def registry_link(reg: Registry, url: str) -> RegistryLink:
    return RegistryLink(
        reg.id, reg.number, format_period(reg.period), org_name(reg.organisation), money(reg.sum_declared), url
    )
