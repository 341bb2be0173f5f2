"""The URLs of the lists a home page's figures open, written with each list's own filter arguments,
so the list shows exactly the rows the figure counts (the user's scope applies there as here).

- «Загрузка файла» and «Случаи» take Flask-AppBuilder's ``_flt_<n>_<column>=value``, where ``n``
  is the place of the filter in the library's list for the column's type: for a text column 3 is
  «Равно» and 8 «Одно из» (the argument repeated per value), for a number or a relation 0 is «Равно».
- «Текущие реестры» and «Закрытые реестры» take their filter panel's own arguments (``period``,
  ``status``, ``payer_id``; ``since`` empty: closed at any time) and, for the МО of a row of the
  ТФОМС's table, the library's ``_flt_0_organisation``.
"""

from __future__ import annotations

from typing import Iterable, Optional

from flask import url_for

from app.models.vocabulary import FileStatus, RegistryStatus
from app.services.dashboards.shared import Period

TEXT_EQUAL = 3
TEXT_IN = 8
NUMBER_EQUAL = 0
RELATION_EQUAL = 0
BOOL_NOT_EQUAL = 1


def _status_args(statuses: Iterable[str]) -> dict:
    values = [str(s) for s in statuses]
    if not values:
        return {}
    if len(values) == 1:
        return {f"_flt_{TEXT_EQUAL}_status": values[0]}
    return {f"_flt_{TEXT_IN}_status": values}


def _period_args(period: Optional[Period]) -> dict:
    if period is None:
        return {}
    return {f"_flt_{NUMBER_EQUAL}_year": period.year, f"_flt_{NUMBER_EQUAL}_month": period.month}


def files_list(
    statuses: Iterable[str] = (),
    period: Optional[Period] = None,
    organisation_id: Optional[int] = None,
    no_period: bool = False,
) -> str:
    """«Загрузка файла» with these statuses, of this period (``no_period``: of none — the load
    failed before the period was read), of this МО (the ТФОМС's rows)."""
    args = {**_status_args(statuses), **_period_args(period)}
    if set(map(str, statuses)) != {FileStatus.DONE}:
        args[f"_flt_{BOOL_NOT_EQUAL}_dry_run"] = "y"  # the checks («Проверить без загрузки») left out
    if no_period:
        args[f"_flt_{NUMBER_EQUAL}_year"] = ""  # the library compares with NULL: «year IS NULL»
    if organisation_id is not None:
        args[f"_flt_{RELATION_EQUAL}_organisation"] = organisation_id
    return url_for("UploadedFileView.list", **args)


def cases_list(statuses: Iterable[str] = (), period: Optional[Period] = None) -> str:
    """«Случаи» with these statuses, of this period (the list shows the cases of loaded files only)."""
    return url_for("CaseView.list", **_status_args(statuses), **_period_args(period))


def registries_list(
    status: Optional[str] = None,
    period: Optional[Period] = None,
    payer_id: Optional[int] = None,
    organisation_id: Optional[int] = None,
    closed: bool = False,
) -> str:
    """«Текущие реестры» in this status (or «Закрытые реестры» for «Закрыт» or ``closed``), of this
    period, payer and МО."""
    closed = closed or status == RegistryStatus.CLOSED
    args: dict = {}
    if period is not None:
        args["period"] = period.value
    if status and not closed:
        args["status"] = str(status)
    if payer_id is not None:
        args["payer_id"] = payer_id
    if organisation_id is not None:
        args[f"_flt_{RELATION_EQUAL}_organisation"] = organisation_id
    if closed:
        args["since"] = ""  # closed at any time, not the last 12 months of the page's default
        return url_for("ClosedRegistryView.list", **args)
    return url_for("RegistryView.list", **args)


def file_card(file_id: int) -> str:
    return url_for("UploadedFileView.show", pk=file_id)


def registry_card(registry_id: int, anchor: Optional[str] = None) -> str:
    url = url_for("RegistryView.documents_page", pk=registry_id)
    return f"{url}#{anchor}" if anchor else url


def signing_page(registry_id: int) -> str:
    return url_for("RegistrySigningView.page", pk=registry_id)


def certificates() -> str:
    return url_for("CertificateView.list")
