"""Parts every registry document shares: the registry line, the parties, the signature blocks."""

from __future__ import annotations

from decimal import Decimal

from app.core.formatting import format_date, format_money

from .data import PAYER_TFOMS, RegistryDocData
from .docx_kit import B, par, requisites, set_core, signatures
from .money_words import plural, rubles_in_words

CASES = ("случай", "случая", "случаев")

# signature roles (the labels the tests and the «Печать» set rely on)
ROLE_HEAD = "Руководитель"
ROLE_ACCOUNTANT = "Главный бухгалтер"
ROLE_EXECUTOR = "Исполнитель"
STAMP = "М.П."


class DocumentDataError(ValueError):
    """The data contradict each other (e.g. the given total is not the sum of the rows)."""


def cases_text(n: int) -> str:
    """«1 случай», «3 случая», «25 случаев»."""
    return f"{n} {plural(n, CASES)}"


def money_text(amount: Decimal) -> str:
    """«1 234,56 руб. (Одна тысяча двести тридцать четыре рубля 56 копеек)»."""
    return f"{format_money(amount)} руб. ({rubles_in_words(amount)})"


def payer_label(doc: RegistryDocData) -> str:
    return "Плательщик (ТФОМС)" if doc.payer_kind == PAYER_TFOMS else "Плательщик (СМО)"


def payer_code_label(doc: RegistryDocData) -> str:
    return "Код ТФОМС" if doc.payer_kind == PAYER_TFOMS else "Реестровый номер СМО"


def parties(doc, data: RegistryDocData, mo_label: str = "Поставщик (медицинская организация)") -> None:
    requisites(doc, mo_label, data.mo, code_label="Реестровый номер МО")
    requisites(doc, payer_label(data), data.payer, code_label=payer_code_label(data))


def registry_line(doc, data: RegistryDocData) -> None:
    """«Реестр: № 101 от 03.11.2026; тип «АПП»; подтип «H — основной»; подразделения …; файл …»."""
    parts = [f"№ {data.number} от {format_date(data.date)}", f"период: {data.period}"]
    if data.registry_type:
        parts.append(f"тип реестра: {data.registry_type}")
    if data.registry_subtype:
        parts.append(f"подтип: {data.registry_subtype}")
    parts.append(
        "подразделения: " + ", ".join(data.subdivisions)
        if data.subdivisions
        else "подразделения: вся медицинская организация"
    )
    if data.file_name:
        parts.append(f"файл реестра: {data.file_name}")
    par(doc, B("Реестр счета: "), "; ".join(parts), before=4, after=4)


def mo_signatures(doc, data: RegistryDocData) -> None:
    phone = f"тел. {data.executor_phone}" if data.executor_phone else ""
    signatures(
        doc,
        f"Медицинская организация: {data.mo.short_name or data.mo.name}",
        [
            (ROLE_HEAD, data.mo.head_name),
            (ROLE_ACCOUNTANT, data.mo.accountant_name),
            (ROLE_EXECUTOR, data.executor_name, phone),
        ],
        stamp=True,
    )


def payer_signatures(doc, data: RegistryDocData, heading: str) -> None:
    who = data.payer_title
    signatures(
        doc,
        f"{heading} {who}: {data.payer.short_name or data.payer.name}",
        [
            (f"Уполномоченное лицо {who}", data.payer_signer_name),
        ],
        stamp=True,
        date_line=True,
    )


def core(doc, data: RegistryDocData, title_text: str) -> None:
    set_core(
        doc,
        title_text=f"{title_text} № {data.number} от {format_date(data.date)}",
        author=data.mo.short_name or data.mo.name,
        when=data.date,
        subject=f"за {data.period}",
    )


def check_totals(data: RegistryDocData, count: int, amount: Decimal, what: str, payable: Decimal | None = None) -> None:
    """The given count/total/payable (if any) must equal what the rows add up to."""
    if data.case_count is not None and int(data.case_count) != count:
        raise DocumentDataError(f"{what}: {count} строк, а в реестре указано {data.case_count} случаев")
    if data.total is not None and Decimal(data.total) != amount:
        raise DocumentDataError(
            f"{what}: сумма строк {format_money(amount)}, а сумма реестра {format_money(data.total)}"
        )
    if data.payable is not None and payable is not None and Decimal(data.payable) != payable:
        raise DocumentDataError(
            f"{what}: сумма к оплате по строкам {format_money(payable)}, а в реестре {format_money(data.payable)}"
        )
