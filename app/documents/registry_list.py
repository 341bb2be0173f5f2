"""«Реестр счета»: one table row per case, streamed (100,000 rows in a few seconds and flat
memory — see :mod:`app.documents.docx_kit`)."""

from __future__ import annotations

from decimal import Decimal

from app.core.formatting import format_date

from .common import cases_text, check_totals, core, mo_signatures, parties, payer_signatures, registry_line
from .data import ZERO, CaseRow, RegistryDocData, Summarizer
from .docx_kit import B, Column, StreamTable, dates_span, fast_date, fast_money, new_document, par, save, title, token
from .money_words import rubles_in_words

COLUMNS = (
    Column("№ п/п", 10, "c"),
    Column("N_ZAP / IDCASE", 22, "c"),
    Column("Фамилия, имя, отчество", 40, "l"),
    Column("Дата рождения", 20, "c"),
    Column("Полис ОМС", 30, "c"),
    Column("Даты лечения", 23, "c"),
    Column("Диагноз", 17, "c"),
    Column("Профиль (V002)", 27, "l"),
    Column("Услуги (коды)", 34, "l"),
    Column("Предъявлено, руб.", 22, "r"),
    Column("К оплате, руб.", 22, "r"),
)


def profile_text(row: CaseRow, names) -> str:
    code = str(row.profile or "")
    name = row.profile_name or names.get(code, "")
    return f"{code} {name}".strip()


def render_registry_list(doc: RegistryDocData) -> bytes:
    """The registry list (DOCX bytes, A4 landscape): per case the sum presented (SUMV) and the
    sum payable (SUMP, after the МЭК sanctions). Reads ``doc.cases`` once; if
    ``doc.case_count``/``doc.total`` are given, the rows must add up to them
    (:class:`~app.documents.common.DocumentDataError` otherwise). When ``doc.summary`` is None
    it is filled from the same pass, so rendering the list first spares the summary and the
    invoice another reading of the rows."""
    d = new_document(landscape=True)
    core(d, doc, "Реестр счета")
    title(
        d,
        f"РЕЕСТР СЧЕТА № {doc.number} от {format_date(doc.date)}",
        f"на оплату медицинской помощи, оказанной застрахованным лицам, за {doc.period}",
    )
    parties(d, doc, mo_label="Медицинская организация")
    registry_line(d, doc)
    par(d, "", after=4)
    table = StreamTable(d, "cases", COLUMNS)
    late: dict[str, str] = {}
    names = doc.profile_names

    summarizer = Summarizer(names) if doc.summary is None else None

    def rows():
        count, total, total_payable = 0, ZERO, ZERO
        row_xml = table.row
        for r in doc.iter_cases():
            count += 1
            amount = Decimal(r.amount)
            payable = amount if r.payable is None else Decimal(r.payable)
            total += amount
            total_payable += payable
            if summarizer is not None:
                summarizer.add(r, amount, payable)
            yield row_xml(
                (
                    str(count),
                    f"{r.n_zap} / {r.idcase}" if r.idcase not in ("", None) else str(r.n_zap),
                    r.patient,
                    fast_date(r.birth_date),
                    r.policy,
                    dates_span(r.date_1, r.date_2),
                    r.ds1,
                    profile_text(r, names),
                    ", ".join(r.services),
                    fast_money(amount),
                    fast_money(payable),
                )
            )
        check_totals(doc, count, total, "Реестр счета", total_payable)
        if summarizer is not None:
            doc.summary = summarizer.result()
        yield table.total_row(
            f"Итого: {cases_text(count)}", len(COLUMNS) - 2, [fast_money(total), fast_money(total_payable)]
        )
        late.update(
            count=cases_text(count),
            sum=fast_money(total),
            payable=fast_money(total_payable),
            words=rubles_in_words(total_payable),
        )

    par(
        d,
        B("Всего по реестру: "),
        token("count"),
        "; предъявлено ",
        token("sum"),
        " руб.; к оплате ",
        token("payable"),
        " руб. (",
        token("words"),
        ")",
        before=8,
        after=4,
    )
    mo_signatures(d, doc)
    payer_signatures(d, doc, "Реестр принят")
    return save(d, when=doc.date, streams={"cases": rows}, late=late)
