"""«Сводный реестр»: totals by registry type, by profile (V002) and by subdivision."""

from __future__ import annotations

from app.core.formatting import format_date, format_money

from .common import cases_text, check_totals, core, mo_signatures, money_text, parties, payer_signatures, registry_line
from .data import RegistryDocData, Summary, TotalLine
from .docx_kit import B, new_document, par, save, small_table, text_width_mm, title

SUMS = ("Количество случаев", "Предъявлено, руб.", "К оплате, руб.")


def _table(d, first: str, lines, *, with_code: bool, s: Summary, code_title: str = "Код") -> None:
    width = text_width_mm(d)
    rows = []
    for i, line in enumerate(lines, start=1):
        row = [str(i)]
        if with_code:
            row.append(line.key or "—")
        row += [line.title, str(line.count), format_money(line.amount), format_money(line.to_pay)]
        rows.append(row)
    total = [""] + ([""] if with_code else []) + ["Итого", str(s.count), format_money(s.amount), format_money(s.to_pay)]
    rows.append(total)
    sums = (22, 30, 30)
    if with_code:
        headers = ("№", code_title, first, *SUMS)
        widths = (10, 18, width - 10 - 18 - sum(sums), *sums)
        aligns = "cclcrr"
    else:
        headers = ("№", first, *SUMS)
        widths = (10, width - 10 - sum(sums), *sums)
        aligns = "clcrr"
    small_table(d, headers, rows, widths, aligns, bold_last=True)


def _subdivision_lines(lines) -> list[TotalLine]:
    return [
        TotalLine(
            ln.key,
            ln.title if ln.key else "Без подразделения (медицинская организация)",
            ln.count,
            ln.amount,
            ln.payable,
        )
        for ln in lines
    ]


def render_summary(doc: RegistryDocData) -> bytes:
    """The summary (DOCX bytes): counts, sums presented and payable (after the МЭК sanctions) by
    type, profile and subdivision. Uses ``doc.summary`` or :func:`~app.documents.data.summarize`
    over ``doc.cases``; a given ``doc.case_count``/``doc.total``/``doc.payable`` must agree with it."""
    s = doc.get_summary()
    check_totals(doc, s.count, s.amount, "Сводный реестр", s.to_pay)
    d = new_document()
    core(d, doc, "Сводный реестр")
    title(
        d,
        f"СВОДНЫЙ РЕЕСТР № {doc.number} от {format_date(doc.date)}",
        "счетов на оплату медицинской помощи, оказанной застрахованным лицам,",
        f"за {doc.period}",
    )
    parties(d, doc, mo_label="Медицинская организация")
    registry_line(d, doc)
    par(d, B("1. По типам реестра"), before=8, after=2, keep_next=True)
    _table(d, "Тип реестра", s.by_type, with_code=False, s=s)
    par(d, B("2. По профилям медицинской помощи (V002)"), before=8, after=2, keep_next=True)
    _table(d, "Профиль", s.by_profile, with_code=True, s=s, code_title="Код V002")
    par(d, B("3. По подразделениям"), before=8, after=2, keep_next=True)
    _table(d, "Подразделение", _subdivision_lines(s.by_subdivision), with_code=True, s=s)
    par(
        d,
        B("Итого по реестру: "),
        f"{cases_text(s.count)}; предъявлено {format_money(s.amount)} руб.; к оплате {money_text(s.to_pay)}",
        before=8,
        after=4,
    )
    mo_signatures(d, doc)
    payer_signatures(d, doc, "Реестр принят")
    return save(d, when=doc.date)
